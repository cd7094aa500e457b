//! The languages the bot speaks and the message catalogs behind every sentence it says.
//! Words live in `locales/<lang>/*.ftl` (Project Fluent); code names a [`Key`] and its
//! arguments, and [`render`] picks the sentence for a [`Lang`].

mod catalog;
mod format;
mod keys;
mod lang;

pub use catalog::{Arg, Text, catalog_ids, catalog_source, placeholders, render};
pub use format::{format_date, format_datetime, format_duration_short, format_span};
pub use keys::Key;
pub use lang::Lang;

/// Renders `key` with named arguments: `tr!(lang, Key::TicketOpened, id = t.id, when = promise)`.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $key:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::domain::i18n::render(
            $lang,
            $key,
            &[$((stringify!($name), $crate::domain::i18n::Arg::from($value))),*],
        )
    };
}

/// A [`Text`] with named arguments, rendered later: `text!(Key::NoTicket, id = 42)`.
#[macro_export]
macro_rules! text {
    ($key:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::domain::i18n::Text::new(
            $key,
            vec![$((stringify!($name), $crate::domain::i18n::Arg::from($value))),*],
        )
    };
}

#[cfg(test)]
mod tests;

//! Telegram rendering: HTML escaping so user text can never inject markup, splitting to the
//! 4096-character message limit, and inline keyboards from desk buttons.

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::domain::event::Button;
use crate::domain::ids::{Platform, UserRef};

/// Telegram's maximum message length, in characters after entity parsing.
pub const MAX_MESSAGE: usize = 4096;

/// Escapes text for `parse_mode = HTML`.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Splits plain text into pieces of at most `max` characters, preferring paragraph, line and
/// word boundaries. Pieces are escaped afterwards, so an entity is never cut in half.
pub fn split_text(text: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.chars().count() > max {
        let hard: usize = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let window = &rest[..hard];
        let cut = ["\n\n", "\n", " "]
            .iter()
            .filter_map(|sep| window.rfind(sep).map(|i| i + sep.len()))
            .find(|&i| i > hard / 2)
            .unwrap_or(hard);
        pieces.push(rest[..cut].trim_end().to_string());
        rest = rest[cut..].trim_start_matches('\n');
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push(rest.to_string());
    }
    pieces
}

/// Renders plain text as escaped HTML chunks that each fit in one Telegram message.
pub fn render_chunks(text: &str) -> Vec<String> {
    // Escaping can grow text up to 6x (`'` -> `&#39;`), but Telegram counts characters after
    // parsing entities, so the limit applies to the unescaped text.
    split_text(text, MAX_MESSAGE)
        .iter()
        .map(|p| escape_html(p))
        .collect()
}

/// Text mentions (HTML) of the Telegram users among `notify`, which alert them even without a
/// public username; empty when none is on Telegram.
pub fn mentions(notify: &[UserRef]) -> String {
    notify
        .iter()
        .filter(|u| u.platform == Platform::Telegram)
        .filter_map(|u| u.id.parse::<i64>().ok().map(|id| (id, &u.name)))
        .map(|(id, name)| format!("<a href=\"tg://user?id={id}\">@{}</a>", escape_html(name)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// An inline keyboard: rating buttons share one row, other buttons get a row each.
pub fn keyboard(buttons: &[Button]) -> Option<InlineKeyboardMarkup> {
    if buttons.is_empty() {
        return None;
    }
    let short = buttons.iter().all(|b| b.label.chars().count() <= 2);
    let make = |b: &Button| InlineKeyboardButton::callback(b.label.clone(), b.action.encode());
    let rows: Vec<Vec<InlineKeyboardButton>> = if short {
        vec![buttons.iter().map(make).collect()]
    } else {
        buttons.iter().map(|b| vec![make(b)]).collect()
    };
    Some(InlineKeyboardMarkup::new(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_users_get_text_mentions() {
        let notify = vec![
            UserRef::new(Platform::Telegram, "456", "ann<1>"),
            UserRef::new(Platform::Discord, "42", "ann"),
            UserRef::new(Platform::Telegram, "@bob", "bob"),
        ];
        assert_eq!(
            mentions(&notify),
            "<a href=\"tg://user?id=456\">@ann&lt;1&gt;</a>"
        );
        assert_eq!(mentions(&[]), "");
    }

    #[test]
    fn html_special_characters_are_escaped() {
        assert_eq!(escape_html(r#"<b>&"'"#), "&lt;b&gt;&amp;&quot;&#39;");
        assert_eq!(escape_html("plain ✓"), "plain ✓");
    }

    #[test]
    fn long_text_splits_on_boundaries_and_keeps_everything() {
        let para = "word ".repeat(300);
        let text = format!("{para}\n\n{para}\n{}", "x".repeat(5000));
        let parts = split_text(&text, MAX_MESSAGE);
        assert!(parts.len() >= 2);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_MESSAGE));
        let joined: String = parts.concat();
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(squash(&joined), squash(&text));
    }

    #[test]
    fn splitting_counts_characters_not_bytes() {
        let text = "é".repeat(5000);
        let parts = split_text(&text, MAX_MESSAGE);
        assert_eq!(
            parts.iter().map(|p| p.chars().count()).collect::<Vec<_>>(),
            vec![4096, 904]
        );
    }
}

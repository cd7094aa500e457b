//! The compiled-in Fluent catalogs and rendering a [`Key`] with its arguments for a [`Lang`].

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;

use super::keys::Key;
use super::lang::Lang;
use crate::domain::ids::TicketId;

/// The catalog files of each language, compiled in so the binary needs no files at run time.
const SOURCES: [(Lang, &[&str]); 3] = [
    (
        Lang::En,
        &[
            include_str!("../../../locales/en/customer.ftl"),
            include_str!("../../../locales/en/staff.ftl"),
            include_str!("../../../locales/en/commands.ftl"),
            include_str!("../../../locales/en/sla.ftl"),
            include_str!("../../../locales/en/reports.ftl"),
            include_str!("../../../locales/en/dashboard.ftl"),
        ],
    ),
    (
        Lang::Zh,
        &[
            include_str!("../../../locales/zh-CN/customer.ftl"),
            include_str!("../../../locales/zh-CN/staff.ftl"),
            include_str!("../../../locales/zh-CN/commands.ftl"),
            include_str!("../../../locales/zh-CN/sla.ftl"),
            include_str!("../../../locales/zh-CN/reports.ftl"),
            include_str!("../../../locales/zh-CN/dashboard.ftl"),
        ],
    ),
    (
        Lang::Hu,
        &[
            include_str!("../../../locales/hu/customer.ftl"),
            include_str!("../../../locales/hu/staff.ftl"),
            include_str!("../../../locales/hu/commands.ftl"),
            include_str!("../../../locales/hu/sla.ftl"),
            include_str!("../../../locales/hu/reports.ftl"),
            include_str!("../../../locales/hu/dashboard.ftl"),
        ],
    ),
];

/// One argument of a message: text, or a number (numbers choose plural forms).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Shown as is.
    Str(String),
    /// Shown as a number; `{ $n -> [one] … *[other] … }` selects on it by the locale's rules.
    Num(i64),
    /// Another message, worded in the same language (a usage line inside an error).
    Key(Key),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Str(s.to_string())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Str(s)
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Str(s.clone())
    }
}
impl From<i64> for Arg {
    fn from(n: i64) -> Arg {
        Arg::Num(n)
    }
}
impl From<usize> for Arg {
    fn from(n: usize) -> Arg {
        Arg::Num(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<u8> for Arg {
    fn from(n: u8) -> Arg {
        Arg::Num(i64::from(n))
    }
}
impl From<u32> for Arg {
    fn from(n: u32) -> Arg {
        Arg::Num(i64::from(n))
    }
}
impl From<Key> for Arg {
    fn from(k: Key) -> Arg {
        Arg::Key(k)
    }
}
impl From<TicketId> for Arg {
    fn from(id: TicketId) -> Arg {
        Arg::Str(id.to_string())
    }
}

/// A sentence decided now and worded later, once the reader's language is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    key: Key,
    args: Vec<(&'static str, Arg)>,
}

impl Text {
    /// A key with its named arguments.
    pub fn new(key: Key, args: Vec<(&'static str, Arg)>) -> Text {
        Text { key, args }
    }

    /// The message id.
    pub fn key(&self) -> Key {
        self.key
    }

    /// The sentence in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        render(lang, self.key, &self.args)
    }
}

struct Catalog {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    let bundles = SOURCES
        .iter()
        .map(|(lang, files)| {
            let id: unic_langid::LanguageIdentifier =
                lang.tag().parse().expect("catalog tags are valid");
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Isolation marks (U+2068/U+2069) around arguments would reach chats as invisible
            // characters and break copy-pasted ticket numbers; no catalog mixes text directions.
            bundle.set_use_isolating(false);
            for src in *files {
                // The catalog test parses every file, so a syntax error cannot ship.
                let res = FluentResource::try_new(src.to_string()).unwrap_or_else(|(r, _)| r);
                if let Err(errors) = bundle.add_resource(res) {
                    tracing::error!(?errors, lang = lang.tag(), "duplicate catalog messages");
                }
            }
            (*lang, bundle)
        })
        .collect();
    Catalog { bundles }
});

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    &CATALOG
        .bundles
        .iter()
        .find(|(l, _)| *l == lang)
        .expect("every language has a bundle")
        .1
}

/// The sentence for `key` in `lang`, with `args` filled in. A message missing from `lang`
/// falls back to English (the catalog test makes that impossible in a build that passed).
pub fn render(lang: Lang, key: Key, args: &[(&str, Arg)]) -> String {
    let mut fargs = FluentArgs::new();
    for (name, value) in args {
        match value {
            Arg::Str(s) => fargs.set(*name, FluentValue::from(s.as_str())),
            Arg::Num(n) => fargs.set(*name, FluentValue::from(*n)),
            Arg::Key(k) => fargs.set(*name, FluentValue::from(render(lang, *k, &[]))),
        }
    }
    for l in [lang, Lang::En] {
        let b = bundle(l);
        if let Some(pattern) = b.get_message(key.id()).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            let out: Cow<'_, str> = b.format_pattern(pattern, Some(&fargs), &mut errors);
            if !errors.is_empty() {
                tracing::warn!(
                    ?errors,
                    key = key.id(),
                    lang = l.tag(),
                    "catalog message errors"
                );
            }
            return out.into_owned();
        }
    }
    tracing::error!(key = key.id(), "message missing from every catalog");
    key.id().to_string()
}

/// The catalog text of `lang`, all files joined (for the parity test and `kb check`-like tools).
pub fn catalog_source(lang: Lang) -> String {
    SOURCES
        .iter()
        .find(|(l, _)| *l == lang)
        .map(|(_, files)| files.join("\n"))
        .unwrap_or_default()
}

/// Message ids defined in `lang`'s catalog.
pub fn catalog_ids(lang: Lang) -> BTreeSet<String> {
    parse(lang)
        .iter()
        .filter_map(|e| match e {
            ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

/// The `$variables` message `id` uses in `lang`, or `None` when it is not defined there.
pub fn placeholders(lang: Lang, id: &str) -> Option<BTreeSet<String>> {
    let entries = parse(lang);
    let msg = entries.iter().find_map(|e| match e {
        ast::Entry::Message(m) if m.id.name == id => Some(m),
        _ => None,
    })?;
    let mut vars = BTreeSet::new();
    if let Some(p) = &msg.value {
        pattern_vars(p, &mut vars);
    }
    Some(vars)
}

fn parse(lang: Lang) -> Vec<ast::Entry<String>> {
    let src = catalog_source(lang);
    match fluent_syntax::parser::parse(src) {
        Ok(r) => r.body,
        Err((r, _)) => r.body,
    }
}

fn pattern_vars(p: &ast::Pattern<String>, out: &mut BTreeSet<String>) {
    for el in &p.elements {
        if let ast::PatternElement::Placeable { expression } = el {
            expression_vars(expression, out);
        }
    }
}

fn expression_vars(e: &ast::Expression<String>, out: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, out);
            for v in variants {
                pattern_vars(&v.value, out);
            }
        }
        ast::Expression::Inline(i) => inline_vars(i, out),
    }
}

fn inline_vars(i: &ast::InlineExpression<String>, out: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.clone());
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, out),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, out);
            }
        }
        _ => {}
    }
}

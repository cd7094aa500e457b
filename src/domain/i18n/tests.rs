//! Catalog parity: every key in every locale, no key without code, the same placeholders.

use std::collections::BTreeSet;
use std::path::Path;

use super::{Key, Lang, catalog_ids, catalog_source, placeholders};

#[test]
fn every_catalog_parses_without_errors() {
    for lang in Lang::ALL {
        let src = catalog_source(lang);
        if let Err((_, errors)) = fluent_syntax::parser::parse(src) {
            panic!("{} catalog has syntax errors: {errors:?}", lang.tag());
        }
    }
}

#[test]
fn every_key_exists_in_every_locale_and_nothing_else_does() {
    let keys: BTreeSet<String> = Key::ALL.iter().map(|k| k.id().to_string()).collect();
    for lang in Lang::ALL {
        let ids = catalog_ids(lang);
        let missing: Vec<_> = keys.difference(&ids).collect();
        let extra: Vec<_> = ids.difference(&keys).collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", lang.tag());
        assert!(
            extra.is_empty(),
            "{} has keys no code knows: {extra:?}",
            lang.tag()
        );
    }
}

#[test]
fn placeholders_are_the_same_in_every_locale() {
    for key in Key::ALL {
        let en = placeholders(Lang::En, key.id()).expect("checked above");
        for lang in [Lang::Zh, Lang::Hu] {
            let other = placeholders(lang, key.id()).expect("checked above");
            assert_eq!(
                en,
                other,
                "{} placeholders differ in {}",
                key.id(),
                lang.tag()
            );
        }
    }
}

#[test]
fn every_key_is_used_by_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut code = String::new();
    collect(&root, &mut code);
    let unused: Vec<&str> = Key::ALL
        .iter()
        .filter(|k| !code.contains(&format!("Key::{k:?}")))
        .map(|k| k.id())
        .collect();
    assert!(unused.is_empty(), "catalog keys no code uses: {unused:?}");
}

fn collect(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            && !path.ends_with("i18n/keys.rs")
            && !path.ends_with("i18n/tests.rs")
        {
            out.push_str(&std::fs::read_to_string(&path).expect("source is readable"));
        }
    }
}

#[test]
fn no_message_shows_raw_markup() {
    // Telegram shows plain text literally, so a backtick would reach the customer as is.
    for lang in Lang::ALL {
        for line in catalog_source(lang).lines().filter(|l| !l.starts_with('#')) {
            assert!(!line.contains('`'), "{}: {line}", lang.tag());
        }
    }
}

#[test]
fn plurals_follow_the_locale() {
    let en = |n: i64| super::render(Lang::En, Key::DurHours, &[("n", n.into())]);
    assert_eq!(en(1), "1 hour");
    assert_eq!(en(2), "2 hours");
    let hu = |n: i64| super::render(Lang::Hu, Key::DurHours, &[("n", n.into())]);
    assert_eq!(hu(1), "1 óra");
    assert_eq!(hu(5), "5 óra");
}

#[test]
fn arguments_are_filled_in_without_isolation_marks() {
    let s = crate::tr!(
        Lang::Zh,
        Key::ClaimAck,
        id = crate::domain::ids::TicketId(42)
    );
    assert_eq!(s, "您已认领工单 #42。");
}

/// Where words reach customers or agents: the desk's flows, its sentence builders, and the
/// platform adapters (the console's own frame, "bot -> staff #1", is a developer's view).
const USER_FACING: &[&str] = &[
    "domain/desk",
    "domain/replies.rs",
    "domain/sla_sweep.rs",
    "domain/sla_text.rs",
    "channels/discord",
    "channels/telegram",
    "channels/mod.rs",
    "delivery",
    "reports/digest_text.rs",
    "reports/digest_run.rs",
    "reports/survey_run.rs",
];

/// Files of the adapters whose words go to the operator's terminal, like the CLI's: the
/// `doctor` checks and the permission names they and `discord invite-url` print.
const OPERATOR_ONLY: &[&str] = &[
    "discord/doctor.rs",
    "telegram/doctor.rs",
    "discord/perms.rs",
];

/// Literals that look like English but are no sentence to a person: text the Bot API answers
/// with (matched to recognise an error), a Telegram mention's markup, and the reason stored
/// on an outbox row for the operator.
const NOT_SAID: &[&str] = &[
    "message is not modified",
    r#"<a href="tg://user?id={id}">@{}</a>"#,
    "no adapter for this platform is running",
];

/// Logging, errors for operators and assertions: their words are for logs, not people.
const FOR_LOGS: &[&str] = &[
    "tracing::",
    "context(",
    "with_context(",
    "expect(",
    "panic!",
    "anyhow!",
    "bail!",
    "assert",
];

#[test]
fn no_english_sentence_is_written_in_code_that_talks_to_people() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for place in USER_FACING {
        let mut files = Vec::new();
        list_rs(&root.join(place), &mut files);
        for path in files {
            if OPERATOR_ONLY.iter().any(|f| path.ends_with(f)) {
                continue;
            }
            let src = std::fs::read_to_string(&path).expect("source is readable");
            // Tests come last in a file and may say what they like.
            let code = src.split("#[cfg(test)]").next().unwrap_or_default();
            found.extend(
                english_literals(code)
                    .into_iter()
                    .map(|(line, lit)| format!("{}:{line}: {lit:?}", path.display())),
            );
        }
    }
    assert!(
        found.is_empty(),
        "English sentences outside the catalogs (add a catalog key in all three languages): {found:#?}"
    );
}

#[test]
fn the_literal_check_finds_a_sentence_and_skips_logs() {
    let code = "let a = format!(\"Sorry, that did not work\");\n\
                tracing::warn!(\n    \"the store is away for now\"\n);\n\
                let b = \"cl:{id}\";";
    assert_eq!(
        english_literals(code),
        vec![(1, "Sorry, that did not work".to_string())]
    );
}

/// String literals of three or more words, outside logging and error-context calls (which
/// may span lines: skipped until their parentheses close).
fn english_literals(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    for (n, line) in code.lines().enumerate() {
        let trimmed = line.trim_start();
        let opens = line.matches('(').count() as i32 - line.matches(')').count() as i32;
        if depth > 0 {
            depth += opens;
            continue;
        }
        if trimmed.starts_with("//") || trimmed.starts_with("#[") {
            continue;
        }
        if FOR_LOGS.iter().any(|m| line.contains(m)) {
            depth = opens.max(0);
            continue;
        }
        for lit in literals(line) {
            let words = lit
                .split(|c: char| !c.is_ascii_alphabetic() && c != '\'')
                .filter(|w| w.len() > 1 && !w.starts_with('\''))
                .count();
            if words >= 3 && lit.contains(' ') && !NOT_SAID.contains(&lit.as_str()) {
                out.push((n + 1, lit));
            }
        }
    }
    out
}

/// The `"…"` literals of one line.
fn literals(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    let mut escaped = false;
    let mut prev = ' ';
    for c in line.chars() {
        match cur.as_mut() {
            None if c == '"' && prev != '\'' => cur = Some(String::new()),
            None => {}
            Some(s) if escaped => {
                s.push(c);
                escaped = false;
            }
            Some(_) if c == '\\' => escaped = true,
            Some(s) if c == '"' => {
                out.push(std::mem::take(s));
                cur = None;
            }
            Some(s) => s.push(c),
        }
        prev = c;
    }
    out
}

fn list_rs(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("dir is readable") {
            list_rs(&entry.expect("dir entry").path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

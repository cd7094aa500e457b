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

//! Knowledge base: bundled articles, odd queries, bad files, on-disk index reuse, live reload, eval.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use supportbot::config::Config;
use supportbot::domain::faq::FaqDecision;
use supportbot::domain::ports::KnowledgeBase;
use supportbot::search::eval::{EvalQuery, evaluate};
use supportbot::search::{Article, Kb, SearchConfig, parse_article, watch};

fn bundled() -> Kb {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("kb");
    let (kb, problems) = Kb::from_dir_in_ram(&dir).expect("bundled kb loads");
    assert!(problems.is_empty(), "bundled kb has problems: {problems:?}");
    kb
}

/// Each question gets a direct answer (with the default thresholds) from the expected article.
pub(crate) fn assert_answers(kb: &Kb, cases: &[(&str, Option<&str>, &str)]) {
    let cfg = Config::from_layers(None, &[]).unwrap();
    for &(q, lang, want) in cases {
        let hits = kb.search(q, lang, 3);
        match cfg.faq.decide(&hits) {
            FaqDecision::Answer(h) => assert_eq!(h.id, want, "{q}"),
            other => panic!("{q}: expected a direct answer {want}, got {other:?}"),
        }
    }
}

/// None of the questions gets a direct answer (with the default thresholds).
pub(crate) fn assert_declines(kb: &Kb, questions: &[&str]) {
    let cfg = Config::from_layers(None, &[]).unwrap();
    for q in questions {
        let hits = kb.search(q, None, 3);
        assert!(
            !matches!(cfg.faq.decide(&hits), FaqDecision::Answer(_)),
            "{q} was answered: {hits:?}"
        );
    }
}

pub(crate) fn art(id: &str, lang: &str, title: &str, questions: &[&str], body: &str) -> Article {
    Article {
        id: id.into(),
        title: title.into(),
        lang: lang.into(),
        tags: vec![],
        questions: questions.iter().map(|s| s.to_string()).collect(),
        updated: None,
        body: body.into(),
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn article_text(id: &str, title: &str, body: &str) -> String {
    format!("---\nid: {id}\ntitle: {title}\nlang: en\ntags: [t]\n---\n{body}\n")
}

#[test]
fn bundled_kb_has_english_and_chinese_articles() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("kb");
    let loaded = supportbot::search::load_dir(&dir).unwrap();
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let en = loaded.articles.iter().filter(|a| a.lang == "en").count();
    let zh = loaded.articles.iter().filter(|a| a.lang == "zh").count();
    let hu = loaded.articles.iter().filter(|a| a.lang == "hu").count();
    assert!(
        en >= 12 && zh == en && hu == en,
        "en {en}, zh {zh}, hu {hu}"
    );
    for a in &loaded.articles {
        assert!(!a.questions.is_empty(), "{} has no questions", a.id);
        assert!(a.updated.is_some(), "{} has no updated date", a.id);
    }
}

/// Every topic of `kb/en` exists in `kb/zh` and `kb/hu`, and the translations keep the same
/// shape: as many list items and table rows, the same commands, the same numbers. A sentence
/// that drifted in one language usually changes one of these.
#[test]
fn bundled_kb_covers_every_topic_in_three_languages_with_the_same_content() {
    let kb = Path::new(env!("CARGO_MANIFEST_DIR")).join("kb");
    let names = |lang: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(kb.join(lang))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .collect();
        v.sort();
        v
    };
    let en = names("en");
    assert!(en.len() >= 12);
    let shape = |text: &str| -> (usize, usize, Vec<String>, Vec<String>) {
        let body = text.splitn(3, "---").nth(2).unwrap_or("");
        let items = body
            .lines()
            .filter(|l| {
                let t = l.trim_start();
                t.starts_with("- ")
                    || t.split_once(". ")
                        .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
            })
            .count();
        let rows = body.lines().filter(|l| l.starts_with('|')).count();
        let mut commands: Vec<String> = body
            .split(|c: char| c.is_whitespace() || c == '`')
            .filter(|w| {
                w.starts_with('/') && w.len() > 1 && w[1..].chars().all(|c| c.is_ascii_lowercase())
            })
            .map(str::to_string)
            .collect();
        commands.sort();
        commands.dedup();
        let mut numbers: Vec<String> = body
            .split(|c: char| !c.is_ascii_digit())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        numbers.sort();
        numbers.dedup();
        (items, rows, commands, numbers)
    };
    for lang in ["zh", "hu"] {
        assert_eq!(names(lang), en, "{lang} topics differ from en");
        for name in &en {
            let a = std::fs::read_to_string(kb.join("en").join(name)).unwrap();
            let b = std::fs::read_to_string(kb.join(lang).join(name)).unwrap();
            let (sa, sb) = (shape(&a), shape(&b));
            assert_eq!(sa.0, sb.0, "{lang}/{name}: list items");
            assert_eq!(sa.1, sb.1, "{lang}/{name}: table rows");
            assert_eq!(sa.2, sb.2, "{lang}/{name}: commands");
            assert_eq!(sa.3, sb.3, "{lang}/{name}: numbers");
        }
    }
}

#[test]
fn bundled_kb_answers_day_one_questions_with_the_default_thresholds() {
    let kb = bundled();
    let cases = [
        (
            "How quickly will you respond to a P1 ticket?",
            None,
            "en-priorities",
        ),
        (
            "are you open on weekends and public holidays",
            Some("en"),
            "en-hours",
        ),
        (
            "what should I include in a bug report",
            None,
            "en-report-bug",
        ),
        ("周末有人工客服吗？", None, "zh-hours"),
        (
            "购买许可证是否包含支持服务",
            Some("zh-CN"),
            "zh-support-period",
        ),
        ("报告 bug 需要提供哪些信息", None, "zh-report-bug"),
    ];
    assert_answers(&kb, &cases);
}

#[test]
fn chinese_questions_get_chinese_articles_and_english_get_english() {
    let kb = bundled();
    let zh = kb.search("怎么联系人工客服", None, 5);
    assert!(
        !zh.is_empty() && zh.iter().all(|h| h.lang == "zh"),
        "{zh:?}"
    );
    let en = kb.search("privacy of my transcript", Some("en"), 5);
    assert!(
        !en.is_empty() && en.iter().all(|h| h.lang == "en"),
        "{en:?}"
    );
    assert_eq!(en[0].id, "en-privacy");
}

#[test]
fn unrelated_questions_are_not_answered() {
    assert_declines(
        &bundled(),
        &[
            "what is the capital of australia",
            "recipe for chocolate cake",
            "今天天气怎么样",
        ],
    );
}

#[test]
fn odd_queries_never_fail_and_confidence_stays_in_range() {
    let kb = bundled();
    let long = "ticket priority ".repeat(700);
    let queries = [
        "",
        "   ",
        "\"unbalanced quote",
        "title:priority",
        "ticket AND priority OR NOT",
        "*",
        "prior*",
        "(((",
        "😀🎉🔥",
        "+-&&||!(){}[]^\"~*?:\\/",
        long.as_str(),
        "\u{0}\u{feff}",
    ];
    for q in queries {
        for lang in [None, Some("en"), Some("zh"), Some("xx")] {
            let hits = kb.search(q, lang, 5);
            assert!(hits.len() <= 5);
            for h in &hits {
                assert!((0.0..=1.0).contains(&h.confidence), "{q:?}: {h:?}");
            }
        }
    }
    assert!(kb.search("", None, 5).is_empty());
    assert!(
        !kb.search(&long, None, 5).is_empty(),
        "a long query still matches"
    );
    assert!(kb.search("priority", None, 0).is_empty());
}

#[test]
fn hungarian_articles_are_stemmed() {
    let kb = Kb::in_ram(vec![
        art(
            "hu-1",
            "hu",
            "Hogyan nyithatok hibajegyet?",
            &[],
            "Írjon a botnak.",
        ),
        art("en-1", "en", "Opening tickets", &[], "Write to the bot."),
    ])
    .unwrap();
    let hits = kb.search("hibajegyek", Some("hu"), 3);
    assert_eq!(
        hits.first().map(|h| h.id.as_str()),
        Some("hu-1"),
        "{hits:?}"
    );
    let hits = kb.search("opened ticket", None, 3);
    assert_eq!(hits.first().map(|h| h.id.as_str()), Some("en-1"));
}

#[test]
fn titles_and_questions_outrank_body_mentions() {
    let kb = Kb::in_ram(vec![
        art(
            "a",
            "en",
            "Refund policy",
            &["Can I get my money back?"],
            "Refunds within 30 days.",
        ),
        art(
            "b",
            "en",
            "Invoices",
            &[],
            "Invoices are sent monthly. Refund refund money back.",
        ),
    ])
    .unwrap();
    let hits = kb.search("can I get my money back", None, 2);
    assert_eq!(hits[0].id, "a");
    assert!(hits[0].confidence > hits[1].confidence);
    let ex = kb.explain("money back", None, 1);
    let fields: Vec<&str> = ex.details[0]
        .matched
        .iter()
        .map(|(f, _)| f.as_str())
        .collect();
    assert!(fields.contains(&"questions"), "{fields:?}");
}

#[test]
fn bad_files_are_reported_and_skipped_and_duplicates_name_both_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        "a.md",
        &article_text("good", "Password reset", "Use the reset link."),
    );
    write(d, "b.md", "no front matter here");
    write(d, "c.md", "---\nid: x\nlang: en\n---\nno title");
    write(d, "d.md", &article_text("good", "Another", "Same id."));
    write(d, "README.md", "# not an article");
    std::fs::write(d.join("e.md"), [0xff, 0xfe, 0x00]).unwrap();
    let (kb, problems) = Kb::from_dir_in_ram(d).unwrap();
    assert_eq!(kb.len(), 1);
    let find = |name: &str| {
        problems
            .iter()
            .find(|p| p.file.ends_with(name))
            .unwrap_or_else(|| panic!("no problem for {name}: {problems:?}"))
    };
    assert!(find("b.md").reason.contains("front matter"));
    assert!(find("c.md").reason.contains("title"));
    assert!(find("e.md").reason.contains("UTF-8"));
    let dup = find("d.md");
    assert!(
        dup.reason.contains("duplicate id `good`") && dup.reason.contains("a.md"),
        "{dup:?}"
    );
    assert_eq!(problems.len(), 4);
    assert_eq!(kb.search("reset password", None, 1)[0].id, "good");
    let (n, p) = supportbot::cli::kb::check(d).unwrap();
    assert_eq!((n, p.len()), (1, 4));
}

#[test]
fn on_disk_index_is_reused_until_the_content_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let kb_dir = tmp.path().join("kb");
    std::fs::create_dir(&kb_dir).unwrap();
    write(
        &kb_dir,
        "a.md",
        &article_text("a", "Shipping times", "Parcels take three days."),
    );
    let cfg = SearchConfig {
        kb_dir: kb_dir.display().to_string(),
        data_dir: tmp.path().join("data").display().to_string(),
        cjk: Default::default(),
        watch: false,
        semantic: None,
    };
    let (kb, _, built) = Kb::open_reporting(&cfg).unwrap();
    assert!(built);
    assert_eq!(kb.search("shipping", None, 1)[0].id, "a");
    drop(kb);
    let (kb, _, built) = Kb::open_reporting(&cfg).unwrap();
    assert!(!built, "unchanged content must reuse the index");
    assert_eq!(kb.search("parcels", None, 1)[0].id, "a");
    write(
        &kb_dir,
        "b.md",
        &article_text("b", "Returns", "Send parcels back."),
    );
    let (kb, _, built) = Kb::open_reporting(&cfg).unwrap();
    assert!(built, "changed content must rebuild");
    assert_eq!(kb.len(), 2);
    let dirs = std::fs::read_dir(tmp.path().join("data/kb-index"))
        .unwrap()
        .count();
    assert_eq!(dirs, 1, "stale index folders are removed");
    // Another CJK segmentation cuts Chinese terms differently: the index is rebuilt.
    let jieba = supportbot::search::SearchConfig {
        cjk: supportbot::search::CjkMode::Jieba,
        ..cfg.clone()
    };
    let (_, _, built) = Kb::open_reporting(&jieba).unwrap();
    assert!(built, "a changed cjk mode must rebuild");
    let (_, _, built) = Kb::open_reporting(&jieba).unwrap();
    assert!(!built);
}

#[test]
fn reload_swaps_the_index_behind_shared_references() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "a.md",
        &article_text("a", "Opening hours", "We open at nine."),
    );
    let (kb, _) = Kb::from_dir_in_ram(tmp.path()).unwrap();
    let kb = Arc::new(kb);
    let shared: Arc<dyn KnowledgeBase> = kb.clone();
    assert!(shared.search("invoice", None, 1).is_empty());
    write(
        tmp.path(),
        "b.md",
        &article_text("b", "Invoice copies", "Ask for a copy."),
    );
    kb.reload().unwrap();
    assert_eq!(shared.search("invoice", None, 1)[0].id, "b");
}

#[test]
fn watcher_picks_up_new_and_changed_articles() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "a.md",
        &article_text("a", "Opening hours", "We open at nine."),
    );
    let (kb, _) = Kb::from_dir_in_ram(tmp.path()).unwrap();
    let kb = Arc::new(kb);
    let _handle = watch(kb.clone(), tmp.path()).unwrap();
    write(
        tmp.path(),
        "b.md",
        &article_text("b", "Gift cards", "Gift cards never expire."),
    );
    wait_until(|| {
        kb.search("gift card", None, 1)
            .first()
            .map(|h| h.id.clone())
            == Some("b".into())
    });
    write(
        tmp.path(),
        "a.md",
        &article_text("a", "Parking", "Free parking behind the shop."),
    );
    wait_until(|| kb.search("parking", None, 1).first().map(|h| h.id.clone()) == Some("a".into()));
    std::fs::remove_file(tmp.path().join("b.md")).unwrap();
    wait_until(|| kb.search("gift card", None, 1).is_empty());
}

fn wait_until(mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ok() {
        assert!(
            Instant::now() < deadline,
            "the watcher did not reload in time"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn eval_uses_the_answer_threshold_and_counts_metrics() {
    let kb = Kb::in_ram(vec![
        art(
            "pw",
            "en",
            "Reset your password",
            &["I forgot my password"],
            "Use the link.",
        ),
        art(
            "inv",
            "en",
            "Download invoices",
            &["Where are my invoices?"],
            "Billing page.",
        ),
        art(
            "ship",
            "en",
            "Shipping times",
            &["How long does delivery take?"],
            "Three days.",
        ),
    ])
    .unwrap();
    let q = |q: &str, e: Option<&str>| EvalQuery {
        q: q.into(),
        lang: Some("en".into()),
        expected: e.map(String::from),
        relevant: None,
    };
    let queries = vec![
        q("I forgot my password", Some("pw")),
        q("where can I download my invoices", Some("inv")),
        q("how long does delivery take", Some("ship")),
        q("quantum chromodynamics lecture", None),
    ];
    let (r, preds) = evaluate(&kb, &queries, 0.0);
    assert_eq!((r.in_scope, r.out_of_scope), (3, 1));
    assert_eq!(r.recall_at_1, 1.0);
    assert_eq!(r.mrr_at_10, 1.0);
    assert_eq!(preds.len(), 4);
    assert!(preds[3].ranked.is_empty() && preds[3].abstain);
    // With threshold 0 everything matched is answered; with 1.01 nothing is.
    let (none, _) = evaluate(&kb, &queries, 1.01);
    assert_eq!(none.coverage, 0.0);
    assert_eq!(none.abstain_recall, 1.0);
    assert!((none.end_to_end_accuracy - 0.25).abs() < 1e-9);
    assert!((r.end_to_end_accuracy - 1.0).abs() < 1e-9);
    let line = serde_json::to_value(&preds[0]).unwrap();
    assert_eq!(line["ranked"][0], "pw");
    assert!(line["score"].as_f64().unwrap() > 0.0);
}

#[test]
fn article_parser_accepts_the_documented_example() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("kb/README.md"))
            .unwrap();
    let start = readme.find("```markdown\n").unwrap() + "```markdown\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let a = parse_article(&readme[start..end]).unwrap();
    assert_eq!(a.id, "en-open-ticket");
    assert_eq!(a.questions.len(), 2);
}

mod props {
    use proptest::prelude::*;
    use supportbot::domain::ports::KnowledgeBase;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_query_is_safe(q in "\\PC{0,200}", lang in proptest::option::of("[a-z]{2}")) {
            let kb = super::bundled();
            for h in kb.search(&q, lang.as_deref(), 5) {
                prop_assert!((0.0..=1.0).contains(&h.confidence));
            }
        }
    }
}

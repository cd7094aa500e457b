//! The fuzz targets' seed corpus: nasty inputs found or feared, run as ordinary tests, plus a
//! short random run of each target so the runner's code stays working. The long runs are
//! `cargo bench --bench fuzz` (a million inputs per target).

#[path = "../../benches/fuzz/targets.rs"]
mod targets;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestRunner};

/// A short random run. In its own thread with a main thread's stack: the nested strategies'
/// value trees need more than a test thread's 2 MiB in an unoptimised build.
fn smoke<S: Strategy + 'static>(make: fn() -> S, target: fn(&S::Value))
where
    S::Value: std::fmt::Debug,
{
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let strategy = make();
            let mut runner = TestRunner::new(Config {
                cases: 300,
                failure_persistence: None,
                ..Config::default()
            });
            runner
                .run(&strategy, |input| {
                    target(&input);
                    Ok(())
                })
                .unwrap();
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn command_seeds() {
    for text in [
        "/",
        "//",
        "/ claim",
        "/claim@",
        "/@bot",
        "/claim 9223372036854775808",
        "/claim #-0",
        "/claim -9223372036854775808",
        "/priority 4\u{3000}P1",
        "/close\u{202e} 1 x",
        "/\u{0}",
        "/CLAİM 1",
        "/ticket \u{1b}[31m",
        "/feedback BUG",
        "/assign 1 ann extra",
        "/x٣",
        "/reply 1 \r\n\r\n",
        "cs:1:5:6",
        "cs:9223372036854775807:5",
        "fy:-0",
        "ot:",
        &format!("/{}", "a".repeat(100_000)),
        &format!("/faq {}", "é".repeat(50_000)),
    ] {
        targets::command(&(text.to_string(), Some(7)));
        targets::command(&(text.to_string(), None));
    }
    smoke(targets::command_input, targets::command);
}

#[test]
fn front_matter_seeds() {
    for text in [
        "",
        "---",
        "---\n",
        "---\n---",
        "---\n---\n",
        "\u{feff}---\r\nid: a\r\ntitle: T\r\nlang: en\r\n---\r\nbody",
        "---\nid: [a]\ntitle: T\nlang: en\n---\n",
        "---\nid: &a x\ntitle: *a\nlang: en\n---\n",
        "---\nid: 1e400\ntitle: T\nlang: en\n---\n",
        "---\nid: a\ntitle: T\nlang: \"e n\"\n---\n",
        "---\nid: a\ntitle: T\nlang: en\nupdated: {x: [1, {y: 2}]}\n---\n",
        "---\nid: \"\\u0000\"\ntitle: T\nlang: en\n---\n",
        "---\n? [a, b]\n: c\n---\n",
        "---\na: &a [*a, *a]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c, *c]\n---\n",
        "---\nid: a\n---x\n",
    ] {
        targets::front_matter(&text.to_string());
    }
    smoke(targets::front_matter_input, targets::front_matter);
}

#[test]
fn config_seeds() {
    let env = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
    for (text, env) in [
        ("", Vec::new()),
        (
            "[sla.calendars.b]\ntimezone = \"UTC\"\nmon = [\"00:00-24:00\"]\n",
            Vec::new(),
        ),
        (
            "[sla.tiers.pro]\np2 = { first_response = \"2147483647d\" }\n",
            Vec::new(),
        ),
        (
            "[storage]\nmax_connections = 18446744073709551616\n",
            Vec::new(),
        ),
        ("[faq]\nanswer_threshold = nan\n", Vec::new()),
        ("[limits]\nfaq_chars = -1\n", Vec::new()),
        ("storage = 1\n", Vec::new()),
        ("[[storage]]\n", Vec::new()),
        ("", env("SUPPORTBOT__FAQ", "1")),
        ("", env("SUPPORTBOT____X", "1")),
        ("", env("SUPPORTBOT__FAQ__ANSWER_THRESHOLD__DEEPER", "1")),
        (
            "",
            env("SUPPORTBOT__SLA__CALENDARS__B__SUN", "[\"00:00-00:00\"]"),
        ),
        (
            "",
            env("SUPPORTBOT__STORAGE__URL", "postgres://u:p%ZZ@h/db"),
        ),
    ] {
        targets::config(&(text.to_string(), env));
    }
    smoke(targets::config_input, targets::config);
}

#[test]
fn telegram_seeds() {
    for body in [
        "",
        "{}",
        "{\"update_id\": -1}",
        "{\"update_id\": 1, \"message\": {}}",
        "{\"update_id\": 1, \"message\": {\"message_id\": 1, \"date\": 1700000000, \"chat\": {\"id\": 1, \"type\": \"private\", \"first_name\": \"A\"}, \"photo\": []}}",
        "{\"update_id\": 1, \"callback_query\": {\"id\": \"q\", \"chat_instance\": \"c\", \"from\": {\"id\": 1, \"is_bot\": false, \"first_name\": \"A\"}}}",
        "{\"update_id\": 1, \"callback_query\": {\"id\": \"q\", \"chat_instance\": \"c\", \"from\": {\"id\": 1, \"is_bot\": false, \"first_name\": \"A\"}, \"message\": {\"message_id\": 1, \"date\": 0, \"chat\": {\"id\": 1, \"type\": \"private\", \"first_name\": \"A\"}}}}",
        "{\"update_id\": 18446744073709551615, \"message\": {\"message_id\": 2147483648, \"date\": 1e20, \"chat\": {\"id\": 1, \"type\": \"private\"}}}",
    ] {
        // Translation itself fits a worker thread's 2 MiB stack, even unoptimised.
        let body = body.to_string();
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || targets::telegram(&body))
            .unwrap()
            .join()
            .unwrap();
    }
    smoke(targets::telegram_input, targets::telegram);
}

#[test]
fn discord_seeds() {
    let msg = |content: &str, attachments: &str| {
        format!(
            "{{\"id\": \"1\", \"channel_id\": \"5\", \"content\": {content}, \"timestamp\": \"2026-11-30T10:00:00Z\", \"tts\": false, \"mention_everyone\": false, \"mentions\": [], \"mention_roles\": [], \"attachments\": {attachments}, \"embeds\": [], \"pinned\": false, \"type\": 0, \"author\": {{\"id\": \"7\", \"username\": \"dee\", \"discriminator\": \"0\"}}}}"
        )
    };
    for (m, name, opts) in [
        (msg("\"\"", "[]"), "claim", "[]"),
        (
            msg("\"   \"", "[]"),
            "",
            "[{\"name\": \"ticket\", \"type\": 4, \"value\": 9223372036854775807}]",
        ),
        (
            msg(
                "\"x\"",
                "[{\"id\": \"1\", \"filename\": \"\", \"size\": 0, \"url\": \"\", \"proxy_url\": \"\"}]",
            ),
            "priority",
            "[{\"name\": \"priority\", \"type\": 3, \"value\": \"\"}]",
        ),
        (
            msg("\"\\u0000\"", "[]"),
            "x",
            "[{\"name\": \"text\", \"type\": 10, \"value\": 1e308}]",
        ),
        (
            msg("1", "{}"),
            "note",
            "[{\"name\": \"text\", \"type\": 3, \"value\": \"   \"}, {\"name\": \"ticket\", \"type\": 4, \"value\": -1}]",
        ),
    ] {
        targets::discord(&(m, name.to_string(), opts.to_string()));
    }
    smoke(targets::discord_input, targets::discord);
}

#[test]
fn calendar_seeds() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    for (intervals, tz, duration, holiday, start, minutes) in [
        (
            s(&["00:00-24:00"]),
            "UTC",
            "2147483647d",
            "9999-12-31",
            253_402_300_799i64,
            4999i64,
        ),
        (
            s(&["24:00-01:00", "23:59-23:59"]),
            "Pacific/Kiritimati",
            "0m",
            "0000-01-01..9999-12-31",
            -62_167_219_200,
            1,
        ),
        (
            s(&["08:00-20:00", "20:00-08:00"]),
            "America/Santiago",
            "1d1h1m",
            "2026-02-30",
            1_775_350_800,
            4000,
        ),
        (
            s(&["-", "99:99-00:00", "0:0-0:0"]),
            "Etc/GMT+12",
            "99999999999999999999m",
            "2027-01-01..2026-01-01",
            0,
            0,
        ),
        (
            s(&["01:30-02:30"]),
            "Australia/Lord_Howe",
            "36h",
            "2026-12-24..2026-12-26",
            1_775_314_800,
            4999,
        ),
    ] {
        targets::calendar(&(
            intervals,
            tz.to_string(),
            duration.to_string(),
            holiday.to_string(),
            start,
            minutes,
        ));
    }
    smoke(targets::calendar_input, targets::calendar);
}

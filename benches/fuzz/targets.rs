//! Fuzz targets shared by the runner (`benches/fuzz.rs`) and the seed-corpus tests
//! (`tests/it/fuzz_seeds.rs`): each target is a function that must not panic on any input,
//! a proptest strategy generating inputs, and a few nasty seeds kept as regular tests.
#![allow(dead_code)]

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use supportbot::config::Config;
use supportbot::domain::calendar::{
    Calendar, CalendarConfig, format_duration, parse_duration, parse_interval,
};
use supportbot::domain::command;
use supportbot::domain::event::ButtonAction;
use supportbot::domain::event::Space;
use supportbot::domain::ids::{ConversationRef, Platform, TicketId};

/// Names the runner and the tests know the targets by.
pub const TARGETS: &[&str] = &[
    "command",
    "front_matter",
    "config",
    "telegram",
    "discord",
    "calendar",
];

/// Command names, including ones the bot does not know.
const NAMES: &[&str] = &[
    "start", "help", "ticket", "status", "faq", "close", "feedback", "register", "queue", "mine",
    "show", "claim", "unclaim", "assign", "transfer", "reply", "note", "priority", "tier",
    "pending", "hold", "solve", "reopen", "sla", "panel", "CLAIM", "clâim", "", "x",
];

/// Argument words that sit on parsing edges.
const WORDS: &[&str] = &[
    "42",
    "#42",
    "-1",
    "0",
    "#",
    "##1",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999999",
    "P1",
    "p4",
    "P9",
    "bug",
    "feature",
    "enterprise",
    "basic",
    "ann",
    "@bot",
    "\u{0}",
    "\u{202e}",
    "\u{1b}[31m",
    "٣",
    "🎫",
    "\u{3000}",
    "\r\n",
    "\t",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(WORDS).prop_map(str::to_string),
        1 => "\\PC{0,12}",
        1 => "[0-9#-]{1,25}",
    ]
}

/// `/name[@bot] args…`, or any text at all.
pub fn command_input() -> impl Strategy<Value = (String, Option<i64>)> {
    let structured = (
        proptest::sample::select(NAMES),
        proptest::option::of("@[a-z_]{0,8}"),
        proptest::collection::vec(word(), 0..5),
        proptest::sample::select(&[" ", "  ", "\n", "\u{3000}", "\t"][..]),
    )
        .prop_map(|(name, at, args, sep)| {
            let mut s = format!("/{name}{}", at.unwrap_or_default());
            for a in args {
                s.push_str(sep);
                s.push_str(&a);
            }
            s
        });
    (
        prop_oneof![3 => structured, 1 => "\\PC{0,64}", 1 => ".{0,64}"],
        proptest::option::of(prop_oneof![Just(1i64), Just(i64::MAX), 1i64..1000]),
    )
}

/// The chat command parser, the staff-command check and button data decoding.
pub fn command((text, here): &(String, Option<i64>)) {
    let _ = command::names_staff_command(text);
    if let Ok(Some(cmd)) = command::parse(text, here.map(TicketId)) {
        let _ = cmd.is_staff_only();
    }
    if let Err(e) = command::parse(text, None) {
        assert!(e.to_string().len() < 400, "error text too long");
    }
    if let Some(a) = ButtonAction::decode(text) {
        assert_eq!(ButtonAction::decode(&a.encode()), Some(a));
    }
}

/// Front matter made of known keys with odd values, or anything.
pub fn front_matter_input() -> impl Strategy<Value = String> {
    let key = proptest::sample::select(
        &[
            "id",
            "title",
            "lang",
            "tags",
            "questions",
            "updated",
            "source",
            "?",
            "- x",
        ][..],
    );
    let value = prop_oneof![
        "\\PC{0,20}",
        Just("[a, b]".to_string()),
        Just("{x: 1}".to_string()),
        Just("&a [*a]".to_string()),
        Just("!!binary aGVsbG8=".to_string()),
        Just("2026-11-30".to_string()),
        Just("~".to_string()),
        Just("|\n  block".to_string()),
        Just("123456789012345678901234567890".to_string()),
    ];
    let yaml = proptest::collection::vec((key, value), 0..6).prop_map(|kv| {
        kv.into_iter()
            .map(|(k, v)| format!("{k}: {v}\n"))
            .collect::<String>()
    });
    let structured = (
        proptest::sample::select(&["---\n", "\u{feff}---\n", "---\r\n", "--\n", ""][..]),
        yaml,
        proptest::sample::select(&["---\n", "\n---", "---", "", "---\n---\n"][..]),
        "\\PC{0,40}",
    )
        .prop_map(|(a, y, b, body)| format!("{a}{y}{b}{body}"));
    prop_oneof![4 => structured, 1 => "\\PC{0,80}"]
}

/// The kb article parser.
#[allow(clippy::ptr_arg)] // the runner passes `&Strategy::Value`, here a `String`
pub fn front_matter(text: &String) {
    if let Ok(a) = supportbot::search::article::parse_article(text) {
        assert!(
            !a.id.trim().is_empty(),
            "an article without an id was accepted"
        );
    }
}

/// A user config built from real sections and keys with odd values, plus env overrides.
pub fn config_input() -> impl Strategy<Value = (String, Vec<(String, String)>)> {
    let section = proptest::sample::select(
        &[
            "storage",
            "customers",
            "staff",
            "faq",
            "search",
            "search.semantic",
            "sla",
            "sla.calendars.b",
            "sla.tiers.pro",
            "sla.tiers.pro.p2",
            "sla.warnings",
            "sla.escalation",
            "telegram",
            "discord",
            "admin",
            "limits",
            "nope",
            "staff.agents",
        ][..],
    );
    let key = proptest::sample::select(
        &[
            "url",
            "max_connections",
            "default_tier",
            "home",
            "answer_threshold",
            "suggest_threshold",
            "kb_dir",
            "timezone",
            "mon",
            "sun",
            "holidays",
            "calendar",
            "first_response",
            "resolution",
            "at_percent",
            "before",
            "repeat_every",
            "max_repeats",
            "enabled",
            "bind",
            "message_chars",
            "per_user_per_minute",
            "sweep_every_secs",
            "staff_chat_id",
            "api_url",
            "name",
            "role",
            "users",
        ][..],
    );
    let value = prop_oneof![
        Just("\"09:00-17:00\"".to_string()),
        Just("[\"00:00-24:00\", \"20:00-08:00\"]".to_string()),
        Just("\"2147483647d\"".to_string()),
        Just("\"Mars/Olympus\"".to_string()),
        Just("\"Europe/Budapest\"".to_string()),
        Just("[\"2026-12-24..2026-12-26\"]".to_string()),
        Just("-1".to_string()),
        Just("1e309".to_string()),
        Just("nan".to_string()),
        Just("18446744073709551616".to_string()),
        Just("0".to_string()),
        Just("true".to_string()),
        Just("{}".to_string()),
        Just("[[]]".to_string()),
        "\"\\PC{0,12}\"",
        "[0-9]{1,6}",
    ];
    let line = (key, value).prop_map(|(k, v)| format!("{k} = {v}\n"));
    let table = (
        proptest::sample::select(&["[", "[[", ""][..]),
        section,
        proptest::collection::vec(line, 0..5),
    )
        .prop_map(|(open, s, lines)| {
            let close = if open == "[[" { "]]" } else { "]" };
            let head = if open.is_empty() {
                String::new()
            } else {
                format!("{open}{s}{close}\n")
            };
            format!("{head}{}", lines.concat())
        });
    let text = prop_oneof![
        5 => proptest::collection::vec(table, 0..4).prop_map(|t| t.concat()),
        1 => "\\PC{0,60}",
    ];
    let env = proptest::collection::vec(
        (
            proptest::sample::select(
                &[
                    "SUPPORTBOT__FAQ__ANSWER_THRESHOLD",
                    "SUPPORTBOT__STORAGE__URL",
                    "SUPPORTBOT____X",
                    "SUPPORTBOT__FAQ",
                    "SUPPORTBOT__SLA__CALENDARS__B__SUN",
                    "SUPPORTBOT__LIMITS__FAQ_CHARS",
                    "OTHER",
                ][..],
            )
            .prop_map(str::to_string),
            prop_oneof![
                "\\PC{0,12}",
                Just("[\"00:00-00:00\"]".to_string()),
                Just("0.5".to_string())
            ],
        ),
        0..3,
    );
    (text, env)
}

/// The config loader: layering, typed deserialisation and validation (SLA included).
pub fn config((text, env): &(String, Vec<(String, String)>)) {
    if let Ok(cfg) = Config::from_layers(Some((Path::new("fuzz.toml"), text)), env) {
        let _ = cfg.sla.validate();
        let _ = cfg.redacted_toml();
    }
}

fn json_str() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        "\\PC{0,16}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("/claim@bot 42")),
        Just(serde_json::Value::from("")),
    ]
}

fn json_int() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::json!(0)),
        Just(serde_json::json!(-1)),
        Just(serde_json::json!(i64::MAX)),
        Just(serde_json::json!(u64::MAX)),
        Just(serde_json::json!(-100123)),
        Just(serde_json::json!(1.5)),
        Just(serde_json::json!("7")),
        (0i64..100).prop_map(serde_json::Value::from),
    ]
}

fn tg_user() -> impl Strategy<Value = serde_json::Value> {
    (json_int(), any::<bool>(), json_str()).prop_map(
        |(id, bot, name)| serde_json::json!({"id": id, "is_bot": bot, "first_name": name}),
    )
}

fn tg_message() -> impl Strategy<Value = serde_json::Value> {
    let chat = (
        json_int(),
        proptest::sample::select(&["private", "group", "supergroup", "channel", "???"][..]),
        any::<bool>(),
    )
        .prop_map(|(id, kind, forum)| {
            serde_json::json!({"id": id, "type": kind, "title": "t", "first_name": "A", "is_forum": forum})
        });
    let content = prop_oneof![
        json_str().prop_map(|t| serde_json::json!({"text": t})),
        Just(serde_json::json!({"photo": []})),
        Just(
            serde_json::json!({"photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}], "caption": "c"})
        ),
        Just(
            serde_json::json!({"document": {"file_id": "d", "file_unique_id": "u", "file_name": "a\u{0}.txt"}})
        ),
        Just(serde_json::json!({"voice": {"file_id": "v", "file_unique_id": "u", "duration": 1}})),
        Just(
            serde_json::json!({"video": {"file_id": "v", "file_unique_id": "u", "width": 1, "height": 1, "duration": 1}})
        ),
        Just(serde_json::json!({"sticker": {}})),
        Just(serde_json::json!({})),
    ];
    (
        json_int(),
        chat,
        proptest::option::of(tg_user()),
        content,
        proptest::option::of(json_int()),
    )
        .prop_map(|(id, chat, from, content, thread)| {
            let mut m = serde_json::json!({"message_id": id, "date": 1700000000, "chat": chat});
            if let Some(f) = from {
                m["from"] = f;
            }
            if let Some(t) = thread {
                m["message_thread_id"] = t;
                m["is_topic_message"] = serde_json::json!(true);
            }
            if let Some(fields) = content.as_object() {
                for (k, v) in fields {
                    m[k] = v.clone();
                }
            }
            m
        })
}

/// A Telegram update as the Bot API sends it, with fields dropped, retyped or odd, as text;
/// sometimes cut short.
pub fn telegram_input() -> impl Strategy<Value = String> {
    let update = prop_oneof![
        tg_message().prop_map(|m| serde_json::json!({"update_id": 1, "message": m})),
        (
            tg_user(),
            proptest::option::of(tg_message()),
            proptest::option::of(json_str())
        )
            .prop_map(|(from, msg, data)| {
                let mut q = serde_json::json!({"id": "q", "chat_instance": "c", "from": from});
                if let Some(m) = msg {
                    q["message"] = m;
                }
                if let Some(d) = data {
                    q["data"] = d;
                }
                serde_json::json!({"update_id": 2, "callback_query": q})
            }),
        tg_message().prop_map(|m| serde_json::json!({"update_id": 3, "edited_message": m})),
    ];
    (update, any::<u16>(), any::<bool>()).prop_map(|(u, cut, truncate)| {
        let s = u.to_string();
        if truncate {
            let mut end = (cut as usize) % (s.len() + 1);
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s[..end].to_string()
        } else {
            s
        }
    })
}

/// Telegram update translation, from the HTTP body text as teloxide parses it.
#[allow(clippy::ptr_arg)] // the runner passes `&Strategy::Value`, here a `String`
pub fn telegram(body: &String) {
    if let Ok(update) = serde_json::from_str::<teloxide::types::Update>(body) {
        for staff in [None, Some(-100), Some(42)] {
            let _ = supportbot::channels::telegram::inbound(&update, staff);
        }
    }
}

/// A Discord MESSAGE_CREATE payload or slash-command options, with odd values, as text.
pub fn discord_input() -> impl Strategy<Value = (String, String, String)> {
    let attachment = (json_str(), json_str(), proptest::option::of(json_str())).prop_map(|(name, url, ct)| {
        let mut a = serde_json::json!({"id": "1", "filename": name, "size": 1, "url": url, "proxy_url": url});
        if let Some(ct) = ct {
            a["content_type"] = ct;
        }
        a
    });
    let message = (
        json_str(),
        proptest::collection::vec(attachment, 0..3),
        proptest::option::of(proptest::collection::vec(json_str(), 0..3)),
        any::<bool>(),
    )
        .prop_map(|(content, atts, roles, global)| {
            let mut m = serde_json::json!({
                "id": "1100000000000000001", "channel_id": "5", "content": content,
                "timestamp": "2026-11-30T10:00:00.000000+00:00", "tts": false,
                "mention_everyone": false, "mentions": [], "mention_roles": [],
                "attachments": atts, "embeds": [], "pinned": false, "type": 0,
                "author": {"id": "7", "username": "dee", "discriminator": "0",
                           "global_name": if global { serde_json::json!("Dée\u{202e}") } else { serde_json::Value::Null }},
            });
            if let Some(r) = roles {
                m["member"] = serde_json::json!({"roles": r, "joined_at": "2026-01-01T00:00:00Z", "deaf": false, "mute": false, "flags": 0});
                m["guild_id"] = serde_json::json!("9");
            }
            m.to_string()
        });
    let option = (
        proptest::sample::select(
            &[
                "ticket", "text", "priority", "tier", "agent", "reason", "type", "query", "key",
                "x",
            ][..],
        ),
        prop_oneof![
            json_str().prop_map(|v| (3, v)),
            json_int().prop_map(|v| (4, v)),
            Just((5, serde_json::json!(true))),
            Just((10, serde_json::json!(1e300))),
        ],
    )
        .prop_map(|(n, (ty, v))| serde_json::json!({"name": n, "type": ty, "value": v}));
    (
        message,
        proptest::sample::select(NAMES).prop_map(str::to_string),
        proptest::collection::vec(option, 0..4)
            .prop_map(|o| serde_json::Value::from(o).to_string()),
    )
}

/// Discord message and slash-command translation.
pub fn discord((message, name, options): &(String, String, String)) {
    if let Ok(m) = serde_json::from_str::<serenity::all::Message>(message) {
        for space in [Space::Customer, Space::Staff] {
            let conv = ConversationRef::chat(Platform::Discord, m.channel_id.to_string());
            for inb in supportbot::channels::discord::message_inbounds(&m, conv, space) {
                assert_eq!(inb.from.platform, Platform::Discord);
            }
        }
    }
    if let Ok(opts) = serde_json::from_str::<Vec<serenity::all::CommandDataOption>>(options) {
        let text = supportbot::channels::discord::command_text(name, &opts);
        let _ = command::parse(&text, None);
    }
}

/// Calendar and duration texts, and arithmetic on random valid calendars at odd instants.
pub fn calendar_input() -> impl Strategy<Value = (Vec<String>, String, String, String, i64, i64)> {
    let time = prop_oneof![
        (0u32..=25, 0u32..=61).prop_map(|(h, m)| format!("{h:02}:{m:02}")),
        Just("24:00".to_string()),
        "\\PC{0,6}",
    ];
    let interval = prop_oneof![
        4 => (time.clone(), time).prop_map(|(a, b)| format!("{a}-{b}")),
        1 => "\\PC{0,12}",
    ];
    let tz = proptest::sample::select(
        &[
            "UTC",
            "Europe/Budapest",
            "America/New_York",
            "Australia/Lord_Howe",
            "America/Santiago",
            "America/Havana",
            "Pacific/Kiritimati",
            "Pacific/Pago_Pago",
            "Etc/GMT+12",
            "Mars/Olympus",
            "",
        ][..],
    )
    .prop_map(str::to_string);
    let duration = prop_oneof![
        "[0-9]{1,4}[dhm]",
        "[0-9]{0,3}d?[0-9]{0,3}h?[0-9]{0,3}m?",
        Just("2147483647d".to_string()),
        Just("99999999999999999999m".to_string()),
        "\\PC{0,8}",
    ];
    let holiday = prop_oneof![
        Just("2026-12-24..2026-12-26".to_string()),
        Just("9999-12-31".to_string()),
        Just("2026-02-30".to_string()),
        Just("2027-01-01..2026-01-01".to_string()),
        Just("0000-01-01..9999-12-31".to_string()),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
    ];
    (
        proptest::collection::vec(interval, 0..4),
        tz,
        duration,
        holiday,
        // Seconds since the epoch: year 0 to year 9999, with the ends over-represented.
        prop_oneof![
            -62_167_219_200i64..253_402_300_799,
            Just(253_402_300_799i64),
            Just(-62_167_219_200i64),
            1_700_000_000i64..1_900_000_000,
        ],
        // Business minutes to add: kept to a few days so sparse calendars stay quick.
        prop_oneof![0i64..5000, Just(i64::MAX / 120_000)],
    )
}

/// Interval, duration and holiday parsing, validation, and the arithmetic on what validates.
pub fn calendar(
    (intervals, tz, duration, holiday, start, minutes): &(
        Vec<String>,
        String,
        String,
        String,
        i64,
        i64,
    ),
) {
    for i in intervals {
        let _ = parse_interval(i);
    }
    if let Ok(d) = parse_duration(duration) {
        assert_eq!(parse_duration(&format_duration(d)), Ok(d));
    }
    let c = CalendarConfig {
        timezone: tz.clone(),
        mon: intervals.clone(),
        sat: intervals.iter().rev().cloned().collect(),
        holidays: vec![holiday.clone()],
        ..CalendarConfig::default()
    };
    let Ok(cal) = Calendar::from_config("f", &c, "sla.calendars.f") else {
        return;
    };
    let Some(start) = DateTime::<Utc>::from_timestamp(*start, 0) else {
        return;
    };
    let d = Duration::minutes((*minutes).min(5000));
    if let Ok(due) = cal.add_business(start, d) {
        assert!(due >= start);
        assert_eq!(cal.business_between(start, due), d);
    }
    let _ = Calendar::always_open().add_business(start, Duration::minutes(*minutes));
    let _ = cal.windows_between(start, start + Duration::days(3));
}

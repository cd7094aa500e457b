//! Pace through the real clients: the release binary against the fake Telegram and the fake
//! Discord with 250 ms of latency on every API call.
//! - relays per second across 50 conversations, against one conversation in the same run;
//! - how long an unrelated customer waits for `/help` while the Telegram staff group is held
//!   to Telegram's 20 messages a minute;
//! - after a 10 s burst of 429s (`retry_after` 2 s) on every Telegram send: how long after the
//!   burst the last message arrived, and the most requests one lane made within a `retry_after`.
//!
//! `cargo bench --bench pace [-- relays|throttled|burst]`.

#[allow(dead_code)]
#[path = "../tests/it/chaos.rs"]
mod chaos;
#[allow(dead_code, unused_imports)]
#[path = "../tests/it/fake_discord.rs"]
mod fake_discord;
#[allow(dead_code, unused_imports)]
#[path = "../tests/it/fake_telegram.rs"]
mod fake_telegram;

use std::path::PathBuf;
use std::time::Duration;

use chaos::{Bot, token, tokens};
use fake_discord::FakeDiscord;
use fake_telegram::{FakeTelegram, private_text};
use tokio::time::Instant;

const LATENCY: Duration = Duration::from_millis(250);

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_supportbot"))
}

async fn until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Telegram relays per second: `users` conversations writing `per_user` messages at once.
async fn tg_relays(users: u64, per_user: u64) -> f64 {
    let fake = FakeTelegram::start().await;
    fake.set_latency(LATENCY);
    let dir = tempfile::tempdir().unwrap();
    chaos::write_config(
        dir.path(),
        "telegram",
        &chaos::telegram_section(&fake, false),
    );
    let bot = Bot::spawn(&bin(), dir.path(), &[("TELEGRAM_TOKEN", "123:PACE".into())]);
    chaos::tg_open(&fake, users).await;
    let before = chaos::tg_relayed(&fake);
    let started = Instant::now();
    for k in 1..=per_user {
        for u in 0..users {
            let text = format!("detail {}", token(u, k));
            fake.push(private_text(10_000 + u as i64, "C", 100 + k as i64, &text));
        }
    }
    let want = before + (users * per_user) as usize;
    until("relays", Duration::from_secs(600), || {
        chaos::tg_relayed(&fake) >= want
    })
    .await;
    let rate = (users * per_user) as f64 / started.elapsed().as_secs_f64();
    bot.kill().await;
    rate
}

/// Markers posted into Discord staff threads so far.
fn dc_relayed(fake: &FakeDiscord) -> usize {
    fake.calls()
        .iter()
        .filter(|c| {
            c.method == "POST" && c.status == 200 && !c.repeat && c.path.ends_with("/messages")
        })
        .filter(|c| !c.path.starts_with("/channels/5"))
        .map(|c| tokens(c.body["content"].as_str().unwrap_or_default()).len())
        .sum()
}

/// Discord relays per second, as `tg_relays`.
async fn dc_relays(users: u64, per_user: u64) -> f64 {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    chaos::write_config(dir.path(), "discord", &chaos::discord_section(&fake));
    let bot = Bot::spawn(
        &bin(),
        dir.path(),
        &[("DISCORD_TOKEN", "PACE.TOKEN".into())],
    );
    fake.wait_connected().await;
    fake.set_latency(LATENCY);
    let mut seq = 0;
    let mut dm = |u: u64, text: String| {
        seq += 1;
        let author = fake_discord::user(
            &chaos::user_id(supportbot::domain::ids::Platform::Discord, u),
            "C",
            false,
        );
        fake_discord::dm(
            &chaos::snowflake_now(seq),
            &(500_000 + u).to_string(),
            &author,
            &text,
        )
    };
    for u in 0..users {
        fake.dispatch(
            "MESSAGE_CREATE",
            dm(u, format!("{} sync fails", token(u, 0))),
        );
    }
    until("ticket intros", Duration::from_secs(120), || {
        dc_relayed(&fake) >= users as usize
    })
    .await;
    let before = dc_relayed(&fake);
    let started = Instant::now();
    for k in 1..=per_user {
        for u in 0..users {
            fake.dispatch("MESSAGE_CREATE", dm(u, format!("detail {}", token(u, k))));
        }
    }
    let want = before + (users * per_user) as usize;
    until("relays", Duration::from_secs(600), || {
        dc_relayed(&fake) >= want
    })
    .await;
    let rate = (users * per_user) as f64 / started.elapsed().as_secs_f64();
    bot.kill().await;
    rate
}

async fn relays() {
    println!(
        "relays per second, {} ms per API call (release binary)",
        LATENCY.as_millis()
    );
    println!("platform  conversations  messages  relays/s");
    for (platform, users, per_user) in [
        ("telegram", 50, 10),
        ("telegram", 1, 20),
        ("discord", 50, 10),
        ("discord", 1, 20),
    ] {
        let rate = match platform {
            "telegram" => tg_relays(users, per_user).await,
            _ => dc_relays(users, per_user).await,
        };
        println!(
            "{platform:<9} {users:>13} {:>9} {rate:>9.1}",
            users * per_user
        );
    }
}

/// `/help` from unrelated customers while 5 tickets pour 60 messages into a staff group held
/// to 20 a minute: seconds until each answer.
async fn throttled() {
    let fake = FakeTelegram::start().await;
    fake.set_latency(LATENCY);
    let dir = tempfile::tempdir().unwrap();
    chaos::write_config(
        dir.path(),
        "telegram",
        &chaos::telegram_section(&fake, true),
    );
    let bot = Bot::spawn(&bin(), dir.path(), &[("TELEGRAM_TOKEN", "123:PACE".into())]);
    chaos::tg_open(&fake, 5).await;
    for k in 1..=12 {
        for u in 0..5 {
            let text = format!("detail {}", token(u, k));
            fake.push(private_text(10_000 + u as i64, "C", 100 + k as i64, &text));
        }
    }
    let mut waits = Vec::new();
    for i in 0..7_i64 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let user = 90_000 + i;
        let asked = Instant::now();
        fake.push(private_text(user, "D", 1, "/help"));
        until("the /help answer", Duration::from_secs(60), || {
            !fake.texts_to(user).is_empty()
        })
        .await;
        waits.push(asked.elapsed().as_secs_f64());
    }
    let relayed = chaos::tg_relayed(&fake);
    bot.kill().await;
    println!(
        "unrelated /help while the staff group is throttled (20/min, {} of 65 staff messages sent \
         by then): median {:.2} s, max {:.2} s over {} customers",
        relayed,
        median(waits.clone()),
        waits.iter().copied().fold(0.0, f64::max),
        waits.len()
    );
}

/// A 10 s burst of 429s (`retry_after` 2) on every Telegram send while 20 tickets get 3
/// messages each.
async fn burst() {
    let out = chaos::telegram_burst(&bin(), 20, Duration::from_secs(10), 2).await;
    println!(
        "10 s burst of 429 (retry_after 2 s): last of {} relays {:.2} s after the burst ended \
         ({} missing, {} doubled); at most {} request(s) per lane in any 2 s window, over {} lanes",
        out.expected,
        out.after_end.as_secs_f64(),
        out.missing,
        out.doubled,
        out.most_per_window,
        out.lanes
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |p: &str| only.is_empty() || only.iter().any(|o| o == p);
    if wanted("relays") {
        relays().await;
    }
    if wanted("throttled") {
        throttled().await;
    }
    if wanted("burst") {
        burst().await;
    }
}

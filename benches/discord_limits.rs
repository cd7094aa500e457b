//! Discord 429 burst benchmark, as production meets it: the real serenity client with its
//! rate limiter on reaches the fake Discord through the TLS interception (`https_proxy` +
//! `ca_file`). `BENCH_LIMITED` channels (default 6) are refused with per-channel 429s
//! (`retry_after` `BENCH_RETRY_MS`, default 2000) for `BENCH_BURST_MS` (default 10000) while
//! each of them and `BENCH_FREE` unthrottled channels (default 2) get `BENCH_PER_CHANNEL`
//! messages (default 3). Prints, as medians over `BENCH_ROUNDS` (default 3): how long after
//! the burst's end the last message landed, the free channels' last delivery, and the most
//! requests any bucket made per `retry_after` while refused.
//!
//! `cargo bench --bench discord_limits` (the waits dominate; `--profile dev` measures the same).

// The fake's fixture checks are tests, which a bench does not run.
#[allow(dead_code, unused_imports)]
#[path = "../tests/it/fake_discord.rs"]
mod fake_discord;

use std::sync::Arc;
use std::time::Duration;

use fake_discord::FakeDiscord;
use supportbot::channels::Router;
use supportbot::channels::discord::{DiscordChannel, DiscordConfig};
use supportbot::domain::event::{Message, Outbound, Target};
use supportbot::domain::ids::{ConversationRef, Platform};
use supportbot::domain::ports::{Planned, TicketStore};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Knobs {
    limited: u64,
    free: u64,
    per: u64,
    burst: Duration,
    retry: f64,
}

/// One round's results.
struct Round {
    /// Seconds from the burst's end to the last delivery.
    after_end: f64,
    /// Seconds from the burst's start to the free channels' last delivery.
    free_done: f64,
    /// The most requests one refused bucket made within any `retry_after` while refused.
    per_window: usize,
    /// Requests per refused bucket (all of them, 429s included), the largest.
    per_bucket: usize,
}

fn channel(i: u64) -> String {
    format!("{}", 7000 + i)
}

async fn round(k: &Knobs) -> Round {
    let fake = FakeDiscord::start_intercepting().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("b.db").display());
    let store: Arc<dyn TicketStore> =
        Arc::new(supportbot::storage::connect(&url, 4).await.unwrap());
    let cfg = DiscordConfig {
        https_proxy: Some(fake.proxy_url()),
        ca_file: Some(fake.ca_file()),
        register_commands: false,
        ..DiscordConfig::default()
    };
    let (_channel, outlet) = DiscordChannel::new(&cfg, "BENCH.TOKEN", store).unwrap();
    let mut router = Router::new();
    router.add(Platform::Discord, outlet);
    let limited: Vec<String> = (0..k.limited).map(channel).collect();
    let free: Vec<String> = (k.limited..k.limited + k.free).map(channel).collect();
    let names: Vec<&str> = limited.iter().map(String::as_str).collect();
    fake.burst_429_in(&names, k.burst, k.retry);
    let start = tokio::time::Instant::now();
    let until = fake.burst_end().unwrap();
    let actions: Vec<Planned> = (0..k.per)
        .flat_map(|m| {
            limited.iter().chain(free.iter()).map(move |ch| Planned {
                outbox_id: None,
                action: Outbound::Send {
                    to: Target::Conversation(ConversationRef::chat(Platform::Discord, ch.clone())),
                    message: Message::text(format!("message {m}")),
                },
            })
        })
        .collect();
    router.dispatch(Platform::Discord, actions);
    router.flush().await;
    let calls = fake.calls();
    let posts = |ch: &str| {
        let mut p: Vec<_> = calls
            .iter()
            .filter(|c| c.method == "POST" && c.path == format!("/channels/{ch}/messages"))
            .collect();
        p.sort_by_key(|c| c.at);
        p
    };
    let mut last = until;
    let mut per_window = 0;
    let mut per_bucket = 0;
    for ch in &limited {
        let p = posts(ch);
        assert_eq!(p.iter().filter(|c| c.status == 200).count() as u64, k.per);
        last = last.max(p.last().unwrap().at);
        per_bucket = per_bucket.max(p.len());
        let refused: Vec<_> = p.iter().filter(|c| c.status == 429).collect();
        for (i, c) in refused.iter().enumerate() {
            let window = c.at + Duration::from_secs_f64(k.retry * 0.999);
            let n = refused[i..].iter().take_while(|d| d.at < window).count();
            per_window = per_window.max(n);
        }
    }
    let mut free_last = start;
    for ch in &free {
        let p = posts(ch);
        assert!(p.iter().all(|c| c.status == 200));
        assert_eq!(p.len() as u64, k.per);
        free_last = free_last.max(p.last().unwrap().at);
    }
    Round {
        after_end: (last - until).as_secs_f64(),
        free_done: (free_last - start).as_secs_f64(),
        per_window,
        per_bucket,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let k = Knobs {
        limited: env("BENCH_LIMITED", 6),
        free: env("BENCH_FREE", 2),
        per: env("BENCH_PER_CHANNEL", 3),
        burst: Duration::from_millis(env("BENCH_BURST_MS", 10_000)),
        retry: env("BENCH_RETRY_MS", 2000) as f64 / 1000.0,
    };
    let rounds = env("BENCH_ROUNDS", 3);
    let mut after = Vec::new();
    let mut free = Vec::new();
    let (mut window, mut bucket) = (0, 0);
    for _ in 0..rounds {
        let r = round(&k).await;
        after.push(r.after_end);
        free.push(r.free_done);
        window = window.max(r.per_window);
        bucket = bucket.max(r.per_bucket);
    }
    println!(
        "{:?} burst, retry_after {}s, {} limited + {} free channels x {} messages: last delivery \
         median {:.3}s after the burst's end (max {:.3}s); free channels done after median \
         {:.3}s; at most {window} request(s) per bucket per retry_after, {bucket} requests per \
         bucket in all",
        k.burst,
        k.retry,
        k.limited,
        k.free,
        k.per,
        median(after.clone()),
        after.iter().cloned().fold(0.0, f64::max),
        median(free),
    );
}

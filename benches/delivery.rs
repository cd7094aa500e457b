//! Delivery lanes benchmark: relays per second through the lanes when every platform request
//! takes `BENCH_LATENCY_MS` (default 250 ms), spread over `BENCH_CONVERSATIONS` conversations
//! (default 50) with `BENCH_PER_CONVERSATION` messages each (default 10), against the same
//! messages in one lane, in the same run. The outbox is a SQLite file, as in production.
//!
//! `cargo bench --bench delivery` (the sleep dominates, so `--profile dev` measures the same).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use supportbot::channels::{Outlet, Router};
use supportbot::domain::event::{Message, Outbound, Target};
use supportbot::domain::ids::{ConversationRef, Platform};
use supportbot::domain::ports::{OutboxStore, Planned};

/// A platform whose every request takes `latency`.
struct Slow {
    latency: Duration,
    delivered: AtomicUsize,
}

#[async_trait]
impl Outlet for Slow {
    async fn deliver(&self, _action: &Outbound) -> anyhow::Result<()> {
        tokio::time::sleep(self.latency).await;
        self.delivered.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Delivers `conversations × per` messages and returns the seconds it took.
async fn run(latency: Duration, conversations: u64, per: u64) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("b.db").display());
    let store = Arc::new(supportbot::storage::connect(&url, 4).await.unwrap());
    let outlet = Arc::new(Slow {
        latency,
        delivered: AtomicUsize::new(0),
    });
    let mut router = Router::new().with_outbox(store.clone());
    router.add(Platform::Console, outlet.clone());
    let actions: Vec<Outbound> = (0..per)
        .flat_map(|i| {
            (0..conversations).map(move |c| Outbound::Send {
                to: Target::Conversation(ConversationRef::chat(
                    Platform::Console,
                    format!("chat-{c}"),
                )),
                message: Message::text(format!("relay {i}")),
            })
        })
        .collect();
    let ids = store
        .enqueue(&actions, chrono::Utc::now() + chrono::Duration::minutes(5))
        .await
        .unwrap();
    let started = Instant::now();
    router.dispatch(Platform::Console, Planned::zip(actions, ids));
    router.flush().await;
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(
        outlet.delivered.load(Ordering::SeqCst) as u64,
        conversations * per
    );
    secs
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let latency = Duration::from_millis(env("BENCH_LATENCY_MS", 250));
    let conversations = env("BENCH_CONVERSATIONS", 50);
    let per = env("BENCH_PER_CONVERSATION", 10);
    let rounds = env("BENCH_ROUNDS", 3);
    let total = (conversations * per) as f64;
    let mut spread = Vec::new();
    let mut single = Vec::new();
    for _ in 0..rounds {
        spread.push(total / run(latency, conversations, per).await);
        // The same number of messages, all into one conversation: one lane, in order.
        single.push(per as f64 / run(latency, 1, per).await);
    }
    let (s, o) = (median(spread), median(single));
    println!(
        "latency {latency:?}: {conversations} conversations x {per}: median {s:.1} relays/s; \
         one conversation: {o:.2} relays/s; ratio {:.1}",
        s / o
    );
}

//! Throughput benchmark: inbound customer messages per second through desk + store, one at a
//! time and from 50 conversations at once (each in order, as the bot's lanes run them),
//! compared in the same run with a raw single-row INSERT loop on the same database.
//!
//! `cargo bench --bench throughput` runs SQLite always and PostgreSQL when
//! `SUPPORTBOT_TEST_POSTGRES_URL` points at a server (a fresh database is created and dropped).
//! Set `BENCH_MESSAGES` to change the message count (default 5000), and `BENCH_TRACE=1` to print
//! every statement with its time (sqlx's debug log) and so count the statements per message.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use supportbot::domain::desk::Desk;
use supportbot::domain::event::{Inbound, InboundBody, Space};
use supportbot::domain::ids::{ConversationRef, MessageKey, Platform, UserRef};
use supportbot::domain::ports::{SystemClock, TicketStore};
use supportbot::storage::SqlStore;

const ROUNDS: usize = 3;

fn inbound(i: usize, customers: usize) -> Inbound {
    let who = format!("c{}", i % customers);
    Inbound {
        key: MessageKey::new(Platform::Telegram, format!("bench-{i}")),
        at: Utc::now(),
        from: UserRef::new(Platform::Telegram, who.clone(), who.clone()),
        roles: Vec::new(),
        conversation: ConversationRef::chat(Platform::Telegram, who),
        space: Space::Customer,
        interaction: None,
        body: InboundBody::Text {
            text: format!(
                "message {i}: the export still fails with error 0x{i:04x}, see attached log"
            ),
        },
        locale: None,
        community_locale: None,
    }
}

/// Messages per second through the desk; with `lanes`, each of the 50 conversations is
/// handled by its own task, in order within it, as the bot's lanes do.
async fn desk_round(store: Arc<SqlStore>, round: usize, n: usize, lanes: bool) -> f64 {
    let cfg = supportbot::config::Config::from_layers(None, &[]).unwrap();
    let settings = supportbot::app::desk_settings(&cfg);
    // The flood limit (30 a minute per person) would cut the bench's 100 messages per person.
    let limits = supportbot::domain::limits::LimitsConfig {
        per_user_per_minute: u32::MAX,
        ..cfg.limits.clone()
    };
    let desk = Desk::new(
        store as Arc<dyn TicketStore>,
        None,
        Arc::new(SystemClock),
        settings,
    )
    .with_limits(limits);
    let customers = 50;
    let desk = Arc::new(desk);
    let start = Instant::now();
    let run = |desk: Arc<Desk>, which: Vec<usize>| async move {
        for i in which {
            let mut inb = inbound(i, customers);
            inb.key.id = format!("r{round}-{i}");
            inb.from.id = format!("r{round}-{}", inb.from.id);
            let out = desk.handle(inb).await;
            assert!(
                !out.is_empty(),
                "message {i} of round {round} got no answer"
            );
        }
    };
    if lanes {
        let tasks: Vec<_> = (0..customers)
            .map(|c| {
                let which = (0..n).filter(|i| i % customers == c).collect();
                tokio::spawn(run(desk.clone(), which))
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    } else {
        run(desk, (0..n).collect()).await;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

async fn raw_round(store: &SqlStore, round: usize, n: usize) -> f64 {
    let pool = store.pool();
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_raw (platform TEXT NOT NULL, msg_id TEXT NOT NULL, payload TEXT NOT NULL, at BIGINT NOT NULL)")
        .execute(pool)
        .await
        .unwrap();
    let start = Instant::now();
    for i in 0..n {
        let payload = serde_json::to_string(&inbound(i, 50)).unwrap();
        sqlx::query(
            "INSERT INTO bench_raw (platform, msg_id, payload, at) VALUES ($1, $2, $3, $4)",
        )
        .bind("telegram")
        .bind(format!("r{round}-{i}"))
        .bind(payload)
        .bind(Utc::now().timestamp_millis())
        .execute(pool)
        .await
        .unwrap();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn bench(name: &str, url: &str, n: usize) {
    let store = Arc::new(supportbot::storage::connect(url, 4).await.unwrap());
    let (mut seq, mut lanes, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        // Rotate the order so no side always runs on a warmer cache.
        for k in 0..3 {
            match (round + k) % 3 {
                0 => seq.push(desk_round(store.clone(), round * 2, n, false).await),
                1 => lanes.push(desk_round(store.clone(), round * 2 + 1, n, true).await),
                _ => raw.push(raw_round(&store, round, n).await),
            }
        }
    }
    let rounded = |v: &[f64]| v.iter().map(|x| x.round()).collect::<Vec<_>>();
    let (s, l, r) = (
        median(seq.clone()),
        median(lanes.clone()),
        median(raw.clone()),
    );
    println!(
        "{name:<8} raw INSERT {r:>8.0} rows/s {:?}\n\
         {name:<8} desk+store, one message at a time {s:>8.0} msgs/s {:?}   raw/desk {:.2}\n\
         {name:<8} desk+store, 50 lanes at once     {l:>8.0} msgs/s {:?}   raw/desk {:.2}",
        rounded(&raw),
        rounded(&seq),
        r / s,
        rounded(&lanes),
        r / l,
    );
}

fn main() {
    // Statements go to standard error, the figures to standard output.
    if std::env::var("BENCH_TRACE").is_ok() {
        tracing_subscriber::fmt()
            .with_env_filter("sqlx=debug")
            .with_writer(std::io::stderr)
            .init();
    }
    let n: usize = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        );
        println!("{n} inbound messages per round, {ROUNDS} rounds, median reported");
        bench("sqlite", &url, n).await;
        match std::env::var("SUPPORTBOT_TEST_POSTGRES_URL") {
            Ok(admin) => {
                let db = format!("supportbot_bench_{}", std::process::id());
                let admin_pool = sqlx::AnyPool::connect(&admin).await.unwrap();
                sqlx::query(&format!("CREATE DATABASE {db}"))
                    .execute(&admin_pool)
                    .await
                    .unwrap();
                let mut url = url::Url::parse(&admin).unwrap();
                url.set_path(&db);
                bench("postgres", url.as_str(), n).await;
                sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)"))
                    .execute(&admin_pool)
                    .await
                    .unwrap();
            }
            Err(_) => println!("postgres skipped: set SUPPORTBOT_TEST_POSTGRES_URL to include it"),
        }
    });
}

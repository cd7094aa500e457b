//! SLA sweeper benchmark: one `tick` over a database holding many open tickets of which about
//! 100 are due, on SQLite and (when `SUPPORTBOT_TEST_POSTGRES_URL` is set) PostgreSQL.
//!
//! `cargo bench --bench sla`; `BENCH_TICKETS` sets the ticket count (default 1 000 000),
//! `BENCH_ROUNDS` the measured ticks (default 15). Each round resets the due tickets and their
//! notices, then times one tick. Resident memory is read from /proc around the ticks.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;
use supportbot::config::Config;
use supportbot::domain::sla_sweep::Sweeper;
use supportbot::domain::ticket::{Actor, EventKind, Priority, Tier};
use supportbot::storage::{self, Backend, SqlStore};

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn now() -> DateTime<Utc> {
    // Monday 15:00 UTC: inside the default business day.
    DateTime::parse_from_rfc3339("2026-11-23T15:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

async fn exec(store: &SqlStore, sql: &str, binds: &[i64]) {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(store.pool()).await.expect(sql);
}

/// Inserts `n` open tickets; every `n / 100`-th is a P1 whose first response breached at 13:30.
async fn seed(store: &SqlStore, n: i64) -> i64 {
    let every = (n / 100).max(1);
    let due = (now() - Duration::minutes(1)).timestamp_millis();
    let later = (now() + Duration::days(1)).timestamp_millis();
    let created = (now() - Duration::minutes(210)).timestamp_millis();
    let cols = "requester_platform, requester_id, requester_name, conv_platform, conv_chat, conv_thread, subject, kind, priority, tier, status, active, assignee, tags, created_at, updated_at, sla_dirty, sla_next_check";
    let select = "SELECT 'console', 'u' || i, 'bench', 'console', 'u' || i, NULL, 'bench ticket', 'question', \
         CASE WHEN i % $1 = 0 THEN 1 ELSE 3 END, 'basic', 'open', 1, NULL, '[]', $2, $2, 0, \
         CASE WHEN i % $1 = 0 THEN $3 ELSE $4 + i END";
    let sql = match store.backend() {
        Backend::Sqlite => format!(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $5) \
             INSERT INTO tickets ({cols}) {select} FROM s"
        ),
        Backend::Postgres => format!(
            "INSERT INTO tickets ({cols}) {select} FROM generate_series(1, $5::bigint) AS s(i)"
        ),
    };
    exec(store, &sql, &[every, created, due, later, n]).await;
    let kind = serde_json::to_string(&EventKind::Created {
        priority: Priority::P1,
        tier: Tier::Basic,
    })
    .unwrap();
    let actor = serde_json::to_string(&Actor::System).unwrap();
    sqlx::query(
        "INSERT INTO ticket_events (ticket_id, kind, data, actor, at) \
         SELECT id, 'created', $1, $2, created_at FROM tickets WHERE sla_next_check <= $3",
    )
    .bind(kind)
    .bind(actor)
    .bind(due)
    .execute(store.pool())
    .await
    .unwrap();
    exec(store, "ANALYZE", &[]).await;
    due
}

async fn bench(label: &str, store: Arc<SqlStore>, n: i64, rounds: usize) {
    let t = Instant::now();
    let due = seed(&store, n).await;
    let seeded = t.elapsed();
    let ids: Vec<i64> = sqlx::query("SELECT id FROM tickets WHERE sla_next_check <= $1")
        .bind(due)
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<i64, _>(0))
        .collect();
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let cfg = Config::from_layers(None, &[]).unwrap();
    let sweeper = Sweeper::new(store.clone(), cfg.sla, cfg.staff);
    let rss_before = rss_kb("VmRSS:");
    let mut times = Vec::new();
    let mut sent = 0;
    for _ in 0..rounds {
        exec(&store, "DELETE FROM sla_notices", &[]).await;
        exec(
            &store,
            &format!("UPDATE tickets SET sla_next_check = $1 WHERE id IN ({list})"),
            &[due],
        )
        .await;
        let t = Instant::now();
        let out = sweeper.tick(now()).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        // Confirmed as the app does after sending (not timed: that is delivery, not the sweep).
        sweeper.delivered(&out, now()).await.unwrap();
        sent = out.len();
    }
    let rss_after = rss_kb("VmRSS:");
    let notices: i64 = sqlx::query("SELECT COUNT(*) FROM sla_notices")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0);
    times.sort_by(f64::total_cmp);
    println!(
        "{label}: {n} open tickets, {} due (seeded in {:.1}s); tick median {:.2} ms, min {:.2} ms, max {:.2} ms over {rounds} rounds; {sent} messages and {notices} notices per tick; RSS {} → {} kB (peak {} kB)",
        ids.len(),
        seeded.as_secs_f64(),
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        rss_before,
        rss_after,
        rss_kb("VmHWM:"),
    );
}

fn main() {
    let n: i64 = std::env::var("BENCH_TICKETS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        );
        let store = Arc::new(storage::connect(&url, 4).await.unwrap());
        bench("sqlite", store, n, rounds).await;
        let Some(admin) = std::env::var("SUPPORTBOT_TEST_POSTGRES_URL")
            .ok()
            .filter(|s| !s.is_empty())
        else {
            println!("postgres: skipped (set SUPPORTBOT_TEST_POSTGRES_URL)");
            return;
        };
        let name = format!(
            "supportbot_bench_{}_{}",
            std::process::id(),
            Utc::now().timestamp_micros()
        );
        let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .unwrap();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&name);
        let store = Arc::new(storage::connect(url.as_str(), 4).await.unwrap());
        bench("postgres", store.clone(), n, rounds).await;
        store.close().await;
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&pool)
            .await;
    });
}

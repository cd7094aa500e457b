//! KPI report benchmark: `supportbot report kpi` over a year holding `BENCH_TICKETS` tickets
//! (default 1 000 000) with their events (created, claimed, first reply, a customer reply and
//! second reply on every 7th, close), ratings on 30 % and 200 000 FAQ questions, on SQLite and
//! (when `SUPPORTBOT_TEST_POSTGRES_URL` is set) PostgreSQL.
//!
//! The one-time cost of computing every ticket's report facts and monthly rollups is printed
//! separately; then `BENCH_ROUNDS` (default 5) whole reports are timed (the facts refresh,
//! which finds nothing changed, plus every aggregate) over the year, one month and a period
//! with partial months at both ends, with the peak resident memory of those rounds read from
//! /proc after resetting it, to compare with a run at another ticket count.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use supportbot::config::Config;
use supportbot::reports::service::{self, KpiRequest};
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

/// Resets the peak resident size (VmHWM) to the current one.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

async fn exec(store: &SqlStore, sql: &str) {
    sqlx::query(sql).execute(store.pool()).await.expect(sql);
}

/// One ticket every 30 s of 2026 (a million fill 347 days), all closed.
async fn seed(store: &SqlStore, n: i64) {
    let t0 = start().timestamp_millis();
    let series = match store.backend() {
        Backend::Sqlite => format!(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s"
        ),
        Backend::Postgres => format!("SELECT i FROM generate_series(1, {n}::bigint) AS s(i)"),
    };
    exec(
        store,
        &format!(
            "INSERT INTO tickets (id, requester_platform, requester_id, requester_name, conv_platform, conv_chat, conv_thread, subject, kind, priority, tier, status, active, assignee, tags, created_at, updated_at, sla_dirty, sla_next_check) \
             SELECT i, 'telegram', 'u' || (i % 5000), 'User', 'telegram', 'u' || (i % 5000), NULL, 'bench', \
             CASE i % 10 WHEN 0 THEN 'bug' WHEN 1 THEN 'feature' WHEN 2 THEN 'incident' ELSE 'question' END, \
             1 + i % 4, CASE i % 3 WHEN 0 THEN 'basic' WHEN 1 THEN 'pro' ELSE 'enterprise' END, 'closed', 0, \
             'agent' || (i % 20), CASE WHEN i % 10 = 5 THEN '[\"bug\",\"fixed\"]' ELSE '[]' END, \
             {t0} + i * 30000, {t0} + i * 30000 + 36000000, 0, NULL FROM ({series}) AS g"
        ),
    )
    .await;
    let ev = |kind: &str, data: &str, actor: &str, offset: &str, filter: &str| {
        format!(
            "INSERT INTO ticket_events (ticket_id, kind, data, actor, at) \
             SELECT id, '{kind}', {data}, {actor}, created_at + {offset} FROM tickets WHERE {filter} ORDER BY id"
        )
    };
    let agent = "'{\"role\":\"agent\",\"name\":\"' || assignee || '\"}'";
    let prio = "CASE priority WHEN 1 THEN 'P1' WHEN 2 THEN 'P2' WHEN 3 THEN 'P3' ELSE 'P4' END";
    for sql in [
        ev(
            "created",
            &format!(
                "'{{\"kind\":\"created\",\"priority\":\"' || {prio} || '\",\"tier\":\"' || tier || '\"}}'"
            ),
            "'{\"role\":\"system\"}'",
            "0",
            "1 = 1",
        ),
        ev(
            "claimed",
            "'{\"kind\":\"claimed\",\"agent\":\"' || assignee || '\"}'",
            agent,
            "60000 * (id % 90)",
            "1 = 1",
        ),
        ev(
            "agent_replied",
            "'{\"kind\":\"agent_replied\"}'",
            agent,
            "60000 * (id % 300)",
            "1 = 1",
        ),
        ev(
            "customer_replied",
            "'{\"kind\":\"customer_replied\"}'",
            "'{\"role\":\"customer\",\"name\":\"User\"}'",
            "60000 * (id % 300) + 600000",
            "id % 7 = 0",
        ),
        ev(
            "agent_replied",
            "'{\"kind\":\"agent_replied\"}'",
            agent,
            "60000 * (id % 300) + 600000 + 60000 * (id % 240)",
            "id % 7 = 0",
        ),
        ev(
            "fixed",
            "'{\"kind\":\"fixed\"}'",
            agent,
            "30000000",
            "id % 10 = 5",
        ),
        ev(
            "closed",
            "'{\"kind\":\"closed\",\"reason\":\"done\"}'",
            agent,
            "36000000",
            "1 = 1",
        ),
        "INSERT INTO csat (ticket_id, score, comment, at) SELECT id, 1 + id % 5, NULL, created_at + 40000000 FROM tickets WHERE id % 10 < 3".to_string(),
        format!(
            "INSERT INTO faq_events (at, user_platform, user_id, user_name, conv_platform, conv_chat, conv_thread, query, article_id, article_title, confidence, outcome, ticket_id) \
             SELECT created_at, 'telegram', requester_id, 'User', 'telegram', requester_id, NULL, 'question ' || (id % 50), NULL, NULL, 0.5, \
             CASE id % 5 WHEN 0 THEN 'helpful' WHEN 1 THEN 'need_human' WHEN 2 THEN 'no_answer' WHEN 3 THEN 'answered' ELSE 'suggested' END, NULL \
             FROM tickets WHERE id % 5 = 0 OR id <= {}",
            n / 5
        ),
    ] {
        exec(store, &sql).await;
    }
    exec(store, "ANALYZE").await;
}

async fn bench(label: &str, store: Arc<SqlStore>, n: i64, rounds: usize) {
    let cfg = Config::from_layers(None, &[]).unwrap();
    let t = Instant::now();
    seed(&store, n).await;
    let seeded = t.elapsed().as_secs_f64();
    let now = DateTime::parse_from_rfc3339("2027-01-05T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let t = Instant::now();
    let computed = service::refresh(&store, &cfg, now).await.unwrap();
    let facts = t.elapsed().as_secs_f64();
    // The whole year reads only rollups; a month likewise; a period starting and ending
    // mid-month reads its two partial months from the facts.
    for (what, from, to) in [
        ("year", "2026-01-01", "2026-12-31"),
        ("January", "2026-01-01", "2026-01-31"),
        ("Jan 10 – Feb 20", "2026-01-10", "2026-02-20"),
    ] {
        let req = KpiRequest {
            period: supportbot::reports::config::days(chrono_tz::UTC, from, to).unwrap(),
            ..KpiRequest::default()
        };
        reset_peak();
        let rss_before = rss_kb("VmRSS:");
        let mut times = Vec::new();
        let mut opened = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            let r = service::kpi(&store, &cfg, &req, now).await.unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            opened = r.overall.opened;
            assert!(r.overall.first_response.is_some() && r.csat.response_rate.total > 0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{label}: {n} tickets (seeded in {seeded:.1}s; facts of {computed} computed and rolled up once in {facts:.1}s); \
             KPI report, {what}, over {opened} tickets: median {:.0} ms, min {:.0} ms, max {:.0} ms over {rounds} rounds; \
             RSS {rss_before} kB before, peak {} kB during the reports",
            times[times.len() / 2],
            times[0],
            times[times.len() - 1],
            rss_kb("VmHWM:"),
        );
    }
}

fn main() {
    // BENCH_TRACE=1 prints every statement with its time (sqlx's debug log), to see which
    // aggregate a slow report spends its time in.
    if std::env::var("BENCH_TRACE").is_ok() {
        tracing_subscriber::fmt()
            .with_env_filter("sqlx=debug")
            .with_writer(std::io::stderr)
            .init();
    }
    let n: i64 = std::env::var("BENCH_TICKETS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("bench.db");
        // BENCH_KEEP=1 keeps the SQLite file and the PostgreSQL database, to study query plans
        // on them afterwards.
        let _guard = if std::env::var("BENCH_KEEP").is_ok() {
            println!(
                "sqlite file kept: {}",
                dir.keep().join("bench.db").display()
            );
            None
        } else {
            Some(dir)
        };
        let url = format!("sqlite://{}?mode=rwc", db.display());
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
        if std::env::var("BENCH_KEEP").is_ok() {
            println!("postgres database kept: {name}");
            return;
        }
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&pool)
            .await;
    });
}

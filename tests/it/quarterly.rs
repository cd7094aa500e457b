//! The quarterly satisfaction survey, on SQLite and on PostgreSQL: customers with a ticket
//! closed in 2026 Q4 are asked from 1 January 2027, each once (two instances share the work
//! and never ask anyone twice), in their language, at most `per_minute` per look; an opted-out
//! customer is skipped; the answers and a comment are stored and counted in the KPI report.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use supportbot::config::Config;
use supportbot::domain::event::{ButtonAction, Outbound, Target};
use supportbot::reports::model::Period;
use supportbot::reports::render;
use supportbot::reports::service::{self, KpiRequest};
use supportbot::reports::survey_run::QuarterlySurveyor;
use supportbot::storage;

use crate::db;
use crate::harness::{BASE_CONFIG, TestApp};

const SURVEY: &str = r#"
[reports.quarterly_survey]
enabled = true
day = 1
per_minute = 2
"#;

fn jan(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, d, h, m, 0).unwrap()
}

fn config() -> Config {
    let toml = format!("{BASE_CONFIG}\n{SURVEY}");
    Config::from_layers(Some((Path::new("q.toml"), &toml)), &[]).unwrap()
}

/// Who each survey went to, and its text.
fn sent(planned: &[supportbot::domain::ports::Planned]) -> Vec<(String, String)> {
    planned
        .iter()
        .filter_map(|p| match &p.action {
            Outbound::Send {
                to: Target::Conversation(c),
                message,
            } => {
                assert_eq!(message.buttons.len(), 5);
                Some((c.chat.clone(), message.text.clone()))
            }
            _ => None,
        })
        .collect()
}

async fn the_quarterly_survey(url: String) {
    let a = Arc::new(storage::connect(&url, 4).await.unwrap());
    let b = Arc::new(storage::connect(&url, 4).await.unwrap());
    // November 2026 (Q4): alice (who speaks Hungarian), bob, dave twice and carol (who opted
    // out) have tickets closed; erin's stays open.
    let app = TestApp::over_sql(a.clone(), SURVEY, None);
    app.user_says("alice", "/lang hu").await;
    app.user_says("carol", "/stop surveys").await;
    for who in ["alice", "bob", "carol", "dave", "dave", "erin"] {
        let r = app
            .user_says(who, "/ticket a question about invoices")
            .await;
        let id = r.opened_ticket().expect("a ticket opens");
        if who != "erin" {
            app.agent_says(id, "/close answered").await;
        }
    }
    let (sa, sb) = (
        QuarterlySurveyor::new(a.clone(), config()),
        QuarterlySurveyor::new(b.clone(), config()),
    );
    assert!(
        sa.tick(Utc.with_ymd_and_hms(2026, 12, 31, 23, 59, 0).unwrap())
            .await
            .unwrap()
            .is_empty(),
        "not before the quarter is over"
    );
    // Both instances look each minute; at most two surveys per look each.
    let mut all = Vec::new();
    for minute in 0..4 {
        let now = jan(1, 0, minute);
        let (x, y) = tokio::join!(sa.tick(now), sb.tick(now));
        let (x, y) = (x.unwrap(), y.unwrap());
        assert!(x.len() <= 2 && y.len() <= 2);
        all.extend(sent(&x));
        all.extend(sent(&y));
    }
    all.sort();
    assert_eq!(
        all.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        ["dm-alice", "dm-bob", "dm-dave"],
        "each customer with a closed ticket, once; not carol, not erin"
    );
    assert!(
        all[0].1.contains("a 2026. 4. negyedévben"),
        "in alice's language: {}",
        all[0].1
    );
    assert_eq!(
        all[1].1,
        "How satisfied were you with our support in Q4 2026? Tap 1 (poor) to 5 (excellent); you can add a comment after. Send /stop surveys to get no more surveys."
    );

    // bob answers 4 with a comment; a second tap keeps the first; carol was not asked.
    let q4 = 20264;
    app.user_presses("bob", &ButtonAction::QuarterlyCsat(q4, 4).encode())
        .await
        .expect("Thank you for rating us 4/5!");
    app.user_says("bob", "quick answers")
        .await
        .expect("added your comment");
    app.user_presses("bob", &ButtonAction::QuarterlyCsat(q4, 1).encode())
        .await
        .expect("You already rated this quarter 4/5.");
    let r = app
        .user_presses("carol", &ButtonAction::QuarterlyCsat(q4, 5).encode())
        .await;
    assert!(!r.says("Thank you for rating"), "{:?}", r.texts());
    let (score, comment): (i64, String) = sqlx::query_as(
        "SELECT score, comment FROM quarterly_surveys WHERE user_id = 'bob' AND quarter = '2026-Q4'",
    )
    .fetch_one(a.pool())
    .await
    .unwrap();
    assert_eq!((score, comment.as_str()), (4, "quick answers"));

    // The KPI report of January counts the surveys sent in it.
    let report = service::kpi(
        &a,
        &config(),
        &KpiRequest {
            period: Period {
                from: jan(1, 0, 0),
                to: Utc.with_ymd_and_hms(2027, 2, 1, 0, 0, 0).unwrap(),
            },
            ..KpiRequest::default()
        },
        jan(2, 0, 0),
    )
    .await
    .unwrap();
    let qs = &report.quarterly;
    assert_eq!((qs.response_rate.hits, qs.response_rate.total), (1, 3));
    assert_eq!(qs.average, Some(4.0));
    assert_eq!(qs.distribution, [0, 0, 0, 1, 0]);
    let text = render::kpi(&report, render::Format::Text).unwrap();
    assert!(
        text.contains("Quarterly survey (sent in the period)"),
        "{text}"
    );
}

#[tokio::test]
async fn sqlite_quarterly_survey_once_per_customer() {
    let dir = tempfile::tempdir().unwrap();
    the_quarterly_survey(db::sqlite_url(&dir)).await;
}

#[tokio::test]
async fn postgres_quarterly_survey_once_per_customer() {
    let Some(pg) = db::fresh_postgres().await else {
        return;
    };
    the_quarterly_survey(pg.url.clone()).await;
}

//! `/incident <id> since <when>`: an agent confirms when an outage began, and the monthly
//! availability counts the customer's downtime from then instead of from the ticket's
//! opening; bad starts are refused with the reason. On SQLite and on PostgreSQL.
//!
//! Monday 23 Nov 2026, reports in Europe/Budapest (UTC+1). bob opens a ticket at 10:00 UTC;
//! at 10:10 ann confirms an incident since 10:40 local (09:40 UTC); it is solved at 12:40
//! UTC: 3 h down. After the close, ann corrects the start to 10:00 local (09:00 UTC): 3 h 40
//! min down. November has 720 h, so availability is 99.583 % and then 99.491 %, against the
//! basic tier's 99.5 %.

use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use supportbot::config::Config;
use supportbot::domain::ports::Clock;
use supportbot::domain::ticket::{EventKind, Priority, TicketKind};
use supportbot::reports::service;
use supportbot::storage::SqlStore;

use crate::db::{postgres_store, sqlite_store};
use crate::harness::{BASE_CONFIG, TestApp};

const EXTRA: &str = r#"
[reports]
time_zone = "Europe/Budapest"
"#;

fn config() -> Config {
    let toml = format!("{BASE_CONFIG}\n{EXTRA}");
    Config::from_layers(Some((Path::new("incident.toml"), &toml)), &[]).unwrap()
}

async fn downtime_ms(store: &SqlStore, at: chrono::DateTime<Utc>) -> (i64, bool) {
    let r = service::sla(store, &config(), "2026-11", None, at)
        .await
        .unwrap();
    let bob = r
        .customers
        .iter()
        .find(|c| c.customer == "console:bob")
        .unwrap_or_else(|| panic!("bob in the report: {r:#?}"));
    (bob.availability.downtime_ms, bob.availability.kept)
}

async fn confirmed_start(store: Arc<SqlStore>) {
    let app = TestApp::over_sql(store.clone(), EXTRA, None);
    let r = app
        .user_says("bob", "/ticket cannot reach the dashboard")
        .await;
    let id = r.opened_ticket().expect("a ticket opens");
    app.advance(Duration::minutes(10));

    // Refused, with the reason, and nothing changes: a start still to come, a mistyped
    // year, words that are no time.
    let r = app.agent_says(id, "/incident since 23:00").await;
    r.expect("2026-11-23 23:00 (Europe/Budapest) has not come yet");
    let r = app.agent_says(id, "/incident since 2025-11-23 10:00").await;
    r.expect("more than 31 days before ticket");
    let r = app.agent_says(id, "/incident since noon").await;
    r.expect("\"since noon\" is not a start time");
    let t = app.store.ticket(id).await.unwrap().unwrap();
    assert_ne!(t.kind, TicketKind::Incident);

    let r = app.agent_says(id, "/incident since 10:40").await;
    r.expect(&format!(
        "Ticket {id} is an incident since 2026-11-23 10:40 (Europe/Budapest), now at P1"
    ));
    assert!(
        r.renames().iter().any(|(title, _)| title.contains("P1")),
        "the staff space shows the new priority: {:?}",
        r.renames()
    );
    let t = app.store.ticket(id).await.unwrap().unwrap();
    assert_eq!((t.kind, t.priority), (TicketKind::Incident, Priority::P1));
    let since = Utc.with_ymd_and_hms(2026, 11, 23, 9, 40, 0).unwrap();
    let events = app.store.events(id).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == EventKind::IncidentStart { since }),
        "{events:#?}"
    );

    app.advance(Duration::minutes(150)); // 12:40 UTC
    app.agent_says(id, "/solve").await.expect("solved");
    let (down, kept) = downtime_ms(&store, app.clock.now()).await;
    assert_eq!(down, Duration::hours(3).num_milliseconds());
    assert!(kept, "3 h of 720 h is 99.583 %, above 99.5 %");

    // A correction after the close: the start only, the priority stays.
    app.advance(Duration::minutes(20));
    app.agent_says(id, "/close service restored").await;
    let r = app.agent_says(id, "/incident since 2026-11-23 10:00").await;
    r.expect(&format!(
        "Ticket {id} is an incident since 2026-11-23 10:00 (Europe/Budapest): the customer's downtime counts"
    ));
    let (down, kept) = downtime_ms(&store, app.clock.now()).await;
    assert_eq!(down, Duration::minutes(220).num_milliseconds());
    assert!(!kept, "3 h 40 min of 720 h is 99.491 %, below 99.5 %");
    let r = app.staff_says("lea", None, "/report sla 2026-11").await;
    // The P1 first response nobody gave is the breach.
    r.expect("• console:bob: 1 breach, availability 99.491% (promised 99.5%)");

    // A closed ticket that was never an incident is not made one after the fact.
    let r = app.user_says("carol", "/ticket a question").await;
    let other = r.opened_ticket().expect("a second ticket");
    app.agent_says(other, "/close answered").await;
    let r = app.agent_says(other, "/incident since 10:00").await;
    r.expect("closed");
    let t = app.store.ticket(other).await.unwrap().unwrap();
    assert_eq!(t.kind, TicketKind::Question);
}

#[tokio::test]
async fn a_confirmed_incident_start_counts_downtime_from_then_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    confirmed_start(store).await;
}

#[tokio::test]
async fn a_confirmed_incident_start_counts_downtime_from_then_on_postgres() {
    let Some((store, _db)) = postgres_store().await else {
        return;
    };
    confirmed_start(store).await;
}

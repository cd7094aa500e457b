//! The sweeper on real databases: schedules survive in `tickets.sla_next_check`, saves mark
//! tickets dirty, and two sweepers sharing one database send every notice exactly once.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;
use supportbot::config::Config;
use supportbot::domain::event::{Outbound, Target};
use supportbot::domain::ids::{ConversationRef, Platform, TicketId, UserRef};
use supportbot::domain::lifecycle::NewTicket;
use supportbot::domain::ports::TicketStore;
use supportbot::domain::sla_sweep::Sweeper;
use supportbot::domain::ticket::{Actor, EventKind, Priority, TicketEvent, TicketKind, Tier};
use supportbot::storage::SqlStore;

use crate::db;

/// Default UTC business calendar; warnings at 50 % and 15 min before; 3 re-pings every 30 min.
const CONF: &str = r#"
[sla.warnings]
at_percent = [50]
before = ["15m"]
"#;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

// Monday 23 Nov 2026 09:00 UTC, the start of the default business day.
fn t0() -> DateTime<Utc> {
    t("2026-11-23T09:00:00Z")
}

fn sweeper(store: Arc<SqlStore>, batch: i64) -> Sweeper {
    let cfg = Config::from_layers(Some((Path::new("t.toml"), CONF)), &[]).unwrap();
    let mut s = Sweeper::new(store, cfg.sla, cfg.staff);
    s.batch = batch;
    s
}

async fn open(store: &SqlStore, n: usize, at: DateTime<Utc>) -> Vec<TicketId> {
    let mut ids = Vec::new();
    for i in 0..n {
        let new = NewTicket {
            requester: UserRef::new(Platform::Console, format!("u{i}"), "Cleo"),
            conversation: ConversationRef::chat(Platform::Console, format!("u{i}")),
            subject: "export fails".into(),
            kind: TicketKind::Question,
            priority: Priority::P1,
            tier: Tier::Basic,
            tags: vec![],
            at,
        };
        let ev = TicketEvent {
            kind: EventKind::Created {
                priority: Priority::P1,
                tier: Tier::Basic,
            },
            actor: Actor::System,
            at,
        };
        ids.push(store.create_ticket(new, &[], &[ev]).await.unwrap().id);
    }
    ids
}

/// One tick, delivered as the app does: all its notices confirmed in one write. Returns
/// (ticket, text) pairs.
async fn deliver(sw: &Sweeper, now: DateTime<Utc>) -> Vec<(TicketId, String)> {
    let notices = sw.tick(now).await.unwrap();
    let mut out = Vec::new();
    for n in &notices {
        match n.outbound() {
            Outbound::Send {
                to: Target::StaffSpace { ticket, .. },
                message,
            } => out.push((ticket, message.text)),
            other => panic!("unexpected {other:?}"),
        }
    }
    sw.delivered(&notices, now).await.unwrap();
    out
}

async fn next_check(store: &SqlStore, id: TicketId) -> (Option<i64>, i64) {
    let row = sqlx::query("SELECT sla_next_check, sla_dirty FROM tickets WHERE id = $1")
        .bind(id.0)
        .fetch_one(store.pool())
        .await
        .unwrap();
    (row.try_get(0).unwrap(), row.try_get::<i64, _>(1).unwrap())
}

async fn schedule_persists_and_saves_reschedule(store: Arc<SqlStore>) {
    let sw = sweeper(store.clone(), 50);
    let id = open(&store, 1, t0()).await[0];
    assert!(deliver(&sw, t0()).await.is_empty());
    // First response 2h: the 50 % warning at 10:00 is the next thing to check.
    assert_eq!(
        next_check(&store, id).await,
        (Some(t("2026-11-23T10:00:00Z").timestamp_millis()), 0)
    );
    let w = deliver(&sw, t("2026-11-23T10:00:00Z")).await;
    assert!(
        w.len() == 1 && w[0].1.contains("first response") && w[0].1.contains("(50%)"),
        "{w:?}"
    );
    // A fresh sweeper (another process) must not repeat it.
    let again = sweeper(store.clone(), 50);
    assert!(
        again
            .tick(t("2026-11-23T10:00:00Z"))
            .await
            .unwrap()
            .is_empty()
    );
    // The agent answers: the save marks the ticket dirty and the first-response notices vanish.
    let mut tk = store.ticket(id).await.unwrap().unwrap();
    let evs = tk.agent_replied().unwrap();
    let evs: Vec<TicketEvent> = evs
        .into_iter()
        .map(|kind| TicketEvent {
            kind,
            actor: Actor::System,
            at: t("2026-11-23T10:10:00Z"),
        })
        .collect();
    store.save_ticket(&tk, &[], &evs).await.unwrap();
    assert_eq!(next_check(&store, id).await.1, 1, "save marks dirty");
    let out = deliver(&sw, t("2026-11-23T11:00:00Z")).await;
    assert!(
        out.iter().all(|(_, s)| !s.contains("first response")),
        "{out:?}"
    );
    // The resolution clock (4h) still warns at 11:00 (50 %).
    assert!(
        out.iter()
            .any(|(_, s)| s.contains("resolution") && s.contains("(50%)")),
        "{out:?}"
    );
}

#[tokio::test]
async fn sqlite_schedule_persists_and_saves_reschedule() {
    let (store, _dir) = db::sqlite_store().await;
    schedule_persists_and_saves_reschedule(store).await;
}

#[tokio::test]
async fn postgres_schedule_persists_and_saves_reschedule() {
    let Some((store, _db)) = db::postgres_store().await else {
        return;
    };
    schedule_persists_and_saves_reschedule(store).await;
}

/// Two sweepers on one database tick concurrently over the whole life of 30 breaching tickets.
async fn two_sweepers_exactly_once(a: Arc<SqlStore>, b: Arc<SqlStore>) {
    const N: usize = 30;
    open(&a, N, t0()).await;
    let (sa, sb) = (Arc::new(sweeper(a.clone(), 7)), Arc::new(sweeper(b, 7)));
    let mut all = Vec::new();
    let mut now = t0();
    while now <= t("2026-11-23T15:00:00Z") {
        let (x, y) = (sa.clone(), sb.clone());
        let ha = tokio::spawn(async move { deliver(&x, now).await });
        let hb = tokio::spawn(async move { deliver(&y, now).await });
        all.extend(ha.await.unwrap());
        all.extend(hb.await.unwrap());
        now += Duration::minutes(15);
    }
    // Per ticket: first response (2h) and resolution (4h) each warn twice, breach, re-ping 3×.
    let unique: HashSet<&(TicketId, String)> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "a notice was sent twice");
    assert_eq!(all.len(), N * 12, "every notice sent");
    let rows: i64 = sqlx::query("SELECT COUNT(*) FROM sla_notices")
        .fetch_one(a.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(rows as usize, N * 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sweepers_on_postgres_send_each_notice_once() {
    let Some((a, db)) = db::postgres_store().await else {
        return;
    };
    let b = Arc::new(supportbot::storage::connect(&db.url, 4).await.unwrap());
    two_sweepers_exactly_once(a, b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sweepers_on_sqlite_send_each_notice_once() {
    let (a, dir) = db::sqlite_store().await;
    let b = Arc::new(
        supportbot::storage::connect(&db::sqlite_url(&dir), 4)
            .await
            .unwrap(),
    );
    two_sweepers_exactly_once(a, b).await;
}

/// The database itself refuses a second record of a key, even when a sweeper decides it again.
async fn record_is_unique_per_key(store: Arc<SqlStore>) {
    use supportbot::domain::sla_sweep::{Decision, NoticeRecord, Pick, SlaStore, SweepItem};
    let id = open(&store, 1, t0()).await[0];
    let decide = |items: &[SweepItem]| Decision {
        records: items
            .iter()
            .map(|i| NoticeRecord {
                ticket: i.ticket.id,
                key: "test/once".into(),
                due_at: t0(),
                platform: Platform::Console,
                text: "hello".into(),
                notify: Vec::new(),
            })
            .collect(),
        next: vec![(id, Some(t0()))],
    };
    let (n, fresh) = store
        .sla_batch(Pick::Dirty, t0(), 10, &decide)
        .await
        .unwrap();
    assert_eq!((n, fresh.len()), (1, 1));
    // Due again at t0 (the decision rescheduled it there): decided again, recorded no more.
    let (n, fresh) = store.sla_batch(Pick::Due, t0(), 10, &decide).await.unwrap();
    assert_eq!((n, fresh.len()), (1, 0));
}

#[tokio::test]
async fn sqlite_record_is_unique_per_key() {
    let (store, _dir) = db::sqlite_store().await;
    record_is_unique_per_key(store).await;
}

#[tokio::test]
async fn postgres_record_is_unique_per_key() {
    let Some((store, _db)) = db::postgres_store().await else {
        return;
    };
    record_is_unique_per_key(store).await;
}

/// A notice nobody confirmed is handed out again after its lease, once per lease, until it
/// is confirmed or runs out of attempts; it keeps its text, platform and who to alert.
async fn redelivery_until_confirmed(store: Arc<SqlStore>) {
    use supportbot::domain::sla_sweep::SlaStore;
    let sw = sweeper(store.clone(), 50);
    open(&store, 1, t0()).await;
    deliver(&sw, t0()).await;
    let at = |hm: &str| t(&format!("2026-11-23T{hm}:00Z"));
    // The 10:00 warning goes out, but its delivery is never confirmed.
    let sent = sw.tick(at("10:00")).await.unwrap();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let lease = |now: DateTime<Utc>| now - Duration::minutes(2);
    let again = |now, max| {
        let store = store.clone();
        async move { store.redeliver(now, lease(now), max, 10).await.unwrap() }
    };
    assert!(again(at("10:01"), 10).await.is_empty(), "lease not over");
    let second = again(at("10:03"), 10).await;
    assert_eq!(second, sent, "the same notice, whole");
    assert!(
        again(at("10:04"), 10).await.is_empty(),
        "the lease restarted"
    );
    // Two attempts so far: a limit of two stops it, a higher one lets it through.
    assert!(again(at("10:10"), 2).await.is_empty());
    assert_eq!(again(at("10:10"), 10).await.len(), 1);
    // The sweeper re-sends it too, and stops once it is confirmed.
    let third = sw.tick(at("10:13")).await.unwrap();
    assert_eq!(third, sent);
    sw.delivered(&third, at("10:13")).await.unwrap();
    assert!(again(at("10:30"), 10).await.is_empty());
}

#[tokio::test]
async fn sqlite_redelivery_until_confirmed() {
    let (store, _dir) = db::sqlite_store().await;
    redelivery_until_confirmed(store).await;
}

#[tokio::test]
async fn postgres_redelivery_until_confirmed() {
    let Some((store, _db)) = db::postgres_store().await else {
        return;
    };
    redelivery_until_confirmed(store).await;
}

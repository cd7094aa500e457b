//! The outbox: actions a platform failed to take are kept, retried with backoff in their
//! original order, and given up on after a bounded number of attempts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{Duration, Utc};
use sqlx::Row;
use supportbot::channels::{MAX_DELIVERY_ATTEMPTS, Outlet, Router};
use supportbot::domain::event::{Message, Outbound, Target};
use supportbot::domain::ids::{ConversationRef, Platform};
use supportbot::domain::ports::OutboxStore;
use supportbot::storage::SqlStore;

use crate::db;

fn send(text: &str) -> Outbound {
    send_to("u1", text)
}

fn send_to(chat: &str, text: &str) -> Outbound {
    Outbound::Send {
        to: Target::Conversation(ConversationRef::chat(Platform::Console, chat)),
        message: Message::text(text),
    }
}

/// The store's side: due only when due, claimed once per lease, retried, delivered, given up.
async fn outbox_contract(store: Arc<SqlStore>) {
    let t0 = Utc::now();
    assert!(!store.pending(None).await.unwrap());
    store.defer(&send("a"), 1, "503", t0).await.unwrap();
    store
        .defer(&send_to("u2", "b"), 1, "timeout", t0)
        .await
        .unwrap();
    assert!(store.pending(None).await.unwrap());
    assert!(
        store
            .pending(Some(&send("x").lane().unwrap()))
            .await
            .unwrap()
    );
    assert!(
        !store
            .pending(Some(&send_to("u3", "x").lane().unwrap()))
            .await
            .unwrap()
    );
    assert!(
        store
            .due_deliveries(t0 - Duration::seconds(1), t0 + Duration::minutes(5), 10)
            .await
            .unwrap()
            .is_empty(),
        "not due yet"
    );
    let due = store
        .due_deliveries(t0, t0 + Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(
        due.iter().map(|d| d.action.clone()).collect::<Vec<_>>(),
        vec![send("a"), send_to("u2", "b")],
        "oldest first, whole"
    );
    assert!(due.iter().all(|d| d.attempts == 1));
    assert!(
        store
            .due_deliveries(t0 + Duration::minutes(1), t0 + Duration::minutes(6), 10)
            .await
            .unwrap()
            .is_empty(),
        "leased to the first claimer"
    );
    store.delivered(due[1].id).await.unwrap();
    store
        .failed_again(due[0].id, "503 again", Some(t0 + Duration::minutes(2)))
        .await
        .unwrap();
    let again = store
        .due_deliveries(t0 + Duration::minutes(2), t0 + Duration::minutes(7), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].attempts), (due[0].id, 2));
    store.failed_again(again[0].id, "gone", None).await.unwrap();
    assert!(
        store
            .due_deliveries(t0 + Duration::days(1), t0 + Duration::days(2), 10)
            .await
            .unwrap()
            .is_empty(),
        "given up"
    );
    let kept: i64 = sqlx::query("SELECT COUNT(*) FROM outbox WHERE retry_at IS NULL")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept, 1, "a given-up action stays on record");
    assert!(
        !store.pending(None).await.unwrap(),
        "given up is not waiting"
    );
}

/// Only the oldest waiting action of a lane is due; a later one waits for it (even when its
/// own time has come), and a given-up one no longer holds the lane.
async fn outbox_lanes(store: Arc<SqlStore>) {
    let t0 = Utc::now();
    store.defer(&send("1st"), 1, "503", t0).await.unwrap();
    store
        .defer(&send_to("u2", "other"), 1, "503", t0)
        .await
        .unwrap();
    store.defer(&send("2nd"), 0, "waiting", t0).await.unwrap();
    store.defer(&send("3rd"), 0, "waiting", t0).await.unwrap();
    let due = |at| {
        let store = store.clone();
        async move {
            store
                .due_deliveries(at, at + Duration::minutes(5), 10)
                .await
                .unwrap()
        }
    };
    let first = due(t0).await;
    assert_eq!(
        first.iter().map(|d| d.action.clone()).collect::<Vec<_>>(),
        vec![send("1st"), send_to("u2", "other")]
    );
    // The head fails again and backs off: its lane waits with it.
    store
        .failed_again(first[0].id, "503", Some(t0 + Duration::hours(1)))
        .await
        .unwrap();
    store.delivered(first[1].id).await.unwrap();
    assert!(due(t0 + Duration::minutes(30)).await.is_empty());
    let head = due(t0 + Duration::hours(1)).await;
    assert_eq!(head.len(), 1);
    assert_eq!(head[0].action, send("1st"));
    store.delivered(head[0].id).await.unwrap();
    let next = due(t0 + Duration::hours(1)).await;
    assert_eq!(next.len(), 1);
    assert_eq!((next[0].action.clone(), next[0].attempts), (send("2nd"), 0));
    // Given up on: the rest of the lane goes on.
    store.failed_again(next[0].id, "gone", None).await.unwrap();
    let last = due(t0 + Duration::hours(1)).await;
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].action, send("3rd"));
}

#[tokio::test]
async fn sqlite_outbox_lanes() {
    let (store, _dir) = db::sqlite_store().await;
    outbox_lanes(store).await;
}

#[tokio::test]
async fn postgres_outbox_lanes() {
    let Some((store, _db)) = db::postgres_store().await else {
        return;
    };
    outbox_lanes(store).await;
}

#[tokio::test]
async fn sqlite_outbox_contract() {
    let (store, _dir) = db::sqlite_store().await;
    outbox_contract(store).await;
}

#[tokio::test]
async fn postgres_outbox_contract() {
    let Some((store, _db)) = db::postgres_store().await else {
        return;
    };
    outbox_contract(store).await;
}

/// An outlet that fails its first `fail` deliveries.
#[derive(Default)]
struct Flaky {
    fail: AtomicUsize,
    seen: Mutex<Vec<Outbound>>,
}

#[async_trait]
impl Outlet for Flaky {
    async fn deliver(&self, action: &Outbound) -> anyhow::Result<()> {
        if self
            .fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            anyhow::bail!("503 Service Unavailable");
        }
        self.seen.lock().unwrap().push(action.clone());
        Ok(())
    }
}

#[tokio::test]
async fn the_router_keeps_failed_messages_and_delivers_them_later() {
    let (store, _dir) = db::sqlite_store().await;
    let flaky = Arc::new(Flaky::default());
    let mut router = Router::new().with_outbox(store.clone());
    router.add(Platform::Console, flaky.clone());

    // Both fail: the message is kept, the interaction answer is not (it would be stale).
    flaky.fail.store(2, Ordering::SeqCst);
    let ack = Outbound::Ack {
        interaction: "i-1".into(),
        text: Some("ok".into()),
        alert: false,
    };
    router
        .dispatch(Platform::Console, &[send("hello"), ack])
        .await;
    assert!(flaky.seen.lock().unwrap().is_empty());
    let now = Utc::now();
    assert_eq!(router.retry_deferred(now).await, 0, "backs off first");
    assert_eq!(router.retry_deferred(now + Duration::seconds(31)).await, 1);
    assert_eq!(*flaky.seen.lock().unwrap(), vec![send("hello")]);
    assert_eq!(
        router.retry_deferred(now + Duration::hours(1)).await,
        0,
        "delivered once"
    );

    // A platform that keeps refusing: attempts are bounded, then the action is given up.
    flaky.fail.store(usize::MAX, Ordering::SeqCst);
    router.dispatch(Platform::Console, &[send("lost?")]).await;
    let mut at = now + Duration::hours(2);
    for _ in 0..MAX_DELIVERY_ATTEMPTS + 3 {
        router.retry_deferred(at).await;
        at += Duration::hours(2);
    }
    let row = sqlx::query("SELECT attempts, retry_at FROM outbox")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(row.get::<i64, _>(0), MAX_DELIVERY_ATTEMPTS);
    assert!(
        row.get::<Option<i64>, _>(1).is_none(),
        "given up, kept on record"
    );
}

#[tokio::test]
async fn a_message_sent_during_an_outage_waits_for_the_earlier_one() {
    let (store, _dir) = db::sqlite_store().await;
    let flaky = Arc::new(Flaky::default());
    let mut router = Router::new().with_outbox(store.clone());
    router.add(Platform::Console, flaky.clone());
    let now = Utc::now();
    // A fresh router does not know whether an earlier run left actions; once a retry pass
    // finds the outbox empty, sending costs no outbox query.
    assert_eq!(router.retry_deferred(now).await, 0);

    // The platform refuses the first message, then recovers.
    flaky.fail.store(1, Ordering::SeqCst);
    router.dispatch(Platform::Console, &[send("first")]).await;
    router
        .dispatch(
            Platform::Console,
            &[send("second"), send_to("u2", "elsewhere")],
        )
        .await;
    assert_eq!(
        *flaky.seen.lock().unwrap(),
        vec![send_to("u2", "elsewhere")],
        "the second message to u1 waits; other places are not held up"
    );
    assert_eq!(router.retry_deferred(now + Duration::seconds(31)).await, 2);
    assert_eq!(
        *flaky.seen.lock().unwrap(),
        vec![send_to("u2", "elsewhere"), send("first"), send("second")],
        "in the order they were made, in one retry pass"
    );
    assert!(!store.pending(None).await.unwrap());
    // With the outbox empty again, messages go straight out.
    router.dispatch(Platform::Console, &[send("third")]).await;
    assert_eq!(flaky.seen.lock().unwrap().last(), Some(&send("third")));
}

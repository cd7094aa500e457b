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
    store.defer(&send("a"), 1, "503", Some(t0)).await.unwrap();
    store
        .defer(&send_to("u2", "b"), 1, "timeout", Some(t0))
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
    store.defer(&send("1st"), 1, "503", Some(t0)).await.unwrap();
    store
        .defer(&send_to("u2", "other"), 1, "503", Some(t0))
        .await
        .unwrap();
    store
        .defer(&send("2nd"), 0, "waiting", Some(t0))
        .await
        .unwrap();
    store
        .defer(&send("3rd"), 0, "waiting", Some(t0))
        .await
        .unwrap();
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
    assert!(
        due(t0 + Duration::minutes(1)).await.is_empty(),
        "a head being sent (leased) holds its lane"
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
    store.delivered(last[0].id).await.unwrap();

    // Rows kept before lanes existed (lane '') do not wait for each other.
    let t1 = t0 + Duration::hours(2);
    store
        .defer(&send("old 1"), 1, "503", Some(t1))
        .await
        .unwrap();
    store
        .defer(&send("old 2"), 1, "503", Some(t1))
        .await
        .unwrap();
    sqlx::query("UPDATE outbox SET lane = '' WHERE retry_at IS NOT NULL")
        .execute(store.pool())
        .await
        .unwrap();
    let legacy = due(t1).await;
    assert_eq!(legacy.len(), 2);
    for d in &legacy {
        store.delivered(d.id).await.unwrap();
    }

    // An unreadable row is given up (kept for inspection) instead of blocking its lane.
    store.defer(&send("bad"), 1, "503", Some(t1)).await.unwrap();
    store
        .defer(&send("after bad"), 0, "waiting", Some(t1))
        .await
        .unwrap();
    sqlx::query("UPDATE outbox SET action = '{not json' WHERE retry_at IS NOT NULL AND action LIKE '%\"bad\"%'")
        .execute(store.pool())
        .await
        .unwrap();
    assert!(
        due(t1).await.is_empty(),
        "the bad head is given up in this pass"
    );
    let after = due(t1).await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].action, send("after bad"));
    let given_up: String = sqlx::query("SELECT last_error FROM outbox WHERE action = '{not json'")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0);
    assert!(given_up.starts_with("unreadable"), "{given_up}");
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

/// An outlet that fails its first `fail` deliveries; with `refuse` set, as refused for good.
#[derive(Default)]
struct Flaky {
    fail: AtomicUsize,
    refuse: std::sync::atomic::AtomicBool,
    seen: Mutex<Vec<Outbound>>,
}

#[async_trait]
impl Outlet for Flaky {
    fn refused_for_good(&self, error: &anyhow::Error) -> bool {
        self.refuse.load(Ordering::SeqCst) && error.to_string().contains("503")
    }

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

#[tokio::test]
async fn a_message_refused_for_good_is_given_up_at_once_and_holds_nothing_up() {
    let (store, _dir) = db::sqlite_store().await;
    let flaky = Arc::new(Flaky::default());
    let mut router = Router::new().with_outbox(store.clone());
    router.add(Platform::Console, flaky.clone());
    flaky.refuse.store(true, Ordering::SeqCst);
    flaky.fail.store(1, Ordering::SeqCst);
    router.dispatch(Platform::Console, &[send("refused")]).await;
    router.dispatch(Platform::Console, &[send("next")]).await;
    assert_eq!(*flaky.seen.lock().unwrap(), vec![send("next")]);
    let row = sqlx::query("SELECT retry_at, last_error FROM outbox")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(
        row.get::<Option<i64>, _>(0).is_none(),
        "given up, on record"
    );
    assert!(row.get::<String, _>(1).contains("503"));
    assert_eq!(
        router.retry_deferred(Utc::now() + Duration::hours(3)).await,
        0
    );
}

/// An outbox that counts how often the router asks whether a lane is busy.
struct Counting {
    inner: Arc<SqlStore>,
    asked: AtomicUsize,
}

#[async_trait]
impl OutboxStore for Counting {
    async fn defer(
        &self,
        action: &Outbound,
        attempts: i64,
        error: &str,
        retry_at: Option<chrono::DateTime<Utc>>,
    ) -> Result<(), supportbot::domain::ports::StoreError> {
        self.inner.defer(action, attempts, error, retry_at).await
    }
    async fn pending(
        &self,
        lane: Option<&str>,
    ) -> Result<bool, supportbot::domain::ports::StoreError> {
        if lane.is_some() {
            self.asked.fetch_add(1, Ordering::SeqCst);
        }
        self.inner.pending(lane).await
    }
    async fn due_deliveries(
        &self,
        now: chrono::DateTime<Utc>,
        lease_until: chrono::DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<supportbot::domain::ports::Deferred>, supportbot::domain::ports::StoreError>
    {
        self.inner.due_deliveries(now, lease_until, limit).await
    }
    async fn delivered(&self, id: i64) -> Result<(), supportbot::domain::ports::StoreError> {
        self.inner.delivered(id).await
    }
    async fn failed_again(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<chrono::DateTime<Utc>>,
    ) -> Result<(), supportbot::domain::ports::StoreError> {
        self.inner.failed_again(id, error, retry_at).await
    }
}

#[tokio::test]
async fn lanes_are_checked_only_while_something_may_be_waiting() {
    let (store, _dir) = db::sqlite_store().await;
    let counting = Arc::new(Counting {
        inner: store.clone(),
        asked: AtomicUsize::new(0),
    });
    let flaky = Arc::new(Flaky::default());
    let mut router = Router::new().with_outbox(counting.clone());
    router.add(Platform::Console, flaky.clone());
    let now = Utc::now();
    // Until a retry pass has seen the outbox empty, an earlier run's actions may be waiting.
    router.dispatch(Platform::Console, &[send("a")]).await;
    assert_eq!(counting.asked.load(Ordering::SeqCst), 1);
    router.retry_deferred(now).await;
    router
        .dispatch(Platform::Console, &[send("b"), send("c")])
        .await;
    assert_eq!(
        counting.asked.load(Ordering::SeqCst),
        1,
        "no query while empty"
    );
    // Another instance kept an action: the next retry pass notices, and lanes are checked.
    store
        .defer(
            &send_to("u9", "theirs"),
            1,
            "503",
            Some(now + Duration::hours(1)),
        )
        .await
        .unwrap();
    router.retry_deferred(now).await;
    router
        .dispatch(Platform::Console, &[send_to("u9", "mine")])
        .await;
    assert_eq!(counting.asked.load(Ordering::SeqCst), 2);
    assert!(
        !flaky.seen.lock().unwrap().contains(&send_to("u9", "mine")),
        "queued behind the other instance's action"
    );
}

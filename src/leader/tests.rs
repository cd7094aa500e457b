//! The election against an in-memory lease store: who leads, hand-over on give-up, and a holder that cannot renew stopping in time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;

use super::*;
use crate::domain::ports::StoreError;

/// Leases in memory, on the test's clock; `down` makes every call fail as in an outage.
#[derive(Default)]
struct Leases {
    rows: Mutex<HashMap<String, (String, Instant)>>,
    down: AtomicBool,
}

#[async_trait]
impl LeaseStore for Leases {
    async fn try_lease(
        &self,
        role: &str,
        holder: &str,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("down".into()));
        }
        let mut rows = self.rows.lock().unwrap();
        let now = Instant::now();
        let free = rows
            .get(role)
            .is_none_or(|(h, until)| h == holder || *until <= now);
        if free {
            rows.insert(role.into(), (holder.into(), now + lease));
        }
        Ok(free)
    }

    async fn give_up_lease(&self, role: &str, holder: &str) -> Result<(), StoreError> {
        let mut rows = self.rows.lock().unwrap();
        if rows.get(role).is_some_and(|(h, _)| h == holder) {
            rows.remove(role);
        }
        Ok(())
    }

    async fn lease_holder(&self, role: &str) -> Result<Option<String>, StoreError> {
        let rows = self.rows.lock().unwrap();
        Ok(rows
            .get(role)
            .filter(|(_, until)| *until > Instant::now())
            .map(|(h, _)| h.clone()))
    }
}

async fn until(what: &str, within: Duration, mut pred: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !pred() {
        assert!(start.elapsed() < within, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    start.elapsed()
}

#[tokio::test]
async fn one_candidate_holds_and_the_other_takes_over_when_it_gives_up() {
    let store = Arc::new(Leases::default());
    let lease = Duration::from_millis(900);
    let (a, b) = (
        Election::new(store.clone(), lease),
        Election::new(store.clone(), lease),
    );
    assert_ne!(a.holder(), b.holder());
    let (stop_a, rx_a) = watch::channel(false);
    let (_stop_b, rx_b) = watch::channel(false);
    let (held_a, task_a) = a.campaign(TELEGRAM_POLLER, rx_a, None);
    until("a to lead", Duration::from_secs(2), || *held_a.borrow()).await;
    let (held_b, _task_b) = b.campaign(TELEGRAM_POLLER, rx_b, None);
    // Several renewal periods pass: a keeps the role and b stands by.
    tokio::time::sleep(lease * 2).await;
    assert!(*held_a.borrow() && !*held_b.borrow());
    stop_a.send(true).unwrap();
    task_a.await.unwrap();
    assert!(!*held_a.borrow(), "a stopped the role on shutdown");
    // Given up, not left to expire: b takes it within one try period.
    let took = until("b to lead", lease, || *held_b.borrow()).await;
    assert!(took <= lease / 3 + Duration::from_millis(100), "{took:?}");
    assert_eq!(
        store
            .lease_holder(TELEGRAM_POLLER)
            .await
            .unwrap()
            .as_deref(),
        Some(b.holder())
    );
}

#[tokio::test]
async fn a_holder_that_cannot_renew_stops_before_its_lease_ends() {
    let store = Arc::new(Leases::default());
    let lease = Duration::from_millis(900);
    let m = Arc::new(crate::admin::Metrics::default());
    let a = Election::new(store.clone(), lease).with_metrics(m.clone());
    let (_stop, rx) = watch::channel(false);
    let (held, _task) = a.campaign(DISCORD_GATEWAY, rx, None);
    until("a to lead", Duration::from_secs(2), || *held.borrow()).await;
    let (_, until_db) = store.rows.lock().unwrap()[DISCORD_GATEWAY].clone();
    store.down.store(true, Ordering::SeqCst);
    until("a to stop", lease * 2, || !*held.borrow()).await;
    // Stopped while its last lease still ran: nobody else could have started meanwhile.
    let (_, last_until) = store.rows.lock().unwrap()[DISCORD_GATEWAY].clone();
    assert!(
        Instant::now() < last_until,
        "stopped only after the lease ended"
    );
    assert!(last_until >= until_db);
    let text = m.render();
    assert!(
        text.contains("supportbot_leader{role=\"discord.gateway\"} 0"),
        "{text}"
    );
    assert!(text.contains("change=\"lost\"} 1"), "{text}");
    // Back up: it takes the role again.
    store.down.store(false, Ordering::SeqCst);
    until("a to lead again", lease * 2, || *held.borrow()).await;
}

#[test]
fn the_cluster_section_is_checked() {
    let mut c = ClusterConfig::default();
    assert!(c.validate().is_ok());
    assert!(c.elects(crate::storage::Backend::Postgres));
    assert!(!c.elects(crate::storage::Backend::Sqlite));
    c.election = ElectionMode::On;
    assert!(c.elects(crate::storage::Backend::Sqlite));
    c.election = ElectionMode::Off;
    assert!(!c.elects(crate::storage::Backend::Postgres));
    c.lease_secs = 1;
    let e = c.validate().unwrap_err();
    assert!(
        e.contains("cluster.lease_secs") && e.contains("between 3 and 300"),
        "{e}"
    );
}

#[tokio::test]
async fn a_channel_runs_only_while_the_role_is_held_and_never_twice_at_once() {
    use std::sync::atomic::AtomicUsize;
    let (held_tx, held) = watch::channel(false);
    let (shutdown_tx, shutdown) = watch::channel(false);
    let running = Arc::new(AtomicUsize::new(0));
    let starts = Arc::new(AtomicUsize::new(0));
    let task = {
        let (running, starts) = (running.clone(), starts.clone());
        tokio::spawn(while_held(
            TELEGRAM_POLLER,
            held,
            shutdown,
            move |mut stop| {
                let (running, starts) = (running.clone(), starts.clone());
                async move {
                    starts.fetch_add(1, Ordering::SeqCst);
                    assert_eq!(
                        running.fetch_add(1, Ordering::SeqCst),
                        0,
                        "two runs at once"
                    );
                    while !*stop.borrow_and_update() {
                        stop.changed().await?;
                    }
                    // Stopping takes a moment, as a poll or a shard shutdown does.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                }
            },
        ))
    };
    let within = Duration::from_secs(2);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(starts.load(Ordering::SeqCst), 0, "started without the role");
    held_tx.send(true).unwrap();
    until("the first run", within, || {
        running.load(Ordering::SeqCst) == 1
    })
    .await;
    held_tx.send(false).unwrap();
    until("the run to stop", within, || {
        running.load(Ordering::SeqCst) == 0
    })
    .await;
    // A flurry of changes while standing by starts one new run.
    held_tx.send(true).unwrap();
    held_tx.send(false).unwrap();
    held_tx.send(true).unwrap();
    until("the second run", within, || {
        starts.load(Ordering::SeqCst) == 2
    })
    .await;
    until("it to be running", within, || {
        running.load(Ordering::SeqCst) == 1
    })
    .await;
    shutdown_tx.send(true).unwrap();
    task.await.unwrap().unwrap();
    assert_eq!(running.load(Ordering::SeqCst), 0, "shutdown stops the run");
    assert_eq!(starts.load(Ordering::SeqCst), 2);
}

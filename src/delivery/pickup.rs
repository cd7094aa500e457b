//! The outbox loop of a running bot: renews the leases of the actions this instance holds,
//! deletes delivered rows whose delete failed, hands back rows a lane could not, and claims
//! rows that are due (left by an instance that died, or handed back) into their lanes, in
//! order.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use super::{Item, Lanes, lock};
use crate::domain::ports::OutboxStore;

/// How often due rows are looked for.
const PICKUP_EVERY: Duration = Duration::from_millis(500);

impl Lanes {
    /// One pass: retries pending deletes, renews leases, claims due rows; returns how many
    /// rows it claimed.
    pub async fn pickup_once(self: &Arc<Self>) -> usize {
        let lease = self.lease;
        let Some(outbox) = self.outbox.clone() else {
            return 0;
        };
        self.retry_deletes(outbox.as_ref()).await;
        self.retry_releases(outbox.as_ref()).await;
        let now = Utc::now();
        // What the lanes hold, and what was delivered but whose delete failed: that must stay
        // held too, or its lease runs out and it is delivered again.
        let mut held: Vec<i64> = lock(&self.held).iter().copied().collect();
        held.extend(lock(&self.undeleted).iter().copied());
        if let Err(e) = outbox.renew(&held, now + lease).await {
            tracing::warn!(error = %e, "cannot renew outbox leases");
        }
        let due = match outbox.due_deliveries(now, now + lease, 200).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the outbox");
                return 0;
            }
        };
        let mut claimed = 0;
        for d in due {
            if self.is_held(d.id) {
                continue;
            }
            let Some(lane) = d.action.lane() else {
                continue;
            };
            claimed += 1;
            self.enqueue(
                lane,
                Item {
                    outbox_id: Some(d.id),
                    platform: d.action.platform(),
                    action: d.action,
                    attempts: d.attempts,
                },
            );
        }
        if claimed == 0 {
            match outbox.any_elsewhere().await {
                Ok(any) => self.foreign.store(any, Ordering::SeqCst),
                Err(e) => tracing::debug!(error = %e, "cannot check for other owners' rows"),
            }
        } else {
            self.foreign.store(true, Ordering::SeqCst);
        }
        claimed
    }

    async fn retry_deletes(&self, outbox: &dyn OutboxStore) {
        let ids: Vec<i64> = std::mem::take(&mut *lock(&self.undeleted));
        let mut left = Vec::new();
        for id in ids {
            if outbox.delivered(id).await.is_err() {
                left.push(id);
            }
        }
        lock(&self.undeleted).extend(left);
    }

    async fn retry_releases(&self, outbox: &dyn OutboxStore) {
        let ids: Vec<i64> = std::mem::take(&mut *lock(&self.unreleased));
        if !ids.is_empty() && outbox.release(Some(&ids), Utc::now()).await.is_err() {
            lock(&self.unreleased).extend(ids);
        }
    }

    /// Shuts delivery down: lets the deliveries under way finish (for at most `grace`),
    /// stops the rest, and hands every row this instance still holds back to the outbox,
    /// so the next instance delivers them at once and this one sends none of them again.
    pub async fn close(&self, grace: Duration) {
        self.closing.send_replace(true);
        if tokio::time::timeout(grace, self.flush()).await.is_err() {
            tracing::warn!(
                ?grace,
                "deliveries still under way at shutdown; handing their rows back anyway"
            );
        }
        self.release_all().await;
    }

    /// Hands every row this instance holds back to the outbox, so the next instance
    /// delivers them without waiting for the lease to end.
    async fn release_all(&self) {
        if let Some(outbox) = &self.outbox
            && let Err(e) = outbox.release(None, Utc::now()).await
        {
            tracing::warn!(error = %e, "cannot hand undelivered actions back to the outbox");
        }
    }
}

/// How long a shutdown waits for deliveries under way.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Runs [`Lanes::pickup_once`] until `stop` turns true, then [closes](Lanes::close) the
/// lanes.
pub async fn run_pickup(lanes: Arc<Lanes>, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(PICKUP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => break,
        }
        if *stop.borrow() {
            break;
        }
        lanes.pickup_once().await;
    }
    lanes.close(SHUTDOWN_GRACE).await;
}

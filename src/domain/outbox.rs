//! The outbox port: actions decided but not yet delivered, and the rows a deliverer claims.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::event::Outbound;
use super::ports::StoreError;

/// An action the desk decided, ready for delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// Its outbox row, for durable actions: delivery deletes it.
    pub outbox_id: Option<i64>,
    /// What to do.
    pub action: Outbound,
}

impl Planned {
    /// Pairs actions with the outbox ids of their durable members, in order.
    pub fn zip(actions: Vec<Outbound>, outbox_ids: Vec<i64>) -> Vec<Planned> {
        let mut ids = outbox_ids.into_iter();
        actions
            .into_iter()
            .map(|action| Planned {
                outbox_id: if action.durable() { ids.next() } else { None },
                action,
            })
            .collect()
    }

    /// Actions that are not in the outbox: delivered once, in memory.
    pub fn once(actions: Vec<Outbound>) -> Vec<Planned> {
        actions
            .into_iter()
            .map(|action| Planned {
                outbox_id: None,
                action,
            })
            .collect()
    }
}

/// An outbound action claimed from the outbox for delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Deferred {
    /// Row id in the outbox.
    pub id: i64,
    /// What to deliver.
    pub action: Outbound,
    /// Attempts made so far.
    pub attempts: i64,
}

/// The outbox: actions decided but not yet delivered. Each waiting row has an owner (the
/// instance delivering it) and a time (`retry_at`): until then the owner holds it (a lease it
/// renews while it works); after it, any instance may claim it.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Stores actions decided outside an inbound event (SLA notices), owned by this instance
    /// and held until `lease_until`; returns the ids of the durable ones, in order.
    async fn enqueue(
        &self,
        actions: &[Outbound],
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<i64>, StoreError>;

    /// Whether any action waits for delivery in `lane`, or anywhere when `lane` is `None`.
    /// Given-up actions do not count.
    async fn pending(&self, lane: Option<&str>) -> Result<bool, StoreError>;

    /// Whether an action older than `id` waits in `lane` under another owner (an instance
    /// that died, or another one running): the lane must then wait for it.
    async fn waiting_elsewhere(&self, lane: &str, id: i64) -> Result<bool, StoreError>;

    /// Whether any action waits under another owner.
    async fn any_elsewhere(&self) -> Result<bool, StoreError>;

    /// Claims up to `limit` actions due at `now`, oldest first, for this instance until
    /// `lease_until`. Within a lane ([`Outbound::lane`]) only actions with no earlier action
    /// still held or waiting are due, so each lane's actions go out in order.
    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Deferred>, StoreError>;

    /// Extends the lease of the actions in `ids` (those this instance's lanes hold); returns
    /// how many. A row this instance owns whose id never reached its lanes (a commit whose
    /// answer a connection cut lost) is not renewed: its lease runs out and it is claimed
    /// again like a dead instance's row, instead of staying held and undelivered.
    async fn renew(&self, ids: &[i64], lease_until: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Hands the actions this instance holds (all, or those in `ids`) to whoever claims next,
    /// at shutdown or when a lane must wait for another owner's action: they lose their
    /// owner and are due at `now`.
    async fn release(&self, ids: Option<&[i64]>, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Forgets an action that has now been delivered.
    async fn delivered(&self, id: i64) -> Result<(), StoreError>;

    /// Records another failed attempt; `retry_at` `None` gives up (the row stays, for the
    /// record), otherwise the row stays held until then.
    async fn failed_again(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError>;
}

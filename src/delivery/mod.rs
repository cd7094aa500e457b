//! Delivery lanes: carry out decided actions concurrently across lanes and in order within
//! one. A lane is the place an action lands (a conversation, a ticket's staff space, a staff
//! lobby; [`Outbound::lane`]). Each busy lane has one worker; a throttled or failing lane
//! waits alone while the others go on. Durable actions come with their outbox row, deleted
//! once delivered; the [`pickup`] loop brings back rows that an instance left behind.

mod pickup;
mod retry;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore, watch};

use crate::admin::Metrics;
use crate::channels::Outlet;
use crate::domain::event::Outbound;
use crate::domain::ids::Platform;
use crate::domain::ports::{OutboxStore, Planned};

pub use pickup::{SHUTDOWN_GRACE, run_pickup};
pub use retry::{MAX_ATTEMPTS, RateLimited, backoff};

/// How many platform requests may be in flight at once, across all lanes.
const MAX_IN_FLIGHT: usize = 64;

/// One action in a lane.
#[derive(Debug)]
struct Item {
    outbox_id: Option<i64>,
    action: Outbound,
    attempts: i64,
    /// The platform that carries it out: the action's own, or (for an acknowledgement) the
    /// platform of the event it answers.
    platform: Option<Platform>,
}

/// How often a lane tries again while the store behind its outlet is unreachable.
const STORE_RETRY: Duration = Duration::from_secs(1);

/// Whether `error` says the store was unreachable, not that the platform failed.
fn store_unavailable(error: &anyhow::Error) -> bool {
    error.chain().any(|c| {
        matches!(
            c.downcast_ref::<crate::domain::ports::StoreError>(),
            Some(crate::domain::ports::StoreError::Unavailable(_))
        )
    })
}

/// The lanes and their workers.
pub struct Lanes {
    outlets: HashMap<Platform, Arc<dyn Outlet>>,
    outbox: Option<Arc<dyn OutboxStore>>,
    /// How long this instance's rows stay held without renewal.
    lease: chrono::Duration,
    metrics: Arc<Metrics>,
    /// Busy lanes: the actions waiting in each, the one being delivered first.
    queues: Mutex<HashMap<String, VecDeque<Item>>>,
    /// Outbox rows in some lane's queue, so the pickup never brings one back twice.
    held: Mutex<HashSet<i64>>,
    /// Delivered rows whose delete failed (the store was down); retried by the pickup loop.
    undeleted: Mutex<Vec<i64>>,
    /// Rows handed back from a lane whose release failed; retried by the pickup loop (this
    /// instance would otherwise renew their lease forever without delivering them).
    unreleased: Mutex<Vec<i64>>,
    /// Whether another owner may have rows waiting: lanes then check before sending, so an
    /// older action left by a crashed instance is not overtaken.
    foreign: AtomicBool,
    /// Until when a platform told us to stop sending everywhere (a global 429).
    paused: Mutex<HashMap<Platform, tokio::time::Instant>>,
    permits: Semaphore,
    /// Woken whenever a lane goes idle.
    idle: Notify,
    /// Turns true when the instance shuts down: durable actions not yet under way stay in
    /// the outbox for the next instance instead of being sent by this one.
    closing: watch::Sender<bool>,
}

impl std::fmt::Debug for Lanes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lanes")
            .field("platforms", &self.outlets.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// What became of one action.
enum Outcome {
    Done,
    /// An older action of another owner waits in this lane: hand the lane to the pickup.
    Yield,
}

impl Lanes {
    /// Lanes delivering through `outlets`; with `outbox`, delivered rows are deleted there,
    /// and rows this instance holds stay held for `lease` past their last renewal.
    pub fn new(
        outlets: HashMap<Platform, Arc<dyn Outlet>>,
        outbox: Option<Arc<dyn OutboxStore>>,
        lease: chrono::Duration,
        metrics: Arc<Metrics>,
    ) -> Arc<Lanes> {
        Arc::new(Lanes {
            outlets,
            lease,
            // Until the first pickup looked, rows of a previous run may be waiting.
            foreign: AtomicBool::new(outbox.is_some()),
            outbox,
            metrics,
            queues: Mutex::new(HashMap::new()),
            held: Mutex::new(HashSet::new()),
            undeleted: Mutex::new(Vec::new()),
            unreleased: Mutex::new(Vec::new()),
            paused: Mutex::new(HashMap::new()),
            permits: Semaphore::new(MAX_IN_FLIGHT),
            idle: Notify::new(),
            closing: watch::Sender::new(false),
        })
    }

    /// Queues actions behind the earlier ones of their lanes; returns at once. Actions
    /// without a lane (interaction acknowledgements) go out immediately, on `origin`, the
    /// platform of the event they answer.
    pub fn submit(self: &Arc<Self>, origin: Option<Platform>, planned: Vec<Planned>) {
        // An interaction's acknowledgement goes in the lane of the reply to the same
        // interaction, so the platform sees them in the order the desk decided.
        let reply_lanes: Vec<(String, String)> = planned
            .iter()
            .filter_map(|p| match &p.action {
                Outbound::Send { message, .. } => {
                    Some((message.in_reply_to.clone()?, p.action.lane()?))
                }
                _ => None,
            })
            .collect();
        for p in planned {
            let item = Item {
                outbox_id: p.outbox_id,
                platform: p.action.platform().or(origin),
                action: p.action,
                attempts: 0,
            };
            let lane = match &item.action {
                Outbound::Ack { interaction, .. } => reply_lanes
                    .iter()
                    .find(|(i, _)| i == interaction)
                    .map(|(_, lane)| lane.clone()),
                other => other.lane(),
            };
            match lane {
                Some(lane) => self.enqueue(lane, item),
                None => {
                    let lanes = Arc::clone(self);
                    tokio::spawn(async move {
                        lanes.deliver_item(None, item).await;
                    });
                }
            }
        }
    }

    fn enqueue(self: &Arc<Self>, lane: String, item: Item) {
        if item.outbox_id.is_some() && self.is_closing() {
            // Stored: the next instance sends it once this one has handed its rows back.
            return;
        }
        if let Some(id) = item.outbox_id {
            lock(&self.held).insert(id);
        }
        let mut queues = lock(&self.queues);
        match queues.get_mut(&lane) {
            Some(q) => q.push_back(item),
            None => {
                queues.insert(lane.clone(), VecDeque::from([item]));
                let lanes = Arc::clone(self);
                tokio::spawn(async move { lanes.work(lane).await });
            }
        }
    }

    /// Waits until every lane is idle (for the console and tests).
    pub async fn flush(&self) {
        loop {
            let notified = self.idle.notified();
            if lock(&self.queues).is_empty() {
                return;
            }
            notified.await;
        }
    }

    /// How many actions wait in lanes right now.
    pub fn queued(&self) -> usize {
        lock(&self.queues).values().map(VecDeque::len).sum()
    }

    /// Outbox rows this process holds in its lanes.
    fn is_held(&self, id: i64) -> bool {
        lock(&self.held).contains(&id)
    }

    async fn work(self: Arc<Self>, lane: String) {
        loop {
            // The front item stays queued while it is delivered, so new ones line up behind.
            let front = {
                let mut queues = lock(&self.queues);
                let Some(q) = queues.get_mut(&lane) else {
                    return;
                };
                if self.is_closing() {
                    // Not under way yet: left to the next instance, which would otherwise
                    // send it a second time once the rows are handed back.
                    let mut held = lock(&self.held);
                    q.retain(|i| match i.outbox_id {
                        Some(id) => {
                            held.remove(&id);
                            false
                        }
                        None => true,
                    });
                }
                match q.front_mut() {
                    Some(item) => Item {
                        outbox_id: item.outbox_id,
                        action: item.action.clone(),
                        attempts: item.attempts,
                        platform: item.platform,
                    },
                    None => {
                        queues.remove(&lane);
                        drop(queues);
                        self.idle.notify_waiters();
                        return;
                    }
                }
            };
            let id = front.outbox_id;
            match self.deliver_item(Some(&lane), front).await {
                Outcome::Done => {
                    let mut queues = lock(&self.queues);
                    if let Some(q) = queues.get_mut(&lane) {
                        q.pop_front();
                    }
                    if let Some(id) = id {
                        lock(&self.held).remove(&id);
                    }
                }
                Outcome::Yield => {
                    self.yield_lane(&lane).await;
                    return;
                }
            }
        }
    }

    /// Gives the lane's durable actions back to the outbox (the pickup claims them again, in
    /// order, behind the older row of another owner); delivers the rest now, since an
    /// interaction answer cannot wait.
    async fn yield_lane(self: &Arc<Self>, lane: &str) {
        let items: Vec<Item> = lock(&self.queues)
            .remove(lane)
            .map(Vec::from)
            .unwrap_or_default();
        self.idle.notify_waiters();
        let ids: Vec<i64> = items.iter().filter_map(|i| i.outbox_id).collect();
        // Forgotten before they are handed back: the pickup may claim them the moment the
        // release commits, and would skip a row it believes is still queued here.
        {
            let mut held = lock(&self.held);
            for id in &ids {
                held.remove(id);
            }
        }
        if let Some(outbox) = &self.outbox
            && let Err(e) = outbox.release(Some(&ids), chrono::Utc::now()).await
        {
            // Still leased to us; the pickup hands them back once the store answers.
            tracing::warn!(error = %e, lane, "cannot hand a lane back to the outbox");
            lock(&self.unreleased).extend(ids);
        }
        for item in items.into_iter().filter(|i| i.outbox_id.is_none()) {
            self.deliver_item(None, item).await;
        }
    }

    /// Delivers one action, retrying as the platform allows.
    async fn deliver_item(&self, lane: Option<&str>, mut item: Item) -> Outcome {
        let platform = item.platform;
        let Some(outlet) = platform.and_then(|p| self.outlets.get(&p)) else {
            tracing::warn!(?platform, action = ?item.action, "no adapter for platform; action dropped");
            if let (Some(outbox), Some(id)) = (&self.outbox, item.outbox_id) {
                let _ = outbox
                    .failed_again(id, "no adapter for this platform is running", None)
                    .await;
            }
            return Outcome::Done;
        };
        let platform = platform.expect("an outlet was found for it");
        if let (Some(lane), Some(id), Some(outbox)) = (lane, item.outbox_id, &self.outbox)
            && self.foreign.load(Ordering::SeqCst)
        {
            match outbox.waiting_elsewhere(lane, id).await {
                Ok(true) => return Outcome::Yield,
                Ok(false) => {}
                // Better out of order than stuck.
                Err(e) => tracing::warn!(error = %e, "cannot check the outbox; sending"),
            }
        }
        loop {
            self.wait_if_paused(platform).await;
            let result = {
                let _permit = self.permits.acquire().await;
                match item.outbox_id {
                    Some(id) => outlet.deliver_once(&item.action, &id.to_string()).await,
                    None => outlet.deliver(&item.action).await,
                }
            };
            let error = match result {
                Ok(()) => {
                    self.metrics.delivered(platform);
                    self.confirm(item.outbox_id).await;
                    return Outcome::Done;
                }
                Err(e) => e,
            };
            if let Some(limit) = RateLimited::find(&error) {
                // Exactly as long as the platform asked, for this lane or for all of them.
                if limit.global {
                    self.pause(platform, limit.after);
                }
                tracing::info!(%platform, lane, after = ?limit.after, global = limit.global, "rate limited; waiting");
                if !self.wait_unless_closing(&item, limit.after).await {
                    return Outcome::Done;
                }
                continue;
            }
            if store_unavailable(&error) {
                // The platform did not fail: the database behind the outlet (a staff space's
                // binding) is unreachable. Try again each second until it is back, without
                // counting it against the action, so the lane drains as soon as it returns.
                tracing::warn!(%platform, lane, "store unavailable while delivering; waiting");
                if !self.wait_unless_closing(&item, STORE_RETRY).await {
                    return Outcome::Done;
                }
                continue;
            }
            item.attempts += 1;
            let text = format!("{error:#}");
            let refused = outlet.refused_for_good(&error);
            let give_up = refused || item.outbox_id.is_none() || item.attempts >= MAX_ATTEMPTS;
            self.metrics.failed(platform);
            if give_up {
                tracing::error!(%platform, lane, attempts = item.attempts, refused, error = %text, "delivery failed; giving up");
                if let (Some(outbox), Some(id)) = (&self.outbox, item.outbox_id)
                    && let Err(e) = outbox.failed_again(id, &text, None).await
                {
                    tracing::warn!(error = %e, id, "cannot record the given-up action");
                }
                return Outcome::Done;
            }
            let wait = backoff(item.attempts);
            tracing::warn!(%platform, lane, attempts = item.attempts, ?wait, error = %text, "delivery failed; trying again");
            if let (Some(outbox), Some(id)) = (&self.outbox, item.outbox_id) {
                // On record, and still held by this instance only as long as it lives: after
                // a crash the next instance retries it once the lease has passed.
                let held_until = chrono::Utc::now() + self.lease;
                let _ = outbox.failed_again(id, &text, Some(held_until)).await;
            }
            if !self.wait_unless_closing(&item, wait).await {
                return Outcome::Done;
            }
        }
    }

    /// Whether the instance is shutting down.
    fn is_closing(&self) -> bool {
        *self.closing.borrow()
    }

    /// Waits before the next try of `item`; false when the instance began shutting down
    /// and the item is stored, so the next instance tries it instead.
    async fn wait_unless_closing(&self, item: &Item, wait: Duration) -> bool {
        if item.outbox_id.is_none() {
            tokio::time::sleep(wait).await;
            return true;
        }
        let mut closing = self.closing.subscribe();
        tokio::select! {
            _ = tokio::time::sleep(wait) => !self.is_closing(),
            _ = closing.wait_for(|c| *c) => false,
        }
    }

    /// Deletes a delivered row, or remembers it for the pickup loop to delete later.
    async fn confirm(&self, outbox_id: Option<i64>) {
        let (Some(outbox), Some(id)) = (&self.outbox, outbox_id) else {
            return;
        };
        if let Err(e) = outbox.delivered(id).await {
            tracing::warn!(error = %e, id, "cannot mark an action delivered yet; will retry");
            lock(&self.undeleted).push(id);
        }
    }

    fn pause(&self, platform: Platform, after: Duration) {
        let until = tokio::time::Instant::now() + after;
        let mut paused = lock(&self.paused);
        let entry = paused.entry(platform).or_insert(until);
        if *entry < until {
            *entry = until;
        }
    }

    async fn wait_if_paused(&self, platform: Platform) {
        let until = lock(&self.paused).get(&platform).copied();
        if let Some(until) = until
            && until > tokio::time::Instant::now()
        {
            tokio::time::sleep_until(until).await;
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

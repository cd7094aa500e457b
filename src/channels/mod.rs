//! Channel adapters: translate platform payloads to `Inbound` and carry out `Outbound`.
//! The router sends each outbound action to the adapter of its platform, so a ticket opened
//! on Telegram can be worked in a Discord staff thread.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use crate::admin::Metrics;
use crate::domain::event::Outbound;
use crate::domain::ids::Platform;
use crate::domain::ports::OutboxStore;

pub mod console;
pub mod discord;
pub mod telegram;

/// Something that can carry out outbound actions on one platform.
#[async_trait]
pub trait Outlet: Send + Sync {
    /// Performs one action. Errors are logged by the router; the adapter retries what it can.
    async fn deliver(&self, action: &Outbound) -> anyhow::Result<()>;

    /// Whether `error`, from [`Outlet::deliver`], means the platform refused the action for
    /// good (a bad request, a forbidden chat), so another attempt cannot help: the router then
    /// gives it up at once instead of holding later actions of its lane behind it.
    fn refused_for_good(&self, _error: &anyhow::Error) -> bool {
        false
    }
}

/// Routes outbound actions to the outlet of their platform.
#[derive(Default, Clone)]
pub struct Router {
    outlets: HashMap<Platform, Arc<dyn Outlet>>,
    metrics: Arc<Metrics>,
    outbox: Option<Arc<dyn OutboxStore>>,
    /// Actions this router has kept in the outbox, and that count when the outbox was last
    /// seen empty. While they differ, actions may be waiting, and only then does `dispatch`
    /// ask the outbox whether an action's lane is busy (so normal operation costs no query).
    kept: Arc<AtomicU64>,
    seen_empty: Arc<AtomicU64>,
}

/// Attempts per outbound action before the router gives up on it.
pub const MAX_DELIVERY_ATTEMPTS: i64 = 8;

/// Wait before attempt `n + 1` after `n` failed ones: 30 s, doubling, at most an hour.
fn backoff(attempts: i64) -> chrono::Duration {
    let secs = 30_i64.saturating_mul(1 << attempts.clamp(1, 7).saturating_sub(1));
    chrono::Duration::seconds(secs.min(3600))
}

/// Whether a failed action is worth another attempt later. Interaction answers are not: the
/// platform forgets the interaction within minutes.
fn retryable(action: &Outbound) -> bool {
    match action {
        Outbound::Ack { .. } => false,
        Outbound::Send { message, .. } => !message.ephemeral && message.in_reply_to.is_none(),
        Outbound::OpenStaffSpace { .. }
        | Outbound::UpdateStaffSpace { .. }
        | Outbound::ClearButtons { .. } => true,
    }
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("platforms", &self.outlets.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Router {
    /// An empty router.
    pub fn new() -> Router {
        Router::default()
    }

    /// A router that counts deliveries in `metrics`.
    pub fn with_metrics(metrics: Arc<Metrics>) -> Router {
        Router {
            metrics,
            ..Router::default()
        }
    }

    /// Keeps actions that fail in `outbox` for later attempts ([`Router::retry_deferred`]).
    pub fn with_outbox(mut self, outbox: Arc<dyn OutboxStore>) -> Router {
        self.outbox = Some(outbox);
        // An earlier run may have left actions waiting: look until a retry pass finds none.
        self.kept.fetch_add(1, Ordering::SeqCst);
        self
    }

    /// The counters this router updates.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Registers the outlet for a platform, replacing any earlier one.
    pub fn add(&mut self, platform: Platform, outlet: Arc<dyn Outlet>) {
        self.outlets.insert(platform, outlet);
    }

    /// Carries out one action on its platform's outlet and says whether that worked.
    pub async fn deliver(&self, action: &Outbound) -> anyhow::Result<()> {
        let platform = action
            .platform()
            .ok_or_else(|| anyhow::anyhow!("the action names no platform: {action:?}"))?;
        match self.outlets.get(&platform) {
            Some(outlet) => outlet.deliver(action).await,
            None => anyhow::bail!("no {platform} adapter is running"),
        }
    }

    /// Whether `error` from delivering `action` means the platform refused it for good.
    fn refused_for_good(&self, action: &Outbound, error: &anyhow::Error) -> bool {
        action
            .platform()
            .and_then(|p| self.outlets.get(&p))
            .is_some_and(|outlet| outlet.refused_for_good(error))
    }

    async fn defer(&self, platform: Platform, action: &Outbound, error: &anyhow::Error) {
        let refused = self.refused_for_good(action, error);
        let error = format!("{error:#}");
        let Some(outbox) = self.outbox.as_ref().filter(|_| retryable(action)) else {
            tracing::error!(%platform, %error, "delivery failed");
            return;
        };
        if refused {
            // Kept on record as given up, so it shows what was not delivered.
            tracing::error!(%platform, %error, "the platform refused the action; not retrying");
            if let Err(e) = outbox.defer(action, 1, &error, None).await {
                tracing::warn!(%platform, store_error = %e, "cannot record the refused action");
            }
            return;
        }
        let retry_at = chrono::Utc::now() + backoff(1);
        match outbox.defer(action, 1, &error, Some(retry_at)).await {
            Ok(()) => {
                self.kept.fetch_add(1, Ordering::SeqCst);
                tracing::warn!(%platform, %error, %retry_at, "delivery failed; kept for another attempt")
            }
            Err(e) => {
                tracing::error!(%platform, %error, store_error = %e, "delivery failed and could not be kept")
            }
        }
    }

    /// Attempts the kept actions that are due at `now`, each lane in its original order;
    /// returns how many went through. Each failure backs off further, up to
    /// [`MAX_DELIVERY_ATTEMPTS`], and holds back the rest of its lane.
    pub async fn retry_deferred(&self, now: chrono::DateTime<chrono::Utc>) -> usize {
        let Some(outbox) = &self.outbox else {
            return 0;
        };
        let mut sent = 0;
        let started = std::time::Instant::now();
        // A delivered action makes the next one of its lane due, so passes repeat (bounded)
        // until one delivers nothing. Each pass reads the clock again: a pass may take minutes
        // on a throttled platform, and its lease must outlast it.
        for _ in 0..20 {
            let at = now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
            let kept_before = self.kept.load(Ordering::SeqCst);
            let due = match outbox
                .due_deliveries(at, at + chrono::Duration::minutes(5), 20)
                .await
            {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the outbox");
                    return sent;
                }
            };
            if due.is_empty() {
                match outbox.pending(None).await {
                    Ok(false) => self.seen_empty.store(kept_before, Ordering::SeqCst),
                    // Possibly another instance's: send nothing past them.
                    Ok(true) => {
                        self.kept.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(_) => {}
                }
                break;
            }
            // Actions kept by another instance count as well.
            self.kept.fetch_add(1, Ordering::SeqCst);
            let mut delivered = 0;
            for d in due {
                let outcome = match self.deliver(&d.action).await {
                    Ok(()) => {
                        delivered += 1;
                        outbox.delivered(d.id).await
                    }
                    Err(e) => {
                        let refused = self.refused_for_good(&d.action, &e);
                        let error = format!("{e:#}");
                        let retry_at = (!refused && d.attempts + 1 < MAX_DELIVERY_ATTEMPTS)
                            .then(|| at + backoff(d.attempts + 1));
                        if retry_at.is_none() {
                            tracing::error!(id = d.id, attempts = d.attempts + 1, refused, %error, "giving up on a delivery");
                        }
                        outbox.failed_again(d.id, &error, retry_at).await
                    }
                };
                if let Err(e) = outcome {
                    tracing::warn!(id = d.id, error = %e, "cannot update the outbox");
                }
            }
            sent += delivered;
            if delivered == 0 {
                break;
            }
        }
        sent
    }

    /// Whether `action` must wait behind an earlier kept action of its lane.
    async fn behind_earlier(&self, action: &Outbound) -> bool {
        let Some(outbox) = &self.outbox else {
            return false;
        };
        if !retryable(action)
            || self.kept.load(Ordering::SeqCst) == self.seen_empty.load(Ordering::SeqCst)
        {
            return false;
        }
        let Some(lane) = action.lane() else {
            return false;
        };
        match outbox.pending(Some(&lane)).await {
            Ok(waiting) => waiting,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the outbox; sending without waiting");
                false
            }
        }
    }

    /// Keeps `action` behind the earlier actions of its lane; it goes out as soon as they did.
    async fn queue_behind(&self, platform: Platform, action: &Outbound) -> anyhow::Result<()> {
        let outbox = self
            .outbox
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no outbox to queue in"))?;
        let note = "waiting for an earlier message to the same place";
        outbox
            .defer(action, 0, note, Some(chrono::Utc::now()))
            .await?;
        self.kept.fetch_add(1, Ordering::SeqCst);
        tracing::info!(%platform, "{note}");
        Ok(())
    }

    /// [`Router::deliver`], except that an action whose lane has earlier actions waiting in
    /// the outbox is queued behind them (and counts as taken care of).
    pub async fn deliver_in_order(&self, action: &Outbound) -> anyhow::Result<()> {
        if self.behind_earlier(action).await
            && let Some(platform) = action.platform()
        {
            return self.queue_behind(platform, action).await;
        }
        self.deliver(action).await
    }

    /// Carries out actions in order. `origin` is the platform of the inbound event, which
    /// receives `Ack`s. Actions for platforms without an outlet are logged and dropped.
    pub async fn dispatch(&self, origin: Platform, actions: &[Outbound]) {
        self.metrics
            .incr(&format!("inbound_handled_total{{platform=\"{origin}\"}}"));
        for action in actions {
            let platform = action.platform().unwrap_or(origin);
            match self.outlets.get(&platform) {
                Some(outlet) => {
                    if self.behind_earlier(action).await {
                        match self.queue_behind(platform, action).await {
                            Ok(()) => continue,
                            // Better out of order than lost.
                            Err(e) => {
                                tracing::warn!(%platform, error = %e, "cannot queue behind earlier messages; sending now")
                            }
                        }
                    }
                    if let Err(e) = outlet.deliver(action).await {
                        self.defer(platform, action, &e).await;
                    }
                }
                None => {
                    tracing::warn!(%platform, ?action, "no adapter for platform; action dropped")
                }
            }
        }
    }
}

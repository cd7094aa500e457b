//! Channel adapters: translate platform payloads to `Inbound` and carry out `Outbound`.
//! The router sends each outbound action to the adapter of its platform, so a ticket opened
//! on Telegram can be worked in a Discord staff thread.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;

use crate::admin::Metrics;
use crate::delivery::Lanes;
use crate::domain::event::Outbound;
use crate::domain::ids::Platform;
use crate::domain::ports::{OutboxStore, Planned};

pub mod console;
pub mod discord;
pub mod serial;
pub mod telegram;

/// Something that can carry out outbound actions on one platform.
#[async_trait]
pub trait Outlet: Send + Sync {
    /// Performs one action. A [`crate::delivery::RateLimited`] error in the chain makes the
    /// lane wait exactly that long; other errors back off and retry (see `delivery`).
    async fn deliver(&self, action: &Outbound) -> anyhow::Result<()>;

    /// Performs an action stored in the outbox under `key`, which stays the same across
    /// retries and restarts. A platform that recognises a repeated request (Discord's message
    /// nonce) is given the key, so an attempt whose answer a crash cut off is not carried out
    /// twice; elsewhere this is [`Outlet::deliver`].
    async fn deliver_once(&self, action: &Outbound, key: &str) -> anyhow::Result<()> {
        let _ = key;
        self.deliver(action).await
    }

    /// Whether `error`, from [`Outlet::deliver`], means the platform refused the action for
    /// good (a bad request, a forbidden chat), so another attempt cannot help: the router then
    /// gives it up at once instead of holding later actions of its lane behind it.
    fn refused_for_good(&self, _error: &anyhow::Error) -> bool {
        false
    }
}

/// Routes outbound actions to the outlet of their platform, through the delivery lanes.
#[derive(Default)]
pub struct Router {
    outlets: HashMap<Platform, Arc<dyn Outlet>>,
    metrics: Arc<Metrics>,
    outbox: Option<Arc<dyn OutboxStore>>,
    /// How long this instance's outbox rows stay held without renewal.
    lease: Option<chrono::Duration>,
    /// Built on first use, once every outlet has been added.
    lanes: OnceLock<Arc<Lanes>>,
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

    /// Deletes delivered actions from `outbox` (where the desk stored them), and lets
    /// [`Router::run_pickup`] bring back the ones an earlier run or another instance left.
    pub fn with_outbox(mut self, outbox: Arc<dyn OutboxStore>) -> Router {
        self.outbox = Some(outbox);
        self
    }

    /// How long this instance's outbox rows stay held without renewal (the store's setting;
    /// 30 s by default): after a crash, they are delivered once it has passed.
    pub fn with_lease(mut self, lease: chrono::Duration) -> Router {
        self.lease = Some(lease);
        self
    }

    fn lease(&self) -> chrono::Duration {
        self.lease
            .unwrap_or_else(|| chrono::Duration::seconds(crate::storage::DEFAULT_OUTBOX_LEASE_SECS))
    }

    /// The counters this router updates.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Registers the outlet for a platform, replacing any earlier one. Outlets are fixed
    /// once the first action was dispatched.
    pub fn add(&mut self, platform: Platform, outlet: Arc<dyn Outlet>) {
        if self.lanes.get().is_some() {
            tracing::error!(%platform, "an outlet was added after delivery started; ignored");
            return;
        }
        self.outlets.insert(platform, outlet);
    }

    /// The delivery lanes.
    pub fn lanes(&self) -> &Arc<Lanes> {
        self.lanes.get_or_init(|| {
            Lanes::new(
                self.outlets.clone(),
                self.outbox.clone(),
                self.lease(),
                Arc::clone(&self.metrics),
            )
        })
    }

    /// Carries out one action on its platform's outlet now, outside the lanes.
    pub async fn deliver(&self, action: &Outbound) -> anyhow::Result<()> {
        let platform = action
            .platform()
            .ok_or_else(|| anyhow::anyhow!("the action names no platform: {action:?}"))?;
        match self.outlets.get(&platform) {
            Some(outlet) => outlet.deliver(action).await,
            None => anyhow::bail!("no {platform} adapter is running"),
        }
    }

    /// Hands what the desk decided about one inbound event (from platform `origin`) to the
    /// lanes; returns at once.
    pub fn dispatch(&self, origin: Platform, planned: Vec<Planned>) {
        self.metrics.handled(origin);
        self.lanes().submit(Some(origin), planned);
    }

    /// Stores actions decided outside an inbound event (SLA notices) in the outbox and hands
    /// them to the lanes. Without an outbox they are delivered from memory.
    pub async fn send_durably(&self, actions: Vec<Outbound>) -> anyhow::Result<()> {
        let planned = match &self.outbox {
            Some(outbox) => {
                let ids = outbox
                    .enqueue(&actions, chrono::Utc::now() + self.lease())
                    .await?;
                Planned::zip(actions, ids)
            }
            None => Planned::once(actions),
        };
        self.lanes().submit(None, planned);
        Ok(())
    }

    /// Waits until every lane has delivered what it holds.
    pub async fn flush(&self) {
        self.lanes().flush().await;
    }

    /// Runs the outbox loop (renewing leases, bringing back due rows) until `stop` turns
    /// true, then hands undelivered rows back for the next start.
    pub async fn run_pickup(&self, stop: tokio::sync::watch::Receiver<bool>) {
        if self.outbox.is_some() {
            crate::delivery::run_pickup(Arc::clone(self.lanes()), stop).await;
        }
    }

    /// One pass of the outbox loop; returns how many rows it brought back (for tests).
    pub async fn pickup_once(&self) -> usize {
        self.lanes().pickup_once().await
    }
}

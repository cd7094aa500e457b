//! Channel adapters: translate platform payloads to `Inbound` and carry out `Outbound`.
//! The router sends each outbound action to the adapter of its platform, so a ticket opened
//! on Telegram can be worked in a Discord staff thread.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::admin::Metrics;
use crate::domain::event::Outbound;
use crate::domain::ids::Platform;

pub mod console;
pub mod discord;
pub mod telegram;

/// Something that can carry out outbound actions on one platform.
#[async_trait]
pub trait Outlet: Send + Sync {
    /// Performs one action. Errors are logged by the router; the adapter retries what it can.
    async fn deliver(&self, action: &Outbound) -> anyhow::Result<()>;
}

/// Routes outbound actions to the outlet of their platform.
#[derive(Default, Clone)]
pub struct Router {
    outlets: HashMap<Platform, Arc<dyn Outlet>>,
    metrics: Arc<Metrics>,
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
            outlets: HashMap::new(),
            metrics,
        }
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

    /// Carries out actions in order. `origin` is the platform of the inbound event, which
    /// receives `Ack`s. Actions for platforms without an outlet are logged and dropped.
    pub async fn dispatch(&self, origin: Platform, actions: &[Outbound]) {
        self.metrics
            .incr(&format!("inbound_handled_total{{platform=\"{origin}\"}}"));
        for action in actions {
            let platform = action.platform().unwrap_or(origin);
            match self.outlets.get(&platform) {
                Some(outlet) => {
                    if let Err(e) = outlet.deliver(action).await {
                        tracing::error!(%platform, error = %format!("{e:#}"), "delivery failed");
                    }
                }
                None => {
                    tracing::warn!(%platform, ?action, "no adapter for platform; action dropped")
                }
            }
        }
    }
}

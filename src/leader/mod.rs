//! Leader election among instances sharing one database: per role (the Telegram poller, the
//! Discord gateway) one instance holds a lease row and does the work; the others stand by
//! and take over once the holder stops renewing.

mod held;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::domain::ports::LeaseStore;

pub use held::{spawn_channel, while_held};

/// The role of polling Telegram's `getUpdates` (Telegram allows one consumer per token).
pub const TELEGRAM_POLLER: &str = "telegram.poller";
/// The role of holding the Discord gateway sessions (one set of shards per bot).
pub const DISCORD_GATEWAY: &str = "discord.gateway";

/// Whether instances elect who runs the single-consumer channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElectionMode {
    /// On for PostgreSQL (several instances may share it), off for SQLite (one instance).
    Auto,
    /// Always elect, whatever the database.
    On,
    /// Never elect: this instance runs every configured channel.
    Off,
}

/// `[cluster]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// `auto`, `on` or `off`.
    pub election: ElectionMode,
    /// How long a role stays held without renewal; the holder renews every third of it.
    pub lease_secs: u64,
    /// How long outbox actions stay held by the instance that decided them without renewal:
    /// after a crash, the next instance delivers them once this has passed.
    #[serde(default = "default_outbox_lease")]
    pub outbox_lease_secs: u64,
}

fn default_outbox_lease() -> u64 {
    crate::storage::DEFAULT_OUTBOX_LEASE_SECS as u64
}

/// The shortest outbox lease: a working lane renews every half second, and a loaded machine
/// must not lose its rows to another instance while it is sending them.
pub const MIN_OUTBOX_LEASE_SECS: u64 = 5;
/// The longest outbox lease: a crashed instance's messages wait this long.
pub const MAX_OUTBOX_LEASE_SECS: u64 = 600;

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            election: ElectionMode::Auto,
            lease_secs: 10,
            outbox_lease_secs: default_outbox_lease(),
        }
    }
}

/// The shortest lease: renewing every third of it must leave a query time to answer.
pub const MIN_LEASE_SECS: u64 = 3;
/// The longest lease: a dead holder keeps its role this long, so more is a long outage.
pub const MAX_LEASE_SECS: u64 = 300;

impl ClusterConfig {
    /// Checks the lease bounds; the message names the key and the allowed range.
    pub fn validate(&self) -> Result<(), String> {
        if !(MIN_LEASE_SECS..=MAX_LEASE_SECS).contains(&self.lease_secs) {
            return Err(format!(
                "cluster.lease_secs must be between {MIN_LEASE_SECS} and {MAX_LEASE_SECS} seconds, got {}",
                self.lease_secs
            ));
        }
        if !(MIN_OUTBOX_LEASE_SECS..=MAX_OUTBOX_LEASE_SECS).contains(&self.outbox_lease_secs) {
            return Err(format!(
                "cluster.outbox_lease_secs must be between {MIN_OUTBOX_LEASE_SECS} and {MAX_OUTBOX_LEASE_SECS} seconds, got {}",
                self.outbox_lease_secs
            ));
        }
        Ok(())
    }

    /// The outbox lease as the store takes it.
    pub fn outbox_lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.outbox_lease_secs as i64)
    }

    /// Whether to elect on a database of this backend.
    pub fn elects(&self, backend: crate::storage::Backend) -> bool {
        match self.election {
            ElectionMode::On => true,
            ElectionMode::Off => false,
            ElectionMode::Auto => backend == crate::storage::Backend::Postgres,
        }
    }

    /// The lease as a duration.
    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_secs)
    }
}

/// This instance's candidacy: its holder id and lease, and where it reports changes.
#[derive(Clone)]
pub struct Election {
    store: Arc<dyn LeaseStore>,
    holder: String,
    lease: Duration,
    metrics: Option<Arc<crate::admin::Metrics>>,
}

impl Election {
    /// A candidate with a fresh random holder id, holding roles for `lease` at a time.
    pub fn new(store: Arc<dyn LeaseStore>, lease: Duration) -> Election {
        Election {
            store,
            holder: holder_id(),
            lease,
            metrics: None,
        }
    }

    /// Reports each role's state to `/metrics`.
    pub fn with_metrics(mut self, metrics: Arc<crate::admin::Metrics>) -> Election {
        self.metrics = Some(metrics);
        self
    }

    /// This instance's holder id, as written in the `leaders` table.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// How often the role is tried for and renewed: a third of the lease, so two renewals
    /// may fail before the lease runs out.
    pub fn every(&self) -> Duration {
        self.lease / 3
    }

    /// When a holder that could not renew stops: a tenth of the lease before it ends, so the
    /// batch in hand is finished before another instance may take the role.
    fn margin(&self) -> Duration {
        self.lease / 10
    }

    /// Campaigns for `role` until `stop` turns true (then gives it up). The receiver is true
    /// while this instance holds the role. `standby` is reported ready when the first try
    /// finds the role taken: a standing-by instance is as ready as it will get (for systemd).
    pub fn campaign(
        &self,
        role: &'static str,
        stop: watch::Receiver<bool>,
        standby: Option<Arc<crate::readiness::Part>>,
    ) -> (watch::Receiver<bool>, tokio::task::JoinHandle<()>) {
        let (tx, rx) = watch::channel(false);
        if let Some(m) = &self.metrics {
            m.leadership(role, false);
        }
        let task = tokio::spawn(self.clone().run(role, tx, stop, standby));
        (rx, task)
    }

    fn set(&self, role: &'static str, tx: &watch::Sender<bool>, held: bool, why: &str) {
        if *tx.borrow() == held {
            return;
        }
        tx.send_replace(held);
        if let Some(m) = &self.metrics {
            m.leadership(role, held);
        }
        if held {
            tracing::info!(role, holder = %self.holder, "leadership gained; starting the role");
        } else {
            tracing::warn!(role, holder = %self.holder, why, "leadership lost; stopping the role");
        }
    }

    async fn run(
        self,
        role: &'static str,
        tx: watch::Sender<bool>,
        mut stop: watch::Receiver<bool>,
        mut standby: Option<Arc<crate::readiness::Part>>,
    ) {
        let every = self.every();
        // Until when this instance may act as the holder without another renewal.
        let mut held_until: Option<Instant> = None;
        while !*stop.borrow() {
            let started = Instant::now();
            // A hung query must not keep us in the role past our lease.
            let budget = held_until
                .map_or(every, |u| u.saturating_duration_since(started).min(every))
                .max(Duration::from_millis(1));
            let attempt =
                tokio::time::timeout(budget, self.store.try_lease(role, &self.holder, self.lease));
            let outcome = tokio::select! {
                r = attempt => r,
                _ = stop.changed() => break,
            };
            match outcome {
                Ok(Ok(true)) => {
                    // The database's lease began no earlier than `started`, so ours ends first.
                    held_until = Some(started + self.lease - self.margin());
                    self.set(role, &tx, true, "");
                }
                Ok(Ok(false)) => {
                    if let Some(part) = standby.take() {
                        tracing::info!(role, "another instance holds the role; standing by");
                        part.ready();
                    }
                    held_until = None;
                    self.set(role, &tx, false, "another instance holds the lease");
                }
                Ok(Err(e)) => tracing::warn!(role, error = %e, "cannot take or renew the lease"),
                Err(_) => tracing::warn!(role, ?budget, "the lease query did not answer in time"),
            }
            let next = started + every;
            let wake = held_until.map_or(next, |u| u.min(next));
            tokio::select! {
                _ = tokio::time::sleep_until(wake) => {}
                _ = stop.changed() => break,
            }
            if held_until.is_some_and(|u| Instant::now() >= u) {
                held_until = None;
                self.set(role, &tx, false, "the lease could not be renewed in time");
            }
        }
        if *tx.borrow() {
            self.set(role, &tx, false, "shutting down");
            // Handing the role over at once spares the others a wait for the lease to end.
            let give_up = self.store.give_up_lease(role, &self.holder);
            match tokio::time::timeout(Duration::from_secs(2), give_up).await {
                Ok(Ok(())) => tracing::info!(role, "lease given up"),
                Ok(Err(e)) => {
                    tracing::warn!(role, error = %e, "cannot give the lease up; it ends by itself")
                }
                Err(_) => tracing::warn!(role, "giving the lease up timed out; it ends by itself"),
            }
        }
    }
}

/// A holder id unique across instances and restarts: host, process, start time and a
/// per-process random seed (std's `RandomState`), so two containers with the same pid differ.
fn holder_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!("{host}-{}-{:016x}", std::process::id(), h.finish())
}

#[cfg(test)]
mod tests;

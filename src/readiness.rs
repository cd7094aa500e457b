//! Readiness for service managers: under systemd (`Type=notify`, `NOTIFY_SOCKET` set) the
//! process sends `READY=1` only once every configured channel is really connected (Telegram
//! polled once or its webhook listens, Discord's gateway sent READY), so `systemctl start`
//! returns when the bot can answer; `STOPPING=1` at shutdown. Without `NOTIFY_SOCKET` it only
//! logs.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use sd_notify::NotifyState;

/// The parts still to report ready.
#[derive(Clone)]
pub struct Readiness {
    waiting: Arc<Mutex<Vec<&'static str>>>,
}

/// One part (a channel) that reports ready once.
pub struct Part {
    readiness: Readiness,
    name: &'static str,
    fired: AtomicBool,
}

impl Readiness {
    /// Waits for the named parts; with none, the process is ready at once.
    pub fn new(parts: &[&'static str]) -> (Readiness, Vec<Arc<Part>>) {
        let readiness = Readiness {
            waiting: Arc::new(Mutex::new(parts.to_vec())),
        };
        let handles = parts
            .iter()
            .map(|name| {
                Arc::new(Part {
                    readiness: readiness.clone(),
                    name,
                    fired: AtomicBool::new(false),
                })
            })
            .collect();
        if parts.is_empty() {
            notify_ready();
        }
        (readiness, handles)
    }
}

/// Tells the service manager the process is stopping.
pub fn stopping() {
    if let Err(e) = sd_notify::notify(false, &[NotifyState::Stopping]) {
        tracing::warn!(error = %e, "cannot tell systemd the bot is stopping");
    }
}

impl Part {
    /// Marks this part ready (later calls do nothing); the last one makes the process ready.
    pub fn ready(&self) {
        if self.fired.swap(true, Ordering::SeqCst) {
            return;
        }
        tracing::info!(part = self.name, "connected");
        let left = {
            let mut waiting = self
                .readiness
                .waiting
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            waiting.retain(|p| *p != self.name);
            waiting.len()
        };
        if left == 0 {
            notify_ready();
        }
    }
}

fn notify_ready() {
    tracing::info!("supportbot is ready");
    if let Err(e) = sd_notify::notify(false, &[NotifyState::Ready, NotifyState::Status("ready")]) {
        tracing::warn!(error = %e, "cannot tell systemd the bot is ready");
    }
}

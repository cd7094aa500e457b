//! Live reload: a file watcher on the kb directory that re-indexes after changes settle.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context;
use notify::event::{AccessKind, AccessMode, EventKind};
use notify::{RecursiveMode, Watcher};

use super::Kb;

/// Quiet time after the last file event before re-indexing, so an editor's save burst
/// (temp file, rename, chmod) costs one rebuild.
const SETTLE: Duration = Duration::from_millis(250);

/// Keeps the watcher alive; dropping it stops watching and joins the reload thread.
pub struct WatchHandle {
    watcher: Option<notify::RecommendedWatcher>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for WatchHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchHandle").finish_non_exhaustive()
    }
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        // Dropping the watcher drops its sender, which ends the thread's receive loop.
        self.watcher.take();
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
    }
}

enum Msg {
    Changed,
}

/// Watches `dir` recursively and calls [`Kb::reload`] after changes; problems are logged.
pub fn watch(kb: Arc<Kb>, dir: &Path) -> anyhow::Result<WatchHandle> {
    let (tx, rx) = mpsc::channel::<Msg>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        match res {
            // Reading articles (our own reload included) must not trigger another reload;
            // a close after writing, however, is the moment a save is complete.
            Ok(notify::Event {
                kind: EventKind::Access(a),
                ..
            }) if a != AccessKind::Close(AccessMode::Write) => {}
            Ok(_) => {
                tx.send(Msg::Changed).ok();
            }
            Err(e) => tracing::warn!(error = %e, "kb watcher error"),
        }
    })
    .context("cannot start the kb file watcher")?;
    watcher
        .watch(dir, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", dir.display()))?;
    let thread = std::thread::Builder::new()
        .name("kb-watch".into())
        .spawn(move || reload_loop(&kb, &rx))
        .context("cannot spawn the kb reload thread")?;
    Ok(WatchHandle {
        watcher: Some(watcher),
        thread: Some(thread),
    })
}

fn reload_loop(kb: &Kb, rx: &mpsc::Receiver<Msg>) {
    while rx.recv().is_ok() {
        loop {
            match rx.recv_timeout(SETTLE) {
                Ok(Msg::Changed) => continue,
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        match kb.reload() {
            Ok(problems) => {
                for p in problems {
                    tracing::warn!(file = %p.file.display(), reason = %p.reason, "kb article skipped");
                }
                tracing::info!(articles = kb.len(), "kb reloaded");
            }
            Err(e) => tracing::warn!(error = %e, "kb reload failed; keeping the previous index"),
        }
    }
}

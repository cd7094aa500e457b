//! Running a channel only while this instance holds its role: started when the role is
//! gained, stopped (through its own shutdown signal) when it is lost, started again later.

use std::future::Future;
use std::sync::Arc;

use anyhow::Result;
use tokio::sync::watch;

use super::Election;

/// Spawns a channel into `tasks`: with `elected` (the election, the role, and the channel's
/// readiness part for standing by) it campaigns for the role and runs the channel only while
/// holding it ([`while_held`]), pushing the campaign into `campaigns` so that shutdown can
/// wait for it to give the role up; without, it runs the channel once until `stop`.
pub fn spawn_channel<F, Fut>(
    tasks: &mut tokio::task::JoinSet<Result<()>>,
    campaigns: &mut Vec<tokio::task::JoinHandle<()>>,
    elected: Option<(&Election, &'static str, Arc<crate::readiness::Part>)>,
    stop: watch::Receiver<bool>,
    mut start: F,
) where
    F: FnMut(watch::Receiver<bool>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    match elected {
        Some((election, role, part)) => {
            let (held, campaign) = election.campaign(role, stop.clone(), Some(part));
            campaigns.push(campaign);
            tasks.spawn(while_held(role, held, stop, start));
        }
        None => {
            tasks.spawn(start(stop));
        }
    }
}

/// Runs `start(stop)` each time `held` turns true, until `shutdown` turns true. The run's
/// `stop` turns true when the role is lost or at shutdown, and the run is awaited to its
/// end before the role can start again, so one instance never runs it twice at once. A run
/// that fails is returned as the error (the process then exits, as without an election).
pub async fn while_held<F, Fut>(
    role: &'static str,
    mut held: watch::Receiver<bool>,
    mut shutdown: watch::Receiver<bool>,
    mut start: F,
) -> Result<()>
where
    F: FnMut(watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    loop {
        // Standing by: wait for the role (or the end).
        while !*held.borrow_and_update() {
            tokio::select! {
                changed = held.changed() => if changed.is_err() { return Ok(()) },
                changed = shutdown.changed() => if changed.is_err() { return Ok(()) },
            }
            if *shutdown.borrow() {
                return Ok(());
            }
        }
        if *shutdown.borrow() {
            return Ok(());
        }
        let (stop_tx, stop_rx) = watch::channel(false);
        let run = start(stop_rx);
        tokio::pin!(run);
        let mut stopping = false;
        let result = loop {
            tokio::select! {
                r = &mut run => break r,
                changed = held.changed(), if !stopping => {
                    // A campaign that ended (its sender dropped) holds nothing any more.
                    if changed.is_err() || !*held.borrow() {
                        tracing::info!(role, "role lost: stopping the channel");
                        let _ = stop_tx.send(true);
                        stopping = true;
                    }
                }
                changed = shutdown.changed(), if !stopping => {
                    if changed.is_err() || *shutdown.borrow() {
                        let _ = stop_tx.send(true);
                        stopping = true;
                    }
                }
            }
        };
        result?;
        tracing::info!(role, "channel stopped");
        if *shutdown.borrow() {
            return Ok(());
        }
    }
}

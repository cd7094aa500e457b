//! The periodic work every instance runs beside its channels: the SLA sweeper and the report
//! posts (digests, quarterly surveys). Each claims its work in the database, so several
//! instances on one database decide and post everything once (`docs/scaling-out.md`).

use std::sync::Arc;

use tokio::sync::watch;

use crate::channels::Router;
use crate::domain::ports::SystemClock;

/// Every sweep interval until shutdown: ticks the SLA sweeper and hands its notices to the
/// outbox and the lanes, confirming each so that notices not yet stored are decided again.
pub async fn run_sweeper(
    sweeper: crate::domain::sla_sweep::Sweeper,
    router: Arc<Router>,
    every: std::time::Duration,
    mut stop: watch::Receiver<bool>,
) {
    use crate::domain::ports::Clock;
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stop.changed() => return,
        }
        let now = SystemClock.now();
        let notices = match sweeper.tick(now).await {
            Ok(notices) => notices,
            Err(e) => {
                tracing::warn!(error = %e, "SLA sweep failed; retrying next tick");
                continue;
            }
        };
        if notices.is_empty() {
            continue;
        }
        let actions = notices.iter().map(|n| n.outbound()).collect();
        // Once in the outbox a notice is delivered whatever happens to this process.
        if let Err(e) = router.send_durably(actions).await {
            tracing::warn!(error = %format!("{e:#}"), "SLA notices not stored; they will be decided again");
            continue;
        }
        if let Err(e) = sweeper.delivered(&notices, now).await {
            tracing::warn!(error = %e, "cannot mark SLA notices delivered; they may be sent again");
        }
    }
}

/// Once a minute until shutdown, when `[reports.digest]` or `[reports.quarterly_survey]` is
/// on: posts the most recent digest due unless it was posted (by this or another instance),
/// and asks the next customers for the quarterly survey. Each is claimed together with its
/// outbox rows, so the lanes deliver it whatever happens to this process afterwards.
pub async fn run_report_posts(
    digester: crate::reports::digest_run::Digester,
    surveyor: crate::reports::survey_run::QuarterlySurveyor,
    router: Arc<Router>,
    mut stop: watch::Receiver<bool>,
) {
    use crate::domain::ports::Clock;
    if !digester.enabled() && !surveyor.enabled() {
        return;
    }
    let mut interval = tokio::time::interval(std::time::Duration::from_secs(60));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stop.changed() => return,
        }
        match digester.tick(SystemClock.now()).await {
            Ok(Some(posted)) => {
                tracing::info!(period = posted.due.every.as_str(), from = %posted.due.first_day, to = %posted.due.last_day, "digest posted");
                router.lanes().submit(None, posted.planned);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "digest not posted; trying again next minute");
            }
        }
        match surveyor.tick(SystemClock.now()).await {
            Ok(planned) if planned.is_empty() => {}
            Ok(planned) => {
                tracing::info!(surveys = planned.len(), "quarterly surveys sent");
                router.lanes().submit(None, planned);
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "quarterly surveys not sent; trying again next minute");
            }
        }
    }
}

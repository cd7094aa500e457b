//! Admin HTTP endpoint: `/healthz` for liveness and `/metrics` in the OpenMetrics text format.

mod metrics;

use std::sync::Arc;

use axum::Router as HttpRouter;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{DateTime, Utc};

pub use metrics::{Metrics, WATCH_EVERY};

use crate::config::Config;
use crate::storage::SqlStore;

/// The content type Prometheus negotiates for this exposition.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The admin routes.
pub fn routes(metrics: Arc<Metrics>) -> HttpRouter {
    HttpRouter::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route(
            "/metrics",
            get(|State(m): State<Arc<Metrics>>| async move {
                ([(header::CONTENT_TYPE, OPENMETRICS)], m.render()).into_response()
            }),
        )
        .with_state(metrics)
}

/// Serves the admin routes on `bind` until `shutdown` flips.
pub async fn serve(
    bind: &str,
    metrics: Arc<Metrics>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on admin.bind {bind}: {e}"))?;
    tracing::info!(%bind, "admin endpoint listening");
    axum::serve(listener, routes(metrics))
        .with_graceful_shutdown(async move {
            let _ = shutdown.changed().await;
        })
        .await?;
    Ok(())
}

/// Reads the store's gauges as of `now`: brings the report facts (breaches, first responses)
/// up to date for tickets changed since the last pass, then counts.
pub async fn read_gauges(metrics: &Metrics, store: &SqlStore, cfg: &Config, now: DateTime<Utc>) {
    let result = async {
        crate::reports::service::refresh(store, cfg, now).await?;
        Ok::<_, anyhow::Error>(store.desk_gauges(now).await?)
    }
    .await;
    match result {
        Ok(g) => metrics.set_gauges(&g),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "cannot read the desk's gauges");
            metrics.store_down();
        }
    }
}

/// Keeps the store's gauges fresh every [`WATCH_EVERY`] until `shutdown` flips, so a scrape
/// never waits on the database.
pub async fn watch_store(
    metrics: Arc<Metrics>,
    store: Arc<SqlStore>,
    cfg: Arc<Config>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(WATCH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => read_gauges(&metrics, &store, &cfg, Utc::now()).await,
            _ = shutdown.changed() => return,
        }
    }
}

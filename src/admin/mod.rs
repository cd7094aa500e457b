//! Admin HTTP endpoint: `/healthz` for liveness and `/metrics` in Prometheus text format.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Instant;

use axum::Router as HttpRouter;
use axum::extract::State;
use axum::routing::get;

/// Counters shared by the router and the admin endpoint.
#[derive(Debug)]
pub struct Metrics {
    started: Instant,
    counters: Mutex<BTreeMap<String, u64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            started: Instant::now(),
            counters: Mutex::new(BTreeMap::new()),
        }
    }
}

impl Metrics {
    /// Adds one to a counter; `name` includes its labels, e.g. `outbound_total{kind="send"}`.
    pub fn incr(&self, name: &str) {
        let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        *c.entry(name.to_string()).or_insert(0) += 1;
    }

    /// Current value of a counter.
    pub fn get(&self, name: &str) -> u64 {
        let c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        c.get(name).copied().unwrap_or(0)
    }

    /// The Prometheus text exposition of all counters.
    pub fn render(&self) -> String {
        let mut out = String::from("# TYPE supportbot_uptime_seconds gauge\n");
        out.push_str(&format!(
            "supportbot_uptime_seconds {}\n",
            self.started.elapsed().as_secs()
        ));
        let c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        let mut typed = std::collections::BTreeSet::new();
        for (name, value) in c.iter() {
            let base = name.split('{').next().unwrap_or(name);
            if typed.insert(base.to_string()) {
                out.push_str(&format!("# TYPE supportbot_{base} counter\n"));
            }
            out.push_str(&format!("supportbot_{name} {value}\n"));
        }
        out
    }
}

/// The admin routes.
pub fn routes(metrics: Arc<Metrics>) -> HttpRouter {
    HttpRouter::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route(
            "/metrics",
            get(|State(m): State<Arc<Metrics>>| async move { m.render() }),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_as_prometheus_text() {
        let m = Metrics::default();
        m.incr("outbound_total{kind=\"send\"}");
        m.incr("outbound_total{kind=\"send\"}");
        m.incr("inbound_total");
        let text = m.render();
        assert!(
            text.contains("supportbot_outbound_total{kind=\"send\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("# TYPE supportbot_inbound_total counter\n"));
        assert_eq!(text.matches("# TYPE supportbot_outbound_total").count(), 1);
    }
}

//! The web dashboard for agents and leads: the queue with live SLA countdowns, ticket pages,
//! reports and FAQ analytics, and the same actions as the chat commands, served by the bot.
//! Pages are rendered on the server; one small script only updates countdowns and the queue.

mod actions;
mod faq;
mod files;
mod layout;
mod queue;
mod reports;
mod session;
mod sign_in;
mod ticket;

use std::sync::Arc;

use axum::Router as HttpRouter;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

pub use files::FileSource;
pub use session::Viewer;
pub use sign_in::{LINK_MINUTES, Signer};

use crate::channels::Router;
use crate::config::Config;
use crate::domain::desk::Desk;
use crate::storage::SqlStore;

/// `[dashboard]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DashboardConfig {
    /// Serve the dashboard.
    pub enabled: bool,
    /// Listen address.
    pub bind: String,
    /// The address agents open (behind a reverse proxy); empty means `http://<bind>`.
    #[serde(default)]
    pub public_url: String,
    /// Hours a session lasts.
    pub session_hours: u32,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            enabled: true,
            bind: "127.0.0.1:9188".into(),
            public_url: String::new(),
            session_hours: 12,
        }
    }
}

impl DashboardConfig {
    /// Checks the values a config file can get wrong.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=168).contains(&self.session_hours) {
            return Err(format!(
                "dashboard.session_hours must be between 1 and 168, got {}",
                self.session_hours
            ));
        }
        if self.bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(format!(
                "dashboard.bind `{}` is not an address and port like 127.0.0.1:9188",
                self.bind
            ));
        }
        if !self.public_url.is_empty() {
            match url::Url::parse(&self.public_url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
                _ => {
                    return Err(format!(
                        "dashboard.public_url `{}` is not an http(s) URL like https://support.example.com",
                        self.public_url
                    ));
                }
            }
        }
        Ok(())
    }

    /// The address links point at, without a trailing slash.
    pub fn base_url(&self) -> String {
        if self.public_url.is_empty() {
            format!("http://{}", self.bind)
        } else {
            self.public_url.trim_end_matches('/').to_string()
        }
    }

    /// Whether cookies must be marked Secure (the public address is https).
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// What every page and action works with.
pub struct WebState {
    /// The desk the actions go through, as chat commands do.
    pub desk: Arc<Desk>,
    /// Delivers what the actions decide (replies to customers).
    pub router: Arc<Router>,
    /// Tickets, sessions and reports.
    pub store: Arc<SqlStore>,
    /// The running configuration.
    pub cfg: Arc<Config>,
    /// Issues and checks sign-in links.
    pub signer: Arc<Signer>,
    /// The FAQ review (unanswered questions, proposed phrasings); `None` without a kb folder.
    pub learning: Option<crate::learning::Learning>,
    /// Where files that are not links are fetched from, per platform (Telegram).
    pub files: std::collections::HashMap<crate::domain::ids::Platform, Arc<dyn FileSource>>,
}

const SCRIPT: &str = include_str!("assets/dashboard.js");
const STYLE: &str = include_str!("assets/dashboard.css");

/// The dashboard's routes.
pub fn routes(state: Arc<WebState>) -> HttpRouter {
    HttpRouter::new()
        .route("/", get(queue::page))
        .route("/tickets/{id}", get(ticket::page))
        .route("/tickets/{id}/act", post(actions::act))
        .route("/tickets/{id}/files/{entry}/{n}", get(files::download))
        .route("/reports", get(reports::page))
        .route("/faq", get(faq::page))
        .route("/faq/proposals/{id}", post(faq::review))
        .route("/login", get(session::confirm).post(session::sign_in))
        .route("/logout", post(session::sign_out))
        .route(
            "/assets/dashboard.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    SCRIPT,
                )
                    .into_response()
            }),
        )
        .route(
            "/assets/dashboard.css",
            get(|| async {
                ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
            }),
        )
        .layer(axum::middleware::map_response(layout::security_headers))
        .with_state(state)
}

/// Serves the dashboard on `[dashboard] bind` until `shutdown` flips.
pub async fn serve(
    state: Arc<WebState>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let bind = state.cfg.dashboard.bind.clone();
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on dashboard.bind {bind}: {e}"))?;
    tracing::info!(%bind, url = %state.cfg.dashboard.base_url(), "dashboard listening");
    axum::serve(listener, routes(state))
        .with_graceful_shutdown(async move {
            let _ = shutdown.changed().await;
        })
        .await?;
    Ok(())
}

/// Carries out what the desk decided for the dashboard's own conversation: nothing, since
/// the action's page already showed it. Registered so such actions leave the outbox.
pub struct WebOutlet;

#[async_trait::async_trait]
impl crate::channels::Outlet for WebOutlet {
    async fn deliver(&self, _action: &crate::domain::event::Outbound) -> anyhow::Result<()> {
        Ok(())
    }
}

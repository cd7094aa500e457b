//! How the adapter reaches Discord's REST API: directly, through `api_proxy` (plain HTTP to a
//! stand-in, serenity's rate limiter off), or through an HTTPS egress proxy and/or extra
//! trusted roots (`https_proxy`, `ca_file`) with serenity's rate limiter on, as in production.
//! It also keeps serenity's word about a global rate limit, so every lane holds, not only the
//! ones whose own request was refused.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use serenity::all::{Http, HttpBuilder};
use serenity::http::Ratelimiter;
use tokio::time::Instant;

/// The validated route to Discord, built once by [`Egress::new`] and used for every `Http`.
#[derive(Clone)]
pub(super) struct Egress {
    /// `api_proxy`: the base URL replacing `https://discord.com`.
    api_proxy: Option<String>,
    /// The HTTPS client: serenity's default, or one with the configured proxy and roots.
    client: reqwest::Client,
    /// `client` was built for `https_proxy`/`ca_file`.
    own_client: bool,
    /// Until when Discord said the whole bot is rate limited (a global 429).
    global: Arc<GlobalHold>,
}

/// The end of the latest global rate limit serenity reported.
#[derive(Default)]
pub(super) struct GlobalHold {
    until: Mutex<Option<Instant>>,
}

impl GlobalHold {
    fn hold_for(&self, wait: Duration) {
        let end = Instant::now() + wait;
        let mut until = self.until.lock().unwrap_or_else(|e| e.into_inner());
        if until.is_none_or(|u| u < end) {
            *until = Some(end);
        }
    }

    /// Waits until no global rate limit is in force.
    pub(super) async fn wait(&self) {
        // serenity 0.12.5 takes its global lock and drops it at once, so its other routes
        // keep sending until each gets its own global 429; holding here spares them that.
        loop {
            let until = *self.until.lock().unwrap_or_else(|e| e.into_inner());
            match until {
                Some(u) if u > Instant::now() => tokio::time::sleep_until(u).await,
                _ => return,
            }
        }
    }
}

impl std::fmt::Debug for Egress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Egress")
            .field("api_proxy", &self.api_proxy)
            .field("own_client", &self.own_client)
            .finish_non_exhaustive()
    }
}

impl Egress {
    /// Validates `api_proxy`, `https_proxy` and `ca_file` and builds the HTTPS client if
    /// either of the last two is set.
    pub(super) fn new(
        api_proxy: Option<&str>,
        https_proxy: Option<&str>,
        ca_file: Option<&Path>,
    ) -> Result<Egress> {
        let api_proxy = api_proxy
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| p.trim_end_matches('/').to_string());
        let https_proxy = https_proxy.map(str::trim).filter(|p| !p.is_empty());
        let ca_file = ca_file.filter(|p| !p.as_os_str().is_empty());
        if api_proxy.is_some() && (https_proxy.is_some() || ca_file.is_some()) {
            bail!(
                "discord.api_proxy cannot be combined with discord.https_proxy or discord.ca_file: \
                 api_proxy sends plain requests to a stand-in, the others reach discord.com over HTTPS"
            );
        }
        let own_client = https_proxy.is_some() || ca_file.is_some();
        let client = if own_client {
            client(https_proxy, ca_file)?
        } else {
            // serenity's own default: rustls with the bundled web roots.
            reqwest::Client::builder()
                .use_rustls_tls()
                .build()
                .context("cannot build the Discord HTTPS client")?
        };
        Ok(Egress {
            api_proxy,
            client,
            own_client,
            global: Arc::default(),
        })
    }

    /// The global rate-limit hold shared by every `Http` this egress builds.
    pub(super) fn global(&self) -> Arc<GlobalHold> {
        Arc::clone(&self.global)
    }

    /// A serenity `Http` for `token` along this route.
    pub(super) fn http(&self, token: &str) -> Http {
        let mut b = HttpBuilder::new(token);
        if let Some(p) = &self.api_proxy {
            // serenity's rate limiter builds URLs without the proxy, so it must be off here.
            return b.proxy(p.as_str()).ratelimiter_disabled(true).build();
        }
        // The limiter sends the requests, so it gets the same client as the rest.
        b = b.client(self.client.clone());
        let mut limiter = Ratelimiter::new(self.client.clone(), authorization(token));
        let global = Arc::clone(&self.global);
        limiter.set_ratelimit_callback(Box::new(move |info| {
            if info.global {
                tracing::warn!(wait = ?info.timeout, "discord: global rate limit");
                global.hold_for(info.timeout);
            }
        }));
        b.ratelimiter(limiter).build()
    }
}

/// The `Authorization` value serenity's builder makes of a token; a limiter built by hand
/// must be given the same.
fn authorization(token: &str) -> String {
    let token = token.trim();
    if token.starts_with("Bot ") || token.starts_with("Bearer ") {
        token.to_string()
    } else {
        format!("Bot {token}")
    }
}

/// A client that tunnels HTTPS through `proxy` (HTTP CONNECT) and also trusts the roots in
/// `ca_file`, besides the bundled web roots.
fn client(proxy: Option<&str>, ca_file: Option<&Path>) -> Result<reqwest::Client> {
    let mut b = reqwest::Client::builder().use_rustls_tls();
    if let Some(p) = proxy {
        let url = url::Url::parse(p).with_context(|| {
            format!("discord.https_proxy: `{p}` is not a URL (expected http://host:port)")
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            bail!(
                "discord.https_proxy: `{}` is not an HTTP proxy URL (expected http://host:port)",
                crate::app::redact_url(p)
            );
        }
        let proxy = reqwest::Proxy::https(url.as_str())
            .with_context(|| format!("discord.https_proxy: `{}`", crate::app::redact_url(p)))?;
        b = b.proxy(proxy);
    }
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .with_context(|| format!("discord.ca_file: cannot read {}", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .with_context(|| format!("discord.ca_file: {} is not valid PEM", path.display()))?;
        if certs.is_empty() {
            bail!(
                "discord.ca_file: {} holds no certificate (expected PEM blocks \
                 `-----BEGIN CERTIFICATE-----`)",
                path.display()
            );
        }
        for c in certs {
            b = b.add_root_certificate(c);
        }
    }
    b.build().context("cannot build the Discord HTTPS client")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(api: Option<&str>, proxy: Option<&str>, ca: Option<&Path>) -> String {
        format!("{:#}", Egress::new(api, proxy, ca).unwrap_err())
    }

    #[test]
    fn bad_settings_get_clear_errors() {
        assert!(err(None, Some("not a url"), None).contains("is not a URL"));
        assert!(err(None, Some("socks5://127.0.0.1:1080"), None).contains("not an HTTP proxy"));
        let missing = Path::new("/nonexistent/ca.pem");
        assert!(err(None, None, Some(missing)).contains("cannot read /nonexistent/ca.pem"));
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "just some text\n").unwrap();
        assert!(err(None, None, Some(&empty)).contains("holds no certificate"));
        let both = err(Some("http://127.0.0.1:1"), Some("http://127.0.0.1:2"), None);
        assert!(both.contains("cannot be combined"), "{both}");
    }

    #[test]
    fn a_proxy_alone_builds_a_client_and_keeps_the_limiter() {
        let e = Egress::new(None, Some("http://user:pw@127.0.0.1:3128"), None).unwrap();
        assert!(e.own_client && e.api_proxy.is_none());
        assert!(e.http("a.b.c").ratelimiter.is_some());
        let plain = Egress::new(Some("http://127.0.0.1:9/"), None, None).unwrap();
        assert_eq!(plain.api_proxy.as_deref(), Some("http://127.0.0.1:9"));
        assert!(plain.http("a.b.c").ratelimiter.is_none());
    }

    #[tokio::test]
    async fn a_global_limit_holds_until_it_ends() {
        let hold = GlobalHold::default();
        hold.hold_for(Duration::from_millis(150));
        hold.hold_for(Duration::from_millis(10));
        let start = Instant::now();
        hold.wait().await;
        assert!(start.elapsed() >= Duration::from_millis(140));
    }
}

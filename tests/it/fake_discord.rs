//! A fake Discord on 127.0.0.1: REST under `/api/v10` (recording every call) and a plain
//! `ws://` gateway that speaks Hello/Identify/READY/Heartbeat-ACK, Resume/RESUMED and op 7,
//! dispatching MESSAGE_CREATE and INTERACTION_CREATE from the test's script.
//! With [`FakeDiscord::start_intercepting`] the same routes are also served over TLS behind
//! a CONNECT proxy (`fake_discord_tls.rs`), for serenity with its rate limiter on.
//! Fixture builders live here too, and every fixture is checked against serenity's own types,
//! because serenity silently drops events it cannot parse.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;

#[path = "fake_discord_tls.rs"]
pub mod tls;

/// The bot's user and application id.
pub const BOT_ID: &str = "100";
/// The guild everything happens in.
pub const GUILD: &str = "4000";
const TIMESTAMP: &str = "2024-01-01T00:00:00.000000+00:00";

/// One REST request the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    /// HTTP method.
    pub method: String,
    /// Path after `/api/v10`, without the query.
    pub path: String,
    /// JSON body (`Null` when empty or not JSON).
    pub body: Value,
    /// Status the fake answered with.
    pub status: u16,
    /// When the fake received it.
    #[allow(dead_code, reason = "for timing tests and benches")]
    pub at: tokio::time::Instant,
    /// A message post whose `nonce` (with `enforce_nonce`) was seen before in that channel:
    /// like Discord, the fake answered with the earlier message and posted nothing.
    pub repeat: bool,
    /// It came through the TLS interception (`https://discord.com` via the proxy).
    pub tls: bool,
    /// For a 429: the `retry_after` announced, in seconds.
    pub retry_after: Option<f64>,
}

/// A stretch of 429s, as [`FakeDiscord::burst_429`] and friends set it up.
#[derive(Debug, Clone)]
struct Burst {
    until: tokio::time::Instant,
    /// Seconds until a refused bucket resets (capped at the burst's end).
    retry_after: f64,
    /// Discord's global limit (every route but interaction responses) instead of per route.
    global: bool,
    /// Only message posts to these channels are refused; empty: every channel.
    channels: Vec<String>,
}

#[derive(Default)]
struct Gateway {
    seq: u64,
    /// Every dispatch ever sent or queued, by sequence number, for replay on resume.
    log: Vec<(u64, String)>,
    conn: Option<(u64, mpsc::UnboundedSender<Frame>)>,
    next_conn: u64,
    identifies: usize,
    resumes: Vec<u64>,
    /// On resume, also replay this many events the client already acknowledged.
    overlap: u64,
    /// Dispatches made while no connection was live (delivered only by a resume).
    queued: usize,
    /// Events re-sent on resume that the client had already received.
    duplicates: usize,
    /// Refuse the next RESUME (op 9, not resumable), as when a session expired: what was
    /// dispatched meanwhile is then lost to the gateway.
    refuse_resume: bool,
    /// Gateway websockets open now, the most ever open at once, and every one's start.
    open: usize,
    most_open: usize,
    opened: Vec<tokio::time::Instant>,
}

enum Frame {
    Text(String),
    Close,
}

struct Inner {
    port: u16,
    calls: Mutex<Vec<Call>>,
    gateway: Mutex<Gateway>,
    channels: Mutex<HashMap<String, Value>>,
    next_id: AtomicU64,
    /// Thread creations still to refuse with 403 Missing Permissions.
    refuse_threads: AtomicU64,
    /// Messages people wrote, per channel, for `GET /channels/{id}/messages`.
    history: Mutex<HashMap<String, Vec<Value>>>,
    /// How long each REST call takes, in milliseconds, as a distant server's would.
    latency_ms: AtomicU64,
    /// The current stretch of 429s, if any.
    burst: Mutex<Option<Burst>>,
    /// When each refused bucket (a channel's message posts, or `global`) resets.
    resets: Mutex<HashMap<String, tokio::time::Instant>>,
    /// Messages posted with `enforce_nonce`, by channel and nonce.
    nonces: Mutex<HashMap<(String, String), Value>>,
    /// The server's setup for permission checks and the doctor.
    setup: Mutex<Setup>,
}

/// What the doctor reads: token, application flags, roles, overwrites, registered commands.
struct Setup {
    /// When set, requests with another `Authorization: Bot …` are answered 401.
    token: Option<String>,
    /// `GET /applications/@me` flags (default: Message Content intent on).
    app_flags: u64,
    /// `GET /guilds/{id}/roles`.
    roles: Vec<Value>,
    /// The bot's role ids in the guild.
    bot_roles: Vec<String>,
    /// Channels answered 404 Unknown Channel.
    missing: std::collections::HashSet<String>,
    /// Permission overwrites per channel.
    overwrites: HashMap<String, Vec<Value>>,
    /// Registered command names: globally (key "") or per guild id.
    commands: HashMap<String, Vec<String>>,
    /// The server's `preferred_locale` (Discord's default: `en-US`).
    preferred_locale: String,
}

/// Every permission the bot's default role has in the fake: all it uses (and no more).
pub const BOT_ROLE: &str = "4100";

/// The running fake.
pub struct FakeDiscord {
    inner: Arc<Inner>,
    server: tokio::task::JoinHandle<()>,
    /// The TLS interception, when started with it.
    intercept: Option<tls::Interceptor>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeDiscord {
    /// Starts the fake on a free loopback port.
    pub async fn start() -> FakeDiscord {
        FakeDiscord::start_with(false).await
    }

    /// Starts the fake with its TLS interception too: see [`FakeDiscord::proxy_url`] and
    /// [`FakeDiscord::ca_file`].
    pub async fn start_intercepting() -> FakeDiscord {
        FakeDiscord::start_with(true).await
    }

    async fn start_with(intercept: bool) -> FakeDiscord {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let inner = Arc::new(Inner {
            port,
            calls: Mutex::new(Vec::new()),
            gateway: Mutex::new(Gateway::default()),
            channels: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(900_000),
            refuse_threads: AtomicU64::new(0),
            history: Mutex::new(HashMap::new()),
            latency_ms: AtomicU64::new(0),
            burst: Mutex::new(None),
            nonces: Mutex::new(HashMap::new()),
            resets: Mutex::new(HashMap::new()),
            setup: Mutex::new(Setup {
                token: None,
                app_flags: 1 << 19,
                roles: vec![
                    json!({"id": GUILD, "name": "@everyone", "permissions": "0", "position": 0}),
                    json!({"id": BOT_ROLE, "name": "supportbot", "position": 1,
                        "permissions": supportbot::channels::discord::perms::all(&Default::default()).bits().to_string()}),
                ],
                bot_roles: vec![BOT_ROLE.to_string()],
                missing: Default::default(),
                overwrites: HashMap::new(),
                commands: HashMap::new(),
                preferred_locale: "en-US".into(),
            }),
        });
        let app = Router::new()
            .route("/gw", get(gateway))
            .fallback(rest)
            .with_state(Arc::clone(&inner));
        let intercept = match intercept {
            true => Some(tls::Interceptor::start(app.clone()).await),
            false => None,
        };
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeDiscord {
            inner,
            server,
            intercept,
        }
    }

    fn interceptor(&self) -> &tls::Interceptor {
        self.intercept
            .as_ref()
            .expect("the fake was started without its TLS interception")
    }

    /// The URL to give `discord.https_proxy` (intercepting mode only).
    pub fn proxy_url(&self) -> String {
        self.interceptor().proxy_url()
    }

    /// The throwaway CA's PEM file, for `discord.ca_file` (intercepting mode only).
    pub fn ca_file(&self) -> std::path::PathBuf {
        self.interceptor().ca_file().to_path_buf()
    }

    /// The `CONNECT` targets the bot asked the interception for (intercepting mode only).
    pub fn tunnels(&self) -> Vec<String> {
        self.interceptor().tunnels()
    }

    /// Makes every REST call take `latency` before it is answered.
    #[allow(
        dead_code,
        reason = "used by benches/pace.rs, which includes this file"
    )]
    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.inner.latency_ms.store(ms, Ordering::SeqCst);
    }

    /// For the next `length`, answers every message post with Discord's per-route 429 (body
    /// and `X-RateLimit-*` headers). Each channel is its own bucket: refused once, it stays
    /// refused until its reset `retry_after` seconds later (or the burst's end), then the next
    /// post opens a new window, refused again while the burst lasts.
    pub fn burst_429(&self, length: Duration, retry_after: f64) {
        self.burst_429_in(&[], length, retry_after);
    }

    /// [`FakeDiscord::burst_429`] for message posts to these channels only.
    pub fn burst_429_in(&self, channels: &[&str], length: Duration, retry_after: f64) {
        self.set_burst(length, retry_after, false, channels);
    }

    /// For the next `length`, Discord's global 429 (`"global": true`, `X-RateLimit-Global`)
    /// on every route but interaction responses, which Discord exempts.
    pub fn burst_429_global(&self, length: Duration, retry_after: f64) {
        self.set_burst(length, retry_after, true, &[]);
    }

    fn set_burst(&self, length: Duration, retry_after: f64, global: bool, channels: &[&str]) {
        self.inner.resets.lock().unwrap().clear();
        *self.inner.burst.lock().unwrap() = Some(Burst {
            until: tokio::time::Instant::now() + length,
            retry_after,
            global,
            channels: channels.iter().map(|c| c.to_string()).collect(),
        });
    }

    /// When the current (or last) burst of 429s ends.
    pub fn burst_end(&self) -> Option<tokio::time::Instant> {
        self.inner.burst.lock().unwrap().as_ref().map(|b| b.until)
    }

    /// Answers requests without `Authorization: Bot {token}` 401 Unauthorized.
    pub fn require_token(&self, token: &str) {
        self.inner.setup.lock().unwrap().token = Some(token.to_string());
    }

    /// Sets the application flags (`1 << 19`: Message Content intent on).
    pub fn set_app_flags(&self, flags: u64) {
        self.inner.setup.lock().unwrap().app_flags = flags;
    }

    /// Sets the permissions of a guild role (created if new).
    pub fn set_role(&self, id: &str, permissions: u64) {
        let mut s = self.inner.setup.lock().unwrap();
        s.roles.retain(|r| r["id"] != json!(id));
        s.roles
            .push(json!({"id": id, "name": format!("role{id}"), "position": 1,
            "permissions": permissions.to_string()}));
    }

    /// Sets the server's preferred locale, as its admins would in Server Settings.
    pub fn set_preferred_locale(&self, locale: &str) {
        self.inner.setup.lock().unwrap().preferred_locale = locale.into();
    }

    /// Sets the bot's roles in the guild.
    pub fn set_bot_roles(&self, roles: &[&str]) {
        self.inner.setup.lock().unwrap().bot_roles = roles.iter().map(|r| r.to_string()).collect();
    }

    /// Sets a channel's permission overwrites.
    pub fn set_overwrites(&self, channel: &str, overwrites: Vec<Value>) {
        self.inner
            .setup
            .lock()
            .unwrap()
            .overwrites
            .insert(channel.to_string(), overwrites);
    }

    /// Makes `GET /channels/{id}` answer 404 Unknown Channel.
    pub fn hide_channel(&self, id: &str) {
        self.inner
            .setup
            .lock()
            .unwrap()
            .missing
            .insert(id.to_string());
    }

    /// Stores a channel object `GET /channels/{id}` then returns (e.g. a voice channel).
    pub fn put_channel(&self, channel: Value) {
        let id = channel["id"].as_str().unwrap_or_default().to_string();
        self.inner.channels.lock().unwrap().insert(id, channel);
    }

    /// Marks these commands as registered (`place`: a guild id, or "" for global).
    pub fn set_commands(&self, place: &str, names: &[&str]) {
        self.inner.setup.lock().unwrap().commands.insert(
            place.to_string(),
            names.iter().map(|n| n.to_string()).collect(),
        );
    }

    /// Makes the next `n` thread creations fail with 403 Missing Permissions.
    pub fn refuse_threads(&self, n: u64) {
        self.inner.refuse_threads.store(n, Ordering::SeqCst);
    }

    /// The base URL to give `discord.api_proxy`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.inner.port)
    }

    /// A message written while the bot's session was gone: in the channel's history, never
    /// dispatched.
    pub fn write_unseen(&self, m: Value) {
        let ch = m["channel_id"].as_str().unwrap_or_default().to_string();
        self.inner
            .history
            .lock()
            .unwrap()
            .entry(ch)
            .or_default()
            .push(m);
    }

    /// Drops the session: the bot's RESUME is refused, so it identifies anew (READY).
    pub fn expire_session(&self) {
        let mut g = self.inner.gateway.lock().unwrap();
        g.refuse_resume = true;
        if let Some((_, tx)) = g.conn.take() {
            let _ = tx.send(Frame::Text(json!({"op": 7, "d": null}).to_string()));
            let _ = tx.send(Frame::Close);
        }
    }

    /// Sends (or, while the bot is disconnected, queues) a dispatch event.
    pub fn dispatch(&self, t: &str, d: Value) {
        if t == "MESSAGE_CREATE" {
            self.write_unseen(d.clone());
        }
        let mut g = self.inner.gateway.lock().unwrap();
        g.seq += 1;
        let frame = json!({"op": 0, "s": g.seq, "t": t, "d": d}).to_string();
        let seq = g.seq;
        g.log.push((seq, frame.clone()));
        match &g.conn {
            Some((_, tx)) => {
                let _ = tx.send(Frame::Text(frame));
            }
            None => g.queued += 1,
        }
    }

    /// Tells the bot to reconnect (op 7) and drops its connection.
    pub fn reconnect(&self) {
        let mut g = self.inner.gateway.lock().unwrap();
        if let Some((_, tx)) = g.conn.take() {
            let _ = tx.send(Frame::Text(json!({"op": 7, "d": null}).to_string()));
            let _ = tx.send(Frame::Close);
        }
    }

    /// On the next resume, also replay `n` events the bot already saw (at-least-once delivery).
    pub fn set_resume_overlap(&self, n: u64) {
        self.inner.gateway.lock().unwrap().overlap = n;
    }

    /// How many times the bot identified, and the sequence numbers it resumed from.
    pub fn sessions(&self) -> (usize, Vec<u64>) {
        let g = self.inner.gateway.lock().unwrap();
        (g.identifies, g.resumes.clone())
    }

    /// Dispatches queued while the bot was away, and already-seen events re-sent on resume.
    pub fn redelivery(&self) -> (usize, usize) {
        let g = self.inner.gateway.lock().unwrap();
        (g.queued, g.duplicates)
    }

    /// Gateway connections: (open now, the most open at once, when each was opened).
    pub fn gateway_connections(&self) -> (usize, usize, Vec<tokio::time::Instant>) {
        let g = self.inner.gateway.lock().unwrap();
        (g.open, g.most_open, g.opened.clone())
    }

    /// True while a gateway connection is identified or resumed.
    pub fn connected(&self) -> bool {
        self.inner.gateway.lock().unwrap().conn.is_some()
    }

    /// Every REST call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.inner.calls.lock().unwrap().clone()
    }

    /// Waits (up to 15 s) until `pred` holds for the calls so far, and returns them.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&[Call]) -> bool) -> Vec<Call> {
        for _ in 0..750 {
            let calls = self.calls();
            if pred(&calls) {
                return calls;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let calls = self.calls();
        let log: Vec<String> = calls
            .iter()
            .map(|c| format!("{} {} {} {}", c.status, c.method, c.path, c.body))
            .collect();
        panic!(
            "timed out waiting for {what}; REST calls:\n{}",
            log.join("\n")
        );
    }

    /// Waits until the bot has a live gateway session.
    pub async fn wait_connected(&self) {
        for _ in 0..750 {
            if self.connected() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the bot never connected to the fake gateway");
    }
}

/// Calls with this method whose path matches.
pub fn matching<'a>(calls: &'a [Call], method: &str, path: &str) -> Vec<&'a Call> {
    calls
        .iter()
        .filter(|c| c.method == method && c.path == path)
        .collect()
}

async fn gateway(ws: WebSocketUpgrade, State(inner): State<Arc<Inner>>) -> Response {
    ws.on_upgrade(move |socket| connection(socket, inner))
}

async fn connection(socket: WebSocket, inner: Arc<Inner>) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Frame>();
    let writer = tokio::spawn(async move {
        while let Some(frame) = rx.recv().await {
            let msg = match frame {
                Frame::Text(t) => WsMessage::Text(t.into()),
                Frame::Close => {
                    let _ = sink.send(WsMessage::Close(None)).await;
                    break;
                }
            };
            if sink.send(msg).await.is_err() {
                break;
            }
        }
    });
    let id = {
        let mut g = inner.gateway.lock().unwrap();
        g.next_conn += 1;
        g.open += 1;
        g.most_open = g.most_open.max(g.open);
        g.opened.push(tokio::time::Instant::now());
        g.next_conn
    };
    let _ = tx.send(Frame::Text(
        json!({"op": 10, "d": {"heartbeat_interval": 41250}}).to_string(),
    ));
    while let Some(Ok(msg)) = stream.next().await {
        let text = match msg {
            WsMessage::Text(t) => t.to_string(),
            WsMessage::Close(_) => break,
            _ => continue,
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let mut g = inner.gateway.lock().unwrap();
        match v["op"].as_u64() {
            Some(2) => {
                g.identifies += 1;
                g.seq += 1;
                let ready = json!({"op": 0, "s": g.seq, "t": "READY", "d": ready(inner.port)});
                let _ = tx.send(Frame::Text(ready.to_string()));
                g.conn = Some((id, tx.clone()));
            }
            Some(6) if g.refuse_resume => {
                g.refuse_resume = false;
                let _ = tx.send(Frame::Text(json!({"op": 9, "d": false}).to_string()));
            }
            Some(6) => {
                let from = v["d"]["seq"].as_u64().unwrap_or(0);
                g.resumes.push(from);
                let start = from.saturating_sub(g.overlap);
                g.overlap = 0;
                let mut duplicates = 0;
                for (seq, frame) in &g.log {
                    if *seq > start {
                        duplicates += usize::from(*seq <= from);
                        let _ = tx.send(Frame::Text(frame.clone()));
                    }
                }
                g.duplicates += duplicates;
                g.seq += 1;
                let resumed = json!({"op": 0, "s": g.seq, "t": "RESUMED", "d": {}});
                let _ = tx.send(Frame::Text(resumed.to_string()));
                g.conn = Some((id, tx.clone()));
            }
            Some(1) => {
                let _ = tx.send(Frame::Text(json!({"op": 11}).to_string()));
            }
            _ => {}
        }
    }
    {
        let mut g = inner.gateway.lock().unwrap();
        if g.conn.as_ref().is_some_and(|(c, _)| *c == id) {
            g.conn = None;
        }
        g.open -= 1;
    }
    writer.abort();
}

async fn rest(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let tls = headers.contains_key(tls::MARK);
    let path = uri
        .path()
        .strip_prefix("/api/v10")
        .unwrap_or(uri.path())
        .to_string();
    let wanted = inner.setup.lock().unwrap().token.clone();
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if wanted.is_some_and(|t| given != format!("Bot {t}")) {
        let reply = json!({"message": "401: Unauthorized", "code": 0});
        return (StatusCode::UNAUTHORIZED, axum::Json(reply)).into_response();
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or_else(|_| multipart(&body));
    let at = tokio::time::Instant::now();
    let latency = inner.latency_ms.load(Ordering::SeqCst);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    if let Some((bucket, wait, global)) = refused(&inner, method.as_str(), &path, at) {
        inner.calls.lock().unwrap().push(Call {
            method: method.to_string(),
            path: path.clone(),
            body,
            status: 429,
            at,
            repeat: false,
            tls,
            retry_after: Some(wait),
        });
        return rate_limited(&bucket, wait, global);
    }
    // Discord's de-duplication: a post with `enforce_nonce` whose nonce this channel saw in
    // the last few minutes returns the earlier message instead of posting again.
    let nonce_key = (method == Method::POST && path.ends_with("/messages"))
        .then(|| body.get("enforce_nonce").and_then(Value::as_bool))
        .flatten()
        .filter(|enforce| *enforce)
        .and_then(|_| body.get("nonce"))
        .map(|n| (path.clone(), n.to_string()));
    let earlier = nonce_key
        .as_ref()
        .and_then(|k| inner.nonces.lock().unwrap().get(k).cloned());
    let repeat = earlier.is_some();
    let (status, reply) = match earlier {
        Some(m) => (StatusCode::OK, Some(m)),
        None => match history(&inner, method.as_str(), &path, uri.query()) {
            Some(found) => (StatusCode::OK, Some(found)),
            None => route(&inner, method.as_str(), &path, &body),
        },
    };
    if let (Some(k), Some(m), false) = (nonce_key, &reply, repeat)
        && status == StatusCode::OK
    {
        inner.nonces.lock().unwrap().insert(k, m.clone());
    }
    inner.calls.lock().unwrap().push(Call {
        method: method.to_string(),
        path: path.clone(),
        body,
        status: status.as_u16(),
        at,
        repeat,
        tls,
        retry_after: None,
    });
    if status == StatusCode::NOT_FOUND {
        eprintln!("fake discord: unknown route {method} {path}");
    }
    match reply {
        Some(v) => (status, axum::Json(v)).into_response(),
        None => status.into_response(),
    }
}

fn route(inner: &Inner, method: &str, path: &str, body: &Value) -> (StatusCode, Option<Value>) {
    let seg: Vec<&str> = path.trim_matches('/').split('/').collect();
    let ok = |v: Value| (StatusCode::OK, Some(v));
    let new_id = || inner.next_id.fetch_add(1, Ordering::SeqCst).to_string();
    match (method, seg.as_slice()) {
        ("GET", ["gateway"]) => ok(json!({"url": format!("ws://127.0.0.1:{}/gw", inner.port)})),
        ("GET", ["gateway", "bot"]) => ok(json!({
            "url": format!("ws://127.0.0.1:{}/gw", inner.port),
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        })),
        ("POST", ["channels", ch, "messages"]) => {
            let text = body["content"].as_str().unwrap_or_default();
            ok(bot_message(&new_id(), ch, text))
        }
        ("POST", ["channels", _, "threads"])
            if inner
                .refuse_threads
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok() =>
        {
            (
                StatusCode::FORBIDDEN,
                Some(json!({"message": "Missing Permissions", "code": 50013})),
            )
        }
        ("POST", ["channels", ch, "threads"]) => {
            let id = new_id();
            let kind = body["type"].as_u64().unwrap_or(11);
            let name = body["name"].as_str().unwrap_or("thread");
            let t = thread(&id, ch, name, kind, false);
            inner.channels.lock().unwrap().insert(id, t.clone());
            ok(t)
        }
        ("PATCH", ["channels", ch]) => {
            let mut chans = inner.channels.lock().unwrap();
            let Some(t) = chans.get_mut(*ch) else {
                return not_found();
            };
            if let Some(n) = body.get("name").and_then(Value::as_str) {
                t["name"] = json!(n);
            }
            if let Some(a) = body.get("archived").and_then(Value::as_bool) {
                t["thread_metadata"]["archived"] = json!(a);
            }
            ok(t.clone())
        }
        ("GET", ["channels", ch]) => {
            let setup = inner.setup.lock().unwrap();
            if setup.missing.contains(*ch) {
                return (
                    StatusCode::NOT_FOUND,
                    Some(json!({"message": "Unknown Channel", "code": 10003})),
                );
            }
            let mut found = match inner.channels.lock().unwrap().get(*ch) {
                Some(t) => t.clone(),
                None => text_channel(ch),
            };
            if let Some(o) = setup.overwrites.get(*ch) {
                found["permission_overwrites"] = json!(o);
            }
            ok(found)
        }
        ("GET", ["users", "@me"]) => ok(user(BOT_ID, "supportbot", true)),
        ("GET", ["applications", "@me"]) => {
            let flags = inner.setup.lock().unwrap().app_flags;
            ok(json!({"id": BOT_ID, "name": "supportbot", "flags": flags, "bot_public": false}))
        }
        ("GET", ["users", "@me", "guilds"]) => ok(
            json!([{"id": GUILD, "name": "Acme", "icon": null, "owner": false,
                "permissions": "0", "features": []}]),
        ),
        ("GET", ["guilds", _, "channels"]) => ok(json!([
            {"id": "3200", "type": 0, "guild_id": GUILD, "name": "staff", "position": 0,
                "permission_overwrites": [], "nsfw": false},
            {"id": "3250", "type": 2, "guild_id": GUILD, "name": "voice", "position": 1,
                "permission_overwrites": [], "nsfw": false},
            {"id": "3300", "type": 0, "guild_id": GUILD, "name": "help", "position": 2,
                "permission_overwrites": [], "nsfw": false},
        ])),
        ("GET", ["guilds", g]) => {
            let locale = inner.setup.lock().unwrap().preferred_locale.clone();
            ok(guild(g, &locale))
        }
        ("GET", ["guilds", _, "roles"]) => ok(json!(inner.setup.lock().unwrap().roles)),
        ("GET", ["guilds", _, "members", who]) if *who == BOT_ID => {
            let roles = inner.setup.lock().unwrap().bot_roles.clone();
            ok(
                json!({"user": user(BOT_ID, "supportbot", true), "roles": roles,
                "joined_at": TIMESTAMP, "deaf": false, "mute": false, "flags": 0}),
            )
        }
        // Anyone else: a member with the roles their last server message showed.
        ("GET", ["guilds", _, "members", who]) => {
            let roles = inner
                .history
                .lock()
                .unwrap()
                .values()
                .flatten()
                .filter(|m| m["author"]["id"] == json!(who))
                .filter_map(|m| m["member"]["roles"].as_array().cloned())
                .last()
                .unwrap_or_default();
            ok(json!({"user": user(who, "someone", false), "roles": roles,
                "joined_at": TIMESTAMP, "deaf": false, "mute": false, "flags": 0}))
        }
        ("GET", ["applications", _, "commands"]) => ok(registered(inner, "")),
        ("GET", ["applications", _, "guilds", g, "commands"]) => ok(registered(inner, g)),
        ("PATCH", ["channels", ch, "messages", id]) => {
            let text = body["content"].as_str().unwrap_or_default();
            ok(bot_message(id, ch, text))
        }
        ("POST", ["users", "@me", "channels"]) => {
            let who = body["recipient_id"].as_str().unwrap_or("0");
            ok(json!({"id": new_id(), "type": 1, "last_message_id": null,
                "recipients": [user(who, "someone", false)]}))
        }
        ("PUT", ["channels", _, "thread-members", _]) => (StatusCode::NO_CONTENT, None),
        ("POST", ["interactions", _, _, "callback"]) => (StatusCode::NO_CONTENT, None),
        ("POST", ["webhooks", _, _]) => {
            let text = body["content"].as_str().unwrap_or_default();
            ok(bot_message(&new_id(), "0", text))
        }
        ("PUT", ["applications", _, "commands"]) => register(inner, "", body),
        ("PUT", ["applications", _, "guilds", g, "commands"]) => register(inner, g, body),
        _ => not_found(),
    }
}

/// Stores the names of a bulk command overwrite (`""`: global) and answers as serenity expects.
fn register(inner: &Inner, place: &str, body: &Value) -> (StatusCode, Option<Value>) {
    let names = body
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    inner
        .setup
        .lock()
        .unwrap()
        .commands
        .insert(place.to_string(), names);
    (StatusCode::OK, Some(json!([])))
}

/// The registered commands of a place as `GET …/commands` lists them.
fn registered(inner: &Inner, place: &str) -> Value {
    let setup = inner.setup.lock().unwrap();
    let names = setup.commands.get(place).cloned().unwrap_or_default();
    Value::Array(
        names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                json!({"id": format!("{}", 8000 + i), "application_id": BOT_ID,
                "name": n, "description": n, "type": 1, "version": "1"})
            })
            .collect(),
    )
}

/// `GET /channels/{id}/messages?after=ID&limit=N`: the first N messages after ID, newest
/// first, as Discord answers.
fn history(inner: &Inner, method: &str, path: &str, query: Option<&str>) -> Option<Value> {
    let seg: Vec<&str> = path.trim_matches('/').split('/').collect();
    let ["channels", ch, "messages"] = seg.as_slice() else {
        return None;
    };
    if method != "GET" {
        return None;
    }
    let param = |name: &str| {
        query?
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse::<u64>().ok())
    };
    let after = param("after").unwrap_or(0);
    let limit = param("limit").unwrap_or(50) as usize;
    let id = |m: &Value| {
        m["id"]
            .as_str()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let mut found: Vec<Value> = inner
        .history
        .lock()
        .unwrap()
        .get(*ch)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| id(m) > after)
        .collect();
    found.sort_by_key(id);
    found.truncate(limit);
    found.reverse();
    // Like Discord, fetched messages carry neither the guild id nor the author's member.
    for m in &mut found {
        if let Some(o) = m.as_object_mut() {
            o.remove("guild_id");
            o.remove("member");
        }
    }
    Some(Value::Array(found))
}

/// Discord's bucket hash for `POST /channels/{id}/messages`: one hash for the route, the
/// limit itself kept per channel (the major parameter).
const MESSAGE_BUCKET: &str = "80c17d2f203122d936070c88c8d10f33";

/// Whether the current burst refuses this request: the bucket it counts against (a channel,
/// or `global`), the seconds until that bucket resets, and whether the limit is global.
fn refused(
    inner: &Inner,
    method: &str,
    path: &str,
    at: tokio::time::Instant,
) -> Option<(String, f64, bool)> {
    let burst = inner.burst.lock().unwrap().clone()?;
    if at >= burst.until {
        return None;
    }
    let seg: Vec<&str> = path.trim_matches('/').split('/').collect();
    let bucket = if burst.global {
        // Interaction responses are not bound by the global limit.
        if seg.first() == Some(&"interactions") {
            return None;
        }
        "global".to_string()
    } else {
        match (method, seg.as_slice()) {
            ("POST", ["channels", ch, "messages"])
                if burst.channels.is_empty() || burst.channels.iter().any(|c| c == ch) =>
            {
                ch.to_string()
            }
            _ => return None,
        }
    };
    let mut resets = inner.resets.lock().unwrap();
    let reset = resets.entry(bucket.clone()).or_insert(at);
    if *reset <= at {
        // A new window, already used up while the burst lasts.
        *reset = (at + Duration::from_secs_f64(burst.retry_after)).min(burst.until);
    }
    let wait = (*reset - at).as_secs_f64().max(0.001);
    Some((bucket, wait, burst.global))
}

/// Discord's answer to a rate-limited request: the JSON body and the headers it really sends.
/// `Retry-After` is whole seconds rounded up; the body and `Reset-After` carry the exact time.
fn rate_limited(bucket: &str, retry_after: f64, global: bool) -> Response {
    let body = json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": global});
    let mut resp = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    let retry_header = format!("{}", retry_after.ceil() as u64);
    let headers: Vec<(&str, String)> = if global {
        vec![
            ("retry-after", retry_header),
            ("x-ratelimit-global", "true".to_string()),
            ("x-ratelimit-scope", "global".to_string()),
        ]
    } else {
        let reset = chrono::Utc::now().timestamp_millis() as f64 / 1000.0 + retry_after;
        debug_assert!(!bucket.is_empty());
        vec![
            ("retry-after", retry_header),
            ("x-ratelimit-limit", "5".to_string()),
            ("x-ratelimit-remaining", "0".to_string()),
            ("x-ratelimit-reset", format!("{reset:.3}")),
            ("x-ratelimit-reset-after", format!("{retry_after:.3}")),
            ("x-ratelimit-bucket", MESSAGE_BUCKET.to_string()),
            ("x-ratelimit-scope", "user".to_string()),
        ]
    };
    for (name, value) in headers {
        resp.headers_mut()
            .insert(name, value.parse().expect("header value"));
    }
    resp
}

fn not_found() -> (StatusCode, Option<Value>) {
    (
        StatusCode::NOT_FOUND,
        Some(json!({"message": "Unknown route (fake Discord)", "code": 0})),
    )
}

// ---- fixtures -------------------------------------------------------------------------------

/// The READY payload.
pub fn ready(port: u16) -> Value {
    json!({
        "v": 10,
        "user": user(BOT_ID, "supportbot", true),
        "guilds": [],
        "session_id": "sess-1",
        "resume_gateway_url": format!("ws://127.0.0.1:{port}/gw"),
        "shard": [0, 1],
        "application": {"id": BOT_ID, "flags": 0}
    })
}

/// A user object.
pub fn user(id: &str, name: &str, bot: bool) -> Value {
    json!({"id": id, "username": name, "discriminator": "0", "global_name": name, "avatar": null, "bot": bot})
}

fn base_message(id: &str, channel: &str, author: Value, content: &str) -> Value {
    json!({
        "id": id, "channel_id": channel, "author": author, "content": content,
        "timestamp": TIMESTAMP, "edited_timestamp": null, "tts": false,
        "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": [], "components": [], "pinned": false, "type": 0
    })
}

/// A message the bot sent (what REST answers).
pub fn bot_message(id: &str, channel: &str, content: &str) -> Value {
    base_message(id, channel, user(BOT_ID, "supportbot", true), content)
}

/// A DM from a customer.
pub fn dm(id: &str, channel: &str, author: &Value, content: &str) -> Value {
    base_message(id, channel, author.clone(), content)
}

/// A message in a server channel or thread, with the author's role ids.
pub fn guild_message(
    id: &str,
    channel: &str,
    author: &Value,
    roles: &[&str],
    content: &str,
) -> Value {
    let mut m = base_message(id, channel, author.clone(), content);
    m["guild_id"] = json!(GUILD);
    m["member"] = json!({
        "roles": roles, "joined_at": TIMESTAMP, "deaf": false, "mute": false, "flags": 0
    });
    m
}

/// Adds a file attachment to a message fixture.
pub fn with_attachment(mut m: Value, id: &str, filename: &str, url: &str) -> Value {
    m["attachments"] = json!([{
        "id": id, "filename": filename, "size": 1234, "url": url, "proxy_url": url,
        "content_type": "image/png", "height": 10, "width": 10
    }]);
    m
}

/// A MESSAGE_UPDATE for an edit: message `id` in `channel` now says `content`, edited at
/// `edited` (RFC 3339). In a server, the author's role ids ride along.
pub fn message_update(
    id: &str,
    channel: &str,
    author: &Value,
    guild_roles: Option<&[&str]>,
    content: &str,
    edited: &str,
) -> Value {
    let mut m = base_message(id, channel, author.clone(), content);
    m["edited_timestamp"] = json!(edited);
    if let Some(roles) = guild_roles {
        m["guild_id"] = json!(GUILD);
        m["member"] = json!({
            "roles": roles, "joined_at": TIMESTAMP, "deaf": false, "mute": false, "flags": 0
        });
    }
    m
}

/// Turns a message fixture into a sticker-only message.
pub fn with_sticker(mut m: Value) -> Value {
    m["content"] = json!("");
    m["sticker_items"] = json!([{"id": "7400", "name": "wave", "format_type": 1}]);
    m
}

/// A thread channel as REST returns it.
pub fn thread(id: &str, parent: &str, name: &str, kind: u64, archived: bool) -> Value {
    json!({
        "id": id, "type": kind, "guild_id": GUILD, "parent_id": parent, "name": name,
        "owner_id": BOT_ID, "message_count": 0, "member_count": 1, "rate_limit_per_user": 0,
        "thread_metadata": {"archived": archived, "auto_archive_duration": 10080,
            "archive_timestamp": TIMESTAMP, "locked": false},
        "position": 0, "permission_overwrites": [], "nsfw": false
    })
}

fn text_channel(id: &str) -> Value {
    json!({"id": id, "type": 0, "guild_id": GUILD, "name": "general", "position": 0,
        "permission_overwrites": [], "nsfw": false})
}

/// Where an interaction happens: a DM channel, or a server channel/thread.
#[derive(Clone, Copy)]
pub enum Where<'a> {
    /// A DM channel.
    Dm(&'a str),
    /// A top-level server channel.
    Channel(&'a str),
    /// A thread (`id`, `parent`).
    Thread(&'a str, &'a str),
}

fn interaction(
    id: &str,
    token: &str,
    kind: u8,
    at: Where<'_>,
    who: &Value,
    roles: &[&str],
) -> Value {
    let mut v = json!({
        "id": id, "application_id": BOT_ID, "type": kind, "token": token, "version": 1,
        "locale": "en-US", "app_permissions": "0", "attachment_size_limit": 10485760,
        "entitlements": [], "authorizing_integration_owners": {}
    });
    let (channel, partial) = match at {
        Where::Dm(c) => (c, json!({"id": c, "type": 1})),
        Where::Channel(c) => (c, json!({"id": c, "type": 0, "name": "support"})),
        Where::Thread(c, p) => (c, json!({"id": c, "type": 12, "name": "t", "parent_id": p})),
    };
    v["channel_id"] = json!(channel);
    v["channel"] = partial;
    match at {
        Where::Dm(_) => {
            v["user"] = who.clone();
            v["context"] = json!(1);
        }
        _ => {
            v["guild_id"] = json!(GUILD);
            v["guild_locale"] = json!("en-US");
            v["context"] = json!(0);
            v["member"] = json!({
                "user": who, "roles": roles, "joined_at": TIMESTAMP, "deaf": false,
                "mute": false, "flags": 0, "permissions": "0"
            });
        }
    }
    v
}

/// A slash-command invocation; `options` like `[{"name":"ticket","type":4,"value":42}]`.
#[allow(clippy::too_many_arguments)]
pub fn slash(
    id: &str,
    token: &str,
    at: Where<'_>,
    who: &Value,
    roles: &[&str],
    name: &str,
    options: Value,
) -> Value {
    let mut v = interaction(id, token, 2, at, who, roles);
    v["data"] = json!({"id": "8000", "name": name, "type": 1, "options": options});
    v
}

/// A button press on a message the bot sent.
pub fn click(
    id: &str,
    token: &str,
    at: Where<'_>,
    who: &Value,
    roles: &[&str],
    custom_id: &str,
) -> Value {
    let mut v = interaction(id, token, 3, at, who, roles);
    let channel = v["channel_id"].as_str().unwrap().to_string();
    v["message"] = bot_message("1", &channel, "a message with buttons");
    v["data"] = json!({"custom_id": custom_id, "component_type": 2});
    v
}

/// `GET /guilds/{id}`: the guild object as Discord sends it (without counts; the roles are
/// served by their own route).
pub fn guild(id: &str, preferred_locale: &str) -> Value {
    json!({
        "id": id, "name": "Acme", "icon": null, "icon_hash": null, "splash": null,
        "discovery_splash": null, "owner_id": "9000", "afk_channel_id": null, "afk_timeout": 300,
        "widget_enabled": false, "widget_channel_id": null, "verification_level": 1,
        "default_message_notifications": 1, "explicit_content_filter": 2, "roles": [],
        "emojis": [], "features": [], "mfa_level": 0, "application_id": null,
        "system_channel_id": null, "system_channel_flags": 0, "rules_channel_id": null,
        "max_presences": null, "max_members": 500000, "vanity_url_code": null,
        "description": null, "banner": null, "premium_tier": 0,
        "premium_subscription_count": 0, "preferred_locale": preferred_locale,
        "public_updates_channel_id": null, "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50, "nsfw_level": 0, "stickers": [],
        "premium_progress_bar_enabled": false, "safety_alerts_channel_id": null
    })
}

/// A multipart body (serenity sends one when a message carries files): its `payload_json`
/// part, with `files` listing each uploaded file's name and whether it is a PNG.
fn multipart(body: &[u8]) -> Value {
    let text = String::from_utf8_lossy(body);
    let Some(boundary) = text.lines().next().filter(|l| l.starts_with("--")) else {
        return Value::Null;
    };
    let mut payload = Value::Null;
    let mut files = Vec::new();
    for part in text.split(boundary.trim_end()) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        if head.contains("name=\"payload_json\"") {
            payload = serde_json::from_str(value.trim_end_matches("\r\n")).unwrap_or(Value::Null);
        } else if let Some(name) = head
            .split("filename=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
        {
            files.push(json!({"filename": name, "png": value.contains("PNG\r\n")}));
        }
    }
    if let Value::Object(m) = &mut payload {
        m.insert("files".into(), Value::Array(files));
    }
    payload
}

#[cfg(test)]
mod fixture_checks {
    use super::*;
    use serenity::all::{Event, GatewayEvent, GuildChannel, Interaction, Message, Ready};

    fn dispatch_parses(t: &str, d: &Value) {
        let frame = json!({"op": 0, "s": 1, "t": t, "d": d});
        let ev: GatewayEvent = serde_json::from_value(frame).expect("gateway frame");
        match ev {
            GatewayEvent::Dispatch(_, Event::Unknown(u)) => {
                panic!("serenity would drop this {t}: {:?}", u)
            }
            GatewayEvent::Dispatch(..) => {}
            other => panic!("not a dispatch: {other:?}"),
        }
    }

    #[test]
    fn every_fixture_deserialises_with_serenity() {
        let alice = user("5000", "alice", false);
        let g = serde_json::from_value::<serenity::all::PartialGuild>(guild(GUILD, "hu"))
            .expect("PartialGuild");
        assert_eq!(g.preferred_locale, "hu");
        serde_json::from_value::<Ready>(ready(1)).expect("READY");
        dispatch_parses("READY", &ready(1));
        dispatch_parses("RESUMED", &json!({}));
        let msgs = [
            dm("2000", "3000", &alice, "hi"),
            guild_message("2001", "3001", &alice, &["777"], "hello"),
            with_attachment(
                dm("2002", "3000", &alice, ""),
                "1",
                "a.png",
                "https://cdn/a.png",
            ),
            bot_message("2003", "3000", "bot"),
        ];
        for m in &msgs {
            serde_json::from_value::<Message>(m.clone()).expect("Message");
            dispatch_parses("MESSAGE_CREATE", m);
        }
        let sticker = with_sticker(dm("2004", "3000", &alice, "x"));
        let parsed = serde_json::from_value::<Message>(sticker.clone()).expect("sticker Message");
        assert_eq!(parsed.sticker_items.len(), 1);
        dispatch_parses("MESSAGE_CREATE", &sticker);
        for edit in [
            message_update("2000", "3000", &alice, None, "hi!", TIMESTAMP),
            message_update("2001", "3001", &alice, Some(&["777"]), "hello!", TIMESTAMP),
        ] {
            let frame = json!({"op": 0, "s": 1, "t": "MESSAGE_UPDATE", "d": edit});
            match serde_json::from_value::<GatewayEvent>(frame).expect("gateway frame") {
                GatewayEvent::Dispatch(_, Event::MessageUpdate(u)) => {
                    assert!(u.author.is_some() && u.content.is_some());
                    assert!(u.edited_timestamp.is_some());
                }
                other => panic!("not a MESSAGE_UPDATE: {other:?}"),
            }
        }
        let dm_channel = json!({"id": "3999", "type": 1, "last_message_id": null,
            "recipients": [user("5100", "ann", false)]});
        serde_json::from_value::<serenity::all::PrivateChannel>(dm_channel).expect("DM channel");
        let ints = [
            slash(
                "7000",
                "tok",
                Where::Dm("3000"),
                &alice,
                &[],
                "faq",
                json!([{"name": "query", "type": 3, "value": "reset password"}]),
            ),
            slash(
                "7001",
                "tok",
                Where::Thread("3100", "3200"),
                &alice,
                &["777"],
                "claim",
                json!([]),
            ),
            slash(
                "7002",
                "tok",
                Where::Channel("3300"),
                &alice,
                &[],
                "panel",
                json!([]),
            ),
            click("7003", "tok", Where::Dm("3000"), &alice, &[], "fn:1"),
            click(
                "7004",
                "tok",
                Where::Thread("3100", "3200"),
                &alice,
                &["777"],
                "cl:1",
            ),
        ];
        for i in &ints {
            let parsed = serde_json::from_value::<Interaction>(i.clone()).expect("Interaction");
            assert!(matches!(
                parsed,
                Interaction::Command(_) | Interaction::Component(_)
            ));
            dispatch_parses("INTERACTION_CREATE", i);
        }
        if let Interaction::Command(c) =
            serde_json::from_value::<Interaction>(ints[1].clone()).unwrap()
        {
            assert_eq!(c.channel.unwrap().parent_id.unwrap().get(), 3200);
            assert_eq!(c.member.unwrap().roles[0].get(), 777);
        } else {
            panic!("slash fixture is not a command");
        }
        for t in [thread("1", "2", "n", 12, false), text_channel("3")] {
            serde_json::from_value::<GuildChannel>(t).expect("GuildChannel");
        }
    }
}

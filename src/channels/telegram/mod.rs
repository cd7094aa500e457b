//! Telegram adapter (teloxide): long polling (or a webhook), translation of updates into desk
//! events, and an outlet for desk actions. The `getUpdates` offset is committed only after
//! the desk has stored an update, so a crash loses nothing and a replay duplicates nothing.

mod admins;
pub mod doctor;
mod files;
mod format;
mod limits;
mod outlet;
mod translate;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, BotCommand, BotCommandScope, Recipient, Update};
use tokio::sync::watch;

pub use format::{escape_html, render_chunks, split_text};
pub use outlet::TelegramOutlet;
pub use translate::inbound;

use crate::channels::{Outlet, Router};
use crate::domain::command::{CommandInfo, STAFF_COMMANDS, USER_COMMANDS};
use crate::domain::desk::Desk;
use crate::domain::directory::TELEGRAM_GROUP_ADMIN;
use crate::domain::event::Space;
use crate::domain::i18n::Lang;
use crate::domain::ids::Platform;
use crate::domain::ports::{StoreError, TicketStore};
use crate::tr;

/// State key of the next `getUpdates` offset.
pub const OFFSET_KEY: &str = "telegram.offset";

/// `[telegram]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    /// Run the Telegram adapter when `TELEGRAM_TOKEN` is set.
    pub enabled: bool,
    /// Bot API base URL; change it for a self-hosted Bot API server.
    pub api_url: String,
    /// The staff supergroup where agents work; required to hand tickets to people.
    #[serde(default)]
    pub staff_chat_id: Option<i64>,
    /// One forum topic per ticket; when false, one reply thread per ticket.
    pub forum_topics: bool,
    /// Seconds a `getUpdates` long poll waits.
    pub poll_timeout_secs: u32,
    /// Outgoing rate limits (Telegram's defaults; raise them only if Telegram raised yours).
    pub limits: RateLimits,
    /// Receive updates by webhook instead of long polling.
    pub webhook: Option<WebhookConfig>,
}

/// `[telegram.limits]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    /// Messages per second across all chats.
    pub overall_per_sec: u32,
    /// Messages per second into one chat.
    pub chat_per_sec: u32,
    /// Messages per minute into one chat.
    pub chat_per_min: u32,
    /// Messages per minute into one group or channel.
    pub group_per_min: u32,
}

/// `[telegram.webhook]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Public HTTPS URL Telegram posts to (behind your reverse proxy).
    pub url: String,
    /// Local address the webhook listener binds.
    pub bind: String,
}

/// The Telegram intake loop. Cloning it is cheap; a clone may run again after a run ended
/// (an elected instance polls only while it holds the role).
#[derive(Clone)]
pub struct TelegramChannel {
    bot: Bot,
    cfg: TelegramConfig,
    store: Arc<dyn TicketStore>,
    group_admins: Option<Arc<admins::GroupAdmins>>,
    ready: Option<Arc<crate::readiness::Part>>,
}

impl TelegramChannel {
    /// Builds the channel and its outlet.
    pub fn new(
        cfg: &TelegramConfig,
        token: &str,
        store: Arc<dyn TicketStore>,
    ) -> Result<(TelegramChannel, Arc<dyn Outlet>)> {
        let url = url::Url::parse(&cfg.api_url)
            .with_context(|| format!("telegram.api_url `{}` is not a URL", cfg.api_url))?;
        let bot = Bot::new(token).set_api_url(url);
        // The outlet keeps within Telegram's limits (per chat and overall) itself; each lane
        // waits for its own chat only, and a 429 makes that lane wait its `retry_after`.
        let outlet = Arc::new(TelegramOutlet::new(bot.clone(), cfg.clone(), store.clone()));
        Ok((
            TelegramChannel {
                bot,
                cfg: cfg.clone(),
                store,
                group_admins: None,
                ready: None,
            },
            outlet,
        ))
    }

    /// Fetches the files customers and agents sent on Telegram, for the dashboard's links.
    pub fn files(&self) -> Arc<dyn crate::web::FileSource> {
        Arc::new(files::TelegramFiles::new(self.bot.clone()))
    }

    /// Reports to `ready` once updates flow: after the first answered `getUpdates`, or once
    /// the webhook is set and its listener bound.
    pub fn with_ready(mut self, ready: Arc<crate::readiness::Part>) -> TelegramChannel {
        self.ready = Some(ready);
        self
    }

    /// Marks administrators of the staff group so that the desk can treat them as staff
    /// (`staff.telegram_group_admins`). Without a staff group there is nobody to mark.
    pub fn with_group_admins(mut self, on: bool) -> TelegramChannel {
        self.group_admins = self
            .cfg
            .staff_chat_id
            .filter(|_| on)
            .map(|chat| Arc::new(admins::GroupAdmins::new(chat)));
        self
    }

    /// Registers the command menus: user commands in private chats, staff commands in the
    /// staff group; once without a language (English, for everyone else) and once per
    /// `language_code` the bot has a catalog for, so a Chinese or Hungarian client shows its own.
    pub async fn register_commands(&self) -> Result<()> {
        let to_cmds = |list: &[CommandInfo], lang: Lang| -> Vec<BotCommand> {
            list.iter()
                .map(|c| BotCommand::new(c.name, tr!(lang, c.desc)))
                .collect()
        };
        for lang in Lang::ALL {
            // Telegram's language codes are two-letter ISO 639-1; English is the default menu.
            let code = (lang != Lang::En).then(|| lang.code().to_string());
            let mut private = self
                .bot
                .set_my_commands(to_cmds(USER_COMMANDS, lang))
                .scope(BotCommandScope::AllPrivateChats);
            if let Some(c) = &code {
                private = private.language_code(c.clone());
            }
            private
                .await
                .with_context(|| format!("setMyCommands (private chats, {lang}) failed"))?;
            if let Some(staff) = self.cfg.staff_chat_id {
                let mut group = self
                    .bot
                    .set_my_commands(to_cmds(STAFF_COMMANDS, lang))
                    .scope(BotCommandScope::Chat {
                        chat_id: Recipient::Id(ChatId(staff)),
                    });
                if let Some(c) = code {
                    group = group.language_code(c);
                }
                group
                    .await
                    .with_context(|| format!("setMyCommands (staff group, {lang}) failed"))?;
            }
        }
        Ok(())
    }

    /// Runs until `shutdown` flips: registers commands, then polls (or serves the webhook).
    pub async fn run(
        self,
        desk: Arc<Desk>,
        router: Arc<Router>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<()> {
        if let Err(e) = self.register_commands().await {
            tracing::warn!(error = %format!("{e:#}"), "could not register Telegram command menus");
        }
        match self.cfg.webhook.clone() {
            Some(hook) => webhook::serve(self, hook, desk, router, shutdown).await,
            None => self.poll(desk, router, shutdown).await,
        }
    }

    /// Hands one update to the desk and its decided actions to the lanes. `Err` means the
    /// store is unreachable: the update was not handled and must be processed again.
    pub async fn process(
        &self,
        update: &Update,
        desk: &Desk,
        router: &Router,
    ) -> Result<(), StoreError> {
        if let Some(mut inb) = inbound(update, self.cfg.staff_chat_id) {
            if let Some(admins) = self
                .group_admins
                .as_ref()
                .filter(|_| inb.space == Space::Staff)
                && let Ok(id) = inb.from.id.parse::<u64>()
                && admins.contains(&self.bot, id).await
            {
                inb.roles.push(TELEGRAM_GROUP_ADMIN.to_string());
            }
            let planned = desk.decide(inb).await?;
            router.dispatch(Platform::Telegram, planned);
        }
        Ok(())
    }

    /// Processes a batch: conversations concurrently, each one's updates in order. Returns the
    /// id of the first update not handled (the store went away), if any.
    async fn process_batch(&self, updates: &[Update], desk: &Desk, router: &Router) -> Option<i32> {
        let mut lanes: Vec<(String, Vec<&Update>)> = Vec::new();
        for u in updates {
            let key = conversation_key(u);
            match lanes.iter_mut().find(|(k, _)| *k == key) {
                Some((_, list)) => list.push(u),
                None => lanes.push((key, vec![u])),
            }
        }
        let runs = lanes.iter().map(|(_, list)| async move {
            for u in list {
                if let Err(e) = self.process(u, desk, router).await {
                    tracing::warn!(error = %e, update = u.id.0, "store unavailable; the update will be processed again");
                    return Some(u.id.0 as i32);
                }
            }
            None
        });
        futures::future::join_all(runs)
            .await
            .into_iter()
            .flatten()
            .min()
    }

    async fn poll(
        self,
        desk: Arc<Desk>,
        router: Arc<Router>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<()> {
        // A webhook left over from another deployment would make getUpdates fail.
        if let Err(e) = self.bot.delete_webhook().await {
            tracing::warn!(error = %e, "deleteWebhook failed");
        }
        let mut offset: i32 = loop {
            match self.store.get_state(OFFSET_KEY).await {
                Ok(Some(v)) => {
                    break v
                        .parse()
                        .with_context(|| format!("stored {OFFSET_KEY} `{v}` is not a number"))?;
                }
                Ok(None) => break 0,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the Telegram offset; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        _ = shutdown.changed() => return Ok(()),
                    }
                }
            }
        };
        let allowed = vec![
            AllowedUpdate::Message,
            AllowedUpdate::EditedMessage,
            AllowedUpdate::CallbackQuery,
        ];
        let mut outage = Duration::ZERO;
        while !*shutdown.borrow() {
            let req = self
                .bot
                .get_updates()
                .offset(offset)
                .timeout(self.cfg.poll_timeout_secs)
                .allowed_updates(allowed.clone());
            let updates = tokio::select! {
                r = req.send() => r,
                _ = shutdown.changed() => break,
            };
            let updates = match updates {
                Ok(u) => {
                    if let Some(ready) = &self.ready {
                        ready.ready();
                    }
                    u
                }
                Err(e) => {
                    let wait = match &e {
                        teloxide::RequestError::RetryAfter(s) => s.duration(),
                        _ => Duration::from_secs(2),
                    };
                    tracing::warn!(error = %e, ?wait, "getUpdates failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => continue,
                        _ = shutdown.changed() => break,
                    }
                }
            };
            let Some(last) = updates.last().map(|u| u.id.0 as i32) else {
                continue;
            };
            // Finish the batch in hand even if shutdown was requested meanwhile.
            let next = match self.process_batch(&updates, &desk, &router).await {
                None => {
                    outage = Duration::ZERO;
                    last + 1
                }
                Some(failed) => {
                    // Updates handled before it come again and are skipped as duplicates.
                    outage = (outage * 2).clamp(Duration::from_millis(250), Duration::from_secs(5));
                    tokio::select! {
                        _ = tokio::time::sleep(outage) => {}
                        _ = shutdown.changed() => {}
                    }
                    failed
                }
            };
            if next != offset {
                offset = next;
                if let Err(e) = self
                    .store
                    .set_state(OFFSET_KEY, Some(&offset.to_string()))
                    .await
                {
                    // Telegram keeps the offset too; a restart before it is stored only
                    // fetches updates that are then skipped as duplicates.
                    tracing::warn!(error = %e, "cannot store the Telegram offset");
                }
            }
        }
        tracing::info!("Telegram polling stopped");
        Ok(())
    }
}

/// The conversation an update belongs to: its chat and topic (or the callback's message's).
fn conversation_key(u: &Update) -> String {
    use teloxide::types::UpdateKind;
    let msg = match &u.kind {
        UpdateKind::Message(m) | UpdateKind::EditedMessage(m) => Some(m),
        UpdateKind::CallbackQuery(q) => q.regular_message(),
        _ => None,
    };
    match msg {
        Some(m) => format!("{}:{:?}", m.chat.id.0, m.thread_id.map(|t| t.0.0)),
        None => match u.from() {
            Some(user) => format!("user:{}", user.id.0),
            None => format!("update:{}", u.id.0),
        },
    }
}

mod webhook {
    //! Webhook intake: Telegram posts updates to an axum route; the handler answers only after
    //! the desk stored the update, so Telegram redelivers anything not yet stored.

    use std::sync::Arc;

    use anyhow::{Context, Result};
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    use teloxide::prelude::*;
    use teloxide::types::Update;
    use tokio::sync::{Mutex, watch};

    use super::{TelegramChannel, WebhookConfig};
    use crate::channels::Router;
    use crate::domain::desk::Desk;

    struct Shared {
        channel: TelegramChannel,
        desk: Arc<Desk>,
        router: Arc<Router>,
        secret: String,
        // Updates are handled one at a time, in order, as with polling.
        lock: Mutex<()>,
    }

    pub(super) async fn serve(
        channel: TelegramChannel,
        hook: WebhookConfig,
        desk: Arc<Desk>,
        router: Arc<Router>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<()> {
        let url = url::Url::parse(&hook.url)
            .with_context(|| format!("telegram.webhook.url `{}` is not a URL", hook.url))?;
        let secret = format!("{:x}", rand_secret());
        channel
            .bot
            .set_webhook(url)
            .secret_token(secret.clone())
            .await
            .context("setWebhook failed")?;
        let ready = channel.ready.clone();
        let shared = Arc::new(Shared {
            channel,
            desk,
            router,
            secret,
            lock: Mutex::new(()),
        });
        let app = axum::Router::new()
            .route("/", post(receive))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind(&hook.bind)
            .await
            .with_context(|| format!("cannot listen on telegram.webhook.bind {}", hook.bind))?;
        if let Some(ready) = &ready {
            ready.ready();
        }
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = shutdown.changed().await;
            })
            .await?;
        Ok(())
    }

    async fn receive(State(s): State<Arc<Shared>>, headers: HeaderMap, body: String) -> StatusCode {
        let token = headers
            .get("x-telegram-bot-api-secret-token")
            .and_then(|v| v.to_str().ok());
        if token != Some(s.secret.as_str()) {
            return StatusCode::UNAUTHORIZED;
        }
        let update: Update = match serde_json::from_str(&body) {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!(error = %e, "unparseable webhook update ignored");
                return StatusCode::OK;
            }
        };
        let _turn = s.lock.lock().await;
        match s.channel.process(&update, &s.desk, &s.router).await {
            Ok(()) => StatusCode::OK,
            // Telegram sends the update again later; nothing is lost while the store is down.
            Err(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn rand_secret() -> u128 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        let a = h.finish();
        let mut h2 = std::collections::hash_map::RandomState::new().build_hasher();
        h2.write_u64(a);
        (u128::from(a) << 64) | u128::from(h2.finish())
    }
}

//! Telegram adapter (teloxide): long polling (or a webhook), translation of updates into desk
//! events, and an outlet for desk actions. The `getUpdates` offset is committed only after
//! the desk has stored an update, so a crash loses nothing and a replay duplicates nothing.

mod admins;
mod format;
mod outlet;
mod translate;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::Limits;
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
use crate::domain::ports::TicketStore;
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

/// The Telegram intake loop.
pub struct TelegramChannel {
    bot: Bot,
    cfg: TelegramConfig,
    store: Arc<dyn TicketStore>,
    group_admins: Option<admins::GroupAdmins>,
}

impl TelegramChannel {
    /// Builds the channel and its outlet. Must run inside a tokio runtime (the throttle
    /// worker is spawned here).
    pub fn new(
        cfg: &TelegramConfig,
        token: &str,
        store: Arc<dyn TicketStore>,
    ) -> Result<(TelegramChannel, Arc<dyn Outlet>)> {
        let url = url::Url::parse(&cfg.api_url)
            .with_context(|| format!("telegram.api_url `{}` is not a URL", cfg.api_url))?;
        let bot = Bot::new(token).set_api_url(url);
        // Throttle keeps within Telegram's limits (30/s overall, ~1/s per chat) and retries
        // after a 429 once `retry_after` has passed.
        let l = &cfg.limits;
        let limits = Limits {
            messages_per_sec_overall: l.overall_per_sec,
            messages_per_sec_chat: l.chat_per_sec,
            messages_per_min_chat: l.chat_per_min,
            messages_per_min_channel_or_supergroup: l.group_per_min,
        };
        let throttled: Throttle<Bot> = bot.clone().throttle(limits);
        let outlet = Arc::new(TelegramOutlet::new(throttled, cfg.clone(), store.clone()));
        Ok((
            TelegramChannel {
                bot,
                cfg: cfg.clone(),
                store,
                group_admins: None,
            },
            outlet,
        ))
    }

    /// Marks administrators of the staff group so that the desk can treat them as staff
    /// (`staff.telegram_group_admins`). Without a staff group there is nobody to mark.
    pub fn with_group_admins(mut self, on: bool) -> TelegramChannel {
        self.group_admins = self
            .cfg
            .staff_chat_id
            .filter(|_| on)
            .map(admins::GroupAdmins::new);
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

    /// Hands one update to the desk and carries out its actions.
    pub async fn process(&self, update: &Update, desk: &Desk, router: &Router) {
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
            let actions = desk.handle(inb).await;
            router.dispatch(Platform::Telegram, &actions).await;
        }
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
        let mut offset: i32 = match self.store.get_state(OFFSET_KEY).await? {
            Some(v) => v
                .parse()
                .with_context(|| format!("stored {OFFSET_KEY} `{v}` is not a number"))?,
            None => 0,
        };
        let allowed = vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery];
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
                Ok(u) => u,
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
            for update in updates {
                // Finish the update in hand even if shutdown was requested meanwhile.
                self.process(&update, &desk, &router).await;
                offset = update.id.0 as i32 + 1;
                self.store
                    .set_state(OFFSET_KEY, Some(&offset.to_string()))
                    .await?;
            }
        }
        tracing::info!("Telegram polling stopped");
        Ok(())
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
        s.channel.process(&update, &s.desk, &s.router).await;
        StatusCode::OK
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

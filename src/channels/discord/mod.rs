//! Discord adapter (serenity): customers write by DM or in support channels, agents work in
//! private threads of a staff channel. Payloads become `Inbound`s for the desk; the desk's
//! `Outbound`s become messages, thread edits and interaction responses.

mod arrival;
mod backfill;
mod commands;
mod content;
pub mod doctor;
mod edits;
mod egress;
mod guild_locale;
mod intake;
mod interactions;
mod outlet;
pub mod perms;
mod private;
mod threads;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use serde::{Deserialize, Serialize};
use serenity::all::{ChannelId, ClientBuilder, GatewayIntents, GuildId, Http, InteractionId};
use tokio::sync::{mpsc, watch};

use crate::channels::{Outlet, Router};
use crate::domain::desk::Desk;
use crate::domain::ports::TicketStore;

pub use commands::names as command_names;
pub use commands::to_text as command_text;
pub use content::{MAX_LEN, neutralise, split};
pub use intake::message_inbounds;

/// `[discord]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordConfig {
    /// Run the Discord adapter when `DISCORD_TOKEN` is set.
    pub enabled: bool,
    /// Channel whose private threads hold one ticket each; agents work there.
    #[serde(default, deserialize_with = "crate::domain::id_text::opt")]
    pub staff_channel_id: Option<String>,
    /// Server channels where customers may write; each customer is moved to a private thread.
    #[serde(default, deserialize_with = "crate::domain::id_text::list")]
    pub support_channel_ids: Vec<String>,
    /// Register slash commands in these servers only (instant); empty registers them globally.
    #[serde(default, deserialize_with = "crate::domain::id_text::list")]
    pub command_guild_ids: Vec<String>,
    /// Register slash commands at startup.
    #[serde(default = "yes")]
    pub register_commands: bool,
    /// Staff threads are private (agents need Manage Threads to see them); `false` makes them
    /// public threads, for a staff channel that is already restricted to agents.
    #[serde(default = "yes")]
    pub private_staff_threads: bool,
    /// Thread renames allowed per window (Discord allows 2 per 10 minutes); extra renames are
    /// coalesced and the latest title applied when the window allows.
    #[serde(default = "default_rename_limit")]
    pub rename_limit: u32,
    /// Length of the rename window in seconds.
    #[serde(default = "default_rename_window")]
    pub rename_window_secs: u64,
    /// Base URL replacing `https://discord.com` for REST and gateway discovery. For tests and
    /// self-hosted gateways only; it disables serenity's rate limiter, which ignores proxies.
    #[serde(default)]
    pub api_proxy: Option<String>,
    /// HTTP CONNECT proxy (`http://host:port`) for all HTTPS traffic to Discord's REST API;
    /// serenity's rate limiter stays on.
    #[serde(default)]
    pub https_proxy: Option<String>,
    /// Extra trusted root certificates (PEM), e.g. the CA of an inspecting egress proxy.
    #[serde(default)]
    pub ca_file: Option<std::path::PathBuf>,
}

fn yes() -> bool {
    true
}

fn default_rename_limit() -> u32 {
    2
}

fn default_rename_window() -> u64 {
    600
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            enabled: true,
            staff_channel_id: None,
            support_channel_ids: Vec::new(),
            command_guild_ids: Vec::new(),
            register_commands: true,
            private_staff_threads: true,
            rename_limit: default_rename_limit(),
            rename_window_secs: default_rename_window(),
            api_proxy: None,
            https_proxy: None,
            ca_file: None,
        }
    }
}

fn snowflake(what: &str, s: &str) -> Result<u64> {
    match s.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => bail!("discord.{what}: `{s}` is not a Discord id (a number like 1100000000000000001)"),
    }
}

/// An interaction awaiting its (single) response.
#[derive(Debug, Clone, Copy)]
struct PendingInteraction {
    /// Where it was invoked, for a plain message if the response window has passed.
    channel: ChannelId,
    /// A button press (acknowledged with a deferred update) rather than a slash command.
    component: bool,
    /// The first response was sent; further messages are follow-ups.
    responded: bool,
    /// When it arrived, for forgetting old ones.
    received: std::time::Instant,
}

/// State shared by the intake loop and the outlet.
struct Shared {
    http: Arc<Http>,
    store: Arc<dyn TicketStore>,
    staff_channel: Option<ChannelId>,
    support_channels: HashSet<ChannelId>,
    private_staff_threads: bool,
    /// Thread → parent channel (`None`: not a thread); filled on creation or by lookup.
    parents: std::sync::Mutex<HashMap<ChannelId, Option<ChannelId>>>,
    interactions: std::sync::Mutex<HashMap<InteractionId, PendingInteraction>>,
    renamer: Arc<threads::Renamer>,
    /// Set while Discord has rate limited the whole bot (a global 429).
    global_limit: Arc<egress::GlobalHold>,
    /// Staff threads made whose binding could not be stored yet (the store was down).
    unbound: std::sync::Mutex<
        HashMap<crate::domain::ids::TicketId, crate::domain::ids::ConversationRef>,
    >,
    /// Each server's preferred locale, for members who tell nothing else.
    guild_locales: guild_locale::GuildLocales,
}

impl Shared {
    fn remember_parent(&self, thread: ChannelId, parent: Option<ChannelId>) {
        self.parents
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(thread, parent);
    }

    fn interaction(&self, id: InteractionId) -> Option<PendingInteraction> {
        self.interactions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .copied()
    }

    fn mark_responded(&self, id: InteractionId) {
        if let Some(p) = self
            .interactions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&id)
        {
            p.responded = true;
        }
    }
}

/// The Discord connection: build it with [`DiscordChannel::new`], register the returned outlet
/// with the router, then [`DiscordChannel::run`] it. A clone may run again after a run ended
/// (an elected instance holds the gateway only while it holds the role).
#[derive(Clone)]
pub struct DiscordChannel {
    shared: Arc<Shared>,
    token: String,
    egress: egress::Egress,
    command_guilds: Vec<GuildId>,
    register_commands: bool,
    ready: Option<Arc<crate::readiness::Part>>,
}

impl std::fmt::Debug for DiscordChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordChannel")
            .field("staff_channel", &self.shared.staff_channel)
            .field("support_channels", &self.shared.support_channels)
            .finish_non_exhaustive()
    }
}

/// The gateway intents the adapter needs: guild messages, DMs and their content.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
}

impl DiscordChannel {
    /// Validates the config and builds the adapter and its outlet. Does not connect.
    pub fn new(
        cfg: &DiscordConfig,
        token: &str,
        store: Arc<dyn TicketStore>,
    ) -> Result<(DiscordChannel, Arc<dyn Outlet>)> {
        if token.trim().is_empty() {
            bail!("DISCORD_TOKEN is empty");
        }
        let staff_channel = cfg
            .staff_channel_id
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| snowflake("staff_channel_id", s).map(ChannelId::new))
            .transpose()?;
        let support_channels = cfg
            .support_channel_ids
            .iter()
            .map(|s| snowflake("support_channel_ids", s).map(ChannelId::new))
            .collect::<Result<HashSet<_>>>()?;
        let command_guilds = cfg
            .command_guild_ids
            .iter()
            .map(|s| snowflake("command_guild_ids", s).map(GuildId::new))
            .collect::<Result<Vec<_>>>()?;
        if cfg.rename_limit == 0 {
            bail!("discord.rename_limit must be at least 1");
        }
        let egress = egress::Egress::new(
            cfg.api_proxy.as_deref(),
            cfg.https_proxy.as_deref(),
            cfg.ca_file.as_deref(),
        )?;
        let http = Arc::new(egress.http(token));
        let renamer = Arc::new(threads::Renamer::new(
            Arc::clone(&http),
            cfg.rename_limit as usize,
            Duration::from_secs(cfg.rename_window_secs),
        ));
        let shared = Arc::new(Shared {
            http,
            store,
            staff_channel,
            support_channels,
            private_staff_threads: cfg.private_staff_threads,
            parents: Default::default(),
            interactions: Default::default(),
            renamer,
            global_limit: egress.global(),
            unbound: Default::default(),
            guild_locales: Default::default(),
        });
        let outlet: Arc<dyn Outlet> = Arc::new(outlet::DiscordOutlet::new(Arc::clone(&shared)));
        Ok((
            DiscordChannel {
                shared,
                token: token.to_string(),
                egress,
                command_guilds,
                register_commands: cfg.register_commands,
                ready: None,
            },
            outlet,
        ))
    }

    /// Reports to `ready` when the gateway sends READY.
    pub fn with_ready(mut self, ready: Arc<crate::readiness::Part>) -> DiscordChannel {
        self.ready = Some(ready);
        self
    }

    /// Connects (with as many shards as the gateway recommends) and feeds every event to the
    /// desk, one at a time per channel in Discord's order, until `shutdown` turns true or the gateway fails.
    pub async fn run(
        self,
        desk: Arc<Desk>,
        router: Arc<Router>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<()> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let http = self.egress.http(&self.token);
        let mut client = ClientBuilder::new_with_http(http, intents())
            .event_handler(intake::Handler::new(tx))
            .await
            .context("cannot build the Discord client")?;
        let shards = Arc::clone(&client.shard_manager);
        let mut gateway = tokio::spawn(async move { client.start_autosharded().await });
        let intake = Arc::new(intake::Intake::new(
            Arc::clone(&self.shared),
            desk,
            router,
            self.command_guilds.clone(),
            self.register_commands,
        ));
        let channels = {
            let intake = Arc::clone(&intake);
            crate::channels::serial::PerKey::new(move |event| {
                let intake = Arc::clone(&intake);
                async move { intake.handle(event).await }
            })
        };
        if !*shutdown.borrow() {
            loop {
                tokio::select! {
                    event = rx.recv() => match event {
                        Some(first) => for event in arrival::settle(first, &mut rx).await {
                            // A new session (not a RESUME) missed whatever came meanwhile.
                            if matches!(event, intake::Event::Ready(_)) {
                                if let Some(ready) = &self.ready {
                                    ready.ready();
                                }
                                let (shared, channels) = (Arc::clone(&self.shared), Arc::clone(&channels));
                                tokio::spawn(async move {
                                    match backfill::missed(&shared).await {
                                        Ok(missed) => {
                                            tracing::info!(messages = missed.len(), "discord: catching up");
                                            for m in missed {
                                                let event = intake::Event::Message(Box::new(m));
                                                channels.submit(event.channel_key(), event);
                                            }
                                        }
                                        Err(e) => tracing::warn!(error = %format!("{e:#}"), "discord: cannot catch up"),
                                    }
                                });
                            }
                            channels.submit(event.channel_key(), event)
                        },
                        None => break,
                    },
                    changed = shutdown.changed() => {
                        if changed.is_err() || *shutdown.borrow() {
                            break;
                        }
                    }
                    ended = &mut gateway => {
                        return match ended {
                            Ok(Ok(())) => Ok(()),
                            Ok(Err(e)) => Err(anyhow::Error::new(e).context("Discord gateway stopped")),
                            Err(e) => Err(anyhow::Error::new(e).context("Discord gateway task failed")),
                        };
                    }
                }
            }
        }
        intake
            .stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        tracing::info!("discord: shutting down shards");
        shards.shutdown_all().await;
        if tokio::time::timeout(Duration::from_secs(5), &mut gateway)
            .await
            .is_err()
        {
            gateway.abort();
        }
        Ok(())
    }
}

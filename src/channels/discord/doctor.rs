//! Live checks of a Discord setup for `supportbot doctor` and `supportbot setup`: the token,
//! the Message Content intent, the bot's permissions in the staff and support channels
//! (computed from roles and overwrites, against the lists in `perms`) and the registered
//! slash commands. Plain REST calls read as JSON.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use super::{DiscordConfig, commands, perms};
use crate::doctor::Check;

/// Application flag: Message Content intent granted (verified bots in 100+ servers).
const GATEWAY_MESSAGE_CONTENT: u64 = 1 << 18;
/// Application flag: Message Content intent switched on in the developer portal.
const GATEWAY_MESSAGE_CONTENT_LIMITED: u64 = 1 << 19;

/// A REST answer that was not a success.
#[derive(Debug)]
pub enum RestError {
    /// No answer (network, TLS, timeout, not JSON).
    Unreachable(String),
    /// Discord answered with this status and message.
    Status(u16, String),
}

impl std::fmt::Display for RestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RestError::Unreachable(e) => write!(f, "{e}"),
            RestError::Status(s, m) => write!(f, "{s} {m}"),
        }
    }
}

/// A minimal Discord REST client over reqwest.
pub struct Rest {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Rest {
    /// A client for `https://discord.com` or `discord.api_proxy`.
    pub fn new(cfg: &DiscordConfig, token: &str) -> Rest {
        let base = cfg
            .api_proxy
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or("https://discord.com")
            .trim_end_matches('/');
        Rest {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()
                .unwrap_or_default(),
            base: format!("{base}/api/v10"),
            token: token.to_string(),
        }
    }

    /// `GET {path}` as JSON.
    pub async fn get(&self, path: &str) -> Result<Value, RestError> {
        let answer = self
            .client
            .get(format!("{}{path}", self.base))
            .header("Authorization", format!("Bot {}", self.token))
            .send()
            .await
            .map_err(|e| RestError::Unreachable(e.without_url().to_string()))?;
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            let msg = body["message"].as_str().unwrap_or("").to_string();
            Err(RestError::Status(status, msg))
        }
    }
}

/// The application's client id, read from Discord with `DISCORD_TOKEN`.
pub async fn client_id(cfg: &crate::config::Config) -> anyhow::Result<u64> {
    let Some(token) = cfg.secrets.discord_token.as_deref() else {
        anyhow::bail!(
            "pass --client-id (Developer Portal → your application → OAuth2 → Client ID) or set DISCORD_TOKEN"
        );
    };
    let app = Rest::new(&cfg.discord, token)
        .get("/applications/@me")
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the application from Discord: {e}"))?;
    app["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("Discord's answer has no application id"))
}

/// Checks the Discord side; `staff_needed` when agents work tickets in Discord threads.
pub async fn checks(cfg: &DiscordConfig, token: &str, staff_needed: bool) -> Vec<Check> {
    let rest = Rest::new(cfg, token);
    let mut out = Vec::new();
    let me = match rest.get("/users/@me").await {
        Ok(me) => me,
        Err(e) => {
            out.push(match e {
                RestError::Status(401, _) => Check::fail(
                    "discord.token",
                    format!("Discord rejected DISCORD_TOKEN ({e})"),
                    "Developer Portal → your application → Bot → Reset Token, and put it in DISCORD_TOKEN",
                ),
                _ => Check::fail(
                    "discord.token",
                    format!("cannot reach Discord: {e}"),
                    "check the network (discord.com must be reachable) or discord.api_proxy",
                ),
            });
            return out;
        }
    };
    let bot_id = me["id"].as_str().unwrap_or_default().to_string();
    out.push(Check::pass(
        "discord.token",
        format!(
            "the token works: {} (id {bot_id})",
            me["username"].as_str().unwrap_or("?")
        ),
    ));
    let app = rest.get("/applications/@me").await;
    out.push(intent(&app));
    let mut guilds = Guilds::default();
    let staff = cfg
        .staff_channel_id
        .as_deref()
        .filter(|s| !s.trim().is_empty());
    match staff {
        Some(ch) => {
            let needed = perms::staff_channel(cfg);
            out.push(
                channel(
                    &rest,
                    &mut guilds,
                    &bot_id,
                    ch,
                    &needed,
                    "discord.staff_channel",
                )
                .await,
            );
        }
        None if staff_needed => out.push(Check::fail(
            "discord.staff_channel",
            "discord.staff_channel_id is not set, so tickets cannot reach agents",
            "run `supportbot setup` to pick the staff channel (or set discord.staff_channel_id)",
        )),
        None => {}
    }
    let needed = perms::support_channel();
    for ch in &cfg.support_channel_ids {
        out.push(
            channel(
                &rest,
                &mut guilds,
                &bot_id,
                ch,
                &needed,
                "discord.support_channel",
            )
            .await,
        );
    }
    let app_id = app
        .ok()
        .and_then(|a| a["id"].as_str().map(str::to_string))
        .unwrap_or_else(|| bot_id.clone());
    out.extend(slash_commands(cfg, &rest, &app_id).await);
    out
}

fn intent(app: &Result<Value, RestError>) -> Check {
    match app {
        Err(e) => Check::fail(
            "discord.intent",
            format!("cannot read the application: {e}"),
            "check that DISCORD_TOKEN is a bot token",
        ),
        Ok(a) => {
            let flags = a["flags"].as_u64().unwrap_or(0);
            if flags & (GATEWAY_MESSAGE_CONTENT | GATEWAY_MESSAGE_CONTENT_LIMITED) != 0 {
                Check::pass("discord.intent", "the Message Content intent is on")
            } else {
                Check::fail(
                    "discord.intent",
                    "the Message Content intent is off: the bot would receive empty messages",
                    "Developer Portal → your application → Bot → Privileged Gateway Intents → turn on Message Content Intent",
                )
            }
        }
    }
}

/// A guild's roles and the bot's role ids there, or why they could not be read.
type GuildRoles = Result<(Vec<Value>, Vec<String>), String>;

/// Guild roles and the bot's member roles, fetched once per guild.
#[derive(Default)]
struct Guilds {
    known: HashMap<String, GuildRoles>,
}

impl Guilds {
    async fn get(&mut self, rest: &Rest, guild: &str, bot_id: &str) -> GuildRoles {
        if let Some(found) = self.known.get(guild) {
            return found.clone();
        }
        let fetched = async {
            let roles = rest
                .get(&format!("/guilds/{guild}/roles"))
                .await
                .map_err(|e| format!("cannot read the server's roles: {e}"))?;
            let member = rest
                .get(&format!("/guilds/{guild}/members/{bot_id}"))
                .await
                .map_err(|e| format!("the bot is not a member of server {guild}: {e}"))?;
            let mine = member["roles"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|r| r.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            Ok((roles.as_array().cloned().unwrap_or_default(), mine))
        }
        .await;
        self.known.insert(guild.to_string(), fetched.clone());
        fetched
    }
}

const INVITE_FIX: &str = "run `supportbot discord invite-url` and open the link to (re)invite the bot with every permission it needs";

async fn channel(
    rest: &Rest,
    guilds: &mut Guilds,
    bot_id: &str,
    id: &str,
    needed: &[perms::Named],
    check: &'static str,
) -> Check {
    let key = if check == "discord.staff_channel" {
        "discord.staff_channel_id"
    } else {
        "discord.support_channel_ids"
    };
    if id.trim().parse::<u64>().is_err() {
        return Check::fail(
            check,
            format!("{key} `{id}` is not a Discord id"),
            "turn on Developer Mode (User Settings → Advanced), right-click the channel → Copy Channel ID",
        );
    }
    let ch = match rest.get(&format!("/channels/{}", id.trim())).await {
        Ok(ch) => ch,
        Err(RestError::Status(403 | 404, m)) => {
            return Check::fail(
                check,
                format!("channel {id} ({key}) does not exist or the bot cannot see it ({m})"),
                format!("check the id, and {INVITE_FIX}"),
            );
        }
        Err(e) => return Check::fail(check, format!("cannot read channel {id}: {e}"), "try again"),
    };
    let name = ch["name"].as_str().unwrap_or("?").to_string();
    if ch["type"].as_u64() != Some(0) {
        return Check::fail(
            check,
            format!("#{name} ({id}) is not a text channel (type {})", ch["type"]),
            format!("set {key} to a text channel"),
        );
    }
    let guild = ch["guild_id"].as_str().unwrap_or_default();
    let (roles, mine) = match guilds.get(rest, guild, bot_id).await {
        Ok(found) => found,
        Err(e) => return Check::fail(check, format!("#{name}: {e}"), INVITE_FIX),
    };
    let overwrites = ch["permission_overwrites"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let have = perms::effective(guild, bot_id, &mine, &roles, &overwrites);
    let lacking = perms::missing(needed, have);
    if lacking.is_empty() {
        Check::pass(
            check,
            format!(
                "#{name}: the bot has all {} permissions it needs",
                needed.len()
            ),
        )
    } else {
        Check::fail(
            check,
            format!("#{name}: the bot lacks {}", lacking.join(", ")),
            format!(
                "Edit Channel → Permissions → the bot's role: allow {}; or {INVITE_FIX}",
                lacking.join(", ")
            ),
        )
    }
}

/// Registered slash commands, where the bot registers them.
async fn slash_commands(cfg: &DiscordConfig, rest: &Rest, app_id: &str) -> Vec<Check> {
    let expected = commands::names();
    let places: Vec<(String, String)> = if cfg.command_guild_ids.is_empty() {
        vec![(
            format!("/applications/{app_id}/commands"),
            "globally".into(),
        )]
    } else {
        cfg.command_guild_ids
            .iter()
            .map(|g| {
                (
                    format!("/applications/{app_id}/guilds/{g}/commands"),
                    format!("in server {g}"),
                )
            })
            .collect()
    };
    let mut out = Vec::new();
    for (path, place) in places {
        let found = match rest.get(&path).await {
            Ok(v) => v,
            Err(e) => {
                out.push(Check::fail(
                    "discord.commands",
                    format!("cannot read the slash commands {place}: {e}"),
                    INVITE_FIX,
                ));
                continue;
            }
        };
        let names: Vec<&str> = found
            .as_array()
            .map(|a| a.iter().filter_map(|c| c["name"].as_str()).collect())
            .unwrap_or_default();
        let absent: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|n| !names.contains(n))
            .collect();
        out.push(match (absent.is_empty(), cfg.register_commands) {
            (true, _) => Check::pass(
                "discord.commands",
                format!(
                    "all {} slash commands are registered {place}",
                    expected.len()
                ),
            ),
            (false, true) => Check::warn(
                "discord.commands",
                format!(
                    "{} of {} slash commands are not registered {place} yet",
                    absent.len(),
                    expected.len()
                ),
                "nothing to do: `supportbot run` registers them at start",
            ),
            (false, false) => Check::fail(
                "discord.commands",
                format!("slash commands missing {place}: /{}", absent.join(", /")),
                "set discord.register_commands = true (at least for one start)",
            ),
        });
    }
    out
}

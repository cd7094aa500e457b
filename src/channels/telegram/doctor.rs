//! Live checks of a Telegram setup for `supportbot doctor` and `supportbot setup`: the token,
//! webhook, staff supergroup (type, topics), the bot's administrator rights and privacy mode.
//! Plain Bot API calls read as JSON, so a field Telegram adds or drops cannot break a check.

use std::time::Duration;

use serde_json::{Value, json};

use super::TelegramConfig;
use crate::doctor::Check;

/// Why a Bot API call did not give a result.
#[derive(Debug)]
pub enum ApiError {
    /// No answer (network, TLS, timeout, not JSON).
    Unreachable(String),
    /// Telegram answered `ok: false`.
    Api {
        /// `error_code` (401 bad token, 400 bad request, 403 forbidden…).
        code: i64,
        /// `description`.
        description: String,
        /// `parameters`, e.g. `migrate_to_chat_id`.
        parameters: Value,
    },
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Unreachable(e) => write!(f, "{e}"),
            ApiError::Api {
                code, description, ..
            } => write!(f, "{code} {description}"),
        }
    }
}

/// A minimal Bot API client over reqwest.
pub struct BotApi {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl BotApi {
    /// A client for `api_url` (Telegram's or a fake's) with `token`.
    pub fn new(api_url: &str, token: &str) -> BotApi {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        BotApi {
            client,
            base: api_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
        }
    }

    /// Calls `method` with a JSON body and returns `result`.
    pub async fn call(&self, method: &str, body: Value) -> Result<Value, ApiError> {
        let url = format!("{}/bot{}/{method}", self.base, self.token);
        let answer = self
            .client
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(|e| ApiError::Unreachable(e.without_url().to_string()))?;
        let v: Value = answer
            .json()
            .await
            .map_err(|e| ApiError::Unreachable(format!("the answer is not Bot API JSON: {e}")))?;
        if v["ok"].as_bool() == Some(true) {
            Ok(v["result"].clone())
        } else {
            Err(ApiError::Api {
                code: v["error_code"].as_i64().unwrap_or_default(),
                description: v["description"].as_str().unwrap_or_default().to_string(),
                parameters: v["parameters"].clone(),
            })
        }
    }
}

/// Checks the Telegram side; `staff_needed` when agents work tickets in the staff group.
pub async fn checks(cfg: &TelegramConfig, token: &str, staff_needed: bool) -> Vec<Check> {
    let api = BotApi::new(&cfg.api_url, token);
    let mut out = Vec::new();
    let me = match api.call("getMe", json!({})).await {
        Ok(me) => me,
        Err(e) => {
            out.push(token_failure(cfg, &e));
            return out;
        }
    };
    let username = me["username"].as_str().unwrap_or("?").to_string();
    out.push(Check::pass(
        "telegram.token",
        format!("the token works: @{username} (id {})", me["id"]),
    ));
    out.push(webhook(cfg, &api).await);
    let Some(chat_id) = cfg.staff_chat_id else {
        if staff_needed {
            out.push(Check::fail(
                "telegram.staff_chat",
                "telegram.staff_chat_id is not set, so tickets cannot reach agents",
                "add the bot to your staff supergroup, then run `supportbot setup` to pick it (or set telegram.staff_chat_id = -100…)",
            ));
        }
        return out;
    };
    let chat = match api.call("getChat", json!({"chat_id": chat_id})).await {
        Ok(chat) => chat,
        Err(e) => {
            out.push(chat_failure(chat_id, &e));
            return out;
        }
    };
    out.extend(chat_shape(cfg, chat_id, &chat));
    let title = chat["title"]
        .as_str()
        .unwrap_or("the staff group")
        .to_string();
    let member = api
        .call(
            "getChatMember",
            json!({"chat_id": chat_id, "user_id": me["id"]}),
        )
        .await;
    let admin = match member {
        Ok(m) => {
            let (check, admin) = rights(cfg, &title, &username, &m);
            out.push(check);
            admin
        }
        Err(e) => {
            out.push(Check::fail(
                "telegram.admin",
                format!("cannot read the bot's membership in \"{title}\": {e}"),
                format!("add @{username} to the group as an administrator"),
            ));
            false
        }
    };
    out.push(privacy(cfg, &username, &me, admin));
    out
}

fn token_failure(cfg: &TelegramConfig, e: &ApiError) -> Check {
    match e {
        ApiError::Api {
            code: 401 | 404, ..
        } => Check::fail(
            "telegram.token",
            format!("Telegram rejected TELEGRAM_TOKEN ({e})"),
            "copy the token @BotFather gave you (/mybots → your bot → API Token) into TELEGRAM_TOKEN",
        ),
        _ => Check::fail(
            "telegram.token",
            format!("cannot reach the Bot API at {}: {e}", cfg.api_url),
            "check the network (api.telegram.org must be reachable) or telegram.api_url",
        ),
    }
}

async fn webhook(cfg: &TelegramConfig, api: &BotApi) -> Check {
    let info = match api.call("getWebhookInfo", json!({})).await {
        Ok(info) => info,
        Err(e) => {
            return Check::fail(
                "telegram.webhook",
                format!("getWebhookInfo failed: {e}"),
                "try again; if it persists, check telegram.api_url",
            );
        }
    };
    let url = info["url"].as_str().unwrap_or_default();
    let last_error = info["last_error_message"].as_str().unwrap_or_default();
    match (&cfg.webhook, url.is_empty()) {
        (None, true) => Check::pass(
            "telegram.webhook",
            "no webhook is set, so getUpdates polling receives the updates",
        ),
        (None, false) => Check::warn(
            "telegram.webhook",
            format!(
                "a webhook is set ({url}); while it is, getUpdates gets nothing (409 Conflict)"
            ),
            "`supportbot run` deletes it when it starts polling; if another deployment serves that webhook, stop it first, or configure [telegram.webhook] here instead",
        ),
        (Some(hook), _) if url != hook.url => Check::warn(
            "telegram.webhook",
            format!(
                "the webhook is {}, not telegram.webhook.url {}",
                if url.is_empty() { "unset" } else { url },
                hook.url
            ),
            "`supportbot run` sets it at start",
        ),
        (Some(_), _) if !last_error.is_empty() => Check::warn(
            "telegram.webhook",
            format!("Telegram reports the last delivery to {url} failed: {last_error}"),
            "make the URL reachable over HTTPS from the internet and forward it to telegram.webhook.bind",
        ),
        (Some(_), _) => Check::pass("telegram.webhook", format!("the webhook is set to {url}")),
    }
}

fn chat_failure(chat_id: i64, e: &ApiError) -> Check {
    if let ApiError::Api { parameters, .. } = e
        && let Some(new_id) = parameters["migrate_to_chat_id"].as_i64()
    {
        return Check::fail(
            "telegram.staff_chat",
            format!("the group {chat_id} became the supergroup {new_id}"),
            format!("set telegram.staff_chat_id = {new_id}"),
        );
    }
    Check::fail(
        "telegram.staff_chat",
        format!("the staff chat {chat_id} cannot be read: {e}"),
        "add the bot to the staff group and check the id (supergroup ids look like -1001234567890); `supportbot setup` lists the groups the bot has seen",
    )
}

/// Supergroup, and topics on when `forum_topics` is.
fn chat_shape(cfg: &TelegramConfig, chat_id: i64, chat: &Value) -> Vec<Check> {
    let title = chat["title"].as_str().unwrap_or("?");
    let kind = chat["type"].as_str().unwrap_or("?");
    if kind != "supergroup" {
        return vec![Check::fail(
            "telegram.staff_chat",
            format!("the staff chat \"{title}\" ({chat_id}) is a {kind}, not a supergroup"),
            "in the group's settings turn on Topics (or make the history visible to new members): Telegram converts it to a supergroup with a new -100… id; then run `supportbot setup` or doctor again",
        )];
    }
    let mut out = vec![Check::pass(
        "telegram.staff_chat",
        format!("the staff chat \"{title}\" ({chat_id}) is a supergroup"),
    )];
    let forum = chat["is_forum"].as_bool().unwrap_or(false);
    out.push(match (cfg.forum_topics, forum) {
        (true, true) => Check::pass("telegram.topics", "topics are on: one topic per ticket"),
        (true, false) => Check::fail(
            "telegram.topics",
            format!("topics are off in \"{title}\", but telegram.forum_topics = true"),
            "Group settings → Topics: on (or set telegram.forum_topics = false for reply threads)",
        ),
        (false, _) => Check::pass(
            "telegram.topics",
            "telegram.forum_topics = false: one reply thread per ticket",
        ),
    });
    out
}

/// The bot's status in the staff group; the flag is true when it is an administrator.
fn rights(cfg: &TelegramConfig, title: &str, username: &str, m: &Value) -> (Check, bool) {
    let status = m["status"].as_str().unwrap_or("?");
    let topics = m["can_manage_topics"].as_bool().unwrap_or(false);
    match status {
        "creator" => (
            Check::pass("telegram.admin", format!("@{username} owns \"{title}\"")),
            true,
        ),
        "administrator" if cfg.forum_topics && !topics => (
            Check::fail(
                "telegram.admin",
                format!(
                    "@{username} is an administrator of \"{title}\" without the Manage Topics right"
                ),
                format!("Group settings → Administrators → @{username} → turn on Manage Topics"),
            ),
            true,
        ),
        "administrator" => (
            Check::pass(
                "telegram.admin",
                format!("@{username} is an administrator of \"{title}\""),
            ),
            true,
        ),
        _ if cfg.forum_topics => (
            Check::fail(
                "telegram.admin",
                format!(
                    "@{username} is not an administrator of \"{title}\" (status: {status}), so it cannot open topics"
                ),
                format!(
                    "Group settings → Administrators → Add Admin → @{username}, with Manage Topics"
                ),
            ),
            false,
        ),
        "member" => (
            Check::pass(
                "telegram.admin",
                format!(
                    "@{username} is a member of \"{title}\" (reply threads need no admin rights)"
                ),
            ),
            false,
        ),
        _ => (
            Check::fail(
                "telegram.admin",
                format!("@{username} is not in \"{title}\" (status: {status})"),
                format!("add @{username} to the group"),
            ),
            false,
        ),
    }
}

/// Privacy mode: with it on, a bot that is not an administrator sees only commands and
/// replies to its own messages in groups; agents' plain messages in topics would be lost.
fn privacy(cfg: &TelegramConfig, username: &str, me: &Value, admin: bool) -> Check {
    let reads_all = me["can_read_all_group_messages"].as_bool().unwrap_or(false);
    if reads_all {
        return Check::pass(
            "telegram.privacy",
            "privacy mode is off: the bot sees every message in the staff group",
        );
    }
    if admin {
        return Check::pass(
            "telegram.privacy",
            "privacy mode is on, but administrators see every message, so the bot does",
        );
    }
    let fix = format!(
        "make @{username} an administrator of the staff group, or in @BotFather send /setprivacy → @{username} → Disable, then remove and re-add the bot to the group"
    );
    if cfg.forum_topics {
        Check::fail(
            "telegram.privacy",
            "privacy mode is on and the bot is no administrator: agents' messages in topics would not reach it",
            fix,
        )
    } else {
        Check::warn(
            "telegram.privacy",
            "privacy mode is on: the bot sees commands and replies to its own messages, not replies to other agents",
            fix,
        )
    }
}

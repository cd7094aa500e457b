//! Identifier newtypes, so a ticket id is never confused with a chat id or a user id.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A chat platform the bot speaks on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Discord.
    Discord,
    /// Telegram.
    Telegram,
    /// The terminal chat used for demos and scripting.
    Console,
    /// The web dashboard: agents acting from a browser (never a ticket's home).
    Web,
}

impl Platform {
    /// The lowercase name used in config, storage and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Discord => "discord",
            Platform::Telegram => "telegram",
            Platform::Console => "console",
            Platform::Web => "web",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "discord" => Ok(Platform::Discord),
            "telegram" => Ok(Platform::Telegram),
            "console" => Ok(Platform::Console),
            "web" => Ok(Platform::Web),
            other => Err(format!(
                "unknown platform `{other}` (expected discord, telegram or console)"
            )),
        }
    }
}

/// A ticket number, as customers and agents see it (`#42`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketId(pub i64);

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl FromStr for TicketId {
    type Err = String;
    /// Accepts `42` and `#42`; rejects zero, negatives and non-numbers.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix('#').unwrap_or(s);
        match digits.parse::<i64>() {
            Ok(n) if n > 0 => Ok(TicketId(n)),
            _ => Err(format!("`{s}` is not a ticket number")),
        }
    }
}

/// A person on a platform: the platform's stable user id plus a display name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserRef {
    /// Platform the id belongs to.
    pub platform: Platform,
    /// The platform's stable user id (a Discord snowflake, a Telegram user id).
    pub id: String,
    /// Human-readable name at the time the message was received.
    pub name: String,
}

impl UserRef {
    /// Builds a user reference.
    pub fn new(platform: Platform, id: impl Into<String>, name: impl Into<String>) -> Self {
        UserRef {
            platform,
            id: id.into(),
            name: name.into(),
        }
    }

    /// `platform:id`, the form used in config files.
    pub fn key(&self) -> String {
        format!("{}:{}", self.platform, self.id)
    }
}

/// A place messages can be sent to: a DM, a channel, a Telegram forum topic or a Discord thread.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConversationRef {
    /// Platform the conversation lives on.
    pub platform: Platform,
    /// Chat or channel id.
    pub chat: String,
    /// Thread within the chat: a Telegram `message_thread_id`, a Discord thread channel id.
    pub thread: Option<String>,
}

impl ConversationRef {
    /// A conversation without a thread.
    pub fn chat(platform: Platform, chat: impl Into<String>) -> Self {
        ConversationRef {
            platform,
            chat: chat.into(),
            thread: None,
        }
    }

    /// A thread inside a chat.
    pub fn thread(platform: Platform, chat: impl Into<String>, thread: impl Into<String>) -> Self {
        ConversationRef {
            platform,
            chat: chat.into(),
            thread: Some(thread.into()),
        }
    }
}

impl fmt::Display for ConversationRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.thread {
            Some(t) => write!(f, "{}:{}/{}", self.platform, self.chat, t),
            None => write!(f, "{}:{}", self.platform, self.chat),
        }
    }
}

/// The platform's id of one inbound message or update; the dedupe key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MessageKey {
    /// Platform that issued the id.
    pub platform: Platform,
    /// Message id, update id or interaction id, unique per platform.
    pub id: String,
}

impl MessageKey {
    /// Builds a dedupe key.
    pub fn new(platform: Platform, id: impl Into<String>) -> Self {
        MessageKey {
            platform,
            id: id.into(),
        }
    }
}

/// The name of a support agent as configured in `[[staff.agents]]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AgentName(pub String);

impl fmt::Display for AgentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_ids_parse_with_or_without_hash() {
        assert_eq!("42".parse::<TicketId>(), Ok(TicketId(42)));
        assert_eq!("#7".parse::<TicketId>(), Ok(TicketId(7)));
        assert!("0".parse::<TicketId>().is_err());
        assert!("-3".parse::<TicketId>().is_err());
        assert!("abc".parse::<TicketId>().is_err());
        assert!("".parse::<TicketId>().is_err());
    }

    #[test]
    fn platforms_round_trip() {
        for p in [Platform::Discord, Platform::Telegram, Platform::Console] {
            assert_eq!(p.as_str().parse::<Platform>(), Ok(p));
        }
        assert!("irc".parse::<Platform>().is_err());
    }
}

//! Catching up after a new gateway session: Discord does not send a new session the events
//! an old one missed (the bot crashed, or could not RESUME), so the bot fetches over REST what
//! was written in each active conversation and staff thread since shortly before the last
//! event it stored, and feeds it through the same intake, where the dedupe drops what it saw.

use anyhow::Result;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

use serenity::all::{
    Channel, ChannelId, GetMessages, GuildId, Message as DMessage, MessageId, PartialMember, UserId,
};

use super::Shared;
use crate::domain::ids::Platform;

/// How far before the last stored event to look again: events received just before a crash
/// may have been in flight without being stored.
const MARGIN: chrono::Duration = chrono::Duration::minutes(5);

/// Pages fetched per channel at most (100 messages each).
const MAX_PAGES: usize = 10;

/// Discord's epoch (2015-01-01) in Unix milliseconds.
const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// The smallest snowflake of an instant.
pub fn snowflake_at(at: DateTime<Utc>) -> u64 {
    let ms = (at.timestamp_millis() - DISCORD_EPOCH_MS).max(1);
    (ms as u64) << 22
}

/// The messages written by people in the bot's active conversations and its support channels
/// since shortly before the last stored Discord event, oldest first per channel; empty before
/// the first event.
pub(super) async fn missed(shared: &Shared) -> Result<Vec<DMessage>> {
    let (places, last) = shared.store.catch_up_points(Platform::Discord).await?;
    let Some(last) = last else {
        return Ok(Vec::new());
    };
    let since = MessageId::new(snowflake_at(last - MARGIN));
    // Support channels are where a person's first message lands, before any ticket names it.
    // Each channel is paired with whether it belongs to a server (support channels, threads).
    let mut support: Vec<ChannelId> = shared.support_channels.iter().copied().collect();
    support.sort();
    let mut channels: Vec<(ChannelId, bool)> = support.into_iter().map(|c| (c, true)).collect();
    for place in places {
        let id = place.thread.as_deref().unwrap_or(&place.chat);
        if let Some(channel) = id
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(ChannelId::new)
            .filter(|c| !channels.iter().any(|(known, _)| known == c))
        {
            channels.push((channel, place.thread.is_some()));
        }
    }
    let mut members: HashMap<(GuildId, UserId), Option<PartialMember>> = HashMap::new();
    let mut out = Vec::new();
    for (channel, in_guild) in channels {
        // Fetched messages carry neither the server nor the author's roles, which say where a
        // message belongs and whether its author is an agent: put them back.
        let guild = match in_guild {
            true => guild_of(shared, channel).await,
            false => None,
        };
        let mut after = since;
        for _ in 0..MAX_PAGES {
            let page = match channel
                .messages(&*shared.http, GetMessages::new().after(after).limit(100))
                .await
            {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(%channel, error = %e, "discord: cannot catch up on a channel");
                    break;
                }
            };
            let full = page.len() == 100;
            let mut page: Vec<DMessage> = page;
            page.sort_by_key(|m| m.id);
            if let Some(newest) = page.last() {
                after = newest.id;
            }
            for mut m in page.into_iter().filter(|m| !m.author.bot) {
                if let Some(guild) = guild {
                    m.guild_id = Some(guild);
                    let key = (guild, m.author.id);
                    let member = match members.get(&key) {
                        Some(known) => known.clone(),
                        None => {
                            let found = member_of(shared, guild, m.author.id).await;
                            members.insert(key, found.clone());
                            found
                        }
                    };
                    m.member = member.map(Box::new);
                }
                out.push(m);
            }
            if !full {
                break;
            }
        }
    }
    Ok(out)
}

/// The server a channel belongs to, `None` for a DM or when Discord cannot say.
async fn guild_of(shared: &Shared, channel: ChannelId) -> Option<GuildId> {
    match channel.to_channel(&*shared.http).await {
        Ok(Channel::Guild(c)) => Some(c.guild_id),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(%channel, error = %e, "discord: cannot look up a channel to catch up");
            None
        }
    }
}

/// A server member's roles, in the shape a gateway message carries them.
async fn member_of(shared: &Shared, guild: GuildId, user: UserId) -> Option<PartialMember> {
    let member = match guild.member(&*shared.http, user).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(%guild, %user, error = %e, "discord: cannot look up a member to catch up");
            return None;
        }
    };
    // serenity's PartialMember cannot be built field by field; it is what the gateway sends.
    serde_json::from_value(serde_json::json!({
        "roles": member.roles,
        "joined_at": member.joined_at,
        "deaf": member.deaf,
        "mute": member.mute,
        "flags": 0,
    }))
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_follow_discords_epoch() {
        // Discord's documented example: 175928847299117063 was made at 1462015105796 ms.
        let at = DateTime::from_timestamp_millis(1_462_015_105_796).unwrap();
        let id: u64 = 175_928_847_299_117_063;
        assert_eq!(snowflake_at(at) >> 22, id >> 22);
        assert!(snowflake_at(at) <= id);
    }
}

//! Catching up after a new gateway session: Discord does not send a new session the events
//! an old one missed (the bot crashed, or could not RESUME), so the bot fetches over REST what
//! was written in each active conversation and staff thread since shortly before the last
//! event it stored, and feeds it through the same intake, where the dedupe drops what it saw.

use anyhow::Result;
use chrono::{DateTime, Utc};
use serenity::all::{ChannelId, GetMessages, Message as DMessage, MessageId};

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
    let mut channels: Vec<ChannelId> = shared.support_channels.iter().copied().collect();
    channels.sort();
    for place in places {
        let id = place.thread.as_deref().unwrap_or(&place.chat);
        if let Some(channel) = id
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(ChannelId::new)
            .filter(|c| !channels.contains(c))
        {
            channels.push(channel);
        }
    }
    let mut out = Vec::new();
    for channel in channels {
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
            out.extend(page.into_iter().filter(|m| !m.author.bot));
            if !full {
                break;
            }
        }
    }
    Ok(out)
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

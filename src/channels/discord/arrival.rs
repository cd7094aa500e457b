//! Puts gateway events back in the order Discord made them. serenity hands each event to the
//! handler in a task of its own (`client/dispatch.rs`), and tokio may run a later task first
//! (the newest task a worker spawned waits in its "LIFO slot", ahead of older ones), so two
//! messages sent back to back in one channel can reach the queue swapped (seen as
//! `[2, 1, 3]`). Events are therefore held for a moment and sorted by their
//! snowflake id, which Discord assigns in creation order, before each channel's queue gets
//! them.

use std::time::Duration;

use tokio::sync::mpsc;

use super::intake::Event;

/// How long the first event of a batch waits for the ones spawned beside it. The swap happens
/// within one scheduler tick; this leaves room for a loaded machine and is short next to a
/// chat's pace.
pub const SETTLE: Duration = Duration::from_millis(15);

/// The event's place in Discord's order within its channel: its snowflake (for an edit, the
/// edited message's), a message before an edit of it.
fn order_key(e: &Event) -> (String, u64, u8) {
    let channel = e.channel_key();
    match e {
        Event::Ready(_) => (channel, 0, 0),
        Event::Message(m) => (channel, m.id.get(), 0),
        Event::Edit(u) => (channel, u.id.get(), 1),
        Event::Interaction(i) => (channel, i.id().get(), 0),
    }
}

/// Sorts `batch` into Discord's order within each channel. Events of different channels keep
/// no particular order among themselves: their channels are handled concurrently anyway.
pub fn in_discord_order(batch: &mut [Event]) {
    batch.sort_by_cached_key(order_key);
}

/// The batch `first` opens: it and every event that arrives within [`SETTLE`] of it, in
/// Discord's order. Called after `first` was received, outside any `select!`, so that no
/// event already taken from the queue is dropped by a cancelled wait.
pub async fn settle(first: Event, rx: &mut mpsc::UnboundedReceiver<Event>) -> Vec<Event> {
    tokio::time::sleep(SETTLE).await;
    let mut batch = vec![first];
    while let Ok(e) = rx.try_recv() {
        batch.push(e);
    }
    in_discord_order(&mut batch);
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use serenity::all::{Message, MessageUpdateEvent};

    fn message(id: u64, channel: u64) -> Event {
        let m: Message = serde_json::from_value(serde_json::json!({
            "id": id.to_string(), "channel_id": channel.to_string(),
            "author": {"id": "7", "username": "c", "discriminator": "0", "global_name": "c",
                       "avatar": null, "bot": false},
            "content": format!("m{id}"), "timestamp": "2026-11-23T10:00:00.000000+00:00",
            "edited_timestamp": null, "tts": false, "mention_everyone": false, "mentions": [],
            "mention_roles": [], "attachments": [], "embeds": [], "components": [],
            "pinned": false, "type": 0
        }))
        .unwrap();
        Event::Message(Box::new(m))
    }

    fn edit(id: u64, channel: u64) -> Event {
        let e: MessageUpdateEvent = serde_json::from_value(serde_json::json!({
            "id": id.to_string(), "channel_id": channel.to_string(), "content": "changed"
        }))
        .unwrap();
        Event::Edit(Box::new(e))
    }

    fn ids(batch: &[Event]) -> Vec<String> {
        batch
            .iter()
            .map(|e| match e {
                Event::Message(m) => format!("{}:m{}", m.channel_id, m.id),
                Event::Edit(u) => format!("{}:e{}", u.channel_id, u.id),
                _ => "other".into(),
            })
            .collect()
    }

    #[test]
    fn swapped_messages_of_a_channel_are_put_back_in_order() {
        let mut batch = vec![
            message(1002, 5),
            edit(1001, 5),
            message(1001, 5),
            message(2001, 6),
            message(1003, 5),
        ];
        in_discord_order(&mut batch);
        assert_eq!(
            ids(&batch),
            ["5:m1001", "5:e1001", "5:m1002", "5:m1003", "6:m2001"],
            "a message before its edit, then by id"
        );
    }

    #[tokio::test]
    async fn a_batch_gathers_what_arrives_while_it_settles() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let late = tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(SETTLE / 3).await;
            late.send(message(11, 5)).unwrap();
        });
        let batch = settle(message(12, 5), &mut rx).await;
        assert_eq!(ids(&batch), ["5:m11", "5:m12"]);
        // Nothing arrives later: a batch of one.
        let batch = settle(message(13, 5), &mut rx).await;
        assert_eq!(ids(&batch), ["5:m13"]);
        drop(tx);
    }
}

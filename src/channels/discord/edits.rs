//! Edits and what cannot be relayed: a MESSAGE_UPDATE that is a real edit becomes an `Edited`
//! event, and a message with neither text nor a file (a sticker, a poll) an `Unsupported` one,
//! so nothing a person sends is dropped without a word.

use anyhow::Result;
use serenity::all::{Message as DMessage, MessageType, MessageUpdateEvent};

use super::intake::{Intake, customer, roles, user_ref};
use crate::domain::event::{Inbound, InboundBody, Space, UnsupportedKind};
use crate::domain::ids::{ConversationRef, MessageKey, Platform};

impl Intake {
    /// An edit of a message the bot serves becomes an `Edited` event keyed by message id and
    /// edit time, so a redelivered edit is a duplicate. Updates without an edit time or new
    /// content (Discord adding a link preview) are not edits.
    pub(super) async fn edit(&self, e: &MessageUpdateEvent) -> Result<()> {
        let (Some(author), Some(content), Some(edited)) =
            (&e.author, &e.content, e.edited_timestamp)
        else {
            return Ok(());
        };
        if author.bot || matches!(e.webhook_id, Some(Some(_))) || content.trim().is_empty() {
            return Ok(());
        }
        let ch = e.channel_id;
        let place = if e.guild_id.is_none() {
            Some(customer(ConversationRef::chat(
                Platform::Discord,
                ch.to_string(),
            )))
        } else if self.shared.support_channels.contains(&ch) {
            // The original moved the conversation to the customer's private thread.
            let community = self.community_locale(e.guild_id).await;
            let lang = self
                .desk
                .adapter_lang(&user_ref(author), None, community.as_deref(), Some(content))
                .await;
            let thread = self.customer_thread(ch, author, lang).await?;
            Some(customer(ConversationRef::thread(
                Platform::Discord,
                ch.to_string(),
                thread.to_string(),
            )))
        } else {
            self.guild_place(ch, None).await
        };
        let Some(place) = place else {
            return Ok(());
        };
        let community_locale = match place.space {
            Space::Customer => self.community_locale(e.guild_id).await,
            Space::Staff => None,
        };
        let roles = match &e.member {
            Some(Some(mb)) => roles(&mb.roles),
            _ => Vec::new(),
        };
        self.run(Inbound {
            key: MessageKey::new(
                Platform::Discord,
                format!("{}:edit:{}", e.id, edited.timestamp_millis()),
            ),
            at: *edited,
            from: user_ref(author),
            roles,
            conversation: place.conversation,
            space: place.space,
            interaction: None,
            locale: None,
            community_locale,
            // An edit cannot add files, and the ones kept were relayed with the original.
            body: InboundBody::Edited {
                text: content.clone(),
                attachments: Vec::new(),
            },
        })
        .await;
        Ok(())
    }
}

/// What an empty message without files holds that cannot be relayed; `None` for system
/// messages (pins, thread starts, joins), which need no answer.
pub(super) fn unsupported(m: &DMessage) -> Option<UnsupportedKind> {
    if !matches!(m.kind, MessageType::Regular | MessageType::InlineReply) {
        return None;
    }
    Some(if !m.sticker_items.is_empty() {
        UnsupportedKind::Sticker
    } else if m.poll.is_some() {
        UnsupportedKind::Poll
    } else {
        UnsupportedKind::Other
    })
}

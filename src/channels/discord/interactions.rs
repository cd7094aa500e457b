//! Interactions: slash commands become command text, button presses become `Button` bodies;
//! every interaction gets exactly one response, even when the desk has nothing to say.

use anyhow::Result;
use serenity::all::{
    ChannelId, CommandInteraction, ComponentInteraction, CreateInteractionResponse,
    CreateInteractionResponseMessage, GuildId, InteractionId, PartialChannel,
};
use serenity::builder::Builder;

use super::PendingInteraction;
use super::commands::{self, Audience};
use super::intake::{INTERACTION_MEMORY, Intake, Place, customer, roles, user_ref};
use super::outlet::handle;
use crate::domain::event::{Inbound, InboundBody};
use crate::domain::i18n::{Key, Lang};
use crate::domain::ids::{ConversationRef, MessageKey, Platform};
use crate::tr;

impl Intake {
    pub(super) async fn command(&self, c: &CommandInteraction) -> Result<()> {
        let name = c.data.name.as_str();
        let from = user_ref(&c.user);
        let roles = c
            .member
            .as_ref()
            .map(|m| roles(&m.roles))
            .unwrap_or_default();
        let audience = commands::audience(name);
        if matches!(audience, Some(Audience::Agents | Audience::Admins))
            && self.desk.settings().staff.member(&from, &roles).is_none()
        {
            let lang = interaction_locale(&c.locale)
                .or(c.guild_locale.clone())
                .and_then(|l| Lang::parse(&l))
                .unwrap_or(self.desk.settings().customers.default_lang);
            let r = CreateInteractionResponseMessage::new()
                .content(tr!(lang, Key::StaffOnly))
                .ephemeral(true);
            CreateInteractionResponse::Message(r)
                .execute(&*self.shared.http, (c.id, c.token.as_str()))
                .await?;
            return Ok(());
        }
        let mut place = self
            .interaction_place(c.guild_id, c.channel_id, c.channel.as_ref())
            .await;
        // Opening a ticket from a support channel continues in the customer's private thread.
        if matches!(name, "ticket" | "feedback")
            && self.shared.support_channels.contains(&c.channel_id)
        {
            let locale = interaction_locale(&c.locale);
            let lang = self
                .desk
                .adapter_lang(&from, locale.as_deref(), c.guild_locale.as_deref(), None)
                .await;
            let thread = self.customer_thread(c.channel_id, &c.user, lang).await?;
            place.conversation.thread = Some(thread.to_string());
        }
        let inbound = Inbound {
            key: MessageKey::new(Platform::Discord, c.id.to_string()),
            at: *c.id.created_at(),
            from,
            roles,
            conversation: place.conversation,
            space: place.space,
            interaction: Some(handle(c.id, &c.token)),
            body: InboundBody::Text {
                text: commands::to_text(name, &c.data.options),
            },
            locale: interaction_locale(&c.locale),
            community_locale: c.guild_locale.clone(),
        };
        self.interact(c.id, &c.token, c.channel_id, false, inbound)
            .await
    }

    pub(super) async fn component(&self, c: &ComponentInteraction) -> Result<()> {
        let from = user_ref(&c.user);
        let roles = c
            .member
            .as_ref()
            .map(|m| roles(&m.roles))
            .unwrap_or_default();
        let place = self
            .interaction_place(c.guild_id, c.channel_id, c.channel.as_ref())
            .await;
        let inbound = Inbound {
            key: MessageKey::new(Platform::Discord, c.id.to_string()),
            at: *c.id.created_at(),
            from,
            roles,
            conversation: place.conversation,
            space: place.space,
            interaction: Some(handle(c.id, &c.token)),
            body: InboundBody::Button {
                data: c.data.custom_id.clone(),
                message: Some(c.message.id.to_string()),
            },
            locale: interaction_locale(&c.locale),
            community_locale: c.guild_locale.clone(),
        };
        self.interact(c.id, &c.token, c.channel_id, true, inbound)
            .await
    }

    /// Runs an interaction through the desk; one that got no response is acknowledged, so
    /// the person does not see "the application did not respond".
    async fn interact(
        &self,
        id: InteractionId,
        token: &str,
        channel: ChannelId,
        component: bool,
        inbound: Inbound,
    ) -> Result<()> {
        {
            let mut map = self
                .shared
                .interactions
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            // Tokens live 15 minutes; older entries only matter for spotting replays.
            map.retain(|_, p| p.received.elapsed() < INTERACTION_MEMORY);
            map.entry(id).or_insert(PendingInteraction {
                channel,
                component,
                responded: false,
                received: std::time::Instant::now(),
            });
        }
        // The lanes deliver the desk's answer, if it gave one; otherwise acknowledge now.
        let answered =
            self.run(inbound).await || self.shared.interaction(id).is_some_and(|p| p.responded);
        if !answered {
            self.outlet.acknowledge(id, token).await?;
        }
        Ok(())
    }

    async fn interaction_place(
        &self,
        guild: Option<GuildId>,
        ch: ChannelId,
        known: Option<&PartialChannel>,
    ) -> Place {
        if guild.is_none() {
            return customer(ConversationRef::chat(Platform::Discord, ch.to_string()));
        }
        if self.shared.support_channels.contains(&ch) {
            return customer(ConversationRef::chat(Platform::Discord, ch.to_string()));
        }
        match self.guild_place(ch, known).await {
            Some(p) => p,
            // A command used elsewhere in the server is answered where it was used.
            None => customer(ConversationRef::chat(Platform::Discord, ch.to_string())),
        }
    }
}

/// The presser's client locale (Discord sends it with every interaction, beside the server's
/// preferred one; it is empty only for very old clients).
fn interaction_locale(user: &str) -> Option<String> {
    Some(user).filter(|l| !l.is_empty()).map(str::to_string)
}

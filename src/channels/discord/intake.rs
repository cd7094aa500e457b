//! Gateway intake: serenity events are queued in arrival order and turned into `Inbound`s
//! one at a time, so a customer's messages reach the desk in the order they were sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;
use serenity::all::{
    AutoArchiveDuration, ChannelId, ChannelType, Command, Context, CreateMessage, CreateThread,
    EventHandler, GuildId, Interaction, Message as DMessage, MessageUpdateEvent, PartialChannel,
    Ready, RoleId, User,
};
use tokio::sync::mpsc;

use super::Shared;
use super::commands;
use super::content;
use super::outlet::DiscordOutlet;
use crate::channels::Router;
use crate::domain::desk::Desk;
use crate::domain::event::{Attachment, AttachmentKind, Inbound, InboundBody, Outbound, Space};
use crate::domain::i18n::{Key, Lang};
use crate::domain::ids::{ConversationRef, MessageKey, Platform, UserRef};
use crate::tr;

/// How long answered interactions are remembered (Discord tokens expire after 15 minutes).
pub(super) const INTERACTION_MEMORY: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// What the gateway handler queues for the intake loop.
#[derive(Debug)]
pub enum Event {
    /// The session is up.
    Ready(Box<Ready>),
    /// A message was created.
    Message(Box<DMessage>),
    /// A slash command or button press.
    Interaction(Box<Interaction>),
    /// A message was edited (or Discord updated it, e.g. with a link preview).
    Edit(Box<MessageUpdateEvent>),
}

/// serenity's event handler: it only queues. serenity runs each handler call in its own
/// task, so doing work here would let a later message overtake an earlier one.
pub struct Handler {
    tx: mpsc::UnboundedSender<Event>,
}

impl Handler {
    pub(super) fn new(tx: mpsc::UnboundedSender<Event>) -> Self {
        Handler { tx }
    }
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        let _ = self.tx.send(Event::Ready(Box::new(ready)));
    }

    async fn message(&self, _ctx: Context, msg: DMessage) {
        let _ = self.tx.send(Event::Message(Box::new(msg)));
    }

    async fn interaction_create(&self, _ctx: Context, interaction: Interaction) {
        let _ = self.tx.send(Event::Interaction(Box::new(interaction)));
    }

    async fn message_update(
        &self,
        _ctx: Context,
        _old: Option<DMessage>,
        _new: Option<DMessage>,
        event: MessageUpdateEvent,
    ) {
        let _ = self.tx.send(Event::Edit(Box::new(event)));
    }
}

/// Where an event happened, in desk terms.
pub(super) struct Place {
    pub(super) conversation: ConversationRef,
    pub(super) space: Space,
}

/// Translates queued events and runs them through the desk and the router.
pub struct Intake {
    pub(super) shared: Arc<Shared>,
    pub(super) outlet: DiscordOutlet,
    pub(super) desk: Arc<Desk>,
    router: Arc<Router>,
    command_guilds: Vec<GuildId>,
    register: bool,
    registered: AtomicBool,
    /// Set at shutdown: events still failing to be stored are left to the backfill.
    pub(super) stopping: AtomicBool,
}

impl Event {
    /// The channel the event happened in: events of one channel are handled in order, those
    /// of different channels concurrently.
    pub fn channel_key(&self) -> String {
        match self {
            Event::Ready(_) => "ready".into(),
            Event::Message(m) => m.channel_id.to_string(),
            Event::Edit(e) => e.channel_id.to_string(),
            Event::Interaction(i) => match &**i {
                Interaction::Command(c) => c.channel_id.to_string(),
                Interaction::Component(c) => c.channel_id.to_string(),
                other => format!("interaction:{}", other.id()),
            },
        }
    }
}

impl Intake {
    pub(super) fn new(
        shared: Arc<Shared>,
        desk: Arc<Desk>,
        router: Arc<Router>,
        command_guilds: Vec<GuildId>,
        register: bool,
    ) -> Self {
        Intake {
            outlet: DiscordOutlet::new(Arc::clone(&shared)),
            shared,
            desk,
            router,
            command_guilds,
            register,
            registered: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
        }
    }

    /// Handles one event completely before the next.
    pub async fn handle(&self, event: Event) {
        let result = match event {
            Event::Ready(r) => self.ready(&r).await,
            Event::Message(m) => self.message(&m).await,
            Event::Interaction(i) => match *i {
                Interaction::Command(c) => self.command(&c).await,
                Interaction::Component(c) => self.component(&c).await,
                _ => Ok(()),
            },
            Event::Edit(e) => self.edit(&e).await,
        };
        if let Err(e) = result {
            tracing::error!(error = %format!("{e:#}"), "discord: event handling failed");
        }
    }

    async fn ready(&self, ready: &Ready) -> Result<()> {
        tracing::info!(user = %ready.user.name, session = %ready.session_id, "discord: ready");
        self.shared.http.set_application_id(ready.application.id);
        if !self.register || self.registered.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let http = &*self.shared.http;
        if self.command_guilds.is_empty() {
            Command::set_global_commands(http, commands::definitions()).await?;
        } else {
            for g in &self.command_guilds {
                g.set_commands(http, commands::definitions()).await?;
            }
        }
        Ok(())
    }

    /// Hands an event to the desk and its decided actions to the lanes. Discord does not
    /// send an event again, so while the store is unreachable this keeps trying (holding up
    /// only this conversation) until the event is handled or the bot stops.
    /// Returns whether the decided actions answer the event's interaction.
    pub(super) async fn run(&self, inbound: Inbound) -> bool {
        let mut wait = Duration::from_millis(250);
        loop {
            match self.desk.decide(inbound.clone()).await {
                Ok(planned) => {
                    let answers = inbound.interaction.as_ref().is_some_and(|handle| {
                        planned.iter().any(|p| match &p.action {
                            Outbound::Send { message, .. } => {
                                message.in_reply_to.as_ref() == Some(handle)
                            }
                            Outbound::Ack { interaction, .. } => interaction == handle,
                            _ => false,
                        })
                    });
                    self.router.dispatch(Platform::Discord, planned);
                    return answers;
                }
                Err(e) => {
                    tracing::warn!(error = %e, key = ?inbound.key, ?wait, "store unavailable; the event will be handled when it is back");
                    if self.stopping.load(Ordering::SeqCst) {
                        return false;
                    }
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    async fn message(&self, m: &DMessage) -> Result<()> {
        if m.author.bot || m.webhook_id.is_some() {
            return Ok(());
        }
        let Some(place) = self.message_place(m).await? else {
            return Ok(());
        };
        let community = match place.space {
            Space::Customer => self.community_locale(m.guild_id).await,
            Space::Staff => None,
        };
        for mut inbound in message_inbounds(m, place.conversation, place.space) {
            inbound.community_locale = community.clone();
            self.run(inbound).await;
        }
        Ok(())
    }

    /// The preferred locale of the server a message was written in (`None` in a DM).
    pub(super) async fn community_locale(&self, guild: Option<GuildId>) -> Option<String> {
        let guild = guild?;
        self.shared
            .guild_locales
            .get(&self.shared.http, guild)
            .await
    }

    async fn message_place(&self, m: &DMessage) -> Result<Option<Place>> {
        let ch = m.channel_id;
        if m.guild_id.is_none() {
            return Ok(Some(customer(ConversationRef::chat(
                Platform::Discord,
                ch.to_string(),
            ))));
        }
        if self.shared.support_channels.contains(&ch) {
            // A message carries no locale: the stored choice, the script, the server's
            // preferred locale, or the default.
            let community = self.community_locale(m.guild_id).await;
            let lang = self
                .desk
                .adapter_lang(
                    &user_ref(&m.author),
                    None,
                    community.as_deref(),
                    Some(&m.content),
                )
                .await;
            let thread = match self.customer_thread(ch, &m.author, lang).await {
                Ok(t) => t,
                Err(e) => {
                    // Without thread permissions the conversation stays in the channel.
                    tracing::warn!(error = %format!("{e:#}"), %ch, "discord: cannot open a private thread");
                    let here = ConversationRef::chat(Platform::Discord, ch.to_string());
                    return Ok(Some(customer(here)));
                }
            };
            let note = tr!(lang, Key::MovedToThread, thread = format!("<#{thread}>"));
            let reply = CreateMessage::new()
                .content(note)
                .reference_message(m)
                .allowed_mentions(content::no_mentions());
            if let Err(e) = ch.send_message(&*self.shared.http, reply).await {
                tracing::warn!(error = %e, "discord: cannot point the customer to their thread");
            }
            return Ok(Some(customer(ConversationRef::thread(
                Platform::Discord,
                ch.to_string(),
                thread.to_string(),
            ))));
        }
        Ok(self.guild_place(ch, None).await)
    }

    /// Staff lobby, staff thread or customer thread; `None` for channels the bot does not serve.
    pub(super) async fn guild_place(
        &self,
        ch: ChannelId,
        known: Option<&PartialChannel>,
    ) -> Option<Place> {
        if Some(ch) == self.shared.staff_channel {
            return Some(Place {
                conversation: ConversationRef::chat(Platform::Discord, ch.to_string()),
                space: Space::Staff,
            });
        }
        let parent = match known.filter(|c| is_thread(c.kind)) {
            Some(c) => c.parent_id,
            None => self.parent_of(ch).await,
        }?;
        let conversation =
            ConversationRef::thread(Platform::Discord, parent.to_string(), ch.to_string());
        if Some(parent) == self.shared.staff_channel {
            Some(Place {
                conversation,
                space: Space::Staff,
            })
        } else if self.shared.support_channels.contains(&parent) {
            Some(customer(conversation))
        } else {
            None
        }
    }

    /// The parent of a thread, asking Discord once per channel.
    async fn parent_of(&self, ch: ChannelId) -> Option<ChannelId> {
        if let Some(p) = self
            .shared
            .parents
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&ch)
        {
            return *p;
        }
        match self.shared.http.get_channel(ch).await {
            Ok(channel) => {
                let parent = channel
                    .guild()
                    .filter(|g| is_thread(g.kind))
                    .and_then(|g| g.parent_id);
                self.shared.remember_parent(ch, parent);
                parent
            }
            Err(e) => {
                tracing::warn!(%ch, error = %e, "discord: cannot look up channel");
                None
            }
        }
    }

    /// The customer's private thread in a support channel, created on first contact.
    pub(super) async fn customer_thread(
        &self,
        channel: ChannelId,
        user: &User,
        lang: Lang,
    ) -> Result<ChannelId> {
        let key = format!("discord:customer_thread:{channel}:{}", user.id);
        let known = self.shared.store.get_state(&key).await?;
        if let Some(t) = known
            .and_then(|id| id.parse::<u64>().ok())
            .filter(|n| *n > 0)
        {
            return Ok(ChannelId::new(t));
        }
        let name: String = tr!(lang, Key::CustomerThreadTitle, name = display_name(user))
            .chars()
            .take(100)
            .collect();
        let builder = CreateThread::new(name)
            .kind(ChannelType::PrivateThread)
            .invitable(false)
            .auto_archive_duration(AutoArchiveDuration::OneWeek);
        let thread = channel.create_thread(&*self.shared.http, builder).await?;
        thread
            .id
            .add_thread_member(&*self.shared.http, user.id)
            .await?;
        self.shared.remember_parent(thread.id, Some(channel));
        self.shared
            .store
            .set_state(&key, Some(&thread.id.to_string()))
            .await?;
        Ok(thread.id)
    }
}

/// The desk events a message stands for, once its place is known: one per file (the caption
/// rides on the first; keys stay stable on replay), or one text event; none for an empty
/// message. Pure, so it can be tested and fuzzed without a gateway.
pub fn message_inbounds(m: &DMessage, conversation: ConversationRef, space: Space) -> Vec<Inbound> {
    let roles = m
        .member
        .as_ref()
        .map(|mb| roles(&mb.roles))
        .unwrap_or_default();
    let base = Inbound {
        key: MessageKey::new(Platform::Discord, m.id.to_string()),
        at: *m.timestamp,
        from: user_ref(&m.author),
        roles,
        conversation,
        space,
        interaction: None,
        body: InboundBody::Text {
            text: m.content.clone(),
        },
        // A message carries no locale; the desk falls back to the script of the text and
        // to what an earlier interaction of this person told.
        locale: None,
        community_locale: None,
    };
    if m.attachments.is_empty() {
        if !m.content.trim().is_empty() {
            return vec![base];
        }
        // Nothing silently dropped: the sender hears that it was not passed on.
        return match super::edits::unsupported(m) {
            Some(kind) => vec![Inbound {
                body: InboundBody::Unsupported { kind },
                ..base
            }],
            None => Vec::new(),
        };
    }
    m.attachments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut inb = base.clone();
            if i > 0 {
                inb.key.id = format!("{}#{i}", m.id);
            }
            let caption = (i == 0 && !m.content.trim().is_empty()).then(|| m.content.clone());
            inb.body = InboundBody::Attachment {
                attachment: Attachment {
                    kind: attachment_kind(a.content_type.as_deref()),
                    platform: Platform::Discord,
                    file_ref: a.url.clone(),
                    source: None,
                    name: Some(a.filename.clone()),
                },
                caption,
            };
            inb
        })
        .collect()
}

pub(super) fn customer(conversation: ConversationRef) -> Place {
    Place {
        conversation,
        space: Space::Customer,
    }
}

fn is_thread(kind: ChannelType) -> bool {
    matches!(
        kind,
        ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
    )
}

pub(super) fn roles(ids: &[RoleId]) -> Vec<String> {
    ids.iter().map(|r| r.to_string()).collect()
}

fn display_name(u: &User) -> String {
    u.global_name.clone().unwrap_or_else(|| u.name.clone())
}

pub(super) fn user_ref(u: &User) -> UserRef {
    UserRef::new(Platform::Discord, u.id.to_string(), display_name(u))
}

fn attachment_kind(content_type: Option<&str>) -> AttachmentKind {
    match content_type.unwrap_or_default() {
        t if t.starts_with("image/") => AttachmentKind::Photo,
        t if t.starts_with("video/") => AttachmentKind::Video,
        t if t.starts_with("audio/") => AttachmentKind::Voice,
        _ => AttachmentKind::Document,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_kinds_follow_content_type() {
        assert_eq!(attachment_kind(Some("image/png")), AttachmentKind::Photo);
        assert_eq!(attachment_kind(Some("audio/ogg")), AttachmentKind::Voice);
        assert_eq!(attachment_kind(Some("video/mp4")), AttachmentKind::Video);
        assert_eq!(attachment_kind(None), AttachmentKind::Document);
    }
}

//! Carries out the desk's actions on Discord: messages (split, mention-safe, with buttons),
//! interaction responses and follow-ups, and staff-thread changes.

use std::sync::Arc;

use anyhow::{Context as _, Result, anyhow};
use async_trait::async_trait;
use serenity::all::Nonce;
use serenity::all::{
    ChannelId, CreateAttachment, CreateEmbed, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage,
    InteractionId,
};
use serenity::builder::Builder;
use sha2::{Digest, Sha256};

use super::content::{self, MAX_LEN};
use super::{Shared, threads};
use crate::channels::Outlet;
use crate::domain::event::{Message, Outbound, Target};
use crate::domain::i18n::{Key, Lang};
use crate::domain::replies;
use crate::tr;

/// Panels go in an embed, whose description may be longer than message content.
const EMBED_MAX: usize = 4096;

/// The Discord side of the router.
pub struct DiscordOutlet {
    pub(super) shared: Arc<Shared>,
}

impl DiscordOutlet {
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        DiscordOutlet { shared }
    }
}

/// Splits the `id:token` handle the intake put in `Inbound::interaction`.
pub(super) fn parse_handle(handle: &str) -> Option<(InteractionId, &str)> {
    let (id, token) = handle.split_once(':')?;
    let id = id.parse::<u64>().ok().filter(|n| *n > 0)?;
    (!token.is_empty()).then(|| (InteractionId::new(id), token))
}

/// Builds the handle for an interaction.
pub(super) fn handle(id: InteractionId, token: &str) -> String {
    format!("{id}:{token}")
}

fn channel_id(s: &str) -> Result<ChannelId> {
    s.parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .map(ChannelId::new)
        .ok_or_else(|| anyhow!("`{s}` is not a Discord channel id"))
}

#[async_trait]
impl Outlet for DiscordOutlet {
    fn refused_for_good(&self, error: &anyhow::Error) -> bool {
        error.chain().any(|c| {
            let status = match c.downcast_ref::<serenity::Error>() {
                Some(serenity::Error::Http(e)) => e.status_code(),
                _ => None,
            };
            status.is_some_and(|s| refused_status(s.as_u16()))
        })
    }

    async fn deliver(&self, action: &Outbound) -> Result<()> {
        self.carry_out(action, None).await
    }

    async fn deliver_once(&self, action: &Outbound, key: &str) -> Result<()> {
        self.carry_out(action, Some(key)).await
    }
}

impl DiscordOutlet {
    /// Carries out one action; messages posted for an outbox row carry a nonce derived from
    /// `key`, which Discord enforces, so a post retried after a crash appears once.
    async fn carry_out(&self, action: &Outbound, key: Option<&str>) -> Result<()> {
        // A global 429 seen by any request holds every lane until it ends, except answers to
        // interactions, which Discord exempts from the global limit (and which expire).
        let answers_interaction = match action {
            Outbound::Ack { .. } => true,
            Outbound::Send { message, .. } => message
                .in_reply_to
                .as_deref()
                .and_then(parse_handle)
                .is_some(),
            _ => false,
        };
        if !answers_interaction {
            self.shared.global_limit.wait().await;
        }
        match action {
            Outbound::Send { to, message } => {
                if let Some((id, token)) = message.in_reply_to.as_deref().and_then(parse_handle) {
                    return self.respond(id, token, message).await;
                }
                if message.direct {
                    return self.send_direct(message).await;
                }
                // A private answer must not reopen a closed ticket's archived thread.
                if message.ephemeral
                    && let Some(thread) = self.closed_staff_thread(to).await?
                {
                    return self
                        .tell_privately(message.private_to.as_ref(), thread, message)
                        .await;
                }
                let channel = self.resolve(to, message.lang).await?;
                self.send(channel, message, key).await
            }
            Outbound::ClearButtons { to, message } => self.clear_buttons(to, message).await,
            Outbound::Ack {
                interaction, text, ..
            } => {
                let Some((id, token)) = parse_handle(interaction) else {
                    return Err(anyhow!(
                        "`{interaction}` is not a Discord interaction handle"
                    ));
                };
                self.ack(id, token, text.as_deref()).await
            }
            Outbound::OpenStaffSpace { ticket, title, .. } => {
                threads::open(&self.shared, *ticket, title).await
            }
            Outbound::UpdateStaffSpace {
                ticket,
                title,
                open,
                ..
            } => threads::update(&self.shared, *ticket, title, *open).await,
        }
    }

    /// The channel of `to`. A staff thread that could not be made when its ticket opened is
    /// made now, titled in `lang` (the staff's, named by the message going there).
    pub(super) async fn resolve(&self, to: &Target, lang: Option<Lang>) -> Result<ChannelId> {
        match to {
            Target::Conversation(c) => channel_id(c.thread.as_deref().unwrap_or(&c.chat)),
            Target::StaffSpace { ticket, .. } => {
                if let Some(thread) = threads::staff_thread(&self.shared, *ticket).await? {
                    return Ok(thread);
                }
                // The thread could not be made when the ticket opened (missing permission, an
                // outage): make it now, so this message opens it instead of being lost.
                let t = self
                    .shared
                    .store
                    .ticket(*ticket)
                    .await?
                    .with_context(|| format!("there is no ticket {ticket}"))?;
                threads::open(
                    &self.shared,
                    *ticket,
                    &replies::staff_title(lang.unwrap_or_default(), &t),
                )
                .await?;
                threads::staff_thread(&self.shared, *ticket)
                    .await?
                    .with_context(|| format!("ticket {ticket} has no Discord staff thread"))
            }
            Target::StaffLobby { .. } => self
                .shared
                .staff_channel
                .context("discord.staff_channel_id is not set"),
        }
    }

    /// Posts a message in a channel, split to Discord's limit; buttons go on the last part.
    /// With a `key`, each part carries an enforced nonce made from it.
    pub(super) async fn send(
        &self,
        channel: ChannelId,
        message: &Message,
        key: Option<&str>,
    ) -> Result<()> {
        let http = &*self.shared.http;
        let lang = message.lang.unwrap_or(Lang::En);
        let text = content::compose(&message.text, &message.attachments, lang);
        let rows = content::components(&message.buttons);
        if content::is_panel(&message.buttons) {
            // The desk words the panel's title as its first line, in the customers' language.
            let (title, body) = text.split_once('\n').unwrap_or(("", text.as_str()));
            let desc: String = body.chars().take(EMBED_MAX).collect();
            let m = CreateMessage::new()
                .embed(CreateEmbed::new().title(title).description(desc))
                .components(rows)
                .allowed_mentions(content::no_mentions());
            channel.send_message(http, with_nonce(m, key, 0)).await?;
            return Ok(());
        }
        // Mentions go on a line of their own at the end, added after the text was neutralised
        // and split, and only the last part allows them: only the users the desk named are pinged.
        let (pings, allowed) = content::mentions(&message.notify);
        let mut parts = parts(&text, !rows.is_empty(), lang);
        if !pings.is_empty() {
            match parts.last_mut() {
                Some(last) if last.chars().count() + 1 + pings.chars().count() <= MAX_LEN => {
                    last.push('\n');
                    last.push_str(&pings);
                }
                _ => parts.push(pings),
            }
        }
        let last = parts.len() - 1;
        for (i, part) in parts.into_iter().enumerate() {
            let mut m = CreateMessage::new()
                .content(part)
                .allowed_mentions(if i == last {
                    allowed.clone()
                } else {
                    content::no_mentions()
                });
            if i == last {
                m = m.components(rows.clone());
            }
            channel
                .send_message(http, with_nonce(m, key, i))
                .await
                .with_context(|| format!("cannot send to channel {channel}"))?;
        }
        if let Some(image) = &message.image {
            // A picture the bot drew (a digest's chart) follows as an upload with its caption.
            let m = CreateMessage::new()
                .content(content::neutralise(&image.caption))
                .add_file(CreateAttachment::bytes(
                    image.png.clone(),
                    image.name.clone(),
                ))
                .allowed_mentions(content::no_mentions());
            channel
                .send_message(http, with_nonce(m, key, last + 1))
                .await
                .with_context(|| format!("cannot upload an image to channel {channel}"))?;
        }
        Ok(())
    }

    /// Answers an interaction: the first part is the response, the rest follow-ups. When the
    /// response window has passed, a public message goes to the channel instead.
    async fn respond(&self, id: InteractionId, token: &str, message: &Message) -> Result<()> {
        let http = &*self.shared.http;
        let pending = self.shared.interaction(id);
        let lang = message.lang.unwrap_or(Lang::En);
        let text = content::compose(&message.text, &message.attachments, lang);
        let rows = content::components(&message.buttons);
        let parts = parts(&text, !rows.is_empty(), lang);
        let last = parts.len() - 1;
        let mut responded = pending.is_some_and(|p| p.responded);
        for (i, part) in parts.into_iter().enumerate() {
            let rows = if i == last { rows.clone() } else { Vec::new() };
            if !responded {
                let r = CreateInteractionResponseMessage::new()
                    .content(part.clone())
                    .ephemeral(message.ephemeral)
                    .allowed_mentions(content::no_mentions())
                    .components(rows.clone());
                match CreateInteractionResponse::Message(r)
                    .execute(http, (id, token))
                    .await
                {
                    Ok(()) => {
                        self.shared.mark_responded(id);
                        responded = true;
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(%id, error = %e, "discord: interaction response failed");
                        let Some(p) = pending.filter(|_| !message.ephemeral) else {
                            return Err(anyhow::Error::new(e).context("cannot answer interaction"));
                        };
                        // Fall back to a plain message for the rest, this part included.
                        self.shared.mark_responded(id);
                        let rest = Message {
                            text: part,
                            ..message.clone()
                        };
                        return self.send(p.channel, &rest, None).await;
                    }
                }
            }
            let f = CreateInteractionResponseFollowup::new()
                .content(part)
                .ephemeral(message.ephemeral)
                .allowed_mentions(content::no_mentions())
                .components(rows);
            f.execute(http, (None, token))
                .await
                .context("cannot send interaction follow-up")?;
        }
        Ok(())
    }

    /// Acknowledges a button press or command; `text` becomes an ephemeral notice.
    async fn ack(&self, id: InteractionId, token: &str, text: Option<&str>) -> Result<()> {
        let http = &*self.shared.http;
        let pending = self.shared.interaction(id);
        let responded = pending.is_some_and(|p| p.responded);
        match (text, responded) {
            (Some(t), false) => {
                let r = CreateInteractionResponseMessage::new()
                    .content(first_part(t))
                    .ephemeral(true)
                    .allowed_mentions(content::no_mentions());
                CreateInteractionResponse::Message(r)
                    .execute(http, (id, token))
                    .await?;
            }
            (Some(t), true) => {
                CreateInteractionResponseFollowup::new()
                    .content(first_part(t))
                    .ephemeral(true)
                    .allowed_mentions(content::no_mentions())
                    .execute(http, (None, token))
                    .await?;
            }
            (None, false) => self.acknowledge(id, token).await?,
            (None, true) => {}
        }
        self.shared.mark_responded(id);
        Ok(())
    }

    /// The silent response: a deferred update for buttons, a short ephemeral note for commands.
    pub(super) async fn acknowledge(&self, id: InteractionId, token: &str) -> Result<()> {
        let http = &*self.shared.http;
        let component = self.shared.interaction(id).is_none_or(|p| p.component);
        let r = if component {
            CreateInteractionResponse::Acknowledge
        } else {
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new()
                    // A slash command the desk answered without words: a sign, not a word,
                    // so it reads right in every language.
                    .content("✅")
                    .ephemeral(true),
            )
        };
        r.execute(http, (id, token)).await?;
        self.shared.mark_responded(id);
        Ok(())
    }
}

/// Adds the nonce of part `part` of the outbox row `key`, enforced: Discord then answers a
/// repeat within a few minutes with the message already posted instead of posting it again.
/// The nonce hashes the key with the part's content, so a reused row id (a new database)
/// cannot swallow a different message; Discord allows 25 characters.
fn with_nonce(m: CreateMessage, key: Option<&str>, part: usize) -> CreateMessage {
    let Some(key) = key else {
        return m;
    };
    let content = serde_json::to_string(&m).unwrap_or_default();
    let digest = Sha256::digest(format!("{key}/{part}/{content}").as_bytes());
    let nonce: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    m.nonce(Nonce::String(nonce[..25].to_string()))
        .enforce_nonce(true)
}

fn first_part(text: &str) -> String {
    let n = content::neutralise(text);
    content::split(&n, MAX_LEN)
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// Message parts; a message with buttons but no text still needs some content.
fn parts(text: &str, has_buttons: bool, lang: Lang) -> Vec<String> {
    let mut parts = content::split(text, MAX_LEN);
    if parts.is_empty() {
        parts.push(if has_buttons {
            "\u{2063}".to_string()
        } else {
            tr!(lang, Key::EmptyMessage)
        });
    }
    parts
}

/// Whether an HTTP status from Discord refuses a request for good: a client error other than
/// 429 (rate limited). Server errors and rate limits are worth another attempt.
fn refused_status(status: u16) -> bool {
    (400..500).contains(&status) && status != 429
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_round_trip() {
        let h = handle(InteractionId::new(7000), "tok:en");
        let (id, token) = parse_handle(&h).unwrap();
        assert_eq!(id, InteractionId::new(7000));
        assert_eq!(token, "tok:en");
        assert!(parse_handle("nope").is_none());
        assert!(parse_handle("0:x").is_none());
        assert!(parse_handle("5:").is_none());
    }

    #[test]
    fn client_errors_are_final_except_rate_limits() {
        for s in [400, 403, 404, 413] {
            assert!(super::refused_status(s), "{s}");
        }
        for s in [429, 500, 502, 503] {
            assert!(!super::refused_status(s), "{s}");
        }
    }
}

//! Carries out desk actions on Telegram: messages (escaped, split, with keyboards), copies of
//! media, callback answers, and the staff forum topic (or reply thread) of each ticket.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use async_trait::async_trait;
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQueryId, InputFile, MessageId, ParseMode, ReplyParameters, ThreadId,
};

use super::TelegramConfig;
use super::format::{MAX_MESSAGE, keyboard, render_chunks};
use super::limits::SendLimits;
use crate::channels::Outlet;
use crate::delivery::RateLimited;
use crate::domain::event::{Attachment, Image, Message as DeskMessage, Outbound, Target};
use crate::domain::i18n::{Key, Lang};
use crate::domain::ids::{ConversationRef, Platform, TicketId};
use crate::domain::ports::TicketStore;
use crate::domain::replies;
use crate::tr;

/// The outlet does not know `staff.lang`; the two texts it words itself (a staff topic made
/// late, a status line where topics are off) are in the default language.
const STAFF_FALLBACK_LANG: Lang = Lang::En;

/// Sends desk actions, within Telegram's limits per chat and overall.
pub struct TelegramOutlet {
    bot: Bot,
    cfg: TelegramConfig,
    store: Arc<dyn TicketStore>,
    limits: SendLimits,
    /// Topics made whose binding to their ticket could not be stored yet (the store was
    /// down): a retry stores the binding instead of making a second topic.
    unbound: std::sync::Mutex<std::collections::HashMap<TicketId, ConversationRef>>,
}

/// Where in a chat a message goes.
struct Place {
    chat: ChatId,
    thread: Option<i32>,
}

/// Puts a request in its place's forum topic or, without topics, in reply to the ticket's root
/// message (which keeps it in that reply thread). A macro because each request type has its
/// own setter traits.
macro_rules! in_thread {
    ($req:expr, $place:expr, $topics:expr) => {
        match $place.thread {
            Some(t) if $topics => $req.message_thread_id(ThreadId(MessageId(t))),
            Some(t) => $req
                .reply_parameters(ReplyParameters::new(MessageId(t)).allow_sending_without_reply()),
            None => $req,
        }
    };
}

impl TelegramOutlet {
    /// An outlet over `bot`.
    pub fn new(bot: Bot, cfg: TelegramConfig, store: Arc<dyn TicketStore>) -> TelegramOutlet {
        let limits = SendLimits::new(cfg.limits.clone());
        TelegramOutlet {
            bot,
            cfg,
            store,
            limits,
            unbound: Default::default(),
        }
    }

    fn staff_chat(&self) -> Result<ChatId> {
        self.cfg.staff_chat_id.map(ChatId).ok_or_else(|| {
            anyhow!("telegram.staff_chat_id is not configured; cannot reach the staff group")
        })
    }

    fn place_of(conv: &ConversationRef) -> Result<Place> {
        let chat = conv
            .chat
            .parse::<i64>()
            .with_context(|| format!("bad Telegram chat id {}", conv.chat))?;
        let thread = conv
            .thread
            .as_deref()
            .map(str::parse::<i32>)
            .transpose()
            .context("bad Telegram thread id")?;
        Ok(Place {
            chat: ChatId(chat),
            thread,
        })
    }

    async fn resolve(&self, to: &Target) -> Result<Place> {
        match to {
            Target::Conversation(c) => Self::place_of(c),
            Target::StaffLobby { .. } => Ok(Place {
                chat: self.staff_chat()?,
                thread: None,
            }),
            Target::StaffSpace { ticket, .. } => {
                if let Some(conv) = self.store.staff_space(*ticket, Platform::Telegram).await? {
                    return Self::place_of(&conv);
                }
                // The topic could not be made when the ticket opened: try again now; failing
                // that, keep the message visible in the group itself.
                if let Some(t) = self.store.ticket(*ticket).await? {
                    match self
                        .open_space(*ticket, &replies::staff_title(STAFF_FALLBACK_LANG, &t))
                        .await
                    {
                        Ok(()) => {
                            if let Some(conv) =
                                self.store.staff_space(*ticket, Platform::Telegram).await?
                            {
                                return Self::place_of(&conv);
                            }
                        }
                        Err(e) => {
                            tracing::warn!(%ticket, error = %format!("{e:#}"), "staff topic still missing; posting in the group")
                        }
                    }
                }
                Ok(Place {
                    chat: self.staff_chat()?,
                    thread: None,
                })
            }
        }
    }

    async fn send(&self, place: &Place, message: &DeskMessage) -> Result<()> {
        self.send_text(place, message).await?;
        for a in &message.attachments {
            self.relay_attachment(place, a, message.lang.unwrap_or(Lang::En))
                .await?;
        }
        if let Some(image) = &message.image {
            self.send_image(place, image).await?;
        }
        Ok(())
    }

    /// Uploads a picture the bot drew (a digest's chart) as a photo with its caption.
    async fn send_image(&self, place: &Place, image: &Image) -> Result<()> {
        let file = InputFile::memory(image.png.clone()).file_name(image.name.clone());
        // Sent without markup: the caption is plain text and needs no escaping.
        let req = self
            .bot
            .send_photo(place.chat, file)
            .caption(image.caption.clone());
        let req = in_thread!(req, place, self.cfg.forum_topics);
        self.limits.acquire(place.chat.0).await;
        req.await.context("sendPhoto failed")?;
        Ok(())
    }

    async fn send_text(&self, place: &Place, message: &DeskMessage) -> Result<()> {
        let mut chunks = render_chunks(&message.text);
        let pings = super::format::mentions(&message.notify);
        if !pings.is_empty() {
            match chunks.last_mut() {
                // Markup counts here although Telegram would not, so this errs on the safe side.
                Some(last) if last.chars().count() + 1 + pings.chars().count() <= MAX_MESSAGE => {
                    last.push('\n');
                    last.push_str(&pings);
                }
                _ => chunks.push(pings),
            }
        }
        let last = chunks.len() - 1;
        for (i, chunk) in chunks.into_iter().enumerate() {
            if chunk.is_empty() && message.buttons.is_empty() {
                continue;
            }
            let text = if chunk.is_empty() {
                "…".to_string()
            } else {
                chunk
            };
            let mut req = self
                .bot
                .send_message(place.chat, text)
                .parse_mode(ParseMode::Html);
            req = in_thread!(req, place, self.cfg.forum_topics);
            if i == last
                && let Some(kb) = keyboard(&message.buttons)
            {
                req = req.reply_markup(kb);
            }
            self.limits.acquire(place.chat.0).await;
            req.await.context("sendMessage failed")?;
        }
        Ok(())
    }

    async fn relay_attachment(&self, place: &Place, a: &Attachment, lang: Lang) -> Result<()> {
        match (&a.source, a.platform) {
            (Some((from, message_id)), Platform::Telegram) => {
                let from = Self::place_of(from)?;
                let id = message_id.parse::<i32>().context("bad source message id")?;
                let req = self.bot.copy_message(place.chat, from.chat, MessageId(id));
                let req = in_thread!(req, place, self.cfg.forum_topics);
                self.limits.acquire(place.chat.0).await;
                req.await.context("copyMessage failed")?;
            }
            _ => {
                // Files from another platform can't be copied; their URL is the next best thing.
                let name = a.name.clone().unwrap_or_else(|| a.file_ref.clone());
                let text = tr!(lang, Key::AttachmentLink, name = name);
                let body = if a.file_ref.starts_with("http") {
                    format!("{text}\n{}", a.file_ref)
                } else {
                    text
                };
                self.send_text(place, &DeskMessage::text(body)).await?;
            }
        }
        Ok(())
    }

    async fn open_space(&self, ticket: TicketId, title: &str) -> Result<()> {
        // A space made meanwhile (lazily, by a message to it) is the ticket's space: a retried
        // or repeated open must not make a second one.
        if self
            .store
            .staff_space(ticket, Platform::Telegram)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let made = self
            .unbound
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&ticket)
            .cloned();
        if let Some(conv) = made {
            return self.bind(ticket, conv).await;
        }
        let chat = self.staff_chat()?;
        self.limits.acquire(chat.0).await;
        let thread = if self.cfg.forum_topics {
            let topic = self
                .bot
                .create_forum_topic(chat, title.to_string())
                .await
                .context("createForumTopic failed")?;
            topic.thread_id.0.0
        } else {
            let root = self
                .bot
                .send_message(
                    chat,
                    format!("<b>{}</b>", super::format::escape_html(title)),
                )
                .parse_mode(ParseMode::Html)
                .await
                .context("sendMessage (ticket root) failed")?;
            root.id.0
        };
        let conv =
            ConversationRef::thread(Platform::Telegram, chat.0.to_string(), thread.to_string());
        self.unbound
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(ticket, conv.clone());
        self.bind(ticket, conv).await?;
        let place = Place {
            chat,
            thread: Some(thread),
        };
        self.remember_topic(&topic_state_key(&place, thread), title, true)
            .await
    }

    async fn bind(&self, ticket: TicketId, conv: ConversationRef) -> Result<()> {
        self.store.bind_staff_space(ticket, &conv).await?;
        self.unbound
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&ticket);
        Ok(())
    }

    /// Brings the ticket's topic to `title` and `open`, making only the calls that change
    /// something: the last applied title and state are kept per topic, so a claim (which
    /// changes neither) costs no request, where Telegram would answer TOPIC_NOT_MODIFIED.
    async fn update_space(&self, ticket: TicketId, title: &str, open: bool) -> Result<()> {
        let Some(conv) = self.store.staff_space(ticket, Platform::Telegram).await? else {
            return Ok(());
        };
        let place = Self::place_of(&conv)?;
        let Some(thread) = place.thread else {
            return Ok(());
        };
        let key = topic_state_key(&place, thread);
        let known = self
            .store
            .get_state(&key)
            .await?
            .and_then(|v| serde_json::from_str::<(String, bool)>(&v).ok());
        let rename = known.as_ref().is_none_or(|(t, _)| t != title);
        let toggle = known.as_ref().is_none_or(|(_, o)| *o != open);
        if !rename && !toggle {
            return Ok(());
        }
        if !self.cfg.forum_topics {
            let lang = STAFF_FALLBACK_LANG;
            let state = tr!(
                lang,
                if open {
                    Key::TopicOpen
                } else {
                    Key::TopicClosed
                }
            );
            self.send_text(
                &place,
                &DeskMessage::text(tr!(lang, Key::TopicNow, title = title, state = state)),
            )
            .await?;
            return self.remember_topic(&key, title, open).await;
        }
        let thread = ThreadId(MessageId(thread));
        self.limits.acquire(place.chat.0).await;
        let renamed = if rename {
            self.bot
                .edit_forum_topic(place.chat, thread)
                .name(title.to_string())
                .await
                .map(|_| ())
        } else {
            Ok(())
        };
        // The open/closed state matters more than the name, so it is set even if renaming failed.
        let toggled = match (toggle, open) {
            (false, _) => Ok(()),
            (true, true) => self
                .bot
                .reopen_forum_topic(place.chat, thread)
                .await
                .map(|_| ()),
            (true, false) => self
                .bot
                .close_forum_topic(place.chat, thread)
                .await
                .map(|_| ()),
        };
        // When the state is not known (a topic from before a restart), Telegram may still
        // answer that nothing changed; that is the state wanted.
        let unchanged = |e: &teloxide::RequestError| e.to_string().contains("TOPIC_NOT_MODIFIED");
        match toggled {
            Err(e) if !unchanged(&e) => {
                let state = if open {
                    "reopenForumTopic"
                } else {
                    "closeForumTopic"
                };
                return Err(anyhow::Error::new(e).context(format!("{state} failed")));
            }
            _ => {}
        }
        match renamed {
            Err(e) if !unchanged(&e) => Err(anyhow::Error::new(e).context("editForumTopic failed")),
            _ => self.remember_topic(&key, title, open).await,
        }
    }

    async fn remember_topic(&self, key: &str, title: &str, open: bool) -> Result<()> {
        let value = serde_json::to_string(&(title, open))?;
        self.store.set_state(key, Some(&value)).await?;
        Ok(())
    }

    /// Removes the inline keyboard of a message the bot sent.
    async fn clear_buttons(&self, to: &Target, message: &str) -> Result<()> {
        let place = self.resolve(to).await?;
        let id = message
            .parse::<i32>()
            .with_context(|| format!("bad Telegram message id {message}"))?;
        match self
            .bot
            .edit_message_reply_markup(place.chat, MessageId(id))
            .await
        {
            Ok(_) => Ok(()),
            // Already without buttons (a repeated tap, a retried action): the state wanted.
            Err(e) if e.to_string().contains("message is not modified") => Ok(()),
            Err(e) => Err(anyhow::Error::new(e).context("editMessageReplyMarkup failed")),
        }
    }
}

/// The state key under which the last applied title and state of a topic are kept.
fn topic_state_key(place: &Place, thread: i32) -> String {
    format!("telegram.topic:{}:{thread}", place.chat.0)
}

#[async_trait]
impl Outlet for TelegramOutlet {
    fn refused_for_good(&self, error: &anyhow::Error) -> bool {
        refused_for_good(error)
    }

    async fn deliver(&self, action: &Outbound) -> Result<()> {
        self.carry_out(action).await.map_err(as_rate_limit)
    }
}

/// Telegram's flood control (429 with `retry_after`) as the lanes' [`RateLimited`], so the
/// lane waits exactly that long; the original error stays as context.
fn as_rate_limit(e: anyhow::Error) -> anyhow::Error {
    let after = e
        .chain()
        .find_map(|c| match c.downcast_ref::<teloxide::RequestError>() {
            Some(teloxide::RequestError::RetryAfter(s)) => Some(s.duration()),
            _ => None,
        });
    match after {
        Some(after) => {
            let text = format!("{e:#}");
            anyhow::Error::new(RateLimited {
                after,
                global: false,
            })
            .context(text)
        }
        None => e,
    }
}

impl TelegramOutlet {
    async fn carry_out(&self, action: &Outbound) -> Result<()> {
        match action {
            // A private chat with a Telegram user has the user's id: what is for one person's
            // eyes goes there (they must have started the bot, or Telegram refuses for good).
            Outbound::Send { message, .. } if message.direct => {
                let person = message
                    .private_to
                    .as_ref()
                    .filter(|p| p.platform == Platform::Telegram)
                    .ok_or_else(|| anyhow!("a direct message names no Telegram user; not sent"))?;
                let chat = person
                    .id
                    .parse::<i64>()
                    .map_err(|_| anyhow!("`{}` is not a Telegram user id", person.id))?;
                self.send(
                    &Place {
                        chat: ChatId(chat),
                        thread: None,
                    },
                    message,
                )
                .await
            }
            Outbound::Send { to, message } => {
                let place = self.resolve(to).await?;
                self.send(&place, message).await
            }
            Outbound::Ack {
                interaction,
                text,
                alert,
            } => {
                let mut req = self
                    .bot
                    .answer_callback_query(CallbackQueryId(interaction.clone()));
                if let Some(t) = text {
                    req = req
                        .text(t.chars().take(200).collect::<String>())
                        .show_alert(*alert);
                }
                req.await.context("answerCallbackQuery failed")?;
                Ok(())
            }
            Outbound::OpenStaffSpace { ticket, title, .. } => self.open_space(*ticket, title).await,
            Outbound::UpdateStaffSpace {
                ticket,
                title,
                open,
                ..
            } => self.update_space(*ticket, title, *open).await,
            Outbound::ClearButtons { to, message } => self.clear_buttons(to, message).await,
        }
    }
}

/// Whether Telegram refused a request for good: it answered with an API error (a bad request,
/// a forbidden or unknown chat). Network trouble, flood control and server errors are worth
/// another attempt.
fn refused_for_good(error: &anyhow::Error) -> bool {
    use teloxide::{ApiError, RequestError};
    error
        .chain()
        .any(|c| match c.downcast_ref::<RequestError>() {
            Some(RequestError::Api(ApiError::Unknown(text))) => {
                text.starts_with("Bad Request") || text.starts_with("Forbidden")
            }
            Some(RequestError::Api(_)) => true,
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::refused_for_good;
    use anyhow::Context;
    use teloxide::{ApiError, RequestError};

    fn wrapped(e: RequestError) -> anyhow::Error {
        Err::<(), _>(e).context("sendMessage failed").unwrap_err()
    }

    #[test]
    fn api_refusals_are_final_and_outages_are_not() {
        assert!(refused_for_good(&wrapped(RequestError::Api(
            ApiError::BotBlocked
        ))));
        assert!(refused_for_good(&wrapped(RequestError::Api(
            ApiError::ChatNotFound
        ))));
        assert!(refused_for_good(&wrapped(RequestError::Api(
            ApiError::Unknown("Bad Request: message thread not found".into())
        ))));
        assert!(!refused_for_good(&wrapped(RequestError::Api(
            ApiError::Unknown("Internal Server Error".into())
        ))));
        assert!(!refused_for_good(&wrapped(RequestError::RetryAfter(
            teloxide::types::Seconds::from_seconds(5)
        ))));
        assert!(!refused_for_good(&anyhow::anyhow!("connection reset")));
    }
}

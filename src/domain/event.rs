//! `Inbound` and `Outbound`: the only shapes channel adapters exchange with the desk.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::i18n::Lang;
use super::ids::{ConversationRef, MessageKey, Platform, TicketId, UserRef};
use super::ticket::{Priority, TicketKind};

/// Which side of the desk a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Space {
    /// A DM with the bot or a public support channel.
    Customer,
    /// The staff group/channel or a ticket's staff thread or topic.
    Staff,
}

/// One event from a platform, already translated by its adapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inbound {
    /// Platform message/update id; a second Inbound with the same key is ignored.
    pub key: MessageKey,
    /// When the platform says it happened.
    pub at: DateTime<Utc>,
    /// Who wrote or clicked.
    pub from: UserRef,
    /// Platform role ids the sender holds (Discord roles); mapped to tiers and staff roles by config.
    pub roles: Vec<String>,
    /// Where it was written; replies go back here.
    pub conversation: ConversationRef,
    /// Customer side or staff side.
    pub space: Space,
    /// An opaque handle for answering a button press or slash command (callback query id,
    /// interaction id/token); `None` for plain messages.
    pub interaction: Option<String>,
    /// What was said or done.
    pub body: InboundBody,
    /// The sender's language as their platform reports it (Telegram `language_code`, the
    /// Discord interaction's locale); `None` when it does not say.
    #[serde(default)]
    pub locale: Option<String>,
    /// The preferred locale of the community it was written in (a Discord server's): the
    /// default for a person who tells nothing else, weaker than their script or an earlier
    /// choice, since most servers never change Discord's `en-US`.
    #[serde(default)]
    pub community_locale: Option<String>,
}

/// The payload of an inbound event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InboundBody {
    /// A text message or typed command.
    Text {
        /// The message text, exactly as received.
        text: String,
    },
    /// A file, photo or voice message, with an optional caption.
    Attachment {
        /// The file.
        attachment: Attachment,
        /// Caption text sent with it.
        caption: Option<String>,
    },
    /// A button press, decoded from its callback data.
    Button {
        /// The raw callback data, kept so stale or foreign data can be reported.
        data: String,
        /// The platform id of the message carrying the button, when the platform says; lets
        /// the desk take used buttons off it.
        #[serde(default)]
        message: Option<String>,
    },
    /// A correction of an earlier message: its new text (and files). The event's key holds
    /// the edited message's id and the edit's time, so a redelivered edit is a duplicate.
    Edited {
        /// The whole new text (or caption).
        text: String,
        /// Files of the edited message, when it has any.
        attachments: Vec<Attachment>,
    },
    /// Something the bot cannot pass on (a sticker, a location, a poll, …).
    Unsupported {
        /// What it was.
        kind: UnsupportedKind,
    },
}

/// Kinds of message the bot cannot relay to the other side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnsupportedKind {
    /// A sticker.
    Sticker,
    /// A shared location or venue.
    Location,
    /// A shared contact card.
    Contact,
    /// A poll or quiz.
    Poll,
    /// A dice, darts or similar animated emoji game.
    Dice,
    /// A game.
    Game,
    /// A forwarded story.
    Story,
    /// Anything else without text or a file.
    Other,
}

/// Kinds of file the bot relays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentKind {
    /// An image.
    Photo,
    /// Any other file.
    Document,
    /// A voice note.
    Voice,
    /// A video.
    Video,
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// What sort of file it is.
    pub kind: AttachmentKind,
    /// Platform where `file_ref` is valid.
    pub platform: Platform,
    /// A Telegram file id, or a Discord attachment URL.
    pub file_ref: String,
    /// The source message, when the platform can copy messages (Telegram `copyMessage`).
    pub source: Option<(ConversationRef, String)>,
    /// File name, when known.
    pub name: Option<String>,
}

/// What an adapter must do. Every variant names where it goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outbound {
    /// Send a message.
    Send {
        /// Destination.
        to: Target,
        /// Content.
        message: Message,
    },
    /// Answer a button press or slash command (the `interaction` of the Inbound).
    Ack {
        /// The handle from `Inbound::interaction`.
        interaction: String,
        /// A short notice for the presser; `None` acknowledges silently.
        text: Option<String>,
        /// Show as a blocking alert (Telegram) / ephemeral message (Discord).
        alert: bool,
    },
    /// Create the ticket's staff thread or forum topic on `platform`.
    OpenStaffSpace {
        /// Ticket the space belongs to.
        ticket: TicketId,
        /// Platform where agents work on this ticket.
        platform: Platform,
        /// Thread/topic title, like `#42 [P2] printer offline`.
        title: String,
    },
    /// Takes the buttons off a message the bot sent (they were used).
    ClearButtons {
        /// Where the message is.
        to: Target,
        /// The platform's id of the message.
        message: String,
    },
    /// Rename, archive or reopen the ticket's staff space.
    UpdateStaffSpace {
        /// Ticket the space belongs to.
        ticket: TicketId,
        /// Platform of the space.
        platform: Platform,
        /// New title.
        title: String,
        /// Whether the space should be open (ticket active) or closed/archived.
        open: bool,
    },
}

/// Where an outbound message goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// A concrete conversation (a customer DM, a support channel, a known thread).
    Conversation(ConversationRef),
    /// The staff thread/topic of a ticket; the adapter resolves it through the stored mapping.
    StaffSpace {
        /// The ticket.
        ticket: TicketId,
        /// Platform where the staff space lives.
        platform: Platform,
    },
    /// The main staff chat/channel on a platform (for queue-wide notices).
    StaffLobby {
        /// Platform of the staff chat.
        platform: Platform,
    },
}

impl Target {
    /// The platform whose adapter must carry this out.
    pub fn platform(&self) -> Platform {
        match self {
            Target::Conversation(c) => c.platform,
            Target::StaffSpace { platform, .. } | Target::StaffLobby { platform } => *platform,
        }
    }
}

impl Target {
    /// A key naming this place, for keeping the order of what is sent there.
    pub fn lane(&self) -> String {
        match self {
            Target::Conversation(c) => format!(
                "conversation:{}:{}:{}",
                c.platform,
                c.chat,
                c.thread.as_deref().unwrap_or("")
            ),
            Target::StaffSpace { ticket, platform } => format!("staff:{platform}:{}", ticket.0),
            Target::StaffLobby { platform } => format!("lobby:{platform}"),
        }
    }
}

impl Outbound {
    /// Where the action lands, as a key: actions with the same lane must reach the platform
    /// in the order they were made. A ticket's staff space is one lane whether the action
    /// creates, renames or posts in it. `None` for `Ack`, which answers one interaction.
    pub fn lane(&self) -> Option<String> {
        match self {
            Outbound::Send { to, .. } | Outbound::ClearButtons { to, .. } => Some(to.lane()),
            Outbound::Ack { .. } => None,
            Outbound::OpenStaffSpace {
                ticket, platform, ..
            }
            | Outbound::UpdateStaffSpace {
                ticket, platform, ..
            } => Some(
                Target::StaffSpace {
                    ticket: *ticket,
                    platform: *platform,
                }
                .lane(),
            ),
        }
    }

    /// Whether the action is kept in the outbox until delivered. Interaction answers are
    /// not: the platform forgets the interaction within minutes, so they are sent once.
    pub fn durable(&self) -> bool {
        match self {
            Outbound::Ack { .. } => false,
            Outbound::Send { message, .. } => !message.ephemeral && message.in_reply_to.is_none(),
            Outbound::OpenStaffSpace { .. }
            | Outbound::UpdateStaffSpace { .. }
            | Outbound::ClearButtons { .. } => true,
        }
    }

    /// The platform whose adapter must carry this out; `None` for `Ack`, which goes back
    /// to whichever platform issued the interaction.
    pub fn platform(&self) -> Option<Platform> {
        match self {
            Outbound::Send { to, .. } | Outbound::ClearButtons { to, .. } => Some(to.platform()),
            Outbound::Ack { .. } => None,
            Outbound::OpenStaffSpace { platform, .. }
            | Outbound::UpdateStaffSpace { platform, .. } => Some(*platform),
        }
    }
}

/// Content of an outbound message. Text is plain: adapters escape it for their markup.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Message {
    /// Plain text; adapters escape it and split it to the platform's length limit.
    pub text: String,
    /// Inline buttons, in display order.
    pub buttons: Vec<Button>,
    /// Files to relay with the message.
    pub attachments: Vec<Attachment>,
    /// Show only to the person who triggered it (Discord ephemeral); set on replies to
    /// interactions, ignored where the platform has no such thing.
    pub ephemeral: bool,
    /// The interaction this message answers, if any (lets Discord reply to a slash command).
    pub in_reply_to: Option<String>,
    /// Staff to alert: adapters add a real mention for those on their platform (the text
    /// already names them); everything else the bot sends pings nobody.
    #[serde(default)]
    pub notify: Vec<UserRef>,
    /// The one person this is for, when it must not be shown to others: where the platform
    /// cannot show a message to one person in place (a plain message in a closed Discord
    /// thread), the adapter sends it to them directly instead.
    #[serde(default)]
    pub private_to: Option<UserRef>,
    /// The language the message is worded in, when the desk knows it: adapters word what
    /// they add themselves (a note for a file they cannot pass on) in it, English otherwise.
    #[serde(default)]
    pub lang: Option<Lang>,
    /// An image the bot drew itself (a digest's chart), sent after the text where the
    /// platform takes uploads, left out elsewhere (the text says what it shows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Box<Image>>,
    /// For `private_to`'s eyes only, even in a chat others read (a sign-in link): unless it
    /// answers their own interaction in place (Discord's ephemeral answer), the adapter sends
    /// it to them in a direct message, never where the event came from.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub direct: bool,
}

/// A picture the bot made, carried with its bytes (base64 in the outbox's JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// File name shown to people, e.g. `digest-2026-11-23.png`.
    pub name: String,
    /// A short line shown with it.
    pub caption: String,
    /// The PNG file.
    #[serde(with = "base64_bytes")]
    pub png: Vec<u8>,
}

mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

impl Message {
    /// A plain text message.
    pub fn text(text: impl Into<String>) -> Self {
        Message {
            text: text.into(),
            ..Message::default()
        }
    }

    /// Adds buttons.
    pub fn with_buttons(mut self, buttons: Vec<Button>) -> Self {
        self.buttons = buttons;
        self
    }
}

/// A clickable button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// Label shown on the button.
    pub label: String,
    /// What pressing it means.
    pub action: ButtonAction,
}

/// What a button press means. Encoded into ≤ 64 bytes of callback data (Telegram's limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ButtonAction {
    /// "Yes, that helped" on FAQ answer `event`.
    FaqHelpful(i64),
    /// "No, I need a person" on FAQ answer `event`.
    FaqNeedHuman(i64),
    /// A satisfaction rating (1–5) for a closed ticket.
    Csat(TicketId, u8),
    /// A quarterly survey's rating (1–5) of the quarter with this code (`20264`: 2026 Q4).
    QuarterlyCsat(u32, u8),
    /// An agent claims the ticket.
    Claim(TicketId),
    /// "Open a ticket" from a support panel.
    OpenTicket,
    /// A language button from `/help` or `/lang`.
    SetLang(Lang),
    /// An agent accepts the intake suggestion: kind and priority for the ticket.
    AcceptTriage(TicketId, TicketKind, Priority),
}

impl ButtonAction {
    /// The compact callback-data form, e.g. `cs:42:5`.
    pub fn encode(&self) -> String {
        match self {
            ButtonAction::FaqHelpful(e) => format!("fy:{e}"),
            ButtonAction::FaqNeedHuman(e) => format!("fn:{e}"),
            ButtonAction::Csat(t, s) => format!("cs:{}:{s}", t.0),
            ButtonAction::QuarterlyCsat(q, s) => format!("qs:{q}:{s}"),
            ButtonAction::Claim(t) => format!("cl:{}", t.0),
            ButtonAction::OpenTicket => "ot".to_string(),
            ButtonAction::SetLang(l) => format!("lg:{}", l.code()),
            ButtonAction::AcceptTriage(t, k, p) => {
                format!("tr:{}:{}:{}", t.0, kind_letter(*k), p.rank())
            }
        }
    }

    /// Parses callback data; `None` for anything this bot did not produce.
    pub fn decode(data: &str) -> Option<ButtonAction> {
        let mut parts = data.split(':');
        let tag = parts.next()?;
        let num = |p: Option<&str>| p.and_then(|s| s.parse::<i64>().ok()).filter(|n| *n > 0);
        let action = match tag {
            "fy" => ButtonAction::FaqHelpful(num(parts.next())?),
            "fn" => ButtonAction::FaqNeedHuman(num(parts.next())?),
            "cs" => {
                let t = num(parts.next())?;
                let s = parts
                    .next()?
                    .parse::<u8>()
                    .ok()
                    .filter(|s| (1..=5).contains(s))?;
                ButtonAction::Csat(TicketId(t), s)
            }
            "qs" => {
                let q = u32::try_from(num(parts.next())?).ok()?;
                let s = parts
                    .next()?
                    .parse::<u8>()
                    .ok()
                    .filter(|s| (1..=5).contains(s))?;
                ButtonAction::QuarterlyCsat(q, s)
            }
            "cl" => ButtonAction::Claim(TicketId(num(parts.next())?)),
            "ot" => ButtonAction::OpenTicket,
            "lg" => ButtonAction::SetLang(Lang::parse(parts.next()?)?),
            "tr" => {
                let t = TicketId(num(parts.next())?);
                let k = match parts.next()? {
                    "q" => TicketKind::Question,
                    "b" => TicketKind::Bug,
                    "f" => TicketKind::Feature,
                    "i" => TicketKind::Incident,
                    _ => return None,
                };
                let p = Priority::from_rank(num(parts.next())?)?;
                ButtonAction::AcceptTriage(t, k, p)
            }
            _ => return None,
        };
        parts.next().is_none().then_some(action)
    }
}

fn kind_letter(k: TicketKind) -> char {
    match k {
        TicketKind::Question => 'q',
        TicketKind::Bug => 'b',
        TicketKind::Feature => 'f',
        TicketKind::Incident => 'i',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_actions_round_trip_and_fit_telegram() {
        let all = [
            ButtonAction::FaqHelpful(i64::MAX),
            ButtonAction::FaqNeedHuman(1),
            ButtonAction::Csat(TicketId(i64::MAX), 5),
            ButtonAction::QuarterlyCsat(20264, 1),
            ButtonAction::Claim(TicketId(42)),
            ButtonAction::OpenTicket,
            ButtonAction::SetLang(Lang::Zh),
            ButtonAction::AcceptTriage(TicketId(i64::MAX), TicketKind::Incident, Priority::P1),
        ];
        for a in all {
            let data = a.encode();
            assert!(data.len() <= 64, "{data} too long");
            assert_eq!(ButtonAction::decode(&data), Some(a));
        }
    }

    #[test]
    fn foreign_callback_data_is_rejected() {
        for bad in [
            "",
            "zz:1",
            "qs:20264:9",
            "qs:x:1",
            "cs:42:6",
            "cs:42:0",
            "cl:-1",
            "cl:x",
            "fy:1:2",
            "cl:",
            "lg:de",
            "tr:4:x:1",
            "tr:4:i:5",
            "tr:4:i",
        ] {
            assert_eq!(ButtonAction::decode(bad), None, "{bad}");
        }
    }
}

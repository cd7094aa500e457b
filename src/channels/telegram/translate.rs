//! Telegram updates become desk `Inbound`s: private chats are the customer side, the staff
//! supergroup is the staff side (a forum topic or reply thread names the ticket).

use teloxide::types::{CallbackQuery, ChatKind, Message, Update, UpdateKind, User};

use crate::domain::event::{
    Attachment, AttachmentKind, Inbound, InboundBody, Space, UnsupportedKind,
};
use crate::domain::ids::{ConversationRef, MessageKey, Platform, UserRef};

/// Translates one update; `None` for updates the bot does not act on (other groups, service
/// messages, other update kinds, …).
pub fn inbound(update: &Update, staff_chat: Option<i64>) -> Option<Inbound> {
    match &update.kind {
        UpdateKind::Message(m) => from_message(m, staff_chat),
        UpdateKind::EditedMessage(m) => from_edit(m, staff_chat),
        UpdateKind::CallbackQuery(q) => from_callback(q, staff_chat),
        _ => None,
    }
}

fn user(u: &User) -> UserRef {
    UserRef::new(Platform::Telegram, u.id.0.to_string(), u.full_name())
}

fn space_of(chat_id: i64, private: bool, staff_chat: Option<i64>) -> Option<Space> {
    if staff_chat == Some(chat_id) {
        Some(Space::Staff)
    } else if private {
        Some(Space::Customer)
    } else {
        None
    }
}

fn conversation(m: &Message, space: Space) -> ConversationRef {
    let chat = m.chat.id.0.to_string();
    match (space, m.thread_id) {
        // In supergroups thread_id is the forum topic, or the root of a reply thread.
        (Space::Staff, Some(t)) => {
            ConversationRef::thread(Platform::Telegram, chat, t.0.0.to_string())
        }
        _ => ConversationRef::chat(Platform::Telegram, chat),
    }
}

fn from_message(m: &Message, staff_chat: Option<i64>) -> Option<Inbound> {
    let from = m.from.as_ref().filter(|u| !u.is_bot)?;
    let private = matches!(m.chat.kind, ChatKind::Private(_));
    let space = space_of(m.chat.id.0, private, staff_chat)?;
    let conv = conversation(m, space);
    let body = body(m, &conv)?;
    Some(Inbound {
        key: MessageKey::new(Platform::Telegram, format!("{}:{}", m.chat.id.0, m.id.0)),
        at: m.date,
        from: user(from),
        roles: Vec::new(),
        conversation: conv,
        space,
        interaction: None,
        body,
        locale: from.language_code.clone(),
        community_locale: None,
    })
}

/// An edit becomes its own event, keyed by message and edit time: a redelivered edit is a
/// duplicate, a second edit of the same message is new.
fn from_edit(m: &Message, staff_chat: Option<i64>) -> Option<Inbound> {
    let mut inb = from_message(m, staff_chat)?;
    let edited = m.edit_date().map_or(0, |d| d.timestamp());
    inb.key.id = format!("{}:edit:{edited}", inb.key.id);
    if let Some(at) = m.edit_date() {
        inb.at = *at;
    }
    inb.body = match inb.body {
        InboundBody::Text { text } => InboundBody::Edited {
            text,
            attachments: Vec::new(),
        },
        InboundBody::Attachment {
            attachment,
            caption,
        } => InboundBody::Edited {
            text: caption.unwrap_or_default(),
            attachments: vec![attachment],
        },
        // A live location sends an edit every few seconds; the first message was answered.
        _ => return None,
    };
    Some(inb)
}

/// What a message holds that the bot cannot relay, or `None` when it is a service message
/// (someone joined, a topic was created, …) that nobody needs to hear about.
fn unsupported(m: &Message) -> Option<UnsupportedKind> {
    let kind = if m.sticker().is_some() {
        UnsupportedKind::Sticker
    } else if m.location().is_some() || m.venue().is_some() {
        UnsupportedKind::Location
    } else if m.contact().is_some() {
        UnsupportedKind::Contact
    } else if m.poll().is_some() {
        UnsupportedKind::Poll
    } else if m.dice().is_some() {
        UnsupportedKind::Dice
    } else if m.game().is_some() {
        UnsupportedKind::Game
    } else if m.story().is_some() {
        UnsupportedKind::Story
    } else if matches!(m.kind, teloxide::types::MessageKind::Common(_)) {
        UnsupportedKind::Other
    } else {
        return None;
    };
    Some(kind)
}

fn body(m: &Message, conv: &ConversationRef) -> Option<InboundBody> {
    if let Some(text) = m.text() {
        return Some(InboundBody::Text {
            text: text.to_string(),
        });
    }
    let source = Some((conv.clone(), m.id.0.to_string()));
    let file = |kind, file_ref: &str, name: Option<String>| Attachment {
        kind,
        platform: Platform::Telegram,
        file_ref: file_ref.to_string(),
        source: source.clone(),
        name,
    };
    let attachment = if let Some(sizes) = m.photo() {
        file(AttachmentKind::Photo, &sizes.last()?.file.id.0, None)
    } else if let Some(d) = m.document() {
        file(AttachmentKind::Document, &d.file.id.0, d.file_name.clone())
    } else if let Some(v) = m.voice() {
        file(AttachmentKind::Voice, &v.file.id.0, None)
    } else if let Some(v) = m.video() {
        file(AttachmentKind::Video, &v.file.id.0, v.file_name.clone())
    } else if let Some(v) = m.video_note() {
        // Round video notes, audio files and GIFs are files like any other: copyMessage
        // relays them within Telegram, and other platforms see that a file was sent.
        file(AttachmentKind::Video, &v.file.id.0, None)
    } else if let Some(a) = m.audio() {
        file(AttachmentKind::Voice, &a.file.id.0, a.file_name.clone())
    } else if let Some(a) = m.animation() {
        file(AttachmentKind::Video, &a.file.id.0, a.file_name.clone())
    } else {
        return unsupported(m).map(|kind| InboundBody::Unsupported { kind });
    };
    Some(InboundBody::Attachment {
        attachment,
        caption: m.caption().map(str::to_string),
    })
}

fn from_callback(q: &CallbackQuery, staff_chat: Option<i64>) -> Option<Inbound> {
    // Every press is answered, so the client stops its spinner: one on a foreign or
    // inaccessible message, and one without a message at all (an inline-mode message), which
    // is answered in the presser's private chat, whose id is their user id.
    let (conv, space, message) = match &q.message {
        Some(msg) => {
            let chat = msg.chat();
            let private = matches!(chat.kind, ChatKind::Private(_));
            let space = space_of(chat.id.0, private, staff_chat).unwrap_or(Space::Customer);
            let conv = match msg.regular_message() {
                Some(m) => conversation(m, space),
                None => ConversationRef::chat(Platform::Telegram, chat.id.0.to_string()),
            };
            (conv, space, Some(msg.id().0.to_string()))
        }
        None => (
            ConversationRef::chat(Platform::Telegram, q.from.id.0.to_string()),
            Space::Customer,
            None,
        ),
    };
    Some(Inbound {
        key: MessageKey::new(Platform::Telegram, format!("cb:{}", q.id.0)),
        at: chrono::Utc::now(),
        from: user(&q.from),
        roles: Vec::new(),
        conversation: conv,
        space,
        interaction: Some(q.id.0.clone()),
        body: InboundBody::Button {
            data: q.data.clone().unwrap_or_default(),
            message,
        },
        locale: q.from.language_code.clone(),
        community_locale: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(v: serde_json::Value) -> Update {
        // From text, as teloxide parses HTTP bodies: from_value silently yields UpdateKind::Error.
        let u: Update = serde_json::from_str(&v.to_string()).expect("fixture deserializes");
        assert!(
            !matches!(u.kind, UpdateKind::Error(_)),
            "fixture not understood by teloxide: {v}"
        );
        u
    }

    #[test]
    fn private_text_is_a_customer_message() {
        let u = update(
            serde_json::json!({"update_id": 5, "message": {"message_id": 10, "date": 1700000000,
            "chat": {"id": 42, "type": "private", "first_name": "Alice"},
            "from": {"id": 42, "is_bot": false, "first_name": "Alice", "last_name": "Z"}, "text": "hello"}}),
        );
        let inb = inbound(&u, Some(-100)).unwrap();
        assert_eq!(inb.space, Space::Customer);
        assert_eq!(inb.key.id, "42:10");
        assert_eq!(inb.from.name, "Alice Z");
        assert_eq!(
            inb.body,
            InboundBody::Text {
                text: "hello".into()
            }
        );
    }

    #[test]
    fn staff_topic_messages_carry_the_thread_and_other_groups_are_ignored() {
        let msg = |chat: i64| {
            update(
                serde_json::json!({"update_id": 6, "message": {"message_id": 11, "date": 1700000000,
            "message_thread_id": 77, "is_topic_message": true,
            "chat": {"id": chat, "type": "supergroup", "title": "Staff", "is_forum": true},
            "from": {"id": 7, "is_bot": false, "first_name": "Ann"}, "text": "/claim"}}),
            )
        };
        let inb = inbound(&msg(-100), Some(-100)).unwrap();
        assert_eq!(inb.space, Space::Staff);
        assert_eq!(
            inb.conversation,
            ConversationRef::thread(Platform::Telegram, "-100", "77")
        );
        assert!(inbound(&msg(-555), Some(-100)).is_none());
    }

    #[test]
    fn photos_become_attachments_with_their_source() {
        let u = update(
            serde_json::json!({"update_id": 7, "message": {"message_id": 12, "date": 1700000000,
            "chat": {"id": 42, "type": "private", "first_name": "Alice"},
            "from": {"id": 42, "is_bot": false, "first_name": "Alice"}, "caption": "screen",
            "photo": [{"file_id": "small", "file_unique_id": "s", "width": 1, "height": 1},
                      {"file_id": "big", "file_unique_id": "b", "width": 9, "height": 9}]}}),
        );
        match inbound(&u, None).unwrap().body {
            InboundBody::Attachment {
                attachment,
                caption,
            } => {
                assert_eq!(
                    (attachment.file_ref.as_str(), attachment.kind),
                    ("big", AttachmentKind::Photo)
                );
                assert_eq!(attachment.source.unwrap().1, "12");
                assert_eq!(caption.as_deref(), Some("screen"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn callback_queries_are_button_presses() {
        let u = update(
            serde_json::json!({"update_id": 8, "callback_query": {"id": "cbq1", "chat_instance": "x",
            "from": {"id": 42, "is_bot": false, "first_name": "Alice"}, "data": "cs:3:5",
            "message": {"message_id": 13, "date": 1700000000, "chat": {"id": 42, "type": "private", "first_name": "Alice"},
                        "from": {"id": 1, "is_bot": true, "first_name": "Bot"}, "text": "rate us"}}}),
        );
        let inb = inbound(&u, None).unwrap();
        assert_eq!(inb.interaction.as_deref(), Some("cbq1"));
        assert_eq!(
            inb.body,
            InboundBody::Button {
                data: "cs:3:5".into(),
                message: Some("13".into()),
            }
        );
        assert_eq!(inb.key.id, "cb:cbq1");
    }

    #[test]
    fn a_callback_without_a_message_is_still_a_press_in_the_private_chat() {
        let u = update(
            serde_json::json!({"update_id": 9, "callback_query": {"id": "cbq2", "chat_instance": "x",
            "from": {"id": 42, "is_bot": false, "first_name": "Alice"}, "data": "zz",
            "inline_message_id": "inl-1"}}),
        );
        let inb = inbound(&u, Some(-100)).unwrap();
        assert_eq!(inb.interaction.as_deref(), Some("cbq2"));
        assert_eq!(inb.space, Space::Customer);
        assert_eq!(
            inb.conversation,
            ConversationRef::chat(Platform::Telegram, "42")
        );
    }

    #[test]
    fn edits_are_keyed_by_message_and_edit_time() {
        let edit = |at: i64| {
            update(
                serde_json::json!({"update_id": 10, "edited_message": {"message_id": 10, "date": 1700000000,
                "edit_date": at, "chat": {"id": 42, "type": "private", "first_name": "Alice"},
                "from": {"id": 42, "is_bot": false, "first_name": "Alice"}, "text": "key ABC-2"}}),
            )
        };
        let first = inbound(&edit(1700000100), None).unwrap();
        assert_eq!(first.key.id, "42:10:edit:1700000100");
        assert_eq!(
            first.body,
            InboundBody::Edited {
                text: "key ABC-2".into(),
                attachments: Vec::new()
            }
        );
        assert_ne!(inbound(&edit(1700000200), None).unwrap().key, first.key);
    }

    #[test]
    fn stickers_and_locations_are_unsupported_not_dropped() {
        let msg = |extra: serde_json::Value| {
            let mut m = serde_json::json!({"message_id": 14, "date": 1700000000,
                "chat": {"id": 42, "type": "private", "first_name": "Alice"},
                "from": {"id": 42, "is_bot": false, "first_name": "Alice"}});
            for (k, v) in extra.as_object().unwrap() {
                m[k] = v.clone();
            }
            update(serde_json::json!({"update_id": 11, "message": m}))
        };
        let sticker = msg(
            serde_json::json!({"sticker": {"file_id": "s1", "file_unique_id": "u1",
            "type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false}}),
        );
        let location = msg(serde_json::json!({"location": {"latitude": 47.5, "longitude": 19.0}}));
        let kind = |u: &Update| match inbound(u, None).unwrap().body {
            InboundBody::Unsupported { kind } => kind,
            other => panic!("{other:?}"),
        };
        assert_eq!(kind(&sticker), UnsupportedKind::Sticker);
        assert_eq!(kind(&location), UnsupportedKind::Location);
    }
}

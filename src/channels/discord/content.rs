//! Text shaping for Discord: the 2000-character split, mention neutralising, buttons, attachments.

use serenity::all::{ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, UserId};

use crate::domain::event::{Attachment, Button, ButtonAction};
use crate::domain::i18n::{Key, Lang};
use crate::domain::ids::{Platform, UserRef};
use crate::tr;

/// Discord rejects message content longer than this many characters.
pub const MAX_LEN: usize = 2000;

/// Discord allows at most 5 buttons per action row and 5 rows per message.
const ROW: usize = 5;

/// Allowed mentions for everything the bot sends: nobody, no role, not everyone.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .empty_users()
        .empty_roles()
        .everyone(false)
        .replied_user(false)
}

/// The mention tokens for the Discord users among `notify`, and allowed mentions that let
/// exactly those users (and nobody else) be pinged.
pub fn mentions(notify: &[UserRef]) -> (String, CreateAllowedMentions) {
    let ids: Vec<UserId> = notify
        .iter()
        .filter(|u| u.platform == Platform::Discord)
        .filter_map(|u| u.id.parse::<u64>().ok().filter(|id| *id != 0))
        .map(UserId::new)
        .collect();
    let tokens: Vec<String> = ids.iter().map(|id| format!("<@{id}>")).collect();
    (tokens.join(" "), no_mentions().users(ids))
}

/// Breaks `@everyone`, `@here` and role/user mention syntax with a zero-width space, so relayed
/// text cannot ping even if a client ignores `allowed_mentions`.
pub fn neutralise(text: &str) -> String {
    const ZWSP: char = '\u{200B}';
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(i) = rest.find('@') {
        let (before, at) = rest.split_at(i);
        out.push_str(before);
        let after = &at[1..];
        let lower = after
            .get(..8)
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let lower_here = after
            .get(..4)
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        // `<@&role>`, `<@user>` and `<@!user>`: the `<` is already in `out`.
        let tag = out.ends_with('<')
            && after.starts_with(|c: char| c == '&' || c == '!' || c.is_ascii_digit());
        out.push('@');
        if lower == "everyone" || lower_here == "here" || tag {
            out.push(ZWSP);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Splits text into chunks of at most `max` characters, preferring line breaks, then spaces.
/// Empty text yields no chunks.
pub fn split(text: &str, max: usize) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut rest = text.trim_end();
    while !rest.is_empty() {
        if rest.chars().count() <= max {
            chunks.push(rest.to_string());
            break;
        }
        // Byte offset of the `max`-th character: the hard limit for this chunk.
        let hard = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let window = &rest[..hard];
        let cut = window
            .rfind('\n')
            .filter(|&i| i > hard / 2)
            .or_else(|| window.rfind(' ').filter(|&i| i > hard / 2))
            .unwrap_or(hard);
        let cut = if cut == 0 { hard } else { cut };
        chunks.push(rest[..cut].trim_end().to_string());
        rest = rest[cut..].trim_start_matches([' ', '\n']);
    }
    chunks
}

/// The text actually sent: neutralised, with attachment links appended.
pub fn compose(text: &str, attachments: &[Attachment], lang: Lang) -> String {
    let mut out = neutralise(text);
    for a in attachments {
        let name = a.name.clone().unwrap_or_else(|| "file".to_string());
        let line = match a.platform {
            Platform::Discord => format!("📎 {}: {}", neutralise(&name), a.file_ref),
            // A Telegram file id is no link; the agent sees that a file exists and where.
            other => tr!(
                lang,
                Key::AttachmentElsewhere,
                name = neutralise(&name),
                platform = other.to_string()
            ),
        };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&line);
    }
    out
}

/// Action rows for the desk's buttons; at most 25 buttons survive (Discord's limit).
pub fn components(buttons: &[Button]) -> Vec<CreateActionRow> {
    buttons
        .chunks(ROW)
        .take(ROW)
        .map(|row| {
            CreateActionRow::Buttons(
                row.iter()
                    .map(|b| {
                        let label: String = b.label.chars().take(80).collect();
                        CreateButton::new(b.action.encode())
                            .label(label)
                            .style(style(b.action))
                    })
                    .collect(),
            )
        })
        .collect()
}

fn style(action: ButtonAction) -> ButtonStyle {
    match action {
        ButtonAction::FaqHelpful(_) => ButtonStyle::Success,
        ButtonAction::FaqNeedHuman(_) => ButtonStyle::Danger,
        ButtonAction::Claim(_) | ButtonAction::OpenTicket => ButtonStyle::Primary,
        ButtonAction::AcceptTriage(..) => ButtonStyle::Success,
        ButtonAction::Csat(..) | ButtonAction::QuarterlyCsat(..) | ButtonAction::SetLang(_) => {
            ButtonStyle::Secondary
        }
    }
}

/// True when the message is the support panel, which is shown as an embed.
pub fn is_panel(buttons: &[Button]) -> bool {
    buttons.iter().any(|b| b.action == ButtonAction::OpenTicket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyone_here_and_role_pings_are_broken() {
        let t = neutralise("hey @everyone and @here, <@&123> <@456> <@!7> mail a@b.c");
        assert!(!t.contains("@everyone"), "{t}");
        assert!(!t.contains("@here"), "{t}");
        assert!(!t.contains("<@&"), "{t}");
        assert!(!t.contains("<@4"), "{t}");
        assert!(!t.contains("<@!"), "{t}");
        assert!(t.contains("a@b.c"), "ordinary @ untouched: {t}");
        assert_eq!(neutralise("no mentions"), "no mentions");
        assert!(!neutralise("@EVERYONE").contains("@EVERYONE"));
    }

    #[test]
    fn only_the_notified_discord_users_are_mentioned() {
        let notify = vec![
            UserRef::new(Platform::Discord, "42", "ann"),
            UserRef::new(Platform::Telegram, "7", "ann"),
            UserRef::new(Platform::Discord, "not-a-snowflake", "bob"),
        ];
        let (tokens, allowed) = mentions(&notify);
        assert_eq!(tokens, "<@42>");
        let v = serde_json::to_value(allowed).unwrap();
        assert_eq!(v["users"], serde_json::json!(["42"]));
        assert_eq!(v["roles"], serde_json::json!([]));
        assert_eq!(v["parse"], serde_json::json!([]));
        let (tokens, _) = mentions(&[]);
        assert!(tokens.is_empty());
    }

    #[test]
    fn allowed_mentions_parse_nothing() {
        let v = serde_json::to_value(no_mentions()).unwrap();
        assert_eq!(v["parse"], serde_json::json!([]));
        assert_eq!(v["users"], serde_json::json!([]));
        assert_eq!(v["roles"], serde_json::json!([]));
    }

    #[test]
    fn long_text_splits_under_the_limit_without_losing_words() {
        let text: String = (0..1000).map(|i| format!("w{i} ")).collect();
        let parts = split(&text, MAX_LEN);
        assert!(parts.len() >= 3);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_LEN));
        let rejoined = parts.join(" ");
        assert_eq!(
            rejoined.split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
    }

    #[test]
    fn split_handles_multibyte_and_unbroken_text() {
        let text = "é".repeat(4500);
        let parts = split(&text, MAX_LEN);
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_LEN));
        assert_eq!(parts.concat(), text);
        assert!(split("", MAX_LEN).is_empty());
        assert_eq!(split("short", MAX_LEN), vec!["short".to_string()]);
    }

    #[test]
    fn attachments_become_links() {
        let a = Attachment {
            kind: crate::domain::event::AttachmentKind::Photo,
            platform: Platform::Discord,
            file_ref: "https://cdn.example/x.png".into(),
            source: None,
            name: Some("x.png".into()),
        };
        let t = compose("look", &[a], Lang::En);
        assert!(t.starts_with("look\n"));
        assert!(t.contains("https://cdn.example/x.png"));
    }

    #[test]
    fn buttons_are_rows_of_five_with_encoded_ids() {
        let buttons: Vec<Button> = (1..=5)
            .map(|s| Button {
                label: s.to_string(),
                action: ButtonAction::Csat(crate::domain::ids::TicketId(9), s),
            })
            .chain([Button {
                label: "Claim".into(),
                action: ButtonAction::Claim(crate::domain::ids::TicketId(9)),
            }])
            .collect();
        let rows = serde_json::to_value(components(&buttons)).unwrap();
        assert_eq!(rows.as_array().unwrap().len(), 2);
        assert_eq!(rows[0]["components"][4]["custom_id"], "cs:9:5");
        assert_eq!(rows[1]["components"][0]["custom_id"], "cl:9");
    }
}

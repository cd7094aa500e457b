//! The dashboard's actions: each becomes the chat command an agent would type, handled by the
//! desk as if typed, so the rules, the audit trail and the replies to customers are the same.

use std::sync::Arc;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::WebState;
use super::layout;
use super::session::{Viewer, form_nonce};
use crate::domain::event::{Inbound, InboundBody, Outbound, Space, Target};
use crate::domain::i18n::{Key, Lang};
use crate::domain::ids::{ConversationRef, MessageKey, Platform, TicketId};
use crate::tr;

/// An action form.
#[derive(Debug, Deserialize)]
pub struct ActForm {
    csrf: Option<String>,
    nonce: Option<String>,
    action: Option<String>,
    text: Option<String>,
    agent: Option<String>,
    priority: Option<String>,
}

/// The chat command for an action on ticket `id`; `Err` names what is wrong with the form.
fn command(id: TicketId, f: &ActForm, lang: Lang) -> Result<String, String> {
    let n = id.0;
    let text = f.text.as_deref().map(str::trim).unwrap_or("");
    let one_word = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty() && !s.contains(char::is_whitespace))
            .map(str::to_string)
    };
    let needs_text = |key: Key| {
        if text.is_empty() {
            Err(tr!(lang, key))
        } else {
            Ok(())
        }
    };
    match f.action.as_deref().unwrap_or("") {
        "claim" => Ok(format!("/claim {n}")),
        "unclaim" => Ok(format!("/unclaim {n}")),
        "reopen" => Ok(format!("/reopen {n}")),
        "assign" => one_word(&f.agent)
            .map(|a| format!("/assign {n} {a}"))
            .ok_or_else(|| tr!(lang, Key::WebNeedAgent)),
        "priority" => one_word(&f.priority)
            .map(|p| format!("/priority {n} {p}"))
            .ok_or_else(|| tr!(lang, Key::WebNeedPriority)),
        "reply" => needs_text(Key::WebNeedReply).map(|()| format!("/reply {n} {text}")),
        "note" => needs_text(Key::WebNeedNote).map(|()| format!("/note {n} {text}")),
        "close" => needs_text(Key::WebNeedReason).map(|()| format!("/close {n} {text}")),
        other => Err(tr!(lang, Key::WebUnknownAction, action = other)),
    }
}

/// A form's nonce when it looks like one we made; otherwise a fresh one.
fn nonce_of(f: &ActForm) -> String {
    f.nonce
        .as_deref()
        .filter(|n| (8..=64).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_hexdigit()))
        .map_or_else(form_nonce, str::to_string)
}

/// POST `/tickets/{id}/act`.
pub async fn act(
    State(state): State<Arc<WebState>>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Response {
    if let Err(r) = viewer.check_csrf(f.csrf.as_deref()) {
        return *r;
    }
    let lang = viewer.lang();
    let Ok(id) = id.parse::<TicketId>() else {
        return layout::problem(
            lang,
            StatusCode::BAD_REQUEST,
            &tr!(lang, Key::WebNoSuchTicket, id = id),
        );
    };
    let back = Redirect::to(&format!("/tickets/{}", id.0)).into_response();
    let text = match command(id, &f, lang) {
        Ok(t) => t,
        Err(msg) => return flash_then(&state, &viewer, &msg, back).await,
    };
    // The dashboard is its own conversation: the desk's answer to it is shown on the next
    // page; everything else it decides (the reply to the customer) goes out as from chat.
    let here = ConversationRef::chat(
        Platform::Web,
        format!("session-{}", &viewer.session.id_hash[..16]),
    );
    let inbound = Inbound {
        key: MessageKey::new(Platform::Web, nonce_of(&f)),
        at: Utc::now(),
        from: viewer.session.user.clone(),
        roles: viewer.session.roles.clone(),
        conversation: here.clone(),
        space: Space::Staff,
        interaction: None,
        body: InboundBody::Text { text: text.clone() },
        locale: None,
        community_locale: None,
    };
    let planned = match state.desk.decide(inbound).await {
        Ok(p) => p,
        Err(e) => return layout::store_down(lang, &e),
    };
    let answer: Vec<String> = planned
        .iter()
        .filter_map(|p| match &p.action {
            Outbound::Send {
                to: Target::Conversation(c),
                message,
            } if *c == here => Some(message.text.clone()),
            _ => None,
        })
        .collect();
    let flash = if planned.is_empty() {
        tr!(lang, Key::WebAlreadyDone)
    } else if answer.is_empty() {
        tr!(lang, Key::WebDone)
    } else {
        answer.join("\n")
    };
    tracing::info!(agent = %viewer.member.name.0, command = %text.split_whitespace().next().unwrap_or(""), ticket = id.0, "dashboard action");
    state.router.dispatch(Platform::Web, planned);
    flash_then(&state, &viewer, &flash, back).await
}

async fn flash_then(state: &WebState, viewer: &Viewer, text: &str, then: Response) -> Response {
    match state
        .store
        .set_flash(&viewer.session.id_hash, Some(text))
        .await
    {
        Ok(()) => then,
        Err(e) => layout::store_down(viewer.lang(), &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(action: &str, text: Option<&str>, agent: Option<&str>) -> ActForm {
        ActForm {
            csrf: None,
            nonce: None,
            action: Some(action.into()),
            text: text.map(str::to_string),
            agent: agent.map(str::to_string),
            priority: None,
        }
    }

    #[test]
    fn each_action_is_the_chat_command_an_agent_would_type() {
        let id = TicketId(7);
        let c = |f: ActForm| command(id, &f, Lang::En);
        assert_eq!(c(form("claim", None, None)).unwrap(), "/claim 7");
        assert_eq!(
            c(form("assign", None, Some(" lea "))).unwrap(),
            "/assign 7 lea"
        );
        assert_eq!(
            c(form("reply", Some(" two\nlines "), None)).unwrap(),
            "/reply 7 two\nlines"
        );
        assert_eq!(
            c(form("close", Some("fixed"), None)).unwrap(),
            "/close 7 fixed"
        );
        // What the form lacks is said before the desk sees anything.
        assert!(c(form("reply", Some("  "), None)).is_err());
        assert!(c(form("assign", None, Some("two words"))).is_err());
        assert!(
            c(form("delete", None, None))
                .unwrap_err()
                .contains("delete")
        );
    }

    #[test]
    fn a_forms_nonce_is_kept_only_when_it_is_ours() {
        let mut f = form("claim", None, None);
        f.nonce = Some("00ff00ff00ff".into());
        assert_eq!(nonce_of(&f), "00ff00ff00ff");
        f.nonce = Some("'; drop".into());
        assert_ne!(nonce_of(&f), "'; drop");
    }
}

//! A ticket's page: details, SLA clocks (with the `/sla` explanation), the transcript with
//! attachments and internal notes, the event history, and the action forms.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{Markup, html};

use super::WebState;
use super::layout::{self, Page, countdown, when};
use super::queue::next_deadline;
use super::session::{Viewer, form_nonce};
use crate::domain::event::Attachment;
use crate::domain::i18n::{Key, Lang};
use crate::domain::ids::TicketId;
use crate::domain::replies::{kind_word, lang_name, status_word};
use crate::domain::sla_text::clock_name;
use crate::domain::ticket::{Actor, EventKind, Priority, Status, Ticket, TicketEvent};
use crate::tr;

/// GET `/tickets/{id}`.
pub async fn page(
    State(state): State<Arc<WebState>>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    let lang = viewer.lang();
    let Ok(id) = id.parse::<TicketId>() else {
        return layout::problem(
            lang,
            StatusCode::BAD_REQUEST,
            &tr!(lang, Key::WebNoSuchTicket, id = id),
        );
    };
    let store = state.desk.store();
    let loaded = async {
        let Some(t) = store.ticket(id).await? else {
            return Ok(None);
        };
        let theirs = store.user_lang(&t.requester).await?.map(|s| s.lang);
        Ok(Some((
            t,
            store.transcript(id).await?,
            store.events(id).await?,
            theirs,
        )))
    }
    .await;
    let (t, transcript, events, theirs) = match loaded {
        Ok(Some(x)) => x,
        Ok(None) => {
            return layout::problem(
                lang,
                StatusCode::NOT_FOUND,
                &tr!(lang, Key::WebNoSuchTicket, id = id.0),
            );
        }
        Err(e) => return layout::store_down(lang, &e),
    };
    let _ = state.store.set_flash(&viewer.session.id_hash, None).await;
    let theirs = theirs.unwrap_or(state.cfg.customers.default_lang);
    let now = Utc::now();
    let tz = state.cfg.reports.tz().unwrap_or(chrono_tz::UTC);
    let sla = &state.cfg.sla;
    let deadline = next_deadline(sla, &t, &events, now);
    let assignee = t
        .assignee
        .as_ref()
        .map_or_else(|| tr!(lang, Key::Nobody), |a| a.0.clone());
    let body = html! {
        dl.facts {
            dt { (tr!(lang, Key::WebColStatus)) } dd #status { (status_word(lang, t.status)) }
            dt { (tr!(lang, Key::WebColPriority)) } dd #priority { (t.priority.to_string()) }
            dt { (tr!(lang, Key::WebColTier)) } dd { (t.tier.as_str()) }
            dt { (tr!(lang, Key::WebColKind)) } dd { (kind_word(lang, t.kind)) }
            dt { (tr!(lang, Key::WebColAgent)) } dd #assignee { (assignee) }
            dt { (tr!(lang, Key::WebColCustomer)) } dd { (t.requester.name) " (" (t.requester.platform.as_str()) " " (t.requester.id) ")" }
            dt { (tr!(lang, Key::WebColLang)) } dd #customer-lang { (lang_name(lang, theirs)) }
            dt { (tr!(lang, Key::WebColOpened)) } dd { (when(t.created_at, tz)) }
            dt { (tr!(lang, Key::WebColDeadline)) } dd {
                @if let Some(d) = deadline {
                    (countdown(lang, &clock_name(lang, d.clock), d.due, d.warn, now))
                } @else { "—" }
            }
        }
        section {
            h2 { (tr!(lang, Key::WebSlaTitle)) }
            pre.sla { (sla.explain(lang, &t, &events, now)) }
        }
        (actions(&state, &viewer, &t))
        section {
            h2 { (tr!(lang, Key::WebTranscriptTitle)) }
            ol.transcript {
                @for (i, e) in transcript.iter().enumerate() {
                    li class=(if e.internal { "entry internal" } else { "entry" }) {
                        div.meta {
                            strong { (e.author) } " · " (when(e.at, tz))
                            @if e.internal { " · " em { (tr!(lang, Key::ShowInternal)) } }
                        }
                        div.body { (e.body) }
                        @for (n, a) in e.attachments.iter().enumerate() {
                            (attachment(&state, lang, a, format!("/tickets/{}/files/{i}/{n}", t.id.0)))
                        }
                    }
                }
            }
        }
        section {
            h2 { (tr!(lang, Key::WebEventsTitle)) }
            ol.events {
                @for e in &events { li { (when(e.at, tz)) " · " (actor(lang, &e.actor)) " · " (event_text(lang, e)) } }
            }
        }
    };
    let title = format!("{} {}", t.id, t.subject);
    Page::new(&viewer, title, body).into_response()
}

fn attachment(state: &WebState, lang: Lang, a: &Attachment, fetch: String) -> Markup {
    let name = a.name.clone().unwrap_or_else(|| tr!(lang, Key::WebFile));
    html! {
        div.attachment {
            "📎 "
            // Discord's files are public URLs; a Telegram file id would need the bot's token
            // in the link, which must never reach a browser, so the dashboard fetches it.
            @if a.file_ref.starts_with("https://") || a.file_ref.starts_with("http://") {
                a href=(a.file_ref) rel="noreferrer noopener" target="_blank" { (name) }
            } @else if state.files.contains_key(&a.platform) {
                a.file href=(fetch) { (name) }
            } @else {
                (name) " " small { (tr!(lang, Key::WebFileOnPlatform, platform = a.platform.as_str())) }
            }
        }
    }
}

fn actor(lang: Lang, a: &Actor) -> String {
    match a {
        Actor::Customer(name) => name.clone(),
        Actor::Agent(name) => name.0.clone(),
        Actor::System => tr!(lang, Key::WebSystem),
    }
}

fn event_text(lang: Lang, e: &TicketEvent) -> String {
    let what = tr!(lang, Key::WebEvent, kind = e.kind.name());
    let detail = match &e.kind {
        EventKind::Created { priority, tier } => format!("{priority}, {}", tier.as_str()),
        EventKind::Claimed { agent } | EventKind::Unclaimed { agent } => agent.0.clone(),
        EventKind::Assigned { from, to } => match from {
            Some(f) => format!("{} → {}", f.0, to.0),
            None => to.0.clone(),
        },
        EventKind::PriorityChanged { from, to } => format!("{from} → {to}"),
        EventKind::TierChanged { from, to } => format!("{} → {}", from.as_str(), to.as_str()),
        EventKind::StatusChanged { from, to } => {
            format!("{} → {}", status_word(lang, *from), status_word(lang, *to))
        }
        EventKind::Closed { reason } => reason.clone(),
        EventKind::IncidentStart { since } => since.to_rfc3339(),
        EventKind::AgentReplied
        | EventKind::CustomerReplied
        | EventKind::NoteAdded
        | EventKind::Reopened
        | EventKind::Fixed => String::new(),
    };
    if detail.is_empty() {
        what
    } else {
        format!("{what}: {detail}")
    }
}

/// One action form: CSRF token, a fresh nonce, the action's name and its fields.
fn form(viewer: &Viewer, t: &Ticket, action: &str, fields: Markup, label: String) -> Markup {
    html! {
        form.action method="post" action=(format!("/tickets/{}/act", t.id.0)) data-action=(action) {
            input type="hidden" name="csrf" value=(viewer.session.csrf);
            input type="hidden" name="nonce" value=(form_nonce());
            input type="hidden" name="action" value=(action);
            (fields)
            button type="submit" name="go" value=(action) { (label) }
        }
    }
}

fn actions(state: &WebState, viewer: &Viewer, t: &Ticket) -> Markup {
    let lang = viewer.lang();
    if t.status == Status::Closed {
        return html! { section.actions {
            (form(viewer, t, "reopen", html! {}, tr!(lang, Key::WebActReopen)))
        } };
    }
    let agents: Vec<&str> = state
        .cfg
        .staff
        .agents
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    let mine = t.assignee.as_ref() == Some(&viewer.member.name);
    html! {
        section.actions {
            h2 { (tr!(lang, Key::WebActionsTitle)) }
            div.row {
                @if !mine { (form(viewer, t, "claim", html! {}, tr!(lang, Key::WebActClaim))) }
                @if t.assignee.is_some() { (form(viewer, t, "unclaim", html! {}, tr!(lang, Key::WebActUnclaim))) }
                (form(viewer, t, "assign", html! {
                    select name="agent" aria-label=(tr!(lang, Key::WebColAgent)) {
                        @for a in &agents { option value=(a) { (a) } }
                    }
                }, tr!(lang, Key::WebActAssign)))
                (form(viewer, t, "priority", html! {
                    select name="priority" aria-label=(tr!(lang, Key::WebColPriority)) {
                        @for p in Priority::ALL { option value=(p.to_string()) selected[p == t.priority] { (p.to_string()) } }
                    }
                }, tr!(lang, Key::WebActPriority)))
            }
            (form(viewer, t, "reply", html! {
                textarea name="text" rows="4" required placeholder=(tr!(lang, Key::WebReplyHint)) {}
            }, tr!(lang, Key::WebActReply)))
            (form(viewer, t, "note", html! {
                textarea name="text" rows="2" required placeholder=(tr!(lang, Key::WebNoteHint)) {}
            }, tr!(lang, Key::WebActNote)))
            (form(viewer, t, "close", html! {
                input type="text" name="text" required placeholder=(tr!(lang, Key::WebCloseHint));
            }, tr!(lang, Key::WebActClose)))
        }
    }
}

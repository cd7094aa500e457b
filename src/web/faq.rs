//! FAQ analytics for leads: the questions the kb could not answer, grouped by similarity, and
//! the proposed phrasings to accept (as is or edited) or reject, the same review as `/kb`.

use std::sync::Arc;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::WebState;
use super::actions::run_command;
use super::layout::{self, Page, when};
use super::session::{Viewer, form_nonce};
use crate::domain::directory::StaffRole;
use crate::domain::i18n::Key;
use crate::domain::learning::{Decider, ProposalSource, ProposalStatus};
use crate::tr;

/// How many proposals the page lists per status.
const LISTED: usize = 200;

/// GET `/faq` (leads and admins).
pub async fn page(State(state): State<Arc<WebState>>, viewer: Viewer) -> Response {
    if let Err(r) = viewer.require(StaffRole::Lead) {
        return *r;
    }
    let lang = viewer.lang();
    let _ = state.store.set_flash(&viewer.session.id_hash, None).await;
    let Some(learning) = &state.learning else {
        let body = html! { p.problem { (tr!(lang, Key::KbUnavailable)) } };
        return Page::new(&viewer, tr!(lang, Key::WebNavFaq), body).into_response();
    };
    let by = Decider {
        name: viewer.member.name.0.clone(),
        role: viewer.member.role,
    };
    let loaded = async {
        Ok::<_, crate::domain::learning::CurateError>((
            learning.unanswered_groups(&by, None).await?,
            learning
                .proposals(&by, Some(ProposalStatus::Proposed), LISTED)
                .await?,
        ))
    }
    .await;
    let (groups, pending) = match loaded {
        Ok(x) => x,
        Err(e) => {
            return layout::problem(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                &e.text().render(lang),
            );
        }
    };
    let tz = state.cfg.reports.tz().unwrap_or(chrono_tz::UTC);
    let body = html! {
        section #unanswered {
            h2 { (tr!(lang, Key::WebUnansweredTitle)) }
            @if groups.is_empty() {
                p { (tr!(lang, Key::WebNoneYet)) }
            } @else {
                table {
                    thead { tr {
                        th { (tr!(lang, Key::WebColCount)) } th { (tr!(lang, Key::WebColQuestion)) }
                        th { (tr!(lang, Key::WebColExamples)) } th { (tr!(lang, Key::WebColLang)) }
                        th { (tr!(lang, Key::WebColLastSeen)) }
                    } }
                    tbody {
                        @for g in &groups {
                            tr.group {
                                td { (g.count) } td { (g.representative) }
                                td { @for e in &g.examples { div { (e) } } }
                                td { (g.lang) } td { (when(g.last_seen, tz)) }
                            }
                        }
                    }
                }
            }
        }
        section #proposals {
            h2 { (tr!(lang, Key::WebProposalsTitle)) }
            @if pending.is_empty() {
                p { (tr!(lang, Key::KbProposalsNone)) }
            }
            @for p in &pending {
                div.proposal data-proposal=(p.id) {
                    p {
                        strong { "#" (p.id) } " → " (p.article_id) ": “" (p.phrasing) "” "
                        small { (tr!(lang, match p.source {
                            ProposalSource::Confirmed => Key::ProposalSourceConfirmed,
                            ProposalSource::ClosedWithKb => Key::ProposalSourceClosed,
                        })) " · " (when(p.created_at, tz)) }
                    }
                    form.action method="post" action=(format!("/faq/proposals/{}", p.id)) data-action="accept" {
                        input type="hidden" name="csrf" value=(viewer.session.csrf);
                        input type="hidden" name="nonce" value=(form_nonce());
                        input type="hidden" name="decision" value="accept";
                        input type="text" name="text" placeholder=(tr!(lang, Key::WebEditHint));
                        button type="submit" { (tr!(lang, Key::WebActAccept)) }
                    }
                    form.action method="post" action=(format!("/faq/proposals/{}", p.id)) data-action="reject" {
                        input type="hidden" name="csrf" value=(viewer.session.csrf);
                        input type="hidden" name="nonce" value=(form_nonce());
                        input type="hidden" name="decision" value="reject";
                        button type="submit" { (tr!(lang, Key::WebActReject)) }
                    }
                }
            }
        }
    };
    Page::new(&viewer, tr!(lang, Key::WebNavFaq), body).into_response()
}

/// A review form.
#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    csrf: Option<String>,
    nonce: Option<String>,
    decision: Option<String>,
    text: Option<String>,
}

/// POST `/faq/proposals/{id}`: handed to the desk as `/kb accept|reject`, like chat.
pub async fn review(
    State(state): State<Arc<WebState>>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> Response {
    if let Err(r) = viewer.check_csrf(f.csrf.as_deref()) {
        return *r;
    }
    if let Err(r) = viewer.require(StaffRole::Lead) {
        return *r;
    }
    let lang = viewer.lang();
    let edited = f.text.as_deref().map(str::trim).unwrap_or("");
    let command = match f.decision.as_deref() {
        Some("accept") if edited.is_empty() => format!("/kb accept {id}"),
        Some("accept") => format!("/kb accept {id} {edited}"),
        Some("reject") => format!("/kb reject {id}"),
        other => {
            let msg = tr!(lang, Key::WebUnknownAction, action = other.unwrap_or(""));
            return layout::problem(lang, StatusCode::BAD_REQUEST, &msg);
        }
    };
    run_command(
        &state,
        &viewer,
        f.nonce.as_deref(),
        command,
        Redirect::to("/faq").into_response(),
    )
    .await
}

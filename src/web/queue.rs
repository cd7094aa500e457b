//! The queue: every active ticket on every platform, nearest deadline first, with live SLA
//! countdowns (amber from the first warning, red once breached) and filters.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::html;
use serde::Deserialize;

use super::WebState;
use super::layout::{self, Page, countdown};
use super::session::Viewer;
use crate::domain::i18n::{Key, Lang};
use crate::domain::ids::Platform;
use crate::domain::replies::status_word;
use crate::domain::sla::SlaConfig;
use crate::domain::sla_clock::ClockKind;
use crate::domain::sla_sweep::NoticeKind;
use crate::domain::sla_text::clock_name;
use crate::domain::ticket::{Priority, Status, Ticket, TicketEvent, Tier};
use crate::tr;

/// How many active tickets the page loads at most (the oldest first), as `/queue` does.
const LOAD: i64 = 5000;

/// The nearest running deadline of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// Which clock.
    pub clock: ClockKind,
    /// When it is due.
    pub due: DateTime<Utc>,
    /// Its first warning, when one is configured.
    pub warn: Option<DateTime<Utc>>,
}

/// The nearest running deadline of `t` at `now`, with the sweeper's warning instant.
pub fn next_deadline(
    sla: &SlaConfig,
    t: &Ticket,
    events: &[TicketEvent],
    now: DateTime<Utc>,
) -> Option<Deadline> {
    let notices = sla.notices(t, events, now);
    let breach = notices
        .iter()
        .filter(|n| n.kind == NoticeKind::Breach)
        .min_by_key(|n| n.due)?;
    let warn = notices
        .iter()
        .filter(|n| n.series == breach.series && matches!(n.kind, NoticeKind::Warning(_)))
        .map(|n| n.at)
        .min();
    Some(Deadline {
        clock: breach.clock,
        due: breach.due,
        warn,
    })
}

/// The filters, as the form sends them (empty means any).
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    status: Option<String>,
    priority: Option<String>,
    tier: Option<String>,
    platform: Option<String>,
    agent: Option<String>,
}

/// The filters, checked.
struct Parsed {
    status: Option<Status>,
    priority: Option<Priority>,
    tier: Option<Tier>,
    platform: Option<Platform>,
    /// `Some(None)`: unassigned only.
    agent: Option<Option<String>>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn parse(f: &Filters, lang: Lang) -> Result<Parsed, String> {
    let bad = |what: &str, v: &str| tr!(lang, Key::WebBadFilter, what = what, value = v);
    Ok(Parsed {
        status: given(&f.status)
            .map(|s| s.parse::<Status>().map_err(|_| bad("status", s)))
            .transpose()?,
        priority: given(&f.priority)
            .map(|s| s.parse::<Priority>().map_err(|_| bad("priority", s)))
            .transpose()?,
        tier: given(&f.tier)
            .map(|s| s.parse::<Tier>().map_err(|_| bad("tier", s)))
            .transpose()?,
        platform: given(&f.platform)
            .map(|s| s.parse::<Platform>().map_err(|_| bad("platform", s)))
            .transpose()?,
        agent: given(&f.agent).map(|a| (a != "-").then(|| a.to_string())),
    })
}

impl Parsed {
    fn keeps(&self, t: &Ticket) -> bool {
        self.status.is_none_or(|s| t.status == s)
            && self.priority.is_none_or(|p| t.priority == p)
            && self.tier.is_none_or(|x| t.tier == x)
            && self.platform.is_none_or(|p| t.requester.platform == p)
            && self
                .agent
                .as_ref()
                .is_none_or(|a| t.assignee.as_ref().map(|n| &n.0) == a.as_ref())
    }
}

/// GET `/`: the queue.
pub async fn page(
    State(state): State<Arc<WebState>>,
    viewer: Viewer,
    Query(f): Query<Filters>,
) -> Response {
    let lang = viewer.lang();
    let filters = match parse(&f, lang) {
        Ok(p) => p,
        Err(msg) => return layout::problem(lang, StatusCode::BAD_REQUEST, &msg),
    };
    let tickets = match state
        .desk
        .store()
        .active_tickets_with_events(None, LOAD)
        .await
    {
        Ok(t) => t,
        Err(e) => return layout::store_down(lang, &e),
    };
    let now = Utc::now();
    let sla = &state.cfg.sla;
    let mut rows: Vec<(Option<Deadline>, &Ticket)> = tickets
        .iter()
        .filter(|(t, _)| filters.keeps(t))
        .map(|(t, ev)| (next_deadline(sla, t, ev, now), t))
        .collect();
    rows.sort_by_key(|(d, t)| (d.is_none(), d.map(|d| d.due), t.id));
    let _ = state.store.set_flash(&viewer.session.id_hash, None).await;
    let agents: Vec<&str> = state
        .cfg
        .staff
        .agents
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    let sel = |v: &Option<String>, x: &str| given(v) == Some(x);
    let body = html! {
        form.filters method="get" action="/" {
            label { (tr!(lang, Key::WebColStatus)) " "
                select name="status" {
                    option value="" { (tr!(lang, Key::WebAny)) }
                    @for s in Status::ALL.iter().filter(|s| s.is_active()) {
                        option value=(s.as_str()) selected[sel(&f.status, s.as_str())] { (status_word(lang, *s)) }
                    }
                }
            }
            label { (tr!(lang, Key::WebColPriority)) " "
                select name="priority" {
                    option value="" { (tr!(lang, Key::WebAny)) }
                    @for p in Priority::ALL {
                        option value=(p.to_string()) selected[sel(&f.priority, &p.to_string())] { (p.to_string()) }
                    }
                }
            }
            label { (tr!(lang, Key::WebColTier)) " "
                select name="tier" {
                    option value="" { (tr!(lang, Key::WebAny)) }
                    @for t in Tier::ALL {
                        option value=(t.as_str()) selected[sel(&f.tier, t.as_str())] { (t.as_str()) }
                    }
                }
            }
            label { (tr!(lang, Key::WebColPlatform)) " "
                select name="platform" {
                    option value="" { (tr!(lang, Key::WebAny)) }
                    @for p in [Platform::Discord, Platform::Telegram, Platform::Console] {
                        option value=(p.as_str()) selected[sel(&f.platform, p.as_str())] { (p.as_str()) }
                    }
                }
            }
            label { (tr!(lang, Key::WebColAgent)) " "
                select name="agent" {
                    option value="" { (tr!(lang, Key::WebAny)) }
                    option value="-" selected[sel(&f.agent, "-")] { (tr!(lang, Key::Unassigned)) }
                    @for a in &agents {
                        option value=(a) selected[sel(&f.agent, a)] { (a) }
                    }
                }
            }
            button type="submit" { (tr!(lang, Key::WebFilter)) }
        }
        @if rows.is_empty() {
            p #queue-empty { (tr!(lang, Key::QueueEmpty)) }
        } @else {
            table #queue data-refresh="20" {
                thead { tr {
                    th { "#" } th { (tr!(lang, Key::WebColPriority)) } th { (tr!(lang, Key::WebColSubject)) }
                    th { (tr!(lang, Key::WebColStatus)) } th { (tr!(lang, Key::WebColTier)) }
                    th { (tr!(lang, Key::WebColPlatform)) } th { (tr!(lang, Key::WebColAgent)) }
                    th { (tr!(lang, Key::WebColDeadline)) }
                } }
                tbody {
                    @for (d, t) in &rows {
                        tr data-ticket=(t.id.0) {
                            td { a href=(format!("/tickets/{}", t.id.0)) { (t.id.to_string()) } }
                            td { (t.priority.to_string()) }
                            td { a href=(format!("/tickets/{}", t.id.0)) { (t.subject) } }
                            td { (status_word(lang, t.status)) }
                            td { (t.tier.as_str()) }
                            td { (t.requester.platform.as_str()) }
                            td { (t.assignee.as_ref().map_or_else(|| tr!(lang, Key::Unassigned), |a| a.0.clone())) }
                            td {
                                @if let Some(d) = d {
                                    (countdown(lang, &clock_name(lang, d.clock), d.due, d.warn, now))
                                } @else { "—" }
                            }
                        }
                    }
                }
            }
        }
    };
    Page::new(&viewer, tr!(lang, Key::WebQueueTitle), body).into_response()
}

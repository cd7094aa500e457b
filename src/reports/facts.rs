//! Report facts of one ticket: what the reports count about it (kind flags, who handled it,
//! when it was resolved, each SLA clock's target, business time and breach instant), computed
//! from the ticket and its event log with the SLA policy. Stored per ticket so that reports
//! aggregate in the database; pure, no I/O.

use chrono::{DateTime, Utc};

use crate::domain::ids::Platform;
use crate::domain::sla_clock::{ClockKind, ClockStatus, Policy};
use crate::domain::ticket::{
    Actor, EventKind, Priority, Status, Ticket, TicketEvent, TicketKind, Tier,
};

/// What the reports know about one ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketFacts {
    /// The ticket.
    pub ticket_id: i64,
    /// The ticket's `updated_at` these facts were computed from.
    pub updated_at: DateTime<Utc>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// The requester's platform.
    pub platform: Platform,
    /// The requester's id on that platform.
    pub requester_id: String,
    /// Question, bug, feature or incident.
    pub kind: TicketKind,
    /// Current priority.
    pub priority: Priority,
    /// Current tier.
    pub tier: Tier,
    /// Current status.
    pub status: Status,
    /// A bug report: a bug ticket, or `/feedback bug` given inside another ticket.
    pub bug: bool,
    /// A feature request, likewise.
    pub feature: bool,
    /// When an agent last marked the bug fixed (`/fixed`).
    pub fixed_at: Option<DateTime<Utc>>,
    /// Who the ticket counts for: its assignee, else the agent who answered first.
    pub agent: Option<String>,
    /// When it was last solved or closed, while it still is.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When it was last closed (each close sends the survey), even if reopened since: the
    /// CSAT figures count a ticket once, in the period of its last close.
    pub closed_at: Option<DateTime<Utc>>,
    /// Its CSAT rating, if the customer gave one.
    pub csat_score: Option<i64>,
    /// When an agent last confirmed the incident began (`/incident`); downtime otherwise
    /// counts from the opening.
    pub incident_start: Option<DateTime<Utc>>,
    /// Its SLA clocks.
    pub clocks: Vec<ClockFact>,
}

/// One SLA clock of a ticket, as the reports count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockFact {
    /// What it measures.
    pub clock: ClockKind,
    /// 0, or the number of the next-response cycle (0, 1, …).
    pub seq: i64,
    /// Target in business milliseconds.
    pub target_ms: i64,
    /// Business milliseconds counted (final once stopped).
    pub elapsed_ms: i64,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it stopped for good.
    pub stopped_at: Option<DateTime<Utc>>,
    /// When it passed, or will pass while running, its target; `None` when met or paused short.
    pub breach_at: Option<DateTime<Utc>>,
}

impl ClockFact {
    /// The clock's outcome at `at`: `Some(true)` met, `Some(false)` breached, `None` undecided.
    pub fn met_at(&self, at: DateTime<Utc>) -> Option<bool> {
        match (self.breach_at, self.stopped_at) {
            (Some(b), _) if b <= at => Some(false),
            (None, Some(s)) if s <= at => Some(true),
            _ => None,
        }
    }
}

/// The tag `/feedback bug` adds to an open ticket, and its feature twin.
const BUG_TAG: &str = "bug";
const FEATURE_TAG: &str = "feature";

/// The histogram class of a business time in the report rollups: classes are about 10 %
/// wide (class `b` holds the times `t` with `floor(ln(1 + t / 1 s) / ln 1.1) = b`), so a
/// year fits in under 200 classes and reading one class exactly stays cheap. The classes are
/// stored with the facts: changing them needs `service::FACTS_VERSION` raised.
pub fn time_bucket(elapsed_ms: i64) -> i64 {
    let secs = elapsed_ms.max(0) as f64 / 1000.0;
    (secs.ln_1p() / 1.1f64.ln()).floor() as i64
}

/// Computes a ticket's facts at `now`, with its CSAT rating `csat_score`. Clocks the policy cannot compute (a calendar error,
/// which validation prevents) are left out rather than failing the whole report.
pub fn ticket_facts(
    policy: &Policy,
    ticket: &Ticket,
    events: &[TicketEvent],
    csat_score: Option<i64>,
    now: DateTime<Utc>,
) -> TicketFacts {
    let mut fixed_at = None;
    let mut incident_start = None;
    let mut first_agent = None;
    let mut resolved_at = None;
    let mut closed_at = None;
    for e in events {
        if matches!(e.kind, EventKind::Closed { .. }) {
            closed_at = Some(e.at);
        }
        match &e.kind {
            EventKind::Fixed => fixed_at = Some(e.at),
            EventKind::IncidentStart { since } => incident_start = Some(*since),
            EventKind::AgentReplied if first_agent.is_none() => {
                if let Actor::Agent(a) = &e.actor {
                    first_agent = Some(a.0.clone());
                }
            }
            // Resolved when it first became solved or closed since it was last active: a
            // close after a solve does not move the resolution.
            EventKind::StatusChanged {
                to: Status::Solved | Status::Closed,
                ..
            }
            | EventKind::Closed { .. } => {
                resolved_at.get_or_insert(e.at);
            }
            EventKind::StatusChanged { .. } | EventKind::Reopened => resolved_at = None,
            _ => {}
        }
    }
    if !matches!(ticket.status, Status::Solved | Status::Closed) {
        resolved_at = None;
    } else if resolved_at.is_none() {
        resolved_at = Some(ticket.updated_at);
    }
    let mut next_seq = 0;
    let clocks = policy
        .clocks(ticket, events, now)
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            let seq = if c.kind == ClockKind::NextResponse {
                next_seq += 1;
                next_seq - 1
            } else {
                0
            };
            let breach_at = match c.status {
                ClockStatus::Breached | ClockStatus::Running => c.due,
                ClockStatus::Met | ClockStatus::Paused => None,
            };
            ClockFact {
                clock: c.kind,
                seq,
                target_ms: c.target.num_milliseconds(),
                elapsed_ms: c.elapsed.num_milliseconds(),
                started_at: c.start,
                stopped_at: c.stopped_at,
                breach_at,
            }
        })
        .collect();
    let tagged = |t: &str| ticket.tags.iter().any(|x| x == t);
    TicketFacts {
        ticket_id: ticket.id.0,
        updated_at: ticket.updated_at,
        created_at: ticket.created_at,
        platform: ticket.requester.platform,
        requester_id: ticket.requester.id.clone(),
        kind: ticket.kind,
        priority: ticket.priority,
        tier: ticket.tier,
        status: ticket.status,
        bug: ticket.kind == TicketKind::Bug || tagged(BUG_TAG),
        feature: ticket.kind == TicketKind::Feature || tagged(FEATURE_TAG),
        fixed_at,
        agent: ticket
            .assignee
            .as_ref()
            .map(|a| a.0.clone())
            .or(first_agent),
        resolved_at,
        closed_at,
        csat_score,
        incident_start,
        clocks,
    }
}

#[cfg(test)]
mod tests {
    use super::time_bucket;

    #[test]
    fn time_classes_grow_by_a_tenth_and_never_go_back() {
        assert_eq!(time_bucket(0), 0);
        assert_eq!(time_bucket(-5), 0, "a negative time is the first class");
        let mut last = 0;
        for secs in 1..200_000_i64 {
            let b = time_bucket(secs * 1000);
            assert!(b >= last, "{secs} s went back to class {b}");
            last = b;
        }
        // A year of business time stays under 200 classes.
        assert!(time_bucket(365 * 24 * 3_600_000) < 200);
        // Neighbouring classes of long times differ by about 10 %: 10 h and 11 h are one
        // class apart.
        let (a, b) = (time_bucket(10 * 3_600_000), time_bucket(11 * 3_600_000));
        assert_eq!(b - a, 1);
    }
}

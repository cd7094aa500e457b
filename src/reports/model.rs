//! What the storage layer hands the reports: the period and filters asked for, and the
//! aggregated rows of the database (counts, percentiles), each bounded by the number of
//! groups, never by the number of tickets.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::ids::Platform;
use crate::domain::ports::FaqOutcome;
use crate::domain::sla_clock::ClockKind;
use crate::domain::ticket::{Priority, Status, TicketKind, Tier};

/// A half-open span of time `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    /// First instant counted.
    pub from: DateTime<Utc>,
    /// First instant no longer counted.
    pub to: DateTime<Utc>,
}

/// Which tickets a report counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only this tier.
    pub tier: Option<Tier>,
    /// Only the requesters of this customer account: `(platform, user id)` pairs.
    pub customer: Option<Vec<(Platform, String)>>,
    /// Only requesters on this platform.
    pub platform: Option<Platform>,
}

/// Tickets opened in the period, counted per combination of their attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedRow {
    /// Current priority.
    pub priority: Priority,
    /// Current tier.
    pub tier: Tier,
    /// Requester's platform.
    pub platform: Platform,
    /// Ticket kind.
    pub kind: TicketKind,
    /// Current status.
    pub status: Status,
    /// A bug report.
    pub bug: bool,
    /// A feature request.
    pub feature: bool,
    /// Marked fixed.
    pub fixed: bool,
    /// How many.
    pub count: i64,
}

/// Close and reopen events in the period, per priority × tier of their ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRow {
    /// Priority.
    pub priority: Priority,
    /// Tier.
    pub tier: Tier,
    /// Closes.
    pub closed: i64,
    /// Reopens.
    pub reopened: i64,
}

/// SLA clock outcomes of the tickets opened in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockRow {
    /// Which clock.
    pub clock: ClockKind,
    /// Priority.
    pub priority: Priority,
    /// Tier.
    pub tier: Tier,
    /// Stopped within target.
    pub met: i64,
    /// Passed the target by the time the report ran.
    pub breached: i64,
    /// Neither yet.
    pub pending: i64,
}

/// Which business-time durations a percentile row describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Opening → first public reply (or solve).
    FirstResponse,
    /// Opening → solved or closed, minus pauses.
    Resolution,
}

/// The group a percentile row describes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Group {
    /// Every ticket counted.
    All,
    /// One priority × tier cell.
    Cell(Priority, Tier),
    /// One agent's tickets.
    Agent(String),
}

/// Nearest-rank percentiles of stopped clocks, in business milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeRow {
    /// What was measured.
    pub measure: Measure,
    /// Over which tickets.
    pub group: Group,
    /// How many clocks.
    pub n: i64,
    /// The ⌈n/2⌉-th smallest.
    pub median_ms: i64,
    /// The ⌈0.9·n⌉-th smallest.
    pub p90_ms: i64,
    /// The largest.
    pub max_ms: i64,
}

/// Tickets closed in the period, per agent and rating (`None`: not rated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsatRow {
    /// The agent the ticket counts for.
    pub agent: Option<String>,
    /// The rating, 1–5.
    pub score: Option<i64>,
    /// How many tickets.
    pub count: i64,
}

/// Everything the KPI report is computed from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KpiFigures {
    /// Tickets opened in the period.
    pub opened: Vec<OpenedRow>,
    /// Closes and reopens in the period.
    pub flow: Vec<FlowRow>,
    /// Clock outcomes of the tickets opened.
    pub clocks: Vec<ClockRow>,
    /// Percentiles of first-response and resolution times.
    pub times: Vec<TimeRow>,
    /// Tickets opened per agent they count for.
    pub handled: Vec<(String, i64)>,
    /// Ratings of the tickets closed in the period.
    pub csat: Vec<CsatRow>,
    /// Quarterly surveys sent in the period, per rating (`None`: not answered).
    pub quarterly: Vec<CsatRow>,
    /// FAQ questions asked in the period, per outcome.
    pub faq: Vec<(FaqOutcome, i64)>,
    /// The questions most often asked without an answer found, with their counts.
    pub faq_unanswered: Vec<(String, i64)>,
}

/// One SLA clock that passed its target in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachRow {
    /// The ticket.
    pub ticket_id: i64,
    /// Which clock.
    pub clock: ClockKind,
    /// Requester's platform.
    pub platform: Platform,
    /// Requester's id.
    pub requester_id: String,
    /// Priority.
    pub priority: Priority,
    /// Tier.
    pub tier: Tier,
    /// Target, business milliseconds.
    pub target_ms: i64,
    /// Business time counted (final when stopped).
    pub elapsed_ms: i64,
    /// When the target passed.
    pub breach_at: DateTime<Utc>,
    /// When the clock stopped, if it did.
    pub stopped_at: Option<DateTime<Utc>>,
}

/// A P1 incident ticket overlapping the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRow {
    /// The ticket.
    pub ticket_id: i64,
    /// Requester's platform.
    pub platform: Platform,
    /// Requester's id.
    pub requester_id: String,
    /// Tier.
    pub tier: Tier,
    /// Downtime start: the start an agent confirmed, else the opening.
    pub start: DateTime<Utc>,
    /// Resolution, if resolved.
    pub end: Option<DateTime<Utc>>,
}

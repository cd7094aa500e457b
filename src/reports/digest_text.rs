//! What a digest says: the period's figures (taken from the KPI report and the breach list the
//! reports already compute, so the numbers always agree with `report kpi`) and their wording
//! in the staff language, from the catalogs.

use chrono::{DateTime, Utc};

use super::digest::{Due, Every};
use super::kpi::{KpiReport, Rate};
use super::model::BreachRow;
use crate::domain::i18n::{Key, Lang, format_date, format_datetime, format_duration_short};
use crate::domain::ids::TicketId;
use crate::domain::replies::status_word;
use crate::domain::sla_clock::ClockKind;
use crate::domain::ticket::{Priority, Status};
use crate::tr;

/// A digest posted more than this long after its time says it is late.
const LATE_AFTER_MINUTES: i64 = 60;

/// An open ticket as the digest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OldTicket {
    /// The ticket.
    pub id: TicketId,
    /// Its priority.
    pub priority: Priority,
    /// Its subject.
    pub subject: String,
    /// Its status.
    pub status: Status,
    /// When it was opened.
    pub opened: DateTime<Utc>,
}

/// The figures of one digest.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestFigures {
    /// Tickets opened in the period.
    pub opened: i64,
    /// Closes in the period.
    pub closed: i64,
    /// Reopens in the period.
    pub reopened: i64,
    /// SLA clocks whose target passed in the period.
    pub breaches: i64,
    /// Of those, first responses.
    pub first_response_breaches: i64,
    /// First responses within target, of the tickets opened.
    pub response_rate: Rate,
    /// The response-rate goal (0.95).
    pub response_goal: f64,
    /// Ratings given, of tickets closed in the period.
    pub csat: Rate,
    /// Their average.
    pub csat_average: Option<f64>,
    /// Tickets opened per priority, P1 to P4.
    pub by_priority: [i64; 4],
    /// The oldest tickets still open.
    pub oldest: Vec<OldTicket>,
}

impl DigestFigures {
    /// The figures of `report` (the KPI report of the digest's period), `breaches` (the same
    /// period's breach list) and the oldest open tickets.
    pub fn new(report: &KpiReport, breaches: &[BreachRow], oldest: Vec<OldTicket>) -> Self {
        let mut by_priority = [0i64; 4];
        for cell in &report.cells {
            let rank = cell
                .priority
                .as_deref()
                .and_then(|p| p.parse::<Priority>().ok())
                .map(|p| p.rank());
            if let Some(r) = rank.and_then(|r| usize::try_from(r - 1).ok())
                && r < 4
            {
                by_priority[r] += cell.opened;
            }
        }
        DigestFigures {
            opened: report.overall.opened,
            closed: report.overall.closed,
            reopened: report.overall.reopened,
            breaches: breaches.len() as i64,
            first_response_breaches: breaches
                .iter()
                .filter(|b| b.clock == ClockKind::FirstResponse)
                .count() as i64,
            response_rate: report.overall.response_rate,
            response_goal: report.goals.response_rate,
            csat: report.csat.response_rate,
            csat_average: report.csat.average,
            by_priority,
            oldest,
        }
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// The digest's title line: which period it covers.
pub fn title(lang: Lang, due: &Due) -> String {
    match due.every {
        Every::Daily => tr!(
            lang,
            Key::DigestHeadDaily,
            day = format_date(lang, due.first_day)
        ),
        Every::Weekly => tr!(
            lang,
            Key::DigestHeadWeekly,
            from = format_date(lang, due.first_day),
            to = format_date(lang, due.last_day)
        ),
    }
}

/// The whole digest in `lang`, posted at `now`; times are shown in the report time zone.
pub fn text(
    lang: Lang,
    due: &Due,
    f: &DigestFigures,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> String {
    let mut lines = vec![title(lang, due)];
    if now - due.at > chrono::Duration::minutes(LATE_AFTER_MINUTES) {
        lines.push(tr!(
            lang,
            Key::DigestLate,
            due = format_datetime(lang, &due.at.with_timezone(&tz))
        ));
    }
    lines.push(tr!(
        lang,
        Key::DigestVolume,
        opened = f.opened,
        closed = f.closed,
        reopened = f.reopened
    ));
    lines.push(tr!(
        lang,
        Key::DigestBreaches,
        breaches = f.breaches,
        first = f.first_response_breaches
    ));
    lines.push(match f.response_rate.rate {
        Some(r) => tr!(
            lang,
            Key::DigestResponse,
            rate = pct(r),
            hits = f.response_rate.hits,
            total = f.response_rate.total,
            goal = pct(f.response_goal)
        ),
        None => tr!(lang, Key::DigestResponseNone),
    });
    lines.push(match f.csat_average {
        Some(avg) => tr!(
            lang,
            Key::DigestCsat,
            responses = f.csat.hits,
            closed = f.csat.total,
            average = format!("{avg:.1}")
        ),
        None => tr!(lang, Key::DigestCsatNone, closed = f.csat.total),
    });
    let [p1, p2, p3, p4] = f.by_priority;
    lines.push(tr!(
        lang,
        Key::DigestPriorities,
        p1 = p1,
        p2 = p2,
        p3 = p3,
        p4 = p4
    ));
    if f.oldest.is_empty() {
        lines.push(tr!(lang, Key::DigestOldestNone));
    } else {
        lines.push(tr!(lang, Key::DigestOldestHead));
        for t in &f.oldest {
            lines.push(tr!(
                lang,
                Key::DigestOldestRow,
                id = t.id,
                priority = t.priority.to_string(),
                subject = t.subject.as_str(),
                status = status_word(lang, t.status),
                age = format_duration_short(lang, now - t.opened, false)
            ));
        }
    }
    lines.join("\n")
}

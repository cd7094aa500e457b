//! What people see of the SLA clocks: the customer's first-response promise, `/sla`
//! explanations and `/queue` rows.

use chrono::{DateTime, Duration, Utc};

use super::i18n::{Key, Lang, format_datetime, format_duration_short, format_span};
use super::replies::status_word;
use super::sla::SlaConfig;
use super::sla_clock::{ClockKind, ClockState, ClockStatus};
use super::ticket::{Priority, Ticket, TicketEvent, Tier};
use crate::tr;

impl SlaConfig {
    /// A phrase telling the customer when to expect the first response, in their calendar's
    /// terms and their language, e.g. "expect a first reply within 8 hours of business time,
    /// by Mon 24 Nov 10:00 (Europe/Budapest)".
    pub fn first_response_promise(
        &self,
        lang: Lang,
        tier: Tier,
        priority: Priority,
        opened: DateTime<Utc>,
    ) -> String {
        let fallback = tr!(lang, Key::PromiseFallback);
        let Ok(p) = self.policy() else {
            return fallback;
        };
        let Some((target, cal_name)) = p.target(tier, priority, ClockKind::FirstResponse) else {
            return fallback;
        };
        let cal = p.calendar(&cal_name);
        let Ok(due) = cal.add_business(opened, target) else {
            return fallback;
        };
        let (tz, zone) = if cal.is_always_open() {
            (chrono_tz::UTC, "UTC".to_string())
        } else {
            (cal.tz, cal.tz.name().to_string())
        };
        let local = due.with_timezone(&tz);
        tr!(
            lang,
            if cal.is_always_open() {
                Key::PromiseAlways
            } else {
                Key::PromiseBusiness
            },
            span = format_span(lang, target),
            due = format_datetime(lang, &local),
            zone = zone
        )
    }

    /// Explains a ticket's clocks for `/sla`: targets, starts, pauses, due times, status.
    pub fn explain(
        &self,
        lang: Lang,
        ticket: &Ticket,
        events: &[TicketEvent],
        now: DateTime<Utc>,
    ) -> String {
        let clocks = self.clocks(ticket, events, now);
        if clocks.is_empty() {
            return tr!(
                lang,
                Key::SlaNone,
                id = ticket.id,
                tier = ticket.tier.as_str(),
                priority = ticket.priority.to_string()
            );
        }
        let mut s = tr!(
            lang,
            Key::SlaHead,
            id = ticket.id,
            tier = ticket.tier.as_str(),
            priority = ticket.priority.to_string(),
            status = status_word(lang, ticket.status)
        );
        let nexts = clocks
            .iter()
            .filter(|c| c.kind == ClockKind::NextResponse)
            .count();
        let mut seen_next = 0;
        for c in &clocks {
            if c.kind == ClockKind::NextResponse {
                seen_next += 1;
                if seen_next < nexts {
                    continue; // earlier cycles are summarised below
                }
            }
            s.push_str(&explain_clock(lang, c, now));
        }
        if nexts > 1 {
            let late = clocks
                .iter()
                .filter(|c| c.kind == ClockKind::NextResponse && c.status == ClockStatus::Breached)
                .count();
            s.push('\n');
            s.push_str(&tr!(lang, Key::SlaCycles, n = nexts, late = late));
        }
        s
    }

    /// One line per ticket for `/queue`, nearest deadline first, with time left.
    pub fn queue_rows(
        &self,
        lang: Lang,
        tickets: &[(Ticket, Vec<TicketEvent>)],
        now: DateTime<Utc>,
    ) -> Vec<String> {
        let mut rows: Vec<(Option<DateTime<Utc>>, String)> = tickets
            .iter()
            .map(|(t, ev)| {
                let next = self
                    .clocks(t, ev, now)
                    .into_iter()
                    .filter(|c| {
                        matches!(c.status, ClockStatus::Running | ClockStatus::Breached)
                            && c.stopped_at.is_none()
                    })
                    .filter_map(|c| c.due.map(|d| (d, c.kind)))
                    .min();
                let who = t
                    .assignee
                    .as_ref()
                    .map_or_else(|| tr!(lang, Key::Unassigned), |a| a.0.clone());
                let mut line = tr!(
                    lang,
                    Key::QueueRow,
                    id = t.id,
                    priority = t.priority.to_string(),
                    subject = &t.subject,
                    status = status_word(lang, t.status),
                    who = who
                );
                match next {
                    Some((d, k)) if d <= now => {
                        line.push_str(" — ");
                        line.push_str(&tr!(
                            lang,
                            Key::QueueBreached,
                            clock = clock_name(lang, k),
                            ago = format_duration_short(lang, now - d, false)
                        ));
                    }
                    Some((d, k)) => {
                        line.push_str(" — ");
                        line.push_str(&tr!(
                            lang,
                            Key::QueueDue,
                            clock = clock_name(lang, k),
                            left = format_duration_short(lang, d - now, true)
                        ));
                    }
                    None => {}
                }
                (next.map(|n| n.0), line)
            })
            .collect();
        // Tickets without a running deadline go last, in the order given.
        rows.sort_by_key(|(d, _)| (d.is_none(), *d));
        rows.into_iter().map(|(_, l)| l).collect()
    }
}

/// A clock's name in words ("first response", "首次响应").
pub fn clock_name(lang: Lang, k: ClockKind) -> String {
    tr!(
        lang,
        match k {
            ClockKind::FirstResponse => Key::ClockFirstResponse,
            ClockKind::NextResponse => Key::ClockNextResponse,
            ClockKind::Resolution => Key::ClockResolution,
        }
    )
}

fn clock_status(lang: Lang, s: ClockStatus) -> String {
    tr!(
        lang,
        match s {
            ClockStatus::Running => Key::ClockRunning,
            ClockStatus::Paused => Key::ClockPaused,
            ClockStatus::Met => Key::ClockMet,
            ClockStatus::Breached => Key::ClockBreached,
        }
    )
}

/// Business durations in hours and minutes (`40 h`, `1 h 30 min`): "1 d 16 h" would read as
/// wall time.
fn hm(lang: Lang, d: Duration) -> String {
    let m = d.num_minutes();
    let sign = if m < 0 { "-" } else { "" };
    let (h, m) = (m.abs() / 60, m.abs() % 60);
    let hours = tr!(lang, Key::DurHoursShort, n = h);
    let minutes = tr!(lang, Key::DurMinutesShort, n = m);
    let sep = if lang == Lang::Zh { "" } else { " " };
    match (h, m) {
        (0, _) => format!("{sign}{minutes}"),
        (_, 0) => format!("{sign}{hours}"),
        _ => format!("{sign}{hours}{sep}{minutes}"),
    }
}

fn ts(lang: Lang, t: DateTime<Utc>) -> String {
    format!("{} UTC", format_datetime(lang, &t))
}

fn explain_clock(lang: Lang, c: &ClockState, now: DateTime<Utc>) -> String {
    let mut s = String::from("\n");
    s.push_str(&tr!(
        lang,
        Key::SlaClock,
        clock = clock_name(lang, c.kind),
        status = clock_status(lang, c.status),
        target = hm(lang, c.target),
        calendar = &c.calendar,
        start = ts(lang, c.start),
        elapsed = hm(lang, c.elapsed)
    ));
    let mut part = |text: String| {
        s.push_str(if lang == Lang::Zh { "，" } else { ", " });
        s.push_str(&text);
    };
    match (c.status, c.due) {
        (ClockStatus::Running, Some(d)) => part(tr!(
            lang,
            Key::SlaDueIn,
            due = ts(lang, d),
            left = format_duration_short(lang, d - now, true)
        )),
        (ClockStatus::Breached, Some(d)) => part(tr!(lang, Key::SlaWasDue, due = ts(lang, d))),
        (ClockStatus::Paused, _) => part(tr!(lang, Key::SlaLeft, left = hm(lang, c.remaining()))),
        (ClockStatus::Met, _) => {}
        (_, None) => {}
    }
    if let Some(at) = c.stopped_at {
        part(tr!(lang, Key::SlaStopped, at = ts(lang, at)));
    }
    for p in &c.pauses {
        let reason = status_word(lang, p.reason);
        match p.to {
            Some(to) => {
                s.push_str("\n    ");
                s.push_str(&tr!(
                    lang,
                    Key::SlaPausedRange,
                    reason = reason,
                    from = ts(lang, p.from),
                    to = ts(lang, to)
                ));
            }
            None if c.stopped_at.is_none() => {
                s.push_str("\n    ");
                s.push_str(&tr!(
                    lang,
                    Key::SlaPausedSince,
                    reason = reason,
                    from = ts(lang, p.from)
                ));
            }
            None => {}
        }
    }
    const SHOW: usize = 6;
    if !c.windows.is_empty() {
        s.push_str("\n    ");
        s.push_str(&tr!(lang, Key::SlaWindows));
        let skip = c.windows.len().saturating_sub(SHOW);
        if skip > 0 {
            s.push(' ');
            s.push_str(&tr!(lang, Key::SlaWindowsEarlier, n = skip));
            s.push(',');
        }
        for (a, b) in &c.windows[skip..] {
            s.push_str(&format!(
                " {}–{}",
                format_datetime(lang, a),
                b.format("%H:%M")
            ));
        }
    }
    s
}

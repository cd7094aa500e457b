//! What people see of the SLA clocks: the customer's first-response promise, `/sla`
//! explanations and `/queue` rows.

use chrono::{DateTime, Duration, Utc};

use super::calendar::format_duration;
use super::sla::SlaConfig;
use super::sla_clock::{ClockKind, ClockState, ClockStatus};
use super::ticket::{Priority, Ticket, TicketEvent, Tier};

impl SlaConfig {
    /// A phrase telling the customer when to expect the first response, in their calendar's
    /// terms, e.g. "expect a first reply within 8 business hours, by Mon 24 Nov 10:00 (Europe/Budapest)".
    pub fn first_response_promise(
        &self,
        tier: Tier,
        priority: Priority,
        opened: DateTime<Utc>,
    ) -> String {
        let fallback = "we usually reply within one business day".to_string();
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
        format!(
            "expect a first reply within {}{}, by {} ({zone})",
            human(target),
            if cal.is_always_open() {
                ""
            } else {
                " of business time"
            },
            local.format("%a %-d %b %H:%M"),
        )
    }

    /// Explains a ticket's clocks for `/sla`: targets, starts, pauses, due times, status.
    pub fn explain(&self, ticket: &Ticket, events: &[TicketEvent], now: DateTime<Utc>) -> String {
        let clocks = self.clocks(ticket, events, now);
        if clocks.is_empty() {
            return format!(
                "Ticket {}: no SLA targets apply (tier {}, {}).",
                ticket.id, ticket.tier, ticket.priority
            );
        }
        let mut s = format!(
            "SLA for ticket {} ({} {}, {}):",
            ticket.id, ticket.tier, ticket.priority, ticket.status
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
            s.push_str(&explain_clock(c, now));
        }
        if nexts > 1 {
            let late = clocks
                .iter()
                .filter(|c| c.kind == ClockKind::NextResponse && c.status == ClockStatus::Breached)
                .count();
            s.push_str(&format!(
                "\n{nexts} next-response cycles so far, {late} breached."
            ));
        }
        s
    }

    /// One line per ticket for `/queue`, nearest deadline first, with time left.
    pub fn queue_rows(
        &self,
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
                    .map_or("unassigned".to_string(), |a| a.0.clone());
                let when = match next {
                    Some((d, k)) if d <= now => {
                        format!(" — {k} BREACHED {} ago", format_duration(now - d))
                    }
                    Some((d, k)) => format!(" — {k} due in {}", format_duration(d - now)),
                    None => String::new(),
                };
                let line = format!(
                    "{} [{}] {} ({}, {who}){when}",
                    t.id, t.priority, t.subject, t.status
                );
                (next.map(|n| n.0), line)
            })
            .collect();
        // Tickets without a running deadline go last, in the order given.
        rows.sort_by_key(|(d, _)| (d.is_none(), *d));
        rows.into_iter().map(|(_, l)| l).collect()
    }
}

/// "8 hours", "90 minutes", "1 hour 30 minutes", "2 days".
pub fn human(d: Duration) -> String {
    let m = d.num_minutes();
    let unit = |n: i64, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    if m % 1440 == 0 && m >= 2880 {
        unit(m / 1440, "day")
    } else if m % 60 == 0 {
        unit(m / 60, "hour")
    } else if m < 120 {
        unit(m, "minute")
    } else {
        format!("{} {}", unit(m / 60, "hour"), unit(m % 60, "minute"))
    }
}

/// Business durations in hours and minutes (`40h`, `1h30m`): "1d16h" would read as wall time.
fn hm(d: Duration) -> String {
    let m = d.num_minutes();
    let sign = if m < 0 { "-" } else { "" };
    let (h, m) = (m.abs() / 60, m.abs() % 60);
    match (h, m) {
        (0, m) => format!("{sign}{m}m"),
        (h, 0) => format!("{sign}{h}h"),
        (h, m) => format!("{sign}{h}h{m}m"),
    }
}

fn ts(t: DateTime<Utc>) -> String {
    t.format("%a %-d %b %H:%M UTC").to_string()
}

fn explain_clock(c: &ClockState, now: DateTime<Utc>) -> String {
    let mut s = format!(
        "\n• {}: {} — target {} on `{}`, started {}, counted {}",
        c.kind,
        c.status,
        hm(c.target),
        c.calendar,
        ts(c.start),
        hm(c.elapsed),
    );
    match (c.status, c.due) {
        (ClockStatus::Running, Some(d)) => s.push_str(&format!(
            ", due {} (in {})",
            ts(d),
            format_duration(d - now)
        )),
        (ClockStatus::Breached, Some(d)) => s.push_str(&format!(", was due {}", ts(d))),
        (ClockStatus::Paused, _) => s.push_str(&format!(", {} left", hm(c.remaining()))),
        (ClockStatus::Met, _) => {}
        (_, None) => {}
    }
    if let Some(at) = c.stopped_at {
        s.push_str(&format!(", stopped {}", ts(at)));
    }
    for p in &c.pauses {
        match p.to {
            Some(to) => s.push_str(&format!(
                "\n    paused ({}) {} → {}",
                p.reason,
                ts(p.from),
                ts(to)
            )),
            None if c.stopped_at.is_none() => {
                s.push_str(&format!("\n    paused ({}) since {}", p.reason, ts(p.from)))
            }
            None => {}
        }
    }
    const SHOW: usize = 6;
    if !c.windows.is_empty() {
        s.push_str("\n    counted windows:");
        let skip = c.windows.len().saturating_sub(SHOW);
        if skip > 0 {
            s.push_str(&format!(" … {skip} earlier,"));
        }
        for (a, b) in &c.windows[skip..] {
            s.push_str(&format!(
                " {}–{}",
                a.format("%d %b %H:%M"),
                b.format("%H:%M")
            ));
        }
    }
    s
}

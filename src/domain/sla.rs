//! SLA configuration (calendars, per tier × priority targets, warnings, escalation) and the
//! texts people see: the customer's first-response promise, `/sla` explanations, `/queue` rows.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::{ALWAYS_OPEN, Calendar, CalendarConfig, format_duration, parse_duration};
use super::directory::StaffRole;
use super::sla_clock::{ClockKind, ClockState, ClockStatus, Policy};
use super::ticket::{Priority, Ticket, TicketEvent, Tier};

/// `[sla]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaConfig {
    /// Seconds between sweeper ticks (warnings, breaches, escalations).
    #[serde(default = "default_sweep_every")]
    pub sweep_every_secs: u64,
    /// Also pause the resolution clock while a ticket is on hold (it always pauses when pending).
    #[serde(default)]
    pub pause_on_hold: bool,
    /// Named calendars; `24x7` exists without being listed.
    #[serde(default)]
    pub calendars: BTreeMap<String, CalendarConfig>,
    /// Targets per tier (`basic`, `pro`, `enterprise`); a tier without a policy has no clocks.
    #[serde(default)]
    pub tiers: BTreeMap<String, TierPolicy>,
    /// When to warn before a breach.
    #[serde(default)]
    pub warnings: WarningsConfig,
    /// Who hears about a breach, and how often again.
    #[serde(default)]
    pub escalation: EscalationConfig,
    #[serde(skip)]
    compiled: OnceLock<Result<Arc<Policy>, String>>,
}

fn default_sweep_every() -> u64 {
    30
}

/// `[sla.tiers.TIER]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierPolicy {
    /// Calendar the tier's targets are counted on (default `24x7`).
    #[serde(default)]
    pub calendar: Option<String>,
    /// P1 targets.
    #[serde(default)]
    pub p1: Option<Targets>,
    /// P2 targets.
    #[serde(default)]
    pub p2: Option<Targets>,
    /// P3 targets.
    #[serde(default)]
    pub p3: Option<Targets>,
    /// P4 targets.
    #[serde(default)]
    pub p4: Option<Targets>,
}

/// `[sla.tiers.TIER.pN]`: durations such as `4h`; an omitted target is not tracked.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// Creation → first public agent reply.
    #[serde(default)]
    pub first_response: Option<String>,
    /// Oldest unanswered customer message → next agent reply.
    #[serde(default)]
    pub next_response: Option<String>,
    /// Creation → solved, minus pauses.
    #[serde(default)]
    pub resolution: Option<String>,
    /// Overrides the tier's calendar for this priority (e.g. `24x7` for enterprise P1).
    #[serde(default)]
    pub calendar: Option<String>,
}

/// `[sla.warnings]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningsConfig {
    /// Warn when this share of the target has elapsed (percent, 1–99).
    #[serde(default)]
    pub at_percent: Vec<u32>,
    /// Warn when this much business time is left, e.g. `30m`.
    #[serde(default)]
    pub before: Vec<String>,
}

impl Default for WarningsConfig {
    fn default() -> Self {
        WarningsConfig {
            at_percent: vec![75],
            before: vec!["30m".into()],
        }
    }
}

/// `[sla.escalation]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationConfig {
    /// Staff role pinged after the assignee: `agent`, `lead` or `admin` (and everyone above).
    pub lead_role: StaffRole,
    /// Re-ping interval after a breach, e.g. `30m`.
    pub repeat_every: String,
    /// Re-pings after the first breach notice (0 = none).
    pub max_repeats: u32,
}

impl Default for EscalationConfig {
    fn default() -> Self {
        EscalationConfig {
            lead_role: StaffRole::Lead,
            repeat_every: "30m".into(),
            max_repeats: 3,
        }
    }
}

fn compile(c: &SlaConfig) -> Result<Policy, String> {
    let mut calendars = BTreeMap::new();
    calendars.insert(ALWAYS_OPEN.to_string(), Calendar::always_open());
    for (name, cc) in &c.calendars {
        let key = format!("sla.calendars.{name}");
        if name == ALWAYS_OPEN {
            return Err(format!("{key}: `24x7` is built in and cannot be redefined"));
        }
        calendars.insert(name.clone(), Calendar::from_config(name, cc, &key)?);
    }
    let mut targets = std::collections::HashMap::new();
    for (tier_name, tp) in &c.tiers {
        let key = format!("sla.tiers.{tier_name}");
        let tier: Tier = tier_name.parse().map_err(|e| format!("{key}: {e}"))?;
        let tier_cal = tp.calendar.clone().unwrap_or_else(|| ALWAYS_OPEN.into());
        if !calendars.contains_key(&tier_cal) {
            return Err(format!("{key}.calendar: no calendar named `{tier_cal}`"));
        }
        for (prio, t) in Priority::ALL
            .into_iter()
            .zip([&tp.p1, &tp.p2, &tp.p3, &tp.p4])
        {
            let Some(t) = t else { continue };
            let key = format!("{key}.p{}", prio.rank());
            let cal = t.calendar.clone().unwrap_or_else(|| tier_cal.clone());
            if !calendars.contains_key(&cal) {
                return Err(format!("{key}.calendar: no calendar named `{cal}`"));
            }
            for (kind, v) in
                ClockKind::ALL
                    .into_iter()
                    .zip([&t.first_response, &t.next_response, &t.resolution])
            {
                if let Some(v) = v {
                    let d =
                        parse_duration(v).map_err(|e| format!("{key}.{}: {e}", kind.as_str()))?;
                    let d = d.max(Duration::minutes(1));
                    targets.insert((tier, prio, kind), (d, cal.clone()));
                }
            }
        }
    }
    for p in &c.warnings.at_percent {
        if !(1..=99).contains(p) {
            return Err(format!(
                "sla.warnings.at_percent: {p} is not between 1 and 99"
            ));
        }
    }
    for b in &c.warnings.before {
        parse_duration(b).map_err(|e| format!("sla.warnings.before: {e}"))?;
    }
    if c.sweep_every_secs == 0 {
        return Err("sla.sweep_every_secs: must be at least 1".into());
    }
    parse_duration(&c.escalation.repeat_every)
        .map_err(|e| format!("sla.escalation.repeat_every: {e}"))?;
    Ok(Policy {
        calendars,
        targets,
        pause_on_hold: c.pause_on_hold,
    })
}

impl SlaConfig {
    /// The validated calendars and targets (compiled once).
    pub fn policy(&self) -> Result<Arc<Policy>, String> {
        self.compiled
            .get_or_init(|| compile(self).map(Arc::new))
            .clone()
    }

    /// Checks calendars and policies; errors name the offending key.
    pub fn validate(&self) -> Result<(), String> {
        self.policy().map(|_| ())
    }

    /// Every clock of a ticket at `now` (empty when SLAs are not configured for its tier).
    pub fn clocks(
        &self,
        ticket: &Ticket,
        events: &[TicketEvent],
        now: DateTime<Utc>,
    ) -> Vec<ClockState> {
        self.policy()
            .ok()
            .and_then(|p| p.clocks(ticket, events, now).ok())
            .unwrap_or_default()
    }

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

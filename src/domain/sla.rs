//! SLA configuration: calendars, per tier × priority targets, warnings and escalation, validated
//! into a [`Policy`] once; the texts people see are in `sla_text.rs`.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::{ALWAYS_OPEN, Calendar, CalendarConfig, parse_duration};
use super::directory::StaffRole;
use super::sla_clock::{ClockKind, ClockState, Policy};
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
    /// Service credits owed per tier for breached first responses and missed availability.
    #[serde(default)]
    pub credits: BTreeMap<String, super::sla_credits::CreditConfig>,
    /// Promised availability per tier, in percent.
    #[serde(default)]
    pub availability: super::sla_credits::AvailabilityConfig,
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

/// Validates one configured calendar; the error names it and says how to fix it.
fn compile_calendar(name: &str, cc: &CalendarConfig) -> Result<Calendar, String> {
    let key = format!("sla.calendars.{name}");
    if name == ALWAYS_OPEN {
        return Err(format!(
            "{key}: `24x7` is built in and cannot be redefined; give your calendar another name"
        ));
    }
    Calendar::from_config(name, cc, &key).map_err(|e| format!("calendar `{name}` is invalid: {e}"))
}

fn compile(c: &SlaConfig) -> Result<Policy, String> {
    let mut calendars = BTreeMap::new();
    calendars.insert(ALWAYS_OPEN.to_string(), Calendar::always_open());
    // Every bad calendar is reported at once, so one round of fixes is enough.
    let mut bad = Vec::new();
    for (name, cc) in &c.calendars {
        match compile_calendar(name, cc) {
            Ok(cal) => {
                calendars.insert(name.clone(), cal);
            }
            Err(e) => bad.push(e),
        }
    }
    if !bad.is_empty() {
        return Err(bad.join("; "));
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

    /// Checks calendars, policies, credits and availability; errors name the offending key.
    pub fn validate(&self) -> Result<(), String> {
        self.policy()?;
        super::sla_credits::credit_policies(&self.credits)?;
        self.availability.validate()
    }

    /// One calendar by name, validated on its own: a mistake in another calendar or in the
    /// targets does not stop commands that only need this one (`sla deadline`).
    pub fn calendar(&self, name: &str) -> Result<Calendar, String> {
        if name == ALWAYS_OPEN {
            return Ok(Calendar::always_open());
        }
        match self.calendars.get(name) {
            Some(cc) => compile_calendar(name, cc),
            None => {
                let mut known: Vec<&str> = vec![ALWAYS_OPEN];
                known.extend(self.calendars.keys().map(String::as_str));
                Err(format!(
                    "no calendar named `{name}` (known: {}); define it under [sla.calendars.{name}]",
                    known.join(", ")
                ))
            }
        }
    }

    /// Checks that every target can be met on its calendar for a ticket opened at `now`: a
    /// calendar with too little open time can push a due time past year 9999, which RFC 3339
    /// cannot write, or find no open time at all.
    pub fn check_reachable(&self, now: DateTime<Utc>) -> Result<(), String> {
        let policy = self.policy()?;
        let mut keys: Vec<_> = policy.targets.iter().collect();
        keys.sort_by_key(|((tier, prio, kind), _)| (tier.to_string(), prio.rank(), kind.as_str()));
        for ((tier, prio, kind), (target, cal)) in keys {
            let calendar = policy.calendar(cal);
            if let Err(e) = calendar.add_business(now, *target) {
                return Err(format!(
                    "sla.tiers.{tier}.p{}.{}: {}: {e}",
                    prio.rank(),
                    kind.as_str(),
                    super::calendar::format_duration(*target)
                ));
            }
        }
        Ok(())
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
}

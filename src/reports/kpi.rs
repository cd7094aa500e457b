//! The KPI report: volumes, response rate against its goal, business-time percentiles, SLA hit
//! rates, bug-fix rate, CSAT, FAQ outcomes and per-agent figures, derived from the database's
//! aggregates ([`KpiFigures`]). Pure: the same figures always give the same report.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::model::{Group, KpiFigures, Measure, Period, TimeRow};
use crate::domain::ports::FaqOutcome;
use crate::domain::sla_clock::ClockKind;
use crate::domain::ticket::{Priority, TicketKind, Tier};

/// The KPI goals a report is shown against.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Goals {
    /// Share of first responses within target (0.95).
    pub response_rate: f64,
    /// Share of bug reports fixed (0.90).
    pub bug_fix_rate: f64,
}

/// A share with what it was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    /// Counted as successes.
    pub hits: i64,
    /// Counted in all.
    pub total: i64,
    /// `hits / total`, `None` when nothing was counted.
    pub rate: Option<f64>,
}

impl Rate {
    /// `hits` of `total`.
    pub fn new(hits: i64, total: i64) -> Rate {
        Rate {
            hits,
            total,
            rate: (total > 0).then(|| hits as f64 / total as f64),
        }
    }

    /// True when a rate exists and reaches `goal`.
    pub fn meets(&self, goal: f64) -> Option<bool> {
        // Compared in whole parts per million, so that 19 of 20 meets a 95 % goal exactly.
        self.rate
            .map(|r| (r * 1e6).round() as i64 >= (goal * 1e6).round() as i64)
    }
}

/// Median, p90 and max of business-time durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Times {
    /// How many durations.
    pub n: i64,
    /// Nearest-rank median, ms.
    pub median_ms: i64,
    /// Nearest-rank 90th percentile, ms.
    pub p90_ms: i64,
    /// Largest, ms.
    pub max_ms: i64,
}

/// One clock's outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClockLine {
    /// Which clock.
    pub clock: &'static str,
    /// Met, of met + breached.
    pub hit: Rate,
    /// Breaches counted.
    pub breached: i64,
    /// Not decided yet (running or paused within target).
    pub pending: i64,
}

/// The figures of all tickets, or of one priority × tier cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// `P1` … `P4`, absent for the overall section.
    pub priority: Option<String>,
    /// `basic`, `pro`, `enterprise`, absent for the overall section.
    pub tier: Option<String>,
    /// Tickets opened in the period.
    pub opened: i64,
    /// Closes in the period.
    pub closed: i64,
    /// Reopens in the period.
    pub reopened: i64,
    /// First responses within target, of those decided.
    pub response_rate: Rate,
    /// Whether the response rate reaches its goal.
    pub response_goal_met: Option<bool>,
    /// First response, next response, resolution.
    pub clocks: Vec<ClockLine>,
    /// First-response times.
    pub first_response: Option<Times>,
    /// Resolution times.
    pub resolution: Option<Times>,
}

/// Bug reports and feature requests of the tickets opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feedback {
    /// Bug reports marked fixed, of all bug reports.
    pub bug_fix: Rate,
    /// Whether the bug-fix rate reaches its goal.
    pub bug_fix_goal_met: Option<bool>,
    /// Feature requests per ticket status.
    pub features_by_status: BTreeMap<String, i64>,
}

/// Satisfaction of the tickets closed in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CsatSummary {
    /// Ratings given, of tickets closed (each was sent the survey).
    pub response_rate: Rate,
    /// Mean score, 1–5.
    pub average: Option<f64>,
    /// How many of each score, 1 to 5.
    pub distribution: [i64; 5],
}

/// What the FAQ did with the questions asked in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaqSummary {
    /// Questions asked.
    pub asked: i64,
    /// An article was answered or suggested.
    pub answered: i64,
    /// "Yes, that helped".
    pub deflected: i64,
    /// Handed to a person: "I need a person", or nothing found and a ticket opened.
    pub handed_to_person: i64,
    /// Questions asked most often without an article found.
    pub top_unanswered: Vec<(String, i64)>,
}

/// One agent's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentLine {
    /// The agent.
    pub agent: String,
    /// Tickets opened in the period that count for them.
    pub handled: i64,
    /// Median first-response time of those, ms.
    pub median_first_response_ms: Option<i64>,
    /// Their closed tickets' ratings.
    pub csat_responses: i64,
    /// Mean of those ratings.
    pub csat_average: Option<f64>,
}

/// The KPI report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiReport {
    /// What was counted.
    pub period: Period,
    /// The time zone the period's dates were given in.
    pub time_zone: String,
    /// The filters applied, described.
    pub filters: Vec<String>,
    /// When it was computed; undecided clocks are judged at this instant.
    pub generated_at: DateTime<Utc>,
    /// The goals shown against.
    pub goals: Goals,
    /// All tickets counted.
    pub overall: Section,
    /// Per priority × tier, only cells with tickets.
    pub cells: Vec<Section>,
    /// Tickets opened per requester platform.
    pub by_platform: BTreeMap<String, i64>,
    /// Tickets opened per kind.
    pub by_kind: BTreeMap<String, i64>,
    /// Bugs and features.
    pub feedback: Feedback,
    /// Satisfaction.
    pub csat: CsatSummary,
    /// The quarterly survey: of those sent in the period, how many answered and how.
    pub quarterly: CsatSummary,
    /// FAQ outcomes.
    pub faq: FaqSummary,
    /// Per agent, by name.
    pub agents: Vec<AgentLine>,
}

fn times(rows: &[TimeRow], measure: Measure, group: &Group) -> Option<Times> {
    rows.iter()
        .find(|r| r.measure == measure && &r.group == group)
        .map(|r| Times {
            n: r.n,
            median_ms: r.median_ms,
            p90_ms: r.p90_ms,
            max_ms: r.max_ms,
        })
}

fn section(f: &KpiFigures, cell: Option<(Priority, Tier)>, goals: &Goals) -> Section {
    let inside = |p: Priority, t: Tier| cell.is_none_or(|c| c == (p, t));
    let opened = f
        .opened
        .iter()
        .filter(|r| inside(r.priority, r.tier))
        .map(|r| r.count)
        .sum();
    let (closed, reopened) = f
        .flow
        .iter()
        .filter(|r| inside(r.priority, r.tier))
        .fold((0, 0), |(c, o), r| (c + r.closed, o + r.reopened));
    let clocks: Vec<ClockLine> = ClockKind::ALL
        .into_iter()
        .map(|k| {
            let (met, breached, pending) = f
                .clocks
                .iter()
                .filter(|r| r.clock == k && inside(r.priority, r.tier))
                .fold((0, 0, 0), |(m, b, p), r| {
                    (m + r.met, b + r.breached, p + r.pending)
                });
            ClockLine {
                clock: k.as_str(),
                hit: Rate::new(met, met + breached),
                breached,
                pending,
            }
        })
        .collect();
    let response_rate = clocks[0].hit;
    let group = match cell {
        None => Group::All,
        Some((p, t)) => Group::Cell(p, t),
    };
    Section {
        priority: cell.map(|(p, _)| p.to_string()),
        tier: cell.map(|(_, t)| t.to_string()),
        opened,
        closed,
        reopened,
        response_goal_met: response_rate.meets(goals.response_rate),
        response_rate,
        clocks,
        first_response: times(&f.times, Measure::FirstResponse, &group),
        resolution: times(&f.times, Measure::Resolution, &group),
    }
}

fn average(dist: &[i64; 5]) -> Option<f64> {
    let n: i64 = dist.iter().sum();
    let sum: i64 = dist.iter().zip(1..).map(|(c, s)| c * s).sum();
    (n > 0).then(|| sum as f64 / n as f64)
}

/// Ratings per score (`None`: sent, not answered) as a summary.
fn summary(rows: &[super::model::CsatRow]) -> CsatSummary {
    let mut dist = [0i64; 5];
    let mut sent = 0;
    for r in rows {
        sent += r.count;
        if let Some(s) = r.score.filter(|s| (1..=5).contains(s)) {
            dist[(s - 1) as usize] += r.count;
        }
    }
    CsatSummary {
        response_rate: Rate::new(dist.iter().sum(), sent),
        average: average(&dist),
        distribution: dist,
    }
}

/// Builds the report from the database's figures.
pub fn build(
    f: &KpiFigures,
    period: Period,
    time_zone: &str,
    filters: Vec<String>,
    generated_at: DateTime<Utc>,
    goals: Goals,
) -> KpiReport {
    let mut cells = Vec::new();
    for p in Priority::ALL {
        for t in Tier::ALL {
            let s = section(f, Some((p, t)), &goals);
            let any_clock = s.clocks.iter().any(|c| c.hit.total + c.pending > 0);
            if s.opened + s.closed + s.reopened > 0 || any_clock {
                cells.push(s);
            }
        }
    }
    let mut by_platform = BTreeMap::new();
    let mut by_kind: BTreeMap<String, i64> = [
        TicketKind::Question,
        TicketKind::Bug,
        TicketKind::Feature,
        TicketKind::Incident,
    ]
    .iter()
    .map(|k| (k.as_str().to_string(), 0))
    .collect();
    let (mut bugs, mut fixed) = (0, 0);
    let mut features_by_status = BTreeMap::new();
    for r in &f.opened {
        *by_platform
            .entry(r.platform.as_str().to_string())
            .or_insert(0) += r.count;
        *by_kind.entry(r.kind.as_str().to_string()).or_insert(0) += r.count;
        if r.bug {
            bugs += r.count;
            if r.fixed {
                fixed += r.count;
            }
        }
        if r.feature {
            *features_by_status
                .entry(r.status.as_str().to_string())
                .or_insert(0) += r.count;
        }
    }
    let bug_fix = Rate::new(fixed, bugs);
    let mut dist = [0i64; 5];
    let mut surveyed = 0;
    let mut per_agent: BTreeMap<String, [i64; 5]> = BTreeMap::new();
    for r in &f.csat {
        surveyed += r.count;
        if let Some(s) = r.score.filter(|s| (1..=5).contains(s)) {
            let i = (s - 1) as usize;
            dist[i] += r.count;
            if let Some(a) = &r.agent {
                per_agent.entry(a.clone()).or_insert([0; 5])[i] += r.count;
            }
        }
    }
    let faq_count = |os: &[FaqOutcome]| -> i64 {
        f.faq
            .iter()
            .filter(|(o, _)| os.contains(o))
            .map(|(_, n)| n)
            .sum()
    };
    let mut names: Vec<String> = f.handled.iter().map(|(a, _)| a.clone()).collect();
    names.extend(per_agent.keys().cloned());
    names.sort();
    names.dedup();
    let agents = names
        .into_iter()
        .map(|a| {
            let d = per_agent.get(&a).copied().unwrap_or([0; 5]);
            AgentLine {
                handled: f
                    .handled
                    .iter()
                    .find(|(n, _)| *n == a)
                    .map_or(0, |(_, c)| *c),
                median_first_response_ms: times(
                    &f.times,
                    Measure::FirstResponse,
                    &Group::Agent(a.clone()),
                )
                .map(|t| t.median_ms),
                csat_responses: d.iter().sum(),
                csat_average: average(&d),
                agent: a,
            }
        })
        .collect();
    let responses: i64 = dist.iter().sum();
    KpiReport {
        period,
        time_zone: time_zone.to_string(),
        filters,
        generated_at,
        goals,
        overall: section(f, None, &goals),
        cells,
        by_platform,
        by_kind,
        feedback: Feedback {
            bug_fix_goal_met: bug_fix.meets(goals.bug_fix_rate),
            bug_fix,
            features_by_status,
        },
        csat: CsatSummary {
            response_rate: Rate::new(responses, surveyed),
            average: average(&dist),
            distribution: dist,
        },
        quarterly: summary(&f.quarterly),
        faq: FaqSummary {
            asked: f.faq.iter().map(|(_, n)| n).sum(),
            answered: faq_count(&[
                FaqOutcome::Answered,
                FaqOutcome::Suggested,
                FaqOutcome::Helpful,
                FaqOutcome::NeedHuman,
            ]),
            deflected: faq_count(&[FaqOutcome::Helpful]),
            handed_to_person: faq_count(&[FaqOutcome::NeedHuman, FaqOutcome::NoAnswer]),
            top_unanswered: f.faq_unanswered.clone(),
        },
        agents,
    }
}

//! The monthly SLA compliance report: every breach of the month (ticket, clock, target, actual,
//! by how much), the service credits owed per customer for breached first responses (capped
//! per month), and each customer's availability against the tier's promise, with downtime
//! from P1 incident tickets (opening to resolution, overlapping incidents counted once). Pure.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::model::{BreachRow, IncidentRow, Period};
use crate::domain::sla_clock::ClockKind;
use crate::domain::sla_credits::{Amount, AvailabilityConfig, CreditPolicy};
use crate::domain::ticket::Tier;

/// Who a requester is for the contract: a configured account, or the person themself.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Customer {
    /// The account name, or `platform:id`.
    pub name: String,
    /// The account's tier, or `None` for a person without an account.
    pub account_tier: Option<Tier>,
}

/// One breach in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreachLine {
    /// Ticket number.
    pub ticket_id: i64,
    /// Whose ticket.
    pub customer: String,
    /// `first_response`, `next_response` or `resolution`.
    pub clock: &'static str,
    /// `P1` … `P4`.
    pub priority: String,
    /// The ticket's tier.
    pub tier: String,
    /// Target, business ms.
    pub target_ms: i64,
    /// Business time it took (so far, while the clock still runs), ms.
    pub actual_ms: i64,
    /// `actual - target`, ms.
    pub over_ms: i64,
    /// When the target passed.
    pub breach_at: DateTime<Utc>,
    /// Whether the clock was still running when the report was computed.
    pub still_running: bool,
}

/// A customer's availability in the month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Availability {
    /// Downtime from P1 incidents inside the month, ms.
    pub downtime_ms: i64,
    /// `1 - downtime / month`, in percent.
    pub percent: f64,
    /// The tier's promise, in percent.
    pub promise: f64,
    /// Whether the promise was kept.
    pub kept: bool,
    /// Incident tickets counted.
    pub incidents: Vec<i64>,
}

/// What one customer is owed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerLine {
    /// Who.
    pub customer: String,
    /// The tier whose credit policy applies.
    pub tier: String,
    /// Breaches of any clock in the month.
    pub breaches: i64,
    /// Breached first responses: the ones that earn credits.
    pub first_response_breaches: i64,
    /// Availability in the month.
    pub availability: Availability,
    /// Credit for breached first responses, before the cap.
    pub breach_credit: Option<Amount>,
    /// Credit for the availability miss.
    pub availability_credit: Option<Amount>,
    /// Credit owed after the monthly cap; `None` when the tier has no credits.
    pub credit: Option<Amount>,
    /// Whether the cap cut the credit.
    pub capped: bool,
}

/// The monthly SLA compliance report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaReport {
    /// `2026-11`.
    pub month: String,
    /// The month's span.
    pub period: Period,
    /// When it was computed (a month still running counts up to here).
    pub generated_at: DateTime<Utc>,
    /// Every breach, oldest first.
    pub breaches: Vec<BreachLine>,
    /// Per customer with a breach or an incident (or the one asked for), by name.
    pub customers: Vec<CustomerLine>,
    /// Service minutes owed in all (percentages of different fees do not add up, so those
    /// are listed per customer instead).
    pub total_service_minutes: i64,
    /// Customers owed a percentage credit, with their percentages.
    pub percent_credits: Vec<(String, f64)>,
}

/// Merges intervals clipped to `[from, to)` and returns the covered length.
fn covered(
    mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Duration {
    spans.retain_mut(|(a, b)| {
        *a = (*a).max(from);
        *b = (*b).min(to);
        a < b
    });
    spans.sort();
    let mut total = Duration::zero();
    let mut cur: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for (a, b) in spans {
        match &mut cur {
            Some((_, e)) if a <= *e => *e = (*e).max(b),
            _ => {
                if let Some((s, e)) = cur {
                    total += e - s;
                }
                cur = Some((a, b));
            }
        }
    }
    if let Some((s, e)) = cur {
        total += e - s;
    }
    total
}

/// Inputs of [`build`] beyond the database rows.
pub struct SlaInputs<'a> {
    /// `2026-11`.
    pub month: String,
    /// The month's span.
    pub period: Period,
    /// Now; a running month and unresolved incidents count up to here.
    pub now: DateTime<Utc>,
    /// Credit policy per tier (the customer's tier decides).
    pub credits: &'a BTreeMap<Tier, CreditPolicy>,
    /// Availability promises.
    pub availability: &'a AvailabilityConfig,
    /// Names the customer of a requester.
    pub customer_of: &'a dyn Fn(crate::domain::ids::Platform, &str) -> Customer,
    /// Customers to list even without breaches or incidents (the `--customer` asked for).
    pub always: Vec<Customer>,
}

/// Builds the report.
pub fn build(inp: &SlaInputs<'_>, breaches: &[BreachRow], incidents: &[IncidentRow]) -> SlaReport {
    struct Acc {
        tiers: Vec<Tier>,
        breaches: i64,
        first: i64,
        spans: Vec<(DateTime<Utc>, DateTime<Utc>)>,
        incidents: Vec<i64>,
    }
    let new = || Acc {
        tiers: Vec::new(),
        breaches: 0,
        first: 0,
        spans: Vec::new(),
        incidents: Vec::new(),
    };
    let mut acc: BTreeMap<Customer, Acc> = BTreeMap::new();
    for c in &inp.always {
        acc.entry(c.clone()).or_insert_with(new);
    }
    let mut lines = Vec::new();
    for b in breaches {
        let who = (inp.customer_of)(b.platform, &b.requester_id);
        let a = acc.entry(who.clone()).or_insert_with(new);
        a.tiers.push(b.tier);
        a.breaches += 1;
        if b.clock == ClockKind::FirstResponse {
            a.first += 1;
        }
        lines.push(BreachLine {
            ticket_id: b.ticket_id,
            customer: who.name,
            clock: b.clock.as_str(),
            priority: b.priority.to_string(),
            tier: b.tier.to_string(),
            target_ms: b.target_ms,
            actual_ms: b.elapsed_ms,
            over_ms: b.elapsed_ms - b.target_ms,
            breach_at: b.breach_at,
            still_running: b.stopped_at.is_none(),
        });
    }
    let upto = inp.period.to.min(inp.now);
    for i in incidents {
        let who = (inp.customer_of)(i.platform, &i.requester_id);
        let a = acc.entry(who).or_insert_with(new);
        a.tiers.push(i.tier);
        a.spans.push((i.start, i.end.unwrap_or(upto)));
        a.incidents.push(i.ticket_id);
    }
    let month_ms = (inp.period.to - inp.period.from).num_milliseconds().max(1);
    let mut customers = Vec::new();
    let (mut total_minutes, mut percent_credits) = (0, Vec::new());
    for (who, a) in acc {
        // An account's tier is its contract; a person without one is judged by their tickets.
        let tier = who
            .account_tier
            .or_else(|| a.tiers.iter().max().copied())
            .unwrap_or(Tier::Basic);
        let down = covered(a.spans, inp.period.from, upto);
        let percent = 100.0 * (1.0 - down.num_milliseconds() as f64 / month_ms as f64);
        let promise = inp.availability.promise(tier);
        let kept = percent + 1e-9 >= promise;
        let policy = inp.credits.get(&tier);
        let availability_credit = if kept {
            None
        } else {
            policy.and_then(|p| p.availability_miss)
        };
        let breach_credit = policy.map(|p| p.per_breach.times(a.first));
        let (credit, capped) = match (policy, breach_credit) {
            (Some(p), Some(b)) => {
                let sum = b.plus(availability_credit.unwrap_or(p.per_breach.zero_like()));
                let (c, capped) = sum.capped(p.cap);
                (Some(c), capped)
            }
            _ => (None, false),
        };
        match credit {
            Some(Amount::Minutes(m)) => total_minutes += m,
            Some(Amount::Percent(p)) if p > 0.0 => percent_credits.push((who.name.clone(), p)),
            _ => {}
        }
        customers.push(CustomerLine {
            customer: who.name,
            tier: tier.to_string(),
            breaches: a.breaches,
            first_response_breaches: a.first,
            availability: Availability {
                downtime_ms: down.num_milliseconds(),
                percent,
                promise,
                kept,
                incidents: a.incidents,
            },
            breach_credit,
            availability_credit,
            credit,
            capped,
        });
    }
    SlaReport {
        month: inp.month.clone(),
        period: inp.period,
        generated_at: inp.now,
        breaches: lines,
        customers,
        total_service_minutes: total_minutes,
        percent_credits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + h * 3600, 0).unwrap()
    }

    #[test]
    fn overlapping_downtime_counts_once_and_is_clipped_to_the_month() {
        let spans = vec![(t(0), t(3)), (t(2), t(5)), (t(10), t(11)), (t(-5), t(1))];
        assert_eq!(covered(spans, t(0), t(10)), Duration::hours(5));
    }
}

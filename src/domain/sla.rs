//! SLA policies and deadline clocks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ticket::{Priority, Ticket, TicketEvent, Tier};

/// `[sla]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaConfig {}

impl SlaConfig {
    /// Checks cross-references between calendars and policies.
    pub fn validate(&self) -> Result<(), String> {
        Ok(())
    }

    /// A phrase telling the customer when to expect the first response, in their
    /// calendar's terms, e.g. "expect a first reply within 8 business hours (by Mon 10:00 CET)".
    pub fn first_response_promise(
        &self,
        tier: Tier,
        priority: Priority,
        opened: DateTime<Utc>,
    ) -> String {
        let _ = (tier, priority, opened);
        "we usually reply within one business day".to_string()
    }

    /// Explains a ticket's clocks for `/sla`: targets, starts, pauses, due times, status.
    pub fn explain(&self, ticket: &Ticket, events: &[TicketEvent], now: DateTime<Utc>) -> String {
        let _ = (events, now);
        format!("Ticket {}: SLA tracking is not configured.", ticket.id)
    }

    /// One line per ticket for `/queue`, nearest deadline first, with time left.
    pub fn queue_rows(&self, tickets: &[Ticket], now: DateTime<Utc>) -> Vec<String> {
        let _ = now;
        tickets
            .iter()
            .map(|t| {
                let who = t
                    .assignee
                    .as_ref()
                    .map_or("unassigned".to_string(), |a| a.0.clone());
                format!(
                    "{} [{}] {} ({}, {who})",
                    t.id, t.priority, t.subject, t.status
                )
            })
            .collect()
    }
}

//! The port through which the desk answers `/report sla [month]`: one month's SLA compliance
//! in numbers, computed outside the domain (the reports module over the database).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::ports::StoreError;
use super::sla_credits::Amount;

/// One customer's line of the month.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaCustomerLine {
    /// Account name, or `platform:id`.
    pub customer: String,
    /// Breaches of any clock.
    pub breaches: i64,
    /// Availability in percent.
    pub availability: f64,
    /// The tier's promise in percent.
    pub promise: f64,
    /// Credit owed after the cap; `None` when the tier earns no credits.
    pub credit: Option<Amount>,
}

/// A month's SLA compliance, as the chat command shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaMonth {
    /// `2026-11`.
    pub month: String,
    /// Breaches of any clock.
    pub breaches: i64,
    /// Of those, first responses (the ones that earn credits).
    pub first_response_breaches: i64,
    /// Customers with a breach or an incident.
    pub customers: Vec<SlaCustomerLine>,
}

/// Computes monthly SLA compliance for the desk.
#[async_trait]
pub trait ReportSource: Send + Sync {
    /// The month `2026-11`, or the current one (in the report time zone) when `None`.
    async fn sla_month(
        &self,
        month: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<SlaMonth, StoreError>;
}

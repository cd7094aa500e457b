//! The reports' lists, bounded by what they list rather than by the tickets: the month's SLA
//! breaches, the incidents behind the availability figures, and the users of license keys.

use chrono::{DateTime, Utc};

use super::report_facts::opt_time;
use super::report_sql::{FACTS, Sql, clock_kind, int, priority, text};
use super::rows::{from_ms, ms};
use super::{SqlStore, parse_col};
use crate::domain::ports::StoreError;
use crate::reports::model::{BreachRow, Filter, IncidentRow, Period};

impl SqlStore {
    /// SLA clocks whose target passed within `period` (and before `now`), oldest first.
    pub async fn sla_breaches(
        &self,
        period: Period,
        filter: &Filter,
        now: DateTime<Utc>,
    ) -> Result<Vec<BreachRow>, StoreError> {
        let upto = Period {
            from: period.from,
            to: period.to.min(now),
        };
        let mut q = Sql::new(self);
        q.push("SELECT ticket_id, clock, platform, requester_id, priority, tier, target_ms, elapsed_ms, breach_at, stopped_at \
                FROM report_clocks WHERE breach_at IS NOT NULL")
            .within("breach_at", upto)
            .filter(filter, "", &FACTS)
            .push(" ORDER BY breach_at, ticket_id, clock, seq");
        let mut out = Vec::new();
        for r in q.fetch().await? {
            out.push(BreachRow {
                ticket_id: int(&r, "ticket_id")?,
                clock: clock_kind(&text(&r, "clock")?)?,
                platform: parse_col("platform", &text(&r, "platform")?)?,
                requester_id: text(&r, "requester_id")?,
                priority: priority(&r)?,
                tier: parse_col("tier", &text(&r, "tier")?)?,
                target_ms: int(&r, "target_ms")?,
                elapsed_ms: int(&r, "elapsed_ms")?,
                breach_at: from_ms(int(&r, "breach_at")?)?,
                stopped_at: opt_time(&r, "stopped_at")?,
            });
        }
        Ok(out)
    }

    /// P1 incident tickets whose downtime (the confirmed start, else the opening, to the
    /// resolution) overlaps `period`.
    pub async fn incidents(
        &self,
        period: Period,
        filter: &Filter,
    ) -> Result<Vec<IncidentRow>, StoreError> {
        let mut q = Sql::new(self);
        q.push("SELECT ticket_id, platform, requester_id, tier, COALESCE(incident_start, created_at) AS start, resolved_at FROM report_tickets \
                WHERE kind = 'incident' AND priority = 1 AND COALESCE(incident_start, created_at) < ")
            .int(ms(period.to))
            .push(" AND (resolved_at IS NULL OR resolved_at > ")
            .int(ms(period.from))
            .push(")")
            .filter(filter, "", &FACTS)
            .push(" ORDER BY created_at, ticket_id");
        let mut out = Vec::new();
        for r in q.fetch().await? {
            out.push(IncidentRow {
                ticket_id: int(&r, "ticket_id")?,
                platform: parse_col("platform", &text(&r, "platform")?)?,
                requester_id: text(&r, "requester_id")?,
                tier: parse_col("tier", &text(&r, "tier")?)?,
                start: from_ms(int(&r, "start")?)?,
                end: opt_time(&r, "resolved_at")?,
            });
        }
        Ok(out)
    }
}

impl SqlStore {
    /// The users who registered one of `keys` with `/register`.
    pub async fn users_with_license_keys(
        &self,
        keys: &[String],
    ) -> Result<Vec<(crate::domain::ids::Platform, String)>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::new(self);
        q.push("SELECT platform, user_id FROM licenses WHERE license_key IN (");
        for (i, k) in keys.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.str(k);
        }
        q.push(") ORDER BY platform, user_id");
        let mut out = Vec::new();
        for r in q.fetch().await? {
            out.push((
                parse_col("platform", &text(&r, "platform")?)?,
                text(&r, "user_id")?,
            ));
        }
        Ok(out)
    }
}

//! What `/metrics` reads from the store: the desk's state as a dashboard graphs it (open
//! tickets, outbox depth, breaches, first-response times, FAQ outcomes).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::rows::ms;
use super::{SqlStore, db_err};
use crate::domain::ports::StoreError;

/// Upper bounds (business seconds) of the first-response histogram: 5 min to 24 h, so the
/// P1–P4 targets (2, 4, 8, 24 h) fall on bucket edges.
pub const FIRST_RESPONSE_BUCKETS: [f64; 9] = [
    300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 57600.0, 86400.0,
];

/// The desk's state at one instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeskGauges {
    /// Unfinished tickets per (status, priority 1–4).
    pub open: Vec<(String, i64, i64)>,
    /// Outbox rows waiting to be delivered.
    pub outbox_waiting: i64,
    /// Outbox rows given up, kept on record.
    pub outbox_given_up: i64,
    /// Clocks that passed their target by now, per clock (first_response, next_response,
    /// resolution), as the report facts last computed them.
    pub breaches: Vec<(String, i64)>,
    /// Stopped first-response clocks: cumulative counts per bucket of
    /// [`FIRST_RESPONSE_BUCKETS`], their count and their sum in seconds.
    pub first_response: (Vec<u64>, u64, f64),
    /// FAQ questions per outcome (answered, suggested, no_answer, helpful, need_human).
    pub faq: Vec<(String, i64)>,
}

impl SqlStore {
    /// Reads the gauges at `now` (a handful of grouped counts, each over an index or a small
    /// table).
    pub async fn desk_gauges(&self, now: DateTime<Utc>) -> Result<DeskGauges, StoreError> {
        let mut g = DeskGauges::default();
        for r in sqlx::query(
            "SELECT status, priority, COUNT(*) AS n FROM tickets WHERE active = 1 \
             GROUP BY status, priority ORDER BY status, priority",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        {
            let status: String = r.try_get("status").map_err(db_err)?;
            let priority: i64 = r.try_get("priority").map_err(db_err)?;
            g.open
                .push((status, priority, r.try_get("n").map_err(db_err)?));
        }
        let depth = sqlx::query(
            "SELECT CAST(COALESCE(SUM(CASE WHEN retry_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS waiting, \
             CAST(COALESCE(SUM(CASE WHEN retry_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS given_up FROM outbox",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        g.outbox_waiting = depth.try_get("waiting").map_err(db_err)?;
        g.outbox_given_up = depth.try_get("given_up").map_err(db_err)?;
        g.breaches = counts(
            sqlx::query(
                "SELECT clock AS k, COUNT(*) AS n FROM report_clocks WHERE breach_at IS NOT NULL \
                 AND breach_at <= $1 GROUP BY clock ORDER BY clock",
            )
            .bind(ms(now))
            .fetch_all(&self.pool)
            .await,
        )?;
        g.first_response = self.first_response_histogram().await?;
        g.faq = counts(
            sqlx::query(
                "SELECT outcome AS k, COUNT(*) AS n FROM faq_events GROUP BY outcome ORDER BY outcome",
            )
            .fetch_all(&self.pool)
            .await,
        )?;
        Ok(g)
    }

    /// One pass over the stopped first-response clocks, bucketed in the database.
    async fn first_response_histogram(&self) -> Result<(Vec<u64>, u64, f64), StoreError> {
        let buckets: Vec<String> = FIRST_RESPONSE_BUCKETS
            .iter()
            .enumerate()
            .map(|(i, le)| {
                format!(
                    "CAST(COALESCE(SUM(CASE WHEN elapsed_ms <= {} THEN 1 ELSE 0 END), 0) AS BIGINT) AS b{i}",
                    (*le as i64) * 1000
                )
            })
            .collect();
        let sql = format!(
            "SELECT {}, COUNT(*) AS n, CAST(COALESCE(SUM(elapsed_ms), 0) AS BIGINT) AS total FROM report_clocks \
             WHERE clock = 'first_response' AND stopped_at IS NOT NULL",
            buckets.join(", ")
        );
        let r = sqlx::query(&sql)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        let counts = (0..FIRST_RESPONSE_BUCKETS.len())
            .map(|i| {
                r.try_get::<i64, _>(format!("b{i}").as_str())
                    .map(|n| n as u64)
                    .map_err(db_err)
            })
            .collect::<Result<Vec<u64>, StoreError>>()?;
        let n: i64 = r.try_get("n").map_err(db_err)?;
        let total: i64 = r.try_get("total").map_err(db_err)?;
        Ok((counts, n as u64, total as f64 / 1000.0))
    }
}

/// The (key, count) pairs of a grouped count whose columns are named `k` and `n`.
fn counts(
    rows: Result<Vec<sqlx::any::AnyRow>, sqlx::Error>,
) -> Result<Vec<(String, i64)>, StoreError> {
    rows.map_err(db_err)?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("k").map_err(db_err)?,
                r.try_get("n").map_err(db_err)?,
            ))
        })
        .collect()
}

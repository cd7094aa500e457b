//! The monthly rollups of the report facts (migration 0017): which local months a change of
//! facts touches, rebuilding those months from the facts, and splitting a report's period
//! into the whole months read from the rollups and the partial months at its edges read
//! from the facts.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::Row;

use super::report_facts::lock_facts;
use super::rows::{from_ms, ms};
use super::{SqlStore, db_err};
use crate::domain::ports::StoreError;
use crate::reports::config::start_of;
use crate::reports::model::Period;

/// Every rollup table; all are keyed by `month`.
const TABLES: [&str; 7] = [
    "report_m_opened",
    "report_m_flow",
    "report_m_clocks",
    "report_m_times",
    "report_m_agent_times",
    "report_m_handled",
    "report_m_csat",
];

/// One local month: its first instant and the next month's, epoch ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Month {
    pub start: i64,
    pub end: i64,
}

/// The month `at` falls in, in `tz`.
pub(super) fn month_of(at: DateTime<Utc>, tz: Tz) -> Result<Month, StoreError> {
    let local = at.with_timezone(&tz).date_naive();
    let first = NaiveDate::from_ymd_opt(local.year(), local.month(), 1)
        .ok_or_else(|| StoreError::Backend(format!("no month for {at}")))?;
    let next = first
        .checked_add_months(Months::new(1))
        .ok_or_else(|| StoreError::Backend(format!("no month after {first}")))?;
    let start = start_of(tz, first).map_err(StoreError::Backend)?;
    let end = start_of(tz, next).map_err(StoreError::Backend)?;
    // A month starting just after `at` (local midnight moved by a DST gap) is the previous one.
    if at < start {
        return month_of(start - chrono::Duration::days(1), tz);
    }
    Ok(Month {
        start: ms(start),
        end: ms(end),
    })
}

/// Where a report's figures come from: whole months from the rollups, the rest from the facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Span {
    /// `[from, to)` of the whole months read from the rollups (month starts), if any.
    pub months: Option<(i64, i64)>,
    /// The parts of the period outside those months, read from the facts, epoch ms.
    pub edges: Vec<(i64, i64)>,
}

impl Span {
    /// The whole period from the facts: for filters the rollups cannot answer.
    pub fn facts_only(p: Period) -> Span {
        Span {
            months: None,
            edges: vec![(ms(p.from), ms(p.to))],
        }
    }

    /// Splits `p` at the month boundaries of `tz`.
    pub fn split(p: Period, tz: Tz) -> Result<Span, StoreError> {
        let (from, to) = (ms(p.from), ms(p.to));
        if from >= to {
            return Ok(Span {
                months: None,
                edges: Vec::new(),
            });
        }
        let first = month_of(p.from, tz)?;
        let m0 = if first.start == from { from } else { first.end };
        let last = month_of(from_ms(to)?, tz)?;
        let mk = last.start;
        if m0 >= mk {
            return Ok(Span::facts_only(p));
        }
        let mut edges = Vec::new();
        if from < m0 {
            edges.push((from, m0));
        }
        if mk < to {
            edges.push((mk, to));
        }
        Ok(Span {
            months: Some((m0, mk)),
            edges,
        })
    }
}

impl SqlStore {
    /// Lists `months` for rebuilding, inside the transaction that changed their facts.
    pub(super) async fn mark_months(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        months: &BTreeSet<Month>,
    ) -> Result<(), StoreError> {
        for m in months {
            sqlx::query(
                "INSERT INTO report_dirty_months (month, month_end) VALUES ($1, $2) ON CONFLICT (month) DO NOTHING",
            )
            .bind(m.start)
            .bind(m.end)
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
        }
        Ok(())
    }

    /// Empties every rollup: the facts are being computed again from scratch.
    pub(super) async fn clear_rollups(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        lock_facts(self.backend, &mut tx).await?;
        for t in TABLES.iter().chain(&["report_dirty_months"]) {
            sqlx::query(&format!("DELETE FROM {t}"))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    /// Rebuilds every listed month from the facts.
    pub(super) async fn rebuild_dirty_months(&self) -> Result<(), StoreError> {
        let months: Vec<Month> =
            sqlx::query("SELECT month, month_end FROM report_dirty_months ORDER BY month")
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?
                .iter()
                .map(|r| {
                    Ok(Month {
                        start: r.try_get(0).map_err(db_err)?,
                        end: r.try_get(1).map_err(db_err)?,
                    })
                })
                .collect::<Result<_, StoreError>>()?;
        for m in months {
            self.rebuild_month(m).await?;
        }
        Ok(())
    }

    async fn rebuild_month(&self, m: Month) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // After every change that listed the month has committed (PostgreSQL); on SQLite the
        // first statement writes, so the transaction takes the write lock at once.
        lock_facts(self.backend, &mut tx).await?;
        for t in TABLES {
            sqlx::query(&format!("DELETE FROM {t} WHERE month = $1"))
                .bind(m.start)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        for sql in REBUILD {
            sqlx::query(sql)
                .bind(m.start)
                .bind(m.start)
                .bind(m.end)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        // Listed again by a change committed after the lock: rebuilt by the next refresh.
        sqlx::query("DELETE FROM report_dirty_months WHERE month = $1")
            .bind(m.start)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }
}

/// `CASE … END` of a ticket's fixed flag.
macro_rules! fixed {
    () => {
        "CASE WHEN fixed_at IS NULL THEN 0 ELSE 1 END"
    };
}

/// The statements that fill one month of each rollup from the facts: `$1` the month's key,
/// `$2`–`$3` its range. The clock filters name every clock so that the `(clock, created_at)`
/// index serves the range.
const REBUILD: [&str; 7] = [
    concat!(
        "INSERT INTO report_m_opened (month, priority, tier, platform, kind, status, bug, feature, fixed, n) \
         SELECT CAST($1 AS BIGINT), priority, tier, platform, kind, status, bug, feature, ",
        fixed!(),
        ", COUNT(*) FROM report_tickets WHERE created_at >= $2 AND created_at < $3 \
         GROUP BY priority, tier, platform, kind, status, bug, feature, ",
        fixed!()
    ),
    "INSERT INTO report_m_flow (month, priority, tier, platform, closed, reopened) \
     SELECT CAST($1 AS BIGINT), r.priority, r.tier, r.platform, \
     SUM(CASE WHEN e.kind = 'closed' THEN 1 ELSE 0 END), SUM(CASE WHEN e.kind = 'reopened' THEN 1 ELSE 0 END) \
     FROM ticket_events e JOIN report_tickets r ON r.ticket_id = e.ticket_id \
     WHERE e.kind IN ('closed', 'reopened') AND e.at >= $2 AND e.at < $3 \
     GROUP BY r.priority, r.tier, r.platform",
    "INSERT INTO report_m_clocks (month, clock, priority, tier, platform, n, met, breach_any) \
     SELECT CAST($1 AS BIGINT), clock, priority, tier, platform, COUNT(*), \
     SUM(CASE WHEN breach_at IS NULL AND stopped_at IS NOT NULL THEN 1 ELSE 0 END), \
     SUM(CASE WHEN breach_at IS NOT NULL THEN 1 ELSE 0 END) FROM report_clocks \
     WHERE clock IN ('first_response', 'next_response', 'resolution') AND created_at >= $2 AND created_at < $3 \
     GROUP BY clock, priority, tier, platform",
    "INSERT INTO report_m_times (month, clock, priority, tier, platform, bucket, n, min_ms, max_ms) \
     SELECT CAST($1 AS BIGINT), clock, priority, tier, platform, bucket, COUNT(*), MIN(elapsed_ms), MAX(elapsed_ms) FROM report_clocks \
     WHERE clock IN ('first_response', 'resolution') AND created_at >= $2 AND created_at < $3 AND stopped_at IS NOT NULL \
     GROUP BY clock, priority, tier, platform, bucket",
    "INSERT INTO report_m_agent_times (month, agent, tier, platform, bucket, n, min_ms, max_ms) \
     SELECT CAST($1 AS BIGINT), agent, tier, platform, bucket, COUNT(*), MIN(elapsed_ms), MAX(elapsed_ms) FROM report_clocks \
     WHERE clock = 'first_response' AND created_at >= $2 AND created_at < $3 AND stopped_at IS NOT NULL AND agent IS NOT NULL \
     GROUP BY agent, tier, platform, bucket",
    "INSERT INTO report_m_handled (month, agent, tier, platform, n) \
     SELECT CAST($1 AS BIGINT), agent, tier, platform, COUNT(*) FROM report_tickets \
     WHERE created_at >= $2 AND created_at < $3 AND agent IS NOT NULL GROUP BY agent, tier, platform",
    "INSERT INTO report_m_csat (month, agent, tier, platform, score, n) \
     SELECT CAST($1 AS BIGINT), agent, tier, platform, csat_score, COUNT(*) FROM report_tickets \
     WHERE closed_at >= $2 AND closed_at < $3 GROUP BY agent, tier, platform, csat_score",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn period(from: &str, to: &str) -> Period {
        Period {
            from: at(from),
            to: at(to),
        }
    }

    #[test]
    fn a_month_is_local_to_the_time_zone() {
        let bp: Tz = "Europe/Budapest".parse().unwrap();
        // 23:30 UTC on Oct 31 is already November in Budapest (UTC+1).
        let m = month_of(at("2026-10-31T23:30:00Z"), bp).unwrap();
        assert_eq!(from_ms(m.start).unwrap(), at("2026-10-31T23:00:00Z"));
        assert_eq!(from_ms(m.end).unwrap(), at("2026-11-30T23:00:00Z"));
        // October holds the switch back from summer time: 31 days and one hour.
        let oct = month_of(at("2026-10-15T12:00:00Z"), bp).unwrap();
        assert_eq!(oct.end, m.start);
        assert_eq!(oct.end - oct.start, (31 * 24 + 1) * 3_600_000);
    }

    #[test]
    fn a_period_splits_into_whole_months_and_edges() {
        let utc = chrono_tz::UTC;
        // Exactly November: all from the rollups.
        let s = Span::split(period("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"), utc).unwrap();
        assert_eq!(
            s.months,
            Some((
                ms(at("2026-11-01T00:00:00Z")),
                ms(at("2026-12-01T00:00:00Z"))
            ))
        );
        assert!(s.edges.is_empty());
        // Oct 20 – Jan 10: Nov and Dec whole, two edges.
        let s = Span::split(period("2026-10-20T00:00:00Z", "2027-01-10T00:00:00Z"), utc).unwrap();
        assert_eq!(
            s.months,
            Some((
                ms(at("2026-11-01T00:00:00Z")),
                ms(at("2027-01-01T00:00:00Z"))
            ))
        );
        assert_eq!(
            s.edges,
            vec![
                (
                    ms(at("2026-10-20T00:00:00Z")),
                    ms(at("2026-11-01T00:00:00Z"))
                ),
                (
                    ms(at("2027-01-01T00:00:00Z")),
                    ms(at("2027-01-10T00:00:00Z"))
                ),
            ]
        );
        // A week inside one month: all from the facts.
        let p = period("2026-11-02T00:00:00Z", "2026-11-09T00:00:00Z");
        assert_eq!(Span::split(p, utc).unwrap(), Span::facts_only(p));
        // A month boundary in another zone is not one here.
        let sh: Tz = "Asia/Shanghai".parse().unwrap();
        let p = period("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z");
        let s = Span::split(p, sh).unwrap();
        assert_eq!(s.months, None);
        assert_eq!(s.edges, vec![(ms(p.from), ms(p.to))]);
    }
}

//! Digest bookkeeping: which periods were posted, and the claim that posts one exactly once.
//! The claim (a row keyed by period kind and start, inserted with `ON CONFLICT DO NOTHING`)
//! and the digest's outbox rows commit in one transaction: an instance that loses the race
//! stores nothing, and a crash after the commit leaves the digest to the outbox.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::outbox::inserted_ids;
use super::rows::ms;
use super::{SqlStore, db_err};
use crate::domain::event::Outbound;
use crate::domain::ports::StoreError;
use crate::reports::model::Period;

/// The error that rolls a claim back when another instance holds the period already.
fn taken() -> sqlx::Error {
    sqlx::Error::RowNotFound
}

impl SqlStore {
    /// Whether the `every` (`daily`, `weekly`) digest starting at `from` was posted already.
    pub async fn digest_posted(
        &self,
        every: &str,
        from: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("SELECT 1 FROM digests WHERE period = $1 AND period_start = $2")
                .bind(every)
                .bind(ms(from))
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?
                .is_some(),
        )
    }

    /// Claims the `every` digest of `period` (due at `due`) at `now` and stores `actions` in
    /// the outbox, in one transaction. Returns the outbox ids of the durable actions, or
    /// `None` when the period was claimed before (then nothing is stored).
    pub async fn claim_digest(
        &self,
        every: &str,
        period: Period,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
        actions: &[Outbound],
    ) -> Result<Option<Vec<i64>>, StoreError> {
        let claim = sqlx::query(
            "INSERT INTO digests (period, period_start, period_end, due_at, posted_at, instance) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (period, period_start) DO NOTHING \
             RETURNING period_start",
        )
        .bind(every.to_string())
        .bind(ms(period.from))
        .bind(ms(period.to))
        .bind(ms(due))
        .bind(ms(now))
        .bind(self.instance.clone());
        let mut queries = vec![claim];
        queries.extend(self.outbox_inserts(actions, self.first_lease())?);
        // On PostgreSQL a racing instance's insert waits for the first to commit, then finds
        // the row and inserts nothing: no row back means the period is someone else's.
        let lost = |i: usize, rows: &[sqlx::any::AnyRow]| (i == 0 && rows.is_empty()).then(taken);
        match self.fetch_atomic(queries, &lost).await {
            Ok(results) => Ok(Some(inserted_ids(&results[1..])?)),
            Err(sqlx::Error::RowNotFound) => Ok(None),
            Err(e) => Err(db_err(e)),
        }
    }

    /// The digests posted, newest first: (period kind, first instant covered, when posted).
    pub async fn digests_posted(
        &self,
        limit: i64,
    ) -> Result<Vec<(String, DateTime<Utc>, DateTime<Utc>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT period, period_start, posted_at FROM digests ORDER BY period_start DESC, period LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let time = |v: i64| {
            DateTime::from_timestamp_millis(v)
                .ok_or_else(|| StoreError::Backend(format!("bad time {v} in digests")))
        };
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>("period").map_err(db_err)?,
                    time(r.try_get("period_start").map_err(db_err)?)?,
                    time(r.try_get("posted_at").map_err(db_err)?)?,
                ))
            })
            .collect()
    }
}

//! The outbox: every action the desk decided, stored with the write that decided it and kept
//! until delivered. A waiting row names its owner (the instance delivering it) and a time:
//! until then the owner holds it, renewing the lease while it works; after it, any instance
//! may claim it (the owner died, or handed it back).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::rows::{self, ms, text, to_json};
use super::{SqlStore, db_err};
use crate::domain::event::Outbound;
use crate::domain::ports::{Deferred, OutboxStore, StoreError};

/// A statement (built with owned arguments, so it fits any lifetime).
pub(super) type Stmt<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

impl SqlStore {
    /// The statements that put the durable ones of `actions` in the outbox, owned by this
    /// instance and held until `lease_until`; each returns the new row's id.
    pub(super) fn outbox_inserts<'q>(
        &self,
        actions: &[Outbound],
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Stmt<'q>>, StoreError> {
        let now = Utc::now().timestamp_millis();
        actions
            .iter()
            .filter(|a| a.durable())
            .map(|action| {
                let platform = action.platform().map(|p| p.as_str()).unwrap_or("unknown");
                Ok(sqlx::query(
                    "INSERT INTO outbox (platform, action, attempts, last_error, retry_at, created_at, lane, owner) \
                     VALUES ($1, $2, 0, '', $3, $4, $5, $6) RETURNING id",
                )
                .bind(platform)
                .bind(to_json(action)?)
                .bind(ms(lease_until))
                .bind(now)
                .bind(action.lane().unwrap_or_default())
                .bind(self.instance.clone()))
            })
            .collect()
    }

    /// The lease a freshly decided action starts with.
    pub(super) fn first_lease(&self) -> DateTime<Utc> {
        Utc::now() + self.outbox_lease
    }
}

/// The ids the insert statements returned, in order.
pub(super) fn inserted_ids(results: &[Vec<sqlx::any::AnyRow>]) -> Result<Vec<i64>, StoreError> {
    results
        .iter()
        .map(|rows| {
            rows.first()
                .ok_or_else(|| StoreError::Backend("outbox insert returned no id".into()))?
                .try_get::<i64, _>(0)
                .map_err(db_err)
        })
        .collect()
}

#[async_trait]
impl OutboxStore for SqlStore {
    async fn enqueue(
        &self,
        actions: &[Outbound],
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<i64>, StoreError> {
        let inserts = self.outbox_inserts(actions, lease_until)?;
        if inserts.is_empty() {
            return Ok(Vec::new());
        }
        let results = self
            .fetch_atomic(inserts, &|_, _| None)
            .await
            .map_err(db_err)?;
        inserted_ids(&results)
    }

    async fn pending(&self, lane: Option<&str>) -> Result<bool, StoreError> {
        let q = match lane {
            Some(lane) => {
                sqlx::query("SELECT 1 FROM outbox WHERE lane = $1 AND retry_at IS NOT NULL LIMIT 1")
                    .bind(lane)
            }
            None => sqlx::query("SELECT 1 FROM outbox WHERE retry_at IS NOT NULL LIMIT 1"),
        };
        Ok(q.fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .is_some())
    }

    async fn waiting_elsewhere(&self, lane: &str, id: i64) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "SELECT 1 FROM outbox WHERE lane = $1 AND id < $2 AND retry_at IS NOT NULL AND owner <> $3 LIMIT 1",
        )
        .bind(lane)
        .bind(id)
        .bind(&self.instance)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .is_some())
    }

    async fn any_elsewhere(&self) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("SELECT 1 FROM outbox WHERE retry_at IS NOT NULL AND owner <> $1 LIMIT 1")
                .bind(&self.instance)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?
                .is_some(),
        )
    }

    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Deferred>, StoreError> {
        // One statement claims the rows: a concurrent claimer re-checks `retry_at` on the rows
        // it waited for and leaves them alone. A row behind an earlier row of its lane that is
        // held (by anyone) or backing off is not due, whatever its own time; a due prefix of a
        // lane is claimed together, in order.
        let claimed = sqlx::query(
            "UPDATE outbox SET retry_at = $1, owner = $4 WHERE retry_at IS NOT NULL AND retry_at <= $2 \
             AND id IN (SELECT o.id FROM outbox o WHERE o.retry_at IS NOT NULL AND o.retry_at <= $2 \
                 AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.lane = o.lane AND o.lane <> '' AND e.retry_at IS NOT NULL AND e.retry_at > $2 AND e.id < o.id) \
                 ORDER BY o.id LIMIT $3) \
             RETURNING id, action, attempts",
        )
        .bind(ms(lease_until))
        .bind(ms(now))
        .bind(limit)
        .bind(self.instance.clone())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut out = Vec::with_capacity(claimed.len());
        for row in &claimed {
            match rows::deferred(row) {
                Ok(d) => out.push(d),
                Err(e) => {
                    // An unreadable row would otherwise be claimed and dropped forever, and
                    // hold up its lane: give it up, keeping it for inspection.
                    let id: i64 = row.try_get("id").map_err(db_err)?;
                    tracing::error!(id, error = %e, "unreadable outbox row given up");
                    self.failed_again(id, &format!("unreadable: {e}"), None)
                        .await?;
                }
            }
        }
        // RETURNING gives no order; keep the order the actions were first meant to go out in.
        out.sort_by_key(|d| d.id);
        Ok(out)
    }

    async fn renew(&self, ids: &[i64], lease_until: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut renewed = 0;
        for chunk in ids.chunks(500) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
            let sql = format!(
                "UPDATE outbox SET retry_at = $1 WHERE owner = $2 AND retry_at IS NOT NULL \
                 AND retry_at < $1 AND id IN ({})",
                list.join(", ")
            );
            let mut q = sqlx::query(&sql).bind(ms(lease_until)).bind(&self.instance);
            for id in chunk {
                q = q.bind(*id);
            }
            renewed += q.execute(&self.pool).await.map_err(db_err)?.rows_affected();
        }
        Ok(renewed)
    }

    async fn release(&self, ids: Option<&[i64]>, now: DateTime<Utc>) -> Result<(), StoreError> {
        match ids {
            None => {
                sqlx::query(
                    "UPDATE outbox SET retry_at = $1, owner = '' WHERE owner = $2 AND retry_at IS NOT NULL",
                )
                .bind(ms(now))
                .bind(&self.instance)
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
            }
            Some(ids) => {
                for id in ids {
                    sqlx::query("UPDATE outbox SET retry_at = $1, owner = '' WHERE id = $2 AND owner = $3 AND retry_at IS NOT NULL")
                        .bind(ms(now))
                        .bind(id)
                        .bind(&self.instance)
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                }
            }
        }
        Ok(())
    }

    async fn delivered(&self, id: i64) -> Result<(), StoreError> {
        self.execute_hot(sqlx::query("DELETE FROM outbox WHERE id = $1").bind(id))
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn failed_again(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $1, retry_at = $2 WHERE id = $3",
        )
        .bind(text(error))
        .bind(retry_at.map(ms))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }
}

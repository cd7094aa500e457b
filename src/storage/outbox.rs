//! The outbox: outbound actions kept for another attempt after a platform failed to take them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::rows::{self, ms, text, to_json};
use super::{SqlStore, db_err};
use crate::domain::event::Outbound;
use crate::domain::ports::{Deferred, OutboxStore, StoreError};

#[async_trait]
impl OutboxStore for SqlStore {
    async fn defer(
        &self,
        action: &Outbound,
        attempts: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let platform = action.platform().map(|p| p.as_str()).unwrap_or("unknown");
        sqlx::query(
            "INSERT INTO outbox (platform, action, attempts, last_error, retry_at, created_at, lane) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(platform)
        .bind(to_json(action)?)
        .bind(attempts)
        .bind(text(error))
        .bind(retry_at.map(ms))
        .bind(Utc::now().timestamp_millis())
        .bind(action.lane().unwrap_or_default())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
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

    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Deferred>, StoreError> {
        // One statement claims the rows: a concurrent claimer re-checks `retry_at` on the rows
        // it waited for and leaves them alone. A row behind an earlier waiting (or leased) row
        // of its lane is not due, whatever its own time.
        let claimed = sqlx::query(
            "UPDATE outbox SET retry_at = $1 WHERE retry_at IS NOT NULL AND retry_at <= $2 \
             AND id IN (SELECT o.id FROM outbox o WHERE o.retry_at IS NOT NULL AND o.retry_at <= $2 \
                 AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.lane = o.lane AND o.lane <> '' AND e.retry_at IS NOT NULL AND e.id < o.id) \
                 ORDER BY o.id LIMIT $3) \
             RETURNING id, action, attempts",
        )
        .bind(ms(lease_until))
        .bind(ms(now))
        .bind(limit)
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

    async fn delivered(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM outbox WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
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

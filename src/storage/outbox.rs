//! The outbox: outbound actions kept for another attempt after a platform failed to take them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::rows::{self, ms, text, to_json};
use super::{SqlStore, db_err};
use crate::domain::event::Outbound;
use crate::domain::ports::{Deferred, OutboxStore, StoreError};

#[async_trait]
impl OutboxStore for SqlStore {
    async fn defer(
        &self,
        action: &Outbound,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let platform = action.platform().map(|p| p.as_str()).unwrap_or("unknown");
        sqlx::query(
            "INSERT INTO outbox (platform, action, attempts, last_error, retry_at, created_at) VALUES ($1, $2, 1, $3, $4, $5)",
        )
        .bind(platform)
        .bind(to_json(action)?)
        .bind(text(error))
        .bind(ms(retry_at))
        .bind(Utc::now().timestamp_millis())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Deferred>, StoreError> {
        // One statement claims the rows: a concurrent claimer re-checks `retry_at` on the rows
        // it waited for and leaves them alone.
        let claimed = sqlx::query(
            "UPDATE outbox SET retry_at = $1 WHERE retry_at IS NOT NULL AND retry_at <= $2 \
             AND id IN (SELECT id FROM outbox WHERE retry_at IS NOT NULL AND retry_at <= $2 ORDER BY id LIMIT $3) \
             RETURNING id, action, attempts",
        )
        .bind(ms(lease_until))
        .bind(ms(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut out = claimed
            .iter()
            .map(rows::deferred)
            .collect::<Result<Vec<_>, _>>()?;
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

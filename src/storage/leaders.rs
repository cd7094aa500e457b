//! Role leases (`leaders`, migration 0013): the `LeaseStore` port. Each call is one
//! statement, atomic on both backends, timed by the database's clock.

use async_trait::async_trait;
use sqlx::Row;

use super::{Backend, SqlStore, db_err};
use crate::domain::ports::{LeaseStore, StoreError};

impl SqlStore {
    /// The database's current time in epoch milliseconds, as SQL: leases are compared on one
    /// clock, whatever the instances' own clocks say.
    fn db_now_ms(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000 AS BIGINT)",
            Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
        }
    }
}

#[async_trait]
impl LeaseStore for SqlStore {
    async fn try_lease(
        &self,
        role: &str,
        holder: &str,
        lease: std::time::Duration,
    ) -> Result<bool, StoreError> {
        let now = self.db_now_ms();
        // The upsert takes a free role, an expired one, or renews our own; on PostgreSQL two
        // racing inserts serialize on the primary key, so exactly one of them gets a row back.
        let sql = format!(
            "INSERT INTO leaders (role, holder, until) VALUES ($1, $2, {now} + $3) \
             ON CONFLICT (role) DO UPDATE SET holder = excluded.holder, until = excluded.until \
             WHERE leaders.holder = excluded.holder OR leaders.until <= {now} \
             RETURNING holder"
        );
        let q = sqlx::query(&sql)
            .bind(role.to_string())
            .bind(holder.to_string())
            .bind(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2));
        let rows = self.fetch_hot(q).await.map_err(db_err)?;
        Ok(!rows.is_empty())
    }

    async fn give_up_lease(&self, role: &str, holder: &str) -> Result<(), StoreError> {
        self.execute_hot(
            sqlx::query("DELETE FROM leaders WHERE role = $1 AND holder = $2")
                .bind(role.to_string())
                .bind(holder.to_string()),
        )
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn lease_holder(&self, role: &str) -> Result<Option<String>, StoreError> {
        let sql = format!(
            "SELECT holder FROM leaders WHERE role = $1 AND until > {}",
            self.db_now_ms()
        );
        let row = sqlx::query(&sql)
            .bind(role.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| r.try_get::<String, _>("holder").map_err(db_err))
            .transpose()
    }
}

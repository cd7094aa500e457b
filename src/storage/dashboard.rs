//! The web dashboard's sign-in state (migration 0016): the signing key, redeemed links and
//! sessions. Times are epoch milliseconds by the caller's clock.

use sqlx::Row;

use super::{SqlStore, db_err};
use crate::domain::ids::{Platform, UserRef};
use crate::domain::ports::StoreError;

/// A signed-in browser, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// SHA-256 (hex) of the cookie's token.
    pub id_hash: String,
    /// The chat identity that signed in.
    pub user: UserRef,
    /// The platform roles their staff membership came from.
    pub roles: Vec<String>,
    /// The staff role they signed in with (`agent`, `lead`, `admin`).
    pub role: String,
    /// The token every form of this session must send back.
    pub csrf: String,
    /// A message for the next page shown (what the last action did).
    pub flash: Option<String>,
    /// When it ends, epoch ms.
    pub expires_at: i64,
}

impl SqlStore {
    /// The key sign-in links are signed with: made once (`fresh` is used only by the first
    /// instance to ask), then shared by every instance on this database.
    pub async fn dashboard_key(&self, fresh: &str) -> Result<String, StoreError> {
        self.execute_hot(
            sqlx::query(
                "INSERT INTO dashboard_keys (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
            )
            .bind(fresh.to_string()),
        )
        .await
        .map_err(db_err)?;
        let row = sqlx::query("SELECT secret FROM dashboard_keys WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        row.try_get::<String, _>("secret").map_err(db_err)
    }

    /// Marks the link with `nonce` redeemed; false when it already was (on any instance).
    /// Forgets links that have expired anyway.
    pub async fn redeem_link(
        &self,
        nonce: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.execute_hot(
            sqlx::query("DELETE FROM dashboard_used_links WHERE expires_at < $1").bind(now),
        )
        .await
        .map_err(db_err)?;
        let rows = self
            .fetch_hot(
                sqlx::query(
                    "INSERT INTO dashboard_used_links (nonce, expires_at) VALUES ($1, $2) \
                     ON CONFLICT (nonce) DO NOTHING RETURNING nonce",
                )
                .bind(nonce.to_string())
                .bind(expires_at),
            )
            .await
            .map_err(db_err)?;
        Ok(!rows.is_empty())
    }

    /// Stores a new session; drops sessions that have ended.
    pub async fn create_session(&self, s: &SessionRow, now: i64) -> Result<(), StoreError> {
        self.execute_hot(
            sqlx::query("DELETE FROM dashboard_sessions WHERE expires_at < $1").bind(now),
        )
        .await
        .map_err(db_err)?;
        let roles = serde_json::to_string(&s.roles).unwrap_or_else(|_| "[]".into());
        self.execute_hot(
            sqlx::query(
                "INSERT INTO dashboard_sessions \
                 (id_hash, platform, user_id, user_name, roles, role, csrf, flash, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9)",
            )
            .bind(s.id_hash.clone())
            .bind(s.user.platform.as_str())
            .bind(s.user.id.clone())
            .bind(s.user.name.clone())
            .bind(roles)
            .bind(s.role.clone())
            .bind(s.csrf.clone())
            .bind(now)
            .bind(s.expires_at),
        )
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// The session with this cookie hash, if it has not ended by `now`.
    pub async fn session(&self, id_hash: &str, now: i64) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id_hash, platform, user_id, user_name, roles, role, csrf, flash, expires_at \
             FROM dashboard_sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash.to_string())
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        let platform: String = r.try_get("platform").map_err(db_err)?;
        let platform: Platform = platform.parse().map_err(StoreError::Backend)?;
        let roles: String = r.try_get("roles").map_err(db_err)?;
        Ok(Some(SessionRow {
            id_hash: r.try_get("id_hash").map_err(db_err)?,
            user: UserRef {
                platform,
                id: r.try_get("user_id").map_err(db_err)?,
                name: r.try_get("user_name").map_err(db_err)?,
            },
            roles: serde_json::from_str(&roles).map_err(|e| StoreError::Backend(e.to_string()))?,
            role: r.try_get("role").map_err(db_err)?,
            csrf: r.try_get("csrf").map_err(db_err)?,
            flash: r.try_get("flash").map_err(db_err)?,
            expires_at: r.try_get("expires_at").map_err(db_err)?,
        }))
    }

    /// Sets (or clears) the message the session's next page shows.
    pub async fn set_flash(&self, id_hash: &str, flash: Option<&str>) -> Result<(), StoreError> {
        self.execute_hot(
            sqlx::query("UPDATE dashboard_sessions SET flash = $1 WHERE id_hash = $2")
                .bind(flash.map(str::to_string))
                .bind(id_hash.to_string()),
        )
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// Ends a session (signing out).
    pub async fn end_session(&self, id_hash: &str) -> Result<(), StoreError> {
        self.execute_hot(
            sqlx::query("DELETE FROM dashboard_sessions WHERE id_hash = $1")
                .bind(id_hash.to_string()),
        )
        .await
        .map_err(db_err)?;
        Ok(())
    }
}

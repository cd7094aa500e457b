//! The inbound log: every platform event is stored under its (platform, message id) key and
//! claimed before it is handled, so a replay is ignored and a crash loses nothing; and where a
//! platform's catch-up after downtime starts from.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::rows::{self, TICKET_COLUMNS, to_json};
use super::{Backend, SqlStore, db_err};
use crate::domain::event::Inbound;
use crate::domain::ids::{ConversationRef, MessageKey, Platform};
use crate::domain::ports::{Recorded, StoreError};

/// Stores the event, or takes over a stored one that no one finished and another process (one
/// that died, or an earlier run of this bot) had claimed; changes one row exactly when the event
/// is new to this process.
const CLAIM: &str = "INSERT INTO inbound (platform, message_id, received_at, payload, claimed_by) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (platform, message_id) DO UPDATE SET claimed_by = excluded.claimed_by, received_at = excluded.received_at \
     WHERE inbound.handled_at IS NULL AND inbound.claimed_by <> excluded.claimed_by";

impl SqlStore {
    /// The places a catch-up reads (active tickets' conversations and staff spaces on
    /// `platform`) and when the last event from it was stored.
    pub(super) async fn catch_up_places(
        &self,
        platform: Platform,
    ) -> Result<(Vec<ConversationRef>, Option<DateTime<Utc>>), StoreError> {
        let rows = sqlx::query(
            "SELECT conv_chat AS chat, conv_thread AS thread FROM tickets WHERE active = 1 AND conv_platform = $1 \
             UNION SELECT s.chat, s.thread FROM staff_spaces s JOIN tickets t ON t.id = s.ticket_id \
             WHERE t.active = 1 AND s.platform = $1",
        )
        .bind(platform.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut places = Vec::with_capacity(rows.len());
        for r in &rows {
            let chat: String = r.try_get("chat").map_err(db_err)?;
            let thread: Option<String> = r.try_get("thread").map_err(db_err)?;
            places.push(match thread.filter(|t| !t.is_empty()) {
                Some(t) => ConversationRef::thread(platform, chat, t),
                None => ConversationRef::chat(platform, chat),
            });
        }
        let last: Option<i64> =
            sqlx::query("SELECT MAX(received_at) FROM inbound WHERE platform = $1")
                .bind(platform.as_str())
                .fetch_one(&self.pool)
                .await
                .map_err(db_err)?
                .try_get(0)
                .map_err(db_err)?;
        Ok((places, last.and_then(DateTime::from_timestamp_millis)))
    }

    fn claim_query<'q>(
        &'q self,
        sql: &'q str,
        inbound: &'q Inbound,
    ) -> Result<sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>, StoreError> {
        Ok(sqlx::query(sql)
            .bind(inbound.key.platform.as_str())
            .bind(&inbound.key.id)
            .bind(Utc::now().timestamp_millis())
            .bind(to_json(inbound)?)
            .bind(&self.instance))
    }

    pub(super) async fn claim_inbound(&self, inbound: &Inbound) -> Result<bool, StoreError> {
        let done = self
            .execute_hot(self.claim_query(CLAIM, inbound)?)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn claim_inbound_with_sender_ticket(
        &self,
        inbound: &Inbound,
    ) -> Result<Recorded, StoreError> {
        // One row: whether the claim changed a row, then the sender's active ticket or NULLs.
        let sender_ticket = format!(
            "FROM (SELECT 1 AS one) AS one LEFT JOIN (SELECT {TICKET_COLUMNS} FROM tickets \
             WHERE requester_platform = $6 AND requester_id = $7 AND active = 1 ORDER BY id DESC LIMIT 1) AS t ON 1 = 1"
        );
        let sql = match self.backend {
            Backend::Sqlite => format!("{CLAIM};\nSELECT changes() AS fresh, t.* {sender_ticket}"),
            Backend::Postgres => format!(
                "WITH claim AS ({CLAIM} RETURNING 1) SELECT (SELECT COUNT(*) FROM claim) AS fresh, t.* {sender_ticket}"
            ),
        };
        let q = self
            .claim_query(&sql, inbound)?
            .bind(inbound.from.platform.as_str())
            .bind(&inbound.from.id);
        let rows = self.fetch_hot(q).await.map_err(db_err)?;
        let row = rows
            .last()
            .ok_or_else(|| StoreError::Backend("inbound claim returned no row".into()))?;
        if row.try_get::<i64, _>("fresh").map_err(db_err)? != 1 {
            return Ok(Recorded::Duplicate);
        }
        let sender_ticket = match row.try_get::<Option<i64>, _>("id").map_err(db_err)? {
            Some(_) => Some(rows::ticket(row)?),
            None => None,
        };
        Ok(Recorded::New { sender_ticket })
    }

    /// Gives up this instance's claim on an event it did not finish (see
    /// `TicketStore::release_inbound`).
    pub(super) async fn release_claim(&self, key: &MessageKey) -> Result<(), StoreError> {
        self.execute_hot(
            sqlx::query("UPDATE inbound SET claimed_by = '' WHERE platform = $1 AND message_id = $2 AND handled_at IS NULL AND claimed_by = $3")
                .bind(key.platform.as_str())
                .bind(&key.id)
                .bind(&self.instance),
        )
        .await
        .map_err(db_err)?;
        Ok(())
    }

    pub(super) async fn mark_inbound_handled(&self, key: &MessageKey) -> Result<(), StoreError> {
        self.execute_hot(mark_handled(key)).await.map_err(db_err)?;
        Ok(())
    }
}

/// The statement that marks the inbound event `key` handled now, for running on its own or
/// inside a transaction with the write that finished it (its arguments are owned, so it fits
/// any batch of statements).
pub(super) fn mark_handled<'q>(key: &MessageKey) -> super::outbox::Stmt<'q> {
    sqlx::query("UPDATE inbound SET handled_at = $1 WHERE platform = $2 AND message_id = $3")
        .bind(Utc::now().timestamp_millis())
        .bind(key.platform.as_str())
        .bind(key.id.clone())
}

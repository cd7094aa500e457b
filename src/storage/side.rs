//! Everything around tickets: staff-space mapping, licenses, CSAT, FAQ events and small state.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::rows::{self, ms, text};
use super::{SqlStore, db_err};
use crate::domain::ids::{ConversationRef, Platform, TicketId, UserRef};
use crate::domain::ports::{Csat, FaqEvent, FaqOutcome, StoreError};

impl SqlStore {
    pub(crate) async fn bind_space(
        &self,
        ticket: TicketId,
        space: &ConversationRef,
    ) -> Result<(), StoreError> {
        // A missing thread is stored as '' so the unique index treats it as a value on both backends.
        sqlx::query("INSERT INTO staff_spaces (ticket_id, platform, chat, thread) VALUES ($1, $2, $3, $4) ON CONFLICT (ticket_id, platform) DO UPDATE SET chat = excluded.chat, thread = excluded.thread")
            .bind(ticket.0)
            .bind(space.platform.as_str())
            .bind(&space.chat)
            .bind(space.thread.clone().unwrap_or_default())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    pub(crate) async fn space_of(
        &self,
        ticket: TicketId,
        platform: Platform,
    ) -> Result<Option<ConversationRef>, StoreError> {
        let row = sqlx::query(
            "SELECT chat, thread FROM staff_spaces WHERE ticket_id = $1 AND platform = $2",
        )
        .bind(ticket.0)
        .bind(platform.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(match row {
            Some(r) => {
                let chat: String = r.try_get("chat").map_err(db_err)?;
                let thread: String = r.try_get("thread").map_err(db_err)?;
                Some(ConversationRef {
                    platform,
                    chat,
                    thread: (!thread.is_empty()).then_some(thread),
                })
            }
            None => None,
        })
    }

    pub(crate) async fn ticket_of_space(
        &self,
        space: &ConversationRef,
    ) -> Result<Option<TicketId>, StoreError> {
        let row = sqlx::query(
            "SELECT ticket_id FROM staff_spaces WHERE platform = $1 AND chat = $2 AND thread = $3",
        )
        .bind(space.platform.as_str())
        .bind(&space.chat)
        .bind(space.thread.clone().unwrap_or_default())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.map(|r| {
            r.try_get::<i64, _>("ticket_id")
                .map(TicketId)
                .map_err(db_err)
        })
        .transpose()
    }

    pub(crate) async fn put_license(
        &self,
        user: &UserRef,
        key: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO licenses (platform, user_id, license_key, registered_at) VALUES ($1, $2, $3, $4) ON CONFLICT (platform, user_id) DO UPDATE SET license_key = excluded.license_key, registered_at = excluded.registered_at")
            .bind(user.platform.as_str())
            .bind(&user.id)
            .bind(key)
            .bind(ms(at))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    pub(crate) async fn get_license(&self, user: &UserRef) -> Result<Option<String>, StoreError> {
        let row =
            sqlx::query("SELECT license_key FROM licenses WHERE platform = $1 AND user_id = $2")
                .bind(user.platform.as_str())
                .bind(&user.id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
        row.map(|r| r.try_get::<String, _>("license_key").map_err(db_err))
            .transpose()
    }

    pub(crate) async fn put_csat(&self, c: &Csat) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO csat (ticket_id, score, comment, at) VALUES ($1, $2, $3, $4) ON CONFLICT (ticket_id) DO UPDATE SET score = excluded.score, comment = excluded.comment, at = excluded.at")
            .bind(c.ticket.0)
            .bind(i64::from(c.score))
            .bind(c.comment.as_deref().map(text))
            .bind(ms(c.at))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Inserts a rating unless the ticket has one; `true` when it was inserted.
    pub(crate) async fn put_first_csat(&self, c: &Csat) -> Result<bool, StoreError> {
        let done = sqlx::query("INSERT INTO csat (ticket_id, score, comment, at) VALUES ($1, $2, $3, $4) ON CONFLICT (ticket_id) DO NOTHING")
            .bind(c.ticket.0)
            .bind(i64::from(c.score))
            .bind(c.comment.as_deref().map(text))
            .bind(ms(c.at))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn get_csat(&self, ticket: TicketId) -> Result<Option<Csat>, StoreError> {
        let row =
            sqlx::query("SELECT ticket_id, score, comment, at FROM csat WHERE ticket_id = $1")
                .bind(ticket.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
        row.as_ref().map(rows::csat).transpose()
    }

    pub(crate) async fn put_faq_event(&self, e: &FaqEvent) -> Result<i64, StoreError> {
        let row = faq_event_insert(e)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        row.try_get::<i64, _>(0).map_err(db_err)
    }

    pub(crate) async fn get_faq_event(&self, id: i64) -> Result<Option<FaqEvent>, StoreError> {
        let row = sqlx::query("SELECT id, at, user_platform, user_id, user_name, conv_platform, conv_chat, conv_thread, query, article_id, article_title, confidence, outcome, ticket_id FROM faq_events WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(rows::faq_event).transpose()
    }

    pub(crate) async fn settle_faq_event(
        &self,
        id: i64,
        outcome: FaqOutcome,
        ticket: Option<TicketId>,
    ) -> Result<bool, StoreError> {
        // The WHERE clause makes a repeated or concurrent button press a no-op.
        let done = sqlx::query("UPDATE faq_events SET outcome = $1, ticket_id = $2 WHERE id = $3 AND outcome IN ('answered', 'suggested')")
            .bind(outcome.as_str())
            .bind(ticket.map(|t| t.0))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn kv_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT value FROM kv_state WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| r.try_get::<String, _>("value").map_err(db_err))
            .transpose()
    }

    pub(crate) async fn kv_set(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        let q = match value {
            Some(v) => sqlx::query("INSERT INTO kv_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(v),
            None => sqlx::query("DELETE FROM kv_state WHERE key = $1").bind(key),
        };
        q.execute(&self.pool).await.map_err(db_err)?;
        Ok(())
    }
}

/// The insert of one FAQ event, returning its id.
pub(super) fn faq_event_insert<'q>(e: &FaqEvent) -> super::outbox::Stmt<'q> {
    sqlx::query("INSERT INTO faq_events (at, user_platform, user_id, user_name, conv_platform, conv_chat, conv_thread, query, article_id, article_title, confidence, outcome, ticket_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id")
        .bind(ms(e.at))
        .bind(e.user.platform.as_str())
        .bind(e.user.id.clone())
        .bind(text(&e.user.name))
        .bind(e.conversation.platform.as_str())
        .bind(e.conversation.chat.clone())
        .bind(e.conversation.thread.clone())
        .bind(text(&e.query))
        .bind(e.article_id.clone())
        .bind(e.article_title.clone())
        .bind(f64::from(e.confidence))
        .bind(e.outcome.as_str())
        .bind(e.ticket.map(|t| t.0))
}

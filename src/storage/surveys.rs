//! The quarterly survey's queries: the customers still to ask for a quarter (a ticket of theirs
//! closed in it, not asked yet, not opted out), the claim that asks each one once (stored with
//! its outbox row in one transaction), and the answers.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::outbox::inserted_ids;
use super::rows::{self, TICKET_COLUMNS, ms, text};
use super::{SqlStore, db_err};
use crate::domain::event::Outbound;
use crate::domain::i18n::Lang;
use crate::domain::ids::UserRef;
use crate::domain::ports::StoreError;
use crate::domain::ticket::Ticket;
use crate::reports::model::Period;
use crate::reports::survey::Quarter;

impl SqlStore {
    /// Up to `limit` customers to ask about `quarter` (closed tickets in `period`): for each,
    /// their latest ticket closed in it. Customers asked already or opted out are left out.
    pub async fn quarterly_candidates(
        &self,
        quarter: Quarter,
        period: Period,
        limit: i64,
    ) -> Result<Vec<Ticket>, StoreError> {
        // The newest closed ticket per customer; `kv_state` holds the `/stop surveys` marks.
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id IN ( \
                 SELECT MAX(x.id) FROM tickets x JOIN ticket_events e ON e.ticket_id = x.id \
                 WHERE e.kind = 'closed' AND e.at >= $1 AND e.at < $2 \
                 AND NOT EXISTS (SELECT 1 FROM quarterly_surveys q WHERE q.platform = x.requester_platform \
                     AND q.user_id = x.requester_id AND q.quarter = $3) \
                 AND NOT EXISTS (SELECT 1 FROM kv_state k WHERE k.key = 'surveys_off:' || x.requester_platform || ':' || x.requester_id) \
                 GROUP BY x.requester_platform, x.requester_id) \
             ORDER BY t.id LIMIT $4"
        );
        let rows = sqlx::query(&sql)
            .bind(ms(period.from))
            .bind(ms(period.to))
            .bind(quarter.label())
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(rows::ticket).collect()
    }

    /// Records that `ticket`'s requester is asked about `quarter` (in `lang`) at `now`, with
    /// the survey's outbox rows, in one transaction; `None` (storing nothing) when they were
    /// asked already.
    pub async fn claim_quarterly(
        &self,
        quarter: Quarter,
        ticket: &Ticket,
        lang: Lang,
        now: DateTime<Utc>,
        actions: &[Outbound],
    ) -> Result<Option<Vec<i64>>, StoreError> {
        let claim = sqlx::query(
            "INSERT INTO quarterly_surveys (platform, user_id, quarter, ticket_id, lang, sent_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (platform, user_id, quarter) DO NOTHING \
             RETURNING ticket_id",
        )
        .bind(ticket.requester.platform.as_str())
        .bind(ticket.requester.id.clone())
        .bind(quarter.label())
        .bind(ticket.id.0)
        .bind(lang.code())
        .bind(ms(now));
        let mut queries = vec![claim];
        queries.extend(self.outbox_inserts(actions, self.first_lease())?);
        let asked = |i: usize, rows: &[sqlx::any::AnyRow]| {
            (i == 0 && rows.is_empty()).then(|| sqlx::Error::RowNotFound)
        };
        match self.fetch_atomic(queries, &asked).await {
            Ok(results) => Ok(Some(inserted_ids(&results[1..])?)),
            Err(sqlx::Error::RowNotFound) => Ok(None),
            Err(e) => Err(db_err(e)),
        }
    }

    /// Stores `user`'s first rating of the quarter `code`; `false` when they were not asked
    /// about it, or rated it before (that rating stands).
    pub(crate) async fn put_quarterly_rating(
        &self,
        user: &UserRef,
        code: u32,
        score: u8,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let Some(q) = Quarter::from_code(code) else {
            return Ok(false);
        };
        let done = sqlx::query(
            "UPDATE quarterly_surveys SET score = $1, answered_at = $2 \
             WHERE platform = $3 AND user_id = $4 AND quarter = $5 AND score IS NULL",
        )
        .bind(i64::from(score))
        .bind(ms(at))
        .bind(user.platform.as_str())
        .bind(user.id.clone())
        .bind(q.label())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores the comment that followed `user`'s rating of the quarter `code`.
    pub(crate) async fn put_quarterly_comment(
        &self,
        user: &UserRef,
        code: u32,
        comment: &str,
    ) -> Result<(), StoreError> {
        let Some(q) = Quarter::from_code(code) else {
            return Ok(());
        };
        sqlx::query(
            "UPDATE quarterly_surveys SET comment = $1 WHERE platform = $2 AND user_id = $3 AND quarter = $4",
        )
        .bind(text(comment))
        .bind(user.platform.as_str())
        .bind(user.id.clone())
        .bind(q.label())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// The rating and comment `user` gave the quarter `code`, if any.
    pub(crate) async fn get_quarterly(
        &self,
        user: &UserRef,
        code: u32,
    ) -> Result<Option<(u8, Option<String>)>, StoreError> {
        let Some(q) = Quarter::from_code(code) else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT score, comment FROM quarterly_surveys WHERE platform = $1 AND user_id = $2 AND quarter = $3 AND score IS NOT NULL",
        )
        .bind(user.platform.as_str())
        .bind(user.id.clone())
        .bind(q.label())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.map(|r| {
            let score: i64 = r.try_get("score").map_err(db_err)?;
            let comment: Option<String> = r.try_get("comment").map_err(db_err)?;
            Ok((u8::try_from(score).unwrap_or(0), comment))
        })
        .transpose()
    }
}

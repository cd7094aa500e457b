//! The SLA sweeper's queries: claim dirty and due tickets through the partial indexes on
//! `tickets.sla_dirty` / `tickets.sla_next_check`, load them in batches, record notices once.
//! On PostgreSQL claims use `FOR UPDATE SKIP LOCKED` so two instances take disjoint batches;
//! the primary key of `sla_notices` is what makes each notice exactly once in any case.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::rows::{self, TICKET_COLUMNS, ms};
use super::{Backend, SqlStore, db_err};
use crate::domain::ids::TicketId;
use crate::domain::ports::StoreError;
use crate::domain::sla_sweep::{NoticeRecord, SlaStore, SweepItem};

/// `$first, $first+1, …` for `n` values.
fn params(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl SqlStore {
    fn skip_locked(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        }
    }

    async fn ids(&self, sql: &str, binds: &[i64]) -> Result<Vec<TicketId>, StoreError> {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(*b);
        }
        let rows = q.fetch_all(&self.pool).await.map_err(db_err)?;
        let mut ids = rows
            .iter()
            .map(|r| r.try_get::<i64, _>(0).map(TicketId).map_err(db_err))
            .collect::<Result<Vec<_>, _>>()?;
        ids.sort();
        Ok(ids)
    }
}

#[async_trait]
impl SlaStore for SqlStore {
    async fn sla_take_dirty(&self, limit: i64) -> Result<Vec<TicketId>, StoreError> {
        let sql = format!(
            "UPDATE tickets SET sla_dirty = 0 WHERE id IN \
             (SELECT id FROM tickets WHERE sla_dirty = 1 ORDER BY id LIMIT $1{}) RETURNING id",
            self.skip_locked()
        );
        self.ids(&sql, &[limit]).await
    }

    async fn sla_claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<TicketId>, StoreError> {
        // Moving next_check to the lease end is the claim: others skip the row until then, and
        // if this instance dies the ticket comes back by itself.
        let sql = format!(
            "UPDATE tickets SET sla_next_check = $1 WHERE id IN \
             (SELECT id FROM tickets WHERE sla_next_check IS NOT NULL AND sla_next_check <= $2 \
              ORDER BY sla_next_check LIMIT $3{}) RETURNING id",
            self.skip_locked()
        );
        self.ids(&sql, &[ms(lease_until), ms(now), limit]).await
    }

    async fn sla_load(&self, ids: &[TicketId]) -> Result<Vec<SweepItem>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = params(1, ids.len());
        let run = |sql: String| async move {
            let mut q = sqlx::query(&sql);
            for id in ids {
                q = q.bind(id.0);
            }
            q.fetch_all(&self.pool).await.map_err(db_err)
        };
        let tickets = run(format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE id IN ({list})"
        ))
        .await?;
        let events = run(format!(
            "SELECT ticket_id, data, actor, at FROM ticket_events WHERE ticket_id IN ({list}) ORDER BY ticket_id, id"
        ))
        .await?;
        let sent = run(format!(
            "SELECT ticket_id, notice_key FROM sla_notices WHERE ticket_id IN ({list})"
        ))
        .await?;
        let mut items: HashMap<i64, SweepItem> = HashMap::new();
        for r in &tickets {
            let t = rows::ticket(r)?;
            items.insert(
                t.id.0,
                SweepItem {
                    ticket: t,
                    events: Vec::new(),
                    sent: Vec::new(),
                },
            );
        }
        for r in &events {
            let id: i64 = r.try_get("ticket_id").map_err(db_err)?;
            if let Some(item) = items.get_mut(&id) {
                item.events.push(rows::event(r)?);
            }
        }
        for r in &sent {
            let id: i64 = r.try_get("ticket_id").map_err(db_err)?;
            if let Some(item) = items.get_mut(&id) {
                item.sent.push(r.try_get("notice_key").map_err(db_err)?);
            }
        }
        let mut out: Vec<SweepItem> = items.into_values().collect();
        out.sort_by_key(|i| i.ticket.id);
        Ok(out)
    }

    async fn sla_record(
        &self,
        notices: &[NoticeRecord],
        now: DateTime<Utc>,
    ) -> Result<Vec<(TicketId, String)>, StoreError> {
        let mut fresh = Vec::new();
        // Chunks keep the statement under SQLite's bind limit (32 766).
        for chunk in notices.chunks(1000) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", params(i * 5 + 1, 5)))
                .collect();
            let sql = format!(
                "INSERT INTO sla_notices (ticket_id, notice_key, due_at, recorded_at, body) VALUES {} \
                 ON CONFLICT (ticket_id, notice_key) DO NOTHING RETURNING ticket_id, notice_key",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for n in chunk {
                q = q
                    .bind(n.ticket.0)
                    .bind(n.key.clone())
                    .bind(ms(n.due_at))
                    .bind(ms(now))
                    .bind(n.text.clone());
            }
            for r in q.fetch_all(&self.pool).await.map_err(db_err)? {
                let id: i64 = r.try_get("ticket_id").map_err(db_err)?;
                fresh.push((TicketId(id), r.try_get("notice_key").map_err(db_err)?));
            }
        }
        Ok(fresh)
    }

    async fn sla_set_next_check(
        &self,
        next: &[(TicketId, Option<DateTime<Utc>>)],
    ) -> Result<(), StoreError> {
        for chunk in next.chunks(1000) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", params(i * 2 + 1, 2)))
                .collect();
            // One statement per batch: a CTE of (id, next) pairs joined with UPDATE … FROM,
            // which both backends understand (SQLite since 3.33).
            let sql = format!(
                "WITH v (id, next_check) AS (VALUES {}) \
                 UPDATE tickets SET sla_next_check = v.next_check FROM v WHERE tickets.id = v.id",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for (id, at) in chunk {
                q = q.bind(id.0).bind(at.map(ms));
            }
            q.execute(&self.pool).await.map_err(db_err)?;
        }
        Ok(())
    }
}

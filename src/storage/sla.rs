//! The SLA sweeper's queries: claim dirty and due tickets through the partial indexes on
//! `tickets.sla_dirty` / `tickets.sla_next_check`, load them in batches, record notices once,
//! all in one transaction per batch. On PostgreSQL claims use `FOR UPDATE SKIP LOCKED` so two
//! instances take disjoint batches; the primary key of `sla_notices` records each notice once
//! in any case. Notices not confirmed as delivered are claimed again for another attempt.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::rows::{self, TICKET_COLUMNS, ms, to_json};
use super::{Backend, SqlStore, db_err};
use crate::domain::ids::TicketId;
use crate::domain::ports::StoreError;
use crate::domain::sla_sweep::{Decide, NoticeRecord, Pick, SlaStore, SweepItem};

/// Placeholders for `n` values that follow `first - 1` others in a statement whose every
/// placeholder comes from here, in order: `$first, …` on PostgreSQL and `?, …` on SQLite. sqlx
/// looks up the name of every numbered SQLite parameter with a linear scan, which made binding
/// a batch of hundreds of notices quadratic (a fifth of a tick's time); `?` has no name.
pub(super) fn params(backend: Backend, first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| match backend {
            Backend::Sqlite => "?".to_string(),
            Backend::Postgres => format!("${i}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

async fn fetch(
    tx: &mut Tx,
    sql: &str,
    binds: &[i64],
) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.fetch_all(&mut **tx).await.map_err(db_err)
}

fn ids_of(rows: &[sqlx::any::AnyRow]) -> Result<Vec<i64>, StoreError> {
    rows.iter()
        .map(|r| r.try_get::<i64, _>(0).map_err(db_err))
        .collect()
}

impl SqlStore {
    /// Claims tickets inside `tx`. PostgreSQL row locks (`SKIP LOCKED`) keep other instances
    /// off them until commit; on SQLite the first statement is a write, so the transaction
    /// holds the single write lock from the start and never has to upgrade a read lock.
    async fn claim(
        &self,
        tx: &mut Tx,
        pick: Pick,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let due = "SELECT id FROM tickets WHERE sla_next_check IS NOT NULL AND sla_next_check <= $1 \
                   ORDER BY sla_next_check LIMIT $2";
        let dirty = "SELECT id FROM tickets WHERE sla_dirty = 1 ORDER BY id LIMIT $1";
        let ids = match (self.backend, pick) {
            (Backend::Postgres, Pick::Due) => ids_of(
                &fetch(
                    tx,
                    &format!("{due} FOR UPDATE SKIP LOCKED"),
                    &[ms(now), limit],
                )
                .await?,
            )?,
            (Backend::Postgres, Pick::Dirty) => {
                let ids = ids_of(
                    &fetch(tx, &format!("{dirty} FOR UPDATE SKIP LOCKED"), &[limit]).await?,
                )?;
                if !ids.is_empty() {
                    let sql = format!(
                        "UPDATE tickets SET sla_dirty = 0 WHERE id IN ({})",
                        params(self.backend, 1, ids.len())
                    );
                    fetch(tx, &sql, &ids).await?;
                }
                ids
            }
            (Backend::Sqlite, Pick::Due) => {
                let sql = format!(
                    "UPDATE tickets SET sla_next_check = sla_next_check WHERE id IN ({due}) RETURNING id"
                );
                ids_of(&fetch(tx, &sql, &[ms(now), limit]).await?)?
            }
            (Backend::Sqlite, Pick::Dirty) => {
                let sql =
                    format!("UPDATE tickets SET sla_dirty = 0 WHERE id IN ({dirty}) RETURNING id");
                ids_of(&fetch(tx, &sql, &[limit]).await?)?
            }
        };
        Ok(ids)
    }

    async fn load(&self, tx: &mut Tx, ids: &[i64]) -> Result<Vec<SweepItem>, StoreError> {
        let list = params(self.backend, 1, ids.len());
        let tickets = fetch(
            tx,
            &format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id IN ({list})"),
            ids,
        )
        .await?;
        let events = fetch(
            tx,
            &format!("SELECT ticket_id, data, actor, at FROM ticket_events WHERE ticket_id IN ({list}) ORDER BY ticket_id, id"),
            ids,
        )
        .await?;
        let sent = fetch(
            tx,
            &format!("SELECT ticket_id, notice_key FROM sla_notices WHERE ticket_id IN ({list})"),
            ids,
        )
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

    async fn record(
        &self,
        tx: &mut Tx,
        notices: Vec<NoticeRecord>,
        now: DateTime<Utc>,
    ) -> Result<Vec<NoticeRecord>, StoreError> {
        let mut fresh = HashSet::new();
        // Chunks keep the statement under SQLite's bind limit (32 766).
        for chunk in notices.chunks(1000) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", params(self.backend, i * 7 + 1, 7)))
                .collect();
            let sql = format!(
                "INSERT INTO sla_notices (ticket_id, notice_key, due_at, recorded_at, body, platform, notify) VALUES {} \
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
                    .bind(n.text.clone())
                    .bind(n.platform.as_str())
                    .bind(to_json(&n.notify)?);
            }
            for r in q.fetch_all(&mut **tx).await.map_err(db_err)? {
                let id: i64 = r.try_get("ticket_id").map_err(db_err)?;
                fresh.insert((id, r.try_get::<String, _>("notice_key").map_err(db_err)?));
            }
        }
        Ok(notices
            .into_iter()
            .filter(|n| fresh.contains(&(n.ticket.0, n.key.clone())))
            .collect())
    }

    async fn set_next(
        &self,
        tx: &mut Tx,
        next: &[(TicketId, Option<DateTime<Utc>>)],
    ) -> Result<(), StoreError> {
        for chunk in next.chunks(1000) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", params(self.backend, i * 2 + 1, 2)))
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
            q.execute(&mut **tx).await.map_err(db_err)?;
        }
        Ok(())
    }
}

#[async_trait]
impl SlaStore for SqlStore {
    async fn sla_batch(
        &self,
        pick: Pick,
        now: DateTime<Utc>,
        limit: i64,
        decide: Decide<'_>,
    ) -> Result<(usize, Vec<NoticeRecord>), StoreError> {
        // One transaction per batch: claim, load, record and reschedule commit together, so a
        // batch costs a single commit, and a crash leaves the tickets due for the next tick.
        let mut tx: Tx = self.pool.begin().await.map_err(db_err)?;
        let ids = self.claim(&mut tx, pick, now, limit).await?;
        if ids.is_empty() {
            tx.commit().await.map_err(db_err)?;
            return Ok((0, Vec::new()));
        }
        let items = self.load(&mut tx, &ids).await?;
        let decision = decide(&items);
        let fresh = self.record(&mut tx, decision.records, now).await?;
        self.set_next(&mut tx, &decision.next).await?;
        tx.commit().await.map_err(db_err)?;
        Ok((ids.len(), fresh))
    }

    async fn redeliver(
        &self,
        now: DateTime<Utc>,
        cutoff: DateTime<Utc>,
        max_attempts: i64,
        limit: i64,
    ) -> Result<Vec<NoticeRecord>, StoreError> {
        // One statement claims the rows: an instance running the same update concurrently
        // re-checks `recorded_at` on the rows it waited for and leaves them alone.
        let rows = sqlx::query(
            "UPDATE sla_notices SET recorded_at = $1, attempts = attempts + 1 \
             WHERE delivered_at IS NULL AND recorded_at <= $2 AND attempts < $3 \
             AND (ticket_id, notice_key) IN (SELECT ticket_id, notice_key FROM sla_notices \
                 WHERE delivered_at IS NULL AND recorded_at <= $2 AND attempts < $3 \
                 ORDER BY recorded_at LIMIT $4) \
             RETURNING ticket_id, notice_key, due_at, body, platform, notify, attempts",
        )
        .bind(ms(now))
        .bind(ms(cutoff))
        .bind(max_attempts)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let attempts: i64 = r.try_get("attempts").map_err(db_err)?;
            let notice = rows::notice(r)?;
            if attempts >= max_attempts {
                tracing::error!(ticket = %notice.ticket, key = %notice.key, attempts, "last delivery attempt for an SLA notice");
            } else {
                tracing::warn!(ticket = %notice.ticket, key = %notice.key, attempts, "SLA notice not delivered yet; sending again");
            }
            out.push(notice);
        }
        Ok(out)
    }

    async fn mark_delivered(
        &self,
        notices: &[(TicketId, String)],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // One statement per chunk, so confirming a tick's notices is one write, not hundreds.
        for chunk in notices.chunks(500) {
            let pairs: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", params(self.backend, i * 2 + 2, 2)))
                .collect();
            let sql = format!(
                "UPDATE sla_notices SET delivered_at = {} WHERE (ticket_id, notice_key) IN (VALUES {})",
                params(self.backend, 1, 1),
                pairs.join(", ")
            );
            let mut q = sqlx::query(&sql).bind(ms(at));
            for (ticket, key) in chunk {
                q = q.bind(ticket.0).bind(key.clone());
            }
            q.execute(&self.pool).await.map_err(db_err)?;
        }
        Ok(())
    }
}

//! Keeps `report_tickets` / `report_clocks` up to date: finds tickets changed since the last
//! refresh (the `tickets_updated` index, a watermark in `kv_state`), loads them with their
//! events in batches, computes their facts in Rust (SLA clocks need the calendars) and
//! replaces their rows, listing the months whose rollups they change. Memory stays one batch,
//! whatever the number of tickets.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use sqlx::Row;

use super::report_rollups::{Month, month_of};
use super::rows::{self, TICKET_COLUMNS, from_ms, ms};
use super::sla::params;
use super::{Backend, SqlStore, db_err};
use crate::domain::ports::StoreError;
use crate::domain::sla_clock::Policy;
use crate::domain::ticket::{EventKind, Ticket, TicketEvent};
use crate::reports::facts::{TicketFacts, ticket_facts, time_bucket};

/// Where the refresh watermark and the policy it was computed with are kept.
const STATE_KEY: &str = "reports.facts";
/// Tickets are looked at again for this long after their last change, so that a save that
/// committed late (another instance's clock, a slow transaction) is not missed.
const MARGIN_MINUTES: i64 = 5;
const BATCH: i64 = 200;
/// Recomputing at least this many tickets vacuums the facts tables (PostgreSQL).
const VACUUM_AFTER: u64 = 10_000;

#[derive(serde::Serialize, serde::Deserialize)]
struct Watermark {
    since: i64,
    policy: String,
}

impl SqlStore {
    /// Brings the report facts of every changed (or newly rated) ticket up to date at `now`,
    /// and the monthly rollups (months local to `tz`) with them; all of them when
    /// `policy_fingerprint` (the settings the facts and rollups are computed with, `tz`
    /// among them) changed. Returns how many tickets were recomputed.
    pub async fn refresh_report_facts(
        &self,
        policy: &Policy,
        policy_fingerprint: &str,
        tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mark: Option<Watermark> = self
            .kv_get(STATE_KEY)
            .await?
            .and_then(|s| serde_json::from_str(&s).ok());
        let (since, full) = match &mark {
            Some(m) if m.policy == policy_fingerprint => (m.since, false),
            _ => (i64::MIN, true),
        };
        if full {
            self.clear_rollups().await?;
        }
        // Two texts rather than one with `OR full`: a condition the planner cannot decide
        // makes it walk every ticket, where the incremental one reads the `tickets_updated`
        // index from the watermark on.
        let changed = if full {
            String::new()
        } else {
            format!(
                " AND t.updated_at >= {} AND (r.ticket_id IS NULL OR r.updated_at <> t.updated_at)",
                self.ph(2)
            )
        };
        let sql = format!(
            "SELECT t.id FROM tickets t LEFT JOIN report_tickets r ON r.ticket_id = t.id \
             WHERE t.id > {p1}{changed} ORDER BY t.id LIMIT {limit}",
            p1 = self.ph(1),
            limit = self.ph(if full { 2 } else { 3 }),
        );
        let mut cursor = i64::MIN;
        let mut done = 0u64;
        loop {
            let mut q = sqlx::query(&sql).bind(cursor);
            if !full {
                q = q.bind(since);
            }
            let ids: Vec<i64> = q
                .bind(BATCH)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?
                .iter()
                .map(|r| r.try_get::<i64, _>(0).map_err(db_err))
                .collect::<Result<_, _>>()?;
            let Some(last) = ids.last() else { break };
            cursor = *last;
            done += self.recompute(policy, &ids, tz, now).await?;
        }
        if !full {
            // Ratings given since the last refresh do not move the ticket's `updated_at`.
            let sql = format!(
                "SELECT c.ticket_id FROM csat c JOIN report_tickets r ON r.ticket_id = c.ticket_id \
                 WHERE c.at >= {p1} AND (r.csat_score IS NULL OR r.csat_score <> c.score) ORDER BY c.ticket_id",
                p1 = self.ph(1),
            );
            let rated: Vec<i64> = sqlx::query(&sql)
                .bind(since)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?
                .iter()
                .map(|r| r.try_get::<i64, _>(0).map_err(db_err))
                .collect::<Result<_, _>>()?;
            for ids in rated.chunks(BATCH as usize) {
                done += self.recompute(policy, ids, tz, now).await?;
            }
        }
        self.rebuild_dirty_months().await?;
        if self.backend == Backend::Postgres && done >= VACUUM_AFTER {
            // Rows just written are not yet marked all-visible, so every percentile read
            // would visit the table until autovacuum comes by; after a large recompute (an
            // upgrade, a new policy) the reports that follow should not wait for it.
            for table in ["report_clocks", "report_tickets"] {
                if let Err(e) = sqlx::query(&format!("VACUUM (ANALYZE) {table}"))
                    .execute(&self.pool)
                    .await
                {
                    tracing::warn!(table, error = %e, "cannot vacuum the report facts");
                }
            }
        }
        let next = Watermark {
            since: ms(now - Duration::minutes(MARGIN_MINUTES)).max(since),
            policy: policy_fingerprint.to_string(),
        };
        let text = serde_json::to_string(&next).map_err(|e| StoreError::Backend(e.to_string()))?;
        self.kv_set(STATE_KEY, Some(&text)).await?;
        Ok(done)
    }

    /// Computes the facts of `ids` again and stores them; returns how many were found.
    async fn recompute(
        &self,
        policy: &Policy,
        ids: &[i64],
        tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let loaded = self.load_for_facts(ids).await?;
        let mut months = BTreeSet::new();
        let mut facts = Vec::with_capacity(loaded.len());
        for (t, evs, score) in &loaded {
            let mut f = ticket_facts(policy, t, evs, *score, now);
            // A save within the same millisecond after this read would keep the same
            // `updated_at`; recently changed tickets are therefore computed again.
            if now - t.updated_at < Duration::seconds(1) {
                f.updated_at = DateTime::<Utc>::MIN_UTC;
            }
            months.insert(month_of(f.created_at, tz)?);
            if let Some(c) = f.closed_at {
                months.insert(month_of(c, tz)?);
            }
            for e in evs {
                if matches!(e.kind, EventKind::Closed { .. } | EventKind::Reopened) {
                    months.insert(month_of(e.at, tz)?);
                }
            }
            facts.push(f);
        }
        self.write_facts(ids, &facts, months, tz).await?;
        Ok(facts.len() as u64)
    }

    /// `$n` on PostgreSQL, `?` on SQLite (used in order).
    pub(super) fn ph(&self, n: usize) -> String {
        params(self.backend, n, 1)
    }

    async fn load_for_facts(
        &self,
        ids: &[i64],
    ) -> Result<Vec<(Ticket, Vec<TicketEvent>, Option<i64>)>, StoreError> {
        let list = params(self.backend, 1, ids.len());
        let text = format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id IN ({list}) ORDER BY id");
        let mut q = sqlx::query(&text);
        for id in ids {
            q = q.bind(*id);
        }
        let tickets = q.fetch_all(&self.pool).await.map_err(db_err)?;
        let text = format!(
            "SELECT ticket_id, data, actor, at FROM ticket_events WHERE ticket_id IN ({list}) ORDER BY ticket_id, id"
        );
        let mut q = sqlx::query(&text);
        for id in ids {
            q = q.bind(*id);
        }
        let mut events: HashMap<i64, Vec<TicketEvent>> = HashMap::new();
        for r in q.fetch_all(&self.pool).await.map_err(db_err)? {
            let id: i64 = r.try_get("ticket_id").map_err(db_err)?;
            events.entry(id).or_default().push(rows::event(&r)?);
        }
        let text = format!("SELECT ticket_id, score FROM csat WHERE ticket_id IN ({list})");
        let mut q = sqlx::query(&text);
        for id in ids {
            q = q.bind(*id);
        }
        let mut scores: HashMap<i64, i64> = HashMap::new();
        for r in q.fetch_all(&self.pool).await.map_err(db_err)? {
            scores.insert(
                r.try_get("ticket_id").map_err(db_err)?,
                r.try_get("score").map_err(db_err)?,
            );
        }
        tickets
            .iter()
            .map(|r| {
                let t = rows::ticket(r)?;
                let evs = events.remove(&t.id.0).unwrap_or_default();
                let score = scores.get(&t.id.0).copied();
                Ok((t, evs, score))
            })
            .collect()
    }

    /// Replaces the facts of `ids` with `facts` and lists `months` and the months of the
    /// replaced rows' last closes for rebuilding, in one transaction.
    async fn write_facts(
        &self,
        ids: &[i64],
        facts: &[TicketFacts],
        mut months: BTreeSet<Month>,
        tz: Tz,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let list = params(self.backend, 1, ids.len());
        lock_facts(self.backend, &mut tx).await?;
        for table in ["report_clocks", "report_tickets"] {
            // The replaced rows' last closes: their months lose those tickets.
            let text = format!(
                "DELETE FROM {table} WHERE ticket_id IN ({list}){}",
                if table == "report_tickets" {
                    " RETURNING closed_at"
                } else {
                    ""
                }
            );
            let mut q = sqlx::query(&text);
            for id in ids {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&mut *tx).await.map_err(db_err)? {
                if let Some(c) = r.try_get::<Option<i64>, _>(0).map_err(db_err)? {
                    months.insert(month_of(from_ms(c)?, tz)?);
                }
            }
        }
        if !facts.is_empty() {
            let values: Vec<String> = (0..facts.len())
                .map(|i| format!("({})", params(self.backend, i * 17 + 1, 17)))
                .collect();
            let text = format!(
                "INSERT INTO report_tickets (ticket_id, updated_at, created_at, platform, requester_id, kind, priority, tier, status, bug, feature, fixed_at, agent, resolved_at, incident_start, closed_at, csat_score) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(&text);
            for f in facts {
                q = q
                    .bind(f.ticket_id)
                    .bind(ms(f.updated_at))
                    .bind(ms(f.created_at))
                    .bind(f.platform.as_str())
                    .bind(f.requester_id.clone())
                    .bind(f.kind.as_str())
                    .bind(f.priority.rank())
                    .bind(f.tier.as_str())
                    .bind(f.status.as_str())
                    .bind(i64::from(f.bug))
                    .bind(i64::from(f.feature))
                    .bind(f.fixed_at.map(ms))
                    .bind(f.agent.clone())
                    .bind(f.resolved_at.map(ms))
                    .bind(f.incident_start.map(ms))
                    .bind(f.closed_at.map(ms))
                    .bind(f.csat_score);
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        let clocks: Vec<_> = facts
            .iter()
            .flat_map(|f| f.clocks.iter().map(move |c| (f, c)))
            .collect();
        for chunk in clocks.chunks(1000) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", params(self.backend, i * 15 + 1, 15)))
                .collect();
            let text = format!(
                "INSERT INTO report_clocks (ticket_id, clock, seq, created_at, platform, requester_id, priority, tier, agent, target_ms, elapsed_ms, started_at, stopped_at, breach_at, bucket) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(&text);
            for (f, c) in chunk {
                q = q
                    .bind(f.ticket_id)
                    .bind(c.clock.as_str())
                    .bind(c.seq)
                    .bind(ms(f.created_at))
                    .bind(f.platform.as_str())
                    .bind(f.requester_id.clone())
                    .bind(f.priority.rank())
                    .bind(f.tier.as_str())
                    .bind(f.agent.clone())
                    .bind(c.target_ms)
                    .bind(c.elapsed_ms)
                    .bind(ms(c.started_at))
                    .bind(c.stopped_at.map(ms))
                    .bind(c.breach_at.map(ms))
                    .bind(time_bucket(c.elapsed_ms));
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        self.mark_months(&mut tx, &months).await?;
        tx.commit().await.map_err(db_err)
    }
}

/// Makes two instances that write report facts or rollups at once take turns (PostgreSQL),
/// before anything is read or written, so that each statement of the second one sees what the
/// first committed: a delete that started earlier would miss the rows the other had just
/// inserted, and the rows would be doubled. On SQLite the transaction's first write takes the
/// database's one write lock, which already serialises them.
pub(super) async fn lock_facts(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
) -> Result<(), StoreError> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(7236501)")
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// Reads an optional epoch-ms column.
pub(super) fn opt_time(
    row: &sqlx::any::AnyRow,
    col: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let v: Option<i64> = row.try_get(col).map_err(db_err)?;
    v.map(from_ms).transpose()
}

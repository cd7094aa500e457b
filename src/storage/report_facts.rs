//! Keeps `report_tickets` / `report_clocks` up to date: finds tickets changed since the last
//! refresh (the `tickets_updated` index, a watermark in `kv_state`), loads them with their
//! events in batches, computes their facts in Rust (SLA clocks need the calendars) and
//! replaces their rows. Memory stays one batch, whatever the number of tickets.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use super::rows::{self, TICKET_COLUMNS, from_ms, ms};
use super::sla::params;
use super::{Backend, SqlStore, db_err};
use crate::domain::ports::StoreError;
use crate::domain::sla_clock::Policy;
use crate::domain::ticket::{Ticket, TicketEvent};
use crate::reports::facts::{TicketFacts, ticket_facts};

/// Where the refresh watermark and the policy it was computed with are kept.
const STATE_KEY: &str = "reports.facts";
/// Tickets are looked at again for this long after their last change, so that a save that
/// committed late (another instance's clock, a slow transaction) is not missed.
const MARGIN_MINUTES: i64 = 5;
const BATCH: i64 = 200;

#[derive(serde::Serialize, serde::Deserialize)]
struct Watermark {
    since: i64,
    policy: String,
}

impl SqlStore {
    /// Brings the report facts of every changed ticket up to date at `now`; all of them when
    /// `policy_fingerprint` (the SLA settings the facts are computed with) changed. Returns
    /// how many tickets were recomputed.
    pub async fn refresh_report_facts(
        &self,
        policy: &Policy,
        policy_fingerprint: &str,
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
        let sql = format!(
            "SELECT t.id FROM tickets t LEFT JOIN report_tickets r ON r.ticket_id = t.id \
             WHERE t.id > {p1} AND ({p2} = 1 OR (t.updated_at >= {p3} \
             AND (r.ticket_id IS NULL OR r.updated_at <> t.updated_at))) ORDER BY t.id LIMIT {p4}",
            p1 = self.ph(1),
            p2 = self.ph(2),
            p3 = self.ph(3),
            p4 = self.ph(4),
        );
        let mut cursor = i64::MIN;
        let mut done = 0u64;
        loop {
            let ids: Vec<i64> = sqlx::query(&sql)
                .bind(cursor)
                .bind(i64::from(full))
                .bind(since)
                .bind(BATCH)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?
                .iter()
                .map(|r| r.try_get::<i64, _>(0).map_err(db_err))
                .collect::<Result<_, _>>()?;
            let Some(last) = ids.last() else { break };
            cursor = *last;
            let loaded = self.load_for_facts(&ids).await?;
            let facts: Vec<TicketFacts> = loaded
                .iter()
                .map(|(t, evs)| {
                    let mut f = ticket_facts(policy, t, evs, now);
                    // A save within the same millisecond after this read would keep the same
                    // `updated_at`; recently changed tickets are therefore computed again.
                    if now - t.updated_at < Duration::seconds(1) {
                        f.updated_at = DateTime::<Utc>::MIN_UTC;
                    }
                    f
                })
                .collect();
            self.write_facts(&ids, &facts).await?;
            done += facts.len() as u64;
        }
        let next = Watermark {
            since: ms(now - Duration::minutes(MARGIN_MINUTES)).max(since),
            policy: policy_fingerprint.to_string(),
        };
        let text = serde_json::to_string(&next).map_err(|e| StoreError::Backend(e.to_string()))?;
        self.kv_set(STATE_KEY, Some(&text)).await?;
        Ok(done)
    }

    /// `$n` on PostgreSQL, `?` on SQLite (used in order).
    pub(super) fn ph(&self, n: usize) -> String {
        params(self.backend, n, 1)
    }

    async fn load_for_facts(
        &self,
        ids: &[i64],
    ) -> Result<Vec<(Ticket, Vec<TicketEvent>)>, StoreError> {
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
        tickets
            .iter()
            .map(|r| {
                let t = rows::ticket(r)?;
                let evs = events.remove(&t.id.0).unwrap_or_default();
                Ok((t, evs))
            })
            .collect()
    }

    async fn write_facts(&self, ids: &[i64], facts: &[TicketFacts]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let list = params(self.backend, 1, ids.len());
        // The first statement writes, so a SQLite transaction takes the write lock at once.
        for table in ["report_clocks", "report_tickets"] {
            let text = format!("DELETE FROM {table} WHERE ticket_id IN ({list})");
            let mut q = sqlx::query(&text);
            for id in ids {
                q = q.bind(*id);
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
            if self.backend == Backend::Postgres && table == "report_clocks" {
                // Two instances refreshing at once take turns, so neither inserts a row the
                // other has just inserted.
                sqlx::query("SELECT pg_advisory_xact_lock(7236501)")
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
        }
        if !facts.is_empty() {
            let values: Vec<String> = (0..facts.len())
                .map(|i| format!("({})", params(self.backend, i * 15 + 1, 15)))
                .collect();
            let text = format!(
                "INSERT INTO report_tickets (ticket_id, updated_at, created_at, platform, requester_id, kind, priority, tier, status, bug, feature, fixed_at, agent, resolved_at, incident_start) VALUES {}",
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
                    .bind(f.incident_start.map(ms));
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        let clocks: Vec<_> = facts
            .iter()
            .flat_map(|f| f.clocks.iter().map(move |c| (f, c)))
            .collect();
        for chunk in clocks.chunks(1000) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", params(self.backend, i * 14 + 1, 14)))
                .collect();
            let text = format!(
                "INSERT INTO report_clocks (ticket_id, clock, seq, created_at, platform, requester_id, priority, tier, agent, target_ms, elapsed_ms, started_at, stopped_at, breach_at) VALUES {}",
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
                    .bind(c.breach_at.map(ms));
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }
}

/// Reads an optional epoch-ms column.
pub(super) fn opt_time(
    row: &sqlx::any::AnyRow,
    col: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let v: Option<i64> = row.try_get(col).map_err(db_err)?;
    v.map(from_ms).transpose()
}

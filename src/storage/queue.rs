//! The queue views' read: active tickets with their event logs, in one snapshot, so that
//! `/queue` and `/mine` rank deadlines without a query per ticket.

use sqlx::Row;

use super::rows::{self, TICKET_COLUMNS};
use super::{SqlStore, db_err};
use crate::domain::ports::StoreError;
use crate::domain::ticket::{Ticket, TicketEvent};

impl SqlStore {
    /// Active tickets (of `assignee`, if given), oldest first, at most `limit`, each with its
    /// event log, read in one snapshot.
    pub(super) async fn active_with_events(
        &self,
        assignee: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(Ticket, Vec<TicketEvent>)>, StoreError> {
        let filter = if assignee.is_some() {
            " AND assignee = $1"
        } else {
            ""
        };
        let next = if assignee.is_some() { 2 } else { 1 };
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE active = 1{filter} ORDER BY id LIMIT ${next}"
        );
        // One snapshot for both reads on SQLite; on PostgreSQL a ticket activated in between
        // merely shows up with the events it had a moment earlier.
        let mut tx = self.begin().await?;
        let mut q = sqlx::query(&sql);
        if let Some(a) = assignee {
            q = q.bind(a.to_string());
        }
        let tickets: Vec<Ticket> = q
            .bind(limit)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?
            .iter()
            .map(rows::ticket)
            .collect::<Result<_, _>>()?;
        let Some(last) = tickets.last().map(|t| t.id.0) else {
            tx.commit().await.map_err(db_err)?;
            return Ok(Vec::new());
        };
        let events_sql = format!(
            "SELECT e.ticket_id, e.data, e.actor, e.at FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id \
             WHERE t.active = 1{} AND t.id <= ${next} ORDER BY e.ticket_id, e.id",
            filter.replace("assignee", "t.assignee")
        );
        let mut eq = sqlx::query(&events_sql);
        if let Some(a) = assignee {
            eq = eq.bind(a.to_string());
        }
        let events = eq.bind(last).fetch_all(&mut *tx).await.map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        let mut by_ticket: std::collections::HashMap<i64, Vec<TicketEvent>> =
            std::collections::HashMap::new();
        for row in &events {
            let id: i64 = row.try_get("ticket_id").map_err(db_err)?;
            by_ticket.entry(id).or_default().push(rows::event(row)?);
        }
        Ok(tickets
            .into_iter()
            .map(|t| {
                let events = by_ticket.remove(&t.id.0).unwrap_or_default();
                (t, events)
            })
            .collect())
    }
}

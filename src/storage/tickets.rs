//! Tickets, transcripts and event logs, plus the `TicketStore` implementation that ties the
//! storage files together.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Any, Row, Transaction};

use super::outbox::{Stmt, inserted_ids};
use super::rows::{self, TICKET_COLUMNS, ms, text, to_json};
use super::save::{BindValue, is_missing_ticket, save_ticket_sql};
use super::save_outbox::{OutboxBatch, returned_ids};
use super::{Backend, SqlStore, db_err};
use crate::domain::event::{Inbound, Outbound};
use crate::domain::ids::{ConversationRef, MessageKey, Platform, TicketId, UserRef};
use crate::domain::learning::{NewProposal, OutcomeRecord};
use crate::domain::lifecycle::NewTicket;
use crate::domain::ports::{
    Created, Csat, DecideForNew, FaqEvent, FaqOutcome, Handling, Recorded, StoreError, StoredLang,
    TicketFilter, TicketStore,
};
use crate::domain::ticket::{Status, Ticket, TicketEvent, TranscriptEntry};

async fn append(
    tx: &mut Transaction<'static, Any>,
    id: TicketId,
    entries: &[TranscriptEntry],
    events: &[TicketEvent],
) -> Result<(), StoreError> {
    for e in entries {
        sqlx::query("INSERT INTO transcript (ticket_id, role, author, body, internal, attachments, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id.0)
            .bind(e.role.as_str())
            .bind(text(&e.author))
            .bind(text(&e.body))
            .bind(i64::from(e.internal))
            .bind(to_json(&e.attachments)?)
            .bind(ms(e.at))
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    for e in events {
        sqlx::query("INSERT INTO ticket_events (ticket_id, kind, data, actor, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.0)
            .bind(e.kind.name())
            .bind(to_json(&e.kind)?)
            .bind(to_json(&e.actor)?)
            .bind(ms(e.at))
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

impl SqlStore {
    pub(super) async fn begin(&self) -> Result<Transaction<'static, Any>, StoreError> {
        self.pool.begin().await.map_err(db_err)
    }

    async fn fetch_tickets(
        &self,
        sql: &str,
        binds: Vec<BindValue>,
    ) -> Result<Vec<Ticket>, StoreError> {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = b.bind_to(q);
        }
        let rows = q.fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(rows::ticket).collect()
    }
}

#[async_trait]
impl TicketStore for SqlStore {
    async fn record_inbound(&self, inbound: &Inbound) -> Result<bool, StoreError> {
        self.claim_inbound(inbound).await
    }

    async fn record_inbound_with_sender_ticket(
        &self,
        inbound: &Inbound,
    ) -> Result<Recorded, StoreError> {
        self.claim_inbound_with_sender_ticket(inbound).await
    }

    async fn catch_up_points(
        &self,
        platform: Platform,
    ) -> Result<(Vec<ConversationRef>, Option<DateTime<Utc>>), StoreError> {
        self.catch_up_places(platform).await
    }

    async fn release_inbound(&self, key: &MessageKey) -> Result<(), StoreError> {
        self.release_claim(key).await
    }

    async fn finish_inbound(
        &self,
        key: &MessageKey,
        actions: &[Outbound],
    ) -> Result<Vec<i64>, StoreError> {
        let inserts = self.outbox_inserts(actions, self.first_lease())?;
        if inserts.is_empty() {
            self.mark_inbound_handled(key).await?;
            return Ok(Vec::new());
        }
        let mut queries: Vec<Stmt<'_>> = vec![super::inbound::mark_handled(key)];
        queries.extend(inserts);
        let results = self
            .fetch_atomic(queries, &|_, _| None)
            .await
            .map_err(db_err)?;
        inserted_ids(&results[1..])
    }

    async fn create_ticket_handling(
        &self,
        new: NewTicket,
        entries: &[TranscriptEntry],
        events: &[TicketEvent],
        handled: Option<(&MessageKey, DecideForNew<'_>)>,
    ) -> Result<Created, StoreError> {
        let mut tx = self.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO tickets (requester_platform, requester_id, requester_name, conv_platform, conv_chat, conv_thread, subject, kind, priority, tier, status, active, assignee, tags, created_at, updated_at, sla_dirty) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, NULL, $12, $13, $13, 1) RETURNING id",
        )
        .bind(new.requester.platform.as_str())
        .bind(&new.requester.id)
        .bind(text(&new.requester.name))
        .bind(new.conversation.platform.as_str())
        .bind(&new.conversation.chat)
        .bind(new.conversation.thread.clone())
        .bind(text(&new.subject))
        .bind(new.kind.as_str())
        .bind(new.priority.rank())
        .bind(new.tier.as_str())
        .bind(Status::New.as_str())
        .bind(to_json(&new.tags)?)
        .bind(ms(new.at))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        let ticket = new.into_ticket(TicketId(id));
        append(&mut tx, ticket.id, entries, events).await?;
        let mut created = Created {
            ticket,
            actions: Vec::new(),
            outbox_ids: Vec::new(),
        };
        if let Some((key, decide)) = handled {
            let (said, actions) = decide(&created.ticket);
            append(&mut tx, created.ticket.id, &said, &[]).await?;
            super::inbound::mark_handled(key)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            for insert in self.outbox_inserts(&actions, self.first_lease())? {
                let row = insert.fetch_one(&mut *tx).await.map_err(db_err)?;
                created
                    .outbox_ids
                    .push(row.try_get::<i64, _>(0).map_err(db_err)?);
            }
            created.actions = actions;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(created)
    }

    async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1");
        Ok(self
            .fetch_tickets(&sql, vec![BindValue::Int(id.0)])
            .await?
            .pop())
    }

    async fn active_ticket_for(&self, requester: &UserRef) -> Result<Option<Ticket>, StoreError> {
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE requester_platform = $1 AND requester_id = $2 AND active = 1 ORDER BY id DESC LIMIT 1"
        );
        let binds = vec![
            BindValue::Text(requester.platform.as_str().into()),
            BindValue::Text(requester.id.clone()),
        ];
        Ok(self.fetch_tickets(&sql, binds).await?.pop())
    }

    async fn save_ticket_handling(
        &self,
        t: &Ticket,
        entries: &[TranscriptEntry],
        events: &[TicketEvent],
        handled: Option<Handling<'_>>,
    ) -> Result<Vec<i64>, StoreError> {
        // On PostgreSQL the outbox rows go in their own inserts of one transaction: as one
        // more CTE of the save's statement, a connection cut while it ran could leave the
        // rows committed with their ids never returned, and this instance renews the leases
        // of every row it owns, so such a row would wait until a restart (the outage test
        // caught it). A cut transaction rolls back instead. SQLite has no connection to cut.
        let outbox = match (self.backend, handled) {
            (Backend::Sqlite, Some(h)) => self.outbox_batch(h.actions)?,
            _ => OutboxBatch::empty(),
        };
        let (sql, binds) = save_ticket_sql(
            self.backend,
            t,
            entries,
            events,
            handled.map(|h| h.key),
            &outbox,
        )?;
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = b.bind_to(q);
        }
        let missing = || StoreError::NotFound(format!("ticket {}", t.id));
        if !outbox.rows.is_empty() {
            return match self.fetch_script(q).await {
                Ok(rows) => returned_ids(&rows),
                Err(e) if is_missing_ticket(&e) => Err(missing()),
                Err(e) => Err(db_err(e)),
            };
        }
        let inserts = match (self.backend, handled) {
            (Backend::Postgres, Some(h)) => self.outbox_inserts(h.actions, self.first_lease())?,
            _ => Vec::new(),
        };
        if !inserts.is_empty() {
            let mut queries = vec![q];
            queries.extend(inserts);
            // The save reports the tickets it updated: none means no such ticket, and nothing
            // may commit.
            let none_updated = |i: usize, rows: &[sqlx::any::AnyRow]| -> Option<sqlx::Error> {
                let updated = rows.first().and_then(|r| r.try_get::<i64, _>(0).ok());
                (i == 0 && updated != Some(1)).then_some(sqlx::Error::RowNotFound)
            };
            return match self.fetch_atomic(queries, &none_updated).await {
                Ok(results) => inserted_ids(&results[1..]),
                Err(sqlx::Error::RowNotFound) => Err(missing()),
                Err(e) => Err(db_err(e)),
            };
        }
        let found = match self.backend {
            Backend::Sqlite => match self.execute_hot(q).await {
                Ok(_) => true,
                Err(e) if is_missing_ticket(&e) => false,
                Err(e) => return Err(db_err(e)),
            },
            Backend::Postgres => {
                let row = q.fetch_one(&self.pool).await.map_err(db_err)?;
                row.try_get::<i64, _>(0).map_err(db_err)? == 1
            }
        };
        if found {
            Ok(Vec::new())
        } else {
            Err(missing())
        }
    }

    async fn list_tickets(&self, filter: &TicketFilter) -> Result<Vec<Ticket>, StoreError> {
        let mut sql = format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE 1 = 1");
        let mut binds = Vec::new();
        if !filter.statuses.is_empty() {
            let marks: Vec<String> = filter
                .statuses
                .iter()
                .map(|s| {
                    binds.push(BindValue::Text(s.as_str().into()));
                    format!("${}", binds.len())
                })
                .collect();
            sql.push_str(&format!(" AND status IN ({})", marks.join(", ")));
        }
        if let Some(a) = &filter.assignee {
            binds.push(BindValue::Text(a.clone()));
            sql.push_str(&format!(" AND assignee = ${}", binds.len()));
        }
        sql.push_str(" ORDER BY id DESC");
        if let Some(limit) = filter.limit {
            binds.push(BindValue::Int(limit));
            sql.push_str(&format!(" LIMIT ${}", binds.len()));
        }
        self.fetch_tickets(&sql, binds).await
    }

    async fn transcript(&self, id: TicketId) -> Result<Vec<TranscriptEntry>, StoreError> {
        let rows = sqlx::query("SELECT role, author, body, internal, attachments, at FROM transcript WHERE ticket_id = $1 ORDER BY id")
            .bind(id.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(rows::transcript_entry).collect()
    }

    async fn events(&self, id: TicketId) -> Result<Vec<TicketEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT data, actor, at FROM ticket_events WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(rows::event).collect()
    }

    async fn active_tickets_with_events(
        &self,
        assignee: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(Ticket, Vec<TicketEvent>)>, StoreError> {
        self.active_with_events(assignee, limit).await
    }

    async fn bind_staff_space(
        &self,
        ticket: TicketId,
        space: &ConversationRef,
    ) -> Result<(), StoreError> {
        self.bind_space(ticket, space).await
    }

    async fn staff_space(
        &self,
        ticket: TicketId,
        platform: Platform,
    ) -> Result<Option<ConversationRef>, StoreError> {
        self.space_of(ticket, platform).await
    }

    async fn ticket_for_staff_space(
        &self,
        space: &ConversationRef,
    ) -> Result<Option<TicketId>, StoreError> {
        self.ticket_of_space(space).await
    }

    async fn register_license(
        &self,
        user: &UserRef,
        key: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.put_license(user, key, at).await
    }

    async fn license_of(&self, user: &UserRef) -> Result<Option<String>, StoreError> {
        self.get_license(user).await
    }

    async fn record_csat(&self, csat: &Csat) -> Result<(), StoreError> {
        self.put_csat(csat).await
    }

    async fn record_first_csat(&self, csat: &Csat) -> Result<bool, StoreError> {
        self.put_first_csat(csat).await
    }

    async fn csat(&self, ticket: TicketId) -> Result<Option<Csat>, StoreError> {
        self.get_csat(ticket).await
    }

    async fn record_quarterly_rating(
        &self,
        user: &UserRef,
        quarter: u32,
        score: u8,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.put_quarterly_rating(user, quarter, score, at).await
    }

    async fn record_quarterly_comment(
        &self,
        user: &UserRef,
        quarter: u32,
        comment: &str,
    ) -> Result<(), StoreError> {
        self.put_quarterly_comment(user, quarter, comment).await
    }

    async fn quarterly_rating(
        &self,
        user: &UserRef,
        quarter: u32,
    ) -> Result<Option<u8>, StoreError> {
        Ok(self.get_quarterly(user, quarter).await?.map(|(s, _)| s))
    }

    async fn record_faq_event(&self, event: &FaqEvent) -> Result<i64, StoreError> {
        self.put_faq_event(event).await
    }

    async fn faq_event(&self, id: i64) -> Result<Option<FaqEvent>, StoreError> {
        self.get_faq_event(id).await
    }

    async fn record_unanswered(
        &self,
        event: &FaqEvent,
        learned: &OutcomeRecord,
    ) -> Result<i64, StoreError> {
        self.put_unanswered(event, learned).await
    }

    async fn record_learning(
        &self,
        learned: &OutcomeRecord,
        proposal: Option<&NewProposal>,
    ) -> Result<bool, StoreError> {
        self.put_learning(learned, proposal).await
    }

    async fn resolve_faq_event_learning(
        &self,
        id: i64,
        outcome: FaqOutcome,
        ticket: Option<TicketId>,
        learned: &OutcomeRecord,
        proposal: Option<&NewProposal>,
        handled: Option<Handling<'_>>,
    ) -> Result<Option<Vec<i64>>, StoreError> {
        self.settle_faq_event_learning(id, outcome, ticket, learned, proposal, handled)
            .await
    }

    async fn resolve_faq_event(
        &self,
        id: i64,
        outcome: FaqOutcome,
        ticket: Option<TicketId>,
    ) -> Result<bool, StoreError> {
        self.settle_faq_event(id, outcome, ticket).await
    }

    async fn get_state(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.kv_get(key).await
    }

    async fn set_state(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        self.kv_set(key, value).await
    }

    async fn user_lang(&self, user: &UserRef) -> Result<Option<StoredLang>, StoreError> {
        self.lang_of(user).await
    }

    async fn set_user_lang(
        &self,
        user: &UserRef,
        lang: StoredLang,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.put_lang(user, lang, at).await
    }
}

//! What the FAQ learns (migration 0015): `faq_outcomes`, one row per question worth learning
//! from, and `kb_proposals`, the phrasings proposed for articles and the decisions on them.
//! The desk's writes go through the `TicketStore` port; listing and deciding are used by
//! `crate::learning`, which the chat commands and the dashboard share.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::outbox::{Stmt, inserted_ids};
use super::rows::{from_ms, ms, text};
use super::{SqlStore, db_err};
use crate::domain::directory::StaffRole;
use crate::domain::ids::TicketId;
use crate::domain::learning::{
    Decider, LearnOutcome, NewProposal, OutcomeRecord, Proposal, ProposalSource, ProposalStatus,
};
use crate::domain::ports::{FaqEvent, FaqOutcome, Handling, StoreError};

const PROPOSAL_COLUMNS: &str = "id, article_id, lang, phrasing, source, ticket_id, status, created_at, decided_by, decided_role, decided_at";

/// One stored outcome, as listed for grouping.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOutcome {
    /// Row id.
    pub id: i64,
    /// The record.
    pub record: OutcomeRecord,
}

fn role_str(role: StaffRole) -> &'static str {
    match role {
        StaffRole::Agent => "agent",
        StaffRole::Lead => "lead",
        StaffRole::Admin => "admin",
    }
}

fn parse_role(s: &str) -> Option<StaffRole> {
    [StaffRole::Agent, StaffRole::Lead, StaffRole::Admin]
        .into_iter()
        .find(|r| role_str(*r) == s)
}

fn bad(col: &str, v: &str) -> StoreError {
    StoreError::Backend(format!("unknown value {v:?} in column {col}"))
}

fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(name)
        .map_err(|e| StoreError::Backend(format!("column {name}: {e}")))
}

fn proposal(row: &AnyRow) -> Result<Proposal, StoreError> {
    let source: String = col(row, "source")?;
    let status: String = col(row, "status")?;
    let role: Option<String> = col(row, "decided_role")?;
    let decided_at: Option<i64> = col(row, "decided_at")?;
    Ok(Proposal {
        id: col(row, "id")?,
        article_id: col(row, "article_id")?,
        lang: col(row, "lang")?,
        phrasing: col(row, "phrasing")?,
        source: ProposalSource::parse(&source).ok_or_else(|| bad("source", &source))?,
        ticket: col::<Option<i64>>(row, "ticket_id")?.map(TicketId),
        status: ProposalStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
        created_at: from_ms(col(row, "created_at")?)?,
        decided_by: col(row, "decided_by")?,
        decided_role: match role {
            Some(r) => Some(parse_role(&r).ok_or_else(|| bad("decided_role", &r))?),
            None => None,
        },
        decided_at: decided_at.map(from_ms).transpose()?,
    })
}

fn outcome(row: &AnyRow) -> Result<StoredOutcome, StoreError> {
    let name: String = col(row, "outcome")?;
    Ok(StoredOutcome {
        id: col(row, "id")?,
        record: OutcomeRecord {
            at: from_ms(col(row, "at")?)?,
            query: col(row, "query")?,
            lang: col(row, "lang")?,
            article_id: col(row, "article_id")?,
            outcome: LearnOutcome::parse(&name).ok_or_else(|| bad("outcome", &name))?,
            ticket: col::<Option<i64>>(row, "ticket_id")?.map(TicketId),
        },
    })
}

/// The insert of one outcome row.
fn outcome_insert<'q>(r: &OutcomeRecord) -> Stmt<'q> {
    sqlx::query("INSERT INTO faq_outcomes (at, query, lang, article_id, outcome, ticket_id) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(ms(r.at))
        .bind(text(&r.query))
        .bind(r.lang.clone())
        .bind(r.article_id.clone())
        .bind(r.outcome.as_str())
        .bind(r.ticket.map(|t| t.0))
}

/// The insert of a proposal; a second one for the same article and norm inserts nothing.
fn proposal_insert<'q>(p: &NewProposal) -> Stmt<'q> {
    sqlx::query("INSERT INTO kb_proposals (article_id, lang, phrasing, norm, source, ticket_id, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'proposed', $7) ON CONFLICT (article_id, norm) DO NOTHING RETURNING id")
        .bind(p.article_id.clone())
        .bind(p.lang.clone())
        .bind(text(&p.phrasing))
        .bind(text(&p.norm))
        .bind(p.source.as_str())
        .bind(p.ticket.map(|t| t.0))
        .bind(ms(p.at))
}

impl SqlStore {
    pub(super) async fn put_unanswered(
        &self,
        e: &FaqEvent,
        learned: &OutcomeRecord,
    ) -> Result<i64, StoreError> {
        let queries = vec![super::side::faq_event_insert(e), outcome_insert(learned)];
        let results = self
            .fetch_atomic(queries, &|_, _| None)
            .await
            .map_err(db_err)?;
        let ids = inserted_ids(&results[..1])?;
        ids.first()
            .copied()
            .ok_or_else(|| StoreError::Backend("faq event insert returned no id".into()))
    }

    pub(super) async fn put_learning(
        &self,
        learned: &OutcomeRecord,
        proposal: Option<&NewProposal>,
    ) -> Result<bool, StoreError> {
        let mut queries = vec![outcome_insert(learned)];
        queries.extend(proposal.map(proposal_insert));
        let results = self
            .fetch_atomic(queries, &|_, _| None)
            .await
            .map_err(db_err)?;
        Ok(results.get(1).is_some_and(|rows| !rows.is_empty()))
    }

    pub(super) async fn settle_faq_event_learning(
        &self,
        id: i64,
        outcome: FaqOutcome,
        ticket: Option<TicketId>,
        learned: &OutcomeRecord,
        proposal: Option<&NewProposal>,
        handled: Option<Handling<'_>>,
    ) -> Result<Option<Vec<i64>>, StoreError> {
        // The WHERE clause makes a repeated or concurrent press change nothing: no row back
        // rolls the whole transaction back, so the second press neither counts nor teaches.
        let settle = sqlx::query("UPDATE faq_events SET outcome = $1, ticket_id = $2 WHERE id = $3 AND outcome IN ('answered', 'suggested') RETURNING id")
            .bind(outcome.as_str())
            .bind(ticket.map(|t| t.0))
            .bind(id);
        let mut queries = vec![settle, outcome_insert(learned)];
        queries.extend(proposal.map(proposal_insert));
        let fixed = queries.len();
        if let Some(h) = handled {
            queries.push(super::inbound::mark_handled(h.key));
            queries.extend(self.outbox_inserts(h.actions, self.first_lease())?);
        }
        let settled = |i: usize, rows: &[AnyRow]| {
            (i == 0 && rows.is_empty()).then_some(sqlx::Error::RowNotFound)
        };
        match self.fetch_atomic(queries, &settled).await {
            Ok(results) if handled.is_some() => Ok(Some(inserted_ids(&results[fixed + 1..])?)),
            Ok(_) => Ok(Some(Vec::new())),
            Err(sqlx::Error::RowNotFound) => Ok(None),
            Err(e) => Err(db_err(e)),
        }
    }

    /// Questions no article answered and those whose article the customer declined, newest
    /// first, at most `limit`, from `since` on if given.
    pub async fn unanswered(
        &self,
        since: Option<DateTime<Utc>>,
        limit: i64,
    ) -> Result<Vec<StoredOutcome>, StoreError> {
        let rows = sqlx::query("SELECT id, at, query, lang, article_id, outcome, ticket_id FROM faq_outcomes WHERE outcome IN ('no_match', 'declined') AND at >= $1 ORDER BY at DESC, id DESC LIMIT $2")
            .bind(since.map_or(i64::MIN, ms))
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(outcome).collect()
    }

    /// Every recorded outcome of one kind, oldest first (reports and tests).
    pub async fn outcomes(&self, kind: LearnOutcome) -> Result<Vec<StoredOutcome>, StoreError> {
        let rows = sqlx::query("SELECT id, at, query, lang, article_id, outcome, ticket_id FROM faq_outcomes WHERE outcome = $1 ORDER BY id")
            .bind(kind.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(outcome).collect()
    }

    /// Proposals, oldest first; only those with `status` if given; at most `limit`.
    pub async fn proposals(
        &self,
        status: Option<ProposalStatus>,
        limit: i64,
    ) -> Result<Vec<Proposal>, StoreError> {
        let rows = match status {
            Some(s) => {
                let sql = format!("SELECT {PROPOSAL_COLUMNS} FROM kb_proposals WHERE status = $1 ORDER BY id LIMIT $2");
                sqlx::query(&sql)
                    .bind(s.as_str())
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                let sql = format!("SELECT {PROPOSAL_COLUMNS} FROM kb_proposals ORDER BY id LIMIT $1");
                sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await
            }
        }
        .map_err(db_err)?;
        rows.iter().map(proposal).collect()
    }

    /// One proposal.
    pub async fn proposal(&self, id: i64) -> Result<Option<Proposal>, StoreError> {
        let sql = format!("SELECT {PROPOSAL_COLUMNS} FROM kb_proposals WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(proposal).transpose()
    }

    /// Records the decision on a waiting proposal (with `phrasing` replacing its text if
    /// given); `false`, changing nothing, when it was decided before.
    pub async fn decide_proposal(
        &self,
        id: i64,
        status: ProposalStatus,
        phrasing: Option<&str>,
        by: &Decider,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE kb_proposals SET status = $1, phrasing = COALESCE($2, phrasing), decided_by = $3, decided_role = $4, decided_at = $5 WHERE id = $6 AND status = 'proposed'")
            .bind(status.as_str())
            .bind(phrasing.map(text))
            .bind(text(&by.name))
            .bind(role_str(by.role))
            .bind(ms(at))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    /// Puts an accepted proposal back to waiting, with its first phrasing, after its article
    /// could not be written: the decision must not stand for a change that did not happen.
    pub async fn undo_acceptance(&self, id: i64, phrasing: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE kb_proposals SET status = 'proposed', phrasing = $1, decided_by = NULL, decided_role = NULL, decided_at = NULL WHERE id = $2 AND status = 'accepted'")
            .bind(text(phrasing))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

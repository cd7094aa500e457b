//! Row decoding: SQL rows become domain types here and nowhere else.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::parse_col;
use crate::domain::ids::{AgentName, ConversationRef, TicketId, UserRef};
use crate::domain::ports::{Csat, Deferred, FaqEvent, FaqOutcome, StoreError};
use crate::domain::sla_sweep::NoticeRecord;
use crate::domain::ticket::{Priority, Ticket, TicketEvent, TranscriptEntry};

/// Columns of `tickets` in the order [`ticket`] reads them.
pub(crate) const TICKET_COLUMNS: &str = "id, requester_platform, requester_id, requester_name, conv_platform, conv_chat, conv_thread, subject, kind, priority, tier, status, assignee, tags, created_at, updated_at";

/// PostgreSQL text cannot hold NUL; it becomes the visible symbol for NUL (U+2400) on both
/// backends, so a message containing it is stored (and shown) rather than rejected.
pub(crate) fn text(s: &str) -> String {
    s.replace('\0', "\u{2400}")
}

pub(crate) fn ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub(crate) fn from_ms(v: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(v)
        .ok_or_else(|| StoreError::Backend(format!("bad timestamp {v}")))
}

fn get<'r, T>(row: &'r AnyRow, col: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(col)
        .map_err(|e| StoreError::Backend(format!("column {col}: {e}")))
}

fn json<T: serde::de::DeserializeOwned>(col: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Backend(format!("bad JSON in column {col}: {e}")))
}

/// Serializes a value stored as JSON text.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("cannot serialize: {e}")))
}

pub(crate) fn ticket(row: &AnyRow) -> Result<Ticket, StoreError> {
    let priority: i64 = get(row, "priority")?;
    let thread: Option<String> = get(row, "conv_thread")?;
    let assignee: Option<String> = get(row, "assignee")?;
    Ok(Ticket {
        id: TicketId(get(row, "id")?),
        requester: UserRef {
            platform: parse_col(
                "requester_platform",
                &get::<String>(row, "requester_platform")?,
            )?,
            id: get(row, "requester_id")?,
            name: get(row, "requester_name")?,
        },
        conversation: ConversationRef {
            platform: parse_col("conv_platform", &get::<String>(row, "conv_platform")?)?,
            chat: get(row, "conv_chat")?,
            thread,
        },
        subject: get(row, "subject")?,
        kind: parse_col("kind", &get::<String>(row, "kind")?)?,
        priority: Priority::from_rank(priority)
            .ok_or_else(|| StoreError::Backend(format!("bad priority {priority}")))?,
        tier: parse_col("tier", &get::<String>(row, "tier")?)?,
        status: parse_col("status", &get::<String>(row, "status")?)?,
        assignee: assignee.map(AgentName),
        tags: json("tags", &get::<String>(row, "tags")?)?,
        created_at: from_ms(get(row, "created_at")?)?,
        updated_at: from_ms(get(row, "updated_at")?)?,
    })
}

pub(crate) fn transcript_entry(row: &AnyRow) -> Result<TranscriptEntry, StoreError> {
    Ok(TranscriptEntry {
        role: parse_col("role", &get::<String>(row, "role")?)?,
        author: get(row, "author")?,
        body: get(row, "body")?,
        internal: get::<i64>(row, "internal")? != 0,
        attachments: json("attachments", &get::<String>(row, "attachments")?)?,
        at: from_ms(get(row, "at")?)?,
    })
}

pub(crate) fn event(row: &AnyRow) -> Result<TicketEvent, StoreError> {
    Ok(TicketEvent {
        kind: json("data", &get::<String>(row, "data")?)?,
        actor: json("actor", &get::<String>(row, "actor")?)?,
        at: from_ms(get(row, "at")?)?,
    })
}

pub(crate) fn csat(row: &AnyRow) -> Result<Csat, StoreError> {
    let score: i64 = get(row, "score")?;
    Ok(Csat {
        ticket: TicketId(get(row, "ticket_id")?),
        score: u8::try_from(score)
            .map_err(|_| StoreError::Backend(format!("bad score {score}")))?,
        comment: get(row, "comment")?,
        at: from_ms(get(row, "at")?)?,
    })
}

pub(crate) fn faq_event(row: &AnyRow) -> Result<FaqEvent, StoreError> {
    let outcome: String = get(row, "outcome")?;
    let confidence: f64 = get(row, "confidence")?;
    let ticket: Option<i64> = get(row, "ticket_id")?;
    Ok(FaqEvent {
        id: get(row, "id")?,
        at: from_ms(get(row, "at")?)?,
        user: UserRef {
            platform: parse_col("user_platform", &get::<String>(row, "user_platform")?)?,
            id: get(row, "user_id")?,
            name: get(row, "user_name")?,
        },
        conversation: ConversationRef {
            platform: parse_col("conv_platform", &get::<String>(row, "conv_platform")?)?,
            chat: get(row, "conv_chat")?,
            thread: get(row, "conv_thread")?,
        },
        query: get(row, "query")?,
        article_id: get(row, "article_id")?,
        article_title: get(row, "article_title")?,
        confidence: confidence as f32,
        outcome: FaqOutcome::parse(&outcome)
            .ok_or_else(|| StoreError::Backend(format!("bad FAQ outcome {outcome}")))?,
        ticket: ticket.map(TicketId),
    })
}

/// An SLA notice from `sla_notices` (ticket_id, notice_key, due_at, body, platform, notify).
pub(crate) fn notice(row: &AnyRow) -> Result<NoticeRecord, StoreError> {
    Ok(NoticeRecord {
        ticket: TicketId(get(row, "ticket_id")?),
        key: get(row, "notice_key")?,
        due_at: from_ms(get(row, "due_at")?)?,
        platform: parse_col("platform", &get::<String>(row, "platform")?)?,
        text: get(row, "body")?,
        notify: json("notify", &get::<String>(row, "notify")?)?,
    })
}

/// A kept outbound action from `outbox` (id, action, attempts).
pub(crate) fn deferred(row: &AnyRow) -> Result<Deferred, StoreError> {
    Ok(Deferred {
        id: get(row, "id")?,
        action: json("action", &get::<String>(row, "action")?)?,
        attempts: get(row, "attempts")?,
    })
}

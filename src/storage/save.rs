//! Saving a ticket (its row plus new transcript entries and events) in one database round trip.
//!
//! Saves run for nearly every message, and on both backends the cost of a save is dominated by
//! round trips and hand-offs (to SQLite's worker thread, or over the network to PostgreSQL), not
//! by the writes themselves. So the whole save is one statement, atomic on its own: on SQLite an
//! insert into the `ticket_saves` view, whose trigger does the writes (migration 0006); on
//! PostgreSQL data-modifying CTEs.

use sqlx::Any;
use sqlx::query::Query;

use super::Backend;
use super::rows::{ms, text, to_json};
use super::save_outbox::{OUTBOX_COLUMNS, OutboxBatch, outbox_values};
use crate::domain::ids::MessageKey;
use crate::domain::ports::StoreError;
use crate::domain::ticket::{Ticket, TicketEvent, TranscriptEntry};

/// A value bound to a `$N` placeholder.
pub(super) enum BindValue {
    Int(i64),
    Text(String),
    OptText(Option<String>),
}

impl BindValue {
    /// Binds this value as the next argument of `q`.
    pub(super) fn bind_to<'q>(
        self,
        q: Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    ) -> Query<'q, Any, sqlx::any::AnyArguments<'q>> {
        match self {
            BindValue::Int(v) => q.bind(v),
            BindValue::Text(v) => q.bind(v),
            BindValue::OptText(v) => q.bind(v),
        }
    }
}

/// SQL text plus its arguments in `$N` order.
#[derive(Default)]
struct Sql {
    text: String,
    binds: Vec<BindValue>,
}

impl Sql {
    /// Adds `v` as the next argument and returns its placeholder.
    fn arg(&mut self, v: BindValue) -> String {
        self.binds.push(v);
        format!("${}", self.binds.len())
    }

    fn args(&mut self, vs: Vec<BindValue>) -> String {
        vs.into_iter()
            .map(|v| self.arg(v))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

const TRANSCRIPT_COLUMNS: &str = "ticket_id, role, author, body, internal, attachments, at";
const EVENT_COLUMNS: &str = "ticket_id, kind, data, actor, at";

/// The statement that saves `t` with `entries` and `events` appended, if given marks the
/// inbound event `handled` as handled, and adds `outbox`'s rows.
///
/// Nothing is written for a ticket that does not exist: on SQLite the statement fails (see
/// [`is_missing_ticket`]); on PostgreSQL it returns the number of tickets updated, 0. With
/// outbox rows (SQLite only) the statement is a script that returns their ids (see
/// `save_outbox`).
pub(super) fn save_ticket_sql(
    backend: Backend,
    t: &Ticket,
    entries: &[TranscriptEntry],
    events: &[TicketEvent],
    handled: Option<&MessageKey>,
    outbox: &OutboxBatch,
) -> Result<(String, Vec<BindValue>), StoreError> {
    match backend {
        Backend::Sqlite => {
            let (save, mut binds) = sqlite_save(t, entries, events, handled)?;
            if outbox.rows.is_empty() {
                return Ok((save, binds));
            }
            let values = outbox_values(outbox, &mut binds);
            let script = format!(
                "BEGIN IMMEDIATE;\n{save};\nINSERT INTO outbox ({OUTBOX_COLUMNS}) VALUES {} RETURNING id;\nCOMMIT;",
                values.join(", ")
            );
            Ok((script, binds))
        }
        // PostgreSQL's outbox rows go in inserts of their own (see `save_ticket_handling`).
        Backend::Postgres => {
            debug_assert!(
                outbox.rows.is_empty(),
                "PostgreSQL saves take no outbox rows"
            );
            postgres_save(t, entries, events, handled)
        }
    }
}

/// The PostgreSQL save: one statement of data-modifying CTEs. Every insert takes the ticket id
/// from the updated row.
fn postgres_save(
    t: &Ticket,
    entries: &[TranscriptEntry],
    events: &[TicketEvent],
    handled: Option<&MessageKey>,
) -> Result<(String, Vec<BindValue>), StoreError> {
    let mut sql = Sql::default();
    let sets = [
        ("requester_name", BindValue::Text(text(&t.requester.name))),
        ("subject", BindValue::Text(text(&t.subject))),
        ("kind", BindValue::Text(t.kind.as_str().into())),
        ("priority", BindValue::Int(t.priority.rank())),
        ("tier", BindValue::Text(t.tier.as_str().into())),
        ("status", BindValue::Text(t.status.as_str().into())),
        ("active", BindValue::Int(i64::from(t.status.is_active()))),
        (
            "assignee",
            BindValue::OptText(t.assignee.as_ref().map(|a| a.0.clone())),
        ),
        ("tags", BindValue::Text(to_json(&t.tags)?)),
        ("updated_at", BindValue::Int(ms(t.updated_at))),
    ];
    let sets: Vec<String> = sets
        .into_iter()
        .map(|(col, v)| format!("{col} = {}", sql.arg(v)))
        .collect();
    let id = sql.arg(BindValue::Int(t.id.0));
    let update = format!(
        "UPDATE tickets SET {}, sla_dirty = 1 WHERE id = {id}",
        sets.join(", ")
    );
    let mut rows: [Vec<String>; 2] = Default::default();
    for e in entries {
        rows[0].push(sql.args(vec![
            BindValue::Text(e.role.as_str().into()),
            BindValue::Text(text(&e.author)),
            BindValue::Text(text(&e.body)),
            BindValue::Int(i64::from(e.internal)),
            BindValue::Text(to_json(&e.attachments)?),
            BindValue::Int(ms(e.at)),
        ]));
    }
    for e in events {
        rows[1].push(sql.args(vec![
            BindValue::Text(e.kind.name().into()),
            BindValue::Text(to_json(&e.kind)?),
            BindValue::Text(to_json(&e.actor)?),
            BindValue::Int(ms(e.at)),
        ]));
    }
    let tables = [
        ("transcript", TRANSCRIPT_COLUMNS, &rows[0]),
        ("ticket_events", EVENT_COLUMNS, &rows[1]),
    ];
    // Marks the inbound event handled, only if the ticket exists (so a missing ticket changes
    // nothing at all).
    let finish = handled.map(|key| {
        let at = sql.arg(BindValue::Int(ms(chrono::Utc::now())));
        let platform = sql.arg(BindValue::Text(key.platform.as_str().into()));
        let message = sql.arg(BindValue::Text(key.id.clone()));
        format!(
            "UPDATE inbound SET handled_at = {at} WHERE platform = {platform} AND message_id = {message} AND EXISTS (SELECT 1 FROM u)"
        )
    });
    // The CTEs of one statement run in no defined order, so each table gets a single
    // INSERT whose rows are produced, and numbered, in the given order.
    let mut ctes = vec![format!("u AS ({update} RETURNING id)")];
    for (table, cols, values) in tables.into_iter().filter(|t| !t.2.is_empty()) {
        let n = cols.split(", ").count() - 1;
        let names: Vec<String> = (1..=n).map(|i| format!("v.c{i}")).collect();
        let aliases: Vec<String> = (1..=n).map(|i| format!("c{i}")).collect();
        let values: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("({v}, {i})"))
            .collect();
        ctes.push(format!(
            "w_{table} AS (INSERT INTO {table} ({cols}) SELECT u.id, {} FROM u CROSS JOIN (VALUES {}) AS v({}, ord) ORDER BY v.ord)",
            names.join(", "),
            values.join(", "),
            aliases.join(", ")
        ));
    }
    if let Some(f) = finish {
        ctes.push(format!("f AS ({f})"));
    }
    sql.text = format!("WITH {} SELECT COUNT(*) FROM u", ctes.join(",\n"));
    Ok((sql.text, sql.binds))
}

/// The SQLite save: one insert into the `ticket_saves` view, with the new transcript entries
/// and events as JSON arrays that its trigger unpacks in order.
fn sqlite_save(
    t: &Ticket,
    entries: &[TranscriptEntry],
    events: &[TicketEvent],
    handled: Option<&MessageKey>,
) -> Result<(String, Vec<BindValue>), StoreError> {
    let entries: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            Ok(serde_json::json!({
                "role": e.role.as_str(),
                "author": text(&e.author),
                "body": text(&e.body),
                "internal": i64::from(e.internal),
                "attachments": to_json(&e.attachments)?,
                "at": ms(e.at),
            }))
        })
        .collect::<Result<_, StoreError>>()?;
    let events: Vec<serde_json::Value> = events
        .iter()
        .map(|e| {
            Ok(serde_json::json!({
                "kind": e.kind.name(),
                "data": to_json(&e.kind)?,
                "actor": to_json(&e.actor)?,
                "at": ms(e.at),
            }))
        })
        .collect::<Result<_, StoreError>>()?;
    let binds = vec![
        BindValue::Int(t.id.0),
        BindValue::Text(text(&t.requester.name)),
        BindValue::Text(text(&t.subject)),
        BindValue::Text(t.kind.as_str().into()),
        BindValue::Int(t.priority.rank()),
        BindValue::Text(t.tier.as_str().into()),
        BindValue::Text(t.status.as_str().into()),
        BindValue::Int(i64::from(t.status.is_active())),
        BindValue::OptText(t.assignee.as_ref().map(|a| a.0.clone())),
        BindValue::Text(to_json(&t.tags)?),
        BindValue::Int(ms(t.updated_at)),
        BindValue::Text(to_json(&entries)?),
        BindValue::Text(to_json(&events)?),
        BindValue::OptText(handled.map(|k| k.platform.as_str().to_string())),
        BindValue::OptText(handled.map(|k| k.id.clone())),
        BindValue::Int(ms(chrono::Utc::now())),
    ];
    let sql = "INSERT INTO ticket_saves (id, requester_name, subject, kind, priority, tier, status, active, assignee, tags, updated_at, entries, events, handled_platform, handled_message, handled_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";
    Ok((sql.to_string(), binds))
}

/// Whether `e` is the `ticket_saves` trigger refusing a ticket that does not exist.
pub(super) fn is_missing_ticket(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.message().contains("no such ticket"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{ConversationRef, Platform, TicketId, UserRef};
    use crate::domain::lifecycle::NewTicket;
    use crate::domain::ticket::{Actor, AuthorRole, EventKind, Priority, TicketKind, Tier};
    use chrono::Utc;

    fn fixture() -> (Ticket, Vec<TranscriptEntry>, Vec<TicketEvent>) {
        let at = Utc::now();
        let who = UserRef::new(Platform::Telegram, "1", "Ann");
        let t = NewTicket {
            requester: who.clone(),
            conversation: ConversationRef::chat(Platform::Telegram, "1"),
            subject: "s".into(),
            kind: TicketKind::Question,
            priority: Priority::P3,
            tier: Tier::Basic,
            tags: Vec::new(),
            at,
        }
        .into_ticket(TicketId(7));
        let entry = TranscriptEntry {
            role: AuthorRole::Customer,
            author: "Ann".into(),
            body: "hi".into(),
            internal: false,
            attachments: Vec::new(),
            at,
        };
        let event = TicketEvent {
            kind: EventKind::CustomerReplied,
            actor: Actor::Customer("Ann".into()),
            at,
        };
        (t, vec![entry.clone(), entry], vec![event])
    }

    /// The highest `$N` in `text`, looking one past the `binds` arguments it should use.
    fn highest_placeholder(text: &str, binds: usize) -> usize {
        (1..=binds + 1)
            .rev()
            .find(|n| text.contains(&format!("${n}")))
            .unwrap()
    }

    #[test]
    fn every_placeholder_has_exactly_one_argument() {
        let (t, entries, events) = fixture();
        let key = MessageKey::new(Platform::Telegram, "m1");
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let (text, binds) = save_ticket_sql(
                backend,
                &t,
                &entries,
                &events,
                Some(&key),
                &OutboxBatch::empty(),
            )
            .unwrap();
            let expected = match backend {
                // The view's 16 columns; entries and events travel as two JSON arrays.
                Backend::Sqlite => 16,
                // 10 columns + id, 6 per transcript entry, 4 per event, 3 for the mark.
                Backend::Postgres => 11 + 2 * 6 + 4 + 3,
            };
            assert_eq!(binds.len(), expected);
            assert_eq!(
                highest_placeholder(&text, binds.len()),
                binds.len(),
                "{text}"
            );
        }
    }

    #[test]
    fn sqlite_outbox_rows_add_their_placeholders_once_each() {
        let (t, entries, events) = fixture();
        let key = MessageKey::new(Platform::Telegram, "m1");
        let outbox = OutboxBatch {
            rows: vec![
                ("telegram".into(), "{}".into(), "a".into()),
                ("telegram".into(), "{}".into(), "b".into()),
            ],
            lease_until: 1,
            now: 2,
            owner: "me".into(),
        };
        let backend = Backend::Sqlite;
        {
            let (plain, plain_binds) = save_ticket_sql(
                backend,
                &t,
                &entries,
                &events,
                Some(&key),
                &OutboxBatch::empty(),
            )
            .unwrap();
            let (text, binds) =
                save_ticket_sql(backend, &t, &entries, &events, Some(&key), &outbox).unwrap();
            // Lease, time and owner once, then platform, action and lane per row.
            assert_eq!(binds.len(), plain_binds.len() + 3 + 2 * 3);
            assert_eq!(
                highest_placeholder(&text, binds.len()),
                binds.len(),
                "{text}"
            );
            assert!(text.contains("INSERT INTO outbox") && !plain.contains("outbox"));
            assert!(text.starts_with("BEGIN IMMEDIATE;") && text.ends_with("COMMIT;"));
        }
    }

    #[test]
    fn sqlite_passes_entries_and_events_as_ordered_json_arrays() {
        let (t, mut entries, events) = fixture();
        entries[1].body = "second".into();
        let (_, binds) = save_ticket_sql(
            Backend::Sqlite,
            &t,
            &entries,
            &events,
            None,
            &OutboxBatch::empty(),
        )
        .unwrap();
        let json = |i: usize| match &binds[i] {
            BindValue::Text(s) => serde_json::from_str::<serde_json::Value>(s).unwrap(),
            _ => panic!("argument {i} is not text"),
        };
        let (entries, events) = (json(11), json(12));
        assert_eq!(entries[0]["body"], "hi");
        assert_eq!(entries[1]["body"], "second");
        assert_eq!(entries[1]["internal"], 0);
        assert_eq!(events.as_array().unwrap().len(), 1);
        assert_eq!(events[0]["kind"], "customer_replied");
        // No inbound event to mark.
        assert!(matches!(binds[14], BindValue::OptText(None)));
    }
}

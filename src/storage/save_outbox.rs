//! A ticket save together with the outbox rows of what it decided, in one call on SQLite.
//!
//! Nearly every message ends in such a save. As separate statements in a transaction it costs
//! four calls or more (begin, save, an insert per action, commit), each a hand-off to SQLite's
//! worker thread. So on SQLite the save and the insert travel as one script
//! (`BEGIN IMMEDIATE; save; insert … RETURNING id; COMMIT`) that the write connection runs
//! in one hand-off, rolled back explicitly when any part of it fails.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Executor, Row};

use super::rows::to_json;
use super::save::BindValue;
use super::{SqlStore, db_err};
use crate::domain::event::Outbound;
use crate::domain::ports::StoreError;

/// The outbox columns every new row sets.
pub(super) const OUTBOX_COLUMNS: &str =
    "platform, action, attempts, last_error, retry_at, created_at, lane, owner";

/// The outbox rows a save adds: the durable actions, owned by this instance and leased to it.
pub(super) struct OutboxBatch {
    /// (platform, action as JSON, lane) per row, in the order the desk decided them.
    pub rows: Vec<(String, String, String)>,
    /// The end of the first lease, epoch ms.
    pub lease_until: i64,
    /// Creation time, epoch ms.
    pub now: i64,
    /// The instance that owns the rows.
    pub owner: String,
}

impl OutboxBatch {
    /// No rows to add.
    pub(super) fn empty() -> OutboxBatch {
        OutboxBatch {
            rows: Vec::new(),
            lease_until: 0,
            now: 0,
            owner: String::new(),
        }
    }
}

impl SqlStore {
    /// The outbox rows for the durable ones of `actions`.
    pub(super) fn outbox_batch(&self, actions: &[Outbound]) -> Result<OutboxBatch, StoreError> {
        let rows = actions
            .iter()
            .filter(|a| a.durable())
            .map(|a| {
                let platform = a.platform().map(|p| p.as_str()).unwrap_or("unknown");
                Ok((
                    platform.to_string(),
                    to_json(a)?,
                    a.lane().unwrap_or_default(),
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(OutboxBatch {
            rows,
            lease_until: super::rows::ms(self.first_lease()),
            now: chrono::Utc::now().timestamp_millis(),
            owner: self.instance.clone(),
        })
    }
}

/// Appends `batch`'s values to `binds` and returns one `VALUES` tuple per row, in the order of
/// [`OUTBOX_COLUMNS`].
pub(super) fn outbox_values(batch: &OutboxBatch, binds: &mut Vec<BindValue>) -> Vec<String> {
    let mut arg = |v: BindValue| {
        binds.push(v);
        format!("${}", binds.len())
    };
    let (lease, now, owner) = (
        arg(BindValue::Int(batch.lease_until)),
        arg(BindValue::Int(batch.now)),
        arg(BindValue::Text(batch.owner.clone())),
    );
    batch
        .rows
        .iter()
        .map(|(platform, action, lane)| {
            let (p, a, l) = (
                arg(BindValue::Text(platform.clone())),
                arg(BindValue::Text(action.clone())),
                arg(BindValue::Text(lane.clone())),
            );
            format!("({p}, {a}, 0, '', {lease}, {now}, {l}, {owner})")
        })
        .collect()
}

/// Runs a `BEGIN …; COMMIT` script on `conn` and returns its rows. A failed script leaves its
/// transaction open (SQLite stops at the failing statement), so it is rolled back here before
/// the connection is used again.
pub(super) async fn run_script<'q>(
    conn: &mut AnyConnection,
    q: Query<'q, Any, AnyArguments<'q>>,
) -> Result<Vec<AnyRow>, sqlx::Error> {
    match q.fetch_all(&mut *conn).await {
        Ok(rows) => Ok(rows),
        Err(e) => {
            // "No transaction is active" when the script failed before it began one.
            let _ = conn.execute("ROLLBACK").await;
            Err(e)
        }
    }
}

/// The ids a script's `RETURNING id` gave, in insertion order. Rows are numbered as they are
/// inserted, so ascending ids are the order the actions were decided in.
pub(super) fn returned_ids(rows: &[AnyRow]) -> Result<Vec<i64>, StoreError> {
    let mut ids = rows
        .iter()
        .map(|r| r.try_get::<i64, _>(0).map_err(db_err))
        .collect::<Result<Vec<_>, _>>()?;
    ids.sort_unstable();
    Ok(ids)
}

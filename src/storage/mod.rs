//! Storage: the `TicketStore` port on SQLite and PostgreSQL through sqlx's Any driver.
//! One SQL text serves both backends; times are UTC epoch milliseconds and booleans 0/1,
//! because the Any driver has no chrono or SQLite boolean support.

mod dashboard;
mod digests;
mod gauges;
mod inbound;
mod langs;
mod leaders;
mod learning;
mod migrations;
mod outbox;
mod queue;
mod report_facts;
mod report_lists;
mod report_queries;
mod report_rollups;
mod report_sql;
mod report_times;
mod rows;
mod save;
mod save_outbox;
mod side;
mod sla;
mod status;
mod surveys;
mod tickets;
mod writer;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

use crate::domain::ports::StoreError;

pub use dashboard::SessionRow;
pub use gauges::{DeskGauges, FIRST_RESPONSE_BUCKETS};
pub use learning::StoredOutcome;
pub use migrations::{MIGRATION_FILES, migrator};
pub use status::{DbState, db_state};

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file (single instance).
    Sqlite,
    /// PostgreSQL (several instances may share it).
    Postgres,
}

impl Backend {
    /// The backend a database URL selects; an unknown scheme is an error naming it.
    pub fn from_url(url: &str) -> Result<Backend> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => bail!(
                "unknown database URL scheme `{scheme}`: use sqlite://PATH?mode=rwc or postgres://USER@HOST/DB"
            ),
        }
    }

    /// Folder name of this backend's migrations.
    pub fn dir(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The ticket store over an sqlx Any pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    /// Names this store instance in `inbound.claimed_by`; unique per connect.
    instance: String,
    /// SQLite only: the connection for the writes every message makes.
    writer: Option<Arc<writer::SqliteWriter>>,
    /// How long a freshly decided outbox action stays held by this instance before another
    /// may claim it; the deliverer renews it while it works.
    outbox_lease: chrono::Duration,
}

/// How long this instance holds outbox actions it has not renewed (see [`SqlStore::with_outbox_lease`]).
pub const DEFAULT_OUTBOX_LEASE_SECS: i64 = 30;

/// Connects to `url`, creating a SQLite file's folder if needed, and applies migrations.
pub async fn connect(url: &str, max_connections: u32) -> Result<SqlStore> {
    let backend = Backend::from_url(url)?;
    sqlx::any::install_default_drivers();
    if backend == Backend::Sqlite {
        if url.contains(":memory:") || url.contains("mode=memory") {
            // sqlx's Any driver opens `sqlite::memory:` anew for every connection (each its own
            // empty database), and a shared-cache memory database locks tables in a way that
            // ignores `busy_timeout`; the bot's several connections need one real file.
            bail!(
                "in-memory SQLite databases are not supported: the bot's connections must share one database file; use a file such as sqlite://data/supportbot.db?mode=rwc"
            );
        }
        if sqlite_path(url).is_empty() {
            // SQLite would give every connection its own temporary database.
            bail!(
                "the SQLite URL `{url}` names no file; use e.g. sqlite://data/supportbot.db?mode=rwc"
            );
        }
        ensure_sqlite_dir(url)?;
    }
    let mut options = AnyPoolOptions::new().max_connections(max_connections.max(1));
    if backend == Backend::Sqlite {
        // A connection to a local file does not go stale, so the liveness ping sqlx sends on
        // every checkout would only add a round trip to the connection's worker thread.
        options = options.test_before_acquire(false);
        options = options.after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(writer::SQLITE_PRAGMAS).await?;
                Ok(())
            })
        });
    }
    let pool = options
        .connect(url)
        .await
        .with_context(|| format!("cannot connect to {}", crate::app::redact_url(url)))?;
    migrator(backend)
        .run(&pool)
        .await
        .context("cannot apply database migrations")?;
    let instance = format!(
        "{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    let writer = match backend {
        Backend::Sqlite => Some(Arc::new(
            writer::SqliteWriter::new(pool.connect_options())
                .await
                .context("cannot open the SQLite write connection")?,
        )),
        Backend::Postgres => None,
    };
    Ok(SqlStore {
        pool,
        backend,
        instance,
        writer,
        outbox_lease: chrono::Duration::seconds(DEFAULT_OUTBOX_LEASE_SECS),
    })
}

/// The file part of a SQLite URL (without scheme and query).
fn sqlite_path(url: &str) -> &str {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    rest.split('?').next().unwrap_or_default()
}

fn ensure_sqlite_dir(url: &str) -> Result<()> {
    let path = sqlite_path(url);
    if path.is_empty() || path.starts_with("file:") {
        return Ok(());
    }
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the database folder {}", parent.display()))?;
    }
    Ok(())
}

impl SqlStore {
    /// Sets how long outbox actions stay held by this instance without renewal: after a crash,
    /// another instance (or the restarted one) delivers them once this has passed.
    pub fn with_outbox_lease(mut self, lease: chrono::Duration) -> SqlStore {
        self.outbox_lease = lease;
        self
    }

    /// How long outbox actions stay held without renewal.
    pub fn outbox_lease(&self) -> chrono::Duration {
        self.outbox_lease
    }

    /// The connection pool, for components that run their own queries (SLA sweeper, benches).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The database behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        if let Some(w) = &self.writer {
            w.close().await;
        }
        self.pool.close().await;
    }

    /// Runs a write every message makes: on SQLite through the dedicated write connection.
    pub(crate) async fn execute_hot<'q>(
        &self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
        match &self.writer {
            Some(w) => w.execute(q).await,
            None => q.execute(&self.pool).await,
        }
    }

    /// Runs a `BEGIN …; COMMIT` script (see `save_outbox`) on the write connection, or on one
    /// pooled connection, and returns its rows.
    pub(crate) async fn fetch_script<'q>(
        &self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
        match &self.writer {
            Some(w) => w.fetch_script(q).await,
            None => {
                let mut conn = self.pool.acquire().await?;
                save_outbox::run_script(&mut conn, q).await
            }
        }
    }

    /// [`SqlStore::execute_hot`] for a write that returns rows.
    pub(crate) async fn fetch_hot<'q>(
        &self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
        match &self.writer {
            Some(w) => w.fetch_all(q).await,
            None => q.fetch_all(&self.pool).await,
        }
    }
}

impl SqlStore {
    /// Runs `queries` in one transaction (on SQLite on the write connection) and returns each
    /// one's rows; `abort` may refuse a query's rows, rolling everything back with its error.
    pub(crate) async fn fetch_atomic<'q>(
        &self,
        queries: Vec<sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>>,
        abort: &(dyn Fn(usize, &[sqlx::any::AnyRow]) -> Option<sqlx::Error> + Send + Sync),
    ) -> Result<Vec<Vec<sqlx::any::AnyRow>>, sqlx::Error> {
        match &self.writer {
            Some(w) => w.fetch_atomic(queries, abort).await,
            None => {
                let mut conn = self.pool.acquire().await?;
                writer::run_atomic(&mut conn, queries, abort).await
            }
        }
    }
}

/// Maps a database error to the port's error type.
pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict(d.message().to_string())
        }
        sqlx::Error::RowNotFound => StoreError::NotFound("row".into()),
        // The server or the connection is gone for now: the caller keeps its work for later.
        sqlx::Error::PoolTimedOut
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
        sqlx::Error::Database(d)
            if d.code()
                .is_some_and(|c| c.starts_with("08") || c == "57P01" || c == "57P03") =>
        {
            StoreError::Unavailable(d.message().to_string())
        }
        _ => StoreError::Backend(e.to_string()),
    }
}

/// Parses a stored enum/text value, reporting corrupt rows as backend errors.
pub(crate) fn parse_col<T: FromStr<Err = String>>(col: &str, value: &str) -> Result<T, StoreError> {
    value
        .parse()
        .map_err(|e: String| StoreError::Backend(format!("bad value in column {col}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_pick_backends() {
        assert_eq!(
            Backend::from_url("sqlite://data/x.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        let e = Backend::from_url("mysql://u@h/db").unwrap_err().to_string();
        assert!(e.contains("`mysql`") && e.contains("sqlite://"), "{e}");
    }

    #[tokio::test]
    async fn in_memory_sqlite_is_refused_with_a_reason() {
        for url in [
            "sqlite::memory:",
            "sqlite://file:x?mode=memory&cache=shared",
        ] {
            let e = connect(url, 2).await.unwrap_err().to_string();
            assert!(
                e.contains("in-memory") && e.contains("sqlite://data/"),
                "{e}"
            );
        }
    }
}

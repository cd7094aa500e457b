//! Storage: the `TicketStore` port on SQLite and PostgreSQL through sqlx's Any driver.
//! One SQL text serves both backends; times are UTC epoch milliseconds and booleans 0/1,
//! because the Any driver has no chrono or SQLite boolean support.

mod inbound;
mod migrations;
mod outbox;
mod rows;
mod save;
mod side;
mod sla;
mod tickets;

use std::path::Path;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

use crate::domain::ports::StoreError;

pub use migrations::{MIGRATION_FILES, migrator};

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
}

/// Connects to `url`, creating a SQLite file's folder if needed, and applies migrations.
pub async fn connect(url: &str, max_connections: u32) -> Result<SqlStore> {
    let backend = Backend::from_url(url)?;
    sqlx::any::install_default_drivers();
    if backend == Backend::Sqlite {
        ensure_sqlite_dir(url)?;
    }
    let mut options = AnyPoolOptions::new().max_connections(max_connections.max(1));
    if backend == Backend::Sqlite {
        // A connection to a local file does not go stale, so the liveness ping sqlx sends on
        // every checkout would only add a round trip to the connection's worker thread.
        options = options.test_before_acquire(false);
        options = options.after_connect(|conn, _meta| {
            Box::pin(async move {
                // WAL lets readers run beside the single writer; NORMAL sync is durable
                // across application crashes, which is what a chat bot needs.
                conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;")
                    .await?;
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
    Ok(SqlStore {
        pool,
        backend,
        instance,
    })
}

fn ensure_sqlite_dir(url: &str) -> Result<()> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || path.starts_with("file:") {
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
        self.pool.close().await;
    }
}

/// Maps a database error to the port's error type.
pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict(d.message().to_string())
        }
        sqlx::Error::RowNotFound => StoreError::NotFound("row".into()),
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
}

//! What state a database is in, without changing it: reachable or not, and which of the
//! bundled migrations it has (for `supportbot doctor`, which must not migrate as a side effect).

use std::path::Path;

use anyhow::{Context, Result};
use sqlx::Row;
use sqlx::any::AnyPoolOptions;

use super::{Backend, migrator, sqlite_path};

/// The migration state of a database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbState {
    /// A SQLite file that does not exist yet (the first `run` or `migrate` creates it).
    Absent,
    /// Reachable; `applied` of the `total` bundled migrations are applied.
    Migrations {
        /// Bundled migrations applied.
        applied: usize,
        /// Bundled migrations.
        total: usize,
        /// Applied versions this binary does not know (a newer supportbot migrated it).
        unknown: Vec<i64>,
        /// Applied versions whose file differs from the one this binary carries.
        changed: Vec<i64>,
    },
}

/// Connects to `url` (one connection, no migrations) and reads `_sqlx_migrations`.
pub async fn db_state(url: &str) -> Result<DbState> {
    let backend = Backend::from_url(url)?;
    sqlx::any::install_default_drivers();
    if backend == Backend::Sqlite {
        let path = sqlite_path(url);
        if !path.is_empty() && !path.starts_with("file:") && !Path::new(path).exists() {
            return Ok(DbState::Absent);
        }
    }
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await
        .with_context(|| format!("cannot connect to {}", crate::app::redact_url(url)))?;
    let exists_sql = match backend {
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '_sqlx_migrations' AND table_schema = current_schema()"
        }
    };
    let exists: i64 = sqlx::query(exists_sql)
        .fetch_one(&pool)
        .await
        .context("cannot query the database")?
        .try_get(0)?;
    let rows = if exists > 0 {
        sqlx::query("SELECT version, checksum FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&pool)
            .await
            .context("cannot read _sqlx_migrations")?
    } else {
        Vec::new()
    };
    pool.close().await;
    let bundled = migrator(backend);
    let (mut applied, mut unknown, mut changed) = (0, Vec::new(), Vec::new());
    for row in rows {
        let version: i64 = row.try_get(0)?;
        let checksum: Vec<u8> = row.try_get(1)?;
        match bundled.iter().find(|m| m.version == version) {
            Some(m) if *m.checksum == *checksum => applied += 1,
            Some(_) => changed.push(version),
            None => unknown.push(version),
        }
    }
    Ok(DbState::Migrations {
        applied,
        total: bundled.iter().count(),
        unknown,
        changed,
    })
}

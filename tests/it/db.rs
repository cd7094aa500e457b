//! Database fixtures: a temporary SQLite file always, and a fresh PostgreSQL database per run
//! when `SUPPORTBOT_TEST_POSTGRES_URL` (an admin connection URL) is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use supportbot::storage::{self, SqlStore};

/// A store on a new SQLite file; keep the TempDir alive as long as the store.
pub async fn sqlite_store() -> (Arc<SqlStore>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    (Arc::new(storage::connect(&url, 4).await.unwrap()), dir)
}

/// The SQLite URL of the database file inside `dir`.
pub fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display())
}

/// A freshly created PostgreSQL database; dropped (forcefully) when this value is dropped.
pub struct PgDb {
    admin_url: String,
    /// Name of the database.
    pub name: String,
    /// URL to connect to it.
    pub url: String,
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let admin = self.admin_url.clone();
        let name = self.name.clone();
        // Drop may run inside a runtime, so the cleanup gets its own thread and runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                sqlx::any::install_default_drivers();
                if let Ok(pool) = sqlx::AnyPool::connect(&admin).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&pool)
                        .await;
                    pool.close().await;
                }
            });
        })
        .join();
    }
}

/// The admin URL for PostgreSQL tests, or `None` (with a printed note) when not configured.
/// With `SUPPORTBOT_REQUIRE_POSTGRES=1` a missing URL fails the test instead of skipping it.
pub fn postgres_admin_url() -> Option<String> {
    let from_env = std::env::var("SUPPORTBOT_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty());
    let from_pg = || {
        let host = std::env::var("PGHOST").ok()?;
        let user = std::env::var("PGUSER").unwrap_or_else(|_| "postgres".into());
        let port = std::env::var("PGPORT").unwrap_or_else(|_| "5432".into());
        let auth = match std::env::var("PGPASSWORD") {
            Ok(p) => format!("{user}:{p}"),
            Err(_) => user,
        };
        Some(format!("postgres://{auth}@{host}:{port}/postgres"))
    };
    match from_env.or_else(from_pg) {
        Some(url) => Some(url),
        None if std::env::var("SUPPORTBOT_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!("SUPPORTBOT_REQUIRE_POSTGRES=1 but SUPPORTBOT_TEST_POSTGRES_URL is not set")
        }
        None => {
            eprintln!("skipped: set SUPPORTBOT_TEST_POSTGRES_URL to run the PostgreSQL variant");
            None
        }
    }
}

/// Creates a fresh database for this test run, or `None` when PostgreSQL is not configured.
pub async fn fresh_postgres() -> Option<PgDb> {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let admin_url = postgres_admin_url()?;
    sqlx::any::install_default_drivers();
    let name = format!(
        "supportbot_t_{}_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    );
    let pool = sqlx::AnyPool::connect(&admin_url)
        .await
        .expect("connect to SUPPORTBOT_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .expect("create test database");
    pool.close().await;
    let mut url = url::Url::parse(&admin_url).expect("valid SUPPORTBOT_TEST_POSTGRES_URL");
    url.set_path(&name);
    Some(PgDb {
        admin_url,
        name: name.clone(),
        url: url.to_string(),
    })
}

/// A store on a fresh PostgreSQL database, or `None` when not configured.
pub async fn postgres_store() -> Option<(Arc<SqlStore>, PgDb)> {
    let db = fresh_postgres().await?;
    let store = storage::connect(&db.url, 4)
        .await
        .expect("connect to fresh test database");
    Some((Arc::new(store), db))
}

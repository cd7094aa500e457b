//! Embedded migrations, one folder per backend with identical file names, so the binary
//! needs no files next to it and no compile-time macro.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::Backend;

/// Migration file names, in order; both `migrations/sqlite/` and `migrations/postgres/` hold each.
pub const MIGRATION_FILES: &[&str] = &[
    "0001_init.sql",
    "0002_sla.sql",
    "0003_inbound_handled.sql",
    "0004_sla_delivery.sql",
    "0005_outbox.sql",
    "0006_ticket_saves.sql",
    "0007_outbox_lanes.sql",
    "0008_outbox_owner.sql",
    "0009_user_langs.sql",
    "0010_report_facts.sql",
    "0011_digests.sql",
    "0012_quarterly_surveys.sql",
    "0013_leaders.sql",
    "0014_incident_start.sql",
    "0015_faq_learning.sql",
    "0016_dashboard.sql",
    "0017_report_rollups.sql",
];

const SQLITE: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_sla.sql"),
    include_str!("../../migrations/sqlite/0003_inbound_handled.sql"),
    include_str!("../../migrations/sqlite/0004_sla_delivery.sql"),
    include_str!("../../migrations/sqlite/0005_outbox.sql"),
    include_str!("../../migrations/sqlite/0006_ticket_saves.sql"),
    include_str!("../../migrations/sqlite/0007_outbox_lanes.sql"),
    include_str!("../../migrations/sqlite/0008_outbox_owner.sql"),
    include_str!("../../migrations/sqlite/0009_user_langs.sql"),
    include_str!("../../migrations/sqlite/0010_report_facts.sql"),
    include_str!("../../migrations/sqlite/0011_digests.sql"),
    include_str!("../../migrations/sqlite/0012_quarterly_surveys.sql"),
    include_str!("../../migrations/sqlite/0013_leaders.sql"),
    include_str!("../../migrations/sqlite/0014_incident_start.sql"),
    include_str!("../../migrations/sqlite/0015_faq_learning.sql"),
    include_str!("../../migrations/sqlite/0016_dashboard.sql"),
    include_str!("../../migrations/sqlite/0017_report_rollups.sql"),
];
const POSTGRES: &[&str] = &[
    include_str!("../../migrations/postgres/0001_init.sql"),
    include_str!("../../migrations/postgres/0002_sla.sql"),
    include_str!("../../migrations/postgres/0003_inbound_handled.sql"),
    include_str!("../../migrations/postgres/0004_sla_delivery.sql"),
    include_str!("../../migrations/postgres/0005_outbox.sql"),
    include_str!("../../migrations/postgres/0006_ticket_saves.sql"),
    include_str!("../../migrations/postgres/0007_outbox_lanes.sql"),
    include_str!("../../migrations/postgres/0008_outbox_owner.sql"),
    include_str!("../../migrations/postgres/0009_user_langs.sql"),
    include_str!("../../migrations/postgres/0010_report_facts.sql"),
    include_str!("../../migrations/postgres/0011_digests.sql"),
    include_str!("../../migrations/postgres/0012_quarterly_surveys.sql"),
    include_str!("../../migrations/postgres/0013_leaders.sql"),
    include_str!("../../migrations/postgres/0014_incident_start.sql"),
    include_str!("../../migrations/postgres/0015_faq_learning.sql"),
    include_str!("../../migrations/postgres/0016_dashboard.sql"),
    include_str!("../../migrations/postgres/0017_report_rollups.sql"),
];

/// The migrator for a backend.
pub fn migrator(backend: Backend) -> Migrator {
    let sources = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    let migrations = MIGRATION_FILES
        .iter()
        .zip(sources)
        .map(|(file, sql)| {
            let (version, description) = file
                .trim_end_matches(".sql")
                .split_once('_')
                .expect("migration files are named NNNN_description.sql");
            Migration::new(
                version.parse().expect("numeric migration version"),
                Cow::Owned(description.replace('_', " ")),
                MigrationType::Simple,
                Cow::Borrowed(sql),
                false,
            )
        })
        .collect::<Vec<_>>();
    Migrator {
        migrations: Cow::Owned(migrations),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &str) -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(dir);
        let mut names: Vec<String> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn both_backends_have_the_same_files_and_all_are_embedded() {
        let sqlite = files("sqlite");
        assert_eq!(sqlite, files("postgres"));
        assert_eq!(
            sqlite,
            MIGRATION_FILES
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
        );
        assert_eq!(SQLITE.len(), MIGRATION_FILES.len());
        assert_eq!(POSTGRES.len(), MIGRATION_FILES.len());
    }

    #[test]
    fn not_null_columns_added_later_have_defaults() {
        // A NOT NULL column without a default breaks ALTER TABLE on existing rows.
        for sql in SQLITE.iter().chain(POSTGRES).skip(1) {
            for line in sql
                .lines()
                .filter(|l| l.to_uppercase().contains("ADD COLUMN"))
            {
                let up = line.to_uppercase();
                assert!(!up.contains("NOT NULL") || up.contains("DEFAULT"), "{line}");
            }
        }
    }
}

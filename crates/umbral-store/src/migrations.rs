//! Migrations are embedded in the binary, in two folders with the same numbering; a test checks
//! that the lists match.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, SqlSafeStr};

use crate::Backend;

type Source = (i64, &'static str, &'static str);

const SQLITE: &[Source] = &[
    (
        1,
        "accounts",
        include_str!("../migrations/sqlite/0001_accounts.sql"),
    ),
    (
        2,
        "factors",
        include_str!("../migrations/sqlite/0002_factors.sql"),
    ),
    (3, "admin", include_str!("../migrations/sqlite/0003_admin.sql")),
    (
        4,
        "password_resets",
        include_str!("../migrations/sqlite/0004_password_resets.sql"),
    ),
    (5, "staff", include_str!("../migrations/sqlite/0005_staff.sql")),
    (
        6,
        "commerce",
        include_str!("../migrations/sqlite/0006_commerce.sql"),
    ),
    (
        7,
        "readiness",
        include_str!("../migrations/sqlite/0007_readiness.sql"),
    ),
    (
        8,
        "org_invitations",
        include_str!("../migrations/sqlite/0008_org_invitations.sql"),
    ),
];
const POSTGRES: &[Source] = &[
    (
        1,
        "accounts",
        include_str!("../migrations/postgres/0001_accounts.sql"),
    ),
    (
        2,
        "factors",
        include_str!("../migrations/postgres/0002_factors.sql"),
    ),
    (3, "admin", include_str!("../migrations/postgres/0003_admin.sql")),
    (
        4,
        "password_resets",
        include_str!("../migrations/postgres/0004_password_resets.sql"),
    ),
    (5, "staff", include_str!("../migrations/postgres/0005_staff.sql")),
    (
        6,
        "commerce",
        include_str!("../migrations/postgres/0006_commerce.sql"),
    ),
    (
        7,
        "readiness",
        include_str!("../migrations/postgres/0007_readiness.sql"),
    ),
    (
        8,
        "org_invitations",
        include_str!("../migrations/postgres/0008_org_invitations.sql"),
    ),
];

fn sources(backend: Backend) -> &'static [Source] {
    match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    }
}

/// (version, description) of each migration for a backend.
pub fn migration_versions(backend: Backend) -> Vec<(i64, &'static str)> {
    sources(backend).iter().map(|(v, d, _)| (*v, *d)).collect()
}

pub fn migrator(backend: Backend) -> Migrator {
    let migrations = sources(backend)
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(*description),
                MigrationType::Simple,
                AssertSqlSafe(*sql).into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_the_same_migrations() {
        assert_eq!(
            migration_versions(Backend::Sqlite),
            migration_versions(Backend::Postgres)
        );
    }

    #[test]
    fn folders_match_the_embedded_lists() {
        for (dir, backend) in [("sqlite", Backend::Sqlite), ("postgres", Backend::Postgres)] {
            let path = format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR"));
            let mut files: Vec<String> = std::fs::read_dir(&path)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
                .collect();
            files.sort();
            let expected: Vec<String> = migration_versions(backend)
                .iter()
                .map(|(v, d)| format!("{v:04}_{d}.sql"))
                .collect();
            assert_eq!(files, expected, "{dir}: every migration file must be embedded");
        }
    }
}

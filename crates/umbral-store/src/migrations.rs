//! The migrations: one list, embedded in the binary, for both databases. A migration is one file
//! in `migrations/`; where a statement differs between SQLite and PostgreSQL, the file holds
//! both forms side by side, each in a block of its own:
//!
//! ```sql
//! -- only sqlite
//! CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);
//! -- only postgres
//! CREATE TABLE t (id BIGSERIAL PRIMARY KEY);
//! -- end only
//! ```
//!
//! so that a migration cannot be added for one database and forgotten for the other.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, SqlSafeStr};

use crate::Backend;

/// (version, description, SQL for both databases).
type Source = (i64, &'static str, &'static str);

const MIGRATIONS: &[Source] = &[
    (1, "accounts", include_str!("../migrations/0001_accounts.sql")),
    (2, "factors", include_str!("../migrations/0002_factors.sql")),
    (3, "admin", include_str!("../migrations/0003_admin.sql")),
    (
        4,
        "password_resets",
        include_str!("../migrations/0004_password_resets.sql"),
    ),
    (5, "staff", include_str!("../migrations/0005_staff.sql")),
    (6, "commerce", include_str!("../migrations/0006_commerce.sql")),
    (7, "readiness", include_str!("../migrations/0007_readiness.sql")),
    (
        8,
        "org_invitations",
        include_str!("../migrations/0008_org_invitations.sql"),
    ),
    (9, "oidc", include_str!("../migrations/0009_oidc.sql")),
    (
        10,
        "oidc_client_keys",
        include_str!("../migrations/0010_oidc_client_keys.sql"),
    ),
    (11, "upstream", include_str!("../migrations/0011_upstream.sql")),
    (12, "org_sso", include_str!("../migrations/0012_org_sso.sql")),
    (
        13,
        "identity_providers",
        include_str!("../migrations/0013_identity_providers.sql"),
    ),
    (14, "passkeys", include_str!("../migrations/0014_passkeys.sql")),
    (
        15,
        "cache_nodes",
        include_str!("../migrations/0015_cache_nodes.sql"),
    ),
    (16, "scale", include_str!("../migrations/0016_scale.sql")),
    (
        17,
        "one_trip_scripts",
        include_str!("../migrations/0017_one_trip_scripts.sql"),
    ),
    (
        18,
        "told_scripts",
        include_str!("../migrations/0018_told_scripts.sql"),
    ),
];

/// The SHA-384 of migrations 1-8 as PostgreSQL databases recorded them when each database had a
/// folder of its own (the PostgreSQL copies began with another comment). sqlx refuses to run
/// when an applied migration's checksum changed, so these stay what those databases hold.
const POSTGRES_BEFORE_ONE_LIST: [&str; 8] = [
    "6eb439ab3d5a69fdec4d3f9fe51c01a0bd0f611321053e12a5fedcfbe12b15a5021edbed408e8f991077623d94d154ed",
    "02a5ce92c556cc81e1ac353f6df5071cb141cefd4375d43862c9847220f3e5be7c6008accdceed0a8519ba7bf62229fb",
    "9b809be910c5f051c3f347e233143babaeb145bdf7788b2102cbd51e68e59972b3a801edd36c39bf7c45ec548fd790d3",
    "0ae2385c364b4ccb51f4919bc260f13ce9b713d469c2f34667966ce4c30b9b2b215b902cbbc7288d2c52152978530a15",
    "acc42bbd753a565df7ae6ae51ec7ea92341b757a516d43b1b4829277df4a2a96b573696ba57343061eef6f0945ea5bfd",
    "f3f3f63540837a2134d4f5b5d6ab3b367560bc1ecf8907fb03f2bfb7e8699ec4879624f8d1d458fc9018681dc55889a5",
    "8f60f48fbdd4681772ee7f7cae5a7e1ee910c0878085bcfc2e7a72d67a7d927ff43523995e4aa04a9f0fc48cb6c98356",
    "cce122aa9975aaef4b44d01a6d31f0351d88e3601e5cc77c650eb1b3d5a79e1ff8b788db9e8fd5760f8ba1ec972082d4",
];

/// The text of a migration for one database: everything outside `-- only ...` blocks, and the
/// blocks of that database. A file without blocks is taken byte for byte.
fn dialect(sql: &str, backend: Backend) -> Cow<'_, str> {
    let mine = match backend {
        Backend::Sqlite => "-- only sqlite",
        Backend::Postgres => "-- only postgres",
    };
    if !has_blocks(sql) {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut keep = true;
    for line in sql.split_inclusive('\n') {
        let marker = line.trim_end();
        if marker == "-- end only" {
            keep = true;
        } else if marker.starts_with("-- only ") {
            keep = marker == mine;
        } else if keep {
            out.push_str(line);
        }
    }
    Cow::Owned(out)
}

fn has_blocks(sql: &str) -> bool {
    sql.lines().any(|l| l.trim_end().starts_with("-- only "))
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// (version, description) of each migration.
pub fn migration_versions() -> Vec<(i64, &'static str)> {
    MIGRATIONS.iter().map(|(v, d, _)| (*v, *d)).collect()
}

pub fn migrator(backend: Backend) -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|(version, description, sql)| {
            let text = dialect(sql, backend).into_owned();
            let mut m = Migration::new(
                *version,
                Cow::Borrowed(*description),
                MigrationType::Simple,
                AssertSqlSafe(text).into_sql_str(),
                false,
            );
            if backend == Backend::Postgres
                && let Some(sum) = usize::try_from(*version - 1)
                    .ok()
                    .and_then(|i| POSTGRES_BEFORE_ONE_LIST.get(i))
            {
                m.checksum = Cow::Owned(hex_bytes(sum));
            }
            m
        })
        .collect();
    Migrator::with_migrations(migrations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_matches_the_embedded_list() {
        let path = format!("{}/migrations", env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<String> = std::fs::read_dir(&path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        files.sort();
        let expected: Vec<String> = migration_versions()
            .iter()
            .map(|(v, d)| format!("{v:04}_{d}.sql"))
            .collect();
        assert_eq!(files, expected, "every migration file must be embedded");
        let versions: Vec<i64> = migration_versions().iter().map(|(v, _)| *v).collect();
        assert_eq!(
            versions,
            (1..=versions.len() as i64).collect::<Vec<_>>(),
            "numbered 1, 2, 3, ..."
        );
    }

    #[test]
    fn each_database_takes_its_own_blocks_and_everything_else() {
        let sql = "CREATE TABLE a (x BIGINT);\n-- only sqlite\nCREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);\n-- only postgres\nCREATE TABLE t (id BIGSERIAL PRIMARY KEY);\n-- end only\nCREATE TABLE b (y BIGINT);\n";
        assert_eq!(
            dialect(sql, Backend::Sqlite),
            "CREATE TABLE a (x BIGINT);\nCREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);\nCREATE TABLE b (y BIGINT);\n"
        );
        assert_eq!(
            dialect(sql, Backend::Postgres),
            "CREATE TABLE a (x BIGINT);\nCREATE TABLE t (id BIGSERIAL PRIMARY KEY);\nCREATE TABLE b (y BIGINT);\n"
        );
        // Without blocks, the file as it is (its checksum is what databases recorded).
        for (_, _, sql) in MIGRATIONS.iter().filter(|(_, _, sql)| !has_blocks(sql)) {
            assert_eq!(dialect(sql, Backend::Postgres), *sql);
        }
    }

    #[test]
    fn every_block_is_closed_and_names_a_database() {
        for (v, _, sql) in MIGRATIONS {
            let mut open = false;
            for l in sql.lines().map(str::trim_end) {
                if l == "-- end only" {
                    assert!(open, "migration {v}: an end without a block");
                    open = false;
                } else if let Some(db) = l.strip_prefix("-- only ") {
                    assert!(["sqlite", "postgres"].contains(&db), "migration {v}: {l}");
                    open = true;
                }
            }
            assert!(!open, "migration {v}: a block is not closed");
        }
    }

    #[test]
    fn sqlite_checksums_are_the_files_and_postgres_keeps_what_it_recorded() {
        let sqlite = migrator(Backend::Sqlite);
        let postgres = migrator(Backend::Postgres);
        for ((s, p), (_, _, sql)) in sqlite.iter().zip(postgres.iter()).zip(MIGRATIONS) {
            assert_eq!(s.checksum.len(), 48);
            if s.version <= 8 || has_blocks(sql) {
                assert_eq!(p.checksum.len(), 48, "{}", s.version);
            } else {
                assert_eq!(s.checksum, p.checksum, "{}", s.version);
            }
        }
    }
}

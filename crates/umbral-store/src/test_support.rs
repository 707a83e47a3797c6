// Test-only helpers: failing loudly is their job.
#![allow(clippy::panic)]

//! Fresh databases for tests: a SQLite file in a temporary folder, or a new PostgreSQL database
//! (dropped afterwards) when `UMBRAL_TEST_POSTGRES_URL` is set. Under `CI=true` the PostgreSQL
//! run is mandatory: a missing URL fails loudly instead of skipping.

use sqlx::any::install_default_drivers;
use sqlx::{AnyConnection, AssertSqlSafe, Connection, Executor};

/// The PostgreSQL server to test against, if any.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("UMBRAL_TEST_POSTGRES_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
            assert!(
                !ci,
                "CI=true but UMBRAL_TEST_POSTGRES_URL is not set: the PostgreSQL suite must run in CI"
            );
            None
        }
    }
}

/// A database that exists for one test and is removed when dropped.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    cleanup: Option<(String, String)>,
    _dir: Option<tempfile_dir::Dir>,
}

mod tempfile_dir {
    /// A temporary folder removed on drop (kept small to avoid a dependency here).
    #[derive(Debug)]
    pub struct Dir(pub std::path::PathBuf);

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn unique_suffix() -> String {
    let mut b = [0u8; 8];
    let _ = umbral_core::secrets::fill_random(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The same server URL with another database name.
pub fn with_database(url: &str, db: &str) -> String {
    let (main, query) = match url.split_once('?') {
        Some((m, q)) => (m, format!("?{q}")),
        None => (url, String::new()),
    };
    let host_start = main.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match main[host_start..].find('/') {
        Some(i) => &main[..host_start + i],
        None => main,
    };
    format!("{base}/{db}{query}")
}

impl TestDatabase {
    pub fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("umbral-test-{}", unique_suffix()));
        let _ = std::fs::create_dir_all(&dir);
        let url = format!("sqlite://{}", dir.join("umbral.db").display());
        Self {
            url,
            cleanup: None,
            _dir: Some(tempfile_dir::Dir(dir)),
        }
    }

    /// Creates `umbral_test_<random>` on the server of `admin_url`.
    pub async fn postgres(admin_url: &str) -> Self {
        install_default_drivers();
        let name = format!("umbral_test_{}", unique_suffix());
        let mut conn = AnyConnection::connect(admin_url).await.unwrap_or_else(|e| {
            panic!("cannot reach PostgreSQL at {admin_url}: {e}");
        });
        conn.execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap_or_else(|e| {
                panic!("cannot create test database: {e}");
            });
        let _ = conn.close().await;
        Self {
            url: with_database(admin_url, &name),
            cleanup: Some((admin_url.to_string(), name)),
            _dir: None,
        }
    }

    /// Both kinds the suite runs on: SQLite always, PostgreSQL when configured.
    pub async fn all() -> Vec<(&'static str, Self)> {
        let mut v = vec![("sqlite", Self::sqlite())];
        if let Some(url) = postgres_admin_url() {
            v.push(("postgres", Self::postgres(&url).await));
        }
        v
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.cleanup.take() {
            // Dropping runs outside any async context the test may be in.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                    return;
                };
                rt.block_on(async {
                    if let Ok(mut c) = AnyConnection::connect(&admin).await {
                        let _ = c
                            .execute(AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            )))
                            .await;
                        let _ = c.close().await;
                    }
                });
            })
            .join();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced() {
        use super::with_database;
        assert_eq!(
            with_database("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}

//! Umbral's storage: one implementation of the core's store ports that runs on SQLite (embedded,
//! the default) and PostgreSQL, through sqlx's `Any` driver with portable SQL (`$1` placeholders,
//! TEXT ids, BIGINT times). Dialect forks are kept side by side where unavoidable.
//!
//! On SQLite every write goes through one connection (SQLite has one writer anyway), so write
//! transactions never fail with "database is locked"; reads use a pool of their own in WAL mode.
//! The sign-in's lookup and a session start that ends no other session run on the calling thread
//! through rusqlite connections to the same file (ADR 0009, `conn.rs`).

mod accounts;
mod audit;
mod cache;
mod cluster;
mod codes;
mod commerce;
mod conn;
mod factors;
mod flush;
mod migrations;
mod oidc;
mod oidc_grants;
mod oidc_rows;
mod organization;
mod outbox;
mod passkeys;
mod postal;
mod recovery;
mod rows;
mod script;
mod sessions;
mod staff;
mod throttle;
mod upstream;

#[doc(hidden)]
pub mod test_support;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::Connection;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use umbral_core::clock::UnixMillis;
use umbral_core::ports::{Store, StoreError, StoreResult};

pub use cluster::LISTENER_NAME as CACHE_LISTENER_NAME;
pub use migrations::{migration_versions, migrator};
pub use postal::{ImportError, ImportReport, PostalLevel, PostalRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database behind Umbral.
#[derive(Clone)]
pub struct SqlStore {
    read: Arc<conn::Conns>,
    write: Arc<conn::Conns>,
    backend: Backend,
    /// Session lookups kept in memory, see `cache.rs`.
    cache: Option<Arc<cache::SessionCache>>,
    /// On PostgreSQL: the other nodes, told of every change that reaches their caches.
    cluster: Option<Arc<cluster::Cluster>>,
    /// Seals what a pending message says (codes, link tokens) while it waits in the outbox.
    outbox_key: Option<umbral_core::secrets::SecretKey>,
}

/// A PostgreSQL connection idle for longer is pinged before it is lent (see `SqlStore::connect`).
const PING_IDLE_AFTER: Duration = Duration::from_secs(10);

impl SqlStore {
    /// Pending messages are stored sealed with this key (ChaCha20-Poly1305, bound to the
    /// message's id): the codes and link tokens they carry are not readable from the database
    /// or its backups while SMTP is down. Rows written before are read as they are.
    pub fn seal_outbox_with(mut self, key: umbral_core::secrets::SecretKey) -> Self {
        self.outbox_key = Some(key);
        self
    }

    pub(crate) fn outbox_key(&self) -> Option<&umbral_core::secrets::SecretKey> {
        self.outbox_key.as_ref()
    }
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// Turns `sqlite://file.db` into a URL that creates the file when it is missing.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// Creates a missing SQLite file readable by its owner only (0600). SQLite gives the `-wal` and
/// `-shm` files it makes beside it the same permissions, so none of them is readable by others.
fn create_private(url: &str) -> Result<(), StoreError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Backend(format!(
            "cannot create the database file {path}: {e}"
        ))),
    }
}

pub fn backend_of(url: &str) -> Result<Backend, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::Backend(
            "database URL must start with sqlite:// or postgres://".to_string(),
        ))
    }
}

impl SqlStore {
    /// Connects (creating a SQLite file when needed). Does not migrate.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        install_default_drivers();
        let backend = backend_of(url)?;
        match backend {
            Backend::Sqlite => {
                create_private(url)?;
                let url = sqlite_url(url);
                // The writer first: it is the one that turns the file into WAL mode.
                let write = conn::Conns::sqlite(&url, 1, 1, true).await?;
                // One inline reader per runtime thread: a call holds it only while it runs.
                let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
                let mut read = conn::Conns::sqlite(&url, max_connections, threads, false).await?;
                read.read_on_writer(&write);
                Ok(Self {
                    read: Arc::new(read),
                    write: Arc::new(write),
                    backend,
                    cache: Some(Arc::default()),
                    cluster: None,
                    outbox_key: None,
                })
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections.max(2))
                    .acquire_timeout(Duration::from_secs(10))
                    // A connection that comes back still counting a transaction (a commit or a
                    // rollback that failed) is closed, never lent again: its next user's writes
                    // would land in a transaction nobody commits.
                    .after_release(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
                    // sqlx pings every connection it lends (a round trip) on top of the one it
                    // pings when the connection comes back, which already closes a broken one.
                    // Only a connection idle for a while (where a restart or a dropped network
                    // meets it) is pinged before it is lent: a code check makes 4 queries, and
                    // the pings were a third of its round trips.
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for > PING_IDLE_AFTER {
                                conn.ping().await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect(url)
                    .await
                    .map_err(db)?;
                let cache = Arc::new(cache::SessionCache::leased());
                let cluster = cluster::Cluster::start(url, pool.clone(), Arc::clone(&cache)).await?;
                Ok(Self {
                    read: Arc::new(conn::Conns::Pool(pool.clone())),
                    write: Arc::new(conn::Conns::Pool(pool)),
                    backend,
                    cache: Some(cache),
                    cluster: Some(cluster),
                    outbox_key: None,
                })
            }
        }
    }

    /// Applies the migrations that are not applied yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.write.get().await?;
        migrator(self.backend)
            .run(&mut *conn)
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))
    }

    /// Lets this store answer session lookups from memory on PostgreSQL too, as one of the
    /// nodes that confirm each other's changes (ADR 0015); a server calls it once migrated.
    /// Commands that run and exit do not: their changes still reach the servers' caches.
    /// On SQLite the cache is always on (one process, ADR 0004).
    pub async fn serve_from_cache(&self) -> Result<(), StoreError> {
        match &self.cluster {
            Some(c) => c.serve_from_cache().await,
            None => Ok(()),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Something about this user's sessions, account or organization changed (committed).
    pub(crate) async fn user_changed(&self, user_id: &str) {
        self.changed(cluster::Change::User(user_id)).await;
    }

    /// A change that may reach any user (committed).
    pub(crate) async fn everything_changed(&self) {
        self.changed(cluster::Change::Everything).await;
    }

    /// A session ended (committed).
    pub(crate) async fn session_ended(&self, id_hash: &str) {
        self.changed(cluster::Change::Session(id_hash)).await;
    }

    /// Drops what a committed change reaches from this node's cache, then from the others'
    /// (returning once they confirmed it, ADR 0015).
    async fn changed(&self, change: cluster::Change<'_>) {
        if let Some(c) = &self.cache {
            change.apply(c);
        }
        if let Some(c) = &self.cluster {
            c.broadcast(&change).await;
        }
    }

    /// Runs a write script (all or nothing, guards as in [`script::Script::run_guarded`]) and
    /// drops what it changed from every node's cache, returning once they confirmed it. On
    /// PostgreSQL the notification leaves in the script's own call and transaction (ADR 0015's
    /// addendum); elsewhere the cache is this process's.
    pub(crate) async fn run_and_tell(
        &self,
        script: &script::Script,
        change: cluster::Change<'_>,
    ) -> StoreResult<Result<(), script::Stop>> {
        if let Some(cluster) = &self.cluster {
            let here = || {
                if let Some(c) = &self.cache {
                    change.apply(c);
                }
            };
            return cluster.run_told(script, &self.write, &change, here).await;
        }
        let ran = script.run_guarded(&self.write).await?;
        if ran.is_ok() {
            self.changed(change).await;
        }
        Ok(ran.map(|_| ()))
    }

    pub async fn close(&self) {
        if let Some(c) = &self.cluster {
            c.stop().await;
        }
        self.read.close().await;
        self.write.close().await;
    }
}

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self, now: UnixMillis) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO readiness (id, checked_at) VALUES ('write', $1) \
             ON CONFLICT (id) DO UPDATE SET checked_at = $1",
        )
        .bind(now)
        .execute(&mut *self.write.get().await?)
        .await
        .map_err(db)?;
        Ok(())
    }
}

/// Maps a database error; a broken unique rule becomes `Conflict`.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        return StoreError::Conflict(d.message().to_string());
    }
    StoreError::Backend(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{TestDatabase, postgres_admin_url};
    use sqlx::Executor;

    /// A transaction whose backend is terminated before its commit fails; the pooled connection
    /// must not come back inside a transaction, and the next writes are committed.
    #[tokio::test]
    async fn a_failed_commit_on_postgres_leaves_no_connection_in_a_transaction() {
        let Some(admin) = postgres_admin_url() else { return };
        let db = TestDatabase::postgres(&admin).await;
        let store = SqlStore::connect(&db.url, 2).await.unwrap();
        store.migrate().await.unwrap();
        let insert =
            "INSERT INTO throttle (key, failures, window_started_at, last_failure_at) VALUES ($1, 1, 0, 0)";
        {
            let mut conn = store.write.get().await.unwrap();
            let mut tx = conn.begin().await.unwrap();
            sqlx::query(insert).bind("lost").execute(&mut *tx).await.unwrap();
            let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            let mut other = sqlx::AnyConnection::connect(&db.url).await.unwrap();
            sqlx::query("SELECT pg_terminate_backend($1)")
                .bind(pid)
                .execute(&mut other)
                .await
                .unwrap();
            assert!(tx.commit().await.is_err());
        }
        {
            let mut conn = store.write.get().await.unwrap();
            let mut tx = conn.begin().await.unwrap();
            // What a server ending the transaction under sqlx looks like to it.
            tx.execute("ROLLBACK").await.unwrap();
        }
        for key in ["a", "b", "c"] {
            sqlx::query(insert)
                .bind(key)
                .execute(&mut *store.write.get().await.unwrap())
                .await
                .unwrap();
        }
        let mut other = sqlx::AnyConnection::connect(&db.url).await.unwrap();
        let keys: Vec<String> = sqlx::query_scalar("SELECT key FROM throttle ORDER BY key")
            .fetch_all(&mut other)
            .await
            .unwrap();
        assert_eq!(keys, ["a", "b", "c"]);
        store.close().await;
    }

    /// Connections lent without a ping (a busy one is not pinged, `PING_IDLE_AFTER`) still
    /// recover when the server drops them all (a restart): each broken one fails at most one
    /// call, is closed when it comes back, and the calls after succeed.
    #[tokio::test]
    async fn postgres_connections_recover_after_the_server_dropped_them() {
        use umbral_core::ports::AccountStore;
        let Some(admin) = postgres_admin_url() else { return };
        let db = TestDatabase::postgres(&admin).await;
        let pool_size = 3;
        let store = SqlStore::connect(&db.url, pool_size).await.unwrap();
        store.migrate().await.unwrap();
        let mut held = Vec::new();
        for _ in 0..pool_size {
            held.push(store.read.get().await.unwrap());
        }
        drop(held);
        let mut other = sqlx::AnyConnection::connect(&db.url).await.unwrap();
        let name = db.url.rsplit('/').next().unwrap_or_default().to_string();
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(name)
        .execute(&mut other)
        .await
        .unwrap();
        let id = umbral_core::types::UserId::from("nobody");
        let mut failed = 0;
        for _ in 0..pool_size + 3 {
            if store.user_by_id(&id).await.is_err() {
                failed += 1;
            }
        }
        assert!(
            failed <= pool_size,
            "{failed} calls failed with {pool_size} connections"
        );
        for _ in 0..3 {
            assert!(store.user_by_id(&id).await.unwrap().is_none());
        }
        store.close().await;
    }

    /// The database file and the files SQLite makes beside it are readable by their owner only.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_new_sqlite_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let db = TestDatabase::sqlite();
        let store = SqlStore::connect(&db.url, 2).await.unwrap();
        store.migrate().await.unwrap();
        let file = db.url.trim_start_matches("sqlite://").to_string();
        for f in [file.clone(), format!("{file}-wal"), format!("{file}-shm")] {
            let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{f} is {mode:o}");
        }
        store.close().await;
    }

    #[test]
    fn urls() {
        assert_eq!(sqlite_url("sqlite://a.db"), "sqlite://a.db?mode=rwc");
        assert_eq!(sqlite_url("sqlite://a.db?mode=ro"), "sqlite://a.db?mode=ro");
        assert_eq!(backend_of("postgres://x/y").unwrap(), Backend::Postgres);
        assert!(backend_of("mysql://x").is_err());
    }
}

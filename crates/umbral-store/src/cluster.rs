//! Keeping every node's session cache exact on PostgreSQL (ADR 0015).
//!
//! A node that changed a session, a user or an organization tells the others with a `NOTIFY`
//! once its transaction committed, and answers its caller only when every node that may hold a
//! cache has confirmed that it dropped what the change reaches, or when the cache's time to
//! live has run out since the commit (so that nothing read before the change can still be
//! served). Which nodes may hold a cache is a table: each caching node writes its heartbeat
//! there every second, and answers from its cache only while its last heartbeat is younger than
//! half of [`LIVE_FOR`], so a node the others no longer count has stopped serving from memory.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{Any, Pool};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::cache::{SessionCache, TTL};
use crate::conn::Conns;
use crate::db;
use crate::script::{Script, Stop, Told};
use umbral_core::ports::StoreError;

/// The channel every node listens on for the others' changes.
const CHANGES: &str = "umbral_cache";
/// A node's heartbeat older than this no longer counts it among the nodes to wait for.
const LIVE_FOR: Duration = Duration::from_secs(10);
/// How often a node writes its heartbeat.
const BEAT_EVERY: Duration = Duration::from_secs(1);
/// The database's clock, in milliseconds: every node's heartbeat is read against the same clock.
const DB_NOW_MS: &str = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
/// Held shared by a told script from its read of the nodes to its commit, and exclusively by a
/// heartbeat (migration 18): a node a told script does not count joined after its commit.
const NODES_LOCK: i64 = 0x756d_6272_616c_0001;
/// Seen by the others in `pg_stat_activity` (and by the tests that cut the channel).
pub const LISTENER_NAME: &str = "umbral-cache-listener";

/// What a change reaches.
pub(crate) enum Change<'a> {
    User(&'a str),
    Session(&'a str),
    /// An application's grant revoked (its access tokens refused).
    Grant(&'a str),
    Everything,
}

impl Change<'_> {
    pub(crate) fn apply(&self, cache: &SessionCache) {
        match self {
            Change::User(u) => cache.user_changed(u),
            Change::Session(s) => cache.session_ended(s),
            Change::Grant(g) => cache.grant_changed(g),
            Change::Everything => cache.everything_changed(),
        }
    }

    fn encode(&self) -> String {
        match self {
            Change::User(u) => format!("u {u}"),
            Change::Session(s) => format!("s {s}"),
            Change::Grant(g) => format!("g {g}"),
            Change::Everything => "a -".to_string(),
        }
    }

    fn decode<'a>(kind: &str, key: &'a str) -> Option<Change<'a>> {
        match kind {
            "u" => Some(Change::User(key)),
            "s" => Some(Change::Session(key)),
            "g" => Some(Change::Grant(key)),
            "a" => Some(Change::Everything),
            _ => None,
        }
    }
}

/// A change being told: its number among this node's, and the notification's text.
struct Telling {
    seq: u64,
    payload: String,
    wake: Arc<Notify>,
}

/// The nodes that confirmed one change, and a wake-up for the node waiting on them.
#[derive(Default)]
struct Waiter {
    confirmed: HashSet<String>,
    wake: Arc<Notify>,
}

pub(crate) struct Cluster {
    node: String,
    pool: Pool<Any>,
    cache: Arc<SessionCache>,
    seq: AtomicU64,
    waiting: Mutex<HashMap<u64, Waiter>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Cluster {
    /// Starts listening (its own connection): every store on PostgreSQL tells the others of its
    /// changes and hears their confirmations. Its own cache answers only once it beats
    /// ([`Cluster::serve_from_cache`]).
    pub(crate) async fn start(
        url: &str,
        pool: Pool<Any>,
        cache: Arc<SessionCache>,
    ) -> Result<Arc<Self>, StoreError> {
        let mut random = [0u8; 8];
        umbral_core::secrets::fill_random(&mut random).map_err(|e| StoreError::Backend(e.to_string()))?;
        let node: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let options: PgConnectOptions = url.parse().map_err(db)?;
        let listen_pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(options.application_name(LISTENER_NAME));
        let mut listener = PgListener::connect_with(&listen_pool).await.map_err(db)?;
        listener
            .listen_all([CHANGES, &ack_channel(&node)])
            .await
            .map_err(db)?;
        let cluster = Arc::new(Self {
            node,
            pool,
            cache,
            seq: AtomicU64::new(0),
            waiting: Mutex::default(),
            tasks: Mutex::default(),
        });
        let listening = tokio::spawn(Arc::clone(&cluster).listen(listener));
        cluster.tasks().push(listening);
        Ok(cluster)
    }

    /// Joins the caching nodes: a first heartbeat (the table needs the migrations), then one
    /// every [`BEAT_EVERY`].
    pub(crate) async fn serve_from_cache(self: &Arc<Self>) -> Result<(), StoreError> {
        self.heartbeat().await?;
        let beating = tokio::spawn(Arc::clone(self).beat());
        self.tasks().push(beating);
        Ok(())
    }

    fn tasks(&self) -> std::sync::MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.tasks.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Waiter>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes this node's heartbeat; from then on its cache answers for half of [`LIVE_FOR`].
    async fn heartbeat(&self) -> Result<(), StoreError> {
        let sent = Instant::now();
        // Under the nodes' lock: a told script that read the nodes before this commit has
        // committed too, so whatever this node reads once counted is after its change.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "WITH locked AS (SELECT pg_advisory_xact_lock($2)) \
             INSERT INTO cache_nodes (node_id, seen_at) SELECT $1, {DB_NOW_MS} FROM locked \
             ON CONFLICT (node_id) DO UPDATE SET seen_at = excluded.seen_at"
        )))
        .bind(&self.node)
        .bind(NODES_LOCK)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        self.cache.renewed((sent + LIVE_FOR / 2).into_std());
        Ok(())
    }

    async fn beat(self: Arc<Self>) {
        let mut beats = 0u64;
        loop {
            tokio::time::sleep(BEAT_EVERY).await;
            if let Err(e) = self.heartbeat().await {
                tracing::debug!(error = %e, "cache heartbeat failed");
            }
            beats += 1;
            if beats.is_multiple_of(3600) {
                // Nodes gone for an hour (killed, never closed).
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM cache_nodes WHERE seen_at < {DB_NOW_MS} - 3600000"
                )))
                .execute(&self.pool)
                .await;
            }
        }
    }

    async fn listen(self: Arc<Self>, mut listener: PgListener) {
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) if n.channel() == CHANGES => self.heard(n.payload()).await,
                Ok(Some(n)) => self.confirmed(n.payload()),
                Ok(None) => {
                    // Changes made meanwhile went unheard: start again from the database.
                    self.cache.everything_changed();
                    tracing::warn!("the cache's notification channel was lost; cache emptied");
                }
                Err(e) => {
                    self.cache.everything_changed();
                    tracing::warn!(error = %e, "the cache's notification channel is down");
                    tokio::time::sleep(BEAT_EVERY).await;
                }
            }
        }
    }

    /// Another node's change: dropped here, then confirmed to it.
    async fn heard(&self, payload: &str) {
        let mut parts = payload.splitn(4, ' ');
        let (Some(origin), Some(seq), Some(kind), Some(key)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return;
        };
        if origin == self.node {
            return;
        }
        match Change::decode(kind, key) {
            Some(change) => change.apply(&self.cache),
            None => self.cache.everything_changed(),
        }
        let sent = sqlx::query("SELECT CAST(pg_notify($1, $2) AS TEXT)")
            .bind(ack_channel(origin))
            .bind(format!("{seq} {}", self.node))
            .execute(&self.pool)
            .await;
        if let Err(e) = sent {
            tracing::debug!(error = %e, "cannot confirm a cache change");
        }
    }

    fn confirmed(&self, payload: &str) {
        let Some((seq, node)) = payload.split_once(' ') else {
            return;
        };
        let Ok(seq) = seq.parse::<u64>() else { return };
        if let Some(w) = self.waiting().get_mut(&seq) {
            w.confirmed.insert(node.to_string());
            w.wake.notify_one();
        }
    }

    /// Starts collecting the confirmations of a change about to be told.
    fn telling(&self, change: &Change<'_>) -> Telling {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let wake = Arc::new(Notify::new());
        self.waiting().insert(
            seq,
            Waiter {
                confirmed: HashSet::new(),
                wake: Arc::clone(&wake),
            },
        );
        Telling {
            seq,
            payload: format!("{} {seq} {}", self.node, change.encode()),
            wake,
        }
    }

    /// Tells the other nodes about a committed change, and returns once each caching node
    /// confirmed it or the cache's time to live has passed since the commit.
    pub(crate) async fn broadcast(&self, change: &Change<'_>) {
        let deadline = Instant::now() + TTL;
        let telling = self.telling(change);
        let sent = sqlx::query_scalar::<_, Option<String>>(sqlx::AssertSqlSafe(format!(
            "WITH sent AS (SELECT pg_notify($1, $2)) \
             SELECT (SELECT string_agg(node_id, ' ') FROM cache_nodes \
                     WHERE node_id <> $3 AND seen_at > {DB_NOW_MS} - $4) FROM sent"
        )))
        .bind(CHANGES)
        .bind(&telling.payload)
        .bind(&self.node)
        .bind(LIVE_FOR.as_millis() as i64)
        .fetch_one(&self.pool)
        .await;
        let expected = match sent {
            Ok(nodes) => Some(node_set(&nodes.unwrap_or_default())),
            Err(e) => {
                tracing::warn!(error = %e, "cannot tell the other nodes about a change; waiting out their caches");
                None
            }
        };
        self.confirmations(telling, expected, deadline).await;
    }

    /// Runs a write script and tells its change in the same call and transaction (migration
    /// 18): one round trip instead of two. Once it committed, `here` drops the change from this
    /// node's cache, and this returns when the other nodes confirmed as after
    /// [`Cluster::broadcast`]. A script a guard stopped changed nothing and tells nothing.
    pub(crate) async fn run_told(
        &self,
        script: &Script,
        conns: &Conns,
        change: &Change<'_>,
        here: impl FnOnce(),
    ) -> Result<Result<(), Stop>, StoreError> {
        let telling = self.telling(change);
        let told = Told {
            channel: CHANGES,
            payload: &telling.payload,
            node: &self.node,
            live_ms: LIVE_FOR.as_millis() as i64,
            nodes_lock: NODES_LOCK,
        };
        let nodes = match script.run_told(conns, &told).await {
            Ok(Ok(nodes)) => nodes,
            other => {
                self.waiting().remove(&telling.seq);
                return other.map(|ran| ran.map(|_| ()));
            }
        };
        let deadline = Instant::now() + TTL;
        here();
        self.confirmations(telling, Some(node_set(&nodes)), deadline)
            .await;
        Ok(Ok(()))
    }

    /// Waits until every `expected` node confirmed the change, or until `deadline` (when the
    /// nodes to wait for are unknown, until `deadline` in any case).
    async fn confirmations(&self, telling: Telling, expected: Option<HashSet<String>>, deadline: Instant) {
        loop {
            if let Some(expected) = &expected {
                let waiting = self.waiting();
                let confirmed = waiting.get(&telling.seq).map(|w| &w.confirmed);
                if confirmed.is_some_and(|c| expected.is_subset(c)) {
                    break;
                }
            }
            if tokio::time::timeout_at(deadline, telling.wake.notified())
                .await
                .is_err()
            {
                if expected.is_some() {
                    tracing::warn!("a node did not confirm a change in time; waited out its cache");
                }
                break;
            }
        }
        self.waiting().remove(&telling.seq);
    }

    /// Stops listening and beating, and leaves the table of caching nodes.
    pub(crate) async fn stop(&self) {
        for t in self.tasks().drain(..) {
            t.abort();
        }
        let _ = sqlx::query("DELETE FROM cache_nodes WHERE node_id = $1")
            .bind(&self.node)
            .execute(&self.pool)
            .await;
    }
}

fn node_set(nodes: &str) -> HashSet<String> {
    nodes
        .split(' ')
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

fn ack_channel(node: &str) -> String {
    format!("umbral_ack_{node}")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sqlx::postgres::PgListener;
    use sqlx::{Connection, Executor};

    use super::*;
    use crate::SqlStore;
    use crate::test_support::{TestDatabase, postgres_admin_url};

    fn insert(key: &str) -> Script {
        let mut s = Script::default();
        s.sql(
            "INSERT INTO throttle (key, failures, window_started_at, last_failure_at) VALUES ($1, 1, 0, 0)",
        )
        .arg(key);
        s
    }

    async fn has_key(store: &SqlStore, key: &str) -> bool {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM throttle WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *store.read.get().await.unwrap())
            .await
            .unwrap()
            == 1
    }

    /// Opens a transaction on `conn` holding the nodes' lock with `lock` (shared or not).
    async fn hold(conn: &mut sqlx::PgConnection, lock: &str) {
        conn.execute("BEGIN").await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {lock}($1)")))
            .bind(NODES_LOCK)
            .execute(&mut *conn)
            .await
            .unwrap();
    }

    /// A told script's notification leaves with its commit, and its caller is answered only
    /// once every other caching node confirmed it (here a node played by hand); a script a
    /// guard stopped tells nothing. A heartbeat waits for a told script that read the nodes
    /// and has not committed, and a told script waits for a heartbeat under way (the nodes'
    /// lock), so a node joins either before the script counts the nodes or after its commit.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_told_script_notifies_with_its_commit_and_waits_for_the_other_nodes() {
        let Some(admin) = postgres_admin_url() else { return };
        let db = TestDatabase::postgres(&admin).await;
        let store = Arc::new(SqlStore::connect(&db.url, 4).await.unwrap());
        store.migrate().await.unwrap();
        let cluster = Arc::clone(store.cluster.as_ref().unwrap());
        let mut other = PgListener::connect(&db.url).await.unwrap();
        other.listen(CHANGES).await.unwrap();
        // Another caching node, whose confirmations this test sends.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO cache_nodes (node_id, seen_at) VALUES ('other', {DB_NOW_MS})"
        )))
        .execute(&mut *store.write.get().await.unwrap())
        .await
        .unwrap();

        let started = Instant::now();
        let told = tokio::spawn({
            let store = Arc::clone(&store);
            async move { store.run_and_tell(&insert("k"), Change::User("u")).await.unwrap() }
        });
        let heard = tokio::time::timeout(Duration::from_secs(5), other.recv())
            .await
            .unwrap()
            .unwrap();
        let parts: Vec<&str> = heard.payload().split(' ').collect();
        assert_eq!((parts[0], &parts[2..]), (cluster.node.as_str(), &["u", "u"][..]));
        assert!(has_key(&store, "k").await, "notified before its commit");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!told.is_finished(), "answered before the other node confirmed");
        let mut conn = store.write.get().await.unwrap();
        sqlx::query("SELECT CAST(pg_notify($1, $2) AS TEXT)")
            .bind(ack_channel(&cluster.node))
            .bind(format!("{} other", parts[1]))
            .execute(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        assert_eq!(told.await.unwrap(), Ok(()));
        assert!(started.elapsed() < TTL, "waited out the cache although confirmed");

        // Stopped by a guard: nothing committed, nothing told, nothing waited for.
        let mut stopped = insert("stopped");
        stopped
            .sql("UPDATE throttle SET failures = 2 WHERE key = 'missing'")
            .one(Stop::Used);
        assert_eq!(
            store.run_and_tell(&stopped, Change::User("u")).await.unwrap(),
            Err(Stop::Used)
        );
        assert!(!has_key(&store, "stopped").await);
        assert!(
            tokio::time::timeout(Duration::from_millis(300), other.recv())
                .await
                .is_err(),
            "a stopped script told the others"
        );

        // The nodes' lock, both ways.
        let mut holder = sqlx::PgConnection::connect(&db.url).await.unwrap();
        hold(&mut holder, "pg_advisory_xact_lock_shared").await;
        let beat = tokio::spawn({
            let cluster = Arc::clone(&cluster);
            async move { cluster.heartbeat().await.unwrap() }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !beat.is_finished(),
            "a node joined while a told script could miss it"
        );
        holder.execute("COMMIT").await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), beat)
            .await
            .unwrap()
            .unwrap();
        // The heartbeat's lease: half of the time the others count it, from when it was sent.
        let until = cluster.cache.lease_until().unwrap();
        let half = (Instant::now() + LIVE_FOR / 2).into_std();
        assert!(
            until <= half && until + Duration::from_secs(1) > half,
            "lease until {until:?}"
        );

        sqlx::query("DELETE FROM cache_nodes WHERE node_id = 'other'")
            .execute(&mut *store.write.get().await.unwrap())
            .await
            .unwrap();
        hold(&mut holder, "pg_advisory_xact_lock").await;
        let told = tokio::spawn({
            let store = Arc::clone(&store);
            async move { store.run_and_tell(&insert("j"), Change::User("u")).await.unwrap() }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !told.is_finished(),
            "a told script counted the nodes while one was joining"
        );
        holder.execute("COMMIT").await.unwrap();
        assert_eq!(
            tokio::time::timeout(Duration::from_secs(5), told)
                .await
                .unwrap()
                .unwrap(),
            Ok(())
        );
        store.close().await;
    }
}

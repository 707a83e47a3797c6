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
use crate::db;
use umbral_core::ports::StoreError;

/// The channel every node listens on for the others' changes.
const CHANGES: &str = "umbral_cache";
/// A node's heartbeat older than this no longer counts it among the nodes to wait for.
const LIVE_FOR: Duration = Duration::from_secs(10);
/// How often a node writes its heartbeat.
const BEAT_EVERY: Duration = Duration::from_secs(1);
/// The database's clock, in milliseconds: every node's heartbeat is read against the same clock.
const DB_NOW_MS: &str = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
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
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO cache_nodes (node_id, seen_at) VALUES ($1, {DB_NOW_MS}) \
             ON CONFLICT (node_id) DO UPDATE SET seen_at = excluded.seen_at"
        )))
        .bind(&self.node)
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

    /// Tells the other nodes about a committed change, and returns once each caching node
    /// confirmed it or the cache's time to live has passed since the commit.
    pub(crate) async fn broadcast(&self, change: &Change<'_>) {
        let deadline = Instant::now() + TTL;
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let wake = Arc::new(Notify::new());
        self.waiting().insert(
            seq,
            Waiter {
                confirmed: HashSet::new(),
                wake: Arc::clone(&wake),
            },
        );
        let sent = sqlx::query_scalar::<_, Option<String>>(sqlx::AssertSqlSafe(format!(
            "WITH sent AS (SELECT pg_notify($1, $2)) \
             SELECT (SELECT string_agg(node_id, ' ') FROM cache_nodes \
                     WHERE node_id <> $3 AND seen_at > {DB_NOW_MS} - $4) FROM sent"
        )))
        .bind(CHANGES)
        .bind(format!("{} {seq} {}", self.node, change.encode()))
        .bind(&self.node)
        .bind(LIVE_FOR.as_millis() as i64)
        .fetch_one(&self.pool)
        .await;
        let expected: Option<HashSet<String>> = match sent {
            Ok(nodes) => Some(
                nodes
                    .unwrap_or_default()
                    .split(' ')
                    .filter(|n| !n.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            Err(e) => {
                tracing::warn!(error = %e, "cannot tell the other nodes about a change; waiting out their caches");
                None
            }
        };
        loop {
            if let Some(expected) = &expected {
                let waiting = self.waiting();
                let confirmed = waiting.get(&seq).map(|w| &w.confirmed);
                if confirmed.is_some_and(|c| expected.is_subset(c)) {
                    break;
                }
            }
            if tokio::time::timeout_at(deadline, wake.notified()).await.is_err() {
                if expected.is_some() {
                    tracing::warn!("a node did not confirm a change in time; waited out its cache");
                }
                break;
            }
        }
        self.waiting().remove(&seq);
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

fn ack_channel(node: &str) -> String {
    format!("umbral_ack_{node}")
}

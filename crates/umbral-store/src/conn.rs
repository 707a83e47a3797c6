//! Where the store's connections come from.
//!
//! On PostgreSQL, a sqlx pool. On SQLite, connections the store owns: one writer (SQLite has one
//! writer anyway) and a few readers, each lent to one task at a time. Each SQLite connection
//! lives on a thread of its own, so every message to it is a wake-up of that thread. sqlx's pool
//! pings a connection every time it comes back, which on a file is one more such wake-up per
//! query and tells nothing. Owned connections skip it (ADR 0008).

use std::ops::{Deref, DerefMut};

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor};
use tokio::sync::{Mutex, MutexGuard, Semaphore, SemaphorePermit};
use umbral_core::ports::{StoreError, StoreResult};

use crate::db;

/// How long a task waits for a connection before it answers an error, as sqlx's pool does.
const WAIT: std::time::Duration = std::time::Duration::from_secs(10);

pub(crate) enum Conns {
    Pool(AnyPool),
    /// As many permits as slots: a task holding a permit always finds a free slot.
    Owned {
        url: String,
        slots: Vec<Mutex<Slot>>,
        free: Semaphore,
    },
}

pub(crate) struct Slot {
    /// Opened when first lent (readers; the writer at once), taken when the store closes.
    conn: Option<AnyConnection>,
    /// A one-message transaction (`script.rs`) was sent and its end not seen: the task that
    /// sent it was cancelled. The next user rolls it back first.
    pub(crate) unfinished_script: bool,
}

/// A connection lent for a while; derefs to the connection.
pub(crate) enum Handle<'a> {
    Pooled(PoolConnection<Any>),
    /// The guard is dropped before the permit, so a slot is free before its permit is.
    Owned {
        slot: MutexGuard<'a, Slot>,
        _permit: SemaphorePermit<'a>,
    },
}

impl Handle<'_> {
    /// The owned slot behind this handle (SQLite), to mark a one-message transaction.
    pub(crate) fn slot(&mut self) -> Option<&mut Slot> {
        match self {
            Handle::Pooled(_) => None,
            Handle::Owned { slot: g, .. } => Some(g),
        }
    }
}

impl Deref for Handle<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            Handle::Pooled(c) => c,
            // `get` opens a slot's connection before lending it.
            Handle::Owned { slot: g, .. } => g
                .conn
                .as_ref()
                .unwrap_or_else(|| unreachable!("lent an unopened slot")),
        }
    }
}

impl DerefMut for Handle<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Handle::Pooled(c) => c,
            Handle::Owned { slot: g, .. } => g
                .conn
                .as_mut()
                .unwrap_or_else(|| unreachable!("lent an unopened slot")),
        }
    }
}

/// Opens one SQLite connection with Umbral's settings.
pub(crate) async fn open_sqlite(url: &str) -> Result<AnyConnection, sqlx::Error> {
    let mut conn = AnyConnection::connect(url).await?;
    conn.execute("PRAGMA journal_mode = WAL").await?;
    conn.execute("PRAGMA synchronous = FULL").await?;
    conn.execute("PRAGMA foreign_keys = ON").await?;
    conn.execute("PRAGMA busy_timeout = 10000").await?;
    Ok(conn)
}

impl Conns {
    /// `count` connections to `url`, of which `open_now` are opened at once and the others
    /// when first needed (the lowest free slot is lent first, so only as many open as were ever
    /// busy at once).
    pub(crate) async fn sqlite(url: &str, count: u32, open_now: u32) -> Result<Self, StoreError> {
        let mut slots = Vec::new();
        for i in 0..count.max(1) {
            let conn = match i < open_now {
                true => Some(open_sqlite(url).await.map_err(db)?),
                false => None,
            };
            slots.push(Mutex::new(Slot {
                conn,
                unfinished_script: false,
            }));
        }
        Ok(Conns::Owned {
            url: url.to_string(),
            free: Semaphore::new(slots.len()),
            slots,
        })
    }

    /// Lends a connection, waiting up to [`WAIT`] for one to be free.
    pub(crate) async fn get(&self) -> StoreResult<Handle<'_>> {
        let (url, slots, free) = match self {
            Conns::Pool(p) => return Ok(Handle::Pooled(p.acquire().await.map_err(db)?)),
            Conns::Owned { url, slots, free } => (url, slots, free),
        };
        let permit = match tokio::time::timeout(WAIT, free.acquire()).await {
            Ok(Ok(p)) => p,
            Ok(Err(_)) => return Err(StoreError::Backend("the database is closed".into())),
            Err(_) => return Err(StoreError::Backend("no database connection free for 10 s".into())),
        };
        let Some(mut slot) = slots.iter().find_map(|s| s.try_lock().ok()) else {
            return Err(StoreError::Backend("no free connection behind a permit".into()));
        };
        let unfinished = slot.unfinished_script;
        let conn = match slot.conn.take() {
            Some(c) => slot.conn.insert(c),
            None => slot.conn.insert(open_sqlite(url).await.map_err(db)?),
        };
        if unfinished {
            // Whether it committed or stopped half-way, nothing of it may stay open.
            let _ = conn.execute("ROLLBACK").await;
            conn.execute("PRAGMA synchronous = FULL").await.map_err(db)?;
            slot.unfinished_script = false;
        }
        Ok(Handle::Owned {
            slot,
            _permit: permit,
        })
    }

    pub(crate) async fn close(&self) {
        match self {
            Conns::Pool(p) => p.close().await,
            Conns::Owned { slots, free, .. } => {
                free.close();
                for s in slots {
                    if let Some(c) = s.lock().await.conn.take() {
                        let _ = c.close().await;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TestDatabase;

    fn opened(c: &Conns) -> usize {
        match c {
            Conns::Pool(_) => 0,
            Conns::Owned { slots, .. } => slots
                .iter()
                .filter(|s| s.try_lock().is_ok_and(|s| s.conn.is_some()))
                .count(),
        }
    }

    #[tokio::test]
    async fn readers_open_only_as_many_as_were_busy_at_once() {
        sqlx::any::install_default_drivers();
        let db = TestDatabase::sqlite();
        let url = format!("{}?mode=rwc", db.url);
        let readers = Conns::sqlite(&url, 4, 1).await.unwrap();
        assert_eq!(opened(&readers), 1);
        for _ in 0..5 {
            let mut c = readers.get().await.unwrap();
            c.execute("SELECT 1").await.unwrap();
        }
        assert_eq!(opened(&readers), 1, "one at a time reuses the first");
        let (mut a, mut b) = (readers.get().await.unwrap(), readers.get().await.unwrap());
        a.execute("SELECT 1").await.unwrap();
        b.execute("SELECT 1").await.unwrap();
        drop((a, b));
        assert_eq!(opened(&readers), 2);
        readers.close().await;
        assert_eq!(opened(&readers), 0);
        assert!(readers.get().await.is_err(), "closed");
    }
}

//! Where the store's connections come from.
//!
//! On PostgreSQL, a sqlx pool. On SQLite, connections the store owns: one writer (SQLite has one
//! writer anyway) and a few readers, each lent to one task at a time. Each SQLite connection
//! lives on a thread of its own, so every message to it is a wake-up of that thread. sqlx's pool
//! pings a connection every time it comes back, which on a file is one more such wake-up per
//! query and tells nothing. Owned connections skip it (ADR 0008).

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor};
use tokio::sync::{Mutex, MutexGuard, Semaphore, SemaphorePermit};
use umbral_core::ports::{StoreError, StoreResult};

use crate::db;
use crate::flush::Flusher;

/// How long a task waits for a connection before it answers an error, as sqlx's pool does.
const WAIT: std::time::Duration = std::time::Duration::from_secs(10);

pub(crate) enum Conns {
    Pool(AnyPool),
    /// As many permits as slots: a task holding a permit always finds a free slot.
    Owned {
        /// To open a connection again in place of one left in a broken state.
        url: String,
        slots: Vec<Mutex<Slot>>,
        free: Semaphore,
        /// Connections used on the calling thread (none for an in-memory database).
        inline: Option<Arc<Inline>>,
        /// The readers': the writer's inline connection, read first when it is free.
        writer: Option<Arc<Inline>>,
    },
}

/// SQLite connections used on the calling thread, for the sign-in's short statements: no
/// connection thread to wake, and no wake-up of ours when it answers (ADR 0009). A call holds one
/// only while it runs, never across an `await`, so a few serve every runtime thread. Calls into
/// the writer's are made while its slot is held, so it never meets the other writer.
pub(crate) struct Inline {
    conns: Vec<std::sync::Mutex<Option<rusqlite::Connection>>>,
    /// To open a connection again in place of one left inside a transaction.
    file: String,
    relaxed: bool,
    /// Commits on the writer's since its last checkpoint (see `Script::run`).
    pub(crate) commits: std::sync::atomic::AtomicU32,
    /// The writer's: syncs the write-ahead log for the commits that must reach the disk before
    /// they are answered (ADR 0016).
    pub(crate) flusher: Option<Flusher>,
}

impl Inline {
    /// `relaxed` (the writer's): commits do not wait for the disk, and leave checkpoints to the
    /// other writer. Readers never write, so they need neither setting.
    fn open(file: &str, count: usize, relaxed: bool) -> StoreResult<Self> {
        let mut conns = Vec::new();
        for _ in 0..count.max(1) {
            conns.push(std::sync::Mutex::new(Some(
                Self::connect(file, relaxed).map_err(inline_err)?,
            )));
        }
        let flusher = if relaxed {
            let wal = std::path::PathBuf::from(format!("{file}-wal"));
            Some(Flusher::start(wal).map_err(|e| StoreError::Backend(e.to_string()))?)
        } else {
            None
        };
        Ok(Self {
            conns,
            file: file.to_string(),
            relaxed,
            commits: Default::default(),
            flusher,
        })
    }

    fn connect(file: &str, relaxed: bool) -> Result<rusqlite::Connection, rusqlite::Error> {
        let c = rusqlite::Connection::open(file)?;
        c.pragma_update(None, "foreign_keys", "ON")?;
        // Never wait for a lock on a runtime thread: another process holding the file's
        // lock (an import, a backup) sends the call to a connection's own thread instead.
        c.busy_timeout(std::time::Duration::ZERO)?;
        if relaxed {
            c.pragma_update(None, "synchronous", "NORMAL")?;
            // A checkpoint writes and syncs the database file; not on a runtime thread.
            c.pragma_update(None, "wal_autocheckpoint", 0)?;
        }
        Ok(c)
    }

    /// Makes sure `conn` is outside any transaction: a call that failed (a full disk, an I/O
    /// error) or panicked half-way may have left one open, and every later write would land in
    /// it and never be committed. Rolls it back, or opens the connection again when SQLite
    /// refuses even that.
    fn settle(&self, conn: &mut Option<rusqlite::Connection>) -> StoreResult<()> {
        if let Some(c) = conn.as_ref() {
            if c.is_autocommit() {
                return Ok(());
            }
            if c.execute_batch("ROLLBACK").is_ok() && c.is_autocommit() {
                return Ok(());
            }
            tracing::warn!("an inline SQLite connection stayed inside a transaction; opening it again");
        }
        // Dropping the old connection closes it, which rolls back whatever it held.
        *conn = None;
        *conn = Some(Self::connect(&self.file, self.relaxed).map_err(inline_err)?);
        Ok(())
    }

    /// Runs `f` on the first connection if it is free this instant; `Ok(None)` when it is not,
    /// or when the file is locked by another process.
    pub(crate) fn try_with<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, rusqlite::Error>,
    ) -> StoreResult<Option<T>> {
        match self.conns[0].try_lock() {
            Ok(guard) => self.run(guard, f),
            Err(_) => Ok(None),
        }
    }

    /// Runs `f` on a free connection, or waits for the first one (calls are short).
    /// `None`: the file is locked by another process, and `f` changed nothing; the caller goes
    /// through a connection's own thread, which may wait for the lock.
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, rusqlite::Error>,
    ) -> StoreResult<Option<T>> {
        let guard = match self.conns.iter().find_map(|c| c.try_lock().ok()) {
            Some(g) => g,
            // A poisoned lock holds a connection whose call panicked; what it left open is
            // rolled back below.
            None => self.conns[0].lock().unwrap_or_else(|p| p.into_inner()),
        };
        self.run(guard, f)
    }

    fn run<T>(
        &self,
        mut guard: std::sync::MutexGuard<'_, Option<rusqlite::Connection>>,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, rusqlite::Error>,
    ) -> StoreResult<Option<T>> {
        if guard.is_none() {
            return Err(StoreError::Backend("the database is closed".into()));
        }
        self.settle(&mut guard)?;
        let conn = guard
            .as_ref()
            .ok_or_else(|| StoreError::Backend("the database is closed".into()))?;
        let result = f(conn);
        if result.is_err() {
            self.settle(&mut guard)?;
        }
        match result {
            Ok(v) => Ok(Some(v)),
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(inline_err(e)),
        }
    }

    fn close(&self) {
        if let Some(f) = &self.flusher {
            f.close();
        }
        for c in &self.conns {
            c.lock().unwrap_or_else(|p| p.into_inner()).take();
        }
    }
}

/// Maps an error of an inline connection as [`crate::db`] maps sqlx's.
pub(crate) fn inline_err(e: rusqlite::Error) -> StoreError {
    use rusqlite::ffi;
    if let rusqlite::Error::SqliteFailure(f, message) = &e
        && matches!(
            f.extended_code,
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        )
    {
        return StoreError::Conflict(message.clone().unwrap_or_else(|| f.to_string()));
    }
    StoreError::Backend(e.to_string())
}

/// Binds `args` to the `$1`, `$2`, ... of a statement (SQLite names them `$1`, `$2`, ...).
pub(crate) fn bind_inline(
    statement: &mut rusqlite::Statement<'_>,
    args: &[&dyn rusqlite::ToSql],
) -> Result<(), rusqlite::Error> {
    for (i, a) in args.iter().enumerate() {
        if let Some(index) = statement.parameter_index(&format!("${}", i + 1))? {
            statement.raw_bind_parameter(index, a)?;
        }
    }
    Ok(())
}

pub(crate) struct Slot {
    /// `None` once the store is closed.
    conn: Option<AnyConnection>,
    /// The last user may have left a transaction open: a one-message transaction
    /// (`script.rs`) failed, or its task was cancelled before the answer. The next user makes
    /// sure nothing of it stays open first (`Conns::get`).
    pub(crate) suspect: bool,
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
            // `get` never lends a closed slot.
            Handle::Owned { slot: g, .. } => g
                .conn
                .as_ref()
                .unwrap_or_else(|| unreachable!("lent a closed slot")),
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
                .unwrap_or_else(|| unreachable!("lent a closed slot")),
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

/// Makes sure a lent connection is outside any transaction before its next user writes through
/// it. A write that failed (a full disk, an I/O error) can leave SQLite inside a transaction, or
/// sqlx counting one that SQLite already ended; every later write would then land in a
/// transaction that is never committed, and be acknowledged all the same. So: roll back what a
/// suspect user may have left, and open the connection again when that does not bring it back
/// to autocommit. Costs nothing on the usual path: both checks read flags.
async fn settle(url: &str, slot: &mut Slot) -> StoreResult<()> {
    let Some(conn) = slot.conn.as_mut() else {
        return Err(StoreError::Backend("the database is closed".into()));
    };
    if !slot.suspect && !conn.is_in_transaction() {
        return Ok(());
    }
    // A dropped transaction's rollback is queued to the connection's thread: one round trip
    // lets it run. `synchronous` cannot change inside a transaction, so setting it back (a
    // relaxed script may have left NORMAL) also proves SQLite is in autocommit.
    let clean = if slot.suspect {
        let _ = conn.execute("ROLLBACK").await;
        conn.execute("PRAGMA synchronous = FULL").await.is_ok()
    } else {
        conn.ping().await.is_ok()
    } && !conn.is_in_transaction();
    if !clean {
        tracing::warn!("a SQLite connection stayed inside a transaction after an error; opening it again");
        if let Some(old) = slot.conn.take() {
            // Closing rolls back whatever the old connection held.
            let _ = old.close_hard().await;
        }
        slot.conn = Some(open_sqlite(url).await.map_err(db)?);
    }
    slot.suspect = false;
    Ok(())
}

impl Conns {
    /// `count` connections lent to tasks, and `inline` used on the calling thread (ADR 0009).
    /// `writer`: the inline connection commits without waiting for the disk, and scripts that
    /// must reach it wait for its flusher's sync of the log (ADR 0016).
    pub(crate) async fn sqlite(
        url: &str,
        count: u32,
        inline: usize,
        writer: bool,
    ) -> Result<Self, StoreError> {
        let mut slots = Vec::new();
        for _ in 0..count.max(1) {
            slots.push(Mutex::new(Slot {
                conn: Some(open_sqlite(url).await.map_err(db)?),
                suspect: false,
            }));
        }
        let file: String = match slots[0].get_mut().conn.as_mut() {
            Some(c) => sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                .fetch_one(c)
                .await
                .map_err(db)?,
            None => String::new(),
        };
        let inline = if file.is_empty() {
            None
        } else {
            Some(Arc::new(Inline::open(&file, inline, writer)?))
        };
        Ok(Conns::Owned {
            url: url.to_string(),
            free: Semaphore::new(slots.len()),
            slots,
            inline,
            writer: None,
        })
    }

    /// Lets these readers read on `writer`'s inline connection when it is free. Its page cache
    /// stays warm: a WAL connection keeps its cache across its own commits, while every other
    /// connection drops its whole cache at the first read after any commit and reads the pages
    /// again from the files. A read there waits for no write: it is tried only when the
    /// connection is free that instant.
    pub(crate) fn read_on_writer(&mut self, writer: &Conns) {
        if let Conns::Owned { writer: mine, .. } = self {
            *mine = writer.inline().cloned();
        }
    }

    /// The writer's inline connection, for reads (see [`Conns::read_on_writer`]).
    pub(crate) fn writer_inline(&self) -> Option<&Arc<Inline>> {
        match self {
            Conns::Owned { writer, .. } => writer.as_ref(),
            Conns::Pool(_) => None,
        }
    }

    /// The connections used on the calling thread, if any (SQLite on a file).
    pub(crate) fn inline(&self) -> Option<&Arc<Inline>> {
        match self {
            Conns::Owned { inline, .. } => inline.as_ref(),
            Conns::Pool(_) => None,
        }
    }

    /// Lends a connection, waiting up to [`WAIT`] for one to be free.
    pub(crate) async fn get(&self) -> StoreResult<Handle<'_>> {
        let (url, slots, free) = match self {
            Conns::Pool(p) => return Ok(Handle::Pooled(p.acquire().await.map_err(db)?)),
            Conns::Owned { url, slots, free, .. } => (url, slots, free),
        };
        let permit = match tokio::time::timeout(WAIT, free.acquire()).await {
            Ok(Ok(p)) => p,
            Ok(Err(_)) => return Err(StoreError::Backend("the database is closed".into())),
            Err(_) => return Err(StoreError::Backend("no database connection free for 10 s".into())),
        };
        let Some(mut slot) = slots.iter().find_map(|s| s.try_lock().ok()) else {
            return Err(StoreError::Backend("no free connection behind a permit".into()));
        };
        settle(url, &mut slot).await?;
        Ok(Handle::Owned {
            slot,
            _permit: permit,
        })
    }

    pub(crate) async fn close(&self) {
        match self {
            Conns::Pool(p) => p.close().await,
            Conns::Owned {
                slots, free, inline, ..
            } => {
                free.close();
                if let Some(i) = inline {
                    i.close();
                }
                for s in slots {
                    if let Some(c) = s.lock().await.conn.take() {
                        let _ = c.close().await;
                    }
                }
            }
        }
    }
}

//! Scripts: guards, the inline writer and its syncs, PostgreSQL's one trip, failure.

use super::*;
use crate::SqlStore;
use crate::test_support::TestDatabase;

/// One throttle row per key: the smallest write these tests need.
const INSERT: &str =
    "INSERT INTO throttle (key, failures, window_started_at, last_failure_at) VALUES ($1, 1, 0, 0)";

/// A migrated store on a fresh SQLite file, removed when the database is dropped.
async fn sqlite_store() -> (TestDatabase, SqlStore) {
    let db = TestDatabase::sqlite();
    let store = SqlStore::connect(&db.url, 2).await.unwrap();
    store.migrate().await.unwrap();
    (db, store)
}

/// A script that inserts one row per key.
fn inserts(keys: &[&str]) -> Script {
    let mut s = Script::default();
    for k in keys {
        s.sql(INSERT).arg(*k);
    }
    s
}

async fn keys(store: &SqlStore) -> Vec<String> {
    let mut conn = store.write.get().await.unwrap();
    sqlx::query_scalar("SELECT key FROM throttle ORDER BY key")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
}

async fn synchronous(store: &SqlStore) -> i64 {
    let mut conn = store.write.get().await.unwrap();
    sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// Only the relaxed script's own commit skips the disk: after it, whether it committed or
/// failed, the writer waits for the disk again (FULL = 2).
#[tokio::test]
async fn a_relaxed_script_leaves_the_writer_durable() {
    let (_db, store) = sqlite_store().await;
    assert_eq!(synchronous(&store).await, 2);
    inserts(&["relaxed"]).relaxed().run(&store.write).await.unwrap();
    assert_eq!(synchronous(&store).await, 2, "after a commit");
    // The same key again breaks the primary key half-way through.
    let failed = inserts(&["other", "relaxed"]).relaxed().run(&store.write).await;
    assert!(failed.is_err());
    assert_eq!(synchronous(&store).await, 2, "after a failure");
    assert_eq!(keys(&store).await, ["relaxed"], "the failed script left nothing");
}

/// A script whose task was dropped mid-way leaves a transaction open on the writer; the
/// writer's next user rolls it back instead of failing or committing it.
#[tokio::test]
async fn the_next_user_of_the_writer_undoes_a_script_cut_short() {
    let (_db, store) = sqlite_store().await;
    let mut conn = store.write.get().await.unwrap();
    conn.execute("PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE; INSERT INTO throttle (key, failures, window_started_at, last_failure_at) VALUES ('cut', 1, 0, 0)")
        .await
        .unwrap();
    conn.slot().unwrap().suspect = true;
    drop(conn);

    inserts(&["whole"]).run(&store.write).await.unwrap();
    assert_eq!(keys(&store).await, ["whole"]);
    assert_eq!(synchronous(&store).await, 2, "FULL again");
}

/// Relaxed scripts commit on the inline writer, which never checkpoints on its own; the
/// write-ahead log must still be checkpointed, or it would grow for as long as only sign-ins
/// are written.
#[tokio::test]
async fn relaxed_commits_are_checkpointed() {
    let (_db, store) = sqlite_store().await;
    let commits = CHECKPOINT_EVERY * 2 + 100;
    for i in 0..commits {
        let key = format!("k{i}");
        inserts(&[&key]).relaxed().run(&store.write).await.unwrap();
    }
    let mut conn = store.write.get().await.unwrap();
    // (busy, frames in the log, frames checkpointed)
    let (_, frames, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert!(
        frames < i64::from(CHECKPOINT_EVERY) * 2,
        "{frames} frames in the log after {commits} commits"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM throttle")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(rows, i64::from(commits));
}

/// Another process holding the file's write lock (an import, a backup) must not stall a
/// runtime thread: the relaxed script then waits on a connection's own thread. The test
/// runtime has one thread, so a blocked call would stop the ticker too.
#[tokio::test]
async fn a_file_locked_elsewhere_does_not_block_the_calling_thread() {
    let (_db, store) = sqlite_store().await;
    let mut conn = store.write.get().await.unwrap();
    let file: String = sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let other = std::thread::spawn(move || {
        let c = rusqlite::Connection::open(file).unwrap();
        c.execute_batch("BEGIN IMMEDIATE").unwrap();
        locked_tx.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        c.execute_batch("COMMIT").unwrap();
    });
    locked_rx.recv().unwrap();
    let ticks = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let ticker = tokio::spawn({
        let ticks = ticks.clone();
        async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                ticks.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    inserts(&["after the lock"])
        .relaxed()
        .run(&store.write)
        .await
        .unwrap();
    ticker.abort();
    other.join().unwrap();
    assert!(
        ticks.load(Ordering::Relaxed) >= 10,
        "the runtime's thread ticked {} times while the file was locked",
        ticks.load(Ordering::Relaxed)
    );
}

/// A call on an inline connection that left a transaction open (it panicked half-way) does
/// not break the next one: what it left is rolled back first.
#[tokio::test]
async fn an_inline_transaction_left_open_is_rolled_back() {
    let (_db, store) = sqlite_store().await;
    let inline = store.write.inline().unwrap();
    inline
        .with(|c| c.execute_batch("BEGIN IMMEDIATE; INSERT INTO throttle (key, failures, window_started_at, last_failure_at) VALUES ('left', 1, 0, 0)"))
        .unwrap();
    inserts(&["next"]).relaxed().run(&store.write).await.unwrap();
    assert_eq!(keys(&store).await, ["next"]);
}

/// Throttle keys another connection sees: only what was committed.
async fn committed_keys(store: &SqlStore) -> Vec<String> {
    sqlx::query_scalar("SELECT key FROM throttle ORDER BY key")
        .fetch_all(&mut *store.read.get().await.unwrap())
        .await
        .unwrap()
}

/// A full disk can end SQLite's transaction under sqlx (SQLite rolls back by itself on
/// SQLITE_FULL), so sqlx's rollback fails and it goes on counting a transaction. Its next
/// transaction is then a savepoint, whose rollback leaves SQLite inside a transaction: every
/// later write lands there, is acknowledged, and is never committed. The writer must be
/// brought back to autocommit, or opened again, before it is lent.
#[tokio::test]
async fn a_transaction_sqlx_still_counts_after_sqlite_ended_it_never_swallows_writes() {
    let (_db, store) = sqlite_store().await;
    {
        let mut conn = store.write.get().await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        // What SQLite does by itself on a full disk.
        tx.execute("ROLLBACK").await.unwrap();
    } // sqlx's rollback now fails: "no transaction is active".
    // A transaction that fails half-way (a taken key).
    {
        let mut conn = store.write.get().await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        assert!(inserts(&["dup", "dup"]).run_in(&mut tx).await.is_err());
    }
    // Every kind of write afterwards is committed.
    sqlx::query(INSERT)
        .bind("single")
        .execute(&mut *store.write.get().await.unwrap())
        .await
        .unwrap();
    {
        let mut conn = store.write.get().await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        inserts(&["tx"]).run_in(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
    }
    inserts(&["script"]).run(&store.write).await.unwrap();
    inserts(&["relaxed"]).relaxed().run(&store.write).await.unwrap();
    assert_eq!(
        committed_keys(&store).await,
        ["relaxed", "script", "single", "tx"]
    );
    assert_eq!(synchronous(&store).await, 2, "FULL again");
}

/// A guard that changes no row stops the script, and nothing of it stays; one that changes
/// its row lets the rest commit. On a SQLite file (the inline writer), on its connection's
/// own thread (an in-memory database has no inline writer) and on PostgreSQL.
#[tokio::test]
async fn a_guard_that_changes_no_row_stops_the_whole_script() {
    let mut stores = vec![sqlite_store().await];
    let memory = SqlStore::connect("sqlite::memory:", 1).await.unwrap();
    memory.migrate().await.unwrap();
    if let Some(admin) = crate::test_support::postgres_admin_url() {
        let db = TestDatabase::postgres(&admin).await;
        let store = SqlStore::connect(&db.url, 2).await.unwrap();
        store.migrate().await.unwrap();
        stores.push((db, store));
    }
    let guarded = |key: &str, guard_key: &str| {
        let mut s = inserts(&[key]);
        s.sql("UPDATE throttle SET failures = failures + 1 WHERE key = $1")
            .arg(guard_key)
            .one(Stop::Used);
        s.sql(INSERT).arg(format!("{key}-after").as_str());
        s
    };
    // (An in-memory database is the writer's own: it is read there.)
    let mut all: Vec<(&SqlStore, bool)> = stores.iter().map(|(_, s)| (s, false)).collect();
    all.push((&memory, true));
    for (store, in_memory) in all {
        let seen = || async {
            if in_memory {
                keys(store).await
            } else {
                committed_keys(store).await
            }
        };
        let stopped = guarded("a", "missing").run_guarded(&store.write).await.unwrap();
        assert_eq!(stopped, Err(Stop::Used));
        assert!(seen().await.is_empty(), "the stopped script left rows");
        let ran = guarded("b", "b").run_guarded(&store.write).await.unwrap();
        assert_eq!(ran, Ok(3));
        assert_eq!(seen().await, ["b", "b-after"]);
    }
}

/// A script that is not relaxed is answered only once the write-ahead log was synced after
/// its commit; a relaxed one does not wait; neither holds the writer while it waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[expect(clippy::await_holding_lock, reason = "holding the sync back is the test")]
async fn a_durable_script_is_answered_after_the_log_is_synced() {
    let (_db, store) = sqlite_store().await;
    let store = std::sync::Arc::new(store);
    let flusher = store.write.inline().unwrap().flusher.as_ref().unwrap();
    let held = flusher.hold();
    let durable = tokio::spawn({
        let store = std::sync::Arc::clone(&store);
        async move { inserts(&["durable"]).run(&store.write).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    assert!(
        !durable.is_finished(),
        "answered before its commit reached the disk"
    );
    // Committed, and the writer is free for others meanwhile.
    inserts(&["relaxed"]).relaxed().run(&store.write).await.unwrap();
    assert_eq!(committed_keys(&store).await, ["durable", "relaxed"]);
    drop(held);
    tokio::time::timeout(std::time::Duration::from_secs(5), durable)
        .await
        .expect("answered once synced")
        .unwrap()
        .unwrap();
}

/// Values written into PostgreSQL's one-trip script arrive as they were: quotes,
/// backslashes, a `$1` inside a value, numbers at their edges. A NUL is refused.
#[tokio::test]
async fn values_reach_postgres_as_they_are() {
    let Some(admin) = crate::test_support::postgres_admin_url() else {
        return;
    };
    let db = TestDatabase::postgres(&admin).await;
    let store = SqlStore::connect(&db.url, 2).await.unwrap();
    store.migrate().await.unwrap();
    let odd = [
        "it's",
        "back\\slash\\",
        "$1 and $2",
        "E'x'",
        "''",
        "\\'; DROP TABLE throttle; --",
        "ñandú 🐧",
    ];
    let mut s = Script::default();
    for (i, v) in odd.iter().enumerate() {
        s.sql("INSERT INTO throttle (key, failures, window_started_at, last_failure_at) VALUES ($1, $2, $3, $4)")
            .arg(*v)
            .arg(i64::MAX - i as i64)
            .arg(i64::MIN)
            .arg(-1);
    }
    assert_eq!(s.run_counted(&store.write).await.unwrap(), odd.len() as u64);
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT key, failures, window_started_at, last_failure_at FROM throttle ORDER BY failures DESC",
    )
    .fetch_all(&mut *store.read.get().await.unwrap())
    .await
    .unwrap();
    for (i, (row, v)) in rows.iter().zip(odd).enumerate() {
        assert_eq!(row, &(v.to_string(), i64::MAX - i as i64, i64::MIN, -1));
    }
    let mut nul = Script::default();
    nul.sql(INSERT).arg("a\0b");
    assert!(nul.run(&store.write).await.is_err());
}

/// What PostgreSQL's one-trip script receives: each `$n` written in as a typed literal,
/// the guards by name, in order.
#[test]
fn postgres_scripts_carry_typed_literals_and_guards() {
    assert_eq!(literal(&Arg::Int(Some(-7))).unwrap(), "(-7)::bigint");
    assert_eq!(literal(&Arg::Int(None)).unwrap(), "NULL::bigint");
    assert_eq!(literal(&Arg::Text(None)).unwrap(), "NULL::text");
    assert_eq!(literal(&"it's a \\".into()).unwrap(), "E'it''s a \\\\'::text");
    assert!(literal(&"a\0b".into()).is_err());
    let mut s = Script::default();
    s.sql("UPDATE t SET a = $2 WHERE b = $1 OR c = $1")
        .arg("x")
        .arg(3)
        .one(Stop::SessionGone);
    s.sql("DELETE FROM t WHERE d = $1").arg("$1");
    let json: serde_json::Value = serde_json::from_str(&s.postgres_text().unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!([
            {"sql": "UPDATE t SET a = (3)::bigint WHERE b = E'x'::text OR c = E'x'::text", "guard": "session_gone"},
            {"sql": "DELETE FROM t WHERE d = E'$1'::text", "guard": null},
        ])
    );
    let mut missing = Script::default();
    missing.sql("SELECT $2").arg("only one");
    assert!(missing.postgres_text().is_err());
}

#[test]
fn placeholders_are_counted_across_statements() {
    assert_eq!(
        shifted("a = $1 AND b = $12 OR c = $1", 3),
        "a = $4 AND b = $15 OR c = $4"
    );
    assert_eq!(shifted("no placeholders", 5), "no placeholders");
    assert_eq!(shifted("x = $", 2), "x = $");
    let mut s = Script::default();
    s.sql("INSERT INTO t VALUES ($1, $2)").arg("a").arg(1);
    s.sql("UPDATE t SET b = $2 WHERE a = $1").arg("a").arg(2);
    let (sql, args) = s.sqlite_text();
    assert_eq!(
        sql,
        "BEGIN IMMEDIATE; INSERT INTO t VALUES ($1, $2); UPDATE t SET b = $4 WHERE a = $3; COMMIT;"
    );
    assert_eq!(args.len(), 4);
    s.relaxed();
    assert!(
        s.sqlite_text()
            .0
            .starts_with("PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE;")
    );
    assert!(s.sqlite_text().0.ends_with("COMMIT; PRAGMA synchronous = FULL;"));
}

/// A read goes to the writer's inline connection when it is free (its page cache is the one a
/// commit leaves warm), and to a reader, without waiting, while a write holds it. A temporary
/// table, seen only by the connection that made it, tells which one answered.
#[tokio::test]
async fn reads_use_the_writers_connection_when_it_is_free() {
    let (_db, store) = sqlite_store().await;
    let writer = std::sync::Arc::clone(store.write.inline().unwrap());
    writer
        .with(|c| c.execute_batch("CREATE TEMP TABLE only_on_the_writer (x)"))
        .unwrap();
    let on_writer = || async {
        crate::rows::read_one(
            &store.read,
            "SELECT COUNT(*) FROM sqlite_temp_master WHERE name = 'only_on_the_writer'",
            &[],
            |r| r.at::<i64>(0),
            |r| sqlx::Row::try_get::<i64, _>(r, 0),
        )
        .await
        .unwrap()
            == Some(1)
    };
    assert!(on_writer().await, "a free writer's connection was not used");

    let (held_tx, held_rx) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        writer
            .with(|_| {
                held_tx.send(()).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(500));
                Ok(())
            })
            .unwrap();
    });
    held_rx.recv().unwrap();
    let started = std::time::Instant::now();
    assert!(
        !on_writer().await,
        "read on the writer's connection while a write held it"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_millis(400),
        "the read waited for the write"
    );
    holder.join().unwrap();
}

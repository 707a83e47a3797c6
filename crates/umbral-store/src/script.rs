//! A write transaction whose statements need nothing from each other's results, built first and
//! then run whole.
//!
//! On SQLite it goes to the writer's thread as one message (`BEGIN IMMEDIATE; ...; COMMIT`)
//! instead of one message per statement plus two for the transaction; each message costs a
//! wake-up of that thread and one of ours (ADR 0008). On PostgreSQL the same statements run one
//! by one in a transaction. So the statements must be portable SQL, with `$n` placeholders
//! counted from 1 in each statement and no `$` elsewhere in their text.
//!
//! On a SQLite file every script runs on the calling thread instead, through the writer's inline
//! connection (ADR 0009): no thread to wake at all. A relaxed one is answered at once; any other
//! once the flusher has synced the write-ahead log after it (ADR 0016).
//!
//! A statement may be a guard ([`Script::one`]): it must change exactly one row, or the script
//! stops there and nothing of it stays. That is how a check's conditional write (a code used up,
//! a session still live) decides whether the rest commits, without a trip back to the caller.

use std::sync::atomic::Ordering;

use sqlx::{Any, AssertSqlSafe, Connection, Executor, Transaction};
use umbral_core::ports::{StoreError, StoreResult};

use crate::conn::{Conns, bind_inline};
use crate::db;

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_string()))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Self {
        Arg::Text(v.clone())
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_string))
    }
}
impl From<&umbral_core::types::UserId> for Arg {
    fn from(v: &umbral_core::types::UserId) -> Self {
        Arg::Text(Some(v.0.clone()))
    }
}
impl From<&umbral_core::types::SessionId> for Arg {
    fn from(v: &umbral_core::types::SessionId) -> Self {
        Arg::Text(Some(v.0.clone()))
    }
}
impl From<&umbral_core::types::OrgId> for Arg {
    fn from(v: &umbral_core::types::OrgId) -> Self {
        Arg::Text(Some(v.0.clone()))
    }
}
impl From<&Option<umbral_core::types::UserId>> for Arg {
    fn from(v: &Option<umbral_core::types::UserId>) -> Self {
        Arg::Text(v.as_ref().map(|id| id.0.clone()))
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}

impl rusqlite::ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Arg::Text(v) => v.to_sql(),
            Arg::Int(v) => v.to_sql(),
        }
    }
}

/// Relaxed commits on the inline writer between two checkpoints of the write-ahead log, which
/// the other writer runs off the runtime's threads (ADR 0009). SQLite's own default is 1,000
/// pages; a session start writes 3-4.
const CHECKPOINT_EVERY: u32 = 250;

/// Why a guarded script stopped: a statement that had to change exactly one row did not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// What it had to use up was used already (a code, a step, a ceremony), or is not there.
    Used,
    /// The session it had to mark was ended meanwhile.
    SessionGone,
}

impl Stop {
    /// The name PostgreSQL's `umbral_script` raises (UM001) when this guard stops a script.
    fn name(self) -> &'static str {
        match self {
            Stop::Used => "used",
            Stop::SessionGone => "session_gone",
        }
    }
}

/// The count of a script run where no guard is expected to stop it: one that did is an error
/// (such a script goes through [`Script::run_guarded`] or [`Script::checked_in`]).
pub(crate) fn unguarded<T>(ran: Result<T, Stop>) -> StoreResult<T> {
    ran.map_err(|stop| StoreError::Backend(format!("a guarded statement stopped a script: {stop:?}")))
}

/// A statement, its arguments, and what stops the script when it does not change one row.
type Statement = (String, Vec<Arg>, Option<Stop>);

/// What a told script sends with it (ADR 0015's addendum): the channel and text of the
/// notification, this node, how recent a heartbeat counts, and the nodes' lock.
pub(crate) struct Told<'a> {
    pub channel: &'a str,
    pub payload: &'a str,
    pub node: &'a str,
    pub live_ms: i64,
    pub nodes_lock: i64,
}

/// A call of a script function: the guard that stopped it (`UM001` with the guard's name), or
/// its answer.
fn guarded_call<T>(answer: Result<T, sqlx::Error>) -> StoreResult<Result<T, Stop>> {
    match answer {
        Ok(v) => Ok(Ok(v)),
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("UM001") => {
            match [Stop::Used, Stop::SessionGone]
                .into_iter()
                .find(|s| s.name() == e.message())
            {
                Some(stop) => Ok(Err(stop)),
                None => Err(StoreError::Backend(e.message().to_string())),
            }
        }
        Err(e) => Err(db(e)),
    }
}

#[derive(Debug, Default)]
pub(crate) struct Script {
    statements: Vec<Statement>,
    relaxed: bool,
}

/// Binds `args` in order to a sqlx query.
pub(crate) fn bind<'q, 'a>(
    mut q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    args: impl IntoIterator<Item = &'a Arg>,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    for a in args {
        q = match a {
            Arg::Text(v) => q.bind(v.clone()),
            Arg::Int(v) => q.bind(*v),
        };
    }
    q
}

/// `sql` with every `$n` replaced by `with(n)` (the text is read once: what `with` answers is
/// never read again).
fn placeholders(sql: &str, mut with: impl FnMut(usize) -> StoreResult<String>) -> StoreResult<String> {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let mut n = String::new();
        while let Some(d) = chars.next_if(char::is_ascii_digit) {
            n.push(d);
        }
        match n.parse::<usize>() {
            Ok(n) => out.push_str(&with(n)?),
            Err(_) => out.push('$'),
        }
    }
    Ok(out)
}

/// `sql` with every `$n` turned into `$(n + offset)`.
fn shifted(sql: &str, offset: usize) -> String {
    placeholders(sql, |n| Ok(format!("${}", n + offset))).unwrap_or_default()
}

/// A value written into a statement as a typed literal, as a bound value of its type would be:
/// inside `E'...'` only the backslash and the quote are special, and both are doubled. A NUL
/// cannot be in PostgreSQL's text, and would end the statement early: refused.
fn literal(a: &Arg) -> StoreResult<String> {
    Ok(match a {
        Arg::Int(Some(v)) => format!("({v})::bigint"),
        Arg::Int(None) => "NULL::bigint".into(),
        Arg::Text(None) => "NULL::text".into(),
        Arg::Text(Some(v)) if v.contains('\0') => {
            return Err(StoreError::Backend("a text value holds a NUL character".into()));
        }
        Arg::Text(Some(v)) => format!("E'{}'::text", v.replace('\\', "\\\\").replace('\'', "''")),
    })
}

impl Script {
    /// Adds a statement; its arguments follow with [`Script::arg`].
    pub(crate) fn sql(&mut self, sql: impl Into<String>) -> &mut Self {
        self.statements.push((sql.into(), Vec::new(), None));
        self
    }

    pub(crate) fn arg(&mut self, a: impl Into<Arg>) -> &mut Self {
        if let Some((_, args, _)) = self.statements.last_mut() {
            args.push(a.into());
        }
        self
    }

    /// Adds `condition` to the last statement, whose text must end with its `WHERE` clause; the
    /// condition's placeholders count from `$1` and its arguments follow with [`Script::arg`].
    pub(crate) fn and(&mut self, condition: &str) -> &mut Self {
        if let Some((sql, args, _)) = self.statements.last_mut() {
            sql.push_str(" AND ");
            sql.push_str(&shifted(condition, args.len()));
        }
        self
    }

    /// The last statement must change exactly one row; else the script stops there with `stop`,
    /// and nothing of it stays.
    pub(crate) fn one(&mut self, stop: Stop) -> &mut Self {
        if let Some((_, _, guard)) = self.statements.last_mut() {
            *guard = Some(stop);
        }
        self
    }

    fn guarded(&self) -> bool {
        self.statements.iter().any(|(_, _, g)| g.is_some())
    }

    /// The commit does not wait for the disk: on SQLite (WAL) it survives the server being
    /// killed, and a power cut may undo it, never half of it. Only for records that can be made
    /// again (ADR 0008). PostgreSQL commits as always.
    pub(crate) fn relaxed(&mut self) -> &mut Self {
        self.relaxed = true;
        self
    }

    /// The statements as one SQLite message, with their arguments in order.
    fn sqlite_text(&self) -> (String, Vec<&Arg>) {
        let mut sql = String::new();
        if self.relaxed {
            sql.push_str("PRAGMA synchronous = NORMAL; ");
        }
        sql.push_str("BEGIN IMMEDIATE; ");
        let mut args: Vec<&Arg> = Vec::new();
        for (s, a, _) in &self.statements {
            sql.push_str(&shifted(s, args.len()));
            sql.push_str("; ");
            args.extend(a.iter());
        }
        sql.push_str("COMMIT;");
        if self.relaxed {
            sql.push_str(" PRAGMA synchronous = FULL;");
        }
        (sql, args)
    }

    /// Runs the statements as one transaction on a connection used on this thread; answers how
    /// many rows they changed, or why a guard stopped them (rolled back).
    fn run_on(&self, c: &rusqlite::Connection) -> Result<Result<u64, Stop>, rusqlite::Error> {
        // Cached like the statements: parsed once per connection.
        c.prepare_cached("BEGIN IMMEDIATE")?.raw_execute()?;
        let result = (|| {
            let mut changed = 0;
            for (sql, args, guard) in &self.statements {
                let mut statement = c.prepare_cached(sql)?;
                let args: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a as _).collect();
                bind_inline(&mut statement, &args)?;
                let n = statement.raw_execute()? as u64;
                if let Some(stop) = guard
                    && n != 1
                {
                    return Ok(Err(*stop));
                }
                changed += n;
            }
            c.prepare_cached("COMMIT")?.raw_execute()?;
            Ok(Ok(changed))
        })();
        if !matches!(result, Ok(Ok(_))) {
            let _ = c.execute_batch("ROLLBACK");
        }
        result
    }

    /// The script as `umbral_script` takes it: `[{"sql": ..., "guard": ...}, ...]`, the values
    /// written in.
    fn postgres_text(&self) -> StoreResult<String> {
        let steps = self
            .statements
            .iter()
            .map(|(sql, args, guard)| {
                let sql = placeholders(sql, |n| {
                    let a = n
                        .checked_sub(1)
                        .and_then(|i| args.get(i))
                        .ok_or_else(|| StoreError::Backend(format!("${n} has no value in a script")))?;
                    literal(a)
                })?;
                Ok(serde_json::json!({"sql": sql, "guard": guard.map(Stop::name)}))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(serde_json::Value::Array(steps).to_string())
    }

    /// The whole transaction in one round trip: the call is its transaction (migration 17).
    async fn run_on_postgres(&self, conn: &mut sqlx::AnyConnection) -> StoreResult<Result<u64, Stop>> {
        let answer = sqlx::query_scalar::<_, i64>("SELECT umbral_script($1)")
            .bind(self.postgres_text()?)
            .fetch_one(conn)
            .await;
        Ok(guarded_call(answer)?.map(|n| u64::try_from(n).unwrap_or_default()))
    }

    /// On PostgreSQL: the script and the notification of what it changed in one call, one
    /// transaction (`umbral_script_told`, migration 18). Answers which other nodes may hold a
    /// cache (their ids, space-separated), read after the script under the nodes' lock.
    pub(crate) async fn run_told(&self, conns: &Conns, told: &Told<'_>) -> StoreResult<Result<String, Stop>> {
        let mut conn = conns.get().await?;
        let answer = sqlx::query_scalar::<_, String>("SELECT umbral_script_told($1, $2, $3, $4, $5, $6)")
            .bind(self.postgres_text()?)
            .bind(told.channel)
            .bind(told.payload)
            .bind(told.node)
            .bind(told.live_ms)
            .bind(told.nodes_lock)
            .fetch_one(&mut *conn)
            .await;
        guarded_call(answer)
    }

    /// Runs the statements inside a transaction already open; answers how many rows they
    /// changed. An unguarded script's (a guard that stops here is an error: use
    /// [`Script::run_guarded`]).
    pub(crate) async fn run_in(&self, tx: &mut Transaction<'_, Any>) -> StoreResult<u64> {
        unguarded(self.checked_in(tx).await?)
    }

    /// The statements one by one inside `tx`, stopping at the first guard that fails (the
    /// caller then drops `tx`, which rolls back).
    pub(crate) async fn checked_in(&self, tx: &mut Transaction<'_, Any>) -> StoreResult<Result<u64, Stop>> {
        let mut changed = 0;
        for (sql, args, guard) in &self.statements {
            let n = bind(sqlx::query(AssertSqlSafe(sql.clone())), args)
                .execute(&mut **tx)
                .await
                .map_err(db)?
                .rows_affected();
            if let Some(stop) = guard
                && n != 1
            {
                return Ok(Err(*stop));
            }
            changed += n;
        }
        Ok(Ok(changed))
    }

    /// Runs the statements as one transaction: all of them or none.
    pub(crate) async fn run(&self, conns: &Conns) -> StoreResult<()> {
        self.run_guarded(conns).await.map(|_| ())
    }

    /// [`Script::run`], answering how many rows the statements changed (a compare-and-set).
    pub(crate) async fn run_counted(&self, conns: &Conns) -> StoreResult<u64> {
        unguarded(self.run_inner(conns, true).await?)
    }

    /// [`Script::run`] for a script with guards: `Err(stop)` when one stopped it, and then
    /// nothing of it stays.
    pub(crate) async fn run_guarded(&self, conns: &Conns) -> StoreResult<Result<u64, Stop>> {
        self.run_inner(conns, false).await
    }

    async fn run_inner(&self, conns: &Conns, counted: bool) -> StoreResult<Result<u64, Stop>> {
        let mut conn = conns.get().await?;
        // The writer's slot is held, so no other write of this process runs meanwhile.
        if conn.slot().is_some()
            && let Some(inline) = conns.inline()
            && let Some(ran) = inline.with(|c| self.run_on(c))?
        {
            if ran.is_err() {
                return Ok(ran);
            }
            if inline.commits.fetch_add(1, Ordering::Relaxed) + 1 >= CHECKPOINT_EVERY {
                inline.commits.store(0, Ordering::Relaxed);
                if let Err(e) = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
                    tracing::warn!(error = %e, "checkpoint of the write-ahead log failed");
                }
            }
            if !self.relaxed
                && let Some(flusher) = &inline.flusher
            {
                let ticket = flusher.ask();
                // Other writes go on while this one waits for the disk (and share its sync).
                drop(conn);
                flusher.synced(ticket).await?;
            }
            return Ok(ran);
        }
        if conn.slot().is_none() {
            return self.run_on_postgres(&mut conn).await;
        }
        // A count or a guard, which SQLite's one-message form cannot give.
        if counted || self.guarded() {
            let mut tx = conn.begin().await.map_err(db)?;
            let ran = self.checked_in(&mut tx).await?;
            if ran.is_ok() {
                tx.commit().await.map_err(db)?;
            }
            return Ok(ran);
        }
        let (sql, args) = self.sqlite_text();
        let q = bind(sqlx::query(AssertSqlSafe(sql)), args);
        // If this task is dropped before the answer, or the script fails (a full disk, a taken
        // key), the slot stays marked and its next user rolls back whatever of it ran
        // (`conn::settle`).
        if let Some(slot) = conn.slot() {
            slot.suspect = true;
        }
        q.execute(&mut *conn).await.map_err(db)?;
        if let Some(slot) = conn.slot() {
            slot.suspect = false;
        }
        Ok(Ok(0))
    }
}

#[cfg(test)]
mod tests;

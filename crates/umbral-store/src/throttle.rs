use async_trait::async_trait;
use sqlx::Any;
use sqlx::Connection;
use umbral_core::audit::AuditEvent;
use umbral_core::clock::UnixMillis;
use umbral_core::ports::{StoreResult, ThrottleState, ThrottleStore};

use crate::audit::insert_audit;
use crate::rows::{Cols, read_one};
use crate::script::Script;
use crate::{SqlStore, db};

fn state(r: &impl Cols) -> Result<ThrottleState, sqlx::Error> {
    Ok(ThrottleState {
        failures: r.col("failures")?,
        window_started_at: r.col("window_started_at")?,
        last_failure_at: r.col("last_failure_at")?,
    })
}

/// Counts one failure for `key` in one statement, so that nodes sharing the database count
/// together; a window that is over starts again.
pub(crate) async fn count_failure<'e>(
    executor: impl sqlx::Executor<'e, Database = Any>,
    key: &str,
    now: UnixMillis,
    window_ms: i64,
) -> StoreResult<ThrottleState> {
    let row = sqlx::query(
            "INSERT INTO throttle (key, failures, window_started_at, last_failure_at) VALUES ($1, 1, $2, $2) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN throttle.window_started_at < $3 THEN 1 ELSE throttle.failures + 1 END, \
               window_started_at = CASE WHEN throttle.window_started_at < $3 THEN $2 ELSE throttle.window_started_at END, \
               last_failure_at = $2 \
             RETURNING failures, window_started_at, last_failure_at",
        )
    .bind(key)
    .bind(now)
    .bind(now - window_ms)
    .fetch_one(executor)
    .await
    .map_err(db)?;
    state(&row).map_err(db)
}

#[async_trait]
impl ThrottleStore for SqlStore {
    async fn throttle_failure(
        &self,
        key: &str,
        now: UnixMillis,
        window_ms: i64,
    ) -> StoreResult<ThrottleState> {
        count_failure(&mut *self.write.get().await?, key, now, window_ms).await
    }

    async fn failed_sign_in(
        &self,
        keys: &[&str],
        now: UnixMillis,
        window_ms: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        for key in keys {
            count_failure(&mut *tx, key, now, window_ms).await?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn throttle_take(
        &self,
        key: &str,
        seen: Option<ThrottleState>,
        now: UnixMillis,
        window_ms: i64,
    ) -> StoreResult<bool> {
        let mut script = Script::default();
        match seen {
            None => {
                script
                    .sql(
                        "INSERT INTO throttle (key, failures, window_started_at, last_failure_at) \
                         VALUES ($1, 1, $2, $2) ON CONFLICT (key) DO NOTHING",
                    )
                    .arg(key)
                    .arg(now);
            }
            Some(s) => {
                script
                    .sql(
                        "UPDATE throttle SET \
                           failures = CASE WHEN window_started_at < $2 THEN 1 ELSE failures + 1 END, \
                           window_started_at = CASE WHEN window_started_at < $2 THEN $3 ELSE window_started_at END, \
                           last_failure_at = $3 \
                         WHERE key = $1 AND failures = $4 AND window_started_at = $5 AND last_failure_at = $6",
                    )
                    .arg(key)
                    .arg(now - window_ms)
                    .arg(now)
                    .arg(s.failures)
                    .arg(s.window_started_at)
                    .arg(s.last_failure_at);
            }
        }
        // A lost count forgives one attempt; it need not wait for the disk (ADR 0008).
        Ok(script.relaxed().run_counted(&self.write).await? == 1)
    }

    async fn throttle_state(&self, key: &str) -> StoreResult<Option<ThrottleState>> {
        // Read before every code check: on this thread on SQLite (ADR 0009).
        let sql = "SELECT failures, window_started_at, last_failure_at FROM throttle WHERE key = $1";
        read_one(&self.read, sql, &[key], |r| state(r), state).await
    }

    async fn throttle_clear(&self, key: &str) -> StoreResult<()> {
        // A count left behind only costs an attempt; it need not wait for the disk (ADR 0008).
        let mut script = Script::default();
        script.sql("DELETE FROM throttle WHERE key = $1").arg(key);
        script.relaxed().run(&self.write).await
    }
}

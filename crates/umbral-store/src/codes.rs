use async_trait::async_trait;
use sqlx::Connection;
use sqlx::{Any, Transaction};
use umbral_core::outbox::OutboxMessage;
use umbral_core::ports::{CodePurpose, CodeRecord, CodeStore, StoreResult};

use crate::outbox::insert_outbox;
use crate::rows::{Cols, read_one};
use crate::script::Script;
use crate::{SqlStore, db};

/// One live code per subject and purpose: a new one replaces the old.
pub(crate) async fn upsert_code(tx: &mut Transaction<'_, Any>, c: &CodeRecord) -> StoreResult<()> {
    sqlx::query("DELETE FROM codes WHERE subject = $1 AND purpose = $2")
        .bind(&c.subject)
        .bind(c.purpose.as_str())
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    sqlx::query(
        "INSERT INTO codes (id, subject, purpose, code_hash, expires_at, attempts, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6)",
    )
    .bind(&c.id)
    .bind(&c.subject)
    .bind(c.purpose.as_str())
    .bind(&c.code_hash)
    .bind(c.expires_at)
    .bind(c.created_at)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

fn code_record(r: &impl Cols, purpose: CodePurpose) -> Result<CodeRecord, sqlx::Error> {
    Ok(CodeRecord {
        id: r.col("id")?,
        subject: r.col("subject")?,
        purpose,
        code_hash: r.col("code_hash")?,
        expires_at: r.col("expires_at")?,
        attempts: r.col("attempts")?,
        created_at: r.col("created_at")?,
    })
}

#[async_trait]
impl CodeStore for SqlStore {
    async fn current_code(&self, subject: &str, purpose: CodePurpose) -> StoreResult<Option<CodeRecord>> {
        // Read before every code check: on this thread on SQLite (ADR 0009).
        let sql = "SELECT id, subject, code_hash, expires_at, attempts, created_at FROM codes \
                   WHERE subject = $1 AND purpose = $2";
        read_one(
            &self.read,
            sql,
            &[subject, purpose.as_str()],
            |r| code_record(r, purpose),
            |r| code_record(r, purpose),
        )
        .await
    }

    async fn take_code_attempt(&self, code_id: &str, max: i64) -> StoreResult<bool> {
        // Counted before the comparison, in one compare-and-set. A power cut may undo the last
        // counts (ADR 0008), which gives back an attempt, never more than the limit at once.
        let mut script = Script::default();
        script
            .sql("UPDATE codes SET attempts = attempts + 1 WHERE id = $1 AND attempts < $2")
            .arg(code_id)
            .arg(max);
        Ok(script.relaxed().run_counted(&self.write).await? == 1)
    }

    async fn replace_code(&self, code: &CodeRecord, message: Option<&OutboxMessage>) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        upsert_code(&mut tx, code).await?;
        if let Some(m) = message {
            insert_outbox(&mut tx, self.outbox_key(), m).await?;
        }
        tx.commit().await.map_err(db)
    }
}

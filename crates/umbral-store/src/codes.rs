use async_trait::async_trait;
use sqlx::Connection;
use sqlx::{Any, Row, Transaction};
use umbral_core::outbox::OutboxMessage;
use umbral_core::ports::{CodePurpose, CodeRecord, CodeStore, StoreResult};

use crate::outbox::insert_outbox;
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

#[async_trait]
impl CodeStore for SqlStore {
    async fn current_code(&self, subject: &str, purpose: CodePurpose) -> StoreResult<Option<CodeRecord>> {
        let row = sqlx::query(
            "SELECT id, subject, purpose, code_hash, expires_at, attempts, created_at FROM codes \
             WHERE subject = $1 AND purpose = $2",
        )
        .bind(subject)
        .bind(purpose.as_str())
        .fetch_optional(&mut *self.read.get().await?)
        .await
        .map_err(db)?;
        let Some(r) = row else { return Ok(None) };
        let rec = (|| -> Result<CodeRecord, sqlx::Error> {
            Ok(CodeRecord {
                id: r.try_get("id")?,
                subject: r.try_get("subject")?,
                purpose,
                code_hash: r.try_get("code_hash")?,
                expires_at: r.try_get("expires_at")?,
                attempts: r.try_get("attempts")?,
                created_at: r.try_get("created_at")?,
            })
        })()
        .map_err(db)?;
        Ok(Some(rec))
    }

    async fn take_code_attempt(&self, code_id: &str, max: i64) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE codes SET attempts = attempts + 1 WHERE id = $1 AND attempts < $2")
            .bind(code_id)
            .bind(max)
            .execute(&mut *self.write.get().await?)
            .await
            .map_err(db)?;
        Ok(done.rows_affected() == 1)
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

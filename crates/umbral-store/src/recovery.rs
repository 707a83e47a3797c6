//! "Forgot your password?" links.

use async_trait::async_trait;
use sqlx::Row;
use umbral_core::audit::AuditEvent;
use umbral_core::clock::UnixMillis;
use umbral_core::ports::{PasswordResetRecord, PasswordResetRequest, RecoveryStore, StoreResult};

use crate::audit::insert_audit;
use crate::outbox::insert_outbox;
use crate::throttle::count_failure;
use crate::{SqlStore, db};

#[async_trait]
impl RecoveryStore for SqlStore {
    async fn request_password_reset(&self, r: &PasswordResetRequest) -> StoreResult<()> {
        let rec = &r.record;
        let mut tx = self.write.begin().await.map_err(db)?;
        for key in &r.limit_keys {
            count_failure(&mut *tx, key, rec.created_at, r.window_ms).await?;
        }
        // A newer link replaces the older ones (for no one: nothing to replace, the same work).
        sqlx::query("UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(rec.created_at)
            .bind(rec.user_id.as_deref().unwrap_or(""))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at, used_at) \
             VALUES ($1, $2, $3, $4, NULL)",
        )
        .bind(&rec.token_hash)
        .bind(&rec.user_id)
        .bind(rec.created_at)
        .bind(rec.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if let Some(m) = &r.message {
            insert_outbox(&mut tx, m).await?;
        }
        insert_audit(&mut tx, &r.audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn password_reset(&self, token_hash: &str) -> StoreResult<Option<PasswordResetRecord>> {
        let row = sqlx::query(
            "SELECT token_hash, user_id, created_at, expires_at, used_at FROM password_resets WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.map(|r| -> Result<PasswordResetRecord, sqlx::Error> {
            Ok(PasswordResetRecord {
                token_hash: r.try_get("token_hash")?,
                user_id: r.try_get("user_id")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
                used_at: r.try_get("used_at")?,
            })
        })
        .transpose()
        .map_err(db)
    }

    async fn complete_password_reset(
        &self,
        token_hash: &str,
        user_id: &str,
        password_hash: &str,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.write.begin().await.map_err(db)?;
        let used = sqlx::query(
            "UPDATE password_resets SET used_at = $1 \
             WHERE token_hash = $2 AND user_id = $3 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(token_hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if used != 1 {
            return Ok(false);
        }
        let statements = [
            "UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
            "UPDATE sessions SET ended_at = $1, end_reason = 'revoked' WHERE user_id = $2 AND ended_at IS NULL",
            "UPDATE trusted_devices SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        ];
        for sql in statements {
            sqlx::query(sql)
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        sqlx::query(
            "UPDATE users SET password_hash = $1, security_epoch = security_epoch + 1, updated_at = $2 WHERE id = $3",
        )
        .bind(password_hash)
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id);
        Ok(true)
    }
}

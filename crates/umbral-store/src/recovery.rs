//! "Forgot your password?" links.

use async_trait::async_trait;
use sqlx::Connection;
use sqlx::{Any, Row, Transaction};
use umbral_core::audit::AuditEvent;
use umbral_core::clock::UnixMillis;
use umbral_core::ports::{
    NewInvitation, PasswordResetRecord, PasswordResetRequest, RecoveryStore, SessionRecord, StoreError,
    StoreResult,
};
use umbral_core::types::UserId;

use crate::audit::insert_audit;
use crate::outbox::{insert_outbox, insert_outbox_as};
use crate::sessions::{revoke_trusted_devices, revoke_user_sessions};
use crate::throttle::count_failure;
use crate::{SqlStore, db};

async fn insert_link(tx: &mut Transaction<'_, Any>, rec: &PasswordResetRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO password_resets (token_hash, purpose, user_id, created_at, expires_at, used_at) \
         VALUES ($1, $2, $3, $4, $5, NULL)",
    )
    .bind(&rec.token_hash)
    .bind(&rec.purpose)
    .bind(rec.user_id.as_ref().map(UserId::as_str))
    .bind(rec.created_at)
    .bind(rec.expires_at)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

/// Spends a live link of `purpose` that belongs to `user_id`; false when there is none.
async fn use_link(
    tx: &mut Transaction<'_, Any>,
    token_hash: &str,
    user_id: &str,
    purpose: &str,
    now: UnixMillis,
) -> StoreResult<bool> {
    // Only the user's newest link of this purpose works: a newer one replaces the older.
    let n = sqlx::query(
        "UPDATE password_resets SET used_at = $1 \
         WHERE token_hash = $2 AND user_id = $3 AND purpose = $4 AND used_at IS NULL AND expires_at > $1 \
         AND NOT EXISTS (SELECT 1 FROM password_resets n WHERE n.user_id = $3 AND n.purpose = $4 \
                         AND n.created_at > password_resets.created_at)",
    )
    .bind(now)
    .bind(token_hash)
    .bind(user_id)
    .bind(purpose)
    .execute(&mut **tx)
    .await
    .map_err(db)?
    .rows_affected();
    Ok(n == 1)
}

#[async_trait]
impl RecoveryStore for SqlStore {
    async fn create_invited_user(&self, inv: &NewInvitation) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let u = &inv.user;
        sqlx::query(
            "INSERT INTO users (id, email, email_key, name, phone, password_hash, locale, status, \
             email_confirmed_at, terms_version, terms_accepted_at, terms_ip, created_at, updated_at, is_staff) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, NULL, NULL, NULL, NULL, $8, $8, $9)",
        )
        .bind(&u.id.0)
        .bind(&u.email)
        .bind(u.email.to_lowercase())
        .bind(&u.name)
        .bind(&u.phone)
        .bind(&u.locale)
        .bind(u.status.as_str())
        .bind(u.created_at)
        .bind(i64::from(u.is_staff))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if let Some(org) = &inv.new_org {
            crate::accounts::insert_organization(&mut tx, org).await?;
        } else if !u.is_staff {
            let exists = sqlx::query("SELECT id FROM organizations WHERE id = $1")
                .bind(inv.org_id.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            if exists.is_none() {
                return Err(StoreError::Missing("organization"));
            }
        }
        if !u.is_staff {
            sqlx::query(
                "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(inv.org_id.as_str())
            .bind(&u.id.0)
            .bind(inv.role.as_str())
            .bind(u.created_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        insert_link(&mut tx, &inv.link).await?;
        insert_outbox(&mut tx, self.outbox_key(), &inv.message).await?;
        insert_audit(&mut tx, &inv.audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn accept_invitation(
        &self,
        token_hash: &str,
        user_id: &UserId,
        password_hash: &str,
        session: &SessionRecord,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let now = session.created_at;
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        if !use_link(&mut tx, token_hash, user_id.as_str(), "invite", now).await? {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE users SET password_hash = $1, email_confirmed_at = COALESCE(email_confirmed_at, $2), \
             security_epoch = security_epoch + 1, updated_at = $2 WHERE id = $3",
        )
        .bind(password_hash)
        .bind(now)
        .bind(user_id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        crate::sessions::insert_session(&mut tx, session).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id.as_str()).await;
        Ok(true)
    }

    async fn request_password_reset(&self, r: &PasswordResetRequest) -> StoreResult<()> {
        let rec = &r.record;
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        for key in &r.limit_keys {
            count_failure(&mut *tx, key, rec.created_at, r.window_ms).await?;
        }
        insert_link(&mut tx, rec).await?;
        insert_outbox_as(
            &mut tx,
            self.outbox_key(),
            &r.message,
            if r.deliver { "pending" } else { "void" },
        )
        .await?;
        insert_audit(&mut tx, &r.audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn password_reset(&self, token_hash: &str) -> StoreResult<Option<PasswordResetRecord>> {
        let row = sqlx::query(
            "SELECT r.token_hash, r.purpose, r.user_id, r.created_at, r.expires_at, r.used_at, \
             EXISTS (SELECT 1 FROM password_resets n WHERE n.user_id = r.user_id AND n.purpose = r.purpose \
                     AND n.created_at > r.created_at) AS superseded \
             FROM password_resets r WHERE r.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *self.read.get().await?)
        .await
        .map_err(db)?;
        row.map(|r| -> Result<PasswordResetRecord, sqlx::Error> {
            Ok(PasswordResetRecord {
                token_hash: r.try_get("token_hash")?,
                purpose: r.try_get("purpose")?,
                user_id: r.try_get::<Option<String>, _>("user_id")?.map(UserId),
                superseded: r
                    .try_get::<bool, _>("superseded")
                    .or_else(|_| r.try_get::<i64, _>("superseded").map(|v| v != 0))?,
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
        user_id: &UserId,
        password_hash: &str,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        if !use_link(&mut tx, token_hash, user_id.as_str(), "reset", now).await? {
            return Ok(false);
        }
        sqlx::query("UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(user_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        revoke_user_sessions(&mut tx, user_id.as_str(), now).await?;
        revoke_trusted_devices(&mut tx, user_id.as_str(), now).await?;
        sqlx::query(
            "UPDATE users SET password_hash = $1, security_epoch = security_epoch + 1, updated_at = $2, \
             email_confirmed_at = COALESCE(email_confirmed_at, $2) WHERE id = $3",
        )
        .bind(password_hash)
        .bind(now)
        .bind(user_id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id.as_str()).await;
        Ok(true)
    }
}

use async_trait::async_trait;
use sqlx::{Any, AssertSqlSafe, Transaction};
use umbral_core::audit::AuditEvent;
use umbral_core::clock::UnixMillis;
use umbral_core::ports::{SessionContext, SessionRecord, SessionStore, StoreResult};

use crate::audit::{insert_audit, insert_audits};
use crate::rows::{self, FACTOR_COLUMNS, MEMBERSHIP_COLUMNS, SESSION_COLUMNS, USER_COLUMNS};
use crate::{Backend, SqlStore, db};

pub(crate) async fn insert_session(tx: &mut Transaction<'_, Any>, s: &SessionRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ended_at, end_reason, ip, user_agent, mfa_at, mfa_method) \
         VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6, $7, $8, $9)",
    )
    .bind(&s.id_hash)
    .bind(&s.user_id)
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .bind(s.expires_at)
    .bind(&s.ip)
    .bind(&s.user_agent)
    .bind(s.mfa_at)
    .bind(&s.mfa_method)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

impl SqlStore {
    /// Ends every live session of `user_id` but `keep`, with `signed_in_elsewhere`, and records
    /// `event` (with the count) when any ended. Concurrent calls for one user are serialised: on
    /// SQLite every write goes through one connection already; on PostgreSQL writing the user row
    /// first takes its lock, so the later call sees and ends the earlier one's session.
    pub(crate) async fn end_other_sessions(
        &self,
        tx: &mut Transaction<'_, Any>,
        user_id: &str,
        keep: &str,
        now: UnixMillis,
        event: &AuditEvent,
    ) -> StoreResult<u64> {
        if self.backend == Backend::Postgres {
            sqlx::query("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1")
                .bind(user_id)
                .execute(&mut **tx)
                .await
                .map_err(db)?;
        }
        let ended = sqlx::query(
            "UPDATE sessions SET ended_at = $1, end_reason = 'signed_in_elsewhere' \
             WHERE user_id = $2 AND ended_at IS NULL AND id_hash <> $3",
        )
        .bind(now)
        .bind(user_id)
        .bind(keep)
        .execute(&mut **tx)
        .await
        .map_err(db)?
        .rows_affected();
        if ended > 0 {
            let mut e = event.clone();
            e.details = format!("{};count={ended}", e.details);
            insert_audit(tx, &e).await?;
        }
        Ok(ended)
    }
}

/// Ends every live session of a user (`revoked`) inside a transaction; returns how many.
pub(crate) async fn revoke_user_sessions(
    tx: &mut Transaction<'_, Any>,
    user_id: &str,
    now: UnixMillis,
) -> StoreResult<u64> {
    Ok(sqlx::query(
        "UPDATE sessions SET ended_at = $1, end_reason = 'revoked' WHERE user_id = $2 AND ended_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .execute(&mut **tx)
    .await
    .map_err(db)?
    .rows_affected())
}

/// Forgets every trusted device of a user inside a transaction; returns how many.
pub(crate) async fn revoke_trusted_devices(
    tx: &mut Transaction<'_, Any>,
    user_id: &str,
    now: UnixMillis,
) -> StoreResult<u64> {
    Ok(
        sqlx::query("UPDATE trusted_devices SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(user_id)
            .execute(&mut **tx)
            .await
            .map_err(db)?
            .rows_affected(),
    )
}

#[async_trait]
impl SessionStore for SqlStore {
    async fn start_session(
        &self,
        session: &SessionRecord,
        end_others: Option<&AuditEvent>,
        audit: &[AuditEvent],
    ) -> StoreResult<u64> {
        let mut tx = self.write.begin().await.map_err(db)?;
        let mut ended = 0;
        if let (Some(user_id), Some(event)) = (&session.user_id, end_others) {
            ended = self
                .end_other_sessions(&mut tx, user_id, &session.id_hash, session.created_at, event)
                .await?;
        }
        insert_session(&mut tx, session).await?;
        insert_audits(&mut tx, &audit.iter().collect::<Vec<_>>()).await?;
        tx.commit().await.map_err(db)?;
        if ended > 0
            && let Some(user_id) = &session.user_id
        {
            self.user_changed(user_id);
        }
        Ok(ended)
    }

    async fn session_context(&self, id_hash: &str) -> StoreResult<Option<SessionContext>> {
        let began = match &self.cache {
            Some(c) => match c.get(id_hash) {
                Some(hit) => return Ok(Some(hit)),
                None => Some(c.begin()),
            },
            None => None,
        };
        // One row per confirmed factor of the user (or one without), with the user's first
        // organization.
        let sql = format!(
            "SELECT {SESSION_COLUMNS}, {USER_COLUMNS}, {MEMBERSHIP_COLUMNS}, {FACTOR_COLUMNS} FROM sessions s \
             LEFT JOIN users u ON u.id = s.user_id \
             LEFT JOIN memberships m ON m.user_id = s.user_id AND m.org_id = \
               (SELECT m2.org_id FROM memberships m2 WHERE m2.user_id = s.user_id ORDER BY m2.created_at LIMIT 1) \
             LEFT JOIN organizations o ON o.id = m.org_id \
             LEFT JOIN factors f ON f.user_id = s.user_id AND f.confirmed_at IS NOT NULL \
             WHERE s.id_hash = $1 ORDER BY f.created_at, f.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(id_hash)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let session = rows::session(row).map_err(db)?;
        let user = match session.user_id {
            Some(_) => Some(rows::user(row).map_err(db)?),
            None => None,
        };
        let membership = rows::membership(row).map_err(db)?;
        let factors = rows
            .iter()
            .filter_map(|r| rows::joined_factor(r).transpose())
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)?;
        let ctx = SessionContext {
            session,
            user,
            membership,
            factors,
        };
        if let (Some(c), Some(began)) = (&self.cache, began) {
            c.put(&ctx, began);
        }
        Ok(Some(ctx))
    }

    async fn touch_session(&self, id_hash: &str, now: UnixMillis) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2 AND ended_at IS NULL")
            .bind(now)
            .bind(id_hash)
            .execute(&self.write)
            .await
            .map_err(db)?;
        if let Some(c) = &self.cache {
            c.touched(id_hash, now);
        }
        Ok(())
    }

    async fn end_session(
        &self,
        id_hash: &str,
        reason: &str,
        now: UnixMillis,
        audit: Option<&AuditEvent>,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await.map_err(db)?;
        sqlx::query(
            "UPDATE sessions SET ended_at = $1, end_reason = $2 WHERE id_hash = $3 AND ended_at IS NULL",
        )
        .bind(now)
        .bind(reason)
        .bind(id_hash)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if let Some(e) = audit {
            insert_audit(&mut tx, e).await?;
        }
        tx.commit().await.map_err(db)?;
        if let Some(c) = &self.cache {
            c.session_ended(id_hash);
        }
        Ok(())
    }

    async fn live_sessions_of(&self, user_id: &str, now: UnixMillis) -> StoreResult<Vec<SessionRecord>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.user_id = $1 AND s.ended_at IS NULL \
             AND s.expires_at > $2 ORDER BY s.created_at"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(user_id)
            .bind(now)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter()
            .map(rows::session)
            .collect::<Result<_, _>>()
            .map_err(db)
    }
}

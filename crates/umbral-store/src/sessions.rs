use async_trait::async_trait;
use sqlx::Connection;
use sqlx::{Any, AssertSqlSafe, Transaction};
use umbral_core::accounts::{Membership, User};
use umbral_core::audit::AuditEvent;
use umbral_core::clock::UnixMillis;
use umbral_core::error::EndReason;
use umbral_core::factors::Factor;
use umbral_core::ports::{SessionContext, SessionRecord, SessionStore, StoreResult};
use umbral_core::types::{SessionId, UserId};

use crate::audit::{AUDIT_INSERT, audit_args, insert_audit, push_audits};
use crate::cluster::Change;
use crate::rows::{self, Cols, FACTOR_COLUMNS, MEMBERSHIP_COLUMNS, SESSION_COLUMNS, USER_COLUMNS, read_all};
use crate::script::{Script, unguarded};
use crate::{Backend, SqlStore, db};

pub(crate) async fn insert_session(tx: &mut Transaction<'_, Any>, s: &SessionRecord) -> StoreResult<()> {
    let mut script = Script::default();
    push_session(&mut script, s);
    script.run_in(tx).await.map(|_| ())
}

pub(crate) fn push_session(script: &mut Script, s: &SessionRecord) {
    script
        .sql(
            "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ended_at, end_reason, ip, user_agent, mfa_at, mfa_method, first_factor) \
             VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6, $7, $8, $9, $10)",
        )
        .arg(&s.id_hash)
        .arg(&s.user_id)
        .arg(s.created_at)
        .arg(s.last_seen_at)
        .arg(s.expires_at)
        .arg(&s.ip)
        .arg(&s.user_agent)
        .arg(s.mfa_at)
        .arg(s.mfa_method.map(|m| m.as_str()))
        .arg(s.first_factor.as_str());
}

/// What the session, its user and their first organization is (from the first row only), and
/// a confirmed factor of the user (one per row, if any).
type ContextRow = (
    Option<(SessionRecord, Option<User>, Option<Membership>)>,
    Option<Factor>,
);

fn context_row(r: &impl Cols, first: bool) -> Result<ContextRow, sqlx::Error> {
    let head = if first {
        let session = rows::session(r)?;
        let user = match session.user_id {
            Some(_) => Some(rows::user(r)?),
            None => None,
        };
        Some((session, user, rows::membership(r)?))
    } else {
        None
    };
    Ok((head, rows::joined_factor(r)?))
}

impl SqlStore {
    /// Adds to `script` the end of every live session of `user_id` but `keep`, with
    /// `signed_in_elsewhere`, and `event` (with the count) when any ends: the event is written
    /// first, from the sessions about to end. Concurrent calls for one user are serialised: on
    /// SQLite every write goes through one connection already; on PostgreSQL writing the user row
    /// first takes its lock, so the later call sees and ends the earlier one's session.
    pub(crate) fn push_end_others(
        &self,
        script: &mut Script,
        user_id: &str,
        keep: &str,
        now: UnixMillis,
        event: &AuditEvent,
    ) {
        if self.backend == Backend::Postgres {
            script
                .sql("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1")
                .arg(user_id);
        }
        script.sql(format!(
            "INSERT INTO {AUDIT_INSERT} \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 || ';count=' || CAST(n AS TEXT) \
             FROM (SELECT COUNT(*) AS n FROM sessions WHERE user_id = $10 AND ended_at IS NULL AND id_hash <> $11) live \
             WHERE n > 0"
        ));
        audit_args(script, event).arg(user_id).arg(keep);
        script
            .sql(
                "UPDATE sessions SET ended_at = $1, end_reason = 'signed_in_elsewhere' \
                 WHERE user_id = $2 AND ended_at IS NULL AND id_hash <> $3",
            )
            .arg(now)
            .arg(user_id)
            .arg(keep);
    }

    /// Ends the other sessions inside a transaction already open (see `push_end_others`); the
    /// caller drops the user's cached sessions once it commits.
    pub(crate) async fn end_other_sessions(
        &self,
        tx: &mut Transaction<'_, Any>,
        user_id: &str,
        keep: &str,
        now: UnixMillis,
        event: &AuditEvent,
    ) -> StoreResult<()> {
        let mut script = Script::default();
        self.push_end_others(&mut script, user_id, keep, now, event);
        script.run_in(tx).await.map(|_| ())
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
        clear_limit: Option<&str>,
    ) -> StoreResult<()> {
        // One message to the database (ADR 0008). A session that ends no other is a record that
        // a new sign-in makes again, so its commit does not wait for the disk; ending sessions
        // does.
        let mut script = Script::default();
        let ending = match (&session.user_id, end_others) {
            (Some(user_id), Some(event)) => {
                self.push_end_others(
                    &mut script,
                    user_id.as_str(),
                    session.id_hash.as_str(),
                    session.created_at,
                    event,
                );
                Some(user_id)
            }
            _ => {
                script.relaxed();
                None
            }
        };
        push_session(&mut script, session);
        push_audits(&mut script, &audit.iter().collect::<Vec<_>>());
        if let Some(key) = clear_limit {
            script.sql("DELETE FROM throttle WHERE key = $1").arg(key);
        }
        match ending {
            Some(user_id) => unguarded(self.run_and_tell(&script, Change::User(user_id.as_str())).await?),
            None => script.run(&self.write).await,
        }
    }

    async fn session_context(&self, id_hash: &SessionId) -> StoreResult<Option<SessionContext>> {
        let began = match &self.cache {
            Some(c) => match c.get(id_hash.as_str()) {
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
        // Read on this thread on SQLite (ADR 0009): every request that is not in the cache.
        let mut head = true;
        let mut inline_head = true;
        let rows = read_all(
            &self.read,
            &sql,
            &[id_hash.as_str()],
            |r| context_row(r, std::mem::take(&mut inline_head)),
            |r| context_row(r, std::mem::take(&mut head)),
        )
        .await?;
        let mut rows = rows.into_iter();
        let Some((Some((session, user, membership)), first)) = rows.next() else {
            return Ok(None);
        };
        let factors: Vec<Factor> = first.into_iter().chain(rows.filter_map(|(_, f)| f)).collect();
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

    async fn touch_session(&self, id_hash: &SessionId, now: UnixMillis) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2 AND ended_at IS NULL")
            .bind(now)
            .bind(id_hash.as_str())
            .execute(&mut *self.write.get().await?)
            .await
            .map_err(db)?;
        if let Some(c) = &self.cache {
            c.touched(id_hash.as_str(), now);
        }
        Ok(())
    }

    async fn end_session(
        &self,
        id_hash: &SessionId,
        reason: EndReason,
        now: UnixMillis,
        audit: Option<&AuditEvent>,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query(
            "UPDATE sessions SET ended_at = $1, end_reason = $2 WHERE id_hash = $3 AND ended_at IS NULL",
        )
        .bind(now)
        .bind(reason.as_str())
        .bind(id_hash.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if let Some(e) = audit {
            insert_audit(&mut tx, e).await?;
        }
        tx.commit().await.map_err(db)?;
        self.session_ended(id_hash.as_str()).await;
        Ok(())
    }

    async fn live_sessions_of(&self, user_id: &UserId, now: UnixMillis) -> StoreResult<Vec<SessionRecord>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.user_id = $1 AND s.ended_at IS NULL \
             AND s.expires_at > $2 ORDER BY s.created_at"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(user_id.as_str())
            .bind(now)
            .fetch_all(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        rows.iter()
            .map(rows::session)
            .collect::<Result<_, _>>()
            .map_err(db)
    }
}

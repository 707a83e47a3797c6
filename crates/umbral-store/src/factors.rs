//! Second factors, recovery codes and trusted devices.

use async_trait::async_trait;
use sqlx::Connection;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use umbral_core::audit::AuditEvent;
use umbral_core::clock::UnixMillis;
use umbral_core::factors::passkey::{PasskeyUse, StoredPasskey};
use umbral_core::factors::{Factor, FactorKind, MfaVia, Proof, TrustedDevice};
use umbral_core::outbox::OutboxMessage;
use umbral_core::ports::{
    ChallengePassed, CodeRecord, FactorConfirmation, FactorStore, LimitSeen, StoreError, StoreResult,
};
use umbral_core::types::{FactorId, SessionId, UserId};

use crate::audit::{insert_audit, insert_audits, push_audits};
use crate::cluster::Change;
use crate::codes::upsert_code;
use crate::outbox::insert_outbox;
use crate::script::{Script, Stop};
use crate::sessions::revoke_user_sessions;
use crate::{SqlStore, db};

const FACTOR_COLUMNS: &str = "id, user_id, kind, phone, secret_sealed, created_at, confirmed_at, last_used_at, \
     last_step, name, credential_id";

fn factor(r: &AnyRow) -> Result<Factor, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    Ok(Factor {
        id: FactorId(r.try_get("id")?),
        user_id: UserId(r.try_get("user_id")?),
        kind: FactorKind::parse(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("factor kind {kind}").into()))?,
        phone: r.try_get("phone")?,
        secret_sealed: r.try_get("secret_sealed")?,
        created_at: r.try_get("created_at")?,
        confirmed_at: r.try_get("confirmed_at")?,
        last_used_at: r.try_get("last_used_at")?,
        last_step: r.try_get("last_step")?,
        name: r.try_get("name")?,
        credential_id: r.try_get("credential_id")?,
    })
}

const DEVICE_COLUMNS: &str = "id, user_id, token_hash, created_at, expires_at, network, user_agent, \
     security_epoch, owner_epoch, revoked_at";

fn device(r: &AnyRow) -> Result<TrustedDevice, sqlx::Error> {
    Ok(TrustedDevice {
        id: r.try_get("id")?,
        user_id: UserId(r.try_get("user_id")?),
        token_hash: r.try_get("token_hash")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        network: r.try_get("network")?,
        user_agent: r.try_get("user_agent")?,
        security_epoch: r.try_get("security_epoch")?,
        owner_epoch: r.try_get("owner_epoch")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

/// Adds to `script` the conditional writes that use a proof up; each guards the script, which
/// stops with `Stop::Used` when the proof was used already (or never existed).
pub(crate) fn push_proof(script: &mut Script, user_id: &str, proof: &Proof, now: UnixMillis) {
    match proof {
        Proof::TotpStep { factor_id, step } => script
            .sql(
                "UPDATE factors SET last_step = $1, last_used_at = $2 \
                 WHERE id = $3 AND user_id = $4 AND (last_step IS NULL OR last_step < $1)",
            )
            .arg(*step)
            .arg(now)
            .arg(factor_id.as_str())
            .arg(user_id),
        Proof::Code {
            code_id,
            attempts: None,
        } => script
            .sql("DELETE FROM codes WHERE id = $1 AND subject = $2")
            .arg(code_id.as_str())
            .arg(user_id),
        Proof::Code {
            code_id,
            attempts: Some(n),
        } => script
            .sql("DELETE FROM codes WHERE id = $1 AND subject = $2 AND attempts = $3")
            .arg(code_id.as_str())
            .arg(user_id)
            .arg(*n),
        Proof::RecoveryCode { code_hash } => script
            .sql(
                "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
            )
            .arg(now)
            .arg(user_id)
            .arg(code_hash.as_str()),
        Proof::Passkey { factor_id, seen } => push_passkey_seen(script, user_id, factor_id, seen, now),
        Proof::PasskeyAdded { factor_id } => script
            .sql(
                "UPDATE factors SET last_used_at = $1 WHERE id = $2 AND user_id = $3 AND confirmed_at IS NULL",
            )
            .arg(now)
            .arg(factor_id.as_str())
            .arg(user_id),
    }
    .one(Stop::Used);
}

/// Makes the proof's guard (the statement just pushed) hold only while the attempt limit is as
/// the check saw it, and forgets what was counted on it. When nothing was counted (the usual
/// case) the success writes nothing for the limit.
fn push_limit_unchanged(script: &mut Script, limit: &LimitSeen) {
    match &limit.seen {
        None => {
            script
                .and("NOT EXISTS (SELECT 1 FROM throttle WHERE key = $1)")
                .arg(&limit.key);
        }
        Some(seen) => {
            script
                .and(
                    "NOT EXISTS (SELECT 1 FROM throttle WHERE key = $1 AND \
                     (failures <> $2 OR window_started_at <> $3 OR last_failure_at <> $4))",
                )
                .arg(&limit.key)
                .arg(seen.failures)
                .arg(seen.window_started_at)
                .arg(seen.last_failure_at);
            script.sql("DELETE FROM throttle WHERE key = $1").arg(&limit.key);
        }
    }
}

/// Uses a proof up inside a transaction already open; false when it was used already (or never
/// existed), and then the caller drops the transaction.
pub(crate) async fn use_proof(
    tx: &mut Transaction<'_, Any>,
    user_id: &str,
    proof: &Proof,
    now: UnixMillis,
) -> StoreResult<bool> {
    let mut script = Script::default();
    push_proof(&mut script, user_id, proof, now);
    Ok(script.checked_in(tx).await?.is_ok())
}

/// A factor being set up, replacing any other unconfirmed one of its kind; a passkey's
/// credential with it. `Conflict` when the passkey's credential id is anyone's already.
pub(crate) async fn insert_pending_factor(
    tx: &mut Transaction<'_, Any>,
    f: &Factor,
    key: Option<&StoredPasskey>,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM factors WHERE user_id = $1 AND kind = $2 AND confirmed_at IS NULL")
        .bind(f.user_id.as_str())
        .bind(f.kind.as_str())
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    sqlx::query(
        "INSERT INTO factors (id, user_id, kind, phone, secret_sealed, created_at, confirmed_at, last_used_at, \
         last_step, name, credential_id, credential, sign_count, backup_eligible, backup_state) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, NULL, $7, $8, $9, $10, $11, $12)",
    )
    .bind(f.id.as_str())
    .bind(f.user_id.as_str())
    .bind(f.kind.as_str())
    .bind(&f.phone)
    .bind(&f.secret_sealed)
    .bind(f.created_at)
    .bind(&f.name)
    .bind(&f.credential_id)
    .bind(key.map(|k| k.credential.clone()))
    .bind(key.map(|k| k.sign_count))
    .bind(key.map(|k| i64::from(k.backup_eligible)))
    .bind(key.map(|k| i64::from(k.backup_state)))
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

/// A passkey's signature counted: its ceremony spent (it must still be there), its counter, flags
/// and credential written only if the counter is still the one the check compared with. Both
/// guard the script (`Stop::Used`).
pub(crate) fn push_passkey_seen<'s>(
    script: &'s mut Script,
    user_id: &str,
    factor_id: &FactorId,
    seen: &PasskeyUse,
    now: UnixMillis,
) -> &'s mut Script {
    script
        .sql("DELETE FROM passkey_ceremonies WHERE id_hash = $1 AND expires_at > $2")
        .arg(&seen.ceremony_hash)
        .arg(now)
        .one(Stop::Used)
        .sql(
            "UPDATE factors SET sign_count = $1, backup_eligible = $2, backup_state = $3, \
             last_used_at = $4 WHERE id = $5 AND user_id = $6 AND confirmed_at IS NOT NULL AND COALESCE(sign_count, 0) = $7",
        )
        .arg(seen.sign_count)
        .arg(i64::from(seen.backup_eligible))
        .arg(i64::from(seen.backup_state))
        .arg(now)
        .arg(factor_id.as_str())
        .arg(user_id)
        .arg(seen.previous_count)
        .one(Stop::Used)
}

async fn put_recovery_codes(
    tx: &mut Transaction<'_, Any>,
    user_id: &str,
    hashes: &[String],
    now: UnixMillis,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    for h in hashes {
        sqlx::query(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at, used_at) VALUES ($1, $2, $3, NULL)",
        )
        .bind(user_id)
        .bind(h)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}

/// Moves the user's security epoch on (trusted devices ask again) and sets the two-factor switch.
async fn security_changed(
    tx: &mut Transaction<'_, Any>,
    user_id: &str,
    mfa_enabled: Option<bool>,
    now: UnixMillis,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET security_epoch = security_epoch + 1, \
         mfa_enabled = COALESCE($1, mfa_enabled), updated_at = $2 WHERE id = $3",
    )
    .bind(mfa_enabled.map(i64::from))
    .bind(now)
    .bind(user_id)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

/// Adds to `script` the mark of a session as past its second factor, under its new id when it
/// gets one (the old id then finds nothing). It must still be live, or the script stops with
/// `Stop::SessionGone` (a concurrent sign-in ended it).
fn push_mark_session(
    script: &mut Script,
    id_hash: &str,
    new_id_hash: Option<&str>,
    method: MfaVia,
    now: UnixMillis,
) {
    script
        .sql(
            "UPDATE sessions SET mfa_at = $1, mfa_method = $2, id_hash = COALESCE($4, id_hash) \
             WHERE id_hash = $3 AND ended_at IS NULL",
        )
        .arg(now)
        .arg(method.as_str())
        .arg(id_hash)
        .arg(new_id_hash)
        .one(Stop::SessionGone);
}

/// What a stopped challenge script means for its caller: a proof used meanwhile is `false`.
fn challenge_outcome<T>(ran: Result<T, Stop>) -> StoreResult<bool> {
    match ran {
        Ok(_) => Ok(true),
        Err(Stop::Used) => Ok(false),
        Err(Stop::SessionGone) => Err(StoreError::SessionGone),
    }
}

impl SqlStore {
    /// A sign-in completes with the single-session policy: the user's other sessions end.
    async fn complete_sign_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        user_id: &str,
        session: &str,
        now: UnixMillis,
        end_others: Option<&AuditEvent>,
    ) -> StoreResult<()> {
        let Some(event) = end_others else { return Ok(()) };
        self.end_other_sessions(tx, user_id, session, now, event).await?;
        Ok(())
    }
}

#[async_trait]
impl FactorStore for SqlStore {
    async fn sms_number_taken(&self, phone: &str) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT id FROM factors WHERE phone = $1 AND kind = 'sms' AND confirmed_at IS NOT NULL",
        )
        .bind(phone)
        .fetch_optional(&mut *self.read.get().await?)
        .await
        .map_err(db)?;
        Ok(row.is_some())
    }

    async fn factors_of(&self, user_id: &UserId) -> StoreResult<Vec<Factor>> {
        let sql = format!("SELECT {FACTOR_COLUMNS} FROM factors WHERE user_id = $1 ORDER BY created_at, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id.as_str())
            .fetch_all(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        rows.iter().map(factor).collect::<Result<_, _>>().map_err(db)
    }

    async fn put_pending_factor(
        &self,
        f: &Factor,
        code: Option<(&CodeRecord, &OutboxMessage)>,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        insert_pending_factor(&mut tx, f, None).await?;
        if let Some((c, m)) = code {
            upsert_code(&mut tx, c).await?;
            insert_outbox(&mut tx, self.outbox_key(), m).await?;
        }
        tx.commit().await.map_err(db)
    }

    async fn confirm_factor(&self, c: &FactorConfirmation) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        if !use_proof(&mut tx, c.user_id.as_str(), &c.proof, c.now).await? {
            return Ok(false);
        }
        let confirmed = sqlx::query(
            "UPDATE factors SET confirmed_at = $1 WHERE id = $2 AND user_id = $3 AND confirmed_at IS NULL",
        )
        .bind(c.now)
        .bind(c.factor_id.as_str())
        .bind(c.user_id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if confirmed != 1 {
            return Ok(false);
        }
        if let Some(hashes) = &c.recovery_code_hashes {
            put_recovery_codes(&mut tx, c.user_id.as_str(), hashes, c.now).await?;
        }
        security_changed(&mut tx, c.user_id.as_str(), Some(true), c.now).await?;
        self.complete_sign_in(
            &mut tx,
            c.user_id.as_str(),
            c.session_id_hash.as_str(),
            c.now,
            c.end_others.as_ref(),
        )
        .await?;
        let mut script = Script::default();
        push_mark_session(
            &mut script,
            c.session_id_hash.as_str(),
            c.new_session_id_hash.as_ref().map(SessionId::as_str),
            MfaVia::Enrollment,
            c.now,
        );
        challenge_outcome(script.checked_in(&mut tx).await?)?;
        insert_audits(&mut tx, &c.audit.iter().collect::<Vec<_>>()).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(c.user_id.as_str()).await;
        Ok(true)
    }

    async fn pass_challenge(&self, p: &ChallengePassed) -> StoreResult<bool> {
        // One transaction, sent whole: the proof's conditional write and the session's mark
        // guard the rest (ADR 0016).
        let uid = p.user_id.as_str();
        let mut script = Script::default();
        push_proof(&mut script, uid, &p.proof, p.now);
        if let Some(limit) = &p.limit {
            push_limit_unchanged(&mut script, limit);
        }
        if let Some(event) = &p.end_others {
            self.push_end_others(&mut script, uid, p.session_id_hash.as_str(), p.now, event);
        }
        push_mark_session(
            &mut script,
            p.session_id_hash.as_str(),
            Some(p.new_session_id_hash.as_str()),
            p.via,
            p.now,
        );
        if let Some(d) = &p.device {
            script
                .sql(format!(
                    "INSERT INTO trusted_devices ({DEVICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)"
                ))
                .arg(&d.id)
                .arg(&d.user_id)
                .arg(&d.token_hash)
                .arg(d.created_at)
                .arg(d.expires_at)
                .arg(&d.network)
                .arg(&d.user_agent)
                .arg(d.security_epoch)
                .arg(d.owner_epoch);
        }
        push_audits(&mut script, &p.audit.iter().collect::<Vec<_>>());
        challenge_outcome(self.run_and_tell(&script, Change::User(uid)).await?)
    }

    async fn remove_factor(
        &self,
        user_id: &UserId,
        factor_id: &FactorId,
        mfa_enabled_after: bool,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let removed = sqlx::query("DELETE FROM factors WHERE id = $1 AND user_id = $2")
            .bind(factor_id.as_str())
            .bind(user_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if removed == 0 {
            return Ok(false);
        }
        security_changed(&mut tx, user_id.as_str(), Some(mfa_enabled_after), audit.at).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id.as_str()).await;
        Ok(true)
    }

    async fn replace_recovery_codes(
        &self,
        user_id: &UserId,
        hashes: &[String],
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        put_recovery_codes(&mut tx, user_id.as_str(), hashes, now).await?;
        security_changed(&mut tx, user_id.as_str(), None, now).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id.as_str()).await;
        Ok(())
    }

    async fn recovery_codes_left(&self, user_id: &UserId) -> StoreResult<i64> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
                .bind(user_id.as_str())
                .fetch_one(&mut *self.read.get().await?)
                .await
                .map_err(db)?;
        row.try_get("n").map_err(db)
    }

    async fn enable_two_factor(
        &self,
        user_id: &UserId,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query("UPDATE users SET mfa_enabled = 1, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(user_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        revoke_user_sessions(&mut tx, user_id.as_str(), now).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id.as_str()).await;
        Ok(())
    }

    async fn trusted_device(&self, token_hash: &str) -> StoreResult<Option<TrustedDevice>> {
        let sql = format!("SELECT {DEVICE_COLUMNS} FROM trusted_devices WHERE token_hash = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash)
            .fetch_optional(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        row.as_ref().map(device).transpose().map_err(db)
    }

    async fn trusted_devices_of(&self, user_id: &UserId, now: UnixMillis) -> StoreResult<Vec<TrustedDevice>> {
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM trusted_devices \
             WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC, id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id.as_str())
            .bind(now)
            .fetch_all(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        rows.iter().map(device).collect::<Result<_, _>>().map_err(db)
    }

    async fn forget_trusted_devices(
        &self,
        user_id: &UserId,
        device_id: Option<&str>,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<u64> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let q = match device_id {
            Some(id) => sqlx::query(
                "UPDATE trusted_devices SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND id = $3",
            )
            .bind(now)
            .bind(user_id.as_str())
            .bind(id),
            None => sqlx::query("UPDATE trusted_devices SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(user_id.as_str()),
        };
        let n = q.execute(&mut *tx).await.map_err(db)?.rows_affected();
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(n)
    }
}

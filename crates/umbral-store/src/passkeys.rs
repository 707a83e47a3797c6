//! Passkeys (rows of `factors` with their credential) and the WebAuthn ceremonies under way.

use async_trait::async_trait;
use sqlx::Connection;
use umbral_core::audit::AuditEvent;
use umbral_core::clock::UnixMillis;
use umbral_core::factors::Factor;
use umbral_core::factors::passkey::{Ceremony, CeremonyPurpose, StoredPasskey};
use umbral_core::ports::{PasskeyAnswerLookup, PasskeySignIn, PasskeyStore, StoreResult};
use umbral_core::types::{FactorId, SessionId, UserId};

use crate::accounts::{account_found, limit_found};
use crate::audit::{insert_audit, push_audits};
use crate::cluster::Change;
use crate::factors::{insert_pending_factor, push_passkey_seen};
use crate::rows::{Cols, MEMBERSHIP_COLUMNS, Prefixed, USER_COLUMNS, prefixed_columns, read_one};
use crate::script::Script;
use crate::sessions::push_session;
use crate::{SqlStore, db};

const PASSKEY_COLUMNS: &str = "id, user_id, credential, sign_count, backup_eligible, backup_state";

fn passkey(r: &impl Cols) -> Result<StoredPasskey, sqlx::Error> {
    Ok(StoredPasskey {
        factor_id: FactorId(r.col("id")?),
        user_id: UserId(r.col("user_id")?),
        credential: r.col::<Option<String>>("credential")?.unwrap_or_default(),
        sign_count: r.col::<Option<i64>>("sign_count")?.unwrap_or(0),
        backup_eligible: r.col::<Option<i64>>("backup_eligible")?.unwrap_or(0) != 0,
        backup_state: r.col::<Option<i64>>("backup_state")?.unwrap_or(0) != 0,
    })
}

const CEREMONY_COLUMNS: &str = "id_hash, purpose, user_id, session_id_hash, state, created_at, expires_at";

fn ceremony(r: &impl Cols) -> Result<Ceremony, sqlx::Error> {
    let purpose: String = r.col("purpose")?;
    Ok(Ceremony {
        id_hash: r.col("id_hash")?,
        purpose: CeremonyPurpose::parse(&purpose)
            .ok_or_else(|| sqlx::Error::Decode(format!("ceremony purpose {purpose}").into()))?,
        user_id: r.col::<Option<String>>("user_id")?.map(UserId),
        session_id_hash: r.col::<Option<String>>("session_id_hash")?.map(SessionId),
        state: r.col("state")?,
        created_at: r.col("created_at")?,
        expires_at: r.col("expires_at")?,
    })
}

/// A passkey answer's reads in one query: every part is a join on `(SELECT 1)`, so one row
/// always comes back, with NULLs for what is not there.
static ANSWER_LOOKUP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {}, {}, t.failures AS t_failures, t.window_started_at AS t_window, \
                t.last_failure_at AS t_last, u.id AS found_id, {USER_COLUMNS}, {MEMBERSHIP_COLUMNS} \
         FROM (SELECT 1 AS one) x \
         LEFT JOIN passkey_ceremonies c ON c.id_hash = $1 \
         LEFT JOIN factors pk ON pk.credential_id = $2 AND pk.confirmed_at IS NOT NULL \
         LEFT JOIN throttle t ON t.key = $3 \
         LEFT JOIN users u ON u.id = pk.user_id \
         LEFT JOIN memberships m ON m.user_id = u.id \
         LEFT JOIN organizations o ON o.id = m.org_id \
         ORDER BY m.created_at LIMIT 1",
        prefixed_columns(CEREMONY_COLUMNS, "c", "c_"),
        prefixed_columns(PASSKEY_COLUMNS, "pk", "pk_"),
    )
});

fn answer_found(r: &impl Cols, now: UnixMillis) -> Result<PasskeyAnswerLookup, sqlx::Error> {
    let c = Prefixed { row: r, prefix: "c_" };
    let pk = Prefixed {
        row: r,
        prefix: "pk_",
    };
    Ok(PasskeyAnswerLookup {
        ceremony: match c.col::<Option<String>>("id_hash")? {
            Some(_) => Some(ceremony(&c)?).filter(|c| c.expires_at > now),
            None => None,
        },
        passkey: match pk.col::<Option<String>>("id")? {
            Some(_) => Some(passkey(&pk)?),
            None => None,
        },
        account: account_found(r)?,
        limit: limit_found(r, "t")?,
    })
}

#[async_trait]
impl PasskeyStore for SqlStore {
    async fn put_ceremony(&self, c: &Ceremony) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query("DELETE FROM passkey_ceremonies WHERE expires_at < $1")
            .bind(c.created_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let sql = format!(
            "INSERT INTO passkey_ceremonies ({CEREMONY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&c.id_hash)
            .bind(c.purpose.as_str())
            .bind(c.user_id.as_ref().map(UserId::as_str))
            .bind(c.session_id_hash.as_ref().map(SessionId::as_str))
            .bind(&c.state)
            .bind(c.created_at)
            .bind(c.expires_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn take_ceremony(&self, id_hash: &str, now: UnixMillis) -> StoreResult<Option<Ceremony>> {
        // Deleted as it is read: of two requests with the same id, one gets it.
        let sql = format!("DELETE FROM passkey_ceremonies WHERE id_hash = $1 RETURNING {CEREMONY_COLUMNS}");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id_hash)
            .fetch_optional(&mut *self.write.get().await?)
            .await
            .map_err(db)?;
        let found = row.as_ref().map(ceremony).transpose().map_err(db)?;
        Ok(found.filter(|c| c.expires_at > now))
    }

    async fn passkeys_of(&self, user_id: &UserId) -> StoreResult<Vec<StoredPasskey>> {
        let sql = format!(
            "SELECT {PASSKEY_COLUMNS} FROM factors WHERE user_id = $1 AND kind = 'passkey' \
             AND confirmed_at IS NOT NULL ORDER BY created_at, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id.as_str())
            .fetch_all(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        rows.iter().map(passkey).collect::<Result<_, _>>().map_err(db)
    }

    async fn passkey_by_credential(&self, credential_id: &str) -> StoreResult<Option<StoredPasskey>> {
        // Read at every passkey sign-in: on this thread on SQLite (ADR 0009).
        let sql = format!(
            "SELECT {PASSKEY_COLUMNS} FROM factors WHERE credential_id = $1 AND confirmed_at IS NOT NULL"
        );
        read_one(&self.read, &sql, &[credential_id], |r| passkey(r), passkey).await
    }

    async fn put_pending_passkey(&self, factor: &Factor, key: &StoredPasskey) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        insert_pending_factor(&mut tx, factor, Some(key)).await?;
        tx.commit().await.map_err(db)
    }

    async fn passkey_answer_lookup(
        &self,
        ceremony_hash: &str,
        credential_id: &str,
        limit_key: &str,
        now: UnixMillis,
    ) -> StoreResult<PasskeyAnswerLookup> {
        // Read at every passkey answer: on this thread on SQLite (ADR 0009), one round trip on
        // PostgreSQL instead of four.
        let args = [ceremony_hash, credential_id, limit_key];
        let found = read_one(
            &self.read,
            &ANSWER_LOOKUP,
            &args,
            |r| answer_found(r, now),
            |r| answer_found(r, now),
        )
        .await?;
        found.ok_or_else(|| umbral_core::ports::StoreError::Backend("the passkey lookup found no row".into()))
    }

    async fn passkey_sign_in(&self, s: &PasskeySignIn) -> StoreResult<bool> {
        // One transaction, sent whole; the signature's count guards the rest (ADR 0016).
        let mut script = Script::default();
        push_passkey_seen(&mut script, s.user_id.as_str(), &s.factor_id, &s.seen, s.now);
        if let Some(event) = &s.end_others {
            self.push_end_others(
                &mut script,
                s.user_id.as_str(),
                s.session.id_hash.as_str(),
                s.now,
                event,
            );
        }
        push_session(&mut script, &s.session);
        push_audits(&mut script, &s.audit.iter().collect::<Vec<_>>());
        Ok(self
            .run_and_tell(&script, Change::User(s.user_id.as_str()))
            .await?
            .is_ok())
    }

    async fn rename_passkey(
        &self,
        user_id: &UserId,
        factor_id: &FactorId,
        name: &str,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let changed = sqlx::query(
            "UPDATE factors SET name = $1 WHERE id = $2 AND user_id = $3 AND kind = 'passkey' AND confirmed_at IS NOT NULL",
        )
        .bind(name)
        .bind(factor_id.as_str())
        .bind(user_id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            return Ok(false);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id.as_str()).await;
        Ok(true)
    }
}

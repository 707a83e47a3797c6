use std::sync::LazyLock;

use async_trait::async_trait;
use sqlx::Connection;
use sqlx::{AssertSqlSafe, Row};
use umbral_core::accounts::{Membership, Role, User};
use umbral_core::audit::AuditEvent;
use umbral_core::clock::UnixMillis;
use umbral_core::outbox::OutboxMessage;
use umbral_core::ports::{
    AccountStore, NewOrganization, NewSignup, PendingSignupUpdate, SignInLookup, StoreResult, ThrottleState,
};
use umbral_core::types::{SessionId, UserId};

use crate::audit::{insert_audit, insert_audits};
use crate::codes::upsert_code;
use crate::outbox::insert_outbox;
use crate::rows::{self, Cols, MEMBERSHIP_COLUMNS, USER_COLUMNS};
use crate::sessions::insert_session;
use crate::{SqlStore, db};

/// The account behind an email and the two sign-in limits, in one row.
static SIGN_IN_LOOKUP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT t1.failures AS t1_failures, t1.window_started_at AS t1_window, t1.last_failure_at AS t1_last, \
                t2.failures AS t2_failures, t2.window_started_at AS t2_window, t2.last_failure_at AS t2_last, \
                t3.failures AS t3_failures, t3.window_started_at AS t3_window, t3.last_failure_at AS t3_last, \
                u.id AS found_id, {USER_COLUMNS}, {MEMBERSHIP_COLUMNS} \
         FROM (SELECT 1 AS one) x \
         LEFT JOIN throttle t1 ON t1.key = $2 \
         LEFT JOIN throttle t2 ON t2.key = $3 \
         LEFT JOIN throttle t3 ON t3.key = $4 \
         LEFT JOIN users u ON u.email_key = $1 \
         LEFT JOIN memberships m ON m.user_id = u.id \
         LEFT JOIN organizations o ON o.id = m.org_id \
         ORDER BY m.created_at LIMIT 1"
    )
});

/// The limit read as `{p}_failures`, `{p}_window`, `{p}_last`; `None` without failures.
pub(crate) fn limit_found(r: &impl Cols, p: &str) -> Result<Option<ThrottleState>, sqlx::Error> {
    let failures: Option<i64> = r.col(&format!("{p}_failures"))?;
    let Some(failures) = failures else { return Ok(None) };
    Ok(Some(ThrottleState {
        failures,
        window_started_at: r.col(&format!("{p}_window"))?,
        last_failure_at: r.col(&format!("{p}_last"))?,
    }))
}

/// The account read as `found_id` and the user's and membership's columns, if any.
pub(crate) fn account_found(r: &impl Cols) -> Result<Option<(User, Option<Membership>)>, sqlx::Error> {
    match r.col::<Option<String>>("found_id")? {
        Some(_) => Ok(Some((rows::user(r)?, rows::membership(r)?))),
        None => Ok(None),
    }
}

fn sign_in_found(r: &impl Cols) -> Result<SignInLookup, sqlx::Error> {
    let limits = [
        limit_found(r, "t1")?,
        limit_found(r, "t2")?,
        limit_found(r, "t3")?,
    ];
    Ok(SignInLookup {
        account: account_found(r)?,
        limits,
    })
}

#[async_trait]
impl AccountStore for SqlStore {
    async fn create_signup(&self, s: &NewSignup) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        if let Some((user, org, terms)) = &s.account {
            insert_user(&mut tx, user, terms).await?;
            insert_organization(&mut tx, org).await?;
            sqlx::query(
                "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&org.id)
            .bind(&user.id.0)
            .bind(Role::Owner.as_str())
            .bind(org.created_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        insert_session(&mut tx, &s.session).await?;
        upsert_code(&mut tx, &s.code).await?;
        if let Some(m) = &s.message {
            insert_outbox(&mut tx, self.outbox_key(), m).await?;
        }
        insert_audits(&mut tx, &s.audit.iter().collect::<Vec<_>>()).await?;
        tx.commit().await.map_err(db)
    }

    async fn user_by_email_key(&self, email_key: &str) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email_key = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(email_key)
            .fetch_optional(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        row.map(|r| rows::user(&r)).transpose().map_err(db)
    }

    async fn user_by_id(&self, id: &UserId) -> StoreResult<Option<User>> {
        // Read at every passkey sign-in: on this thread on SQLite (ADR 0009).
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
        rows::read_one(&self.read, &sql, &[id.as_str()], |r| rows::user(r), rows::user).await
    }

    async fn sign_in_lookup(&self, email_key: &str, limit_keys: [&str; 3]) -> StoreResult<SignInLookup> {
        let args = [email_key, limit_keys[0], limit_keys[1], limit_keys[2]];
        // One row always: every part of it is a subquery.
        rows::read_one(
            &self.read,
            &SIGN_IN_LOOKUP,
            &args,
            |r| sign_in_found(r),
            sign_in_found,
        )
        .await?
        .ok_or_else(|| umbral_core::ports::StoreError::Backend("the sign-in lookup found no row".to_string()))
    }

    async fn change_password(
        &self,
        user_id: &UserId,
        hash: &str,
        keep_session: &SessionId,
        now: UnixMillis,
        message: &OutboxMessage,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query(
            "UPDATE users SET password_hash = $1, security_epoch = security_epoch + 1, updated_at = $2 WHERE id = $3",
        )
        .bind(hash)
        .bind(now)
        .bind(user_id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "UPDATE sessions SET ended_at = $1, end_reason = 'revoked' \
             WHERE user_id = $2 AND ended_at IS NULL AND id_hash <> $3",
        )
        .bind(now)
        .bind(user_id.as_str())
        .bind(keep_session.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // A password change spends every "Forgot your password?" link.
        sqlx::query("UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(user_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        crate::outbox::insert_outbox(&mut tx, self.outbox_key(), message).await?;
        crate::audit::insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id.as_str()).await;
        Ok(())
    }

    async fn update_password_hash(&self, user_id: &UserId, hash: &str, now: UnixMillis) -> StoreResult<()> {
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(now)
            .bind(user_id.as_str())
            .execute(&mut *self.write.get().await?)
            .await
            .map_err(db)?;
        self.user_changed(user_id.as_str()).await;
        Ok(())
    }

    async fn confirm_email(
        &self,
        user_id: &UserId,
        code_id: &str,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query("UPDATE users SET email_confirmed_at = $1, updated_at = $1 WHERE id = $2 AND email_confirmed_at IS NULL")
            .bind(now)
            .bind(user_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM codes WHERE id = $1")
            .bind(code_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id.as_str()).await;
        Ok(())
    }

    async fn update_pending_signup(&self, p: &PendingSignupUpdate) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let n = sqlx::query(
            "UPDATE users SET name = $1, phone = $2, password_hash = $3, locale = $4, updated_at = $5 \
             WHERE id = $6 AND email_confirmed_at IS NULL",
        )
        .bind(&p.name)
        .bind(&p.phone)
        .bind(&p.password_hash)
        .bind(&p.locale)
        .bind(p.audit.at)
        .bind(p.user_id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Ok(false);
        }
        // The organization the sign-up made is named after its person until the company step.
        sqlx::query(
            "UPDATE organizations SET name = $1 WHERE id IN \
             (SELECT org_id FROM memberships WHERE user_id = $2 AND role = 'owner')",
        )
        .bind(&p.name)
        .bind(p.user_id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        upsert_code(&mut tx, &p.code).await?;
        insert_outbox(&mut tx, self.outbox_key(), &p.message).await?;
        insert_audit(&mut tx, &p.audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(p.user_id.as_str()).await;
        Ok(true)
    }

    async fn purge_unconfirmed(&self, before: UnixMillis) -> StoreResult<u64> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let ids: Vec<String> =
            sqlx::query("SELECT id FROM users WHERE email_confirmed_at IS NULL AND created_at < $1")
                .bind(before)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?
                .iter()
                .map(|r| r.try_get::<String, _>("id"))
                .collect::<Result<_, _>>()
                .map_err(db)?;
        for id in &ids {
            discard_unconfirmed(&mut tx, id).await?;
        }
        // Stand-in sessions of sign-ups with a taken email, and their codes.
        sqlx::query("DELETE FROM codes WHERE subject IN (SELECT id_hash FROM sessions WHERE user_id IS NULL AND created_at < $1)")
            .bind(before)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM sessions WHERE user_id IS NULL AND created_at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        self.everything_changed().await;
        Ok(ids.len() as u64)
    }
}

/// Writes a new user who accepted `terms` (the email confirmed or not, as `user` says).
pub(crate) async fn insert_user(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user: &User,
    terms: &umbral_core::ports::TermsAcceptance,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO users (id, email, email_key, name, phone, password_hash, locale, status, \
         email_confirmed_at, terms_version, terms_accepted_at, terms_ip, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
    )
    .bind(&user.id.0)
    .bind(&user.email)
    .bind(user.email.to_lowercase())
    .bind(&user.name)
    .bind(&user.phone)
    .bind(&user.password_hash)
    .bind(&user.locale)
    .bind(user.status.as_str())
    .bind(user.email_confirmed_at)
    .bind(&terms.version)
    .bind(terms.at)
    .bind(&terms.ip)
    .bind(user.created_at)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

/// Deletes a user whose email was never confirmed, with the organization the sign-up made (when
/// they are its only member), their codes and (by cascade) their sessions.
pub(crate) async fn discard_unconfirmed(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
) -> StoreResult<()> {
    sqlx::query(
        "DELETE FROM organizations WHERE id IN (SELECT org_id FROM memberships WHERE user_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM memberships m2 WHERE m2.org_id = organizations.id AND m2.user_id <> $1)",
    )
    .bind(id)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    sqlx::query("DELETE FROM codes WHERE subject = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    sqlx::query("DELETE FROM users WHERE id = $1 AND email_confirmed_at IS NULL")
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    Ok(())
}

/// Writes a new organization.
pub(crate) async fn insert_organization(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    org: &NewOrganization,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO organizations (id, name, single_session, created_at, setup, plan_choice) \
         VALUES ($1, $2, NULL, $3, $4, $5)",
    )
    .bind(&org.id)
    .bind(&org.name)
    .bind(org.created_at)
    .bind(org.setup.as_str())
    .bind(&org.plan_choice)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

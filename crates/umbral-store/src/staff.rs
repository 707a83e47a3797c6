//! API keys and lost-factor resets.

use async_trait::async_trait;
use sqlx::Connection;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use umbral_core::accounts::{Membership, User};
use umbral_core::audit::AuditEvent;
use umbral_core::clock::UnixMillis;
use umbral_core::outbox::OutboxMessage;
use umbral_core::policy::TwoFactorPolicy;
use umbral_core::ports::{
    ApiKeyStore, DirectoryStore, FactorResetRow, FactorResetStore, OrganizationRow, PolicyStore, StoreResult,
};
use umbral_core::staff::{ApiKey, ApiScope, FactorReset, ResetStatus};
use umbral_core::types::{OrgId, UserId};

use crate::audit::{insert_audit, insert_audits};
use crate::outbox::insert_outbox;
use crate::rows::{self, MEMBERSHIP_COLUMNS, USER_COLUMNS};
use crate::sessions::{revoke_trusted_devices, revoke_user_sessions};
use crate::{Backend, SqlStore, db};

const RESET_COLUMNS: &str = "r.id AS r_id, r.user_id AS r_user_id, r.status AS r_status, r.token_hash, \
     r.token_expires_at, r.created_at AS r_created_at, r.confirmed_at, r.decided_at, r.decided_by, \
     r.ip AS r_ip, r.user_agent AS r_user_agent";

fn reset(r: &AnyRow) -> Result<FactorReset, sqlx::Error> {
    let status: String = r.try_get("r_status")?;
    Ok(FactorReset {
        id: r.try_get("r_id")?,
        user_id: r.try_get("r_user_id")?,
        status: ResetStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("reset status {status}").into()))?,
        token_hash: r.try_get("token_hash")?,
        token_expires_at: r.try_get("token_expires_at")?,
        created_at: r.try_get("r_created_at")?,
        confirmed_at: r.try_get("confirmed_at")?,
        decided_at: r.try_get("decided_at")?,
        decided_by: r.try_get("decided_by")?,
        ip: r.try_get("r_ip")?,
        user_agent: r.try_get("r_user_agent")?,
    })
}

fn reset_row(r: &AnyRow) -> Result<FactorResetRow, sqlx::Error> {
    Ok(FactorResetRow {
        reset: reset(r)?,
        user: rows::user(r)?,
        membership: rows::membership(r)?,
    })
}

/// Resets with their user and the user's first organization.
fn reset_select(filter: &str) -> String {
    format!(
        "SELECT {RESET_COLUMNS}, {USER_COLUMNS}, {MEMBERSHIP_COLUMNS} FROM factor_resets r \
         JOIN users u ON u.id = r.user_id \
         LEFT JOIN memberships m ON m.user_id = u.id \
           AND m.org_id = (SELECT m2.org_id FROM memberships m2 WHERE m2.user_id = u.id ORDER BY m2.created_at LIMIT 1) \
         LEFT JOIN organizations o ON o.id = m.org_id \
         WHERE {filter}"
    )
}

const ORG_SELECT: &str = "SELECT o.id, o.name, o.created_at, o.mfa_policy, o.single_session, \
     (SELECT COUNT(*) FROM memberships m WHERE m.org_id = o.id) AS members FROM organizations o";

fn org_row(r: &AnyRow) -> Result<OrganizationRow, sqlx::Error> {
    Ok(OrganizationRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        members: r.try_get("members")?,
        mfa_policy: r
            .try_get::<Option<String>, _>("mfa_policy")?
            .as_deref()
            .and_then(umbral_core::policy::TwoFactorPolicy::parse),
        single_session: r.try_get::<Option<i64>, _>("single_session")?.map(|v| v != 0),
    })
}

fn api_key(r: &AnyRow) -> Result<ApiKey, sqlx::Error> {
    let scope: String = r.try_get("scope")?;
    Ok(ApiKey {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        key_hash: r.try_get("key_hash")?,
        scope: ApiScope::parse(&scope)
            .ok_or_else(|| sqlx::Error::Decode(format!("key scope {scope}").into()))?,
        created_at: r.try_get("created_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

#[async_trait]
impl FactorResetStore for SqlStore {
    async fn put_factor_reset(
        &self,
        r: &FactorReset,
        message: &OutboxMessage,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query("DELETE FROM factor_resets WHERE user_id = $1 AND status = 'unconfirmed'")
            .bind(&r.user_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO factor_resets (id, user_id, status, token_hash, token_expires_at, created_at, \
             confirmed_at, decided_at, decided_by, ip, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, NULL, $7, $8)",
        )
        .bind(&r.id)
        .bind(&r.user_id)
        .bind(r.status.as_str())
        .bind(&r.token_hash)
        .bind(r.token_expires_at)
        .bind(r.created_at)
        .bind(&r.ip)
        .bind(&r.user_agent)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        insert_outbox(&mut tx, self.outbox_key(), message).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn factor_reset(&self, id: &str) -> StoreResult<Option<FactorResetRow>> {
        let row = sqlx::query(AssertSqlSafe(reset_select("r.id = $1")))
            .bind(id)
            .fetch_optional(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        row.as_ref().map(reset_row).transpose().map_err(db)
    }

    async fn factor_reset_by_token(&self, token_hash: &str) -> StoreResult<Option<FactorReset>> {
        let sql = format!("SELECT {RESET_COLUMNS} FROM factor_resets r WHERE r.token_hash = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(token_hash)
            .fetch_optional(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        row.as_ref().map(reset).transpose().map_err(db)
    }

    async fn open_factor_reset(&self, user_id: &UserId) -> StoreResult<Option<FactorReset>> {
        let sql = format!(
            "SELECT {RESET_COLUMNS} FROM factor_resets r WHERE r.user_id = $1 \
             AND r.status IN ('unconfirmed', 'pending') ORDER BY r.created_at DESC LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(user_id.as_str())
            .fetch_optional(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        row.as_ref().map(reset).transpose().map_err(db)
    }

    async fn confirm_factor_reset(&self, id: &str, now: UnixMillis, audit: &AuditEvent) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let n = sqlx::query(
            "UPDATE factor_resets SET status = 'pending', confirmed_at = $1 WHERE id = $2 AND status = 'unconfirmed'",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n == 1 {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(n == 1)
    }

    async fn list_factor_resets(
        &self,
        status: Option<ResetStatus>,
        org_id: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<FactorResetRow>> {
        // Unused filters compare a column with itself, so that one statement serves every case.
        let sql = reset_select(
            "r.status = COALESCE($1, r.status) AND ($2 = '' OR m.org_id = $2) ORDER BY r.created_at DESC LIMIT $3",
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(status.map(|s| s.as_str().to_string()))
            .bind(org_id.unwrap_or_default())
            .bind(limit)
            .fetch_all(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        rows.iter().map(reset_row).collect::<Result<_, _>>().map_err(db)
    }

    async fn decide_factor_reset(
        &self,
        r: &FactorReset,
        approve: bool,
        now: UnixMillis,
        decided_by: &str,
        message: &OutboxMessage,
        audit: &[AuditEvent],
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let status = if approve { "approved" } else { "rejected" };
        let n = sqlx::query(
            "UPDATE factor_resets SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4 AND status = 'pending'",
        )
        .bind(status)
        .bind(now)
        .bind(decided_by)
        .bind(&r.id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Ok(false);
        }
        if approve {
            let uid = r.user_id.as_str();
            for sql in [
                "DELETE FROM factors WHERE user_id = $1",
                "DELETE FROM recovery_codes WHERE user_id = $1",
            ] {
                sqlx::query(sql).bind(uid).execute(&mut *tx).await.map_err(db)?;
            }
            revoke_user_sessions(&mut tx, uid, now).await?;
            revoke_trusted_devices(&mut tx, uid, now).await?;
            sqlx::query(
                "UPDATE users SET mfa_enabled = 1, security_epoch = security_epoch + 1, updated_at = $1 WHERE id = $2",
            )
            .bind(now)
            .bind(uid)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        insert_outbox(&mut tx, self.outbox_key(), message).await?;
        insert_audits(&mut tx, &audit.iter().collect::<Vec<_>>()).await?;
        tx.commit().await.map_err(db)?;
        if approve {
            self.user_changed(&r.user_id).await;
        }
        Ok(true)
    }
}

#[async_trait]
impl PolicyStore for SqlStore {
    async fn set_org_two_factor_policy(
        &self,
        org_id: &OrgId,
        policy: Option<TwoFactorPolicy>,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let n = sqlx::query("UPDATE organizations SET mfa_policy = $1 WHERE id = $2")
            .bind(policy.map(|p| p.as_str().to_string()))
            .bind(org_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if n == 1 {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await.map_err(db)?;
        // Every member's next step may change.
        self.everything_changed().await;
        Ok(n == 1)
    }

    async fn platform_settings(&self) -> StoreResult<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT key, value FROM platform_settings ORDER BY key")
            .fetch_all(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| Ok((r.try_get("key")?, r.try_get("value")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db)
    }

    async fn put_platform_setting(
        &self,
        key: &str,
        value: Option<&str>,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query("DELETE FROM platform_settings WHERE key = $1")
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if let Some(v) = value {
            sqlx::query("INSERT INTO platform_settings (key, value, updated_at) VALUES ($1, $2, $3)")
                .bind(key)
                .bind(v)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.everything_changed().await;
        Ok(())
    }

    async fn set_org_single_session(
        &self,
        org_id: &OrgId,
        single: Option<bool>,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let n = sqlx::query("UPDATE organizations SET single_session = $1 WHERE id = $2")
            .bind(single.map(i64::from))
            .bind(org_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if n == 1 {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await.map_err(db)?;
        self.everything_changed().await;
        Ok(n == 1)
    }
}

#[async_trait]
impl DirectoryStore for SqlStore {
    async fn search_users(
        &self,
        q: &str,
        org_id: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<(User, Option<Membership>)>> {
        let q = q.to_lowercase().replace(['%', '_'], "");
        let pattern = format!("%{q}%");
        let like = "(u.email_key LIKE $1 OR LOWER(u.name) LIKE $1)";
        // First the newest users, read in order: a search most users match (or none given)
        // fills its page there.
        let newest = format!("(SELECT * FROM users ORDER BY created_at DESC, id DESC LIMIT {NEWEST}) u");
        let found = self
            .users_where(&newest, like, &pattern, None, org_id, limit)
            .await?;
        if found.len() as i64 >= limit || (q.is_empty() && org_id.is_none()) {
            return Ok(found);
        }
        // Else every user, from an index: the trigrams of three letters or more (on SQLite
        // only when they match few users: else reading by age finds the page sooner), or the
        // start of the email for one or two letters.
        let short = q.chars().count() < 3;
        let (filter, first) = match self.backend {
            _ if q.is_empty() => (like, pattern.clone()),
            Backend::Postgres if short => ("u.email_key LIKE $1", format!("{q}%")),
            // An email's domain is shared by many users, and its trigrams' lists are long: the
            // index is asked for the part before the `@`, the whole checked on what it finds.
            Backend::Postgres => match q.split_once('@') {
                Some((local, _)) if local.chars().count() >= 3 => (
                    "(u.email_key || ' ' || LOWER(u.name)) LIKE $1 AND u.email_key LIKE $4",
                    format!("%{local}%"),
                ),
                _ => ("(u.email_key || ' ' || LOWER(u.name)) LIKE $1", pattern.clone()),
            },
            Backend::Sqlite if short => ("u.email_key >= $1 AND u.email_key < $1 || X'FF'", q.clone()),
            Backend::Sqlite if self.few_users_match(&q).await? => (
                "u.rowid IN (SELECT rowid FROM users_search WHERE users_search MATCH $1)",
                trigram_phrase(&q),
            ),
            Backend::Sqlite => (like, pattern.clone()),
        };
        let whole = filter.contains("$4").then_some(pattern.as_str());
        let mut all = self
            .users_where("users u", filter, &first, whole, org_id, limit)
            .await?;
        if short && !q.is_empty() {
            // The start of the email only: with what the newest users matched anywhere.
            all.extend(found);
            all.sort_by(|(a, _), (b, _)| (b.created_at, &b.id.0).cmp(&(a.created_at, &a.id.0)));
            all.dedup_by(|(a, _), (b, _)| a.id == b.id);
            all.truncate(usize::try_from(limit).unwrap_or(0));
        }
        Ok(all)
    }

    async fn search_organizations(&self, q: &str, limit: i64) -> StoreResult<Vec<OrganizationRow>> {
        let pattern = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
        let sql = format!(
            "{ORG_SELECT} WHERE LOWER(o.name) LIKE $1 ORDER BY o.created_at DESC, o.id DESC LIMIT $2"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(pattern)
            .bind(limit)
            .fetch_all(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        rows.iter().map(org_row).collect::<Result<_, _>>().map_err(db)
    }

    async fn organization(&self, id: &OrgId) -> StoreResult<Option<OrganizationRow>> {
        let sql = format!("{ORG_SELECT} WHERE o.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.as_str())
            .fetch_optional(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        row.as_ref().map(org_row).transpose().map_err(db)
    }

    async fn end_user_sessions(
        &self,
        user_id: &UserId,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<u64> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let n = revoke_user_sessions(&mut tx, user_id.as_str(), now).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id.as_str()).await;
        Ok(n)
    }
}

#[async_trait]
impl ApiKeyStore for SqlStore {
    async fn put_api_key(&self, key: &ApiKey, audit: &AuditEvent) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO api_keys (id, name, key_hash, scope, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, NULL)",
        )
        .bind(&key.id)
        .bind(&key.name)
        .bind(&key.key_hash)
        .bind(key.scope.as_string())
        .bind(key.created_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>> {
        let row = sqlx::query(
            "SELECT id, name, key_hash, scope, created_at, revoked_at FROM api_keys WHERE key_hash = $1",
        )
        .bind(key_hash)
        .fetch_optional(&mut *self.read.get().await?)
        .await
        .map_err(db)?;
        row.as_ref().map(api_key).transpose().map_err(db)
    }

    async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        let rows = sqlx::query(
            "SELECT id, name, key_hash, scope, created_at, revoked_at FROM api_keys ORDER BY created_at, id",
        )
        .fetch_all(&mut *self.read.get().await?)
        .await
        .map_err(db)?;
        rows.iter().map(api_key).collect::<Result<_, _>>().map_err(db)
    }

    async fn revoke_api_key(&self, id: &str, now: UnixMillis, audit: &AuditEvent) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let n = sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if n == 1 {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(n == 1)
    }
}

/// Past this many users matching a search, reading the newest users in order finds a page
/// sooner than sorting every match (SQLite).
const FEW_MATCHES: i64 = 1000;
/// A search first reads this many of the newest users.
const NEWEST: i64 = 5000;

/// A search as one FTS5 phrase: its trigrams in a row, anywhere in the email or the name.
fn trigram_phrase(q: &str) -> String {
    format!("\"{}\"", q.replace('"', "\"\""))
}

impl SqlStore {
    /// A page of users from `from` (aliased `u`) that pass `filter` (its `$1` is `first`, its
    /// `$4`, if any, `fourth`) and belong to the organization, newest first, with their first
    /// organization.
    async fn users_where(
        &self,
        from: &str,
        filter: &str,
        first: &str,
        fourth: Option<&str>,
        org_id: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<(User, Option<Membership>)>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, {MEMBERSHIP_COLUMNS} FROM {from} \
             LEFT JOIN memberships m ON m.user_id = u.id AND m.org_id = \
               (SELECT m2.org_id FROM memberships m2 WHERE m2.user_id = u.id ORDER BY m2.created_at LIMIT 1) \
             LEFT JOIN organizations o ON o.id = m.org_id \
             WHERE {filter} AND ($2 = '' OR (m.org_id = $2 AND u.id IN (SELECT user_id FROM memberships WHERE org_id = $2))) \
             ORDER BY u.created_at DESC, u.id DESC LIMIT $3"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql))
            .bind(first)
            .bind(org_id.unwrap_or_default())
            .bind(limit);
        if let Some(fourth) = fourth {
            query = query.bind(fourth);
        }
        let rows = query.fetch_all(&mut *self.read.get().await?).await.map_err(db)?;
        rows.iter()
            .map(|r| Ok((rows::user(r)?, rows::membership(r)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db)
    }

    /// Whether a search on SQLite is better answered from the trigram table (three letters
    /// or more, at most [`FEW_MATCHES`] users).
    async fn few_users_match(&self, q: &str) -> StoreResult<bool> {
        if q.chars().count() < 3 {
            return Ok(false);
        }
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT rowid FROM users_search WHERE users_search MATCH $1 LIMIT $2)",
        )
        .bind(trigram_phrase(q))
        .bind(FEW_MATCHES + 1)
        .fetch_one(&mut *self.read.get().await?)
        .await
        .map_err(db)?;
        Ok(n <= FEW_MATCHES)
    }
}

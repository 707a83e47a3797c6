//! Signing in with upstream identity providers: sign-ins under way and linked identities.

use async_trait::async_trait;
use sqlx::{Connection, Row};
use umbral_core::audit::AuditEvent;
use umbral_core::clock::UnixMillis;
use umbral_core::ports::{
    LinkedIdentity, OrgPlace, StoreError, StoreResult, UpstreamLogin, UpstreamPurpose, UpstreamSignup,
    UpstreamStore,
};
use umbral_core::types::OrgId;
use umbral_core::types::{SessionId, UserId};
use umbral_core::upstream::{OrgSso, ProviderKind, StoredProvider};

use crate::accounts::{discard_unconfirmed, insert_organization, insert_user};
use crate::audit::{insert_audit, insert_audits};
use crate::sessions::insert_session;
use crate::{SqlStore, db};

const LOGIN_COLUMNS: &str = "id_hash, provider_id, purpose, user_id, plan, browser_hash, nonce, verifier_sealed, \
                             identity_json, created_at, expires_at";

fn login(r: &sqlx::any::AnyRow) -> StoreResult<UpstreamLogin> {
    let purpose: String = r.try_get("purpose").map_err(db)?;
    let user: Option<String> = r.try_get("user_id").map_err(db)?;
    let purpose = match (purpose.as_str(), user) {
        ("link", Some(u)) => UpstreamPurpose::Link(UserId(u)),
        _ => UpstreamPurpose::SignIn {
            plan: r.try_get("plan").map_err(db)?,
        },
    };
    let identity: Option<String> = r.try_get("identity_json").map_err(db)?;
    Ok(UpstreamLogin {
        id_hash: r.try_get("id_hash").map_err(db)?,
        provider_id: r.try_get("provider_id").map_err(db)?,
        purpose,
        browser_hash: r.try_get("browser_hash").map_err(db)?,
        nonce: r.try_get("nonce").map_err(db)?,
        verifier_sealed: r.try_get("verifier_sealed").map_err(db)?,
        identity: identity
            .map(|j| serde_json::from_str(&j))
            .transpose()
            .map_err(|e| StoreError::Backend(e.to_string()))?,
        created_at: r.try_get("created_at").map_err(db)?,
        expires_at: r.try_get("expires_at").map_err(db)?,
    })
}

fn identity(r: &sqlx::any::AnyRow) -> StoreResult<LinkedIdentity> {
    Ok(LinkedIdentity {
        user_id: UserId(r.try_get("user_id").map_err(db)?),
        provider_id: r.try_get("provider_id").map_err(db)?,
        issuer: r.try_get("issuer").map_err(db)?,
        subject: r.try_get("subject").map_err(db)?,
        email: r.try_get("email").map_err(db)?,
        created_at: r.try_get("created_at").map_err(db)?,
    })
}

async fn insert_identity(tx: &mut sqlx::Transaction<'_, sqlx::Any>, i: &LinkedIdentity) -> StoreResult<()> {
    let inserted = sqlx::query(
        "INSERT INTO user_identities (issuer, subject, user_id, provider_id, email, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(&i.issuer)
    .bind(&i.subject)
    .bind(i.user_id.as_str())
    .bind(&i.provider_id)
    .bind(&i.email)
    .bind(i.created_at)
    .execute(&mut **tx)
    .await
    .map_err(db)?
    .rows_affected();
    if inserted == 0 {
        return Err(StoreError::Conflict("identity linked already".into()));
    }
    Ok(())
}

/// Ends the user's sessions but `keep` (`revoked`), and writes `audit` with how many ended.
async fn end_others_with(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user: &str,
    keep: &str,
    now: UnixMillis,
    audit: &AuditEvent,
) -> StoreResult<()> {
    let ended = sqlx::query(
        "UPDATE sessions SET ended_at = $1, end_reason = 'revoked' \
         WHERE user_id = $2 AND ended_at IS NULL AND id_hash <> $3",
    )
    .bind(now)
    .bind(user)
    .bind(keep)
    .execute(&mut **tx)
    .await
    .map_err(db)?
    .rows_affected();
    let mut audit = audit.clone();
    audit.details = format!("{};sessions_ended={ended}", audit.details);
    insert_audit(tx, &audit).await
}

#[async_trait]
impl UpstreamStore for SqlStore {
    async fn put_upstream_login(&self, l: &UpstreamLogin) -> StoreResult<()> {
        let (purpose, user, plan) = match &l.purpose {
            UpstreamPurpose::SignIn { plan } => ("sign_in", None, plan.clone()),
            UpstreamPurpose::Link(u) => ("link", Some(u.as_str().to_string()), None),
        };
        let identity = l
            .identity
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        // Those nobody came back for go on the way.
        sqlx::query("DELETE FROM upstream_logins WHERE expires_at < $1")
            .bind(l.created_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO upstream_logins (id_hash, provider_id, purpose, user_id, plan, browser_hash, nonce, \
             verifier_sealed, identity_json, created_at, expires_at, used_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL)",
        )
        .bind(&l.id_hash)
        .bind(&l.provider_id)
        .bind(purpose)
        .bind(user)
        .bind(plan)
        .bind(&l.browser_hash)
        .bind(&l.nonce)
        .bind(&l.verifier_sealed)
        .bind(identity)
        .bind(l.created_at)
        .bind(l.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn take_upstream_login(
        &self,
        id_hash: &str,
        now: UnixMillis,
    ) -> StoreResult<Option<UpstreamLogin>> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let spent = sqlx::query(
            "UPDATE upstream_logins SET used_at = $1 WHERE id_hash = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(id_hash)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if spent != 1 {
            return Ok(None);
        }
        let sql = format!("SELECT {LOGIN_COLUMNS} FROM upstream_logins WHERE id_hash = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id_hash)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let found = login(&row)?;
        tx.commit().await.map_err(db)?;
        Ok(Some(found))
    }

    async fn upstream_login(&self, id_hash: &str, now: UnixMillis) -> StoreResult<Option<UpstreamLogin>> {
        let sql = format!(
            "SELECT {LOGIN_COLUMNS} FROM upstream_logins WHERE id_hash = $1 AND used_at IS NULL AND expires_at > $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id_hash)
            .bind(now)
            .fetch_optional(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        row.as_ref().map(login).transpose()
    }

    async fn user_by_identity(&self, issuer: &str, subject: &str) -> StoreResult<Option<UserId>> {
        let row = sqlx::query("SELECT user_id FROM user_identities WHERE issuer = $1 AND subject = $2")
            .bind(issuer)
            .bind(subject)
            .fetch_optional(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        row.map(|r| r.try_get::<String, _>("user_id").map(UserId))
            .transpose()
            .map_err(db)
    }

    async fn identities_of(&self, user: &UserId) -> StoreResult<Vec<LinkedIdentity>> {
        let rows = sqlx::query(
            "SELECT issuer, subject, user_id, provider_id, email, created_at FROM user_identities \
             WHERE user_id = $1 ORDER BY created_at",
        )
        .bind(user.as_str())
        .fetch_all(&mut *self.read.get().await?)
        .await
        .map_err(db)?;
        rows.iter().map(identity).collect()
    }

    async fn link_identity(
        &self,
        i: &LinkedIdentity,
        keep: &SessionId,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        insert_identity(&mut tx, i).await?;
        end_others_with(&mut tx, i.user_id.as_str(), keep.as_str(), now, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(i.user_id.as_str()).await;
        Ok(())
    }

    async fn unlink_identity(
        &self,
        user: &UserId,
        provider_id: &str,
        keep: &SessionId,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let gone = sqlx::query("DELETE FROM user_identities WHERE user_id = $1 AND provider_id = $2")
            .bind(user.as_str())
            .bind(provider_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if gone == 0 {
            return Ok(false);
        }
        end_others_with(&mut tx, user.as_str(), keep.as_str(), now, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user.as_str()).await;
        Ok(true)
    }

    async fn create_upstream_signup(&self, s: &UpstreamSignup) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        if let Some(old) = &s.discard {
            discard_unconfirmed(&mut tx, old.as_str()).await?;
        }
        // A confirmed account with this email, made meanwhile, is a `Conflict` (unique email).
        insert_user(&mut tx, &s.user, &s.terms).await?;
        let (org_id, role) = match &s.org {
            OrgPlace::New(org) => {
                insert_organization(&mut tx, org).await?;
                (org.id.clone(), "owner")
            }
            OrgPlace::Join(org) => (org.as_str().to_string(), "member"),
        };
        sqlx::query("INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&org_id)
            .bind(s.user.id.as_str())
            .bind(role)
            .bind(s.user.created_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        insert_identity(&mut tx, &s.identity).await?;
        insert_session(&mut tx, &s.session).await?;
        insert_audits(&mut tx, &s.audit.iter().collect::<Vec<_>>()).await?;
        tx.commit().await.map_err(db)?;
        if let Some(old) = &s.discard {
            self.user_changed(old.as_str()).await;
        }
        Ok(())
    }

    async fn accept_invitation_via_identity(
        &self,
        identity: &LinkedIdentity,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let user = identity.user_id.as_str();
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let confirmed = sqlx::query(
            "UPDATE users SET email_confirmed_at = $1, security_epoch = security_epoch + 1, updated_at = $1 \
             WHERE id = $2 AND email_confirmed_at IS NULL AND password_hash IS NULL",
        )
        .bind(now)
        .bind(user)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if confirmed != 1 {
            return Ok(false);
        }
        sqlx::query("UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND purpose = 'invite' AND used_at IS NULL")
            .bind(now)
            .bind(user)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        insert_identity(&mut tx, identity).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user).await;
        Ok(true)
    }

    async fn org_sso(&self, org: &OrgId) -> StoreResult<Option<OrgSso>> {
        let sql = format!("SELECT {SSO_COLUMNS} FROM org_sso WHERE org_id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.as_str())
            .fetch_optional(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        row.as_ref().map(sso).transpose()
    }

    async fn put_org_sso(&self, s: &OrgSso, audit: &AuditEvent) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO org_sso (org_id, issuer, client_id, secret_sealed, domain, token, verified_at, enabled, \
             join_members, trust_mfa, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (org_id) DO UPDATE SET issuer = $2, client_id = $3, secret_sealed = $4, domain = $5, \
             token = $6, verified_at = $7, enabled = $8, join_members = $9, trust_mfa = $10, updated_at = $11",
        )
        .bind(s.org_id.as_str())
        .bind(&s.issuer)
        .bind(&s.client_id)
        .bind(&s.secret_sealed)
        .bind(&s.domain)
        .bind(&s.token)
        .bind(s.verified_at)
        .bind(i64::from(s.enabled))
        .bind(i64::from(s.join_members))
        .bind(i64::from(s.trust_mfa))
        .bind(s.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn stored_providers(&self) -> StoreResult<Vec<StoredProvider>> {
        let sql = format!("SELECT {PROVIDER_COLUMNS} FROM identity_providers ORDER BY created_at, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        rows.iter().map(stored_provider).collect()
    }

    async fn put_provider(&self, p: &StoredProvider, audit: &AuditEvent) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO identity_providers (id, kind, name, issuer, client_id, secret_sealed, scopes, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET kind = $2, \
             name = $3, issuer = $4, client_id = $5, secret_sealed = $6, scopes = $7, updated_at = $9",
        )
        .bind(&p.id)
        .bind(p.kind.as_str())
        .bind(&p.name)
        .bind(&p.issuer)
        .bind(&p.client_id)
        .bind(&p.secret_sealed)
        .bind(p.scopes.join(" "))
        .bind(p.created_at)
        .bind(p.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn delete_provider(&self, id: &str, audit: &AuditEvent) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let gone = sqlx::query("DELETE FROM identity_providers WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if gone == 0 {
            return Ok(false);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn sso_by_domain(&self, domain: &str) -> StoreResult<Option<OrgSso>> {
        let sql = format!("SELECT {SSO_COLUMNS} FROM org_sso WHERE domain = $1 AND verified_at IS NOT NULL");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(domain)
            .fetch_optional(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        row.as_ref().map(sso).transpose()
    }
}

const PROVIDER_COLUMNS: &str =
    "id, kind, name, issuer, client_id, secret_sealed, scopes, created_at, updated_at";

fn stored_provider(r: &sqlx::any::AnyRow) -> StoreResult<StoredProvider> {
    let kind: String = r.try_get("kind").map_err(db)?;
    let scopes: String = r.try_get("scopes").map_err(db)?;
    Ok(StoredProvider {
        id: r.try_get("id").map_err(db)?,
        kind: ProviderKind::parse(&kind).unwrap_or(ProviderKind::Oidc),
        name: r.try_get("name").map_err(db)?,
        issuer: r.try_get("issuer").map_err(db)?,
        client_id: r.try_get("client_id").map_err(db)?,
        secret_sealed: r.try_get("secret_sealed").map_err(db)?,
        scopes: scopes.split_whitespace().map(str::to_string).collect(),
        created_at: r.try_get("created_at").map_err(db)?,
        updated_at: r.try_get("updated_at").map_err(db)?,
    })
}

const SSO_COLUMNS: &str = "org_id, issuer, client_id, secret_sealed, domain, token, verified_at, enabled, join_members, \
                           trust_mfa, updated_at";

fn sso(r: &sqlx::any::AnyRow) -> StoreResult<OrgSso> {
    let flag = |c: &str| r.try_get::<i64, _>(c).map(|v| v != 0).map_err(db);
    Ok(OrgSso {
        org_id: OrgId(r.try_get("org_id").map_err(db)?),
        issuer: r.try_get("issuer").map_err(db)?,
        client_id: r.try_get("client_id").map_err(db)?,
        secret_sealed: r.try_get("secret_sealed").map_err(db)?,
        domain: r.try_get("domain").map_err(db)?,
        token: r.try_get("token").map_err(db)?,
        verified_at: r.try_get("verified_at").map_err(db)?,
        enabled: flag("enabled")?,
        join_members: flag("join_members")?,
        trust_mfa: flag("trust_mfa")?,
        updated_at: r.try_get("updated_at").map_err(db)?,
    })
}

//! The OpenID Connect provider's clients, keys, waiting requests and codes.

use async_trait::async_trait;
use sqlx::Connection;
use sqlx::Row;
use umbral_core::audit::AuditEvent;
use umbral_core::clock::UnixMillis;
use umbral_core::oidc::client::Client;
use umbral_core::oidc::grant::{CodeGrant, NextRefresh, RefreshGrant, RefreshUse};
use umbral_core::oidc::keys::StoredKey;
use umbral_core::ports::{BackchannelDue, CodeUse, Consent, OidcStore, StoreResult};
use umbral_core::types::{SessionId, UserId};

use crate::audit::insert_audit;
use crate::cluster::Change;
use crate::script::{Script, unguarded};
use crate::{SqlStore, db};

use crate::oidc_rows::*;
use crate::rows::read_one;

#[async_trait]
impl OidcStore for SqlStore {
    async fn put_client(&self, c: &Client, audit: &AuditEvent) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO oidc_clients (id, name, secret_hash, redirect_uris, post_logout_redirect_uris, \
             backchannel_logout_uri, first_party, created_at, disabled_at, id_token_alg, jwks, jwks_uri) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&c.id)
        .bind(&c.name)
        .bind(&c.secret_hash)
        .bind(json(&c.redirect_uris)?)
        .bind(json(&c.post_logout_redirect_uris)?)
        .bind(&c.backchannel_logout_uri)
        .bind(i64::from(c.first_party))
        .bind(c.created_at)
        .bind(c.disabled_at)
        .bind(c.id_token_alg.as_str())
        .bind(&c.jwks)
        .bind(&c.jwks_uri)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn client(&self, id: &str) -> StoreResult<Option<Client>> {
        let mut conn = self.read.get().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CLIENT_COLUMNS} FROM oidc_clients WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        row.as_ref().map(client).transpose().map_err(db)
    }

    async fn update_client(&self, c: &Client, audit: &AuditEvent) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let n = sqlx::query(
            "UPDATE oidc_clients SET name = $1, redirect_uris = $2, post_logout_redirect_uris = $3, \
             backchannel_logout_uri = $4, id_token_alg = $5, jwks = $6, jwks_uri = $7 WHERE id = $8",
        )
        .bind(&c.name)
        .bind(json(&c.redirect_uris)?)
        .bind(json(&c.post_logout_redirect_uris)?)
        .bind(&c.backchannel_logout_uri)
        .bind(c.id_token_alg.as_str())
        .bind(&c.jwks)
        .bind(&c.jwks_uri)
        .bind(&c.id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn set_client_secret(&self, id: &str, secret_hash: &str, audit: &AuditEvent) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let n =
            sqlx::query("UPDATE oidc_clients SET secret_hash = $1 WHERE id = $2 AND secret_hash IS NOT NULL")
                .bind(secret_hash)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn set_client_disabled(
        &self,
        id: &str,
        at: Option<UnixMillis>,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let n = sqlx::query("UPDATE oidc_clients SET disabled_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        if let Some(now) = at {
            sqlx::query(
                "UPDATE oidc_refresh_tokens SET revoked_at = $1 WHERE client_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn clients(&self) -> StoreResult<Vec<Client>> {
        let mut conn = self.read.get().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CLIENT_COLUMNS} FROM oidc_clients ORDER BY created_at DESC, id DESC"
        )))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        rows.iter().map(client).collect::<Result<_, _>>().map_err(db)
    }

    async fn signing_keys(&self) -> StoreResult<Vec<StoredKey>> {
        let mut conn = self.read.get().await?;
        let rows = sqlx::query(
            "SELECT kid, alg, sealed, created_at, active_from, retire_at FROM oidc_keys ORDER BY created_at",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        rows.iter().map(key).collect::<Result<_, _>>().map_err(db)
    }

    async fn rotate_signing_key(&self, k: &StoredKey, audit: &AuditEvent) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query("UPDATE oidc_keys SET retire_at = $1 WHERE alg = $2 AND retire_at IS NULL")
            .bind(k.active_from)
            .bind(k.alg.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        insert_key(&mut tx, k).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn use_assertion(
        &self,
        client_id: &str,
        jti: &str,
        expires_at: UnixMillis,
        now: UnixMillis,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query("DELETE FROM oidc_assertions WHERE expires_at < $1")
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let n = sqlx::query(
            "INSERT INTO oidc_assertions (client_id, jti, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (client_id, jti) DO NOTHING",
        )
        .bind(client_id)
        .bind(jti)
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        tx.commit().await.map_err(db)?;
        Ok(n == 1)
    }

    async fn put_signing_key(&self, k: &StoredKey) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        insert_key(&mut conn, k).await
    }

    async fn put_auth_request(
        &self,
        id_hash: &str,
        request: &str,
        now: UnixMillis,
        expires_at: UnixMillis,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        // Expired requests go as new ones come.
        sqlx::query("DELETE FROM oidc_auth_requests WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("INSERT INTO oidc_auth_requests (id_hash, request, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(id_hash)
            .bind(request)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn auth_request(&self, id_hash: &str, now: UnixMillis) -> StoreResult<Option<String>> {
        let mut conn = self.read.get().await?;
        let row =
            sqlx::query("SELECT request FROM oidc_auth_requests WHERE id_hash = $1 AND expires_at > $2")
                .bind(id_hash)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db)?;
        row.map(|r| r.try_get("request")).transpose().map_err(db)
    }

    async fn end_auth_request(&self, id_hash: &str) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        sqlx::query("DELETE FROM oidc_auth_requests WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn put_code(&self, g: &CodeGrant) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        // Codes an hour past their expiry are forgotten (a reuse after that is just unknown).
        sqlx::query("DELETE FROM oidc_codes WHERE expires_at < $1")
            .bind(g.issued_at - 3_600_000)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("INSERT INTO oidc_codes (code_hash, client_id, grant_json, expires_at, used_at) VALUES ($1, $2, $3, $4, NULL)")
            .bind(&g.code_hash)
            .bind(&g.client_id)
            .bind(json(g)?)
            .bind(g.expires_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn use_code(&self, code_hash: &str, now: UnixMillis) -> StoreResult<CodeUse> {
        self.spend_code(code_hash, now).await
    }

    async fn put_refresh(
        &self,
        token_hash: &str,
        family_id: &str,
        grant: &RefreshGrant,
        now: UnixMillis,
        expires_at: UnixMillis,
    ) -> StoreResult<()> {
        // Relaxed (ADR 0008): a refresh token lost to a power cut is made again by signing in;
        // the code it came from was spent with a full commit.
        let mut script = Script::default();
        script
            .sql(INSERT_REFRESH)
            .arg(token_hash)
            .arg(family_id)
            .arg(grant.client_id.as_str())
            .arg(&grant.user_id)
            .arg(&grant.session_id)
            .arg(&json(grant)?)
            .arg(now)
            .arg(expires_at);
        script.relaxed().run(&self.write).await
    }

    async fn rotate_refresh(
        &self,
        token_hash: &str,
        client_id: &str,
        next: &NextRefresh,
        now: UnixMillis,
    ) -> StoreResult<RefreshUse> {
        self.spend_refresh(token_hash, client_id, next, now).await
    }

    async fn consent(&self, user: &UserId, client_id: &str) -> StoreResult<Option<Consent>> {
        let mut conn = self.read.get().await?;
        let row = sqlx::query(
            "SELECT co.client_id, c.name, co.scopes, co.granted_at, co.last_used_at FROM oidc_consents co \
             JOIN oidc_clients c ON c.id = co.client_id WHERE co.user_id = $1 AND co.client_id = $2",
        )
        .bind(user.as_str())
        .bind(client_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        row.as_ref().map(consent).transpose()
    }

    async fn put_consent(
        &self,
        user: &UserId,
        client_id: &str,
        scopes: &[String],
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO oidc_consents (user_id, client_id, scopes, granted_at, last_used_at) VALUES ($1, $2, $3, $4, NULL) \
             ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at",
        )
        .bind(user.as_str())
        .bind(client_id)
        .bind(json(scopes)?)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn consent_used(&self, user: &UserId, client_id: &str, now: UnixMillis) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        sqlx::query("UPDATE oidc_consents SET last_used_at = $1 WHERE user_id = $2 AND client_id = $3")
            .bind(now)
            .bind(user.as_str())
            .bind(client_id)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn consents_of(&self, user: &UserId) -> StoreResult<Vec<Consent>> {
        let mut conn = self.read.get().await?;
        let rows = sqlx::query(
            "SELECT co.client_id, c.name, co.scopes, co.granted_at, co.last_used_at FROM oidc_consents co \
             JOIN oidc_clients c ON c.id = co.client_id WHERE co.user_id = $1 ORDER BY co.granted_at DESC",
        )
        .bind(user.as_str())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        rows.iter().map(consent).collect()
    }

    async fn revoke_consent(
        &self,
        user: &UserId,
        client_id: &str,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let n = sqlx::query("DELETE FROM oidc_consents WHERE user_id = $1 AND client_id = $2")
            .bind(user.as_str())
            .bind(client_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE oidc_refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND client_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user.as_str())
        .bind(client_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn note_session_client(
        &self,
        session: &SessionId,
        client_id: &str,
        user: &UserId,
        now: UnixMillis,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        sqlx::query(
            "INSERT INTO oidc_session_clients (session_id, client_id, user_id, created_at, notified_at, attempts, \
             next_attempt_at, last_error) VALUES ($1, $2, $3, $4, NULL, 0, $4, NULL) \
             ON CONFLICT (session_id, client_id) DO NOTHING",
        )
        .bind(session.as_str())
        .bind(client_id)
        .bind(user.as_str())
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn due_backchannel(&self, now: UnixMillis, limit: i64) -> StoreResult<Vec<BackchannelDue>> {
        let mut conn = self.read.get().await?;
        let rows = sqlx::query(
            "SELECT sc.session_id, sc.client_id, sc.user_id, sc.attempts, c.backchannel_logout_uri \
             FROM oidc_session_clients sc JOIN oidc_clients c ON c.id = sc.client_id \
             LEFT JOIN sessions s ON s.id_hash = sc.session_id \
             WHERE sc.notified_at IS NULL AND sc.next_attempt_at <= $1 AND c.backchannel_logout_uri IS NOT NULL \
             AND (s.id_hash IS NULL OR s.ended_at IS NOT NULL OR s.expires_at <= $1) \
             ORDER BY sc.next_attempt_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(BackchannelDue {
                    session_id: SessionId(r.try_get("session_id")?),
                    client_id: r.try_get("client_id")?,
                    user_id: UserId(r.try_get("user_id")?),
                    uri: r.try_get("backchannel_logout_uri")?,
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db)
    }

    async fn backchannel_sent(
        &self,
        session: &SessionId,
        client_id: &str,
        now: UnixMillis,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        sqlx::query(
            "UPDATE oidc_session_clients SET notified_at = $1 WHERE session_id = $2 AND client_id = $3",
        )
        .bind(now)
        .bind(session.as_str())
        .bind(client_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn backchannel_failed(
        &self,
        session: &SessionId,
        client_id: &str,
        next_attempt_at: UnixMillis,
        error: &str,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        sqlx::query(
            "UPDATE oidc_session_clients SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 \
             WHERE session_id = $3 AND client_id = $4",
        )
        .bind(next_attempt_at)
        .bind(error)
        .bind(session.as_str())
        .bind(client_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn revoke_refresh(&self, token_hash: &str, client_id: &str, now: UnixMillis) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let n = sqlx::query(
            "UPDATE oidc_refresh_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND family_id = \
             (SELECT family_id FROM oidc_refresh_tokens WHERE token_hash = $2 AND client_id = $3)",
        )
        .bind(now)
        .bind(token_hash)
        .bind(client_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected();
        Ok(n > 0)
    }

    async fn revoke_grant(&self, grant_id: &str, until: UnixMillis, now: UnixMillis) -> StoreResult<()> {
        let mut script = Script::default();
        script
            .sql("DELETE FROM oidc_revoked_grants WHERE expires_at < $1")
            .arg(now)
            .sql(
                "INSERT INTO oidc_revoked_grants (grant_id, expires_at) VALUES ($1, $2) \
                 ON CONFLICT (grant_id) DO UPDATE SET expires_at = excluded.expires_at",
            )
            .arg(grant_id)
            .arg(until);
        unguarded(self.run_and_tell(&script, Change::Grant(grant_id)).await?)
    }

    async fn grant_revoked(&self, grant_id: &str, now: UnixMillis) -> StoreResult<bool> {
        // Read on every use of an access token: kept in memory like sessions (ADR 0015).
        let began = match &self.cache {
            Some(c) => match c.grant(grant_id) {
                Some(until) => return Ok(until.is_some_and(|u| u >= now)),
                None => Some(c.begin()),
            },
            None => None,
        };
        let sql = "SELECT expires_at FROM oidc_revoked_grants WHERE grant_id = $1";
        let until = read_one(&self.read, sql, &[grant_id], |r| expires_at(r), expires_at).await?;
        if let (Some(c), Some(began)) = (&self.cache, began) {
            c.put_grant(grant_id, until, began);
        }
        Ok(until.is_some_and(|u| u >= now))
    }

    async fn revoke_family(&self, family_id: &str, client_id: &str, now: UnixMillis) -> StoreResult<u64> {
        let mut conn = self.write.get().await?;
        Ok(sqlx::query(
            "UPDATE oidc_refresh_tokens SET revoked_at = $1 \
             WHERE family_id = $2 AND client_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(family_id)
        .bind(client_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected())
    }

    async fn purge_refresh_tokens(&self, before: UnixMillis, now: UnixMillis) -> StoreResult<u64> {
        let mut conn = self.write.get().await?;
        Ok(sqlx::query(
            "DELETE FROM oidc_refresh_tokens WHERE used_at < $1 OR revoked_at < $1 OR expires_at < $2 \
             OR session_id IN (SELECT id_hash FROM sessions WHERE ended_at < $1)",
        )
        .bind(before)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected())
    }
}

async fn insert_key(conn: &mut sqlx::AnyConnection, k: &StoredKey) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO oidc_keys (kid, alg, sealed, created_at, active_from, retire_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (kid) DO NOTHING",
    )
    .bind(&k.kid)
    .bind(k.alg.as_str())
    .bind(&k.sealed)
    .bind(k.created_at)
    .bind(k.active_from)
    .bind(k.retire_at)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

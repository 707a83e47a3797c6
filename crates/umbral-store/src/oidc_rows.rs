//! The provider's rows: clients, keys, consents and refresh tokens, to and from their columns.

use sqlx::Row;
use sqlx::any::AnyRow;
use umbral_core::clock::UnixMillis;
use umbral_core::oidc::client::Client;
use umbral_core::oidc::grant::RefreshGrant;
use umbral_core::oidc::keys::{KeyAlg, StoredKey};
use umbral_core::ports::{Consent, StoreError, StoreResult};

use crate::db;

pub(crate) const CLIENT_COLUMNS: &str = "id, name, secret_hash, redirect_uris, post_logout_redirect_uris, \
     backchannel_logout_uri, first_party, created_at, disabled_at, id_token_alg, jwks, jwks_uri";

pub(crate) fn uris(text: &str) -> Result<Vec<String>, sqlx::Error> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

pub(crate) fn client(r: &AnyRow) -> Result<Client, sqlx::Error> {
    Ok(Client {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        secret_hash: r.try_get("secret_hash")?,
        redirect_uris: uris(&r.try_get::<String, _>("redirect_uris")?)?,
        post_logout_redirect_uris: uris(&r.try_get::<String, _>("post_logout_redirect_uris")?)?,
        backchannel_logout_uri: r.try_get("backchannel_logout_uri")?,
        first_party: r.try_get::<i64, _>("first_party")? != 0,
        created_at: r.try_get("created_at")?,
        disabled_at: r.try_get("disabled_at")?,
        id_token_alg: alg(&r.try_get::<String, _>("id_token_alg")?)?,
        jwks: r.try_get("jwks")?,
        jwks_uri: r.try_get("jwks_uri")?,
    })
}

pub(crate) fn key(r: &AnyRow) -> Result<StoredKey, sqlx::Error> {
    Ok(StoredKey {
        kid: r.try_get("kid")?,
        alg: alg(&r.try_get::<String, _>("alg")?)?,
        sealed: r.try_get("sealed")?,
        created_at: r.try_get("created_at")?,
        active_from: r.try_get("active_from")?,
        retire_at: r.try_get("retire_at")?,
    })
}

pub(crate) fn consent(r: &AnyRow) -> StoreResult<Consent> {
    let text: String = r.try_get("scopes").map_err(db)?;
    Ok(Consent {
        client_id: r.try_get("client_id").map_err(db)?,
        client_name: r.try_get("name").map_err(db)?,
        scopes: uris(&text).map_err(db)?,
        granted_at: r.try_get("granted_at").map_err(db)?,
        last_used_at: r.try_get("last_used_at").map_err(db)?,
    })
}

pub(crate) fn json<T: serde::Serialize + ?Sized>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(e.to_string()))
}

pub(crate) struct RefreshRow {
    pub(crate) family_id: String,
    pub(crate) client_id: String,
    pub(crate) grant: RefreshGrant,
    pub(crate) expires_at: i64,
    pub(crate) used_at: Option<i64>,
    pub(crate) successor_hash: Option<String>,
    pub(crate) successor_sealed: Option<String>,
    pub(crate) revoked_at: Option<i64>,
}

pub(crate) async fn refresh_row(
    conn: &mut sqlx::AnyConnection,
    token_hash: &str,
) -> StoreResult<Option<RefreshRow>> {
    let row = sqlx::query(
        "SELECT family_id, client_id, grant_json, expires_at, used_at, successor_hash, successor_sealed, revoked_at \
         FROM oidc_refresh_tokens WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    let Some(r) = row else {
        return Ok(None);
    };
    let text: String = r.try_get("grant_json").map_err(db)?;
    Ok(Some(RefreshRow {
        family_id: r.try_get("family_id").map_err(db)?,
        client_id: r.try_get("client_id").map_err(db)?,
        grant: serde_json::from_str(&text).map_err(|e| StoreError::Backend(e.to_string()))?,
        expires_at: r.try_get("expires_at").map_err(db)?,
        used_at: r.try_get("used_at").map_err(db)?,
        successor_hash: r.try_get("successor_hash").map_err(db)?,
        successor_sealed: r.try_get("successor_sealed").map_err(db)?,
        revoked_at: r.try_get("revoked_at").map_err(db)?,
    }))
}

pub(crate) const INSERT_REFRESH: &str = "INSERT INTO oidc_refresh_tokens (token_hash, family_id, client_id, user_id, session_id, grant_json, \
     created_at, expires_at, used_at, successor_hash, successor_sealed, revoked_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, NULL, NULL)";

pub(crate) async fn insert_refresh(
    conn: &mut sqlx::AnyConnection,
    token_hash: &str,
    family_id: &str,
    grant: &RefreshGrant,
    now: UnixMillis,
    expires_at: UnixMillis,
) -> StoreResult<()> {
    sqlx::query(INSERT_REFRESH)
        .bind(token_hash)
        .bind(family_id)
        .bind(&grant.client_id)
        .bind(grant.user_id.as_str())
        .bind(grant.session_id.as_str())
        .bind(json(grant)?)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

fn alg(text: &str) -> Result<KeyAlg, sqlx::Error> {
    KeyAlg::parse(text).ok_or_else(|| sqlx::Error::Decode(format!("key algorithm {text}").into()))
}

/// A code's grant (JSON) and when it was spent.
pub(crate) fn code_state(r: &impl crate::rows::Cols) -> Result<(String, Option<i64>), sqlx::Error> {
    Ok((r.col("grant_json")?, r.col("used_at")?))
}

/// A refresh token's grant (JSON).
pub(crate) fn grant_json(r: &impl crate::rows::Cols) -> Result<String, sqlx::Error> {
    r.col("grant_json")
}

pub(crate) fn expires_at(r: &impl crate::rows::Cols) -> Result<i64, sqlx::Error> {
    r.col("expires_at")
}

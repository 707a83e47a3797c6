//! Spending codes and refresh tokens (`OidcStore::use_code`, `OidcStore::rotate_refresh`): the
//! compare-and-set writes that decide, also between nodes, which request a code or a refresh
//! token serves.

use sqlx::Connection;
use umbral_core::clock::UnixMillis;
use umbral_core::oidc::grant::{CodeGrant, NextRefresh, REFRESH_GRACE_MS, RefreshUse};
use umbral_core::ports::{CodeUse, StoreError, StoreResult};

use crate::oidc_rows::*;
use crate::rows::read_one;
use crate::script::Script;
use crate::{SqlStore, db};

impl SqlStore {
    /// `OidcStore::use_code`.
    pub(crate) async fn spend_code(&self, code_hash: &str, now: UnixMillis) -> StoreResult<CodeUse> {
        // Spent in one relaxed message (ADR 0012: a power cut may undo the spending, never
        // half of it, and a killed process loses nothing); the writer takes one request at a
        // time, so exactly one request spends a code.
        let mut script = Script::default();
        script
            .sql(
                "UPDATE oidc_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $1",
            )
            .arg(now)
            .arg(code_hash);
        let spent = script.relaxed().run_counted(&self.write).await? == 1;
        let Some((text, used_at)) = read_one(
            &self.read,
            "SELECT grant_json, used_at FROM oidc_codes WHERE code_hash = $1",
            &[code_hash],
            |r| code_state(r),
            code_state,
        )
        .await?
        else {
            return Ok(CodeUse::Unknown);
        };
        let grant: CodeGrant = serde_json::from_str(&text).map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(match (spent, used_at) {
            (true, _) => CodeUse::Fresh(grant),
            (false, Some(_)) => CodeUse::Reused(grant),
            (false, None) => CodeUse::Unknown,
        })
    }

    /// `OidcStore::rotate_refresh`.
    pub(crate) async fn spend_refresh(
        &self,
        token_hash: &str,
        client_id: &str,
        next: &NextRefresh,
        now: UnixMillis,
    ) -> StoreResult<RefreshUse> {
        // The usual case first, in one relaxed message: the token is unspent and this request
        // spends it, and its successor copies its grant. Relaxed (ADR 0008, ADR 0012): a
        // rotation a power cut undoes leaves the spent token current again and its successor
        // unknown, which costs the application a sign-in; a killed process loses nothing.
        let mut script = Script::default();
        script
            .sql(
                "UPDATE oidc_refresh_tokens SET used_at = $1, successor_hash = $2, successor_sealed = $3 \
                 WHERE token_hash = $4 AND client_id = $5 AND used_at IS NULL AND revoked_at IS NULL \
                 AND expires_at > $1",
            )
            .arg(now)
            .arg(next.token_hash.as_str())
            .arg(next.sealed.as_str())
            .arg(token_hash)
            .arg(client_id)
            .sql(
                "INSERT INTO oidc_refresh_tokens (token_hash, family_id, client_id, user_id, session_id, \
                 grant_json, created_at, expires_at, used_at, successor_hash, successor_sealed, revoked_at) \
                 SELECT $1, family_id, client_id, user_id, session_id, grant_json, $2, $3, NULL, NULL, NULL, NULL \
                 FROM oidc_refresh_tokens WHERE token_hash = $4 AND successor_hash = $1 AND used_at = $2",
            )
            .arg(next.token_hash.as_str())
            .arg(now)
            .arg(next.expires_at)
            .arg(token_hash)
            // The family's tokens spent before the grace window can be used by no one: deleted
            // here, so a family in use keeps a handful of rows (a replay of one deleted is still
            // seen as a reuse: the token names its family). Only once the successor exists,
            // so a failed rotation changes no row.
            .sql(
                "DELETE FROM oidc_refresh_tokens WHERE family_id = \
                 (SELECT family_id FROM oidc_refresh_tokens WHERE token_hash = $1) AND used_at < $2",
            )
            .arg(next.token_hash.as_str())
            .arg(now - REFRESH_GRACE_MS);
        if script.relaxed().run_counted(&self.write).await? >= 2 {
            let sql = "SELECT grant_json FROM oidc_refresh_tokens WHERE token_hash = $1";
            let text = read_one(
                &self.read,
                sql,
                &[next.token_hash.as_str()],
                |r| grant_json(r),
                grant_json,
            )
            .await?;
            if let Some(text) = text {
                let grant = serde_json::from_str(&text).map_err(|e| StoreError::Backend(e.to_string()))?;
                return Ok(RefreshUse::Rotated(grant));
            }
        }
        // Spent already, revoked, expired, unknown, or another client's (rare): decided in one
        // transaction, with a full commit.
        let mut conn = self.write.get().await?;
        rotate_on(&mut conn, token_hash, client_id, next, now).await
    }
}

/// Spends a refresh token for its successor, in one transaction (see `rotate_refresh`).
async fn rotate_on(
    conn: &mut sqlx::AnyConnection,
    token_hash: &str,
    client_id: &str,
    next: &NextRefresh,
    now: UnixMillis,
) -> StoreResult<RefreshUse> {
    let mut tx = conn.begin().await.map_err(db)?;
    // The conditional write first: it takes the write lock at once (on SQLite a read first
    // would have to upgrade its lock, which a concurrent writer refuses), and only one
    // request spends the token.
    let spent = sqlx::query(
        "UPDATE oidc_refresh_tokens SET used_at = $1, successor_hash = $2, successor_sealed = $3 \
             WHERE token_hash = $4 AND client_id = $5 AND used_at IS NULL AND revoked_at IS NULL \
             AND expires_at > $1",
    )
    .bind(now)
    .bind(&next.token_hash)
    .bind(&next.sealed)
    .bind(token_hash)
    .bind(client_id)
    .execute(&mut *tx)
    .await
    .map_err(db)?
    .rows_affected()
        == 1;
    let Some(row) = refresh_row(&mut tx, token_hash).await? else {
        return Ok(RefreshUse::Unknown);
    };
    if spent {
        insert_refresh(
            &mut tx,
            &next.token_hash,
            &row.family_id,
            &row.grant,
            now,
            next.expires_at,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        return Ok(RefreshUse::Rotated(row.grant));
    }
    if row.client_id != client_id || row.revoked_at.is_some() || row.expires_at <= now {
        return Ok(RefreshUse::Unknown);
    }
    // Spent already (before, or by a request that won the race just now).
    let successor_unused = match &row.successor_hash {
        Some(h) => refresh_row(&mut tx, h)
            .await?
            .is_some_and(|s| s.used_at.is_none() && s.revoked_at.is_none()),
        None => false,
    };
    if let (Some(used), Some(sealed), true) = (row.used_at, &row.successor_sealed, successor_unused)
        && now - used <= REFRESH_GRACE_MS
    {
        tx.commit().await.map_err(db)?;
        return Ok(RefreshUse::Retried {
            grant: row.grant,
            successor_sealed: sealed.clone(),
        });
    }
    sqlx::query("UPDATE oidc_refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(&row.family_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(RefreshUse::Reused(row.grant))
}

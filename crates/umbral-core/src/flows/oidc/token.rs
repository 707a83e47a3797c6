//! The token endpoint (codes, refresh, revocation), and what reads its tokens: userinfo and
//! introspection.

use super::*;

/// The grant a code starts (`RefreshGrant::grant_id`): derived from the code's hash, so that
/// neither the code nor its stored hash reaches an access token.
fn grant_id_of(code_hash: &str) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(format!("grant:{code_hash}").as_bytes())[..16])
}

/// A refresh token: its family's name, then its own random part. A spent token is deleted once
/// its grace window has passed (`purge_refresh_tokens`); replayed after that, its family still
/// names the theft, and the family is revoked as for a reuse seen earlier (RFC 9700 4.14.2).
fn refresh_token_of(family: &str) -> Result<String, CoreError> {
    Ok(format!("{family}.{}", secrets::new_token()?))
}

/// Longer than any refresh token this provider issues (64 + 1 + 43 characters).
const REFRESH_TOKEN_MAX: usize = 200;

/// The family a refresh token names (tokens issued before families were named carry none).
fn family_of(token: &str) -> Option<&str> {
    token
        .split_once('.')
        .map(|(f, _)| f)
        .filter(|f| f.len() == 64 && f.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// At most this many checked access tokens are remembered per node.
const SEEN_MAX: usize = 10_000;

impl<S: ?Sized + OidcStore + SessionStore + AccountStore + AuditStore> Umbral<S> {
    /// The authorization code grant (RFC 6749 4.1.3, RFC 7636 4.6).
    pub async fn exchange_code(
        &self,
        creds: &ClientCredentials,
        code: Option<&str>,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
    ) -> Result<Tokens, TokenError> {
        let client = self.token_client(creds).await?;
        let code = code
            .filter(|c| !c.is_empty() && c.len() <= 100)
            .ok_or(TokenError::InvalidRequest("code is missing"))?;
        let now = self.now();
        // The code's hash names the family of refresh tokens it gives, so that a reuse of the
        // code revokes them (RFC 6749 4.1.2).
        let code_hash = secrets::hash_token(code);
        let grant = match self.store.use_code(&code_hash, now).await? {
            CodeUse::Fresh(g) => g,
            CodeUse::Reused(g) => {
                self.store.revoke_family(&code_hash, &g.client_id, now).await?;
                self.revoke_grant(&grant_id_of(&code_hash), now).await?;
                let meta = RequestMeta::default();
                if let Ok(a) = AuditEvent::new(now, "oidc.code_reused", Some(g.user_id.as_str()), &meta) {
                    let _ = self
                        .store
                        .record_audit(&a.details(format!("client={}", g.client_id)))
                        .await;
                }
                return Err(TokenError::InvalidGrant("the code was used already"));
            }
            CodeUse::Unknown => return Err(TokenError::InvalidGrant("unknown or expired code")),
        };
        if grant.client_id != client.id {
            return Err(TokenError::InvalidGrant("the code was issued to another client"));
        }
        if redirect_uri != Some(grant.redirect_uri.as_str()) {
            return Err(TokenError::InvalidGrant(
                "redirect_uri differs from the request's",
            ));
        }
        match (&grant.code_challenge, verifier) {
            (Some(c), Some(v)) if pkce::verify(v, c) => {}
            (None, None) => {}
            _ => return Err(TokenError::InvalidGrant("the PKCE verifier does not match")),
        }
        // The session must still be live: a sign-out meanwhile ends what it would give.
        let Some(ctx) = self.store.session_context(&grant.session_id).await? else {
            return Err(TokenError::InvalidGrant("the sign-in has ended"));
        };
        if ctx.session.ended_at.is_some() || ctx.session.expires_at <= now {
            return Err(TokenError::InvalidGrant("the sign-in has ended"));
        }
        let nonce = grant.nonce.clone();
        let grant = RefreshGrant {
            client_id: client.id.clone(),
            user_id: grant.user_id.clone(),
            session_id: grant.session_id.clone(),
            scopes: grant.scopes.clone(),
            auth_time: grant.auth_time,
            amr: grant.amr.clone(),
            grant_id: grant_id_of(&code_hash),
        };
        // Refresh tokens go to the vendor's own applications, and to others granted
        // `offline_access`; they live as long as the session.
        let refresh = if client.first_party || grant.scopes.iter().any(|s| s == "offline_access") {
            let token = refresh_token_of(&code_hash)?;
            self.store
                .put_refresh(
                    &secrets::hash_token(&token),
                    &code_hash,
                    &grant,
                    now,
                    ctx.session.expires_at,
                )
                .await?;
            Some(token)
        } else {
            None
        };
        if client.backchannel_logout_uri.is_some() {
            self.store
                .note_session_client(&grant.session_id, &client.id, &grant.user_id, now)
                .await?;
        }
        self.mint(&client, &grant, &ctx, nonce, refresh).await
    }

    /// The refresh token grant (RFC 6749 6): the token is spent and replaced (rotation); see
    /// [`RefreshUse`] for a retried request and for a reuse.
    pub async fn refresh(
        &self,
        creds: &ClientCredentials,
        token: Option<&str>,
    ) -> Result<Tokens, TokenError> {
        let client = self.token_client(creds).await?;
        let token = token
            .filter(|t| !t.is_empty() && t.len() <= REFRESH_TOKEN_MAX)
            .ok_or(TokenError::InvalidRequest("refresh_token is missing"))?;
        let now = self.now();
        let hash = secrets::hash_token(token);
        let family = family_of(token);
        let next_token = match family {
            Some(f) => refresh_token_of(f)?,
            None => secrets::new_token()?,
        };
        let next = NextRefresh {
            token_hash: secrets::hash_token(&next_token),
            sealed: self.config.secret_key.seal(next_token.as_bytes(), &hash)?,
            // At most as long as a session may live; the session's end ends it sooner.
            expires_at: now + self.config.session.max_age.as_ms(),
        };
        let (grant, given) = match self.store.rotate_refresh(&hash, &client.id, &next, now).await? {
            RefreshUse::Rotated(g) => (g, next_token),
            RefreshUse::Retried {
                grant,
                successor_sealed,
            } => {
                let plain = self.config.secret_key.open(&successor_sealed, &hash)?;
                (grant, String::from_utf8(plain).map_err(|_| TokenError::Server)?)
            }
            RefreshUse::Reused(g) => {
                if !g.grant_id.is_empty() {
                    self.revoke_grant(&g.grant_id, now).await?;
                }
                return Err(self
                    .refresh_reused(Some(g.user_id.as_str()), &g.client_id, now)
                    .await);
            }
            RefreshUse::Unknown => {
                // Deleted since it was spent: a reuse when its family (of this client) lives.
                if let Some(f) = family
                    && self.store.revoke_family(f, &client.id, now).await? > 0
                {
                    self.revoke_grant(&grant_id_of(f), now).await?;
                    return Err(self.refresh_reused(None, &client.id, now).await);
                }
                return Err(TokenError::InvalidGrant(
                    "unknown, expired or revoked refresh token",
                ));
            }
        };
        let ctx = match self.store.session_context(&grant.session_id).await? {
            Some(c) if c.session.ended_at.is_none() && c.session.expires_at > now => c,
            _ => {
                let _ = self.store.revoke_refresh(&next.token_hash, &client.id, now).await;
                return Err(TokenError::InvalidGrant("the sign-in has ended"));
            }
        };
        self.mint(&client, &grant, &ctx, None, Some(given)).await
    }

    /// Revokes a refresh token's family (RFC 7009); an unknown token is no error.
    pub async fn revoke_token(
        &self,
        creds: &ClientCredentials,
        token: Option<&str>,
    ) -> Result<(), TokenError> {
        let client = self.token_client(creds).await?;
        let token = token.ok_or(TokenError::InvalidRequest("token is missing"))?;
        if token.is_empty() || token.len() > REFRESH_TOKEN_MAX {
            return Ok(());
        }
        let now = self.now();
        // A spent token deleted since still names its family.
        if !self
            .store
            .revoke_refresh(&secrets::hash_token(token), &client.id, now)
            .await?
            && let Some(f) = family_of(token)
        {
            self.store.revoke_family(f, &client.id, now).await?;
        }
        Ok(())
    }

    /// Signs the access token and the ID token of a grant.
    async fn mint(
        &self,
        client: &Client,
        grant: &RefreshGrant,
        ctx: &crate::ports::SessionContext,
        nonce: Option<String>,
        refresh_token: Option<String>,
    ) -> Result<Tokens, TokenError> {
        let user = ctx
            .user
            .as_ref()
            .ok_or(TokenError::InvalidGrant("the sign-in has ended"))?;
        // The keys first: the first token of an installation makes its key, which signs from
        // the moment it is made.
        let keys = self.signing_keys().await?;
        let now = self.now();
        // Access tokens are read by Umbral and the vendor's resource servers, which take any
        // key of the JWKS: ES256 signs them, fast. ID tokens follow the client's choice.
        let access_key = keys.signer(KeyAlg::Es256, now).ok_or(TokenError::Server)?;
        let id_key = keys.signer(client.id_token_alg, now).ok_or(TokenError::Server)?;
        let lifetimes = &self.config.oidc;
        let iss = self.issuer();
        let sid = sid_of(&grant.session_id);
        let acr = if grant.amr.iter().any(|m| m == "mfa") {
            "mfa"
        } else {
            "pwd"
        };
        let iat = now / 1000;
        let scope = grant.scopes.join(" ");
        let access = tokens::AccessTokenClaims {
            iss: iss.clone(),
            sub: user.id.as_str().to_string(),
            aud: iss.clone(),
            exp: iat + lifetimes.access_token.as_secs(),
            iat,
            jti: secrets::new_id(now)?,
            client_id: client.id.clone(),
            scope: scope.clone(),
            sid: sid.clone(),
            auth_time: grant.auth_time,
            acr: acr.to_string(),
            amr: grant.amr.clone(),
            gid: grant.grant_id.clone(),
        };
        let access_token = tokens::sign(&access, access_key, "at+jwt")?;
        let id = tokens::IdTokenClaims {
            iss,
            sub: user.id.as_str().to_string(),
            aud: client.id.clone(),
            exp: iat + lifetimes.id_token.as_secs(),
            iat,
            auth_time: grant.auth_time,
            nonce,
            sid,
            acr: acr.to_string(),
            amr: grant.amr.clone(),
            at_hash: Some(tokens::at_hash(&access_token, id_key.alg)),
            azp: client.id.clone(),
            claims: scope_claims(user, ctx.membership.as_ref(), &grant.scopes),
        };
        let id_token = tokens::sign(&id, id_key, "JWT")?;
        Ok(Tokens {
            access_token,
            id_token,
            refresh_token,
            expires_in: lifetimes.access_token.as_secs(),
            scope,
        })
    }

    /// The claims an access token reaches (OpenID Connect Core 5.3), while its sign-in lives.
    pub async fn userinfo(&self, access_token: &str) -> Result<Value, CoreError> {
        let (claims, ctx) = self.verify_access(access_token).await?;
        let user = ctx.user.as_ref().ok_or(CoreError::Unauthenticated)?;
        let scopes: Vec<String> = claims.scope.split(' ').map(str::to_string).collect();
        let mut out = scope_claims(user, ctx.membership.as_ref(), &scopes);
        out.insert("sub".into(), json!(claims.sub));
        Ok(Value::Object(out))
    }

    /// Token introspection (RFC 7662) for a resource server that authenticates as a client: an
    /// access token is active while its signature holds, it has not expired and its session
    /// lives. Anything else is `{"active": false}`.
    pub async fn introspect(
        &self,
        creds: &ClientCredentials,
        token: Option<&str>,
    ) -> Result<Value, TokenError> {
        self.token_client(creds).await?;
        let token = token.ok_or(TokenError::InvalidRequest("token is missing"))?;
        match self.verify_access(token).await {
            Ok((c, _)) => Ok(json!({
                "active": true,
                "scope": c.scope,
                "client_id": c.client_id,
                "sub": c.sub,
                "exp": c.exp,
                "iat": c.iat,
                "iss": c.iss,
                "aud": c.aud,
                "jti": c.jti,
                "sid": c.sid,
                "acr": c.acr,
                "amr": c.amr,
                "auth_time": c.auth_time,
                "token_type": "Bearer",
            })),
            Err(CoreError::Unauthenticated) => Ok(json!({"active": false})),
            Err(e) => Err(TokenError::from(e)),
        }
    }

    /// An access token this provider signed, unexpired, whose session still lives. A token
    /// checked once is remembered (by its hash) with its session, so that the next call reads the
    /// session only, without the signature check and the search for the session.
    async fn verify_access(
        &self,
        access_token: &str,
    ) -> Result<(tokens::AccessTokenClaims, crate::ports::SessionContext), CoreError> {
        if access_token.is_empty() || access_token.len() > 4096 {
            return Err(CoreError::Unauthenticated);
        }
        let now = self.now();
        let seen_key: [u8; 32] = Sha256::digest(access_token.as_bytes()).into();
        let seen = self.oidc_seen.lock().ok().and_then(|m| m.get(&seen_key).cloned());
        let (claims, session) = match seen {
            Some(s) => s,
            None => {
                let claims = self.check_access_signature(access_token).await?;
                let checked = self.checked_session(&claims, now).await?;
                if let Ok(mut m) = self.oidc_seen.lock() {
                    // Bounded: a full table starts again (the tokens are checked anew).
                    if m.len() >= SEEN_MAX {
                        m.clear();
                    }
                    m.insert(seen_key, checked.clone());
                }
                checked
            }
        };
        if claims.exp * 1000 <= now {
            return Err(CoreError::Unauthenticated);
        }
        let ctx = self
            .store
            .session_context(&session)
            .await?
            .ok_or(CoreError::Unauthenticated)?;
        let live = ctx.session.ended_at.is_none() && ctx.session.expires_at > now;
        if !live || ctx.user.as_ref().is_none_or(|u| u.id.as_str() != claims.sub) {
            return Err(CoreError::Unauthenticated);
        }
        if !claims.gid.is_empty() && self.store.grant_revoked(&claims.gid, now).await? {
            return Err(CoreError::Unauthenticated);
        }
        Ok((claims, ctx))
    }

    /// The claims of an access token whose signature, type, issuer and audience hold.
    async fn check_access_signature(
        &self,
        access_token: &str,
    ) -> Result<tokens::AccessTokenClaims, CoreError> {
        let header = jsonwebtoken::decode_header(access_token).map_err(|_| CoreError::Unauthenticated)?;
        if header.typ.as_deref() != Some("at+jwt") {
            // An ID token is no access token (RFC 9068 2.1).
            return Err(CoreError::Unauthenticated);
        }
        let kid = header.kid.ok_or(CoreError::Unauthenticated)?;
        let key = self.key_of(&kid).await?.ok_or(CoreError::Unauthenticated)?;
        let mut v = jsonwebtoken::Validation::new(key.alg.jwt());
        v.set_issuer(&[self.issuer()]);
        v.set_audience(&[self.issuer()]);
        // Expiry against Umbral's clock, by the caller.
        v.validate_exp = false;
        jsonwebtoken::decode::<tokens::AccessTokenClaims>(access_token, &key.decoding, &v)
            .map(|d| d.claims)
            .map_err(|_| CoreError::Unauthenticated)
    }

    /// The live session an access token names (`sid`) among its user's.
    async fn checked_session(
        &self,
        claims: &tokens::AccessTokenClaims,
        now: i64,
    ) -> Result<(tokens::AccessTokenClaims, SessionId), CoreError> {
        let user_id = crate::types::UserId::from(claims.sub.as_str());
        let live = self.store.live_sessions_of(&user_id, now).await?;
        let session = live
            .into_iter()
            .find(|s| sid_of(&s.id_hash) == claims.sid)
            .ok_or(CoreError::Unauthenticated)?;
        Ok((claims.clone(), session.id_hash))
    }

    /// Audits a refresh token used twice (its family is revoked) and answers the client.
    async fn refresh_reused(&self, user: Option<&str>, client_id: &str, now: i64) -> TokenError {
        if let Ok(a) = AuditEvent::new(now, "oidc.refresh_reused", user, &RequestMeta::default()) {
            let _ = self
                .store
                .record_audit(&a.details(format!("client={client_id}")))
                .await;
        }
        TokenError::InvalidGrant("the refresh token was used already; its family is revoked")
    }

    /// Deletes the refresh tokens nobody can use any more (hourly, `run_maintenance`).
    pub async fn purge_refresh_tokens(&self) -> Result<u64, CoreError> {
        let now = self.now();
        Ok(self
            .store
            .purge_refresh_tokens(now - crate::oidc::grant::REFRESH_GRACE_MS, now)
            .await?)
    }

    /// Revokes a grant's access tokens, for as long as the longest of them may live.
    async fn revoke_grant(&self, grant_id: &str, now: i64) -> Result<(), CoreError> {
        let until = now + self.config.oidc.access_token.as_ms();
        Ok(self.store.revoke_grant(grant_id, until, now).await?)
    }
}

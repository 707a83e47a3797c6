//! Single sign-on (`docs/flows/oidc.md`): Umbral as the OpenID Connect provider of the vendor's
//! applications. An application sends the browser to `authorize`; a person who is signed in (every
//! sign-up step done) goes straight back with a code, anyone else signs in first while the request
//! waits on the server; the application exchanges the code for tokens, and reads `userinfo`.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::audit::{AuditEvent, RequestMeta};
use crate::error::CoreError;
use crate::factors::{Method, MfaVia};
use crate::flows::Next;
use crate::flows::session::Authenticated;
use crate::oidc::client::{Client, ClientEdit, NewClient, Registered};
use crate::oidc::grant::{CODE_LIFETIME_MS, CodeGrant, NextRefresh, RefreshGrant, RefreshUse};
use crate::oidc::keys::{self, KeyAlg, SigningKey, StoredKey};
use crate::oidc::request::{self, AuthError, AuthRequest};
use crate::oidc::{pkce, tokens};
use crate::ports::{AccountStore, AuditStore, CodeUse, OidcStore, SessionStore};
use crate::secrets;
use crate::service::Umbral;
use crate::staff::{ApiActor, ApiScope};
use crate::types::SessionId;

/// A waiting authorization request lives this long: the person may stop and come back later.
const CONTINUATION_MS: i64 = 24 * 3_600_000;
/// Access tokens live this long.
pub const ACCESS_TOKEN_SECS: i64 = 600;
/// A key stays published this long after it stops signing (the longest life of what it signed).
const KEEP_PUBLISHED_MS: i64 = 24 * 3_600_000;

/// What `authorize` decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorize {
    /// Back to the client: a code, or an error, with the request's `state`.
    Redirect(String),
    /// The person signs in (or finishes a step) first; the request waits under `continuation`,
    /// which the browser keeps in a cookie.
    SignIn {
        continuation: String,
        create: bool,
        login_hint: Option<String>,
        /// The languages the application asked for (`ui_locales`), most wanted first.
        ui_locales: Option<String>,
        /// The browser's session ends first: the application asked for a new sign-in
        /// (`prompt=login`, `max_age`, or two factors this session has not given).
        sign_out: bool,
    },
    /// Shown to the person, never redirected: the client or its redirect URI cannot be trusted.
    ErrorPage(&'static str),
}

/// What an RP-initiated logout decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logout {
    /// Signed out; back to the application (with its `state`).
    Redirect(String),
    /// Signed out; no way back was given.
    SignedOut,
    /// No `id_token_hint`: the person is asked first.
    Confirm { client_name: Option<String> },
    /// A hint or a redirect URI that cannot be trusted.
    ErrorPage(&'static str),
}

/// The claims of an `id_token_hint` that logout reads.
#[derive(Debug, Clone, serde::Deserialize)]
struct HintClaims {
    aud: String,
    sub: String,
    sid: String,
}

/// How the client authenticated at the token endpoint.
#[derive(Debug, Clone, Default)]
pub struct ClientCredentials {
    pub client_id: Option<String>,
    pub secret: Option<String>,
}

/// The token endpoint's refusals (RFC 6749 5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    InvalidClient,
    InvalidGrant(&'static str),
    InvalidRequest(&'static str),
    UnsupportedGrantType,
    Server,
}

impl TokenError {
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::InvalidClient => "invalid_client",
            TokenError::InvalidGrant(_) => "invalid_grant",
            TokenError::InvalidRequest(_) => "invalid_request",
            TokenError::UnsupportedGrantType => "unsupported_grant_type",
            TokenError::Server => "server_error",
        }
    }

    pub fn description(&self) -> &'static str {
        match self {
            TokenError::InvalidClient => "client authentication failed",
            TokenError::InvalidGrant(d) | TokenError::InvalidRequest(d) => d,
            TokenError::UnsupportedGrantType => "only authorization_code is offered",
            TokenError::Server => "the server could not answer; try again",
        }
    }
}

impl From<CoreError> for TokenError {
    fn from(e: CoreError) -> Self {
        tracing::error!(error = %e, "token endpoint failed");
        TokenError::Server
    }
}

impl From<crate::ports::StoreError> for TokenError {
    fn from(e: crate::ports::StoreError) -> Self {
        tracing::error!(error = %e, "token endpoint failed");
        TokenError::Server
    }
}

/// The token endpoint's answer.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: String,
    pub id_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    pub scope: String,
}

/// The keys in use, opened once per node.
pub(crate) type OpenKeys = Arc<Vec<(StoredKey, SigningKey)>>;

/// Clients are the staff's to manage: an organization's API key may not.
fn staff_only(actor: &ApiActor) -> Result<(), CoreError> {
    match actor.scope {
        ApiScope::Staff => Ok(()),
        ApiScope::Organization(_) => Err(CoreError::Forbidden),
    }
}

fn client_event(
    now: i64,
    event: &str,
    actor: &ApiActor,
    meta: &RequestMeta,
    client: &str,
) -> Result<AuditEvent, CoreError> {
    Ok(AuditEvent::new(now, event, None, meta)?.details(format!("client={client};by={}", actor.key_id)))
}

/// The `sid` of a session as applications see it: derived from its id, so neither the token nor
/// the stored id leaves Umbral.
pub fn sid_of(session: &SessionId) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(format!("sid:{}", session.as_str()).as_bytes())[..16])
}

/// RFC 8176 method references of a session: the password, and how it passed its second factor.
pub fn amr_of(auth: &Authenticated) -> Vec<String> {
    let mut amr = vec!["pwd".to_string()];
    let second = match auth.session.mfa_method {
        Some(MfaVia::Method(Method::Sms)) => Some("sms"),
        Some(MfaVia::Method(_)) | Some(MfaVia::Enrollment) => Some("otp"),
        Some(MfaVia::TrustedDevice) => None,
        None => None,
    };
    if let Some(m) = second {
        amr.push(m.to_string());
    }
    if auth.session.mfa_at.is_some() {
        amr.push("mfa".to_string());
    }
    amr
}

impl<S: ?Sized + OidcStore + SessionStore + AccountStore + AuditStore> Umbral<S> {
    /// The issuer: the public address, as applications discover it.
    pub fn issuer(&self) -> String {
        self.config.public_url.trim_end_matches('/').to_string()
    }

    /// Registers an application; its secret (a confidential client's) is shown once. Staff only
    /// (the console, the command line, a staff-wide API key).
    pub async fn register_client(
        &self,
        actor: &ApiActor,
        new: &NewClient,
        meta: &RequestMeta,
    ) -> Result<Registered, CoreError> {
        staff_only(actor)?;
        let now = self.now();
        let r = new.register(now)?;
        let audit = client_event(now, "client.created", actor, meta, &r.client.id)?.details(format!(
            "client={};public={};first_party={}",
            r.client.id,
            r.client.is_public(),
            r.client.first_party
        ));
        self.store.put_client(&r.client, &audit).await?;
        Ok(r)
    }

    /// A confidential client's new secret, shown once; the old one stops working at once.
    pub async fn rotate_client_secret(
        &self,
        actor: &ApiActor,
        id: &str,
        meta: &RequestMeta,
    ) -> Result<String, CoreError> {
        staff_only(actor)?;
        let now = self.now();
        let secret = secrets::new_token()?;
        let audit = client_event(now, "client.secret_rotated", actor, meta, id)?;
        if id.len() > 100
            || !self
                .store
                .set_client_secret(id, &secrets::hash_token(&secret), &audit)
                .await?
        {
            return Err(CoreError::NotFound);
        }
        Ok(secret)
    }

    /// Switches a client off or on again.
    pub async fn set_client_active(
        &self,
        actor: &ApiActor,
        id: &str,
        active: bool,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        staff_only(actor)?;
        let now = self.now();
        let event = if active {
            "client.enabled"
        } else {
            "client.disabled"
        };
        let audit = client_event(now, event, actor, meta, id)?;
        let at = (!active).then_some(now);
        if id.len() > 100 || !self.store.set_client_disabled(id, at, &audit).await? {
            return Err(CoreError::NotFound);
        }
        Ok(())
    }

    /// Changes a client's name or addresses, checked whole.
    pub async fn update_client(
        &self,
        actor: &ApiActor,
        id: &str,
        edit: &ClientEdit,
        meta: &RequestMeta,
    ) -> Result<Client, CoreError> {
        staff_only(actor)?;
        let current = match id.len() {
            1..=100 => self.store.client(id).await?.ok_or(CoreError::NotFound)?,
            _ => return Err(CoreError::NotFound),
        };
        let changed = edit.apply(&current)?;
        let audit = client_event(self.now(), "client.changed", actor, meta, id)?;
        if !self.store.update_client(&changed, &audit).await? {
            return Err(CoreError::NotFound);
        }
        Ok(changed)
    }

    /// The registered applications, newest first (never their secrets).
    pub async fn oidc_clients(&self, actor: &ApiActor) -> Result<Vec<Client>, CoreError> {
        staff_only(actor)?;
        Ok(self.store.clients().await?)
    }

    /// The web origins of the active clients (what CORS answers).
    pub async fn client_origins(&self) -> Result<Vec<String>, CoreError> {
        let mut out: Vec<String> = self
            .store
            .clients()
            .await?
            .iter()
            .filter(|c| c.is_active())
            .flat_map(crate::oidc::client::web_origins)
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The keys, opened; a first key is made when there is none that signs.
    pub(crate) async fn signing_keys(&self) -> Result<OpenKeys, CoreError> {
        if let Some(k) = self.oidc_keys.read().await.as_ref()
            && keys::signing(k, KeyAlg::Rs256, self.now()).is_some()
        {
            return Ok(k.clone());
        }
        let mut cached = self.oidc_keys.write().await;
        let mut opened = self.open_keys().await?;
        if keys::signing(&opened, KeyAlg::Rs256, self.now()).is_none() {
            self.make_key(KeyAlg::Rs256).await?;
            opened = self.open_keys().await?;
        }
        let opened = Arc::new(opened);
        *cached = Some(opened.clone());
        Ok(opened)
    }

    async fn open_keys(&self) -> Result<Vec<(StoredKey, SigningKey)>, CoreError> {
        let mut out = Vec::new();
        for stored in self.store.signing_keys().await? {
            let der = self.config.secret_key.open(&stored.sealed, &stored.kid)?;
            let key = keys::open(&stored.kid, stored.alg, &der)?;
            out.push((stored, key));
        }
        Ok(out)
    }

    /// Makes a key, sealed under the configured encryption key; it signs at once (the first key
    /// of an installation has no tokens in flight to keep valid).
    async fn make_key(&self, alg: KeyAlg) -> Result<(), CoreError> {
        let now = self.now();
        let kid = secrets::new_id(now)?;
        let der = keys::generate(alg)?;
        let stored = StoredKey {
            sealed: self.config.secret_key.seal(&der, &kid)?,
            kid,
            alg,
            created_at: now,
            active_from: now,
            retire_at: None,
        };
        Ok(self.store.put_signing_key(&stored).await?)
    }

    /// The published keys (JWKS), read from the store so that every node's keys are there.
    pub async fn jwks(&self) -> Result<Value, CoreError> {
        self.signing_keys().await?;
        let opened = self.open_keys().await?;
        let set = keys::published(&opened, self.now(), KEEP_PUBLISHED_MS);
        serde_json::to_value(set).map_err(|e| CoreError::Internal(e.to_string()))
    }

    /// An authorization request from an application (its query pairs), with the browser's session
    /// if it has one.
    pub async fn authorize(
        &self,
        pairs: &[(String, String)],
        auth: Option<&Authenticated>,
    ) -> Result<Authorize, CoreError> {
        let client_id = pairs
            .iter()
            .find(|(k, _)| k == "client_id")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        let client = if client_id.is_empty() || client_id.len() > 100 {
            None
        } else {
            self.store.client(client_id).await?
        };
        let (req, _client) = match request::check(pairs, |_| client) {
            Ok(ok) => ok,
            Err(AuthError::Page(code)) => return Ok(Authorize::ErrorPage(code)),
            Err(AuthError::Redirect {
                redirect_uri,
                state,
                error,
                description,
            }) => {
                return Ok(Authorize::Redirect(request::redirect_back(
                    &redirect_uri,
                    &[("error", error), ("error_description", &description)],
                    state.as_deref(),
                )));
            }
        };
        self.decide(req, auth).await
    }

    /// Takes up a waiting request after the person signed in; `None` when it expired or is
    /// unknown (the browser then goes on as after any sign-in).
    pub async fn resume_authorization(
        &self,
        continuation: &str,
        auth: Option<&Authenticated>,
    ) -> Result<Option<Authorize>, CoreError> {
        if continuation.len() > 100 {
            return Ok(None);
        }
        let id_hash = secrets::hash_token(continuation);
        let Some(text) = self.store.auth_request(&id_hash, self.now()).await? else {
            return Ok(None);
        };
        let Ok(req) = serde_json::from_str::<AuthRequest>(&text) else {
            return Ok(None);
        };
        let signed_in = auth.filter(|a| a.next == Next::Done);
        // A sign-in made since the request was asked for is the fresh one it wanted.
        let fresh = signed_in.is_some_and(|a| a.session.created_at >= req.asked_at);
        let Some(a) = signed_in.filter(|_| fresh || (!req.prompt.login && req.max_age.is_none())) else {
            // Still signing in: the same continuation.
            return Ok(Some(Authorize::SignIn {
                continuation: continuation.to_string(),
                create: req.prompt.create,
                login_hint: req.login_hint.clone(),
                ui_locales: req.ui_locales.clone(),
                sign_out: signed_in.is_some(),
            }));
        };
        self.store.end_auth_request(&id_hash).await?;
        let back = |params: &[(&str, &str)]| {
            Authorize::Redirect(request::redirect_back(
                &req.redirect_uri,
                params,
                req.state.as_deref(),
            ))
        };
        if req.wants_mfa && a.session.mfa_at.is_none() {
            return Ok(Some(back(&[
                ("error", "interaction_required"),
                (
                    "error_description",
                    "two factors were asked for; this person has no second factor",
                ),
            ])));
        }
        let code = self.issue_code(&req, a).await?;
        Ok(Some(back(&[("code", &code)])))
    }

    async fn decide(&self, req: AuthRequest, auth: Option<&Authenticated>) -> Result<Authorize, CoreError> {
        let now = self.now();
        let live = auth.filter(|a| a.next == Next::Done && a.user.is_some());
        let fresh_enough = |a: &Authenticated| match req.max_age {
            Some(max) => now - a.session.created_at <= max * 1000,
            None => true,
        };
        let mfa_ok = |a: &Authenticated| !req.wants_mfa || a.session.mfa_at.is_some();
        let back = |params: &[(&str, &str)]| {
            Authorize::Redirect(request::redirect_back(
                &req.redirect_uri,
                params,
                req.state.as_deref(),
            ))
        };
        match live {
            Some(a) if !req.prompt.login && !req.prompt.create && fresh_enough(a) && mfa_ok(a) => {
                let code = self.issue_code(&req, a).await?;
                Ok(back(&[("code", &code)]))
            }
            _ if req.prompt.none => Ok(back(&[
                (
                    "error",
                    if live.is_some() {
                        "interaction_required"
                    } else {
                        "login_required"
                    },
                ),
                ("error_description", "the person must sign in"),
            ])),
            _ => {
                let continuation = secrets::new_token()?;
                let mut req = req.clone();
                req.asked_at = now;
                let text = serde_json::to_string(&req).map_err(|e| CoreError::Internal(e.to_string()))?;
                self.store
                    .put_auth_request(
                        &secrets::hash_token(&continuation),
                        &text,
                        now,
                        now + CONTINUATION_MS,
                    )
                    .await?;
                Ok(Authorize::SignIn {
                    continuation,
                    create: req.prompt.create,
                    login_hint: req.login_hint.clone(),
                    ui_locales: req.ui_locales.clone(),
                    sign_out: live.is_some(),
                })
            }
        }
    }

    async fn issue_code(&self, req: &AuthRequest, auth: &Authenticated) -> Result<String, CoreError> {
        let now = self.now();
        let user = auth.user()?;
        let code = secrets::new_token()?;
        let grant = CodeGrant {
            code_hash: secrets::hash_token(&code),
            client_id: req.client_id.clone(),
            redirect_uri: req.redirect_uri.clone(),
            user_id: user.id.clone(),
            session_id: auth.session.id_hash.clone(),
            scopes: req.scopes.clone(),
            nonce: req.nonce.clone(),
            code_challenge: req.code_challenge.clone(),
            auth_time: auth.session.created_at / 1000,
            amr: amr_of(auth),
            issued_at: now,
            expires_at: now + CODE_LIFETIME_MS,
        };
        self.store.put_code(&grant).await?;
        Ok(code)
    }

    /// The client behind a token request: a confidential one by its secret, a public one by its
    /// id alone (its PKCE verifier then proves it).
    async fn token_client(&self, creds: &ClientCredentials) -> Result<Client, TokenError> {
        let id = creds
            .client_id
            .as_deref()
            .filter(|i| !i.is_empty() && i.len() <= 100)
            .ok_or(TokenError::InvalidClient)?;
        let client = self
            .store
            .client(id)
            .await?
            .filter(Client::is_active)
            .ok_or(TokenError::InvalidClient)?;
        match (&creds.secret, client.is_public()) {
            (Some(s), false) if client.secret_matches(s) => Ok(client),
            (None, true) => Ok(client),
            _ => Err(TokenError::InvalidClient),
        }
    }

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
        let grant = match self.store.use_code(&secrets::hash_token(code), now).await? {
            CodeUse::Fresh(g) => g,
            CodeUse::Reused(g) => {
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
        };
        // Refresh tokens go to the vendor's own applications, and to others granted
        // `offline_access`; they live as long as the session.
        let refresh = if client.first_party || grant.scopes.iter().any(|s| s == "offline_access") {
            let token = secrets::new_token()?;
            let family = secrets::new_id(now)?;
            self.store
                .put_refresh(
                    &secrets::hash_token(&token),
                    &family,
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
            .filter(|t| !t.is_empty() && t.len() <= 100)
            .ok_or(TokenError::InvalidRequest("refresh_token is missing"))?;
        let now = self.now();
        let hash = secrets::hash_token(token);
        let next_token = secrets::new_token()?;
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
                let meta = RequestMeta::default();
                if let Ok(a) = AuditEvent::new(now, "oidc.refresh_reused", Some(g.user_id.as_str()), &meta) {
                    let _ = self
                        .store
                        .record_audit(&a.details(format!("client={}", g.client_id)))
                        .await;
                }
                return Err(TokenError::InvalidGrant(
                    "the refresh token was used already; its family is revoked",
                ));
            }
            RefreshUse::Unknown => {
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
        if token.is_empty() || token.len() > 100 {
            return Ok(());
        }
        self.store
            .revoke_refresh(&secrets::hash_token(token), &client.id, self.now())
            .await?;
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
        let key = keys::signing(&keys, KeyAlg::Rs256, now).ok_or(TokenError::Server)?;
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
            exp: iat + ACCESS_TOKEN_SECS,
            iat,
            jti: secrets::new_id(now)?,
            client_id: client.id.clone(),
            scope: scope.clone(),
            sid: sid.clone(),
            auth_time: grant.auth_time,
            acr: acr.to_string(),
            amr: grant.amr.clone(),
        };
        let access_token = tokens::sign(&access, key, "at+jwt")?;
        let id = tokens::IdTokenClaims {
            iss,
            sub: user.id.as_str().to_string(),
            aud: client.id.clone(),
            exp: iat + ACCESS_TOKEN_SECS,
            iat,
            auth_time: grant.auth_time,
            nonce,
            sid,
            acr: acr.to_string(),
            amr: grant.amr.clone(),
            at_hash: Some(tokens::at_hash(&access_token)),
            azp: client.id.clone(),
            claims: scope_claims(user, ctx.membership.as_ref(), &grant.scopes),
        };
        let id_token = tokens::sign(&id, key, "JWT")?;
        Ok(Tokens {
            access_token,
            id_token,
            refresh_token,
            expires_in: ACCESS_TOKEN_SECS,
            scope,
        })
    }

    /// Back-Channel Logout 1.0: tells every application a now-ended session reached, with a
    /// signed logout token; a failure waits longer each time (5 s doubling, at most an hour)
    /// and is tried again until the application answers. Returns how many were told.
    pub async fn deliver_backchannel(
        &self,
        notifier: &dyn crate::ports::LogoutNotifier,
    ) -> Result<usize, CoreError> {
        let now = self.now();
        let due = self.store.due_backchannel(now, 50).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let keys = self.signing_keys().await?;
        let key = keys::signing(&keys, KeyAlg::Rs256, self.now())
            .ok_or_else(|| CoreError::Internal("no signing key".into()))?;
        let mut told = 0;
        for d in due {
            let iat = now / 1000;
            let claims = json!({
                "iss": self.issuer(),
                "aud": d.client_id,
                "iat": iat,
                "exp": iat + 120,
                "jti": secrets::new_id(now)?,
                "sub": d.user_id.as_str(),
                "sid": sid_of(&d.session_id),
                "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
            });
            let token = tokens::sign(&claims, key, "logout+jwt")?;
            match notifier.post_logout_token(&d.uri, &token).await {
                Ok(()) => {
                    self.store
                        .backchannel_sent(&d.session_id, &d.client_id, now)
                        .await?;
                    told += 1;
                }
                Err(e) => {
                    let wait = (5_000i64 << d.attempts.clamp(0, 20)).min(3_600_000);
                    tracing::warn!(client = %d.client_id, error = %e, "back-channel logout not delivered; trying again");
                    if d.attempts == 0 {
                        let meta = RequestMeta::default();
                        let a =
                            AuditEvent::new(now, "oidc.backchannel_failed", Some(d.user_id.as_str()), &meta)?
                                .details(format!("client={}", d.client_id));
                        self.store.record_audit(&a).await?;
                    }
                    let error: String = e.chars().take(300).collect();
                    self.store
                        .backchannel_failed(&d.session_id, &d.client_id, now + wait, &error)
                        .await?;
                }
            }
        }
        Ok(told)
    }

    /// Delivers back-channel logout tokens every `poll`, until shutdown.
    pub async fn run_backchannel_worker(
        self: std::sync::Arc<Self>,
        notifier: std::sync::Arc<dyn crate::ports::LogoutNotifier>,
        poll: std::time::Duration,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            if let Err(e) = self.deliver_backchannel(notifier.as_ref()).await {
                tracing::warn!(error = %e, "back-channel logout pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): `id_token_hint` names the
    /// session and the client, `post_logout_redirect_uri` must be one the client registered.
    /// Without a hint the person is asked first (`confirmed` is their answer), so that a link on
    /// another site cannot sign them out.
    pub async fn end_session_request(
        &self,
        pairs: &[(String, String)],
        auth: Option<&Authenticated>,
        confirmed: bool,
        meta: &RequestMeta,
    ) -> Result<Logout, CoreError> {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty() && v.len() <= 4096)
        };
        let hint = match get("id_token_hint") {
            Some(t) => match self.read_own_id_token(t).await? {
                Some(h) => Some(h),
                None => return Ok(Logout::ErrorPage("oidc.logout_invalid")),
            },
            None => None,
        };
        let client_id = match (get("client_id"), &hint) {
            (Some(c), Some(h)) if c != h.aud => return Ok(Logout::ErrorPage("oidc.logout_invalid")),
            (Some(c), _) => Some(c.to_string()),
            (None, Some(h)) => Some(h.aud.clone()),
            (None, None) => None,
        };
        let client = match &client_id {
            Some(id) if id.len() <= 100 => self.store.client(id).await?,
            _ => None,
        };
        let back = match get("post_logout_redirect_uri") {
            Some(uri) => match &client {
                Some(c) if c.post_logout_redirect_uris.iter().any(|u| u == uri) => Some(uri.to_string()),
                _ => return Ok(Logout::ErrorPage("oidc.logout_redirect_mismatch")),
            },
            None => None,
        };
        if hint.is_none() && auth.is_some() && !confirmed {
            return Ok(Logout::Confirm {
                client_name: client.map(|c| c.name),
            });
        }
        // The browser's session, when it is the one named (or none is named).
        if let Some(a) = auth
            && hint.as_ref().is_none_or(|h| h.sid == sid_of(&a.session.id_hash))
        {
            self.logout(a, meta).await?;
        } else if let Some(h) = &hint {
            let user = crate::types::UserId::from(h.sub.as_str());
            let now = self.now();
            for s in self.store.live_sessions_of(&user, now).await? {
                if sid_of(&s.id_hash) == h.sid {
                    let audit = AuditEvent::new(now, "session.ended", Some(h.sub.as_str()), meta)?
                        .details("reason=signed_out;by=application");
                    self.store
                        .end_session(&s.id_hash, crate::error::EndReason::SignedOut, now, Some(&audit))
                        .await?;
                }
            }
        }
        Ok(match back {
            Some(uri) => Logout::Redirect(request::redirect_back(&uri, &[], get("state"))),
            None => Logout::SignedOut,
        })
    }

    /// An ID token this provider signed (expired or not): its audience, subject and session.
    async fn read_own_id_token(&self, token: &str) -> Result<Option<HintClaims>, CoreError> {
        let keys = self.signing_keys().await?;
        let Some(kid) = jsonwebtoken::decode_header(token).ok().and_then(|h| h.kid) else {
            return Ok(None);
        };
        let Some((_, key)) = keys.iter().find(|(s, _)| s.kid == kid) else {
            return Ok(None);
        };
        let Ok(decoding) = jsonwebtoken::DecodingKey::from_jwk(&key.jwk) else {
            return Ok(None);
        };
        let mut v = jsonwebtoken::Validation::new(key.alg.jwt());
        v.set_issuer(&[self.issuer()]);
        v.validate_exp = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        Ok(jsonwebtoken::decode::<HintClaims>(token, &decoding, &v)
            .ok()
            .map(|d| d.claims))
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

    /// An access token this provider signed, unexpired, whose session still lives.
    async fn verify_access(
        &self,
        access_token: &str,
    ) -> Result<(tokens::AccessTokenClaims, crate::ports::SessionContext), CoreError> {
        if access_token.is_empty() || access_token.len() > 4096 {
            return Err(CoreError::Unauthenticated);
        }
        let keys = self.signing_keys().await?;
        let kid = jsonwebtoken::decode_header(access_token)
            .ok()
            .and_then(|h| h.kid)
            .ok_or(CoreError::Unauthenticated)?;
        let (_, key) = keys
            .iter()
            .find(|(s, _)| s.kid == kid)
            .ok_or(CoreError::Unauthenticated)?;
        let decoding =
            jsonwebtoken::DecodingKey::from_jwk(&key.jwk).map_err(|_| CoreError::Unauthenticated)?;
        let mut v = jsonwebtoken::Validation::new(key.alg.jwt());
        v.set_issuer(&[self.issuer()]);
        v.set_audience(&[self.issuer()]);
        // Expiry against Umbral's clock, below.
        v.validate_exp = false;
        let header_typ = jsonwebtoken::decode_header(access_token).ok().and_then(|h| h.typ);
        if header_typ.as_deref() != Some("at+jwt") {
            // An ID token is no access token (RFC 9068 2.1).
            return Err(CoreError::Unauthenticated);
        }
        let claims = jsonwebtoken::decode::<tokens::AccessTokenClaims>(access_token, &decoding, &v)
            .map_err(|_| CoreError::Unauthenticated)?
            .claims;
        let now = self.now();
        if claims.exp * 1000 <= now {
            return Err(CoreError::Unauthenticated);
        }
        let user_id = crate::types::UserId::from(claims.sub.as_str());
        let live = self.store.live_sessions_of(&user_id, now).await?;
        let Some(session) = live.iter().find(|s| sid_of(&s.id_hash) == claims.sid) else {
            return Err(CoreError::Unauthenticated);
        };
        let ctx = self
            .store
            .session_context(&session.id_hash)
            .await?
            .ok_or(CoreError::Unauthenticated)?;
        Ok((claims, ctx))
    }
}

/// The claims of the granted scopes: `profile` (name, locale), `email`, `phone`, and
/// `organization` (`org: {id, name, role}`), what a B2B application needs to place the person.
pub fn scope_claims(
    user: &crate::accounts::User,
    membership: Option<&crate::accounts::Membership>,
    scopes: &[String],
) -> Map<String, Value> {
    let has = |s: &str| scopes.iter().any(|x| x == s);
    let mut m = Map::new();
    if has("profile") {
        m.insert("name".into(), json!(user.name));
        m.insert("locale".into(), json!(user.locale));
    }
    if has("email") {
        m.insert("email".into(), json!(user.email));
        m.insert("email_verified".into(), json!(user.email_confirmed_at.is_some()));
    }
    if has("phone") {
        m.insert("phone_number".into(), json!(user.phone));
        m.insert("phone_number_verified".into(), json!(false));
    }
    if has("organization")
        && let Some(o) = membership
    {
        m.insert(
            "org".into(),
            json!({"id": o.org_id.as_str(), "name": o.org_name, "role": o.role.as_str()}),
        );
    }
    m
}

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
use crate::ports::{AccountStore, AuditStore, CodeUse, FirstFactor, OidcStore, SessionStore};
use crate::secrets;
use crate::service::Umbral;
use crate::staff::{ApiActor, ApiScope};
use crate::types::SessionId;

mod client_auth;
mod clients;
mod consent;
mod logout;
mod signing;
mod token;

pub(crate) use client_auth::ClientCache;
pub(crate) use signing::OpenKeys;

/// Access tokens checked already: by the SHA-256 of the token, its claims and its session.
pub(crate) type SeenTokens = std::collections::HashMap<[u8; 32], (tokens::AccessTokenClaims, SessionId)>;

/// A waiting authorization request lives this long: the person may stop and come back later.
const CONTINUATION_MS: i64 = 24 * 3_600_000;

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
    /// The person is asked whether the application may see what it asks for; the request
    /// waits under `continuation` (`consent.rs`).
    Consent { continuation: String },
    /// The application asked for two factors (`acr_values=mfa`) and the person has none: they
    /// set one up in Security first (which renews the session with it); the request waits
    /// under `continuation`.
    AddFactor { continuation: String },
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

/// How the client authenticated at the token endpoint.
#[derive(Debug, Clone, Default)]
pub struct ClientCredentials {
    pub client_id: Option<String>,
    pub secret: Option<String>,
    /// `client_assertion_type` and `client_assertion` (`private_key_jwt`).
    pub assertion_type: Option<String>,
    pub assertion: Option<String>,
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

/// Back to the application that asked: `params` (a code, or an error) and the request's `state`.
fn back_to(req: &AuthRequest, params: &[(&str, &str)]) -> Authorize {
    Authorize::Redirect(request::redirect_back(
        &req.redirect_uri,
        params,
        req.state.as_deref(),
    ))
}

/// Clients are the staff's to manage: an organization's API key may not.
pub(crate) fn staff_only(actor: &ApiActor) -> Result<(), CoreError> {
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
pub fn amr_of(session: &crate::ports::SessionRecord) -> Vec<String> {
    let mut amr = Vec::new();
    // A passkey alone says what it is through its second-factor entry.
    if session.first_factor != FirstFactor::Passkey {
        amr.push(session.first_factor.as_str().to_string());
    }
    let second: &[&str] = match session.mfa_method {
        Some(MfaVia::Method(Method::Sms)) => &["sms"],
        Some(MfaVia::Passkey { synced: false }) => &["hwk", "user"],
        Some(MfaVia::Passkey { synced: true }) => &["swk", "user"],
        Some(MfaVia::Method(_)) | Some(MfaVia::Enrollment) => &["otp"],
        Some(MfaVia::TrustedDevice) | Some(MfaVia::Provider) => &[],
        None => &[],
    };
    amr.extend(second.iter().map(|m| m.to_string()));
    if session.mfa_at.is_some() {
        amr.push("mfa".to_string());
    }
    amr
}

impl<S: ?Sized + OidcStore + SessionStore + AccountStore + AuditStore> Umbral<S> {
    /// The issuer: the public address, as applications discover it.
    pub fn issuer(&self) -> String {
        self.config.public_url.trim_end_matches('/').to_string()
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
        let (req, client) = match request::check(pairs, |_| client) {
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
        self.decide(req, client, auth).await
    }

    /// Takes up a waiting request after the person signed in; `None` when it expired or is
    /// unknown (the browser then goes on as after any sign-in).
    pub async fn resume_authorization(
        &self,
        continuation: &str,
        auth: Option<&Authenticated>,
    ) -> Result<Option<Authorize>, CoreError> {
        let Some(req) = self.waiting_request(continuation).await? else {
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
        if req.wants_mfa && a.session.mfa_at.is_none() {
            // A sign-in that passed a second factor has one; this person has none yet.
            return Ok(Some(Authorize::AddFactor {
                continuation: continuation.to_string(),
            }));
        }
        self.code_or_consent(&req, a, None, Some(continuation))
            .await
            .map(Some)
    }

    /// Keeps a request on the server while the person signs in or answers; the continuation
    /// token the browser holds for it.
    pub(super) async fn keep_request(&self, req: &AuthRequest) -> Result<String, CoreError> {
        let now = self.now();
        let continuation = secrets::new_token()?;
        let text = serde_json::to_string(req).map_err(|e| CoreError::Internal(e.to_string()))?;
        self.store
            .put_auth_request(
                &secrets::hash_token(&continuation),
                &text,
                now,
                now + CONTINUATION_MS,
            )
            .await?;
        Ok(continuation)
    }

    /// A signed-in person's request: a code, unless the application must be consented to first
    /// (a third-party application not consented to for these scopes, or `prompt=consent`).
    async fn code_or_consent(
        &self,
        req: &AuthRequest,
        a: &Authenticated,
        client: Option<Client>,
        continuation: Option<&str>,
    ) -> Result<Authorize, CoreError> {
        let back = |params: &[(&str, &str)]| back_to(req, params);
        // The client `authorize` read already, or (after a sign-in) read again: it may have been
        // switched off meanwhile.
        let client = match client {
            Some(c) => Some(c),
            None => self.store.client(&req.client_id).await?,
        };
        let Some(client) = client.filter(Client::is_active) else {
            return Ok(Authorize::ErrorPage("oidc.unknown_client"));
        };
        let user = a.user()?;
        let consented = match self.store.consent(&user.id, &client.id).await? {
            Some(c) => req.scopes.iter().all(|s| c.scopes.contains(s)),
            None => false,
        };
        if req.prompt.consent || (!client.first_party && !consented) {
            if req.prompt.none {
                if let Some(c) = continuation {
                    self.store.end_auth_request(&secrets::hash_token(c)).await?;
                }
                return Ok(back(&[
                    ("error", "consent_required"),
                    ("error_description", "the person must allow this application"),
                ]));
            }
            let continuation = match continuation {
                Some(c) => c.to_string(),
                None => self.keep_request(req).await?,
            };
            return Ok(Authorize::Consent { continuation });
        }
        if let Some(c) = continuation {
            self.store.end_auth_request(&secrets::hash_token(c)).await?;
        }
        if !client.first_party {
            self.store.consent_used(&user.id, &client.id, self.now()).await?;
        }
        let code = self.issue_code(req, a).await?;
        Ok(back(&[("code", &code)]))
    }

    async fn decide(
        &self,
        req: AuthRequest,
        client: Client,
        auth: Option<&Authenticated>,
    ) -> Result<Authorize, CoreError> {
        let now = self.now();
        let live = auth.filter(|a| a.next == Next::Done && a.user.is_some());
        let fresh_enough = |a: &Authenticated| match req.max_age {
            Some(max) => now - a.session.created_at <= max * 1000,
            None => true,
        };
        let mfa_ok = |a: &Authenticated| !req.wants_mfa || a.session.mfa_at.is_some();
        let back = |params: &[(&str, &str)]| back_to(&req, params);
        match live {
            Some(a) if !req.prompt.login && !req.prompt.create && fresh_enough(a) && mfa_ok(a) => {
                self.code_or_consent(&req, a, Some(client), None).await
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
            // Signed in as asked, but with one factor and none to give: one is set up first.
            Some(a) if !req.prompt.login && !req.prompt.create && fresh_enough(a) => {
                Ok(Authorize::AddFactor {
                    continuation: self.keep_request(&req).await?,
                })
            }
            _ => {
                let mut req = req.clone();
                req.asked_at = now;
                let continuation = self.keep_request(&req).await?;
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
            amr: amr_of(&auth.session),
            issued_at: now,
            expires_at: now + CODE_LIFETIME_MS,
        };
        self.store.put_code(&grant).await?;
        Ok(code)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::SessionRecord;
    use crate::types::SessionId;

    fn session(first: FirstFactor, mfa: Option<MfaVia>) -> SessionRecord {
        SessionRecord {
            id_hash: SessionId::from("s"),
            user_id: None,
            created_at: 0,
            last_seen_at: 0,
            expires_at: 1,
            ended_at: None,
            end_reason: None,
            ip: String::new(),
            user_agent: String::new(),
            mfa_at: mfa.map(|_| 0),
            mfa_method: mfa,
            first_factor: first,
        }
    }

    #[test]
    fn the_methods_a_session_used_as_rfc_8176_names_them() {
        let amr = |first, mfa| amr_of(&session(first, mfa));
        assert_eq!(amr(FirstFactor::Password, None), ["pwd"]);
        assert_eq!(
            amr(FirstFactor::Password, Some(MfaVia::Method(Method::Totp))),
            ["pwd", "otp", "mfa"]
        );
        assert_eq!(
            amr(FirstFactor::Password, Some(MfaVia::Method(Method::Sms))),
            ["pwd", "sms", "mfa"]
        );
        assert_eq!(
            amr(FirstFactor::Password, Some(MfaVia::Passkey { synced: false })),
            ["pwd", "hwk", "user", "mfa"]
        );
        // A passkey alone: both factors, no password.
        assert_eq!(
            amr(FirstFactor::Passkey, Some(MfaVia::Passkey { synced: true })),
            ["swk", "user", "mfa"]
        );
        assert_eq!(amr(FirstFactor::Provider, Some(MfaVia::Provider)), ["fed", "mfa"]);
        assert_eq!(
            FirstFactor::parse(Some(FirstFactor::Passkey.as_str())),
            FirstFactor::Passkey
        );
    }
}

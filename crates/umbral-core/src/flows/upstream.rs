//! Signing in with an upstream identity provider (`docs/flows/upstream.md`, ADR 0013).
//!
//! The browser goes to the provider with a `state`, a `nonce` and PKCE, bound to a cookie of the
//! browser that started; the provider sends it back once, and its ID token is checked by the
//! gateway. Then: an identity linked to a user signs that user in (the second factor as
//! usual); a new verified email asks for the rest of a sign-up on one page; the email of an
//! existing account is never linked by itself: the person signs in to that account (password
//! and second factor) and then confirms the link.

use crate::accounts::{User, UserStatus};
use crate::audit::{AuditEvent, RequestMeta};
use crate::error::{CoreError, FieldError};
use crate::factors::MfaVia;
use crate::flows::Next;
use crate::flows::input::PhoneInput;
use crate::flows::session::Authenticated;
use crate::flows::signup::SignupOutcome;
use crate::ports::{
    FirstFactor, LinkedIdentity, NewOrganization, OrgPlace, OrgSetup, SessionRecord, Store, StoreError,
    TermsAcceptance, UpstreamLogin, UpstreamPurpose, UpstreamSignup,
};
use crate::secrets;
use crate::service::Umbral;
use crate::types::{Email, Locale, OrgId, PersonName, UserId};
use crate::upstream::{OrgSso, Provider, UpstreamError, UpstreamIdentity};

/// Does the organization take the provider's own second factor for Umbral's, and did the
/// provider ask for one?
fn trusted_mfa(org: Option<&OrgSso>, identity: &UpstreamIdentity) -> bool {
    org.is_some_and(|o| o.trust_mfa) && identity.amr.iter().any(|m| m == "mfa")
}

/// A sign-in at a provider must come back within this time.
const UNDER_WAY_MS: i64 = 10 * 60 * 1000;

/// Where a provider sends the browser back, and what comes of it.
#[derive(Debug, Clone)]
pub enum UpstreamOutcome {
    /// A linked identity: the session of its user (the second factor may follow).
    SignedIn { session_token: String, next: Next },
    /// A new person: the profile page finishes the sign-up (`token` in the browser's cookie).
    Profile { token: String },
    /// The email of an existing account: its owner signs in to it first, then confirms.
    LinkNeeded { token: String, email: String },
    /// A signed-in person linked the provider (Security).
    Linked,
}

/// What the profile page of a new account asks for.
#[derive(Debug, Clone)]
pub struct UpstreamProfile {
    pub name: String,
    pub phone: PhoneInput,
    pub accept_terms: bool,
    pub locale: Locale,
}

/// A pending sign-up or link, as its page shows it.
#[derive(Debug, Clone)]
pub struct UpstreamPending {
    pub provider_name: String,
    pub email: String,
    pub name: String,
    /// A link waiting for this user to sign in and confirm (else a sign-up's profile page).
    pub link_for: Option<UserId>,
}

pub(super) fn refused(code: &'static str) -> CoreError {
    CoreError::Validation(vec![FieldError::new("_form", code)])
}

impl From<UpstreamError> for CoreError {
    fn from(e: UpstreamError) -> Self {
        match e {
            UpstreamError::Unavailable(why) => {
                tracing::warn!(error = %why, "identity provider unavailable");
                refused("upstream.unavailable")
            }
            UpstreamError::Refused(why) => {
                tracing::warn!(error = %why, "identity provider's answer refused");
                refused("upstream.refused")
            }
        }
    }
}

impl<S: ?Sized + Store> Umbral<S> {
    /// The providers people may sign in with: those of the settings, then those staff added.
    pub fn upstream_providers(&self) -> Vec<Provider> {
        let mut all = self.config.identity_providers.clone();
        if let Ok(stored) = self.stored_providers.read() {
            all.extend(stored.iter().cloned());
        }
        all
    }

    /// The buttons of every page that has them: each provider's id and name, without copying
    /// the providers (and their secrets) on every page shown.
    pub fn provider_buttons(&self) -> Vec<(String, String)> {
        let button = |p: &Provider| (p.id.clone(), p.name.clone());
        let mut all: Vec<_> = self.config.identity_providers.iter().map(button).collect();
        if let Ok(stored) = self.stored_providers.read() {
            all.extend(stored.iter().map(button));
        }
        all
    }

    /// A provider of the settings or of staff, or an organization's own (enterprise SSO, verified
    /// and switched on) with its settings.
    pub(crate) async fn provider(&self, id: &str) -> Result<(Provider, Option<OrgSso>), CoreError> {
        if let Some(p) = self.upstream_providers().into_iter().find(|p| p.id == id) {
            return Ok((p, None));
        }
        let org = match id.strip_prefix("org-") {
            Some(org) if org.len() <= 40 => OrgId(org.to_string()),
            _ => return Err(CoreError::NotFound),
        };
        let sso = self
            .store
            .org_sso(&org)
            .await?
            .filter(|s| s.enabled && s.verified_at.is_some())
            .ok_or(CoreError::NotFound)?;
        let secret = self.config.secret_key.open(&sso.secret_sealed, org.as_str())?;
        let name = sso.domain.clone();
        let provider = Provider {
            id: id.to_string(),
            kind: crate::upstream::ProviderKind::Oidc,
            name,
            issuer: sso.issuer.clone(),
            client_id: sso.client_id.clone(),
            client_secret: String::from_utf8(secret)
                .map_err(|_| CoreError::Internal("sealed secret".into()))?,
            scopes: vec!["email".into(), "profile".into()],
        };
        Ok((provider, Some(sso)))
    }

    /// The address to register with the provider.
    pub fn upstream_redirect_uri(&self, provider_id: &str) -> String {
        format!(
            "{}/login/idp/{provider_id}/callback",
            self.config.public_url.trim_end_matches('/')
        )
    }

    /// Starts a sign-in at a provider: the address to send the browser to, and the token of the
    /// cookie that binds the sign-in to this browser.
    pub async fn upstream_start(
        &self,
        provider_id: &str,
        purpose: UpstreamPurpose,
    ) -> Result<(String, String), CoreError> {
        let (provider, _) = self.provider(provider_id).await?;
        let provider = &provider;
        let (state, nonce, verifier, browser) = (
            secrets::new_token()?,
            secrets::new_token()?,
            secrets::new_token()?,
            secrets::new_token()?,
        );
        let now = self.now();
        let state_hash = secrets::hash_token(&state);
        let login = UpstreamLogin {
            verifier_sealed: self.config.secret_key.seal(verifier.as_bytes(), &state_hash)?,
            id_hash: state_hash,
            provider_id: provider.id.clone(),
            purpose,
            browser_hash: secrets::hash_token(&browser),
            nonce: nonce.clone(),
            identity: None,
            created_at: now,
            expires_at: now + UNDER_WAY_MS,
        };
        let redirect = self.upstream_redirect_uri(&provider.id);
        let url = self
            .upstream
            .authorize_url(provider, &redirect, &state, &nonce, &verifier)
            .await?;
        self.store.put_upstream_login(&login).await?;
        Ok((url, browser))
    }

    /// The provider sent the browser back. `browser`: the cookie set at the start; `current`:
    /// the browser's session, for a link from Security.
    pub async fn upstream_callback(
        &self,
        provider_id: &str,
        state: &str,
        code: &str,
        browser: &str,
        current: Option<&Authenticated>,
        meta: &RequestMeta,
    ) -> Result<UpstreamOutcome, CoreError> {
        let (provider, org) = self.provider(provider_id).await?;
        let provider = &provider;
        if state.is_empty() || state.len() > 100 || code.is_empty() || code.len() > 2048 {
            return Err(refused("upstream.expired"));
        }
        let now = self.now();
        let state_hash = secrets::hash_token(state);
        // Spent first: a state is good for one answer, whatever that answer turns out to be.
        let login = self
            .store
            .take_upstream_login(&state_hash, now)
            .await?
            .filter(|l| l.provider_id == provider.id && l.browser_hash == secrets::hash_token(browser))
            .ok_or_else(|| refused("upstream.expired"))?;
        let verifier = String::from_utf8(self.config.secret_key.open(&login.verifier_sealed, &state_hash)?)
            .map_err(|_| CoreError::Internal("sealed verifier".into()))?;
        let redirect = self.upstream_redirect_uri(&provider.id);
        let identity = self
            .upstream
            .identity(provider, &redirect, code, &verifier, &login.nonce)
            .await?;
        let linked = self
            .store
            .user_by_identity(&identity.issuer, &identity.subject)
            .await?;
        match login.purpose {
            UpstreamPurpose::Link(user_id) => {
                let auth = current
                    .filter(|a| a.user.as_ref().is_some_and(|u| u.id == user_id) && a.next().signed_in())
                    .ok_or(CoreError::Unauthenticated)?;
                self.link(auth, provider, &identity, linked.as_ref(), meta)
                    .await?;
                Ok(UpstreamOutcome::Linked)
            }
            UpstreamPurpose::SignIn { plan } => match linked {
                Some(user_id) => {
                    let vouched = trusted_mfa(org.as_ref(), &identity);
                    self.upstream_sign_in(provider, &user_id, vouched, meta).await
                }
                None => {
                    self.unlinked(provider, org.as_ref(), identity, plan, browser, meta)
                        .await
                }
            },
        }
    }

    /// A linked identity signs its user in, as a password would: the second factor follows.
    async fn upstream_sign_in(
        &self,
        provider: &Provider,
        user_id: &UserId,
        vouched: bool,
        meta: &RequestMeta,
    ) -> Result<UpstreamOutcome, CoreError> {
        let (user, membership) = self.account_for_sign_in(user_id, meta).await?;
        let now = self.now();
        let mfa = vouched.then_some(MfaVia::Provider);
        let next = Next::after(
            Some(&user),
            membership.as_ref(),
            mfa.map(Some),
            self.platform_defaults().two_factor,
        );
        let mut audit = AuditEvent::new(now, "session.started", Some(user.id.as_str()), meta)?
            .details(format!("via=idp;idp={}", provider.id));
        if let Some(m) = &membership {
            audit = audit.org(m.org_id.as_str());
        }
        let mut start = self.start_session(&user, membership.as_ref(), next.signed_in(), false, meta)?;
        start.record.first_factor = FirstFactor::Provider;
        (start.record.mfa_at, start.record.mfa_method) = (mfa.map(|_| now), mfa);
        self.store
            .start_session(&start.record, start.end_others.as_ref(), &[audit], None)
            .await?;
        Ok(UpstreamOutcome::SignedIn {
            session_token: start.token,
            next,
        })
    }

    /// An identity no user has: a sign-up if its verified email is new, else the owner of that
    /// email's account must prove it before the link.
    async fn unlinked(
        &self,
        provider: &Provider,
        org: Option<&OrgSso>,
        identity: UpstreamIdentity,
        plan: Option<String>,
        browser: &str,
        meta: &RequestMeta,
    ) -> Result<UpstreamOutcome, CoreError> {
        let email = match (identity.email.as_deref(), identity.verified_email()) {
            (None, _) => return Err(refused("upstream.no_email")),
            (Some(_), None) => return Err(refused("upstream.email_unverified")),
            (_, Some(e)) => Email::parse(e).map_err(|_| refused("upstream.no_email"))?,
        };
        let found = self.store.user_by_email_key(&email.key()).await?;
        if let Some(org) = org
            && email.domain() != org.domain
        {
            // An organization's provider speaks for its own domain only.
            return Err(refused("sso.domain_mismatch"));
        }
        // Invited by staff or an organization (no password yet): the provider vouched for the
        // address the invitation went to, which accepts it.
        if let Some(invited) = found
            .as_ref()
            .filter(|u| u.email_confirmed_at.is_none() && u.password_hash.is_none())
        {
            let now = self.now();
            let record = LinkedIdentity {
                user_id: invited.id.clone(),
                provider_id: provider.id.clone(),
                issuer: identity.issuer.clone(),
                subject: identity.subject.clone(),
                email: identity.email.clone(),
                created_at: now,
            };
            let audit = AuditEvent::new(now, "user.invitation_accepted", Some(invited.id.as_str()), meta)?
                .details(format!("idp={}", provider.id));
            match self
                .store
                .accept_invitation_via_identity(&record, now, &audit)
                .await
            {
                Ok(true) => {}
                Ok(false) | Err(StoreError::Conflict(_)) => return Err(refused("upstream.expired")),
                Err(e) => return Err(e.into()),
            }
            let vouched = trusted_mfa(org, &identity);
            return self.upstream_sign_in(provider, &invited.id, vouched, meta).await;
        }
        let existing = found.filter(|u| u.email_confirmed_at.is_some());
        if existing.is_none() && org.is_some_and(|o| !o.join_members) {
            return Err(refused("sso.invite_only"));
        }
        let token = secrets::new_token()?;
        let now = self.now();
        let purpose = match &existing {
            Some(u) => UpstreamPurpose::Link(u.id.clone()),
            None => UpstreamPurpose::SignIn { plan },
        };
        let pending = UpstreamLogin {
            id_hash: secrets::hash_token(&token),
            provider_id: provider.id.clone(),
            purpose,
            browser_hash: secrets::hash_token(browser),
            nonce: String::new(),
            verifier_sealed: String::new(),
            identity: Some(identity),
            created_at: now,
            expires_at: now + UNDER_WAY_MS,
        };
        self.store.put_upstream_login(&pending).await?;
        Ok(match existing {
            Some(u) => UpstreamOutcome::LinkNeeded {
                token,
                email: u.email,
            },
            None => UpstreamOutcome::Profile { token },
        })
    }

    /// The pending sign-up or link behind a browser's cookie.
    pub(crate) async fn pending(&self, token: &str) -> Result<(UpstreamLogin, UpstreamIdentity), CoreError> {
        if token.is_empty() || token.len() > 100 {
            return Err(refused("upstream.expired"));
        }
        let login = self
            .store
            .upstream_login(&secrets::hash_token(token), self.now())
            .await?
            .ok_or_else(|| refused("upstream.expired"))?;
        let identity = login
            .identity
            .clone()
            .ok_or_else(|| refused("upstream.expired"))?;
        Ok((login, identity))
    }

    /// What the profile page or the link page shows.
    pub async fn upstream_pending(&self, token: &str) -> Result<UpstreamPending, CoreError> {
        let (login, identity) = self.pending(token).await?;
        let (provider, _) = self.provider(&login.provider_id).await?;
        Ok(UpstreamPending {
            link_for: match &login.purpose {
                UpstreamPurpose::Link(u) => Some(u.clone()),
                UpstreamPurpose::SignIn { .. } => None,
            },
            provider_name: provider.name.clone(),
            email: identity.email.clone().unwrap_or_default(),
            name: identity.name.clone().unwrap_or_default(),
        })
    }

    /// The profile page of a new account: the account, its organization, the identity and the
    /// session in one write. A never-confirmed account with the same email goes, with its
    /// sessions: the provider vouched for the owner of the address.
    pub async fn upstream_signup(
        &self,
        token: &str,
        profile: &UpstreamProfile,
        meta: &RequestMeta,
    ) -> Result<SignupOutcome, CoreError> {
        let (login, identity) = self.pending(token).await?;
        let UpstreamPurpose::SignIn { plan } = &login.purpose else {
            return Err(refused("upstream.expired"));
        };
        let mut errors = Vec::new();
        let name = PersonName::parse(&profile.name).map_err(|e| errors.push(e)).ok();
        let phone = profile.phone.parse().map_err(|e| errors.push(e)).ok();
        if !profile.accept_terms {
            errors.push(FieldError::new("accept_terms", "terms.required"));
        }
        let (Some(name), Some(phone)) = (name, phone) else {
            return Err(CoreError::Validation(errors));
        };
        if !errors.is_empty() {
            return Err(CoreError::Validation(errors));
        }
        let email = identity
            .verified_email()
            .and_then(|e| Email::parse(e).ok())
            .ok_or_else(|| refused("upstream.email_unverified"))?;
        let now = self.now();
        let (_, org) = self.provider(&login.provider_id).await?;
        let discard = match self.store.user_by_email_key(&email.key()).await? {
            // A sign-up never confirmed (it has a password; an invited person has none).
            Some(u) if u.email_confirmed_at.is_none() && u.password_hash.is_some() => Some(u.id),
            Some(_) => return Err(refused("upstream.expired")),
            None => None,
        };
        let user_id = secrets::new_id(now)?;
        let org_id = secrets::new_id(now)?;
        let session_token = secrets::new_token()?;
        let user = User {
            id: UserId(user_id.clone()),
            email: email.as_str().to_string(),
            name: name.as_str().to_string(),
            phone: phone.as_str().to_string(),
            password_hash: None,
            locale: profile.locale.tag().to_string(),
            status: UserStatus::Active,
            email_confirmed_at: Some(now),
            created_at: now,
            mfa_enabled: false,
            security_epoch: 0,
            factor_count: 0,
            is_staff: false,
        };
        let mut audit = vec![
            AuditEvent::new(now, "user.signed_up", Some(&user_id), meta)?
                .org(org.as_ref().map_or(org_id.as_str(), |o| o.org_id.as_str()))
                .details(format!(
                    "terms={};idp={}",
                    self.config.terms_version, login.provider_id
                )),
            AuditEvent::new(now, "session.started", Some(&user_id), meta)?
                .details(format!("via=idp;idp={}", login.provider_id)),
        ];
        if let Some(old) = &discard {
            audit.push(
                AuditEvent::new(now, "user.unconfirmed_discarded", Some(old.as_str()), meta)?
                    .details(format!("idp={}", login.provider_id)),
            );
        }
        let signup = UpstreamSignup {
            org: match &org {
                // Enterprise SSO: a member of the organization whose provider vouched for them.
                Some(sso) => OrgPlace::Join(sso.org_id.clone()),
                None => OrgPlace::New(NewOrganization {
                    id: org_id.clone(),
                    name: name.as_str().to_string(),
                    created_at: now,
                    setup: OrgSetup::Company,
                    plan_choice: plan.clone().filter(|p| self.config.billing.plan(p).is_some()),
                }),
            },
            terms: TermsAcceptance {
                version: self.config.terms_version.clone(),
                at: now,
                ip: meta.ip.clone(),
            },
            identity: LinkedIdentity {
                user_id: user.id.clone(),
                provider_id: login.provider_id.clone(),
                issuer: identity.issuer.clone(),
                subject: identity.subject.clone(),
                email: identity.email.clone(),
                created_at: now,
            },
            session: SessionRecord {
                first_factor: FirstFactor::Provider,
                mfa_at: trusted_mfa(org.as_ref(), &identity).then_some(now),
                mfa_method: trusted_mfa(org.as_ref(), &identity).then_some(MfaVia::Provider),
                ..self.new_session_record(&session_token, Some(&user_id), meta)
            },
            discard,
            audit,
            user,
        };
        // Spent only now: a refused form keeps it for the next try.
        if self
            .store
            .take_upstream_login(&login.id_hash, now)
            .await?
            .is_none()
        {
            return Err(refused("upstream.expired"));
        }
        match self.store.create_upstream_signup(&signup).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => return Err(refused("upstream.expired")),
            Err(e) => return Err(e.into()),
        }
        // The organization's policy applies to a member who joined it.
        let membership = match &signup.org {
            OrgPlace::Join(_) => self
                .store
                .session_context(&signup.session.id_hash)
                .await?
                .and_then(|c| c.membership),
            OrgPlace::New(_) => None,
        };
        let next = Next::of_session(
            Some(&signup.user),
            membership.as_ref(),
            &signup.session,
            self.platform_defaults().two_factor,
        );
        Ok(SignupOutcome {
            user_id,
            session_token,
            next,
        })
    }
}

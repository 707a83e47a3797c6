//! Identifier-first sign-in (`docs/flows/login.md`): the same answer, in the same time, for an
//! unknown email, a wrong password and a disabled user; limits per account and per IP; one
//! session per user.

use crate::accounts::{Membership, User, UserStatus};
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::Verified;
use crate::auth::throttle::{account_key, device_key, ip_key, read_device_cookie, refuse_while_blocked};
use crate::auth::trusted::distrust;
use crate::error::{CoreError, FieldError};
use crate::flows::Next;
use crate::ports::ThrottleState;
use crate::ports::{AccountStore, FactorStore, SessionStore, ThrottleStore};
use crate::secrets;
use crate::service::Umbral;
use crate::types::UserId;
use crate::types::{Email, Password};

#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub session_token: String,
    pub next: Next,
    /// A new sign-in device cookie to set, when the browser had none for this account.
    pub device_cookie: Option<String>,
    /// This browser was remembered, and is asked for a code again: why (seed 001 warns people
    /// of exactly this: another network, 14 days passed, a method changed, a new owner).
    pub asked_again: Option<&'static str>,
}

impl<S: ?Sized + AccountStore + FactorStore + SessionStore + ThrottleStore> Umbral<S> {
    /// A sign-in from a client that carries no sign-in device cookie.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        device_token: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<LoginOutcome, CoreError> {
        self.login_on_device(email, password, device_token, None, meta)
            .await
    }

    /// `device_token`: the "Remember this device" token (second factor); `signin_device`: the
    /// sign-in device cookie of a browser that signed in before (limits, see `auth::throttle`).
    pub async fn login_on_device(
        &self,
        email: &str,
        password: &str,
        device_token: Option<&str>,
        signin_device: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<LoginOutcome, CoreError> {
        let mut errors: Vec<FieldError> = Vec::new();
        let email = Email::parse(email).map_err(|e| errors.push(e)).ok();
        let password = Password::for_sign_in(password).map_err(|e| errors.push(e)).ok();
        let (Some(email), Some(password)) = (email, password) else {
            return Err(CoreError::Validation(errors));
        };
        let email_key = email.key();
        let claimed = signin_device.and_then(|c| read_device_cookie(&self.config.secret_key, c));
        let (acct_key, ip_key) = (account_key(&email_key), ip_key(&meta.ip));
        let dev_key = device_key(claimed.map_or("-", |(_, nonce)| nonce));
        let policy = &self.config.throttle;
        let found = self
            .store
            .sign_in_lookup(&email_key, [&acct_key, &ip_key, &dev_key])
            .await?;
        refuse_while_blocked(found.limits[1], policy, policy.ip_free_failures, self.now())?;
        // A browser that signed in to this account before meets only its own failures; anyone
        // else meets the account's, which slow them down but never this browser.
        let known_device = matches!(
            (&claimed, &found.account),
            (Some((uid, _)), Some((u, _))) if *uid == u.id.as_str()
        );
        let (limit_key, limit_state, free) = if known_device {
            (&dev_key, found.limits[2], policy.device_free_failures)
        } else {
            (&acct_key, found.limits[0], policy.account_free_failures)
        };
        // A sign-in the hashing pool would refuse is refused before its attempt is counted: a
        // busy server must not turn into failures on the user's account.
        self.hasher.admits()?;
        self.take_attempt(limit_key, limit_state, free).await?;
        let (user, membership) = match found.account {
            Some((u, m)) => (Some(u), m),
            None => (None, None),
        };
        let stored = user.as_ref().and_then(|u| u.password_hash.as_deref());
        let verified = self.hasher.verify(&password, stored).await?;
        let user = match (user, verified) {
            (Some(u), Verified::Yes { rehash }) if u.status == UserStatus::Active => {
                if rehash {
                    self.rehash(&u.id, &password).await;
                }
                u
            }
            (user, _) => {
                let now = self.now();
                let mut event = AuditEvent::new(now, "login.failed", None, meta)?;
                event.subject_user_id = user.as_ref().map(|u| u.id.0.clone());
                // The account's (or the device's) attempt is counted already.
                self.store
                    .failed_sign_in(&[&ip_key], now, policy.window.as_ms(), &event)
                    .await?;
                return Err(CoreError::InvalidCredentials);
            }
        };
        let now = self.now();
        let mut session_mfa = None;
        let mut asked_again = None;
        if user.factor_count > 0
            && let Some(device_token) = device_token.filter(|t| !t.is_empty() && t.len() <= 100)
            && let Some(device) = self
                .store
                .trusted_device(&secrets::hash_token(device_token))
                .await?
        {
            match distrust(
                &device,
                &user,
                membership.as_ref(),
                &self.config.factors.trust,
                &meta.ip,
                now,
            ) {
                None => session_mfa = Some((now, crate::factors::MfaVia::TrustedDevice)),
                Some(why) => asked_again = why.told(),
            }
        }
        let mut audit = vec![
            AuditEvent::new(now, "session.started", Some(user.id.as_str()), meta)?.details(
                match session_mfa {
                    Some(_) => "via=password;second_factor=trusted_device",
                    None => "via=password",
                },
            ),
        ];
        if let Some(m) = &membership {
            audit = audit.into_iter().map(|e| e.org(m.org_id.as_str())).collect();
        }
        let next = Next::of(
            Some(&user),
            membership.as_ref(),
            session_mfa.is_some(),
            self.platform_defaults().two_factor,
        );
        // A browser that knows the password gets (or keeps) its device cookie.
        let mut start =
            self.start_session(&user, membership.as_ref(), next.signed_in(), !known_device, meta)?;
        (start.record.mfa_at, start.record.mfa_method) = session_mfa.unzip();
        self.store
            .start_session(&start.record, start.end_others.as_ref(), &audit, Some(limit_key))
            .await?;
        Ok(LoginOutcome {
            session_token: start.token,
            next,
            device_cookie: start.signin_device,
            asked_again,
        })
    }

    /// Takes one attempt of limit `key` (whose state was read as `state`), or refuses while its
    /// failures wait out their delay. The attempt is counted before what it guards is checked,
    /// by a compare-and-set on the state read: concurrent guesses never get more checks than
    /// the limit allows. The caller forgets the key once the guarded secret was right.
    pub(crate) async fn take_attempt(
        &self,
        key: &str,
        mut state: Option<ThrottleState>,
        free: i64,
    ) -> Result<(), CoreError> {
        let policy = &self.config.throttle;
        for _ in 0..8 {
            let now = self.now();
            refuse_while_blocked(state, policy, free, now)?;
            if self
                .store
                .throttle_take(key, state, now, policy.window.as_ms())
                .await?
            {
                return Ok(());
            }
            // Another attempt counted meanwhile: judge again with what it left.
            state = self.store.throttle_state(key).await?;
        }
        Err(CoreError::RateLimited { retry_after_secs: 1 })
    }

    /// Re-hashes a password stored with old parameters; a failure only postpones it.
    async fn rehash(&self, user_id: &UserId, password: &Password) {
        match self.hasher.hash(password).await {
            Ok(h) => {
                if let Err(e) = self.store.update_password_hash(user_id, &h, self.now()).await {
                    tracing::warn!(error = %e, "could not store the re-hashed password");
                }
            }
            Err(e) => tracing::debug!(error = %e, "re-hash postponed"),
        }
    }
}

impl<S: ?Sized + AccountStore + SessionStore> Umbral<S> {
    /// The account a sign-in without a password (a provider) opens, with the same lookup as a
    /// password's, judged by [`Self::account_allowed`].
    pub(crate) async fn account_for_sign_in(
        &self,
        user_id: &UserId,
        meta: &RequestMeta,
    ) -> Result<(User, Option<Membership>), CoreError> {
        let email_key = match self.store.user_by_id(user_id).await? {
            Some(u) => Email::parse(&u.email)
                .map_err(|_| CoreError::InvalidCredentials)?
                .key(),
            None => return Err(CoreError::InvalidCredentials),
        };
        let ip = ip_key(&meta.ip);
        let found = self
            .store
            .sign_in_lookup(&email_key, [&account_key(&email_key), &ip, &device_key("-")])
            .await?;
        self.account_allowed(found.account, found.limits[1])
    }

    /// The account found for a sign-in without a password, if it may sign in: active, and its
    /// client's address (`ip_limit`, as [`ip_key`] counts it) not blocked. Failures counted
    /// against the account itself do not block it: the proof is not a password.
    pub(crate) fn account_allowed(
        &self,
        account: Option<(User, Option<Membership>)>,
        ip_limit: Option<ThrottleState>,
    ) -> Result<(User, Option<Membership>), CoreError> {
        let policy = &self.config.throttle;
        refuse_while_blocked(ip_limit, policy, policy.ip_free_failures, self.now())?;
        account
            .filter(|(u, _)| u.status == UserStatus::Active)
            .ok_or(CoreError::InvalidCredentials)
    }
}

//! Identifier-first sign-in (product.md section 2): the same answer, in the same time, for an
//! unknown email, a wrong password and a disabled user; limits per account and per IP; one
//! session per user.

use crate::accounts::{Membership, User, UserStatus};
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::Verified;
use crate::auth::throttle::{account_key, blocked_for, ip_key};
use crate::auth::trusted::distrust;
use crate::error::{CoreError, EndReason, FieldError};
use crate::flows::Next;
use crate::flows::signup::store_err;
use crate::secrets;
use crate::service::Umbral;
use crate::types::{Email, Password};

#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub session_token: String,
    pub next: Next,
}

impl Umbral {
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        device_token: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<LoginOutcome, CoreError> {
        let mut errors: Vec<FieldError> = Vec::new();
        let email = Email::parse(email).map_err(|e| errors.push(e)).ok();
        let password = Password::for_sign_in(password).map_err(|e| errors.push(e)).ok();
        let (Some(email), Some(password)) = (email, password) else {
            return Err(CoreError::Validation(errors));
        };
        let email_key = email.key();
        let (acct_key, ip_key) = (account_key(&email_key), ip_key(&meta.ip));
        let policy = &self.config.throttle;
        let now = self.now();
        let found = self
            .store
            .sign_in_lookup(&email_key, [&acct_key, &ip_key])
            .await
            .map_err(store_err)?;
        for (state, free) in [
            (found.limits[0], policy.account_free_failures),
            (found.limits[1], policy.ip_free_failures),
        ] {
            if let Some(secs) = blocked_for(state, policy, free, now) {
                return Err(CoreError::RateLimited {
                    retry_after_secs: secs,
                });
            }
        }
        let account_had_failures = found.limits[0].is_some();
        let (user, membership) = match found.account {
            Some((u, m)) => (Some(u), m),
            None => (None, None),
        };
        let stored = user.as_ref().and_then(|u| u.password_hash.as_deref());
        let verified = self.hasher.verify(&password, stored).await?;
        let user = match (user, verified) {
            (Some(u), Verified::Yes { rehash }) if u.status == UserStatus::Active => {
                if rehash {
                    self.rehash(u.id.as_str(), &password).await;
                }
                u
            }
            (user, _) => {
                let now = self.now();
                let mut event = AuditEvent::new(now, "login.failed", None, meta)?;
                event.subject_user_id = user.as_ref().map(|u| u.id.0.clone());
                self.store
                    .failed_sign_in([&acct_key, &ip_key], now, policy.window_secs * 1000, &event)
                    .await
                    .map_err(store_err)?;
                return Err(CoreError::InvalidCredentials);
            }
        };
        if account_had_failures {
            self.store.throttle_clear(&acct_key).await.map_err(store_err)?;
        }

        let now = self.now();
        let token = secrets::new_token()?;
        let mut session = self.new_session_record(&token, Some(user.id.as_str()), meta);
        if user.factor_count > 0
            && let Some(device_token) = device_token.filter(|t| !t.is_empty() && t.len() <= 100)
            && let Some(device) = self
                .store
                .trusted_device(&secrets::hash_token(device_token))
                .await
                .map_err(store_err)?
            && distrust(
                &device,
                &user,
                membership.as_ref(),
                &self.config.factors.trust,
                &meta.ip,
                now,
            )
            .is_none()
        {
            session.mfa_at = Some(now);
            session.mfa_method = Some("trusted_device".to_string());
        }
        let mut audit = vec![
            AuditEvent::new(now, "session.started", Some(user.id.as_str()), meta)?.details(
                match session.mfa_method {
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
            session.mfa_at.is_some(),
            self.platform_defaults().two_factor,
        );
        // Other sessions end when this one is signed in whole: a password alone, waiting for its
        // second factor, cannot sign the rightful user out.
        let end_others = if next.signed_in() {
            self.ending_others(&user, membership.as_ref(), meta)?
        } else {
            None
        };
        self.store
            .start_session(&session, end_others.as_ref(), &audit)
            .await
            .map_err(store_err)?;
        Ok(LoginOutcome {
            session_token: token,
            next,
        })
    }

    /// The event of ending a user's other sessions when the single-session policy applies (the
    /// organization's, else the platform's).
    pub(crate) fn ending_others(
        &self,
        user: &User,
        membership: Option<&Membership>,
        meta: &RequestMeta,
    ) -> Result<Option<AuditEvent>, CoreError> {
        // Staff always keep one session, whatever the settings (product.md 2.5).
        let single = user.is_staff
            || membership
                .and_then(|m| m.single_session)
                .unwrap_or(self.platform_defaults().single_session);
        if !single {
            return Ok(None);
        }
        Ok(Some(
            AuditEvent::new(self.now(), "session.ended", Some(user.id.as_str()), meta)?
                .details(format!("reason={}", EndReason::SignedInElsewhere.as_str())),
        ))
    }

    /// Re-hashes a password stored with old parameters; a failure only postpones it.
    async fn rehash(&self, user_id: &str, password: &Password) {
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

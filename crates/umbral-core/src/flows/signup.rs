//! Sign-up (`docs/flows/signup.md`): create the user and their organization, send a code to confirm
//! the email. A taken email looks exactly like a new one from outside: the person at that address
//! gets a warning email instead of a code.

use crate::accounts::{User, UserStatus};
use crate::audit::{AuditEvent, RequestMeta};
use crate::clock::Span;
use crate::error::{CoreError, FieldError};
use crate::flows::Next;
use crate::flows::input::{PhoneInput, parse_code6};
use crate::outbox::{OutboxMessage, templates};
use crate::ports::CodePurpose;
use crate::ports::{AccountStore, CodeStore, ThrottleStore};
use crate::ports::{
    CodeRecord, NewOrganization, NewSignup, PendingSignupUpdate, StoreError, TermsAcceptance,
};
use crate::ports::{FactorStore, SessionStore};
use crate::secrets;
use crate::service::Umbral;
use crate::types::{Email, Locale, Password, PersonName, PhoneE164, UserId};

/// A sign-up as typed, before any rule is applied.
#[derive(Debug, Clone)]
pub struct SignupInput {
    pub name: String,
    pub email: String,
    pub phone: PhoneInput,
    pub password: String,
    pub accept_terms: bool,
    pub plan: Option<String>,
    pub locale: Locale,
}

/// A sign-up whose every field obeys its rule.
#[derive(Debug, Clone)]
pub struct SignupRequest {
    pub name: PersonName,
    pub email: Email,
    pub phone: PhoneE164,
    pub password: Password,
    pub locale: Locale,
}

impl SignupInput {
    /// Applies every field rule, reporting all failures at once; `password` is the new
    /// password's own check ([`Umbral::new_password`], which runs off the async workers).
    pub fn parse_with(&self, password: Result<Password, FieldError>) -> Result<SignupRequest, CoreError> {
        let mut errors: Vec<FieldError> = Vec::new();
        let name = PersonName::parse(&self.name).map_err(|e| errors.push(e)).ok();
        let email = Email::parse(&self.email).map_err(|e| errors.push(e)).ok();
        let phone = self.phone.parse().map_err(|e| errors.push(e)).ok();
        let password = password.map_err(|e| errors.push(e)).ok();
        if !self.accept_terms {
            errors.push(FieldError::new("accept_terms", "terms.required"));
        }
        match (name, email, phone, password) {
            (Some(name), Some(email), Some(phone), Some(password)) if errors.is_empty() => {
                Ok(SignupRequest {
                    name,
                    email,
                    phone,
                    password,
                    locale: self.locale,
                })
            }
            _ => Err(CoreError::Validation(errors)),
        }
    }
}

/// At most one "someone tried to create an account with your address" per address in this time.
const NOTICE_WINDOW: Span = Span::hours(1);

/// What a sign-up gives back.
#[derive(Debug, Clone)]
pub struct SignupOutcome {
    pub user_id: String,
    /// The session token (only its hash is stored).
    pub session_token: String,
    pub next: Next,
}

impl<S: ?Sized + AccountStore + CodeStore + FactorStore + SessionStore + ThrottleStore> Umbral<S> {
    pub async fn signup(&self, input: &SignupInput, meta: &RequestMeta) -> Result<SignupOutcome, CoreError> {
        self.signup_from(input, meta, None).await
    }

    /// A sign-up from a browser (or client) that may hold a session already: when that session
    /// is the pending sign-up of this very email (Back, fix a typo, send again), the sign-up is
    /// updated and a fresh code sent. Any other client with a registered email gets the
    /// stand-in, as always.
    pub async fn signup_from(
        &self,
        input: &SignupInput,
        meta: &RequestMeta,
        current_session: Option<&str>,
    ) -> Result<SignupOutcome, CoreError> {
        // Sign-ups are limited per client before any work is done for them (the strength
        // estimate, a hash, an email).
        // One atomic count per attempt, refused ones included (a client's concurrent sign-ups
        // share the key, so a compare-and-set would only make them retry).
        let ip_key = format!("signup:ip:{}", crate::auth::throttle::client_net(&meta.ip));
        let policy = &self.config.throttle;
        let count = self
            .store
            .throttle_failure(&ip_key, self.now(), policy.window.as_ms())
            .await?;
        if count.failures > policy.signup_free_per_ip {
            return Err(CoreError::RateLimited {
                retry_after_secs: u64::try_from(
                    policy
                        .delay(count.failures - 1, policy.signup_free_per_ip)
                        .as_secs(),
                )
                .unwrap_or(1)
                .max(1),
            });
        }
        let password = self
            .new_password(&input.password, &input.email, &input.name)
            .await?;
        let req = input.parse_with(password)?;
        let password_hash = self.hasher.hash(&req.password).await?;
        let now = self.now();
        let email_key = req.email.key();
        if let Some(existing) = self.store.user_by_email_key(&email_key).await? {
            if let Some(token) = current_session
                && existing.email_confirmed_at.is_none()
                && let Ok(auth) = self.authenticate(token).await
                && auth.user.as_ref().is_some_and(|u| u.id == existing.id)
            {
                return self
                    .update_pending_signup(&req, &existing, password_hash, token, meta)
                    .await;
            }
            return self.signup_taken(&req, Some(&existing), meta).await;
        }

        let user_id = secrets::new_id(now)?;
        let org_id = secrets::new_id(now)?;
        let token = secrets::new_token()?;
        let code = secrets::new_code6()?;
        let user = User {
            id: UserId(user_id.clone()),
            email: req.email.as_str().to_string(),
            name: req.name.as_str().to_string(),
            phone: req.phone.as_str().to_string(),
            password_hash: Some(password_hash),
            locale: req.locale.tag().to_string(),
            status: UserStatus::Active,
            email_confirmed_at: None,
            created_at: now,
            mfa_enabled: false,
            security_epoch: 0,
            factor_count: 0,
            is_staff: false,
        };
        let org = NewOrganization {
            id: org_id.clone(),
            name: req.name.as_str().to_string(),
            created_at: now,
            setup: crate::ports::OrgSetup::Company,
            plan_choice: input
                .plan
                .as_deref()
                .filter(|p| self.config.billing.plan(p).is_some())
                .map(str::to_string),
        };
        let terms = TermsAcceptance {
            version: self.config.terms_version.clone(),
            at: now,
            ip: meta.ip.clone(),
        };
        let session = self.new_session_record(&token, Some(&user_id), meta);
        let signup = NewSignup {
            account: Some((user, org, terms)),
            code: self.new_code_record(&user_id, CodePurpose::ConfirmEmail, &code)?,
            message: Some(OutboxMessage::email(
                now,
                req.email.as_str(),
                templates::SIGNUP_CODE,
                req.locale,
                &[("name", req.name.as_str()), ("code", &code)],
            )?),
            audit: vec![
                AuditEvent::new(now, "user.signed_up", Some(&user_id), meta)?
                    .org(&org_id)
                    .details(format!("terms={}", self.config.terms_version)),
                AuditEvent::new(now, "session.started", Some(&user_id), meta)?.details("via=signup"),
            ],
            session,
        };
        match self.store.create_signup(&signup).await {
            Ok(()) => {}
            // Another sign-up with this email won the race: answer as for any taken email.
            Err(StoreError::Conflict(_)) => {
                let existing = self.store.user_by_email_key(&email_key).await?;
                return self.signup_taken(&req, existing.as_ref(), meta).await;
            }
            Err(e) => return Err(CoreError::from(e)),
        }
        self.outbox_wakeup.notify_one();
        Ok(SignupOutcome {
            user_id,
            session_token: token,
            next: Next::ConfirmEmail,
        })
    }

    /// The browser's own pending sign-up, sent again: its details replaced, a new code sent.
    async fn update_pending_signup(
        &self,
        req: &SignupRequest,
        user: &User,
        password_hash: String,
        session_token: &str,
        meta: &RequestMeta,
    ) -> Result<SignupOutcome, CoreError> {
        let now = self.now();
        let code = secrets::new_code6()?;
        let update = PendingSignupUpdate {
            user_id: user.id.clone(),
            name: req.name.as_str().to_string(),
            phone: req.phone.as_str().to_string(),
            password_hash,
            locale: req.locale.tag().to_string(),
            code: self.new_code_record(user.id.as_str(), CodePurpose::ConfirmEmail, &code)?,
            message: OutboxMessage::email(
                now,
                &user.email,
                templates::SIGNUP_CODE,
                req.locale,
                &[("name", req.name.as_str()), ("code", &code)],
            )?,
            audit: AuditEvent::new(now, "user.signup_updated", Some(user.id.as_str()), meta)?,
        };
        if !self.store.update_pending_signup(&update).await? {
            // Confirmed meanwhile (another tab): the account is there; sign in.
            return Err(CoreError::AlreadyDone);
        }
        self.outbox_wakeup.notify_one();
        Ok(SignupOutcome {
            user_id: user.id.0.clone(),
            session_token: session_token.to_string(),
            next: Next::ConfirmEmail,
        })
    }

    /// The email is taken: write a stand-in session whose code is never sent, and warn the owner.
    async fn signup_taken(
        &self,
        req: &SignupRequest,
        existing: Option<&User>,
        meta: &RequestMeta,
    ) -> Result<SignupOutcome, CoreError> {
        let now = self.now();
        let token = secrets::new_token()?;
        let session = self.new_session_record(&token, None, meta);
        let unsent_code = secrets::new_code6()?;
        // One warning an hour per address at most: sign-ups with someone's address must not
        // become a way to flood their inbox. The answer is the same either way.
        let notice_key = format!("notice:email_taken:{}", req.email.key());
        let notices = self
            .store
            .throttle_failure(&notice_key, now, NOTICE_WINDOW.as_ms())
            .await?;
        let message = if notices.failures == 1 {
            // To the registered address, in its owner's language.
            Some(OutboxMessage::email(
                now,
                existing.map(|u| u.email.as_str()).unwrap_or(req.email.as_str()),
                templates::SIGNUP_EMAIL_TAKEN,
                existing
                    .and_then(|u| Locale::from_tag(&u.locale))
                    .unwrap_or(req.locale),
                &[],
            )?)
        } else {
            None
        };
        let signup = NewSignup {
            account: None,
            code: self.new_code_record(session.id_hash.as_str(), CodePurpose::ConfirmEmail, &unsent_code)?,
            message,
            audit: vec![AuditEvent {
                subject_user_id: existing.map(|u| u.id.0.clone()),
                actor_user_id: None,
                ..AuditEvent::new(now, "signup.email_taken", None, meta)?
            }],
            session,
        };
        self.store.create_signup(&signup).await?;
        self.outbox_wakeup.notify_one();
        Ok(SignupOutcome {
            user_id: secrets::new_id(now)?,
            session_token: token,
            next: Next::ConfirmEmail,
        })
    }

    pub(crate) fn new_code_record(
        &self,
        subject: &str,
        purpose: CodePurpose,
        code: &str,
    ) -> Result<CodeRecord, CoreError> {
        let now = self.now();
        Ok(CodeRecord {
            id: secrets::new_id(now)?,
            subject: subject.to_string(),
            purpose,
            code_hash: secrets::hash_code(subject, code),
            expires_at: now + self.config.codes.ttl.as_ms(),
            attempts: 0,
            created_at: now,
        })
    }

    /// Checks the code sent to the email address.
    pub async fn confirm_email(
        &self,
        auth: &crate::flows::session::Authenticated,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<Next, CoreError> {
        let code = parse_code6(code)?;
        if let Some(user) = &auth.user
            && user.email_confirmed_at.is_some()
        {
            return Ok(auth.next());
        }
        let subject = auth.code_subject();
        let now = self.now();
        let record = self.check_code(&subject, CodePurpose::ConfirmEmail, code).await?;
        let Some(user) = auth.user.as_ref() else {
            // The stand-in of a taken email: no code is ever right (its attempt is counted).
            return Err(CoreError::InvalidCode);
        };
        let audit = AuditEvent::new(now, "user.email_confirmed", Some(user.id.as_str()), meta)?;
        self.store
            .confirm_email(&user.id, &record.id, now, &audit)
            .await?;
        let confirmed = User {
            email_confirmed_at: Some(now),
            ..user.clone()
        };
        Ok(Next::of(
            Some(&confirmed),
            auth.membership.as_ref(),
            auth.session.mfa_at.is_some(),
            self.platform_defaults().two_factor,
        ))
    }

    /// Checks a code sent by email or SMS: it must exist, be fresh, not be tried too often, and
    /// match. Every check counts an attempt (a right code is used up by the caller). Returns the
    /// record, for the caller to use up.
    pub(crate) async fn check_code(
        &self,
        subject: &str,
        purpose: CodePurpose,
        code: &str,
    ) -> Result<CodeRecord, CoreError> {
        let record = self.fresh_code(subject, purpose).await?;
        // The attempt is counted before the comparison, in one statement that refuses beyond
        // the limit: concurrent guesses never get more checks than `max_attempts`.
        self.count_code_attempt(&record).await?;
        if !secrets::ct_eq(&secrets::hash_code(subject, code), &record.code_hash) {
            return Err(CoreError::InvalidCode);
        }
        Ok(record)
    }

    /// [`Umbral::check_code`] that writes nothing for a right code: a wrong one counts its
    /// attempt after the comparison, and the caller uses a right one up only while its count is
    /// still the one read here (`Proof::Code`'s `attempts`, ADR 0016), so concurrent guesses
    /// still pass no more than `max_attempts` checks.
    pub(crate) async fn check_code_counting_failures(
        &self,
        subject: &str,
        purpose: CodePurpose,
        code: &str,
    ) -> Result<CodeRecord, CoreError> {
        let record = self.fresh_code(subject, purpose).await?;
        if record.attempts >= self.config.codes.max_attempts {
            return Err(CoreError::CodeAttemptsExhausted);
        }
        if !secrets::ct_eq(&secrets::hash_code(subject, code), &record.code_hash) {
            self.count_code_attempt(&record).await?;
            return Err(CoreError::InvalidCode);
        }
        Ok(record)
    }

    async fn fresh_code(&self, subject: &str, purpose: CodePurpose) -> Result<CodeRecord, CoreError> {
        let record = self
            .store
            .current_code(subject, purpose)
            .await?
            .ok_or(CoreError::CodeExpired)?;
        if self.now() > record.expires_at {
            return Err(CoreError::CodeExpired);
        }
        Ok(record)
    }

    /// Counts one attempt at `record`, refused beyond the limit.
    async fn count_code_attempt(&self, record: &CodeRecord) -> Result<(), CoreError> {
        let max = self.config.codes.max_attempts;
        if record.attempts >= max || !self.store.take_code_attempt(&record.id, max).await? {
            return Err(CoreError::CodeAttemptsExhausted);
        }
        Ok(())
    }

    /// Refuses a new code while the last one is younger than the cool-down.
    pub(crate) async fn resend_cooldown(&self, subject: &str, purpose: CodePurpose) -> Result<(), CoreError> {
        if let Some(current) = self.store.current_code(subject, purpose).await? {
            let ready_at = current.created_at + self.config.codes.resend_cooldown.as_ms();
            let now = self.now();
            if now < ready_at {
                let secs = u64::try_from((ready_at - now + 999) / 1000).unwrap_or(1);
                return Err(CoreError::ResendTooSoon {
                    retry_after_secs: secs,
                });
            }
        }
        Ok(())
    }

    /// Sends a new confirmation code, once the cool-down has passed.
    pub async fn resend_email_code(
        &self,
        auth: &crate::flows::session::Authenticated,
        locale: Locale,
    ) -> Result<(), CoreError> {
        if auth.user.as_ref().is_some_and(|u| u.email_confirmed_at.is_some()) {
            return Err(CoreError::AlreadyDone);
        }
        let subject = auth.code_subject();
        self.resend_cooldown(&subject, CodePurpose::ConfirmEmail).await?;
        let now = self.now();
        let code = secrets::new_code6()?;
        let record = self.new_code_record(&subject, CodePurpose::ConfirmEmail, &code)?;
        let message = match &auth.user {
            Some(user) => Some(OutboxMessage::email(
                now,
                &user.email,
                templates::SIGNUP_CODE,
                Locale::from_tag(&user.locale).unwrap_or(locale),
                &[("name", &user.name), ("code", &code)],
            )?),
            None => None,
        };
        self.store.replace_code(&record, message.as_ref()).await?;
        self.outbox_wakeup.notify_one();
        Ok(())
    }

    /// Deletes accounts whose email was never confirmed within the allowed time.
    pub async fn purge_unconfirmed(&self) -> Result<u64, CoreError> {
        let before = self.now() - self.config.unconfirmed_ttl.as_ms();
        self.store
            .purge_unconfirmed(before)
            .await
            .map_err(CoreError::from)
    }
}

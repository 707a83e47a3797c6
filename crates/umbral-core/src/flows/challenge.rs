//! The second-factor challenge after the password (`docs/flows/login.md`, `docs/flows/two-factor.md`): a code from
//! the authenticator app, a code sent by email (once another factor exists), or a recovery code;
//! optionally remembering the browser.

use crate::audit::{AuditEvent, RequestMeta};
use crate::error::{CoreError, EndReason};
use crate::factors::{FactorKind, Method, MfaVia, Proof, TrustedDevice, recovery_codes, totp};
use crate::flows::Next;
use crate::flows::input::parse_code6;
use crate::flows::session::Authenticated;
use crate::outbox::{OutboxMessage, templates};
use crate::ports::CodePurpose;
use crate::ports::{AccountStore, SessionStore, ThrottleStore};
use crate::ports::{AuditStore, CodeStore, FactorStore};
use crate::ports::{ChallengePassed, LimitSeen, StoreError};
use crate::secrets;
use crate::service::Umbral;
use crate::types::{Email, Locale, PhoneE164};

/// What the challenge page offers.
#[derive(Debug, Clone)]
pub struct ChallengeOptions {
    /// The methods, the usual one first.
    pub methods: Vec<Method>,
    /// Where an email code goes, partly hidden (`j***@example.com`).
    pub email_masked: String,
    /// Where an SMS code goes, partly hidden (`••• 6789`).
    pub phone_masked: Option<String>,
}

/// A passed challenge.
#[derive(Debug, Clone)]
pub struct Passed {
    pub next: Next,
    /// The session's new token: the one it had stops working (its id rotates as it gains
    /// privilege).
    pub session_token: String,
    /// The token to keep in the browser when it asked to be remembered.
    pub device_token: Option<String>,
}

impl<S: ?Sized + AccountStore + AuditStore + CodeStore + FactorStore + SessionStore + ThrottleStore>
    Umbral<S>
{
    pub(crate) fn challenged<'a>(
        &self,
        auth: &'a Authenticated,
    ) -> Result<&'a crate::accounts::User, CoreError> {
        let user = auth.confirmed_user()?;
        match auth.next {
            Next::SecondFactor => Ok(user),
            Next::Company | Next::Checkout | Next::Done => Err(CoreError::AlreadyDone),
            other => Err(CoreError::StepRequired(other)),
        }
    }

    pub fn challenge_options(&self, auth: &Authenticated) -> Result<ChallengeOptions, CoreError> {
        let user = self.challenged(auth)?;
        let factors = &auth.factors;
        let has = |k| factors.iter().any(|f| f.kind == k && f.confirmed_at.is_some());
        let phone_masked = factors
            .iter()
            .find(|f| f.kind == FactorKind::Sms && f.confirmed_at.is_some())
            .and_then(|f| f.phone.as_deref().map(crate::flows::enrollment::mask_phone));
        let mut methods = Vec::new();
        // A passkey first when there is one: one touch, nothing to type.
        if has(FactorKind::Passkey) {
            methods.push(Method::Passkey);
        }
        if has(FactorKind::Totp) {
            methods.push(Method::Totp);
        }
        if has(FactorKind::Sms) {
            methods.push(Method::Sms);
        }
        // Email only ever next to another factor (`docs/flows/two-factor.md`).
        if !methods.is_empty() {
            methods.push(Method::Email);
            methods.push(Method::RecoveryCode);
        }
        let email_masked = Email::parse(&user.email)
            .map(|e| e.masked())
            .unwrap_or_else(|_| "***".to_string());
        Ok(ChallengeOptions {
            methods,
            email_masked,
            phone_masked,
        })
    }

    /// Sends a 6-digit code for the challenge, by email or SMS.
    pub async fn send_challenge_code(
        &self,
        auth: &Authenticated,
        method: Method,
        locale: Locale,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let user = self.challenged(auth)?;
        let uid = user.id.as_str();
        let locale = Locale::from_tag(&user.locale).unwrap_or(locale);
        let now = self.now();
        let code = secrets::new_code6()?;
        let (purpose, message) = match method {
            Method::Email if user.factor_count > 0 => (
                CodePurpose::MfaEmail,
                OutboxMessage::email(
                    now,
                    &user.email,
                    templates::MFA_CODE,
                    locale,
                    &[("name", &user.name), ("code", &code)],
                )?,
            ),
            Method::Sms => {
                let phone = auth
                    .factors
                    .iter()
                    .find(|f| f.kind == FactorKind::Sms && f.confirmed_at.is_some())
                    .and_then(|f| f.phone.clone())
                    .ok_or_else(|| CoreError::invalid("method", "factor.method_unavailable"))?;
                let phone = PhoneE164::parse_e164(&phone).map_err(|e| CoreError::Validation(vec![e]))?;
                self.resend_cooldown(uid, CodePurpose::MfaSms).await?;
                self.sms_allowance(&phone, meta).await?;
                (
                    CodePurpose::MfaSms,
                    OutboxMessage::sms(
                        now,
                        phone.as_str(),
                        templates::SMS_CODE,
                        locale,
                        &[("code", &code)],
                    )?,
                )
            }
            _ => return Err(CoreError::invalid("method", "factor.method_unavailable")),
        };
        if purpose == CodePurpose::MfaEmail {
            self.resend_cooldown(uid, CodePurpose::MfaEmail).await?;
        }
        let record = self.new_code_record(uid, purpose, &code)?;
        self.store.replace_code(&record, Some(&message)).await?;
        self.outbox_wakeup.notify_one();
        Ok(())
    }

    /// Checks the answer to the challenge. A right answer is used up in the same transaction that
    /// marks the session, so it never counts twice, on any node.
    pub async fn pass_second_factor(
        &self,
        auth: &Authenticated,
        method: Method,
        code: &str,
        remember_device: bool,
        meta: &RequestMeta,
    ) -> Result<Passed, CoreError> {
        let user = self.challenged(auth)?;
        let uid = user.id.as_str();
        let options = self.challenge_options(auth)?;
        if !options.methods.contains(&method) {
            return Err(CoreError::invalid("method", "factor.method_unavailable"));
        }
        let now = self.now();
        // TOTP and recovery codes read the factor limit before comparing: a right answer
        // commits only if no failure was counted since, a wrong one counts (ADR 0016).
        let mut limit = None;
        let proof = match method {
            Method::Totp => {
                let code = parse_code6(code)?;
                let seen = self.factor_limit_seen(uid).await?;
                let mut proof = None;
                for f in auth
                    .factors
                    .iter()
                    .filter(|f| f.kind == FactorKind::Totp && f.confirmed_at.is_some())
                {
                    let Some(sealed) = f.secret_sealed.as_deref() else {
                        continue;
                    };
                    let key = self.config.secret_key.open(sealed, f.id.as_str())?;
                    if let Some(step) = totp::matching_step(&key, code, now)? {
                        proof = Some(Proof::TotpStep {
                            factor_id: f.id.clone(),
                            step,
                        });
                        break;
                    }
                }
                match proof {
                    Some(p) => {
                        limit = Some(seen);
                        p
                    }
                    None => return Err(self.wrong_answer(auth, method, Some(seen), meta).await),
                }
            }
            Method::RecoveryCode => {
                if code.trim().is_empty() {
                    return Err(CoreError::invalid("code", "code.required"));
                }
                if !recovery_codes::looks_valid(code) {
                    return Err(CoreError::invalid("code", "code.recovery_format"));
                }
                limit = Some(self.factor_limit_seen(uid).await?);
                Proof::RecoveryCode {
                    code_hash: recovery_codes::hash(uid, code),
                }
            }
            Method::Email | Method::Sms => {
                let code = parse_code6(code)?;
                let purpose = if method == Method::Sms {
                    CodePurpose::MfaSms
                } else {
                    CodePurpose::MfaEmail
                };
                let record = self.check_code_counting_failures(uid, purpose, code).await?;
                Proof::Code {
                    code_id: record.id,
                    attempts: Some(record.attempts),
                }
            }
            // A passkey answers with a signature: `pass_passkey_challenge`.
            Method::Passkey => return Err(CoreError::invalid("method", "factor.method_unavailable")),
        };
        let seen = limit.clone();
        match self
            .record_challenge(auth, MfaVia::Method(method), proof, remember_device, limit, meta)
            .await?
        {
            Some(passed) => Ok(passed),
            // Already used (a replayed TOTP step, a used recovery code, a code used by a
            // concurrent request), or a failure counted meanwhile: the same answer as a wrong
            // code, and counted as one.
            None => Err(self.wrong_answer(auth, method, seen, meta).await),
        }
    }

    /// Records a right answer in one transaction that uses its proof up, marks the session (a
    /// new id) and remembers the browser when asked. `None` when the proof was used meanwhile.
    pub(crate) async fn record_challenge(
        &self,
        auth: &Authenticated,
        via: MfaVia,
        proof: Proof,
        remember_device: bool,
        limit: Option<LimitSeen>,
        meta: &RequestMeta,
    ) -> Result<Option<Passed>, CoreError> {
        let user = self.challenged(auth)?;
        let uid = user.id.as_str();
        let now = self.now();
        let device_token = if remember_device {
            Some(secrets::new_token()?)
        } else {
            None
        };
        let device = match &device_token {
            Some(token) => Some(TrustedDevice {
                id: secrets::new_id(now)?,
                user_id: user.id.clone(),
                token_hash: secrets::hash_token(token),
                created_at: now,
                expires_at: now + self.config.factors.trust.lifetime.as_ms(),
                network: self.config.factors.trust.network_of(&meta.ip),
                user_agent: meta.user_agent.chars().take(300).collect(),
                security_epoch: user.security_epoch,
                owner_epoch: auth.membership.as_ref().map(|m| m.owner_epoch).unwrap_or(0),
                revoked_at: None,
            }),
            None => None,
        };
        let mut audit = vec![
            AuditEvent::new(now, "mfa.challenge_passed", Some(uid), meta)?
                .details(format!("method={}", via.as_str())),
        ];
        if device.is_some() {
            audit.push(AuditEvent::new(now, "trusted_device.added", Some(uid), meta)?);
        }
        if let Some(m) = &auth.membership {
            audit = audit.into_iter().map(|e| e.org(m.org_id.as_str())).collect();
        }
        let start = self.start_session(user, auth.membership.as_ref(), true, false, meta)?;
        let passed = ChallengePassed {
            user_id: user.id.clone(),
            session_id_hash: auth.session.id_hash.clone(),
            new_session_id_hash: start.record.id_hash,
            via,
            proof,
            device,
            end_others: start.end_others,
            now,
            audit,
            limit,
        };
        let done = match self.store.pass_challenge(&passed).await {
            Ok(done) => done,
            // Another browser completed its sign-in first and ended this session.
            Err(StoreError::SessionGone) => {
                return Err(CoreError::SessionEnded(EndReason::SignedInElsewhere));
            }
            Err(e) => return Err(CoreError::from(e)),
        };
        if !done {
            return Ok(None);
        }
        Ok(Some(Passed {
            next: Next::past_second_factor(auth.membership.as_ref()),
            session_token: start.token,
            device_token,
        }))
    }

    /// A wrong answer: counted on the factor limit as it was seen, and audited as a failed
    /// challenge.
    async fn wrong_answer(
        &self,
        auth: &Authenticated,
        method: Method,
        limit: Option<LimitSeen>,
        meta: &RequestMeta,
    ) -> CoreError {
        let counted = match limit {
            Some(limit) => self.factor_failed(limit).await,
            None => Ok(()),
        };
        let failed = self.challenge_failed(auth, method, meta).await;
        // Concurrent wrong answers may have used up the limit meanwhile: say so.
        counted.err().unwrap_or(failed)
    }

    async fn challenge_failed(&self, auth: &Authenticated, method: Method, meta: &RequestMeta) -> CoreError {
        let uid = auth
            .session
            .user_id
            .as_ref()
            .map(|u| u.as_str())
            .unwrap_or_default();
        let audit = AuditEvent::new(self.now(), "mfa.challenge_failed", Some(uid), meta)
            .map(|e| e.details(format!("method={}", method.as_str())));
        if let Ok(e) = audit
            && let Err(err) = self.store.record_audit(&e).await
        {
            return CoreError::from(err);
        }
        CoreError::InvalidCode
    }
}

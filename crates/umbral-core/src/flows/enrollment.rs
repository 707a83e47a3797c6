//! Setting second factors up and managing them (`docs/flows/two-factor.md`): authenticator
//! apps, recovery codes, removing a factor, turning two-factor on under policy `optional`.

use crate::accounts::User;
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::throttle::refuse_while_blocked;
use crate::error::CoreError;
use crate::factors::{Factor, FactorKind, Proof, TrustedDevice, recovery_codes, sms, totp};
use crate::flows::Next;
use crate::flows::input::PhoneInput;
use crate::flows::input::parse_code6;
use crate::flows::session::Authenticated;
use crate::outbox::{OutboxMessage, templates};
use crate::policy::TwoFactorPolicy;
use crate::ports::CodePurpose;
use crate::ports::FactorConfirmation;
use crate::ports::{AccountStore, CodeStore, SessionStore};
use crate::ports::{FactorStore, LimitSeen, ThrottleStore};
use crate::secrets;
use crate::service::Umbral;
use crate::types::{FactorId, UserId};
use crate::types::{Locale, PhoneE164};

/// What the page shows to set an authenticator app up.
#[derive(Debug, Clone)]
pub struct TotpSetup {
    pub factor_id: FactorId,
    /// The key as text, for manual entry (base32).
    pub secret: String,
    pub otpauth_uri: String,
}

/// A factor was set up.
#[derive(Debug, Clone)]
pub struct Enrolled {
    pub factor_id: FactorId,
    /// The session's new token when enrolling completed its sign-in (its id rotates as it
    /// gains privilege; the old token stops working).
    pub session_token: Option<String>,
    /// Shown once; only with the user's first factor.
    pub recovery_codes: Option<Vec<String>>,
    pub next: Next,
}

/// A factor as the user sees it in the Security tab and `GET /api/v1/factors`.
#[derive(Debug, Clone)]
pub struct FactorView {
    pub id: FactorId,
    pub kind: FactorKind,
    /// The phone of an SMS factor, partly hidden.
    pub phone_masked: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// A passkey's name.
    pub name: Option<String>,
}

/// The throttle key of wrong TOTP and recovery codes of one user.
pub(crate) fn factor_limit_key(user_id: &str) -> String {
    format!("mfa:{user_id}")
}

/// `+5491123456789` -> `••• 6789`.
pub fn mask_phone(phone: &str) -> String {
    let tail: String = phone
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("••• {tail}")
}

impl<S: ?Sized + AccountStore + CodeStore + FactorStore + SessionStore + ThrottleStore> Umbral<S> {
    /// The user who may set a factor up now: at the enrollment step, or fully signed in.
    pub(crate) fn enrolling_user<'a>(&self, auth: &'a Authenticated) -> Result<&'a User, CoreError> {
        let user = auth.confirmed_user()?;
        match auth.next {
            Next::EnrollFactor | Next::Company | Next::Checkout | Next::Done => Ok(user),
            other => Err(CoreError::StepRequired(other)),
        }
    }

    /// The factor of `kind` the user is setting up, if any.
    async fn pending_factor(&self, user_id: &UserId, kind: FactorKind) -> Result<Option<Factor>, CoreError> {
        Ok(self
            .store
            .factors_of(user_id)
            .await?
            .into_iter()
            .find(|f| f.kind == kind && f.confirmed_at.is_none()))
    }

    /// Starts setting an authenticator app up, or shows again the key of the one being set up
    /// (a reload must not change the key the user may have scanned already).
    pub async fn start_totp(&self, auth: &Authenticated) -> Result<TotpSetup, CoreError> {
        let user = self.enrolling_user(auth)?;
        let issuer = &self.config.factors.issuer;
        let pending = self.pending_factor(&user.id, FactorKind::Totp).await?;
        let (factor_id, key) = match pending.and_then(|f| f.secret_sealed.clone().map(|s| (f.id, s))) {
            Some((id, sealed)) => {
                let key = self.config.secret_key.open(&sealed, id.as_str())?;
                (id, key)
            }
            None => {
                let now = self.now();
                let id = FactorId(secrets::new_id(now)?);
                let key = totp::new_secret()?.to_vec();
                let factor = Factor {
                    id: id.clone(),
                    user_id: user.id.clone(),
                    kind: FactorKind::Totp,
                    phone: None,
                    secret_sealed: Some(self.config.secret_key.seal(&key, id.as_str())?),
                    created_at: now,
                    confirmed_at: None,
                    last_used_at: None,
                    last_step: None,
                    name: None,
                    credential_id: None,
                };
                self.store.put_pending_factor(&factor, None).await?;
                (id, key)
            }
        };
        Ok(TotpSetup {
            otpauth_uri: totp::otpauth_uri(&key, issuer, &user.email)?,
            secret: totp::secret_text(&key),
            factor_id,
        })
    }

    /// Confirms the authenticator app with a current code from it.
    pub async fn confirm_totp(
        &self,
        auth: &Authenticated,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<Enrolled, CoreError> {
        let user = self.enrolling_user(auth)?;
        let code = parse_code6(code)?;
        let uid = user.id.as_str();
        let pending = self
            .pending_factor(&user.id, FactorKind::Totp)
            .await?
            .ok_or(CoreError::invalid("code", "factor.setup_missing"))?;
        let sealed = pending
            .secret_sealed
            .as_deref()
            .ok_or(CoreError::invalid("code", "factor.setup_missing"))?;
        let key = self.config.secret_key.open(sealed, pending.id.as_str())?;
        self.factor_limit(uid).await?;
        let now = self.now();
        let Some(step) = totp::matching_step(&key, code, now)? else {
            return Err(CoreError::InvalidCode);
        };
        let proof = Proof::TotpStep {
            factor_id: pending.id.clone(),
            step,
        };
        let enrolled = self.confirm_factor(auth, user, &pending, proof, meta).await?;
        self.clear_factor_limit(uid).await;
        Ok(enrolled)
    }

    /// Writes a confirmed factor, with recovery codes when it is the first.
    pub(crate) async fn confirm_factor(
        &self,
        auth: &Authenticated,
        user: &User,
        factor: &Factor,
        proof: Proof,
        meta: &RequestMeta,
    ) -> Result<Enrolled, CoreError> {
        let now = self.now();
        let uid = user.id.as_str();
        let first = user.factor_count == 0;
        let codes = if first {
            Some(recovery_codes::generate()?)
        } else {
            None
        };
        let mut audit = vec![
            AuditEvent::new(now, "factor.enrolled", Some(uid), meta)?.details(format!(
                "kind={};factor={}",
                factor.kind.as_str(),
                factor.id
            )),
        ];
        if first {
            audit.push(AuditEvent::new(now, "recovery_codes.created", Some(uid), meta)?);
        }
        if let Some(m) = &auth.membership {
            audit = audit.into_iter().map(|e| e.org(m.org_id.as_str())).collect();
        }
        // A session without a second factor gains one: it moves to a new id. Enrolling at
        // sign-in completes it; adding a factor later leaves other sessions be.
        let start = match auth.session.mfa_at {
            None => {
                let completes = auth.next == Next::EnrollFactor;
                Some(self.start_session(user, auth.membership.as_ref(), completes, false, meta)?)
            }
            Some(_) => None,
        };
        let (session_token, new_session_id_hash, end_others) = match start {
            Some(s) => (Some(s.token), Some(s.record.id_hash), s.end_others),
            None => (None, None, None),
        };
        let confirmation = FactorConfirmation {
            user_id: user.id.clone(),
            factor_id: factor.id.clone(),
            new_session_id_hash,
            proof,
            recovery_code_hashes: codes
                .as_ref()
                .map(|cs| cs.iter().map(|c| recovery_codes::hash(uid, c)).collect()),
            session_id_hash: auth.session.id_hash.clone(),
            end_others,
            now,
            audit,
        };
        let done = match self.store.confirm_factor(&confirmation).await {
            Ok(done) => done,
            Err(crate::ports::StoreError::SessionGone) => {
                return Err(CoreError::SessionEnded(
                    crate::error::EndReason::SignedInElsewhere,
                ));
            }
            Err(crate::ports::StoreError::Conflict(_)) => {
                return Err(CoreError::invalid("phone", "factor.phone_unavailable"));
            }
            Err(e) => return Err(CoreError::from(e)),
        };
        if !done {
            return Err(CoreError::InvalidCode);
        }
        Ok(Enrolled {
            factor_id: factor.id.clone(),
            session_token,
            recovery_codes: codes,
            next: Next::past_second_factor(auth.membership.as_ref()),
        })
    }

    /// Starts setting a phone up: sends a 6-digit code to it by SMS. A number that is already
    /// someone's SMS factor is refused without saying whose.
    pub async fn start_sms(
        &self,
        auth: &Authenticated,
        phone: &PhoneInput,
        locale: Locale,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let user = self.enrolling_user(auth)?;
        if !self.config.factors.sms.enabled {
            return Err(CoreError::invalid("method", "factor.method_unavailable"));
        }
        let phone = phone.parse().map_err(|e| CoreError::Validation(vec![e]))?;
        let uid = user.id.as_str();
        // The limits first, counted as a send: asking whether numbers are taken must cost the
        // same allowance as sending to them, or it would be a free oracle of whose phones are
        // registered.
        self.resend_cooldown(uid, CodePurpose::EnrollSms).await?;
        self.sms_allowance(&phone, meta).await?;
        if self.store.sms_number_taken(phone.as_str()).await? {
            return Err(CoreError::invalid("phone", "factor.phone_unavailable"));
        }
        let now = self.now();
        let code = secrets::new_code6()?;
        let record = self.new_code_record(uid, CodePurpose::EnrollSms, &code)?;
        let message = OutboxMessage::sms(
            now,
            phone.as_str(),
            templates::SMS_CODE,
            Locale::from_tag(&user.locale).unwrap_or(locale),
            &[("code", &code)],
        )?;
        let factor = Factor {
            id: FactorId(secrets::new_id(now)?),
            user_id: user.id.clone(),
            kind: FactorKind::Sms,
            phone: Some(phone.as_str().to_string()),
            secret_sealed: None,
            created_at: now,
            confirmed_at: None,
            last_used_at: None,
            last_step: None,
            name: None,
            credential_id: None,
        };
        self.store
            .put_pending_factor(&factor, Some((&record, &message)))
            .await?;
        self.outbox_wakeup.notify_one();
        Ok(())
    }

    /// Confirms the phone with the code sent to it.
    pub async fn confirm_sms(
        &self,
        auth: &Authenticated,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<Enrolled, CoreError> {
        let user = self.enrolling_user(auth)?;
        let code = parse_code6(code)?;
        let uid = user.id.as_str();
        let pending = self
            .pending_factor(&user.id, FactorKind::Sms)
            .await?
            .ok_or(CoreError::invalid("code", "factor.setup_missing"))?;
        let record = self.check_code(uid, CodePurpose::EnrollSms, code).await?;
        self.confirm_factor(
            auth,
            user,
            &pending,
            Proof::Code {
                code_id: record.id,
                attempts: None,
            },
            meta,
        )
        .await
    }

    /// The number being set up, partly hidden (for the page that asks for its code).
    pub async fn pending_sms(&self, auth: &Authenticated) -> Result<Option<String>, CoreError> {
        let user = self.enrolling_user(auth)?;
        Ok(self
            .pending_factor(&user.id, FactorKind::Sms)
            .await?
            .and_then(|f| f.phone.as_deref().map(mask_phone)))
    }

    /// SMS pumping protection: the number's country must be allowed, and the number, the IP and
    /// the country must be within their allowance. Counts this send.
    pub(crate) async fn sms_allowance(&self, phone: &PhoneE164, meta: &RequestMeta) -> Result<(), CoreError> {
        let policy = &self.config.factors.sms;
        let country = phone.region().unwrap_or_default();
        if !sms::country_allowed(policy, &country) {
            return Err(CoreError::invalid("phone", "phone.country_not_allowed"));
        }
        let keys = sms::limit_keys(phone.as_str(), &country, &meta.ip);
        let throttle = sms::throttle(policy);
        let now = self.now();
        for (key, allowed) in keys.iter().zip(sms::limits(policy)) {
            let state = self.store.throttle_state(key).await?;
            refuse_while_blocked(state, &throttle, allowed, now)?;
        }
        for key in &keys {
            self.store
                .throttle_failure(key, now, throttle.window.as_ms())
                .await?;
        }
        Ok(())
    }

    /// The user's confirmed factors.
    pub fn factors(&self, auth: &Authenticated) -> Result<Vec<FactorView>, CoreError> {
        auth.complete_user()?;
        Ok(auth
            .factors
            .iter()
            .filter(|f| f.confirmed_at.is_some())
            .map(|f| FactorView {
                id: f.id.clone(),
                kind: f.kind,
                phone_masked: f.phone.as_deref().map(mask_phone),
                created_at: f.created_at,
                last_used_at: f.last_used_at,
                name: f.name.clone(),
            })
            .collect())
    }

    /// Removes a factor; never the last one under policy `required`. Under `optional`, removing
    /// the last one turns two-factor off.
    pub async fn remove_factor(
        &self,
        auth: &Authenticated,
        factor_id: &FactorId,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let user = auth.complete_user()?;
        let uid = user.id.as_str();
        let factor = auth
            .factors
            .iter()
            .find(|f| f.id == factor_id && f.confirmed_at.is_some())
            .ok_or(CoreError::NotFound)?;
        let last = user.factor_count <= 1;
        let policy = user.two_factor_policy(auth.membership.as_ref(), self.platform_defaults().two_factor);
        if last && policy == TwoFactorPolicy::Required {
            return Err(CoreError::invalid("factor", "factor.last_required"));
        }
        let now = self.now();
        let audit = AuditEvent::new(now, "factor.removed", Some(uid), meta)?.details(format!(
            "kind={};factor={}",
            factor.kind.as_str(),
            factor.id
        ));
        let removed = self
            .store
            .remove_factor(&user.id, factor_id, !last && user.mfa_enabled, &audit)
            .await?;
        if removed { Ok(()) } else { Err(CoreError::NotFound) }
    }

    /// Ten new recovery codes; the old ones stop working.
    pub async fn regenerate_recovery_codes(
        &self,
        auth: &Authenticated,
        meta: &RequestMeta,
    ) -> Result<Vec<String>, CoreError> {
        let user = auth.complete_user()?;
        if user.factor_count == 0 {
            return Err(CoreError::StepRequired(Next::EnrollFactor));
        }
        let uid = user.id.as_str();
        let codes = recovery_codes::generate()?;
        let hashes: Vec<String> = codes.iter().map(|c| recovery_codes::hash(uid, c)).collect();
        let now = self.now();
        let audit = AuditEvent::new(now, "recovery_codes.created", Some(uid), meta)?;
        self.store
            .replace_recovery_codes(&user.id, &hashes, now, &audit)
            .await?;
        Ok(codes)
    }

    pub async fn recovery_codes_left(&self, auth: &Authenticated) -> Result<i64, CoreError> {
        let user = auth.complete_user()?;
        self.store
            .recovery_codes_left(&user.id)
            .await
            .map_err(CoreError::from)
    }

    /// Policy `optional`: the user turns two-factor on. Every session ends; the method is set up
    /// at the next sign-in.
    pub async fn enable_two_factor(&self, auth: &Authenticated, meta: &RequestMeta) -> Result<(), CoreError> {
        let user = auth.complete_user()?;
        if user.factor_count > 0 || user.mfa_enabled {
            return Err(CoreError::AlreadyDone);
        }
        let now = self.now();
        let audit = AuditEvent::new(now, "mfa.enabled", Some(user.id.as_str()), meta)?;
        self.store
            .enable_two_factor(&user.id, now, &audit)
            .await
            .map_err(CoreError::from)
    }

    /// The browsers this user asked to remember that would still skip the code, newest first.
    pub async fn trusted_devices(&self, auth: &Authenticated) -> Result<Vec<TrustedDevice>, CoreError> {
        let user = auth.complete_user()?;
        let owner_epoch = auth.membership.as_ref().map(|m| m.owner_epoch).unwrap_or(0);
        Ok(self
            .store
            .trusted_devices_of(&user.id, self.now())
            .await?
            .into_iter()
            .filter(|d| d.security_epoch == user.security_epoch && d.owner_epoch == owner_epoch)
            .collect())
    }

    /// Forgets one remembered browser, or all of them: they are asked for the code again.
    pub async fn forget_trusted_devices(
        &self,
        auth: &Authenticated,
        device_id: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<u64, CoreError> {
        let user = auth.complete_user()?;
        let now = self.now();
        let audit = AuditEvent::new(now, "trusted_device.forgotten", Some(user.id.as_str()), meta)?
            .details(format!("device={}", device_id.unwrap_or("all")));
        let n = self
            .store
            .forget_trusted_devices(&user.id, device_id, now, &audit)
            .await?;
        if device_id.is_some() && n == 0 {
            return Err(CoreError::NotFound);
        }
        Ok(n)
    }

    /// Takes one attempt at a TOTP or recovery code (or the current password), refusing while
    /// wrong ones wait out their delay. Counted before the check, so concurrent guesses never
    /// get more checks than the limit; a success forgets them ([`Umbral::clear_factor_limit`]).
    pub(crate) async fn factor_limit(&self, user_id: &str) -> Result<(), CoreError> {
        let key = factor_limit_key(user_id);
        // Most checks find nothing counted (a success forgets the count): the first attempt's
        // insert is tried before any read, and takes the attempt when there was no count. Only
        // a count already there is read and judged.
        let window = self.config.throttle.window.as_ms();
        if self.store.throttle_take(&key, None, self.now(), window).await? {
            return Ok(());
        }
        let state = self.store.throttle_state(&key).await?;
        self.take_attempt(&key, state, self.config.factors.free_failures)
            .await
    }

    /// The factor limit as it stands before a sign-in's code check, refused while wrong answers
    /// wait out their delay. Nothing is written: a right answer then commits only if the limit
    /// is still as seen ([`LimitSeen`]), a wrong one counts with [`Umbral::factor_failed`].
    pub(crate) async fn factor_limit_seen(&self, user_id: &str) -> Result<LimitSeen, CoreError> {
        let key = factor_limit_key(user_id);
        let seen = self.store.throttle_state(&key).await?;
        refuse_while_blocked(
            seen,
            &self.config.throttle,
            self.config.factors.free_failures,
            self.now(),
        )?;
        Ok(LimitSeen { key, seen })
    }

    /// Counts a wrong answer on the limit as [`Umbral::factor_limit_seen`] found it.
    pub(crate) async fn factor_failed(&self, limit: LimitSeen) -> Result<(), CoreError> {
        self.take_attempt(&limit.key, limit.seen, self.config.factors.free_failures)
            .await
    }

    pub(crate) async fn clear_factor_limit(&self, user_id: &str) {
        if let Err(e) = self.store.throttle_clear(&factor_limit_key(user_id)).await {
            tracing::warn!(error = %e, "could not clear the factor limit");
        }
    }
}

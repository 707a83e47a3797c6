//! Passkeys (`docs/flows/two-factor.md`, ADR 0014): adding one (Security, or the enrollment
//! step), the second factor with one, signing in with one alone, renaming. Removing one is
//! removing a factor (`enrollment.rs`), and the lost-factor reset removes them with the others.
//!
//! Each ceremony's state is kept in the store under the hash of an id the page holds, taken once
//! whatever the answer, and for five minutes at most; the browser's answer comes back with the id.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use webauthn_rs::prelude::{
    Credential, CredentialID, Passkey, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    WebauthnError,
};

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::throttle::ip_key;
use crate::error::CoreError;
use crate::factors::assertion::{self, Asserted, Refusal, Registered};
use crate::factors::passkey::{
    AssertionState, CEREMONY_TTL_MS, Ceremony, CeremonyPurpose, PasskeyUse, RelyingParty, StoredPasskey,
    check_name, credential_id_text, parse_answer, user_handle,
};
use crate::factors::{Factor, FactorKind, MfaVia, Proof};
use crate::flows::Next;
use crate::flows::challenge::Passed;
use crate::flows::enrollment::Enrolled;
use crate::flows::session::Authenticated;
use crate::ports::{FirstFactor, PasskeyAnswerLookup, PasskeySignIn, Store, StoreError};
use crate::secrets;
use crate::service::Umbral;
use crate::types::{FactorId, SessionId, UserId};

/// What the page hands the browser: the ceremony's id, to send back with the answer, and the
/// options for `navigator.credentials.create()` or `.get()` (WebAuthn's JSON form).
#[derive(Debug, Clone, Serialize)]
pub struct PasskeyOptions {
    pub ceremony: String,
    pub options: serde_json::Value,
}

/// A sign-in with a passkey alone.
#[derive(Debug, Clone)]
pub struct PasskeySignedIn {
    pub session_token: String,
    pub next: Next,
}

fn refused(code: &'static str) -> CoreError {
    CoreError::invalid("passkey", code)
}

/// The library's state of a ceremony found, if it is of `purpose` and was started by `session`;
/// anything else reads as expired.
fn state_of<T: DeserializeOwned>(
    found: Option<Ceremony>,
    purpose: CeremonyPurpose,
    session: Option<&SessionId>,
) -> Result<T, CoreError> {
    found
        .filter(|c| c.purpose == purpose && c.session_id_hash.as_ref() == session)
        .and_then(|c| serde_json::from_str(&c.state).ok())
        .ok_or_else(|| refused("passkey.expired"))
}

fn internal(e: impl std::fmt::Display) -> CoreError {
    CoreError::Internal(format!("passkey: {e}"))
}

impl<S: ?Sized + Store> Umbral<S> {
    /// Why passkeys are off on this server (its `public_url` is an IP address), if they are.
    pub fn passkeys_off(&self) -> Option<&str> {
        self.relying_party.as_ref().err().map(String::as_str)
    }

    fn rp(&self) -> Result<&RelyingParty, CoreError> {
        self.relying_party
            .as_ref()
            .map_err(|_| refused("passkey.unavailable"))
    }

    async fn new_ceremony(
        &self,
        purpose: CeremonyPurpose,
        user_id: Option<&UserId>,
        session: Option<&SessionId>,
        state: &impl Serialize,
        options: serde_json::Value,
    ) -> Result<PasskeyOptions, CoreError> {
        let token = secrets::new_token()?;
        let now = self.now();
        let ceremony = Ceremony {
            id_hash: secrets::hash_token(&token),
            purpose,
            user_id: user_id.cloned(),
            session_id_hash: session.cloned(),
            state: serde_json::to_string(state).map_err(internal)?,
            created_at: now,
            expires_at: now + CEREMONY_TTL_MS,
        };
        self.store.put_ceremony(&ceremony).await?;
        Ok(PasskeyOptions {
            ceremony: token,
            options,
        })
    }

    /// The state of a ceremony of `purpose` started by `session`, taken: it never serves twice.
    async fn take_ceremony<T: DeserializeOwned>(
        &self,
        token: &str,
        purpose: CeremonyPurpose,
        session: Option<&SessionId>,
    ) -> Result<T, CoreError> {
        let taken = self
            .store
            .take_ceremony(&secrets::hash_token(token), self.now())
            .await?;
        state_of(taken, purpose, session)
    }

    /// The browser's answer to a ceremony of `purpose` started by `session`, and what checking
    /// it needs from the store, in one read ([`PasskeyAnswerLookup`]; `limit_key` for a sign-in
    /// without a password, `""` for none): the ceremony's hash, the answer, the ceremony's state
    /// (an expired one is refused here), and the passkey and account found.
    async fn read_answer(
        &self,
        answer: &str,
        purpose: CeremonyPurpose,
        session: Option<&SessionId>,
        limit_key: &str,
    ) -> Result<(String, PublicKeyCredential, AssertionState, PasskeyAnswerLookup), CoreError> {
        let (token, response): (String, PublicKeyCredential) = parse_answer(answer)?;
        let ceremony = secrets::hash_token(&token);
        let mut found = self
            .store
            .passkey_answer_lookup(
                &ceremony,
                &credential_id_text(response.get_credential_id()),
                limit_key,
                self.now(),
            )
            .await?;
        let state = state_of(found.ceremony.take(), purpose, session)?;
        Ok((ceremony, response, state, found))
    }

    /// A refused answer spends its ceremony all the same: it never serves twice.
    async fn spend(&self, ceremony_hash: &str, e: CoreError) -> CoreError {
        match self.store.take_ceremony(ceremony_hash, self.now()).await {
            Ok(_) => e,
            Err(err) => CoreError::from(err),
        }
    }

    /// "Add a passkey": the options for the browser's dialog. The user's passkeys are excluded
    /// (an authenticator that holds one says so instead of making a second).
    pub async fn start_passkey_registration(
        &self,
        auth: &Authenticated,
    ) -> Result<PasskeyOptions, CoreError> {
        let user = self.enrolling_user(auth)?;
        let rp = self.rp()?;
        let exclude: Vec<CredentialID> = auth
            .factors
            .iter()
            .filter_map(|f| f.credential_id.as_deref())
            .filter_map(|c| URL_SAFE_NO_PAD.decode(c).ok())
            .collect();
        let (ccr, state) = rp
            .webauthn
            .start_passkey_registration(user_handle(&user.id), &user.email, &user.name, Some(exclude))
            .map_err(internal)?;
        let mut options = serde_json::to_value(&ccr).map_err(internal)?;
        // A discoverable credential when the authenticator can make one: the same passkey then
        // signs in without an email (the button, the email field's autofill).
        if let Some(sel) = options
            .pointer_mut("/publicKey/authenticatorSelection")
            .and_then(|v| v.as_object_mut())
        {
            sel.insert("residentKey".into(), "preferred".into());
            sel.insert("requireResidentKey".into(), false.into());
        }
        self.new_ceremony(
            CeremonyPurpose::Register,
            Some(&user.id),
            Some(&auth.session.id_hash),
            &state,
            options,
        )
        .await
    }

    /// The browser's new credential, named: checked against the ceremony, stored as a factor
    /// (recovery codes with the first, as any factor). `default_name` when none is given.
    pub async fn finish_passkey_registration(
        &self,
        auth: &Authenticated,
        answer: &str,
        name: &str,
        default_name: &str,
        meta: &RequestMeta,
    ) -> Result<Enrolled, CoreError> {
        let user = self.enrolling_user(auth)?;
        let rp = self.rp()?;
        let name = check_name(name, default_name).map_err(|e| CoreError::Validation(vec![e]))?;
        let (token, reg): (String, RegisterPublicKeyCredential) = parse_answer(answer)?;
        let state: PasskeyRegistration = self
            .take_ceremony(&token, CeremonyPurpose::Register, Some(&auth.session.id_hash))
            .await?;
        let key = match rp.webauthn.finish_passkey_registration(&reg, &state) {
            Ok(k) => k,
            Err(e) => {
                let code = match e {
                    WebauthnError::UserNotVerified => "passkey.not_verified",
                    WebauthnError::CredentialAlreadyExists => "passkey.taken",
                    _ => "passkey.refused",
                };
                return Err(self.passkey_refused(Some(&user.id), code, &e, meta).await);
            }
        };
        let now = self.now();
        let factor_id = FactorId(secrets::new_id(now)?);
        let cred = Credential::from(key.clone());
        let factor = Factor {
            id: factor_id.clone(),
            user_id: user.id.clone(),
            kind: FactorKind::Passkey,
            phone: None,
            secret_sealed: None,
            created_at: now,
            confirmed_at: None,
            last_used_at: None,
            last_step: None,
            name: Some(name),
            credential_id: Some(credential_id_text(key.cred_id())),
        };
        let stored = StoredPasskey {
            factor_id: factor_id.clone(),
            user_id: user.id.clone(),
            credential: serde_json::to_string(&key).map_err(internal)?,
            sign_count: i64::from(cred.counter),
            backup_eligible: cred.backup_eligible,
            backup_state: cred.backup_state,
        };
        match self.store.put_pending_passkey(&factor, &stored).await {
            Err(StoreError::Conflict(_)) => return Err(refused("passkey.taken")),
            other => other?,
        }
        self.confirm_factor(auth, user, &factor, Proof::PasskeyAdded { factor_id }, meta)
            .await
    }

    /// The second factor with a passkey: the options, allowing the user's passkeys only.
    pub async fn start_passkey_challenge(&self, auth: &Authenticated) -> Result<PasskeyOptions, CoreError> {
        let user = self.challenged(auth)?;
        let rp = self.rp()?;
        let keys = self.store.passkeys_of(&user.id).await?;
        let keys: Vec<Passkey> = keys
            .iter()
            .filter_map(|k| serde_json::from_str(&k.credential).ok())
            .collect();
        if keys.is_empty() {
            return Err(CoreError::invalid("method", "factor.method_unavailable"));
        }
        let (rcr, _) = rp
            .webauthn
            .start_passkey_authentication(&keys)
            .map_err(internal)?;
        let state = AssertionState::new(&rcr.public_key.challenge);
        let options = serde_json::to_value(&rcr).map_err(internal)?;
        self.new_ceremony(
            CeremonyPurpose::SecondFactor,
            Some(&user.id),
            Some(&auth.session.id_hash),
            &state,
            options,
        )
        .await
    }

    /// The passkey's answer to the challenge: a signature over this ceremony's challenge by one
    /// of the user's passkeys, with user verification, from this origin; then as any right
    /// answer (a new session id, "Remember this device").
    pub async fn pass_passkey_challenge(
        &self,
        auth: &Authenticated,
        answer: &str,
        remember_device: bool,
        meta: &RequestMeta,
    ) -> Result<Passed, CoreError> {
        let user = self.challenged(auth)?;
        let rp = self.rp()?;
        // No limit of its own: the session passed the password's.
        let (ceremony, response, state, found) = self
            .read_answer(
                answer,
                CeremonyPurpose::SecondFactor,
                Some(&auth.session.id_hash),
                "",
            )
            .await?;
        let checked = async {
            let stored = found
                .passkey
                .filter(|k| k.user_id == user.id)
                .ok_or_else(|| refused("passkey.unknown"))?;
            let asserted = self.assertion(rp, &state, &stored, &response, meta).await?;
            let (via, seen) = self.passkey_use(&ceremony, &stored, asserted, meta).await?;
            Ok((stored, via, seen))
        };
        let (stored, via, seen) = match checked.await {
            Ok(c) => c,
            Err(e) => return Err(self.spend(&ceremony, e).await),
        };
        let proof = Proof::Passkey {
            factor_id: stored.factor_id.clone(),
            seen,
        };
        match self
            .record_challenge(auth, via, proof, remember_device, None, meta)
            .await?
        {
            Some(passed) => Ok(passed),
            // The ceremony was spent, or another use of this passkey counted, meanwhile.
            None => Err(refused("passkey.expired")),
        }
    }

    /// "Sign in with a passkey" and the email field's autofill: options that name no one (the
    /// authenticator offers the passkeys it holds for this site).
    pub async fn start_passkey_sign_in(&self) -> Result<PasskeyOptions, CoreError> {
        let rp = self.rp()?;
        let (rcr, _) = rp
            .webauthn
            .start_discoverable_authentication()
            .map_err(internal)?;
        let state = AssertionState::new(&rcr.public_key.challenge);
        let mut options = serde_json::to_value(&rcr).map_err(internal)?;
        // The page chooses: the autofill asks with `conditional`, the button without.
        if let Some(o) = options.as_object_mut() {
            o.remove("mediation");
        }
        self.new_ceremony(CeremonyPurpose::SignIn, None, None, &state, options)
            .await
    }

    /// A sign-in with a passkey alone: the passkey says whose it is, its user verification makes
    /// it both factors, and the account's checks and limits are a password's.
    pub async fn passkey_sign_in(
        &self,
        answer: &str,
        meta: &RequestMeta,
    ) -> Result<PasskeySignedIn, CoreError> {
        let rp = self.rp()?;
        let (ceremony, response, state, found) = self
            .read_answer(answer, CeremonyPurpose::SignIn, None, &ip_key(&meta.ip))
            .await?;
        let checked = async {
            let stored = found.passkey.ok_or_else(|| refused("passkey.unknown"))?;
            // An authenticator that names its user must name this passkey's.
            if let Some(handle) = response.get_user_unique_id()
                && handle != user_handle(&stored.user_id).as_bytes()
            {
                return Err(refused("passkey.unknown"));
            }
            let asserted = self.assertion(rp, &state, &stored, &response, meta).await?;
            let account = self.account_allowed(found.account, found.limit)?;
            let (via, seen) = self.passkey_use(&ceremony, &stored, asserted, meta).await?;
            Ok((stored, account, via, seen))
        };
        let (stored, (user, membership), via, seen) = match checked.await {
            Ok(c) => c,
            Err(e) => return Err(self.spend(&ceremony, e).await),
        };
        let now = self.now();
        let next = Next::after(
            Some(&user),
            membership.as_ref(),
            Some(Some(via)),
            self.platform_defaults().two_factor,
        );
        let mut audit = AuditEvent::new(now, "session.started", Some(user.id.as_str()), meta)?
            .details(format!("via=passkey;factor={}", stored.factor_id));
        if let Some(m) = &membership {
            audit = audit.org(m.org_id.as_str());
        }
        let mut start = self.start_session(&user, membership.as_ref(), next.signed_in(), false, meta)?;
        start.record.first_factor = FirstFactor::Passkey;
        (start.record.mfa_at, start.record.mfa_method) = (Some(now), Some(via));
        let sign_in = PasskeySignIn {
            user_id: user.id.clone(),
            factor_id: stored.factor_id.clone(),
            seen,
            session: start.record,
            end_others: start.end_others,
            audit: vec![audit],
            now,
        };
        if !self.store.passkey_sign_in(&sign_in).await? {
            // The ceremony was spent, or another use of this passkey counted, meanwhile.
            return Err(refused("passkey.expired"));
        }
        Ok(PasskeySignedIn {
            session_token: start.token,
            next,
        })
    }

    /// The WebAuthn checks of `response` (ADR 0017): signed by the `stored` passkey over the
    /// ceremony's challenge, for this site and origin, with the person verified.
    async fn assertion(
        &self,
        rp: &RelyingParty,
        state: &AssertionState,
        stored: &StoredPasskey,
        response: &PublicKeyCredential,
        meta: &RequestMeta,
    ) -> Result<Asserted, CoreError> {
        let key: Passkey = serde_json::from_str(&stored.credential).map_err(internal)?;
        let credential = Credential::from(key);
        let challenge = state.challenge().ok_or_else(|| refused("passkey.expired"))?;
        let registered = Registered {
            credential: &credential,
            backup_eligible: stored.backup_eligible,
        };
        match assertion::check(&rp.expected, &challenge, registered, response) {
            Ok(a) => Ok(a),
            Err(Refusal::NotVerified) => Err(self
                .passkey_refused(
                    Some(&stored.user_id),
                    "passkey.not_verified",
                    &"user not verified",
                    meta,
                )
                .await),
            Err(Refusal::Refused(why)) => Err(self
                .passkey_refused(Some(&stored.user_id), "passkey.refused", &why, meta)
                .await),
        }
    }

    /// What a verified signature changes: the passkey's counter must have moved on from the one
    /// stored now (a copied authenticator's does not: audited and refused), unless the
    /// authenticator keeps none (always 0).
    async fn passkey_use(
        &self,
        ceremony_hash: &str,
        stored: &StoredPasskey,
        asserted: Asserted,
        meta: &RequestMeta,
    ) -> Result<(MfaVia, PasskeyUse), CoreError> {
        let counter = i64::from(asserted.counter);
        if (counter > 0 || stored.sign_count > 0) && counter <= stored.sign_count {
            return Err(self
                .passkey_refused(
                    Some(&stored.user_id),
                    "passkey.counter",
                    &"the counter did not move on",
                    meta,
                )
                .await);
        }
        let seen = PasskeyUse {
            ceremony_hash: ceremony_hash.to_string(),
            previous_count: stored.sign_count,
            sign_count: counter,
            backup_state: asserted.backup_state,
            backup_eligible: asserted.backup_eligible,
        };
        Ok((
            MfaVia::Passkey {
                synced: asserted.backup_eligible,
            },
            seen,
        ))
    }

    /// The error `code` for a refused passkey answer (`why`: for the log); a counter that went
    /// backwards is audited as such.
    async fn passkey_refused(
        &self,
        user_id: Option<&UserId>,
        code: &'static str,
        why: &(dyn std::fmt::Display + Sync),
        meta: &RequestMeta,
    ) -> CoreError {
        tracing::info!(error = %why, "passkey answer refused");
        let event = if code == "passkey.counter" {
            "passkey.counter_regressed"
        } else {
            "passkey.refused"
        };
        let audit = AuditEvent::new(self.now(), event, user_id.map(UserId::as_str), meta)
            .map(|a| a.details(format!("reason={code}")));
        if let Ok(a) = audit
            && let Err(err) = self.store.record_audit(&a).await
        {
            return CoreError::from(err);
        }
        refused(code)
    }

    /// Renames one of the user's passkeys.
    pub async fn rename_passkey(
        &self,
        auth: &Authenticated,
        factor_id: &FactorId,
        name: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let user = auth.complete_user()?;
        let current = auth
            .factors
            .iter()
            .find(|f| f.id == *factor_id && f.kind == FactorKind::Passkey)
            .ok_or(CoreError::NotFound)?;
        let name = check_name(name, current.name.as_deref().unwrap_or_default())
            .map_err(|e| CoreError::Validation(vec![e]))?;
        let audit = AuditEvent::new(self.now(), "factor.renamed", Some(user.id.as_str()), meta)?
            .details(format!("kind=passkey;factor={factor_id}"));
        if self
            .store
            .rename_passkey(&user.id, factor_id, &name, &audit)
            .await?
        {
            Ok(())
        } else {
            Err(CoreError::NotFound)
        }
    }
}

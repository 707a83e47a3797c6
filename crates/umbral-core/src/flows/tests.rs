//! The journeys at the core level, with a test clock and an in-memory store. (The real stores
//! run the same contracts in `umbral-store`'s conformance suite; the HTTP tests go through both.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::accounts::{Membership, Role, User};
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::PasswordHasherPool;
use crate::clock::{Clock, TestClock, UnixMillis};
use crate::error::{CoreError, EndReason};
use crate::factors::{Factor, Method, Proof, TrustedDevice};
use crate::flows::Next;
use crate::flows::signup::{PhoneInput, SignupInput};
use crate::outbox::OutboxMessage;
use crate::policy::{HashParams, TwoFactorPolicy};
use crate::ports::*;
use crate::types::{Locale, OrgId};
use crate::{CoreConfig, Umbral};

#[derive(Default)]
struct State {
    users: HashMap<String, User>,
    orgs: HashMap<String, String>,
    members: HashMap<String, String>,
    sessions: HashMap<String, SessionRecord>,
    codes: HashMap<(String, String), CodeRecord>,
    throttle: HashMap<String, ThrottleState>,
    outbox: Vec<OutboxMessage>,
    audit: Vec<AuditEvent>,
    org_policy: HashMap<String, TwoFactorPolicy>,
    owner_epoch: HashMap<String, i64>,
    factors: Vec<Factor>,
    recovery: Vec<(String, String, bool)>,
    devices: Vec<TrustedDevice>,
}

impl State {
    /// Applies a proof; false when it was used already.
    fn use_proof(&mut self, user_id: &str, proof: &Proof, now: UnixMillis) -> bool {
        match proof {
            Proof::TotpStep { factor_id, step } => {
                match self.factors.iter_mut().find(|f| &f.id == factor_id) {
                    Some(f) if f.last_step.is_none_or(|l| l < *step) => {
                        f.last_step = Some(*step);
                        f.last_used_at = Some(now);
                        true
                    }
                    _ => false,
                }
            }
            Proof::Code { code_id } => {
                let before = self.codes.len();
                self.codes.retain(|_, c| &c.id != code_id);
                self.codes.len() < before
            }
            Proof::RecoveryCode { code_hash } => {
                match self
                    .recovery
                    .iter_mut()
                    .find(|(u, h, used)| u == user_id && h == code_hash && !used)
                {
                    Some(r) => {
                        r.2 = true;
                        true
                    }
                    None => false,
                }
            }
        }
    }

    fn security_changed(&mut self, user_id: &str) {
        let count = self
            .factors
            .iter()
            .filter(|f| f.user_id == user_id && f.confirmed_at.is_some())
            .count();
        if let Some(u) = self.users.get_mut(user_id) {
            u.security_epoch += 1;
            u.factor_count = i64::try_from(count).unwrap_or(0);
        }
    }
}

#[derive(Default, Clone)]
struct MemoryStore(Arc<Mutex<State>>);

impl MemoryStore {
    fn membership_of(&self, user_id: &str) -> Option<Membership> {
        let st = self.st();
        st.members.get(user_id).map(|org| Membership {
            org_id: OrgId(org.clone()),
            org_name: st.orgs.get(org).cloned().unwrap_or_default(),
            role: Role::Owner,
            single_session: None,
            mfa_policy: st.org_policy.get(org).copied(),
            owner_epoch: st.owner_epoch.get(org).copied().unwrap_or(0),
        })
    }

    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl AccountStore for MemoryStore {
    async fn create_signup(&self, s: &NewSignup) -> StoreResult<()> {
        let mut st = self.st();
        if let Some((u, org, _)) = &s.account {
            if st
                .users
                .values()
                .any(|x| x.email.to_lowercase() == u.email.to_lowercase())
            {
                return Err(StoreError::Conflict("email".into()));
            }
            st.users.insert(u.id.0.clone(), u.clone());
            st.orgs.insert(org.id.clone(), org.name.clone());
            st.members.insert(u.id.0.clone(), org.id.clone());
        }
        st.sessions.insert(s.session.id_hash.clone(), s.session.clone());
        st.codes
            .insert((s.code.subject.clone(), s.code.purpose.clone()), s.code.clone());
        st.outbox.push(s.message.clone());
        st.audit.extend(s.audit.iter().cloned());
        Ok(())
    }
    async fn user_by_email_key(&self, k: &str) -> StoreResult<Option<User>> {
        Ok(self
            .st()
            .users
            .values()
            .find(|u| u.email.to_lowercase() == k)
            .cloned())
    }
    async fn user_by_id(&self, id: &str) -> StoreResult<Option<User>> {
        Ok(self.st().users.get(id).cloned())
    }
    async fn sign_in_lookup(&self, k: &str, keys: [&str; 2]) -> StoreResult<SignInLookup> {
        let account = match self.user_by_email_key(k).await? {
            Some(u) => {
                let m = self.membership_of(&u.id.0);
                Some((u, m))
            }
            None => None,
        };
        let st = self.st();
        Ok(SignInLookup {
            account,
            limits: keys.map(|key| st.throttle.get(key).copied()),
        })
    }
    async fn change_password(
        &self,
        user_id: &str,
        hash: &str,
        keep: &str,
        now: UnixMillis,
        m: &OutboxMessage,
        a: &AuditEvent,
    ) -> StoreResult<()> {
        let mut st = self.st();
        if let Some(u) = st.users.get_mut(user_id) {
            u.password_hash = Some(hash.to_string());
            u.security_epoch += 1;
        }
        for s in st.sessions.values_mut() {
            if s.user_id.as_deref() == Some(user_id) && s.id_hash != keep && s.ended_at.is_none() {
                s.ended_at = Some(now);
                s.end_reason = Some("revoked".into());
            }
        }
        st.outbox.push(m.clone());
        st.audit.push(a.clone());
        Ok(())
    }
    async fn update_password_hash(&self, user_id: &str, hash: &str, _: UnixMillis) -> StoreResult<()> {
        if let Some(u) = self.st().users.get_mut(user_id) {
            u.password_hash = Some(hash.to_string());
        }
        Ok(())
    }
    async fn confirm_email(
        &self,
        user_id: &str,
        code_id: &str,
        now: UnixMillis,
        a: &AuditEvent,
    ) -> StoreResult<()> {
        let mut st = self.st();
        if let Some(u) = st.users.get_mut(user_id) {
            u.email_confirmed_at = Some(now);
        }
        st.codes.retain(|_, c| c.id != code_id);
        st.audit.push(a.clone());
        Ok(())
    }
    async fn purge_unconfirmed(&self, before: UnixMillis) -> StoreResult<u64> {
        let mut st = self.st();
        let n = st.users.len();
        st.users
            .retain(|_, u| u.email_confirmed_at.is_some() || u.created_at >= before);
        Ok((n - st.users.len()) as u64)
    }
}

#[async_trait]
impl CodeStore for MemoryStore {
    async fn current_code(&self, subject: &str, purpose: &str) -> StoreResult<Option<CodeRecord>> {
        Ok(self
            .st()
            .codes
            .get(&(subject.to_string(), purpose.to_string()))
            .cloned())
    }
    async fn count_code_failure(&self, code_id: &str) -> StoreResult<()> {
        for c in self.st().codes.values_mut().filter(|c| c.id == code_id) {
            c.attempts += 1;
        }
        Ok(())
    }
    async fn replace_code(&self, code: &CodeRecord, message: Option<&OutboxMessage>) -> StoreResult<()> {
        let mut st = self.st();
        st.codes
            .insert((code.subject.clone(), code.purpose.clone()), code.clone());
        st.outbox.extend(message.cloned());
        Ok(())
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn start_session(
        &self,
        s: &SessionRecord,
        end_others: Option<&AuditEvent>,
        audit: &[AuditEvent],
    ) -> StoreResult<u64> {
        let mut st = self.st();
        let mut ended = 0;
        if end_others.is_some() {
            for o in st
                .sessions
                .values_mut()
                .filter(|o| o.user_id == s.user_id && o.ended_at.is_none())
            {
                o.ended_at = Some(s.created_at);
                o.end_reason = Some("signed_in_elsewhere".into());
                ended += 1;
            }
        }
        st.sessions.insert(s.id_hash.clone(), s.clone());
        st.audit.extend(audit.iter().cloned());
        Ok(ended)
    }
    async fn session_context(&self, id_hash: &str) -> StoreResult<Option<SessionContext>> {
        let Some(session) = self.st().sessions.get(id_hash).cloned() else {
            return Ok(None);
        };
        let (user, membership) = match &session.user_id {
            Some(u) => (self.user_by_id(u).await?, self.membership_of(u)),
            None => (None, None),
        };
        let factors = match &session.user_id {
            Some(u) => self
                .factors_of(u)
                .await?
                .into_iter()
                .filter(|f| f.confirmed_at.is_some())
                .collect(),
            None => Vec::new(),
        };
        Ok(Some(SessionContext {
            session,
            user,
            membership,
            factors,
        }))
    }
    async fn touch_session(&self, id_hash: &str, now: UnixMillis) -> StoreResult<()> {
        if let Some(s) = self.st().sessions.get_mut(id_hash) {
            s.last_seen_at = now;
        }
        Ok(())
    }
    async fn end_session(
        &self,
        id_hash: &str,
        reason: &str,
        now: UnixMillis,
        _: Option<&AuditEvent>,
    ) -> StoreResult<()> {
        if let Some(s) = self
            .st()
            .sessions
            .get_mut(id_hash)
            .filter(|s| s.ended_at.is_none())
        {
            s.ended_at = Some(now);
            s.end_reason = Some(reason.into());
        }
        Ok(())
    }
    async fn live_sessions_of(&self, user_id: &str, now: UnixMillis) -> StoreResult<Vec<SessionRecord>> {
        Ok(self
            .st()
            .sessions
            .values()
            .filter(|s| s.user_id.as_deref() == Some(user_id) && s.ended_at.is_none() && s.expires_at > now)
            .cloned()
            .collect())
    }
}

#[async_trait]
impl ThrottleStore for MemoryStore {
    async fn failed_sign_in(
        &self,
        keys: [&str; 2],
        now: UnixMillis,
        window_ms: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        for k in keys {
            self.throttle_failure(k, now, window_ms).await?;
        }
        self.st().audit.push(audit.clone());
        Ok(())
    }

    async fn throttle_failure(
        &self,
        key: &str,
        now: UnixMillis,
        window_ms: i64,
    ) -> StoreResult<ThrottleState> {
        let mut st = self.st();
        let s = st.throttle.entry(key.into()).or_insert(ThrottleState {
            failures: 0,
            window_started_at: now,
            last_failure_at: now,
        });
        if s.window_started_at < now - window_ms {
            *s = ThrottleState {
                failures: 0,
                window_started_at: now,
                last_failure_at: now,
            };
        }
        s.failures += 1;
        s.last_failure_at = now;
        Ok(*s)
    }
    async fn throttle_state(&self, key: &str) -> StoreResult<Option<ThrottleState>> {
        Ok(self.st().throttle.get(key).copied())
    }
    async fn throttle_clear(&self, key: &str) -> StoreResult<()> {
        self.st().throttle.remove(key);
        Ok(())
    }
}

#[async_trait]
impl OutboxStore for MemoryStore {
    async fn outbox_claim(&self, _: UnixMillis, _: i64, _: i64) -> StoreResult<Vec<OutboxMessage>> {
        Ok(std::mem::take(&mut self.st().outbox))
    }
    async fn outbox_sent(&self, _: &str, _: UnixMillis) -> StoreResult<()> {
        Ok(())
    }
    async fn outbox_retry(&self, _: &str, _: UnixMillis, _: &str) -> StoreResult<()> {
        Ok(())
    }
    async fn outbox_pending(&self) -> StoreResult<i64> {
        Ok(self.st().outbox.len() as i64)
    }
    async fn dev_outbox_put(&self, _: &DevMessage) -> StoreResult<()> {
        Ok(())
    }
    async fn dev_outbox_list(&self, _: i64) -> StoreResult<Vec<DevMessage>> {
        Ok(Vec::new())
    }
}

#[async_trait]
impl AuditStore for MemoryStore {
    async fn list_audit(&self, _: &crate::audit::AuditFilter, _: i64) -> StoreResult<Vec<AuditEvent>> {
        Err(not_kept())
    }
    async fn purge_audit(&self, _: UnixMillis) -> StoreResult<u64> {
        Err(not_kept())
    }
    async fn record_audit(&self, e: &AuditEvent) -> StoreResult<()> {
        self.st().audit.push(e.clone());
        Ok(())
    }
    async fn audit_for_user(&self, user_id: &str, _: i64) -> StoreResult<Vec<AuditEvent>> {
        Ok(self
            .st()
            .audit
            .iter()
            .filter(|e| e.subject_user_id.as_deref() == Some(user_id))
            .cloned()
            .collect())
    }
}

#[async_trait]
impl FactorStore for MemoryStore {
    async fn sms_number_taken(&self, phone: &str) -> StoreResult<bool> {
        Ok(self
            .st()
            .factors
            .iter()
            .any(|f| f.phone.as_deref() == Some(phone) && f.confirmed_at.is_some()))
    }
    async fn factors_of(&self, user_id: &str) -> StoreResult<Vec<Factor>> {
        Ok(self
            .st()
            .factors
            .iter()
            .filter(|f| f.user_id == user_id)
            .cloned()
            .collect())
    }
    async fn put_pending_factor(
        &self,
        factor: &Factor,
        code: Option<(&CodeRecord, &OutboxMessage)>,
    ) -> StoreResult<()> {
        let mut st = self.st();
        st.factors
            .retain(|f| !(f.user_id == factor.user_id && f.kind == factor.kind && f.confirmed_at.is_none()));
        st.factors.push(factor.clone());
        if let Some((c, m)) = code {
            st.codes.insert((c.subject.clone(), c.purpose.clone()), c.clone());
            st.outbox.push(m.clone());
        }
        Ok(())
    }
    async fn confirm_factor(&self, c: &FactorConfirmation) -> StoreResult<bool> {
        let mut st = self.st();
        let phone = st
            .factors
            .iter()
            .find(|f| f.id == c.factor_id)
            .and_then(|f| f.phone.clone());
        if phone.is_some()
            && st
                .factors
                .iter()
                .any(|f| f.phone == phone && f.confirmed_at.is_some() && f.id != c.factor_id)
        {
            return Err(StoreError::Conflict("factors_sms_phone".into()));
        }
        if !st.use_proof(&c.user_id, &c.proof, c.now) {
            return Ok(false);
        }
        if let Some(f) = st.factors.iter_mut().find(|f| f.id == c.factor_id) {
            f.confirmed_at = Some(c.now);
        }
        if let Some(hashes) = &c.recovery_code_hashes {
            st.recovery.retain(|(u, _, _)| u != &c.user_id);
            for h in hashes {
                st.recovery.push((c.user_id.clone(), h.clone(), false));
            }
        }
        st.security_changed(&c.user_id);
        if let Some(u) = st.users.get_mut(&c.user_id) {
            u.mfa_enabled = true;
        }
        if let Some(s) = st.sessions.get_mut(&c.session_id_hash) {
            s.mfa_at = Some(c.now);
            s.mfa_method = Some("enrollment".into());
        }
        st.audit.extend(c.audit.iter().cloned());
        Ok(true)
    }
    async fn pass_challenge(&self, p: &ChallengePassed) -> StoreResult<bool> {
        let mut st = self.st();
        if st
            .sessions
            .get(&p.session_id_hash)
            .is_some_and(|s| s.ended_at.is_some())
        {
            return Err(StoreError::SessionGone);
        }
        if !st.use_proof(&p.user_id, &p.proof, p.now) {
            return Ok(false);
        }
        if p.end_others.is_some() {
            for s in st.sessions.values_mut() {
                if s.user_id.as_deref() == Some(p.user_id.as_str())
                    && s.id_hash != p.session_id_hash
                    && s.ended_at.is_none()
                {
                    s.ended_at = Some(p.now);
                    s.end_reason = Some("signed_in_elsewhere".into());
                }
            }
        }
        if let Some(s) = st.sessions.get_mut(&p.session_id_hash) {
            s.mfa_at = Some(p.now);
            s.mfa_method = Some(p.method.clone());
        }
        if let Some(d) = &p.device {
            st.devices.push(d.clone());
        }
        st.audit.extend(p.audit.iter().cloned());
        Ok(true)
    }
    async fn remove_factor(
        &self,
        user_id: &str,
        factor_id: &str,
        on: bool,
        a: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut st = self.st();
        let before = st.factors.len();
        st.factors
            .retain(|f| !(f.user_id == user_id && f.id == factor_id));
        if st.factors.len() == before {
            return Ok(false);
        }
        st.security_changed(user_id);
        if let Some(u) = st.users.get_mut(user_id) {
            u.mfa_enabled = on;
        }
        st.audit.push(a.clone());
        Ok(true)
    }
    async fn replace_recovery_codes(
        &self,
        user_id: &str,
        hashes: &[String],
        _: UnixMillis,
        a: &AuditEvent,
    ) -> StoreResult<()> {
        let mut st = self.st();
        st.recovery.retain(|(u, _, _)| u != user_id);
        for h in hashes {
            st.recovery.push((user_id.to_string(), h.clone(), false));
        }
        st.security_changed(user_id);
        st.audit.push(a.clone());
        Ok(())
    }
    async fn recovery_codes_left(&self, user_id: &str) -> StoreResult<i64> {
        let st = self.st();
        Ok(i64::try_from(
            st.recovery
                .iter()
                .filter(|(u, _, used)| u == user_id && !used)
                .count(),
        )
        .unwrap_or(0))
    }
    async fn enable_two_factor(&self, user_id: &str, now: UnixMillis, a: &AuditEvent) -> StoreResult<()> {
        let mut st = self.st();
        if let Some(u) = st.users.get_mut(user_id) {
            u.mfa_enabled = true;
        }
        for s in st.sessions.values_mut() {
            if s.user_id.as_deref() == Some(user_id) && s.ended_at.is_none() {
                s.ended_at = Some(now);
                s.end_reason = Some("revoked".into());
            }
        }
        st.audit.push(a.clone());
        Ok(())
    }
    async fn trusted_device(&self, token_hash: &str) -> StoreResult<Option<TrustedDevice>> {
        Ok(self
            .st()
            .devices
            .iter()
            .find(|d| d.token_hash == token_hash)
            .cloned())
    }
    async fn trusted_devices_of(&self, user_id: &str, now: UnixMillis) -> StoreResult<Vec<TrustedDevice>> {
        Ok(self
            .st()
            .devices
            .iter()
            .rev()
            .filter(|d| d.user_id == user_id && d.revoked_at.is_none() && d.expires_at > now)
            .cloned()
            .collect())
    }
    async fn forget_trusted_devices(
        &self,
        user_id: &str,
        device_id: Option<&str>,
        now: UnixMillis,
        a: &AuditEvent,
    ) -> StoreResult<u64> {
        let mut st = self.st();
        let mut n = 0;
        for d in st.devices.iter_mut() {
            if d.user_id == user_id && d.revoked_at.is_none() && device_id.is_none_or(|id| id == d.id) {
                d.revoked_at = Some(now);
                n += 1;
            }
        }
        st.audit.push(a.clone());
        Ok(n)
    }
}

/// Resets, API keys and password recovery are tested over the real stores (`umbral-store` conformance and the HTTP
/// tests); the in-memory store does not keep them.
#[async_trait]
impl AdminStore for MemoryStore {
    async fn put_factor_reset(
        &self,
        _: &crate::admin::FactorReset,
        _: &OutboxMessage,
        _: &AuditEvent,
    ) -> StoreResult<()> {
        Err(not_kept())
    }
    async fn factor_reset(&self, _: &str) -> StoreResult<Option<FactorResetRow>> {
        Err(not_kept())
    }
    async fn factor_reset_by_token(&self, _: &str) -> StoreResult<Option<crate::admin::FactorReset>> {
        Err(not_kept())
    }
    async fn open_factor_reset(&self, _: &str) -> StoreResult<Option<crate::admin::FactorReset>> {
        Err(not_kept())
    }
    async fn confirm_factor_reset(&self, _: &str, _: UnixMillis, _: &AuditEvent) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn list_factor_resets(
        &self,
        _: Option<&str>,
        _: Option<&str>,
        _: i64,
    ) -> StoreResult<Vec<FactorResetRow>> {
        Err(not_kept())
    }
    async fn decide_factor_reset(
        &self,
        _: &crate::admin::FactorReset,
        _: bool,
        _: UnixMillis,
        _: &str,
        _: &OutboxMessage,
        _: &[AuditEvent],
    ) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn set_org_two_factor_policy(&self, _: &str, _: Option<&str>, _: &AuditEvent) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn search_users(
        &self,
        _: &str,
        _: Option<&str>,
        _: i64,
    ) -> StoreResult<Vec<(User, Option<Membership>)>> {
        Err(not_kept())
    }
    async fn platform_settings(&self) -> StoreResult<Vec<(String, String)>> {
        Ok(Vec::new())
    }
    async fn put_platform_setting(
        &self,
        _: &str,
        _: Option<&str>,
        _: UnixMillis,
        _: &AuditEvent,
    ) -> StoreResult<()> {
        Err(not_kept())
    }
    async fn search_organizations(&self, _: &str, _: i64) -> StoreResult<Vec<OrganizationRow>> {
        Err(not_kept())
    }
    async fn organization(&self, _: &str) -> StoreResult<Option<OrganizationRow>> {
        Err(not_kept())
    }
    async fn set_org_single_session(&self, _: &str, _: Option<bool>, _: &AuditEvent) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn end_user_sessions(&self, _: &str, _: UnixMillis, _: &AuditEvent) -> StoreResult<u64> {
        Err(not_kept())
    }
    async fn put_api_key(&self, _: &crate::admin::ApiKey, _: &AuditEvent) -> StoreResult<()> {
        Err(not_kept())
    }
    async fn api_key_by_hash(&self, _: &str) -> StoreResult<Option<crate::admin::ApiKey>> {
        Err(not_kept())
    }
    async fn list_api_keys(&self) -> StoreResult<Vec<crate::admin::ApiKey>> {
        Err(not_kept())
    }
    async fn revoke_api_key(&self, _: &str, _: UnixMillis, _: &AuditEvent) -> StoreResult<bool> {
        Err(not_kept())
    }
}

#[async_trait]
impl RecoveryStore for MemoryStore {
    async fn request_password_reset(&self, _: &PasswordResetRequest) -> StoreResult<()> {
        Err(not_kept())
    }
    async fn password_reset(&self, _: &str) -> StoreResult<Option<PasswordResetRecord>> {
        Err(not_kept())
    }
    async fn complete_password_reset(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: UnixMillis,
        _: &AuditEvent,
    ) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn create_invited_user(&self, _: &NewInvitation) -> StoreResult<()> {
        Err(not_kept())
    }
    async fn accept_invitation(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: &SessionRecord,
        _: &AuditEvent,
    ) -> StoreResult<bool> {
        Err(not_kept())
    }
}

#[async_trait]
impl OrganizationStore for MemoryStore {
    async fn members_of(&self, _: &str) -> StoreResult<Vec<MemberRow>> {
        Err(not_kept())
    }
    async fn set_member_role(&self, _: &str, _: &str, _: Role, _: &AuditEvent) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn set_member_active(&self, _: &str, _: &str, _: bool, _: &AuditEvent) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn remove_member(&self, _: &str, _: &str, _: &AuditEvent) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn transfer_ownership(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: &Proof,
        _: UnixMillis,
        _: &AuditEvent,
    ) -> StoreResult<bool> {
        Err(not_kept())
    }
}

fn not_kept() -> StoreError {
    StoreError::Backend("not kept in memory".into())
}

#[async_trait]
impl Store for MemoryStore {
    async fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
}

const PASSWORD: &str = "tigre-azul-lunes-47";

fn setup() -> (Umbral, MemoryStore, Arc<TestClock>) {
    let store = MemoryStore::default();
    let clock = Arc::new(TestClock::new());
    let params = HashParams {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };
    let hasher = Arc::new(PasswordHasherPool::new(params, 1, 16).unwrap_or_else(|e| panic!("{e}")));
    let u = Umbral::new(
        Arc::new(store.clone()),
        clock.clone(),
        hasher,
        CoreConfig::default(),
    );
    (u, store, clock)
}

fn input(email: &str) -> SignupInput {
    SignupInput {
        name: "Ana Pérez".into(),
        email: email.into(),
        phone: PhoneInput::E164("+5491123456789".into()),
        password: PASSWORD.into(),
        accept_terms: true,
        plan: None,
        locale: Locale::Es,
    }
}

fn meta() -> RequestMeta {
    RequestMeta {
        ip: "203.0.113.9".into(),
        user_agent: "test".into(),
    }
}

/// The code of the newest message in the outbox.
fn last_code(store: &MemoryStore) -> String {
    let st = store.st();
    st.outbox
        .last()
        .and_then(|m| m.content.params.get("code").cloned())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_emailed_code_confirms_within_ten_minutes_only() {
    let (u, store, clock) = setup();
    let out = u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    assert_eq!(out.next, Next::ConfirmEmail);
    let auth = u.authenticate(&out.session_token).await.unwrap();
    let code = last_code(&store);
    clock.advance_secs(601);
    assert_eq!(
        u.confirm_email(&auth, &code, &meta()).await,
        Err(CoreError::CodeExpired)
    );

    clock.advance_secs(1);
    u.resend_email_code(&auth, Locale::Es).await.unwrap();
    assert!(matches!(
        u.resend_email_code(&auth, Locale::Es).await,
        Err(CoreError::ResendTooSoon { retry_after_secs: 30 })
    ));
    let code = last_code(&store);
    // Policy `required` (the default): the second factor is the next step, and nothing else
    // opens until it is set up.
    assert_eq!(
        u.confirm_email(&auth, &code, &meta()).await,
        Ok(Next::EnrollFactor)
    );
    let auth = u.authenticate(&out.session_token).await.unwrap();
    assert_eq!(auth.next, Next::EnrollFactor);
    assert_eq!(u.me(&auth).unwrap_err(), CoreError::StepRequired("enroll_factor"));
}

#[tokio::test]
async fn a_taken_email_gives_a_stand_in_and_warns_the_owner() {
    let (u, store, _) = setup();
    let first = u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    let second = u.signup(&input("ANA@example.com"), &meta()).await.unwrap();
    assert_eq!(second.next, Next::ConfirmEmail);
    assert_ne!(first.user_id, second.user_id);
    assert_eq!(store.st().users.len(), 1);
    assert_eq!(
        store
            .st()
            .outbox
            .last()
            .map(|m| m.content.template.clone())
            .as_deref(),
        Some("signup_email_taken")
    );
    let stand_in = u.authenticate(&second.session_token).await.unwrap();
    assert!(stand_in.user.is_none());
    // Even the real user's code does nothing for the stand-in.
    let code = store.st().outbox[0].content.params["code"].clone();
    assert_eq!(
        u.confirm_email(&stand_in, &code, &meta()).await,
        Err(CoreError::InvalidCode)
    );
}

#[tokio::test]
async fn sign_in_ends_other_sessions_and_they_say_why() {
    let (u, store, _) = setup_with(|c| c.factors.default_policy = TwoFactorPolicy::Optional);
    let first = confirmed(&u, &store, "ana@example.com").await;
    let second = u.login("ana@example.com", PASSWORD, None, &meta()).await.unwrap();
    assert_eq!(second.next, Next::Done);
    assert_eq!(
        u.authenticate(&first).await.unwrap_err(),
        CoreError::SessionEnded(EndReason::SignedInElsewhere)
    );
    assert!(u.authenticate(&second.session_token).await.is_ok());
    let auth = u.authenticate(&second.session_token).await.unwrap();
    u.logout(&auth, &meta()).await.unwrap();
    assert_eq!(
        u.authenticate(&second.session_token).await.unwrap_err(),
        CoreError::SessionEnded(EndReason::SignedOut)
    );
    assert_eq!(
        u.authenticate("no-such-token").await.unwrap_err(),
        CoreError::Unauthenticated
    );
}

#[tokio::test]
async fn sessions_end_when_idle_or_old() {
    let (u, _, clock) = setup();
    let s = u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    clock.advance_secs(24 * 3600);
    assert_eq!(
        u.authenticate(&s.session_token).await.unwrap_err(),
        CoreError::SessionEnded(EndReason::Idle)
    );
    let s = u.login("ana@example.com", PASSWORD, None, &meta()).await.unwrap();
    for _ in 0..8 {
        clock.advance_secs(21 * 3600);
        let _ = u.authenticate(&s.session_token).await;
    }
    assert_eq!(
        u.authenticate(&s.session_token).await.unwrap_err(),
        CoreError::SessionEnded(EndReason::Expired)
    );
}

#[tokio::test]
async fn failures_wait_longer_and_then_forgive() {
    let (u, store, clock) = setup();
    u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    for _ in 0..5 {
        assert_eq!(
            u.login("ana@example.com", "wrong-password-1", None, &meta())
                .await
                .unwrap_err(),
            CoreError::InvalidCredentials
        );
    }
    assert_eq!(
        u.login("ana@example.com", PASSWORD, None, &meta())
            .await
            .unwrap_err(),
        CoreError::RateLimited { retry_after_secs: 2 }
    );
    clock.advance_secs(2);
    assert!(u.login("ana@example.com", PASSWORD, None, &meta()).await.is_ok());
    // Every failure was audited, unknown emails too.
    u.login("nobody@example.com", PASSWORD, None, &meta())
        .await
        .unwrap_err();
    let failed = store
        .st()
        .audit
        .iter()
        .filter(|e| e.event == "login.failed")
        .count();
    assert_eq!(failed, 6);
}

#[tokio::test]
async fn unconfirmed_accounts_go_after_seven_days() {
    let (u, _, clock) = setup();
    u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    clock.advance_secs(7 * 86_400 - 1);
    assert_eq!(u.purge_unconfirmed().await.unwrap(), 0);
    clock.advance_secs(2);
    assert_eq!(u.purge_unconfirmed().await.unwrap(), 1);
}

#[tokio::test]
async fn a_disabled_user_gets_the_same_answer_and_loses_their_session() {
    let (u, store, _) = setup();
    let s = u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    for user in store.st().users.values_mut() {
        user.status = crate::accounts::UserStatus::Disabled;
    }
    let disabled = u
        .login("ana@example.com", PASSWORD, None, &meta())
        .await
        .unwrap_err();
    let unknown = u
        .login("nobody@example.com", PASSWORD, None, &meta())
        .await
        .unwrap_err();
    assert_eq!(disabled, CoreError::InvalidCredentials);
    assert_eq!(disabled, unknown);
    assert_eq!(
        u.authenticate(&s.session_token).await.unwrap_err(),
        CoreError::SessionEnded(EndReason::Revoked)
    );
}

#[tokio::test]
async fn sign_in_re_hashes_a_password_stored_with_old_parameters() {
    let (old, store, clock) = setup();
    old.signup(&input("ana@example.com"), &meta()).await.unwrap();
    let stored = |store: &MemoryStore| {
        store
            .st()
            .users
            .values()
            .next()
            .and_then(|u| u.password_hash.clone())
            .unwrap()
    };
    assert!(stored(&store).contains("m=64,t=1"));
    // The operator raises the cost; the next sign-in upgrades the stored hash.
    let params = HashParams {
        m_cost_kib: 128,
        t_cost: 2,
        p_cost: 1,
    };
    let hasher = Arc::new(PasswordHasherPool::new(params, 1, 16).unwrap_or_else(|e| panic!("{e}")));
    let new = Umbral::new(Arc::new(store.clone()), clock, hasher, CoreConfig::default());
    new.login("ana@example.com", PASSWORD, None, &meta())
        .await
        .unwrap();
    assert!(stored(&store).contains("m=128,t=2"), "{}", stored(&store));
    new.login("ana@example.com", PASSWORD, None, &meta())
        .await
        .unwrap();
}

// ---- Second factors (product.md section 3) ----

fn setup_with(f: impl FnOnce(&mut CoreConfig)) -> (Umbral, MemoryStore, Arc<TestClock>) {
    let (u, store, clock) = setup();
    let mut config = u.config().clone();
    f(&mut config);
    let u = Umbral::new(Arc::new(store.clone()), clock.clone(), u.hasher.clone(), config);
    (u, store, clock)
}

/// Signs up and confirms the email; returns the session token.
async fn confirmed(u: &Umbral, store: &MemoryStore, email: &str) -> String {
    let out = u.signup(&input(email), &meta()).await.unwrap();
    let auth = u.authenticate(&out.session_token).await.unwrap();
    u.confirm_email(&auth, &last_code(store), &meta()).await.unwrap();
    out.session_token
}

fn key_of(setup: &crate::flows::enrollment::TotpSetup) -> Vec<u8> {
    totp_rs::Secret::try_from_base32(&setup.secret)
        .unwrap()
        .as_bytes()
        .to_vec()
}

fn code_now(key: &[u8], clock: &TestClock, drift_steps: i64) -> String {
    crate::factors::totp::code_at_step(key, clock.now_ms() / 30_000 + drift_steps).unwrap()
}

/// A user with an authenticator app; returns (session token, key, recovery codes).
async fn with_totp(u: &Umbral, store: &MemoryStore, clock: &TestClock) -> (String, Vec<u8>, Vec<String>) {
    let token = confirmed(u, store, "ana@example.com").await;
    let auth = u.authenticate(&token).await.unwrap();
    let setup = u.start_totp(&auth).await.unwrap();
    let key = key_of(&setup);
    let done = u
        .confirm_totp(&auth, &code_now(&key, clock, 0), &meta())
        .await
        .unwrap();
    (token, key, done.recovery_codes.unwrap())
}

async fn sign_in(u: &Umbral, device: Option<&str>, ip: &str) -> crate::flows::session::Authenticated {
    u.authenticate(&sign_in_token(u, device, ip).await).await.unwrap()
}

async fn sign_in_token(u: &Umbral, device: Option<&str>, ip: &str) -> String {
    let m = RequestMeta {
        ip: ip.into(),
        user_agent: "test".into(),
    };
    u.login("ana@example.com", PASSWORD, device, &m)
        .await
        .unwrap()
        .session_token
}

#[tokio::test]
async fn an_authenticator_app_is_set_up_with_a_current_code_and_gives_ten_recovery_codes() {
    let (u, store, clock) = setup();
    let token = confirmed(&u, &store, "ana@example.com").await;
    let auth = u.authenticate(&token).await.unwrap();
    let setup = u.start_totp(&auth).await.unwrap();
    assert!(
        setup
            .otpauth_uri
            .starts_with("otpauth://totp/Umbral:ana%40example.com?secret=")
    );
    assert_eq!(setup.secret.len(), 32, "160-bit key");
    // A reload shows the same key; the key is stored sealed, never in clear.
    assert_eq!(u.start_totp(&auth).await.unwrap().secret, setup.secret);
    assert!(
        !store.st().factors[0]
            .secret_sealed
            .as_ref()
            .unwrap()
            .contains(&setup.secret)
    );
    let key = key_of(&setup);
    assert_eq!(
        u.confirm_totp(&auth, "12345", &meta()).await.unwrap_err().code(),
        "code.format"
    );
    let wrong = format!(
        "{:06}",
        (code_now(&key, &clock, 0).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    assert_eq!(
        u.confirm_totp(&auth, &wrong, &meta()).await.unwrap_err(),
        CoreError::InvalidCode
    );
    let done = u
        .confirm_totp(&auth, &code_now(&key, &clock, 0), &meta())
        .await
        .unwrap();
    assert_eq!(done.recovery_codes.as_ref().unwrap().len(), 10);
    assert_eq!(done.next, Next::Done);
    let auth = u.authenticate(&token).await.unwrap();
    assert_eq!(auth.next, Next::Done);
    assert_eq!(u.factors(&auth).unwrap().len(), 1);
    assert!(store.st().audit.iter().any(|e| e.event == "factor.enrolled"));
}

#[tokio::test]
async fn totp_accepts_one_step_either_way_and_never_the_same_step_twice() {
    let (u, store, clock) = setup();
    let (_, key, _) = with_totp(&u, &store, &clock).await;
    // The step used at enrollment cannot sign in.
    let auth = sign_in(&u, None, "203.0.113.9").await;
    assert_eq!(auth.next, Next::SecondFactor);
    assert_eq!(u.me(&auth).unwrap_err(), CoreError::StepRequired("second_factor"));
    assert_eq!(
        u.pass_second_factor(&auth, Method::Totp, &code_now(&key, &clock, 0), false, &meta())
            .await
            .unwrap_err(),
        CoreError::InvalidCode
    );
    for drift in [-2, 2] {
        assert!(
            u.pass_second_factor(
                &auth,
                Method::Totp,
                &code_now(&key, &clock, drift),
                false,
                &meta()
            )
            .await
            .is_err()
        );
    }
    let next = u
        .pass_second_factor(&auth, Method::Totp, &code_now(&key, &clock, 1), false, &meta())
        .await
        .unwrap();
    assert_eq!(next.next, Next::Done);
    // A later sign-in cannot reuse that step, nor an earlier one.
    clock.advance_secs(30);
    let again = sign_in(&u, None, "203.0.113.9").await;
    for drift in [-1, 0] {
        assert_eq!(
            u.pass_second_factor(
                &again,
                Method::Totp,
                &code_now(&key, &clock, drift),
                false,
                &meta()
            )
            .await
            .unwrap_err(),
            CoreError::InvalidCode
        );
    }
    clock.advance_secs(30);
    assert!(
        u.pass_second_factor(&again, Method::Totp, &code_now(&key, &clock, 1), false, &meta())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn wrong_authenticator_codes_wait_longer_and_longer() {
    let (u, store, clock) = setup();
    let (_, key, _) = with_totp(&u, &store, &clock).await;
    clock.advance_secs(90);
    let auth = sign_in(&u, None, "203.0.113.9").await;
    let wrong = format!(
        "{:06}",
        (code_now(&key, &clock, 0).parse::<u32>().unwrap() + 7) % 1_000_000
    );
    for _ in 0..5 {
        assert_eq!(
            u.pass_second_factor(&auth, Method::Totp, &wrong, false, &meta())
                .await
                .unwrap_err(),
            CoreError::InvalidCode
        );
    }
    // Even the right code waits now.
    assert!(matches!(
        u.pass_second_factor(&auth, Method::Totp, &code_now(&key, &clock, 0), false, &meta())
            .await,
        Err(CoreError::RateLimited { .. })
    ));
    clock.advance_secs(3);
    assert!(
        u.pass_second_factor(&auth, Method::Totp, &code_now(&key, &clock, 0), false, &meta())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn email_is_offered_only_next_to_another_factor_and_its_code_follows_the_code_rules() {
    let (u, store, clock) = setup();
    let token = confirmed(&u, &store, "ana@example.com").await;
    let auth = u.authenticate(&token).await.unwrap();
    // No factor yet: the challenge is not the step, and email is not a way out of enrollment.
    assert_eq!(
        u.send_challenge_code(&auth, Method::Email, Locale::Es, &meta())
            .await
            .unwrap_err(),
        CoreError::StepRequired("enroll_factor")
    );
    let setup = u.start_totp(&auth).await.unwrap();
    u.confirm_totp(&auth, &code_now(&key_of(&setup), &clock, 0), &meta())
        .await
        .unwrap();

    let auth = sign_in(&u, None, "203.0.113.9").await;
    let options = u.challenge_options(&auth).unwrap();
    assert_eq!(
        options.methods,
        vec![Method::Totp, Method::Email, Method::RecoveryCode]
    );
    assert_eq!(options.email_masked, "a***@example.com");
    u.send_challenge_code(&auth, Method::Email, Locale::Es, &meta())
        .await
        .unwrap();
    let first = last_code(&store);
    assert_eq!(store.st().outbox.last().unwrap().content.template, "mfa_code");
    assert!(matches!(
        u.send_challenge_code(&auth, Method::Email, Locale::Es, &meta())
            .await,
        Err(CoreError::ResendTooSoon { .. })
    ));
    clock.advance_secs(30);
    u.send_challenge_code(&auth, Method::Email, Locale::Es, &meta())
        .await
        .unwrap();
    let second = last_code(&store);
    if first != second {
        // A new code replaces the old one.
        assert_eq!(
            u.pass_second_factor(&auth, Method::Email, &first, false, &meta())
                .await
                .unwrap_err(),
            CoreError::InvalidCode
        );
    }
    // Five attempts, then the code is spent.
    let wrong = format!("{:06}", (second.parse::<u32>().unwrap() + 1) % 1_000_000);
    for _ in 0..4 {
        let _ = u
            .pass_second_factor(&auth, Method::Email, &wrong, false, &meta())
            .await;
    }
    assert_eq!(
        u.pass_second_factor(&auth, Method::Email, &second, false, &meta())
            .await
            .unwrap_err(),
        CoreError::CodeAttemptsExhausted
    );
    clock.advance_secs(30);
    u.send_challenge_code(&auth, Method::Email, Locale::Es, &meta())
        .await
        .unwrap();
    let third = last_code(&store);
    clock.advance_secs(601);
    assert_eq!(
        u.pass_second_factor(&auth, Method::Email, &third, false, &meta())
            .await
            .unwrap_err(),
        CoreError::CodeExpired
    );
    u.send_challenge_code(&auth, Method::Email, Locale::Es, &meta())
        .await
        .unwrap();
    let fourth = last_code(&store);
    assert!(
        u.pass_second_factor(&auth, Method::Email, &fourth, false, &meta())
            .await
            .is_ok()
    );
    // Used up: it does not count twice.
    let other = sign_in(&u, None, "203.0.113.9").await;
    assert!(
        u.pass_second_factor(&other, Method::Email, &fourth, false, &meta())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_recovery_code_works_once_and_new_codes_replace_the_old() {
    let (u, store, clock) = setup();
    let (_, _, codes) = with_totp(&u, &store, &clock).await;
    let auth = sign_in(&u, None, "203.0.113.9").await;
    assert_eq!(
        u.pass_second_factor(&auth, Method::RecoveryCode, "abc", false, &meta())
            .await
            .unwrap_err()
            .code(),
        "code.recovery_format"
    );
    assert!(
        u.pass_second_factor(
            &auth,
            Method::RecoveryCode,
            &codes[0].to_lowercase(),
            false,
            &meta()
        )
        .await
        .is_ok()
    );
    let token = sign_in_token(&u, None, "203.0.113.9").await;
    let auth = u.authenticate(&token).await.unwrap();
    assert_eq!(
        u.pass_second_factor(&auth, Method::RecoveryCode, &codes[0], false, &meta())
            .await
            .unwrap_err(),
        CoreError::InvalidCode
    );
    u.pass_second_factor(&auth, Method::RecoveryCode, &codes[1], false, &meta())
        .await
        .unwrap();
    let auth = u.authenticate(&token).await.unwrap();
    assert_eq!(u.recovery_codes_left(&auth).await.unwrap(), 8);
    let fresh = u.regenerate_recovery_codes(&auth, &meta()).await.unwrap();
    assert_eq!(u.recovery_codes_left(&auth).await.unwrap(), 10);
    let auth = sign_in(&u, None, "203.0.113.9").await;
    assert!(
        u.pass_second_factor(&auth, Method::RecoveryCode, &codes[2], false, &meta())
            .await
            .is_err()
    );
    assert!(
        u.pass_second_factor(&auth, Method::RecoveryCode, &fresh[0], false, &meta())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn the_last_factor_stays_under_required_and_may_go_under_optional() {
    let (u, store, clock) = setup();
    let (_, key, _) = with_totp(&u, &store, &clock).await;
    clock.advance_secs(30);
    let auth = sign_in(&u, None, "203.0.113.9").await;
    u.pass_second_factor(&auth, Method::Totp, &code_now(&key, &clock, 0), false, &meta())
        .await
        .unwrap();
    let auth = u
        .authenticate(&latest_token(&u, &store, &clock, &key).await)
        .await
        .unwrap();
    let factor = u.factors(&auth).unwrap().remove(0);
    assert_eq!(
        u.remove_factor(&auth, &factor.id, &meta())
            .await
            .unwrap_err()
            .code(),
        "factor.last_required"
    );
    assert_eq!(
        u.remove_factor(&auth, "no-such-factor", &meta())
            .await
            .unwrap_err(),
        CoreError::NotFound
    );

    let (u, store, clock) = setup_with(|c| c.factors.default_policy = TwoFactorPolicy::Optional);
    let token = confirmed(&u, &store, "ana@example.com").await;
    let auth = u.authenticate(&token).await.unwrap();
    // Optional: no enrollment step; the user turns it on, is signed out, and enrolls at the next
    // sign-in.
    assert_eq!(auth.next, Next::Done);
    u.enable_two_factor(&auth, &meta()).await.unwrap();
    assert!(matches!(
        u.authenticate(&token).await,
        Err(CoreError::SessionEnded(_))
    ));
    let auth = sign_in(&u, None, "203.0.113.9").await;
    assert_eq!(auth.next, Next::EnrollFactor);
    let setup = u.start_totp(&auth).await.unwrap();
    u.confirm_totp(&auth, &code_now(&key_of(&setup), &clock, 0), &meta())
        .await
        .unwrap();
    let auth = u
        .authenticate(&latest_token(&u, &store, &clock, &key_of(&setup)).await)
        .await
        .unwrap();
    let factor = u.factors(&auth).unwrap().remove(0);
    u.remove_factor(&auth, &factor.id, &meta()).await.unwrap();
    // Two-factor is off again: the next sign-in is done after the password.
    let auth = sign_in(&u, None, "203.0.113.9").await;
    assert_eq!(auth.next, Next::Done);
}

/// Signs in and passes the TOTP challenge at the next step; returns the session token.
async fn latest_token(u: &Umbral, _: &MemoryStore, clock: &TestClock, key: &[u8]) -> String {
    clock.advance_secs(30);
    let out = u.login("ana@example.com", PASSWORD, None, &meta()).await.unwrap();
    let auth = u.authenticate(&out.session_token).await.unwrap();
    u.pass_second_factor(&auth, Method::Totp, &code_now(key, clock, 0), false, &meta())
        .await
        .unwrap();
    out.session_token
}

#[tokio::test]
async fn a_password_alone_does_not_sign_the_other_browser_out_a_passed_challenge_does() {
    let (u, store, clock) = setup();
    let (first, key, _) = with_totp(&u, &store, &clock).await;
    let pending = sign_in(&u, None, "198.51.100.7").await;
    assert_eq!(pending.next, Next::SecondFactor);
    assert_eq!(
        u.authenticate(&first).await.unwrap().next,
        Next::Done,
        "still signed in"
    );
    clock.advance_secs(30);
    u.pass_second_factor(&pending, Method::Totp, &code_now(&key, &clock, 0), false, &meta())
        .await
        .unwrap();
    assert_eq!(
        u.authenticate(&first).await.unwrap_err(),
        CoreError::SessionEnded(EndReason::SignedInElsewhere)
    );
}

#[tokio::test]
async fn a_remembered_device_skips_the_code_until_a_rule_asks_again() {
    let (u, store, clock) = setup();
    let (_, key, _) = with_totp(&u, &store, &clock).await;
    let ip = "203.0.113.9";
    let remember = |clock: &TestClock| {
        let clock_code = code_now(&key, clock, 0);
        let u = &u;
        async move {
            let auth = sign_in(u, None, ip).await;
            u.pass_second_factor(&auth, Method::Totp, &clock_code, true, &meta())
                .await
                .unwrap()
                .device_token
                .unwrap()
        }
    };
    clock.advance_secs(30);
    let device = remember(&clock).await;
    // Same browser, same /24: no code.
    assert_eq!(sign_in(&u, Some(&device), "203.0.113.200").await.next, Next::Done);
    // Another network: asked again.
    assert_eq!(
        sign_in(&u, Some(&device), "198.51.100.7").await.next,
        Next::SecondFactor
    );
    // Another browser: asked.
    assert_eq!(sign_in(&u, None, ip).await.next, Next::SecondFactor);
    // 14 days later: asked again.
    clock.advance_secs(14 * 24 * 3600);
    assert_eq!(sign_in(&u, Some(&device), ip).await.next, Next::SecondFactor);

    // Factors changed (new recovery codes): asked again.
    let device = remember(&clock).await;
    assert_eq!(sign_in(&u, Some(&device), ip).await.next, Next::Done);
    let auth = sign_in(&u, Some(&device), ip).await;
    u.regenerate_recovery_codes(&auth, &meta()).await.unwrap();
    assert_eq!(sign_in(&u, Some(&device), ip).await.next, Next::SecondFactor);

    // Revoked by the user: asked again.
    clock.advance_secs(30);
    let device = remember(&clock).await;
    let auth = sign_in(&u, Some(&device), ip).await;
    assert_eq!(auth.next, Next::Done);
    assert_eq!(u.trusted_devices(&auth).await.unwrap().len(), 1);
    u.forget_trusted_devices(&auth, None, &meta()).await.unwrap();
    assert_eq!(sign_in(&u, Some(&device), ip).await.next, Next::SecondFactor);
}

fn national(country: &str, number: &str) -> PhoneInput {
    PhoneInput::National {
        country: country.into(),
        number: number.into(),
    }
}

#[tokio::test]
async fn a_phone_is_set_up_with_a_code_by_sms_and_belongs_to_one_user_only() {
    let (u, store, clock) = setup();
    let token = confirmed(&u, &store, "ana@example.com").await;
    let auth = u.authenticate(&token).await.unwrap();
    assert_eq!(
        u.start_sms(&auth, &national("AR", "11"), Locale::Es, &meta())
            .await
            .unwrap_err()
            .code(),
        "phone.invalid"
    );
    u.start_sms(&auth, &national("AR", "9 11 2345-6789"), Locale::Es, &meta())
        .await
        .unwrap();
    let sent = store.st().outbox.last().unwrap().clone();
    assert_eq!(sent.channel, crate::outbox::Channel::Sms);
    assert_eq!(sent.recipient, "+5491123456789");
    assert_eq!(u.pending_sms(&auth).await.unwrap().as_deref(), Some("••• 6789"));
    assert!(matches!(
        u.start_sms(&auth, &national("AR", "9 11 2345-6789"), Locale::Es, &meta())
            .await,
        Err(CoreError::ResendTooSoon { .. })
    ));
    let done = u.confirm_sms(&auth, &last_code(&store), &meta()).await.unwrap();
    assert_eq!(done.recovery_codes.unwrap().len(), 10);

    // Another user, in another organization, cannot have that number; the answer names no one.
    let other = {
        let out = u.signup(&input("bruno@example.com"), &meta()).await.unwrap();
        let auth = u.authenticate(&out.session_token).await.unwrap();
        u.confirm_email(&auth, &last_code(&store), &meta()).await.unwrap();
        u.authenticate(&out.session_token).await.unwrap()
    };
    let e = u
        .start_sms(
            &other,
            &PhoneInput::E164("+5491123456789".into()),
            Locale::Es,
            &meta(),
        )
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.field()), ("factor.phone_unavailable", Some("phone")));

    // The challenge by SMS, after the password.
    clock.advance_secs(60);
    let auth = sign_in(&u, None, "203.0.113.9").await;
    let options = u.challenge_options(&auth).unwrap();
    assert_eq!(
        options.methods,
        vec![Method::Sms, Method::Email, Method::RecoveryCode]
    );
    assert_eq!(options.phone_masked.as_deref(), Some("••• 6789"));
    u.send_challenge_code(&auth, Method::Sms, Locale::Es, &meta())
        .await
        .unwrap();
    assert_eq!(
        store.st().outbox.last().unwrap().channel,
        crate::outbox::Channel::Sms
    );
    let code = last_code(&store);
    assert_eq!(
        u.pass_second_factor(&auth, Method::Email, &code, false, &meta())
            .await
            .unwrap_err(),
        CoreError::CodeExpired,
        "an SMS code is not an email code"
    );
    assert!(
        u.pass_second_factor(&auth, Method::Sms, &code, false, &meta())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn sms_pumping_is_limited_per_number_ip_and_country_and_by_allowed_countries() {
    let (u, store, clock) = setup_with(|c| {
        c.factors.sms.allowed_countries = vec!["AR".into(), "BR".into()];
        c.factors.sms.per_ip = 3;
    });
    let token = confirmed(&u, &store, "ana@example.com").await;
    let auth = u.authenticate(&token).await.unwrap();
    assert_eq!(
        u.start_sms(&auth, &national("US", "201 555 0123"), Locale::Es, &meta())
            .await
            .unwrap_err()
            .code(),
        "phone.country_not_allowed"
    );
    for i in 0..3 {
        clock.advance_secs(31);
        u.start_sms(
            &auth,
            &national("BR", &format!("11 91234-567{i}")),
            Locale::Es,
            &meta(),
        )
        .await
        .unwrap();
    }
    clock.advance_secs(31);
    assert!(matches!(
        u.start_sms(&auth, &national("BR", "11 91234-5679"), Locale::Es, &meta())
            .await,
        Err(CoreError::RateLimited { .. })
    ));
    // From other IPs, the number's own allowance (5 an hour) still counts: it had one send.
    let from = |i: usize| RequestMeta {
        ip: format!("198.51.100.{i}"),
        user_agent: "test".into(),
    };
    for i in 0..4 {
        clock.advance_secs(31);
        u.start_sms(&auth, &national("BR", "11 91234-5670"), Locale::Es, &from(i))
            .await
            .unwrap();
    }
    clock.advance_secs(31);
    assert!(matches!(
        u.start_sms(&auth, &national("BR", "11 91234-5670"), Locale::Es, &from(9))
            .await,
        Err(CoreError::RateLimited { .. })
    ));
}

#[tokio::test]
async fn changing_the_password_asks_the_current_one_and_ends_the_other_sessions() {
    let (u, store, clock) = setup();
    let (token, key, _) = with_totp(&u, &store, &clock).await;
    let auth = u.authenticate(&token).await.unwrap();
    let e = u
        .change_password(&auth, "not-my-password", "otra-clave-segura-91", &meta())
        .await
        .unwrap_err();
    assert_eq!(
        (e.code(), e.field()),
        ("password.current_wrong", Some("current_password"))
    );
    let e = u
        .change_password(&auth, PASSWORD, "short", &meta())
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.field()), ("password.too_short", Some("password")));
    let e = u
        .change_password(&auth, PASSWORD, "ana@example.com-2026", &meta())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "password.contains_personal");
    // Another browser, remembered.
    clock.advance_secs(30);
    let other = sign_in(&u, None, "203.0.113.9").await;
    let device = u
        .pass_second_factor(&other, Method::Totp, &code_now(&key, &clock, 0), true, &meta())
        .await
        .unwrap()
        .device_token
        .unwrap();
    let token = sign_in_token(&u, Some(&device), "203.0.113.9").await;
    let auth = u.authenticate(&token).await.unwrap();
    assert_eq!(auth.next, Next::Done);
    let elsewhere = sign_in_token(&u, None, "198.51.100.1").await;
    u.change_password(&auth, PASSWORD, "otra-clave-segura-91", &meta())
        .await
        .unwrap();
    assert_eq!(
        u.authenticate(&token).await.unwrap().next,
        Next::Done,
        "this session stays"
    );
    assert!(matches!(
        u.authenticate(&elsewhere).await,
        Err(CoreError::SessionEnded(_))
    ));
    assert_eq!(
        store.st().outbox.last().unwrap().content.template,
        "password_changed"
    );
    // The old password is gone, and the remembered device asks again.
    let m = meta();
    assert_eq!(
        u.login("ana@example.com", PASSWORD, None, &m).await.unwrap_err(),
        CoreError::InvalidCredentials
    );
    let out = u
        .login("ana@example.com", "otra-clave-segura-91", Some(&device), &m)
        .await
        .unwrap();
    assert_eq!(out.next, Next::SecondFactor);
}

#[tokio::test]
async fn a_new_owner_makes_remembered_devices_ask_again() {
    let (u, store, clock) = setup();
    let (_, key, _) = with_totp(&u, &store, &clock).await;
    clock.advance_secs(30);
    let auth = sign_in(&u, None, "203.0.113.9").await;
    let device = u
        .pass_second_factor(&auth, Method::Totp, &code_now(&key, &clock, 0), true, &meta())
        .await
        .unwrap()
        .device_token
        .unwrap();
    assert_eq!(sign_in(&u, Some(&device), "203.0.113.9").await.next, Next::Done);
    // The organization's owner changes (the owner transfer moves the epoch on).
    {
        let mut st = store.st();
        let org = st.members.values().next().unwrap().clone();
        st.owner_epoch.insert(org, 1);
    }
    assert_eq!(
        sign_in(&u, Some(&device), "203.0.113.9").await.next,
        Next::SecondFactor
    );
}

#[tokio::test]
async fn an_organization_may_set_its_own_policy() {
    let (u, store, _) = setup();
    let out = u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    {
        let mut st = store.st();
        let org = st.members.values().next().unwrap().clone();
        st.org_policy.insert(org, TwoFactorPolicy::Optional);
    }
    let auth = u.authenticate(&out.session_token).await.unwrap();
    assert_eq!(
        u.confirm_email(&auth, &last_code(&store), &meta()).await,
        Ok(Next::Done),
        "the organization's optional beats the platform's required"
    );
}

//! The in-memory store's factors; resets, API keys, recovery links and organizations are not
//! kept in memory (they are tested over the real stores).

use super::memory::{MemoryStore, State};
use super::*;
use crate::types::{OrgId, UserId};

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

#[async_trait]
impl FactorStore for MemoryStore {
    async fn sms_number_taken(&self, phone: &str) -> StoreResult<bool> {
        Ok(self
            .st()
            .factors
            .iter()
            .any(|f| f.phone.as_deref() == Some(phone) && f.confirmed_at.is_some()))
    }
    async fn factors_of(&self, user_id: &UserId) -> StoreResult<Vec<Factor>> {
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
            st.codes.insert((c.subject.clone(), c.purpose), c.clone());
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
        if !st.use_proof(c.user_id.as_str(), &c.proof, c.now) {
            return Ok(false);
        }
        if let Some(f) = st.factors.iter_mut().find(|f| f.id == c.factor_id) {
            f.confirmed_at = Some(c.now);
        }
        if let Some(hashes) = &c.recovery_code_hashes {
            st.recovery.retain(|(u, _, _)| u != c.user_id.as_str());
            for h in hashes {
                st.recovery.push((c.user_id.0.clone(), h.clone(), false));
            }
        }
        st.security_changed(c.user_id.as_str());
        if let Some(u) = st.users.get_mut(c.user_id.as_str()) {
            u.mfa_enabled = true;
        }
        if let Some(s) = st.sessions.get_mut(&c.session_id_hash) {
            s.mfa_at = Some(c.now);
            s.mfa_method = Some(crate::factors::MfaVia::Enrollment);
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
        if !st.use_proof(p.user_id.as_str(), &p.proof, p.now) {
            return Ok(false);
        }
        if p.end_others.is_some() {
            for s in st.sessions.values_mut() {
                if s.user_id.as_ref() == Some(&p.user_id)
                    && s.id_hash != p.session_id_hash
                    && s.ended_at.is_none()
                {
                    s.ended_at = Some(p.now);
                    s.end_reason = Some(EndReason::SignedInElsewhere);
                }
            }
        }
        if let Some(s) = st.sessions.get_mut(&p.session_id_hash) {
            s.mfa_at = Some(p.now);
            s.mfa_method = Some(crate::factors::MfaVia::Method(p.method));
        }
        if let Some(d) = &p.device {
            st.devices.push(d.clone());
        }
        st.audit.extend(p.audit.iter().cloned());
        Ok(true)
    }
    async fn remove_factor(
        &self,
        user_id: &UserId,
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
        st.security_changed(user_id.as_str());
        if let Some(u) = st.users.get_mut(user_id.as_str()) {
            u.mfa_enabled = on;
        }
        st.audit.push(a.clone());
        Ok(true)
    }
    async fn replace_recovery_codes(
        &self,
        user_id: &UserId,
        hashes: &[String],
        _: UnixMillis,
        a: &AuditEvent,
    ) -> StoreResult<()> {
        let mut st = self.st();
        st.recovery.retain(|(u, _, _)| u != user_id);
        for h in hashes {
            st.recovery.push((user_id.to_string(), h.clone(), false));
        }
        st.security_changed(user_id.as_str());
        st.audit.push(a.clone());
        Ok(())
    }
    async fn recovery_codes_left(&self, user_id: &UserId) -> StoreResult<i64> {
        let st = self.st();
        Ok(i64::try_from(
            st.recovery
                .iter()
                .filter(|(u, _, used)| u == user_id && !used)
                .count(),
        )
        .unwrap_or(0))
    }
    async fn enable_two_factor(&self, user_id: &UserId, now: UnixMillis, a: &AuditEvent) -> StoreResult<()> {
        let mut st = self.st();
        if let Some(u) = st.users.get_mut(user_id.as_str()) {
            u.mfa_enabled = true;
        }
        for s in st.sessions.values_mut() {
            if s.user_id.as_ref() == Some(user_id) && s.ended_at.is_none() {
                s.ended_at = Some(now);
                s.end_reason = Some(EndReason::Revoked);
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
    async fn trusted_devices_of(&self, user_id: &UserId, now: UnixMillis) -> StoreResult<Vec<TrustedDevice>> {
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
        user_id: &UserId,
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
impl FactorResetStore for MemoryStore {
    async fn put_factor_reset(
        &self,
        _: &crate::staff::FactorReset,
        _: &OutboxMessage,
        _: &AuditEvent,
    ) -> StoreResult<()> {
        Err(not_kept())
    }
    async fn factor_reset(&self, _: &str) -> StoreResult<Option<FactorResetRow>> {
        Err(not_kept())
    }
    async fn factor_reset_by_token(&self, _: &str) -> StoreResult<Option<crate::staff::FactorReset>> {
        Err(not_kept())
    }
    async fn open_factor_reset(&self, _: &UserId) -> StoreResult<Option<crate::staff::FactorReset>> {
        Err(not_kept())
    }
    async fn confirm_factor_reset(&self, _: &str, _: UnixMillis, _: &AuditEvent) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn list_factor_resets(
        &self,
        _: Option<crate::staff::ResetStatus>,
        _: Option<&str>,
        _: i64,
    ) -> StoreResult<Vec<FactorResetRow>> {
        Err(not_kept())
    }
    async fn decide_factor_reset(
        &self,
        _: &crate::staff::FactorReset,
        _: bool,
        _: UnixMillis,
        _: &str,
        _: &OutboxMessage,
        _: &[AuditEvent],
    ) -> StoreResult<bool> {
        Err(not_kept())
    }
}

#[async_trait]
impl PolicyStore for MemoryStore {
    async fn set_org_two_factor_policy(
        &self,
        _: &OrgId,
        _: Option<crate::policy::TwoFactorPolicy>,
        _: &AuditEvent,
    ) -> StoreResult<bool> {
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
    async fn set_org_single_session(&self, _: &OrgId, _: Option<bool>, _: &AuditEvent) -> StoreResult<bool> {
        Err(not_kept())
    }
}

#[async_trait]
impl DirectoryStore for MemoryStore {
    async fn search_users(
        &self,
        _: &str,
        _: Option<&str>,
        _: i64,
    ) -> StoreResult<Vec<(User, Option<Membership>)>> {
        Err(not_kept())
    }
    async fn search_organizations(&self, _: &str, _: i64) -> StoreResult<Vec<OrganizationRow>> {
        Err(not_kept())
    }
    async fn organization(&self, _: &OrgId) -> StoreResult<Option<OrganizationRow>> {
        Err(not_kept())
    }
    async fn end_user_sessions(&self, _: &UserId, _: UnixMillis, _: &AuditEvent) -> StoreResult<u64> {
        Err(not_kept())
    }
}

#[async_trait]
impl ApiKeyStore for MemoryStore {
    async fn put_api_key(&self, _: &crate::staff::ApiKey, _: &AuditEvent) -> StoreResult<()> {
        Err(not_kept())
    }
    async fn api_key_by_hash(&self, _: &str) -> StoreResult<Option<crate::staff::ApiKey>> {
        Err(not_kept())
    }
    async fn list_api_keys(&self) -> StoreResult<Vec<crate::staff::ApiKey>> {
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
        _: &UserId,
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
        _: &UserId,
        _: &str,
        _: &SessionRecord,
        _: &AuditEvent,
    ) -> StoreResult<bool> {
        Err(not_kept())
    }
}

#[async_trait]
impl OrganizationStore for MemoryStore {
    async fn members_of(&self, _: &OrgId, _: UnixMillis) -> StoreResult<Vec<MemberRow>> {
        Err(not_kept())
    }
    async fn set_member_role(&self, _: &OrgId, _: &UserId, _: Role, _: &AuditEvent) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn set_member_active(&self, _: &OrgId, _: &UserId, _: bool, _: &AuditEvent) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn remove_member(&self, _: &OrgId, _: &UserId, _: &AuditEvent) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn transfer_ownership(
        &self,
        _: &OrgId,
        _: &UserId,
        _: &UserId,
        _: &Proof,
        _: UnixMillis,
        _: &AuditEvent,
    ) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn invite_to_join(&self, _: &JoinInvitation, _: &OutboxMessage, _: &AuditEvent) -> StoreResult<()> {
        Err(not_kept())
    }
    async fn join_offers(&self, _: &UserId, _: UnixMillis) -> StoreResult<Vec<JoinOffer>> {
        Err(not_kept())
    }
    async fn accept_join(
        &self,
        _: &str,
        _: &UserId,
        _: UnixMillis,
        _: &AuditEvent,
        _: &AuditEvent,
    ) -> StoreResult<JoinOutcome> {
        Err(not_kept())
    }
    async fn decline_join(&self, _: &str, _: &UserId, _: &AuditEvent) -> StoreResult<bool> {
        Err(not_kept())
    }
}

pub(super) fn not_kept() -> StoreError {
    StoreError::Backend("not kept in memory".into())
}

#[async_trait]
impl CommerceStore for MemoryStore {
    async fn org_commerce(&self, _: &OrgId) -> StoreResult<OrgCommerce> {
        Err(not_kept())
    }
    async fn set_plan_choice(&self, _: &OrgId, _: &str) -> StoreResult<()> {
        Ok(())
    }
    async fn save_company(
        &self,
        _: &OrgId,
        _: &crate::company::Company,
        _: UnixMillis,
        _: &AuditEvent,
    ) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn open_order(&self, _: &Order) -> StoreResult<Order> {
        Err(not_kept())
    }
    async fn order_by_id(&self, _: &str) -> StoreResult<Option<Order>> {
        Err(not_kept())
    }
    async fn orders_of(&self, _: &OrgId) -> StoreResult<Vec<Order>> {
        Err(not_kept())
    }
    async fn complete_order(
        &self,
        _: &str,
        _: &str,
        _: &Subscription,
        _: UnixMillis,
        _: &AuditEvent,
    ) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn decline_order(&self, _: &str, _: &str, _: UnixMillis, _: &AuditEvent) -> StoreResult<bool> {
        Err(not_kept())
    }
    async fn set_order_ref(&self, _: &str, _: &str) -> StoreResult<()> {
        Err(not_kept())
    }
    async fn finish_first_steps(&self, _: &OrgId) -> StoreResult<()> {
        Err(not_kept())
    }
}

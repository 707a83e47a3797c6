//! The in-memory store's factors; resets, API keys, recovery links and organizations are not
//! kept in memory (they are tested over the real stores).

use super::memory::{MemoryStore, State};
use super::*;
use crate::types::{FactorId, UserId};

impl State {
    /// The single-session rule: every other live session of the user ends.
    fn end_others(&mut self, user_id: &UserId, keep: &str, now: UnixMillis) {
        for s in self.sessions.values_mut() {
            if s.user_id.as_ref() == Some(user_id) && s.id_hash != keep && s.ended_at.is_none() {
                s.ended_at = Some(now);
                s.end_reason = Some(EndReason::SignedInElsewhere);
            }
        }
    }

    /// Applies a proof; false when it was used already.
    fn use_proof(&mut self, user_id: &str, proof: &Proof, now: UnixMillis) -> bool {
        match proof {
            Proof::TotpStep { factor_id, step } => {
                match self.factors.iter_mut().find(|f| f.id == factor_id) {
                    Some(f) if f.last_step.is_none_or(|l| l < *step) => {
                        f.last_step = Some(*step);
                        f.last_used_at = Some(now);
                        true
                    }
                    _ => false,
                }
            }
            Proof::Code { code_id, attempts } => {
                let before = self.codes.len();
                self.codes
                    .retain(|_, c| &c.id != code_id || attempts.is_some_and(|n| n != c.attempts));
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
            // Passkeys are kept by the SQL store only (its contract tests).
            Proof::Passkey { .. } | Proof::PasskeyAdded { .. } => false,
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
        if c.end_others.is_some() {
            st.end_others(&c.user_id, c.session_id_hash.as_str(), c.now);
        }
        if let Some(s) = st.sessions.get_mut(c.session_id_hash.as_str()) {
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
            .get(p.session_id_hash.as_str())
            .is_some_and(|s| s.ended_at.is_some())
        {
            return Err(StoreError::SessionGone);
        }
        if let Some(l) = &p.limit
            && st.throttle.get(&l.key).copied() != l.seen
        {
            return Ok(false);
        }
        if !st.use_proof(p.user_id.as_str(), &p.proof, p.now) {
            return Ok(false);
        }
        if p.end_others.is_some() {
            st.end_others(&p.user_id, p.session_id_hash.as_str(), p.now);
        }
        if let Some(s) = st.sessions.get_mut(p.session_id_hash.as_str()) {
            s.mfa_at = Some(p.now);
            s.mfa_method = Some(p.via);
        }
        if let Some(d) = &p.device {
            st.devices.push(d.clone());
        }
        if let Some(l) = &p.limit {
            st.throttle.remove(&l.key);
        }
        st.audit.extend(p.audit.iter().cloned());
        Ok(true)
    }
    async fn remove_factor(
        &self,
        user_id: &UserId,
        factor_id: &FactorId,
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

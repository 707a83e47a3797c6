//! A store in memory for the core tests. It keeps what the flows under test name in their
//! `impl` (accounts, codes, sessions, limits, the outbox, audit and factors) and nothing else:
//! resets, policies, organizations, recovery links and commerce are tested over the real stores
//! (`umbral-store`'s conformance suite and the HTTP tests).

use super::*;
use crate::types::{OrgId, SessionId, UserId};

#[derive(Default)]
pub(super) struct State {
    pub(super) users: HashMap<String, User>,
    pub(super) orgs: HashMap<String, String>,
    pub(super) members: HashMap<String, String>,
    pub(super) sessions: HashMap<String, SessionRecord>,
    pub(super) codes: HashMap<(String, CodePurpose), CodeRecord>,
    pub(super) throttle: HashMap<String, ThrottleState>,
    pub(super) outbox: Vec<OutboxMessage>,
    pub(super) audit: Vec<AuditEvent>,
    pub(super) org_policy: HashMap<String, TwoFactorPolicy>,
    pub(super) owner_epoch: HashMap<String, i64>,
    pub(super) setup: HashMap<String, OrgSetup>,
    pub(super) factors: Vec<Factor>,
    pub(super) recovery: Vec<(String, String, bool)>,
    pub(super) devices: Vec<TrustedDevice>,
}

#[derive(Default, Clone)]
pub(super) struct MemoryStore(Arc<Mutex<State>>);

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
            setup: st.setup.get(org).copied().unwrap_or(OrgSetup::Ready),
        })
    }

    pub(super) fn st(&self) -> std::sync::MutexGuard<'_, State> {
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
        st.sessions.insert(s.session.id_hash.0.clone(), s.session.clone());
        st.codes
            .insert((s.code.subject.clone(), s.code.purpose), s.code.clone());
        st.outbox.extend(s.message.clone());
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
    async fn user_by_id(&self, id: &UserId) -> StoreResult<Option<User>> {
        Ok(self.st().users.get(id.as_str()).cloned())
    }
    async fn sign_in_lookup(&self, k: &str, keys: [&str; 3]) -> StoreResult<SignInLookup> {
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
        user_id: &UserId,
        hash: &str,
        keep: &SessionId,
        now: UnixMillis,
        m: &OutboxMessage,
        a: &AuditEvent,
    ) -> StoreResult<()> {
        let mut st = self.st();
        if let Some(u) = st.users.get_mut(user_id.as_str()) {
            u.password_hash = Some(hash.to_string());
            u.security_epoch += 1;
        }
        for s in st.sessions.values_mut() {
            if s.user_id.as_ref() == Some(user_id) && s.id_hash != keep && s.ended_at.is_none() {
                s.ended_at = Some(now);
                s.end_reason = Some(EndReason::Revoked);
            }
        }
        st.outbox.push(m.clone());
        st.audit.push(a.clone());
        Ok(())
    }
    async fn update_password_hash(&self, user_id: &UserId, hash: &str, _: UnixMillis) -> StoreResult<()> {
        if let Some(u) = self.st().users.get_mut(user_id.as_str()) {
            u.password_hash = Some(hash.to_string());
        }
        Ok(())
    }
    async fn confirm_email(
        &self,
        user_id: &UserId,
        code_id: &str,
        now: UnixMillis,
        a: &AuditEvent,
    ) -> StoreResult<()> {
        let mut st = self.st();
        if let Some(u) = st.users.get_mut(user_id.as_str()) {
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
    async fn update_pending_signup(&self, p: &PendingSignupUpdate) -> StoreResult<bool> {
        let mut st = self.st();
        let Some(u) = st
            .users
            .get_mut(p.user_id.as_str())
            .filter(|u| u.email_confirmed_at.is_none())
        else {
            return Ok(false);
        };
        u.name = p.name.clone();
        u.phone = p.phone.clone();
        u.password_hash = Some(p.password_hash.clone());
        u.locale = p.locale.clone();
        st.codes
            .insert((p.code.subject.clone(), p.code.purpose), p.code.clone());
        st.outbox.push(p.message.clone());
        st.audit.push(p.audit.clone());
        Ok(true)
    }
}

#[async_trait]
impl CodeStore for MemoryStore {
    async fn current_code(&self, subject: &str, purpose: CodePurpose) -> StoreResult<Option<CodeRecord>> {
        Ok(self.st().codes.get(&(subject.to_string(), purpose)).cloned())
    }
    async fn take_code_attempt(&self, code_id: &str, max: i64) -> StoreResult<bool> {
        let mut taken = false;
        for c in self
            .st()
            .codes
            .values_mut()
            .filter(|c| c.id == code_id && c.attempts < max)
        {
            c.attempts += 1;
            taken = true;
        }
        Ok(taken)
    }
    async fn replace_code(&self, code: &CodeRecord, message: Option<&OutboxMessage>) -> StoreResult<()> {
        let mut st = self.st();
        st.codes
            .insert((code.subject.clone(), code.purpose), code.clone());
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
        clear_limit: Option<&str>,
    ) -> StoreResult<()> {
        let mut st = self.st();
        if let Some(key) = clear_limit {
            st.throttle.remove(key);
        }
        if end_others.is_some() {
            for o in st
                .sessions
                .values_mut()
                .filter(|o| o.user_id == s.user_id && o.ended_at.is_none())
            {
                o.ended_at = Some(s.created_at);
                o.end_reason = Some(EndReason::SignedInElsewhere);
            }
        }
        st.sessions.insert(s.id_hash.0.clone(), s.clone());
        st.audit.extend(audit.iter().cloned());
        Ok(())
    }
    async fn session_context(&self, id_hash: &SessionId) -> StoreResult<Option<SessionContext>> {
        let Some(session) = self.st().sessions.get(id_hash.as_str()).cloned() else {
            return Ok(None);
        };
        let (user, membership) = match &session.user_id {
            Some(u) => (self.user_by_id(u).await?, self.membership_of(u.as_str())),
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
    async fn touch_session(&self, id_hash: &SessionId, now: UnixMillis) -> StoreResult<()> {
        if let Some(s) = self.st().sessions.get_mut(id_hash.as_str()) {
            s.last_seen_at = now;
        }
        Ok(())
    }
    async fn end_session(
        &self,
        id_hash: &SessionId,
        reason: EndReason,
        now: UnixMillis,
        _: Option<&AuditEvent>,
    ) -> StoreResult<()> {
        if let Some(s) = self
            .st()
            .sessions
            .get_mut(id_hash.as_str())
            .filter(|s| s.ended_at.is_none())
        {
            s.ended_at = Some(now);
            s.end_reason = Some(reason);
        }
        Ok(())
    }
    async fn live_sessions_of(&self, user_id: &UserId, now: UnixMillis) -> StoreResult<Vec<SessionRecord>> {
        Ok(self
            .st()
            .sessions
            .values()
            .filter(|s| s.user_id.as_ref() == Some(user_id) && s.ended_at.is_none() && s.expires_at > now)
            .cloned()
            .collect())
    }
}

#[async_trait]
impl ThrottleStore for MemoryStore {
    async fn failed_sign_in(
        &self,
        keys: &[&str],
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
    async fn throttle_take(
        &self,
        key: &str,
        seen: Option<ThrottleState>,
        now: UnixMillis,
        window_ms: i64,
    ) -> StoreResult<bool> {
        if self.st().throttle.get(key).copied() != seen {
            return Ok(false);
        }
        self.throttle_failure(key, now, window_ms).await?;
        Ok(true)
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
    async fn list_audit(&self, f: &crate::audit::AuditFilter, limit: i64) -> StoreResult<Vec<AuditEvent>> {
        let st = self.st();
        let member_of = |org: &str, user: Option<&String>| {
            user.is_some_and(|u| st.members.get(u).is_some_and(|m| m == org))
        };
        let mut events: Vec<AuditEvent> =
            st.audit
                .iter()
                .filter(|e| {
                    f.org_id.as_ref().is_none_or(|o| {
                        e.org_id.as_ref() == Some(o) || member_of(o, e.subject_user_id.as_ref())
                    }) && f.user_id.as_ref().is_none_or(|u| {
                        e.subject_user_id.as_ref() == Some(u) || e.actor_user_id.as_ref() == Some(u)
                    }) && f.event.as_ref().is_none_or(|p| e.event.starts_with(p.as_str()))
                        && f.from.is_none_or(|from| e.at >= from)
                        && f.to.is_none_or(|to| e.at <= to)
                        && f.before
                            .as_ref()
                            .is_none_or(|(at, id)| e.at < *at || (e.at == *at && e.id < *id))
                })
                .cloned()
                .collect();
        events.sort_by(|a, b| (b.at, &b.id).cmp(&(a.at, &a.id)));
        events.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(events)
    }
    async fn purge_audit(&self, before: UnixMillis) -> StoreResult<u64> {
        let mut st = self.st();
        let n = st.audit.len();
        st.audit.retain(|e| e.at >= before);
        Ok((n - st.audit.len()) as u64)
    }
    async fn record_audit(&self, e: &AuditEvent) -> StoreResult<()> {
        self.st().audit.push(e.clone());
        Ok(())
    }
    async fn audit_for_user(&self, user_id: &UserId, _: i64) -> StoreResult<Vec<AuditEvent>> {
        Ok(self
            .st()
            .audit
            .iter()
            .filter(|e| e.subject_user_id.as_deref() == Some(user_id.as_str()))
            .cloned()
            .collect())
    }
}

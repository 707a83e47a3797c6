//! The journeys at the core level, with a test clock and an in-memory store. (The real stores
//! run the same contracts in `umbral-store`'s conformance suite; the HTTP tests go through both.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::accounts::{Membership, Role, User};
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::PasswordHasherPool;
use crate::clock::{TestClock, UnixMillis};
use crate::error::{CoreError, EndReason};
use crate::flows::Next;
use crate::flows::signup::{PhoneInput, SignupInput};
use crate::outbox::OutboxMessage;
use crate::policy::HashParams;
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
        Ok(Some(SessionContext {
            session,
            user,
            membership,
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
    assert_eq!(u.confirm_email(&auth, &code, &meta()).await, Ok(Next::Done));
    let auth = u.authenticate(&out.session_token).await.unwrap();
    assert_eq!(u.me(&auth).unwrap().name, "Ana Pérez");
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
    let (u, _, _) = setup();
    let first = u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    let second = u.login("ana@example.com", PASSWORD, &meta()).await.unwrap();
    assert_eq!(
        u.authenticate(&first.session_token).await.unwrap_err(),
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
    let s = u.login("ana@example.com", PASSWORD, &meta()).await.unwrap();
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
            u.login("ana@example.com", "wrong-password-1", &meta())
                .await
                .unwrap_err(),
            CoreError::InvalidCredentials
        );
    }
    assert_eq!(
        u.login("ana@example.com", PASSWORD, &meta()).await.unwrap_err(),
        CoreError::RateLimited { retry_after_secs: 2 }
    );
    clock.advance_secs(2);
    assert!(u.login("ana@example.com", PASSWORD, &meta()).await.is_ok());
    // Every failure was audited, unknown emails too.
    u.login("nobody@example.com", PASSWORD, &meta())
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
    let disabled = u.login("ana@example.com", PASSWORD, &meta()).await.unwrap_err();
    let unknown = u
        .login("nobody@example.com", PASSWORD, &meta())
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
    new.login("ana@example.com", PASSWORD, &meta()).await.unwrap();
    assert!(stored(&store).contains("m=128,t=2"), "{}", stored(&store));
    new.login("ana@example.com", PASSWORD, &meta()).await.unwrap();
}

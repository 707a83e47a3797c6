//! The journeys at the core level, with a test clock and an in-memory store. (The real stores
//! run the same contracts in `umbral-store`'s conformance suite; the HTTP tests go through both.)

mod accounts;
mod enrollment;
mod factors;
mod memory;
mod memory_factors;

use memory::MemoryStore;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::CoreConfig;
use crate::accounts::{Membership, Role, User};
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::PasswordHasherPool;
use crate::clock::{Clock, TestClock, UnixMillis};
use crate::error::{CoreError, EndReason};
use crate::factors::{Factor, Method, Proof, TrustedDevice};
use crate::flows::Next;
use crate::flows::input::PhoneInput;
use crate::flows::signup::SignupInput;
use crate::outbox::OutboxMessage;
use crate::policy::{HashParams, TwoFactorPolicy};
use crate::ports::*;
use crate::types::{Locale, OrgId};

/// The facade over the in-memory double: only the flows whose stores it keeps can be called.
type Umbral = crate::Umbral<MemoryStore>;

const PASSWORD: &str = "tigre-azul-lunes-47";

fn setup() -> (Umbral, MemoryStore, Arc<TestClock>) {
    let store = MemoryStore::default();
    let clock = Arc::new(TestClock::new());
    let params = HashParams {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };
    let hasher = Arc::new(
        PasswordHasherPool::new(params, 1, 16, std::time::Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("{e}")),
    );
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

// ---- Second factors (`docs/flows/two-factor.md`) ----

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

fn national(country: &str, number: &str) -> PhoneInput {
    PhoneInput::National {
        country: country.into(),
        number: number.into(),
    }
}

/// A gateway whose every webhook says an order was paid.
struct PaidNotices;

#[async_trait]
impl PaymentGateway for PaidNotices {
    fn name(&self) -> &'static str {
        "test"
    }
    fn needs_card(&self) -> bool {
        false
    }
    async fn charge(
        &self,
        _: &ChargeRequest,
        _: Option<&crate::billing::card::Card>,
    ) -> Result<ChargeOutcome, GatewayError> {
        Err(GatewayError::Unavailable("not in this test".into()))
    }
    fn webhook(
        &self,
        _: &[(String, String)],
        _: &[u8],
        _: UnixMillis,
    ) -> Result<Option<WebhookEvent>, WebhookError> {
        Ok(Some(WebhookEvent::OrderPaid {
            order_id: "o1".into(),
            reference: "cs_1".into(),
        }))
    }
}

/// The orders' database while it is down: every read and write fails.
struct OrdersDown;

fn down<T>() -> StoreResult<T> {
    Err(StoreError::Backend("connection refused".into()))
}

#[async_trait]
impl CommerceStore for OrdersDown {
    async fn org_commerce(&self, _: &OrgId) -> StoreResult<OrgCommerce> {
        down()
    }
    async fn set_plan_choice(&self, _: &OrgId, _: &str) -> StoreResult<()> {
        down()
    }
    async fn save_company(
        &self,
        _: &OrgId,
        _: &crate::company::Company,
        _: UnixMillis,
        _: &AuditEvent,
    ) -> StoreResult<bool> {
        down()
    }
    async fn open_order(&self, _: &Order) -> StoreResult<Order> {
        down()
    }
    async fn order_by_id(&self, _: &str) -> StoreResult<Option<Order>> {
        down()
    }
    async fn orders_of(&self, _: &OrgId) -> StoreResult<Vec<Order>> {
        down()
    }
    async fn complete_order(
        &self,
        _: &str,
        _: &str,
        _: &Subscription,
        _: UnixMillis,
        _: &AuditEvent,
    ) -> StoreResult<bool> {
        down()
    }
    async fn decline_order(&self, _: &str, _: &str, _: UnixMillis, _: &AuditEvent) -> StoreResult<bool> {
        down()
    }
    async fn set_order_ref(&self, _: &str, _: &str) -> StoreResult<()> {
        down()
    }
    async fn finish_first_steps(&self, _: &OrgId) -> StoreResult<()> {
        down()
    }
}

#[tokio::test]
async fn a_payment_notice_that_cannot_be_recorded_asks_to_be_sent_again() {
    let (u, _, clock) = setup();
    // The payment flows need only the commerce store: here one whose database is down.
    let u = crate::Umbral::new(
        Arc::new(OrdersDown),
        clock,
        u.hasher.clone(),
        CoreConfig::default(),
    )
    .with_payment_gateway(Arc::new(PaidNotices));
    let err = u
        .payment_webhook(&[], b"{}", &RequestMeta::default())
        .await
        .unwrap_err();
    assert!(matches!(err, WebhookError::NotRecorded(_)), "{err:?}");
}

//! The ports of the sign-up steps after 2FA (`docs/flows/onboarding.md`): company data, orders and
//! subscriptions in storage, postal code lookups, payment gateways.

use async_trait::async_trait;

use crate::types::OrgId;

use super::StoreResult;
use crate::audit::AuditEvent;
use crate::clock::UnixMillis;

/// Where an organization is on the way from sign-up to a ready account (`docs/flows/signup.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgSetup {
    /// The owner must give the company data.
    Company,
    /// The owner must pay.
    Checkout,
    /// Paid; the owner has not seen "First steps" yet.
    FirstSteps,
    Ready,
}

impl OrgSetup {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgSetup::Company => "company",
            OrgSetup::Checkout => "checkout",
            OrgSetup::FirstSteps => "first_steps",
            OrgSetup::Ready => "ready",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "company" => OrgSetup::Company,
            "checkout" => OrgSetup::Checkout,
            "first_steps" => OrgSetup::FirstSteps,
            _ => OrgSetup::Ready,
        }
    }
}

/// A purchase; card data is never part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: String,
    pub org_id: OrgId,
    /// Chosen by the page that showed the summary: a second press of "Pay" finds this order.
    pub idempotency_key: String,
    pub plan: String,
    pub period: crate::billing::Period,
    pub currency: String,
    pub subtotal: i64,
    pub tax: i64,
    pub total: i64,
    pub gateway: String,
    pub status: OrderStatus,
    /// The gateway's id of the charge or checkout session.
    pub gateway_ref: Option<String>,
    pub decline_code: Option<String>,
    pub created_at: UnixMillis,
}

/// Where an order stands: it waits for the gateway, or the gateway took or refused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    Pending,
    Paid,
    Declined,
}

impl OrderStatus {
    /// As kept in `orders.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Paid, Self::Declined]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// Where a subscription stands (renewals and cancellations will add to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    Active,
}

impl SubscriptionStatus {
    /// As kept in `subscriptions.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "active",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        (s == "active").then_some(SubscriptionStatus::Active)
    }
}

/// An organization's subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub org_id: OrgId,
    pub plan: String,
    pub period: crate::billing::Period,
    pub status: SubscriptionStatus,
    pub started_at: UnixMillis,
    pub renews_at: UnixMillis,
    pub order_id: String,
}

/// What the sign-up steps after 2FA know of an organization.
#[derive(Debug, Clone, Default)]
pub struct OrgCommerce {
    /// The plan picked on the vendor's site (`/signup?plan=`), if any.
    pub plan_choice: Option<String>,
    pub company: Option<crate::company::Company>,
    pub subscription: Option<Subscription>,
}

impl OrgCommerce {
    /// The company's country, once the company data is given.
    pub fn country(&self) -> Option<&str> {
        self.company.as_ref().map(|c| c.country())
    }
}

/// Company data, orders and subscriptions; each change one transaction with its audit event.
#[async_trait]
pub trait CommerceStore: Send + Sync {
    async fn org_commerce(&self, org_id: &OrgId) -> StoreResult<OrgCommerce>;
    async fn set_plan_choice(&self, org_id: &OrgId, plan: &str) -> StoreResult<()>;
    /// Saves the company data and moves the organization from `company` to `checkout`.
    /// `Ok(false)` when it was not at the company step (nothing changes).
    async fn save_company(
        &self,
        org_id: &OrgId,
        company: &crate::company::Company,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Records a new pending order, or returns the one with the same idempotency key.
    async fn open_order(&self, order: &Order) -> StoreResult<Order>;
    async fn order_by_id(&self, id: &str) -> StoreResult<Option<Order>>;
    /// An organization's orders, newest first.
    async fn orders_of(&self, org_id: &OrgId) -> StoreResult<Vec<Order>>;
    /// Marks a pending order paid, starts the subscription and moves the organization to
    /// `first_steps`. `Ok(false)` when the order was not pending (a retried webhook, a double
    /// click): nothing changes, nothing is activated twice.
    async fn complete_order(
        &self,
        order_id: &str,
        gateway_ref: &str,
        subscription: &Subscription,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Marks a pending order declined. `Ok(false)` when it was not pending.
    async fn decline_order(
        &self,
        order_id: &str,
        code: &str,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Remembers the gateway's reference of a pending order (a checkout session).
    async fn set_order_ref(&self, order_id: &str, gateway_ref: &str) -> StoreResult<()>;
    /// The owner saw or skipped "First steps".
    async fn finish_first_steps(&self, org_id: &OrgId) -> StoreResult<()>;
}

/// Finds the address of a postal code.
#[async_trait]
pub trait AddressLookup: Send + Sync {
    /// `code` is normalised ([`crate::company::postal::normalize`]). `Ok(None)`: not known.
    async fn lookup(
        &self,
        country: &str,
        code: &str,
    ) -> Result<Option<crate::company::postal::Address>, LookupError>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("address lookup failed: {0}")]
pub struct LookupError(pub String);

/// No lookup source: the user types the address.
pub struct NoAddressLookup;

#[async_trait]
impl AddressLookup for NoAddressLookup {
    async fn lookup(&self, _: &str, _: &str) -> Result<Option<crate::company::postal::Address>, LookupError> {
        Ok(None)
    }
}

/// A charge to make: the order's amount, keyed so that asking twice charges once.
#[derive(Debug, Clone)]
pub struct ChargeRequest {
    pub order_id: String,
    pub idempotency_key: String,
    pub amount: i64,
    pub currency: String,
    /// The plan's name, for the gateway's page.
    pub description: String,
    pub customer_email: String,
    /// Where a hosted payment page sends the user back.
    pub success_url: String,
    pub cancel_url: String,
    pub locale: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclineReason {
    Generic,
    InsufficientFunds,
    ExpiredCard,
    IncorrectCvc,
}

impl DeclineReason {
    /// The message id of the reason.
    pub fn code(self) -> &'static str {
        match self {
            DeclineReason::Generic => "payment.declined",
            DeclineReason::InsufficientFunds => "payment.insufficient_funds",
            DeclineReason::ExpiredCard => "payment.expired_card",
            DeclineReason::IncorrectCvc => "payment.incorrect_cvc",
        }
    }

    pub fn parse(code: &str) -> Self {
        match code {
            "payment.insufficient_funds" => DeclineReason::InsufficientFunds,
            "payment.expired_card" => DeclineReason::ExpiredCard,
            "payment.incorrect_cvc" => DeclineReason::IncorrectCvc,
            _ => DeclineReason::Generic,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Paid {
        reference: String,
    },
    Declined(DeclineReason),
    /// A hosted payment page (Stripe Checkout): send the user there; the order completes on the
    /// gateway's webhook.
    Redirect {
        url: String,
        reference: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// Timeout, network, the gateway's own error: the order stays pending and can be retried.
    #[error("payment gateway unavailable: {0}")]
    Unavailable(String),
    /// The request itself was refused (a setup error).
    #[error("payment gateway refused the request: {0}")]
    Rejected(String),
}

/// Takes payments.
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Recorded with each order.
    fn name(&self) -> &'static str;
    /// No money moves: the checkout page lists the test cards.
    fn is_sandbox(&self) -> bool {
        false
    }
    /// Does the checkout page ask for the card (the sandbox), or does the gateway's page?
    fn needs_card(&self) -> bool;
    async fn charge(
        &self,
        req: &ChargeRequest,
        card: Option<&crate::billing::card::Card>,
    ) -> Result<ChargeOutcome, GatewayError>;
    /// Reads a notice the gateway posted (a webhook), after checking that the gateway sent it
    /// and that it is recent. `Ok(None)`: a genuine notice of something else.
    fn webhook(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        now_ms: UnixMillis,
    ) -> Result<Option<WebhookEvent>, WebhookError> {
        let _ = (headers, body, now_ms);
        Err(WebhookError::NotExpected)
    }
}

/// What a verified webhook says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEvent {
    /// The order was paid on the gateway's page.
    OrderPaid { order_id: String, reference: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("this gateway takes no webhooks")]
    NotExpected,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the notice is too old (a replay?)")]
    TooOld,
    #[error("the notice is malformed: {0}")]
    Malformed(String),
    /// A genuine notice that could not be recorded now; the gateway should send it again.
    #[error("the notice could not be recorded: {0}")]
    NotRecorded(String),
}

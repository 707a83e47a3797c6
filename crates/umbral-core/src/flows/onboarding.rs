//! The sign-up steps after two-factor set-up (`docs/flows/signup.md`, `docs/flows/onboarding.md`, `docs/flows/login.md`): the company data,
//! the checkout, and "First steps". Only the organization's owner does them, in order; each
//! step's data is written in one transaction that also moves the organization on.

use crate::accounts::{Membership, User};
use crate::audit::{AuditEvent, RequestMeta};
use crate::billing::card::Card;
use crate::billing::{Period, Summary, add_months};
use crate::company::postal::{self, Address};
use crate::company::tax_id::{self, TaxId, TaxIdError};
use crate::company::{self, CompanyInput};
use crate::error::{CoreError, FieldError};
use crate::flows::Next;
use crate::flows::session::Authenticated;
use crate::ports::CommerceStore;
use crate::ports::{
    ChargeOutcome, ChargeRequest, GatewayError, Order, OrderStatus, OrgCommerce, OrgSetup, Subscription,
    SubscriptionStatus,
};
use crate::secrets;
use crate::service::Umbral;

/// The answer of `GET /api/v1/tax-ids/validate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaxIdCheck {
    Valid(TaxId),
    Invalid(TaxIdError),
}

/// A card as typed on the checkout page.
#[derive(Debug, Clone, Default)]
pub struct CardInput {
    pub number: String,
    pub exp_month: String,
    pub exp_year: String,
    pub cvc: String,
}

#[derive(Debug, Clone, Default)]
pub struct PayInput {
    pub plan: String,
    pub period: String,
    pub card: Option<CardInput>,
    /// Chosen when the summary was shown; pressing "Pay" again sends the same one.
    pub idempotency_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayOutcome {
    Paid(Subscription),
    /// Pay on the gateway's page; the order completes on its webhook.
    Redirect(String),
}

/// What the checkout page shows.
#[derive(Debug, Clone)]
pub struct CheckoutView {
    /// The summary of the chosen plan, if one is chosen.
    pub summary: Option<Summary>,
    pub country: Option<String>,
    pub needs_card: bool,
}

impl<S: ?Sized + CommerceStore> Umbral<S> {
    /// The owner at the step `step` of the organization's set-up.
    fn at_step<'a>(
        &self,
        auth: &'a Authenticated,
        step: Next,
    ) -> Result<(&'a User, &'a Membership), CoreError> {
        let user = auth.user()?;
        match (auth.next(), &auth.membership) {
            (next, Some(m)) if next == step => Ok((user, m)),
            (Next::Done, _) => Err(CoreError::AlreadyDone),
            (next, _) if next != step => Err(CoreError::StepRequired(next)),
            _ => Err(CoreError::Forbidden),
        }
    }

    /// Checks a tax id as the user types it.
    pub fn check_tax_id(&self, country: &str, value: &str) -> Result<TaxIdCheck, CoreError> {
        let country = country.trim().to_ascii_uppercase();
        if !company::known_country(&country) {
            return Err(CoreError::invalid("country", "company.country_invalid"));
        }
        Ok(match tax_id::validate(&country, value) {
            Ok(t) => TaxIdCheck::Valid(t),
            Err(e) => TaxIdCheck::Invalid(e),
        })
    }

    /// The address of a postal code, when a lookup source knows it. A failing source is logged
    /// and answers "not found": the user types the address.
    pub async fn look_up_postal_code(&self, country: &str, code: &str) -> Result<Option<Address>, CoreError> {
        let country = country.trim().to_ascii_uppercase();
        if !company::known_country(&country) {
            return Err(CoreError::invalid("country", "company.country_invalid"));
        }
        let code = postal::normalize(&country, code).map_err(|e| CoreError::Validation(vec![e]))?;
        match self.address_lookup.lookup(&country, &code).await {
            Ok(found) => Ok(found),
            Err(e) => {
                tracing::warn!(error = %e, country, "postal code lookup failed");
                Ok(None)
            }
        }
    }

    /// "Add data": checks every field and saves the company, moving on to the checkout.
    pub async fn save_company(
        &self,
        auth: &Authenticated,
        input: &CompanyInput,
        meta: &RequestMeta,
    ) -> Result<Next, CoreError> {
        let (user, m) = self.at_step(auth, Next::Company)?;
        let company = company::validate(input, &self.config.segments).map_err(CoreError::Validation)?;
        let now = self.now();
        let audit = AuditEvent::new(now, "organization.company_saved", Some(user.id.as_str()), meta)?
            .org(m.org_id.as_str())
            .details(format!(
                "country={};tax_id_kind={}",
                company.country(),
                company.tax_id.kind.as_str()
            ));
        let saved = self.store.save_company(&m.org_id, &company, now, &audit).await?;
        if !saved {
            return Err(CoreError::AlreadyDone);
        }
        Ok(Next::Checkout)
    }

    /// The organization's company data, plan choice and subscription.
    pub async fn org_commerce(&self, auth: &Authenticated) -> Result<OrgCommerce, CoreError> {
        let m = auth.membership.as_ref().ok_or(CoreError::NotFound)?;
        self.store.org_commerce(&m.org_id).await.map_err(CoreError::from)
    }

    /// The checkout's summary for a plan and period (by default the plan picked on the vendor's
    /// site, monthly); `None` until a plan is chosen.
    pub async fn checkout_view(
        &self,
        auth: &Authenticated,
        plan: Option<&str>,
        period: Option<&str>,
    ) -> Result<CheckoutView, CoreError> {
        let (_, m) = self.at_step(auth, Next::Checkout)?;
        let commerce = self.store.org_commerce(&m.org_id).await?;
        let plan_id = plan.filter(|p| !p.is_empty()).or(commerce.plan_choice.as_deref());
        let period = period.and_then(Period::parse).unwrap_or(Period::Month);
        let billing = &self.config.billing;
        let summary = plan_id
            .and_then(|id| billing.plan(id))
            .and_then(|p| billing.summary(p, period, commerce.country()));
        Ok(CheckoutView {
            summary,
            country: commerce.country().map(str::to_string),
            needs_card: self.payments.needs_card(),
        })
    }

    /// Pays for a plan. A second call with the same idempotency key never charges twice: it
    /// finds the same order (and the gateway the same charge). A declined card leaves the
    /// organization at the checkout with the reason; a gateway that does not answer leaves the
    /// order pending, to be paid again with the same key.
    pub async fn pay(
        &self,
        auth: &Authenticated,
        input: &PayInput,
        meta: &RequestMeta,
    ) -> Result<PayOutcome, CoreError> {
        let (user, m) = self.at_step(auth, Next::Checkout)?;
        let billing = &self.config.billing;
        let mut errors = Vec::new();
        let plan = billing.plan(input.plan.trim());
        if plan.is_none() {
            errors.push(FieldError::new("plan", "checkout.plan_unknown"));
        }
        let period = Period::parse(input.period.trim());
        if period.is_none() {
            errors.push(FieldError::new("period", "checkout.period_unknown"));
        }
        let key = input.idempotency_key.trim();
        if !(16..=100).contains(&key.len())
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            errors.push(FieldError::new("idempotency_key", "checkout.key_invalid"));
        }
        let card = if self.payments.needs_card() {
            let c = input.card.clone().unwrap_or_default();
            let (year, month) = crate::billing::year_month(self.now());
            Card::parse(&c.number, &c.exp_month, &c.exp_year, &c.cvc, (year, month))
                .map_err(|e| errors.extend(e))
                .ok()
        } else {
            None
        };
        let (Some(plan), Some(period)) = (plan, period) else {
            return Err(CoreError::Validation(errors));
        };
        let commerce = self.store.org_commerce(&m.org_id).await?;
        let Some(summary) = billing.summary(plan, period, commerce.country()) else {
            errors.push(FieldError::new("period", "checkout.period_unknown"));
            return Err(CoreError::Validation(errors));
        };
        if !errors.is_empty() {
            return Err(CoreError::Validation(errors));
        }
        let now = self.now();
        let wanted = Order {
            id: secrets::new_id(now)?,
            org_id: m.org_id.clone(),
            idempotency_key: key.to_string(),
            plan: plan.id.clone(),
            period,
            currency: summary.currency.clone(),
            subtotal: summary.subtotal,
            tax: summary.total - summary.subtotal,
            total: summary.total,
            gateway: self.payments.name().to_string(),
            status: OrderStatus::Pending,
            gateway_ref: None,
            decline_code: None,
            created_at: now,
        };
        let order = self.store.open_order(&wanted).await?;
        match order.status {
            OrderStatus::Paid => {
                return commerce
                    .subscription
                    .map(PayOutcome::Paid)
                    .ok_or(CoreError::AlreadyDone);
            }
            OrderStatus::Declined => {
                let reason =
                    crate::ports::DeclineReason::parse(order.decline_code.as_deref().unwrap_or_default());
                return Err(CoreError::PaymentDeclined(reason.code()));
            }
            OrderStatus::Pending => {}
        }
        let base = self.config.public_url.trim_end_matches('/');
        let request = ChargeRequest {
            order_id: order.id.clone(),
            idempotency_key: format!("{}-{}", order.org_id, order.idempotency_key),
            amount: order.total,
            currency: order.currency.clone(),
            description: plan
                .name(crate::types::Locale::from_tag(&user.locale).unwrap_or_default())
                .to_string(),
            customer_email: user.email.clone(),
            success_url: format!("{base}/checkout/return?order={}", order.id),
            cancel_url: format!("{base}/checkout"),
            locale: user.locale.clone(),
        };
        match self.payments.charge(&request, card.as_ref()).await {
            Ok(ChargeOutcome::Paid { reference }) => {
                let sub = self.complete_order(&order, &reference, meta).await?;
                Ok(PayOutcome::Paid(sub))
            }
            Ok(ChargeOutcome::Declined(reason)) => {
                let audit = AuditEvent::new(now, "payment.declined", Some(user.id.as_str()), meta)?
                    .org(m.org_id.as_str())
                    .details(format!("order={};reason={}", order.id, reason.code()));
                self.store
                    .decline_order(&order.id, reason.code(), now, &audit)
                    .await?;
                Err(CoreError::PaymentDeclined(reason.code()))
            }
            Ok(ChargeOutcome::Redirect { url, reference }) => {
                self.store.set_order_ref(&order.id, &reference).await?;
                Ok(PayOutcome::Redirect(url))
            }
            Err(GatewayError::Unavailable(e)) => {
                tracing::warn!(error = %e, order = %order.id, "payment gateway unavailable; the order stays pending");
                Err(CoreError::PaymentUnavailable)
            }
            Err(GatewayError::Rejected(e)) => Err(CoreError::Internal(format!("payment gateway: {e}"))),
        }
    }

    /// Marks an order paid and starts the subscription; a second completion (a retried webhook)
    /// changes nothing.
    async fn complete_order(
        &self,
        order: &Order,
        reference: &str,
        meta: &RequestMeta,
    ) -> Result<Subscription, CoreError> {
        let now = self.now();
        let sub = Subscription {
            org_id: order.org_id.clone(),
            plan: order.plan.clone(),
            period: order.period,
            status: SubscriptionStatus::Active,
            started_at: now,
            renews_at: add_months(now, order.period.months()),
            order_id: order.id.clone(),
        };
        let audit = AuditEvent::new(now, "payment.completed", None, meta)?
            .org(order.org_id.as_str())
            .details(format!(
                "order={};plan={};period={};total={} {}",
                order.id,
                order.plan,
                order.period.as_str(),
                order.total,
                order.currency
            ));
        let done = self
            .store
            .complete_order(&order.id, reference, &sub, now, &audit)
            .await?;
        if !done {
            // Already completed: the subscription that exists is the answer.
            let existing = self.store.org_commerce(&order.org_id).await?;
            return existing.subscription.ok_or(CoreError::AlreadyDone);
        }
        Ok(sub)
    }

    /// A gateway's notice that an order was paid on its page (a verified webhook). Returns
    /// `false` when the order was already complete or is unknown.
    pub async fn order_paid_elsewhere(
        &self,
        order_id: &str,
        reference: &str,
        meta: &RequestMeta,
    ) -> Result<bool, CoreError> {
        let Some(order) = self.store.order_by_id(order_id).await? else {
            return Ok(false);
        };
        if order.status != OrderStatus::Pending {
            return Ok(false);
        }
        let sub = self.complete_order(&order, reference, meta).await?;
        Ok(sub.order_id == order.id)
    }

    /// A notice the payment gateway posted: verified by the gateway, then an order paid on its
    /// page completes (once, however often the notice comes).
    pub async fn payment_webhook(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        meta: &RequestMeta,
    ) -> Result<(), crate::ports::WebhookError> {
        let event = self.payments.webhook(headers, body, self.now())?;
        if let Some(crate::ports::WebhookEvent::OrderPaid { order_id, reference }) = event {
            match self.order_paid_elsewhere(&order_id, &reference, meta).await {
                Ok(done) => tracing::info!(order = %order_id, completed = done, "payment notice"),
                Err(e) => {
                    tracing::error!(error = %e, order = %order_id, "payment notice not recorded");
                    return Err(crate::ports::WebhookError::NotRecorded(e.to_string()));
                }
            }
        }
        Ok(())
    }

    /// Should this session see "First steps"? The owner, once, after the account is ready.
    pub fn shows_first_steps(&self, auth: &Authenticated) -> bool {
        auth.next() == Next::Done
            && auth
                .membership
                .as_ref()
                .is_some_and(|m| m.role == crate::accounts::Role::Owner && m.setup == OrgSetup::FirstSteps)
    }

    /// "Skip" (or done with) "First steps".
    pub async fn finish_first_steps(&self, auth: &Authenticated) -> Result<(), CoreError> {
        auth.complete_user()?;
        if !self.shows_first_steps(auth) {
            return Ok(());
        }
        let m = auth.membership.as_ref().ok_or(CoreError::NotFound)?;
        self.store
            .finish_first_steps(&m.org_id)
            .await
            .map_err(CoreError::from)
    }
}

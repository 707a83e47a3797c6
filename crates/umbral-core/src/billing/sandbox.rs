//! The built-in sandbox gateway: no money moves. It follows Stripe's published test card numbers,
//! so that a vendor can try the same cards on both:
//!
//! | card | result |
//! |---|---|
//! | 4242 4242 4242 4242, 5555 5555 5555 4444, 3782 822463 10005 and any other valid number | paid |
//! | 4000 0000 0000 0002 | declined (generic) |
//! | 4000 0000 0000 9995 | declined: insufficient funds |
//! | 4000 0000 0000 0069 | declined: expired card |
//! | 4000 0000 0000 0127 | declined: incorrect CVC |
//! | 4000 0000 0000 0119 | processing error (try again) |
//!
//! Charges are kept by idempotency key, so asking twice for one order charges once.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::card::Card;
use crate::ports::{ChargeOutcome, ChargeRequest, DeclineReason, GatewayError, PaymentGateway};

#[derive(Default)]
pub struct SandboxGateway {
    charges: Mutex<HashMap<String, ChargeOutcome>>,
}

impl SandboxGateway {
    /// How many charges were made (each idempotency key once).
    pub fn charges(&self) -> usize {
        self.charges.lock().map(|c| c.len()).unwrap_or(0)
    }
}

#[async_trait]
impl PaymentGateway for SandboxGateway {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn needs_card(&self) -> bool {
        true
    }

    fn is_sandbox(&self) -> bool {
        true
    }

    async fn charge(&self, req: &ChargeRequest, card: Option<&Card>) -> Result<ChargeOutcome, GatewayError> {
        let card = card.ok_or_else(|| GatewayError::Rejected("a card is needed".into()))?;
        let outcome = match card.number.as_str() {
            "4000000000000002" => ChargeOutcome::Declined(DeclineReason::Generic),
            "4000000000009995" => ChargeOutcome::Declined(DeclineReason::InsufficientFunds),
            "4000000000000069" => ChargeOutcome::Declined(DeclineReason::ExpiredCard),
            "4000000000000127" => ChargeOutcome::Declined(DeclineReason::IncorrectCvc),
            "4000000000000119" => return Err(GatewayError::Unavailable("processing error".into())),
            _ => ChargeOutcome::Paid {
                reference: format!("sbx_{}", req.idempotency_key),
            },
        };
        let mut charges = self
            .charges
            .lock()
            .map_err(|_| GatewayError::Unavailable("poisoned".into()))?;
        Ok(charges
            .entry(req.idempotency_key.clone())
            .or_insert(outcome)
            .clone())
    }
}

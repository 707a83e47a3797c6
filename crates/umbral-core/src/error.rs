//! Errors of the core, each with a stable code. The web layer maps a code to an HTTP status and to
//! a translated message (the code is also the message id in `locales/`).

use std::fmt;

/// One field's problem: which field, which rule (a stable code that is also a message id), and
/// the numbers the message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
    pub args: Vec<(&'static str, i64)>,
}

impl FieldError {
    pub fn new(field: &'static str, code: &'static str) -> Self {
        Self {
            field,
            code,
            args: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: i64) -> Self {
        self.args.push((name, value));
        self
    }
}

/// Why a session is no longer valid; shown to the user at their next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    SignedOut,
    SignedInElsewhere,
    Expired,
    Idle,
    Revoked,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::SignedOut => "signed_out",
            EndReason::SignedInElsewhere => "signed_in_elsewhere",
            EndReason::Expired => "expired",
            EndReason::Idle => "idle",
            EndReason::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "signed_out" => EndReason::SignedOut,
            "signed_in_elsewhere" => EndReason::SignedInElsewhere,
            "expired" => EndReason::Expired,
            "idle" => EndReason::Idle,
            _ => EndReason::Revoked,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoreError {
    /// Bad input; nothing was changed.
    Validation(Vec<FieldError>),
    /// Unknown email, wrong password or disabled user: always the same answer.
    InvalidCredentials,
    /// No live session.
    Unauthenticated,
    /// The session existed but was ended.
    SessionEnded(EndReason),
    /// The session must finish a step first (e.g. confirm the email).
    StepRequired(crate::flows::Next),
    /// Too many attempts; try again after this many seconds.
    RateLimited {
        retry_after_secs: u64,
    },
    /// The password hashing pool is full; try again shortly.
    Overloaded {
        retry_after_secs: u64,
    },
    /// A code was wrong (the field names which).
    InvalidCode,
    /// The code has expired; ask for a new one.
    CodeExpired,
    /// The code was tried too often; ask for a new one.
    CodeAttemptsExhausted,
    /// A new code was asked for too soon.
    ResendTooSoon {
        retry_after_secs: u64,
    },
    /// The step was already done.
    AlreadyDone,
    /// The payment gateway declined the payment; the code names the reason (`payment.*`).
    PaymentDeclined(&'static str),
    /// The payment gateway did not answer; the order waits and can be paid again safely.
    PaymentUnavailable,
    NotFound,
    Forbidden,
    /// Storage failed; nothing was changed (the transaction rolled back).
    Store(crate::ports::StoreError),
    Internal(String),
}

impl CoreError {
    /// The stable code, used by the API and as the translation id.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Validation(errs) => errs.first().map(|e| e.code).unwrap_or("request.invalid"),
            CoreError::InvalidCredentials => "auth.invalid_credentials",
            CoreError::Unauthenticated => "auth.unauthenticated",
            CoreError::SessionEnded(EndReason::SignedInElsewhere) => "auth.session_signed_in_elsewhere",
            CoreError::SessionEnded(EndReason::Expired | EndReason::Idle) => "auth.session_expired",
            CoreError::SessionEnded(_) => "auth.session_ended",
            CoreError::StepRequired(_) => "auth.step_required",
            CoreError::RateLimited { .. } => "auth.too_many_attempts",
            CoreError::Overloaded { .. } => "server.busy",
            CoreError::InvalidCode => "code.invalid",
            CoreError::CodeExpired => "code.expired",
            CoreError::CodeAttemptsExhausted => "code.attempts_exhausted",
            CoreError::ResendTooSoon { .. } => "code.resend_too_soon",
            CoreError::AlreadyDone => "request.already_done",
            CoreError::PaymentDeclined(code) => code,
            CoreError::PaymentUnavailable => "payment.unavailable",
            CoreError::NotFound => "request.not_found",
            CoreError::Forbidden => "request.forbidden",
            CoreError::Store(_) | CoreError::Internal(_) => "server.error",
        }
    }

    /// The field the error is about, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            CoreError::Validation(errs) => errs.first().map(|e| e.field),
            CoreError::InvalidCode | CoreError::CodeExpired | CoreError::CodeAttemptsExhausted => {
                Some("code")
            }
            // Shown by the "send a new code" button, not on the code the person types.
            CoreError::ResendTooSoon { .. } => Some("resend"),
            CoreError::InvalidCredentials => Some("password"),
            _ => None,
        }
    }

    pub fn invalid(field: &'static str, code: &'static str) -> Self {
        CoreError::Validation(vec![FieldError::new(field, code)])
    }
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoreError::Store(m) => write!(f, "store: {m}"),
            CoreError::Internal(m) => write!(f, "internal: {m}"),
            other => f.write_str(other.code()),
        }
    }
}

impl std::error::Error for CoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CoreError::Store(e) => Some(e),
            _ => None,
        }
    }
}

/// A failure of the store is a failure of the use case that called it, kept whole as its source.
impl From<crate::ports::StoreError> for CoreError {
    fn from(e: crate::ports::StoreError) -> Self {
        CoreError::Store(e)
    }
}

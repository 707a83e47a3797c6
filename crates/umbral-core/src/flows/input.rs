//! What several flows take as typed, before their own rules: the phone as the API or the page
//! sends it, and a 6-digit code.

use crate::error::{CoreError, FieldError};
use crate::types::PhoneE164;

/// How the phone arrives: the API sends E.164, the page sends a country and a national number.
#[derive(Debug, Clone)]
pub enum PhoneInput {
    E164(String),
    National { country: String, number: String },
}

impl PhoneInput {
    pub fn parse(&self) -> Result<PhoneE164, FieldError> {
        match self {
            PhoneInput::E164(s) => PhoneE164::parse_e164(s),
            PhoneInput::National { country, number } => PhoneE164::parse_national(country, number),
        }
    }
}

/// A 6-digit code as typed: surrounding spaces are forgiven, anything else is named.
pub(crate) fn parse_code6(code: &str) -> Result<&str, CoreError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(CoreError::invalid("code", "code.required"));
    }
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(CoreError::invalid("code", "code.format"));
    }
    Ok(code)
}

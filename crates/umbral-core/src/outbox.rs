//! Messages to people go through a durable outbox: the core writes them in the same transaction
//! as the change that causes them; a worker renders and delivers them, and retries on failure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clock::UnixMillis;
use crate::error::CoreError;
use crate::secrets;
use crate::types::Locale;

/// Every message template the core writes; the renderer knows each (a test checks).
pub mod templates {
    pub const SIGNUP_CODE: &str = "signup_code";
    pub const SIGNUP_EMAIL_TAKEN: &str = "signup_email_taken";
    pub const MFA_CODE: &str = "mfa_code";
    /// The link that confirms a lost-factor reset request (param `link_path`).
    pub const FACTOR_RESET_CONFIRM: &str = "factor_reset_confirm";
    pub const FACTOR_RESET_APPROVED: &str = "factor_reset_approved";
    pub const FACTOR_RESET_REJECTED: &str = "factor_reset_rejected";
    pub const PASSWORD_CHANGED: &str = "password_changed";
    /// "Forgot your password?": the link (param `link_path`).
    pub const PASSWORD_RESET: &str = "password_reset";
    /// A user created by staff: the link that sets the first password (param `link_path`).
    pub const INVITATION: &str = "invitation";
    /// An organization invites someone who has an account (params `inviter`, `organization`,
    /// `link_path`).
    pub const JOIN_INVITATION: &str = "join_invitation";
    /// Emails.
    pub const EMAIL: &[&str] = &[
        SIGNUP_CODE,
        SIGNUP_EMAIL_TAKEN,
        MFA_CODE,
        FACTOR_RESET_CONFIRM,
        FACTOR_RESET_APPROVED,
        FACTOR_RESET_REJECTED,
        PASSWORD_CHANGED,
        PASSWORD_RESET,
        INVITATION,
        JOIN_INVITATION,
    ];
    /// A 6-digit code by SMS (setting a phone up, or the challenge).
    pub const SMS_CODE: &str = "sms_code";
    /// Text messages.
    pub const SMS: &[&str] = &[SMS_CODE];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    pub fn parse(s: &str) -> Self {
        if s == "sms" { Channel::Sms } else { Channel::Email }
    }
}

/// What a message says, as a template id and its parameters; rendered in the recipient's language
/// when it is delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageContent {
    /// Template id, e.g. `signup_code`, `signup_email_taken`.
    pub template: String,
    pub locale: String,
    pub params: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: String,
    pub channel: Channel,
    pub recipient: String,
    pub content: MessageContent,
    pub created_at: UnixMillis,
    pub attempts: i64,
}

impl OutboxMessage {
    pub fn email(
        now: UnixMillis,
        to: &str,
        template: &str,
        locale: Locale,
        params: &[(&str, &str)],
    ) -> Result<Self, CoreError> {
        Ok(Self {
            id: secrets::new_id(now)?,
            channel: Channel::Email,
            recipient: to.to_string(),
            content: MessageContent {
                template: template.to_string(),
                locale: locale.tag().to_string(),
                params: params
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
            created_at: now,
            attempts: 0,
        })
    }
}

impl OutboxMessage {
    pub fn sms(
        now: UnixMillis,
        to: &str,
        template: &str,
        locale: Locale,
        params: &[(&str, &str)],
    ) -> Result<Self, CoreError> {
        Ok(Self {
            channel: Channel::Sms,
            ..Self::email(now, to, template, locale, params)?
        })
    }
}

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMessage {
    pub channel: Channel,
    pub to: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
}

/// The wait before the `attempts`-th retry: 2 s, 4 s, 8 s ... capped at 10 minutes.
pub fn retry_delay_ms(attempts: i64, base_ms: i64) -> i64 {
    let doublings = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    base_ms.saturating_mul(1i64 << doublings).min(600_000)
}

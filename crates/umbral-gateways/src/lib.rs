//! Umbral's outside parties, each behind a port of the core: email over SMTP (lettre), SMS over
//! HTTP (a JSON webhook or Twilio), and the dev outbox that keeps messages for `/dev/outbox` in
//! `--dev` mode.

pub mod backchannel;
pub mod dev_outbox;
pub mod dns;
pub mod postal;
pub mod sms;
pub mod smtp;
pub mod stripe;
pub mod upstream;

pub use dev_outbox::DevOutboxMailer;
pub use sms::{TwilioSms, WebhookSms};
pub use smtp::{SmtpMailer, SmtpSettings, SmtpTls};

//! Umbral's outside parties, each behind a port of the core: email over SMTP (lettre), and the
//! dev outbox that keeps messages for `/dev/outbox` in `--dev` mode.

pub mod dev_outbox;
pub mod smtp;

pub use dev_outbox::DevOutboxMailer;
pub use smtp::{SmtpMailer, SmtpSettings, SmtpTls};

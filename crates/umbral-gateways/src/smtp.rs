//! Email over SMTP with lettre (rustls for TLS).

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use umbral_core::outbox::RenderedMessage;
use umbral_core::ports::Mailer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (a local relay or a test sink).
    None,
    /// Upgrade with STARTTLS (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    /// `Umbral <no-reply@example.com>`
    pub from: String,
    pub timeout: Duration,
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(s: &SmtpSettings) -> Result<Self, String> {
        let from: Mailbox = s.from.parse().map_err(|e| format!("smtp.from: {e}"))?;
        let builder = match s.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                .map_err(|e| format!("smtp.host: {e}"))?,
            SmtpTls::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host).map_err(|e| format!("smtp.host: {e}"))?
            }
        };
        let mut builder = builder.port(s.port).timeout(Some(s.timeout));
        if let (Some(user), Some(pass)) = (&s.username, &s.password) {
            builder = builder.credentials(Credentials::new(user.clone(), pass.expose_secret().to_string()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, m: &RenderedMessage) -> Result<(), String> {
        let to: Mailbox = m.to.parse().map_err(|e| format!("recipient: {e}"))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone());
        let email = match &m.body_html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                m.body_text.clone(),
                html.clone(),
            )),
            None => builder.header(ContentType::TEXT_PLAIN).body(m.body_text.clone()),
        }
        .map_err(|e| format!("message: {e}"))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| format!("smtp: {e}"))
    }
}

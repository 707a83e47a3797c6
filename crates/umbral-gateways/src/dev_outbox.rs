//! `--dev`: messages are kept in the database and shown at `/dev/outbox` instead of being sent.

use std::sync::Arc;

use async_trait::async_trait;
use umbral_core::clock::Clock;
use umbral_core::outbox::Channel;
use umbral_core::outbox::RenderedMessage;
use umbral_core::ports::{DevMessage, Mailer, SmsGateway, Store};

pub struct DevOutboxMailer {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl DevOutboxMailer {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }
}

#[async_trait]
impl Mailer for DevOutboxMailer {
    async fn send(&self, m: &RenderedMessage) -> Result<(), String> {
        let msg = DevMessage {
            channel: m.channel.as_str().to_string(),
            to: m.to.clone(),
            subject: m.subject.clone(),
            body: m.body_text.clone(),
            created_at: self.clock.now_ms(),
        };
        self.store.dev_outbox_put(&msg).await.map_err(|e| e.to_string())
    }
}

#[async_trait]
impl SmsGateway for DevOutboxMailer {
    async fn send_sms(&self, to: &str, text: &str) -> Result<(), String> {
        let msg = DevMessage {
            channel: Channel::Sms.as_str().to_string(),
            to: to.to_string(),
            subject: String::new(),
            body: text.to_string(),
            created_at: self.clock.now_ms(),
        };
        self.store.dev_outbox_put(&msg).await.map_err(|e| e.to_string())
    }
}

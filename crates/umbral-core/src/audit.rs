//! Security events. Each is written in the same transaction as the change it describes.

use crate::clock::UnixMillis;
use crate::error::CoreError;
use crate::secrets;

/// Who did it and from where.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: String,
    pub user_agent: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: String,
    pub at: UnixMillis,
    /// e.g. `user.signed_up`, `session.started`, `login.failed`.
    pub event: String,
    pub actor_user_id: Option<String>,
    pub subject_user_id: Option<String>,
    pub org_id: Option<String>,
    pub ip: String,
    pub user_agent: String,
    /// Short machine-readable details (`reason=...`).
    pub details: String,
}

impl AuditEvent {
    pub fn new(
        at: UnixMillis,
        event: &str,
        user_id: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<Self, CoreError> {
        Ok(Self {
            id: secrets::new_id(at)?,
            at,
            event: event.to_string(),
            actor_user_id: user_id.map(str::to_string),
            subject_user_id: user_id.map(str::to_string),
            org_id: None,
            ip: meta.ip.clone(),
            user_agent: meta.user_agent.chars().take(300).collect(),
            details: String::new(),
        })
    }

    pub fn org(mut self, org_id: &str) -> Self {
        self.org_id = Some(org_id.to_string());
        self
    }

    pub fn details(mut self, details: impl Into<String>) -> Self {
        self.details = details.into();
        self
    }
}

/// What part of the audit log to read (newest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Events of this organization, or about its members.
    pub org_id: Option<String>,
    /// Events about this user.
    pub user_id: Option<String>,
    /// Events whose name starts with this (`factor.` or `factor.enrolled`).
    pub event: Option<String>,
    pub from: Option<UnixMillis>,
    pub to: Option<UnixMillis>,
    /// Continue after this event (time, id): the cursor of the previous page.
    pub before: Option<(UnixMillis, String)>,
}

/// A page of the audit log and the cursor of the next one.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    pub next_cursor: Option<String>,
}

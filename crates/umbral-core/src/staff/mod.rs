//! What staff and their tools do through the admin API: API keys, and the lost-factor resets
//! they approve or reject (`docs/flows/two-factor.md`).

use crate::clock::UnixMillis;
use crate::types::OrgId;

/// What an API key may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiScope {
    /// Everything, as staff.
    Staff,
    /// Users of one organization only.
    Organization(OrgId),
}

impl ApiScope {
    pub fn as_string(&self) -> String {
        match self {
            ApiScope::Staff => "staff".to_string(),
            ApiScope::Organization(id) => format!("org:{}", id.0),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "staff" => Some(ApiScope::Staff),
            other => other
                .strip_prefix("org:")
                .filter(|id| !id.is_empty())
                .map(|id| ApiScope::Organization(OrgId(id.to_string()))),
        }
    }

    /// May this scope act on a user of `org`?
    pub fn reaches(&self, org: Option<&OrgId>) -> bool {
        match self {
            ApiScope::Staff => true,
            ApiScope::Organization(id) => org == Some(id),
        }
    }
}

/// A stored API key (its secret only as a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub key_hash: String,
    pub scope: ApiScope,
    pub created_at: UnixMillis,
    pub revoked_at: Option<UnixMillis>,
}

/// Who is calling the admin API, for authorization and the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiActor {
    pub key_id: String,
    pub name: String,
    pub scope: ApiScope,
    /// Set when a signed-in user acts (an organization's owner or admin), for the audit trail.
    pub user_id: Option<String>,
}

impl ApiActor {
    /// The `umbral` command line, run by an operator on the server: staff scope.
    pub fn command_line() -> Self {
        Self {
            key_id: "cli".to_string(),
            name: "command line".to_string(),
            scope: ApiScope::Staff,
            user_id: None,
        }
    }

    pub fn audit_name(&self) -> String {
        match &self.user_id {
            Some(u) => format!("user:{u}"),
            None => format!("api_key:{}", self.key_id),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetStatus {
    /// Asked for; the link mailed to the registered address is not opened yet.
    Unconfirmed,
    /// Confirmed from the registered address; waits for staff.
    Pending,
    Approved,
    Rejected,
}

impl ResetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ResetStatus::Unconfirmed => "unconfirmed",
            ResetStatus::Pending => "pending",
            ResetStatus::Approved => "approved",
            ResetStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "unconfirmed" => Some(ResetStatus::Unconfirmed),
            "pending" => Some(ResetStatus::Pending),
            "approved" => Some(ResetStatus::Approved),
            "rejected" => Some(ResetStatus::Rejected),
            _ => None,
        }
    }
}

/// A request to remove every factor of a user who lost them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorReset {
    pub id: String,
    pub user_id: String,
    pub status: ResetStatus,
    /// SHA-256 of the token in the confirmation link.
    pub token_hash: String,
    pub token_expires_at: UnixMillis,
    pub created_at: UnixMillis,
    pub confirmed_at: Option<UnixMillis>,
    pub decided_at: Option<UnixMillis>,
    pub decided_by: Option<String>,
    pub ip: String,
    pub user_agent: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        let org = OrgId("o1".into());
        assert_eq!(ApiScope::parse("staff"), Some(ApiScope::Staff));
        let s = ApiScope::parse("org:o1").unwrap();
        assert_eq!(s.as_string(), "org:o1");
        assert!(s.reaches(Some(&org)));
        assert!(!s.reaches(Some(&OrgId("o2".into()))));
        assert!(!s.reaches(None));
        assert!(ApiScope::Staff.reaches(None));
        assert_eq!(ApiScope::parse("org:"), None);
        assert_eq!(ApiScope::parse("root"), None);
    }
}

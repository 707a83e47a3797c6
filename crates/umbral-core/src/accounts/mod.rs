//! Users, organizations and members as the core sees them.

use crate::clock::UnixMillis;
use crate::types::{OrgId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Self {
        if s == "active" {
            UserStatus::Active
        } else {
            UserStatus::Disabled
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "owner" => Role::Owner,
            "admin" => Role::Admin,
            _ => Role::Member,
        }
    }
}

/// A stored user.
#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub phone: String,
    /// `None` for a user created by staff who has not set a password yet.
    pub password_hash: Option<String>,
    pub locale: String,
    pub status: UserStatus,
    pub email_confirmed_at: Option<UnixMillis>,
    pub created_at: UnixMillis,
}

/// A user's place in an organization.
#[derive(Debug, Clone)]
pub struct Membership {
    pub org_id: OrgId,
    pub org_name: String,
    pub role: Role,
    /// The organization's session policy, when it sets one.
    pub single_session: Option<bool>,
}

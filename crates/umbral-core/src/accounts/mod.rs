//! Users, organizations and members as the core sees them.

use crate::clock::UnixMillis;
use crate::policy::TwoFactorPolicy;
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
    /// Two-factor authentication turned on (by enrolling, by the user under policy `optional`,
    /// or by a lost-factor reset): without a factor, the next step is enrollment.
    pub mfa_enabled: bool,
    /// Moves on whenever the password or the factors change; trusted devices remember it.
    pub security_epoch: i64,
    /// Confirmed factors (authenticator apps and phones).
    pub factor_count: i64,
    /// The vendor's operator: always a second factor and one session; reaches the console.
    pub is_staff: bool,
}

impl User {
    /// The two-factor policy that applies to this user.
    pub fn two_factor_policy(
        &self,
        membership: Option<&Membership>,
        default: TwoFactorPolicy,
    ) -> TwoFactorPolicy {
        if self.is_staff {
            return TwoFactorPolicy::Required;
        }
        membership.and_then(|m| m.mfa_policy).unwrap_or(default)
    }

    /// Must this user set a factor up before anything else?
    pub fn must_enroll(&self, membership: Option<&Membership>, default: TwoFactorPolicy) -> bool {
        self.factor_count == 0
            && (self.mfa_enabled || self.two_factor_policy(membership, default) == TwoFactorPolicy::Required)
    }
}

/// A user's place in an organization.
#[derive(Debug, Clone)]
pub struct Membership {
    pub org_id: OrgId,
    pub org_name: String,
    pub role: Role,
    /// The organization's session policy, when it sets one.
    pub single_session: Option<bool>,
    /// The organization's two-factor policy, when it sets one.
    pub mfa_policy: Option<TwoFactorPolicy>,
    /// Moves on when the owner changes; trusted devices of members remember it.
    pub owner_epoch: i64,
    /// How far the organization's sign-up steps are.
    pub setup: crate::ports::OrgSetup,
}

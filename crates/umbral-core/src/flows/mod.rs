//! The journeys, one file each, as methods of [`crate::service::Umbral`].

pub mod admin;
pub mod audit_log;
pub mod challenge;
pub mod console;
pub mod enrollment;
pub mod factor_reset;
pub mod invitations;
pub mod login;
pub mod organization;
pub mod outbox;
pub mod password;
pub mod recovery;
pub mod session;
pub mod signup;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests;

use crate::accounts::{Membership, User};
use crate::policy::TwoFactorPolicy;

/// The step a session must do next, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    ConfirmEmail,
    EnrollFactor,
    SecondFactor,
    Done,
}

impl Next {
    /// The step a session must do next. `user` is `None` for the stand-in of a sign-up with a
    /// taken email; `mfa_passed` says whether this session passed a second-factor challenge.
    pub fn of(
        user: Option<&User>,
        membership: Option<&Membership>,
        mfa_passed: bool,
        default: TwoFactorPolicy,
    ) -> Self {
        match user {
            Some(u) if u.email_confirmed_at.is_some() => {
                if u.factor_count > 0 {
                    if mfa_passed {
                        Next::Done
                    } else {
                        Next::SecondFactor
                    }
                } else if u.must_enroll(membership, default) {
                    Next::EnrollFactor
                } else {
                    Next::Done
                }
            }
            _ => Next::ConfirmEmail,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Next::ConfirmEmail => "confirm_email",
            Next::EnrollFactor => "enroll_factor",
            Next::SecondFactor => "second_factor",
            Next::Done => "done",
        }
    }
}

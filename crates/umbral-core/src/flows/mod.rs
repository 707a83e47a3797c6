//! The journeys, one file each, as methods of [`crate::service::Umbral`].

pub mod audit_log;
pub mod challenge;
pub mod enrollment;
pub mod enterprise;
pub mod factor_reset;
pub mod input;
pub mod invitations;
pub mod login;
pub mod oidc;
pub mod onboarding;
pub mod organization;
pub mod outbox;
pub mod passkeys;
pub mod password;
pub mod providers;
pub mod recovery;
pub mod session;
pub mod signup;
pub mod staff;
pub mod upstream;
pub mod upstream_links;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests;

use crate::accounts::{Membership, Role, User};
use crate::policy::TwoFactorPolicy;
use crate::ports::OrgSetup;

/// The step a session must do next, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    ConfirmEmail,
    EnrollFactor,
    SecondFactor,
    /// The organization's owner gives the company data (sign-up, after 2FA).
    Company,
    /// The organization's owner pays (sign-up, after the company data).
    Checkout,
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
                        Next::past_second_factor(membership)
                    } else {
                        Next::SecondFactor
                    }
                } else if u.must_enroll(membership, default) {
                    Next::EnrollFactor
                } else {
                    Next::past_second_factor(membership)
                }
            }
            _ => Next::ConfirmEmail,
        }
    }

    /// [`Next::of`] for a session: a second factor an organization's provider vouched for
    /// (enterprise SSO) stands for the person's own, who may have none (staff excepted).
    pub fn of_session(
        user: Option<&User>,
        membership: Option<&Membership>,
        session: &crate::ports::SessionRecord,
        default: TwoFactorPolicy,
    ) -> Self {
        let mfa = session.mfa_at.map(|_| session.mfa_method);
        Next::after(user, membership, mfa, default)
    }

    /// [`Next::of`], given how the session passed its second factor (`Some(None)`: passed, by
    /// a way not recorded).
    pub fn after(
        user: Option<&User>,
        membership: Option<&Membership>,
        mfa: Option<Option<crate::factors::MfaVia>>,
        default: TwoFactorPolicy,
    ) -> Self {
        let by_provider = mfa == Some(Some(crate::factors::MfaVia::Provider))
            && user.is_some_and(|u| u.email_confirmed_at.is_some() && !u.is_staff);
        if by_provider {
            return Next::past_second_factor(membership);
        }
        Next::of(user, membership, mfa.is_some(), default)
    }

    /// The step after the second factor: the owner of an organization that is still being set up
    /// gives its company data and pays; everyone else is done.
    pub fn past_second_factor(membership: Option<&Membership>) -> Self {
        match membership {
            Some(m) if m.role == Role::Owner => match m.setup {
                OrgSetup::Company => Next::Company,
                OrgSetup::Checkout => Next::Checkout,
                OrgSetup::FirstSteps | OrgSetup::Ready => Next::Done,
            },
            _ => Next::Done,
        }
    }

    /// Has this session passed every sign-in check (the password and the second factor)? The
    /// sign-up steps that may follow are the organization's, not the sign-in's.
    pub fn signed_in(self) -> bool {
        matches!(self, Next::Company | Next::Checkout | Next::Done)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Next::ConfirmEmail => "confirm_email",
            Next::EnrollFactor => "enroll_factor",
            Next::SecondFactor => "second_factor",
            Next::Company => "company",
            Next::Checkout => "checkout",
            Next::Done => "done",
        }
    }
}

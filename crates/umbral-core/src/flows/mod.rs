//! The journeys, one file each, as methods of [`crate::service::Umbral`].

pub mod login;
pub mod outbox;
pub mod session;
pub mod signup;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests;

/// The step a session must do next, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    ConfirmEmail,
    Done,
}

impl Next {
    /// The step a user must do next (`None`: the stand-in of a sign-up with a taken email).
    pub fn for_user(user: Option<&crate::accounts::User>) -> Self {
        match user {
            Some(u) if u.email_confirmed_at.is_some() => Next::Done,
            _ => Next::ConfirmEmail,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Next::ConfirmEmail => "confirm_email",
            Next::Done => "done",
        }
    }
}

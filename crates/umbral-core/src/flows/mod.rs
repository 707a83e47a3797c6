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
    pub fn as_str(self) -> &'static str {
        match self {
            Next::ConfirmEmail => "confirm_email",
            Next::Done => "done",
        }
    }
}

//! Parsed values: raw strings become these at the edge, and the core only takes these.

mod email;
mod ids;
mod name;
mod password;
mod phone;

pub use email::Email;
pub use ids::{FactorId, OrgId, SessionId, UserId};
pub use name::PersonName;
pub use password::{Password, PasswordPolicy};
pub use phone::PhoneE164;

/// The languages Umbral speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    En,
    Es,
    PtBr,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::Es, Locale::PtBr];

    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Es => "es",
            Locale::PtBr => "pt-BR",
        }
    }

    /// Accepts a language tag such as `es`, `es-AR`, `pt`, `pt-br`, `en-US`.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let t = tag.trim().to_ascii_lowercase();
        let primary = t.split(['-', '_']).next().unwrap_or("");
        match primary {
            "en" => Some(Locale::En),
            "es" => Some(Locale::Es),
            "pt" => Some(Locale::PtBr),
            _ => None,
        }
    }
}

/// Loads the phone metadata, so that the first sign-up after a start is as fast as the others.
/// Runs off the async workers.
pub fn warm_up() {
    let _ = PhoneE164::parse_e164("+5491123456789");
}

/// Builds the password dictionaries (about 6 MB) once, on a thread of its own: called when a
/// page that asks for a new password is shown, so that the person typing hides the wait, and a
/// node that only signs people in never holds them.
pub fn warm_passwords() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let _ = std::thread::Builder::new()
            .name("password-dictionaries".into())
            .spawn(|| {
                let _ = Password::new_checked("warm up the dictionaries", &PasswordPolicy::default(), &[]);
            });
    });
}

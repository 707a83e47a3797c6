use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

use crate::error::FieldError;

/// What a password must be (NIST SP 800-63B: length, not common, not the user's own data, a
/// strength estimate; no composition rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_len: usize,
    pub max_len: usize,
    /// zxcvbn score 0..=4.
    pub min_score: u8,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_len: 10,
            max_len: 256,
            min_score: 3,
        }
    }
}

/// How much of a new password the strength estimate reads.
pub const ANALYSED_CHARS: usize = 64;

/// A password the user typed, in Unicode's NFKC form (NIST SP 800-63B 5.1.1.2), so that the same
/// password typed on another keyboard (decomposed accents, full-width letters) is the same one.
/// Hashes made before this normalisation are of the form as typed: `typed` keeps it when it
/// differs, to verify those and rehash them. Its `Debug` never shows either.
#[derive(Clone)]
pub struct Password {
    normalized: String,
    typed: Option<String>,
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common-passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

impl Password {
    /// A password offered at sign-in: only bounded in length (the policy applies when it is set).
    pub fn for_sign_in(raw: &str) -> Result<Self, FieldError> {
        if raw.is_empty() {
            return Err(FieldError::new("password", "password.required"));
        }
        // Bounded before normalising: NFKC can lengthen a text (up to 18 times per character).
        if raw.chars().count() > 256 {
            return Err(FieldError::new("password", "password.too_long").with("max", 256));
        }
        Ok(Self::normalize(raw))
    }

    fn normalize(raw: &str) -> Self {
        let normalized: String = raw.nfkc().collect();
        let typed = (normalized != raw).then(|| raw.to_string());
        Password { normalized, typed }
    }

    /// A new password, checked against the policy and the user's own data.
    pub fn new_checked(
        typed: &str,
        policy: &PasswordPolicy,
        user_inputs: &[&str],
    ) -> Result<Self, FieldError> {
        if typed.chars().count() > policy.max_len {
            return Err(FieldError::new("password", "password.too_long").with("max", policy.max_len as i64));
        }
        // Every rule judges the normalised form: a full-width "ｐａｓｓｗｏｒｄ" is "password".
        let password = Self::normalize(typed);
        let raw = password.normalized.as_str();
        let len = raw.chars().count();
        if len == 0 {
            return Err(FieldError::new("password", "password.required"));
        }
        if len < policy.min_len {
            return Err(FieldError::new("password", "password.too_short").with("min", policy.min_len as i64));
        }
        if len > policy.max_len {
            return Err(FieldError::new("password", "password.too_long").with("max", policy.max_len as i64));
        }
        let lower = raw.to_lowercase();
        if common_passwords().contains(lower.as_str()) {
            return Err(FieldError::new("password", "password.common"));
        }
        for input in user_inputs {
            let input = input.trim().to_lowercase();
            if input.chars().count() >= 3 && lower.contains(&input) {
                return Err(FieldError::new("password", "password.contains_personal"));
            }
        }
        // zxcvbn grows faster than the input: a 256-character weak password took 25-60 ms. Its
        // estimate of the first characters is the one that counts; the rest only adds.
        let analysed: String = raw.chars().take(ANALYSED_CHARS).collect();
        let score = zxcvbn::zxcvbn(&analysed, user_inputs).score() as u8;
        if score < policy.min_score {
            return Err(FieldError::new("password", "password.weak"));
        }
        // A new password is hashed in its normalised form only.
        Ok(Password {
            normalized: password.normalized,
            typed: None,
        })
    }

    /// The normalised form: what is hashed.
    pub fn expose(&self) -> &str {
        &self.normalized
    }

    /// The form as typed, when it differs from the normalised one: a hash made before the
    /// normalisation may be of this one.
    pub fn typed_form(&self) -> Option<&str> {
        self.typed.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(p: &str) -> Result<Password, &'static str> {
        Password::new_checked(
            p,
            &PasswordPolicy::default(),
            &["ana@example.com", "ana", "Ana Perez", "Perez"],
        )
        .map_err(|e| e.code)
    }

    #[test]
    fn policy_rules() {
        assert_eq!(check("").unwrap_err(), "password.required");
        assert_eq!(check("short1!").unwrap_err(), "password.too_short");
        assert_eq!(check(&"x".repeat(257)).unwrap_err(), "password.too_long");
        assert_eq!(check("Password123").unwrap_err(), "password.common");
        assert_eq!(
            check("perez-horse-battery").unwrap_err(),
            "password.contains_personal"
        );
        assert_eq!(check("aaaaaaaaaaaa").unwrap_err(), "password.weak");
        assert!(check("correct horse battery staple").is_ok());
        assert!(check("tigre-azul-lunes-47").is_ok());
    }

    #[test]
    fn the_same_password_typed_another_way_is_the_same_password() {
        let composed = "contraseña-de-Ñandú-47";
        let decomposed = "contrasen\u{303}a-de-N\u{303}andu\u{301}-47";
        let full_width = "ｃｏｎｔｒａｓｅñａ-ｄｅ-Ñａｎｄú-47";
        let a = check(composed).unwrap();
        for other in [decomposed, full_width] {
            assert_eq!(check(other).unwrap().expose(), a.expose());
            let at_sign_in = Password::for_sign_in(other).unwrap();
            assert_eq!(at_sign_in.expose(), a.expose());
            assert_eq!(at_sign_in.typed_form(), Some(other));
        }
        assert_eq!(Password::for_sign_in(composed).unwrap().typed_form(), None);
        // A full-width common password is the common password.
        assert_eq!(check("ｐａｓｓｗｏｒｄ１２３").unwrap_err(), "password.common");
    }

    #[test]
    fn debug_hides_the_password() {
        let p = check("correct horse battery staple").unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
    }
}

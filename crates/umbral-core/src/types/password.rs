use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

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

/// A password the user typed. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

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
        if raw.chars().count() > 256 {
            return Err(FieldError::new("password", "password.too_long").with("max", 256));
        }
        Ok(Password(raw.to_string()))
    }

    /// A new password, checked against the policy and the user's own data.
    pub fn new_checked(raw: &str, policy: &PasswordPolicy, user_inputs: &[&str]) -> Result<Self, FieldError> {
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
        Ok(Password(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
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
    fn debug_hides_the_password() {
        let p = check("correct horse battery staple").unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
    }
}

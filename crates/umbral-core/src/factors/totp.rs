//! Authenticator apps (RFC 6238): 160-bit keys, SHA-1, 6 digits, 30-second steps, one step of
//! drift either way. Codes are computed by `totp-rs`; which step matched is ours to keep, so that
//! no step is accepted twice.

use totp_rs::{Algorithm, Builder, Totp};

use crate::clock::UnixMillis;
use crate::error::CoreError;
use crate::secrets;

pub const STEP_SECS: i64 = 30;

/// A new 160-bit key.
pub fn new_secret() -> Result<[u8; 20], CoreError> {
    let mut key = [0u8; 20];
    secrets::fill_random(&mut key)?;
    Ok(key)
}

fn totp(secret: &[u8], issuer: &str, account: &str) -> Result<Totp, CoreError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret.to_vec())
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
        .map_err(|e| CoreError::Internal(format!("totp: {e}")))
}

/// The key as text for manual entry (base32, no padding).
pub fn secret_text(secret: &[u8]) -> String {
    totp_rs::Secret::from(secret.to_vec()).to_base32()
}

/// The key from its text form (what [`secret_text`] wrote; spaces ignored).
pub fn secret_from_text(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.split_whitespace().collect();
    totp_rs::Secret::try_from_base32(compact)
        .ok()
        .map(|s| s.as_bytes().to_vec())
}

/// `otpauth://totp/<issuer>:<email>?secret=...&issuer=...` (SHA-1, 6 digits and 30 s are the
/// format's defaults, so the URI leaves them out as every authenticator expects).
pub fn otpauth_uri(secret: &[u8], issuer: &str, email: &str) -> Result<String, CoreError> {
    totp(secret, issuer, email)?
        .to_url()
        .map_err(|e| CoreError::Internal(format!("totp: {e}")))
}

/// The code of a time step.
pub fn code_at_step(secret: &[u8], step: i64) -> Result<String, CoreError> {
    let t = totp(secret, "x", "x")?;
    let secs = u64::try_from(step.max(0)).unwrap_or(0) * 30;
    Ok(t.generate(secs).to_string())
}

/// The time step `code` belongs to, if it is the code of the current step or of one step either
/// side. Every candidate is compared, in constant time.
pub fn matching_step(secret: &[u8], code: &str, now: UnixMillis) -> Result<Option<i64>, CoreError> {
    let current = now.div_euclid(1000 * STEP_SECS);
    let mut found = None;
    for step in [current - 1, current, current + 1] {
        if secrets::ct_eq(&code_at_step(secret, step)?, code) && found.is_none() {
            found = Some(step);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_new() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_ne!(a, b);
        assert!(a.iter().any(|x| *x != a[0]), "not one byte repeated");
    }

    /// RFC 6238 appendix B, SHA-1 (8-digit values; the 6-digit code is their last six digits).
    #[test]
    fn rfc_6238_vectors() {
        let key = b"12345678901234567890";
        for (secs, eight) in [
            (59i64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(code_at_step(key, secs / 30).unwrap(), eight[2..]);
        }
    }

    #[test]
    fn accepts_one_step_of_drift_either_way_and_says_which() {
        let key = new_secret().unwrap();
        let now = 1_700_000_015_000;
        let step = now / 30_000;
        for s in [step - 1, step, step + 1] {
            let code = code_at_step(&key, s).unwrap();
            assert_eq!(matching_step(&key, &code, now).unwrap(), Some(s));
        }
        for s in [step - 2, step + 2] {
            let code = code_at_step(&key, s).unwrap();
            assert_eq!(matching_step(&key, &code, now).unwrap(), None);
        }
        assert_eq!(matching_step(&key, "12345", now).unwrap(), None);
    }

    #[test]
    fn uri_names_issuer_and_account() {
        let key = [7u8; 20];
        let uri = otpauth_uri(&key, "Acme Cloud", "ana@example.com").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Acme%20Cloud:ana%40example.com?secret="),
            "{uri}"
        );
        assert!(uri.contains(&format!("secret={}", secret_text(&key))));
        assert!(uri.contains("issuer=Acme%20Cloud"));
        assert_eq!(secret_text(&key).len(), 32);
        assert_eq!(secret_from_text(&secret_text(&key)).unwrap(), key.to_vec());
    }
}

//! Random tokens and codes, and the hashing of tokens before they are stored.
//!
//! Every token a user sees is 256 bits from the operating system's generator. Only its SHA-256
//! digest is stored, so a copy of the database does not let anyone sign in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::clock::UnixMillis;
use crate::error::CoreError;

/// Fills `buf` from the operating system's generator.
pub fn fill_random(buf: &mut [u8]) -> Result<(), CoreError> {
    getrandom::fill(buf).map_err(|e| CoreError::Internal(format!("random source: {e}")))
}

/// A new 256-bit token, base64url without padding (43 characters).
pub fn new_token() -> Result<String, CoreError> {
    let mut b = [0u8; 32];
    fill_random(&mut b)?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

/// The stored form of a token: hex SHA-256.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A uniformly random 6-digit code, "000000" to "999999".
pub fn new_code6() -> Result<String, CoreError> {
    // Rejection sampling keeps the distribution uniform.
    loop {
        let mut b = [0u8; 4];
        fill_random(&mut b)?;
        let v = u32::from_le_bytes(b);
        if v < 4_294_000_000 {
            return Ok(format!("{:06}", v % 1_000_000));
        }
    }
}

/// Stored form of a short code: the code is bound to what it is for, so a hash cannot be replayed
/// for another subject.
pub fn hash_code(subject: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(subject.as_bytes());
    h.update([0u8]);
    h.update(code.as_bytes());
    hex::encode(h.finalize())
}

/// Constant-time comparison of two strings (hashes, tokens).
pub fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A new identifier: UUID v7 built from the clock's time and OS randomness.
pub fn new_id(now: UnixMillis) -> Result<String, CoreError> {
    let mut rnd = [0u8; 10];
    fill_random(&mut rnd)?;
    let ms = u64::try_from(now.max(0)).unwrap_or(0);
    let id = uuid::Builder::from_unix_timestamp_millis(ms, &rnd).into_uuid();
    Ok(id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_and_distinct() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, b);
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
    }

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..200 {
            let c = new_code6().unwrap();
            assert_eq!(c.len(), 6);
            assert!(c.chars().all(|ch| ch.is_ascii_digit()));
        }
    }

    #[test]
    fn code_hash_is_bound_to_subject() {
        assert_ne!(hash_code("a", "123456"), hash_code("b", "123456"));
        assert!(ct_eq(&hash_code("a", "1"), &hash_code("a", "1")));
        assert!(!ct_eq("abc", "abd"));
        assert!(!ct_eq("abc", "abcd"));
    }

    #[test]
    fn ids_sort_by_time() {
        let a = new_id(1_000).unwrap();
        let b = new_id(2_000).unwrap();
        assert!(a < b);
    }
}

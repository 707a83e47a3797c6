//! Random tokens and codes, and the hashing of tokens before they are stored.
//!
//! Every token a user sees is 256 bits from the operating system's generator. Only its SHA-256
//! digest is stored, so a copy of the database does not let anyone sign in. Secrets the server
//! must read back (TOTP keys) are encrypted with [`SecretKey`] (ChaCha20-Poly1305).

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

/// The key that encrypts secrets at rest, from configuration (32 bytes, base64).
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

const SEALED_PREFIX: &str = "v1.";

impl SecretKey {
    /// Reads a key written as base64 (standard or URL-safe) of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, String> {
        use base64::engine::general_purpose::STANDARD;
        let text = text.trim();
        let bytes = STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
            .map_err(|_| "the key is not base64".to_string())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "the key must be 32 bytes (44 base64 characters)".to_string())?;
        Ok(Self(key))
    }

    /// A fixed key for `--dev` and tests only: anyone can read what it seals.
    pub fn insecure_dev_key() -> Self {
        Self(*b"umbral-dev-key-not-for-real-use!")
    }

    /// An HMAC-SHA256 tag of `data` for `context`, base64url: for values the server hands out
    /// and must recognise later without storing them (the sign-in device cookie).
    pub fn mac(&self, context: &str, data: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        m.update(b"umbral.mac.v1\0");
        m.update(context.as_bytes());
        m.update(b"\0");
        m.update(data.as_bytes());
        URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
    }

    /// Encrypts `plain`, bound to `context` (e.g. the factor id), as `v1.<base64url(nonce|ciphertext)>`.
    pub fn seal(&self, plain: &[u8], context: &str) -> Result<String, CoreError> {
        use chacha20poly1305::aead::{Aead, KeyInit, Payload};
        let cipher = chacha20poly1305::ChaCha20Poly1305::new(&self.0.into());
        let mut nonce = [0u8; 12];
        fill_random(&mut nonce)?;
        let sealed = cipher
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CoreError::Internal("encryption failed".to_string()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// Decrypts what [`SecretKey::seal`] wrote with the same context.
    /// Whether a stored text is one `seal` made (and not, say, plain JSON of an older row).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(SEALED_PREFIX)
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, CoreError> {
        use chacha20poly1305::aead::{Aead, KeyInit, Payload};
        let bad = || CoreError::Internal("a stored secret cannot be decrypted (wrong key?)".to_string());
        let raw = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .ok_or_else(bad)?;
        if raw.len() < 12 {
            return Err(bad());
        }
        let (nonce, body) = raw.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| bad())?;
        let cipher = chacha20poly1305::ChaCha20Poly1305::new(&self.0.into());
        cipher
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_reach_every_six_digit_value() {
        // The sampling keeps 4,294,000,000 of the 2^32 draws: codes from 967296 up must appear
        // (about 3% of them).
        let high = (0..20_000)
            .map(|_| new_code6().unwrap())
            .filter(|c| c.as_str() >= "967296")
            .count();
        assert!(high > 100, "{high}");
    }

    #[test]
    fn a_key_never_prints_and_sealed_text_is_told_apart() {
        let key = SecretKey::insecure_dev_key();
        assert_eq!(format!("{key:?}"), "SecretKey(..)");
        let sealed = key.seal(b"secret", "ctx").unwrap();
        assert!(SecretKey::is_sealed(&sealed));
        assert!(!SecretKey::is_sealed("{\"plain\": \"json\"}"));
        // Too short to hold a nonce: refused, never a panic.
        let stub = format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode([1u8; 5]));
        assert!(key.open(&stub, "ctx").is_err());
    }

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_context() {
        let key = SecretKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
        let sealed = key.seal(b"totp secret", "factor-1").unwrap();
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("totp"));
        assert_eq!(key.open(&sealed, "factor-1").unwrap(), b"totp secret");
        assert!(key.open(&sealed, "factor-2").is_err());
        assert!(SecretKey::insecure_dev_key().open(&sealed, "factor-1").is_err());
        assert_ne!(sealed, key.seal(b"totp secret", "factor-1").unwrap());
        assert!(SecretKey::from_base64("c2hvcnQ=").is_err());
        assert!(key.open("v1.!!", "factor-1").is_err());
    }

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

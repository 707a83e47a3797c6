//! Passkeys (WebAuthn; `docs/flows/two-factor.md`, ADR 0014): the relying party Umbral is, the
//! ceremonies under way, and a passkey as stored.
//!
//! One credential serves both uses: the second factor after the password, and a sign-in without
//! one. Every passkey must verify the person (PIN, fingerprint, face), so a signature from one is
//! worth two factors.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use webauthn_rs::prelude::{Url, Uuid, Webauthn, WebauthnBuilder};

use super::assertion::Expected;
use crate::clock::UnixMillis;
use crate::error::{CoreError, FieldError};
use crate::types::{FactorId, SessionId, UserId};

/// How long a ceremony may take, from the options to the browser's answer.
pub const CEREMONY_TTL_MS: i64 = 5 * 60 * 1000;

/// The longest name a passkey may have, in characters.
pub const NAME_MAX: usize = 60;

/// The most a browser's answer may weigh (its JSON, base64url inside).
pub const ANSWER_MAX: usize = 64 * 1024;

/// What a ceremony is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyPurpose {
    /// Adding a passkey to a signed-in account (or at the enrollment step).
    Register,
    /// The second factor after the password.
    SecondFactor,
    /// Signing in without a password ("Sign in with a passkey", the email field's autofill).
    SignIn,
}

impl CeremonyPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::SecondFactor => "second_factor",
            Self::SignIn => "sign_in",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "register" => Some(Self::Register),
            "second_factor" => Some(Self::SecondFactor),
            "sign_in" => Some(Self::SignIn),
            _ => None,
        }
    }
}

/// A ceremony under way: the library's state, kept server-side and taken once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceremony {
    /// SHA-256 of the id the page holds.
    pub id_hash: String,
    pub purpose: CeremonyPurpose,
    /// Whose it is (none for a sign-in without a password: the passkey says who).
    pub user_id: Option<UserId>,
    /// The session that started it (none for a sign-in without a password).
    pub session_id_hash: Option<SessionId>,
    /// The library's state, as JSON.
    pub state: String,
    pub created_at: UnixMillis,
    pub expires_at: UnixMillis,
}

/// A confirmed passkey as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPasskey {
    pub factor_id: FactorId,
    pub user_id: UserId,
    /// The credential as the WebAuthn library registered it (JSON): id, public key, algorithm.
    /// Written once; the counter and the backup flags are the columns beside it.
    pub credential: String,
    pub sign_count: i64,
    pub backup_eligible: bool,
    pub backup_state: bool,
}

/// What a signature uses up and changes: its ceremony (deleted), its passkey's counter and flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyUse {
    /// The ceremony answered: it must still be there, and goes in the same transaction.
    pub ceremony_hash: String,
    /// The counter read before the check: the write happens only if it is still this.
    pub previous_count: i64,
    pub sign_count: i64,
    pub backup_state: bool,
    pub backup_eligible: bool,
}

/// Umbral as a WebAuthn relying party: the library that makes options and checks registrations,
/// and what assertions are checked against ([`assertion`](super::assertion)).
pub struct RelyingParty {
    pub webauthn: Webauthn,
    pub expected: Expected,
}

/// The relying party for `public_url`: its host is the relying party id, its origin the only
/// one accepted. Browsers refuse an IP address as a relying party id, so such an address turns
/// passkeys off (the reason is said at start and on the pages).
pub fn relying_party(public_url: &str, name: &str) -> Result<RelyingParty, String> {
    let url = Url::parse(public_url).map_err(|e| format!("public_url is not an address: {e}"))?;
    let domain = match url.host() {
        Some(url::Host::Domain(d)) => d.to_string(),
        Some(_) => {
            return Err(format!(
                "public_url {public_url} is an IP address, and browsers accept passkeys only for a \
                 name: use localhost or a domain"
            ));
        }
        None => return Err("public_url has no host".to_string()),
    };
    let origin = Url::parse(&url.origin().ascii_serialization())
        .map_err(|e| format!("public_url has no origin: {e}"))?;
    let webauthn = WebauthnBuilder::new(&domain, &origin)
        .and_then(|b| {
            b.rp_name(name)
                .timeout(std::time::Duration::from_millis(CEREMONY_TTL_MS as u64))
                .build()
        })
        .map_err(|e| format!("passkeys cannot use {public_url}: {e}"))?;
    Ok(RelyingParty {
        webauthn,
        expected: Expected::new(&domain, url.origin()),
    })
}

/// The state of a sign-in ceremony (second factor or alone) kept until the answer: the
/// challenge the authenticator must sign, base64url. Whose passkeys may answer is checked
/// against the store when the answer comes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AssertionState {
    pub challenge: String,
}

impl AssertionState {
    pub fn new(challenge: &[u8]) -> Self {
        Self {
            challenge: URL_SAFE_NO_PAD.encode(challenge),
        }
    }

    pub fn challenge(&self) -> Option<Vec<u8>> {
        URL_SAFE_NO_PAD.decode(&self.challenge).ok()
    }
}

/// The user handle a passkey keeps: derived from the user id, so that it names no one and needs
/// no column of its own.
pub fn user_handle(user_id: &UserId) -> Uuid {
    let digest = Sha256::digest(format!("umbral-passkey-user:{}", user_id.as_str()).as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes)
}

/// A credential id as stored and compared.
pub fn credential_id_text(raw: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

/// A passkey's name as given, trimmed; empty gives `default`.
pub fn check_name(name: &str, default: &str) -> Result<String, FieldError> {
    let name = name.trim();
    if name.chars().any(char::is_control) {
        return Err(FieldError::new("name", "passkey.name_invalid"));
    }
    if name.chars().count() > NAME_MAX {
        return Err(FieldError::new("name", "passkey.name_too_long"));
    }
    Ok(if name.is_empty() { default } else { name }.to_string())
}

/// The browser's answer as the page posts it: `{"ceremony": "...", "credential": {...}}`.
pub fn parse_answer<T: serde::de::DeserializeOwned>(answer: &str) -> Result<(String, T), CoreError> {
    #[derive(serde::Deserialize)]
    struct Answer<T> {
        ceremony: String,
        credential: T,
    }
    if answer.trim().is_empty() {
        return Err(CoreError::invalid("passkey", "passkey.missing"));
    }
    if answer.len() > ANSWER_MAX {
        return Err(CoreError::invalid("passkey", "passkey.malformed"));
    }
    let parsed: Answer<T> =
        serde_json::from_str(answer).map_err(|_| CoreError::invalid("passkey", "passkey.malformed"))?;
    if parsed.ceremony.is_empty() || parsed.ceremony.len() > 100 {
        return Err(CoreError::invalid("passkey", "passkey.malformed"));
    }
    Ok((parsed.ceremony, parsed.credential))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ip_address_turns_passkeys_off_and_a_name_does_not() {
        assert!(relying_party("http://127.0.0.1:8080", "Umbral").is_err());
        assert!(relying_party("http://[::1]:8080", "Umbral").is_err());
        assert!(relying_party("not a url", "Umbral").is_err());
        let rp = relying_party("https://id.example.com/base/", "Umbral");
        assert!(rp.is_ok());
        assert!(relying_party("http://localhost:8080", "Umbral").is_ok());
    }

    #[test]
    fn the_user_handle_is_stable_and_differs_between_users() {
        let a = user_handle(&UserId("u1".into()));
        assert_eq!(a, user_handle(&UserId("u1".into())));
        assert_ne!(a, user_handle(&UserId("u2".into())));
    }

    #[test]
    fn names_are_trimmed_bounded_and_default() {
        assert_eq!(check_name("  Phone ", "Passkey").ok().as_deref(), Some("Phone"));
        assert_eq!(check_name("", "Passkey").ok().as_deref(), Some("Passkey"));
        assert!(check_name(&"x".repeat(NAME_MAX), "P").is_ok());
        assert!(check_name(&"x".repeat(NAME_MAX + 1), "P").is_err());
        assert!(check_name("a\u{7}b", "P").is_err());
    }

    #[test]
    fn ceremonies_last_five_minutes_and_read_back_as_written() {
        assert_eq!(CEREMONY_TTL_MS, 5 * 60 * 1000);
        assert_eq!(CEREMONY_TTL_MS, 300_000);
        for p in [
            CeremonyPurpose::Register,
            CeremonyPurpose::SecondFactor,
            CeremonyPurpose::SignIn,
        ] {
            assert_eq!(CeremonyPurpose::parse(p.as_str()), Some(p));
        }
        assert_eq!(CeremonyPurpose::SignIn.as_str(), "sign_in");
        assert_eq!(CeremonyPurpose::parse("login"), None);
    }

    #[test]
    fn credential_ids_are_base64url_without_padding() {
        assert_eq!(credential_id_text(&[0xfb, 0xff]), "-_8");
        assert_eq!(credential_id_text(b"abc"), "YWJj");
    }

    #[test]
    fn answers_must_be_whole_and_small() {
        let ok: Result<(String, serde_json::Value), _> = parse_answer(r#"{"ceremony":"c","credential":{}}"#);
        assert_eq!(ok.ok().map(|(c, _)| c).as_deref(), Some("c"));
        for bad in [
            "",
            "{",
            r#"{"ceremony":"","credential":{}}"#,
            r#"{"credential":{}}"#,
        ] {
            assert!(parse_answer::<serde_json::Value>(bad).is_err(), "{bad}");
        }
        let big = format!(r#"{{"ceremony":"c","credential":"{}"}}"#, "a".repeat(ANSWER_MAX));
        assert!(parse_answer::<serde_json::Value>(&big).is_err());
        // Exactly the most an answer may weigh (64 KiB) passes; one byte more does not.
        assert_eq!(ANSWER_MAX, 65_536);
        let frame = r#"{"ceremony":"c","credential":""}"#.len();
        let fits = format!(
            r#"{{"ceremony":"c","credential":"{}"}}"#,
            "a".repeat(ANSWER_MAX - frame)
        );
        assert_eq!(fits.len(), ANSWER_MAX);
        assert!(parse_answer::<serde_json::Value>(&fits).is_ok());
        let over = format!(
            r#"{{"ceremony":"c","credential":"{}"}}"#,
            "a".repeat(ANSWER_MAX - frame + 1)
        );
        assert!(parse_answer::<serde_json::Value>(&over).is_err());
        // A ceremony id is a token (43 characters); up to 100 are read, no more.
        let id = |n: usize| format!(r#"{{"ceremony":"{}","credential":{{}}}}"#, "c".repeat(n));
        assert!(parse_answer::<serde_json::Value>(&id(100)).is_ok());
        assert!(parse_answer::<serde_json::Value>(&id(101)).is_err());
    }
}

//! PKCE (RFC 7636): the code is bound to a challenge, and only the holder of its verifier may
//! exchange it. Only `S256` is accepted: `plain` would let whoever saw the request use the code.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A verifier or a challenge: 43 to 128 of the unreserved characters (RFC 7636 4.1).
pub fn well_formed(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// `BASE64URL(SHA256(verifier)) == challenge`, for a well-formed verifier.
pub fn verify(verifier: &str, challenge: &str) -> bool {
    if !well_formed(verifier) {
        return false;
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    crate::secrets::ct_eq(&computed, challenge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_rfc_example() {
        // RFC 7636, appendix B.
        assert!(verify(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!verify(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }

    #[test]
    fn too_short_or_odd_verifiers_never_verify() {
        let short = "abc";
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(short.as_bytes()));
        assert!(!verify(short, &challenge));
        let odd = format!("{}!", "a".repeat(50));
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(odd.as_bytes()));
        assert!(!verify(&odd, &challenge));
        assert!(!well_formed(&"a".repeat(129)));
        assert!(well_formed(&"a".repeat(128)));
    }

    proptest! {
        #[test]
        fn any_verifier_verifies_its_own_challenge_only(v in "[A-Za-z0-9._~-]{43,128}", w in "[A-Za-z0-9._~-]{43,128}") {
            let c = URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()));
            prop_assert!(verify(&v, &c));
            prop_assert_eq!(verify(&w, &c), v == w);
        }
    }
}

//! Client assertions (`private_key_jwt`, RFC 7523 2.2, OpenID Connect Core 9): a confidential
//! client proves itself at the token endpoint with a short JWT signed by one of the keys it
//! registered; each assertion is good for one request (its `jti` is remembered until it
//! expires, `flows/oidc/token.rs`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// An assertion may be valid for at most this long, which bounds how long its `jti` is kept.
pub const MAX_LIFETIME_SECS: i64 = 3600;
/// Clock difference allowed between the client and Umbral.
const LEEWAY_SECS: i64 = 30;
const MAX_KEYS: usize = 10;
const MAX_JWKS_LEN: usize = 32 * 1024;
const MAX_ASSERTION_LEN: usize = 8 * 1024;

/// The signature algorithms a client may sign with: asymmetric ones only (never `none`, never a
/// shared secret).
const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// A client's JWKS: at most ten public keys (no private or symmetric key), each usable.
pub fn parse_jwks(text: &str) -> Option<JwkSet> {
    if text.len() > MAX_JWKS_LEN {
        return None;
    }
    let mut raw: serde_json::Value = serde_json::from_str(text).ok()?;
    let keys = raw.get_mut("keys")?.as_array_mut()?;
    if keys.is_empty() || keys.len() > MAX_KEYS {
        return None;
    }
    let private = |k: &serde_json::Value| ["d", "p", "q", "k"].iter().any(|f| k.get(f).is_some());
    if keys.iter().any(private) {
        return None;
    }
    keys.iter_mut().for_each(full_coordinates);
    let set: JwkSet = serde_json::from_value(raw).ok()?;
    set.keys
        .iter()
        .all(|k| !matches!(k.algorithm, AlgorithmParameters::OctetKey(_)) && DecodingKey::from_jwk(k).is_ok())
        .then_some(set)
}

/// Some libraries (Authlib among them) write an EC coordinate without its leading zero bytes,
/// about one key in a hundred, where RFC 7518 asks for the curve's full size; they are put back,
/// so that such a key verifies like any other instead of failing now and then.
fn full_coordinates(key: &mut serde_json::Value) {
    if key.get("kty").and_then(|k| k.as_str()) != Some("EC") {
        return;
    }
    let size = match key.get("crv").and_then(|c| c.as_str()) {
        Some("P-256") => 32,
        Some("P-384") => 48,
        Some("P-521") => 66,
        _ => return,
    };
    for c in ["x", "y"] {
        if let Some(bytes) = key
            .get(c)
            .and_then(|v| v.as_str())
            .and_then(|t| URL_SAFE_NO_PAD.decode(t).ok())
            && bytes.len() < size
        {
            let mut full = vec![0u8; size - bytes.len()];
            full.extend_from_slice(&bytes);
            key[c] = URL_SAFE_NO_PAD.encode(full).into();
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    jti: String,
    exp: i64,
}

/// An assertion that holds: what must be remembered so that it is not used again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    pub jti: String,
    /// Unix seconds.
    pub exp: i64,
}

/// Checks a client assertion: signed by one of `keys`, issued by and about `client_id`, for one of
/// `audiences` (the token endpoint or the issuer), unexpired at `now_secs` and not valid for
/// longer than an hour. The error says what failed (for the log, never for the client).
pub fn verify(
    assertion: &str,
    client_id: &str,
    keys: &JwkSet,
    audiences: &[String],
    now_secs: i64,
) -> Result<Assertion, &'static str> {
    if assertion.len() > MAX_ASSERTION_LEN {
        return Err("too long");
    }
    let header = jsonwebtoken::decode_header(assertion).map_err(|_| "not a JWT")?;
    if !ALGORITHMS.contains(&header.alg) {
        return Err("algorithm not allowed");
    }
    let mut v = Validation::new(header.alg);
    v.set_audience(audiences);
    v.set_issuer(&[client_id]);
    v.sub = Some(client_id.to_string());
    v.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    // Expiry against Umbral's clock, below.
    v.validate_exp = false;
    let candidates = keys
        .keys
        .iter()
        .filter(|k| header.kid.is_none() || k.common.key_id == header.kid);
    let claims = candidates
        .filter_map(|k| DecodingKey::from_jwk(k).ok())
        .find_map(|k| jsonwebtoken::decode::<Claims>(assertion, &k, &v).ok())
        .ok_or("no registered key verifies it, or iss/sub/aud are wrong")?
        .claims;
    if claims.exp + LEEWAY_SECS < now_secs {
        return Err("expired");
    }
    if claims.exp > now_secs + MAX_LIFETIME_SECS + LEEWAY_SECS {
        return Err("valid for too long");
    }
    if claims.jti.is_empty() || claims.jti.len() > 200 {
        return Err("jti missing");
    }
    Ok(Assertion {
        jti: claims.jti,
        exp: claims.exp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::keys::{self, KeyAlg};
    use proptest::prelude::*;
    use serde_json::json;

    const NOW: i64 = 1_900_000_000;

    fn client_key(alg: KeyAlg, kid: &str) -> (keys::SigningKey, JwkSet) {
        let key = keys::open(kid, alg, &keys::generate(alg).unwrap()).unwrap();
        let set = JwkSet {
            keys: vec![key.jwk.clone()],
        };
        (key, set)
    }

    fn sign(key: &keys::SigningKey, claims: serde_json::Value) -> String {
        let header = jsonwebtoken::Header {
            kid: Some(key.kid.clone()),
            ..jsonwebtoken::Header::new(key.alg.jwt())
        };
        jsonwebtoken::encode(&header, &claims, &key.encoding).unwrap()
    }

    fn claims(over: serde_json::Value) -> serde_json::Value {
        let mut c = json!({
            "iss": "app", "sub": "app", "aud": "https://id.example.com/oauth2/token",
            "jti": "j1", "exp": NOW + 60, "iat": NOW,
        });
        for (k, v) in over.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    }

    #[test]
    fn an_ec_key_written_without_a_coordinates_leading_zero_still_verifies() {
        let aud = ["https://id.example.com/oauth2/token".to_string()];
        // About one P-256 key in a hundred has a coordinate that starts with a zero byte.
        let (key, mut jwk) = (0..5000)
            .map(|_| client_key(KeyAlg::Es256, "c1"))
            .map(|(key, set)| (key, serde_json::to_value(&set.keys[0]).unwrap()))
            .find(|(_, jwk)| {
                ["x", "y"]
                    .iter()
                    .any(|c| URL_SAFE_NO_PAD.decode(jwk[*c].as_str().unwrap()).unwrap()[0] == 0)
            })
            .unwrap();
        for c in ["x", "y"] {
            let bytes = URL_SAFE_NO_PAD.decode(jwk[c].as_str().unwrap()).unwrap();
            let short: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
            jwk[c] = URL_SAFE_NO_PAD.encode(short).into();
        }
        let text = json!({"keys": [jwk]}).to_string();
        let set = parse_jwks(&text).expect("parsed with its coordinates made whole");
        let signed = sign(&key, claims(json!({})));
        assert!(verify(&signed, "app", &set, &aud, NOW).is_ok());
    }

    #[test]
    fn an_assertion_holds_only_when_every_rule_does() {
        let aud = [
            "https://id.example.com/oauth2/token".to_string(),
            "https://id.example.com".to_string(),
        ];
        for alg in KeyAlg::ALL {
            let (key, set) = client_key(alg, "c1");
            let good = sign(&key, claims(json!({})));
            assert_eq!(
                verify(&good, "app", &set, &aud, NOW),
                Ok(Assertion {
                    jti: "j1".into(),
                    exp: NOW + 60
                })
            );
            let issuer_aud = sign(&key, claims(json!({"aud": "https://id.example.com"})));
            assert!(verify(&issuer_aud, "app", &set, &aud, NOW).is_ok());
            // The edges: 30 s of clock difference either way, an hour of life, 200-byte ids.
            for edge in [
                json!({"exp": NOW - 30}),
                json!({"exp": NOW + 3630}),
                json!({"jti": "j".repeat(200)}),
            ] {
                let token = sign(&key, claims(edge.clone()));
                assert!(verify(&token, "app", &set, &aud, NOW).is_ok(), "{alg:?} {edge}");
            }
            for (bad, why) in [
                (
                    claims(json!({"aud": "https://elsewhere.example.com"})),
                    "audience",
                ),
                (claims(json!({"iss": "other"})), "issuer"),
                (claims(json!({"sub": "other"})), "subject"),
                (claims(json!({"exp": NOW - 31})), "expired"),
                (claims(json!({"exp": NOW + 3631})), "too long"),
                (claims(json!({"jti": ""})), "jti"),
                (claims(json!({"jti": "j".repeat(201)})), "long jti"),
            ] {
                assert!(
                    verify(&sign(&key, bad), "app", &set, &aud, NOW).is_err(),
                    "{alg:?} {why}"
                );
            }
            let (other, _) = client_key(alg, "c1");
            assert!(verify(&sign(&other, claims(json!({}))), "app", &set, &aud, NOW).is_err());
        }
        // A shared-secret or unsigned token is never an assertion.
        let (_, set) = client_key(KeyAlg::Es256, "c1");
        let hs = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &claims(json!({})),
            &jsonwebtoken::EncodingKey::from_secret(b"secret").unwrap(),
        )
        .unwrap();
        assert_eq!(verify(&hs, "app", &set, &aud, NOW), Err("algorithm not allowed"));
        let none = format!("eyJhbGciOiJub25lIn0.{}.", hs.split('.').nth(1).unwrap());
        assert!(verify(&none, "app", &set, &aud, NOW).is_err());
        // At most 8 KiB.
        let (key, set) = client_key(KeyAlg::Es256, "c1");
        let sized = |len: usize| {
            let base = sign(&key, claims(json!({}))).len();
            // Base64 makes four characters of every three.
            sign(
                &key,
                claims(json!({"pad": "a".repeat((len - base) * 3 / 4 - 12)})),
            )
        };
        let (fits, over) = (sized(8 * 1024 - 40), sized(8 * 1024 + 40));
        assert!(fits.len() <= 8 * 1024 && over.len() > 8 * 1024);
        assert!(verify(&fits, "app", &set, &aud, NOW).is_ok());
        assert_eq!(verify(&over, "app", &set, &aud, NOW), Err("too long"));
    }

    #[test]
    fn a_jwks_holds_public_keys_only() {
        let (_, set) = client_key(KeyAlg::Es256, "c1");
        assert!(parse_jwks(&serde_json::to_string(&set).unwrap()).is_some());
        // At most ten keys, and 32 KiB.
        let many = |n: usize| {
            let one = serde_json::to_value(&set.keys[0]).unwrap();
            json!({"keys": vec![one; n]}).to_string()
        };
        assert!(parse_jwks(&many(10)).is_some());
        assert!(parse_jwks(&many(11)).is_none());
        let padded = |len: usize| {
            let mut k = serde_json::to_value(&set.keys[0]).unwrap();
            let text = json!({"keys": [k.clone()]}).to_string();
            k["x-pad"] = json!("a".repeat(len - text.len() - 11));
            let t = json!({"keys": [k]}).to_string();
            assert_eq!(t.len(), len);
            t
        };
        assert!(parse_jwks(&padded(MAX_JWKS_LEN)).is_some());
        assert!(parse_jwks(&padded(MAX_JWKS_LEN + 1)).is_none());
        for bad in [
            "",
            "[]",
            r#"{"keys": []}"#,
            r#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#,
            r#"{"keys": [{"kty": "EC", "crv": "P-256", "x": "a", "y": "b", "d": "c"}]}"#,
            r#"{"keys": [{"kty": "EC", "crv": "P-256", "x": "a", "y": "b"}]}"#,
        ] {
            assert!(parse_jwks(bad).is_none(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn no_text_crashes_the_checks(s in ".{0,400}") {
            let (_, set) = client_key(KeyAlg::Es256, "c1");
            let _ = verify(&s, "app", &set, &["a".to_string()], NOW);
            let _ = parse_jwks(&s);
        }
    }
}

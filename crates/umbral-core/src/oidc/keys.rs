//! The provider's signing keys: made here (aws-lc), kept sealed under the configured encryption
//! key, published in the JWKS before they sign and after they stop.

use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

use crate::clock::UnixMillis;
use crate::error::CoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyAlg {
    #[default]
    Rs256,
    Es256,
    EdDsa,
}

impl KeyAlg {
    /// Every algorithm the provider signs with; each has its own keys.
    pub const ALL: [KeyAlg; 3] = [KeyAlg::Rs256, KeyAlg::Es256, KeyAlg::EdDsa];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlg::Rs256 => "RS256",
            KeyAlg::Es256 => "ES256",
            KeyAlg::EdDsa => "EdDSA",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn jwt(self) -> Algorithm {
        match self {
            KeyAlg::Rs256 => Algorithm::RS256,
            KeyAlg::Es256 => Algorithm::ES256,
            KeyAlg::EdDsa => Algorithm::EdDSA,
        }
    }

    fn jwk(self) -> KeyAlgorithm {
        match self {
            KeyAlg::Rs256 => KeyAlgorithm::RS256,
            KeyAlg::Es256 => KeyAlgorithm::ES256,
            KeyAlg::EdDsa => KeyAlgorithm::EdDSA,
        }
    }
}

/// A key as the store keeps it: its private half sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub kid: String,
    pub alg: KeyAlg,
    /// The PKCS#8 private key, sealed with the configured encryption key (context: the kid).
    pub sealed: String,
    pub created_at: UnixMillis,
    /// Signs from then on; published from `created_at`.
    pub active_from: UnixMillis,
    /// Stops signing then; still published until `retire_at` + the longest token lifetime.
    pub retire_at: Option<UnixMillis>,
}

/// A key opened for use.
#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    pub alg: KeyAlg,
    pub encoding: EncodingKey,
    /// The public half, ready to check what the key signed.
    pub decoding: DecodingKey,
    pub jwk: Jwk,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish()
    }
}

/// A new private key (PKCS#8 DER).
pub fn generate(alg: KeyAlg) -> Result<Vec<u8>, CoreError> {
    use aws_lc_rs::encoding::AsDer;
    let fail = |e: &dyn std::fmt::Display| CoreError::Internal(format!("key generation: {e}"));
    match alg {
        KeyAlg::Rs256 => {
            let key =
                aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).map_err(|e| fail(&e))?;
            Ok(key.as_der().map_err(|e| fail(&e))?.as_ref().to_vec())
        }
        KeyAlg::Es256 => {
            let rng = aws_lc_rs::rand::SystemRandom::new();
            let doc = aws_lc_rs::signature::EcdsaKeyPair::generate_pkcs8(
                &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                &rng,
            )
            .map_err(|e| fail(&e))?;
            Ok(doc.as_ref().to_vec())
        }
        KeyAlg::EdDsa => {
            let rng = aws_lc_rs::rand::SystemRandom::new();
            let doc = aws_lc_rs::signature::Ed25519KeyPair::generate_pkcs8v1(&rng).map_err(|e| fail(&e))?;
            Ok(doc.as_ref().to_vec())
        }
    }
}

/// Opens a PKCS#8 private key for signing, with its public JWK.
pub fn open(kid: &str, alg: KeyAlg, pkcs8: &[u8]) -> Result<SigningKey, CoreError> {
    let fail = |e: &dyn std::fmt::Display| CoreError::Internal(format!("signing key {kid}: {e}"));
    let encoding = match alg {
        KeyAlg::Rs256 => {
            use base64::Engine;
            let pem = format!(
                "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                base64::engine::general_purpose::STANDARD.encode(pkcs8)
            );
            EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| fail(&e))?
        }
        KeyAlg::Es256 => EncodingKey::from_ec_der(pkcs8),
        KeyAlg::EdDsa => EncodingKey::from_ed_der(pkcs8),
    };
    // Before anything asks jsonwebtoken for its provider, which installs the default one.
    super::signer::remember(alg.jwt(), encoding.as_bytes());
    let mut jwk = Jwk::from_encoding_key(&encoding, alg.jwt()).map_err(|e| fail(&e))?;
    jwk.common.key_id = Some(kid.to_string());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    jwk.common.key_algorithm = Some(alg.jwk());
    let decoding = DecodingKey::from_jwk(&jwk).map_err(|e| fail(&e))?;
    Ok(SigningKey {
        kid: kid.to_string(),
        alg,
        encoding,
        decoding,
        jwk,
    })
}

/// The keys published now: every key made, until `retire_at` + `keep_after` (the longest a
/// token it signed can live).
pub fn published(keys: &[(StoredKey, SigningKey)], now: UnixMillis, keep_after: i64) -> JwkSet {
    JwkSet {
        keys: keys
            .iter()
            .filter(|(s, _)| s.retire_at.is_none_or(|r| now < r + keep_after))
            .map(|(_, k)| k.jwk.clone())
            .collect(),
    }
}

/// Whether `alg` is due a new key: its newest key was made `every` ago or longer.
pub fn rotation_due(keys: &[(StoredKey, SigningKey)], alg: KeyAlg, now: UnixMillis, every: i64) -> bool {
    keys.iter()
        .filter(|(s, _)| s.alg == alg)
        .map(|(s, _)| s.created_at)
        .max()
        .is_some_and(|newest| newest + every <= now)
}

/// The key that signs now with `alg`: the newest active one (by `kid` between two that start
/// at the same moment, so that every node picks the same).
pub fn signing(keys: &[(StoredKey, SigningKey)], alg: KeyAlg, now: UnixMillis) -> Option<&SigningKey> {
    keys.iter()
        .filter(|(s, _)| s.alg == alg && s.active_from <= now && s.retire_at.is_none_or(|r| now < r))
        .max_by_key(|(s, _)| (s.active_from, &s.kid))
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_keys_sign_and_publish_their_public_half() {
        for alg in KeyAlg::ALL {
            let der = generate(alg).unwrap();
            let key = open("k1", alg, &der).unwrap();
            let token = jsonwebtoken::encode(
                &jsonwebtoken::Header {
                    kid: Some("k1".into()),
                    ..jsonwebtoken::Header::new(alg.jwt())
                },
                &serde_json::json!({"sub": "u", "exp": 4_000_000_000u64}),
                &key.encoding,
            )
            .unwrap();
            let decoding = &key.decoding;
            let mut v = jsonwebtoken::Validation::new(alg.jwt());
            v.validate_aud = false;
            let data = jsonwebtoken::decode::<serde_json::Value>(&token, decoding, &v).unwrap();
            assert_eq!(data.claims["sub"], "u");
            let published = serde_json::to_value(&key.jwk).unwrap();
            assert_eq!(published["kid"], "k1");
            assert!(published.get("d").is_none(), "the private key was published");
        }
    }

    #[test]
    fn algorithms_read_back_and_keys_never_print_their_secret() {
        for alg in KeyAlg::ALL {
            assert_eq!(KeyAlg::parse(alg.as_str()), Some(alg));
        }
        for bad in ["none", "HS256", "rs256", ""] {
            assert_eq!(KeyAlg::parse(bad), None, "{bad}");
        }
        let key = open("k9", KeyAlg::Es256, &generate(KeyAlg::Es256).unwrap()).unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains("k9") && shown.contains("Es256"), "{shown}");
        assert!(!shown.contains("encoding"), "{shown}");
    }

    #[test]
    fn a_new_key_is_published_before_it_signs_and_an_old_one_after() {
        let der = generate(KeyAlg::Es256).unwrap();
        let stored = |kid: &str, active_from, retire_at| StoredKey {
            kid: kid.into(),
            alg: KeyAlg::Es256,
            sealed: String::new(),
            created_at: active_from,
            active_from,
            retire_at,
        };
        let keys = vec![
            (
                stored("old", 0, Some(1_000)),
                open("old", KeyAlg::Es256, &der).unwrap(),
            ),
            (
                stored("new", 1_000, None),
                open("new", KeyAlg::Es256, &der).unwrap(),
            ),
        ];
        assert_eq!(signing(&keys, KeyAlg::Es256, 500).unwrap().kid, "old");
        assert_eq!(signing(&keys, KeyAlg::Es256, 1_000).unwrap().kid, "new");
        assert!(signing(&keys, KeyAlg::Rs256, 1_000).is_none());
        assert!(signing(&keys[..1], KeyAlg::Es256, 999).is_some());
        assert!(signing(&keys[..1], KeyAlg::Es256, 1_000).is_none(), "retired");
        // Two keys that start together (two nodes rotating at once): every node picks one.
        let twins = vec![
            (stored("b", 5, None), open("b", KeyAlg::Es256, &der).unwrap()),
            (stored("a", 5, None), open("a", KeyAlg::Es256, &der).unwrap()),
        ];
        assert_eq!(signing(&twins, KeyAlg::Es256, 5).unwrap().kid, "b");
        let reversed: Vec<_> = twins.iter().rev().cloned().collect();
        assert_eq!(signing(&reversed, KeyAlg::Es256, 5).unwrap().kid, "b");
        assert_eq!(published(&keys, 500, 600).keys.len(), 2);
        assert_eq!(published(&keys, 1_500, 600).keys.len(), 2);
        assert_eq!(published(&keys, 1_600, 600).keys.len(), 1);
        assert!(!rotation_due(&keys, KeyAlg::Es256, 1_000, 1_000));
        assert!(rotation_due(&keys, KeyAlg::Es256, 2_000, 1_000));
        assert!(
            !rotation_due(&keys, KeyAlg::Rs256, 9_000, 1_000),
            "no key: nothing to rotate"
        );
    }
}

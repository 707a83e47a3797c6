//! jsonwebtoken on aws-lc signs every token, through a crypto provider of our own that keeps the
//! provider's RSA and P-256 keys parsed: jsonwebtoken's own parses (and for RSA, checks) the
//! private key at every signature, which costs about as much as the RSA signature itself
//! (ADR 0012). Every other algorithm, and every verification, is jsonwebtoken's aws-lc provider
//! unchanged; a key this module was not given is signed with by that provider too.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, KeyUtils, aws_lc};
use jsonwebtoken::signature::{Error as SignatureError, Signer};
use jsonwebtoken::{Algorithm, EncodingKey};

enum Parsed {
    Rs256(RsaKeyPair),
    Es256(EcdsaKeyPair),
}

impl Parsed {
    fn alg(&self) -> Algorithm {
        match self {
            Parsed::Rs256(_) => Algorithm::RS256,
            Parsed::Es256(_) => Algorithm::ES256,
        }
    }
}

/// The parsed keys, by their DER bytes (the few keys the provider holds).
fn parsed() -> &'static RwLock<HashMap<Vec<u8>, Arc<Parsed>>> {
    static PARSED: OnceLock<RwLock<HashMap<Vec<u8>, Arc<Parsed>>>> = OnceLock::new();
    PARSED.get_or_init(Default::default)
}

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: new_signer,
    verifier_factory: aws_lc::DEFAULT_PROVIDER.verifier_factory,
    key_utils: KeyUtils {
        rsa_pub_components_from_private_key: aws_lc::DEFAULT_PROVIDER
            .key_utils
            .rsa_pub_components_from_private_key,
        rsa_pub_components_from_public_key: aws_lc::DEFAULT_PROVIDER
            .key_utils
            .rsa_pub_components_from_public_key,
        ec_pub_components_from_private_key: aws_lc::DEFAULT_PROVIDER
            .key_utils
            .ec_pub_components_from_private_key,
        ed_pub_components_from_private_key: aws_lc::DEFAULT_PROVIDER
            .key_utils
            .ed_pub_components_from_private_key,
        compute_digest: aws_lc::DEFAULT_PROVIDER.key_utils.compute_digest,
    },
};

/// Installs the provider (once per process; if another was installed first, that one signs,
/// only slower) and keeps `der` parsed for `alg`.
pub fn remember(alg: Algorithm, der: &[u8]) {
    let _ = PROVIDER.install_default();
    let key = match alg {
        Algorithm::RS256 => RsaKeyPair::from_der(der).ok().map(Parsed::Rs256),
        Algorithm::ES256 => EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
            .ok()
            .map(Parsed::Es256),
        _ => None,
    };
    if let (Some(key), Ok(mut map)) = (key, parsed().write()) {
        map.entry(der.to_vec()).or_insert_with(|| Arc::new(key));
    }
}

struct KeptSigner(Arc<Parsed>);

impl Signer<Vec<u8>> for KeptSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, SignatureError> {
        let rng = SystemRandom::new();
        match &*self.0 {
            Parsed::Rs256(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &rng, msg, &mut sig)
                    .map_err(SignatureError::from_source)?;
                Ok(sig)
            }
            Parsed::Es256(k) => Ok(k
                .sign(&rng, msg)
                .map_err(SignatureError::from_source)?
                .as_ref()
                .to_vec()),
        }
    }
}

impl JwtSigner for KeptSigner {
    fn algorithm(&self) -> Algorithm {
        self.0.alg()
    }
}

fn new_signer(alg: &Algorithm, key: &EncodingKey) -> jsonwebtoken::errors::Result<Box<dyn JwtSigner>> {
    match parsed().read().ok().and_then(|m| m.get(key.as_bytes()).cloned()) {
        Some(k) if k.alg() == *alg => Ok(Box::new(KeptSigner(k))),
        _ => (aws_lc::DEFAULT_PROVIDER.signer_factory)(alg, key),
    }
}

//! Each rule of [`check`] on answers made two ways: by a software authenticator nobody here
//! wrote (its registration and assertion, through the library), and by a small authenticator of
//! the test's own that signs whatever it is told (the only way to sign a wrong flag).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256,
};
use serde_json::json;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{
    COSEEC2Key, COSEKey, COSERSAKey, DiscoverableAuthentication, Passkey, RequestChallengeResponse, Url,
};

use super::*;
use crate::factors::passkey::relying_party;

const ORIGIN: &str = "https://id.example.com";

fn expected() -> Expected {
    expected_at("id.example.com", ORIGIN)
}

fn expected_at(rp_id: &str, origin: &str) -> Expected {
    Expected::new(rp_id, Url::parse(origin).unwrap().origin())
}

/// A passkey registered by the library from a software authenticator, and that authenticator.
fn registered_softly() -> (Credential, SoftPasskey, webauthn_rs::Webauthn) {
    let rp = relying_party(&format!("{ORIGIN}/"), "Umbral").unwrap().webauthn;
    let mut key = SoftPasskey::new(true);
    let user = webauthn_rs::prelude::Uuid::from_bytes([7; 16]);
    let (ccr, state) = rp
        .start_passkey_registration(user, "a@example.com", "A", None)
        .unwrap();
    let reg = key.do_registration(Url::parse(ORIGIN).unwrap(), ccr).unwrap();
    let passkey: Passkey = rp.finish_passkey_registration(&reg, &state).unwrap();
    (Credential::from(passkey), key, rp)
}

/// A sign-in's challenge and the software authenticator's answer to it, from `origin`, with the
/// library's state of that ceremony.
fn soft_answer(
    rp: &webauthn_rs::Webauthn,
    key: &mut SoftPasskey,
    cred: &Credential,
    origin: &str,
) -> (Vec<u8>, PublicKeyCredential, DiscoverableAuthentication) {
    let (rcr, state) = rp.start_discoverable_authentication().unwrap();
    let challenge = rcr.public_key.challenge.clone();
    let mut o = serde_json::to_value(&rcr).unwrap();
    o["publicKey"]["allowCredentials"] =
        json!([{"type": "public-key", "id": URL_SAFE_NO_PAD.encode(&cred.cred_id)}]);
    let rcr: RequestChallengeResponse = serde_json::from_value(o).unwrap();
    let answer = key.do_authentication(Url::parse(origin).unwrap(), rcr).unwrap();
    (challenge, answer, state)
}

#[test]
fn a_software_authenticators_real_answer_passes_and_only_for_its_ceremony_and_site() {
    let (cred, mut key, rp) = registered_softly();
    let (challenge, answer, state) = soft_answer(&rp, &mut key, &cred, ORIGIN);
    let registered = Registered {
        credential: &cred,
        backup_eligible: cred.backup_eligible,
    };
    let ok = check(&expected(), &challenge, registered, &answer).unwrap();
    assert!(ok.counter > 0, "this authenticator counts");
    // The library reads the same answer the same way.
    let lib = rp
        .finish_discoverable_authentication_v2(&answer, state, Passkey::from(cred.clone()))
        .unwrap();
    assert_eq!(
        (lib.counter(), lib.backup_eligible(), lib.backup_state()),
        (ok.counter, ok.backup_eligible, ok.backup_state)
    );
    assert_eq!(
        check(&expected(), &[0u8; 32], registered, &answer),
        Err(Refusal::Refused("another ceremony's challenge"))
    );
    assert_eq!(
        check(
            &expected_at("id.example.com", "https://evil.example.com"),
            &challenge,
            registered,
            &answer
        ),
        Err(Refusal::Refused("another origin"))
    );
    assert_eq!(
        check(
            &expected_at("example.com", ORIGIN),
            &challenge,
            registered,
            &answer
        ),
        Err(Refusal::Refused("another site's relying party id"))
    );
    // An answer made on another origin is refused even when its site is ours.
    let (challenge, answer, _) = soft_answer(&rp, &mut key, &cred, "https://id.example.com:8443");
    assert_eq!(
        check(&expected(), &challenge, registered, &answer),
        Err(Refusal::Refused("another origin"))
    );
}

/// The test's own authenticator: a key of each kind passkeys use, signing what it is given.
enum Signer {
    P256(EcdsaKeyPair),
    P384(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

impl Signer {
    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            Signer::P256(k) | Signer::P384(k) => k.sign(&rng, msg).unwrap().as_ref().to_vec(),
            Signer::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &rng, msg, &mut sig).unwrap();
                sig
            }
        }
    }

    fn cose(&self) -> COSEKey {
        let ec = |k: &EcdsaKeyPair, type_, curve, n: usize| {
            let p = k.public_key().as_ref();
            COSEKey {
                type_,
                key: COSEKeyType::EC_EC2(COSEEC2Key {
                    curve,
                    x: p[1..1 + n].to_vec(),
                    y: p[1 + n..].to_vec(),
                }),
            }
        };
        match self {
            Signer::P256(k) => ec(k, COSEAlgorithm::ES256, ECDSACurve::SECP256R1, 32),
            Signer::P384(k) => ec(k, COSEAlgorithm::ES384, ECDSACurve::SECP384R1, 48),
            Signer::Rsa(k) => {
                let c = PublicKeyComponents::<Vec<u8>>::from(k.public_key());
                let mut e = [0u8; 3];
                e[3 - c.e.len()..].copy_from_slice(&c.e);
                COSEKey {
                    type_: COSEAlgorithm::RS256,
                    key: COSEKeyType::RSA(COSERSAKey { n: c.n, e }),
                }
            }
        }
    }
}

fn p256() -> Signer {
    Signer::P256(EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap())
}

/// What the test's authenticator is told to put in its answer.
struct Made {
    kind: &'static str,
    challenge: Vec<u8>,
    origin: &'static str,
    cross_origin: bool,
    rp_id: &'static str,
    flags: u8,
    counter: u32,
}

impl Default for Made {
    fn default() -> Self {
        Self {
            kind: "webauthn.get",
            challenge: vec![9; 32],
            origin: ORIGIN,
            cross_origin: false,
            rp_id: "id.example.com",
            flags: USER_PRESENT | USER_VERIFIED,
            counter: 0x0102_0304,
        }
    }
}

/// The answer `signer` makes as told, for the credential `cred_id`.
fn make(signer: &Signer, cred_id: &[u8], m: &Made) -> PublicKeyCredential {
    let client = json!({
        "type": m.kind,
        "challenge": URL_SAFE_NO_PAD.encode(&m.challenge),
        "origin": m.origin,
        "crossOrigin": m.cross_origin,
    })
    .to_string()
    .into_bytes();
    let mut data = digest::digest(&digest::SHA256, m.rp_id.as_bytes())
        .as_ref()
        .to_vec();
    data.push(m.flags);
    data.extend_from_slice(&m.counter.to_be_bytes());
    let signed = [data.as_slice(), digest::digest(&digest::SHA256, &client).as_ref()].concat();
    let sig = signer.sign(&signed);
    serde_json::from_value(json!({
        "id": URL_SAFE_NO_PAD.encode(cred_id),
        "rawId": URL_SAFE_NO_PAD.encode(cred_id),
        "response": {
            "authenticatorData": URL_SAFE_NO_PAD.encode(&data),
            "clientDataJSON": URL_SAFE_NO_PAD.encode(&client),
            "signature": URL_SAFE_NO_PAD.encode(&sig),
        },
        "type": "public-key",
    }))
    .unwrap()
}

/// A credential of the library's shape holding `signer`'s public key.
fn credential_of(signer: &Signer) -> Credential {
    let (mut cred, _, _) = registered_softly();
    cred.cred = signer.cose();
    cred
}

fn outcome(signer: &Signer, registered_be: bool, m: &Made) -> Result<Asserted, Refusal> {
    let cred = credential_of(signer);
    let answer = make(signer, &cred.cred_id, m);
    let registered = Registered {
        credential: &cred,
        backup_eligible: registered_be,
    };
    check(&expected(), &[9; 32], registered, &answer)
}

fn refused(why: &'static str) -> Result<Asserted, Refusal> {
    Err(Refusal::Refused(why))
}

#[test]
fn each_key_kind_passkeys_use_is_checked_and_the_counter_and_flags_are_read() {
    for signer in [
        p256(),
        Signer::P384(EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).unwrap()),
        Signer::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).unwrap()),
    ] {
        let m = Made {
            flags: USER_PRESENT | USER_VERIFIED | BACKUP_ELIGIBLE | BACKUP_STATE,
            ..Made::default()
        };
        assert_eq!(
            outcome(&signer, true, &m),
            Ok(Asserted {
                counter: 0x0102_0304,
                backup_eligible: true,
                backup_state: true
            })
        );
    }
}

#[test]
fn the_client_data_must_be_a_sign_in_for_this_challenge_from_this_origin_not_framed() {
    let s = p256();
    let get = |m: Made| outcome(&s, false, &m);
    assert!(get(Made::default()).is_ok());
    assert_eq!(
        get(Made {
            kind: "webauthn.create",
            ..Made::default()
        }),
        refused("client data not of a sign-in")
    );
    assert_eq!(
        get(Made {
            challenge: vec![8; 32],
            ..Made::default()
        }),
        refused("another ceremony's challenge")
    );
    assert!(
        get(Made {
            origin: "https://id.example.com:443/",
            ..Made::default()
        })
        .is_ok(),
        "the same origin written as a URL"
    );
    for origin in [
        "http://id.example.com",
        "https://id.example.com:444",
        "https://example.com",
        "https://id.example.com.evil.com",
        "null",
        "",
    ] {
        assert_eq!(
            get(Made {
                origin,
                ..Made::default()
            }),
            refused("another origin"),
            "{origin}"
        );
    }
    assert_eq!(
        get(Made {
            cross_origin: true,
            ..Made::default()
        }),
        refused("made in another origin's frame")
    );
}

#[test]
fn the_authenticator_data_must_be_for_this_site_with_the_person_present_and_verified() {
    let s = p256();
    let get = |m: Made| outcome(&s, false, &m);
    assert_eq!(
        get(Made {
            rp_id: "example.com",
            ..Made::default()
        }),
        refused("another site's relying party id")
    );
    assert_eq!(
        get(Made {
            flags: USER_VERIFIED,
            ..Made::default()
        }),
        refused("user not present")
    );
    assert_eq!(
        get(Made {
            flags: USER_PRESENT,
            ..Made::default()
        }),
        Err(Refusal::NotVerified)
    );
}

#[test]
fn backup_eligibility_may_be_gained_never_withdrawn_and_backup_needs_it() {
    let s = p256();
    let with = |registered_be: bool, flags: u8| {
        outcome(
            &s,
            registered_be,
            &Made {
                flags: USER_PRESENT | USER_VERIFIED | flags,
                ..Made::default()
            },
        )
    };
    assert!(with(false, BACKUP_ELIGIBLE).is_ok(), "gained");
    assert!(with(true, BACKUP_ELIGIBLE).is_ok());
    assert_eq!(with(true, 0), refused("backup eligibility withdrawn"));
    assert_eq!(
        with(false, BACKUP_STATE),
        refused("backed up without backup eligibility")
    );
}

#[test]
fn the_signature_must_be_the_passkeys_over_exactly_what_was_sent() {
    let s = p256();
    let cred = credential_of(&s);
    let registered = Registered {
        credential: &cred,
        backup_eligible: false,
    };
    let good = make(&s, &cred.cred_id, &Made::default());
    let run = |a: &PublicKeyCredential| check(&expected(), &[9; 32], registered, a);
    assert!(run(&good).is_ok());
    // Another key's signature of the same bytes.
    let other = make(&p256(), &cred.cred_id, &Made::default());
    assert_eq!(run(&other), refused("signature not the passkey's"));
    // One bit of the counter changed after signing.
    let mut a = good.clone();
    a.response.authenticator_data[36] ^= 1;
    assert_eq!(run(&a), refused("signature not the passkey's"));
    // Client data changed after signing (a space: same meaning, other bytes).
    let mut a = good.clone();
    a.response.client_data_json.push(b' ');
    assert_eq!(run(&a), refused("signature not the passkey's"));
    // Not verified and not the passkey's: the signature is what is said.
    let mut a = make(
        &p256(),
        &cred.cred_id,
        &Made {
            flags: USER_PRESENT,
            ..Made::default()
        },
    );
    assert_eq!(run(&a), refused("signature not the passkey's"));
    a.response.signature.clear();
    assert_eq!(run(&a), refused("signature not the passkey's"));
    // Another credential's id, the wrong type, truncated or unreadable data.
    let mut a = good.clone();
    a.raw_id.push(0);
    assert_eq!(run(&a), refused("another credential"));
    let mut a = good.clone();
    a.type_ = "password".into();
    assert_eq!(run(&a), refused("not a public key credential"));
    // The id hash, the flags and the counter: 37 bytes at least.
    let mut a = good.clone();
    a.response.authenticator_data.truncate(36);
    assert_eq!(run(&a), refused("authenticator data too short"));
    a.response.authenticator_data.clear();
    assert_eq!(run(&a), refused("authenticator data too short"));
    let mut a = good.clone();
    a.response.client_data_json = b"{".to_vec();
    assert_eq!(run(&a), refused("client data malformed"));
    // A key registered for one algorithm or curve never checks another's signature.
    let mut es384 = cred.clone();
    es384.cred.type_ = COSEAlgorithm::ES384;
    let mut p384 = cred.clone();
    if let COSEKeyType::EC_EC2(k) = &mut p384.cred.key {
        k.curve = ECDSACurve::SECP384R1;
    }
    let mut rs256 = cred.clone();
    rs256.cred.type_ = COSEAlgorithm::RS256;
    for wrong in [es384, p384, rs256] {
        let registered = Registered {
            credential: &wrong,
            backup_eligible: false,
        };
        assert_eq!(
            check(&expected(), &[9; 32], registered, &good),
            refused("a key or algorithm passkeys do not use"),
            "{:?}",
            wrong.cred
        );
    }
}

//! A passkey's signature at sign-in, checked (WebAuthn Level 3, "Verifying an Authentication
//! Assertion"; ADR 0017). Registration stays with `webauthn-rs`: attestation formats, COSE keys
//! and their policies are where a maintained library earns its place. An assertion is a short
//! list of byte comparisons and one signature over bytes the browser sent; here the signature is
//! checked by aws-lc, which does in about 80 us what the library's pure-Rust P-256 does in 340
//! (`bench/README.md`).
//!
//! Every check the library makes of an assertion for a passkey is made here, and one more: an
//! assertion made for another origin's frame (`crossOrigin`) is refused, since no page of Umbral
//! may be framed. The order is the recommendation's, except that user verification is judged
//! last, so that "not verified" is never said of an answer the passkey did not sign.

use aws_lc_rs::{digest, signature};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use webauthn_rs::prelude::{COSEAlgorithm, COSEKeyType, Credential, ECDSACurve, PublicKeyCredential};

/// The flags of the authenticator data (WebAuthn §6.1).
const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const BACKUP_ELIGIBLE: u8 = 0x08;
const BACKUP_STATE: u8 = 0x10;

/// The relying party's id hash, the flags byte and the counter: what every authenticator data
/// starts with.
const AUTH_DATA_MIN: usize = 32 + 1 + 4;

/// What an assertion must have been made for: this server, as the relying party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    rp_id_hash: [u8; 32],
    origin: url::Origin,
}

impl Expected {
    /// `rp_id` is the host of `public_url`; `origin` its origin (scheme, host and port).
    pub fn new(rp_id: &str, origin: url::Origin) -> Self {
        let mut rp_id_hash = [0u8; 32];
        rp_id_hash.copy_from_slice(digest::digest(&digest::SHA256, rp_id.as_bytes()).as_ref());
        Self { rp_id_hash, origin }
    }
}

/// The passkey as registered: its credential (id and public key) and whether it was eligible
/// for backup when last used.
#[derive(Debug, Clone, Copy)]
pub struct Registered<'a> {
    pub credential: &'a Credential,
    pub backup_eligible: bool,
}

/// What a verified assertion says about the authenticator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asserted {
    /// The signature counter (0: the authenticator keeps none).
    pub counter: u32,
    pub backup_eligible: bool,
    pub backup_state: bool,
}

/// Why an assertion was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Everything else held, but the authenticator did not verify the person (no PIN,
    /// fingerprint or face): said as such, so that the page can tell them.
    NotVerified,
    /// Another credential, ceremony, origin or site, a bad signature or malformed data; the
    /// reason is for the log only.
    Refused(&'static str),
}

/// The client data the browser signed over (WebAuthn §5.8.1), as far as it is checked.
#[derive(Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: bool,
}

/// Checks `response` against the ceremony's `challenge` and the passkey `registered`: the
/// credential is this one, the client data is of a sign-in, for this challenge and this origin,
/// the authenticator data is for this site with the person present and verified, the backup
/// flags are consistent, and the signature over both is the passkey's.
pub fn check(
    expected: &Expected,
    challenge: &[u8],
    registered: Registered<'_>,
    response: &PublicKeyCredential,
) -> Result<Asserted, Refusal> {
    if response.type_ != "public-key" {
        return Err(Refusal::Refused("not a public key credential"));
    }
    if response.raw_id.as_slice() != registered.credential.cred_id.as_slice() {
        return Err(Refusal::Refused("another credential"));
    }
    let r = &response.response;
    let client: ClientData =
        serde_json::from_slice(&r.client_data_json).map_err(|_| Refusal::Refused("client data malformed"))?;
    if client.kind != "webauthn.get" {
        return Err(Refusal::Refused("client data not of a sign-in"));
    }
    match URL_SAFE_NO_PAD.decode(client.challenge.trim_end_matches('=')) {
        Ok(c) if c == challenge => {}
        _ => return Err(Refusal::Refused("another ceremony's challenge")),
    }
    // Scheme, host and port, as the library compares them: browsers send the origin alone,
    // some authenticators a URL of it (a trailing slash).
    match url::Url::parse(&client.origin) {
        Ok(u) if u.origin() == expected.origin => {}
        _ => return Err(Refusal::Refused("another origin")),
    }
    if client.cross_origin {
        return Err(Refusal::Refused("made in another origin's frame"));
    }
    let data = &r.authenticator_data;
    if data.len() < AUTH_DATA_MIN {
        return Err(Refusal::Refused("authenticator data too short"));
    }
    if data[..32] != expected.rp_id_hash {
        return Err(Refusal::Refused("another site's relying party id"));
    }
    let flags = data[32];
    if flags & USER_PRESENT == 0 {
        return Err(Refusal::Refused("user not present"));
    }
    let asserted = Asserted {
        counter: u32::from_be_bytes([data[33], data[34], data[35], data[36]]),
        backup_eligible: flags & BACKUP_ELIGIBLE != 0,
        backup_state: flags & BACKUP_STATE != 0,
    };
    // A passkey that becomes eligible for backup (a device key moved into a synced keychain)
    // is accepted, as the library accepts it for passkeys; one that stops being eligible, or
    // says it is backed up without being eligible, has changed its nature: refused.
    if registered.backup_eligible && !asserted.backup_eligible {
        return Err(Refusal::Refused("backup eligibility withdrawn"));
    }
    if asserted.backup_state && !asserted.backup_eligible {
        return Err(Refusal::Refused("backed up without backup eligibility"));
    }
    let client_hash = digest::digest(&digest::SHA256, &r.client_data_json);
    let signed = [data.as_slice(), client_hash.as_ref()].concat();
    verify_signature(registered.credential, &signed, &r.signature)?;
    // Said last, so that "not verified" is never said of an answer that was not the passkey's.
    if flags & USER_VERIFIED == 0 {
        return Err(Refusal::NotVerified);
    }
    Ok(asserted)
}

/// The signature by the credential's public key, with the algorithm it was registered with.
fn verify_signature(credential: &Credential, signed: &[u8], sig: &[u8]) -> Result<(), Refusal> {
    let key = &credential.cred;
    let verified = match (&key.type_, &key.key) {
        (COSEAlgorithm::ES256 | COSEAlgorithm::ES384, COSEKeyType::EC_EC2(k)) => {
            let algorithm = match (&key.type_, &k.curve) {
                (COSEAlgorithm::ES256, ECDSACurve::SECP256R1) => &signature::ECDSA_P256_SHA256_ASN1,
                (COSEAlgorithm::ES384, ECDSACurve::SECP384R1) => &signature::ECDSA_P384_SHA384_ASN1,
                _ => return Err(Refusal::Refused("a key or algorithm passkeys do not use")),
            };
            // The uncompressed point: 0x04, x, y.
            let point = [&[4u8][..], &k.x, &k.y].concat();
            signature::UnparsedPublicKey::new(algorithm, point).verify(signed, sig)
        }
        (COSEAlgorithm::RS256, COSEKeyType::RSA(k)) => signature::RsaPublicKeyComponents {
            n: k.n.as_slice(),
            e: k.e.as_slice(),
        }
        .verify(&signature::RSA_PKCS1_2048_8192_SHA256, signed, sig),
        _ => return Err(Refusal::Refused("a key or algorithm passkeys do not use")),
    };
    verified.map_err(|_| Refusal::Refused("signature not the passkey's"))
}

#[cfg(test)]
mod tests;

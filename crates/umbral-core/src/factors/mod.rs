//! Second factors (`docs/flows/two-factor.md`): what a factor is, and one file per method.
//!
//! A user's stored factors are authenticator apps (`totp`), phones (`sms`) and passkeys
//! (`passkey`). Email is a method of the challenge, offered only once one of those exists, and
//! recovery codes are a fallback; neither is a factor on its own.

pub mod assertion;
pub mod passkey;
pub mod recovery_codes;
pub mod sms;
pub mod totp;

use crate::clock::UnixMillis;
use crate::types::{FactorId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorKind {
    Totp,
    Sms,
    Passkey,
}

impl FactorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FactorKind::Totp => "totp",
            FactorKind::Sms => "sms",
            FactorKind::Passkey => "passkey",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "totp" => Some(FactorKind::Totp),
            "sms" => Some(FactorKind::Sms),
            "passkey" => Some(FactorKind::Passkey),
            _ => None,
        }
    }
}

/// A stored factor. `confirmed_at` is `None` while it is being set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factor {
    pub id: FactorId,
    pub user_id: UserId,
    pub kind: FactorKind,
    /// The phone (E.164) of an SMS factor.
    pub phone: Option<String>,
    /// The TOTP key, sealed with the configured [`crate::secrets::SecretKey`].
    pub secret_sealed: Option<String>,
    pub created_at: UnixMillis,
    pub confirmed_at: Option<UnixMillis>,
    pub last_used_at: Option<UnixMillis>,
    /// The last TOTP time step accepted; a step is never accepted twice.
    pub last_step: Option<i64>,
    /// The name the person gave a passkey ("MacBook", "Phone").
    pub name: Option<String>,
    /// A passkey's credential id (base64url), one account's only.
    pub credential_id: Option<String>,
}

/// How a session passed its second factor: a method's code, a remembered browser, or the first
/// factor set up at sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaVia {
    Method(Method),
    TrustedDevice,
    Enrollment,
    /// An organization's own identity provider said it asked for a second factor (`amr` with
    /// `mfa`), and the organization trusts it (enterprise SSO).
    Provider,
    /// A passkey that verified the person (PIN, fingerprint, face): after the password, or alone
    /// (then it is both factors). `synced`: the key is backed up to a cloud account (`amr`
    /// `swk`), else it stays in one device (`hwk`).
    Passkey {
        synced: bool,
    },
}

impl MfaVia {
    /// As kept in `sessions.mfa_method`.
    pub fn as_str(self) -> &'static str {
        match self {
            MfaVia::Method(m) => m.as_str(),
            MfaVia::TrustedDevice => "trusted_device",
            MfaVia::Enrollment => "enrollment",
            MfaVia::Provider => "provider",
            MfaVia::Passkey { synced: false } => "passkey",
            MfaVia::Passkey { synced: true } => "passkey_synced",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "trusted_device" => Some(MfaVia::TrustedDevice),
            "enrollment" => Some(MfaVia::Enrollment),
            "provider" => Some(MfaVia::Provider),
            "passkey" => Some(MfaVia::Passkey { synced: false }),
            "passkey_synced" => Some(MfaVia::Passkey { synced: true }),
            other => Method::parse(other).map(MfaVia::Method),
        }
    }
}

/// How a challenge is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Totp,
    Sms,
    Email,
    RecoveryCode,
    Passkey,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Totp => "totp",
            Method::Sms => "sms",
            Method::Email => "email",
            Method::RecoveryCode => "recovery_code",
            Method::Passkey => "passkey",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "totp" => Some(Method::Totp),
            "sms" => Some(Method::Sms),
            "email" => Some(Method::Email),
            "recovery_code" => Some(Method::RecoveryCode),
            "passkey" => Some(Method::Passkey),
            _ => None,
        }
    }
}

/// What a right answer uses up, so that it never counts twice. The store applies it with a
/// conditional write in the transaction that records the success; if the write changes nothing
/// (another request used it first), the whole success is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// A TOTP time step: accepted only if it is later than the factor's last accepted step.
    TotpStep { factor_id: FactorId, step: i64 },
    /// A code sent by SMS or email: deleted. With `attempts`, only while its count of attempts
    /// is still that (a check that counts wrong answers only, ADR 0016).
    Code { code_id: String, attempts: Option<i64> },
    /// A recovery code: marked used.
    RecoveryCode { code_hash: String },
    /// A passkey's signature: its ceremony spent, and its counter, flags and credential as they
    /// are now, written only if the counter is still the one read before the check (two uses
    /// never both count from it).
    Passkey {
        factor_id: FactorId,
        seen: passkey::PasskeyUse,
    },
    /// A passkey just added: the set-up row it confirms must still be there.
    PasskeyAdded { factor_id: FactorId },
}

/// A browser remembered after a passed challenge (`docs/flows/two-factor.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedDevice {
    pub id: String,
    pub user_id: UserId,
    /// SHA-256 of the token kept in the browser's cookie.
    pub token_hash: String,
    pub created_at: UnixMillis,
    pub expires_at: UnixMillis,
    /// The network (see [`crate::policy::TrustPolicy::network_of`]) that passed the challenge.
    pub network: String,
    pub user_agent: String,
    /// The user's security epoch then: a password or factor change moves it on.
    pub security_epoch: i64,
    /// The organization's owner epoch then: an owner change moves it on.
    pub owner_epoch: i64,
    pub revoked_at: Option<UnixMillis>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn how_a_session_passed_reads_back_as_it_was_written() {
        let all = [
            MfaVia::Method(Method::Totp),
            MfaVia::Method(Method::Sms),
            MfaVia::Method(Method::Email),
            MfaVia::Method(Method::RecoveryCode),
            // A passkey passes as `MfaVia::Passkey` (its kind of key), never as a method's code.
            MfaVia::TrustedDevice,
            MfaVia::Enrollment,
            MfaVia::Provider,
            MfaVia::Passkey { synced: false },
            MfaVia::Passkey { synced: true },
        ];
        for via in all {
            assert_eq!(MfaVia::parse(via.as_str()), Some(via));
        }
        assert_eq!(MfaVia::parse("password"), None);
    }
}

//! Trusted devices (`docs/flows/two-factor.md`): a browser that passed the challenge skips it for a while,
//! unless something that matters changed since.

use crate::accounts::{Membership, User};
use crate::clock::UnixMillis;
use crate::factors::TrustedDevice;
use crate::policy::TrustPolicy;

/// Why a remembered device is asked again (or `None`: it is still trusted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distrust {
    OtherUser,
    Revoked,
    Expired,
    OtherNetwork,
    SecurityChanged,
    OwnerChanged,
}

impl Distrust {
    /// What the person is told, when they are told (`None`: another account's device, which says
    /// nothing about this one).
    pub fn told(self) -> Option<&'static str> {
        match self {
            Distrust::OtherUser => None,
            Distrust::Revoked => Some("revoked"),
            Distrust::Expired => Some("expired"),
            Distrust::OtherNetwork => Some("other_network"),
            Distrust::SecurityChanged => Some("security_changed"),
            Distrust::OwnerChanged => Some("owner_changed"),
        }
    }
}

pub fn distrust(
    device: &TrustedDevice,
    user: &User,
    membership: Option<&Membership>,
    policy: &TrustPolicy,
    ip: &str,
    now: UnixMillis,
) -> Option<Distrust> {
    if device.user_id != user.id {
        Some(Distrust::OtherUser)
    } else if device.revoked_at.is_some() {
        Some(Distrust::Revoked)
    } else if now >= device.expires_at {
        Some(Distrust::Expired)
    } else if device.network != policy.network_of(ip) {
        Some(Distrust::OtherNetwork)
    } else if device.security_epoch != user.security_epoch {
        Some(Distrust::SecurityChanged)
    } else if device.owner_epoch != membership.map(|m| m.owner_epoch).unwrap_or(0) {
        Some(Distrust::OwnerChanged)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_remembered_browser_asked_again_is_told() {
        // The challenge page and the sign-in answer's `asked_again` name these.
        assert_eq!(Distrust::OtherUser.told(), None);
        assert_eq!(Distrust::Revoked.told(), Some("revoked"));
        assert_eq!(Distrust::Expired.told(), Some("expired"));
        assert_eq!(Distrust::OtherNetwork.told(), Some("other_network"));
        assert_eq!(Distrust::SecurityChanged.told(), Some("security_changed"));
        assert_eq!(Distrust::OwnerChanged.told(), Some("owner_changed"));
    }
}

//! Policies with the defaults of the product specification. Operators change them in configuration.

pub use crate::types::PasswordPolicy;

use crate::clock::Span;

/// Parameters of argon2id (OWASP: m=19456 KiB, t=2, p=1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl Default for HashParams {
    fn default() -> Self {
        Self {
            m_cost_kib: 19_456,
            t_cost: 2,
            p_cost: 1,
        }
    }
}

/// How long sessions live and whether a user may hold more than one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPolicy {
    /// One session per user: a new sign-in ends the others (platform default; an organization
    /// may relax it later, never for staff).
    pub single_session: bool,
    /// Absolute lifetime of a session.
    pub max_age: Span,
    /// A session unused this long ends.
    pub idle_timeout: Span,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            single_session: true,
            max_age: Span::days(7),
            idle_timeout: Span::hours(24),
        }
    }
}

/// Limits on sign-in attempts: after `free_failures` failures within the window, each further
/// failure doubles the wait, up to `max_delay`. The wait is temporary, so a stranger can never
/// lock the rightful user out for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub window: Span,
    pub account_free_failures: i64,
    /// Free failures of a browser with a sign-in device cookie for the account.
    pub device_free_failures: i64,
    /// Sign-ups one client IP may make in a window before each further one waits.
    pub signup_free_per_ip: i64,
    pub ip_free_failures: i64,
    pub base_delay: Span,
    pub max_delay: Span,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window: Span::minutes(15),
            account_free_failures: 5,
            device_free_failures: 10,
            signup_free_per_ip: 20,
            ip_free_failures: 50,
            base_delay: Span::secs(2),
            max_delay: Span::minutes(15),
        }
    }
}

impl ThrottlePolicy {
    /// The wait after `failures` failures, given how many are free.
    pub fn delay(&self, failures: i64, free: i64) -> Span {
        if failures < free {
            return Span::ZERO;
        }
        let doublings = u32::try_from((failures - free).min(30)).unwrap_or(30);
        Span::ms(self.base_delay.as_ms().saturating_mul(1i64 << doublings)).min(self.max_delay)
    }
}

/// "Forgot your password?": how long a link works, and how many requests an address and an IP
/// may make before each further one waits (longer each time): with one per address, asking again
/// for the same address waits 30 seconds, then a minute, and so on (the resend cool-down).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryPolicy {
    pub link_ttl: Span,
    pub window: Span,
    pub per_account: i64,
    pub per_ip: i64,
}

impl Default for RecoveryPolicy {
    fn default() -> Self {
        Self {
            link_ttl: Span::hours(1),
            window: Span::hours(1),
            per_account: 1,
            per_ip: 20,
        }
    }
}

/// Email confirmation codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodePolicy {
    pub ttl: Span,
    pub max_attempts: i64,
    pub resend_cooldown: Span,
}

impl Default for CodePolicy {
    fn default() -> Self {
        Self {
            ttl: Span::minutes(10),
            max_attempts: 5,
            resend_cooldown: Span::secs(30),
        }
    }
}

/// Whether a user must have a second factor (`docs/flows/two-factor.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TwoFactorPolicy {
    /// No user may be without a second factor (the platform default).
    #[default]
    Required,
    /// A user (or an admin) turns two-factor authentication on.
    Optional,
}

impl TwoFactorPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            TwoFactorPolicy::Required => "required",
            TwoFactorPolicy::Optional => "optional",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "required" => Some(TwoFactorPolicy::Required),
            "optional" => Some(TwoFactorPolicy::Optional),
            _ => None,
        }
    }
}

/// Which network a trusted device must stay in (`docs/flows/two-factor.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustNetwork {
    /// The same prefix as the address that passed the challenge (default /24 and /64).
    Prefix { ipv4: u8, ipv6: u8 },
    /// Exactly the same address.
    ExactIp,
    /// Any address.
    Off,
}

/// Trusted devices: how long, and within which network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustPolicy {
    /// How long a browser stays remembered.
    pub lifetime: Span,
    pub network: TrustNetwork,
}

impl Default for TrustPolicy {
    fn default() -> Self {
        Self {
            lifetime: Span::days(14),
            network: TrustNetwork::Prefix { ipv4: 24, ipv6: 64 },
        }
    }
}

impl TrustPolicy {
    /// The network an address belongs to under this policy, as text (`203.0.113.0/24`).
    pub fn network_of(&self, ip: &str) -> String {
        use std::net::IpAddr;
        let Ok(addr) = ip.parse::<IpAddr>() else {
            return ip.to_string();
        };
        match (self.network, addr) {
            (TrustNetwork::Off, _) => "*".to_string(),
            (TrustNetwork::ExactIp, a) => a.to_string(),
            (TrustNetwork::Prefix { ipv4, .. }, IpAddr::V4(a)) => {
                let bits = u32::from(ipv4.min(32));
                let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
                format!("{}/{bits}", std::net::Ipv4Addr::from(u32::from(a) & mask))
            }
            (TrustNetwork::Prefix { ipv6, .. }, IpAddr::V6(a)) => {
                let bits = u32::from(ipv6.min(128));
                let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                format!("{}/{bits}", std::net::Ipv6Addr::from(u128::from(a) & mask))
            }
        }
    }
}

/// SMS: where codes may go, and how many (SMS pumping protection). Each limit counts sends within
/// the window; beyond it the next send waits, longer each time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsPolicy {
    /// Is the SMS factor offered at all?
    pub enabled: bool,
    /// ISO 3166 alpha-2 codes numbers may belong to; empty: any country.
    pub allowed_countries: Vec<String>,
    pub window: Span,
    pub per_number: i64,
    pub per_ip: i64,
    pub per_country: i64,
}

impl Default for SmsPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            allowed_countries: Vec::new(),
            window: Span::hours(1),
            per_number: 5,
            per_ip: 10,
            per_country: 200,
        }
    }
}

/// Second factors: the platform's policy, the name authenticator apps show, trusted devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorPolicy {
    pub default_policy: TwoFactorPolicy,
    /// The issuer of TOTP keys (shown in authenticator apps); no `:`.
    pub issuer: String,
    pub trust: TrustPolicy,
    /// Wrong TOTP or recovery codes allowed before the growing delay starts.
    pub free_failures: i64,
    pub sms: SmsPolicy,
}

impl Default for FactorPolicy {
    fn default() -> Self {
        Self {
            default_policy: TwoFactorPolicy::Required,
            issuer: "Umbral".to_string(),
            trust: TrustPolicy::default(),
            free_failures: 5,
            sms: SmsPolicy::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_and_is_capped() {
        let p = ThrottlePolicy::default();
        assert_eq!(p.delay(4, 5), Span::ZERO);
        assert_eq!(p.delay(5, 5), Span::secs(2));
        assert_eq!(p.delay(6, 5), Span::secs(4));
        assert_eq!(p.delay(7, 5), Span::secs(8));
        assert_eq!(p.delay(60, 5), Span::minutes(15));
    }

    #[test]
    fn trusted_networks() {
        let p = TrustPolicy::default();
        assert_eq!(p.network_of("203.0.113.77"), "203.0.113.0/24");
        assert_eq!(p.network_of("203.0.113.1"), p.network_of("203.0.113.250"));
        assert_ne!(p.network_of("203.0.113.1"), p.network_of("203.0.114.1"));
        assert_eq!(p.network_of("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        let exact = TrustPolicy {
            network: TrustNetwork::ExactIp,
            ..p
        };
        assert_ne!(exact.network_of("203.0.113.1"), exact.network_of("203.0.113.2"));
        let off = TrustPolicy {
            network: TrustNetwork::Off,
            ..p
        };
        assert_eq!(off.network_of("203.0.113.1"), off.network_of("198.51.100.1"));
        let wide = TrustPolicy {
            network: TrustNetwork::Prefix { ipv4: 16, ipv6: 48 },
            ..p
        };
        assert_eq!(wide.network_of("10.1.2.3"), "10.1.0.0/16");
        let zero = TrustPolicy {
            network: TrustNetwork::Prefix { ipv4: 0, ipv6: 0 },
            ..p
        };
        assert_eq!(zero.network_of("10.1.2.3"), "0.0.0.0/0");
    }
}

/// The OpenID Connect provider's lifetimes and key rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcPolicy {
    pub access_token: Span,
    pub id_token: Span,
    /// A new signing key is made this long after the last one (`umbral keys rotate` makes one
    /// at once); `Span::ZERO` leaves rotation to that command.
    pub key_rotation: Span,
    /// How long applications may keep the JWKS (`Cache-Control: max-age`): a new key is
    /// published at least this long before it signs.
    pub jwks_max_age: Span,
}

impl Default for OidcPolicy {
    fn default() -> Self {
        Self {
            access_token: Span::minutes(10),
            id_token: Span::minutes(10),
            key_rotation: Span::days(90),
            jwks_max_age: Span::hours(1),
        }
    }
}

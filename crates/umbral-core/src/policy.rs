//! Policies with the defaults of the product specification. Operators change them in configuration.

pub use crate::types::PasswordPolicy;

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
    pub max_age_secs: i64,
    /// A session unused this long ends.
    pub idle_timeout_secs: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            single_session: true,
            max_age_secs: 7 * 24 * 3600,
            idle_timeout_secs: 24 * 3600,
        }
    }
}

/// Limits on sign-in attempts: after `free_failures` failures within the window, each further
/// failure doubles the wait, up to `max_delay_secs`. The wait is temporary, so a stranger can never
/// lock the rightful user out for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub window_secs: i64,
    pub account_free_failures: i64,
    pub ip_free_failures: i64,
    pub base_delay_secs: i64,
    pub max_delay_secs: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window_secs: 15 * 60,
            account_free_failures: 5,
            ip_free_failures: 50,
            base_delay_secs: 2,
            max_delay_secs: 15 * 60,
        }
    }
}

impl ThrottlePolicy {
    /// The wait after `failures` failures, given how many are free.
    pub fn delay_secs(&self, failures: i64, free: i64) -> i64 {
        if failures < free {
            return 0;
        }
        let doublings = u32::try_from((failures - free).min(30)).unwrap_or(30);
        self.base_delay_secs
            .saturating_mul(1i64 << doublings)
            .min(self.max_delay_secs)
    }
}

/// Email confirmation codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodePolicy {
    pub ttl_secs: i64,
    pub max_attempts: i64,
    pub resend_cooldown_secs: i64,
}

impl Default for CodePolicy {
    fn default() -> Self {
        Self {
            ttl_secs: 10 * 60,
            max_attempts: 5,
            resend_cooldown_secs: 30,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_and_is_capped() {
        let p = ThrottlePolicy::default();
        assert_eq!(p.delay_secs(4, 5), 0);
        assert_eq!(p.delay_secs(5, 5), 2);
        assert_eq!(p.delay_secs(6, 5), 4);
        assert_eq!(p.delay_secs(7, 5), 8);
        assert_eq!(p.delay_secs(60, 5), 900);
    }
}

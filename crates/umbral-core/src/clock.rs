//! Time is a parameter: every rule that depends on "now" asks a [`Clock`].

use std::sync::atomic::{AtomicI64, Ordering};

/// Milliseconds since the Unix epoch.
pub type UnixMillis = i64;

/// A length of time as the rules use it: made in the unit a setting speaks (`Span::days(14)`),
/// added to or compared with the clock's milliseconds (`as_ms`), never multiplied out inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    ms: i64,
}

impl Span {
    pub const ZERO: Span = Span { ms: 0 };

    pub const fn ms(ms: i64) -> Self {
        Self { ms }
    }

    pub const fn secs(secs: i64) -> Self {
        Self::ms(secs.saturating_mul(1000))
    }

    pub const fn minutes(minutes: i64) -> Self {
        Self::secs(minutes.saturating_mul(60))
    }

    pub const fn hours(hours: i64) -> Self {
        Self::minutes(hours.saturating_mul(60))
    }

    pub const fn days(days: i64) -> Self {
        Self::hours(days.saturating_mul(24))
    }

    pub const fn as_ms(self) -> i64 {
        self.ms
    }

    /// Whole seconds (rounded down).
    pub const fn as_secs(self) -> i64 {
        self.ms / 1000
    }

    /// Whole minutes (rounded down).
    pub const fn as_minutes(self) -> i64 {
        self.ms / 60_000
    }

    /// Whole hours (rounded down).
    pub const fn as_hours(self) -> i64 {
        self.ms / 3_600_000
    }

    /// Whole days (rounded down).
    pub const fn as_days(self) -> i64 {
        self.ms / 86_400_000
    }
}

pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> UnixMillis;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that reads the system time
    fn now_ms(&self) -> UnixMillis {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that tests move by hand.
#[derive(Debug)]
pub struct TestClock {
    now: AtomicI64,
}

impl TestClock {
    /// Starts at 2026-01-01T00:00:00Z.
    pub fn new() -> Self {
        Self::at(1_767_225_600_000)
    }

    pub fn at(ms: UnixMillis) -> Self {
        Self {
            now: AtomicI64::new(ms),
        }
    }

    pub fn advance_ms(&self, ms: i64) {
        self.now.fetch_add(ms, Ordering::SeqCst);
    }

    pub fn advance_secs(&self, secs: i64) {
        self.advance_ms(secs * 1000);
    }
}

impl Default for TestClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TestClock {
    fn now_ms(&self) -> UnixMillis {
        self.now.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_clock_moves_only_when_told() {
        let c = TestClock::at(1000);
        assert_eq!(c.now_ms(), 1000);
        c.advance_secs(2);
        assert_eq!(c.now_ms(), 3000);
    }

    #[test]
    fn system_clock_is_after_2025() {
        assert!(SystemClock.now_ms() > 1_735_689_600_000);
    }
}

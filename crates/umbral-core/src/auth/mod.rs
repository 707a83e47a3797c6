//! Password hashing, sessions, sign-in limits.

pub mod password;
pub mod throttle;

pub use password::{PasswordHasherPool, Verified};

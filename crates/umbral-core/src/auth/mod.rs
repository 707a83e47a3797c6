//! Password hashing, sessions, sign-in limits.

pub mod password;
pub mod throttle;
pub mod trusted;

pub use password::{PasswordHasherPool, Verified};

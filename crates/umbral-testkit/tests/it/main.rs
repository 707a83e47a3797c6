//! HTTP tests: a real server per test, real HTTP, a fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api_contract;
mod audit;
mod checkout;
mod csrf;
mod factor_reset;
mod lockout;
mod login;
mod oidc;
mod organization;
mod pages;
mod passkeys;
mod recovery;
mod sessions;
mod signup;
mod signup_abuse;
mod staff;
mod two_factor;

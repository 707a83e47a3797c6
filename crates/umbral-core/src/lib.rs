//! Umbral's rules. This crate knows no HTTP, no SQL and no templates: it talks to the world
//! through the traits in [`ports`], and takes time from a [`clock::Clock`].

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod clock;
pub mod company;
pub mod error;
pub mod factors;
pub mod flows;
pub mod oidc;
pub mod outbox;
pub mod policy;
pub mod ports;
pub mod secrets;
pub mod service;
pub mod staff;
pub mod types;
pub mod upstream;

pub use error::{CoreError, FieldError};
pub use service::{CoreConfig, Umbral};

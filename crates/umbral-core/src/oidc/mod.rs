//! The rules of the OpenID Connect provider (`docs/flows/oidc.md`): the applications it serves,
//! the authorization request, PKCE, codes, the keys that sign, and what they sign. The journey
//! itself is `flows/oidc.rs`.

pub mod assertion;
pub mod client;
pub mod grant;
pub mod keys;
pub mod pkce;
pub mod request;
pub mod signer;
pub mod tokens;

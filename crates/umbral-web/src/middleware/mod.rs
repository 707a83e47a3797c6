//! Layers every request passes: security headers, same-origin rule for unsafe requests, request
//! id, metrics and logs.

pub mod origin;
pub mod security;
pub mod telemetry;

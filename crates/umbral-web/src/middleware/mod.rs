//! Layers every request passes: security headers, same-origin rule for unsafe requests, input no
//! field can hold, request id, metrics and logs.

pub mod input;
pub mod origin;
pub mod security;
pub mod telemetry;

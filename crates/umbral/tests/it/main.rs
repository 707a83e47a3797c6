//! Tests of the `umbral` program itself: separate processes, real signals, real SMTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli;
mod disk;
mod durability;
mod nodes;
mod postal;
mod smtp;
mod support;

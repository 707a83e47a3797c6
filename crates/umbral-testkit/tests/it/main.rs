//! HTTP tests: a real server per test, real HTTP, a fresh database.

mod api_contract;
mod login;
mod pages;
mod sessions;
mod signup;

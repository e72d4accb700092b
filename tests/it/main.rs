//! bim's one integration test binary.

mod deploy;
mod detect;
mod examples;
mod fake_backend;
mod harness;
mod init;
mod interactive;
mod tools;

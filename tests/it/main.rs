//! bim's one integration test binary.

mod detect;
mod examples;
mod harness;
mod init;
mod tools;

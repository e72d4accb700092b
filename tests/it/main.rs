//! bim's one integration test binary.

mod detect;
mod harness;
mod init;
mod tools;

//! bim's one integration test binary.

mod detect;
mod harness;

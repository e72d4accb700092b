//! Rust: the crate's bin built in the image; the test job on the toolchain the answers name.

use super::{Ci, Recipe};
use crate::config::ServiceConfig;

pub(super) fn recipe(service: &ServiceConfig) -> Recipe {
    let toolchain = if service.runtime_version == "1" { "stable" } else { service.runtime_version.as_str() };
    Recipe {
        template: "docker/rust.Dockerfile.tera",
        entrypoint: Some(service.entrypoint.clone().unwrap_or_else(|| service.app.clone())),
        ci: Ci {
            setup: Some(format!(
                "rustup toolchain install {toolchain} --profile minimal && rustup default {toolchain}"
            )),
            ..Ci::default()
        },
        ..Recipe::default()
    }
}

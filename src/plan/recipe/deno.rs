//! Deno: dependencies cached from deno.json and the lock; the test job in Deno's image.

use super::{Ci, Recipe};
use crate::config::ServiceConfig;

pub(super) fn recipe(service: &ServiceConfig) -> Recipe {
    Recipe {
        template: "docker/deno.Dockerfile.tera",
        cache: Some("/deno-dir".into()),
        ci: Ci { container: Some(format!("denoland/deno:{}", service.runtime_version)), ..Ci::default() },
        ..Recipe::default()
    }
}

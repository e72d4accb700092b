//! Go: modules downloaded in a cached layer; the program built and tested from its module.

use super::{Ci, Recipe};
use crate::config::ServiceConfig;
use crate::detect::facts::Facts;
use crate::lockfiles;

pub(super) fn recipe(service: &ServiceConfig, facts: &Facts) -> Recipe {
    let context = crate::plan::build_context(service);
    Recipe {
        template: "docker/go.Dockerfile.tera",
        entrypoint: Some(service.entrypoint.clone().unwrap_or_else(|| ".".into())),
        ci: Ci {
            install: Some("go mod download".into()),
            lockfile: facts.has_input(lockfiles::GO).then(|| lockfiles::GO.into()),
            // A Go program is built and tested from its module, wherever its main package is.
            working_dir: Some(context.to_string()),
            ..Ci::default()
        },
        ..Recipe::default()
    }
}

//! Elixir: Mix dependencies fetched and compiled in a cached layer, a release built; the
//! test job in the Elixir image.

use super::{Ci, Recipe};
use crate::config::ServiceConfig;

pub(super) fn recipe(service: &ServiceConfig) -> Recipe {
    Recipe {
        template: "docker/elixir.Dockerfile.tera",
        entrypoint: Some(service.entrypoint.clone().unwrap_or_else(|| service.app.replace('-', "_"))),
        ci: Ci {
            container: Some(format!("elixir:{}", service.runtime_version)),
            install: Some("mix local.hex --force && mix local.rebar --force && mix deps.get".into()),
            ..Ci::default()
        },
        ..Recipe::default()
    }
}

//! PHP: Composer's dependencies, served from the document root; the test job runs in
//! Composer's image.

use super::{Ci, Recipe};
use crate::config::ServiceConfig;
use crate::detect::facts::Facts;

pub(super) fn recipe(service: &ServiceConfig, facts: &Facts) -> Recipe {
    Recipe {
        template: "docker/php.Dockerfile.tera",
        entrypoint: Some(service.entrypoint.clone().unwrap_or_else(|| "public".into())),
        ci: Ci {
            container: Some("composer:2".into()),
            // Plain PHP has no composer.json, and so nothing to install.
            install: facts
                .has_input("composer.json")
                .then(|| "composer install --no-interaction --prefer-dist".into()),
            ..Ci::default()
        },
        ..Recipe::default()
    }
}

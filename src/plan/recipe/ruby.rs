//! Ruby: Bundler's gems in a cached layer; Jekyll sites built to static files. The test
//! job's setup-ruby installs the runtime and caches the gems itself.

use super::Recipe;
use crate::config::ServiceConfig;
use crate::detect::Framework;

pub(super) fn recipe(service: &ServiceConfig) -> Recipe {
    Recipe {
        template: if service.framework == Framework::Jekyll {
            "docker/jekyll.Dockerfile.tera"
        } else {
            "docker/ruby.Dockerfile.tera"
        },
        cache: Some("/usr/local/bundle/cache".into()),
        ..Recipe::default()
    }
}

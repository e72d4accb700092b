//! .NET: the project restored in a cached layer and published; tests in the SDK's image.

use super::{Ci, Recipe};
use crate::config::ServiceConfig;
use crate::plan::service_dir_in_context;

pub(super) fn recipe(service: &ServiceConfig) -> Recipe {
    let project_dir = service_dir_in_context(service);
    let project = service.entrypoint.clone().unwrap_or_default();
    Recipe {
        template: "docker/dotnet.Dockerfile.tera",
        entrypoint: Some(if project_dir == "." { project } else { format!("{project_dir}/{project}") }),
        ci: Ci {
            container: Some(format!("mcr.microsoft.com/dotnet/sdk:{}", service.runtime_version)),
            ..Ci::default()
        },
        ..Recipe::default()
    }
}

//! Java: Maven or Gradle (their wrappers where the repository has them), dependencies
//! fetched in a cached layer; tests run in the Dockerfile's test stage.

use super::Recipe;
use crate::config::ServiceConfig;
use crate::detect::PackageManager;
use crate::detect::facts::Facts;

pub(super) fn recipe(service: &ServiceConfig, facts: &Facts) -> Recipe {
    let maven = service.package_manager == PackageManager::Maven;
    let wrapper = facts.has_input(if maven { "mvnw" } else { "gradlew" });
    let tool = match (maven, wrapper) {
        (true, true) => "./mvnw",
        (true, false) => "mvn",
        (false, true) => "./gradlew",
        (false, false) => "gradle",
    };
    Recipe {
        template: "docker/java.Dockerfile.tera",
        setup: Some(tool.to_string()),
        cache: Some(if maven { "/root/.m2".into() } else { "/root/.gradle".into() }),
        install: Some(if maven {
            format!("{tool} -B -q dependency:go-offline")
        } else {
            format!("{tool} --no-daemon dependencies")
        }),
        build: Some(if maven {
            format!("{tool} -B package -DskipTests")
        } else {
            format!("{tool} --no-daemon build -x test")
        }),
        ..Recipe::default()
    }
}

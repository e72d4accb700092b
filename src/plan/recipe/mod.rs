//! Recipes: how a service installs, builds, starts and tests, in its image and on the CI
//! runner. Each ecosystem's commands live in its own module here, and the Dockerfile and
//! the workflow both read the one recipe, so an install command exists once. Pure: made
//! from the answers and the facts recorded with them.

mod deno;
mod dotnet;
mod elixir;
mod go;
mod java;
mod node;
mod php;
mod python;
mod ruby;
mod rust;

use serde::Serialize;

use super::facts_of;
use crate::config::ServiceConfig;
use crate::detect::Language;
use crate::scan;

/// Where a file copied before the install comes from (in the build context) and goes.
#[derive(Serialize, Debug, Clone)]
pub struct CopyItem {
    pub src: String,
    pub dest: String,
}

/// One service's recipe. A field left `None` is a step the ecosystem does not have.
#[derive(Debug, Default)]
pub struct Recipe {
    /// The Dockerfile template.
    pub template: &'static str,
    /// Files copied before the install, so its layer stays cached.
    pub copies: Vec<CopyItem>,
    /// Where the install runs, from the context, when not at its root.
    pub install_dir: Option<String>,
    /// Tools the build stage needs first (corepack, Poetry, the build tool's wrapper).
    pub setup: Option<String>,
    /// Installs every dependency (build stage).
    pub install: Option<String>,
    /// Drops development dependencies after the build (or installs the project itself).
    pub prune: Option<String>,
    /// The root package's own install scripts, run once the source is in.
    pub lifecycle: Option<String>,
    /// The package manager's download cache, mounted during installs.
    pub cache: Option<String>,
    /// The build, where the ecosystem's build tool replaces the answer's command.
    pub build: Option<String>,
    /// Installs the server the start command runs, when the app does not depend on it.
    pub server_install: Option<String>,
    /// What the Dockerfile builds or runs, where the ecosystem needs one named.
    pub entrypoint: Option<String>,
    /// A health-check command in exec form, where the final image can run one.
    pub healthcheck: Option<String>,
    /// The workflow's test job.
    pub ci: Ci,
}

/// How the workflow's test job sets up and installs, on the runner or in a container.
#[derive(Debug, Default)]
pub struct Ci {
    /// Runs the job in the language's own image, for runtimes with no setup action whose
    /// commit could be verified.
    pub container: Option<String>,
    pub setup: Option<String>,
    pub install: Option<String>,
    /// Why the setup installs a tool outside a lockfile (zizmor's `adhoc-packages`).
    pub adhoc_install: Option<&'static str>,
    /// setup-node's own cache, for the managers it caches without setup.
    pub node_cache: Option<&'static str>,
    /// The file the setup action keys its cache on, from the build context.
    pub lockfile: Option<String>,
    /// The runtime version the runner sets up, when not the service's (Bun tests on Node).
    pub version: Option<String>,
    /// The folder the job runs in, when not the service's (a Go module).
    pub working_dir: Option<String>,
}

/// The recipe for a service's answers.
pub fn of(service: &ServiceConfig) -> Recipe {
    let facts = facts_of(service);
    let health_url =
        service.healthcheck_path.as_ref().map(|p| format!("http://127.0.0.1:{}{p}", service.port));
    let mut recipe = match service.language {
        Language::Node | Language::Bun => node::recipe(service, facts),
        Language::Python => python::recipe(service, facts),
        Language::Deno => deno::recipe(service),
        Language::Go => go::recipe(service, facts),
        Language::Rust => rust::recipe(service),
        Language::Java => java::recipe(service, facts),
        Language::Ruby => ruby::recipe(service),
        Language::Php => php::recipe(service, facts),
        Language::Dotnet => dotnet::recipe(service),
        Language::Elixir => elixir::recipe(service),
        Language::Static => Recipe { template: "docker/static.Dockerfile.tera", ..Recipe::default() },
    };
    recipe.copies = input_copies(&facts.inputs);
    // A context widened to hold a front end: the install runs in the service's folder.
    if let Some(dir) = &facts.install_dir {
        prefix_sources(&mut recipe.copies, dir);
        recipe.install_dir = Some(dir.clone());
    }
    if let Some(url) = health_url {
        recipe.healthcheck = match service.language {
            Language::Node | Language::Bun => {
                let runner = if service.language == Language::Bun { "bun" } else { "node" };
                let script =
                    format!("fetch('{url}').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))");
                Some(json(&[runner, "-e", &script]))
            }
            Language::Deno => Some(json(&[
                "deno",
                "eval",
                &format!("const r = await fetch('{url}'); Deno.exit(r.ok ? 0 : 1)"),
            ])),
            Language::Python => Some(json(&[
                "python",
                "-c",
                &format!("import urllib.request; urllib.request.urlopen('{url}', timeout=3)"),
            ])),
            Language::Ruby => Some(json(&[
                "ruby",
                "-rnet/http",
                "-e",
                &format!("exit Net::HTTP.get_response(URI('{url}')).is_a?(Net::HTTPSuccess)"),
            ])),
            _ => None,
        };
    }
    recipe
}

/// The files and folders (ending in `/`) copied before the install, each to its own
/// folder in the working folder.
pub fn input_copies(inputs: &[String]) -> Vec<CopyItem> {
    inputs
        .iter()
        .map(|src| {
            let folder = scan::parent(src.trim_end_matches('/'));
            let dest = if src.ends_with('/') {
                src.clone()
            } else if folder.is_empty() {
                "./".into()
            } else {
                format!("{folder}/")
            };
            CopyItem { src: src.clone(), dest }
        })
        .collect()
}

/// Names each copy's source from a folder above: `package.json` → `client/package.json`.
pub fn prefix_sources(copies: &mut [CopyItem], dir: &str) {
    for copy in copies {
        copy.src = scan::join(dir, &copy.src);
    }
}

/// Words as a JSON array: a command in Dockerfile exec form.
pub fn json(words: &[&str]) -> String {
    serde_json::to_string(words).unwrap_or_default()
}

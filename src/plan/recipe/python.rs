//! Python: pip, uv, Poetry, Pipenv and PDM installs in the image (production
//! dependencies, in a cached layer where the manifests allow), and the test job's install
//! of everything the tests need.

use super::{Ci, Recipe};
use crate::config::ServiceConfig;
use crate::detect::PackageManager;
use crate::detect::facts::Facts;
use crate::detect::python::facts::PYTHON_SERVERS;
use crate::lockfiles;

/// Installs the `project.dependencies` of pyproject.toml without the project (pip has no
/// flag for that), reading the file with the standard library's tomllib.
const PYPROJECT_DEPENDENCIES: &str = "python -c \"import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project'].get('dependencies', [])))\" > /tmp/requirements.txt && pip install -r /tmp/requirements.txt";

pub(super) fn recipe(service: &ServiceConfig, facts: &Facts) -> Recipe {
    let mut r = Recipe { template: "docker/python.Dockerfile.tera", ..Recipe::default() };
    image(service, facts, &mut r);
    r.ci = ci(service, facts);
    r
}

/// The test job's install: the development dependencies too.
fn ci(service: &ServiceConfig, facts: &Facts) -> Ci {
    let line = service.runtime_version.as_str();
    let pip = |tool: &str, pm: PackageManager| {
        let release = crate::detect::python_tools::release(pm, line).unwrap_or_default();
        format!("python -m pip install {tool}=={release}")
    };
    let (setup, install) = match service.package_manager {
        PackageManager::Uv => (None, "uv sync --frozen".into()),
        PackageManager::Poetry => {
            (Some(pip("poetry", PackageManager::Poetry)), "poetry install --no-interaction --no-root".into())
        }
        PackageManager::Pipenv => (
            Some(pip("pipenv", PackageManager::Pipenv)),
            // --deploy refuses a missing or stale Pipfile.lock; without one, pipenv locks.
            if facts.has_input(lockfiles::PIPENV) {
                "pipenv install --dev --deploy"
            } else {
                "pipenv install --dev"
            }
            .into(),
        ),
        PackageManager::Pdm => (Some(pip("pdm", PackageManager::Pdm)), "pdm install".into()),
        _ => {
            let files: Vec<String> = facts.test_requirements.iter().map(|p| format!("-r {p}")).collect();
            let install = if files.is_empty() {
                "python -m pip install .".into()
            } else {
                format!("python -m pip install {}", files.join(" "))
            };
            let pytest = service.test_command.as_deref().is_some_and(|t| t.contains("pytest"));
            (None, if pytest { format!("{install} pytest") } else { install })
        }
    };
    Ci { setup, install: Some(install), ..Ci::default() }
}

/// The Python install, from the manifests in the folder it runs in.
fn image(service: &ServiceConfig, facts: &Facts, r: &mut Recipe) {
    let installer =
        if service.package_manager == PackageManager::Uv { "uv pip install" } else { "pip install" };
    r.server_install = facts
        .missing_server
        .as_deref()
        .and_then(|server| PYTHON_SERVERS.iter().find(|(name, _)| *name == server))
        .map(|(server, version)| format!("{installer} {server}=={version}"));
    r.cache = Some(match service.package_manager {
        PackageManager::Uv => "/root/.cache/uv".into(),
        PackageManager::Poetry => "/root/.cache/pypoetry".into(),
        _ => "/root/.cache/pip".into(),
    });
    match service.package_manager {
        PackageManager::Uv => {
            let frozen = if facts.has_input(lockfiles::UV) { "--frozen " } else { "" };
            match &facts.uv_package {
                // A workspace member: every member's pyproject.toml resolves the workspace;
                // only this member and what it needs are installed.
                Some(package) => {
                    r.install =
                        Some(format!("uv sync {frozen}--no-dev --no-install-workspace --package {package}"));
                    r.prune = Some(format!("uv sync {frozen}--no-dev --package {package}"));
                }
                None => {
                    r.install = Some(format!("uv sync {frozen}--no-dev --no-install-project"));
                    r.prune = Some(format!("uv sync {frozen}--no-dev"));
                }
            }
        }
        PackageManager::Poetry => {
            r.setup = Some(format!(
                "pip install --no-cache-dir poetry=={}",
                tool_release(PackageManager::Poetry, service)
            ));
            r.install = Some("poetry install --only main --no-root --no-interaction".into());
        }
        PackageManager::Pipenv => {
            r.setup = Some(format!(
                "pip install --no-cache-dir pipenv=={}",
                tool_release(PackageManager::Pipenv, service)
            ));
            // `pipenv requirements` reads Pipfile.lock: without one it lists nothing, so the
            // lock is made first.
            let lock = if facts.has_input(lockfiles::PIPENV) { "" } else { "pipenv lock && " };
            r.install = Some(format!(
                "{lock}pipenv requirements > /tmp/requirements.txt && pip install -r /tmp/requirements.txt"
            ));
        }
        PackageManager::Pdm => {
            r.setup = Some(format!(
                "pip install --no-cache-dir pdm=={}",
                tool_release(PackageManager::Pdm, service)
            ));
            r.install = Some("pdm export --prod --without-hashes -o /tmp/requirements.txt && pip install -r /tmp/requirements.txt".into());
        }
        _ => match &facts.requirements {
            // A local path (`-e .`, `./libs/x`) needs the source: install after it is copied.
            Some(file) if facts.local_requirements => {
                r.prune = Some(format!("pip install -r {file}"));
            }
            Some(file) => r.install = Some(format!("pip install -r {file}")),
            // Building the project needs its source (a build backend looks for its
            // package), so the cached layer installs only the dependencies that
            // pyproject.toml lists, and the project itself goes in after the source.
            None if facts.pyproject_dependencies => {
                r.install = Some(PYPROJECT_DEPENDENCIES.into());
                r.prune = Some("pip install --no-deps .".into());
            }
            None => r.prune = Some("pip install .".into()),
        },
    }
}

/// The packaging tool's release that runs on the service's Python line.
fn tool_release(tool: PackageManager, service: &ServiceConfig) -> &'static str {
    let line = service.runtime_version.as_str();
    crate::detect::python_tools::release(tool, line).unwrap_or_default()
}

//! The files bim shares with the user: .dockerignore, .env.example, .gitignore and the
//! README section. Each is rendered whole here; `apply` merges it into what exists.

use serde::Serialize;

use super::{FileKind, Ownership, PlannedFile, build_context, header, repo_join, service_dir_in_context};
use crate::config::{Config, Registry, ServiceConfig};
use crate::detect::Language;
use crate::error::Error;
use crate::render::Templates;

pub const README_BEGIN: &str = "<!-- bim:begin -->";
pub const README_END: &str = "<!-- bim:end -->";

#[derive(Serialize)]
struct DockerignoreContext {
    header: String,
    patterns: Vec<String>,
}

/// The .dockerignore beside the service's Dockerfile: `.dockerignore` at the build
/// context's root, or `Dockerfile.dockerignore` when the context is a workspace above it.
pub fn dockerignore(service: &ServiceConfig, templates: &Templates) -> Result<PlannedFile, Error> {
    let patterns: &[&str] = match service.language {
        Language::Node | Language::Bun => &[
            "**/node_modules",
            "**/.next",
            "**/.nuxt",
            "**/.output",
            "**/.svelte-kit",
            "**/.turbo",
            "**/dist",
            "**/build",
            "npm-debug.log*",
            "yarn-error.log*",
        ],
        Language::Deno => &["node_modules"],
        Language::Python => &[
            "**/__pycache__",
            "**/*.py[cod]",
            ".venv",
            "venv",
            ".pytest_cache",
            ".mypy_cache",
            ".ruff_cache",
            ".tox",
            "*.egg-info",
            "dist",
            "build",
        ],
        Language::Go => &["bin", "vendor", "*.test", "*.out"],
        Language::Rust => &["target"],
        Language::Java => &["target", "build", ".gradle", "out"],
        Language::Ruby => &[
            ".bundle",
            "vendor/bundle",
            "log/*",
            "tmp/*",
            "storage/*",
            "node_modules",
            "_site",
            ".jekyll-cache",
        ],
        Language::Php => {
            &["vendor", "node_modules", "storage/logs/*", "storage/framework/cache/*", "var/cache", "var/log"]
        }
        Language::Dotnet => &["**/bin", "**/obj", "*.user", "TestResults"],
        Language::Elixir => &["_build", "deps", "cover", "node_modules"],
        Language::Static => &["node_modules", "README.md"],
    };
    let path = if service_dir_in_context(service) == "." {
        repo_join(build_context(service), ".dockerignore")
    } else {
        repo_join(&service.path, "Dockerfile.dockerignore")
    };
    let mut patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
    if let Some(front) = &service.frontend {
        // The front end builds in its own stage, from its source: never a local install or build.
        let from = super::snapshot_path(build_context(service));
        let dir = front.path.strip_prefix(from).unwrap_or(&front.path).trim_start_matches('/');
        for local in ["node_modules", front.output.as_str()] {
            let joined = crate::scan::join(dir, local);
            let pattern = crate::scan::normalize(&joined).unwrap_or(joined);
            if !patterns.contains(&pattern) && !patterns.contains(&format!("**/{local}")) {
                patterns.push(pattern);
            }
        }
    }
    let contents = templates
        .render("dockerignore/dockerignore.tera", &DockerignoreContext { header: header("#"), patterns })?;
    Ok(PlannedFile { path, kind: FileKind::Dockerignore, ownership: Ownership::Entries, contents })
}

/// `.env.example`: each variable, sorted, with where it is read; a value only where one
/// is safe to share (`PORT`).
pub fn env_example(service: &ServiceConfig, ci: crate::config::Ci) -> PlannedFile {
    let mut text = String::from(
        "# The environment variables this app reads. Copy to .env for local runs;\n# set them in Backend.im for deploys. Never commit real values.\n",
    );
    let build_time = service.build_time_vars();
    for name in super::compose::password_variables(service) {
        text.push_str(&format!(
            "\n# for compose.yaml's local database (any value; local runs only)\n{name}=\n"
        ));
    }
    for (name, file) in &service.env_vars {
        text.push('\n');
        if !file.is_empty() {
            text.push_str(&format!("# read in {file}\n"));
        }
        if build_time.contains(&name.as_str()) {
            text.push_str(match ci {
                crate::config::Ci::Github => {
                    "# read when the image is built: a GitHub Actions variable in CI, --build-arg locally\n"
                }
                crate::config::Ci::Gitlab => {
                    "# read when the image is built: a GitLab CI/CD variable in CI, --build-arg locally\n"
                }
            });
        }
        let value = if name == "PORT" { service.port.to_string() } else { String::new() };
        text.push_str(&format!("{name}={value}\n"));
    }
    for name in service.build_secrets.iter().filter(|n| !service.env_vars.contains_key(*n)) {
        text.push_str(&format!(
            "\n# a credential the dependency install reads (a build secret): a GitHub secret in CI;\n# `bim run` passes it to the build only, never to the app\n{name}=\n"
        ));
    }
    PlannedFile {
        path: repo_join(&service.path, ".env.example"),
        kind: FileKind::EnvExample,
        ownership: Ownership::Entries,
        contents: text,
    }
}

/// `.gitignore` must keep `.env` out of the repository.
pub fn gitignore() -> PlannedFile {
    PlannedFile {
        path: ".gitignore".into(),
        kind: FileKind::Gitignore,
        ownership: Ownership::Entries,
        contents: "# Local environment files hold secrets.\n.env\n".into(),
    }
}

#[derive(Serialize)]
struct ReadmeContext {
    /// The workflow file bim writes (or keeps, where an older bim wrote deploy.yml).
    workflow: String,
    /// `github` or `gitlab`: whose secrets and variables the next steps name.
    ci: crate::config::Ci,
    branch: String,
    registry_name: String,
    registry_settings: Vec<Setting>,
    scan: bool,
    attest: bool,
    previews: bool,
    smoke_test: bool,
    services: Vec<ReadmeService>,
}

#[derive(Serialize)]
struct Setting {
    name: String,
    kind: &'static str,
    what: &'static str,
}

#[derive(Serialize)]
struct ReadmeService {
    app: String,
    path: String,
    context: String,
    dockerfile: String,
    port: u16,
    env_file: String,
    env_vars: Vec<EnvRow>,
    /// Variables the image build reads (`docker build --build-arg NAME` passes them on).
    build_args: Vec<String>,
    /// Credentials the install reads (`docker build --secret id=NAME,env=NAME`).
    build_secrets: Vec<String>,
    release_command: Option<String>,
    processes: Vec<ProcessRow>,
}

#[derive(Serialize)]
struct ProcessRow {
    name: String,
    command: String,
}

#[derive(Serialize)]
struct EnvRow {
    name: String,
    #[serde(rename = "where")]
    read_in: String,
}

pub fn readme(config: &Config, templates: &Templates, workflow: &str) -> Result<PlannedFile, Error> {
    let (registry_name, registry_settings) = match &config.registry {
        Registry::Ghcr => ("GitHub Container Registry (ghcr.io)".to_string(), vec![]),
        Registry::Dockerhub => (
            "Docker Hub".to_string(),
            vec![
                Setting {
                    name: "DOCKERHUB_USERNAME".into(),
                    kind: "variable",
                    what: "the Docker Hub account images are pushed to",
                },
                Setting {
                    name: "DOCKERHUB_TOKEN".into(),
                    kind: "secret",
                    what: "a Docker Hub access token with write access",
                },
            ],
        ),
        Registry::Gitlab => ("the GitLab project's container registry".to_string(), vec![]),
        Registry::Host(host) => (
            format!("`{host}`"),
            vec![
                Setting { name: "REGISTRY_USERNAME".into(), kind: "variable", what: "the registry user" },
                Setting {
                    name: "REGISTRY_PASSWORD".into(),
                    kind: "secret",
                    what: "the registry password or token",
                },
            ],
        ),
    };
    let mut registry_settings = registry_settings;
    for name in config.services.iter().flat_map(|s| &s.build_secrets) {
        if !registry_settings.iter().any(|r| r.name == *name) {
            registry_settings.push(Setting {
                name: name.clone(),
                kind: "secret",
                what: "a credential the dependency install reads (a build secret, in no image layer)",
            });
        }
    }
    let services = config
        .services
        .iter()
        .map(|s| {
            let build_args: Vec<String> = s.build_time_vars().into_iter().map(str::to_string).collect();
            ReadmeService {
                app: s.app.clone(),
                path: s.path.clone(),
                context: build_context(s).to_string(),
                dockerfile: s.dockerfile.clone().unwrap_or_else(|| repo_join(&s.path, "Dockerfile")),
                port: s.port,
                env_file: repo_join(&s.path, ".env"),
                env_vars: s
                    .env_vars
                    .iter()
                    .map(|(name, file)| {
                        let mut read_in =
                            if file.is_empty() { "—".to_string() } else { format!("`{file}`") };
                        if build_args.contains(name) {
                            read_in.push_str(", when the image is built");
                        }
                        EnvRow { name: name.clone(), read_in }
                    })
                    .collect(),
                build_args,
                build_secrets: s.build_secrets.clone(),
                release_command: s.release_command.clone(),
                processes: s
                    .processes
                    .iter()
                    .map(|(name, command)| ProcessRow { name: name.clone(), command: command.clone() })
                    .collect(),
            }
        })
        .collect();
    let context = ReadmeContext {
        branch: config.branch.clone(),
        workflow: workflow.to_string(),
        ci: config.ci,
        registry_name,
        registry_settings,
        scan: config.pipeline.scan,
        attest: config.pipeline.attest,
        previews: config.pipeline.previews,
        smoke_test: config.pipeline.smoke_test != Some(false),
        services,
    };
    Ok(PlannedFile {
        path: "README.md".into(),
        kind: FileKind::Readme,
        ownership: Ownership::Section,
        contents: templates.render("readme/section.md.tera", &context)?,
    })
}

//! bim.toml: every answer behind the generated files, so that a re-run of `bim init` and
//! `bim check` reproduce them exactly. Unknown keys and wrong types are errors that name
//! the key, never silently ignored.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::detect::{Framework, Language, PackageManager};
use crate::error::Error;
use crate::validate;

pub const FILE_NAME: &str = crate::ownership::ANSWERS;
const FORMAT_VERSION: u32 = 1;

/// Where images are pushed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Registry {
    /// GitHub Container Registry, with the workflow's GITHUB_TOKEN.
    Ghcr,
    /// Docker Hub, with `vars.DOCKERHUB_USERNAME` and `secrets.DOCKERHUB_TOKEN`.
    Dockerhub,
    /// Any other registry host, with `vars.REGISTRY_USERNAME` and `secrets.REGISTRY_PASSWORD`.
    Host(String),
    /// The GitLab project's own container registry (`$CI_REGISTRY_IMAGE`), with the job token.
    Gitlab,
}

impl Registry {
    pub fn parse(value: &str, flag: &str) -> Result<Registry, Error> {
        match value {
            "ghcr" | "ghcr.io" => Ok(Registry::Ghcr),
            "dockerhub" | "docker.io" | "docker-hub" => Ok(Registry::Dockerhub),
            "gitlab" => Ok(Registry::Gitlab),
            host => {
                validate::host(host, flag)?;
                Ok(Registry::Host(host.to_string()))
            }
        }
    }

    /// The host images are pushed to.
    pub fn host(&self) -> &str {
        match self {
            Registry::Ghcr => "ghcr.io",
            Registry::Dockerhub => "docker.io",
            Registry::Host(host) => host,
            Registry::Gitlab => "$CI_REGISTRY",
        }
    }
}

impl fmt::Display for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Registry::Ghcr => f.write_str("ghcr"),
            Registry::Dockerhub => f.write_str("dockerhub"),
            Registry::Host(host) => f.write_str(host),
            Registry::Gitlab => f.write_str("gitlab"),
        }
    }
}

impl Serialize for Registry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Registry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Registry::parse(&text, "registry").map_err(serde::de::Error::custom)
    }
}

/// The CI service that tests, builds and deploys: GitHub Actions (the default, so a
/// bim.toml without the key stays on GitHub) or GitLab CI/CD.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ci {
    #[default]
    Github,
    Gitlab,
}

impl Ci {
    pub fn parse(value: &str, flag: &str) -> Result<Ci, Error> {
        match value {
            "github" => Ok(Ci::Github),
            "gitlab" => Ok(Ci::Gitlab),
            other => Err(Error::Usage {
                message: format!("`{other}` is not a CI bim writes for (github or gitlab)"),
                flag: Some(format!("{flag} github or {flag} gitlab")),
            }),
        }
    }

    fn is_github(&self) -> bool {
        *self == Ci::Github
    }

    /// The registry a new answer pushes to on this CI: its own.
    pub fn default_registry(self) -> Registry {
        match self {
            Ci::Github => Registry::Ghcr,
            Ci::Gitlab => Registry::Gitlab,
        }
    }
}

impl fmt::Display for Ci {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ci::Github => "github",
            Ci::Gitlab => "gitlab",
        })
    }
}

/// Which files bim writes; each can be turned off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Files {
    pub dockerfile: bool,
    pub dockerignore: bool,
    pub workflow: bool,
    pub dependabot: bool,
    pub env_example: bool,
    pub readme: bool,
    /// compose.yaml: unset writes it when an app talks to a backing service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compose: Option<bool>,
}

impl Files {
    /// Stops bim writing one kind of file.
    pub fn turn_off(&mut self, kind: crate::ownership::FileKind) {
        use crate::ownership::FileKind;
        match kind {
            FileKind::Dockerfile => self.dockerfile = false,
            FileKind::Dockerignore => self.dockerignore = false,
            FileKind::Workflow => self.workflow = false,
            FileKind::Dependabot => self.dependabot = false,
            FileKind::EnvExample => self.env_example = false,
            FileKind::Readme => self.readme = false,
            FileKind::Compose => self.compose = Some(false),
            FileKind::Gitignore | FileKind::Answers | FileKind::Rendered | FileKind::Agents => {}
        }
    }
}

impl Default for Files {
    fn default() -> Self {
        Files {
            dockerfile: true,
            dockerignore: true,
            workflow: true,
            dependabot: true,
            env_example: true,
            readme: true,
            compose: None,
        }
    }
}

impl crate::vocabulary::Words for Ci {
    fn words() -> Vec<&'static str> {
        vec!["github", "gitlab"]
    }
    fn from_word(word: &str) -> Result<Self, String> {
        Ci::parse(word, "--ci").map_err(|e| e.to_string())
    }
}

impl crate::vocabulary::Words for Severity {
    fn words() -> Vec<&'static str> {
        vec!["negligible", "low", "medium", "high", "critical"]
    }
    fn from_word(word: &str) -> Result<Self, String> {
        Self::words()
            .into_iter()
            .position(|w| w == word)
            .map(|i| {
                [Severity::Negligible, Severity::Low, Severity::Medium, Severity::High, Severity::Critical][i]
            })
            .ok_or_else(|| format!("unknown level `{word}`; expected one of: {}", Self::words().join(", ")))
    }
}

/// How severe a finding must be to stop a deploy, in Grype's levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Negligible,
    Low,
    Medium,
    High,
    #[default]
    Critical,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Negligible => "negligible",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        })
    }
}

/// Opt-in steps of the workflow, for every service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pipeline {
    /// Scan each pushed image for vulnerabilities before it deploys (Grype), with the
    /// findings in the Security tab.
    pub scan: bool,
    /// The lowest severity that stops the deploy.
    pub scan_fail_on: Severity,
    /// Count only the findings that have a fix.
    pub scan_only_fixed: bool,
    /// Attest each pushed image's build provenance (public repositories).
    pub attest: bool,
    /// Build for these platforms, each on a runner of its own architecture, joined into
    /// one image; empty builds for the runner's own (linux/amd64).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    /// Deploy each pull request from this repository to a preview app of its own
    /// (`APP-pr-N`), comment its URL on the pull request, and delete it when it closes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub previews: bool,
    /// Run each pushed image, by digest, and wait for it to answer before it deploys; on
    /// unless `false` (an app that needs a real third-party key at start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smoke_test: Option<bool>,
}

/// The platforms GitHub has native runners for, and those runners.
pub const PLATFORM_RUNNERS: &[(&str, &str, &str)] =
    &[("linux/amd64", "amd64", "ubuntu-24.04"), ("linux/arm64", "arm64", "ubuntu-24.04-arm")];

/// Checks a `--platforms` list: known platforms, each once.
pub fn validate_platforms(platforms: &[String]) -> Result<(), Error> {
    for (i, p) in platforms.iter().enumerate() {
        if !PLATFORM_RUNNERS.iter().any(|(name, _, _)| name == p) {
            return Err(Error::Usage {
                message: format!("platform `{p}` has no native GitHub runner bim knows"),
                flag: Some("--platforms linux/amd64,linux/arm64".into()),
            });
        }
        if platforms[..i].contains(p) {
            return Err(Error::Usage {
                message: format!("platform `{p}` is listed twice"),
                flag: Some("--platforms".into()),
            });
        }
    }
    Ok(())
}

impl Pipeline {
    fn is_default(&self) -> bool {
        *self == Pipeline::default()
    }
}

/// The answers for one service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// The service's folder, relative to the repository root (`.` for the root).
    pub path: String,
    /// The Backend.im app this service deploys as.
    pub app: String,
    pub language: Language,
    pub framework: Framework,
    pub package_manager: PackageManager,
    pub runtime_version: String,
    pub port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_command: Option<String>,
    /// Run once per deploy, before the new version serves: in the deploy request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_command: Option<String>,
    /// The databases, caches and brokers the service talks to, run beside it in compose.yaml.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backing_services: Vec<String>,
    /// Processes run from the same image beside the web server (workers): name → command.
    /// They have no port and no health check.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub processes: std::collections::BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub static_output: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nextjs_standalone: bool,
    /// The folder the image is built from, when it is not the service's own (a workspace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// The repository's own Dockerfile, which bim builds as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
    /// The image name to push, without tag; by default derived from the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Debian packages the build stage installs (compilers, headers): detected from the
    /// dependencies, and yours to add to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub build_packages: Vec<String>,
    /// Debian packages the final image installs (the libraries the app loads).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runtime_packages: Vec<String>,
    /// `NAME=value` settings for the build stage (a test tool's download skipped ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub build_env: Vec<String>,
    /// Credentials the dependency install reads (a private registry's token): each a
    /// BuildKit secret of the install step alone, from the GitHub secret of the same name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub build_secrets: Vec<String>,
    /// Paths a compiled program opens at run time, relative to the folder it runs from
    /// (the Go module, the Rust crate, the .NET project): copied beside the binary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runtime_files: Vec<String>,
    /// A front end the service serves: built in a stage of the service's image, its output
    /// copied where the service's code looks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frontend: Option<crate::detect::Frontend>,
    /// The environment variables the service reads, each with the file that reads it.
    #[serde(default)]
    pub env_vars: std::collections::BTreeMap<String, String>,
    /// What the files need to know of the repository for these answers: `bim init` reads
    /// it anew each run; `bim check` renders from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<crate::detect::facts::Facts>,
}

impl ServiceConfig {
    /// A service with every answer at its plainest, for checking flags before any
    /// detection: the flags are applied to it as they would be to a real one.
    pub fn probe() -> ServiceConfig {
        ServiceConfig {
            path: ".".into(),
            app: "app".into(),
            language: Language::Static,
            framework: Framework::None,
            package_manager: PackageManager::None,
            runtime_version: "1".into(),
            port: 1,
            build_command: None,
            start_command: None,
            test_command: None,
            release_command: None,
            processes: Default::default(),
            backing_services: Vec::new(),
            healthcheck_path: None,
            entrypoint: None,
            static_output: None,
            nextjs_standalone: false,
            context: None,
            dockerfile: None,
            image: None,
            build_packages: Vec::new(),
            runtime_packages: Vec::new(),
            build_env: Vec::new(),
            build_secrets: Vec::new(),
            runtime_files: Vec::new(),
            frontend: None,
            env_vars: Default::default(),
            facts: None,
        }
    }

    /// Whether its image runs a start command: PHP images serve with their own web server,
    /// static sites with nginx, and the repository's own Dockerfile says what it runs.
    pub fn needs_start_command(&self) -> bool {
        self.static_output.is_none() && self.dockerfile.is_none() && self.language != Language::Php
    }

    /// Whether `wanted` (a `--service` value: a path or an app name) names this service.
    pub fn is_named(&self, wanted: &str) -> bool {
        let wanted = wanted.trim_end_matches('/');
        self.path == wanted || self.app == wanted || (wanted.is_empty() && self.path == ".")
    }

    /// Sets one of the table's text answers.
    pub fn set_text(&mut self, answer: crate::answer_fields::TextAnswer, value: String) {
        use crate::answer_fields::TextAnswer;
        match answer {
            TextAnswer::RuntimeVersion => self.runtime_version = value,
            TextAnswer::BuildCommand => self.build_command = Some(value),
            TextAnswer::StartCommand => self.start_command = Some(value),
            TextAnswer::TestCommand => self.test_command = Some(value),
            TextAnswer::ReleaseCommand => self.release_command = Some(value),
            TextAnswer::HealthcheckPath => self.healthcheck_path = Some(value),
            TextAnswer::Entrypoint => self.entrypoint = Some(value),
        }
    }

    /// The variables a build bakes into the image, which must be set when it is built (as
    /// GitHub Actions variables), not when it runs: everything a static bundle or a bundled
    /// front end reads, and Next.js's `NEXT_PUBLIC_` ones. Only for a Dockerfile bim writes, which declares them.
    pub fn build_time_vars(&self) -> Vec<&str> {
        let bundled = self.static_output.is_some() && self.language != Language::Static;
        // A front end built in this image bakes what its own code reads.
        let in_frontend =
            |file: &str| self.frontend.as_ref().is_some_and(|f| file.starts_with(&format!("{}/", f.path)));
        self.env_vars
            .iter()
            .filter(|(name, file)| {
                self.dockerfile.is_none()
                    && (bundled
                        || in_frontend(file)
                        || (self.framework == Framework::Nextjs && name.starts_with("NEXT_PUBLIC_")))
            })
            .map(|(name, _)| name.as_str())
            .collect()
    }
}

/// The whole of bim.toml.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub version: u32,
    pub registry: Registry,
    /// Pushes to this branch deploy.
    pub branch: String,
    /// The CI that runs the pipeline: `github` (the default) or `gitlab`.
    #[serde(default, skip_serializing_if = "Ci::is_github")]
    pub ci: Ci,
    /// The bim, and its templates' revision, that last rendered the files from these answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered_by: Option<String>,
    /// Backend.im's API, when it is not the default (BACKEND_IM_API_URL overrides it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default)]
    pub files: Files,
    #[serde(default, skip_serializing_if = "Pipeline::is_default")]
    pub pipeline: Pipeline,
    /// What the repository-wide files need to know of the repository; read anew by each
    /// `bim init`, like each service's facts.
    #[serde(default, skip_serializing_if = "crate::detect::facts::RepoFacts::is_default")]
    pub facts: crate::detect::facts::RepoFacts,
    #[serde(rename = "service")]
    pub services: Vec<ServiceConfig>,
}

impl Config {
    pub fn new(registry: Registry, branch: String, services: Vec<ServiceConfig>) -> Config {
        Config {
            version: FORMAT_VERSION,
            registry,
            branch,
            ci: Ci::Github,
            // Set by the command that renders (see `commands::init`): the answers do not
            // know which bim reads them.
            rendered_by: None,
            api_url: None,
            files: Files::default(),
            pipeline: Pipeline::default(),
            facts: Default::default(),
            services,
        }
    }

    /// The bim.toml in `root`, which must exist: the commands that act on an app set up
    /// by `bim init` (run, env push) start here.
    pub fn load(root: &std::path::Path) -> Result<Config, Error> {
        let file = root.join(FILE_NAME);
        match std::fs::read_to_string(&file) {
            Ok(text) => Config::parse(&text, FILE_NAME),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::Usage {
                message: format!("no bim.toml in {}", root.display()),
                flag: Some("`bim init` first, or the repository's path".into()),
            }),
            Err(e) => Err(Error::io(&file, e)),
        }
    }

    /// The service `wanted` names (its path or app), or the only one.
    pub fn service(&self, wanted: Option<&str>) -> Result<&ServiceConfig, Error> {
        match wanted {
            Some(w) => self.services.iter().find(|s| s.is_named(w)).ok_or_else(|| Error::Usage {
                message: format!("bim.toml has no service `{w}`"),
                flag: Some("--service with one of bim.toml's paths or apps".into()),
            }),
            None if self.services.len() == 1 => Ok(&self.services[0]),
            None => Err(Error::Usage {
                message: format!(
                    "bim.toml has {} services: {}",
                    self.services.len(),
                    self.services.iter().map(|s| s.app.as_str()).collect::<Vec<_>>().join(", ")
                ),
                flag: Some("--service NAME".into()),
            }),
        }
    }

    /// Parses bim.toml text; `path` names the file in errors.
    pub fn parse(text: &str, path: &str) -> Result<Config, Error> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|span| {
                    let (line, col) = crate::manifest::line_col(text, span.start);
                    format!(" at line {line} column {col}")
                })
                .unwrap_or_default();
            Error::broken(path, format!("invalid bim.toml{at}: {}", e.message()))
        })?;
        if config.version != FORMAT_VERSION {
            return Err(Error::broken(
                path,
                format!("version = {} is not one this bim reads (expected {FORMAT_VERSION})", config.version),
            ));
        }
        config.validate().map_err(|e| Error::broken(path, e.to_string()))?;
        Ok(config)
    }

    /// Checks every value the same way a flag's value is checked.
    pub fn validate(&self) -> Result<(), Error> {
        validate::branch(&self.branch, "--branch")?;
        validate_platforms(&self.pipeline.platforms)?;
        if self.pipeline.previews && !self.pipeline.platforms.is_empty() {
            return Err(Error::Usage {
                message: "preview deploys build for the runner's own platform, and platforms are set".into(),
                flag: Some("--previews without --platforms (or drop platforms from bim.toml)".into()),
            });
        }
        match (self.ci, &self.registry) {
            (Ci::Gitlab, Registry::Ghcr) => {
                return Err(Error::Usage {
                    message:
                        "ghcr.io takes GitHub's workflow token, which GitLab CI/CD does not have: push to \
                              the project's own registry (--registry gitlab), dockerhub or a registry host"
                            .into(),
                    flag: Some("--registry gitlab (the project's own registry), dockerhub or a host".into()),
                });
            }
            (Ci::Github, Registry::Gitlab) => {
                return Err(Error::Usage {
                    message: "the GitLab registry takes a GitLab job token, which GitHub Actions does not \
                              have: write GitLab CI/CD (--ci gitlab) or push elsewhere (--registry ghcr)"
                        .into(),
                    flag: Some("--ci gitlab, or --registry ghcr".into()),
                });
            }
            _ => {}
        }
        if let Some(url) = &self.api_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(Error::Usage {
                message: format!("api_url `{url}` is not an http(s) URL"),
                flag: None,
            });
        }
        if self.services.is_empty() {
            return Err(Error::Usage { message: "no [[service]] is configured".into(), flag: None });
        }
        for s in &self.services {
            if s.path != "." {
                validate::repo_path("service path", &s.path, "--service")?;
            }
            validate::app_name(&s.app, "--app")?;
            validate::version(&s.runtime_version, "--runtime-version")?;
            validate::port(s.port, "--port")?;
            for (what, value, flag) in [
                ("build command", &s.build_command, "--build-command"),
                ("start command", &s.start_command, "--start-command"),
                ("test command", &s.test_command, "--test-command"),
                ("release command", &s.release_command, "--release-command"),
            ] {
                if let Some(v) = value {
                    validate::command(what, v, flag)?;
                }
            }
            if let Some(p) = &s.healthcheck_path {
                validate::url_path(p, "--healthcheck-path")?;
            }
            if let Some(e) = &s.entrypoint {
                validate::entrypoint(e, "--entrypoint")?;
            }
            if let Some(v) = &s.static_output
                && v != "."
            {
                validate::path_from("static output", &s.path, v, "--entrypoint")?;
            }
            for (what, value) in [("context", &s.context), ("dockerfile", &s.dockerfile)] {
                if let Some(v) = value
                    && v != "."
                {
                    validate::repo_path(what, v, "--entrypoint")?;
                }
            }
            if let Some(image) = &s.image {
                validate::image(image, "--image")?;
            }
            for package in &s.build_packages {
                validate::system_package(package, "--build-package")?;
            }
            for setting in &s.build_env {
                validate::build_env(setting, "build_env in bim.toml")?;
            }
            for name in &s.build_secrets {
                validate::env_name(name)?;
            }
            for kind in &s.backing_services {
                if !crate::detect::backing::KINDS.contains(&kind.as_str()) {
                    return Err(Error::Usage {
                        message: format!(
                            "backing service `{kind}` is not one bim runs ({})",
                            crate::detect::backing::KINDS.join(", ")
                        ),
                        flag: None,
                    });
                }
            }
            for (name, command) in &s.processes {
                validate::process_name(name, "--process")?;
                validate::command("process command", command, "--process")?;
            }
            for path in &s.runtime_files {
                validate::repo_path("runtime file", path, "runtime_files in bim.toml")?;
            }
            if let Some(front) = &s.frontend {
                validate::repo_path("front end folder", &front.path, "[service.frontend] in bim.toml")?;
                validate::path_from(
                    "front end output",
                    &front.path,
                    &front.output,
                    "[service.frontend] in bim.toml",
                )?;
                validate::command(
                    "front end build command",
                    &front.build_command,
                    "[service.frontend] in bim.toml",
                )?;
                validate::version(&front.runtime_version, "[service.frontend] in bim.toml")?;
                for package in &front.build_packages {
                    validate::system_package(package, "[service.frontend] in bim.toml")?;
                }
                for setting in &front.build_env {
                    validate::build_env(setting, "[service.frontend] in bim.toml")?;
                }
                if !matches!(front.language, Language::Node | Language::Bun) {
                    return Err(Error::Usage {
                        message: "a front end builds with node or bun (language in [service.frontend])"
                            .into(),
                        flag: None,
                    });
                }
            }
            for package in &s.runtime_packages {
                validate::system_package(package, "--runtime-package")?;
            }
            for (name, file) in &s.env_vars {
                validate::env_name(name)?;
                if !file.is_empty() {
                    validate::repo_path("file", file, "--env")?;
                }
            }
        }
        Ok(())
    }

    /// The bim.toml text, with a header that says what it is.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).unwrap_or_else(|e| unreachable!("answers always serialize: {e}"));
        format!(
            "# bim's answers for this repository. Edit them, then run `bim init --yes` to\n\
             # regenerate the files; `bim check` fails when a generated file drifts from them.\n\n{body}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_and_wrong_types_name_the_problem() {
        let err = Config::parse(
            "version = 1\nregistry = \"ghcr\"\nbranch = \"main\"\ncolour = 1\nservice = []\n",
            "bim.toml",
        )
        .expect_err("must fail");
        assert!(err.to_string().contains("unknown field `colour`"), "{err}");
        let err = Config::parse("version = 1\nregistry = \"ghcr\"\nbranch = 7\nservice = []\n", "bim.toml")
            .expect_err("must fail");
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    #[test]
    fn build_time_variables_are_a_bundles_and_nextjs_public_ones_in_bims_own_dockerfile() {
        let service = |language, framework, static_output: Option<&str>, dockerfile: Option<&str>| {
            let text = format!(
                "version = 1\nregistry = \"ghcr\"\nbranch = \"main\"\n[[service]]\npath = \".\"\napp = \"a\"\n\
                 language = \"{language}\"\nframework = \"{framework}\"\npackage_manager = \"npm\"\n\
                 runtime_version = \"24\"\nport = 3000\n{}{}\
                 [service.env_vars]\nNEXT_PUBLIC_NAME = \"a.ts\"\nSECRET_KEY = \"a.ts\"\n",
                static_output.map_or(String::new(), |o| format!("static_output = \"{o}\"\n")),
                dockerfile.map_or(String::new(), |d| format!("dockerfile = \"{d}\"\n")),
            );
            Config::parse(&text, "bim.toml").expect("parses").services.remove(0)
        };
        let spa = service("node", "vite", Some("dist"), None);
        assert_eq!(spa.build_time_vars(), ["NEXT_PUBLIC_NAME", "SECRET_KEY"]);
        assert_eq!(service("node", "nextjs", None, None).build_time_vars(), ["NEXT_PUBLIC_NAME"]);
        assert!(service("node", "express", None, None).build_time_vars().is_empty());
        assert!(service("static", "none", Some("."), None).build_time_vars().is_empty());
        assert!(service("node", "nextjs", None, Some("Dockerfile")).build_time_vars().is_empty());
    }
}

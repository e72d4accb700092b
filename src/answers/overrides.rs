//! The answers given up front: one type that is both `bim init`'s flags (clap) and the
//! MCP `init`/`plan` tools' arguments (serde and JSON schema), so a new answer is one field
//! here and every face takes it. The interview fills the same type.
//!
//! A word from a fixed set (a language, the CI) is a `Choice`: clap refuses a bad one with
//! the words listed, while JSON keeps it, so `validate_flags` can answer an agent with a
//! tool error that names the argument, not a protocol error before bim sees the call.

use std::borrow::Cow;

use rmcp::schemars::{self, JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};

use crate::answer_fields::TextAnswer;
use crate::config::{Ci, Registry, Severity};
use crate::detect::{Language, PackageManager};
use crate::error::Error;
use crate::ownership::FileKind;
use crate::validate;
use crate::vocabulary::Words;

/// A word from `T`'s set as it was given: known, or kept as written to be refused by
/// `validate_flags` with the argument named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice<T> {
    Known(T),
    Unknown(String),
}

impl<T: Words> Choice<T> {
    /// clap's parser: a bad word fails at once, with the words listed.
    pub fn strict(word: &str) -> Result<Self, String> {
        T::from_word(word).map(Choice::Known)
    }

    pub fn known(&self) -> Option<T> {
        match self {
            Choice::Known(value) => Some(*value),
            Choice::Unknown(_) => None,
        }
    }
}

impl<T> From<T> for Choice<T> {
    fn from(value: T) -> Self {
        Choice::Known(value)
    }
}

impl<'de, T: Words> Deserialize<'de> for Choice<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let word = String::deserialize(deserializer)?;
        Ok(T::from_word(&word).map_or(Choice::Unknown(word), Choice::Known))
    }
}

impl<T: Words> JsonSchema for Choice<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Choice")
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "enum": T::words() })
    }
}

/// Answers given by flag or tool argument. `None`, empty or `false` means "not given".
#[derive(clap::Args, Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Overrides {
    /// Set up only this service (its path or app name); repeat for several
    #[arg(long = "service", value_name = "PATH|NAME")]
    pub services: Vec<String>,
    /// The language, when detection chose wrongly
    #[arg(long, value_parser = Choice::<Language>::strict)]
    pub language: Option<Choice<Language>>,
    /// The package manager
    #[arg(long, value_parser = Choice::<PackageManager>::strict)]
    pub package_manager: Option<Choice<PackageManager>>,
    /// The runtime version the images use (e.g. 22, 3.12)
    #[arg(long)]
    pub runtime_version: Option<String>,
    /// The port the app listens on
    #[arg(long)]
    pub port: Option<u16>,
    /// The command that builds the app
    #[arg(long)]
    pub build_command: Option<String>,
    /// The command that starts the app
    #[arg(long)]
    pub start_command: Option<String>,
    /// The command that runs the tests in CI
    #[arg(long)]
    pub test_command: Option<String>,
    /// The command run once per deploy before the new version serves (migrations)
    #[arg(long)]
    pub release_command: Option<String>,
    /// A process run from the same image beside the web server, as NAME=COMMAND (e.g.
    /// worker="celery -A proj worker"); NAME= alone drops a detected one; repeatable
    #[arg(long = "process", value_name = "NAME=COMMAND")]
    pub processes: Vec<String>,
    /// The HTTP path the image's health check requests
    #[arg(long)]
    pub healthcheck_path: Option<String>,
    /// What to run, where there are several: a Go package, a Rust bin, a .NET project, a
    /// Python module:app
    #[arg(long)]
    pub entrypoint: Option<String>,
    /// A Debian package the image's build stage installs (e.g. libpq-dev); repeatable
    #[arg(long = "build-package", value_name = "PACKAGE")]
    pub build_packages: Vec<String>,
    /// A Debian package the final image installs (e.g. libpq5); repeatable
    #[arg(long = "runtime-package", value_name = "PACKAGE")]
    pub runtime_packages: Vec<String>,
    /// A credential the dependency install reads from the environment (a private
    /// registry's token, e.g. NPM_TOKEN): a build secret of the install alone; repeatable
    #[arg(long = "build-secret", value_name = "NAME")]
    pub build_secrets: Vec<String>,
    /// Where images go: ghcr (GitHub's default), gitlab (GitLab's default: the project's
    /// registry), dockerhub, or a registry host
    #[arg(long, value_name = "ghcr|gitlab|dockerhub|HOST")]
    pub registry: Option<String>,
    /// The CI that tests, builds and deploys: github (.github/workflows/backend-im.yml) or
    /// gitlab (.gitlab-ci.yml). Default: bim.toml's, else gitlab when the origin remote is a
    /// GitLab host, else github
    #[arg(long, value_name = "github|gitlab", value_parser = Choice::<Ci>::strict)]
    pub ci: Option<Choice<Ci>>,
    /// The image name, without tag (default: from the repository)
    #[arg(long)]
    pub image: Option<String>,
    /// The Backend.im app name
    #[arg(long)]
    pub app: Option<String>,
    /// The branch whose pushes deploy (default: the checked-out branch, else main)
    #[arg(long)]
    pub branch: Option<String>,

    /// Do not write a Dockerfile
    #[arg(long)]
    pub no_dockerfile: bool,
    /// Do not write or merge a .dockerignore
    #[arg(long)]
    pub no_dockerignore: bool,
    /// Do not write the pipeline (.github/workflows/backend-im.yml, or .gitlab-ci.yml with --ci gitlab)
    #[arg(long)]
    pub no_workflow: bool,
    /// Do not write .github/dependabot.yml
    #[arg(long)]
    pub no_dependabot: bool,
    /// Scan each pushed image for vulnerabilities before it deploys (Grype; findings in
    /// the Security tab)
    #[arg(long)]
    pub scan: bool,
    /// The lowest severity that stops a deploy (implies --scan)
    #[arg(long, value_name = "LEVEL", value_parser = Choice::<Severity>::strict)]
    pub scan_fail_on: Option<Choice<Severity>>,
    /// Count only findings that have a fix (implies --scan)
    #[arg(long)]
    pub scan_only_fixed: bool,
    /// Attest each pushed image's build provenance (needs a public repository)
    #[arg(long)]
    pub attest: bool,
    /// Deploy each pull request from this repository to a preview app (APP-pr-N), comment
    /// its URL on the pull request, and delete it when the pull request closes
    #[arg(long)]
    pub previews: bool,
    /// Build for these platforms, each on its own native runner (linux/amd64,linux/arm64)
    #[arg(long, value_delimiter = ',', value_name = "PLATFORMS")]
    pub platforms: Option<Vec<String>>,
    /// Do not write or merge .env.example
    #[arg(long)]
    pub no_env_example: bool,
    /// Do not write the README section
    #[arg(long)]
    pub no_readme: bool,
    /// Write compose.yaml even when no backing service was found
    #[arg(long, conflicts_with = "no_compose")]
    pub compose: bool,
    /// Do not write compose.yaml (written by default when the app talks to a database,
    /// cache or broker)
    #[arg(long)]
    pub no_compose: bool,
}

impl Overrides {
    pub fn language(&self) -> Option<Language> {
        self.language.as_ref().and_then(Choice::known)
    }

    pub fn package_manager(&self) -> Option<PackageManager> {
        self.package_manager.as_ref().and_then(Choice::known)
    }

    pub fn ci(&self) -> Option<Ci> {
        self.ci.as_ref().and_then(Choice::known)
    }

    pub fn scan_fail_on(&self) -> Option<Severity> {
        self.scan_fail_on.as_ref().and_then(Choice::known)
    }

    /// The value given for one of the table's text answers.
    pub fn text(&self, answer: TextAnswer) -> Option<&String> {
        match answer {
            TextAnswer::RuntimeVersion => self.runtime_version.as_ref(),
            TextAnswer::BuildCommand => self.build_command.as_ref(),
            TextAnswer::StartCommand => self.start_command.as_ref(),
            TextAnswer::TestCommand => self.test_command.as_ref(),
            TextAnswer::ReleaseCommand => self.release_command.as_ref(),
            TextAnswer::HealthcheckPath => self.healthcheck_path.as_ref(),
            TextAnswer::Entrypoint => self.entrypoint.as_ref(),
        }
    }

    /// The files turned off (`--no-dockerfile` ...).
    pub fn skipped_files(&self) -> Vec<FileKind> {
        [
            (self.no_dockerfile, FileKind::Dockerfile),
            (self.no_dockerignore, FileKind::Dockerignore),
            (self.no_workflow, FileKind::Workflow),
            (self.no_dependabot, FileKind::Dependabot),
            (self.no_env_example, FileKind::EnvExample),
            (self.no_readme, FileKind::Readme),
            (self.no_compose, FileKind::Compose),
        ]
        .into_iter()
        .filter_map(|(off, kind)| off.then_some(kind))
        .collect()
    }

    /// The first flag given that sets one service's answer, if any.
    pub(super) fn names_one_service_field(&self) -> Option<&'static str> {
        let text = TextAnswer::ALL.into_iter().find(|a| self.text(*a).is_some()).map(TextAnswer::flag);
        text.or_else(|| {
            [
                (self.language.is_some(), "--language"),
                (self.package_manager.is_some(), "--package-manager"),
                (self.port.is_some(), "--port"),
                (!self.processes.is_empty(), "--process"),
                (!self.build_packages.is_empty(), "--build-package"),
                (!self.runtime_packages.is_empty(), "--runtime-package"),
                (!self.build_secrets.is_empty(), "--build-secret"),
                (self.image.is_some(), "--image"),
                (self.app.is_some(), "--app"),
            ]
            .into_iter()
            .find_map(|(given, flag)| given.then_some(flag))
        })
    }
}

/// A word outside its set, named by the flag (and tool argument) that took it.
fn unknown<T: Words>(choice: &Option<Choice<T>>, flag: &str) -> Result<(), Error> {
    match choice {
        Some(Choice::Unknown(word)) => Err(Error::Usage {
            message: format!("unknown value `{word}`; expected one of: {}", T::words().join(", ")),
            flag: Some(flag.into()),
        }),
        _ => Ok(()),
    }
}

/// Checks every value given by flag, before any prompt: a flag skips its question but is
/// validated exactly as an answer would be.
pub fn validate_flags(flags: &Overrides) -> Result<(), Error> {
    unknown(&flags.language, "language")?;
    unknown(&flags.package_manager, "package_manager")?;
    unknown(&flags.ci, "ci")?;
    unknown(&flags.scan_fail_on, "scan_fail_on")?;
    let mut probe = crate::config::ServiceConfig::probe();
    super::apply_flags(&mut probe, flags)?;
    if let Some(registry) = &flags.registry {
        Registry::parse(registry, "--registry")?;
    }
    if let Some(branch) = &flags.branch {
        validate::branch(branch, "--branch")?;
    }
    if let Some(platforms) = &flags.platforms {
        crate::config::validate_platforms(platforms)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_outside_its_set_is_kept_from_json_and_refused_naming_the_argument() {
        let flags: Overrides =
            serde_json::from_str(r#"{"language": "cobol", "ci": "gitlab"}"#).expect("parses");
        assert_eq!(flags.language, Some(Choice::Unknown("cobol".into())));
        assert_eq!(flags.ci(), Some(Ci::Gitlab));
        let err = validate_flags(&flags).expect_err("cobol is refused");
        assert_eq!(err.hint().as_deref(), Some("pass language"), "{err}");
        assert!(err.to_string().contains("node"), "{err}");
    }

    #[test]
    fn the_schema_lists_each_set_and_every_flag_is_an_argument() {
        let schema = serde_json::to_value(schemars::schema_for!(Overrides)).expect("schema");
        let properties = schema["properties"].as_object().expect("properties");
        let words = serde_json::to_string(&properties["language"]).expect("language");
        assert!(words.contains("\"python\"") && words.contains("\"elixir\""), "{words}");
        let command = <Overrides as clap::Args>::augment_args(clap::Command::new("init"));
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            assert!(
                properties.contains_key(id),
                "flag --{} has no tool argument",
                arg.get_long().unwrap_or(id)
            );
        }
        assert_eq!(properties.len(), command.get_arguments().count());
    }
}

//! The values detection produces: the vocabulary of languages, frameworks and package
//! managers, and one `Service` per deployable app with the evidence behind each answer.

use serde::{Deserialize, Serialize};

pub use crate::vocabulary::{Framework, Language, PackageManager};

/// Which answer a piece of evidence backs, spelled as `--json` and bim.toml spell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Language,
    Framework,
    PackageManager,
    RuntimeVersion,
    BuildCommand,
    StartCommand,
    TestCommand,
    ReleaseCommand,
    Port,
    HealthcheckPath,
    Entrypoint,
    StaticOutput,
    BuildContext,
    RuntimeFiles,
    Processes,
    EnvVars,
    SystemPackages,
    BuildSecrets,
    BackingServices,
    Dockerfile,
    Frontend,
    BuildEnv,
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let word = serde_json::to_value(self).ok();
        f.pad(word.as_ref().and_then(|w| w.as_str()).unwrap_or_default())
    }
}

/// Why bim believes an answer: the file it came from, the line where that is known, and
/// what in it; or that the answer is a default because nothing in the repository said
/// otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub field: Field,
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub detail: String,
    pub default: bool,
}

/// A Dockerfile the repository already has; bim builds it as it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExistingDockerfile {
    pub path: String,
    pub expose: Option<u16>,
}

/// Debian packages an image needs beyond its base: in the build stage (compilers, headers)
/// and in the final stage (the shared libraries the built code loads).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemPackages {
    pub build: Vec<String>,
    pub runtime: Vec<String>,
}

impl SystemPackages {
    pub fn is_empty(&self) -> bool {
        self.build.is_empty() && self.runtime.is_empty()
    }

    /// Adds packages, keeping the first-seen order and no duplicates.
    pub fn add(&mut self, build: &[String], runtime: &[String]) {
        for (list, new) in [(&mut self.build, build), (&mut self.runtime, runtime)] {
            for package in new {
                if !list.contains(package) {
                    list.push(package.clone());
                }
            }
        }
    }
}

/// A process the app runs from the same image beside its web server, such as a job
/// worker: it has its own command, and no port or health check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    pub name: String,
    pub command: String,
}

/// A front end that a backend serves from the folder its build writes: built in a Node (or
/// Bun) stage of the backend's image, its output copied where the backend's code looks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frontend {
    /// The front end's folder, relative to the root.
    pub path: String,
    /// The folder its build writes, relative to `path`.
    pub output: String,
    /// Node or Bun.
    pub language: Language,
    pub package_manager: PackageManager,
    pub runtime_version: String,
    pub build_command: String,
    /// Debian packages its build needs (a native module's compilers), from the table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub build_packages: Vec<String>,
    /// `NAME=value` settings its install and build need, from the same table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub build_env: Vec<String>,
}

/// What a warning is about, for the code that decides by it; people read the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarningKind {
    /// Worth knowing; nothing decides by it.
    Note,
    /// A detected start command was not one bim can write, so it was dropped.
    DroppedStart,
    /// The folder also looks like an app of another language.
    OtherLanguages,
}

/// Something a person should know about a detected service. `--json` and bim.toml carry
/// the message alone (the contract); code decides by the kind, never by the wording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub kind: WarningKind,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.message)
    }
}

impl<'de> Deserialize<'de> for Warning {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Warning { kind: WarningKind::Note, message: String::deserialize(deserializer)? })
    }
}

/// See `Service::notes`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notes {
    pub dev_start_skipped: bool,
    /// The package name its manifest gives (`@acme/web`), where that is not the app name.
    pub package: Option<String>,
    /// The workspace members (package names, or folders from the service's own) its start
    /// command runs instead of itself: `turbo run start --filter=@acme/web`, `--cwd ./web`.
    pub runs_members: Vec<String>,
    /// The folder, below the service's, of the Django project its manage.py runs (`src`).
    pub django_project: Option<String>,
    /// The Python line whose lock has arm64 wheels, where it is older than the one chosen.
    pub arm64_python_line: Option<String>,
}

/// One deployable app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// Folder relative to the scanned root, `/`-separated; `.` for the root itself.
    pub path: String,
    /// A name for the app, from its manifest or its folder.
    pub name: String,
    pub language: Language,
    pub framework: Framework,
    pub package_manager: PackageManager,
    pub runtime_version: Option<String>,
    pub build_command: Option<String>,
    pub start_command: Option<String>,
    pub test_command: Option<String>,
    /// Run once per deploy, before the new version takes traffic (migrations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_command: Option<String>,
    /// Processes beside the web server, run from the same image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<Process>,
    /// The databases, caches and brokers the app talks to (postgres, mysql, redis, mongodb,
    /// rabbitmq), which compose.yaml runs beside it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backing_services: Vec<String>,
    pub port: Option<u16>,
    pub healthcheck_path: Option<String>,
    pub env_vars: Vec<String>,
    /// The first file that reads each of `env_vars` (not serialized: the evidence says it).
    #[serde(skip)]
    pub env_files: std::collections::BTreeMap<String, String>,
    /// What the image needs from the operating system, each with evidence naming the
    /// dependency that needs it.
    pub system_packages: SystemPackages,
    /// `NAME=value` settings the build stage needs (from the same table).
    pub build_env: Vec<String>,
    /// Credentials the dependency install reads from the environment (a private registry's
    /// token), mounted as build secrets for the install alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub build_secrets: Vec<String>,
    /// The dependencies the manifests name (not serialized): what the system-package
    /// table is looked up by.
    #[serde(skip)]
    pub dependencies: std::collections::BTreeSet<String>,
    /// What the start command runs, where it is not obvious from the command: a Python
    /// `module:object`, a Go package path, a Rust bin, a .NET project, a PHP document root.
    pub entrypoint: Option<String>,
    /// For sites built to static files: the folder the build writes.
    pub static_output: Option<String>,
    /// Paths a compiled program opens at run time (templates, a static folder, config),
    /// copied beside the binary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runtime_files: Vec<String>,
    /// A front end the service serves, built in the service's image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frontend: Option<Frontend>,
    /// Next.js only: whether `output: 'standalone'` is set.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub nextjs_standalone: Option<bool>,
    pub dockerfile: Option<ExistingDockerfile>,
    /// The folder the image must be built from when it is above the service's own: the
    /// workspace root that holds the lockfile.
    pub build_context: Option<String>,
    /// Other languages this folder also looks like, when detection had to choose.
    pub other_languages: Vec<Language>,
    pub evidence: Vec<Evidence>,
    pub warnings: Vec<Warning>,
    /// Why bim will not write an image for this service as the repository stands (its build
    /// would fail), with the fix: `init` leaves the service out, or refuses when it is the
    /// only one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// Facts later steps decide by that are not warnings: whether a start script was passed
    /// over as a development tool, and the Python line with arm64 wheels.
    #[serde(skip)]
    pub notes: Notes,
    /// Further services built from the same manifest (a Go module with several servers),
    /// finished like this one and listed after it.
    #[serde(skip)]
    pub more: Vec<Service>,
}

impl Service {
    pub fn new(path: &str, name: String, language: Language) -> Self {
        Service {
            path: if path.is_empty() { ".".into() } else { path.into() },
            name,
            language,
            framework: Framework::None,
            package_manager: PackageManager::None,
            runtime_version: None,
            build_command: None,
            start_command: None,
            test_command: None,
            release_command: None,
            processes: Vec::new(),
            backing_services: Vec::new(),
            port: None,
            healthcheck_path: None,
            env_vars: Vec::new(),
            env_files: Default::default(),
            system_packages: SystemPackages::default(),
            build_env: Vec::new(),
            build_secrets: Vec::new(),
            dependencies: Default::default(),
            entrypoint: None,
            static_output: None,
            runtime_files: Vec::new(),
            frontend: None,
            nextjs_standalone: None,
            dockerfile: None,
            build_context: None,
            other_languages: Vec::new(),
            evidence: Vec::new(),
            warnings: Vec::new(),
            refusal: None,
            notes: Notes::default(),
            more: Vec::new(),
        }
    }

    /// The manifest the language's evidence names (package.json, pyproject.toml ...): where
    /// answers read from the dependencies point.
    pub fn manifest_file(&self) -> String {
        self.evidence
            .iter()
            .find(|e| e.field == Field::Language)
            .and_then(|e| e.file.clone())
            .unwrap_or_else(|| self.path.clone())
    }

    /// Records that `field` was found in `file`.
    pub fn found(&mut self, field: Field, file: &str, detail: impl Into<String>) {
        self.evidence.push(Evidence {
            field,
            file: Some(file.into()),
            line: None,
            detail: detail.into(),
            default: false,
        });
    }

    /// Records that `field` was found at a line of `file`.
    pub fn found_at(&mut self, field: Field, file: &str, line: usize, detail: impl Into<String>) {
        self.evidence.push(Evidence {
            field,
            file: Some(file.into()),
            line: u32::try_from(line).ok(),
            detail: detail.into(),
            default: false,
        });
    }

    /// Records that `field` holds a default, not a finding.
    pub fn defaulted(&mut self, field: Field, detail: impl Into<String>) {
        self.evidence.push(Evidence { field, file: None, line: None, detail: detail.into(), default: true });
    }

    /// The slot of one of the table's text answers.
    pub fn text_mut(&mut self, answer: crate::answer_fields::TextAnswer) -> &mut Option<String> {
        use crate::answer_fields::TextAnswer;
        match answer {
            TextAnswer::RuntimeVersion => &mut self.runtime_version,
            TextAnswer::BuildCommand => &mut self.build_command,
            TextAnswer::StartCommand => &mut self.start_command,
            TextAnswer::TestCommand => &mut self.test_command,
            TextAnswer::ReleaseCommand => &mut self.release_command,
            TextAnswer::HealthcheckPath => &mut self.healthcheck_path,
            TextAnswer::Entrypoint => &mut self.entrypoint,
        }
    }

    pub fn warn(&mut self, message: impl Into<String>) {
        self.warn_as(WarningKind::Note, message);
    }

    pub fn warn_as(&mut self, kind: WarningKind, message: impl Into<String>) {
        self.warnings.push(Warning { kind, message: message.into() });
    }

    /// The first warning of a kind.
    pub fn warning(&self, kind: WarningKind) -> Option<&Warning> {
        self.warnings.iter().find(|w| w.kind == kind)
    }

    /// Whether bim would serve this with a static web server rather than run a process.
    pub fn is_static(&self) -> bool {
        self.static_output.is_some()
    }
}

/// Everything `detect` found in a repository.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    pub services: Vec<Service>,
}

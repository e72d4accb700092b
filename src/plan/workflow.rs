//! The typed context of the GitHub Actions workflow: for each service a test job, an image
//! job and a deploy job. Action versions live here, pinned by commit.

use serde::Serialize;

use super::{build_context, header, repo_join, snapshot_path};
use crate::config::{Config, Registry, ServiceConfig};
use crate::detect::{Language, PackageManager};
use crate::scan;

/// Actions the workflow uses, pinned by full commit SHA with the release in a comment.
/// Dependabot (`.github/dependabot.yml`) keeps them current.
pub const CHECKOUT: &str = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1";
pub const SETUP_BUILDX: &str = "docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e # v4.3.0";
pub const LOGIN: &str = "docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121 # v4.1.0";
pub const METADATA: &str = "docker/metadata-action@dc802804100637a589fabce1cb79ff13a1411302 # v6.2.0";
pub const BUILD_PUSH: &str = "docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a # v7.3.0";
pub const SETUP_NODE: &str = "actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0";
pub const SETUP_PYTHON: &str = "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97 # v7.0.0";
pub const SETUP_GO: &str = "actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e # v7.0.0";
// Not in ../shared/FACTS.md's table of commits; each commit is the one its tag names, as
// setup-uv's own documentation and independent pinned workflows agree (checked 2026-11).
pub const SETUP_UV: &str = "astral-sh/setup-uv@20cfd1bf945f4377ade1205e4dbc17946fc9a30d # v10.0.1";
pub const ATTEST: &str = "actions/attest@1e69f48acb82d1966a394da916b4c1698aa569d6 # v4.2.2";
/// Grype, as Anchore's action runs it.
pub const SCAN: &str = "anchore/scan-action@e1165082ffb1fe366ebaf02d8526e7c4989ea9d2 # v7.4.0";
pub const UPLOAD_SARIF: &str =
    "github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e # v4.36.2";
pub const UPLOAD_ARTIFACT: &str = "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0";
pub const DOWNLOAD_ARTIFACT: &str =
    "actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1";
pub const RUST_CACHE: &str = "Swatinem/rust-cache@6323deb102c322ba6fcbdcafc7e3dddab59af2b6 # v2.9.2";
pub const SETUP_RUBY: &str = "ruby/setup-ruby@0dafeac902942906541bc140009cdbf32665b601 # v1.315.0";

/// When the image job logs in and pushes: not for pull requests (nothing deploys from one),
/// or, with previews, for those from this repository alone (a fork's gets no credentials).
const PUSH: &str = "github.event_name != 'pull_request'";
const PUSH_WITH_PREVIEWS: &str = "github.event_name != 'pull_request' || github.event.pull_request.head.repo.full_name == github.repository";

#[derive(Serialize)]
pub struct Actions {
    checkout: &'static str,
    setup_buildx: &'static str,
    login: &'static str,
    metadata: &'static str,
    build_push: &'static str,
    setup_node: &'static str,
    setup_python: &'static str,
    setup_go: &'static str,
    setup_uv: &'static str,
    rust_cache: &'static str,
    setup_ruby: &'static str,
    attest: &'static str,
    scan: &'static str,
    upload_sarif: &'static str,
    upload_artifact: &'static str,
    download_artifact: &'static str,
}

#[derive(Serialize)]
struct PlatformRow {
    platform: &'static str,
    /// For artifact and cache names.
    arch: &'static str,
    runner: &'static str,
}

#[derive(Serialize)]
pub struct WorkflowContext {
    header: String,
    /// The workflow's name in GitHub's list: `Deploy`, or `Deploy APP` for one of several.
    name: String,
    branch: String,
    /// `ghcr`, `dockerhub` or `host`.
    registry: &'static str,
    registry_host: String,
    actions: Actions,
    /// Opt-in steps, from bim.toml: a vulnerability scan before each deploy, provenance.
    scan: bool,
    scan_fail_on: String,
    scan_only_fixed: bool,
    attest: bool,
    /// Pull requests from this repository deploy to preview apps.
    previews: bool,
    /// When the image job logs in and pushes: never for a pull request, except a preview's.
    push_if: &'static str,
    /// Per-platform image jobs joined by a manifest job, when bim.toml lists platforms.
    platforms: Vec<PlatformRow>,
    /// The job whose outputs name the image to scan and deploy.
    published: &'static str,
    services: Vec<WorkflowService>,
}

/// One `NAME: value` of a job's `env:`.
#[derive(Serialize, Debug)]
pub struct EnvSetting {
    name: String,
    value: String,
}

#[derive(Serialize)]
pub struct WorkflowService {
    /// Suffix of the job ids: unique, `[a-z0-9-]`.
    id: String,
    app: String,
    language: Language,
    package_manager: PackageManager,
    version: String,
    /// The service's folder, for `working-directory`.
    path: String,
    /// The build context folder, where dependencies install for workspaces.
    context: String,
    dockerfile: String,
    /// The image name for docker/metadata-action (may hold a GitHub expression).
    image: String,
    /// For the runtimes set up by running the test job in the language's own image.
    container: Option<String>,
    /// What the dependencies' installs and builds need (build_env), as `NAME: value`.
    build_env: Vec<EnvSetting>,
    /// The folder a front end built in the image writes, from the repository's root: the
    /// tests get a stand-in page there (code that embeds or mounts it needs it to exist).
    frontend_output: Option<String>,
    /// Why the setup step installs a tool outside a lockfile, where it does (zizmor's
    /// `adhoc-packages`): the template puts it beside the step with the ignore.
    adhoc_install: Option<&'static str>,
    setup: Option<String>,
    install: Option<String>,
    test: Option<String>,
    /// Said in the log when there is no test command.
    note: Option<String>,
    /// Node's setup-node cache, when the package manager is one it caches without setup.
    node_cache: Option<&'static str>,
    lockfile: Option<String>,
    /// Variables the image build reads, passed from GitHub Actions variables.
    build_args: Vec<String>,
    /// Credentials the install reads, passed from GitHub secrets to the image build as
    /// BuildKit secrets and to the test job's install step.
    build_secrets: Vec<String>,
    /// The tests run in the Dockerfile's `test` stage, built with the gha cache.
    test_stage: bool,
    /// Sent with the deploy request, when bim.toml sets them.
    release_command: Option<String>,
    /// The processes as a JSON object, for the deploy step's `jq --argjson`.
    processes: Option<String>,
    /// The smoke test before the deploy: the port and path it waits on, and placeholders for
    /// the settings a validator requires. `None` when bim.toml turns it off or the app needs
    /// a backing service (those do not run beside it yet).
    smoke: Option<Smoke>,
}

impl WorkflowService {
    /// The same service without its smoke test (a CI that cannot run its backing services).
    pub(super) fn without_smoke(mut self) -> WorkflowService {
        self.smoke = None;
        self
    }
}

#[derive(Serialize)]
pub struct Smoke {
    port: u16,
    path: String,
    /// `NAME=value` lines.
    settings: String,
    /// The backing services run beside it as the job's service containers.
    backing: Vec<super::compose::SmokeBacking>,
}

pub fn context(config: &Config) -> WorkflowContext {
    let several = config.services.len() > 1;
    let mut context = shared_context(config);
    let smoke_test = config.pipeline.smoke_test != Some(false);
    context.services =
        config.services.iter().map(|s| service(s, &config.registry, several, smoke_test)).collect();
    context
}

/// One workflow per service, each named for its app: for a repository whose one workflow
/// would be too large for GitHub to run. Images keep the names they have in one workflow.
pub fn contexts_per_service(config: &Config) -> Vec<(String, WorkflowContext)> {
    config
        .services
        .iter()
        .map(|s| {
            let mut context = shared_context(config);
            context.name = format!("Deploy {}", s.app);
            context.services =
                vec![service(s, &config.registry, true, config.pipeline.smoke_test != Some(false))];
            (s.app.clone(), context)
        })
        .collect()
}

fn shared_context(config: &Config) -> WorkflowContext {
    WorkflowContext {
        header: header("#"),
        name: "Deploy".into(),
        branch: config.branch.clone(),
        registry: match config.registry {
            Registry::Ghcr => "ghcr",
            Registry::Dockerhub => "dockerhub",
            Registry::Host(_) => "host",
            Registry::Gitlab => "gitlab",
        },
        registry_host: config.registry.host().to_string(),
        actions: Actions {
            checkout: CHECKOUT,
            setup_buildx: SETUP_BUILDX,
            login: LOGIN,
            metadata: METADATA,
            build_push: BUILD_PUSH,
            setup_node: SETUP_NODE,
            setup_python: SETUP_PYTHON,
            setup_go: SETUP_GO,
            setup_uv: SETUP_UV,
            rust_cache: RUST_CACHE,
            setup_ruby: SETUP_RUBY,
            attest: ATTEST,
            scan: SCAN,
            upload_sarif: UPLOAD_SARIF,
            upload_artifact: UPLOAD_ARTIFACT,
            download_artifact: DOWNLOAD_ARTIFACT,
        },
        platforms: crate::config::PLATFORM_RUNNERS
            .iter()
            .filter(|(name, _, _)| config.pipeline.platforms.iter().any(|p| p == name))
            .map(|&(platform, arch, runner)| PlatformRow { platform, arch, runner })
            .collect(),
        published: if config.pipeline.platforms.is_empty() { "image" } else { "manifest" },
        scan: config.pipeline.scan,
        scan_fail_on: config.pipeline.scan_fail_on.to_string(),
        scan_only_fixed: config.pipeline.scan_only_fixed,
        attest: config.pipeline.attest,
        previews: config.pipeline.previews,
        push_if: if config.pipeline.previews { PUSH_WITH_PREVIEWS } else { PUSH },
        services: Vec::new(),
    }
}

pub(super) fn service(
    s: &ServiceConfig,
    registry: &Registry,
    several: bool,
    smoke_test: bool,
) -> WorkflowService {
    let context = build_context(s).to_string();
    let test_stage = super::dockerfile::test_stage(s).is_some();
    // A test stage installs and tests in the runtime's own image: nothing runs on the runner.
    let ci = if test_stage { super::recipe::Ci::default() } else { super::recipe::of(s).ci };
    let suffix = if several { format!("/{}", s.app) } else { String::new() };
    let image = s.image.clone().unwrap_or_else(|| match registry {
        Registry::Ghcr => format!("ghcr.io/${{{{ github.repository }}}}{suffix}"),
        Registry::Dockerhub => format!("${{{{ vars.DOCKERHUB_USERNAME }}}}/{}", s.app),
        Registry::Host(host) => format!("{host}/${{{{ github.repository }}}}{suffix}"),
        Registry::Gitlab => format!("$CI_REGISTRY_IMAGE{suffix}"),
    });
    let mut w = WorkflowService {
        id: s.app.clone(),
        app: s.app.clone(),
        language: s.language,
        package_manager: s.package_manager,
        version: ci.version.unwrap_or_else(|| s.runtime_version.clone()),
        path: ci.working_dir.unwrap_or_else(|| s.path.clone()),
        context: context.clone(),
        dockerfile: s.dockerfile.clone().unwrap_or_else(|| repo_join(&s.path, "Dockerfile")),
        image,
        container: ci.container,
        build_env: s
            .build_env
            .iter()
            .filter_map(|e| e.split_once('='))
            .map(|(name, value)| EnvSetting { name: name.into(), value: value.into() })
            .collect(),
        adhoc_install: ci.adhoc_install,
        setup: ci.setup,
        install: ci.install,
        test: s.test_command.clone(),
        note: None,
        node_cache: ci.node_cache,
        lockfile: ci.lockfile.map(|f| repo_join(&context, &f)),
        build_args: s.build_time_vars().into_iter().map(str::to_string).collect(),
        build_secrets: s.build_secrets.clone(),
        test_stage,
        frontend_output: s.frontend.as_ref().map(|f| {
            let joined = scan::join(snapshot_path(&f.path), &f.output);
            scan::normalize(&joined).unwrap_or(joined)
        }),
        release_command: s.release_command.clone(),
        processes: (!s.processes.is_empty())
            .then(|| serde_json::Value::from_iter(s.processes.clone()).to_string()),
        smoke: smoke_test.then(|| {
            let (backing, reach) = super::compose::smoke(s);
            // The run-time settings a validator requires got build placeholders: the start
            // needs the same; and the backing services' addresses.
            let mut settings: Vec<String> = s
                .build_env
                .iter()
                .filter_map(|e| e.split_once('='))
                .filter(|(name, _)| s.env_vars.contains_key(*name))
                .filter(|(name, _)| !reach.iter().any(|r| r.starts_with(&format!("{name}="))))
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            settings.extend(reach);
            Smoke {
                port: s.port,
                path: s.healthcheck_path.clone().unwrap_or_else(|| "/".into()),
                settings: settings.join("\n"),
                backing,
            }
        }),
    };
    if w.test_stage {
        w.test = None;
        return w;
    }
    if w.test.is_none() {
        match (&s.build_command, s.language) {
            (_, Language::Static) => {
                w.note = Some("a static site has no tests; the image build checks it".into())
            }
            (Some(build), _) => {
                w.note = Some(
                    "found no test command; building instead (set test_command in bim.toml to run tests)"
                        .into(),
                );
                w.test = Some(build.clone());
            }
            (None, _) => {
                w.note = Some(
                    "found no test command and no build; set test_command in bim.toml to run tests".into(),
                )
            }
        }
    }
    w
}

#[derive(Serialize)]
pub struct DependabotContext {
    header: String,
}

pub fn dependabot_context() -> DependabotContext {
    DependabotContext { header: header("#") }
}

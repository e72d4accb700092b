//! The typed context of `.gitlab-ci.yml`: for each service the same test, image and deploy
//! jobs as the GitHub workflow (see `workflow.rs`, whose per-service answers it reuses),
//! built with rootless BuildKit and pushed to the project's own registry by default.
//!
//! Why rootless BuildKit (`moby/buildkit:*-rootless` with `buildctl-daemonless.sh`) rather
//! than `docker:dind` with buildx: it needs no privileged runner and no Docker service, so
//! the same job runs on GitLab.com's shared runners and on a self-managed runner that
//! refuses privileged containers; and its registry cache (`--export-cache type=registry`)
//! is the pipeline-to-pipeline cache GitLab has for images.

use serde::Serialize;

use super::workflow::{self, WorkflowService};
use super::{header, repo_join};
use crate::config::{Ci, Config, Registry, ServiceConfig, Severity};
use crate::detect::Language;
use crate::scan;

/// The file GitLab reads.
pub const PATH: &str = ".gitlab-ci.yml";
const TEMPLATE: &str = "gitlab/gitlab-ci.yml.tera";

/// Images pinned by digest, keyed by `name:tag`: the one place the pins live, so Renovate's
/// `gitlabci` manager (which updates `image:` pins in .gitlab-ci.yml) and a person alike
/// find them. Recorded 2026-12-04 from digests public repositories pin (read through a
/// code index); no registry can be reached from where bim is built, so none of them was
/// pulled or verified here. An image at a tag missing here is written with its tag alone,
/// and `bim init` names it.
pub const PINNED: &[(&str, &str)] = &[
    (
        "moby/buildkit:v0.33.0-rootless",
        "sha256:80b15f0735e87bab7bf59ec4d695dfb4a7cfb25521cf56dc75d6f256285b63ef",
    ),
    ("bash:5.2", "sha256:9aa57a67d0f7d1448ba24f2afa8ec3bd5d9b594ebb780947787f4c4006db0d4e"),
    ("node:24", "sha256:80fc934952c8f1b2b4d39907af7211f8a9fff1a4c2cf673fb49099292c251cec"),
    ("node:22", "sha256:83355e9c59b3201495ef828a92feb8b16f57f50f5ac125781f17439f12c62e82"),
    ("node:20", "sha256:69cf8e7dcc78e63db74ca6ed570e571e41029accdac21b219b6ac57e9aca63cf"),
    ("python:3.13", "sha256:fe841081ec55481496a4ab25e538833741295d57d2abdec8d38d74d65fb4715b"),
    ("python:3.12", "sha256:ec0c3659182dd51402f84151146727eabfc756aa9b1088df9c304c0fc14a73cb"),
    ("python:3.11", "sha256:385990eda65578a384e44cbdccc78104be194412686b6b2af47e319bdeef0405"),
    ("python:3.10", "sha256:fd0fa50d997eb56ce560c6e5ca6a1f5cf8fdff87572a16ac07fb1f5ca01eb608"),
    ("golang:1.25", "sha256:36b4f45d2874905b9e8573b783292629bcb346d0a70d8d7150b6df545234818f"),
    ("golang:1.23", "sha256:613a108a4a4b1dfb6923305db791a19d088f77632317cfc3446825c54fb862cd"),
    ("golang:1.22", "sha256:7eac856e4e0d79916b0ec7d4ccbeca2809441eea91449b15a4a8fb0398c840fa"),
    ("rust:1", "sha256:d8fb475b1e114a71c7c841b9e5024de21af70c732acb019edff64207eec4a6a8"),
    ("ruby:3.4", "sha256:4cf7641c6354e8f407afd2dbb0ab1968cd44ac443bd833c16bdf55cc074a3eb8"),
    ("composer:2", "sha256:4d71c3c2109c61d5415544264b59ad4087e4c5b7244481723664138fd36d5040"),
    (
        "mcr.microsoft.com/dotnet/sdk:9.0",
        "sha256:3fcf6f1e809c0553f9feb222369f58749af314af6f063f389cbd2f913b4ad556",
    ),
    ("elixir:1.18", "sha256:45cd5b9be69e9bf62920762c732a0b8a09c4efb91ec5c499e9c6e8a3b1de1475"),
];

/// BuildKit, rootless: builds and pushes every image, and runs a Dockerfile's test stage.
const BUILDKIT: &str = "moby/buildkit:v0.33.0-rootless";
/// bash (the deploy script's shell) on Alpine, where the job adds curl and jq.
const TOOLS: &str = "bash:5.2";

/// `name:tag@digest` where the table has the tag, else `name:tag`.
pub fn pinned(image: &str) -> String {
    match PINNED.iter().find(|(name, _)| *name == image) {
        Some((name, digest)) => format!("{name}@{digest}"),
        None => image.to_string(),
    }
}

#[derive(Serialize)]
struct Images {
    buildkit: String,
    tools: String,
}

#[derive(Serialize)]
pub struct GitlabContext {
    header: String,
    branch: String,
    /// `gitlab`, `dockerhub` or `host`.
    registry: &'static str,
    registry_host: String,
    images: Images,
    scan: bool,
    /// Whether any service has a smoke job (its stage is listed then).
    smoke: bool,
    /// GitLab's container scanning levels (upper case), from `scan_fail_on`.
    scan_severity: &'static str,
    scan_only_fixed: bool,
    /// The GitHub deploy step's script, with GitLab's variables where it names GitHub's.
    deploy_commit: &'static str,
    deploy_ref: &'static str,
    deploy_run_key: &'static str,
    error_prefix: &'static str,
    token_help: &'static str,
    url_output: &'static str,
    services: Vec<GitlabService>,
}

#[derive(Serialize)]
struct GitlabService {
    /// The same answers the GitHub workflow's jobs have: setup, install, test, build
    /// arguments, release command, processes.
    #[serde(flatten)]
    base: WorkflowService,
    /// The image the test job runs in (pinned where `PINNED` has it).
    test_image: String,
    /// The image name pushed to, without tag, in GitLab's variables.
    image_name: String,
    dockerfile_dir: String,
    dockerfile_name: String,
    /// `rules: changes:` paths, for a service of several: an untouched service does not rebuild.
    changes: Vec<String>,
    /// The GitLab environment the deploy is bound to.
    environment: String,
    /// The smoke job's placeholder settings, as `(NAME, value)`.
    smoke_settings: Vec<(String, String)>,
    #[serde(skip)]
    has_smoke: bool,
}

/// The image a service's test job runs in, before pinning.
fn test_image(s: &ServiceConfig, test_stage: bool) -> String {
    use crate::detect::defaults;
    if test_stage {
        return BUILDKIT.into();
    }
    let v = &s.runtime_version;
    match s.language {
        Language::Node => format!("node:{v}"),
        // Bun installs from npm on Node, as the GitHub test job does.
        Language::Bun => format!("node:{}", defaults::NODE),
        Language::Deno => format!("denoland/deno:{v}"),
        Language::Python => format!("python:{v}"),
        Language::Go => format!("golang:{v}"),
        Language::Rust => format!("rust:{v}"),
        Language::Java => format!("eclipse-temurin:{v}-jdk"),
        Language::Ruby => format!("ruby:{v}"),
        Language::Php => "composer:2".into(),
        Language::Dotnet => format!("mcr.microsoft.com/dotnet/sdk:{v}"),
        Language::Elixir => format!("elixir:{v}"),
        Language::Static => TOOLS.into(),
    }
}

/// The pushed image's name, without tag, in GitLab CI/CD variables.
fn image_name(s: &ServiceConfig, registry: &Registry, several: bool) -> String {
    if let Some(image) = &s.image {
        return image.clone();
    }
    let suffix = if several { format!("/{}", s.app) } else { String::new() };
    match registry {
        Registry::Gitlab | Registry::Ghcr => format!("$CI_REGISTRY_IMAGE{suffix}"),
        Registry::Dockerhub => format!("$DOCKERHUB_USERNAME/{}", s.app),
        // The project's path as a slug: lower case, as an image name must be.
        Registry::Host(host) => format!("{host}/$CI_PROJECT_PATH_SLUG{suffix}"),
    }
}

pub fn context(config: &Config) -> GitlabContext {
    let several = config.services.len() > 1;
    let smoke_test = config.pipeline.smoke_test != Some(false);
    let services: Vec<GitlabService> = config
        .services
        .iter()
        .map(|s| {
            let test_stage = super::dockerfile::test_stage(s).is_some();
            let dockerfile = s.dockerfile.clone().unwrap_or_else(|| repo_join(&s.path, "Dockerfile"));
            let dockerfile_dir = scan::parent(&dockerfile);
            let changes = super::facts_of(s).changes.clone();
            let base = workflow::service(s, &config.registry, several, smoke_test);
            // GitLab's smoke job does not run backing services beside the image yet.
            let base = if s.backing_services.is_empty() { base } else { base.without_smoke() };
            // The settings the GitHub smoke step passes as `NAME=value` lines.
            let answers = serde_json::to_value(&base).unwrap_or_default();
            let smoke_settings = answers["smoke"]["settings"]
                .as_str()
                .unwrap_or_default()
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect();
            GitlabService {
                base,
                has_smoke: !answers["smoke"].is_null(),
                smoke_settings,
                test_image: pinned(&test_image(s, test_stage)),
                image_name: image_name(s, &config.registry, several),
                dockerfile_name: scan::file_name(&dockerfile).to_string(),
                dockerfile_dir: if dockerfile_dir.is_empty() {
                    ".".into()
                } else {
                    dockerfile_dir.to_string()
                },
                changes: if several { changes } else { Vec::new() },
                environment: if several { format!("production/{}", s.app) } else { "production".into() },
            }
        })
        .collect();
    GitlabContext {
        header: header("#"),
        branch: config.branch.clone(),
        registry: match config.registry {
            Registry::Dockerhub => "dockerhub",
            Registry::Host(_) => "host",
            Registry::Gitlab | Registry::Ghcr => "gitlab",
        },
        registry_host: config.registry.host().to_string(),
        images: Images { buildkit: pinned(BUILDKIT), tools: pinned(TOOLS) },
        scan: config.pipeline.scan,
        smoke: services.iter().any(|s| s.has_smoke),
        scan_severity: match config.pipeline.scan_fail_on {
            Severity::Negligible | Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        },
        scan_only_fixed: config.pipeline.scan_only_fixed,
        deploy_commit: "$CI_COMMIT_SHA",
        deploy_ref: "refs/heads/${CI_COMMIT_BRANCH}",
        deploy_run_key: "${CI_PIPELINE_ID}-${CI_JOB_ID}-${APP}",
        error_prefix: "error: ",
        token_help: "add it as a masked, protected CI/CD variable (Settings > CI/CD > Variables, or glab variable set BACKEND_IM_API_TOKEN --masked --protected), and protect the branch that deploys",
        url_output: r#"echo "DEPLOY_URL=${url}" >> deploy.env"#,
        services,
    }
}

/// What a pipeline on GitLab leaves out of the answers, each with why: said by `bim init`.
pub fn left_out(config: &Config) -> Vec<String> {
    if config.ci != Ci::Gitlab || !config.files.workflow {
        return Vec::new();
    }
    let mut out = Vec::new();
    let pipeline = &config.pipeline;
    if !pipeline.platforms.is_empty() {
        out.push(format!(
            "--platforms ({}) is left out on GitLab: its runners for another architecture are chosen by tags each \
             GitLab sets up differently, so .gitlab-ci.yml builds for the runner's own platform (linux/amd64 on \
             GitLab.com)",
            pipeline.platforms.join(", ")
        ));
    }
    if pipeline.attest {
        out.push(
            "--attest is left out on GitLab: it has no built-in attestation of an image's build provenance \
             like GitHub's (signing with Sigstore's cosign and GitLab's ID tokens is a job you can add)"
                .into(),
        );
    }
    if pipeline.scan {
        out.push(format!(
            "--scan runs GitLab's container scanning, which reports findings at {} and above but does not stop the \
             deploy on them (a scan result policy, on GitLab Ultimate, can); a failed scan job does stop it",
            match pipeline.scan_fail_on {
                Severity::Negligible | Severity::Low => "low",
                Severity::Medium => "medium",
                Severity::High => "high",
                Severity::Critical => "critical",
            }
        ));
    }
    let smoke =
        pipeline.smoke_test != Some(false) && config.services.iter().any(|s| s.backing_services.is_empty());
    if smoke && !matches!(config.registry, Registry::Gitlab) {
        out.push(format!(
            "the smoke job runs the pushed image as a GitLab service, which GitLab pulls from {} only with a \
             DOCKER_AUTH_CONFIG CI/CD variable holding that registry's login (a docker config.json)",
            config.registry.host()
        ));
    }
    let mut unpinned: Vec<String> = config
        .services
        .iter()
        .map(|s| test_image(s, super::dockerfile::test_stage(s).is_some()))
        .filter(|image| !PINNED.iter().any(|(name, _)| name == image))
        .collect();
    unpinned.sort();
    unpinned.dedup();
    if !unpinned.is_empty() {
        out.push(format!(
            "bim has no pinned digest for {}: .gitlab-ci.yml names it by tag alone; Renovate's gitlabci manager \
             (with pinDigests) pins it",
            unpinned.join(", ")
        ));
    }
    out
}

pub fn render(config: &Config, templates: &crate::render::Templates) -> Result<String, crate::error::Error> {
    templates.render(TEMPLATE, &context(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pin_is_a_full_sha256_digest_of_a_tagged_image_listed_once() {
        for (i, (image, digest)) in PINNED.iter().enumerate() {
            let hex = digest.strip_prefix("sha256:").unwrap_or_default();
            assert!(
                hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
                "{image}"
            );
            assert!(
                image.rsplit_once(':').is_some_and(|(name, tag)| !name.is_empty() && !tag.contains('/')),
                "{image}"
            );
            assert!(!PINNED[..i].iter().any(|(other, _)| other == image), "{image} is listed twice");
        }
        assert!(pinned(BUILDKIT).contains("@sha256:") && pinned(TOOLS).contains("@sha256:"));
        assert_eq!(pinned("node:19"), "node:19");
    }
}

//! Resolving the answers: flags over bim.toml over detected values, each checked the same
//! way whatever its source. Pure: detection and the old bim.toml come in, a `Config` goes
//! out. Prompts (when a person is at the terminal) sit on top of this, not inside it.

use crate::answer_fields::TextAnswer;
use crate::config::{Config, Files, Registry, ServiceConfig};
use crate::detect::{self, Detection, Framework, Language, Service, WarningKind};
use crate::error::Error;
use crate::validate;

mod overrides;
pub use overrides::{Choice, Overrides, validate_flags};

/// A candidate left out because it has nothing that runs in a container, and why.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// The answers for a repository, and the candidates left out.
pub fn resolve(
    detection: &Detection,
    existing: Option<&Config>,
    flags: &Overrides,
    git_branch: Option<&str>,
) -> Result<(Config, Vec<Skipped>), Error> {
    let mut services: Vec<ServiceConfig> = match existing {
        Some(config) => config.services.clone(),
        None => detection.services.iter().map(from_detected).collect(),
    };
    if !flags.services.is_empty() {
        let available: Vec<String> = services.iter().map(|s| format!("{} ({})", s.path, s.app)).collect();
        for wanted in &flags.services {
            if !services.iter().any(|s| s.is_named(wanted)) {
                return Err(Error::Usage {
                    message: format!("no service `{wanted}`; the services are: {}", available.join(", ")),
                    flag: Some("--service with one of those paths or names".into()),
                });
            }
        }
        services.retain(|s| flags.services.iter().any(|w| s.is_named(w)));
    }
    if services.len() > 1
        && let Some(flag) = flags.names_one_service_field()
    {
        return Err(Error::Usage {
            message: format!(
                "{flag} sets one service's answer, and {} services are selected",
                services.len()
            ),
            flag: Some("--service PATH to choose the one it is for".into()),
        });
    }
    if let Some(service) = services.first_mut().filter(|_| flags.names_one_service_field().is_some()) {
        apply_flags(service, flags)?;
    }
    let lacks_start = |s: &ServiceConfig| s.start_command.is_none() && s.needs_start_command();
    // A server framework with no start found is an answer missing, not a library: ask for it.
    let has_server = |s: &ServiceConfig| s.framework != Framework::None && !s.framework.builds_its_server();
    if let Some(service) = services
        .iter()
        .find(|s| lacks_start(s) && (has_server(s) || !flags.services.is_empty() || existing.is_some()))
    {
        // A service asked for by name, or kept in bim.toml, must be set up or refused.
        let dropped = detection
            .services
            .iter()
            .find(|d| d.path == service.path)
            .and_then(|d| d.warning(WarningKind::DroppedStart))
            .map(|w| format!(" ({w})"))
            .unwrap_or_default();
        return Err(Error::Usage {
            message: format!("found no start command for the service at {}{dropped}", service.path),
            flag: Some("--start-command \"...\"".into()),
        });
    }
    // A service whose image would fail to build is refused, never written (a stale lockfile).
    let refusal = |s: &ServiceConfig| {
        if existing.is_some() {
            return None; // answers already kept: re-rendering them is the user's call
        }
        detection
            .services
            .iter()
            .find(|d| d.path == s.path && d.name == s.app)
            .and_then(|d| d.refusal.clone())
    };
    if let Some((service, reason)) =
        services.iter().filter(|_| !flags.services.is_empty()).find_map(|s| refusal(s).map(|r| (s, r)))
    {
        return Err(Error::NotDeployable { reasons: vec![format!("{}: {reason}", service.path)] });
    }
    let (kept, dropped): (Vec<ServiceConfig>, Vec<ServiceConfig>) =
        services.into_iter().partition(|s| !lacks_start(s) && refusal(s).is_none());
    let skipped: Vec<Skipped> = dropped
        .iter()
        .map(|s| {
            let why = detection
                .services
                .iter()
                .find(|d| d.path == s.path)
                .and_then(|d| {
                    d.refusal.clone().or_else(|| {
                        d.warnings
                            .iter()
                            .find(|w| w.kind != WarningKind::OtherLanguages)
                            .map(|w| w.message.clone())
                    })
                })
                .unwrap_or_else(|| "found no start command and nothing that serves".into());
            Skipped { path: s.path.clone(), reason: why }
        })
        .collect();
    if kept.is_empty() {
        return Err(Error::NotDeployable { reasons: skipped.iter().map(Skipped::to_string).collect() });
    }
    let services = kept;

    let ci = flags.ci().or(existing.map(|c| c.ci)).unwrap_or_default();
    let registry = match (&flags.registry, existing) {
        (Some(value), _) => Registry::parse(value, "--registry")?,
        // A CI's own registry follows the CI when it changes; any other stays.
        (None, Some(config)) => match config.registry {
            Registry::Ghcr | Registry::Gitlab => ci.default_registry(),
            ref other => other.clone(),
        },
        (None, None) => ci.default_registry(),
    };
    let branch = flags
        .branch
        .clone()
        .or_else(|| existing.map(|c| c.branch.clone()))
        .or_else(|| git_branch.map(str::to_string))
        .unwrap_or_else(|| "main".into());
    validate::branch(&branch, "--branch")?;
    let mut files = existing.map_or_else(Files::default, |c| c.files.clone());
    for kind in flags.skipped_files() {
        files.turn_off(kind);
    }
    if flags.compose {
        files.compose = Some(true);
    }

    let mut pipeline = existing.map(|c| c.pipeline.clone()).unwrap_or_default();
    pipeline.scan |= flags.scan || flags.scan_fail_on.is_some() || flags.scan_only_fixed;
    pipeline.scan_only_fixed |= flags.scan_only_fixed;
    pipeline.attest |= flags.attest;
    pipeline.previews |= flags.previews;
    if let Some(platforms) = &flags.platforms {
        crate::config::validate_platforms(platforms)?;
        pipeline.platforms = platforms.clone();
    }
    if let Some(level) = flags.scan_fail_on() {
        pipeline.scan_fail_on = level;
    }

    // Building for arm64 too: a Python line whose lock has arm64 wheels (detection's, for
    // answers it makes now, not ones kept in bim.toml or given by flag).
    let mut services = services;
    if pipeline.platforms.iter().any(|p| p == "linux/arm64")
        && flags.runtime_version.is_none()
        && existing.is_none()
    {
        for service in &mut services {
            if let Some(line) = detection
                .services
                .iter()
                .find(|d| d.path == service.path)
                .and_then(|d| d.notes.arm64_python_line.clone())
            {
                service.runtime_version = line;
            }
        }
    }
    let mut config = Config::new(registry, branch, services);
    config.ci = ci;
    config.files = files;
    config.pipeline = pipeline;
    config.api_url = existing.and_then(|c| c.api_url.clone());
    config.validate()?;
    Ok((config, skipped))
}

/// The answers detection gives for one service.
pub fn from_detected(service: &Service) -> ServiceConfig {
    ServiceConfig {
        path: service.path.clone(),
        app: service.name.clone(),
        language: service.language,
        framework: service.framework,
        package_manager: service.package_manager,
        runtime_version: service
            .runtime_version
            .clone()
            .unwrap_or_else(|| default_version(service.language).to_string()),
        port: service.port.unwrap_or(8080),
        build_command: service.build_command.clone(),
        start_command: service.start_command.clone(),
        test_command: service.test_command.clone(),
        release_command: service.release_command.clone(),
        backing_services: service.backing_services.clone(),
        processes: service.processes.iter().map(|p| (p.name.clone(), p.command.clone())).collect(),
        healthcheck_path: service.healthcheck_path.clone(),
        entrypoint: service.entrypoint.clone(),
        static_output: service.static_output.clone(),
        nextjs_standalone: service.nextjs_standalone.unwrap_or(false),
        context: service.build_context.clone(),
        dockerfile: service.dockerfile.as_ref().map(|d| d.path.clone()),
        image: None,
        build_packages: service.system_packages.build.clone(),
        runtime_packages: service.system_packages.runtime.clone(),
        build_env: service.build_env.clone(),
        build_secrets: service.build_secrets.clone(),
        runtime_files: service.runtime_files.clone(),
        frontend: service.frontend.clone(),
        env_vars: env_reads(service),
        facts: None,
    }
}

/// Each variable the service reads, with the first file that reads it.
fn env_reads(service: &Service) -> std::collections::BTreeMap<String, String> {
    service
        .env_vars
        .iter()
        .map(|name| {
            let file = service
                .env_files
                .get(name)
                .cloned()
                // A file name bim could not write safely is left out; the variable stays.
                .filter(|file| validate::repo_path("file", file, "--env").is_ok())
                .unwrap_or_default();
            (name.clone(), file)
        })
        .collect()
}

fn default_version(language: Language) -> &'static str {
    use detect::defaults::*;
    match language {
        Language::Node => NODE,
        Language::Bun => BUN,
        Language::Deno => DENO,
        Language::Python => PYTHON,
        Language::Go => GO,
        Language::Rust => RUST,
        Language::Java => JAVA,
        Language::Ruby => RUBY,
        Language::Php => PHP,
        Language::Dotnet => DOTNET,
        Language::Elixir => ELIXIR,
        Language::Static => "1",
    }
}

pub(super) fn apply_flags(service: &mut ServiceConfig, flags: &Overrides) -> Result<(), Error> {
    if let Some(language) = flags.language()
        && language != service.language
    {
        service.language = language;
        service.framework = Framework::None;
        service.runtime_version = default_version(language).to_string();
    }
    if let Some(pm) = flags.package_manager() {
        service.package_manager = pm;
    }
    if let Some(port) = flags.port {
        validate::port(port, "--port")?;
        if let Some(start) = &service.start_command {
            service.start_command = Some(detect::bind::move_port(start, service.port, port));
        }
        service.port = port;
    }
    for answer in TextAnswer::ALL {
        if let Some(value) = flags.text(answer) {
            answer.check(value)?;
            service.set_text(answer, value.clone());
        }
    }
    for given in &flags.processes {
        let Some((name, command)) = given.split_once('=') else {
            return Err(Error::Usage {
                message: format!("--process `{given}` is not NAME=COMMAND"),
                flag: Some("--process worker=\"COMMAND\"".into()),
            });
        };
        validate::process_name(name, "--process")?;
        if command.trim().is_empty() {
            service.processes.remove(name);
        } else {
            validate::command("process command", command, "--process")?;
            service.processes.insert(name.to_string(), command.to_string());
        }
    }
    if let Some(image) = &flags.image {
        validate::image(image, "--image")?;
        service.image = Some(image.clone());
    }
    for (given, list, flag) in [
        (&flags.build_packages, &mut service.build_packages, "--build-package"),
        (&flags.runtime_packages, &mut service.runtime_packages, "--runtime-package"),
    ] {
        for package in given {
            validate::system_package(package, flag)?;
            if !list.contains(package) {
                list.push(package.clone());
            }
        }
    }
    for name in &flags.build_secrets {
        validate::env_name(name).map_err(|e| Error::Usage {
            message: e.to_string(),
            flag: Some("--build-secret NAME (an environment variable's name)".into()),
        })?;
        if !service.build_secrets.contains(name) {
            service.build_secrets.push(name.clone());
        }
    }
    if let Some(app) = &flags.app {
        validate::app_name(app, "--app")?;
        service.app = app.clone();
    }
    Ok(())
}

//! The typed context every Dockerfile template is filled from: the service's recipe (see
//! `recipe`), with the settings, stages and start the image needs around it. Commands are
//! assembled here and in the recipes, where they can be tested, so the templates stay
//! readable.

use serde::Serialize;

use super::recipe::{CopyItem, json};
use super::{build_context, facts_of, header, service_dir_in_context, snapshot_path};
use crate::config::ServiceConfig;
use crate::detect::{Framework, Language, PackageManager};
use crate::error::Error;
use crate::scan;

/// The uv image the Python Dockerfile copies uv from, pinned. Reviewed 2026-11.
const UV_IMAGE: &str = "ghcr.io/astral-sh/uv:0.13";

#[derive(Serialize, Debug)]
pub struct DockerfileContext {
    pub header: String,
    pub app: String,
    pub framework: Framework,
    pub package_manager: PackageManager,
    /// The runtime version the base images are tagged with.
    pub version: String,
    pub port: u16,
    /// From the build context to the service's folder (`.` when they are the same).
    pub service_dir: String,
    /// Files copied before the source, so the dependency layer stays cached: the arguments
    /// of each COPY line.
    pub manifests: Vec<String>,
    /// The same files while the context is built, one source each.
    #[serde(skip)]
    pub copies: Vec<CopyItem>,
    /// Installs every dependency (build stage).
    pub install: Option<String>,
    /// Drops development dependencies after the build.
    pub prune: Option<String>,
    /// The root package's own install scripts, run once the source is in: they read more of
    /// the tree (a workspace build, turbo.json) than the dependency layer holds.
    pub lifecycle: Option<String>,
    /// Extra tools the build stage needs first (corepack, Poetry ...).
    pub setup: Option<String>,
    /// The package manager's download cache, mounted during installs.
    pub cache: Option<String>,
    pub build: Option<String>,
    /// The start command in exec form (a JSON array).
    pub cmd: String,
    /// A health-check command in exec form, where the final image can run one.
    pub healthcheck: Option<String>,
    pub static_output: Option<String>,
    /// Variables the build reads, declared as build arguments (public values only).
    pub build_args: Vec<String>,
    /// The test command of the Dockerfile's `test` stage, for the languages tested there.
    pub test: Option<String>,
    /// nginx answers a path with no file behind it with index.html (a single-page app).
    pub spa_fallback: bool,
    /// What to build or run: a Go package, a Rust bin, a .NET project, a PHP docroot.
    pub entrypoint: Option<String>,
    pub has_public: bool,
    pub nextjs_standalone: bool,
    pub uv_image: &'static str,
    /// Installs the server the start command runs, when the app does not depend on it.
    pub server_install: Option<String>,
    /// The build stage's `RUN apt-get install` of compilers and headers, if any are needed.
    pub build_packages: Option<String>,
    /// `ENV` settings for the build stage, one `NAME=value` each.
    pub build_env: Vec<String>,
    /// Settings for the build step alone: placeholders for run-time settings a validator
    /// checks at build, and Next's standalone switches. Never in the image, nor an ENV a
    /// later step or layer history carries.
    pub step_env: Vec<String>,
    /// Why `step_env` holds what it holds, for the Dockerfile's comment.
    pub step_note: String,
    /// The final stage's `RUN apt-get install` of the libraries the app loads, if any.
    pub runtime_packages: Option<String>,
    /// Files a compiled program opens at run time, copied from the context beside it.
    pub runtime_copies: Vec<CopyItem>,
    /// The Node that builds front-end assets for an app of another language.
    pub node_version: &'static str,
    /// Go build tags, as the build command names them.
    pub go_tags: Option<String>,
    /// Go linker `-X` settings, as the build command names them.
    pub go_ldflags: Option<String>,
    /// What runs the build of a JavaScript app: `node` or `bun` (its version is `version`).
    pub runtime: &'static str,
    /// The variables that make a start script's server listen where the container is reached.
    pub start_env: Vec<String>,
    /// Folders outside the app that the start script writes.
    pub writable_dirs: Vec<String>,
    /// The stage that builds the front end the service serves.
    pub frontend: Option<FrontendStage>,
    /// Where the install runs, from the context, when not at its root (`.`).
    pub install_dir: String,
    /// The build secrets' mounts on the steps that install (` --mount=type=secret,id=NAME`).
    pub secret_mounts: String,
}

/// A stage that builds a front end the service serves, from the service's build context.
#[derive(Serialize, Debug)]
pub struct FrontendStage {
    pub image: String,
    /// The `RUN apt-get install` of what its build needs, if anything.
    pub build_packages: Option<String>,
    pub build_env: Vec<String>,
    pub setup: Option<String>,
    pub manifests: Vec<String>,
    pub install: String,
    pub cache: String,
    pub build: String,
    /// The front end's folder, from the context.
    pub dir: String,
    /// The folder its build writes, from its own folder.
    pub output: String,
    /// Where the output goes, from the context: where the service's code looks.
    pub dest: String,
    /// Where the build wrote it in its own stage, as an absolute path (the output may
    /// climb out of the front end's folder: `../backend/app/static`).
    pub built: String,
}

/// The `-tags` a Go build command passes, for the image's own `go build`.
fn go_tags(service: &ServiceConfig) -> Option<String> {
    if service.language != Language::Go {
        return None;
    }
    let words = shlex::split(service.build_command.as_deref()?)?;
    let at = words.iter().position(|w| w == "-tags" || w.starts_with("-tags="))?;
    let tags = match words[at].strip_prefix("-tags=") {
        Some(inline) => inline.to_string(),
        None => words.get(at + 1)?.clone(),
    };
    tags.chars().all(|c| c.is_ascii_alphanumeric() || "_,.-".contains(c)).then_some(tags)
}

/// The linker `-X` settings a Go build command passes, for the image's own `go build`.
fn go_ldflags(service: &ServiceConfig) -> Option<String> {
    if service.language != Language::Go {
        return None;
    }
    let words = shlex::split(service.build_command.as_deref()?)?;
    let at = words.iter().position(|w| w == "-ldflags")?;
    let flags = shlex::split(words.get(at + 1)?)?;
    let settings: Vec<String> = flags
        .windows(2)
        .filter(|pair| pair[0] == "-X")
        .map(|pair| pair[1].clone())
        .filter(|x| x.chars().all(|c| c.is_ascii_alphanumeric() || "_./=-".contains(c)))
        .map(|x| format!("-X {x}"))
        .collect();
    (!settings.is_empty()).then(|| settings.join(" "))
}

/// The paths a compiled program reads at run time, from the folder it runs from: a Go
/// program runs from its module (the context), a Rust one from its crate's folder.
fn runtime_copies(service: &ServiceConfig) -> Vec<CopyItem> {
    let from = match service.language {
        Language::Rust | Language::Dotnet => service_dir_in_context(service),
        _ => ".".to_string(),
    };
    service
        .runtime_files
        .iter()
        .map(|path| CopyItem {
            src: if from == "." { path.clone() } else { format!("{from}/{path}") },
            dest: format!("./{path}"),
        })
        .collect()
}

/// The front end's stage: what its own static image would build, copied from the
/// service's context.
fn frontend_stage(service: &ServiceConfig) -> Result<Option<FrontendStage>, Error> {
    let Some(front) = &service.frontend else { return Ok(None) };
    let site = NodePackage {
        path: &front.path,
        language: front.language,
        package_manager: front.package_manager,
        version: &front.runtime_version,
        build: &front.build_command,
        output: &front.output,
        build_packages: &front.build_packages,
        build_env: &front.build_env,
    };
    node_stage(service, &site).map(Some)
}

/// A Node package built inside another language's image.
struct NodePackage<'a> {
    path: &'a str,
    language: Language,
    package_manager: PackageManager,
    version: &'a str,
    build: &'a str,
    output: &'a str,
    build_packages: &'a [String],
    build_env: &'a [String],
}

/// How a Node package inside the service's context installs and builds, as its own
/// image would, with its files named from the service's context.
fn node_stage(service: &ServiceConfig, package: &NodePackage) -> Result<FrontendStage, Error> {
    let from = snapshot_path(build_context(service));
    let inner = snapshot_path(package.path).strip_prefix(from).unwrap_or(package.path);
    let dir = inner.trim_start_matches('/').to_string();
    let site = ServiceConfig {
        language: package.language,
        package_manager: package.package_manager,
        runtime_version: package.version.to_string(),
        path: package.path.to_string(),
        context: None,
        static_output: Some(package.output.to_string()),
        build_command: Some(package.build.to_string()),
        frontend: None,
        start_command: None,
        dockerfile: None,
        build_packages: package.build_packages.to_vec(),
        build_env: package.build_env.to_vec(),
        runtime_packages: Vec::new(),
        env_vars: Default::default(),
        facts: facts_of(service).assets.as_deref().cloned(),
        ..service.clone()
    };
    let (_, mut built) = context_items(&site)?;
    // The package's own files, named from the service's context.
    super::recipe::prefix_sources(&mut built.copies, &dir);
    let image = match package.language {
        Language::Bun => format!("oven/bun:{}-slim", package.version),
        _ => format!("node:{}-slim", package.version),
    };
    let manifests = copy_lines(built.copies);
    Ok(FrontendStage {
        image,
        build_packages: built.build_packages,
        build_env: built.build_env,
        setup: built.setup,
        manifests,
        install: built.install.unwrap_or_default(),
        cache: built.cache.unwrap_or_default(),
        build: package.build.to_string(),
        // The output may climb out of the package's folder: both paths are resolved.
        dest: scan::normalize(&scan::join(&dir, package.output))
            .unwrap_or_else(|| scan::join(&dir, package.output)),
        built: format!("/{}", scan::normalize(&scan::join("app", package.output)).unwrap_or_default()),
        output: package.output.to_string(),
        dir,
    })
}

/// A Rails app whose package.json builds its assets (jsbundling-rails, cssbundling-rails):
/// `assets:precompile` runs that build, so the Ruby build stage needs Node and the
/// package's install.
fn rails_node_assets(service: &ServiceConfig) -> Result<Option<FrontendStage>, Error> {
    let Some(package_manager) = facts_of(service).assets_manager else { return Ok(None) };
    if service.framework != Framework::Rails {
        return Ok(None);
    }
    let package = NodePackage {
        path: &service.path,
        language: Language::Node,
        package_manager,
        version: crate::detect::defaults::NODE,
        build: "true",
        output: "app/assets/builds",
        build_packages: &[],
        build_env: &[],
    };
    node_stage(service, &package).map(Some)
}

/// The template to use for a service, and its context.
pub fn context(service: &ServiceConfig) -> Result<(String, DockerfileContext), Error> {
    let (template, mut ctx) = context_items(service)?;
    ctx.manifests = copy_lines(std::mem::take(&mut ctx.copies));
    Ok((template, ctx))
}

/// The context, with the files copied before the install still as items (`copies`).
fn context_items(service: &ServiceConfig) -> Result<(String, DockerfileContext), Error> {
    let facts = facts_of(service);
    let (step_env, step_note) = build_step_env(service);
    let mut ctx = DockerfileContext {
        header: header("#"),
        app: service.app.clone(),
        framework: service.framework,
        package_manager: service.package_manager,
        version: service.runtime_version.clone(),
        port: service.port,
        service_dir: service_dir_in_context(service),
        manifests: Vec::new(),
        copies: Vec::new(),
        install: None,
        prune: None,
        lifecycle: None,
        setup: None,
        cache: None,
        build: service.build_command.clone(),
        cmd: exec_form(service.start_command.as_deref().unwrap_or("")),
        healthcheck: None,
        static_output: service.static_output.clone(),
        test: test_stage(service),
        build_args: service.build_time_vars().into_iter().map(str::to_string).collect(),
        // A built SPA routes in the browser; a plain site's missing page is a 404.
        spa_fallback: matches!(service.language, Language::Node | Language::Bun)
            && service.static_output.is_some(),
        entrypoint: service.entrypoint.clone(),
        has_public: facts.public_dir,
        nextjs_standalone: service.nextjs_standalone,
        uv_image: UV_IMAGE,
        server_install: None,
        build_packages: apt_install(&service.build_packages),
        runtime_packages: apt_install(&service.runtime_packages),
        build_env: service.build_env.iter().filter(|s| !build_step_only(service, s)).cloned().collect(),
        step_env,
        step_note,
        runtime_copies: runtime_copies(service),
        node_version: crate::detect::defaults::NODE,
        go_tags: go_tags(service),
        go_ldflags: go_ldflags(service),
        runtime: if service.language == Language::Bun { "bun" } else { "node" },
        start_env: Vec::new(),
        writable_dirs: Vec::new(),
        frontend: frontend_stage(service)?,
        install_dir: ".".into(),
        secret_mounts: String::new(),
    };
    ctx.start_env = crate::detect::bind::framework_env(service.framework, service.port);
    if let Some(script) = &facts.start_script {
        ctx.start_env = script
            .server
            .as_deref()
            .map(|server| crate::detect::bind::listen_env(server, service.port))
            .unwrap_or_default();
        ctx.writable_dirs = script.writes.clone();
    }
    let recipe = super::recipe::of(service);
    ctx.copies = recipe.copies;
    ctx.install_dir = recipe.install_dir.unwrap_or_else(|| ".".into());
    ctx.setup = recipe.setup;
    ctx.install = recipe.install;
    ctx.prune = recipe.prune;
    ctx.lifecycle = recipe.lifecycle;
    ctx.cache = recipe.cache;
    ctx.server_install = recipe.server_install;
    ctx.healthcheck = recipe.healthcheck;
    ctx.build = recipe.build.or(ctx.build);
    ctx.entrypoint = recipe.entrypoint.or(ctx.entrypoint);
    if service.language == Language::Ruby {
        ctx.frontend = rails_node_assets(service)?;
    }
    if !service.build_secrets.is_empty() {
        let (mounts, env) = build_secrets(&service.build_secrets);
        ctx.secret_mounts = mounts;
        let read = |step: Option<String>| step.map(|s| format!("{env}{s}"));
        ctx.install = read(ctx.install.take());
        ctx.prune = read(ctx.prune.take());
        if service.language == Language::Rust {
            ctx.build = read(ctx.build.take());
        }
    }
    let template = recipe.template;
    Ok((template.to_string(), ctx))
}

/// Each build secret as a mount of the steps that install, and the shell that reads them
/// into the environment of those steps alone: the value is in no layer, no ENV and no
/// history. A build given no secret (a fork's, a local one) reads an empty value.
fn build_secrets(names: &[String]) -> (String, String) {
    let mounts: String = names.iter().map(|n| format!(" --mount=type=secret,id={n}")).collect();
    let reads: Vec<String> =
        names.iter().map(|n| format!("{n}=\"$(cat /run/secrets/{n} 2>/dev/null || true)\"")).collect();
    (mounts, format!("{} && export {} && ", reads.join(" && "), names.join(" ")))
}

/// The test command, when the service's tests run in a `test` stage of the Dockerfile bim
/// writes (`docker build --target test`). That is so for the languages with no setup action
/// whose commit could be verified (see `workflow.rs`): the stage's dependency layer, built
/// without cache mounts, is what the workflow's build cache keeps between runs.
pub fn test_stage(service: &ServiceConfig) -> Option<String> {
    if service.dockerfile.is_some() {
        return None;
    }
    let test = service.test_command.clone()?;
    match service.language {
        // Plain PHP has no composer.json, and so no dependencies to install or cache.
        Language::Php => facts_of(service).has_input("composer.json").then_some(test),
        // Bun has no setup action whose commit could be verified: its tests run in its own image.
        Language::Java | Language::Dotnet | Language::Elixir | Language::Deno | Language::Bun => Some(test),
        _ => None,
    }
}

/// A build setting that names a variable the app reads at run time: a placeholder that
/// satisfies a validator while the build runs, and no longer.
fn build_step_only(service: &ServiceConfig, setting: &str) -> bool {
    let name = setting.split_once('=').map_or(setting, |(n, _)| n);
    service.env_vars.contains_key(name)
}

/// The build step's own settings, and what they are for.
fn build_step_env(service: &ServiceConfig) -> (Vec<String>, String) {
    let mut env: Vec<String> =
        service.build_env.iter().filter(|s| build_step_only(service, s)).cloned().collect();
    let mut why = Vec::new();
    if !env.is_empty() {
        why.push("placeholders for the settings a validator checks while it runs".to_string());
    }
    if service.nextjs_standalone && service.static_output.is_none() {
        // Next's default config reads these; next.config's own output and root come first.
        env.extend(["NEXT_PRIVATE_STANDALONE=1".into(), "NEXT_PRIVATE_OUTPUT_TRACE_ROOT=/app".into()]);
        let root = if service.context.is_some() { "the workspace's" } else { "the app's" };
        why.push(format!("the standalone server, with only the modules it uses, traced from {root} root"));
    }
    (env, why.join("; "))
}

/// A `RUN` that installs Debian packages and leaves no package lists behind. Versions are
/// not pinned: Debian's archive keeps only current ones, so an exact pin breaks the build
/// within weeks; the base image's tag pins the release (hence the hadolint exception).
pub fn apt_install(packages: &[String]) -> Option<String> {
    if packages.is_empty() {
        return None;
    }
    Some(format!(
        "# hadolint ignore=DL3008\n\
         RUN apt-get update \\\n    \
         && apt-get install -y --no-install-recommends {} \\\n    \
         && rm -rf /var/lib/apt/lists/*",
        packages.join(" ")
    ))
}

/// COPY arguments for `items`, one line per destination. A path with a space or a quote
/// (a workspace folder may have one) puts its line in JSON form, where it stays one path.
fn copy_lines(items: Vec<CopyItem>) -> Vec<String> {
    let mut lines: Vec<(Vec<String>, String)> = Vec::new();
    for item in items {
        // A folder copied whole keeps its own line: COPY puts its contents in the destination.
        let merge_into = lines.iter_mut().find(|(sources, dest)| {
            *dest == item.dest && !item.src.ends_with('/') && !sources.iter().any(|s| s.ends_with('/'))
        });
        match merge_into {
            Some((sources, _)) => sources.push(item.src),
            None => lines.push((vec![item.src], item.dest)),
        }
    }
    lines
        .into_iter()
        .map(|(mut args, dest)| {
            args.push(dest);
            let plain =
                args.iter().all(|a| crate::validate::repo_path("path", a.trim_end_matches('/'), "").is_ok());
            if plain { args.join(" ") } else { serde_json::to_string(&args).unwrap_or_default() }
        })
        .collect()
}

/// A command in Dockerfile exec form. Commands that need a shell (operators, variables)
/// run under `sh -c`; the rest are split into words so signals reach the app directly.
pub fn exec_form(command: &str) -> String {
    let needs_shell = command.contains(['&', '|', ';', '$', '>', '<', '`', '*', '(', ')', '\\']);
    let words = if needs_shell { None } else { shlex::split(command).filter(|w| !w.is_empty()) };
    match words {
        Some(words) => serde_json::to_string(&words).unwrap_or_default(),
        None => json(&["sh", "-c", command]),
    }
}

#[cfg(test)]
mod tests {

    use super::exec_form;

    #[test]
    fn exec_form_splits_simple_commands_and_shells_the_rest() {
        assert_eq!(exec_form("node src/index.js"), r#"["node","src/index.js"]"#);
        assert_eq!(
            exec_form("gunicorn 'notes:create_app()' --bind 0.0.0.0:8000"),
            r#"["sh","-c","gunicorn 'notes:create_app()' --bind 0.0.0.0:8000"]"#
        );
        assert_eq!(exec_form("bin/api"), r#"["bin/api"]"#);
        assert_eq!(exec_form("echo \"$PORT\""), r#"["sh","-c","echo \"$PORT\""]"#);
    }
}

//! The typed context every Dockerfile template is filled from, and the per-stack choices
//! behind it: which manifests are copied before the source, how dependencies install, how
//! the app starts. Commands are built here, where they can be tested, so the templates
//! stay readable.

use serde::Serialize;

use super::{build_context, facts_of, header, service_dir_in_context, snapshot_path};
use crate::config::ServiceConfig;
use crate::detect::facts::{Closure, Facts, PYTHON_SERVERS};
use crate::detect::{Framework, Language, PackageManager};
use crate::error::Error;
use crate::scan;

/// Pinned versions of the build tools the Dockerfiles install. Reviewed 2026-11.
const UV_IMAGE: &str = "ghcr.io/astral-sh/uv:0.13";
const COREPACK: &str = "0.36.0";
/// Installs the `project.dependencies` of pyproject.toml without the project (pip has no
/// flag for that), reading the file with the standard library's tomllib.
const PYPROJECT_DEPENDENCIES: &str = "python -c \"import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project'].get('dependencies', [])))\" > /tmp/requirements.txt && pip install -r /tmp/requirements.txt";

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

#[derive(Serialize, Debug)]
pub struct CopyItem {
    pub src: String,
    pub dest: String,
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
    prefix_sources(&mut built.copies, &dir);
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

/// The files and folders (ending in `/`) copied before the install, each to its own
/// folder in the working folder.
fn input_copies(inputs: &[String]) -> Vec<CopyItem> {
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
fn prefix_sources(copies: &mut [CopyItem], dir: &str) {
    for copy in copies {
        copy.src = scan::join(dir, &copy.src);
    }
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
    let inputs = input_copies(&facts.inputs);
    let health_url =
        service.healthcheck_path.as_ref().map(|p| format!("http://127.0.0.1:{}{p}", service.port));
    let template = match service.language {
        Language::Node | Language::Bun => {
            node(service, &mut ctx, facts);
            let runner = if service.language == Language::Bun { "bun" } else { "node" };
            ctx.healthcheck = health_url.map(|url| {
                let script =
                    format!("fetch('{url}').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))");
                json(&[runner, "-e", &script])
            });
            match (service.language, service.framework, &service.static_output) {
                (_, _, Some(_)) => "docker/node-static.Dockerfile.tera",
                (Language::Bun, _, None) => "docker/bun.Dockerfile.tera",
                (_, Framework::Nextjs, None) => "docker/nextjs.Dockerfile.tera",
                _ => "docker/node.Dockerfile.tera",
            }
        }
        Language::Deno => {
            ctx.copies = inputs;
            ctx.cache = Some("/deno-dir".into());
            ctx.healthcheck = health_url.map(|url| {
                json(&["deno", "eval", &format!("const r = await fetch('{url}'); Deno.exit(r.ok ? 0 : 1)")])
            });
            "docker/deno.Dockerfile.tera"
        }
        Language::Python => {
            python(service, &mut ctx, facts);
            // A context widened to hold a front end: the install runs in the service's folder.
            if let Some(dir) = &facts.install_dir {
                prefix_sources(&mut ctx.copies, dir);
                ctx.install_dir = dir.clone();
            }
            ctx.healthcheck = health_url.map(|url| {
                json(&[
                    "python",
                    "-c",
                    &format!("import urllib.request; urllib.request.urlopen('{url}', timeout=3)"),
                ])
            });
            "docker/python.Dockerfile.tera"
        }
        Language::Go => {
            ctx.copies = inputs;
            ctx.entrypoint = Some(service.entrypoint.clone().unwrap_or_else(|| ".".into()));
            "docker/go.Dockerfile.tera"
        }
        Language::Rust => {
            ctx.entrypoint = Some(service.entrypoint.clone().unwrap_or_else(|| service.app.clone()));
            "docker/rust.Dockerfile.tera"
        }
        Language::Java => {
            let maven = service.package_manager == PackageManager::Maven;
            let wrapper = facts.has_input(if maven { "mvnw" } else { "gradlew" });
            ctx.copies = inputs;
            let tool = match (maven, wrapper) {
                (true, true) => "./mvnw",
                (true, false) => "mvn",
                (false, true) => "./gradlew",
                (false, false) => "gradle",
            };
            ctx.setup = Some(tool.to_string());
            ctx.cache = Some(if maven { "/root/.m2".into() } else { "/root/.gradle".into() });
            ctx.install = Some(if maven {
                format!("{tool} -B -q dependency:go-offline")
            } else {
                format!("{tool} --no-daemon dependencies")
            });
            ctx.build = Some(if maven {
                format!("{tool} -B package -DskipTests")
            } else {
                format!("{tool} --no-daemon build -x test")
            });
            "docker/java.Dockerfile.tera"
        }
        Language::Ruby => {
            ctx.copies = inputs;
            ctx.cache = Some("/usr/local/bundle/cache".into());
            ctx.healthcheck = health_url.map(|url| {
                json(&[
                    "ruby",
                    "-rnet/http",
                    "-e",
                    &format!("exit Net::HTTP.get_response(URI('{url}')).is_a?(Net::HTTPSuccess)"),
                ])
            });
            ctx.frontend = rails_node_assets(service)?;
            if service.framework == Framework::Jekyll {
                "docker/jekyll.Dockerfile.tera"
            } else {
                "docker/ruby.Dockerfile.tera"
            }
        }
        Language::Php => {
            ctx.copies = inputs;
            ctx.entrypoint = Some(service.entrypoint.clone().unwrap_or_else(|| "public".into()));
            "docker/php.Dockerfile.tera"
        }
        Language::Dotnet => {
            ctx.copies = inputs;
            let project_dir = service_dir_in_context(service);
            let project = service.entrypoint.clone().unwrap_or_default();
            ctx.entrypoint =
                Some(if project_dir == "." { project } else { format!("{project_dir}/{project}") });
            "docker/dotnet.Dockerfile.tera"
        }
        Language::Elixir => {
            ctx.copies = inputs;
            ctx.entrypoint =
                Some(service.entrypoint.clone().unwrap_or_else(|| service.app.replace('-', "_")));
            "docker/elixir.Dockerfile.tera"
        }
        Language::Static => "docker/static.Dockerfile.tera",
    };
    Ok((template.to_string(), ctx))
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

fn node(service: &ServiceConfig, ctx: &mut DockerfileContext, facts: &Facts) {
    let pm = service.package_manager;
    let locked = facts.lockfile.is_some();
    let berry = pm == PackageManager::Yarn && facts.has_input(".yarnrc.yml");
    ctx.copies = input_copies(&facts.inputs);
    let install = node_install(pm, locked, berry);
    let (prune, cache) = match (pm, locked) {
        (PackageManager::Pnpm, _) => {
            (Some("pnpm prune --prod --ignore-scripts"), "/root/.local/share/pnpm/store")
        }
        // `workspaces focus` ships with Yarn from 4 on; Yarn 2 and 3 import its plugin first.
        (PackageManager::Yarn, _) if berry => (
            match facts.yarn_major {
                Some(2 | 3) => {
                    Some("yarn plugin import workspace-tools && yarn workspaces focus --all --production")
                }
                Some(4..) => Some("yarn workspaces focus --all --production"),
                _ => None,
            },
            "/root/.yarn/berry/cache",
        ),
        (PackageManager::Yarn, _) => (
            Some("yarn install --production --ignore-scripts --prefer-offline"),
            "/usr/local/share/.cache/yarn",
        ),
        // Bun has no prune: a fresh production install, from the cache, leaves dev dependencies out.
        (PackageManager::Bun, true) => (
            Some("rm -rf node_modules && bun install --production --frozen-lockfile"),
            "/root/.bun/install/cache",
        ),
        (PackageManager::Bun, false) => {
            (Some("rm -rf node_modules && bun install --production"), "/root/.bun/install/cache")
        }
        _ => (Some("npm prune --omit=dev"), "/root/.npm"),
    };
    // `pnpm prune` in a workspace drops the members' own dependencies (their node_modules
    // are links into the root's store); a production install from the same store keeps
    // every member's runtime dependencies and drops the rest.
    let workspace = facts.has_input("pnpm-workspace.yaml") || ctx.service_dir != ".";
    let prune = match pm {
        PackageManager::Pnpm if workspace && locked => Some(
            "pnpm install --prod --frozen-lockfile --offline --ignore-scripts --config.confirmModulesPurge=false",
        ),
        PackageManager::Pnpm if workspace => {
            Some("pnpm install --prod --offline --ignore-scripts --config.confirmModulesPurge=false")
        }
        _ => prune,
    };
    let prune = match &facts.closure {
        Some(closure) => {
            closure_prune(pm, locked, facts.yarn_major, &ctx.service_dir, closure, &facts.rebuild)
                .or_else(|| prune.map(str::to_string))
        }
        None => prune.map(str::to_string),
    };
    let mut install = install.to_string();
    if pm == PackageManager::Npm {
        // Without a lockfile nothing says which dependencies have scripts to rebuild, so a
        // dropped git-hook setup alone does not justify skipping theirs.
        if !facts.after_copy.is_empty() || (facts.git_hooks_dropped && locked) {
            // The dependencies' own install scripts (native builds) still run in the cached
            // layer, by name: a bare `npm rebuild` runs the root's scripts too.
            install = format!("{install} --ignore-scripts");
            if !facts.rebuild.is_empty() {
                install = format!("{install} && npm rebuild {}", facts.rebuild.join(" "));
            }
        }
        if !facts.after_copy.is_empty() {
            let runs: Vec<String> = facts.after_copy.iter().map(|s| format!("npm run {s}")).collect();
            ctx.lifecycle = Some(runs.join(" && "));
        }
    }
    if pm == PackageManager::Pnpm && !facts.after_copy.is_empty() {
        // pnpm 9's lockfile no longer marks the packages that build, so they cannot be
        // rebuilt by name in the cached layer as npm's are: `pnpm rebuild` after the full
        // copy runs theirs, the root's and the members' scripts, the order an install would.
        install = format!("{install} --ignore-scripts");
        let recursive = if workspace { " --recursive" } else { "" };
        ctx.lifecycle = Some(format!("pnpm rebuild{recursive}"));
    }
    ctx.install = Some(install);
    // A native module compiled here leaves its object files beside the .node it built
    // (better-sqlite3: 15 MB of them); only the .node is loaded.
    let compiled = !service.build_packages.is_empty() && pm != PackageManager::Bun;
    let prune = prune.map(|p| {
        if compiled {
            format!("{p} && find node_modules -path '*/build/Release/obj.target' -prune -exec rm -rf {{}} + && find node_modules -name '*.o' -type f -delete")
        } else {
            p
        }
    });
    ctx.prune = prune.filter(|_| service.static_output.is_none());
    ctx.cache = Some(cache.into());
    ctx.setup = node_setup(pm, facts);
}

/// The packaging tool's release that runs on the service's Python line.
fn tool_release(tool: PackageManager, service: &ServiceConfig) -> &'static str {
    let line = service.runtime_version.as_str();
    crate::detect::python_tools::release(tool, line).unwrap_or_default()
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

/// The production install of a workspace app's closure only: the package manager's own
/// filter installs the dependencies of the app and of the workspace packages it imports, and
/// the members it does not import are removed. `None` where the manager has no such filter.
fn closure_prune(
    pm: PackageManager,
    locked: bool,
    yarn_major: Option<u32>,
    service_dir: &str,
    closure: &Closure,
    scripted: &[String],
) -> Option<String> {
    let name = &closure.name;
    // Every node_modules goes first: the filtered install then links the closure's alone.
    let fresh = "find . -name node_modules -type d -prune -exec rm -rf {} +";
    let install = match (pm, locked) {
        // The root's own install scripts would run too; the dependencies' are rebuilt by name.
        (PackageManager::Npm, true) => {
            let rebuild = if scripted.is_empty() {
                String::new()
            } else {
                format!(" && npm rebuild {}", scripted.join(" "))
            };
            format!("npm ci --omit=dev --ignore-scripts --workspace {service_dir}{rebuild}")
        }
        (PackageManager::Pnpm, true) => format!(
            "{fresh} && pnpm install --prod --frozen-lockfile --offline --ignore-scripts --filter '{name}...'"
        ),
        (PackageManager::Yarn, _) => match yarn_major {
            Some(2 | 3) => {
                format!("yarn plugin import workspace-tools && yarn workspaces focus --production {name}")
            }
            Some(4..) => format!("yarn workspaces focus --production {name}"),
            _ => return None,
        },
        (PackageManager::Bun, true) => {
            format!("{fresh} && bun install --production --frozen-lockfile --filter '{name}'")
        }
        _ => return None,
    };
    if closure.unneeded.is_empty() {
        return Some(install);
    }
    Some(format!("{install} && rm -rf {}", closure.unneeded.join(" ")))
}

/// The dependency install for a Node package manager: the one command the image and the
/// workflow's test job both run.
pub(super) fn node_install(pm: PackageManager, locked: bool, berry: bool) -> &'static str {
    match (pm, locked) {
        (PackageManager::Pnpm, true) => "pnpm install --frozen-lockfile",
        (PackageManager::Pnpm, false) => "pnpm install",
        (PackageManager::Yarn, _) if berry => "yarn install --immutable",
        (PackageManager::Yarn, true) => "yarn install --frozen-lockfile",
        (PackageManager::Yarn, false) => "yarn install",
        (PackageManager::Bun, true) => "bun install --frozen-lockfile",
        (PackageManager::Bun, false) => "bun install",
        (_, true) => "npm ci",
        (_, false) => "npm install",
    }
}

/// What puts Yarn or pnpm on the path, in the image and on the workflow's runner alike. A
/// pinned corepack: the one bundled with Node is missing from Node 25 on, and older bundled
/// ones reject the registry's newer signing keys. Where package.json pins no version, the
/// lockfile's format names one, installed from the registry with its integrity checked
/// (corepack would want a pin's hash).
pub(super) fn node_setup(pm: PackageManager, facts: &Facts) -> Option<String> {
    if !matches!(pm, PackageManager::Yarn | PackageManager::Pnpm) {
        return None;
    }
    Some(match &facts.manager_pin {
        Some(version) => format!("npm install --global --force {pm}@{version}"),
        None => format!("npm install --global corepack@{COREPACK} && corepack enable"),
    })
}

/// The Python install, from the manifests in the folder it runs in.
fn python(service: &ServiceConfig, ctx: &mut DockerfileContext, facts: &Facts) {
    let installer =
        if service.package_manager == PackageManager::Uv { "uv pip install" } else { "pip install" };
    ctx.server_install = facts
        .missing_server
        .as_deref()
        .and_then(|server| PYTHON_SERVERS.iter().find(|(name, _)| *name == server))
        .map(|(server, version)| format!("{installer} {server}=={version}"));
    ctx.cache = Some(match service.package_manager {
        PackageManager::Uv => "/root/.cache/uv".into(),
        PackageManager::Poetry => "/root/.cache/pypoetry".into(),
        _ => "/root/.cache/pip".into(),
    });
    ctx.copies = input_copies(&facts.inputs);
    match service.package_manager {
        PackageManager::Uv => {
            let frozen = if facts.has_input("uv.lock") { "--frozen " } else { "" };
            match &facts.uv_package {
                // A workspace member: every member's pyproject.toml resolves the workspace;
                // only this member and what it needs are installed.
                Some(package) => {
                    ctx.install =
                        Some(format!("uv sync {frozen}--no-dev --no-install-workspace --package {package}"));
                    ctx.prune = Some(format!("uv sync {frozen}--no-dev --package {package}"));
                }
                None => {
                    ctx.install = Some(format!("uv sync {frozen}--no-dev --no-install-project"));
                    ctx.prune = Some(format!("uv sync {frozen}--no-dev"));
                }
            }
        }
        PackageManager::Poetry => {
            ctx.setup = Some(format!(
                "pip install --no-cache-dir poetry=={}",
                tool_release(PackageManager::Poetry, service)
            ));
            ctx.install = Some("poetry install --only main --no-root --no-interaction".into());
        }
        PackageManager::Pipenv => {
            ctx.setup = Some(format!(
                "pip install --no-cache-dir pipenv=={}",
                tool_release(PackageManager::Pipenv, service)
            ));
            // `pipenv requirements` reads Pipfile.lock: without one it lists nothing, so the
            // lock is made first.
            let lock = if facts.has_input("Pipfile.lock") { "" } else { "pipenv lock && " };
            ctx.install = Some(format!(
                "{lock}pipenv requirements > /tmp/requirements.txt && pip install -r /tmp/requirements.txt"
            ));
        }
        PackageManager::Pdm => {
            ctx.setup = Some(format!(
                "pip install --no-cache-dir pdm=={}",
                tool_release(PackageManager::Pdm, service)
            ));
            ctx.install = Some("pdm export --prod --without-hashes -o /tmp/requirements.txt && pip install -r /tmp/requirements.txt".into());
        }
        _ => match &facts.requirements {
            // A local path (`-e .`, `./libs/x`) needs the source: install after it is copied.
            Some(file) if facts.local_requirements => {
                ctx.prune = Some(format!("pip install -r {file}"));
            }
            Some(file) => ctx.install = Some(format!("pip install -r {file}")),
            // Building the project needs its source (a build backend looks for its
            // package), so the cached layer installs only the dependencies that
            // pyproject.toml lists, and the project itself goes in after the source.
            None if facts.pyproject_dependencies => {
                ctx.install = Some(PYPROJECT_DEPENDENCIES.into());
                ctx.prune = Some("pip install --no-deps .".into());
            }
            None => ctx.prune = Some("pip install .".into()),
        },
    }
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

fn json(words: &[&str]) -> String {
    serde_json::to_string(words).unwrap_or_default()
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

//! The typed context every Dockerfile template is filled from, and the per-stack choices
//! behind it: which manifests are copied before the source, how dependencies install, how
//! the app starts. Commands are built here, where they can be tested, so the templates
//! stay readable.

use serde::Serialize;

use super::{build_context, header, service_dir_in_context, snapshot_path};
use crate::config::ServiceConfig;
use crate::detect::start_script::{self, StartScript};
use crate::detect::{Dir, Framework, Language, PackageManager};
use crate::error::Error;
use crate::scan::{self, Snapshot};

/// Pinned versions of the build tools the Dockerfiles install. Reviewed 2026-11.
const UV_IMAGE: &str = "ghcr.io/astral-sh/uv:0.13";
const COREPACK: &str = "0.36.0";
/// Installs the `project.dependencies` of pyproject.toml without the project (pip has no
/// flag for that), reading the file with the standard library's tomllib.
const PYPROJECT_DEPENDENCIES: &str = "python -c \"import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project'].get('dependencies', [])))\" > /tmp/requirements.txt && pip install -r /tmp/requirements.txt";
/// Servers bim's Python start commands run, pinned for when the app does not depend on one.
const PYTHON_SERVERS: &[(&str, &str)] = &[("gunicorn", "23.0.0"), ("uvicorn", "0.32.1")];

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
fn frontend_stage(service: &ServiceConfig, snap: &Snapshot) -> Result<Option<FrontendStage>, Error> {
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
    node_stage(service, snap, &site).map(Some)
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
fn node_stage(
    service: &ServiceConfig,
    snap: &Snapshot,
    package: &NodePackage,
) -> Result<FrontendStage, Error> {
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
        ..service.clone()
    };
    let (_, mut built) = context_items(&site, snap)?;
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
fn rails_node_assets(service: &ServiceConfig, snap: &Snapshot) -> Result<Option<FrontendStage>, Error> {
    let folder = snapshot_path(&service.path);
    let manifest = crate::manifest::json(snap, &scan::join(folder, "package.json")).ok().flatten();
    let builds = manifest
        .as_ref()
        .and_then(|m| m.get("scripts"))
        .is_some_and(|s| s.get("build").is_some() || s.get("build:css").is_some());
    if service.framework != Framework::Rails || !builds {
        return Ok(None);
    }
    // jsbundling runs yarn, pnpm or npm by the lockfile it finds.
    let package_manager = crate::detect::node::locked_by(&Dir::new(snap, folder))
        .map(|(_, pm)| pm)
        .filter(|pm| matches!(pm, PackageManager::Yarn | PackageManager::Pnpm))
        .unwrap_or(PackageManager::Npm);
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
    node_stage(service, snap, &package).map(Some)
}

/// The repository script the start command runs, as the image will run it.
fn start_script(service: &ServiceConfig, snap: &Snapshot) -> Result<Option<StartScript>, Error> {
    match service.start_command.as_deref() {
        Some(start) => start_script::read(&Dir::new(snap, snapshot_path(&service.path)), start),
        None => Ok(None),
    }
}

/// The manifests in `dir` among `names`, copied to the working folder.
fn copy_from(snap: &Snapshot, dir: &str, names: &[&str]) -> Vec<CopyItem> {
    names
        .iter()
        .filter(|n| snap.has_file(&scan::join(dir, n)))
        .map(|n| CopyItem { src: n.to_string(), dest: "./".into() })
        .collect()
}

/// Names each copy's source from a folder above: `package.json` → `client/package.json`.
fn prefix_sources(copies: &mut [CopyItem], dir: &str) {
    for copy in copies {
        copy.src = scan::join(dir, &copy.src);
    }
}

/// The template to use for a service, and its context.
pub fn context(service: &ServiceConfig, snap: &Snapshot) -> Result<(String, DockerfileContext), Error> {
    let (template, mut ctx) = context_items(service, snap)?;
    ctx.manifests = copy_lines(std::mem::take(&mut ctx.copies));
    Ok((template, ctx))
}

/// The context, with the files copied before the install still as items (`copies`).
fn context_items(service: &ServiceConfig, snap: &Snapshot) -> Result<(String, DockerfileContext), Error> {
    let context_dir = snapshot_path(build_context(service)).to_string();
    let exists = |name: &str| snap.has_file(&scan::join(&context_dir, name));
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
        test: test_stage(service, snap),
        build_args: service.build_time_vars().into_iter().map(str::to_string).collect(),
        // A built SPA routes in the browser; a plain site's missing page is a 404.
        spa_fallback: matches!(service.language, Language::Node | Language::Bun)
            && service.static_output.is_some(),
        entrypoint: service.entrypoint.clone(),
        has_public: snap.has_dir(&scan::join(snapshot_path(&service.path), "public")),
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
        frontend: frontend_stage(service, snap)?,
        install_dir: ".".into(),
    };
    ctx.start_env = crate::detect::bind::framework_env(service.framework, service.port);
    let script = start_script(service, snap)?;
    let script_server = script.as_ref().and_then(|s| s.server.as_ref()).map(|(_, server)| server.as_str());
    if let Some(script) = &script {
        ctx.start_env = script_server
            .map(|server| crate::detect::bind::listen_env(server, service.port))
            .unwrap_or_default();
        ctx.writable_dirs = script.writes.clone();
    }
    let copy_here = |names: &[&str]| copy_from(snap, &context_dir, names);
    let health_url =
        service.healthcheck_path.as_ref().map(|p| format!("http://127.0.0.1:{}{p}", service.port));
    let template = match service.language {
        Language::Node | Language::Bun => {
            node(service, &mut ctx, snap, &context_dir);
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
            ctx.copies = copy_here(&["deno.json", "deno.jsonc", "deno.lock"]);
            ctx.cache = Some("/deno-dir".into());
            ctx.healthcheck = health_url.map(|url| {
                json(&["deno", "eval", &format!("const r = await fetch('{url}'); Deno.exit(r.ok ? 0 : 1)")])
            });
            "docker/deno.Dockerfile.tera"
        }
        Language::Python => {
            // A context widened to hold a front end, not a workspace: the install reads the
            // service's own manifests, from its own folder.
            let own = ["pyproject.toml", "requirements.txt", "requirements", "Pipfile"];
            if ctx.service_dir != "."
                && !own.iter().any(|f| exists(f) || snap.has_dir(&scan::join(&context_dir, f)))
            {
                let inner = scan::join(&context_dir, &ctx.service_dir);
                python(service, &mut ctx, snap, &inner, script_server);
                let dir = ctx.service_dir.clone();
                prefix_sources(&mut ctx.copies, &dir);
                ctx.install_dir = dir;
            } else {
                python(service, &mut ctx, snap, &context_dir, script_server);
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
            ctx.copies = copy_here(&["go.mod", "go.sum"]);
            ctx.entrypoint = Some(service.entrypoint.clone().unwrap_or_else(|| ".".into()));
            "docker/go.Dockerfile.tera"
        }
        Language::Rust => {
            ctx.entrypoint = Some(service.entrypoint.clone().unwrap_or_else(|| service.app.clone()));
            "docker/rust.Dockerfile.tera"
        }
        Language::Java => {
            let maven = service.package_manager == PackageManager::Maven;
            let wrapper = if maven { exists("mvnw") } else { exists("gradlew") };
            ctx.copies = if maven {
                copy_here(&["pom.xml", "mvnw"])
            } else {
                copy_here(&[
                    "build.gradle",
                    "build.gradle.kts",
                    "settings.gradle",
                    "settings.gradle.kts",
                    "gradle.properties",
                    "gradlew",
                ])
            };
            // The wrapper scripts need their folder (and Gradle its version catalog there).
            let wrapper_dir = if maven { ".mvn" } else { "gradle" };
            if snap.has_dir(&scan::join(&context_dir, wrapper_dir)) {
                ctx.copies.push(CopyItem { src: wrapper_dir.into(), dest: format!("{wrapper_dir}/") });
            }
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
            ctx.copies = copy_here(&["Gemfile", "Gemfile.lock"]);
            ctx.cache = Some("/usr/local/bundle/cache".into());
            ctx.healthcheck = health_url.map(|url| {
                json(&[
                    "ruby",
                    "-rnet/http",
                    "-e",
                    &format!("exit Net::HTTP.get_response(URI('{url}')).is_a?(Net::HTTPSuccess)"),
                ])
            });
            ctx.frontend = rails_node_assets(service, snap)?;
            if service.framework == Framework::Jekyll {
                "docker/jekyll.Dockerfile.tera"
            } else {
                "docker/ruby.Dockerfile.tera"
            }
        }
        Language::Php => {
            ctx.copies = copy_here(&["composer.json", "composer.lock"]);
            ctx.entrypoint = Some(service.entrypoint.clone().unwrap_or_else(|| "public".into()));
            "docker/php.Dockerfile.tera"
        }
        Language::Dotnet => {
            ctx.copies = dotnet_manifests(snap, &context_dir);
            let project_dir = service_dir_in_context(service);
            let project = service.entrypoint.clone().unwrap_or_default();
            ctx.entrypoint =
                Some(if project_dir == "." { project } else { format!("{project_dir}/{project}") });
            "docker/dotnet.Dockerfile.tera"
        }
        Language::Elixir => {
            ctx.copies = copy_here(&["mix.exs", "mix.lock"]);
            // Dependencies may read compile-time config, so it comes before they compile.
            ctx.copies.extend(
                ["config/config.exs", "config/prod.exs", "config/test.exs"]
                    .into_iter()
                    .filter(|f| exists(f))
                    .map(|f| CopyItem { src: f.into(), dest: "config/".into() }),
            );
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
pub fn test_stage(service: &ServiceConfig, snap: &Snapshot) -> Option<String> {
    if service.dockerfile.is_some() {
        return None;
    }
    let test = service.test_command.clone()?;
    let context_dir = snapshot_path(build_context(service));
    match service.language {
        // Plain PHP has no composer.json, and so no dependencies to install or cache.
        Language::Php => snap.has_file(&scan::join(context_dir, "composer.json")).then_some(test),
        // Bun has no setup action whose commit could be verified: its tests run in its own image.
        Language::Java | Language::Dotnet | Language::Elixir | Language::Deno | Language::Bun => Some(test),
        _ => None,
    }
}

/// The files `dotnet restore` reads, copied before the source so the restore stays cached.
fn dotnet_manifests(snap: &Snapshot, context_dir: &str) -> Vec<CopyItem> {
    const NAMES: &[&str] = &[
        "Directory.Build.props",
        "Directory.Build.targets",
        "Directory.Packages.props",
        "NuGet.Config",
        "nuget.config",
        "global.json",
    ];
    const ENDINGS: &[&str] = &[".csproj", ".fsproj", ".sln", ".slnx"];
    let mut items = Vec::new();
    for rel in snap.files_under(context_dir) {
        let inner = rel.strip_prefix(context_dir).unwrap_or(rel).trim_start_matches('/');
        let name = scan::file_name(inner);
        if !NAMES.contains(&name) && !ENDINGS.iter().any(|e| name.ends_with(e)) {
            continue;
        }
        let folder = scan::parent(inner);
        items.push(CopyItem {
            src: inner.to_string(),
            dest: if folder.is_empty() { "./".into() } else { format!("{folder}/") },
        });
    }
    items
}

fn node(service: &ServiceConfig, ctx: &mut DockerfileContext, snap: &Snapshot, context_dir: &str) {
    let has = |name: &str| snap.has_file(&scan::join(context_dir, name));
    // The build context's package.json, parsed once for everything below. Detection already
    // parsed it; a broken one stopped it before planning.
    let manifest = crate::manifest::json(snap, &scan::join(context_dir, "package.json")).ok().flatten();
    let manifest = manifest.as_ref();
    let pm = service.package_manager;
    let lockfile = crate::detect::node::lockfiles_of(pm).find(|f| has(f));
    let locked = lockfile.is_some();
    let berry = pm == PackageManager::Yarn && has(".yarnrc.yml");
    let mut manifests: Vec<CopyItem> = ["package.json", ".npmrc", ".yarnrc.yml", "pnpm-workspace.yaml"]
        .into_iter()
        .chain(lockfile)
        .filter(|f| has(f))
        .map(|f| CopyItem { src: f.into(), dest: "./".into() })
        .collect();
    if ctx.service_dir != "." {
        // A workspace: every member's package.json, so the install links them all.
        for rel in snap.files_under(context_dir) {
            let inner = rel.strip_prefix(context_dir).unwrap_or(rel).trim_start_matches('/');
            if scan::file_name(inner) == "package.json"
                && inner.contains('/')
                && !inner.split('/').any(|p| crate::detect::dir::NON_APP_DIRS.contains(&p))
            {
                let folder = scan::parent(inner);
                manifests.push(CopyItem { src: inner.to_string(), dest: format!("{folder}/") });
            }
        }
    }
    ctx.copies = manifests;
    let install = node_install(pm, locked, berry);
    let (prune, cache) = match (pm, locked) {
        (PackageManager::Pnpm, _) => {
            (Some("pnpm prune --prod --ignore-scripts"), "/root/.local/share/pnpm/store")
        }
        // `workspaces focus` ships with Yarn from 4 on; Yarn 2 and 3 import its plugin first.
        (PackageManager::Yarn, _) if berry => (
            match manifest.and_then(yarn_major) {
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
    let workspace = has("pnpm-workspace.yaml") || ctx.service_dir != ".";
    let prune = match pm {
        PackageManager::Pnpm if workspace && locked => Some(
            "pnpm install --prod --frozen-lockfile --offline --ignore-scripts --config.confirmModulesPurge=false",
        ),
        PackageManager::Pnpm if workspace => {
            Some("pnpm install --prod --offline --ignore-scripts --config.confirmModulesPurge=false")
        }
        _ => prune,
    };
    // npm's lockfile names the packages with install scripts: parsed when first asked, once,
    // for the closure's install and the deferred root scripts alike.
    let scripted_once = std::cell::OnceCell::new();
    let scripted = || -> &Vec<String> {
        scripted_once.get_or_init(|| match (pm, lockfile) {
            (PackageManager::Npm, Some(l)) => scripted_packages(snap, &scan::join(context_dir, l)),
            _ => Vec::new(),
        })
    };
    let closure = (ctx.service_dir != ".")
        .then(|| crate::detect::workspace_build::closure(snap, context_dir, snapshot_path(&service.path)))
        .flatten();
    let prune = match &closure {
        Some(closure) => {
            closure_prune(pm, locked, manifest.and_then(yarn_major), &ctx.service_dir, closure, scripted)
                .or_else(|| prune.map(str::to_string))
        }
        None => prune.map(str::to_string),
    };
    let mut install = install.to_string();
    if pm == PackageManager::Npm
        && let Some(manifest) = manifest
    {
        let (deferred, dropped) = lifecycle_scripts(manifest);
        // Without a lockfile nothing says which dependencies have scripts to rebuild, so a
        // dropped git-hook setup alone does not justify skipping theirs.
        if !deferred.is_empty() || (dropped && lockfile.is_some()) {
            // The dependencies' own install scripts (native builds) still run in the cached
            // layer, by name: a bare `npm rebuild` runs the root's scripts too.
            install = format!("{install} --ignore-scripts");
            let scripted = scripted();
            if !scripted.is_empty() {
                install = format!("{install} && npm rebuild {}", scripted.join(" "));
            }
        }
        if !deferred.is_empty() {
            let runs: Vec<String> = deferred.iter().map(|s| format!("npm run {s}")).collect();
            ctx.lifecycle = Some(runs.join(" && "));
        }
    }
    if pm == PackageManager::Pnpm
        && let Some(manifest) = manifest
        && !lifecycle_scripts(manifest).0.is_empty()
    {
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
    ctx.setup = node_setup(pm, manifest, snap, context_dir);
    ctx.copies.extend(manifest.map(|m| install_inputs(m, snap, context_dir)).unwrap_or_default());
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
fn closure_prune<'s>(
    pm: PackageManager,
    locked: bool,
    yarn_major: Option<u32>,
    service_dir: &str,
    closure: &crate::detect::workspace_build::Closure,
    scripted: impl Fn() -> &'s Vec<String>,
) -> Option<String> {
    let name = &closure.name;
    // Every node_modules goes first: the filtered install then links the closure's alone.
    let fresh = "find . -name node_modules -type d -prune -exec rm -rf {} +";
    let install = match (pm, locked) {
        // The root's own install scripts would run too; the dependencies' are rebuilt by name.
        (PackageManager::Npm, true) => {
            let scripted = scripted();
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

/// The plain values of a top-level YAML map `key:` (`name: value` lines indented under it),
/// as pnpm-workspace.yaml writes its settings.
fn yaml_map_values(text: &str, key: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if !line.starts_with([' ', '\t']) {
            inside = line.trim_end() == format!("{key}:");
            continue;
        }
        let entry = line.trim();
        if inside
            && !entry.starts_with('#')
            && let Some((_, value)) = entry.rsplit_once(": ")
        {
            let value = value.trim().trim_matches(|c| c == '\'' || c == '"').trim_start_matches("./");
            if !value.is_empty() {
                values.push(value.to_string());
            }
        }
    }
    values
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
pub(super) fn node_setup(
    pm: PackageManager,
    manifest: Option<&serde_json::Value>,
    snap: &Snapshot,
    context_dir: &str,
) -> Option<String> {
    if !matches!(pm, PackageManager::Yarn | PackageManager::Pnpm) {
        return None;
    }
    Some(match manifest.and_then(|m| package_manager_pin(m, snap, context_dir, pm)) {
        Some(version) => format!("npm install --global --force {pm}@{version}"),
        None => format!("npm install --global corepack@{COREPACK} && corepack enable"),
    })
}

/// A root install script that reads more than the dependency layer holds: a workspace
/// tool or a build. Those named by path are copied in with the manifests instead.
static READS_THE_TREE: std::sync::LazyLock<crate::pattern::Pattern> = std::sync::LazyLock::new(|| {
    crate::pattern::Pattern::new(
        r"\b(?:turbo|nx|lerna|tsc|tsup|vite|next|nuxt|nuxi|svelte-kit|astro|npm run|npm exec|npx|pnpm|yarn|bun)\b",
    )
});
/// Git hooks, which an image never runs: a script that only sets them up is dropped.
static ONLY_GIT_HOOKS: std::sync::LazyLock<crate::pattern::Pattern> = std::sync::LazyLock::new(|| {
    crate::pattern::Pattern::new(
        r"^\s*(?:npx\s+)?(?:husky(?:\s+install)?|simple-git-hooks|lefthook install)\s*$",
    )
});

/// The dependencies a package-lock.json marks `hasInstallScript`, by name, for a rebuild
/// of those alone.
fn scripted_packages(snap: &Snapshot, lockfile: &str) -> Vec<String> {
    let Ok(Some(lock)) = crate::manifest::json(snap, lockfile) else { return Vec::new() };
    let Some(packages) = lock.get("packages").and_then(|p| p.as_object()) else { return Vec::new() };
    let mut names: Vec<String> = packages
        .iter()
        .filter(|(_, entry)| entry.get("hasInstallScript").and_then(|h| h.as_bool()) == Some(true))
        .filter_map(|(key, _)| key.rsplit_once("node_modules/").map(|(_, name)| name.to_string()))
        .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || "@/._-".contains(c)))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The root package's install scripts that must run after the source is copied, in the
/// order npm runs them, and whether one that only sets up git hooks was dropped.
fn lifecycle_scripts(manifest: &serde_json::Value) -> (Vec<&'static str>, bool) {
    let mut deferred = Vec::new();
    let mut dropped = false;
    for name in ["preinstall", "install", "postinstall", "prepare"] {
        let Some(script) = manifest.get("scripts").and_then(|s| s.get(name)).and_then(|s| s.as_str()) else {
            continue;
        };
        if ONLY_GIT_HOOKS.is_match(script) {
            dropped = true;
        } else if READS_THE_TREE.is_match(script) {
            deferred.push(name);
        }
    }
    (deferred, dropped)
}

/// Pinned releases for a lockfile format, when package.json has no `packageManager`.
const YARN_CLASSIC: &str = "1.22.22";
const PNPM_FOR_LOCKFILE: &[(&str, &str)] =
    &[("9", "9.15.9"), ("6", "8.15.9"), ("5.4", "7.33.7"), ("5.3", "6.35.1")];

/// The version corepack should use, where package.json does not pin one: Yarn 1 for a
/// classic yarn.lock, berry's own release from .yarnrc.yml, the pnpm major whose
/// `lockfileVersion` the lockfile has.
fn package_manager_pin(
    manifest: &serde_json::Value,
    snap: &Snapshot,
    context_dir: &str,
    pm: PackageManager,
) -> Option<String> {
    if manifest.get("packageManager").is_some() {
        return None;
    }
    let read = |name: &str| snap.read(&scan::join(context_dir, name)).ok().flatten();
    match pm {
        PackageManager::Yarn => match read(".yarnrc.yml") {
            Some(rc) => YARN_PATH.captures(&rc.text).map(|c| c[1].to_string()),
            None => Some(YARN_CLASSIC.into()),
        },
        PackageManager::Pnpm => {
            let lock = read("pnpm-lock.yaml")?;
            let version = LOCKFILE_VERSION.captures(&lock.text)?[1].to_string();
            PNPM_FOR_LOCKFILE
                .iter()
                .find(|(format, _)| version == *format || version.starts_with(&format!("{format}.")))
                .map(|(_, pnpm)| pnpm.to_string())
        }
        _ => None,
    }
}

static YARN_PATH: std::sync::LazyLock<crate::pattern::Pattern> = std::sync::LazyLock::new(|| {
    crate::pattern::Pattern::new(r"(?m)^yarnPath:\s*['\x22]?\.yarn/releases/yarn-(\d+\.\d+\.\d+)\.c?js")
});
static LOCKFILE_VERSION: std::sync::LazyLock<crate::pattern::Pattern> =
    std::sync::LazyLock::new(|| crate::pattern::Pattern::new(r"(?m)^lockfileVersion:\s*['\x22]?([\d.]+)"));

/// What an install reads beyond the manifests, copied with them so the dependency layer is
/// complete: Yarn berry's release and plugins, patch-package's patches, the Prisma schema
/// (@prisma/client generates from it when it installs), and files the install scripts name.
fn install_inputs(manifest: &serde_json::Value, snap: &Snapshot, context_dir: &str) -> Vec<CopyItem> {
    let mut paths: Vec<String> = Vec::new();
    let deps = |name: &str| {
        ["dependencies", "devDependencies"]
            .iter()
            .any(|k| manifest.get(*k).and_then(|d| d.get(name)).is_some())
    };
    // .yarn is pruned from the scan (it holds caches), so the rc file says what is there.
    if let Ok(Some(rc)) = snap.read(&scan::join(context_dir, ".yarnrc.yml")) {
        for folder in [".yarn/releases", ".yarn/plugins"] {
            if rc.text.contains(folder) {
                paths.push(format!("{folder}/"));
            }
        }
    }
    let scripts: Vec<&str> = ["preinstall", "install", "postinstall", "prepare"]
        .iter()
        .filter_map(|k| manifest.get("scripts")?.get(*k)?.as_str())
        .collect();
    if deps("patch-package") || scripts.iter().any(|s| s.contains("patch-package")) {
        paths.push("patches/".into());
    }
    // pnpm applies each patch its settings name while it installs: package.json's
    // `pnpm.patchedDependencies`, or (pnpm 10) pnpm-workspace.yaml's.
    if let Some(patches) =
        manifest.get("pnpm").and_then(|p| p.get("patchedDependencies")).and_then(|p| p.as_object())
    {
        paths.extend(
            patches.values().filter_map(|v| v.as_str()).map(|v| v.trim_start_matches("./").to_string()),
        );
    }
    if let Ok(Some(workspace)) = snap.read(&scan::join(context_dir, "pnpm-workspace.yaml")) {
        paths.extend(yaml_map_values(&workspace.text, "patchedDependencies"));
    }
    if deps("@prisma/client") || deps("prisma") {
        let schema = manifest.get("prisma").and_then(|p| p.get("schema")).and_then(|s| s.as_str());
        match schema {
            Some(file) => paths.push(file.trim_start_matches("./").to_string()),
            None => paths.push("prisma/".into()),
        }
    }
    for script in scripts {
        for word in script.split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|') {
            let word = word.trim_start_matches("./");
            if word.contains('/')
                || word.ends_with(".js")
                || word.ends_with(".mjs")
                || word.ends_with(".cjs")
                || word.ends_with(".sh")
            {
                paths.push(word.to_string());
            }
        }
    }
    let mut items = Vec::new();
    for path in paths {
        let bare = path.trim_end_matches('/');
        let rel = scan::join(context_dir, bare);
        let is_dir = path.ends_with('/') && (snap.has_dir(&rel) || bare.starts_with(".yarn/"));
        let known = is_dir || snap.has_file(&rel);
        if !known
            || crate::validate::repo_path("path", bare, "").is_err()
            || items.iter().any(|i: &CopyItem| i.src == path)
        {
            continue;
        }
        let folder = scan::parent(bare);
        let dest = if is_dir {
            format!("{bare}/")
        } else if folder.is_empty() {
            "./".into()
        } else {
            format!("{folder}/")
        };
        items.push(CopyItem { src: if is_dir { format!("{bare}/") } else { bare.to_string() }, dest });
    }
    items
}

/// Yarn's major version from the `packageManager` field (`yarn@4.5.0`), if pinned there.
fn yarn_major(manifest: &serde_json::Value) -> Option<u32> {
    let pinned = manifest.get("packageManager")?.as_str()?.strip_prefix("yarn@")?;
    pinned.split('.').next()?.parse().ok()
}

/// The pinned server to install when the start command runs one that no manifest names:
/// without it the image could not start.
/// A start script's server (`script_server`) is the one the image must have.
fn missing_python_server(
    service: &ServiceConfig,
    snap: &Snapshot,
    context_dir: &str,
    script_server: Option<&str>,
) -> Option<String> {
    let start = script_server.or(service.start_command.as_deref())?;
    let (server, version) = PYTHON_SERVERS.iter().find(|(name, _)| {
        start.split("&&").flat_map(|p| p.split(';')).any(|part| part.split_whitespace().next() == Some(name))
    })?;
    let manifests = snap.files_under(context_dir).filter(|f| {
        let name = scan::file_name(f);
        !f[context_dir.len()..].trim_start_matches('/').contains('/')
            && (name.ends_with(".txt")
                || name.ends_with(".toml")
                || name.ends_with(".lock")
                || name == "Pipfile")
            || f.contains("requirements/")
    });
    for file in manifests {
        // bim's own answers name the server too, once written: they are not a manifest,
        // or a second run would drop the install the first one added.
        if scan::file_name(file) == crate::config::FILE_NAME {
            continue;
        }
        if let Ok(Some(text)) = snap.read(file)
            && text.text.to_ascii_lowercase().contains(server)
        {
            return None;
        }
    }
    let install =
        if service.package_manager == PackageManager::Uv { "uv pip install" } else { "pip install" };
    Some(format!("{install} {server}=={version}"))
}

/// The Python install, reading the manifests in `context_dir` (the context, or the
/// service's own folder when the context was widened for a front end).
fn python(
    service: &ServiceConfig,
    ctx: &mut DockerfileContext,
    snap: &Snapshot,
    context_dir: &str,
    script_server: Option<&str>,
) {
    let copy_here = |names: &[&str]| copy_from(snap, context_dir, names);
    ctx.server_install = missing_python_server(service, snap, context_dir, script_server);
    ctx.cache = Some(match service.package_manager {
        PackageManager::Uv => "/root/.cache/uv".into(),
        PackageManager::Poetry => "/root/.cache/pypoetry".into(),
        _ => "/root/.cache/pip".into(),
    });
    match service.package_manager {
        PackageManager::Uv => {
            ctx.copies = copy_here(&["pyproject.toml", "uv.lock"]);
            let frozen = if ctx.copies.iter().any(|m| m.src == "uv.lock") { "--frozen " } else { "" };
            match uv_member(service, snap, context_dir) {
                // A workspace member: every member's pyproject.toml resolves the workspace;
                // only this member and what it needs are installed.
                Some((package, members)) => {
                    ctx.copies.extend(members);
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
            ctx.copies = copy_here(&["pyproject.toml", "poetry.lock"]);
            ctx.setup = Some(format!(
                "pip install --no-cache-dir poetry=={}",
                tool_release(PackageManager::Poetry, service)
            ));
            ctx.install = Some("poetry install --only main --no-root --no-interaction".into());
        }
        PackageManager::Pipenv => {
            ctx.copies = copy_here(&["Pipfile", "Pipfile.lock"]);
            ctx.setup = Some(format!(
                "pip install --no-cache-dir pipenv=={}",
                tool_release(PackageManager::Pipenv, service)
            ));
            // `pipenv requirements` reads Pipfile.lock: without one it lists nothing, so the
            // lock is made first.
            let lock =
                if snap.has_file(&scan::join(context_dir, "Pipfile.lock")) { "" } else { "pipenv lock && " };
            ctx.install = Some(format!(
                "{lock}pipenv requirements > /tmp/requirements.txt && pip install -r /tmp/requirements.txt"
            ));
        }
        PackageManager::Pdm => {
            ctx.copies = copy_here(&["pyproject.toml", "pdm.lock"]);
            ctx.setup = Some(format!(
                "pip install --no-cache-dir pdm=={}",
                tool_release(PackageManager::Pdm, service)
            ));
            ctx.install = Some("pdm export --prod --without-hashes -o /tmp/requirements.txt && pip install -r /tmp/requirements.txt".into());
        }
        _ => {
            let requirement = [
                "requirements.txt",
                "requirements/production.txt",
                "requirements/prod.txt",
                "requirements/base.txt",
            ]
            .into_iter()
            .find(|f| snap.has_file(&scan::join(context_dir, f)));
            match requirement {
                Some(file) => {
                    let inputs = requirement_inputs(snap, context_dir, file);
                    if inputs.local {
                        // A local path (`-e .`, `./libs/x`) needs the source: install after it is copied.
                        ctx.copies = Vec::new();
                        ctx.install = None;
                        ctx.prune = Some(format!("pip install -r {file}"));
                    } else {
                        ctx.copies = inputs
                            .files
                            .into_iter()
                            .map(|f| {
                                let folder = scan::parent(&f);
                                let dest = if folder.is_empty() { "./".into() } else { format!("{folder}/") };
                                CopyItem { src: f.clone(), dest }
                            })
                            .collect();
                        ctx.install = Some(format!("pip install -r {file}"));
                    }
                }
                None => {
                    // Building the project needs its source (a build backend looks for its
                    // package), so the cached layer installs only the dependencies that
                    // pyproject.toml lists, and the project itself goes in after the source.
                    let declared = crate::manifest::toml(snap, &scan::join(context_dir, "pyproject.toml"))
                        .ok()
                        .flatten()
                        .is_some_and(|p| crate::manifest::toml_get(&p, "project.dependencies").is_some());
                    if declared {
                        ctx.copies = copy_here(&["pyproject.toml"]);
                        ctx.install = Some(PYPROJECT_DEPENDENCIES.into());
                        ctx.prune = Some("pip install --no-deps .".into());
                    } else {
                        ctx.copies = Vec::new();
                        ctx.install = None;
                        ctx.prune = Some("pip install .".into());
                    }
                }
            }
        }
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

/// For a service inside a uv workspace (built from the workspace root): its package name,
/// and every member's pyproject.toml, copied before the install.
fn uv_member(service: &ServiceConfig, snap: &Snapshot, context_dir: &str) -> Option<(String, Vec<CopyItem>)> {
    let inner = service_dir_in_context(service);
    if inner == "." {
        return None;
    }
    let own =
        crate::manifest::toml(snap, &scan::join(snapshot_path(&service.path), "pyproject.toml")).ok()??;
    let package = crate::manifest::toml_str(&own, "project.name")?.to_string();
    crate::validate::app_name(&package.to_ascii_lowercase().replace('_', "-"), "").ok()?;
    let members = snap
        .files_under(context_dir)
        .filter_map(|rel| {
            let inner = rel.strip_prefix(context_dir).unwrap_or(rel).trim_start_matches('/');
            (scan::file_name(inner) == "pyproject.toml"
                && inner.contains('/')
                && !inner.split('/').any(crate::detect::dir::is_non_app_dir))
            .then(|| CopyItem { src: inner.to_string(), dest: format!("{}/", scan::parent(inner)) })
        })
        .collect();
    Some((package, members))
}

/// What a pip install from a requirements file reads.
struct RequirementInputs {
    /// The file and every file it includes (`-r`, `-c`), relative to the build context.
    files: Vec<String>,
    /// Some requirement is a local path, so the install needs the source.
    local: bool,
}

/// Follows `-r`/`--requirement` and `-c`/`--constraint` includes from `file`, recursively,
/// so every file the install reads is copied before it runs.
fn requirement_inputs(snap: &Snapshot, context_dir: &str, file: &str) -> RequirementInputs {
    let mut inputs = RequirementInputs { files: Vec::new(), local: false };
    let mut queue = vec![file.to_string()];
    while let Some(current) = queue.pop() {
        if inputs.files.contains(&current) || inputs.files.len() > 50 {
            continue;
        }
        let Ok(Some(text)) = snap.read(&scan::join(context_dir, &current)) else { continue };
        inputs.files.push(current.clone());
        for line in text.text.lines() {
            let line = line.split(" #").next().unwrap_or("").trim();
            let mut words = line.split_whitespace();
            let (flag, rest) = (words.next().unwrap_or(""), words.next());
            let include = match (flag, rest) {
                ("-r" | "--requirement" | "-c" | "--constraint", Some(path)) => Some(path),
                _ => ["-r", "--requirement=", "-c", "--constraint="]
                    .iter()
                    .find_map(|f| flag.strip_prefix(f).filter(|p| !p.is_empty() && !p.starts_with('-'))),
            };
            if let Some(path) = include {
                if let Some(resolved) = resolve_relative(scan::parent(&current), path) {
                    queue.push(resolved);
                }
                continue;
            }
            let target = line.strip_prefix("-e").map_or(line, str::trim_start);
            if target.starts_with('.') || target.starts_with('/') || target.starts_with("file:") {
                inputs.local = true;
            }
        }
    }
    inputs.files.sort();
    inputs
}

/// `folder/path` with `..` and `.` resolved; `None` when it leaves the build context.
fn resolve_relative(folder: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
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

    #[test]
    fn pnpm_workspace_settings_name_their_patch_files() {
        let yaml = "packages:\n  - 'apps/*'\npatchedDependencies:\n  scimmy@1.3.5: patches/scimmy@1.3.5.patch\n  '@a/b@2.0.0': \"./patches/@a__b.patch\"\n  # a note\noverrides:\n  glob: 13.0.6\n";
        assert_eq!(
            super::yaml_map_values(yaml, "patchedDependencies"),
            ["patches/scimmy@1.3.5.patch", "patches/@a__b.patch"]
        );
    }

    #[test]
    fn root_install_scripts_that_read_the_tree_wait_for_it_and_git_hooks_are_dropped() {
        let scripts =
            |value: serde_json::Value| super::lifecycle_scripts(&serde_json::json!({ "scripts": value }));
        assert_eq!(
            scripts(
                serde_json::json!({"postinstall": "turbo run build --filter=@acme/ui", "prepare": "husky"})
            ),
            (vec!["postinstall"], true)
        );
        assert_eq!(scripts(serde_json::json!({"postinstall": "node scripts/setup.js"})), (vec![], false));
        assert_eq!(scripts(serde_json::json!({"prepare": "npm run build"})), (vec!["prepare"], false));
        assert_eq!(scripts(serde_json::json!({"test": "vitest"})), (vec![], false));
    }

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

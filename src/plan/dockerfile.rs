//! The typed context every Dockerfile template is filled from, and the per-stack choices
//! behind it: which manifests are copied before the source, how dependencies install, how
//! the app starts. Commands are built here, where they can be tested, so the templates
//! stay readable.

use serde::Serialize;

use super::{build_context, header, service_dir_in_context, snapshot_path};
use crate::config::ServiceConfig;
use crate::detect::{Framework, Language, PackageManager};
use crate::error::Error;
use crate::scan::{self, Snapshot};

/// Pinned versions of the build tools the Dockerfiles install. Reviewed 2026-11.
const UV_IMAGE: &str = "ghcr.io/astral-sh/uv:0.13";
const POETRY: &str = "2.5.1";
const PIPENV: &str = "2026.10.3";
const PDM: &str = "2.29.4";
const COREPACK: &str = "0.36.0";

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
}

#[derive(Serialize, Debug)]
pub struct CopyItem {
    pub src: String,
    pub dest: String,
}

/// The template to use for a service, and its context.
pub fn context(service: &ServiceConfig, snap: &Snapshot) -> Result<(String, DockerfileContext), Error> {
    let context_dir = snapshot_path(build_context(service)).to_string();
    let exists = |name: &str| snap.has_file(&scan::join(&context_dir, name));
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
        nextjs_standalone: service.nextjs_standalone && service.context.is_none(),
        uv_image: UV_IMAGE,
    };
    let copy_here = |names: &[&str]| -> Vec<CopyItem> {
        names
            .iter()
            .filter(|n| exists(n))
            .map(|n| CopyItem { src: n.to_string(), dest: "./".into() })
            .collect()
    };
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
                (_, Framework::Nextjs, None) => {
                    if !ctx.nextjs_standalone && service.start_command.as_deref() == Some("node server.js") {
                        // In a workspace the standalone server sits deeper; `next start` runs from the app's folder.
                        ctx.cmd = exec_form("npx next start");
                    }
                    "docker/nextjs.Dockerfile.tera"
                }
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
            python(service, &mut ctx, &copy_here, snap, &context_dir);
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
    ctx.manifests = copy_lines(std::mem::take(&mut ctx.copies));
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
        Language::Java | Language::Dotnet | Language::Elixir | Language::Deno => Some(test),
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
    let pm = service.package_manager;
    let lockfile = match pm {
        PackageManager::Yarn => ["yarn.lock"].iter().find(|f| has(f)),
        PackageManager::Pnpm => ["pnpm-lock.yaml"].iter().find(|f| has(f)),
        PackageManager::Bun => ["bun.lock", "bun.lockb"].iter().find(|f| has(f)),
        _ => ["package-lock.json", "npm-shrinkwrap.json"].iter().find(|f| has(f)),
    };
    let locked = lockfile.is_some();
    let berry = pm == PackageManager::Yarn && has(".yarnrc.yml");
    let mut manifests: Vec<CopyItem> = ["package.json", ".npmrc", ".yarnrc.yml", "pnpm-workspace.yaml"]
        .into_iter()
        .chain(lockfile.copied())
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
    let (install, prune, cache) = match (pm, locked) {
        (PackageManager::Pnpm, _) => (
            if locked { "pnpm install --frozen-lockfile" } else { "pnpm install" },
            Some("pnpm prune --prod --ignore-scripts"),
            "/root/.local/share/pnpm/store",
        ),
        // `workspaces focus` ships with Yarn from 4 on; Yarn 2 and 3 import its plugin first.
        (PackageManager::Yarn, _) if berry => (
            "yarn install --immutable",
            match yarn_major(snap, context_dir) {
                Some(2 | 3) => {
                    Some("yarn plugin import workspace-tools && yarn workspaces focus --all --production")
                }
                Some(4..) => Some("yarn workspaces focus --all --production"),
                _ => None,
            },
            "/root/.yarn/berry/cache",
        ),
        (PackageManager::Yarn, _) => (
            if locked { "yarn install --frozen-lockfile" } else { "yarn install" },
            Some("yarn install --production --ignore-scripts --prefer-offline"),
            "/usr/local/share/.cache/yarn",
        ),
        // Bun has no prune: a fresh production install, from the cache, leaves dev dependencies out.
        (PackageManager::Bun, true) => (
            "bun install --frozen-lockfile",
            Some("rm -rf node_modules && bun install --production --frozen-lockfile"),
            "/root/.bun/install/cache",
        ),
        (PackageManager::Bun, false) => (
            "bun install",
            Some("rm -rf node_modules && bun install --production"),
            "/root/.bun/install/cache",
        ),
        (_, true) => ("npm ci", Some("npm prune --omit=dev"), "/root/.npm"),
        (_, false) => ("npm install", Some("npm prune --omit=dev"), "/root/.npm"),
    };
    ctx.install = Some(install.into());
    ctx.prune = prune.filter(|_| service.static_output.is_none()).map(str::to_string);
    ctx.cache = Some(cache.into());
    if matches!(pm, PackageManager::Yarn | PackageManager::Pnpm) {
        // A pinned corepack: the one bundled with Node is missing from Node 25 on, and older
        // bundled ones reject the registry's newer signing keys.
        ctx.setup = Some(format!("npm install --global corepack@{COREPACK} && corepack enable"));
    }
}

/// Yarn's major version from the `packageManager` field (`yarn@4.5.0`), if pinned there.
fn yarn_major(snap: &Snapshot, context_dir: &str) -> Option<u32> {
    // Detection already parsed this file; a broken one stopped it before planning.
    let manifest = crate::manifest::json(snap, &scan::join(context_dir, "package.json")).ok()??;
    let pinned = manifest.get("packageManager")?.as_str()?.strip_prefix("yarn@")?;
    pinned.split('.').next()?.parse().ok()
}

fn python(
    service: &ServiceConfig,
    ctx: &mut DockerfileContext,
    copy_here: &dyn Fn(&[&str]) -> Vec<CopyItem>,
    snap: &Snapshot,
    context_dir: &str,
) {
    ctx.cache = Some(match service.package_manager {
        PackageManager::Uv => "/root/.cache/uv".into(),
        PackageManager::Poetry => "/root/.cache/pypoetry".into(),
        _ => "/root/.cache/pip".into(),
    });
    match service.package_manager {
        PackageManager::Uv => {
            ctx.copies = copy_here(&["pyproject.toml", "uv.lock"]);
            let frozen = if ctx.copies.iter().any(|m| m.src == "uv.lock") { "--frozen " } else { "" };
            ctx.install = Some(format!("uv sync {frozen}--no-dev --no-install-project"));
            ctx.prune = Some(format!("uv sync {frozen}--no-dev"));
        }
        PackageManager::Poetry => {
            ctx.copies = copy_here(&["pyproject.toml", "poetry.lock"]);
            ctx.setup = Some(format!("pip install --no-cache-dir poetry=={POETRY}"));
            ctx.install = Some("poetry install --only main --no-root --no-interaction".into());
        }
        PackageManager::Pipenv => {
            ctx.copies = copy_here(&["Pipfile", "Pipfile.lock"]);
            ctx.setup = Some(format!("pip install --no-cache-dir pipenv=={PIPENV}"));
            ctx.install = Some(
                "pipenv requirements > /tmp/requirements.txt && pip install -r /tmp/requirements.txt".into(),
            );
        }
        PackageManager::Pdm => {
            ctx.copies = copy_here(&["pyproject.toml", "pdm.lock"]);
            ctx.setup = Some(format!("pip install --no-cache-dir pdm=={PDM}"));
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
                    // A requirements file may include its siblings (`-r base.txt`).
                    let folder = scan::parent(file);
                    ctx.copies = if folder.is_empty() {
                        vec![CopyItem { src: file.into(), dest: "./".into() }]
                    } else {
                        vec![CopyItem { src: format!("{folder}/"), dest: format!("{folder}/") }]
                    };
                    ctx.install = Some(format!("pip install -r {file}"));
                }
                None => {
                    ctx.copies = copy_here(&["pyproject.toml", "setup.py", "setup.cfg"]);
                    ctx.prune = Some("pip install --no-deps .".into());
                    ctx.install = Some("pip install .".into());
                }
            }
        }
    }
}

/// One `COPY` per destination folder: `COPY package.json package-lock.json ./`.
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

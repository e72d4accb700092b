//! Node and Bun apps, from package.json: the framework from dependencies, the package
//! manager from `packageManager` or the lockfile (here or at a workspace root), and the
//! start command from scripts, `main` or the usual entry files. By concern: the package
//! model (`package`), the package manager and runtime (`toolchain`), the start command
//! (`start`), each framework's own settings (`frameworks`), and Prisma (`prisma`).

use crate::detect::Field;
use std::sync::LazyLock;

use crate::pattern::Pattern;

pub(crate) mod facts;
mod frameworks;
mod package;
mod prisma;
mod start;
mod toolchain;

use frameworks::{nextjs, sveltekit, vite_spa};
use package::Package;
use prisma::{prisma_config_env, prisma_generate};
use start::{CONTAINER_BUILDS, start_command};
use toolchain::{bun_signal, package_manager, runtime_version};

use super::dir::Dir;
use super::model::{Framework, Language, PackageManager, Service};
use super::{app_name, health, port};
use crate::error::Error;
use crate::lockfiles;

pub const JS_SOURCES: &[&str] = &[".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx"];

/// Dependency → framework, most specific first (NestJS depends on Express, SvelteKit on Vite).
const FRAMEWORKS: &[(&str, Framework)] = &[
    ("@nestjs/core", Framework::Nestjs),
    ("next", Framework::Nextjs),
    ("nuxt", Framework::Nuxt),
    ("@remix-run/node", Framework::Remix),
    ("@remix-run/serve", Framework::Remix),
    ("@sveltejs/kit", Framework::Sveltekit),
    ("elysia", Framework::Elysia),
    ("hono", Framework::Hono),
    ("fastify", Framework::Fastify),
    ("express", Framework::Express),
    ("vite", Framework::Vite),
];

/// The lockfile names of `pm` (npm's for a manager that has none of its own).
pub fn lockfiles_of(pm: PackageManager) -> impl Iterator<Item = &'static str> {
    let pm = if lockfiles::of_manager(pm).next().is_some() { pm } else { PackageManager::Npm };
    lockfiles::of_manager(pm)
}

const ENTRY_FILES: &[&str] = &[
    "server.js",
    "index.js",
    "app.js",
    "main.js",
    "server.mjs",
    "index.mjs",
    "src/server.js",
    "src/index.js",
    "src/app.js",
    "src/main.js",
    "server.ts",
    "index.ts",
    "src/server.ts",
    "src/index.ts",
    "src/app.ts",
    "src/main.ts",
];

static LISTEN: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"\.listen\(\s*(\d{2,5})\b"));
static PORT_FALLBACK: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"\bPORT\b[^\n]{0,40}?(?:\|\||\?\?)\s*['"]?(\d{2,5})\b"#));
static PORT_KEY: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"\bport\s*:\s*(\d{2,5})\b"));
/// A module that serves: an HTTP server's listen, or a WebSocket server given its own port
/// (`new WebSocket.Server({ port })`, which answers plain HTTP with 426).
static SERVES: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"\.listen\(|createServer\(|Bun\.serve\(|\bserve\(\{|new\s+(?:WebSocket\.Server|WebSocketServer)\(\s*\{[^}]*\bport\b",
    )
});
/// Bun also serves a module's default export that has `fetch` (`export default { port,
/// fetch: app.fetch }`); Node runs such a module and exits.
static BUN_SERVES: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"export\s+default\s*\{[^;]{0,300}?\bfetch\b"));
static BUN_API: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"\bBun\.(?:serve|file|write|env)\b"));

/// Node and Bun: a package.json app.
pub struct Node;

impl super::stack::Stack for Node {
    fn languages(&self) -> &'static [Language] {
        &[Language::Node, Language::Bun]
    }

    fn triggers(&self) -> &'static [&'static str] {
        &["package.json"]
    }

    fn detect(&self, dir: &Dir) -> Result<Option<Service>, Error> {
        detect(dir)
    }

    fn facts(&self, at: &super::facts::At, facts: &mut super::facts::Facts) -> Result<(), Error> {
        facts::read(at, facts);
        facts.public_dir = at.snap.has_dir(&crate::scan::join(at.folder, "public"));
        Ok(())
    }
}

pub fn detect(dir: &Dir) -> Result<Option<Service>, Error> {
    let Some(pkg) = Package::read(dir)? else {
        return Ok(None);
    };
    let framework = FRAMEWORKS
        .iter()
        .find(|(dep, _)| pkg.deps.contains(*dep))
        .map(|(dep, fw)| (format!("depends on {dep}"), *fw))
        .or_else(|| vite_by_config(dir, &pkg));
    let (pm, pm_evidence) = package_manager(dir, &pkg)?;
    let bun_signal = bun_signal(dir, &pkg, pm)?;
    let language = if bun_signal.is_some() { Language::Bun } else { Language::Node };
    let pm = if language == Language::Bun { PackageManager::Bun } else { pm };

    let name = app_name(pkg.name.as_deref().unwrap_or(&dir.name()));
    let mut service = Service::new(dir.path, name, language);
    service.package_manager = pm;
    service.dependencies = pkg.deps.clone();
    let own_lock = lockfiles::of_language(Language::Node).find(|l| l.manager == pm && dir.has(l.name));
    let drift = match own_lock {
        Some(lock) => super::lockfile_drift::find(dir, lock.name)?,
        None => None,
    };
    if let Some((lockfile, missing)) = drift {
        let reason = format!(
            "{lockfile} does not lock {} (package.json asks for {}): the image installs from the lockfile \
             exactly, so its build fails until you run `{}` and commit {lockfile}",
            missing.join(", "),
            if missing.len() == 1 { "it" } else { "them" },
            if lockfile.ends_with(lockfiles::YARN) { "yarn install" } else { "npm install" },
        );
        service.warn(reason.clone());
        service.refusal = Some(reason);
    }
    match &pm_evidence {
        Some((file, detail)) => service.found(Field::PackageManager, file, detail.clone()),
        None => service.defaulted(Field::PackageManager, "no lockfile or packageManager field; npm"),
    }
    if let Some((lockfile, _)) = &pm_evidence {
        let folder = crate::scan::parent(lockfile);
        if folder != dir.path
            && dir.path.starts_with(folder)
            && lockfile.rsplit('/').next() != Some("package.json")
        {
            service.found(
                Field::BuildContext,
                lockfile,
                "the workspace's lockfile is here; the image builds from this folder",
            );
            service.build_context = Some(if folder.is_empty() { ".".into() } else { folder.to_string() });
        }
    }
    if let Some((file, detail)) = bun_signal {
        service.found(Field::Language, &file, detail);
    } else {
        service.found(Field::Language, &pkg.rel, "package.json");
    }
    service.notes.package = pkg.name.clone();
    if let Some((why, fw)) = framework {
        service.framework = fw;
        service.found(Field::Framework, &pkg.rel, why);
    }
    runtime_version(dir, &pkg, &mut service)?;

    let run = |script: &str| match pm {
        PackageManager::Npm => format!("npm run {script}"),
        other => format!("{other} run {script}"),
    };
    // The maintainers' build for containers, where they wrote one, leaves out what needs
    // their machine or a database (env checks, migrations).
    if let Some(name) = CONTAINER_BUILDS.iter().find(|n| pkg.script(n).is_some()) {
        service.found(
            Field::BuildCommand,
            &pkg.rel,
            format!("scripts.{name}: the repository's build for containers"),
        );
        service.build_command = Some(run(name));
    } else if pkg.script("build").is_some() {
        service.found(Field::BuildCommand, &pkg.rel, "scripts.build");
        service.build_command = Some(run("build"));
    }
    if let Some(test) = pkg.script("test").filter(|t| !t.contains("no test specified")) {
        service.found(Field::TestCommand, &pkg.rel, format!("scripts.test: {test}"));
        service.test_command = Some(run("test"));
    }

    let generated = matches!(service.framework, Framework::None | Framework::Vite)
        && super::static_generators::apply(dir, &pkg.rel, |d| pkg.deps.contains(d), &mut service)?;
    if generated {
        // A site generator built on Vite is the generator's site, not a Vite SPA.
        service.framework = Framework::None;
    }
    match service.framework {
        _ if generated => {}
        Framework::Nextjs => nextjs(dir, &pkg, &mut service)?,
        Framework::Nuxt
            if pkg.script("generate").is_some()
                && pkg.script("build").is_none_or(|b| b.contains("generate")) =>
        {
            // `nuxt generate` prerenders a static site into .output/public.
            service.found(Field::StaticOutput, &pkg.rel, "scripts: nuxt generate");
            service.static_output = Some(".output/public".into());
            service.build_command = Some(run("generate"));
        }
        Framework::Nuxt => {
            service.defaulted(Field::StartCommand, "Nuxt's built server");
            service.start_command = Some("node .output/server/index.mjs".into());
        }
        Framework::Sveltekit => sveltekit(dir, &mut service)?,
        Framework::Nestjs if pkg.script("start:prod").is_some() || pkg.script("build").is_some() => {
            service.defaulted(Field::StartCommand, "NestJS builds to dist/main.js");
            service.start_command = Some("node dist/main".into());
        }
        Framework::Vite => {
            if !dir.has("index.html") && pkg.script("start").is_none() {
                return Ok(None); // a library built with Vite, not an app
            }
            if pkg.script("start").is_none() || dir.has("index.html") {
                vite_spa(dir, &mut service)?;
            }
        }
        _ => {}
    }
    if let Some(name) = &pkg.name {
        let own_build =
            pkg.script("build").is_some() && service.build_command.as_deref() == Some(&run("build"));
        super::workspace_build::apply(dir, name, own_build, &mut service)?;
    }
    if service.start_command.is_none() && !service.is_static() {
        start_command(dir, &pkg, &mut service, pm)?;
    }
    prisma_generate(&pkg, &mut service);
    prisma_config_env(dir, &mut service)?;
    if service.start_command.is_none() && !service.is_static() {
        if service.framework == Framework::None && (pkg.workspaces || dir.has("pnpm-workspace.yaml")) {
            return Ok(None); // a workspace root that only orchestrates its members
        }
        if service.framework == Framework::None && pkg.script("build").is_none() {
            return Ok(None); // a library or tooling package
        }
        if service.framework == Framework::None
            && (pkg.library_fields
                || pkg.main.as_deref().is_some_and(|m| !dir.has(m.trim_start_matches("./"))))
        {
            return Ok(None); // a library its build publishes: `main`/`exports` point at the build's output
        }
        if pkg.name.as_deref().is_some_and(|n| super::workspace_build::imported_by_another(dir, n, &service))
        {
            return Ok(None); // a package of its workspace that another imports, with no start of its own
        }
        service.warn("found no start command; pass --start-command");
    }

    let default_port = if service.is_static() { 8080 } else { 3000 };
    let found = if service.framework.builds_its_server() {
        None
    } else {
        port::search(dir, JS_SOURCES, &[&LISTEN, &PORT_FALLBACK, &PORT_KEY])?
    };
    let why =
        if service.is_static() { "static files served on 8080" } else { "the usual port for Node servers" };
    port::apply(&mut service, found, default_port, why);
    health::apply(dir, &mut service, JS_SOURCES)?;
    Ok(Some(service))
}

/// A Vite app whose `vite` comes from its workspace (the root's dependencies, or a shared
/// config package): its own Vite config, and a build script that runs `vite build`.
fn vite_by_config(dir: &Dir, pkg: &Package) -> Option<(String, Framework)> {
    let config = dir.first_of(frameworks::VITE_CONFIGS)?;
    let config = crate::scan::file_name(&config);
    let build = pkg.script("build")?;
    start::runs(pkg, build, "vite build", 2).then(|| {
        (format!("{config}, and scripts.build runs vite build (vite from the workspace)"), Framework::Vite)
    })
}

/// The lockfile in this folder, and the package manager that writes it.
pub fn locked_by(folder: &Dir) -> Option<(&'static str, PackageManager)> {
    lockfiles::of_language(Language::Node).find(|l| folder.has(l.name)).map(|l| (l.name, l.manager))
}

/// The lockfile a folder's install follows: where it holds several, the first that still
/// locks what package.json asks for (a stale package-lock.json left beside the
/// pnpm-lock.yaml the project moved to is not it).
pub fn current_lock(folder: &Dir) -> Result<Option<(&'static str, PackageManager)>, Error> {
    let present: Vec<_> = lockfiles::of_language(Language::Node).filter(|l| folder.has(l.name)).collect();
    if present.len() > 1 {
        for lock in &present {
            if super::lockfile_drift::find(folder, lock.name)?.is_none() {
                return Ok(Some((lock.name, lock.manager)));
            }
        }
    }
    Ok(present.first().map(|l| (l.name, l.manager)))
}

//! Node and Bun apps, from package.json: the framework from dependencies, the package
//! manager from `packageManager` or the lockfile (here or at a workspace root), and the
//! start command from scripts, `main` or the usual entry files.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use crate::pattern::Pattern;
use serde_json::Value;

use super::dir::Dir;
use super::model::{Framework, Language, PackageManager, Service};
use super::{app_name, defaults, health, port, versions};
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
static SERVES: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"\.listen\(|createServer\(|Bun\.serve\(|\bserve\(\{"));
static BUN_API: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"\bBun\.(?:serve|file|write|env)\b"));
static STANDALONE: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#"output\s*:\s*['"]standalone['"]"#));
static EXPORT: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#"output\s*:\s*['"]export['"]"#));
/// Any `output:` key: a config that chooses its output (even from a variable) keeps its choice.
static ANY_OUTPUT: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#"\boutput\s*:|\boutput['"]\s*:"#));
static SVELTE_ADAPTER: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#"@sveltejs/adapter-([a-z-]+)"#));
static VITE_OUT_DIR: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#"outDir\s*:\s*['"]([^'"]+)['"]"#));

/// The parts of package.json detection reads.
struct Package {
    rel: String,
    name: Option<String>,
    main: Option<String>,
    scripts: Vec<(String, String)>,
    deps: BTreeSet<String>,
    package_manager: Option<String>,
    engines_node: Option<String>,
    workspaces: bool,
    /// `exports` or `types`: the package is published for others to import.
    library_fields: bool,
}

impl Package {
    fn read(dir: &Dir) -> Result<Option<Package>, Error> {
        let Some(json) = dir.json("package.json")? else {
            return Ok(None);
        };
        let rel = dir.rel("package.json");
        let Value::Object(obj) = &json else {
            return Err(Error::broken(&rel, "expected a JSON object at the top level"));
        };
        let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_string);
        let mut deps = BTreeSet::new();
        for key in ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"] {
            if let Some(Value::Object(map)) = obj.get(key) {
                deps.extend(map.keys().cloned());
            }
        }
        let scripts = match obj.get("scripts") {
            Some(Value::Object(map)) => {
                map.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect()
            }
            _ => Vec::new(),
        };
        Ok(Some(Package {
            name: text("name"),
            main: text("main"),
            scripts,
            deps,
            package_manager: text("packageManager"),
            engines_node: obj
                .get("engines")
                .and_then(|e| e.get("node"))
                .and_then(Value::as_str)
                .map(str::to_string),
            workspaces: obj.contains_key("workspaces"),
            library_fields: obj.contains_key("exports")
                || obj.contains_key("types")
                || obj.contains_key("typings"),
            rel,
        }))
    }

    fn script(&self, name: &str) -> Option<&str> {
        self.scripts.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub fn detect(dir: &Dir) -> Result<Option<Service>, Error> {
    let Some(pkg) = Package::read(dir)? else {
        return Ok(None);
    };
    let framework = FRAMEWORKS.iter().find(|(dep, _)| pkg.deps.contains(*dep)).map(|(dep, fw)| (*dep, *fw));
    let (pm, pm_evidence) = package_manager(dir, &pkg)?;
    let bun_signal = bun_signal(dir, &pkg, pm)?;
    let language = if bun_signal.is_some() { Language::Bun } else { Language::Node };
    let pm = if language == Language::Bun { PackageManager::Bun } else { pm };

    let name = app_name(pkg.name.as_deref().unwrap_or(&dir.name()));
    let mut service = Service::new(dir.path, name, language);
    service.package_manager = pm;
    service.dependencies = pkg.deps.clone();
    if let Some((lockfile, missing)) = super::lockfile_drift::find(dir)? {
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
        Some((file, detail)) => service.found("package_manager", file, detail.clone()),
        None => service.defaulted("package_manager", "no lockfile or packageManager field; npm"),
    }
    if let Some((lockfile, _)) = &pm_evidence {
        let folder = crate::scan::parent(lockfile);
        if folder != dir.path
            && dir.path.starts_with(folder)
            && lockfile.rsplit('/').next() != Some("package.json")
        {
            service.found(
                "build_context",
                lockfile,
                "the workspace's lockfile is here; the image builds from this folder",
            );
            service.build_context = Some(if folder.is_empty() { ".".into() } else { folder.to_string() });
        }
    }
    if let Some((file, detail)) = bun_signal {
        service.found("language", &file, detail);
    } else {
        service.found("language", &pkg.rel, "package.json");
    }
    if let Some((dep, fw)) = framework {
        service.framework = fw;
        service.found("framework", &pkg.rel, format!("depends on {dep}"));
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
            "build_command",
            &pkg.rel,
            format!("scripts.{name}: the repository's build for containers"),
        );
        service.build_command = Some(run(name));
    } else if pkg.script("build").is_some() {
        service.found("build_command", &pkg.rel, "scripts.build");
        service.build_command = Some(run("build"));
    }
    if let Some(test) = pkg.script("test").filter(|t| !t.contains("no test specified")) {
        service.found("test_command", &pkg.rel, format!("scripts.test: {test}"));
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
            service.found("static_output", &pkg.rel, "scripts: nuxt generate");
            service.static_output = Some(".output/public".into());
            service.build_command = Some(run("generate"));
        }
        Framework::Nuxt => {
            service.defaulted("start_command", "Nuxt's built server");
            service.start_command = Some("node .output/server/index.mjs".into());
        }
        Framework::Sveltekit => sveltekit(dir, &mut service)?,
        Framework::Nestjs if pkg.script("start:prod").is_some() || pkg.script("build").is_some() => {
            service.defaulted("start_command", "NestJS builds to dist/main.js");
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
        service.warn("found no start command; pass --start-command");
    }

    let default_port = if service.is_static() { 8080 } else { 3000 };
    let found = match service.framework {
        Framework::Nextjs | Framework::Nuxt | Framework::Remix | Framework::Sveltekit | Framework::Vite => {
            None
        }
        _ => port::search(dir, JS_SOURCES, &[&LISTEN, &PORT_FALLBACK, &PORT_KEY])?,
    };
    let why =
        if service.is_static() { "static files served on 8080" } else { "the usual port for Node servers" };
    port::apply(&mut service, found, default_port, why);
    health::apply(dir, &mut service, JS_SOURCES)?;
    Ok(Some(service))
}

/// The lockfile in this folder, and the package manager that writes it.
pub fn locked_by(folder: &Dir) -> Option<(&'static str, PackageManager)> {
    lockfiles::of_language(Language::Node).find(|l| folder.has(l.name)).map(|l| (l.name, l.manager))
}

fn package_manager(dir: &Dir, pkg: &Package) -> Result<(PackageManager, Option<(String, String)>), Error> {
    if let Some(field) = &pkg.package_manager {
        let tool = field.split('@').next().unwrap_or("");
        if let Ok(pm) = tool.parse::<PackageManager>()
            && matches!(
                pm,
                PackageManager::Npm | PackageManager::Yarn | PackageManager::Pnpm | PackageManager::Bun
            )
        {
            return Ok((pm, Some((pkg.rel.clone(), format!("packageManager: {field}")))));
        }
    }
    for folder in dir.ancestors() {
        if let Some((lockfile, pm)) = locked_by(&folder) {
            let mut detail = format!("{lockfile} present");
            if pm == PackageManager::Yarn && folder.has(".yarnrc.yml") {
                detail.push_str(" (yarn berry: .yarnrc.yml)");
            }
            return Ok((pm, Some((folder.rel(lockfile), detail))));
        }
        if let Some(root) =
            Package::read(&folder)?.filter(|p| p.package_manager.is_some() && folder.path != dir.path)
            && let Some(field) = &root.package_manager
            && let Ok(pm) = field.split('@').next().unwrap_or("").parse::<PackageManager>()
        {
            return Ok((pm, Some((root.rel.clone(), format!("workspace root packageManager: {field}")))));
        }
    }
    Ok((PackageManager::Npm, None))
}

/// Why this package runs on Bun rather than Node, if it does.
fn bun_signal(dir: &Dir, pkg: &Package, pm: PackageManager) -> Result<Option<(String, String)>, Error> {
    if pm == PackageManager::Bun {
        return Ok(Some((pkg.rel.clone(), "uses bun as its package manager".into())));
    }
    for dep in ["elysia", "@types/bun", "bun-types"] {
        if pkg.deps.contains(dep) {
            return Ok(Some((pkg.rel.clone(), format!("depends on {dep}"))));
        }
    }
    if pkg.scripts.iter().any(|(_, s)| s.starts_with("bun ")) {
        return Ok(Some((pkg.rel.clone(), "scripts run bun".into())));
    }
    // Bun's own APIs show in the entry module; reading every source file of every
    // package (libraries included) to find them would cost more than it tells.
    let entries = pkg.main.iter().map(|m| m.trim_start_matches("./")).chain(ENTRY_FILES.iter().copied());
    for entry in entries {
        let rel = dir.rel(entry);
        if let Some(file) = dir.source_text(&rel)?
            && let Some(found) = BUN_API.find(&file.text)
        {
            let line = crate::manifest::line_of(&file.text, found.start());
            return Ok(Some((rel, format!("line {line}: uses {}", found.as_str()))));
        }
    }
    Ok(None)
}

fn runtime_version(dir: &Dir, pkg: &Package, service: &mut Service) -> Result<(), Error> {
    if service.language == Language::Bun {
        let pin = versions::find(dir, &[".bun-version"], &["bun"])?;
        versions::apply(service, pin, defaults::BUN, "Bun");
        return Ok(());
    }
    let mut pin = versions::find(dir, &[".nvmrc", ".node-version"], &["nodejs", "node"])?;
    if pin.is_none()
        && let Some(range) = &pkg.engines_node
        && let Some(version) = versions::from_range(range, defaults::NODE)
    {
        pin =
            Some(versions::Pin { version, file: pkg.rel.clone(), detail: format!("engines.node: {range}") });
    }
    versions::apply(service, pin, defaults::NODE, "Node");
    Ok(())
}

/// Steps that build: in a start script they move to the build stage.
const BUILD_STEPS: &[&str] = &[
    "tsc",
    "npx tsc",
    "nest build",
    "next build",
    "vite build",
    "webpack",
    "prisma generate",
    "npx prisma generate",
];

fn runs_script(step: &str) -> Option<&str> {
    let words: Vec<&str> = step.split_whitespace().collect();
    match words.as_slice() {
        ["npm" | "pnpm" | "bun", "run", name] | ["yarn" | "pnpm", name] => Some(*name),
        _ => None,
    }
    .filter(|name| !["install", "ci", "i"].contains(name))
}

/// A script's steps, with `npm run X` expanded to X's own steps (a few levels deep).
fn steps<'p>(pkg: &'p Package, script: &'p str, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    for step in script.split("&&").map(str::trim).filter(|s| !s.is_empty()) {
        match runs_script(step).and_then(|name| pkg.script(name).map(|body| (name, body))) {
            Some((_, body)) if depth < 3 => out.extend(steps(pkg, body, depth + 1)),
            _ => out.push(step.to_string()),
        }
    }
    out
}

fn is_build_step(step: &str) -> bool {
    BUILD_STEPS.iter().any(|b| step == *b || step.starts_with(&format!("{b} ")))
        || runs_script(step).is_some_and(|name| name == "build" || name.starts_with("build:"))
}

fn start_command(dir: &Dir, pkg: &Package, service: &mut Service, pm: PackageManager) -> Result<(), Error> {
    let runner = if service.language == Language::Bun { "bun" } else { "node" };
    for name in ["start:prod", "start:production", "prod", "serve:prod", "start"] {
        let Some(start) = pkg.script(name) else { continue };
        let all = steps(pkg, start, 0);
        if let Some(dev) = all.iter().find(|s| super::devmode::is_dev(s)) {
            service.warn(format!(
                "scripts.{name} runs `{dev}`, a development tool, so it is not the image's start"
            ));
            service.notes.dev_start_skipped = true;
            continue;
        }
        let own: Vec<&str> = start.split("&&").map(str::trim).filter(|s| !s.is_empty()).collect();
        let (builds, runs): (Vec<&str>, Vec<&str>) = own.iter().partition(|s| is_build_step(s));
        if !builds.is_empty() && !runs.is_empty() {
            // A build at start would need the build tools the image drops: it moves to the build stage.
            service.found(
                "start_command",
                &pkg.rel,
                format!("scripts.{name}: {start} (the build runs in the build stage)"),
            );
            service.start_command = Some(runs.join(" && "));
            if service.build_command.is_none() {
                service.build_command = Some(builds.join(" && "));
            }
            return Ok(());
        }
        // One plain command runs as it is (the image puts node_modules/.bin on PATH), so
        // signals reach it; anything else runs through npm, which every Node image has
        // (yarn and pnpm are only in the build stage).
        let first = start.split_whitespace().next().unwrap_or("");
        let simple = !start.contains(['&', ';', '|', '$', '>', '<', '`', '\\', '(', '"', '\''])
            && !start.chars().any(char::is_control)
            && !first.contains('=')
            && !["npm", "yarn", "pnpm", "npx", "bun", "bunx"].contains(&first);
        service.found("start_command", &pkg.rel, format!("scripts.{name}: {start}"));
        service.start_command = Some(if simple {
            start.to_string()
        } else if service.language == Language::Bun || pm == PackageManager::Bun {
            if name == "start" { "bun run start".into() } else { format!("bun run {name}") }
        } else if name == "start" {
            "npm start".into()
        } else {
            format!("npm run {name}")
        });
        return Ok(());
    }
    if service.notes.dev_start_skipped {
        // Only dev starts: the built output is what runs, where the build says where it is.
        if let Some((rel, output)) = nx_build_output(dir)?
            && service.build_command.is_some()
        {
            service.found("start_command", &rel, format!("targets.build writes {output}"));
            service.start_command = Some(format!("{runner} {output}"));
            return Ok(());
        }
        if let Some(main) = pkg.main.as_deref().map(|m| m.trim_start_matches("./"))
            && service.build_command.is_some()
            && ["dist/", "build/", "out/", "lib/"].iter().any(|d| main.starts_with(d))
        {
            service.found("start_command", &pkg.rel, format!("main: {main}, which the build writes"));
            service.start_command = Some(format!("{runner} {main}"));
        }
        return Ok(());
    }
    // Without a start script or a framework, an entry file is an app only if it serves:
    // a package whose `main` exports functions is a library.
    let has_framework = service.framework != Framework::None;
    let serves = |file: &str| -> Result<bool, Error> {
        if has_framework {
            return Ok(true);
        }
        Ok(dir.source_text(&dir.rel(file))?.is_some_and(|t| SERVES.is_match(&t.text)))
    };
    if let Some(main) = &pkg.main {
        let main = main.trim_start_matches("./");
        if dir.has(main) && !serves(main)? {
            return Ok(());
        }
        if dir.has(main) {
            service.found("start_command", &pkg.rel, format!("main: {main}"));
            service.start_command = Some(format!("{runner} {main}"));
            return Ok(());
        }
        service.warn(format!("package.json `main` points to {main}, which does not exist"));
    }
    if let Some(entry) = ENTRY_FILES.iter().find(|f| dir.has(f)) {
        let runnable = runner == "bun" || !entry.ends_with(".ts");
        if runnable && serves(entry)? {
            service.found("start_command", &dir.rel(entry), "the usual entry file");
            service.start_command = Some(format!("{runner} {entry}"));
        }
    }
    Ok(())
}

/// Whether a script runs `step`, itself or through the scripts it names (`npm run db`,
/// `npm-run-all build-db build-app`), up to `depth` levels down.
fn runs(pkg: &Package, script: &str, step: &str, depth: usize) -> bool {
    script.contains(step)
        || depth > 0
            && script
                .split_whitespace()
                .filter_map(|word| pkg.script(word))
                .any(|inner| runs(pkg, inner, step, depth - 1))
}

/// Scripts named for a container build, preferred to `build`.
const CONTAINER_BUILDS: &[&str] = &["build-docker", "build:docker", "docker:build", "build:container"];

/// A placeholder URL per Prisma provider: what `prisma generate` needs to load a config
/// that reads the variable, without ever connecting.
const PRISMA_PLACEHOLDERS: &[(&str, &str)] = &[
    ("postgresql", "postgresql://build:build@localhost:5432/build"),
    ("postgres", "postgresql://build:build@localhost:5432/build"),
    ("mysql", "mysql://build:build@localhost:3306/build"),
    ("mongodb", "mongodb://localhost:27017/build"),
    ("sqlite", "file:./build.db"),
];

/// A Prisma config (prisma.config.ts) that reads a variable with `env("X")` fails to load
/// when it is unset, so `prisma generate` fails in a build that has no database: the build
/// stage gets a placeholder for it (never the final image, and generate never connects).
fn prisma_config_env(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    static ENV_READ: LazyLock<Pattern> =
        LazyLock::new(|| Pattern::new(r#"\benv\(\s*['"]([A-Z_][A-Z0-9_]*)['"]"#));
    if !service.dependencies.contains("prisma") && !service.dependencies.contains("@prisma/client") {
        return Ok(());
    }
    let Some(config) =
        dir.first_of(&["prisma.config.ts", "prisma.config.mts", "prisma.config.js", "prisma.config.mjs"])
    else {
        return Ok(());
    };
    let Some(text) = dir.snap.read(&config)? else { return Ok(()) };
    let schema = dir.text("prisma/schema.prisma")?;
    let provider = schema.as_ref().and_then(|s| super::backing::prisma_provider(&s.text).map(str::to_string));
    let url = PRISMA_PLACEHOLDERS
        .iter()
        .find(|(p, _)| Some(*p) == provider.as_deref())
        .map_or(PRISMA_PLACEHOLDERS[0].1, |(_, url)| url);
    for name in ENV_READ.captures_iter(&text.text).map(|c| c[1].to_string()) {
        if service.build_env.iter().any(|e| e.starts_with(&format!("{name}="))) {
            continue;
        }
        service.found(
            "build_env",
            &config,
            format!(
                "reads {name} when prisma generate loads it; the build gets a placeholder, never a database"
            ),
        );
        service.build_env.push(format!("{name}={url}"));
    }
    Ok(())
}

/// Prisma's client is generated from the schema: the build stage runs `prisma generate`
/// first, unless the scripts already do, or the app would fail at start ("did not
/// initialize yet").
fn prisma_generate(pkg: &Package, service: &mut Service) {
    if !pkg.deps.contains("@prisma/client") {
        return;
    }
    let scripts_generate = ["build", "postinstall", "prebuild"]
        .iter()
        .filter_map(|name| pkg.script(name))
        .chain(service.build_command.as_deref())
        .any(|s| runs(pkg, s, "prisma generate", 3));
    if scripts_generate {
        return;
    }
    service.found("build_command", &pkg.rel, "depends on @prisma/client: prisma generate runs first");
    service.build_command = Some(match &service.build_command {
        Some(build) => format!("npx prisma generate && {build}"),
        None => "npx prisma generate".into(),
    });
}

/// The file an Nx project's build writes (`outputPath` plus the entry's name as `.js`), from
/// project.json's `targets.build.options`.
fn nx_build_output(dir: &Dir) -> Result<Option<(String, String)>, Error> {
    let Some(project) = dir.json("project.json")? else { return Ok(None) };
    let options = &project["targets"]["build"]["options"];
    let (Some(output), Some(main)) = (options["outputPath"].as_str(), options["main"].as_str()) else {
        return Ok(None);
    };
    let stem = crate::scan::file_name(main).rsplit_once('.').map_or(crate::scan::file_name(main), |(s, _)| s);
    let output = output.trim_start_matches("./").trim_end_matches('/');
    Ok(Some((dir.rel("project.json"), format!("{output}/{stem}.js"))))
}

fn nextjs(dir: &Dir, pkg: &Package, service: &mut Service) -> Result<(), Error> {
    let config = dir.first_of(&["next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs"]);
    let text = match &config {
        Some(rel) => dir.snap.read(rel)?.map(|f| f.text.clone()).unwrap_or_default(),
        None => String::new(),
    };
    let shown = config.clone().unwrap_or_else(|| pkg.rel.clone());
    if EXPORT.is_match(&text) {
        // `output: 'export'` writes a static site to out/: a web server serves it.
        service.found("static_output", &shown, "output: 'export'");
        service.static_output = Some("out".into());
        if service.build_command.is_none() {
            service.build_command = Some("npx next build".into());
        }
        return Ok(());
    }
    // A start that runs `next start` through a wrapper (dotenv, cross-env) is Next's server.
    let custom_start = pkg.script("start").filter(|start| !start.contains("next start"));
    let standalone = if STANDALONE.is_match(&text) {
        service.found("start_command", &shown, "output: 'standalone'");
        true
    } else if let Some(start) = custom_start {
        // A custom server (Express around Next, say) is the start; scripts.start names it.
        service.found("start_command", &pkg.rel, format!("scripts.start runs `{start}`, not `next start`"));
        service.nextjs_standalone = Some(false);
        if service.build_command.is_none() {
            service.build_command = Some("npx next build".into());
        }
        return Ok(());
    } else if let Some(why) = standalone_blocker(dir, &text, service)? {
        service.warn(format!(
            "the image carries all of node_modules: {why}; add `output: 'standalone'` to next.config \
             for a smaller image"
        ));
        false
    } else {
        // Next's default config reads NEXT_PRIVATE_STANDALONE, so the build can write the
        // standalone server without an edit to the repository. Its file tracing is the one
        // Vercel deploys with, so what the server reads at run time is traced.
        service.found(
            "start_command",
            &shown,
            "no output set: built as output: 'standalone' (NEXT_PRIVATE_STANDALONE), which carries only the modules the server uses",
        );
        true
    };
    service.nextjs_standalone = Some(standalone);
    if standalone {
        service.start_command = Some("node server.js".into());
    } else {
        service.defaulted("start_command", "next start");
        service.start_command = Some("npx next start".into());
    }
    if service.build_command.is_none() {
        service.build_command = Some("npx next build".into());
    }
    Ok(())
}

/// Why bim cannot build the standalone server itself, if it cannot: the config picks its
/// own output, a dependency the trace misses, or Next predates reading
/// NEXT_PRIVATE_STANDALONE (12.2; 13 to be safe).
fn standalone_blocker(dir: &Dir, config: &str, service: &Service) -> Result<Option<String>, Error> {
    if ANY_OUTPUT.is_match(config) {
        return Ok(Some("next.config chooses its own output".into()));
    }
    // Packages whose run-time files the trace misses from a workspace's hoisted or linked
    // node_modules (Prisma's query engine is loaded by a computed path).
    const UNTRACED_IN_WORKSPACES: &[&str] = &["@prisma/client"];
    if service.build_context.is_some()
        && let Some(package) = UNTRACED_IN_WORKSPACES.iter().find(|p| service.dependencies.contains(**p))
    {
        return Ok(Some(format!("in a workspace, the standalone trace misses {package}'s files")));
    }
    let json = dir.json("package.json")?.unwrap_or_default();
    let range = ["dependencies", "devDependencies"].iter().find_map(|k| json[k]["next"].as_str());
    let major = range.and_then(|r| {
        let digits: String = r
            .trim_start_matches(|c: char| !c.is_ascii_digit())
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse::<u32>().ok()
    });
    Ok(match major {
        Some(major) if major < 13 => {
            Some(format!("next {} predates standalone output by environment", range.unwrap_or("")))
        }
        _ => None,
    })
}

fn sveltekit(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let config = dir.first_of(&["svelte.config.js", "svelte.config.mjs", "svelte.config.ts"]);
    let adapter = match &config {
        Some(rel) => dir
            .snap
            .read(rel)?
            .and_then(|f| SVELTE_ADAPTER.captures(&f.text).map(|c| (rel.clone(), c[1].to_string()))),
        None => None,
    };
    match adapter {
        Some((rel, kind)) if kind == "node" => {
            service.found("start_command", &rel, "uses @sveltejs/adapter-node");
            service.start_command = Some("node build".into());
        }
        Some((rel, kind)) if kind == "static" => {
            service.found("static_output", &rel, "uses @sveltejs/adapter-static");
            service.static_output = Some("build".into());
        }
        other => {
            // A platform's adapter (vercel, netlify, cloudflare, auto) builds nothing a
            // container can run: refuse, naming the change, rather than write a broken image.
            let named = other.map_or("no adapter".to_string(), |(_, k)| format!("@sveltejs/adapter-{k}"));
            service.warn(format!(
                "SvelteKit with {named} builds no server that runs in a container; \
                 add @sveltejs/adapter-node and use it in svelte.config.js"
            ));
        }
    }
    Ok(())
}

fn vite_spa(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let config = dir.first_of(&["vite.config.ts", "vite.config.js", "vite.config.mjs", "vite.config.mts"]);
    let out_dir = match &config {
        Some(rel) => dir
            .snap
            .read(rel)?
            .and_then(|f| VITE_OUT_DIR.captures(&f.text).map(|c| (rel.clone(), c[1].to_string()))),
        None => None,
    };
    match out_dir {
        Some((rel, out)) => {
            service.found("static_output", &rel, format!("build.outDir: {out}"));
            service.static_output = Some(out);
        }
        None => {
            service.defaulted("static_output", "Vite builds to dist");
            service.static_output = Some("dist".into());
        }
    }
    if service.build_command.is_none() {
        service.build_command = Some("npx vite build".into());
    }
    Ok(())
}

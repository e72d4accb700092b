//! Go apps: go.mod for the module, version and framework; the main packages among the
//! source folders (root, `cmd/<name>`, elsewhere), with the choice stated when there are
//! several.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use crate::pattern::Pattern;

use super::dir::Dir;
use super::model::{Framework, Language, PackageManager, Service};
use super::{app_name, defaults, health, port, versions};
use crate::error::Error;
use crate::scan;

const GO: &[&str] = &[".go"];

const FRAMEWORKS: &[(&str, Framework)] = &[
    ("github.com/gin-gonic/gin", Framework::Gin),
    ("github.com/labstack/echo", Framework::Echo),
    ("github.com/gofiber/fiber", Framework::Fiber),
    ("github.com/go-chi/chi", Framework::Chi),
];

/// Names that mark the main package that serves, among several.
const SERVER_NAMES: &[&str] = &["server", "api", "web", "http", "app", "service", "main"];

static PACKAGE_MAIN: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"(?m)^package main\b"));
static FUNC_MAIN: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"(?m)^func main\(\)"));
static LISTEN_ADDR: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(r#"(?:ListenAndServe(?:TLS)?|\.Run|\.Listen|\.Start)\(\s*"[^"]*:(\d{2,5})""#)
});
static ADDR_FIELD: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#"Addr\s*:\s*"[^"]*:(\d{2,5})""#));
static PORT_DEFAULT: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"(?i)port\b[^\n]{0,60}?"(\d{2,5})""#));

pub fn detect(dir: &Dir) -> Result<Option<Service>, Error> {
    let Some(gomod) = dir.text("go.mod")? else {
        return Ok(None);
    };
    let rel = dir.rel("go.mod");
    let mut module = None;
    let mut go_version = None;
    let mut toolchain = None;
    for line in gomod.text.lines() {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("module"), Some(m)) => module = Some(m.trim_matches('"').to_string()),
            (Some("go"), Some(v)) => go_version = Some(v.to_string()),
            (Some("toolchain"), Some(v)) => toolchain = Some(v.trim_start_matches("go").to_string()),
            _ => {}
        }
    }
    let Some(module) = module else {
        return Err(Error::broken(&rel, "it has no `module` line"));
    };

    let mains = main_packages(dir)?;
    if mains.is_empty() {
        return Ok(None); // a library module
    }
    let chosen = choose(&mains, &module);
    let bin = if chosen == "." {
        scan::file_name(&module).to_string()
    } else {
        scan::file_name(&chosen).to_string()
    };
    let mut service = Service::new(dir.path, app_name(scan::file_name(&module)), Language::Go);
    service.found("language", &rel, format!("module {module}"));
    service.package_manager = PackageManager::Go;
    service.found("package_manager", &rel, "go modules");
    if mains.len() > 1 {
        service.warn(format!(
            "several main packages: {}; chose {chosen} — pass --entrypoint to choose",
            mains.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    service.found("entrypoint", &rel, format!("main package {chosen}"));
    service.entrypoint = Some(chosen.clone());
    let bin = app_name(&bin);
    service.build_command = Some(format!("go build -trimpath -o bin/{bin} {chosen}"));
    service.start_command = Some(format!("bin/{bin}"));
    service.test_command = Some("go test ./...".into());

    if let Some((dep, fw)) = FRAMEWORKS.iter().find(|(dep, _)| gomod.text.contains(dep)) {
        service.framework = *fw;
        service.found("framework", &rel, format!("requires {dep}"));
    }
    let pin = match toolchain.or(go_version.clone()) {
        Some(v) => Some(versions::Pin {
            version: v.clone(),
            file: rel.clone(),
            detail: format!("go.mod pins go {v}"),
        }),
        None => versions::find(dir, &[".go-version"], &["golang", "go"])?,
    };
    versions::apply(&mut service, pin, defaults::GO, "Go");

    let found = port::search(dir, GO, &[&LISTEN_ADDR, &ADDR_FIELD, &PORT_DEFAULT])?;
    let default = if service.framework == Framework::Fiber { 3000 } else { 8080 };
    port::apply(&mut service, found, default, "the usual port for Go servers");
    health::apply(dir, &mut service, GO)?;
    Ok(Some(service))
}

/// Go package paths (`.`, `./cmd/api`) of the folders holding `package main` with `func main`.
fn main_packages(dir: &Dir) -> Result<BTreeSet<String>, Error> {
    let mut mains = BTreeSet::new();
    for rel in dir.sources(GO) {
        let folder = scan::parent(rel);
        let inner = folder.strip_prefix(dir.path).unwrap_or(folder).trim_start_matches('/');
        let package = if inner.is_empty() { ".".to_string() } else { format!("./{inner}") };
        if mains.contains(&package) {
            continue;
        }
        let Some(file) = dir.source_text(rel)? else {
            continue;
        };
        if PACKAGE_MAIN.is_match(&file.text) && FUNC_MAIN.is_match(&file.text) {
            mains.insert(package);
        }
    }
    Ok(mains)
}

fn choose(mains: &BTreeSet<String>, module: &str) -> String {
    if mains.contains(".") {
        return ".".into();
    }
    let module_name = scan::file_name(module);
    mains
        .iter()
        .find(|p| {
            let name = scan::file_name(p);
            SERVER_NAMES.contains(&name) || name == module_name
        })
        .or_else(|| mains.iter().next())
        .cloned()
        .unwrap_or_else(|| ".".into())
}

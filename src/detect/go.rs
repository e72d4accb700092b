//! Go apps: go.mod for the module and version; the main packages among the source
//! folders (root, `cmd/<name>`, elsewhere). Each program that serves is a service, answered
//! from the code it is built from (see `go_packages`); a command-line program is not.

use crate::detect::Field;
use std::sync::LazyLock;

use crate::pattern::Pattern;

use super::dir::Dir;
use super::go_packages::{Packages, Program};
use super::model::{Framework, Language, PackageManager, Service};
use super::{app_name, build_variants, defaults, health, port, runtime_files, versions};
use crate::error::Error;
use crate::scan;

const FRAMEWORKS: &[(&str, Framework)] = &[
    ("github.com/gin-gonic/gin", Framework::Gin),
    ("github.com/labstack/echo", Framework::Echo),
    ("github.com/gofiber/fiber", Framework::Fiber),
    ("github.com/go-chi/chi", Framework::Chi),
];

/// Names that mark the main package that serves, among several.
const SERVER_NAMES: &[&str] = &["server", "api", "web", "http", "app", "service", "main"];

static LISTEN_ADDR: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(r#"(?:ListenAndServe(?:TLS)?|\.Run|\.Listen|\.Start)\(\s*"[^"]*:(\d{2,5})""#)
});
/// An address given to a server or kept for one: `Addr: ":9090"`, `addr := ":8081"`.
static ADDR_FIELD: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"(?i)\baddr(?:ess)?\s*(?::=|=|:)\s*"[^"]*:(\d{2,5})""#));
/// A port flag's or setting's default: `flag.Int("port", 8081, ...)`,
/// `viper.SetDefault("http-port", 8081)`.
static FLAG_DEFAULT: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"(?i)"(?:(?:http|listen|server|web)[-_.]?)?port",\s*(\d{2,5})\b"#));
/// A port given a default value (`port = "8080"` after reading `PORT`), never one compared
/// (`Port() == "80"`, a URL's port): only in files that read the environment or flags, or
/// serve.
static PORT_DEFAULT: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"(?i)port\b(?:[^\n=!]|=\s){0,60}?=?"(\d{2,5})""#));
/// What a file that sets a listening port does besides: reads the environment or flags
/// (calls, or a struct's `env:`/`long:`/`default:` tags).
static READS_SETTINGS: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(r#"\b(?:os\.Getenv|os\.LookupEnv|flag\.|viper\.|envconfig\.)|\b(?:env|long|default):""#)
});
/// A call that starts serving: net/http's, or a router's run/listen/start.
static SERVE_CALL: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(r"(?:ListenAndServe(?:TLS)?|\.Serve(?:TLS)?|\.Listen|\.Start|\.Run(?:TLS)?)\(")
});

/// Go: a module with a main package.
pub struct Go;

impl super::stack::Stack for Go {
    fn languages(&self) -> &'static [Language] {
        &[Language::Go]
    }

    fn triggers(&self) -> &'static [&'static str] {
        &["go.mod"]
    }

    fn detect(&self, dir: &Dir) -> Result<Option<Service>, Error> {
        detect(dir)
    }

    fn facts(&self, at: &super::facts::At, facts: &mut super::facts::Facts) -> Result<(), Error> {
        facts.inputs = at.copy_here(&["go.mod", crate::lockfiles::GO]);
        Ok(())
    }
}

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
    // The modules go.mod requires, for the tables looked up by dependency.
    let requires: std::collections::BTreeSet<String> = gomod
        .text
        .lines()
        .filter_map(|line| {
            let mut words = line.trim().trim_start_matches("require").split_whitespace();
            let (path, version) = (words.next()?, words.next()?);
            (path.contains('/') && version.starts_with('v')).then(|| path.to_string())
        })
        .collect();
    let packages = Packages::read(*dir, &module)?;
    let programs = packages.programs();
    if programs.is_empty() {
        return Ok(None); // a library module
    }
    let mut servers = Vec::new();
    for program in &programs {
        if serves(dir, program)? {
            servers.push(program);
        }
    }
    let module_name = binary_name(&module);
    let pin = match toolchain.or(go_version.clone()) {
        Some(v) => Some(versions::Pin {
            version: v.clone(),
            file: rel.clone(),
            detail: format!("go.mod pins go {v}"),
            range: None,
        }),
        None => versions::find(dir, &[".go-version"], &["golang", "go"])?,
    };

    let split = servers.len() > 1;
    let chosen: Vec<&Program> =
        if servers.is_empty() { vec![choose(&programs, module_name)] } else { servers.clone() };
    let mut services = Vec::new();
    for program in &chosen {
        let mut service = if split {
            let mut service =
                Service::new(&program.folder, app_name(program.name(module_name)), Language::Go);
            service.found(
                Field::BuildContext,
                &rel,
                "the module root; the image builds the program from there",
            );
            service.build_context = Some(if dir.path.is_empty() { ".".into() } else { dir.path.to_string() });
            service
        } else {
            Service::new(dir.path, app_name(module_name), Language::Go)
        };
        service.found(Field::Language, &rel, format!("module {module}"));
        service.package_manager = PackageManager::Go;
        service.found(Field::PackageManager, &rel, "go modules");
        service.dependencies = requires.clone();
        describe_program(dir, &mut service, program, &rel)?;
        versions::apply(&mut service, pin.clone(), defaults::GO, "Go");
        services.push(service);
    }
    let mut first = services.remove(0);
    let names = |list: &[&Program]| list.iter().map(|p| p.package.clone()).collect::<Vec<_>>().join(", ");
    if split {
        first.warn(format!("{} programs serve, each set up as a service: {}", chosen.len(), names(&chosen)));
    } else if programs.len() > 1 {
        let why = if servers.is_empty() { "none of them visibly serves" } else { "the only one that serves" };
        first.warn(format!(
            "several main packages: {}; chose {} ({why}) — pass --entrypoint to choose",
            names(&programs.iter().collect::<Vec<_>>()),
            chosen[0].package
        ));
    }
    let others: Vec<&Program> =
        programs.iter().filter(|p| !chosen.iter().any(|c| c.package == p.package)).collect();
    if split && !others.is_empty() {
        first.warn(format!("not services (they never start a server): {}", names(&others)));
    }
    first.more = services;
    Ok(Some(first))
}

/// Whether a program starts a server: it calls a serve function, and net/http or a router
/// is among what it imports.
fn serves(dir: &Dir, program: &Program) -> Result<bool, Error> {
    let http = program.imports("net/http") || FRAMEWORKS.iter().any(|(dep, _)| program.imports(dep));
    Ok(http && dir.grep_in(program.files.iter().map(String::as_str), &SERVE_CALL)?.is_some())
}

/// The answers that come from one program's code: what it builds and runs, its framework,
/// port, health check and the files it reads at run time.
fn describe_program(dir: &Dir, service: &mut Service, program: &Program, gomod: &str) -> Result<(), Error> {
    let bin = app_name(program.name(scan::file_name(&service.name)));
    let package = &program.package;
    service.found(Field::Entrypoint, gomod, format!("main package {package}"));
    service.entrypoint = Some(package.clone());
    service.build_command = Some(format!("go build -trimpath -o bin/{bin} {package}"));
    service.start_command = Some(format!("bin/{bin}"));
    service.test_command = Some("go test ./...".into());
    build_variants::go(dir, service)?;
    if let Some((dep, fw)) = FRAMEWORKS.iter().find(|(dep, _)| program.imports(dep)) {
        service.framework = *fw;
        let own = program.files.first().map_or(gomod.to_string(), |f| scan::parent(f).to_string());
        service.found(Field::Framework, &own, format!("{package} imports {dep}"));
    }
    let files: Vec<&str> = program.files.iter().map(String::as_str).collect();
    let mut found = port::search_in(dir, &files, &[&LISTEN_ADDR, &ADDR_FIELD, &FLAG_DEFAULT])?;
    if found.is_none() {
        let mut settings = Vec::new();
        for file in &files {
            if dir
                .source_text(file)?
                .is_some_and(|t| READS_SETTINGS.is_match(&t.text) || SERVE_CALL.is_match(&t.text))
            {
                settings.push(*file);
            }
        }
        found = port::search_in(dir, &settings, &[&PORT_DEFAULT])?;
    }
    let default = if service.framework == Framework::Fiber { 3000 } else { 8080 };
    port::apply(service, found, default, "the usual port for Go servers");
    health::apply_in(dir, service, &files)?;
    runtime_files::apply(dir, service, &files, &runtime_files::GO_READS)
}

/// The name `go install` gives a module's binary: its last path element, passing over a
/// major version suffix (`example.com/app/v2` installs `app`).
fn binary_name(module: &str) -> &str {
    let mut parts = module.rsplit('/');
    let last = parts.next().unwrap_or(module);
    let major = last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit());
    if major { parts.next().unwrap_or(last) } else { last }
}

fn choose<'p>(programs: &'p [Program], module_name: &str) -> &'p Program {
    programs
        .iter()
        .find(|p| p.package == ".")
        .or_else(|| {
            programs.iter().find(|p| {
                let name = scan::file_name(&p.package);
                SERVER_NAMES.contains(&name) || name == module_name
            })
        })
        .unwrap_or(&programs[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_is_named_as_go_install_names_it() {
        assert_eq!(binary_name("miniflux.app/v2"), "miniflux.app");
        assert_eq!(binary_name("github.com/gotify/server/v2"), "server");
        assert_eq!(binary_name("github.com/acme/v8engine"), "v8engine");
        assert_eq!(binary_name("shortener"), "shortener");
    }
}

//! Rust apps: the bin targets from Cargo.toml (`[[bin]]`, src/main.rs, src/bin/*), the web
//! framework from dependencies, and the toolchain from rust-toolchain or `rust-version`.
//! A workspace root without a package is not a service; its members are.

use crate::detect::Field;
use std::sync::LazyLock;

use crate::pattern::Pattern;

use super::dir::Dir;
use super::model::{Framework, Language, PackageManager, Service};
use super::{app_name, build_variants, defaults, health, port, runtime_files, versions};
use crate::error::Error;
use crate::lockfiles;
use crate::manifest::toml_str;

const RS: &[&str] = &[".rs"];

const FRAMEWORKS: &[(&str, Framework, u16)] = &[
    ("axum", Framework::Axum, 3000),
    ("actix-web", Framework::Actix, 8080),
    ("rocket", Framework::Rocket, 8000),
];

static ADDR: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#""(?:0\.0\.0\.0|127\.0\.0\.1|localhost|\[::\]|::)?:(\d{2,5})""#));
/// A socket address as a (host, port) tuple handed to a call or bound to a name:
/// `.bind(("0.0.0.0", 8080))`, `SocketAddr::from(([0, 0, 0, 0], 3000))`. The host must look
/// like one, so a tuple of a message and an HTTP status (`("Password not provided", 401)`)
/// is never a port.
static SOCKET_TUPLE: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r#"(?:\(|=)\s*\(\s*(?:\[\s*0\s*,\s*0\s*,\s*0\s*,\s*0\s*\]|\[\s*127\s*,\s*0\s*,\s*0\s*,\s*1\s*\]|"[A-Za-z0-9.:\[\]-]*"|Ipv4Addr::\w+)\s*,\s*(\d{2,5})\s*\)"#,
    )
});
/// Code that serves: a server built or bound somewhere in the crate. A bin without any is a
/// command-line tool, not a service.
static SERVES: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(concat!(
        r"HttpServer::new|axum::serve|\bServer::bind|TcpListener::bind|warp::serve|rocket::build|",
        r"#\[launch\]|#\[rocket::main\]|poem::Server|salvo::Server|tiny_http::Server|\.serve\(|",
        r"hyper::server|\.listen\(|\bServer::build\(",
    ))
});
static ROCKET_PORT: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"(?m)^\s*port\s*=\s*(\d{2,5})"));

/// sqlx's compile-time checked query macros.
static SQLX_MACRO: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"\bsqlx::(?:query|query_as|query_scalar|query_file|query_file_as)(?:_unchecked)?!|\b(?:query|query_as|query_scalar)!\s*\(",
    )
});

/// Rust: a Cargo crate that serves.
pub struct Rust;

impl super::stack::Stack for Rust {
    fn languages(&self) -> &'static [Language] {
        &[Language::Rust]
    }

    fn triggers(&self) -> &'static [&'static str] {
        &["Cargo.toml"]
    }

    fn detect(&self, dir: &Dir) -> Result<Option<Service>, Error> {
        detect(dir)
    }
}

pub fn detect(dir: &Dir) -> Result<Option<Service>, Error> {
    let Some(cargo) = dir.toml("Cargo.toml")? else {
        return Ok(None);
    };
    let rel = dir.rel("Cargo.toml");
    let Some(package_name) = toml_str(&cargo, "package.name") else {
        return Ok(None); // a virtual workspace root: its members are the candidates
    };
    let explicit: Vec<&toml::Value> =
        cargo.get("bin").and_then(|b| b.as_array()).map(|l| l.iter().collect()).unwrap_or_default();
    let mut bins: Vec<String> =
        explicit.iter().filter_map(|b| b.get("name")?.as_str().map(str::to_string)).collect();
    let main_claimed = explicit.iter().any(|b| b.get("path").and_then(|p| p.as_str()) == Some("src/main.rs"));
    if dir.has("src/main.rs") && !main_claimed && !bins.iter().any(|b| b == package_name) {
        bins.push(package_name.to_string());
    }
    let bin_dir = dir.rel("src/bin");
    for file in dir.snap.files_under(&bin_dir) {
        let inner = &file[bin_dir.len() + 1..];
        let name =
            inner.strip_suffix("/main.rs").or_else(|| inner.strip_suffix(".rs").filter(|n| !n.contains('/')));
        if let Some(name) = name
            && !bins.iter().any(|b| b == name)
        {
            bins.push(name.to_string());
        }
    }
    if bins.is_empty() {
        return Ok(None); // a library crate
    }
    let chosen = toml_str(&cargo, "package.default-run")
        .map(str::to_string)
        .filter(|d| bins.contains(d))
        .or_else(|| bins.iter().find(|b| *b == package_name).cloned())
        .unwrap_or_else(|| bins[0].clone());

    let Some(serves) = dir.grep(RS, &SERVES)? else {
        return Ok(None); // a command-line tool or a library with a helper bin
    };
    let mut service = Service::new(dir.path, app_name(&chosen), Language::Rust);
    service.found_at(
        Field::StartCommand,
        &serves.file,
        serves.line,
        format!("serves ({})", serves.groups[0].trim()),
    );
    service.found(Field::Language, &rel, format!("package {package_name}"));
    service.package_manager = PackageManager::Cargo;
    service.found(Field::PackageManager, &rel, "Cargo.toml");
    if bins.len() > 1 {
        service.warn(format!(
            "several binaries: {}; chose {chosen} — pass --entrypoint to choose",
            bins.join(", ")
        ));
    }
    service.found(Field::Entrypoint, &rel, format!("bin {chosen}"));
    let lock_folder = dir.ancestors().find(|d| d.has(lockfiles::CARGO));
    let locked = lock_folder.is_some();
    if let Some(folder) = lock_folder.filter(|f| f.path != dir.path) {
        service.found(
            Field::BuildContext,
            &folder.rel(lockfiles::CARGO),
            "the workspace's lockfile is here; the image builds from this folder",
        );
        service.build_context =
            Some(if folder.path.is_empty() { ".".into() } else { folder.path.to_string() });
    }
    let locked_flag = if locked { " --locked" } else { "" };
    service.build_command = Some(format!("cargo build --release{locked_flag} --bin {chosen}"));
    service.start_command = Some(chosen.clone());
    service.test_command = Some(format!("cargo test{locked_flag}"));
    service.entrypoint = Some(chosen);
    build_variants::cargo(dir, &mut service)?;

    let deps = cargo.get("dependencies").and_then(|d| d.as_table());
    service.dependencies.extend(deps.into_iter().flat_map(|d| d.keys().cloned()));
    let framework = FRAMEWORKS.iter().find(|(dep, _, _)| deps.is_some_and(|d| d.contains_key(*dep)));
    if let Some((dep, fw, _)) = framework {
        service.framework = *fw;
        service.found(Field::Framework, &rel, format!("depends on {dep}"));
    }
    runtime_version(dir, &cargo, &mut service)?;
    compile_time_sql(dir, &mut service)?;
    cargo_linker(dir, &mut service)?;

    let mut found = port::search(dir, RS, &[&ADDR, &SOCKET_TUPLE])?;
    if found.is_none() && service.framework == Framework::Rocket && dir.has("Rocket.toml") {
        found = port::search(dir, &["Rocket.toml"], &[&ROCKET_PORT])?;
    }
    let default = framework.map_or(8080, |(_, _, port)| *port);
    port::apply(&mut service, found, default, "the framework's default port");
    health::apply(dir, &mut service, RS)?;
    let sources: Vec<&str> = dir.sources(RS).collect();
    runtime_files::apply(dir, &mut service, &sources, &runtime_files::RUST_READS)?;
    Ok(Some(service))
}

fn runtime_version(dir: &Dir, cargo: &toml::Table, service: &mut Service) -> Result<(), Error> {
    let mut pin = None;
    for folder in dir.ancestors() {
        if let Some(table) = folder.toml("rust-toolchain.toml")?
            && let Some(channel) = toml_str(&table, "toolchain.channel")
        {
            pin = Some(versions::Pin {
                version: channel.to_string(),
                file: folder.rel("rust-toolchain.toml"),
                detail: format!("channel = {channel}"),
                range: None,
            });
            break;
        }
        if let Some(file) = folder.text("rust-toolchain")? {
            let channel = file.text.trim().to_string();
            if !channel.is_empty() {
                pin = Some(versions::Pin {
                    detail: format!("channel {channel}"),
                    version: channel,
                    file: folder.rel("rust-toolchain"),
                    range: None,
                });
                break;
            }
        }
    }
    if let Some(p) = &mut pin
        && !p.version.chars().next().is_some_and(|c| c.is_ascii_digit())
    {
        // `stable` or `nightly` names a channel, not a version an image is tagged with.
        service.warn(format!(
            "{} names the {} channel; the image uses the latest stable Rust",
            p.file, p.version
        ));
        pin = None;
    }
    if pin.is_none()
        && let Some(v) = toml_str(cargo, "package.rust-version")
    {
        pin = Some(versions::Pin {
            version: v.to_string(),
            file: dir.rel("Cargo.toml"),
            detail: format!("rust-version = {v}"),
            range: None,
        });
    }
    // `rust-version.workspace = true` inherits the workspace root's.
    if pin.is_none() && crate::manifest::toml_get(cargo, "package.rust-version.workspace").is_some() {
        for folder in dir.ancestors().skip(1) {
            if let Some(root) = folder.toml("Cargo.toml")?
                && let Some(v) = toml_str(&root, "workspace.package.rust-version")
            {
                pin = Some(versions::Pin {
                    version: v.to_string(),
                    file: folder.rel("Cargo.toml"),
                    detail: format!("workspace.package.rust-version = {v}"),
                    range: None,
                });
                break;
            }
        }
    }
    versions::apply(service, pin, defaults::RUST, "Rust");
    Ok(())
}

/// sqlx's `query!` macros check each query against a database while `cargo build` runs,
/// unless the offline data `cargo sqlx prepare` writes (`.sqlx/`, or `sqlx-data.json`
/// before sqlx 0.7) is committed: the image build has no database. With the data, the
/// build reads it (SQLX_OFFLINE); without it, the service is refused rather than written
/// with a build that cannot pass.
fn compile_time_sql(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    if !service.dependencies.contains("sqlx") {
        return Ok(());
    }
    let Some(used) = dir.grep(RS, &SQLX_MACRO)? else { return Ok(()) };
    let data = dir.ancestors().find_map(|d| {
        if d.snap.has_dir(&d.rel(".sqlx")) {
            Some(d.rel(".sqlx"))
        } else {
            d.has("sqlx-data.json").then(|| d.rel("sqlx-data.json"))
        }
    });
    match data {
        Some(data) => {
            service.found(
                Field::BuildEnv,
                &data,
                "sqlx's offline query data: SQLX_OFFLINE=true, so the build needs no database",
            );
            if !service.build_env.iter().any(|e| e.starts_with("SQLX_OFFLINE=")) {
                service.build_env.push("SQLX_OFFLINE=true".into());
            }
        }
        None => {
            service.refusal = Some(format!(
                "{} line {} checks SQL against a database at compile time ({}), and no offline data is committed: \
                 run `cargo sqlx prepare` (with DATABASE_URL set) and commit .sqlx/, then run bim init again",
                used.file,
                used.line,
                used.groups[0].trim()
            ));
        }
    }
    Ok(())
}

/// The linker a repository's `.cargo/config.toml` asks for on Linux (`linker = "clang"`,
/// `-fuse-ld=lld` or `mold` in rustflags): the slim Rust image has only gcc's, so the build
/// stage gets the ones named, or every link fails with "linker `clang` not found".
fn cargo_linker(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    for folder in dir.ancestors() {
        for name in [".cargo/config.toml", ".cargo/config"] {
            let rel = folder.rel(name);
            let Some(file) = dir.snap.read(&rel)? else { continue };
            let Ok(config) = file.text.parse::<toml::Table>() else { continue };
            let linux = config
                .get("target")
                .and_then(|t| t.as_table())
                .into_iter()
                .flatten()
                .filter(|(triple, _)| triple.contains("linux"))
                .map(|(_, table)| table)
                .chain(config.get("build"));
            let mut words = Vec::new();
            for table in linux {
                if let Some(linker) = table.get("linker").and_then(|l| l.as_str()) {
                    words.push(format!("linker={linker}"));
                }
                let flags = table.get("rustflags").and_then(|f| f.as_array()).into_iter().flatten();
                words.extend(flags.filter_map(|f| f.as_str()).map(str::to_string));
            }
            // gcc's driver passes -fuse-ld=lld or mold on, so those need only their linker.
            let mut packages: Vec<String> = Vec::new();
            for (needle, package) in
                [("linker=clang", "clang"), ("-fuse-ld=lld", "lld"), ("-fuse-ld=mold", "mold")]
            {
                if words.iter().any(|w| w.contains(needle)) && !packages.iter().any(|p| p == package) {
                    packages.push(package.into());
                }
            }
            if packages.is_empty() {
                return Ok(());
            }
            service.system_packages.add(&packages, &[]);
            service.found(
                Field::SystemPackages,
                &rel,
                format!("the Linux target's linker settings; build: {}", packages.join(" ")),
            );
            return Ok(());
        }
    }
    Ok(())
}

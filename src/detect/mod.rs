//! Detection: from a `Snapshot`, the deployable services in a repository and the evidence
//! for every answer. Pure: the detectors ask the snapshot, never the disk.
//!
//! Each ecosystem is a `Stack` (see `stack`): its trigger files pick the folders worth
//! asking, and it answers for one folder: `Ok(Some(service))` when the folder is an app of
//! that ecosystem, `Ok(None)` when it is not (or is only a library), and `Err` when its
//! manifest is broken. After the answers, each stack reads its `facts`.

pub mod dir;
pub mod model;

pub mod backing;
pub mod bind;
mod build_secrets;
mod build_variants;
mod bundled_frontend;
mod client_app;
mod compose_start;
mod deno;
mod devmode;
mod dockerfile;
mod dotnet;
mod elixir;
mod env_validators;
pub mod envvars;
pub mod facts;
mod go;
mod go_packages;
mod health;
mod java;
mod lock_wheels;
mod lockfile_drift;
pub mod node;
mod php;
mod port;
mod processes;
mod procfile;
pub mod python;
pub mod python_tools;
mod python_wheels;
mod release;
mod ruby;
mod runtime_files;
mod rust;
mod server_settings;
pub mod stack;
pub mod stacks;
pub mod start_script;
mod static_generators;
mod static_site;
pub mod system_packages;
mod vcs_sources;
mod versions;
pub mod workspace_build;

use std::collections::BTreeSet;

pub use dir::Dir;
pub use model::{
    Detection, Evidence, Field, Framework, Frontend, Language, PackageManager, Process, Service,
    SystemPackages, Warning, WarningKind,
};
pub use versions::{defaults, normalize as normalize_version};

use crate::answer_fields::TextAnswer;
use crate::error::Error;
use crate::scan::{self, Snapshot};

/// How many folders below the root a service may sit.
const MAX_SERVICE_DEPTH: usize = 4;

/// Finds every deployable service under the snapshot's root.
pub fn detect(snap: &Snapshot) -> Result<Detection, Error> {
    let candidates = candidates(snap);
    let found = in_parallel(&candidates, |path| detect_service(&Dir::new(snap, path)));
    let mut services: Vec<Service> = Vec::new();
    for service in
        found.into_iter().map(|f| f.map(Vec::into_iter)).collect::<Result<Vec<_>, _>>()?.into_iter().flatten()
    {
        let inside_another = services.iter().any(|s| {
            [Some(&s.path), s.build_context.as_ref()]
                .into_iter()
                .flatten()
                .any(|folder| folder == "." || service.path.starts_with(&format!("{folder}/")))
        });
        if is_entry_page_only(&service) && inside_another {
            continue; // a page inside an app's folder is part of that app, not a site
        }
        if let Some(output) = &service.static_output
            && inside_another
            && bundled_frontend::committed(snap, &service.path, output)
            && bundled_frontend::embedded_by_go(&Dir::new(snap, scan::snapshot_path(&service.path)), output)?
                .is_some()
        {
            continue; // a front end the Go binary embeds, committed built, is in that service already
        }
        services.push(service);
    }
    bundled_frontend::bundle(snap, &mut services)?;
    drop_delegating(&mut services);
    let oversize = snap.oversize();
    if services.is_empty() {
        return Err(match oversize.first() {
            Some(rel) => Error::NothingDetected {
                path: snap.root().to_path_buf(),
                reason: crate::manifest::oversize_warning(rel),
            },
            None => nothing_detected(snap),
        });
    }
    for rel in &oversize {
        // The services whose folder or build context holds the file.
        for service in &mut services {
            let holds = |folder: &str| folder == "." || rel.starts_with(&format!("{folder}/"));
            if holds(&service.path) || service.build_context.as_deref().is_some_and(holds) {
                service.warn(crate::manifest::oversize_warning(rel));
            }
        }
    }
    dedupe_names(&mut services);
    Ok(Detection { services })
}

/// A workspace root whose start runs a member's (`turbo run start --filter=@acme/web`,
/// `yarn --cwd ./web start`) is that member started from above: the member is deployed,
/// once, and says so; the root is left out.
fn drop_delegating(services: &mut Vec<Service>) {
    let runs = |root: &Service, member: &Service| {
        root.path != member.path
            && root.notes.runs_members.iter().any(|target| {
                // Folders are the root's; package names are the workspace's.
                let target = if root.path == "." || target.starts_with('@') {
                    target.clone()
                } else {
                    format!("{}/{target}", root.path)
                };
                member.notes.package.as_deref() == Some(target.as_str())
                    || target == member.path
                    || target.starts_with(&format!("{}/", member.path))
            })
    };
    let delegating: Vec<usize> =
        (0..services.len()).filter(|&i| services.iter().any(|member| runs(&services[i], member))).collect();
    for &i in delegating.iter().rev() {
        let root = services.remove(i);
        let start = root.start_command.clone().unwrap_or_default();
        let from = if root.path == "." { "the repository root".to_string() } else { root.path.clone() };
        for member in services.iter_mut().filter(|m| runs(&root, m)) {
            member.warn(format!(
                "{from} starts this app (`{start}`), so bim deploys it from here, not from {from}"
            ));
        }
    }
}

/// Everything about the services in one folder: none, one, or (a module holding several
/// servers) more.
fn detect_service(dir: &Dir) -> Result<Vec<Service>, Error> {
    let Some(mut first) = detect_folder(dir)? else {
        return Ok(Vec::new());
    };
    let more = std::mem::take(&mut first.more);
    let mut services = Vec::new();
    for mut service in std::iter::once(first).chain(more) {
        finish(dir, &mut service)?;
        services.push(service);
    }
    Ok(services)
}

/// What every service gets after its language's detector: Procfile and Dockerfile
/// answers, system packages, a bind on all interfaces, validation and the variables read.
fn finish(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    procfile::apply(dir, service)?;
    compose_start::apply(dir, service)?;
    processes::apply(dir, service)?;
    let migrates_at_start = start_script::apply(dir, service)?;
    release::apply(dir, service, migrates_at_start)?;
    dockerfile::apply(dir, service)?;
    system_packages::apply(dir, service)?;
    vcs_sources::apply(dir, service)?;
    build_secrets::apply(dir, service)?;
    if matches!(service.language, Language::Node | Language::Bun) {
        env_validators::apply(dir, node::JS_SOURCES, service)?;
    }
    let start_file = |s: &Service| {
        s.evidence.iter().rev().find(|e| e.field == Field::StartCommand).and_then(|e| e.file.clone())
    };
    // The port the start command gives its server is the one the container listens on.
    if let Some(told) = service.start_command.as_deref().and_then(bind::port_of)
        && service.port != Some(told)
        && let Some(file) = start_file(service)
    {
        service.evidence.retain(|e| e.field != Field::Port);
        service.found(Field::Port, &file, format!("the start command's server listens on {told}"));
        service.port = Some(told);
    }
    if let (Some(command), Some(port)) = (&service.start_command, service.port)
        && let Some(bound) = bind::listen_everywhere(command, port)
    {
        let detail = format!("listens on 0.0.0.0:{port}, so the container is reachable");
        match start_file(service) {
            Some(file) => service.found(Field::StartCommand, &file, detail),
            None => service.defaulted(Field::StartCommand, detail),
        }
        service.start_command = Some(bound);
    }
    drop_unusable_values(service);
    for (name, (file, line)) in envvars::collect(dir)? {
        service.found_at(Field::EnvVars, &file, line, format!("reads {name}"));
        service.env_files.entry(name.clone()).or_insert(file);
        service.env_vars.push(name);
    }
    backing::apply(dir, service)?;
    Ok(())
}

/// A value detection found that bim could not safely write is dropped with a warning that
/// names the flag to give instead: a detected value degrades, it never aborts (a value
/// given by flag is still an error).
fn drop_unusable_values(service: &mut Service) {
    use crate::validate;
    let mut dropped = Vec::new();
    for answer in TextAnswer::ALL {
        let slot = service.text_mut(answer);
        if let Some(Err(e)) = slot.as_deref().map(|v| answer.check(v)) {
            *slot = None;
            let message =
                format!("dropped the detected {}: {e}; pass {} to set one", answer.what(), answer.flag());
            dropped.push((answer == TextAnswer::StartCommand, message));
        }
    }
    let mut check =
        |what: &str, value: &mut Option<String>, ok: &dyn Fn(&str) -> Result<(), Error>, flag: &str| {
            if let Some(v) = value.as_deref()
                && let Err(e) = ok(v)
            {
                dropped.push((false, format!("dropped the detected {what}: {e}; pass {flag} to set one")));
                *value = None;
            }
        };
    let path_ok = |v: &str| if v == "." { Ok(()) } else { validate::repo_path("path", v, "--entrypoint") };
    let base = service.path.clone();
    let output_ok =
        |v: &str| if v == "." { Ok(()) } else { validate::path_from("path", &base, v, "--entrypoint") };
    check("static output folder", &mut service.static_output, &output_ok, "--entrypoint");
    check("build context", &mut service.build_context, &path_ok, "--service");
    service.processes.retain(|p| {
        let ok = validate::command("process command", &p.command, "").is_ok();
        if !ok {
            dropped.push((
                false,
                format!("dropped the detected {} process: its command is not one bim can write", p.name),
            ));
        }
        ok
    });
    for (start, message) in dropped {
        service.warn_as(if start { WarningKind::DroppedStart } else { WarningKind::Note }, message);
    }
    let before = service.system_packages.build.len() + service.system_packages.runtime.len();
    service.system_packages.build.retain(|p| validate::system_package(p, "").is_ok());
    service.system_packages.runtime.retain(|p| validate::system_package(p, "").is_ok());
    if service.system_packages.build.len() + service.system_packages.runtime.len() != before {
        service.warn("dropped a system package whose name is not a Debian package name");
    }
}

/// Maps `work` over `items` on every core, keeping the items' order. Folders are
/// independent, and reading their sources is most of detection's time.
fn in_parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len());
    if threads <= 1 {
        return items.iter().map(work).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(index) else { break };
                        done.push((index, work(item)));
                    }
                    done
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Runs every detector on one folder and keeps the best answer.
fn detect_folder(dir: &Dir) -> Result<Option<Service>, Error> {
    let mut found: Vec<Service> = Vec::new();
    for stack in stacks::STACKS {
        if let Some(service) = stack.detect(dir)? {
            found.push(service);
        }
    }
    let Some(best) = (0..found.len()).max_by_key(|&i| (strength(&found[i]), usize::MAX - i)) else {
        return Ok(None);
    };
    let mut chosen = found.swap_remove(best);
    if client_app::kind(dir, &chosen)?.is_some() {
        return Ok(None); // runs on a person's device: nothing to deploy
    }
    let chosen_language = chosen.language;
    for other in found.iter().filter(|s| s.language != Language::Static && s.language != chosen_language) {
        chosen.other_languages.push(other.language);
        let note = format!(
            "this folder also looks like a {} app ({}); chose {} — pass --language to choose",
            other.language,
            if other.framework == Framework::None {
                other.language.as_str()
            } else {
                other.framework.as_str()
            },
            chosen.language,
        );
        chosen.warn_as(WarningKind::OtherLanguages, note);
    }
    Ok(Some(chosen))
}

/// A service found only through an index page (static HTML, or PHP with no composer.json).
fn is_entry_page_only(service: &Service) -> bool {
    service.language == Language::Static
        || (service.language == Language::Php && service.package_manager == PackageManager::None)
}

/// How sure a detector's answer is: a server framework beats a bare language match, which
/// beats a static site.
fn strength(service: &Service) -> u8 {
    match (service.framework, service.is_static()) {
        (_, true) => 1,
        (Framework::None, false) => 2,
        _ => 3,
    }
}

/// Folders holding a manifest, outside dependency, test and sample folders, within the
/// depth cap; the root first.
fn candidates(snap: &Snapshot) -> Vec<String> {
    let mut found = BTreeSet::new();
    found.insert(String::new());
    for path in snap.files_under("") {
        let folder = scan::parent(path);
        let depth = if folder.is_empty() { 0 } else { folder.matches('/').count() + 1 };
        if depth > MAX_SERVICE_DEPTH + 1 || folder.split('/').any(dir::is_non_app_dir) {
            continue;
        }
        if let Some(app) = stacks::trigger_folder(path)
            && (app.is_empty() || app.matches('/').count() < MAX_SERVICE_DEPTH)
        {
            found.insert(app.to_string());
        }
    }
    found.into_iter().collect()
}

fn nothing_detected(snap: &Snapshot) -> Error {
    let reason = if snap.file_count() == 0 {
        "the folder is empty (or everything in it is ignored)".to_string()
    } else if candidates(snap).len() > 1 || stacks::manifest_names().any(|m| snap.has_file(m)) {
        "the manifests there describe libraries or tools, not an app that serves".to_string()
    } else {
        let known: Vec<&str> = stacks::STACKS.iter().flat_map(|s| s.triggers()).copied().collect();
        format!("no manifest bim knows ({})", known.join(", "))
    };
    Error::NothingDetected { path: snap.root().to_path_buf(), reason }
}

/// Two services may not share a name: a Backend.im app is named after its service.
fn dedupe_names(services: &mut [Service]) {
    let mut seen = BTreeSet::new();
    for service in services.iter_mut() {
        if !seen.insert(service.name.clone()) {
            let qualified = format!("{}-{}", service.name, service.path.replace('/', "-"));
            service.name = qualified.clone();
            seen.insert(qualified);
        }
    }
}

/// Turns a manifest's package name into a name fit for an image and an app: lower case,
/// `[a-z0-9-]`, no scope.
pub fn app_name(raw: &str) -> String {
    let base = raw.rsplit('/').next().unwrap_or(raw);
    let mut name = String::new();
    for c in base.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-');
    let name: String = name.chars().take(63).collect();
    if name.is_empty() { "app".into() } else { name }
}

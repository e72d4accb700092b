//! Python facts: the manifests an install reads (following a requirements file's
//! includes), whether it needs the source, a uv workspace member's package, and the server
//! a start command runs that no manifest names.

use crate::detect::PackageManager;
use crate::detect::facts::{At, Facts, Query};
use crate::error::Error;
use crate::lockfiles;
use crate::scan::{self, Snapshot};

/// Servers bim's Python start commands run, pinned for when the app does not depend on one.
pub const PYTHON_SERVERS: &[(&str, &str)] = &[("gunicorn", "23.0.0"), ("uvicorn", "0.32.1")];

/// The requirements files pip installs from, the first found.
pub(crate) const REQUIREMENTS: &[&str] =
    &["requirements.txt", "requirements/production.txt", "requirements/prod.txt", "requirements/base.txt"];

pub(super) fn read(at: &At, facts: &mut Facts) -> Result<(), Error> {
    let (snap, query, context, service_dir) = (at.snap, at.query, at.context, at.service_dir);
    // A context widened to hold a front end, not a workspace: the install reads the
    // service's own manifests, from its own folder.
    let own = ["pyproject.toml", "requirements.txt", "requirements", "Pipfile"];
    let at =
        |dir: &str, name: &str| snap.has_file(&scan::join(dir, name)) || snap.has_dir(&scan::join(dir, name));
    let install_dir = if !service_dir.is_empty() && !own.iter().any(|f| at(context, f)) {
        facts.install_dir = Some(service_dir.to_string());
        scan::join(context, service_dir)
    } else {
        context.to_string()
    };
    let dir = install_dir.as_str();
    let copy_here = |names: &[&str]| -> Vec<String> {
        names.iter().filter(|n| snap.has_file(&scan::join(dir, n))).map(|n| n.to_string()).collect()
    };
    facts.missing_server =
        missing_server(snap, query, dir, facts.start_script.as_ref().and_then(|s| s.server.as_deref()));
    match query.package_manager {
        PackageManager::Uv => {
            facts.inputs = copy_here(&["pyproject.toml", lockfiles::UV]);
            if !service_dir.is_empty()
                && let Some((package, members)) = uv_member(snap, query, dir)
            {
                facts.uv_package = Some(package);
                facts.inputs.extend(members);
            }
        }
        PackageManager::Poetry => facts.inputs = copy_here(&["pyproject.toml", lockfiles::POETRY]),
        PackageManager::Pipenv => facts.inputs = copy_here(&["Pipfile", lockfiles::PIPENV]),
        PackageManager::Pdm => facts.inputs = copy_here(&["pyproject.toml", lockfiles::PDM]),
        _ => match REQUIREMENTS.iter().find(|f| snap.has_file(&scan::join(dir, f))) {
            Some(file) => {
                facts.requirements = Some(file.to_string());
                let (files, local) = requirement_inputs(snap, dir, file);
                facts.local_requirements = local;
                // A local path (`-e .`) needs the source: nothing installs before it.
                if !local {
                    facts.inputs = files;
                }
            }
            None => {
                // A build backend looks for its package, so only the dependencies that
                // pyproject.toml lists install before the source.
                facts.pyproject_dependencies =
                    crate::manifest::toml(snap, &scan::join(dir, "pyproject.toml"))
                        .ok()
                        .flatten()
                        .is_some_and(|p| crate::manifest::toml_get(&p, "project.dependencies").is_some());
                if facts.pyproject_dependencies {
                    facts.inputs = vec!["pyproject.toml".into()];
                }
            }
        },
    }
    facts.test_requirements = test_requirements(snap, scan::snapshot_path(query.path));
    Ok(())
}

/// The requirements files in the service's folder and one below, for the workflow's test
/// job: `requirements*.txt` and `requirements/*.txt`.
fn test_requirements(snap: &Snapshot, folder: &str) -> Vec<String> {
    snap.files_under(folder)
        .filter(|p| {
            let name = scan::file_name(p);
            name.starts_with("requirements") && name.ends_with(".txt")
                || scan::file_name(scan::parent(p)) == "requirements" && name.ends_with(".txt")
        })
        .map(|p| p.strip_prefix(folder).unwrap_or(p).trim_start_matches('/').to_string())
        .filter(|p| p.split('/').count() <= 2)
        .collect()
}

/// The server the start command runs (a start script's, when it has one) that no manifest
/// names: without an install of its own the image could not start.
fn missing_server(snap: &Snapshot, query: &Query, dir: &str, script_server: Option<&str>) -> Option<String> {
    let start = script_server.or(query.start_command)?;
    let (server, _) = PYTHON_SERVERS.iter().find(|(name, _)| {
        start.split("&&").flat_map(|p| p.split(';')).any(|part| part.split_whitespace().next() == Some(name))
    })?;
    let manifests = snap.files_under(dir).filter(|f| {
        let name = scan::file_name(f);
        !f[dir.len()..].trim_start_matches('/').contains('/')
            && (name.ends_with(".txt")
                || name.ends_with(".toml")
                || name.ends_with(".lock")
                || name == "Pipfile")
            || f.contains("requirements/")
    });
    for file in manifests {
        // bim's own answers name the server too, once written: they are not a manifest,
        // or a second run would drop the install the first one added.
        if scan::file_name(file) == crate::ownership::ANSWERS {
            continue;
        }
        if let Ok(Some(text)) = snap.read(file)
            && text.text.to_ascii_lowercase().contains(server)
        {
            return None;
        }
    }
    Some(server.to_string())
}

/// For a service inside a uv workspace (built from the workspace root): its package name,
/// and every member's pyproject.toml.
fn uv_member(snap: &Snapshot, query: &Query, dir: &str) -> Option<(String, Vec<String>)> {
    let own = crate::manifest::toml(snap, &scan::join(scan::snapshot_path(query.path), "pyproject.toml"))
        .ok()??;
    let package = crate::manifest::toml_str(&own, "project.name")?.to_string();
    crate::validate::app_name(&package.to_ascii_lowercase().replace('_', "-"), "").ok()?;
    let members = snap
        .files_under(dir)
        .filter_map(|rel| {
            let inner = rel.strip_prefix(dir).unwrap_or(rel).trim_start_matches('/');
            (scan::file_name(inner) == "pyproject.toml"
                && inner.contains('/')
                && !inner.split('/').any(crate::detect::dir::is_non_app_dir))
            .then(|| inner.to_string())
        })
        .collect();
    Some((package, members))
}

/// Follows `-r`/`--requirement` and `-c`/`--constraint` includes from `file`, recursively:
/// every file the install reads (sorted), and whether a requirement is a local path.
fn requirement_inputs(snap: &Snapshot, dir: &str, file: &str) -> (Vec<String>, bool) {
    let mut files: Vec<String> = Vec::new();
    let mut local = false;
    let mut queue = vec![file.to_string()];
    while let Some(current) = queue.pop() {
        if files.contains(&current) || files.len() > 50 {
            continue;
        }
        let Ok(Some(text)) = snap.read(&scan::join(dir, &current)) else { continue };
        files.push(current.clone());
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
                local = true;
            }
        }
    }
    files.sort();
    (files, local)
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

//! A JavaScript workspace member's build, the way the repository's own tool runs it: the
//! workspace packages the app imports, and theirs, are built first (a UI package's `dist/`
//! comes from its own tsup or tsc build). Building only the app's folder fails with
//! "Module not found" for each of them.
//!
//! The command comes from a table: the task runner the workspace root configures (turbo,
//! nx) and otherwise the package manager's own filter. Each runs from the app's folder.

use crate::detect::Field;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::dir::Dir;
use super::model::{PackageManager, Service};
use crate::error::Error;
use crate::scan;

/// One package of the workspace, as its package.json says.
struct Member {
    folder: String,
    builds: bool,
    deps: BTreeSet<String>,
}

/// Sets `service`'s build to one that builds its workspace dependencies first, when it has
/// any with a build of their own. `name` is the app's package name; `own_build` whether the
/// build found so far is the app's own `build` script (which the tool then runs too); any
/// other build runs after the dependencies'.
pub fn apply(dir: &Dir, name: &str, own_build: bool, service: &mut Service) -> Result<(), Error> {
    let Some((root, members)) = workspace_of(dir, name, service) else { return Ok(()) };
    let root = Dir::new(dir.snap, &root);
    let Some(app) = members.get(name) else { return Ok(()) };
    let order = built_first(&members, &app.deps);
    if order.is_empty() {
        return Ok(());
    }
    let pm = service.package_manager;
    let Some((mut command, file)) = command(&root, dir, pm, name, own_build, &order, &members)? else {
        return Ok(());
    };
    if !own_build && let Some(build) = &service.build_command {
        command = format!("{command} && {build}");
    }
    service.found(
        Field::BuildCommand,
        &file,
        format!("builds the workspace packages it imports first ({}): {command}", order.join(", ")),
    );
    service.build_command = Some(command);
    Ok(())
}

/// Whether another package of the workspace depends on the package `name` at `dir`: then it
/// is a library of the workspace, an app only if it says how it starts.
pub fn imported_by_another(dir: &Dir, name: &str, service: &Service) -> bool {
    workspace_of(dir, name, service).is_some_and(|(_, members)| {
        members.iter().any(|(other, member)| other != name && member.deps.contains(name))
    })
}

/// The workspace root a member `name` at `dir` builds from, and its members: `None` for a
/// package that is no workspace member (or has a name bim will not pass to a tool).
fn workspace_of(
    dir: &Dir,
    name: &str,
    service: &Service,
) -> Option<(String, std::sync::Arc<BTreeMap<String, Member>>)> {
    let root = service.build_context.as_deref()?;
    let root = Dir::new(dir.snap, scan::snapshot_path(root));
    if root.path == dir.path || !safe_name(name) {
        return None;
    }
    // Every service of the workspace asks for the same members: parsed once.
    let members = dir.snap.memo(&format!("workspace members of /{}", root.path), || members(&root));
    Some((root.path.to_string(), members))
}

/// What an app of a workspace needs at run time: its package name, the folders of the
/// workspace packages it imports (transitively, its own included), and the members it does
/// not need, whose folders and dependencies the image can leave out.
#[derive(Debug, PartialEq)]
pub struct Closure {
    pub name: String,
    pub unneeded: Vec<String>,
}

/// The closure of the app in folder `app` of the workspace rooted at `root` (both snapshot
/// paths), when the app is a member with a name a shell line can carry.
pub fn closure(snap: &scan::Snapshot, root: &str, app: &str) -> Option<Closure> {
    let root = Dir::new(snap, root);
    let members = snap.memo(&format!("workspace members of /{}", root.path), || members(&root));
    let (name, _) = members.iter().find(|(_, m)| m.folder == app)?;
    if !safe_name(name) {
        return None;
    }
    let mut needed = BTreeSet::new();
    let mut todo = vec![name.clone()];
    while let Some(next) = todo.pop() {
        if let Some(member) = members.get(&next)
            && needed.insert(next)
        {
            todo.extend(member.deps.iter().cloned());
        }
    }
    let inside = |a: &str, b: &str| a == b || a.starts_with(&format!("{b}/"));
    let kept: Vec<&str> = needed.iter().map(|n| members[n].folder.as_str()).collect();
    let unneeded = members
        .values()
        .map(|m| m.folder.as_str())
        .filter(|f| !f.is_empty() && kept.iter().all(|k| !inside(f, k) && !inside(k, f)))
        .filter(|f| f.split('/').all(|p| p.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))))
        .map(|f| f.strip_prefix(root.path).unwrap_or(f).trim_start_matches('/').to_string())
        .collect();
    Some(Closure { name: name.clone(), unneeded })
}

/// Package names that are safe on a shell line as they are.
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "@/._-".contains(c))
}

/// Every package of the workspace under `root`, by name (one whose package.json cannot be
/// read is not a member bim can build).
fn members(root: &Dir) -> BTreeMap<String, Member> {
    let mut found = BTreeMap::new();
    let manifests: Vec<&str> = root
        .snap
        .files_under(root.path)
        .filter(|rel| scan::file_name(rel) == "package.json")
        .filter(|rel| !rel.split('/').any(super::dir::is_non_app_dir))
        .collect();
    for rel in manifests {
        let Ok(Some(json)) = crate::manifest::json(root.snap, rel) else { continue };
        let Some(name) = json.get("name").and_then(Value::as_str) else { continue };
        let builds = json.get("scripts").and_then(|s| s.get("build")).is_some();
        let mut deps = BTreeSet::new();
        for key in ["dependencies", "devDependencies", "peerDependencies"] {
            if let Some(Value::Object(map)) = json.get(key) {
                deps.extend(map.keys().cloned());
            }
        }
        found.insert(name.to_string(), Member { folder: scan::parent(rel).to_string(), builds, deps });
    }
    found
}

/// The workspace packages reachable from `deps` that have a build, dependencies first.
fn built_first(members: &BTreeMap<String, Member>, deps: &BTreeSet<String>) -> Vec<String> {
    fn visit(
        name: &str,
        members: &BTreeMap<String, Member>,
        seen: &mut BTreeSet<String>,
        order: &mut Vec<String>,
    ) {
        let Some(member) = members.get(name) else { return };
        if !seen.insert(name.to_string()) {
            return;
        }
        for dep in &member.deps {
            visit(dep, members, seen, order);
        }
        if member.builds && safe_name(name) {
            order.push(name.to_string());
        }
    }
    let (mut seen, mut order) = (BTreeSet::new(), Vec::new());
    for dep in deps {
        visit(dep, members, &mut seen, &mut order);
    }
    order
}

/// The command that builds `order` and then the app, from the app's folder, and the file
/// that chose it.
fn command(
    root: &Dir,
    app: &Dir,
    pm: PackageManager,
    name: &str,
    own_build: bool,
    order: &[String],
    members: &BTreeMap<String, Member>,
) -> Result<Option<(String, String)>, Error> {
    let exec = match pm {
        PackageManager::Pnpm => "pnpm exec",
        PackageManager::Yarn => "yarn",
        PackageManager::Bun => "bunx",
        _ => "npx",
    };
    // `NAME...` is the app and its dependencies; `NAME^...` its dependencies only.
    let closure = if own_build { format!("{name}...") } else { format!("{name}^...") };
    // turbo 2 refuses to run without the root's `packageManager`; the package manager's
    // own filter builds the same closure without it.
    if root.has("turbo.json") && package_manager_field(root)?.is_some() {
        // turbo 2's strict env mode hands a task only the variables turbo.json declares, so
        // the build's own settings (validator skips, NEXT_PRIVATE_*) would never reach it.
        let command = format!("{exec} turbo run build --filter={closure} --env-mode=loose");
        return Ok(Some((command, root.rel("turbo.json"))));
    }
    if root.has("nx.json") && own_build {
        return Ok(Some((format!("{exec} nx build {name}"), root.rel("nx.json"))));
    }
    let manifest = root.rel("package.json");
    let command = match pm {
        PackageManager::Pnpm => {
            let file = root.first_of(&["pnpm-workspace.yaml"]).unwrap_or(manifest);
            return Ok(Some((format!("pnpm --filter {closure} run build"), file)));
        }
        PackageManager::Yarn if yarn_berry(root)? => {
            let exclude = if own_build { String::new() } else { format!(" --exclude {name}") };
            format!("yarn workspaces foreach -Rt --from {name}{exclude} run build")
        }
        PackageManager::Yarn => {
            chain(order, own_build, |dep| format!("yarn workspace {dep} run build"), "yarn run build")
        }
        PackageManager::Bun => chain(
            order,
            own_build,
            |dep| {
                let folder = &members[dep].folder;
                format!("bun run --cwd {} build", relative(app.path, folder))
            },
            "bun run build",
        ),
        _ => {
            let mut names: Vec<&str> = order.iter().map(String::as_str).collect();
            if own_build {
                names.push(name);
            }
            let flags: Vec<String> = names.iter().map(|n| format!("-w {n}")).collect();
            format!("npm run build {}", flags.join(" "))
        }
    };
    Ok(Some((command, manifest)))
}

/// `a && b && c`, each dependency's build then the app's own.
fn chain(order: &[String], own_build: bool, each: impl Fn(&str) -> String, last: &str) -> String {
    let mut steps: Vec<String> = order.iter().map(|d| each(d)).collect();
    if own_build {
        steps.push(last.to_string());
    }
    steps.join(" && ")
}

/// The workspace root's `packageManager` field.
fn package_manager_field(root: &Dir) -> Result<Option<String>, Error> {
    let manifest = crate::manifest::json(root.snap, &root.rel("package.json"))?;
    Ok(manifest.as_ref().and_then(|m| m.get("packageManager")).and_then(Value::as_str).map(str::to_string))
}

/// Yarn 2 or newer: a `.yarnrc.yml`, or `packageManager: yarn@2+`.
fn yarn_berry(root: &Dir) -> Result<bool, Error> {
    if root.has(".yarnrc.yml") {
        return Ok(true);
    }
    let field = package_manager_field(root)?.unwrap_or_default();
    Ok(field.strip_prefix("yarn@").is_some_and(|v| !v.starts_with('1')))
}

/// The path from folder `from` to folder `to`, both from the root.
fn relative(from: &str, to: &str) -> String {
    let from: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
    let to: Vec<&str> = to.split('/').filter(|p| !p.is_empty()).collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(&to[common..]);
    if parts.is_empty() { ".".into() } else { parts.join("/") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(folder: &str, builds: bool, deps: &[&str]) -> Member {
        Member { folder: folder.into(), builds, deps: deps.iter().map(|d| d.to_string()).collect() }
    }

    #[test]
    fn dependencies_build_before_what_imports_them() {
        let members: BTreeMap<String, Member> = [
            ("web", member("apps/web", true, &["@a/ui", "react"])),
            ("@a/ui", member("packages/ui", true, &["@a/tokens", "@a/config"])),
            ("@a/tokens", member("packages/tokens", true, &[])),
            ("@a/config", member("packages/config", false, &[])),
        ]
        .into_iter()
        .map(|(n, m)| (n.to_string(), m))
        .collect();
        let deps = members["web"].deps.clone();
        assert_eq!(built_first(&members, &deps), vec!["@a/tokens", "@a/ui"]);
        assert_eq!(relative("apps/web", "packages/ui"), "../../packages/ui");
        assert!(!safe_name("x; rm -rf /") && safe_name("@acme/ui"));
    }
}

//! Node and Bun facts: the manifests and lockfile an install reads, what else it reads
//! (Yarn's release, patches, the Prisma schema), the package manager's release where
//! package.json pins none, and the root install scripts that must wait for the source.

use crate::detect::dir::{Dir, NON_APP_DIRS};
use crate::detect::facts::{At, Closure, Facts, Query};
use crate::detect::{Framework, Language, PackageManager, node, workspace_build};
use crate::error::Error;
use crate::lockfiles;
use crate::scan::{self, Snapshot};

pub(super) fn read(at: &At, facts: &mut Facts) {
    let (snap, query, context, service_dir) = (at.snap, at.query, at.context, at.service_dir);
    let has = |name: &str| snap.has_file(&scan::join(context, name));
    // Detection already parsed it; a broken one stopped it before the answers.
    let manifest = crate::manifest::json(snap, &scan::join(context, "package.json")).ok().flatten();
    let manifest = manifest.as_ref();
    let pm = query.package_manager;
    facts.lockfile = node::lockfiles_of(pm).find(|f| has(f)).map(str::to_string);
    facts.inputs = ["package.json", ".npmrc", ".yarnrc.yml", "pnpm-workspace.yaml"]
        .into_iter()
        .chain(facts.lockfile.as_deref())
        .filter(|f| has(f))
        .map(str::to_string)
        .collect();
    if !service_dir.is_empty() {
        // A workspace: every member's package.json, so the install links them all.
        for rel in snap.files_under(context) {
            let inner = rel.strip_prefix(context).unwrap_or(rel).trim_start_matches('/');
            if scan::file_name(inner) == "package.json"
                && inner.contains('/')
                && !inner.split('/').any(|p| NON_APP_DIRS.contains(&p))
            {
                facts.inputs.push(inner.to_string());
            }
        }
        facts.closure = workspace_build::closure(snap, context, scan::snapshot_path(query.path))
            .map(|c| Closure { name: c.name, unneeded: c.unneeded });
    }
    let Some(manifest) = manifest else { return };
    facts.yarn_major = yarn_major(manifest);
    if matches!(pm, PackageManager::Yarn | PackageManager::Pnpm) && manifest.get("packageManager").is_none() {
        facts.manager_pin = manager_pin(snap, context, pm);
    }
    if matches!(pm, PackageManager::Npm | PackageManager::Pnpm) {
        let (deferred, dropped) = lifecycle_scripts(manifest);
        facts.after_copy = deferred.into_iter().map(str::to_string).collect();
        facts.git_hooks_dropped = dropped && pm == PackageManager::Npm;
    }
    // npm's lockfile names the packages with install scripts; read only where a rebuild by
    // name is wanted (a big lockfile is slow to parse).
    let rebuilds = !facts.after_copy.is_empty() || facts.git_hooks_dropped || facts.closure.is_some();
    if pm == PackageManager::Npm
        && rebuilds
        && let Some(lockfile) = &facts.lockfile
    {
        facts.rebuild = scripted_packages(snap, &scan::join(context, lockfile));
    }
    let extra = install_inputs(manifest, snap, context);
    facts.inputs.extend(extra);
}

/// A Rails app whose package.json builds its assets (jsbundling-rails, cssbundling-rails):
/// `assets:precompile` runs that build, so the image needs Node and the package's install.
pub(crate) fn rails_assets(at: &At, facts: &mut Facts) -> Result<(), Error> {
    let (snap, query, folder) = (at.snap, at.query, at.folder);
    if query.framework != Framework::Rails {
        return Ok(());
    }
    let manifest = crate::manifest::json(snap, &scan::join(folder, "package.json")).ok().flatten();
    let builds = manifest
        .as_ref()
        .and_then(|m| m.get("scripts"))
        .is_some_and(|s| s.get("build").is_some() || s.get("build:css").is_some());
    if !builds {
        return Ok(());
    }
    // jsbundling runs yarn, pnpm or npm by the lockfile it finds.
    let pm = node::locked_by(&Dir::new(snap, folder))
        .map(|(_, pm)| pm)
        .filter(|pm| matches!(pm, PackageManager::Yarn | PackageManager::Pnpm))
        .unwrap_or(PackageManager::Npm);
    let package = Query {
        path: query.path,
        context: query.path,
        language: Language::Node,
        framework: Framework::None,
        package_manager: pm,
        start_command: None,
        frontend: None,
        own_dockerfile: false,
    };
    facts.assets_manager = Some(pm);
    facts.assets = Some(Box::new(at.read(&package)?));
    Ok(())
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

/// The release to install where package.json does not pin one: Yarn 1 for a classic
/// yarn.lock, berry's own release from .yarnrc.yml, the pnpm major whose `lockfileVersion`
/// the lockfile has.
fn manager_pin(snap: &Snapshot, context: &str, pm: PackageManager) -> Option<String> {
    let read = |name: &str| snap.read(&scan::join(context, name)).ok().flatten();
    match pm {
        PackageManager::Yarn => match read(".yarnrc.yml") {
            Some(rc) => YARN_PATH.captures(&rc.text).map(|c| c[1].to_string()),
            None => Some(YARN_CLASSIC.into()),
        },
        PackageManager::Pnpm => {
            let lock = read(lockfiles::PNPM)?;
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

/// Yarn's major version from the `packageManager` field (`yarn@4.5.0`), if pinned there.
fn yarn_major(manifest: &serde_json::Value) -> Option<u32> {
    let pinned = manifest.get("packageManager")?.as_str()?.strip_prefix("yarn@")?;
    pinned.split('.').next()?.parse().ok()
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

/// What an install reads beyond the manifests, copied with them so the dependency layer is
/// complete: Yarn berry's release and plugins, patch-package's patches, the Prisma schema
/// (@prisma/client generates from it when it installs), and files the install scripts
/// name. Folders end in `/`.
fn install_inputs(manifest: &serde_json::Value, snap: &Snapshot, context: &str) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    let deps = |name: &str| {
        ["dependencies", "devDependencies"]
            .iter()
            .any(|k| manifest.get(*k).and_then(|d| d.get(name)).is_some())
    };
    // .yarn is pruned from the scan (it holds caches), so the rc file says what is there.
    if let Ok(Some(rc)) = snap.read(&scan::join(context, ".yarnrc.yml")) {
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
    if let Ok(Some(workspace)) = snap.read(&scan::join(context, "pnpm-workspace.yaml")) {
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
    let mut items: Vec<String> = Vec::new();
    for path in paths {
        let bare = path.trim_end_matches('/');
        let rel = scan::join(context, bare);
        let is_dir = path.ends_with('/') && (snap.has_dir(&rel) || bare.starts_with(".yarn/"));
        let known = is_dir || snap.has_file(&rel);
        let item = if is_dir { format!("{bare}/") } else { bare.to_string() };
        if !known || crate::validate::repo_path("path", bare, "").is_err() || items.contains(&item) {
            continue;
        }
        items.push(item);
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pnpm_workspace_settings_name_their_patch_files() {
        let yaml = "packages:\n  - 'apps/*'\npatchedDependencies:\n  scimmy@1.3.5: patches/scimmy@1.3.5.patch\n  '@a/b@2.0.0': \"./patches/@a__b.patch\"\n  # a note\noverrides:\n  glob: 13.0.6\n";
        assert_eq!(
            yaml_map_values(yaml, "patchedDependencies"),
            ["patches/scimmy@1.3.5.patch", "patches/@a__b.patch"]
        );
    }

    #[test]
    fn root_install_scripts_that_read_the_tree_wait_for_it_and_git_hooks_are_dropped() {
        let scripts = |value: serde_json::Value| lifecycle_scripts(&serde_json::json!({ "scripts": value }));
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
}

//! Facts: what the generated files need to know of the repository for a service's answers
//! (which manifests exist, what the lockfile pins, which root scripts read the tree), read
//! once here and recorded in bim.toml as `[service.facts]`. Planning reads them from there
//! and never the repository, so `bim check` renders every file from bim.toml alone.
//!
//! Facts follow the answers (the package manager chosen, the start command), so they are
//! read after the answers are resolved, and `bim init` reads them anew on every run: they
//! are the repository's, not choices to keep.

use serde::{Deserialize, Serialize};

use super::dir::Dir;
use super::start_script;
use super::{Framework, Frontend, Language, PackageManager};
use crate::error::Error;

use crate::scan::{self, Snapshot};

/// What a service's files need to know of the repository. Paths are relative to the
/// folder the install runs in (the build context, or `install_dir` inside it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Facts {
    /// Files, and folders ending in `/`, copied before the install so its layer stays
    /// cached: the manifests, the lockfile and what the install reads besides.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<String>,
    /// Where the install runs, from the build context, when not at its root (a Python
    /// service whose context was widened for its front end).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub install_dir: Option<String>,
    /// The lockfile the install is held to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockfile: Option<String>,
    /// The Yarn or pnpm release to install, where package.json pins none: the lockfile's
    /// format or .yarnrc.yml names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager_pin: Option<String>,
    /// Yarn's major version, where package.json's `packageManager` pins it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yarn_major: Option<u32>,
    /// Dependencies whose install scripts are rebuilt by name (package-lock.json marks them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rebuild: Vec<String>,
    /// The root package's install scripts that read more of the tree than the dependency
    /// layer holds, run once the source is in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub after_copy: Vec<String>,
    /// A root install script that only set up git hooks was dropped.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub git_hooks_dropped: bool,
    /// A workspace app's package name, and the members it does not import.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closure: Option<Closure>,
    /// The app has a `public/` folder (Next.js serves it).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub public_dir: bool,
    /// The requirements file pip installs from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirements: Option<String>,
    /// A requirement is a local path (`-e .`), so the install needs the source.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub local_requirements: bool,
    /// pyproject.toml lists `project.dependencies`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pyproject_dependencies: bool,
    /// The server the start command runs that no manifest names (`uvicorn`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_server: Option<String>,
    /// The uv workspace member's package name, for a service inside a uv workspace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uv_package: Option<String>,
    /// The requirements files the workflow's test job installs, from the service's folder.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub test_requirements: Vec<String>,
    /// The repository script the start command runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_script: Option<ScriptFacts>,
    /// A Rails app whose package.json builds its assets: the package manager its lockfile names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assets_manager: Option<PackageManager>,
    /// The paths whose change rebuilds this service, where a GitLab pipeline builds several
    /// (its `rules: changes:`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// The facts of the Node package built in a stage of this image (the front end, or a
    /// Rails app's assets), from that package's own folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assets: Option<Box<Facts>>,
}

/// A workspace app's closure: see `workspace_build::closure`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unneeded: Vec<String>,
}

/// A start script: the server it runs (its `exec`, or last command), and the folders
/// outside the app that it writes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScriptFacts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<String>,
}

impl Facts {
    pub fn has_input(&self, name: &str) -> bool {
        self.inputs.iter().any(|i| i == name)
    }
}

/// What the repository-wide files need to know of the repository.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RepoFacts {
    /// The repository's own compose file, which bim's compose.yaml would stand beside.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_compose: Option<String>,
    /// The workflow an earlier bim wrote, under a name bim no longer uses, which it keeps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
}

impl RepoFacts {
    pub fn is_default(&self) -> bool {
        *self == RepoFacts::default()
    }
}

/// Reads the repository-wide facts.
pub fn read_repo(snap: &Snapshot) -> RepoFacts {
    use crate::ownership::{OLD_WORKFLOW, OTHER_COMPOSE_FILES, WORKFLOW, made_by_bim};
    let old_is_bims = snap.read(OLD_WORKFLOW).ok().flatten().is_some_and(|f| made_by_bim(&f.text));
    RepoFacts {
        own_compose: OTHER_COMPOSE_FILES.iter().find(|f| snap.has_file(f)).map(|f| f.to_string()),
        workflow: (old_is_bims && !snap.has_file(WORKFLOW)).then(|| OLD_WORKFLOW.to_string()),
    }
}

/// The answers the facts depend on.
pub struct Query<'a> {
    /// The service's folder and its build context, relative to the root (`.` for it).
    pub path: &'a str,
    pub context: &'a str,
    pub language: Language,
    pub framework: Framework,
    pub package_manager: PackageManager,
    pub start_command: Option<&'a str>,
    pub frontend: Option<&'a Frontend>,
    /// bim builds the image (the repository's own Dockerfile needs no facts).
    pub own_dockerfile: bool,
}

/// Each stack's part of the facts, chosen by the query's language (see `detect::stack`):
/// passed in, so this module, which every stack reads, knows none of them.
pub type StackFacts<'f> = &'f dyn Fn(&At, &mut Facts) -> Result<(), Error>;

/// Where a stack reads its facts: the answers, the service's folder and the build context
/// (snapshot paths), the service's folder inside the context, and how to read the facts of
/// another package (a front end built in the same image).
pub struct At<'a> {
    pub snap: &'a Snapshot,
    pub query: &'a Query<'a>,
    pub context: &'a str,
    pub folder: &'a str,
    pub service_dir: &'a str,
    pub stacks: StackFacts<'a>,
}

impl At<'_> {
    /// The names, of those given, that are files at the root of the build context.
    pub fn copy_here(&self, names: &[&str]) -> Vec<String> {
        names
            .iter()
            .filter(|n| self.snap.has_file(&scan::join(self.context, n)))
            .map(|n| n.to_string())
            .collect()
    }

    /// The facts of another package, read as a service's are.
    pub fn read(&self, query: &Query) -> Result<Facts, Error> {
        read(self.snap, query, self.stacks)
    }
}

/// Reads the facts for a service's answers.
pub fn read(snap: &Snapshot, query: &Query, stacks: StackFacts) -> Result<Facts, Error> {
    let mut facts = Facts::default();
    if query.own_dockerfile {
        return Ok(facts);
    }
    let context = scan::snapshot_path(query.context);
    let folder = scan::snapshot_path(query.path);
    let service_dir = folder.strip_prefix(context).unwrap_or(folder).trim_start_matches('/');
    if let Some(start) = query.start_command
        && let Some(script) = start_script::read(&Dir::new(snap, folder), start)?
    {
        facts.start_script =
            Some(ScriptFacts { server: script.server.map(|(_, server)| server), writes: script.writes });
    }
    let at = At { snap, query, context, folder, service_dir, stacks };
    stacks(&at, &mut facts)?;
    if let Some(front) = query.frontend {
        let package = Query {
            path: &front.path,
            context: &front.path,
            language: front.language,
            framework: Framework::None,
            package_manager: front.package_manager,
            start_command: None,
            frontend: None,
            own_dockerfile: false,
        };
        facts.assets = Some(Box::new(at.read(&package)?));
    }
    Ok(facts)
}

/// Where a service's image is built from, for its GitLab `rules: changes:`.
pub struct BuiltFrom<'a> {
    pub path: &'a str,
    pub context: &'a str,
    pub dockerfile: String,
    pub frontend: Option<&'a str>,
}

/// The `rules: changes:` globs of each service where a GitLab pipeline builds several, in order.
pub fn gitlab_changes(snap: &Snapshot, services: &[BuiltFrom]) -> Vec<Vec<String>> {
    services
        .iter()
        .map(|BuiltFrom { path, context, dockerfile, frontend: front }| {
            let others: Vec<&str> =
                services.iter().filter(|o| o.path != *path).map(|o| scan::snapshot_path(o.path)).collect();
            let own = scan::snapshot_path(path);
            let mut changes = Vec::new();
            change_paths(snap, scan::snapshot_path(context), own, &others, &mut changes);
            if let Some(front) = front {
                change_paths(snap, front, front, &others, &mut changes);
            }
            changes.push(dockerfile.to_string());
            changes.sort();
            changes.dedup();
            changes
        })
        .collect()
}

/// The `rules: changes:` globs a service's jobs run on: everything its image is built from
/// (its build context), less the folders of the other services in it, so a workspace's
/// shared packages and root lockfile rebuild every service that builds from them, and one
/// service's own folder rebuilds only that service.
fn change_paths(snap: &Snapshot, dir: &str, own: &str, others: &[&str], out: &mut Vec<String>) {
    let under = |path: &str, folder: &str| {
        folder.is_empty() || path == folder || path.starts_with(&format!("{folder}/"))
    };
    let glob = |folder: &str| if folder.is_empty() { "**/*".to_string() } else { format!("{folder}/**/*") };
    if dir == own || !under(own, dir) && !others.iter().any(|o| under(o, dir)) {
        out.push(glob(dir));
        return;
    }
    if others.contains(&dir) {
        return;
    }
    // A folder above this service or another: its own files, then each folder in it.
    out.push(if dir.is_empty() { "*".into() } else { format!("{dir}/*") });
    // bim's own records (.bim) change with every render, never with the app.
    let children: Vec<&str> =
        snap.dirs_under(dir).filter(|d| scan::parent(d) == dir && *d != ".bim").collect();
    for child in children {
        change_paths(snap, child, own, others, out);
    }
}

//! Node and Bun: npm, pnpm, Yarn (classic and berry) and Bun installs, their production
//! prune (a workspace app's closure only), the root scripts that wait for the source, and
//! the same install and package manager setup on the workflow's runner.

use super::{Ci, Recipe};
use crate::config::ServiceConfig;
use crate::detect::facts::{Closure, Facts};
use crate::detect::{Framework, Language, PackageManager};
use crate::plan::service_dir_in_context;

/// corepack, pinned: the one bundled with Node is missing from Node 25 on, and older
/// bundled ones reject the registry's newer signing keys. Reviewed 2026-11.
const COREPACK: &str = "0.36.0";

pub(super) fn recipe(service: &ServiceConfig, facts: &Facts) -> Recipe {
    let mut r = Recipe {
        template: match (service.language, service.framework, &service.static_output) {
            (_, _, Some(_)) => "docker/node-static.Dockerfile.tera",
            (Language::Bun, _, None) => "docker/bun.Dockerfile.tera",
            (_, Framework::Nextjs, None) => "docker/nextjs.Dockerfile.tera",
            _ => "docker/node.Dockerfile.tera",
        },
        ..Recipe::default()
    };
    image(service, facts, &mut r);
    r.ci = ci(service, facts);
    r
}

/// The workflow's test job: the same install and package manager setup as the image's.
fn ci(service: &ServiceConfig, facts: &Facts) -> Ci {
    let pm = service.package_manager;
    let locked = facts.lockfile.is_some();
    let berry = facts.has_input(".yarnrc.yml");
    Ci {
        install: Some(install(pm, locked, berry).into()),
        setup: match pm {
            PackageManager::Bun => Some(format!("npm install --global bun@{}", service.runtime_version)),
            pm => setup(pm, facts),
        },
        node_cache: match (pm, locked) {
            (PackageManager::Npm, true) => Some("npm"),
            (PackageManager::Yarn, true) if !berry => Some("yarn"),
            _ => None,
        },
        adhoc_install: match pm {
            PackageManager::Bun => Some(
                "Bun has no setup action whose commit could be verified; npm checks the package's integrity",
            ),
            PackageManager::Pnpm | PackageManager::Yarn => Some(
                "the release the image installs too, pinned by package.json or the lockfile; npm checks the package's integrity",
            ),
            _ => None,
        },
        lockfile: facts.lockfile.clone(),
        version: (service.language == Language::Bun).then(|| crate::detect::defaults::NODE.into()),
        ..Ci::default()
    }
}

/// The image's install, prune and setup.
fn image(service: &ServiceConfig, facts: &Facts, r: &mut Recipe) {
    let service_dir = service_dir_in_context(service);
    let pm = service.package_manager;
    let locked = facts.lockfile.is_some();
    let berry = pm == PackageManager::Yarn && facts.has_input(".yarnrc.yml");
    let install = install(pm, locked, berry);
    let (prune, cache) = match (pm, locked) {
        (PackageManager::Pnpm, _) => {
            (Some("pnpm prune --prod --ignore-scripts"), "/root/.local/share/pnpm/store")
        }
        // `workspaces focus` ships with Yarn from 4 on; Yarn 2 and 3 import its plugin first.
        (PackageManager::Yarn, _) if berry => (
            match facts.yarn_major {
                Some(2 | 3) => {
                    Some("yarn plugin import workspace-tools && yarn workspaces focus --all --production")
                }
                Some(4..) => Some("yarn workspaces focus --all --production"),
                _ => None,
            },
            "/root/.yarn/berry/cache",
        ),
        (PackageManager::Yarn, _) => (
            Some("yarn install --production --ignore-scripts --prefer-offline"),
            "/usr/local/share/.cache/yarn",
        ),
        // Bun has no prune: a fresh production install, from the cache, leaves dev dependencies out.
        (PackageManager::Bun, true) => (
            Some("rm -rf node_modules && bun install --production --frozen-lockfile"),
            "/root/.bun/install/cache",
        ),
        (PackageManager::Bun, false) => {
            (Some("rm -rf node_modules && bun install --production"), "/root/.bun/install/cache")
        }
        _ => (Some("npm prune --omit=dev"), "/root/.npm"),
    };
    // `pnpm prune` in a workspace drops the members' own dependencies (their node_modules
    // are links into the root's store); a production install from the same store keeps
    // every member's runtime dependencies and drops the rest.
    let workspace = facts.has_input("pnpm-workspace.yaml") || service_dir != ".";
    let prune = match pm {
        PackageManager::Pnpm if workspace && locked => Some(
            "pnpm install --prod --frozen-lockfile --offline --ignore-scripts --config.confirmModulesPurge=false",
        ),
        PackageManager::Pnpm if workspace => {
            Some("pnpm install --prod --offline --ignore-scripts --config.confirmModulesPurge=false")
        }
        _ => prune,
    };
    let prune = match &facts.closure {
        Some(closure) => closure_prune(pm, locked, facts.yarn_major, &service_dir, closure, &facts.rebuild)
            .or_else(|| prune.map(str::to_string)),
        None => prune.map(str::to_string),
    };
    let mut install = install.to_string();
    if pm == PackageManager::Npm {
        // Without a lockfile nothing says which dependencies have scripts to rebuild, so a
        // dropped git-hook setup alone does not justify skipping theirs.
        if !facts.after_copy.is_empty() || (facts.git_hooks_dropped && locked) {
            // The dependencies' own install scripts (native builds) still run in the cached
            // layer, by name: a bare `npm rebuild` runs the root's scripts too.
            install = format!("{install} --ignore-scripts");
            if !facts.rebuild.is_empty() {
                install = format!("{install} && npm rebuild {}", facts.rebuild.join(" "));
            }
        }
        if !facts.after_copy.is_empty() {
            let runs: Vec<String> = facts.after_copy.iter().map(|s| format!("npm run {s}")).collect();
            r.lifecycle = Some(runs.join(" && "));
        }
    }
    if pm == PackageManager::Pnpm && !facts.after_copy.is_empty() {
        // pnpm 9's lockfile no longer marks the packages that build, so they cannot be
        // rebuilt by name in the cached layer as npm's are: `pnpm rebuild` after the full
        // copy runs theirs, the root's and the members' scripts, the order an install would.
        install = format!("{install} --ignore-scripts");
        let recursive = if workspace { " --recursive" } else { "" };
        r.lifecycle = Some(format!("pnpm rebuild{recursive}"));
    }
    r.install = Some(install);
    // A native module compiled here leaves its object files beside the .node it built
    // (better-sqlite3: 15 MB of them); only the .node is loaded.
    let compiled = !service.build_packages.is_empty() && pm != PackageManager::Bun;
    let prune = prune.map(|p| {
        if compiled {
            format!("{p} && find node_modules -path '*/build/Release/obj.target' -prune -exec rm -rf {{}} + && find node_modules -name '*.o' -type f -delete")
        } else {
            p
        }
    });
    r.prune = prune.filter(|_| service.static_output.is_none());
    r.cache = Some(cache.into());
    r.setup = setup(pm, facts);
}

/// The production install of a workspace app's closure only: the package manager's own
/// filter installs the dependencies of the app and of the workspace packages it imports, and
/// the members it does not import are removed. `None` where the manager has no such filter.
fn closure_prune(
    pm: PackageManager,
    locked: bool,
    yarn_major: Option<u32>,
    service_dir: &str,
    closure: &Closure,
    scripted: &[String],
) -> Option<String> {
    let name = &closure.name;
    // Every node_modules goes first: the filtered install then links the closure's alone.
    let fresh = "find . -name node_modules -type d -prune -exec rm -rf {} +";
    let install = match (pm, locked) {
        // The root's own install scripts would run too; the dependencies' are rebuilt by name.
        (PackageManager::Npm, true) => {
            let rebuild = if scripted.is_empty() {
                String::new()
            } else {
                format!(" && npm rebuild {}", scripted.join(" "))
            };
            format!("npm ci --omit=dev --ignore-scripts --workspace {service_dir}{rebuild}")
        }
        (PackageManager::Pnpm, true) => format!(
            "{fresh} && pnpm install --prod --frozen-lockfile --offline --ignore-scripts --filter '{name}...'"
        ),
        (PackageManager::Yarn, _) => match yarn_major {
            Some(2 | 3) => {
                format!("yarn plugin import workspace-tools && yarn workspaces focus --production {name}")
            }
            Some(4..) => format!("yarn workspaces focus --production {name}"),
            _ => return None,
        },
        (PackageManager::Bun, true) => {
            format!("{fresh} && bun install --production --frozen-lockfile --filter '{name}'")
        }
        _ => return None,
    };
    if closure.unneeded.is_empty() {
        return Some(install);
    }
    Some(format!("{install} && rm -rf {}", closure.unneeded.join(" ")))
}

/// The dependency install for a Node package manager: the one command the image and the
/// workflow's test job both run.
pub fn install(pm: PackageManager, locked: bool, berry: bool) -> &'static str {
    match (pm, locked) {
        (PackageManager::Pnpm, true) => "pnpm install --frozen-lockfile",
        (PackageManager::Pnpm, false) => "pnpm install",
        (PackageManager::Yarn, _) if berry => "yarn install --immutable",
        (PackageManager::Yarn, true) => "yarn install --frozen-lockfile",
        (PackageManager::Yarn, false) => "yarn install",
        (PackageManager::Bun, true) => "bun install --frozen-lockfile",
        (PackageManager::Bun, false) => "bun install",
        (_, true) => "npm ci",
        (_, false) => "npm install",
    }
}

/// What puts Yarn or pnpm on the path, in the image and on the workflow's runner alike. A
/// pinned corepack: the one bundled with Node is missing from Node 25 on, and older bundled
/// ones reject the registry's newer signing keys. Where package.json pins no version, the
/// lockfile's format names one, installed from the registry with its integrity checked
/// (corepack would want a pin's hash).
fn setup(pm: PackageManager, facts: &Facts) -> Option<String> {
    if !matches!(pm, PackageManager::Yarn | PackageManager::Pnpm) {
        return None;
    }
    Some(match &facts.manager_pin {
        Some(version) => format!("npm install --global --force {pm}@{version}"),
        None => format!("npm install --global corepack@{COREPACK} && corepack enable"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(pm: &str, facts: &str) -> ServiceConfig {
        let text = format!(
            "version = 1\nregistry = \"ghcr\"\nbranch = \"main\"\n[[service]]\npath = \".\"\napp = \"a\"\n\
             language = \"node\"\nframework = \"express\"\npackage_manager = \"{pm}\"\n\
             runtime_version = \"24\"\nport = 3000\nstart_command = \"node index.js\"\n\
             [service.facts]\n{facts}\n"
        );
        crate::config::Config::parse(&text, "bim.toml").expect("parses").services.remove(0)
    }

    /// The test job installs as the image does: the image's install is the job's, with at
    /// most the scripts held back for after the copy.
    #[test]
    fn the_test_job_installs_with_the_images_command_for_every_manager() {
        let cases = [
            (
                "npm",
                "inputs = [\"package.json\", \"package-lock.json\"]\nlockfile = \"package-lock.json\"\nafter_copy = [\"postinstall\"]\nrebuild = [\"esbuild\"]",
            ),
            ("npm", "inputs = [\"package.json\"]"),
            (
                "pnpm",
                "inputs = [\"package.json\", \"pnpm-lock.yaml\"]\nlockfile = \"pnpm-lock.yaml\"\nafter_copy = [\"prepare\"]\nmanager_pin = \"9.15.9\"",
            ),
            (
                "yarn",
                "inputs = [\"package.json\", \".yarnrc.yml\", \"yarn.lock\"]\nlockfile = \"yarn.lock\"\nyarn_major = 4",
            ),
            (
                "yarn",
                "inputs = [\"package.json\", \"yarn.lock\"]\nlockfile = \"yarn.lock\"\nmanager_pin = \"1.22.22\"",
            ),
            ("bun", "inputs = [\"package.json\", \"bun.lock\"]\nlockfile = \"bun.lock\""),
        ];
        for (pm, facts) in cases {
            let s = service(pm, facts);
            let r = recipe(&s, s.facts.as_ref().expect("facts"));
            let (image, ci) = (r.install.expect("image install"), r.ci.install.expect("ci install"));
            assert!(image.starts_with(&ci), "{pm}: the image runs `{image}`, the test job `{ci}`");
            if pm != "bun" && pm != "npm" {
                assert_eq!(r.setup, r.ci.setup, "{pm}: the same release on the runner as in the image");
            }
        }
    }
}

//! The start command: a `start` script that serves (not one that builds), `main`, or the
//! usual entry files; and the build steps a script runs first.

use super::frameworks::nx_build_output;
use super::package::Package;
use super::{BUN_SERVES, ENTRY_FILES, SERVES};
use crate::detect::Field;
use crate::detect::dir::Dir;
use crate::detect::model::{Framework, Language, PackageManager, Service};
use crate::error::Error;

/// Steps that build: in a start script they move to the build stage.
pub(super) const BUILD_STEPS: &[&str] = &[
    "tsc",
    "npx tsc",
    "nest build",
    "next build",
    "vite build",
    "webpack",
    "prisma generate",
    "npx prisma generate",
];

pub(super) fn runs_script(step: &str) -> Option<&str> {
    let words: Vec<&str> = step.split_whitespace().collect();
    match words.as_slice() {
        ["npm" | "pnpm" | "bun", "run", name] | ["yarn" | "pnpm", name] => Some(*name),
        _ => None,
    }
    .filter(|name| !["install", "ci", "i"].contains(name))
}

/// A script's steps, with `npm run X` expanded to X's own steps (a few levels deep).
pub(super) fn steps<'p>(pkg: &'p Package, script: &'p str, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    for step in script.split("&&").map(str::trim).filter(|s| !s.is_empty()) {
        match runs_script(step).and_then(|name| pkg.script(name).map(|body| (name, body))) {
            Some((_, body)) if depth < 3 => out.extend(steps(pkg, body, depth + 1)),
            _ => out.push(step.to_string()),
        }
    }
    out
}

/// The workspace members a step runs by the package managers' and task runners' own
/// flags (`--filter`, `--cwd`, `--workspace`, `-w`, `yarn workspace NAME`, `cd DIR`), or
/// whose folder it names (`http-server packages/web/dist`): package names or folders.
fn members_run(step: &str) -> Vec<String> {
    const FLAGS: &[&str] = &["--filter", "-F", "--cwd", "--workspace", "-w", "--prefix", "-C", "--dir"];
    let words: Vec<&str> = step.split_whitespace().collect();
    let mut found = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let value = crate::detect::bind::flag_value(&words, i, FLAGS);
        let value = value.or_else(|| {
            let prev = i.checked_sub(1).and_then(|p| words.get(p));
            match prev {
                Some(&"workspace") if i >= 2 && words[i - 2] == "yarn" => Some(*word),
                Some(&"cd") => Some(*word),
                _ => None,
            }
        });
        let value = value.or_else(|| word.contains('/').then_some(*word));
        if let Some(value) = value {
            // A filter's `...` and `^...` select its dependencies too; the member is the name.
            let value = value.trim_matches(['\'', '"']).trim_end_matches("...").trim_start_matches("./");
            let value = value.trim_end_matches('/').to_string();
            if !value.is_empty() && !value.starts_with('-') && !found.contains(&value) {
                found.push(value);
            }
        }
    }
    found
}

/// The file a plain `node FILE` start runs, when the folder has no such file, module
/// folder or `.js` beside it, and no build could write it: a start that cannot work here
/// (a package.json template its installer copies elsewhere).
fn missing_entry(dir: &Dir, start: &str, builds: bool) -> Option<String> {
    // Only `node FILE [args]`: flags before the file may take values, and shell
    // operators run more than one command.
    let mut words = start.split_whitespace();
    if !matches!(words.next(), Some("node" | "bun")) || builds || start.contains(['&', ';', '|', '$']) {
        return None;
    }
    let entry = words.next().filter(|w| !w.starts_with('-') && *w != "run")?;
    let entry = entry.trim_start_matches("./");
    let plain =
        entry.chars().all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c)) && !entry.starts_with('.');
    let there = dir.has(entry)
        || dir.has_dir(entry)
        || [".js", ".mjs", ".cjs", ".ts"].iter().any(|ext| dir.has(&format!("{entry}{ext}")));
    (plain && !there).then(|| entry.to_string())
}

pub(super) fn is_build_step(step: &str) -> bool {
    BUILD_STEPS.iter().any(|b| step == *b || step.starts_with(&format!("{b} ")))
        || runs_script(step).is_some_and(|name| name == "build" || name.starts_with("build:"))
}

pub(super) fn start_command(
    dir: &Dir,
    pkg: &Package,
    service: &mut Service,
    pm: PackageManager,
) -> Result<(), Error> {
    let runner = if service.language == Language::Bun { "bun" } else { "node" };
    for name in ["start:prod", "start:production", "prod", "serve:prod", "start"] {
        let Some(start) = pkg.script(name) else { continue };
        let all = steps(pkg, start, 0);
        if let Some(dev) = all.iter().find(|s| crate::detect::devmode::is_dev(s)) {
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
                Field::StartCommand,
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
        if let Some(missing) = missing_entry(dir, start, service.build_command.is_some()) {
            service.warn_as(
                crate::detect::WarningKind::DroppedStart,
                format!(
                    "scripts.{name} runs {missing}, which is not in {}; pass --start-command",
                    if dir.path.is_empty() { "the repository".to_string() } else { dir.path.to_string() }
                ),
            );
            return Ok(());
        }
        service.found(Field::StartCommand, &pkg.rel, format!("scripts.{name}: {start}"));
        service.notes.runs_members = all.iter().flat_map(|step| members_run(step)).collect();
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
            service.found(Field::StartCommand, &rel, format!("targets.build writes {output}"));
            service.start_command = Some(format!("{runner} {output}"));
            return Ok(());
        }
        if let Some((tool, entry)) = pkg
            .script("build")
            .and_then(|build| SERVER_BUILDS.iter().find(|(tool, _)| runs(pkg, build, tool, 2)))
            && service.build_command.is_some()
        {
            service.found(Field::StartCommand, &pkg.rel, format!("`{tool}` writes {entry}"));
            service.start_command = Some(format!("{runner} {entry}"));
            return Ok(());
        }
        if let Some(main) = pkg.main.as_deref().map(|m| m.trim_start_matches("./"))
            && service.build_command.is_some()
            && ["dist/", "build/", "out/", "lib/"].iter().any(|d| main.starts_with(d))
        {
            service.found(Field::StartCommand, &pkg.rel, format!("main: {main}, which the build writes"));
            service.start_command = Some(format!("{runner} {main}"));
        }
        return Ok(());
    }
    // Without a start script or a framework, an entry file is an app only if it serves:
    // a package whose `main` exports functions is a library. So is a framework's package
    // that another package of its workspace imports (routes an app mounts).
    let library = pkg
        .name
        .as_deref()
        .is_some_and(|n| crate::detect::workspace_build::imported_by_another(dir, n, service));
    let has_framework = service.framework != Framework::None && !library;
    let serves = |file: &str| -> Result<bool, Error> {
        if has_framework {
            return Ok(true);
        }
        Ok(dir
            .source_text(&dir.rel(file))?
            .is_some_and(|t| SERVES.is_match(&t.text) || runner == "bun" && BUN_SERVES.is_match(&t.text)))
    };
    if let Some(main) = &pkg.main {
        let main = main.trim_start_matches("./");
        if dir.has(main) && !serves(main)? {
            return Ok(());
        }
        if dir.has(main) {
            service.found(Field::StartCommand, &pkg.rel, format!("main: {main}"));
            service.start_command = Some(format!("{runner} {main}"));
            return Ok(());
        }
        service.warn(format!("package.json `main` points to {main}, which does not exist"));
    }
    if let Some(entry) = ENTRY_FILES.iter().find(|f| dir.has(f)) {
        let runnable = runner == "bun" || !entry.ends_with(".ts");
        if runnable && serves(entry)? {
            service.found(Field::StartCommand, &dir.rel(entry), "the usual entry file");
            service.start_command = Some(format!("{runner} {entry}"));
        }
    }
    Ok(())
}

/// Whether a script runs `step`, itself or through the scripts it names (`npm run db`,
/// `npm-run-all build-db build-app`), up to `depth` levels down.
pub(super) fn runs(pkg: &Package, script: &str, step: &str, depth: usize) -> bool {
    script.contains(step)
        || depth > 0
            && script
                .split_whitespace()
                .filter_map(|word| pkg.script(word))
                .any(|inner| runs(pkg, inner, step, depth - 1))
}

/// Builds that write a server to a known entry: Nitro's (standalone, or under Vinxi).
const SERVER_BUILDS: &[(&str, &str)] =
    &[("nitro build", ".output/server/index.mjs"), ("vinxi build", ".output/server/index.mjs")];

/// Scripts named for a container build, preferred to `build`.
pub(super) const CONTAINER_BUILDS: &[&str] =
    &["build-docker", "build:docker", "docker:build", "build:container"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_members_a_root_start_runs_are_read() {
        assert_eq!(members_run("turbo run start --filter=@rallly/web"), ["@rallly/web"]);
        assert_eq!(members_run("pnpm --filter ./apps/server run start:prod"), ["apps/server"]);
        assert_eq!(members_run("yarn --cwd ./excalidraw-app start:production"), ["excalidraw-app"]);
        assert_eq!(members_run("yarn workspace @acme/api start"), ["@acme/api"]);
        assert_eq!(members_run("http-server packages/site/dist -p 3000"), ["packages/site/dist"]);
        assert!(members_run("node dist/server.js").iter().all(|m| m == "dist/server.js"));
    }
}

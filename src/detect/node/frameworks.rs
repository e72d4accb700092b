//! Each framework's own settings: Next.js's output and standalone server, SvelteKit's
//! adapter, a Vite single-page app's output folder, an Nx build's output.

use crate::detect::Field;
use std::sync::LazyLock;

use super::package::Package;
use crate::detect::dir::Dir;
use crate::detect::model::Service;
use crate::error::Error;
use crate::pattern::Pattern;

static STANDALONE: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#"output\s*:\s*['"]standalone['"]"#));
static EXPORT: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#"output\s*:\s*['"]export['"]"#));
/// Any `output:` key: a config that chooses its output (even from a variable) keeps its choice.
static ANY_OUTPUT: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#"\boutput\s*:|\boutput['"]\s*:"#));
static SVELTE_ADAPTER: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#"@sveltejs/adapter-([a-z-]+)"#));
static VITE_OUT_DIR: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#"outDir\s*:\s*['"]([^'"]+)['"]"#));

/// The file an Nx project's build writes (`outputPath` plus the entry's name as `.js`), from
/// project.json's `targets.build.options`.
pub(super) fn nx_build_output(dir: &Dir) -> Result<Option<(String, String)>, Error> {
    let Some(project) = dir.json("project.json")? else { return Ok(None) };
    let options = &project["targets"]["build"]["options"];
    let (Some(output), Some(main)) = (options["outputPath"].as_str(), options["main"].as_str()) else {
        return Ok(None);
    };
    let stem = crate::scan::file_name(main).rsplit_once('.').map_or(crate::scan::file_name(main), |(s, _)| s);
    let output = output.trim_start_matches("./").trim_end_matches('/');
    Ok(Some((dir.rel("project.json"), format!("{output}/{stem}.js"))))
}

pub(super) fn nextjs(dir: &Dir, pkg: &Package, service: &mut Service) -> Result<(), Error> {
    let config = dir.first_of(&["next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs"]);
    let text = match &config {
        Some(rel) => dir.snap.read(rel)?.map(|f| f.text.clone()).unwrap_or_default(),
        None => String::new(),
    };
    let shown = config.clone().unwrap_or_else(|| pkg.rel.clone());
    if EXPORT.is_match(&text) {
        // `output: 'export'` writes a static site to out/: a web server serves it.
        service.found(Field::StaticOutput, &shown, "output: 'export'");
        service.static_output = Some("out".into());
        if service.build_command.is_none() {
            service.build_command = Some("npx next build".into());
        }
        return Ok(());
    }
    // A start that runs `next start` through a wrapper (dotenv, cross-env) is Next's server.
    let custom_start = pkg.script("start").filter(|start| !start.contains("next start"));
    let standalone = if STANDALONE.is_match(&text) {
        service.found(Field::StartCommand, &shown, "output: 'standalone'");
        true
    } else if let Some(start) = custom_start {
        // A custom server (Express around Next, say) is the start; scripts.start names it.
        service.found(
            Field::StartCommand,
            &pkg.rel,
            format!("scripts.start runs `{start}`, not `next start`"),
        );
        service.nextjs_standalone = Some(false);
        if service.build_command.is_none() {
            service.build_command = Some("npx next build".into());
        }
        return Ok(());
    } else if let Some(why) = standalone_blocker(dir, &text, service)? {
        service.warn(format!(
            "the image carries all of node_modules: {why}; add `output: 'standalone'` to next.config \
             for a smaller image"
        ));
        false
    } else {
        // Next's default config reads NEXT_PRIVATE_STANDALONE, so the build can write the
        // standalone server without an edit to the repository. Its file tracing is the one
        // Vercel deploys with, so what the server reads at run time is traced.
        service.found(
            Field::StartCommand,
            &shown,
            "no output set: built as output: 'standalone' (NEXT_PRIVATE_STANDALONE), which carries only the modules the server uses",
        );
        true
    };
    service.nextjs_standalone = Some(standalone);
    if standalone {
        service.start_command = Some("node server.js".into());
    } else {
        service.defaulted(Field::StartCommand, "next start");
        service.start_command = Some("npx next start".into());
    }
    if service.build_command.is_none() {
        service.build_command = Some("npx next build".into());
    }
    Ok(())
}

/// Why bim cannot build the standalone server itself, if it cannot: the config picks its
/// own output, a dependency the trace misses, or Next predates reading
/// NEXT_PRIVATE_STANDALONE (12.2; 13 to be safe).
pub(super) fn standalone_blocker(
    dir: &Dir,
    config: &str,
    service: &Service,
) -> Result<Option<String>, Error> {
    if ANY_OUTPUT.is_match(config) {
        return Ok(Some("next.config chooses its own output".into()));
    }
    // Packages whose run-time files the trace misses from a workspace's hoisted or linked
    // node_modules (Prisma's query engine is loaded by a computed path).
    const UNTRACED_IN_WORKSPACES: &[&str] = &["@prisma/client"];
    if service.build_context.is_some()
        && let Some(package) = UNTRACED_IN_WORKSPACES.iter().find(|p| service.dependencies.contains(**p))
    {
        return Ok(Some(format!("in a workspace, the standalone trace misses {package}'s files")));
    }
    let json = dir.json("package.json")?.unwrap_or_default();
    let range = ["dependencies", "devDependencies"].iter().find_map(|k| json[k]["next"].as_str());
    let major = range.and_then(|r| {
        let digits: String = r
            .trim_start_matches(|c: char| !c.is_ascii_digit())
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse::<u32>().ok()
    });
    Ok(match major {
        Some(major) if major < 13 => {
            Some(format!("next {} predates standalone output by environment", range.unwrap_or("")))
        }
        _ => None,
    })
}

pub(super) fn sveltekit(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let config = dir.first_of(&["svelte.config.js", "svelte.config.mjs", "svelte.config.ts"]);
    let adapter = match &config {
        Some(rel) => dir
            .snap
            .read(rel)?
            .and_then(|f| SVELTE_ADAPTER.captures(&f.text).map(|c| (rel.clone(), c[1].to_string()))),
        None => None,
    };
    match adapter {
        Some((rel, kind)) if kind == "node" => {
            service.found(Field::StartCommand, &rel, "uses @sveltejs/adapter-node");
            service.start_command = Some("node build".into());
        }
        Some((rel, kind)) if kind == "static" => {
            service.found(Field::StaticOutput, &rel, "uses @sveltejs/adapter-static");
            service.static_output = Some("build".into());
        }
        other => {
            // A platform's adapter (vercel, netlify, cloudflare, auto) builds nothing a
            // container can run: refuse, naming the change, rather than write a broken image.
            let named = other.map_or("no adapter".to_string(), |(_, k)| format!("@sveltejs/adapter-{k}"));
            service.warn(format!(
                "SvelteKit with {named} builds no server that runs in a container; \
                 add @sveltejs/adapter-node and use it in svelte.config.js"
            ));
        }
    }
    Ok(())
}

/// The names Vite reads its config from.
pub(super) const VITE_CONFIGS: &[&str] =
    &["vite.config.ts", "vite.config.js", "vite.config.mjs", "vite.config.mts"];

pub(super) fn vite_spa(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let config = dir.first_of(VITE_CONFIGS);
    let out_dir = match &config {
        Some(rel) => dir
            .snap
            .read(rel)?
            .and_then(|f| VITE_OUT_DIR.captures(&f.text).map(|c| (rel.clone(), c[1].to_string()))),
        None => None,
    };
    match out_dir {
        Some((rel, out)) => {
            service.found(Field::StaticOutput, &rel, format!("build.outDir: {out}"));
            service.static_output = Some(out);
        }
        None => {
            service.defaulted(Field::StaticOutput, "Vite builds to dist");
            service.static_output = Some("dist".into());
        }
    }
    if service.build_command.is_none() {
        service.build_command = Some("npx vite build".into());
    }
    Ok(())
}

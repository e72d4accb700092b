//! Site generators that build a static site: what a dependency on one means for the
//! image. The site is the build's output folder, served as files, whatever the `start`
//! script says (those run the generator's development server). A generator set up to
//! render on a server is left to the usual start detection.

use super::dir::Dir;
use super::model::Service;
use crate::detect::Field;
use crate::error::Error;
use crate::pattern::Pattern;

/// A generator, as a package.json dependency names it.
struct Generator {
    dependency: &'static str,
    /// Where `build` writes the site, unless the config says otherwise.
    output: &'static str,
    configs: &'static [&'static str],
    /// In the config: the folder the site is written to (first group).
    out_dir: Option<&'static str>,
    /// In the config: the site is rendered on a server, not built to files.
    server_rendered: Option<&'static str>,
    build: &'static str,
}

const GENERATORS: &[Generator] = &[
    Generator {
        dependency: "astro",
        output: "dist",
        configs: &["astro.config.mjs", "astro.config.ts", "astro.config.js", "astro.config.mts"],
        out_dir: Some(r#"\boutDir\s*:\s*['"]\.?/?([\w./-]+?)/?['"]"#),
        server_rendered: Some(r#"\boutput\s*:\s*['"](?:server|hybrid)['"]|\badapter\s*:"#),
        build: "npx astro build",
    },
    Generator {
        dependency: "@11ty/eleventy",
        output: "_site",
        configs: &[".eleventy.js", "eleventy.config.js", "eleventy.config.mjs", "eleventy.config.cjs"],
        out_dir: Some(r#"\boutput\s*:\s*['"]\.?/?([\w./-]+?)/?['"]"#),
        server_rendered: None,
        build: "npx @11ty/eleventy",
    },
    Generator {
        dependency: "gatsby",
        output: "public",
        configs: &[],
        out_dir: None,
        server_rendered: None,
        build: "npx gatsby build",
    },
    Generator {
        dependency: "@docusaurus/core",
        output: "build",
        configs: &[],
        out_dir: None,
        server_rendered: None,
        build: "npx docusaurus build",
    },
    Generator {
        dependency: "hexo",
        output: "public",
        configs: &[],
        out_dir: None,
        server_rendered: None,
        build: "npx hexo generate",
    },
];

/// Makes `service` the static site its generator builds, when a dependency names one.
/// `deps` are the package's dependencies; `build` is the build command found so far.
pub fn apply(
    dir: &Dir,
    manifest: &str,
    mut deps: impl FnMut(&str) -> bool,
    service: &mut Service,
) -> Result<bool, Error> {
    let Some(generator) = GENERATORS.iter().find(|g| deps(g.dependency)) else {
        return Ok(false);
    };
    let config = dir.first_of(generator.configs);
    let text = match &config {
        Some(rel) => dir.snap.read(rel)?.map(|f| f.text.clone()),
        None => None,
    };
    let matches = |pattern: Option<&str>| {
        pattern.zip(text.as_deref()).and_then(|(p, t)| {
            Pattern::new(p).captures(t).map(|c| c.get(1).map_or(String::new(), |m| m.as_str().to_string()))
        })
    };
    if matches(generator.server_rendered).is_some() {
        return Ok(false);
    }
    let (output, from) = match matches(generator.out_dir) {
        Some(out) if !out.is_empty() && !out.contains("..") => (out, config.clone().unwrap_or_default()),
        _ => (generator.output.to_string(), String::new()),
    };
    let why = format!("depends on {}, which builds a static site into {output}", generator.dependency);
    if from.is_empty() {
        service.found(Field::StaticOutput, manifest, why);
    } else {
        service.found(Field::StaticOutput, &from, why);
    }
    service.static_output = Some(output);
    if service.build_command.is_none() {
        service.build_command = Some(generator.build.to_string());
    }
    Ok(true)
}

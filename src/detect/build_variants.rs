//! The variant of a compiled program the repository ships: the Cargo features or Go build
//! tags its own build scripts pass (a Makefile, a justfile, goreleaser, CI workflows). A
//! crate that stops with `compile_error!` unless a feature is set must get one; when no
//! script names it, bim says so rather than write a build that fails.

use crate::detect::Field;
use std::sync::LazyLock;

use crate::error::Error;
use crate::pattern::Pattern;

use super::dir::Dir;
use super::model::Service;

/// Where a repository's own builds are scripted, searched in this order.
const BUILD_SCRIPTS: &[&str] =
    &["Makefile", "makefile", "justfile", "Justfile", ".goreleaser.yaml", ".goreleaser.yml"];

static CARGO_FEATURES: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r#"cargo (?:build|install|run)\b[^\n]*?--features[= ]+["']?([A-Za-z0-9_,/-]+(?:[ ,][A-Za-z0-9_/-]+)*)"#,
    )
});
static GO_TAGS: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"go build\b[^\n]*?-tags[= ]+["']?([A-Za-z0-9_,.-]+)"#));
/// goreleaser's `tags:` list under a build.
static GORELEASER_TAGS: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"(?m)^\s+tags:\s*\n\s+-\s+([A-Za-z0-9_.-]+)"));
static COMPILE_ERROR_UNLESS_FEATURE: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"#\[cfg\(not\([^\]]*feature\s*=\s*"[^\]]*\)\]\s*compile_error!"#));

/// The Cargo features the repository builds with, added to the build command.
pub fn cargo(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    // Only features this crate declares: `cargo install sqlx-cli --features postgres` in a
    // workflow is another crate's.
    let declared: Vec<String> = dir
        .toml("Cargo.toml")?
        .and_then(|t| t.get("features").and_then(|f| f.as_table()).map(|f| f.keys().cloned().collect()))
        .unwrap_or_default();
    let found = search(dir, &CARGO_FEATURES, false)?.filter(|(features, _)| {
        features.split([',', ' ']).filter(|f| !f.is_empty()).all(|f| declared.iter().any(|d| d == f))
    });
    let needs_one = dir.grep(&[".rs"], &COMPILE_ERROR_UNLESS_FEATURE)?;
    match (found, needs_one) {
        (Some((features, file)), _) => {
            let features = features.replace(' ', ",");
            service.found(Field::BuildCommand, &file, format!("builds with --features {features}"));
            if let Some(build) = &mut service.build_command {
                build.push_str(&format!(" --features {features}"));
            }
        }
        (None, Some(at)) => service.warn(format!(
            "{}: the crate stops with compile_error! unless a feature is set, and no build script here \
             names one; pass --build-command \"cargo build --release --locked --features ...\"",
            at.at()
        )),
        (None, None) => {}
    }
    Ok(())
}

/// A linker `-X` setting in a build script: `-X main.mode=production`.
static GO_LDFLAG_X: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"-X[ =]?['"]?([A-Za-z0-9_./-]+\.[A-Za-z0-9_]+)=([^\s'"]*)"#));

/// The linker `-X` settings of one build script.
struct LinkerSettings {
    /// Those with a literal value, which the image's build passes too.
    literal: Vec<String>,
    /// Those computed at release time, left out.
    computed: Vec<String>,
    file: String,
}

/// The `-X` settings the first build script that has any passes to the linker: those with
/// a literal value, since one computed at release time (`$(VERSION)`, `{{.Version}}`) is
/// the release's to give.
fn go_ldflags(dir: &Dir) -> Result<Option<LinkerSettings>, Error> {
    for rel in build_files(dir, false) {
        let Some(file) = dir.snap.read(&rel)? else { continue };
        let (mut literal, mut computed) = (Vec::new(), Vec::new());
        for c in GO_LDFLAG_X.captures_iter(&file.text) {
            let setting = format!("{}={}", &c[1], &c[2]);
            let plain =
                !c[2].is_empty() && c[2].chars().all(|ch| ch.is_ascii_alphanumeric() || "._-".contains(ch));
            let list = if plain { &mut literal } else { &mut computed };
            if !list.contains(&setting) {
                list.push(setting);
            }
        }
        if !literal.is_empty() || !computed.is_empty() {
            return Ok(Some(LinkerSettings { literal, computed, file: rel }));
        }
    }
    Ok(None)
}

/// The Go build tags the repository builds with, added to the build command.
pub fn go(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let found = match search(dir, &GO_TAGS, false)? {
        Some(found) => Some(found),
        None => search(dir, &GORELEASER_TAGS, true)?,
    };
    if let Some((tags, file)) = found {
        service.found(Field::BuildCommand, &file, format!("builds with -tags {tags}"));
        if let Some(build) = &mut service.build_command {
            *build = build.replacen("go build ", &format!("go build -tags {tags} "), 1);
        }
    }
    if let Some(LinkerSettings { literal, computed, file }) = go_ldflags(dir)? {
        if !computed.is_empty() {
            service.found(
                Field::BuildCommand,
                &file,
                format!(
                    "links with -X {}, computed at release time: left to the release",
                    computed.join(" -X ")
                ),
            );
        }
        if !literal.is_empty()
            && let Some(build) = service.build_command.take()
        {
            let flags = literal.iter().map(|x| format!("-X {x}")).collect::<Vec<_>>().join(" ");
            service.found(Field::BuildCommand, &file, format!("links with {flags}"));
            service.build_command =
                Some(build.replacen("go build ", &format!("go build -ldflags '{flags}' "), 1));
        }
    }
    Ok(())
}

/// The first capture of `pattern` in the build scripts (and CI workflows), with its file.
fn search(dir: &Dir, pattern: &Pattern, goreleaser_only: bool) -> Result<Option<(String, String)>, Error> {
    for rel in build_files(dir, goreleaser_only) {
        let Some(file) = dir.snap.read(&rel)? else { continue };
        if let Some(c) = pattern.captures(&file.text) {
            return Ok(Some((c[1].trim_matches(['"', '\'']).to_string(), rel)));
        }
    }
    Ok(None)
}

/// The build scripts (and, unless only goreleaser's, the CI workflows), in order.
fn build_files(dir: &Dir, goreleaser_only: bool) -> Vec<String> {
    let mut files: Vec<String> = BUILD_SCRIPTS
        .iter()
        .filter(|f| !goreleaser_only || f.starts_with(".goreleaser"))
        .map(|f| dir.rel(f))
        .collect();
    if !goreleaser_only {
        let workflows = dir.rel(".github/workflows");
        files.extend(
            dir.snap
                .files_under(&workflows)
                .filter(|p| p.ends_with(".yml") || p.ends_with(".yaml"))
                .map(str::to_string),
        );
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_and_tags_are_read_from_build_lines() {
        let c =
            CARGO_FEATURES.captures("\tcargo build --release --features postgres,tls\n").expect("features");
        assert_eq!(&c[1], "postgres,tls");
        let c = CARGO_FEATURES.captures("cargo build --locked --features=\"sqlite\"").expect("quoted");
        assert_eq!(&c[1], "sqlite");
        let x: Vec<String> = GO_LDFLAG_X
            .captures_iter(
                r#"go build -ldflags "-s -w -X main.mode=production -X 'main.version=$(VERSION)'" ."#,
            )
            .map(|c| format!("{}={}", &c[1], &c[2]))
            .collect();
        assert_eq!(x, ["main.mode=production", "main.version=$(VERSION)"]);
        let c = GO_TAGS.captures("go build -tags netgo,osusergo -o bin/app ./cmd/app").expect("tags");
        assert_eq!(&c[1], "netgo,osusergo");
        let c = GORELEASER_TAGS
            .captures("builds:\n  - main: ./cmd/app\n    tags:\n      - production\n")
            .expect("goreleaser");
        assert_eq!(&c[1], "production");
        assert!(COMPILE_ERROR_UNLESS_FEATURE.is_match(
            "#[cfg(not(any(feature = \"postgres\", feature = \"sqlite\")))]\ncompile_error!(\"pick a database\");"
        ));
    }
}

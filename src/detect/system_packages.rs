//! What a service's dependencies need from the operating system, looked up in one
//! declarative table (`system-packages.toml`): a dependency, as its manifest or lockfile
//! names it, maps to the Debian packages the build stage needs and those the final stage
//! needs. The table is data; adding a dependency is adding a row.

use crate::detect::Field;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use serde::Deserialize;

use super::dir::Dir;
use super::model::{Language, Service};
use crate::error::Error;
use crate::pattern::Pattern;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Need {
    #[serde(default)]
    pub build: Vec<String>,
    #[serde(default)]
    pub runtime: Vec<String>,
    /// `NAME=value` settings the build stage needs.
    #[serde(default)]
    pub build_env: Vec<String>,
    pub why: String,
}

type Table = BTreeMap<String, BTreeMap<String, Need>>;

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    toml::from_str(include_str!("system-packages.toml"))
        .unwrap_or_else(|e| panic!("system-packages.toml is part of bim and must parse: {e}"))
});

/// The table's rows for one ecosystem.
pub fn table(ecosystem: &str) -> Option<&'static BTreeMap<String, Need>> {
    TABLE.get(ecosystem)
}

fn ecosystem(language: Language) -> Option<&'static str> {
    match language {
        Language::Node | Language::Bun => Some("node"),
        Language::Python => Some("python"),
        Language::Rust => Some("rust"),
        Language::Ruby => Some("ruby"),
        _ => None,
    }
}

/// Each lockfile's pattern for a locked package's name (see `lockfiles`), so that a native
/// dependency pulled in by another package is found too.
static LOCK_PATTERNS: LazyLock<Vec<(&'static str, Pattern)>> = LazyLock::new(|| {
    crate::lockfiles::LOCKFILES.iter().filter_map(|l| Some((l.name, Pattern::new(l.packages?)))).collect()
});

/// Looks the service's dependencies (and its lockfile's) up in the table and records the
/// packages they need, with evidence naming each dependency.
pub fn apply(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let Some(rows) = ecosystem(service.language).and_then(table) else {
        return Ok(());
    };
    let mut found: BTreeMap<&str, String> = BTreeMap::new();
    for (dep, _) in rows.iter().filter(|(dep, _)| service.dependencies.contains(dep.as_str())) {
        found.insert(dep.as_str(), service.manifest_file());
    }
    for (dep, file) in locked(dir, service.language, rows)? {
        found.entry(dep).or_insert(file);
    }
    for (dep, file) in found {
        let need = &rows[dep];
        service.system_packages.add(&need.build, &need.runtime);
        for setting in &need.build_env {
            if !service.build_env.contains(setting) {
                service.build_env.push(setting.clone());
            }
        }
        let mut detail = format!("{dep}: {}", need.why);
        if !need.build.is_empty() {
            detail.push_str(&format!("; build: {}", need.build.join(" ")));
        }
        if !need.runtime.is_empty() {
            detail.push_str(&format!("; runtime: {}", need.runtime.join(" ")));
        }
        if !need.build_env.is_empty() {
            detail.push_str(&format!("; build env: {}", need.build_env.join(" ")));
        }
        let field = if need.build.is_empty() && need.runtime.is_empty() {
            Field::BuildEnv
        } else {
            Field::SystemPackages
        };
        service.found(field, &file, detail);
    }
    Ok(())
}

/// Table rows named in the nearest lockfile (here or at a workspace root), with that file.
fn locked<'t>(
    dir: &Dir,
    language: Language,
    rows: &'t BTreeMap<String, Need>,
) -> Result<Vec<(&'t str, String)>, Error> {
    let wanted: Vec<&str> = crate::lockfiles::of_language(language).map(|l| l.name).collect();
    for folder in dir.ancestors() {
        for (name, pattern) in LOCK_PATTERNS.iter().filter(|(name, _)| wanted.contains(name)) {
            let rel = folder.rel(name);
            // A lockfile is searched, not parsed: a truncated one still names what it names.
            let Some(file) = dir.snap.read(&rel)? else { continue };
            let names: BTreeSet<String> = pattern
                .captures_iter(&file.text)
                .map(|c| {
                    let name = &c[1];
                    if language == Language::Python {
                        name.to_ascii_lowercase().replace('_', "-")
                    } else {
                        name.to_string()
                    }
                })
                .collect();
            return Ok(rows
                .keys()
                .filter(|dep| names.contains(dep.as_str()))
                .map(|dep| (dep.as_str(), rel.clone()))
                .collect());
        }
    }
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_names_only_valid_debian_packages() {
        assert!(TABLE.len() >= 4, "every ecosystem has rows");
        for (ecosystem, rows) in TABLE.iter() {
            for (dep, need) in rows {
                assert!(!need.why.is_empty(), "{ecosystem}.{dep} says why");
                assert!(
                    !need.build.is_empty() || !need.runtime.is_empty() || !need.build_env.is_empty(),
                    "{ecosystem}.{dep} needs something"
                );
                for setting in &need.build_env {
                    crate::validate::build_env(setting, "table")
                        .unwrap_or_else(|e| panic!("{ecosystem}.{dep}: {e}"));
                }
                for package in need.build.iter().chain(&need.runtime) {
                    crate::validate::system_package(package, "table")
                        .unwrap_or_else(|e| panic!("{ecosystem}.{dep}: {e}"));
                }
            }
        }
    }

    #[test]
    fn lockfile_patterns_find_locked_names() {
        use crate::lockfiles::*;
        let cases = [
            (NPM, "\"node_modules/@louislam/sqlite3\": {", "@louislam/sqlite3"),
            (YARN, "\nbcrypt@^5.0.0:\n  version", "bcrypt"),
            (YARN, "\n\"@prisma/client@5.1.0\":\n", "@prisma/client"),
            (PNPM, "packages:\n  better-sqlite3@11.1.2:\n", "better-sqlite3"),
            (PNPM, "packages:\n  /bcrypt@5.1.1:\n", "bcrypt"),
            (CARGO, "[[package]]\nname = \"openssl-sys\"\n", "openssl-sys"),
            (BUNDLER, "GEM\n  specs:\n    pg (1.5.4)\n", "pg"),
        ];
        for (file, text, name) in cases {
            let (_, pattern) = LOCK_PATTERNS.iter().find(|(f, _)| *f == file).expect("pattern");
            let names: Vec<String> = pattern.captures_iter(text).map(|c| c[1].to_string()).collect();
            assert!(names.iter().any(|n| n == name), "{file}: {names:?} lacks {name}");
        }
    }
}

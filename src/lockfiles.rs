//! Every lockfile bim reads, one row each: the ecosystem and package manager it belongs
//! to, and how it spells a locked package's name and a dependency fetched from git. The
//! one place a lockfile's name is written: the scan's read limits, detection, the facts
//! and the recipes all ask this table (or its names below).

use crate::vocabulary::{Language, PackageManager};

pub const BUN: &str = "bun.lock";
pub const BUN_BINARY: &str = "bun.lockb";
pub const PNPM: &str = "pnpm-lock.yaml";
pub const YARN: &str = "yarn.lock";
pub const NPM: &str = "package-lock.json";
pub const NPM_SHRINKWRAP: &str = "npm-shrinkwrap.json";
pub const DENO: &str = "deno.lock";
pub const UV: &str = "uv.lock";
pub const POETRY: &str = "poetry.lock";
pub const PDM: &str = "pdm.lock";
pub const PIPENV: &str = "Pipfile.lock";
pub const GO: &str = "go.sum";
pub const CARGO: &str = "Cargo.lock";
pub const BUNDLER: &str = "Gemfile.lock";
pub const COMPOSER: &str = "composer.lock";
pub const MIX: &str = "mix.lock";
pub const NUGET: &str = "packages.lock.json";

/// One lockfile.
pub struct Lockfile {
    pub name: &'static str,
    pub language: Language,
    pub manager: PackageManager,
    /// Finds each locked package's name (its first capture), where bim looks them up in the
    /// system-packages table.
    pub packages: Option<&'static str>,
    /// Finds a dependency fetched from git (its first capture is the URL).
    pub git: Option<&'static str>,
    /// Lists every file of each locked release, so its wheels' tags name the Python lines.
    pub wheels: bool,
}

const fn row(name: &'static str, language: Language, manager: PackageManager) -> Lockfile {
    Lockfile { name, language, manager, packages: None, git: None, wheels: false }
}

/// The rows, each ecosystem's in the order detection prefers them when several are there.
pub const LOCKFILES: &[Lockfile] = &[
    Lockfile {
        packages: Some(r#"(?m)^    "((?:@[\w.-]+/)?[\w.-]+)": \["#),
        ..row(BUN, Language::Node, PackageManager::Bun)
    },
    row(BUN_BINARY, Language::Node, PackageManager::Bun),
    Lockfile {
        packages: Some(r"(?m)^  /?((?:@[\w.-]+/)?[\w.-]+)[@/]\d"),
        ..row(PNPM, Language::Node, PackageManager::Pnpm)
    },
    Lockfile {
        packages: Some(r#"(?m)^"?((?:@[\w.-]+/)?[\w.-]+)@"#),
        git: Some(r#"(?m)^\s+resolved "?(git\+[^"\s]+|[^"\s]+\.git#[^"\s]+)"#),
        ..row(YARN, Language::Node, PackageManager::Yarn)
    },
    Lockfile {
        packages: Some(r#""node_modules/((?:@[\w.-]+/)?[\w.-]+)""#),
        git: Some(r#""resolved"\s*:\s*"(git\+[^"]+)""#),
        ..row(NPM, Language::Node, PackageManager::Npm)
    },
    row(NPM_SHRINKWRAP, Language::Node, PackageManager::Npm),
    row(DENO, Language::Deno, PackageManager::Deno),
    Lockfile {
        packages: Some(r#"(?m)^name = "([\w.-]+)""#),
        git: Some(r#"source = \{ git = "([^"]+)""#),
        wheels: true,
        ..row(UV, Language::Python, PackageManager::Uv)
    },
    Lockfile {
        packages: Some(r#"(?m)^name = "([\w.-]+)""#),
        git: Some(r#"(?m)^type = "git"\s*\nurl = "([^"]+)""#),
        wheels: true,
        ..row(POETRY, Language::Python, PackageManager::Poetry)
    },
    Lockfile {
        packages: Some(r#"(?m)^name = "([\w.-]+)""#),
        git: Some(r#"(?m)^git = "([^"]+)""#),
        wheels: true,
        ..row(PDM, Language::Python, PackageManager::Pdm)
    },
    Lockfile {
        git: Some(r#""git"\s*:\s*"([^"]+)""#),
        ..row(PIPENV, Language::Python, PackageManager::Pipenv)
    },
    row(GO, Language::Go, PackageManager::Go),
    Lockfile {
        packages: Some(r#"(?m)^name = "([\w.-]+)""#),
        ..row(CARGO, Language::Rust, PackageManager::Cargo)
    },
    Lockfile {
        packages: Some(r"(?m)^    ([\w.-]+) \("),
        git: Some(r"(?m)^GIT\n\s+remote: (\S+)"),
        ..row(BUNDLER, Language::Ruby, PackageManager::Bundler)
    },
    row(COMPOSER, Language::Php, PackageManager::Composer),
    row(MIX, Language::Elixir, PackageManager::Mix),
    row(NUGET, Language::Dotnet, PackageManager::Dotnet),
];

/// Whether a file name is a lockfile's.
pub fn is_lockfile(name: &str) -> bool {
    LOCKFILES.iter().any(|l| l.name == name)
}

/// The lockfiles of a language (Bun's are Node's ecosystem's).
pub fn of_language(language: Language) -> impl Iterator<Item = &'static Lockfile> {
    let language = if language == Language::Bun { Language::Node } else { language };
    LOCKFILES.iter().filter(move |l| l.language == language)
}

/// The lockfile names of a package manager.
pub fn of_manager(manager: PackageManager) -> impl Iterator<Item = &'static str> {
    LOCKFILES.iter().filter(move |l| l.manager == manager).map(|l| l.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles_and_every_name_is_listed_once() {
        for (i, lock) in LOCKFILES.iter().enumerate() {
            assert!(LOCKFILES[..i].iter().all(|l| l.name != lock.name), "{} twice", lock.name);
            for re in [lock.packages, lock.git].into_iter().flatten() {
                assert!(regex::Regex::new(re).is_ok(), "{}: {re}", lock.name);
            }
        }
        assert_eq!(of_manager(PackageManager::Bun).collect::<Vec<_>>(), [BUN, BUN_BINARY]);
        assert_eq!(of_language(Language::Bun).count(), 6);
    }
}

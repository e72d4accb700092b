//! The Python line a lockfile's wheels install on. uv.lock, poetry.lock and pdm.lock list
//! every file of each locked release, so the wheel tags say, per compiled package, which
//! Python lines have a Linux x86-64 wheel. Where a line lacks one, pip or uv builds that
//! package from source, and a slim image has no compiler: the build fails. bim picks the
//! newest line in the app's range that every compiled package has wheels for, and names
//! the package that decided.

use std::collections::{BTreeMap, BTreeSet};

use super::dir::Dir;
use crate::error::Error;

/// The lockfiles that list each release's files.
pub fn locks() -> impl Iterator<Item = &'static str> {
    crate::lockfiles::LOCKFILES.iter().filter(|l| l.wheels).map(|l| l.name)
}

/// A locked compiled package: the Python minor versions (3.x) its Linux x86-64 wheels
/// cover, and the first of a stable-ABI (abi3) wheel's lines, which covers every later one.
#[derive(Debug, Default, PartialEq)]
pub struct Compiled {
    pub version: String,
    pub lines: BTreeSet<u32>,
    pub abi3_from: Option<u32>,
}

impl Compiled {
    pub fn covers(&self, minor: u32) -> bool {
        self.lines.contains(&minor) || self.abi3_from.is_some_and(|from| minor >= from)
    }
}

/// Compiled packages by name.
pub type Packages = BTreeMap<String, Compiled>;

/// The first lockfile in `dir` that lists files, parsed once for every platform asked of it.
pub struct Lock {
    pub file: String,
    table: toml::Table,
}

impl Lock {
    /// Its compiled packages, by name, for Linux on `arch` (`x86_64`, `aarch64`).
    pub fn packages(&self, arch: &str) -> Packages {
        compiled(&self.table, arch)
    }
}

pub fn read(dir: &Dir) -> Result<Option<Lock>, Error> {
    for lock in locks() {
        let file = dir.rel(lock);
        let Some(table) = crate::manifest::toml(dir.snap, &file)? else { continue };
        return Ok(Some(Lock { file, table }));
    }
    Ok(None)
}

fn compiled(lock: &toml::Table, arch: &str) -> BTreeMap<String, Compiled> {
    let mut found = BTreeMap::new();
    let packages = lock.get("package").and_then(|p| p.as_array()).map(Vec::as_slice).unwrap_or_default();
    for package in packages {
        let (Some(name), Some(version)) =
            (package.get("name").and_then(|n| n.as_str()), package.get("version").and_then(|v| v.as_str()))
        else {
            continue;
        };
        // uv: `wheels = [{ url = ".../x.whl" }]`; poetry and pdm: `files = [{ file = "x.whl" }]`.
        let files = ["wheels", "files"].iter().filter_map(|k| package.get(*k)?.as_array()).flatten();
        let names = files.filter_map(|f| {
            let name = f.get("file").or_else(|| f.get("url")).or_else(|| f.get("path"))?.as_str()?;
            Some(name.rsplit('/').next().unwrap_or(name).to_string())
        });
        let mut entry = Compiled { version: version.to_string(), ..Compiled::default() };
        let mut any_linux = false;
        for wheel in names.filter(|n| n.ends_with(".whl")) {
            let Some(tags) = Tags::parse(&wheel) else { continue };
            // A free-threaded build's wheel (abi `cp313t`) is not the image's interpreter.
            if !tags.linux(arch) || tags.abi == "none" || tags.abi.ends_with('t') {
                continue;
            }
            any_linux = true;
            for python in tags.python.split('.') {
                let Some(minor) = python.strip_prefix("cp3").and_then(|m| m.parse::<u32>().ok()) else {
                    continue;
                };
                if tags.abi == "abi3" {
                    entry.abi3_from = Some(entry.abi3_from.map_or(minor, |f| f.min(minor)));
                } else {
                    entry.lines.insert(minor);
                }
            }
        }
        // Pure wheels install anywhere; a package without a Linux wheel is another
        // platform's (pywin32) or always builds from source whatever the line.
        if any_linux {
            found.insert(name.to_ascii_lowercase().replace('_', "-"), entry);
        }
    }
    found
}

/// A wheel file name's tags: `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
struct Tags<'a> {
    python: &'a str,
    abi: &'a str,
    platform: &'a str,
}

impl<'a> Tags<'a> {
    fn parse(file: &'a str) -> Option<Tags<'a>> {
        let mut parts = file.strip_suffix(".whl")?.rsplitn(4, '-');
        let platform = parts.next()?;
        let abi = parts.next()?;
        let python = parts.next()?;
        parts.next()?;
        Some(Tags { python, abi, platform })
    }

    fn linux(&self, arch: &str) -> bool {
        self.platform
            .split('.')
            .any(|p| (p.starts_with("manylinux") || p.starts_with("linux_")) && p.ends_with(arch))
    }
}

/// The newest line from `newest` down to `oldest` (minor versions of 3.x) that every
/// compiled package covers; the package that rules out `newest`, when one does.
pub fn newest_covered(
    packages: &BTreeMap<String, Compiled>,
    newest: u32,
    oldest: u32,
) -> (Option<u32>, Option<(&str, &Compiled)>) {
    let blocker = |minor: u32| packages.iter().find(|(_, c)| !c.covers(minor)).map(|(n, c)| (n.as_str(), c));
    let decider = blocker(newest);
    let line = (oldest..=newest).rev().find(|m| blocker(*m).is_none());
    (line, decider)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UV_LOCK: &str = r#"
version = 1
requires-python = ">=3.11"

[[package]]
name = "httptools"
version = "0.6.1"
sdist = { url = "https://files.pythonhosted.org/packages/httptools-0.6.1.tar.gz" }
wheels = [
    { url = "https://files.pythonhosted.org/packages/httptools-0.6.1-cp311-cp311-manylinux_2_5_x86_64.manylinux1_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl" },
    { url = "https://files.pythonhosted.org/packages/httptools-0.6.1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl" },
    { url = "https://files.pythonhosted.org/packages/httptools-0.6.1-cp313-cp313-win_amd64.whl" },
    { url = "https://files.pythonhosted.org/packages/httptools-0.6.1-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl" },
]

[[package]]
name = "cryptography"
version = "43.0.0"
wheels = [
    { url = "https://files.pythonhosted.org/packages/cryptography-43.0.0-cp39-abi3-manylinux_2_28_x86_64.whl" },
]

[[package]]
name = "click"
version = "8.1.7"
wheels = [{ url = "https://files.pythonhosted.org/packages/click-8.1.7-py3-none-any.whl" }]

[[package]]
name = "pywin32"
version = "306"
wheels = [{ url = "https://files.pythonhosted.org/packages/pywin32-306-cp312-cp312-win_amd64.whl" }]
"#;

    #[test]
    fn wheel_tags_say_which_lines_each_compiled_package_installs_on() {
        let lock: toml::Table = UV_LOCK.parse().expect("the test lock is TOML");
        let packages = compiled(&lock, "x86_64");
        assert_eq!(packages.keys().collect::<Vec<_>>(), ["cryptography", "httptools"]);
        assert_eq!(packages["httptools"].lines, BTreeSet::from([11, 12]));
        assert!(packages["cryptography"].covers(13) && !packages["cryptography"].covers(8));
        let (line, decider) = newest_covered(&packages, 13, 11);
        assert_eq!(line, Some(12));
        assert_eq!(decider.map(|(n, c)| (n, c.version.as_str())), Some(("httptools", "0.6.1")));
        assert_eq!(newest_covered(&packages, 12, 11).1, None);
        assert_eq!(newest_covered(&packages, 13, 13).0, None);
        // On arm64 the same lock has httptools wheels for 3.11 only (and none of cryptography).
        let arm = compiled(&lock, "aarch64");
        assert_eq!(arm.keys().collect::<Vec<_>>(), ["httptools"]);
        assert_eq!(newest_covered(&arm, 12, 11).0, Some(11));
    }

    #[test]
    fn poetry_and_pdm_name_their_files() {
        let lock: toml::Table = r#"
[[package]]
name = "PyYAML"
version = "6.0.1"
files = [
    {file = "PyYAML-6.0.1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "sha256:00"},
    {file = "PyYAML-6.0.1.tar.gz", hash = "sha256:01"},
]
"#
        .parse()
        .expect("the test lock is TOML");
        assert_eq!(compiled(&lock, "x86_64")["pyyaml"].lines, BTreeSet::from([12]));
    }
}

//! The newest Python an app's exact pins install on. A compiled package pinned to a release
//! older than its first wheels for a Python line is built from source there, and an old
//! release's C code often no longer builds against a newer Python. When nothing pins the
//! Python version, bim picks the newest line every such pin installs on, rather than the
//! current one. The table is data: a package, the first release with wheels for a Python
//! line, and that line. It errs early: a cap one line too low still installs.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::error::Error;
use crate::pattern::Pattern;

use super::dir::Dir;
use super::versions::Pin;

/// (package, first release with wheels for the line, the line).
const FIRST_WHEELS: &[(&str, &str, &str)] = &[
    ("aiohttp", "3.11.0", "3.13"),
    ("aiohttp", "3.9.0", "3.12"),
    ("asyncpg", "0.30.0", "3.13"),
    ("asyncpg", "0.29.0", "3.12"),
    ("cffi", "1.17.0", "3.13"),
    ("cffi", "1.16.0", "3.12"),
    ("frozenlist", "1.5.0", "3.13"),
    ("frozenlist", "1.4.1", "3.12"),
    ("gevent", "24.10.1", "3.13"),
    ("gevent", "23.9.0", "3.12"),
    ("greenlet", "3.1.0", "3.13"),
    ("greenlet", "3.0.0", "3.12"),
    ("grpcio", "1.67.0", "3.13"),
    ("grpcio", "1.59.0", "3.12"),
    ("lxml", "5.3.0", "3.13"),
    ("lxml", "5.0.0", "3.12"),
    ("multidict", "6.1.0", "3.13"),
    ("multidict", "6.0.5", "3.12"),
    ("numpy", "2.1.0", "3.13"),
    ("numpy", "1.26.0", "3.12"),
    ("pandas", "2.2.3", "3.13"),
    ("pandas", "2.1.1", "3.12"),
    ("pillow", "11.0.0", "3.13"),
    ("pillow", "10.1.0", "3.12"),
    ("psycopg2", "2.9.10", "3.13"),
    ("psycopg2", "2.9.9", "3.12"),
    ("psycopg2-binary", "2.9.10", "3.13"),
    ("psycopg2-binary", "2.9.9", "3.12"),
    ("scipy", "1.14.1", "3.13"),
    ("scipy", "1.11.2", "3.12"),
    ("uvloop", "0.21.0", "3.13"),
    ("uvloop", "0.18.0", "3.12"),
];

static EXACT_PIN: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(r"(?m)^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([0-9][0-9.]*)")
});
static LOCKED: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"(?m)^name = "([A-Za-z0-9._-]+)"\s*\nversion = "([0-9][0-9.]*)""#));

/// The newest Python line (below `current`) that every exact pin installs on, as a pin
/// naming the package that sets it, when a pin predates `current`'s wheels.
pub fn cap(dir: &Dir, requirement_files: &[String], current: &str) -> Result<Option<Pin>, Error> {
    let mut pins: BTreeMap<String, (String, String)> = BTreeMap::new();
    for rel in requirement_files {
        collect(dir, rel, &EXACT_PIN, &mut pins)?;
    }
    for lock in super::lock_wheels::locks() {
        collect(dir, &dir.rel(lock), &LOCKED, &mut pins)?;
    }
    let mut best: Option<Pin> = None;
    for (package, first, line) in FIRST_WHEELS {
        let Some((version, file)) = pins.get(*package) else { continue };
        if older(current, line) || !older(version, first) {
            continue; // a line past the current one, or a release that has its wheels
        }
        let Some(below) = previous_line(line) else { continue };
        if best.as_ref().is_none_or(|pin| older(&below, &pin.version)) {
            let detail = format!(
                "{package}=={version} has no wheels for Python {line} (first in {first}): the newest line it installs on"
            );
            best = Some(Pin { version: below, file: file.clone(), detail, range: None });
        }
    }
    Ok(best.filter(|pin| older(&pin.version, current)))
}

fn collect(
    dir: &Dir,
    rel: &str,
    pattern: &Pattern,
    pins: &mut BTreeMap<String, (String, String)>,
) -> Result<(), Error> {
    let Some(file) = dir.snap.read(rel)? else { return Ok(()) };
    for c in pattern.captures_iter(&file.text) {
        let name = c[1].to_ascii_lowercase().replace('_', "-");
        pins.entry(name).or_insert_with(|| (c[2].to_string(), rel.to_string()));
    }
    Ok(())
}

fn parts(version: &str) -> Vec<u64> {
    version.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

/// Whether `a` is an older version than `b`.
fn older(a: &str, b: &str) -> bool {
    parts(a) < parts(b)
}

/// `3.13` → `3.12`.
fn previous_line(line: &str) -> Option<String> {
    let (major, minor) = line.split_once('.')?;
    let minor: u64 = minor.parse().ok()?;
    Some(format!("{major}.{}", minor.checked_sub(1)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number() {
        assert!(older("3.0.1", "3.1.0"));
        assert!(older("2.9.9", "2.9.10"));
        assert!(!older("2.9.10", "2.9.10"));
        assert_eq!(previous_line("3.13").as_deref(), Some("3.12"));
    }

    #[test]
    fn the_table_lists_each_package_newest_line_first() {
        for pair in FIRST_WHEELS.windows(2) {
            let [(a, first_a, line_a), (b, first_b, line_b)] = pair else { continue };
            if a == b {
                assert!(older(line_b, line_a) && older(first_b, first_a), "{a}: newest line first");
            }
        }
    }

    #[test]
    fn exact_pins_are_read_from_requirements_and_lockfiles() {
        let names: Vec<String> = EXACT_PIN
            .captures_iter("greenlet==3.0.1\npsycopg2-binary == 2.9.9 ; python_version < '4'\nflask>=2\n")
            .map(|c| format!("{}={}", &c[1], &c[2]))
            .collect();
        assert_eq!(names, ["greenlet=3.0.1", "psycopg2-binary=2.9.9"]);
        let locked: Vec<String> = LOCKED
            .captures_iter("[[package]]\nname = \"numpy\"\nversion = \"1.25.2\"\n")
            .map(|c| format!("{}={}", &c[1], &c[2]))
            .collect();
        assert_eq!(locked, ["numpy=1.25.2"]);
    }
}

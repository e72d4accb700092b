//! The packaging tool release bim installs for a Python line: each tool's newest release
//! whose own `requires-python` admits the line, from PyPI's metadata (reviewed 2026-12).
//! Installing the newest outright fails on old lines: `pip install poetry==2.5.1` on 3.9
//! finds nothing, since Poetry 2.3 needs 3.10. The Dockerfile and the workflow read the
//! same table.

use super::model::PackageManager;

/// (tool, oldest 3.x minor it runs on, its newest release that does), newest first.
const RELEASES: &[(PackageManager, u32, &str)] = &[
    (PackageManager::Poetry, 10, "2.5.1"),
    (PackageManager::Poetry, 9, "2.2.1"),
    (PackageManager::Poetry, 8, "1.8.5"),
    (PackageManager::Poetry, 7, "1.5.1"),
    (PackageManager::Pipenv, 10, "2026.10.3"),
    (PackageManager::Pipenv, 9, "2025.0.4"),
    (PackageManager::Pipenv, 8, "2024.4.1"),
    (PackageManager::Pipenv, 7, "2023.10.3"),
    (PackageManager::Pdm, 10, "2.29.4"),
    (PackageManager::Pdm, 9, "2.26.9"),
    (PackageManager::Pdm, 8, "2.20.1"),
    (PackageManager::Pdm, 7, "2.10.4"),
];

/// The release of `tool` to install on Python `line` (`3.9`, `3.12.4`), or `None` for a
/// tool bim installs some other way (uv, pip). An unreadable or newer line gets the newest.
pub fn release(tool: PackageManager, line: &str) -> Option<&'static str> {
    let minor = line.strip_prefix("3.").and_then(|m| m.split('.').next()?.parse::<u32>().ok());
    let mut rows = RELEASES.iter().filter(|(t, ..)| *t == tool).peekable();
    let newest = rows.peek().map(|(_, _, release)| *release)?;
    Some(match minor {
        Some(minor) => rows.find(|(_, floor, _)| minor >= *floor).map_or(newest, |(_, _, release)| release),
        None => newest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_gets_the_newest_release_that_runs_on_it() {
        assert_eq!(release(PackageManager::Poetry, "3.13"), Some("2.5.1"));
        assert_eq!(release(PackageManager::Poetry, "3.9"), Some("2.2.1"));
        assert_eq!(release(PackageManager::Pipenv, "3.8.10"), Some("2024.4.1"));
        assert_eq!(release(PackageManager::Pdm, "3"), Some("2.29.4"));
        assert_eq!(release(PackageManager::Uv, "3.12"), None);
        for pair in RELEASES.windows(2) {
            if pair[0].0 == pair[1].0 {
                assert!(pair[0].1 > pair[1].1, "{:?}: newest line first", pair[0]);
            }
        }
    }
}

//! A lockfile that no longer matches package.json: a dependency package.json asks for (at
//! its range) that the lockfile does not lock. The image installs from the lockfile exactly
//! (`npm ci`, `yarn install --frozen-lockfile`), so that build would fail; init says so and
//! names the fix rather than let the first push find out.

use std::collections::{BTreeMap, BTreeSet};

use super::dir::Dir;
use crate::error::Error;
use crate::lockfiles;

/// The lockfile `lockfile` (a name in `dir`), and the `name@range`s it does not lock, when
/// it is out of date. Only npm's and Yarn 1's are read; others are taken as current.
pub fn find(dir: &Dir, lockfile: &str) -> Result<Option<(String, Vec<String>)>, Error> {
    let Some(package) = dir.json("package.json")? else { return Ok(None) };
    // Installed dependencies from the registry; peers, workspace and local ones are not locked.
    let wanted: BTreeMap<String, String> = ["dependencies", "devDependencies", "optionalDependencies"]
        .iter()
        .filter_map(|k| package.get(*k).and_then(|v| v.as_object()))
        .flat_map(|m| m.iter())
        .filter_map(|(name, range)| Some((name.clone(), range.as_str()?.to_string())))
        .filter(|(_, range)| {
            !["workspace:", "file:", "link:", "portal:", "npm:"].iter().any(|p| range.starts_with(p))
        })
        .collect();
    if wanted.is_empty() || package.get("workspaces").is_some() {
        return Ok(None);
    }
    if lockfile == lockfiles::YARN
        && let Some(lock) = dir.text(lockfiles::YARN)?
        && lock.text.contains("# yarn lockfile v1")
    {
        let keys: BTreeSet<&str> = lock
            .text
            .lines()
            .filter(|l| !l.starts_with([' ', '#']) && l.ends_with(':'))
            .flat_map(|l| l.trim_end_matches(':').split(", ").map(|k| k.trim_matches('"')))
            .collect();
        let missing: Vec<String> = wanted
            .iter()
            .map(|(name, range)| format!("{name}@{range}"))
            .filter(|key| !keys.contains(key.as_str()))
            .collect();
        return Ok((!missing.is_empty()).then(|| (dir.rel(lockfiles::YARN), missing)));
    }
    if lockfile == lockfiles::NPM
        && let Some(lock) = dir.json(lockfiles::NPM)?
        && let Some(root) = lock.pointer("/packages/").and_then(|r| r.as_object())
    {
        let locked = |name: &str, range: &str| {
            ["dependencies", "devDependencies", "optionalDependencies"]
                .iter()
                .filter_map(|k| root.get(*k).and_then(|v| v.as_object()))
                .any(|m| m.get(name).and_then(|v| v.as_str()) == Some(range))
        };
        let missing: Vec<String> = wanted
            .iter()
            .filter(|(name, range)| !locked(name, range))
            .map(|(name, range)| format!("{name}@{range}"))
            .collect();
        return Ok((!missing.is_empty()).then(|| (dir.rel(lockfiles::NPM), missing)));
    }
    // A lockfileVersion 1 file records no ranges, only the packages it locks.
    if lockfile == lockfiles::NPM
        && let Some(lock) = dir.json(lockfiles::NPM)?
        && let Some(locked) = lock.get("dependencies").and_then(|d| d.as_object())
    {
        let missing: Vec<String> = wanted
            .iter()
            .filter(|(name, _)| !locked.contains_key(*name))
            .map(|(name, range)| format!("{name}@{range}"))
            .collect();
        return Ok((!missing.is_empty()).then(|| (dir.rel(lockfiles::NPM), missing)));
    }
    Ok(None)
}

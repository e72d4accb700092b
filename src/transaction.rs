//! Writing one run's files as a unit that an interrupt cannot tear.
//!
//! Every file is first staged in a temporary file beside its target, under a name no one
//! can predict, created new (`O_EXCL`, so a link planted at that name is never followed).
//! A journal in `.bim/` names the run's files before anything is staged, and their staged
//! copies before anything is renamed. The renames then run in an order that puts bim.toml
//! and `.bim/rendered` last. A run killed part-way leaves the journal behind: the next run
//! rolls a staging run back (nothing had changed) and rolls a renaming run forward (every
//! staged copy was whole), and says which it did.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::apply::{Action, Decision};
use crate::error::Error;
use crate::ownership::FileKind;
use crate::safe_path;

/// The record of a run that has not finished writing.
pub const JOURNAL: &str = ".bim/journal.json";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Phase {
    /// Temporary files are being written; no target has changed yet.
    Staging,
    /// Every temporary file is whole; they are being renamed over their targets.
    Renaming,
}

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    phase: Phase,
    files: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    path: String,
    /// The staged copy's name, in the target's own folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    temp: Option<String>,
    /// The target is removed rather than written.
    #[serde(default)]
    remove: bool,
}

/// Where in the order of renames a file goes: the answers and bim's records come last, so
/// an interrupted run never records a version of a file that did not land.
fn rank(kind: FileKind) -> u8 {
    match kind {
        FileKind::Rendered => 1,
        FileKind::Answers => 2,
        _ => 0,
    }
}

/// Writes every changed file, or (on an error) none.
pub fn write(root: &Path, decisions: &[Decision]) -> Result<(), Error> {
    let mut changes: Vec<&Decision> = decisions.iter().filter(|d| d.changes()).collect();
    if changes.is_empty() {
        return Ok(());
    }
    changes.sort_by_key(|d| rank(d.kind));
    let targets: Vec<PathBuf> =
        changes.iter().map(|d| safe_path::checked(root, &d.path)).collect::<Result<_, _>>()?;
    let mut created = Vec::new();
    let result = stage_and_rename(root, &changes, &targets, &mut created);
    let journal_dir = root.join(".bim");
    for dir in created.iter().rev() {
        // On success only a folder that was made for the journal alone is emptied again.
        if result.is_err() || *dir == journal_dir {
            let _ = std::fs::remove_dir(dir);
        }
    }
    result
}

fn stage_and_rename(
    root: &Path,
    changes: &[&Decision],
    targets: &[PathBuf],
    created: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let mut journal = Journal {
        phase: Phase::Staging,
        files: changes
            .iter()
            .map(|d| Entry { path: d.path.clone(), temp: None, remove: d.action == Action::Removed })
            .collect(),
    };
    save_journal(root, &journal, created)?;
    let mut staged = Vec::with_capacity(changes.len());
    for (index, (decision, target)) in changes.iter().zip(targets).enumerate() {
        fault("stage", index);
        if decision.action == Action::Removed {
            staged.push(None);
            continue;
        }
        match stage(root, target, decision.new.as_deref().unwrap_or(""), created) {
            Ok(temp) => staged.push(Some(temp)),
            Err(e) => {
                // The staged files are deleted as they drop.
                drop(staged);
                let _ = remove_journal(root);
                return Err(e);
            }
        }
    }
    for (entry, temp) in journal.files.iter_mut().zip(&staged) {
        entry.temp =
            temp.as_ref().and_then(|t| t.path().file_name()).map(|n| n.to_string_lossy().into_owned());
    }
    journal.phase = Phase::Renaming;
    if let Err(e) = save_journal(root, &journal, created) {
        drop(staged);
        let _ = remove_journal(root);
        return Err(e);
    }
    let mut done: Vec<usize> = Vec::new();
    for (index, temp) in staged.into_iter().enumerate() {
        fault("rename", index);
        let target = &targets[index];
        let renamed = match temp {
            Some(temp) => temp.persist(target).map(drop).map_err(|e| e.error),
            None => remove_if_there(target),
        };
        if let Err(e) = renamed {
            // Put back what was already renamed; the rest are deleted as they drop.
            for &earlier in done.iter().rev() {
                let _ = restore(root, changes[earlier], &targets[earlier]);
            }
            let _ = remove_journal(root);
            return Err(Error::write(target, e));
        }
        done.push(index);
    }
    remove_journal(root)
}

/// A new temporary file beside `target`, holding `contents`, with the target's mode.
fn stage(
    root: &Path,
    target: &Path,
    contents: &str,
    created: &mut Vec<PathBuf>,
) -> Result<tempfile::NamedTempFile, Error> {
    let parent = target.parent().unwrap_or(root);
    create_dirs(root, parent, created)?;
    let mode = std::fs::symlink_metadata(target).map(|m| m.permissions()).ok().or_else(new_file_mode);
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = temp_prefix(&name);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(TEMP_SUFFIX).rand_bytes(12);
    if let Some(mode) = mode {
        builder.permissions(mode);
    }
    let mut temp = builder.tempfile_in(parent).map_err(|e| Error::write(target, e))?;
    temp.write_all(contents.as_bytes()).map_err(|e| Error::write(target, e))?;
    temp.as_file().sync_all().map_err(|e| Error::write(target, e))?;
    Ok(temp)
}

const TEMP_SUFFIX: &str = ".tmp";

/// A new file's mode where the platform has modes: readable by all, as a plain write
/// would make it (tempfile's own default is private to its owner).
#[cfg(unix)]
fn new_file_mode() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn new_file_mode() -> Option<std::fs::Permissions> {
    None
}

fn temp_prefix(name: &str) -> String {
    format!(".{name}.bim-")
}

/// Whether `name` is one of bim's temporary files for `target_name`.
fn is_temp_of(name: &str, target_name: &str) -> bool {
    name.starts_with(&temp_prefix(target_name)) && name.ends_with(TEMP_SUFFIX) && !name.contains('/')
}

/// Puts back the file a decision replaced (or removes the one it created).
fn restore(root: &Path, decision: &Decision, target: &Path) -> Result<(), Error> {
    match &decision.old {
        Some(old) => stage(root, target, old, &mut Vec::new())?
            .persist(target)
            .map(drop)
            .map_err(|e| Error::write(target, e.error)),
        None => remove_if_there(target).map_err(|e| Error::write(target, e)),
    }
}

fn remove_if_there(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Makes each missing folder from `root` down to `dir`, noting the ones it made.
fn create_dirs(root: &Path, dir: &Path, created: &mut Vec<PathBuf>) -> Result<(), Error> {
    let Ok(rel) = dir.strip_prefix(root) else { return Ok(()) };
    let mut path = root.to_path_buf();
    for part in rel.components() {
        path.push(part);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(Error::write(&path, std::io::Error::other("it is not a folder"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir(&path).map_err(|e| Error::write(&path, e))?;
                created.push(path.clone());
            }
            Err(e) => return Err(Error::write(&path, e)),
        }
    }
    Ok(())
}

fn save_journal(root: &Path, journal: &Journal, created: &mut Vec<PathBuf>) -> Result<(), Error> {
    let target = safe_path::checked(root, JOURNAL)?;
    let text = serde_json::to_string_pretty(journal).map_err(|e| Error::Internal(e.to_string()))?;
    stage(root, &target, &text, created)?
        .persist(&target)
        .map(drop)
        .map_err(|e| Error::write(&target, e.error))
}

fn remove_journal(root: &Path) -> Result<(), Error> {
    let path = root.join(JOURNAL);
    remove_if_there(&path).map_err(|e| Error::write(&path, e))
}

/// When a run stopped part-way and left its journal: saying so, with `then`, what finishes it.
pub fn unfinished(root: &Path, then: &str) -> Option<String> {
    std::fs::symlink_metadata(root.join(JOURNAL))
        .is_ok()
        .then(|| format!("an earlier bim run stopped part-way while writing ({JOURNAL} is there): {then}"))
}

/// Finishes what an interrupted run left: a run stopped while staging is rolled back, one
/// stopped while renaming is rolled forward. Says what it did, or `None` when there was
/// nothing to do.
pub fn recover(root: &Path) -> Result<Option<String>, Error> {
    if !root.is_dir() {
        return Ok(None);
    }
    let Some(text) = safe_path::read_text(root, JOURNAL)? else {
        return Ok(None);
    };
    let journal: Journal = serde_json::from_str(&text).map_err(|e| {
        Error::broken(
            JOURNAL,
            format!("{e}; it records a bim run that did not finish: remove it, and check the files bim writes with `git status`"),
        )
    })?;
    let message = match journal.phase {
        Phase::Staging => {
            let mut removed = 0;
            let paths = journal.files.iter().map(|e| e.path.as_str()).chain([JOURNAL]);
            for path in paths {
                removed += remove_temps_of(root, path)?;
            }
            format!(
                "an earlier bim run was stopped before it changed any file: rolled it back \
                 ({removed} temporary files removed)"
            )
        }
        Phase::Renaming => {
            let mut finished = 0;
            // A journal may come with the repository: it may only finish writes bim makes.
            for entry in journal.files.iter().filter(|e| bims_own(&e.path, e.remove)) {
                let target = safe_path::checked(root, &entry.path)?;
                if entry.remove {
                    remove_if_there(&target).map_err(|e| Error::write(&target, e))?;
                    finished += 1;
                    continue;
                }
                let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let Some(temp) = entry.temp.as_deref().filter(|t| is_temp_of(t, &name)) else { continue };
                let temp = target.with_file_name(temp);
                if std::fs::symlink_metadata(&temp).is_ok_and(|m| m.is_file()) {
                    std::fs::rename(&temp, &target).map_err(|e| Error::write(&target, e))?;
                    finished += 1;
                }
            }
            remove_temps_of(root, JOURNAL)?;
            format!(
                "an earlier bim run was stopped while it wrote its files: finished it \
                 ({finished} files put in place)"
            )
        }
    };
    remove_journal(root)?;
    Ok(Some(message))
}

/// Whether `path` is a file bim writes (or, for a removal, a record it keeps): a journal
/// that names anything else (a person's `.env`, their sources) was not written by bim.
fn bims_own(path: &str, remove: bool) -> bool {
    const NAMES: &[&str] = &[
        "Dockerfile",
        "Dockerfile.dockerignore",
        ".dockerignore",
        ".env.example",
        ".gitignore",
        "README.md",
        "bim.toml",
        "compose.yaml",
        ".mcp.json",
        "SKILL.md",
    ];
    if remove {
        return path.starts_with(&format!("{}/", crate::ownership::PENDING_DIR));
    }
    path.starts_with(".bim/")
        || path == ".github/dependabot.yml"
        || (path.starts_with(".github/workflows/") && path.ends_with(".yml"))
        || NAMES.contains(&crate::scan::file_name(path))
}

/// Removes bim's temporary files for `rel` from its folder; returns how many.
fn remove_temps_of(root: &Path, rel: &str) -> Result<usize, Error> {
    let target = safe_path::checked(root, rel)?;
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let Some(Ok(entries)) = target.parent().map(std::fs::read_dir) else { return Ok(0) };
    let mut removed = 0;
    for entry in entries.flatten() {
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && is_temp_of(&entry.file_name().to_string_lossy(), &name) {
            remove_if_there(&entry.path()).map_err(|e| Error::write(&entry.path(), e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// A failure injected by the tests: `BIM_TEST_STOP_AT=rename:2` ends the process, with no
/// cleanup at all (as SIGKILL would), before the third rename. Debug builds only.
#[cfg(debug_assertions)]
fn fault(point: &str, done: usize) {
    if std::env::var("BIM_TEST_STOP_AT").is_ok_and(|at| at == format!("{point}:{done}")) {
        std::process::exit(137);
    }
}

#[cfg(not(debug_assertions))]
fn fault(_point: &str, _done: usize) {}

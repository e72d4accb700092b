//! Applying a plan to the repository: deciding, for each planned file, what happens to the
//! file that is there (create, update, leave unchanged, or skip a file that is not bim's),
//! then writing every change atomically — all or nothing.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Error;
use crate::ownership::GENERATED_MARKER;
use crate::plan::docs::{README_BEGIN, README_END};
use crate::plan::{FileKind, Ownership, PlannedFile};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Created,
    Updated,
    /// A person's edits and bim's new render, three-way merged.
    Merged,
    Unchanged,
    Skipped,
    /// A person's edits and bim's new render touch the same lines: the file is left as it
    /// is, and the run fails (exit 10) until one side gives way (`--force` takes bim's).
    Conflict,
}

/// What happens to one file.
#[derive(Clone, Debug, Serialize)]
pub struct Decision {
    pub path: String,
    pub kind: FileKind,
    pub action: Action,
    pub reason: String,
    /// For a conflict: each clashing hunk, with `<<<<<<<`/`>>>>>>>` markers around the
    /// file's lines and bim's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hunks: Vec<String>,
    #[serde(skip)]
    pub old: Option<String>,
    #[serde(skip)]
    pub new: Option<String>,
}

impl Decision {
    pub fn changes(&self) -> bool {
        matches!(self.action, Action::Created | Action::Updated | Action::Merged)
    }

    /// A unified diff from the file as it is to the file bim would write.
    pub fn diff(&self) -> String {
        let old = self.old.as_deref().unwrap_or("");
        let new = self.new.as_deref().unwrap_or(old);
        let old_name = if self.old.is_some() { format!("a/{}", self.path) } else { "/dev/null".to_string() };
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(&old_name, &format!("b/{}", self.path))
            .to_string()
    }
}

pub use crate::ownership::made_by_bim;

/// Decides what to do with each planned file, reading what is there now.
pub fn decide(root: &Path, planned: &[PlannedFile], force: bool) -> Result<Vec<Decision>, Error> {
    let mut decisions: Vec<Decision> =
        planned.iter().map(|file| decide_one(root, file, force)).collect::<Result<_, _>>()?;
    // A file left as it is keeps its base, so the next run merges against the same one.
    let kept: Vec<String> = decisions
        .iter()
        .filter(|d| matches!(d.action, Action::Conflict | Action::Skipped))
        .map(|d| crate::ownership::rendered_path(&d.path))
        .collect();
    for decision in decisions.iter_mut().filter(|d| d.kind == FileKind::Rendered && kept.contains(&d.path)) {
        decision.action = Action::Unchanged;
        decision.reason = "kept: the file it renders was left as it is".into();
        decision.new = decision.old.clone();
    }
    Ok(decisions)
}

/// bim's last render of `path`, if it kept one.
fn last_render(root: &Path, path: &str) -> Option<String> {
    std::fs::read_to_string(root.join(crate::ownership::rendered_path(path))).ok()
}

/// The conflicting hunks of a text with conflict markers.
fn conflict_hunks(marked: &str) -> Vec<String> {
    let mut hunks = Vec::new();
    let mut current: Option<String> = None;
    for line in marked.split_inclusive('\n') {
        if line.starts_with("<<<<<<<") {
            current = Some(String::new());
        }
        if let Some(hunk) = current.as_mut() {
            hunk.push_str(line);
        }
        if line.starts_with(">>>>>>>") {
            hunks.extend(current.take());
        }
    }
    hunks
}

fn decide_one(root: &Path, file: &PlannedFile, force: bool) -> Result<Decision, Error> {
    let full = root.join(&file.path);
    let old =
        match std::fs::read(&full) {
            Ok(bytes) => Some(String::from_utf8(bytes).map_err(|_| {
                Error::broken(&file.path, "it is not valid UTF-8 text, so bim cannot update it")
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
                return Err(Error::broken(&file.path, "it is a folder, where bim writes a file"));
            }
            Err(e) => return Err(Error::io(&full, e)),
        };
    let outcome = |action: Action, reason: &str, new: Option<String>| Decision {
        path: file.path.clone(),
        kind: file.kind,
        action,
        reason: reason.to_string(),
        hunks: Vec::new(),
        old: old.clone(),
        new,
    };
    let Some(existing) = &old else {
        let contents = match file.ownership {
            Ownership::Section => format!("# {}\n\n{}", readme_title(root), file.contents),
            _ => file.contents.clone(),
        };
        return Ok(outcome(Action::Created, "new file", Some(contents)));
    };
    let new = match file.ownership {
        Ownership::Whole => {
            let ours = file.kind == FileKind::Answers || made_by_bim(existing);
            if !ours && !force {
                let why = match file.kind {
                    FileKind::Workflow => {
                        "an existing workflow of yours: left alone (pass --force to replace it)"
                    }
                    _ => "exists and bim did not make it: left alone (pass --force to replace it)",
                };
                return Ok(outcome(Action::Skipped, why, None));
            }
            let mergeable = ours && !matches!(file.kind, FileKind::Answers | FileKind::Rendered);
            match last_render(root, &file.path).filter(|_| mergeable && existing != &file.contents) {
                // Edited by hand, and bim's render has not changed since: the edit stays.
                Some(base) if &base == existing => file.contents.clone(),
                Some(base) if base == file.contents => {
                    return Ok(outcome(
                        Action::Unchanged,
                        "edited by hand since bim wrote it; kept as you left it",
                        Some(existing.clone()),
                    ));
                }
                Some(base) => match crate::ownership::merge(&base, existing, &file.contents) {
                    crate::ownership::Merge::Clean(merged) => {
                        return Ok(outcome(
                            Action::Merged,
                            "your edits and bim's changes merged",
                            Some(merged),
                        ));
                    }
                    crate::ownership::Merge::Conflict(_) if force => file.contents.clone(),
                    crate::ownership::Merge::Conflict(marked) => {
                        let mut decision = outcome(
                            Action::Conflict,
                            "your edits and bim's changes touch the same lines: left as it is \
                             (merge by hand, or pass --force to take bim's version)",
                            None,
                        );
                        decision.hunks = conflict_hunks(&marked);
                        return Ok(decision);
                    }
                },
                None => file.contents.clone(),
            }
        }
        Ownership::Section => replace_section(existing, &file.contents, &file.path)?,
        Ownership::Entries if made_by_bim(existing) => file.contents.clone(),
        Ownership::Entries => merge_entries(existing, &file.contents, file.kind),
    };
    if &new == existing {
        Ok(outcome(Action::Unchanged, "already up to date", Some(new)))
    } else {
        let why = match file.ownership {
            Ownership::Whole if !made_by_bim(existing) && file.kind != FileKind::Answers => {
                "replaced (--force)"
            }
            Ownership::Whole => "regenerated",
            Ownership::Section => "bim's section rewritten; the rest kept",
            Ownership::Entries => "missing entries added; existing lines kept",
        };
        Ok(outcome(Action::Updated, why, Some(new)))
    }
}

fn readme_title(root: &Path) -> String {
    crate::scan::folder_name(root).unwrap_or_else(|| "App".into())
}

/// Replaces the text between the markers, or appends the section when there is none.
fn replace_section(existing: &str, section: &str, path: &str) -> Result<String, Error> {
    let (begin, end, open_fence) = marker_lines(existing);
    match (begin.map(|r| r.start), end) {
        (Some(b), Some(e)) => Ok(format!("{}{}{}", &existing[..b], section, &existing[e.end..])),
        // Appended inside it, the section would be code, and never found again.
        (None, None) if let Some(f) = open_fence => Err(Error::broken(
            path,
            format!(
                "its code fence at line {} is never closed, so bim's section would land inside it; close the fence",
                crate::manifest::line_of(existing, f)
            ),
        )),
        (None, None) => {
            let sep = if existing.is_empty() || existing.ends_with("\n\n") {
                ""
            } else if existing.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            Ok(format!("{existing}{sep}{section}"))
        }
        (Some(b), _) => Err(Error::broken(
            path,
            format!(
                "it has {README_BEGIN} at line {} but no {README_END} after it; add the end marker where bim's section should stop, or remove the begin marker",
                crate::manifest::line_of(existing, b)
            ),
        )),
        (None, Some(e)) => Err(Error::broken(
            path,
            format!(
                "it has {README_END} at line {} but no {README_BEGIN} before it; add the begin marker or remove the end marker",
                crate::manifest::line_of(existing, e.start)
            ),
        )),
    }
}

/// A line's byte range in the text, its newline included.
type Line = std::ops::Range<usize>;

/// The lines of the first begin marker and of the first end marker after it (or anywhere,
/// when there is no begin), and where a fence still open at the end starts. Only a marker
/// alone on its line counts, outside fenced and indented code: a README that documents the
/// markers must not have its text taken for bim's section.
fn marker_lines(text: &str) -> (Option<Line>, Option<Line>, Option<usize>) {
    let (mut begin, mut end, mut first_end) = (None, None, None);
    // The open fence's character, length and offset: it closes on a line of at least as many.
    let mut fence: Option<(char, usize, usize)> = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let range = at..at + line.len();
        at += line.len();
        let trimmed = line.trim();
        let run = |c: char| trimmed.chars().take_while(|&x| x == c).count();
        if let Some((c, n, _)) = fence {
            if run(c) >= n && trimmed.trim_start_matches(c).is_empty() {
                fence = None;
            }
            continue;
        }
        // Any indentation opens a fence (one in a list item is still code): a real marker
        // missed only means a second section is appended, a fenced one taken would be
        // overwritten.
        if let Some(c) = ['`', '~'].into_iter().find(|&c| run(c) >= 3) {
            fence = Some((c, run(c), range.start));
            continue;
        }
        if line.starts_with("    ") || line.starts_with('\t') {
            continue;
        }
        if trimmed == README_BEGIN && begin.is_none() {
            begin = Some(range);
        } else if trimmed == README_END {
            first_end.get_or_insert(range.clone());
            if begin.is_some() {
                end = Some(range);
                break;
            }
        }
    }
    let end = if begin.is_some() { end } else { first_end };
    (begin, end, fence.map(|(_, _, at)| at))
}

/// Adds the entries of `rendered` that `existing` lacks, with their comments, after the
/// existing text; every existing line stays as it is.
fn merge_entries(existing: &str, rendered: &str, kind: FileKind) -> String {
    let key = |line: &str| -> Option<String> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        Some(match kind {
            FileKind::EnvExample => {
                line.trim_start_matches("export ").split('=').next().unwrap_or("").trim().to_string()
            }
            _ => line.to_string(),
        })
    };
    let present: std::collections::HashSet<String> = existing.lines().filter_map(key).collect();
    let mut added = String::new();
    let mut comments: Vec<&str> = Vec::new();
    for line in rendered.lines() {
        match key(line) {
            None if line.trim().is_empty() => comments.clear(),
            None => {
                if !line.contains(GENERATED_MARKER)
                    && !line.contains("regenerate")
                    && !line.contains("bim check")
                {
                    comments.push(line);
                }
            }
            Some(k) => {
                if !present.contains(&k) {
                    if kind == FileKind::EnvExample {
                        added.push('\n');
                    }
                    for c in comments.drain(..) {
                        added.push_str(c);
                        added.push('\n');
                    }
                    added.push_str(line);
                    added.push('\n');
                }
                comments.clear();
            }
        }
    }
    if added.is_empty() {
        return existing.to_string();
    }
    let sep = if existing.is_empty() || existing.ends_with('\n') { "" } else { "\n" };
    format!("{existing}{sep}\n# Added by bim\n{}", added.trim_start_matches('\n'))
}

/// Writes every changed file, or none: each goes to a temporary file beside its target
/// first, and only when all are written are they renamed into place. A failure part-way
/// through restores what was there.
pub fn write(root: &Path, decisions: &[Decision]) -> Result<(), Error> {
    let changes: Vec<&Decision> = decisions.iter().filter(|d| d.changes()).collect();
    let mut created_dirs: Vec<PathBuf> = Vec::new();
    let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
    let staged = (|| -> Result<(), Error> {
        for decision in &changes {
            let target = root.join(&decision.path);
            let parent = target.parent().unwrap_or(root).to_path_buf();
            create_dirs(&parent, &mut created_dirs)?;
            let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let temp = parent.join(format!(".{name}.bim-{}.tmp", std::process::id()));
            std::fs::write(&temp, decision.new.as_deref().unwrap_or(""))
                .map_err(|e| Error::io(&target, e))?;
            if let Ok(meta) = std::fs::metadata(&target) {
                let _ = std::fs::set_permissions(&temp, meta.permissions());
            }
            temps.push((temp, target));
        }
        Ok(())
    })();
    if let Err(e) = staged {
        for (temp, _) in &temps {
            let _ = std::fs::remove_file(temp);
        }
        for dir in created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
        return Err(e);
    }
    for (index, (temp, target)) in temps.iter().enumerate() {
        if let Err(e) = std::fs::rename(temp, target) {
            // Put back the files already renamed, and drop the rest.
            for (done, (_, earlier)) in temps.iter().enumerate().take(index) {
                match &changes[done].old {
                    Some(old) => {
                        let _ = std::fs::write(earlier, old);
                    }
                    None => {
                        let _ = std::fs::remove_file(earlier);
                    }
                }
            }
            for (rest, _) in temps.iter().skip(index) {
                let _ = std::fs::remove_file(rest);
            }
            for dir in created_dirs.iter().rev() {
                let _ = std::fs::remove_dir(dir);
            }
            return Err(Error::io(target, e));
        }
    }
    Ok(())
}

fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> Result<(), Error> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dirs(parent, created)?;
    }
    std::fs::create_dir(dir).map_err(|e| Error::io(dir, e))?;
    created.push(dir.to_path_buf());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_env_entries_keeps_existing_lines_and_adds_missing_ones() {
        let existing = "# mine\nA=1\n";
        let rendered = "# intro\n\n# read in x.js\nA=\n\n# read in y.js\nB=\n";
        let merged = merge_entries(existing, rendered, FileKind::EnvExample);
        assert_eq!(merged, "# mine\nA=1\n\n# Added by bim\n# read in y.js\nB=\n");
        assert_eq!(
            merge_entries(&merged, rendered, FileKind::EnvExample),
            merged,
            "a second merge adds nothing"
        );
    }

    #[test]
    fn a_section_is_replaced_between_markers_and_appended_otherwise() {
        let section = format!("{README_BEGIN}\nnew\n{README_END}\n");
        let existing = format!("# T\n\nintro\n{README_BEGIN}\nold\n{README_END}\nafter\n");
        assert_eq!(
            replace_section(&existing, &section, "README.md").expect("ok"),
            format!("# T\n\nintro\n{section}after\n")
        );
        assert_eq!(replace_section("# T\n", &section, "README.md").expect("ok"), format!("# T\n\n{section}"));
        let broken =
            replace_section(&format!("x\n{README_BEGIN}\n"), &section, "README.md").expect_err("must fail");
        assert!(broken.to_string().contains("line 2"), "{broken}");
    }

    #[test]
    fn markers_in_code_fences_or_inline_code_are_documentation_not_bims_section() {
        let section = format!("{README_BEGIN}\nnew\n{README_END}\n");
        for fence in ["```", "~~~~"] {
            let existing = format!(
                "# T\n\nbim owns this part:\n\n{fence}markdown\n{README_BEGIN}\nmine\n{README_END}\n{fence}\n"
            );
            let new = replace_section(&existing, &section, "README.md").expect("ok");
            assert_eq!(new, format!("{existing}\n{section}"), "appended after the fenced text");
        }
        let inline = format!("# T\n\nSee `{README_BEGIN}` and `{README_END}` below.\n");
        let new = replace_section(&inline, &section, "README.md").expect("ok");
        assert_eq!(new, format!("{inline}\n{section}"));
        let indented = format!("# T\n\n    {README_BEGIN}\n    {README_END}\n");
        let new = replace_section(&indented, &section, "README.md").expect("ok");
        assert_eq!(new, format!("{indented}\n{section}"), "an indented code block is code too");
    }

    #[test]
    fn the_real_markers_are_found_after_documented_ones() {
        let section = format!("{README_BEGIN}\nnew\n{README_END}\n");
        let docs = format!("```\n{README_BEGIN}\n```\n\n```\n{README_END}\n```\n");
        let existing = format!("# T\n{docs}\n{README_BEGIN}\nold\n{README_END}\nafter\n");
        assert_eq!(
            replace_section(&existing, &section, "README.md").expect("ok"),
            format!("# T\n{docs}\n{section}after\n")
        );
        // A begin marker whose only end is in a fence is still a broken section.
        let broken = format!("x\n{README_BEGIN}\n```\n{README_END}\n```\n");
        let error = replace_section(&broken, &section, "README.md").expect_err("must fail");
        assert!(error.to_string().contains("line 2"), "{error}");
        // Appended after a fence never closed, the section would be code on every run.
        let open = format!("# T\n\n```\n{README_BEGIN}\n");
        let error = replace_section(&open, &section, "README.md").expect_err("must fail");
        assert!(error.to_string().contains("fence at line 3 is never closed"), "{error}");
    }
}

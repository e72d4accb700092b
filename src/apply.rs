//! Applying a plan to the repository: deciding, for each planned file, what happens to the
//! file that is there (create, update, leave unchanged, or skip a file that is not bim's),
//! then writing every change atomically — all or nothing.

use std::path::Path;

use serde::Serialize;

use crate::error::Error;
use crate::ownership::GENERATED_MARKER;
use crate::ownership::{FileKind, Ownership};
use crate::plan::PlannedFile;
use crate::plan::docs::{README_BEGIN, README_END};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Created,
    Updated,
    /// A person's edits and bim's new render, three-way merged.
    Merged,
    Unchanged,
    Skipped,
    /// A record bim kept and no longer needs.
    Removed,
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
    /// Left as a person edited it: unchanged, though bim's render differs.
    #[serde(skip)]
    pub edited: bool,
    #[serde(skip)]
    pub old: Option<String>,
    #[serde(skip)]
    pub new: Option<String>,
}

impl Decision {
    pub fn changes(&self) -> bool {
        matches!(self.action, Action::Created | Action::Updated | Action::Merged | Action::Removed)
    }

    /// A file with bim's header that bim left as it is, having no copy of what it wrote
    /// there: edited by hand, or out of date, bim cannot tell.
    pub fn unknown_edit(&self) -> bool {
        self.action == Action::Skipped && self.old.as_deref().is_some_and(made_by_bim)
    }

    /// A unified diff from the file as it is to the file bim would write.
    pub fn diff(&self) -> String {
        let old = self.old.as_deref().unwrap_or("");
        let new = match self.action {
            Action::Removed => "",
            _ => self.new.as_deref().unwrap_or(old),
        };
        let old_name = if self.old.is_some() { format!("a/{}", self.path) } else { "/dev/null".to_string() };
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(&old_name, &format!("b/{}", self.path))
            .to_string()
    }
}

pub use crate::ownership::made_by_bim;
use crate::ownership::{Merge, has_conflict_markers, merge, pending_path, rendered_path};
use crate::safe_path;

/// Decides what to do with each planned file, reading what is there now.
pub fn decide(root: &Path, planned: &[PlannedFile], force: bool) -> Result<Vec<Decision>, Error> {
    let mut decisions = Vec::with_capacity(planned.len());
    let mut records = Vec::new();
    for file in planned {
        let record_path = pending_path(&file.path);
        let record_text = if mergeable(file) { safe_path::read_text(root, &record_path)? } else { None };
        let record = record_text.as_deref().and_then(|text| serde_json::from_str::<Pending>(text).ok());
        let decision = decide_one(root, file, force, record.as_ref())?;
        // A conflict keeps bim's side until the person's merge lands; then it goes.
        if decision.action == Action::Conflict {
            let pending =
                Pending { bims: file.contents.clone(), yours: decision.old.clone().unwrap_or_default() };
            let text = serde_json::to_string_pretty(&pending).map_err(|e| Error::Internal(e.to_string()))?;
            records.push(record_decision(record_path, record_text, Some(text)));
        } else if record_text.is_some() {
            records.push(record_decision(record_path, record_text, None));
        }
        decisions.push(decision);
    }
    // A file left as it is keeps its base, so the next run merges against the same one; a
    // person's dependabot.yml that gained bim's entry is theirs, with no base of bim's.
    let kept: Vec<String> = decisions
        .iter()
        .filter(|d| {
            matches!(d.action, Action::Conflict | Action::Skipped)
                || (d.kind == FileKind::Dependabot && d.old.as_deref().is_some_and(|o| !made_by_bim(o)))
        })
        .map(|d| rendered_path(&d.path))
        .collect();
    for decision in decisions.iter_mut().filter(|d| d.kind == FileKind::Rendered && kept.contains(&d.path)) {
        decision.action = Action::Unchanged;
        decision.reason = "kept: the file it renders was left as it is".into();
        decision.new = decision.old.clone();
    }
    decisions.extend(records);
    Ok(decisions)
}

/// What bim keeps of a conflict it left for the person to merge: its side, and the file
/// as it stood, so that a later run can tell a merge made by hand from a file untouched.
#[derive(serde::Serialize, serde::Deserialize)]
struct Pending {
    bims: String,
    yours: String,
}

/// Files bim makes whole and merges a person's edits into, over its last render.
fn mergeable(file: &PlannedFile) -> bool {
    file.ownership == Ownership::Whole && !matches!(file.kind, FileKind::Answers | FileKind::Rendered)
}

/// Writing, updating or removing bim's side of a conflict.
fn record_decision(path: String, old: Option<String>, new: Option<String>) -> Decision {
    let (action, reason) = match (&old, &new) {
        (_, None) => (Action::Removed, "the conflict it kept is resolved"),
        (None, Some(_)) => (Action::Created, "bim's side of the conflict, kept until you merge it"),
        (Some(o), Some(n)) if o == n => (Action::Unchanged, "bim's side of the conflict"),
        (Some(_), Some(_)) => (Action::Updated, "bim's side of the conflict, kept until you merge it"),
    };
    Decision {
        path,
        kind: FileKind::Rendered,
        action,
        reason: reason.into(),
        hunks: Vec::new(),
        edited: false,
        old,
        new,
    }
}

/// bim's last render of `path`, if it kept one.
fn last_render(root: &Path, path: &str) -> Result<Option<String>, Error> {
    safe_path::read_text(root, &rendered_path(path))
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

const DEPENDABOT_ADDED: &str = "bim's github-actions entry added to yours; the rest kept as it was";

const CONFLICT_REASON: &str = "your edits and bim's changes touch the same lines: left as it is. Merge \
     bim's side (the hunks below) into the file by hand, remove the markers and run `bim init` \
     again: your merge is kept. Or pass --force to take bim's version";

/// A decision about one planned file.
fn decision(
    file: &PlannedFile,
    action: Action,
    reason: &str,
    old: Option<String>,
    new: Option<String>,
) -> Decision {
    Decision {
        path: file.path.clone(),
        kind: file.kind,
        action,
        reason: reason.to_string(),
        hunks: Vec::new(),
        edited: false,
        old,
        new,
    }
}

/// What merging a person's edits to a file bim makes whole comes to.
enum Merged {
    /// Write this.
    Write(String),
    /// Decided: the action, why, the text for the diff, and a conflict's hunks.
    Done(Action, String, Option<String>, Vec<String>),
}

/// A file of bim's that differs from the new render: three-way merged over bim's last
/// render, or over its side of a conflict the person has since merged by hand.
fn merge_edited(
    file: &PlannedFile,
    existing: &str,
    base: Option<String>,
    pending: Option<&Pending>,
    force: bool,
) -> Merged {
    let done = |action, why: &str, new, hunks| Merged::Done(action, why.to_string(), new, hunks);
    // After a conflict, the person's merge was made against bim's side of it.
    let (base, resolving) = match pending {
        Some(_) if force => (base, false),
        Some(p) if has_conflict_markers(existing) || p.yours == existing => {
            let why = if p.yours == existing {
                "still as it was at the conflict: merge bim's side into it by hand, then \
                 run `bim init` again (or pass --force to take bim's version)"
            } else {
                "still holds conflict markers: finish the merge by hand and remove \
                 them, then run `bim init` again (or pass --force to take bim's version)"
            };
            let hunks = match base.as_deref().map(|b| merge(b, existing, &file.contents)) {
                Some(Merge::Conflict(marked)) => conflict_hunks(&marked),
                _ => Vec::new(),
            };
            return done(Action::Conflict, why, None, hunks);
        }
        Some(p) => (Some(p.bims.clone()), true),
        None => (base, false),
    };
    match base {
        // Edited by hand, and bim's render has not changed since: the edit stays.
        Some(base) if base == existing => Merged::Write(file.contents.clone()),
        Some(base) if base == file.contents => {
            let why = if resolving {
                "your merge of the conflict is kept, and becomes bim's base"
            } else {
                "edited by hand since bim wrote it; kept as you left it"
            };
            done(Action::Unchanged, why, Some(existing.to_string()), Vec::new())
        }
        Some(base) => match merge(&base, existing, &file.contents) {
            Merge::Clean(merged) => {
                done(Action::Merged, "your edits and bim's changes merged", Some(merged), Vec::new())
            }
            Merge::Conflict(_) if force => Merged::Write(file.contents.clone()),
            Merge::Conflict(marked) => done(Action::Conflict, CONFLICT_REASON, None, conflict_hunks(&marked)),
        },
        None if force => Merged::Write(file.contents.clone()),
        // Without bim's last render, an edit cannot be told from an old render.
        None => done(
            Action::Skipped,
            &format!(
                "differs from bim's render, and bim has no copy of what it last wrote \
                 ({} is missing), so it cannot tell your edits from its own: kept as \
                 it is (pass --force to replace it)",
                rendered_path(&file.path)
            ),
            // What bim would write, for the diff `check` shows.
            Some(file.contents.clone()),
            Vec::new(),
        ),
    }
}

fn decide_one(
    root: &Path,
    file: &PlannedFile,
    force: bool,
    pending: Option<&Pending>,
) -> Result<Decision, Error> {
    let old = match safe_path::read_text(root, &file.path) {
        // A shared file that is itself a link (a README linked to a package's README) is
        // left alone: bim's part of it is optional, and a link is never written through.
        Err(Error::UnsafePath { path, cause })
            if path == file.path && matches!(file.ownership, Ownership::Section | Ownership::Entries) =>
        {
            return Ok(decision(file, Action::Skipped, &format!("{cause}: left alone"), None, None));
        }
        other => other?,
    };
    let outcome =
        |action: Action, reason: &str, new: Option<String>| decision(file, action, reason, old.clone(), new);
    let Some(existing) = &old else {
        let contents = match file.ownership {
            Ownership::Section => format!("# {}\n\n{}", readme_title(root), file.contents),
            _ => file.contents.clone(),
        };
        return Ok(outcome(Action::Created, "new file", Some(contents)));
    };
    let new = match file.ownership {
        Ownership::Whole => {
            let base = if mergeable(file) { last_render(root, &file.path)? } else { None };
            // bim's by its exact header, or by the copy it keeps of what it wrote there.
            let ours = file.kind == FileKind::Answers || made_by_bim(existing) || base.is_some();
            if !ours && !force && file.kind == FileKind::Dependabot {
                // The repository's own dependabot.yml: bim adds only its github-actions entry.
                use crate::dependabot_merge::{Outcome, add_entry};
                return Ok(match add_entry(existing) {
                    Outcome::Added(text) => outcome(Action::Updated, DEPENDABOT_ADDED, Some(text)),
                    Outcome::Ours => {
                        outcome(Action::Unchanged, "bim's github-actions entry is in yours already", None)
                    }
                    Outcome::HasEntry => {
                        outcome(Action::Skipped, "yours, with its own github-actions entry: left alone", None)
                    }
                    Outcome::NoList => outcome(
                        Action::Skipped,
                        "yours, with no top-level updates: list to add bim's github-actions entry to: left alone",
                        None,
                    ),
                });
            }
            if !ours && !force {
                let why = match file.kind {
                    FileKind::Workflow => {
                        "an existing workflow of yours: left alone (pass --force to replace it)"
                    }
                    _ => "exists and bim did not make it: left alone (pass --force to replace it)",
                };
                return Ok(outcome(Action::Skipped, why, None));
            }
            if !mergeable(file) || existing == &file.contents {
                file.contents.clone()
            } else {
                match merge_edited(file, existing, base, pending, force) {
                    Merged::Write(text) => text,
                    Merged::Done(action, why, new, hunks) => {
                        let mut decision = outcome(action, &why, new);
                        decision.hunks = hunks;
                        // The only unchanged outcome of a merge: the person's text stays.
                        decision.edited = action == Action::Unchanged;
                        return Ok(decision);
                    }
                }
            }
        }
        Ownership::Section => replace_section(existing, &file.contents, &file.path)?,
        Ownership::Entries if made_by_bim(existing) => match last_render(root, &file.path)? {
            // Lines a person added to bim's file are theirs to keep.
            Some(base) => match merge(&base, existing, &file.contents) {
                Merge::Clean(merged) => merged,
                Merge::Conflict(_) => merge_entries(existing, &file.contents, file.kind),
            },
            None => merge_entries(existing, &file.contents, file.kind),
        },
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
            Ownership::Entries if made_by_bim(existing) => "regenerated; lines you added kept",
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

/// Writes every changed file as one unit: see `transaction`.
pub fn write(root: &Path, decisions: &[Decision]) -> Result<(), Error> {
    crate::transaction::write(root, decisions)
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

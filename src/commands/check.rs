//! `bim check`: re-render every file from bim.toml and report the ones that drifted.

use std::path::Path;

use super::init;
use crate::apply::Decision;
use crate::detect::Detection;
use crate::error::Error;
use crate::ownership::FileKind;
use crate::scan::Snapshot;

pub use crate::report::CheckReport;

pub fn run(path: &Path) -> Result<CheckReport, Error> {
    let snapshot = Snapshot::scan(path)?;
    let unfinished = crate::transaction::unfinished(path, "run `bim init` to finish it");
    let (Some(mut answers), _) = init::read_config(&snapshot)? else {
        return Err(Error::Usage {
            message: format!("{} has no bim.toml to check against", path.display()),
            flag: Some("`bim init` first".into()),
        });
    };
    // bim.toml from before facts were recorded: read them, as the bim that wrote it did.
    let stale_facts = if answers.services.iter().any(|s| s.facts.is_none()) {
        init::read_facts(&mut answers, &snapshot)?;
        Vec::new()
    } else {
        stale_facts(&answers, &snapshot)?
    };
    let prepared = init::Prepared {
        snapshot,
        detection: Detection { services: Vec::new() },
        existing: None,
        notes: Vec::new(),
    };
    let files: Vec<Decision> = init::decide(&prepared, &answers, false)?
        .into_iter()
        // bim.toml is the source being checked against, not an output.
        .filter(|d| d.kind != FileKind::Answers)
        .collect();
    // A hand edit over an up-to-date render is the person's to keep, and passes; a file
    // whose render bim.toml would change fails, edited or not.
    let in_sync = unfinished.is_none()
        && stale_facts.is_empty()
        && !files
            .iter()
            .filter(|d| d.kind != FileKind::Rendered)
            .any(|d| d.changes() || d.action == crate::apply::Action::Conflict || d.unknown_edit());
    Ok(CheckReport { in_sync, unfinished, stale_facts, files })
}

/// What the repository now says that bim.toml's facts do not: the files render from
/// bim.toml alone, and a new lockfile or manifest would otherwise pass unseen. One line a
/// service (or the repository), naming the facts that moved.
fn stale_facts(answers: &crate::config::Config, snapshot: &Snapshot) -> Result<Vec<String>, Error> {
    let mut fresh = answers.clone();
    init::read_facts(&mut fresh, snapshot)?;
    let mut stale = Vec::new();
    let repo = moved(&answers.facts, &fresh.facts);
    if !repo.is_empty() {
        stale.push(format!("the repository: {}", repo.join(", ")));
    }
    for (old, new) in answers.services.iter().zip(&fresh.services) {
        let fields = moved(&old.facts, &new.facts);
        if !fields.is_empty() {
            stale.push(format!("{}: {}", old.path, fields.join(", ")));
        }
    }
    Ok(stale)
}

/// The fields whose values differ between two records of the same facts.
fn moved<T: serde::Serialize>(old: &T, new: &T) -> Vec<String> {
    let (old, new) =
        (serde_json::to_value(old).unwrap_or_default(), serde_json::to_value(new).unwrap_or_default());
    let keys: std::collections::BTreeSet<&String> =
        old.as_object().into_iter().chain(new.as_object()).flat_map(|m| m.keys()).collect();
    keys.into_iter().filter(|k| old.get(*k) != new.get(*k)).cloned().collect()
}

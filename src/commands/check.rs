//! `bim check`: re-render every file from bim.toml and report the ones that drifted.

use std::path::Path;

use super::init;
use crate::apply::Decision;
use crate::detect::Detection;
use crate::error::Error;
use crate::plan::FileKind;
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
    if answers.services.iter().any(|s| s.facts.is_none()) {
        init::read_facts(&mut answers, &snapshot)?;
    }
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
        && !files
            .iter()
            .filter(|d| d.kind != FileKind::Rendered)
            .any(|d| d.changes() || d.action == crate::apply::Action::Conflict || d.unknown_edit());
    Ok(CheckReport { in_sync, unfinished, files })
}

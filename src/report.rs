//! What `bim init` and `bim check` report, as `--json` prints them and `output` shows
//! them. The reports sit below both the commands that make them and the output that
//! prints them, so neither imports the other.

use serde::Serialize;

use crate::answers;
use crate::apply::Decision;
use crate::config::Config;
use crate::detect::Detection;

/// What `bim init` did, as `--json` prints it.
#[derive(Serialize)]
pub struct InitReport {
    /// What to know before the files: an interrupted run finished or rolled back, a
    /// bim.toml that git ignores.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What the answers ask for that the chosen CI leaves out, each with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    pub detection: Detection,
    pub answers: Config,
    /// Candidates left out: nothing in them runs in a container (a library, a helper folder,
    /// an app built for another platform), each with why.
    pub skipped: Vec<answers::Skipped>,
    pub files: Vec<Decision>,
    pub dry_run: bool,
    /// The person answered no at the final confirmation; nothing was written.
    pub declined: bool,
}

/// What `bim check` found: whether every file matches bim.toml, and each file's state.
#[derive(Serialize)]
pub struct CheckReport {
    pub in_sync: bool,
    /// An earlier run stopped part-way: its files may be at two versions until `bim init`
    /// finishes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfinished: Option<String>,
    /// What the repository now says that bim.toml's facts do not (a new lockfile, a moved
    /// manifest), per service: `bim init --yes` records it and re-renders.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stale_facts: Vec<String>,
    pub files: Vec<Decision>,
}

//! `bim detect`: scan and detect, nothing else.

use std::path::Path;

use crate::detect::{self, Detection};
use crate::error::Error;
use crate::scan::Snapshot;

/// Scans `path` once and detects its services.
pub fn run(path: &Path) -> Result<Detection, Error> {
    let snapshot = Snapshot::scan(path)?;
    detect::detect(&snapshot)
}

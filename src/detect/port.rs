//! Finding the port a service listens on in its source: listen calls, `PORT` fallbacks and
//! server addresses, each language with its own patterns.

use crate::detect::Field;
use crate::pattern::Pattern;

use super::dir::{Dir, SourceMatch};
use super::model::Service;
use crate::error::Error;

/// Ports of the databases, caches and brokers an app connects to: a connection string's
/// port is never the app's own.
const BACKING_SERVICE_PORTS: &[u16] = &[5432, 3306, 6379, 27017, 5672, 9200, 11211, 1433, 9092];

/// The first pattern that matches in the source files with `extensions` gives the port
/// (from its first group); the patterns are tried in order.
pub fn search(
    dir: &Dir,
    extensions: &'static [&'static str],
    patterns: &[&Pattern],
) -> Result<Option<(u16, SourceMatch)>, Error> {
    let files: Vec<&str> = dir.sources(extensions).collect();
    search_in(dir, &files, patterns)
}

/// The same search over the given files only (the code one program is built from).
pub fn search_in(
    dir: &Dir,
    files: &[&str],
    patterns: &[&Pattern],
) -> Result<Option<(u16, SourceMatch)>, Error> {
    for pattern in patterns {
        if let Some(found) = dir.grep_in(files.iter().copied(), pattern)?
            && let Some(port) = found.groups.get(1).and_then(|p| p.parse::<u16>().ok())
            && port > 0
            && !BACKING_SERVICE_PORTS.contains(&port)
        {
            return Ok(Some((port, found)));
        }
    }
    Ok(None)
}

/// Sets the port from a source match, or to `default` (the framework's) with evidence.
pub fn apply(service: &mut Service, found: Option<(u16, SourceMatch)>, default: u16, why: &str) {
    if service.port.is_some() {
        return;
    }
    match found {
        Some((port, at)) => {
            service.found_at(Field::Port, &at.file, at.line, at.groups[0].trim());
            service.port = Some(port);
        }
        None => {
            service.defaulted(Field::Port, why.to_string());
            service.port = Some(default);
        }
    }
}

//! Why an image failed to build or start, said in one sentence with the change that fixes
//! it. The knowledge is a table (`diagnosis.toml`): a log signature and the stage it
//! applies to, the cause, the fix. `bim run --check` consults it on a failed build or
//! start, and `bim doctor` on a log a person or an agent brings (a failed CI run's).

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::pattern::Pattern;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    /// Lines that are warnings, never a failure's cause.
    noise: Vec<String>,
    row: Vec<Row>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    id: String,
    stage: String,
    signature: String,
    cause: String,
    fix: String,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    toml::from_str(include_str!("diagnosis.toml"))
        .unwrap_or_else(|e| panic!("diagnosis.toml is part of bim and must parse: {e}"))
});

static ROWS: LazyLock<Vec<(&'static Row, Pattern)>> =
    LazyLock::new(|| TABLE.row.iter().map(|row| (row, Pattern::new(&row.signature))).collect());

static NOISE: LazyLock<Vec<Pattern>> =
    LazyLock::new(|| TABLE.noise.iter().map(|n| Pattern::new(n)).collect());

/// The log without its warning lines (a build log's prefix, `#7 12.3 ` or `| `, kept aside
/// when a line is tested).
fn without_noise(log: &str) -> String {
    log.lines()
        .filter(|line| {
            let bare = line.trim_start_matches(['|', ' ']);
            !NOISE.iter().any(|n| n.is_match(bare))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every row's id, in the table's order.
pub fn ids() -> Vec<&'static str> {
    ROWS.iter().map(|(row, _)| row.id.as_str()).collect()
}

/// A known cause of a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// The table row's stable id.
    pub id: String,
    pub cause: String,
    pub fix: String,
    /// The log line that matched.
    pub evidence: String,
}

/// The first known cause `log` shows, for a failure at `stage` (`build`, `start`, or
/// `any` for a log whose stage is not known).
pub fn diagnose(stage: &str, log: &str) -> Option<Diagnosis> {
    let log = without_noise(log);
    let log = log.as_str();
    ROWS.iter().filter(|(row, _)| stage == "any" || row.stage == "any" || row.stage == stage).find_map(
        |(row, pattern)| {
            let caps = pattern.captures(log)?;
            let whole = caps.get(0)?;
            let first = caps.iter().skip(1).flatten().next().map_or("", |m| m.as_str());
            let fill = |text: &str| text.replace("$1", if first.is_empty() { "it" } else { first });
            let line_start = log[..whole.start()].rfind('\n').map_or(0, |i| i + 1);
            let line_end = log[whole.start()..].find('\n').map_or(log.len(), |i| whole.start() + i);
            Some(Diagnosis {
                id: row.id.clone(),
                cause: fill(&row.cause),
                fix: fill(&row.fix),
                evidence: crate::scrub::cut(log[line_start..line_end].trim(), 300),
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_a_stage_bim_knows_and_a_signature_that_compiles() {
        assert!(ROWS.len() >= 10 && !NOISE.is_empty());
        for (row, _) in ROWS.iter() {
            assert!(["build", "start", "any"].contains(&row.stage.as_str()), "{}", row.id);
        }
    }
}

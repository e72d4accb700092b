//! Parsing the manifests detection reads (JSON, JSONC, TOML, XML). A manifest that exists
//! but cannot be parsed is an error naming the file and the line and column, never a miss.

use std::sync::Arc;

use crate::error::Error;
use crate::scan::{FileText, Snapshot, read_cap};

/// The warning for a manifest left unread for its size.
pub fn oversize_warning(rel: &str) -> String {
    format!(
        "{rel} is larger than {} MiB, so bim did not read it: nothing it says (dependencies, \
         versions, scripts, the package manager) is in what bim detected; check those answers",
        read_cap(rel) >> 20
    )
}

/// Reads `rel` as a manifest: text, whole, and UTF-8. `None` when it is not there.
pub fn text(snap: &Snapshot, rel: &str) -> Result<Option<Arc<FileText>>, Error> {
    let Some(file) = snap.read(rel)? else {
        return Ok(None);
    };
    if file.truncated {
        // A limit, not a broken file: detection goes on without it and says so.
        snap.note_oversize(rel);
        return Ok(None);
    }
    if file.binary {
        return Err(Error::broken(rel, "it is a binary file, not text"));
    }
    if file.lossy {
        return Err(Error::broken(rel, "it is not valid UTF-8"));
    }
    // Editors on Windows save UTF-8 with a byte order mark, which serde_json refuses.
    if let Some(rest) = file.text.strip_prefix(BOM) {
        return Ok(Some(Arc::new(FileText { text: rest.to_string(), ..*file })));
    }
    Ok(Some(file))
}

/// The byte order mark some editors put at the start of a UTF-8 file.
pub const BOM: char = '\u{feff}';

pub fn json(snap: &Snapshot, rel: &str) -> Result<Option<serde_json::Value>, Error> {
    let Some(file) = text(snap, rel)? else {
        return Ok(None);
    };
    serde_json::from_str(&file.text).map(Some).map_err(|e| {
        let cause = e.to_string();
        // serde_json already says "at line L column C".
        Error::broken(rel, format!("invalid JSON: {cause}"))
    })
}

/// JSON with comments and trailing commas, as deno.jsonc and tsconfig allow.
pub fn jsonc(snap: &Snapshot, rel: &str) -> Result<Option<serde_json::Value>, Error> {
    let Some(file) = text(snap, rel)? else {
        return Ok(None);
    };
    let options = jsonc_parser::ParseOptions::default();
    match jsonc_parser::parse_to_serde_value(&file.text, &options) {
        Ok(Some(value)) => Ok(Some(value)),
        Ok(None) => Err(Error::broken(rel, "it is empty; expected a JSON object")),
        Err(e) => Err(Error::broken(rel, format!("invalid JSON: {e}"))),
    }
}

pub fn toml(snap: &Snapshot, rel: &str) -> Result<Option<toml::Table>, Error> {
    let Some(file) = text(snap, rel)? else {
        return Ok(None);
    };
    file.text.parse::<toml::Table>().map(Some).map_err(|e| {
        let at = e
            .span()
            .map(|span| {
                let (line, col) = line_col(&file.text, span.start);
                format!(" at line {line} column {col}")
            })
            .unwrap_or_default();
        Error::broken(rel, format!("invalid TOML{at}: {}", e.message()))
    })
}

/// Parses `rel` as XML and hands the document to `read`, which takes what it needs.
pub fn xml<T>(
    snap: &Snapshot,
    rel: &str,
    read: impl FnOnce(&roxmltree::Document) -> T,
) -> Result<Option<T>, Error> {
    let Some(file) = text(snap, rel)? else {
        return Ok(None);
    };
    let options = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    match roxmltree::Document::parse_with_options(&file.text, options) {
        Ok(doc) => Ok(Some(read(&doc))),
        Err(e) => Err(Error::broken(rel, format!("invalid XML: {e}"))),
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(before.len(), |nl| before.len() - nl - 1) + 1;
    (line, col)
}

/// The 1-based line number of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    line_col(text, offset).0
}

/// Reads a string at a dotted path in a TOML table (`tool.poetry.name`).
pub fn toml_str<'a>(table: &'a toml::Table, path: &str) -> Option<&'a str> {
    toml_get(table, path)?.as_str()
}

pub fn toml_get<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut parts = path.split('.');
    let mut value = table.get(parts.next()?)?;
    for part in parts {
        value = value.as_table()?.get(part)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}

//! `Dir`: a detector's view of one candidate folder in the snapshot, with helpers to read
//! its manifests and search its source files.

use std::sync::Arc;

use crate::pattern::Pattern;

use crate::error::Error;
use crate::manifest;
use crate::scan::{self, FileText, Snapshot};

/// Folders that hold tests, samples and docs: never a service, and not read for ports or
/// environment variables.
pub const NON_APP_DIRS: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "spec",
    "specs",
    "fixtures",
    "testdata",
    "examples",
    "example",
    "e2e",
    "docs",
    "samples",
    ".github",
];

/// Test runners' folders: never a service, and not read for settings. Kept apart from
/// `NON_APP_DIRS` because a workspace may list them as members, whose manifests its install
/// needs.
const TEST_RUNNER_DIRS: &[&str] = &["playwright", "cypress", "__mocks__"];

/// Whether a folder name marks tests, samples or docs: one of `NON_APP_DIRS` or
/// `TEST_RUNNER_DIRS`, or a name such as `push-examples`, `code_samples` or `test-utils`.
pub fn is_non_app_dir(name: &str) -> bool {
    NON_APP_DIRS.contains(&name)
        || TEST_RUNNER_DIRS.contains(&name)
        || [
            "-examples",
            "_examples",
            "-example",
            "_example",
            "-samples",
            "_samples",
            "-e2e",
            "_e2e",
            "-tests",
            "_tests",
        ]
        .iter()
        .any(|s| name.ends_with(s))
        || ["e2e-", "e2e_", "test-", "test_", "tests-", "tests_"].iter().any(|p| name.starts_with(p))
}

/// Source files larger than this are not searched: they are generated or data.
const MAX_SOURCE_BYTES: u64 = 512 * 1024;

#[derive(Clone, Copy)]
pub struct Dir<'a> {
    pub snap: &'a Snapshot,
    /// Snapshot path of the folder (`""` for the root).
    pub path: &'a str,
}

impl<'a> Dir<'a> {
    pub fn new(snap: &'a Snapshot, path: &'a str) -> Self {
        Dir { snap, path }
    }

    /// The snapshot path of `name` inside this folder.
    pub fn rel(&self, name: &str) -> String {
        scan::join(self.path, name)
    }

    pub fn has(&self, name: &str) -> bool {
        self.snap.has_file(&self.rel(name))
    }

    pub fn has_dir(&self, name: &str) -> bool {
        self.snap.has_dir(&self.rel(name))
    }

    /// The first of `names` that exists here.
    pub fn first_of(&self, names: &[&str]) -> Option<String> {
        names.iter().map(|n| self.rel(n)).find(|rel| self.snap.has_file(rel))
    }

    /// The folder's own name, or the root's folder name.
    pub fn name(&self) -> String {
        let own = scan::file_name(self.path);
        if !own.is_empty() {
            return own.to_string();
        }
        self.snap.root_name().unwrap_or("app").to_string()
    }

    pub fn text(&self, name: &str) -> Result<Option<Arc<FileText>>, Error> {
        manifest::text(self.snap, &self.rel(name))
    }

    pub fn json(&self, name: &str) -> Result<Option<serde_json::Value>, Error> {
        manifest::json(self.snap, &self.rel(name))
    }

    pub fn toml(&self, name: &str) -> Result<Option<toml::Table>, Error> {
        manifest::toml(self.snap, &self.rel(name))
    }

    /// This folder and each one above it, up to the root.
    pub fn ancestors(&self) -> impl Iterator<Item = Dir<'a>> + 'a {
        let snap = self.snap;
        let mut next = Some(self.path);
        std::iter::from_fn(move || {
            let current = next?;
            next = if current.is_empty() { None } else { Some(scan::parent(current)) };
            Some(Dir::new(snap, current))
        })
    }

    /// Files directly in this folder.
    pub fn children(&self) -> impl Iterator<Item = &'a str> + 'a {
        let depth = if self.path.is_empty() { 0 } else { self.path.matches('/').count() + 1 };
        self.snap.files_under(self.path).filter(move |p| p.matches('/').count() == depth)
    }

    /// Source files below this folder with one of `extensions`, outside test and sample
    /// folders, in sorted order.
    pub fn sources(&self, extensions: &'a [&'a str]) -> impl Iterator<Item = &'a str> + 'a {
        let base = self.path;
        self.snap.files_under(base).filter(move |path| {
            let inner = path.strip_prefix(base).unwrap_or(path).trim_start_matches('/');
            let mut parts = inner.split('/');
            let name = parts.next_back().unwrap_or("");
            let in_non_app = parts.any(is_non_app_dir);
            !in_non_app && !is_test_file(name) && extensions.iter().any(|ext| name.ends_with(ext))
        })
    }

    /// Reads a source file for searching: `None` when it is too large or not text.
    pub fn source_text(&self, rel: &str) -> Result<Option<Arc<FileText>>, Error> {
        Ok(self
            .snap
            .read(rel)?
            .filter(|t| !t.binary && !t.truncated && t.text.len() as u64 <= MAX_SOURCE_BYTES))
    }

    /// The first match of `pattern` in the source files with `extensions`: the file, the
    /// 1-based line, and the captures as strings.
    pub fn grep(&self, extensions: &'a [&'a str], pattern: &Pattern) -> Result<Option<SourceMatch>, Error> {
        self.grep_in(self.sources(extensions), pattern)
    }

    /// The first match of `pattern` in the given source files, in their order.
    pub fn grep_in<'f>(
        &self,
        files: impl IntoIterator<Item = &'f str>,
        pattern: &Pattern,
    ) -> Result<Option<SourceMatch>, Error> {
        for rel in files {
            let Some(file) = self.source_text(rel)? else {
                continue;
            };
            if let Some(caps) = pattern.captures(&file.text) {
                let whole = caps.get(0).map_or(0, |m| m.start());
                return Ok(Some(SourceMatch {
                    file: rel.to_string(),
                    line: manifest::line_of(&file.text, whole),
                    groups: caps
                        .iter()
                        .map(|g| g.map(|m| m.as_str().to_string()).unwrap_or_default())
                        .collect(),
                }));
            }
        }
        Ok(None)
    }
}

/// A match found by `Dir::grep`.
#[derive(Debug)]
pub struct SourceMatch {
    pub file: String,
    pub line: usize,
    /// Capture groups; index 0 is the whole match.
    pub groups: Vec<String>,
}

impl SourceMatch {
    pub fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Test code, and the configuration of test runners: what they read (a base URL, `CI`) is
/// the tests' setting, not the app's.
fn is_test_file(name: &str) -> bool {
    name.contains(".test.")
        || name.contains(".spec.")
        || name.contains("-spec.")
        || name.contains(".e2e.")
        || name.contains(".cy.")
        || [
            "playwright.config.",
            "cypress.config.",
            "vitest.config.",
            "jest.config.",
            "jest.setup.",
            "karma.conf.",
        ]
        .iter()
        .any(|p| name.starts_with(p))
        || name.starts_with("test_")
        || name.ends_with("_test.go")
        || name.ends_with("_test.py")
        || name.ends_with("_spec.rb")
        || name == "conftest.py"
}

//! The one place that reads the repository. `scan` walks the tree once (gitignore-aware,
//! hidden files included, dependency folders pruned, depth-capped) into a `Snapshot` of
//! names; detectors then ask the snapshot for the few files they need, which it
//! reads on first use and keeps.
//!
//! Symbolic links are not followed, inside the repository or out: a link is neither a
//! file nor a folder to the walk, so nothing behind one is listed or read, and a link
//! cannot make the walk loop. (Files bim reads back to write, such as `.env.example`,
//! are read through `safe_path`, which refuses links outright.)

use std::any::Any;
use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::error::Error;

/// Folders never walked: VCS data, dependencies, caches and build outputs.
pub const PRUNED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "bower_components",
    ".pnpm-store",
    ".yarn",
    "target",
    ".venv",
    "venv",
    "vendor",
    "dist",
    "build",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".next",
    ".nuxt",
    ".output",
    ".svelte-kit",
    ".turbo",
    ".nx",
    ".gradle",
    ".idea",
    "_build",
    "deps",
    "obj",
    "_site",
    ".cache",
    "coverage",
    ".terraform",
    ".bundle",
    ".dart_tool",
];

/// How deep the walk goes below the root.
pub const MAX_DEPTH: usize = 12;
/// Files larger than this are read only in part (sources are searched, not parsed).
pub const MAX_READ_BYTES: u64 = 1024 * 1024;
/// Manifests and lockfiles are read whole up to this: real lockfiles of large monorepos run
/// to a few MiB (the largest in the regression corpus is 1.4 MB), and this is a bound
/// against hostile input, far above any of them.
pub const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

/// The files parsed whole, with the lockfiles: manifests, which real repositories grow large.
const MANIFESTS: &[&str] = &["package.json", "Cargo.toml", "pyproject.toml", "composer.json", "go.mod"];

/// How much of `rel` is read.
pub fn read_cap(rel: &str) -> u64 {
    let name = file_name(rel);
    if MANIFESTS.contains(&name) || crate::lockfiles::is_lockfile(name) {
        MAX_MANIFEST_BYTES
    } else {
        MAX_READ_BYTES
    }
}
/// Most source files and manifests fit in one read of this size.
const INITIAL_READ_BYTES: usize = 16 * 1024;

/// The text of one file, as much of it as bim reads.
#[derive(Debug)]
pub struct FileText {
    /// The contents, with invalid UTF-8 replaced.
    pub text: String,
    /// The file was larger than `MAX_READ_BYTES` and only its start was read.
    pub truncated: bool,
    /// The file held a NUL byte in what was read: it is not text.
    pub binary: bool,
    /// The file was not valid UTF-8.
    pub lossy: bool,
}

/// What the walk saw.
enum Entry {
    File(String),
    /// A file whose name is not UTF-8: its lossy name, and the real path to read.
    OddFile(String, PathBuf),
    Dir(String),
    Pruned(String),
}

/// One walker thread's entries, sent on when the thread is done with them.
struct Batch {
    entries: Vec<Entry>,
    sender: std::sync::mpsc::Sender<Vec<Entry>>,
}

impl Drop for Batch {
    fn drop(&mut self) {
        let _ = self.sender.send(std::mem::take(&mut self.entries));
    }
}

/// The names under a root, from one walk, plus the text of each file read since.
#[derive(Debug)]
pub struct Snapshot {
    root: PathBuf,
    /// Sorted, so a folder's files are one contiguous run.
    files: Vec<String>,
    /// The text of `files[i]`, once read: indexed, so a read takes no lock and no hashing.
    texts: Vec<OnceLock<Arc<FileText>>>,
    dirs: BTreeSet<String>,
    pruned: BTreeSet<String>,
    git_branch: Option<String>,
    /// The root folder's own name (`.` resolved), read once at scan time.
    root_name: Option<String>,
    /// Real paths of the files whose names are not UTF-8, by their lossy names.
    odd_paths: HashMap<String, PathBuf>,
    /// Facts derived from many files that several detectors ask for (a workspace's
    /// members), worked out once per snapshot: see `memo`.
    memos: Mutex<HashMap<String, Arc<dyn Any + Send + Sync>>>,
    /// Manifests larger than their read cap, which detection went on without.
    oversize: Mutex<BTreeSet<String>>,
}

impl Snapshot {
    /// Walks `root` once.
    pub fn scan(root: &Path) -> Result<Snapshot, Error> {
        let meta = match std::fs::metadata(root) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotADirectory(root.to_path_buf()));
            }
            Err(e) => return Err(Error::io(root, e)),
        };
        if !meta.is_dir() {
            return Err(Error::NotADirectory(root.to_path_buf()));
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .git_ignore(true)
            .git_exclude(true)
            .git_global(false)
            .require_git(false)
            .ignore(true)
            .parents(true)
            .follow_links(false)
            .max_depth(Some(MAX_DEPTH))
            .threads(threads)
            .build_parallel();
        // Each walker thread keeps its own list and hands it over once, when it finishes:
        // a message per entry cost more than the walk itself on large trees.
        let (sender, receiver) = std::sync::mpsc::channel::<Vec<Entry>>();
        walker.run(|| {
            let mut batch = Batch { entries: Vec::new(), sender: sender.clone() };
            Box::new(move |entry| {
                // An unreadable folder or a broken link is skipped, as git would: it cannot
                // hold anything bim could build from.
                let Ok(entry) = entry else {
                    return ignore::WalkState::Continue;
                };
                let Some(file_type) = entry.file_type() else {
                    return ignore::WalkState::Continue;
                };
                if entry.depth() == 0 {
                    return ignore::WalkState::Continue;
                }
                let rel = relative(root, entry.path());
                let (kind, state) = if file_type.is_dir() {
                    if PRUNED_DIRS.contains(&entry.file_name().to_string_lossy().as_ref()) {
                        (Entry::Pruned(rel), ignore::WalkState::Skip)
                    } else {
                        (Entry::Dir(rel), ignore::WalkState::Continue)
                    }
                } else if file_type.is_file() {
                    let kind = if entry.path().to_str().is_some() {
                        Entry::File(rel)
                    } else {
                        Entry::OddFile(rel, entry.path().to_path_buf())
                    };
                    (kind, ignore::WalkState::Continue)
                } else {
                    return ignore::WalkState::Continue;
                };
                batch.entries.push(kind);
                state
            })
        });
        drop(sender);
        let (mut files, mut dirs, mut pruned) = (Vec::new(), Vec::new(), Vec::new());
        let mut odd_paths = HashMap::new();
        for entry in receiver.into_iter().flatten() {
            match entry {
                Entry::File(rel) => files.push(rel),
                Entry::OddFile(rel, path) => {
                    odd_paths.insert(rel.clone(), path);
                    files.push(rel);
                }
                Entry::Dir(rel) => dirs.push(rel),
                Entry::Pruned(rel) => pruned.push(rel),
            }
        }
        // Built from whole lists, the sets are sorted once rather than grown entry by entry.
        files.sort_unstable();
        files.dedup();
        let snapshot = Snapshot {
            root: root.to_path_buf(),
            texts: files.iter().map(|_| OnceLock::new()).collect(),
            files,
            dirs: dirs.into_iter().collect(),
            pruned: pruned.into_iter().collect(),
            git_branch: read_git_branch(root),
            root_name: folder_name(root),
            odd_paths,
            memos: Mutex::new(HashMap::new()),
            oversize: Mutex::new(BTreeSet::new()),
        };
        Ok(snapshot)
    }

    /// The root folder's own name, such as `my-app` for `.` run inside it.
    pub fn root_name(&self) -> Option<&str> {
        self.root_name.as_deref()
    }

    /// The branch checked out in the repository at the root, if it is a git repository.
    pub fn git_branch(&self) -> Option<&str> {
        self.git_branch.as_deref()
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    pub fn has_file(&self, rel: &str) -> bool {
        self.index_of(rel).is_some()
    }

    pub fn has_dir(&self, rel: &str) -> bool {
        rel.is_empty() || self.dirs.contains(rel)
    }

    /// A folder the walk saw but did not enter, such as `dist`.
    pub fn was_pruned(&self, rel: &str) -> bool {
        self.pruned.contains(rel)
    }

    /// Every file path at or below `dir`, in sorted order.
    pub fn files_under<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        let start = self.files.partition_point(|path| path.as_str() < prefix.as_str());
        self.files[start..].iter().map(|path| path.as_str()).take_while(move |path| path.starts_with(&prefix))
    }

    /// Every folder path below `dir`, in sorted order.
    pub fn dirs_under<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        self.dirs
            .range(prefix.clone()..)
            .map(|path| path.as_str())
            .take_while(move |path| path.starts_with(&prefix))
    }

    /// The value `make` derives, worked out on the first call for `key` and shared after:
    /// for a fact each of a workspace's services would otherwise derive again.
    /// Records that the manifest `rel` is over its read cap and was left unread.
    pub fn note_oversize(&self, rel: &str) {
        self.oversize.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(rel.to_string());
    }

    /// The manifests left unread for their size, in path order.
    pub fn oversize(&self) -> Vec<String> {
        self.oversize.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).iter().cloned().collect()
    }

    pub fn memo<T: Any + Send + Sync>(&self, key: &str, make: impl FnOnce() -> T) -> Arc<T> {
        let mut memos = self.memos.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(found) = memos.get(key).and_then(|v| Arc::clone(v).downcast::<T>().ok()) {
            return found;
        }
        let made = Arc::new(make());
        memos.insert(key.to_string(), Arc::clone(&made) as Arc<dyn Any + Send + Sync>);
        made
    }

    /// Reads a file the walk saw, once; later calls return the same text. `None` when the
    /// walk did not see the file.
    pub fn read(&self, rel: &str) -> Result<Option<Arc<FileText>>, Error> {
        let Some(index) = self.index_of(rel) else {
            return Ok(None);
        };
        if let Some(text) = self.texts[index].get() {
            return Ok(Some(Arc::clone(text)));
        }
        let path = self.odd_paths.get(rel).cloned().unwrap_or_else(|| self.root.join(rel));
        let text = Arc::new(read_capped(&path, read_cap(rel)).map_err(|e| Error::io(&path, e))?);
        // Two threads may read the same file at once; either text will do.
        Ok(Some(Arc::clone(self.texts[index].get_or_init(|| text))))
    }

    fn index_of(&self, rel: &str) -> Option<usize> {
        self.files.binary_search_by(|path| path.as_str().cmp(rel)).ok()
    }

    /// Reads a file that the walk pruned or did not reach (such as `dist/index.html`), by
    /// path; `None` when it is not there.
    pub fn probe(&self, rel: &str) -> Option<u64> {
        std::fs::metadata(self.root.join(rel)).ok().filter(|m| m.is_file()).map(|m| m.len())
    }
}

/// A folder's own name, with `.` and `..` resolved.
pub fn folder_name(path: &Path) -> Option<String> {
    std::fs::canonicalize(path).ok()?.file_name().map(|n| n.to_string_lossy().into_owned())
}

fn read_git_branch(root: &Path) -> Option<String> {
    let head = std::fs::read_to_string(root.join(".git/HEAD")).ok()?;
    head.trim().strip_prefix("ref: refs/heads/").map(str::to_string)
}

fn read_capped(path: &Path, cap: u64) -> std::io::Result<FileText> {
    let file = std::fs::File::open(path)?;
    if cap == MAX_MANIFEST_BYTES && file.metadata()?.len() > cap {
        // A manifest is only ever used whole: one over the cap is not read at all, so a
        // 500 MB lockfile costs a stat, not 64 MiB of memory.
        return Ok(FileText { text: String::new(), truncated: true, binary: false, lossy: false });
    }
    // Room up front for a typical source file: `read_to_end` into an empty Vec first reads
    // 32 bytes to probe, one more system call per file on a tree of thousands.
    let mut bytes = Vec::with_capacity(INITIAL_READ_BYTES);
    // One byte past the cap tells a file that is larger from one that is exactly the cap.
    file.take(cap + 1).read_to_end(&mut bytes)?;
    bytes.shrink_to_fit();
    let truncated = bytes.len() as u64 > cap;
    bytes.truncate(cap as usize);
    let binary = bytes.contains(&0);
    let (text, lossy) = match String::from_utf8(bytes) {
        Ok(text) => (text, false),
        Err(err) => (String::from_utf8_lossy(err.as_bytes()).into_owned(), true),
    };
    Ok(FileText { text, truncated, binary, lossy })
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path).to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        rel.into_owned()
    } else {
        rel.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

/// Joins a folder and a name in snapshot form (`""` is the root).
/// A repository path (`.` for the root) in snapshot form (`""` for the root).
pub fn snapshot_path(path: &str) -> &str {
    if path == "." { "" } else { path }
}

pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") }
}

/// A snapshot path with its `.` and `..` parts resolved (`""` for the root); `None` when it
/// climbs above the root.
pub fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// The parent folder of a snapshot path (`""` for top-level entries).
pub fn parent(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// The last component of a snapshot path.
pub fn file_name(rel: &str) -> &str {
    rel.rsplit_once('/').map_or(rel, |(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalize_inside_the_root_only() {
        assert_eq!(normalize("frontend/../backend/app/frontend").as_deref(), Some("backend/app/frontend"));
        assert_eq!(normalize("./a//b/.").as_deref(), Some("a/b"));
        assert_eq!(normalize("a/.."), Some(String::new()));
        assert_eq!(normalize("a/../../etc"), None);
    }

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, body) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, body).expect("write");
        }
        dir
    }

    #[test]
    fn prunes_dependency_folders_and_honours_gitignore_without_git() {
        let dir = tree(&[
            ("package.json", "{}"),
            ("node_modules/x/package.json", "{}"),
            (".env.example", "A=1"),
            ("secret/x.js", ""),
            (".gitignore", "secret/\n"),
            ("src/index.js", ""),
        ]);
        let snap = Snapshot::scan(dir.path()).expect("scan");
        assert!(snap.has_file("package.json"));
        assert!(snap.has_file(".env.example"), "hidden files are kept");
        assert!(snap.has_file("src/index.js"));
        assert!(!snap.has_file("node_modules/x/package.json"));
        assert!(snap.was_pruned("node_modules"));
        assert!(!snap.has_file("secret/x.js"), ".gitignore is honoured without a repo");
    }

    #[test]
    fn reads_large_files_only_in_part_and_flags_binary() {
        let big = "a".repeat((MAX_READ_BYTES + 10) as usize);
        let dir = tree(&[("big.txt", &big), ("bin.json", "{\0}")]);
        let snap = Snapshot::scan(dir.path()).expect("scan");
        let text = snap.read("big.txt").expect("read").expect("seen");
        assert!(text.truncated);
        assert_eq!(text.text.len() as u64, MAX_READ_BYTES);
        assert!(snap.read("bin.json").expect("read").expect("seen").binary);
        assert!(snap.read("missing").expect("read").is_none());
    }

    #[test]
    fn lists_files_under_a_folder_only() {
        let dir = tree(&[("a/x", ""), ("a/y/z", ""), ("ab/w", "")]);
        let snap = Snapshot::scan(dir.path()).expect("scan");
        let under: Vec<_> = snap.files_under("a").collect();
        assert_eq!(under, vec!["a/x", "a/y/z"]);
    }
}

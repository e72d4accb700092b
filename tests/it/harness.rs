//! A fluent builder for running the real `bim` binary: lay out files (or copy a fixture)
//! in a temporary folder, run a command there, then check the exit code, output and files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every fixture folder's name, sorted.
pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("read fixtures")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub struct Test {
    dir: TempDir,
    /// The repository folder: a fixture keeps its own name, so names derived from the
    /// folder are stable.
    root: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<String>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub dir: Repo,
}

/// The repository a run used; removed when dropped.
pub struct Repo {
    _temp: TempDir,
    root: PathBuf,
}

impl Repo {
    pub fn path(&self) -> &Path {
        &self.root
    }
}

impl Test {
    pub fn new() -> Test {
        Test::named("repo")
    }

    fn named(name: &str) -> Test {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join(name);
        std::fs::create_dir(&root).expect("mkdir");
        Test { dir, root, args: Vec::new(), env: Vec::new(), stdin: None }
    }

    /// Starts from a copy of `tests/fixtures/NAME`, in a folder of the same name.
    pub fn fixture(name: &str) -> Test {
        let test = Test::named(name);
        copy_tree(&fixtures_dir().join(name), &test.root);
        test
    }

    /// Starts from a copy of `examples/NAME`, in a folder of the same name.
    pub fn example(name: &str) -> Test {
        let test = Test::named(name);
        copy_tree(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples").join(name), &test.root);
        test
    }

    pub fn file(self, path: &str, contents: &str) -> Test {
        let path = self.root.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
        self
    }

    pub fn args(mut self, args: &[&str]) -> Test {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Test {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn stdin(mut self, input: &str) -> Test {
        self.stdin = Some(input.into());
        self
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    pub fn run(self) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_bim"));
        command
            .args(&self.args)
            .current_dir(&self.root)
            .env_remove("BACKEND_IM_API_TOKEN")
            .env_remove("BACKEND_IM_API_URL")
            // Hosts confirmed on this machine never make a test pass, and no test writes there.
            .env("BIM_CONFIG_DIR", self.dir.path().join("config"))
            .env_remove("NO_COLOR")
            .env("TERM", "dumb");
        for (k, v) in &self.env {
            command.env(k, v);
        }
        let output = assert_cmd::Command::from_std(command)
            .write_stdin(self.stdin.clone().unwrap_or_default())
            .output()
            .expect("run bim");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            dir: Repo { _temp: self.dir, root: self.root },
        }
    }
}

impl Run {
    /// Runs bim again in the same repository, as the first run was run: (code, stdout, stderr).
    pub fn again(&self, args: &[&str]) -> (i32, String, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_bim"))
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("BACKEND_IM_API_TOKEN")
            .env_remove("BACKEND_IM_API_URL")
            .env("BIM_CONFIG_DIR", self.dir.path().join("../config"))
            .env_remove("NO_COLOR")
            .env("TERM", "dumb")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run bim");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    pub fn code(self, expected: i32) -> Run {
        assert_eq!(self.code, expected, "exit code\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    pub fn stdout_has(self, needle: &str) -> Run {
        assert!(self.stdout.contains(needle), "stdout lacks {needle:?}:\n{}", self.stdout);
        self
    }

    pub fn stderr_has(self, needle: &str) -> Run {
        assert!(self.stderr.contains(needle), "stderr lacks {needle:?}:\n{}", self.stderr);
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
    }

    pub fn exists(&self, path: &str) -> bool {
        self.dir.path().join(path).exists()
    }
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Held by every test that runs containers: on the host network they share ports (3000,
/// 8080 ...), so two at once would answer for each other.
pub fn containers_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Every file under `root` but git's own, by path.
pub fn tree(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            let path = entry.path();
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if path.is_dir() {
                todo.push(path);
            } else {
                let rel = path.strip_prefix(root).expect("inside").display().to_string();
                files.insert(rel, std::fs::read(&path).expect("read"));
            }
        }
    }
    files
}

/// Runs git in `dir` as a person would, with a name and `main` as the first branch.
pub fn git(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.email=bim@example.com", "-c", "user.name=bim", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

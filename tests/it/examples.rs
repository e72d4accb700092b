//! The bundled examples carry their generated files, committed: each must be in sync with
//! its bim.toml (what `bim check` verifies in a user's CI), and lint clean.

use std::path::PathBuf;

use crate::harness::Test;
use crate::tools;

pub(crate) fn examples() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut found: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("examples")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    found.sort();
    found
}

#[test]
fn every_example_is_in_sync_with_its_bim_toml() {
    let examples = examples();
    assert!(examples.len() >= 8, "expected at least 8 examples");
    for example in examples {
        let path = example.display().to_string();
        let run = Test::new().args(&["check", &path, "--color", "never"]).run();
        assert_eq!(run.code, 0, "{path} drifted:\n{}", run.stdout);
    }
}

/// As a user would: the committed example, `bim init --yes`, and again: neither run
/// changes a byte.
#[test]
fn init_twice_on_every_example_changes_nothing() {
    let examples = examples();
    assert!(examples.len() >= 8, "expected at least 8 examples");
    for example in examples {
        let name = example.file_name().expect("name").to_string_lossy().to_string();
        let run = Test::example(&name).args(&["init", "--yes", "--color", "never"]).run();
        assert_eq!(run.code, 0, "{name}: {}{}", run.stdout, run.stderr);
        let differing = |a: &std::collections::BTreeMap<String, Vec<u8>>,
                         b: &std::collections::BTreeMap<String, Vec<u8>>| {
            a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).cloned().collect::<Vec<_>>()
        };
        let first = crate::harness::tree(run.dir.path());
        let changed = differing(&first, &crate::harness::tree(&example));
        assert!(changed.is_empty(), "{name}: init changed the committed example: {changed:?}");
        let (code, stdout, stderr) = run.again(&["init", "--yes", "--color", "never"]);
        assert_eq!(code, 0, "{name}: {stdout}{stderr}");
        let changed = differing(&first, &crate::harness::tree(run.dir.path()));
        assert!(changed.is_empty(), "{name}: the second init changed files: {changed:?}");
    }
}

#[test]
fn every_example_lints_clean() {
    let mut findings = Vec::new();
    for example in examples() {
        let workflow = example.join(".github/workflows/backend-im.yml");
        let found = tools::lint_workflow(&workflow);
        if !found.is_empty() {
            findings.push(found);
        }
        let dockerfiles = dockerfiles(&example);
        assert!(!dockerfiles.is_empty(), "{}: no Dockerfile to lint", example.display());
        for dockerfile in dockerfiles {
            let found = tools::lint_dockerfile(&dockerfile);
            if !found.is_empty() {
                findings.push(format!("{}: {found}", dockerfile.display()));
            }
        }
    }
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

/// Every Dockerfile in an example, its services' folders included (not bim's kept copies).
fn dockerfiles(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() && name != ".bim" && name != "node_modules" {
            found.extend(dockerfiles(&path));
        } else if name == "Dockerfile" {
            found.push(path);
        }
    }
    found
}

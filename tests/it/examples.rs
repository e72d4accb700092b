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

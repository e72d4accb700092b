//! bim's own release workflow, written by cargo-dist: it is exactly what `dist generate`
//! writes from dist-workspace.toml, and it passes actionlint (with shellcheck) and zizmor
//! (regular and pedantic) with the findings justified in .github/zizmor.yml.

use std::path::PathBuf;
use std::process::Command;

use crate::tools;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn dist() -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain(cargo_home.map(|h| h.join("bin")))
        .map(|dir| dir.join("dist"))
        .find(|p| p.is_file())
        .expect("cargo-dist's `dist` is needed by this test; run scripts/setup-tools")
}

#[test]
fn the_release_workflow_is_what_dist_generates() {
    let out =
        Command::new(dist()).args(["generate", "--check"]).current_dir(repo()).output().expect("run dist");
    assert!(
        out.status.success(),
        "release.yml drifted from dist-workspace.toml; run `dist generate`:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_release_workflow_passes_actionlint_and_zizmor() {
    let workflow = repo().join(".github/workflows/release.yml");
    let out = Command::new(tools::actionlint())
        .arg("-config-file")
        .arg(repo().join(".github/actionlint.yaml"))
        .arg("-oneline")
        .arg(&workflow)
        .output()
        .expect("run actionlint");
    assert!(out.status.success(), "actionlint:\n{}", String::from_utf8_lossy(&out.stdout));
    for persona in ["regular", "pedantic"] {
        let out = Command::new(tools::zizmor())
            .args(["--offline", "--no-progress", "--format", "plain", &format!("--persona={persona}")])
            .arg("--config")
            .arg(repo().join(".github/zizmor.yml"))
            .arg(&workflow)
            .output()
            .expect("run zizmor");
        assert!(out.status.success(), "zizmor ({persona}):\n{}", String::from_utf8_lossy(&out.stdout));
    }
    let text = std::fs::read_to_string(&workflow).expect("read");
    let uses: Vec<&str> = text.lines().filter(|l| l.contains("uses: ")).collect();
    assert!(uses.len() >= 3, "expected the release workflow's actions, found {}", uses.len());
    for line in uses {
        let reference = line.split("uses: ").nth(1).unwrap_or("");
        let sha = reference.split_once('@').map_or("", |(_, s)| s);
        assert!(
            sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
            "not pinned by commit: {line}"
        );
    }
}

//! The workflow's opt-in steps (`--scan`, `--attest`): every combination passes actionlint
//! (with shellcheck), zizmor and the pin check; the deploy waits for the scan; the new
//! `run:` script is executed as GitHub would run it.

use crate::harness::Test;
use crate::tools;

const WORKFLOW: &str = ".github/workflows/backend-im.yml";

#[test]
fn every_pipeline_variant_passes_the_linters() {
    let variants: &[(&str, &[&str])] = &[
        ("go-stdlib", &[]),
        ("go-stdlib", &["--scan"]),
        ("go-stdlib", &["--attest"]),
        ("go-stdlib", &["--scan", "--attest", "--registry", "dockerhub"]),
        ("go-stdlib", &["--scan-fail-on", "high", "--scan-only-fixed", "--registry", "registry.example.com"]),
        ("monorepo-turbo-workspaces", &["--scan", "--attest"]),
    ];
    let mut findings = Vec::new();
    for (fixture, flags) in variants {
        let mut args = vec!["init", "--yes"];
        args.extend_from_slice(flags);
        let run = Test::fixture(fixture).args(&args).run().code(0);
        let found = tools::lint_workflow(&run.dir.path().join(WORKFLOW));
        if !found.is_empty() {
            findings.push(format!("{fixture} {flags:?}:\n{found}"));
        }
    }
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

#[test]
fn the_scan_gates_every_deploy_and_its_settings_reach_the_scan_step() {
    let run = Test::fixture("monorepo-turbo-workspaces")
        .args(&["init", "--yes", "--scan-fail-on", "high", "--scan-only-fixed"])
        .run()
        .code(0);
    let workflow = run.read(WORKFLOW);
    let deploys: Vec<&str> =
        workflow.lines().filter(|l| l.trim_start().starts_with("needs: [test-")).collect();
    assert!(deploys.len() >= 2, "{workflow}");
    for needs in deploys {
        let id = needs.split("test-").nth(1).and_then(|r| r.split(',').next()).expect("id");
        assert!(needs.contains(&format!("scan-{id}")), "the deploy of {id} must wait for its scan: {needs}");
    }
    assert!(workflow.contains("severity-cutoff: high"));
    assert!(workflow.contains("only-fixed: true"));
    assert!(workflow.contains("if: always() && hashFiles('scan.sarif') != ''"));
    let toml = run.read("bim.toml");
    assert!(
        toml.contains("[pipeline]\nscan = true\nscan_fail_on = \"high\"\nscan_only_fixed = true"),
        "{toml}"
    );
    // bim.toml keeps the choice: a plain re-run writes the same workflow.
    Test::new().args(&["init", "--yes", &run.dir.path().display().to_string()]).run().code(0);
    assert_eq!(run.read(WORKFLOW), workflow);
    // Without the flags there is no scan job at all.
    let plain = Test::fixture("go-stdlib").args(&["init", "--yes"]).run().code(0);
    assert!(!plain.read(WORKFLOW).contains("scan-"), "the scan is opt-in");
    assert!(!plain.read("bim.toml").contains("[pipeline]"));
}

#[test]
fn attest_records_provenance_without_the_builders_own() {
    let run = Test::fixture("go-stdlib").args(&["init", "--yes", "--attest"]).run().code(0);
    let workflow = run.read(WORKFLOW);
    for needed in [
        "provenance: false",
        "id-token: write # ",
        "attestations: write # ",
        "subject-digest: ${{ steps.build.outputs.digest }}",
        "push-to-registry: true",
    ] {
        assert!(workflow.contains(needed), "{needed} missing:\n{workflow}");
    }
    assert!(
        run.stdout.contains("public repositor"),
        "init says attestations need a public repository:\n{}",
        run.stdout
    );
}

/// The image-ref step's script, taken from the workflow as GitHub would run it.
fn image_ref_script(workflow: &str) -> String {
    let start = workflow.find("name: Name the image by digest").expect("the step");
    let after = &workflow[start..];
    let body = &after[after.find("        run: |\n").expect("run block") + "        run: |\n".len()..];
    body.lines()
        .take_while(|l| l.starts_with("          ") || l.is_empty())
        .map(|l| l.strip_prefix("          ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

fn run_image_ref(script: &str, image: &str, digest: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("dir");
    let output = dir.path().join("out");
    std::fs::write(&output, "").expect("output");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("IMAGE", image)
        .env("DIGEST", digest)
        .env("GITHUB_OUTPUT", &output)
        .output()
        .expect("bash");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        std::fs::read_to_string(&output).unwrap_or_default(),
    )
}

#[test]
fn the_image_ref_step_names_the_image_by_digest() {
    let run = Test::fixture("go-stdlib").args(&["init", "--yes", "--scan"]).run().code(0);
    let script = image_ref_script(&run.read(WORKFLOW));
    let digest = format!("sha256:{}", "ab".repeat(32));
    let (code, _, out) = run_image_ref(&script, "ghcr.io/acme/shop:sha-0123abc", &digest);
    assert_eq!(code, 0);
    assert_eq!(out, format!("name=ghcr.io/acme/shop\nref=ghcr.io/acme/shop@{digest}\n"));
    let (code, _, out) = run_image_ref(&script, "registry.example.com:5000/acme/shop:main", &digest);
    assert_eq!(code, 0);
    assert!(out.contains(&format!("ref=registry.example.com:5000/acme/shop@{digest}")), "{out}");
    let (code, stdout, out) = run_image_ref(&script, "ghcr.io/acme/shop:main", "");
    assert_eq!(code, 1, "no digest is an error");
    assert!(stdout.contains("::error::the image job gave no digest"), "{stdout}");
    assert!(out.is_empty());
}

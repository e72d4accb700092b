//! `bim run --check` end to end, with podman and the stand-in base images: an example
//! builds, starts and answers (exit 0) and a second run rebuilds nothing; an app that
//! crashes at start exits 12 with its last log lines, which show the value `.env` gave it.
//!
//! Slow, so `#[ignore]`d in a plain `cargo test`; `scripts/test` runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::Test;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The engine as this machine runs it: podman on the host network, chroot builds.
fn engine_env(test: Test) -> Test {
    test.env("CONTAINERS_CONF", &repo().join("scripts/containers.conf").display().to_string())
        .env("BUILDAH_ISOLATION", "chroot")
}

fn node_express(start: Option<&str>) -> crate::harness::Run {
    let test = Test::new();
    crate::harness::copy_tree(&repo().join("examples/node-express"), test.path());
    for generated in ["Dockerfile", ".dockerignore", ".github", "bim.toml", ".bim", "README.md"] {
        let path = test.path().join(generated);
        let _ = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
    }
    let test = test
        .file(".env", "# values for local runs\nGREETING=hello-from-dotenv\nUNRELATED=never-passed\n")
        .file(
            "src/crash.js",
            "console.log(`boom: GREETING is ${process.env.GREETING}`);\nprocess.exit(3);\n",
        );
    let mut args = vec!["init", "--yes"];
    if let Some(start) = start {
        // Its own app name and port, so it never meets the other test's image or container.
        args.extend(["--start-command", start, "--app", "crashing-app", "--port", "3999"]);
    }
    let run = test.args(&args).run().code(0);
    standins(run.dir.path());
    run
}

fn standins(root: &Path) {
    let out = Command::new(repo().join("scripts/standins"))
        .arg(root.join("Dockerfile"))
        .env("CONTAINERS_CONF", repo().join("scripts/containers.conf"))
        .output()
        .expect("scripts/standins (run scripts/setup-tools for podman)");
    assert!(out.status.success(), "stand-ins: {}", String::from_utf8_lossy(&out.stderr));
}

fn image_id(image: &str) -> String {
    let out = Command::new("podman")
        .env("CONTAINERS_CONF", repo().join("scripts/containers.conf"))
        .args(["image", "inspect", "--format", "{{.Id}}", image])
        .output()
        .expect("podman");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
#[ignore = "builds a container image; scripts/test and CI run it with --include-ignored"]
fn run_check_answers_and_a_second_run_reuses_the_cache() {
    let init = node_express(None);
    let root = init.dir.path().display().to_string();
    let first =
        engine_env(Test::new()).args(&["run", "--check", "--json", "--engine", "podman", &root]).run();
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    let report = first.json();
    assert_eq!(report["status"], 200);
    assert_eq!(report["env_passed"], serde_json::json!(["GREETING"]), "only the names the app reads pass");
    let image = report["image"].as_str().expect("image").to_string();
    let built = image_id(&image);
    let second =
        engine_env(Test::new()).args(&["run", "--check", "--json", "--engine", "podman", &root]).run();
    assert_eq!(second.code, 0, "{}{}", second.stdout, second.stderr);
    assert_eq!(image_id(&image), built, "the second build came from the layer cache");
    println!(
        "bim run --check: first build {:.1} s, second {:.1} s; answered after {:.1} s",
        report["build_seconds"].as_f64().unwrap_or(0.0),
        second.json()["build_seconds"].as_f64().unwrap_or(0.0),
        report["start_seconds"].as_f64().unwrap_or(0.0),
    );
    for output in [&first.stdout, &first.stderr, &second.stdout, &second.stderr] {
        assert!(!output.contains("hello-from-dotenv"), "a value from .env was printed");
    }
    let leftover = Command::new("podman")
        .env("CONTAINERS_CONF", repo().join("scripts/containers.conf"))
        .args(["ps", "-a", "--format", "{{.Names}}"])
        .output()
        .expect("podman ps");
    assert!(!String::from_utf8_lossy(&leftover.stdout).contains("bim-run-"), "--check removes its container");
}

#[test]
#[ignore = "builds a container image; scripts/test and CI run it with --include-ignored"]
fn run_check_on_an_app_that_crashes_exits_12_with_its_logs() {
    let init = node_express(Some("node src/crash.js"));
    let root = init.dir.path().display().to_string();
    let run = engine_env(Test::new()).args(&["run", "--check", "--engine", "podman", &root]).run();
    assert_eq!(run.code, 12, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("the app stopped before it answered"), "{}", run.stderr);
    assert!(
        run.stderr.contains("boom: GREETING is hello-from-dotenv"),
        "the crash's logs, with .env's value:\n{}",
        run.stderr
    );
}

#[test]
fn run_without_bim_toml_or_with_an_unknown_engine_names_what_to_do() {
    let run = Test::new().file("index.html", "<h1>hi</h1>").args(&["run", "--check", "."]).run().code(2);
    assert!(run.stderr.contains("no bim.toml"), "{}", run.stderr);
    assert!(run.stderr.contains("bim init"), "{}", run.stderr);
    let init = Test::fixture("go-stdlib").args(&["init", "--yes"]).run().code(0);
    let root = init.dir.path().display().to_string();
    let run = Test::new().args(&["run", "--check", "--engine", "rkt", &root]).run().code(2);
    assert!(run.stderr.contains("--engine docker or --engine podman"), "{}", run.stderr);
}

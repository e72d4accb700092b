//! `bim run --check` end to end, with podman and the stand-in base images: an example
//! builds, starts and answers (exit 0) and a second run rebuilds nothing; an app that
//! crashes at start exits 12 with its last log lines, which show the value `.env` gave it
//! and the cause the diagnosis table names; one that listens on another port exits 13
//! naming that port.
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
    node_express_as(start, "crashing-app", "3999")
}

fn node_express_as(start: Option<&str>, app: &str, port: &str) -> crate::harness::Run {
    let test = Test::new();
    crate::harness::copy_tree(&repo().join("examples/node-express"), test.path());
    for generated in ["Dockerfile", ".dockerignore", ".github", "bim.toml", ".bim", "README.md"] {
        let path = test.path().join(generated);
        let _ = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
    }
    let test = test
        .file(".env", "# values for local runs\nGREETING=hello-from-dotenv\nUNRELATED=never-passed\n")
        .file("src/elsewhere.js", "require(\"http\").createServer((q, s) => s.end(\"here\")).listen(4117);\n")
        .file(
            "src/crash.js",
            "console.log(`boom: GREETING is ${process.env.GREETING}`);\nconsole.error(\"Error: DATABASE_URL must be set\");\nprocess.exit(3);\n",
        );
    let mut args = vec!["init", "--yes"];
    if let Some(start) = start {
        // Its own app name and port, so it never meets the other test's image or container.
        args.extend(["--start-command", start, "--app", app, "--port", port]);
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
    let _containers = crate::harness::containers_lock();
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
    assert!(built.starts_with("sha256:") || built.len() >= 12, "the built image has an id: {built:?}");
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
    let _containers = crate::harness::containers_lock();
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
    // The diagnosis table names the cause above the log.
    assert!(run.stderr.contains("cause: the app needs the setting DATABASE_URL at start"), "{}", run.stderr);
    assert!(run.stderr.contains("fix: add DATABASE_URL=... to .env"), "{}", run.stderr);
}

#[test]
#[ignore = "builds a container image; scripts/test and CI run it with --include-ignored"]
fn run_check_on_an_app_listening_on_another_port_names_that_port() {
    let _containers = crate::harness::containers_lock();
    let init = node_express_as(Some("node src/elsewhere.js"), "elsewhere-app", "3998");
    let root = init.dir.path().display().to_string();
    let run = engine_env(Test::new())
        .args(&["run", "--check", "--engine", "podman", "--timeout", "8s", &root])
        .run();
    assert_eq!(run.code, 13, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("it listens on 4117: pass --port 4117"), "{}", run.stderr);
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

/// An engine that creates the container but cannot start it (an OCI runtime error) leaves
/// it behind; `bim run` removes it. The engine here is a stand-in script that logs its
/// calls, so the test needs no container runtime.
#[test]
fn a_container_that_fails_to_start_is_removed() {
    let init = Test::fixture("go-stdlib").args(&["init", "--yes"]).run().code(0);
    let bin = init.dir.path().join("../fake-engine");
    std::fs::create_dir_all(&bin).expect("bin");
    let log = bin.join("calls.log");
    let script = format!(
        "#!/bin/sh\necho \"$@\" >> '{}'\ncase \"$1\" in\n  run) echo 'Error: runc create failed: OCI permission denied' >&2; exit 126 ;;\nesac\nexit 0\n",
        log.display()
    );
    std::fs::write(bin.join("podman"), script).expect("script");
    std::fs::set_permissions(bin.join("podman"), std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let root = init.dir.path().display().to_string();
    let run = Test::new().env("PATH", &path).args(&["run", "--check", "--engine", "podman", &root]).run();
    assert_eq!(run.code, 12, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("OCI permission denied"), "{}", run.stderr);
    let calls = std::fs::read_to_string(&log).expect("the engine was called");
    let created = calls.lines().find(|l| l.starts_with("run ")).expect("a run call");
    let name = created.split_whitespace().skip_while(|w| *w != "--name").nth(1).expect("a name");
    assert!(calls.lines().any(|l| l == format!("rm -f -t 2 {name}")), "{calls}");
}

/// The first test in which a generated app talks to a real database: an app that connects
/// to Postgres before it listens crashes without one (exit 12, with its reason), then
/// answers against the Postgres that bim's compose.yaml runs, once its health check passes.
#[test]
#[ignore = "builds container images; scripts/test and CI run it with --include-ignored"]
fn an_app_that_needs_postgres_answers_against_the_postgres_of_its_compose_yaml() {
    let _containers = crate::harness::containers_lock();
    let test = Test::new();
    crate::harness::copy_tree(&repo().join("examples/node-postgres"), test.path());
    for generated in
        ["Dockerfile", ".dockerignore", ".github", "bim.toml", ".bim", "README.md", "compose.yaml"]
    {
        let path = test.path().join(generated);
        let _ = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
    }
    // On this machine containers share the host's network, so the app reaches Postgres on
    // 127.0.0.1; compose's own network would name it `postgres`.
    let run = test
        .file(
            ".env",
            "POSTGRES_PASSWORD=local-e2e\nDATABASE_URL=postgres://app:local-e2e@127.0.0.1:5432/app\n",
        )
        .file("host-network.yaml", "services:\n  postgres:\n    network_mode: host\n")
        .args(&["init", "--yes"])
        .run()
        .code(0);
    let root = run.dir.path();
    let compose = run.read("compose.yaml");
    assert!(compose.contains("image: postgres:17") && compose.contains("pg_isready"), "{compose}");
    let out = Command::new(repo().join("scripts/standins"))
        .arg(root.join("compose.yaml"))
        .arg(root.join("Dockerfile"))
        .env("CONTAINERS_CONF", repo().join("scripts/containers.conf"))
        .output()
        .expect("scripts/standins");
    assert!(out.status.success(), "stand-ins: {}", String::from_utf8_lossy(&out.stderr));
    let bim_run = || {
        engine_env(Test::new())
            .args(&["run", "--check", "--engine", "podman", "--timeout", "60s", &root.display().to_string()])
            .run()
    };
    let alone = bim_run();
    assert_eq!(alone.code, 12, "without Postgres the app stops: {}{}", alone.stdout, alone.stderr);
    assert!(alone.stderr.contains("cannot reach the database"), "{}", alone.stderr);

    let compose_cmd = |args: &[&str]| {
        Command::new(crate::tools::podman_compose())
            .current_dir(std::env::temp_dir())
            .env("CONTAINERS_CONF", repo().join("scripts/containers.conf"))
            .env("POSTGRES_PASSWORD", "local-e2e")
            .args(["-p", "bim-e2e-pg", "-f"])
            .arg(root.join("compose.yaml"))
            .arg("-f")
            .arg(root.join("host-network.yaml"))
            .args(args)
            .output()
            .expect("podman-compose")
    };
    let up = compose_cmd(&["up", "-d", "postgres"]);
    assert!(up.status.success(), "podman-compose up: {}", String::from_utf8_lossy(&up.stderr));
    // compose.yaml's own health check, run by hand: this machine has no systemd timers.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let healthy = loop {
        let check = Command::new("podman")
            .env("CONTAINERS_CONF", repo().join("scripts/containers.conf"))
            .args(["healthcheck", "run", "bim-e2e-pg_postgres_1"])
            .output()
            .expect("podman healthcheck");
        if check.status.success() {
            break true;
        }
        if std::time::Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    let answered = healthy.then(bim_run);
    let down = compose_cmd(&["down", "-v"]);
    assert!(healthy, "Postgres never passed its health check");
    let answered = answered.expect("ran");
    assert_eq!(answered.code, 0, "{}{}", answered.stdout, answered.stderr);
    assert!(down.status.success(), "podman-compose down: {}", String::from_utf8_lossy(&down.stderr));
}

/// A private registry's token, as a build secret: `bim run` passes it from `.env` to the
/// install alone (its preinstall script proves the install saw it, by its hash), and the
/// value is in no output, no image history, no image config and no layer.
#[test]
#[ignore = "builds a container image; scripts/test and CI run it with --include-ignored"]
fn a_build_secret_reaches_the_install_and_nothing_else() {
    let _containers = crate::harness::containers_lock();
    const SENTINEL: &str = "bim-sentinel-7c1e9a4f0b";
    let test = Test::new();
    crate::harness::copy_tree(&repo().join("examples/node-express"), test.path());
    for generated in ["Dockerfile", ".dockerignore", ".github", "bim.toml", ".bim", "README.md"] {
        let path = test.path().join(generated);
        let _ = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
    }
    let manifest = std::fs::read_to_string(test.path().join("package.json")).expect("package.json");
    let hash = sha256_hex(SENTINEL);
    let check = format!(
        "node -e \\\"const h=require('crypto').createHash('sha256').update(process.env.NPM_TOKEN||'').digest('hex');process.exit(h==='{hash}'?0:1)\\\""
    );
    let manifest =
        manifest.replace("\"scripts\": {", &format!("\"scripts\": {{\n    \"preinstall\": \"{check}\","));
    let test = test
        .file("package.json", &manifest)
        .file(
            ".npmrc",
            "@acme:registry=https://npm.acme.invalid/\n//npm.acme.invalid/:_authToken=${NPM_TOKEN}\n",
        )
        .file(".env", &format!("NPM_TOKEN={SENTINEL}\n"));
    let init = test.args(&["init", "--yes", "--json", "--app", "secret-app", "--port", "3998"]).run().code(0);
    assert_eq!(init.json()["answers"]["service"][0]["build_secrets"], serde_json::json!(["NPM_TOKEN"]));
    standins(init.dir.path());
    let root = init.dir.path().display().to_string();
    let run = engine_env(Test::new()).args(&["run", "--check", "--json", "--engine", "podman", &root]).run();
    assert_eq!(run.code, 0, "the install did not see the secret:\n{}{}", run.stdout, run.stderr);
    let image = run.json()["image"].as_str().expect("image").to_string();
    let podman = |args: &[&str]| {
        let out = Command::new("podman")
            .env("CONTAINERS_CONF", repo().join("scripts/containers.conf"))
            .args(args)
            .output()
            .expect("podman");
        assert!(out.status.success(), "podman {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let history = podman(&["history", "--no-trunc", "--format", "{{.CreatedBy}}", &image]);
    let config = podman(&["image", "inspect", &image]);
    let archive = init.dir.path().join("../image.tar");
    podman(&["save", "--format", "docker-archive", "-o", &archive.display().to_string(), &image]);
    let layers = std::fs::read(&archive).expect("saved image");
    let found = |bytes: &[u8]| bytes.windows(SENTINEL.len()).any(|w| w == SENTINEL.as_bytes());
    for (what, bytes) in [
        ("init's output", [init.stdout.as_bytes(), init.stderr.as_bytes()].concat()),
        ("run's output", [run.stdout.as_bytes(), run.stderr.as_bytes()].concat()),
        ("the image history", history),
        ("the image config", config),
        ("the image's layers", layers),
    ] {
        assert!(!found(&bytes), "the secret's value is in {what}");
    }
    let _ = std::fs::remove_file(&archive);
}

/// SHA-256 in hex, with the machine's sha256sum (the test crate has no hash of its own).
fn sha256_hex(text: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum");
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("sha256sum");
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or("").to_string()
}

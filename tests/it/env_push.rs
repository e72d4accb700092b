//! `bim env push` against a fake Backend.im that keeps an app's settings, and `--gh`
//! against a fake `gh` on PATH that records its argv and stdin. The values in `.env` are
//! unique sentinels, and the tests look for them everywhere bim could leak one: stdout,
//! stderr, `--json`, errors, every request the fake server saw (only the PATCH body may
//! hold them) and gh's argv (only its stdin may).

use std::path::Path;

use serde_json::json;

use crate::fake_backend::{FakeBackend, Reply};
use crate::harness::Test;

const TOKEN: &str = "tok-env-push-secret";
const DATABASE_URL: &str = "postgres://u:SENTINEL-db-7f3a9@db/orders";
const SENDGRID: &str = "SENTINEL-sendgrid-91c2";
const UNREAD: &str = "SENTINEL-unread-55e0";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// bim in `dir` with `env` (and nothing from the test's own Backend.im settings).
fn bim(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Out {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_bim"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("BACKEND_IM_API_TOKEN")
        .env_remove("BACKEND_IM_API_URL")
        .env("BIM_CONFIG_DIR", dir.join("../config"))
        .env("TERM", "dumb")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().expect("run bim");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// node-express-npm, set up by `bim init` (it reads DATABASE_URL, PORT, SENDGRID_API_KEY),
/// with a `.env` holding sentinels, PORT, and a name the app does not read.
fn repo() -> crate::harness::Run {
    let run = Test::fixture("node-express-npm").args(&["init", "--yes"]).run().code(0);
    std::fs::write(
        run.dir.path().join(".env"),
        format!("DATABASE_URL=\"{DATABASE_URL}\"\nexport SENDGRID_API_KEY={SENDGRID}\nPORT=3000\nUNREAD_THING='{UNREAD}'\n"),
    )
    .expect(".env");
    run
}

fn assert_no_value(what: &str, text: &str) {
    for value in [DATABASE_URL, SENDGRID, UNREAD, "SENTINEL"] {
        assert!(!text.contains(value), "a value reached {what}:\n{text}");
    }
}

fn push(dir: &Path, fake: &FakeBackend, extra: &[&str]) -> Out {
    let args = [&["env", "push", "--request-timeout", "1s"], extra].concat();
    bim(dir, &[("BACKEND_IM_API_URL", &fake.url()), ("BACKEND_IM_API_TOKEN", TOKEN)], &args)
}

#[test]
fn it_sends_what_the_app_reads_skips_the_rest_and_says_what_changed() {
    let run = repo();
    let (fake, state) =
        FakeBackend::app("orders-api", vec![], &[("DATABASE_URL", DATABASE_URL), ("OLD", "x")]);
    let out = push(run.dir.path(), &fake, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("sent 2 settings to Backend.im's app orders-api"), "{}", out.stdout);
    assert!(out.stdout.contains("set           SENDGRID_API_KEY"), "{}", out.stdout);
    assert!(out.stdout.contains("unchanged     DATABASE_URL"), "{}", out.stdout);
    assert!(out.stdout.contains("does not read them: UNREAD_THING\n"), "PORT is not listed: {}", out.stdout);
    let patch = fake.requests().into_iter().find(|r| r.method == "PATCH").expect("a PATCH");
    assert_eq!(patch.path, "/v1/apps/orders-api/settings");
    assert_eq!(patch.json(), json!({"DATABASE_URL": DATABASE_URL, "SENDGRID_API_KEY": SENDGRID}));
    assert_eq!(state.lock().expect("lock").settings.get("OLD").map(String::as_str), Some("x"), "others kept");

    // A changed value, in JSON.
    std::fs::write(
        run.dir.path().join(".env"),
        format!("DATABASE_URL=\"{DATABASE_URL}-2\"\nSENDGRID_API_KEY={SENDGRID}\n"),
    )
    .expect(".env");
    let out = push(run.dir.path(), &fake, &["--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(
        report,
        json!({"app": "orders-api", "target": "backend.im", "dry_run": false,
               "settings": [{"name": "DATABASE_URL", "action": "changed"}, {"name": "SENDGRID_API_KEY", "action": "unchanged"}],
               "skipped": [], "missing": []})
    );
}

#[test]
fn dry_run_lists_names_from_a_get_and_sends_nothing() {
    let run = repo();
    let (fake, _) = FakeBackend::app("orders-api", vec![], &[("DATABASE_URL", "old")]);
    let out = push(run.dir.path(), &fake, &["--dry-run", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(
        report["settings"],
        json!([{"name": "DATABASE_URL", "action": "would_replace"}, {"name": "SENDGRID_API_KEY", "action": "would_set"}])
    );
    assert_eq!(report["skipped"], json!(["UNREAD_THING"]));
    assert_eq!(fake.count("PATCH"), 0);
    assert_eq!(fake.requests()[0].path, "/v1/apps/orders-api/settings");
    let out = push(run.dir.path(), &fake, &["--dry-run"]);
    assert!(
        out.stdout.contains("nothing sent: --dry-run") && out.stdout.contains("would replace"),
        "{}",
        out.stdout
    );
}

#[test]
fn no_value_reaches_output_json_errors_or_any_request_but_the_patch_body() {
    let run = repo();
    let dir = run.dir.path();
    let (fake, _) = FakeBackend::app("orders-api", vec![], &[]);
    // A server that quotes what it was sent back in its refusal.
    let echo =
        FakeBackend::start(|r, _| Reply::json(422, json!({"error": format!("bad values: {}", r.body)})));
    let mut runs = 0;
    for (server, extra, code) in [
        (&fake, &[][..], 0),
        (&fake, &["--json"][..], 0),
        (&fake, &["--dry-run"][..], 0),
        (&fake, &["--dry-run", "--json"][..], 0),
        (&echo, &[][..], 9),
        (&echo, &["--json"][..], 9),
        (&fake, &["--app", "billing"][..], 9),
    ] {
        let out = push(dir, server, extra);
        assert_eq!(out.code, code, "{extra:?}: {}", out.stderr);
        assert_no_value(&format!("stdout of {extra:?}"), &out.stdout);
        assert_no_value(&format!("stderr of {extra:?}"), &out.stderr);
        runs += 1;
    }
    assert_eq!(runs, 7);
    let echoed = push(dir, &echo, &[]);
    assert!(echoed.stderr.contains("[redacted]"), "the echo is shown, redacted: {}", echoed.stderr);
    let mut requests = fake.requests();
    requests.extend(echo.requests());
    let patches = requests.iter().filter(|r| r.method == "PATCH").count();
    // Two to the app, one refused for an unknown app, three to the echoing server.
    assert_eq!(patches, 6);
    for r in &requests {
        let head = format!("{} {} {:?}", r.method, r.path, r.headers);
        assert_no_value("a request line or header", &head);
        if r.method != "PATCH" {
            assert_no_value("a request body other than PATCH", &r.body);
        }
        assert!(!r.body.contains(UNREAD), "a name the app does not read was sent");
    }
}

#[test]
fn a_missing_env_file_and_a_missing_bim_toml_say_what_to_create() {
    let run = Test::fixture("node-express-npm").args(&["init", "--yes"]).run().code(0);
    let fake = FakeBackend::healthy();
    let out = push(run.dir.path(), &fake, &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no .env") && out.stderr.contains("cp .env.example .env"), "{}", out.stderr);
    let empty = Test::new();
    let out = push(empty.path(), &fake, &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no bim.toml") && out.stderr.contains("bim init"), "{}", out.stderr);
    assert_eq!(fake.requests().len(), 0);
}

/// A `gh` that appends its argv and stdin to `log`, and fails when its argv names `fail`.
fn fake_gh(dir: &Path, log: &Path, fail: &str) {
    let script = format!(
        "#!/bin/sh\nprintf 'ARGV %s\\n' \"$*\" >> '{log}'\nprintf 'STDIN ' >> '{log}'\ncat >> '{log}'\nprintf '\\n' >> '{log}'\n\
         case \"$*\" in *{fail}*) echo \"HTTP 403: cannot set $3 (sent: {SENDGRID})\" >&2; exit 1;; esac\n",
        log = log.display()
    );
    let gh = dir.join("gh");
    std::fs::write(&gh, script).expect("gh");
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&gh).expect("meta").permissions(),
        0o755,
    );
    let mut permissions = std::fs::metadata(&gh).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&gh, permissions).expect("chmod");
}

#[test]
fn gh_mode_sets_what_the_workflow_reads_values_on_stdin_never_argv() {
    let run = Test::fixture("nextjs-standalone").args(&["init", "--yes"]).run().code(0);
    let dir = run.dir.path();
    std::fs::write(
        dir.join(".env"),
        format!(
            "NEXT_PUBLIC_SITE_NAME={UNREAD}\nBACKEND_IM_API_TOKEN={SENDGRID}\nDATABASE_URL={DATABASE_URL}\n"
        ),
    )
    .expect(".env");
    let bin = tempfile::tempdir().expect("bin");
    let log = bin.path().join("gh.log");
    fake_gh(bin.path(), &log, "NEVER");
    let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap_or_default());
    let out = bim(dir, &[("PATH", &path)], &["env", "push", "--gh", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_no_value("stdout", &out.stdout);
    assert_no_value("stderr", &out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(
        report["settings"],
        json!([
            {"name": "BACKEND_IM_API_TOKEN", "action": "set", "kind": "secret", "environment": "production"},
            {"name": "NEXT_PUBLIC_SITE_NAME", "action": "set", "kind": "variable"}
        ])
    );
    assert_eq!(report["skipped"], json!(["DATABASE_URL"]), "the workflow does not read it");
    let recorded = std::fs::read_to_string(&log).expect("gh ran");
    assert_eq!(
        recorded,
        format!(
            "ARGV secret set BACKEND_IM_API_TOKEN --env production\nSTDIN {SENDGRID}\n\
             ARGV variable set NEXT_PUBLIC_SITE_NAME\nSTDIN {UNREAD}\n"
        )
    );
    for line in recorded.lines().filter(|l| l.starts_with("ARGV")) {
        assert_no_value("gh's argv", line);
    }

    // --dry-run runs no gh; a failing gh names how far it got, and its echo is redacted.
    std::fs::remove_file(&log).expect("rm");
    let out = bim(dir, &[("PATH", &path)], &["env", "push", "--gh", "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("would set") && !log.exists(), "{}", out.stdout);
    fake_gh(bin.path(), &log, "NEXT_PUBLIC");
    let out = bim(dir, &[("PATH", &path)], &["env", "push", "--gh"]);
    assert_eq!(out.code, 9, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("gh variable set NEXT_PUBLIC_SITE_NAME` failed (set before it: BACKEND_IM_API_TOKEN)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("[redacted]"), "{}", out.stderr);
    assert_no_value("a failing gh's error", &out.stderr);

    // No gh at all.
    let empty = tempfile::tempdir().expect("empty");
    let out = bim(dir, &[("PATH", &empty.path().display().to_string())], &["env", "push", "--gh"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("gh (GitHub's CLI) is not installed") && out.stderr.contains("cli.github.com"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_committed_api_url_gets_no_values_until_the_person_names_its_host() {
    let run = repo();
    let (fake, _) = FakeBackend::app("orders-api", vec![], &[]);
    let toml = run.dir.path().join("bim.toml");
    let text = std::fs::read_to_string(&toml).expect("bim.toml");
    let text = text.replacen("branch = ", &format!("api_url = \"{}\"\nbranch = ", fake.url()), 1);
    std::fs::write(&toml, text).expect("bim.toml");
    let out = bim(run.dir.path(), &[("BACKEND_IM_API_TOKEN", TOKEN)], &["env", "push"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--api-url"), "{}", out.stderr);
    assert_eq!(
        fake.requests().len(),
        0,
        "no request, so no value and no token, reached the repository's host"
    );
    let out =
        bim(run.dir.path(), &[("BACKEND_IM_API_TOKEN", TOKEN)], &["env", "push", "--api-url", &fake.url()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(fake.count("PATCH"), 1);
}

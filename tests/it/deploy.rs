//! `bim deploy` and `bim status` against a fake Backend.im, and the generated workflow's
//! deploy step run for real with bash against the same fake. The hostile cases for the API
//! live here too: a committed bim.toml that points the token elsewhere, and a server that
//! echoes the token, sends escape sequences or megabytes.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::fake_backend::{FakeBackend, Reply};
use crate::harness::Test;

pub(crate) const TOKEN: &str = "tok-s3cret-value";
pub(crate) const IMAGE: &str = "ghcr.io/acme/orders:sha-1234";

fn deploy(fake: &FakeBackend, extra: &[&str]) -> crate::harness::Run {
    let mut args = vec![
        "deploy",
        "--image",
        IMAGE,
        "--app",
        "orders",
        "--poll-interval",
        "0",
        "--request-timeout",
        "1s",
    ];
    args.extend_from_slice(extra);
    Test::new().env("BACKEND_IM_API_URL", &fake.url()).env("BACKEND_IM_API_TOKEN", TOKEN).args(&args).run()
}

fn assert_no_token(run: &crate::harness::Run) {
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "the token leaked:\n{}\n{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn deploys_waits_until_live_and_prints_the_url() {
    let fake = FakeBackend::healthy();
    let digest = format!("sha256:{}", "ab".repeat(32));
    let run = deploy(&fake, &["--wait", "--digest", &digest, "--commit", "abc123"])
        .code(0)
        .stdout_has("url: https://orders.backend.im");
    assert!(
        run.stderr.contains("deployment d-1: building") && run.stderr.contains("deployment d-1: live"),
        "state changes:\n{}",
        run.stderr
    );
    assert_no_token(&run);
    let requests = fake.requests();
    let post = &requests[0];
    assert_eq!((post.method.as_str(), post.path.as_str()), ("POST", "/v1/deployments"));
    assert_eq!(post.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(post.header("content-type"), Some("application/json"));
    assert!(post.header("idempotency-key").is_some_and(|k| !k.is_empty()));
    assert_eq!(post.json(), json!({"app": "orders", "image": IMAGE, "digest": digest, "commit": "abc123"}));
    assert!(requests[1..].iter().all(|r| r.method == "GET" && r.path == "/v1/deployments/d-1"));
    assert_eq!(fake.count("GET"), 2, "polls until live, then stops");
}

#[test]
fn without_wait_it_prints_the_queued_deployment_and_json_on_request() {
    let fake = FakeBackend::healthy();
    let run = deploy(&fake, &["--json"]).code(0);
    assert_eq!(run.json()["id"], "d-1");
    assert_eq!(run.json()["status"], "queued");
    assert_eq!(fake.count("GET"), 0);
}

#[test]
fn a_503_is_retried_with_the_same_idempotency_key() {
    let fake = FakeBackend::start(|r, n| match (r.method.as_str(), n) {
        ("POST", 0) => Reply::raw(503, "busy"),
        ("POST", _) => {
            Reply::json(201, json!({"id": "d-2", "status": "live", "url": "https://x.backend.im"}))
        }
        _ => Reply::raw(500, ""),
    });
    deploy(&fake, &["--wait"]).code(0).stdout_has("https://x.backend.im");
    let posts: Vec<_> = fake.requests().into_iter().filter(|r| r.method == "POST").collect();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].header("idempotency-key"), posts[1].header("idempotency-key"));
}

#[test]
fn a_429_waits_as_long_as_retry_after_says() {
    let fake = FakeBackend::start(|_, n| {
        if n == 0 {
            Reply::raw(429, "slow down").header("Retry-After", "1")
        } else {
            Reply::json(201, json!({"id": "d-3", "status": "queued"}))
        }
    });
    let started = Instant::now();
    deploy(&fake, &[]).code(0);
    assert!(started.elapsed() >= Duration::from_secs(1), "waited {:?}", started.elapsed());
}

#[test]
fn a_401_is_not_retried_and_says_where_the_token_comes_from() {
    let fake = FakeBackend::start(|_, _| Reply::json(401, json!({"error": "bad token"})));
    let run = deploy(&fake, &[]).code(9).stderr_has("refused the token").stderr_has("BACKEND_IM_API_TOKEN");
    assert_no_token(&run);
    assert_eq!(fake.count("POST"), 1);
    let file = tempfile::NamedTempFile::new().expect("file");
    std::fs::write(file.path(), "other-token\n").expect("write");
    let path = file.path().display().to_string();
    let run = Test::new()
        .env("BACKEND_IM_API_URL", &fake.url())
        .args(&["deploy", "--image", IMAGE, "--app", "orders", "--token-file", &path])
        .run()
        .code(9);
    assert!(run.stderr.contains(&path), "names the token file: {}", run.stderr);
    assert_eq!(
        fake.requests().last().and_then(|r| r.header("authorization").map(str::to_string)),
        Some("Bearer other-token".into())
    );
}

#[test]
fn unknown_apps_and_rejections_are_explained() {
    let fake = FakeBackend::start(|_, _| Reply::json(404, json!({"error": "no such app"})));
    deploy(&fake, &[]).code(9).stderr_has("knows no app `orders`");
    let fake = FakeBackend::start(|_, _| {
        Reply::json(422, json!({"error": "image is not reachable from Backend.im"}))
    });
    deploy(&fake, &[]).code(9).stderr_has("image is not reachable from Backend.im");
}

#[test]
fn a_response_slower_than_the_timeout_fails_after_bounded_retries() {
    let fake = FakeBackend::start(|_, _| {
        Reply::json(201, json!({"id": "d", "status": "queued"})).after(Duration::from_secs(3))
    });
    let started = Instant::now();
    deploy(&fake, &[]).code(9).stderr_has("timed out talking to 127.0.0.1");
    assert!(fake.count("POST") >= 2, "timeouts are retried");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_failed_deployment_exits_7_with_the_reason() {
    let fake = FakeBackend::start(|r, _| match r.method.as_str() {
        "POST" => Reply::json(201, json!({"id": "d-4", "status": "building"})),
        _ => Reply::json(200, json!({"id": "d-4", "status": "failed", "error": "health check never passed"})),
    });
    deploy(&fake, &["--wait"])
        .code(7)
        .stderr_has("deployment d-4 failed: health check never passed")
        .stderr_has("bim status d-4");
}

#[test]
fn waiting_past_the_timeout_exits_8() {
    let fake = FakeBackend::start(|_, _| Reply::json(200, json!({"id": "d-5", "status": "building"})));
    deploy(&fake, &["--wait", "--timeout", "1s"]).code(8).stderr_has("still building");
}

#[test]
fn malformed_json_is_an_api_error() {
    let fake = FakeBackend::start(|_, _| Reply::raw(201, "{not json"));
    deploy(&fake, &[]).code(9).stderr_has("malformed JSON");
}

#[test]
fn usage_errors_name_what_to_pass() {
    Test::new()
        .env("BACKEND_IM_API_URL", "http://127.0.0.1:9")
        .args(&["deploy", "--image", IMAGE, "--app", "orders"])
        .run()
        .code(2)
        .stderr_has("BACKEND_IM_API_TOKEN");
    Test::new()
        .env("BACKEND_IM_API_URL", "http://api.example.com")
        .env("BACKEND_IM_API_TOKEN", TOKEN)
        .args(&["deploy", "--image", IMAGE, "--app", "orders"])
        .run()
        .code(2)
        .stderr_has("plain http");
    Test::new()
        .env("BACKEND_IM_API_TOKEN", TOKEN)
        .args(&["deploy", "--image", IMAGE])
        .run()
        .code(2)
        .stderr_has("--app");
    Test::new()
        .env("BACKEND_IM_API_TOKEN", TOKEN)
        .args(&["deploy", "--image", "bad image", "--app", "x"])
        .run()
        .code(2)
        .stderr_has("--image");
}

#[test]
fn the_app_defaults_to_the_one_in_bim_toml_and_status_reads_a_deployment() {
    let fake = FakeBackend::healthy();
    let init = Test::fixture("go-stdlib").args(&["init", "--yes"]).run().code(0);
    let root = init.dir.path().display().to_string();
    let mut command = assert_cmd::Command::cargo_bin("bim").expect("bin");
    let out = command
        .current_dir(&root)
        .env("BACKEND_IM_API_URL", fake.url())
        .env("BACKEND_IM_API_TOKEN", TOKEN)
        .args(["deploy", "--image", IMAGE])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(fake.requests()[0].json()["app"], "hello");
    let run = Test::new()
        .env("BACKEND_IM_API_URL", &fake.url())
        .env("BACKEND_IM_API_TOKEN", TOKEN)
        .args(&["status", "d-1", "--json"])
        .run()
        .code(0);
    assert_eq!(run.json()["status"], "building");
}

/// The deploy step's `run:` script, as GitHub would run it.
fn deploy_script() -> String {
    let run = Test::fixture("go-stdlib").args(&["init", "--yes"]).run().code(0);
    script_of(&run.read(".github/workflows/backend-im.yml"))
}

fn script_of(workflow: &str) -> String {
    let start = workflow.find("name: Deploy to Backend.im").expect("deploy step");
    script_block(&workflow[start..], "        run: |\n")
}

/// The shell script of the first YAML literal block that `opener` opens in `text`, as the
/// CI runs it: its lines (indented ten spaces in bim's files) without that indentation.
pub(crate) fn script_block(text: &str, opener: &str) -> String {
    let start = text.find(opener).expect("a script block") + opener.len();
    text[start..]
        .lines()
        .take_while(|l| l.starts_with("          ") || l.is_empty())
        .map(|l| l.strip_prefix("          ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) struct StepRun {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) output_file: String,
}

fn run_step(fake: &FakeBackend, token: &str, timeout: &str) -> StepRun {
    run_script(&deploy_script(), fake, token, timeout, &[])
}

/// Runs a deploy script with bash against `fake`, with GitHub's variables set and `env`
/// (another CI's variables) on top.
pub(crate) fn run_script(
    script: &str,
    fake: &FakeBackend,
    token: &str,
    timeout: &str,
    env: &[(String, String)],
) -> StepRun {
    let dir = tempfile::tempdir().expect("dir");
    let output = dir.path().join("github_output");
    std::fs::write(&output, "").expect("output file");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("BACKEND_IM_API_URL", fake.url())
        .env("BACKEND_IM_API_TOKEN", token)
        .env("APP", "hello")
        .env("IMAGE", IMAGE)
        .env("DIGEST", format!("sha256:{}", "cd".repeat(32)))
        .env("DEPLOY_TIMEOUT", timeout)
        .env("POLL_INTERVAL", "1")
        .env("GITHUB_SHA", "0123abc")
        .env("GITHUB_REF", "refs/heads/main")
        .env("GITHUB_RUN_ID", "42")
        .env("GITHUB_RUN_ATTEMPT", "1")
        .env("GITHUB_OUTPUT", &output)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("bash");
    StepRun {
        code: out.status.code().unwrap_or(-1),
        stdout: format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        output_file: std::fs::read_to_string(&output).unwrap_or_default(),
    }
}

#[test]
fn the_workflow_deploy_step_deploys_and_polls_until_live() {
    let fake = FakeBackend::healthy();
    let step = run_step(&fake, TOKEN, "60");
    assert_eq!(step.code, 0, "{}", step.stdout);
    assert!(step.stdout.contains("Deployed hello: https://orders.backend.im"), "{}", step.stdout);
    assert!(step.output_file.contains("url=https://orders.backend.im"));
    let requests = fake.requests();
    let post = &requests[0];
    assert_eq!((post.method.as_str(), post.path.as_str()), ("POST", "/v1/deployments"));
    assert_eq!(post.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(post.header("idempotency-key"), Some("42-1-hello"));
    assert_eq!(post.header("content-type"), Some("application/json"));
    assert_eq!(
        post.json(),
        json!({"app": "hello", "image": IMAGE, "digest": format!("sha256:{}", "cd".repeat(32)), "commit": "0123abc", "ref": "refs/heads/main"})
    );
    assert!(requests[1..].iter().all(|r| r.method == "GET" && r.path == "/v1/deployments/d-1"));
    assert!(!step.stdout.contains(TOKEN));
}

#[test]
fn the_workflow_deploy_step_sends_the_release_command_and_the_processes_bim_toml_sets() {
    let run = Test::fixture("python-django-celery").args(&["init", "--yes"]).run().code(0);
    let workflow = run.read(".github/workflows/backend-im.yml");
    // The values as the workflow's env block gives them to the step (JSON-quoted YAML).
    let env: Vec<(String, String)> = ["RELEASE_COMMAND", "PROCESSES"]
        .iter()
        .map(|name| {
            let line = workflow
                .lines()
                .find_map(|l| l.trim().strip_prefix(&format!("{name}: ")))
                .unwrap_or_else(|| panic!("{name} in the deploy step's env:\n{workflow}"));
            (name.to_string(), serde_json::from_str::<String>(line).expect("a JSON string"))
        })
        .collect();
    let fake = FakeBackend::healthy();
    let step = run_script(&script_of(&workflow), &fake, TOKEN, "60", &env);
    assert_eq!(step.code, 0, "{}", step.stdout);
    let body = fake.requests()[0].json();
    assert_eq!(body["release_command"], "python manage.py migrate --noinput");
    assert_eq!(
        body["processes"],
        json!({"beat": "celery -A mysite beat --loglevel=info", "worker": "celery -A mysite worker --loglevel=info"})
    );
    // `bim deploy` sends the same from bim.toml.
    let fake = FakeBackend::healthy();
    let out = assert_cmd::Command::cargo_bin("bim")
        .expect("bin")
        .current_dir(run.dir.path())
        .env("BACKEND_IM_API_URL", fake.url())
        .env("BACKEND_IM_API_TOKEN", TOKEN)
        .args(["deploy", "--image", IMAGE])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(fake.requests()[0].json()["processes"], body["processes"]);
    assert_eq!(fake.requests()[0].json()["release_command"], body["release_command"]);
}

#[test]
fn the_workflow_deploy_step_fails_on_a_failed_deployment_on_401_and_on_timeout() {
    let failed = FakeBackend::start(|r, _| match r.method.as_str() {
        "POST" => Reply::json(201, json!({"id": "d-9", "status": "queued"})),
        _ => Reply::json(200, json!({"id": "d-9", "status": "failed", "error": "crashed on start"})),
    });
    let step = run_step(&failed, TOKEN, "60");
    assert_ne!(step.code, 0);
    assert!(step.stdout.contains("crashed on start"), "{}", step.stdout);

    let refused = FakeBackend::start(|_, _| Reply::json(401, json!({"error": "bad token"})));
    let step = run_step(&refused, TOKEN, "60");
    assert_ne!(step.code, 0);
    assert_eq!(refused.count("POST"), 1, "a 401 is not retried");

    let stuck = FakeBackend::start(|r, _| match r.method.as_str() {
        "POST" => Reply::json(201, json!({"id": "d-8", "status": "queued"})),
        _ => Reply::json(200, json!({"id": "d-8", "status": "building"})),
    });
    let step = run_step(&stuck, TOKEN, "2");
    assert_ne!(step.code, 0);
    assert!(step.stdout.contains("still building after 2s"), "{}", step.stdout);

    let no_token = run_step(&FakeBackend::healthy(), "", "60");
    assert_ne!(no_token.code, 0);
    assert!(no_token.stdout.contains("BACKEND_IM_API_TOKEN is not set"));
}

#[test]
fn the_workflow_deploy_step_without_a_token_names_both_places_to_set_it() {
    let fake = FakeBackend::healthy();
    let step = run_step(&fake, "", "60");
    assert_eq!(step.code, 1, "{}", step.stdout);
    assert!(
        step.stdout.contains("--env production") && step.stdout.contains("as a repository secret"),
        "{}",
        step.stdout
    );
    assert_eq!(fake.requests().len(), 0, "nothing is sent without a token");
}

/// A bim.toml as a repository might commit it, sending the API (and the token) to `api_url`.
pub(crate) fn bim_toml(api_url: &str) -> String {
    format!(
        "version = 1\nregistry = \"ghcr\"\nbranch = \"main\"\napi_url = \"{api_url}\"\n\n[[service]]\n\
         path = \".\"\napp = \"orders\"\nlanguage = \"go\"\nframework = \"none\"\n\
         package_manager = \"go\"\nruntime_version = \"1.22\"\nport = 8080\nstart_command = \"bin/orders\"\n"
    )
}

/// `bim deploy` in a repository whose bim.toml names `api_url`, with the token set.
fn deploy_from(api_url: &str) -> Test {
    Test::new().file("bim.toml", &bim_toml(api_url)).env("BACKEND_IM_API_TOKEN", TOKEN).args(&[
        "deploy",
        "--image",
        IMAGE,
        "--request-timeout",
        "1s",
    ])
}

#[test]
fn a_committed_api_url_gets_no_token_until_the_person_names_or_confirms_its_host() {
    let fake = FakeBackend::healthy();
    let url = fake.url();
    let run = deploy_from(&url).run().code(2).stderr_has("api_url in bim.toml");
    assert!(run.stderr.contains(&format!("pass --api-url {url}")), "names the flag: {}", run.stderr);
    let run = deploy_from(&url).args(&["--json"]).run().code(2);
    assert_eq!(run.json()["error"]["hint"], format!("pass --api-url {url}"));
    Test::new()
        .file("bim.toml", &bim_toml(&url))
        .env("BACKEND_IM_API_TOKEN", TOKEN)
        .args(&["status", "d-1"])
        .run()
        .code(2)
        .stderr_has("--api-url");
    // Another host confirmed earlier is not this one.
    let config = tempfile::tempdir().expect("dir");
    std::fs::write(config.path().join("trusted-hosts"), "http://127.0.0.1:1\n").expect("write");
    let config_dir = config.path().display().to_string();
    deploy_from(&url).env("BIM_CONFIG_DIR", &config_dir).run().code(2);
    assert_eq!(fake.requests().len(), 0, "nothing, and so no token, reached the repository's host");

    // The person names the host: with the flag, in the environment, or confirmed before.
    deploy_from(&url).args(&["--api-url", &url]).run().code(0);
    deploy_from(&url).env("BACKEND_IM_API_URL", &url).run().code(0);
    std::fs::write(config.path().join("trusted-hosts"), format!("# hosts\n{url}\n")).expect("write");
    deploy_from(&url).env("BIM_CONFIG_DIR", &config_dir).run().code(0);
    let posts: Vec<_> = fake.requests().into_iter().filter(|r| r.method == "POST").collect();
    assert_eq!(posts.len(), 3);
    assert!(posts.iter().all(|r| r.header("authorization") == Some(format!("Bearer {TOKEN}").as_str())));
}

#[test]
fn a_person_confirms_a_committed_api_url_once_at_a_terminal() {
    let fake = FakeBackend::healthy();
    let config = tempfile::tempdir().expect("dir");
    let repo = deploy_from(&fake.url()).env("BIM_CONFIG_DIR", &config.path().display().to_string());
    let at_terminal = || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_bim"));
        command
            .args(["deploy", "--image", IMAGE])
            .current_dir(repo.path())
            .env("BIM_CONFIG_DIR", config.path())
            .env("BACKEND_IM_API_TOKEN", TOKEN)
            .env_remove("BACKEND_IM_API_URL");
        crate::interactive::Terminal::spawn(command)
    };
    let mut declined = at_terminal();
    let shown = declined.answer("Trust this host?", "n");
    assert!(shown.contains(&fake.url()), "the prompt names the host: {shown}");
    let (code, rest) = declined.finish();
    assert_eq!(code, 2, "{rest}");
    assert!(rest.contains("not confirmed"), "{rest}");
    assert_eq!(fake.requests().len(), 0);

    let mut confirmed = at_terminal();
    confirmed.answer("Trust this host?", "y");
    let (code, rest) = confirmed.finish();
    assert_eq!(code, 0, "{rest}");
    assert_eq!(fake.count("POST"), 1);
    let trusted = std::fs::read_to_string(config.path().join("trusted-hosts")).expect("remembered");
    assert!(trusted.lines().any(|l| l == fake.url()), "{trusted}");
    // Remembered: later runs, with no terminal, need no flag.
    repo.run().code(0);
    assert_eq!(fake.count("POST"), 2);
}

#[test]
fn a_token_the_server_echoes_is_never_shown() {
    let echo = format!("invalid credentials (Authorization: Bearer {TOKEN}; token {TOKEN})");
    let said = echo.clone();
    let rejected = FakeBackend::start(move |_, _| Reply::json(422, json!({"error": said})));
    let said = echo.clone();
    let plain = FakeBackend::start(move |_, _| Reply::raw(400, &said));
    let said = echo.clone();
    let failed = FakeBackend::start(move |r, _| match r.method.as_str() {
        "POST" => Reply::json(201, json!({"id": "d-6", "status": "building"})),
        _ => Reply::json(200, json!({"id": "d-6", "status": "failed", "error": said})),
    });
    for (fake, code) in [(&rejected, 9), (&plain, 9), (&failed, 7)] {
        for json in [false, true] {
            let extra: &[&str] = if json { &["--wait", "--json"] } else { &["--wait"] };
            let run = deploy(fake, extra).code(code);
            assert_no_token(&run);
            assert!(format!("{}{}", run.stdout, run.stderr).contains("[redacted]"), "{}", run.stderr);
        }
        let run = Test::new()
            .env("BACKEND_IM_API_URL", &fake.url())
            .env("BACKEND_IM_API_TOKEN", TOKEN)
            .args(&["status", "d-6", "--json"])
            .run();
        assert_no_token(&run);
    }
}

#[test]
fn server_text_loses_its_escapes_and_a_huge_reply_is_cut() {
    let fake = FakeBackend::start(|_, _| {
        Reply::json(422, json!({"error": "\u{1b}[2J\u{1b}]0;pwned\u{7}image \u{1b}[31mmissing\u{1b}[0m\r"}))
    });
    let run = deploy(&fake, &[]).code(9).stderr_has("rejected the request: image missing\n");
    assert!(
        !run.stderr.contains(['\u{1b}', '\r', '\u{7}']) && !run.stderr.contains("pwned"),
        "{:?}",
        run.stderr
    );
    let fake = FakeBackend::start(|_, _| Reply::raw(400, "\u{1b}[31mbad\u{1b}[0m request"));
    let run = deploy(&fake, &[]).code(9).stderr_has("bad request");
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);

    // 5 MB: a JSON error, a plain body, and a deployment whose reason is that long.
    let huge = "no ".repeat((5 << 20) / 3);
    let said = huge.clone();
    let rejected = FakeBackend::start(move |_, _| Reply::json(422, json!({"error": said})));
    let said = huge.clone();
    let plain = FakeBackend::start(move |_, _| Reply::raw(400, &said));
    for fake in [&rejected, &plain] {
        let run = deploy(fake, &[]).code(9).stderr_has("… (cut)");
        assert!(run.stderr.len() < 6_000, "{} bytes on stderr", run.stderr.len());
    }
    let said = huge.clone();
    let failed = FakeBackend::start(move |_, _| {
        Reply::json(201, json!({"id": "d-7", "status": "failed", "error": said}))
    });
    let run = deploy(&failed, &["--wait"]).code(9).stderr_has("answered with more than 1024 KiB");
    assert!(run.stderr.len() < 1_000, "{} bytes on stderr", run.stderr.len());
}

//! GitLab CI/CD (`--ci gitlab`): every generated .gitlab-ci.yml validates against GitLab's
//! CI schema (check-jsonschema's vendored copy) with every image pinned or named by
//! `bim init`; the deploy job's script runs with bash against the fake Backend.im; the
//! choice comes from the origin remote, is kept in bim.toml and merges a person's edits.

use std::path::PathBuf;

use serde_json::json;

use crate::deploy::{IMAGE, TOKEN, run_script};
use crate::fake_backend::{FakeBackend, Reply};
use crate::harness::{Run, Test, copy_tree, git};
use crate::tools;

const CI_FILE: &str = ".gitlab-ci.yml";

/// `init --yes --ci gitlab` and the flags, in a copy of `fixture`.
fn gitlab(fixture: &str, flags: &[&str]) -> Run {
    let mut args = vec!["init", "--yes", "--ci", "gitlab", "--color", "never"];
    args.extend_from_slice(flags);
    Test::fixture(fixture).args(&args).run()
}

/// Each `image:` name in the file that is not pinned by digest, unless `bim init` said so
/// on its output (an image at a tag bim has no digest for).
fn unpinned(ci: &str, said: &str) -> Vec<String> {
    let lines: Vec<&str> = ci.lines().collect();
    lines
        .windows(2)
        .filter(|pair| pair[0].trim() == "image:")
        .filter_map(|pair| pair[1].trim().strip_prefix("name: "))
        .map(|v| v.trim_matches('"').to_string())
        .filter(|image| {
            let pinned = image.split_once("@sha256:").is_some_and(|(_, d)| {
                d.len() == 64 && d.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            });
            !pinned
                && !said.contains(&format!("no pinned digest for {image}"))
                && !said.contains(&format!(", {image}"))
        })
        .collect()
}

#[test]
fn every_gitlab_ci_for_every_fixture_and_example_validates_against_gitlabs_schema() {
    let out = tempfile::tempdir().expect("dir");
    let mut cases: Vec<PathBuf> = Vec::new();
    let mut findings = Vec::new();
    let mut keep = |label: &str, run: &Run, findings: &mut Vec<String>| {
        assert_eq!(run.code, 0, "{label}: init failed:\n{}{}", run.stdout, run.stderr);
        // The examples carry the GitHub files they were set up with; nothing new is written.
        if !label.starts_with("example ") {
            assert!(!run.exists(".github/workflows/backend-im.yml"), "{label}: wrote a GitHub workflow");
            assert!(!run.exists(".github/dependabot.yml"), "{label}: wrote dependabot.yml");
        }
        let text = run.read(CI_FILE);
        let loose = unpinned(&text, &run.stdout);
        if !loose.is_empty() {
            findings.push(format!("{label}: images neither pinned nor named by init: {loose:?}"));
        }
        let path =
            out.path().join(format!("{}-{}.gitlab-ci.yml", cases.len(), label.replace([' ', '/'], "_")));
        std::fs::write(&path, text).expect("copy");
        cases.push(path);
    };
    for name in crate::init::deployable() {
        keep(&name, &gitlab(&name, &[]), &mut findings);
    }
    // The examples keep GitHub in their bim.toml: --ci gitlab switches them.
    for example in crate::examples::examples() {
        let name = example.file_name().expect("name").to_string_lossy().into_owned();
        let test = Test::new();
        copy_tree(&example, test.path());
        let run = test.args(&["init", "--yes", "--ci", "gitlab", "--color", "never"]).run();
        assert!(
            run.stdout.contains("GitLab does not run it"),
            "{name}: says the GitHub workflow stays behind: {}",
            run.stdout
        );
        keep(&format!("example {name}"), &run, &mut findings);
    }
    let variants: &[(&str, &[&str])] = &[
        ("go-stdlib", &["--scan"]),
        ("go-stdlib", &["--scan-fail-on", "high", "--scan-only-fixed", "--registry", "dockerhub"]),
        ("go-stdlib", &["--registry", "registry.example.com", "--platforms", "linux/amd64,linux/arm64"]),
        ("monorepo-turbo-workspaces", &["--scan", "--attest"]),
        ("python-django-celery", &["--registry", "dockerhub"]),
    ];
    for (fixture, flags) in variants {
        keep(&format!("{fixture} {}", flags.join(" ")), &gitlab(fixture, flags), &mut findings);
    }
    let expected = crate::init::deployable().len() + crate::examples::examples().len() + variants.len();
    assert!(!cases.is_empty(), "no .gitlab-ci.yml was validated");
    assert_eq!(cases.len(), expected, "every case gave a file to validate");
    let schema = tools::lint_gitlab_ci(&cases);
    if !schema.is_empty() {
        findings.push(format!("GitLab's CI schema:\n{schema}"));
    }
    assert!(findings.is_empty(), "{} files checked:\n{}", cases.len(), findings.join("\n"));
    eprintln!("{} .gitlab-ci.yml files validate against GitLab's CI schema", cases.len());
}

fn snapshot(name: &str, run: &Run) {
    let text = format!(
        "=== init's output\n{}\n=== {CI_FILE}\n{}\n=== bim.toml\n{}",
        run.stdout,
        run.read(CI_FILE),
        run.read("bim.toml")
    );
    insta::with_settings!({
        snapshot_path => "snapshots/gitlab",
        prepend_module_to_snapshot => false,
        filters => vec![(r"\(templates [0-9a-f]{12}\)", "(templates [REVISION])")],
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn a_single_service_a_monorepo_and_a_scan_match_their_snapshots() {
    let single = gitlab("node-express-npm", &[]).code(0);
    snapshot("single-service", &single);
    let monorepo = gitlab("monorepo-turbo-workspaces", &[]).code(0);
    snapshot("monorepo", &monorepo);
    let scan = gitlab("python-django-celery", &["--scan-fail-on", "high", "--scan-only-fixed"]).code(0);
    snapshot("scan", &scan);

    // One set of jobs per service, each run only when what it is built from changed.
    let ci = monorepo.read(CI_FILE);
    for job in ["test-api:", "image-api:", "deploy-api:", "test-web:", "image-web:", "deploy-web:"] {
        assert!(ci.contains(&format!("\n{job}\n")), "{job} missing");
    }
    assert!(ci.contains("- \"apps/api/**/*\"") && ci.contains("- \"packages/**/*\""), "{ci}");
    let api_rules = &ci[ci.find("\nimage-api:").expect("job")..ci.find("\ndeploy-api:").expect("job")];
    assert!(!api_rules.contains("apps/web"), "api rebuilds on web's changes:\n{api_rules}");
    // The deploy waits for the scan; merge requests never deploy.
    let scan_ci = scan.read(CI_FILE);
    let id = "python-django-celery";
    assert!(scan_ci.contains(&format!("needs: [test-{id}, image-{id}, scan-{id}]")), "{scan_ci}");
    assert!(
        scan_ci.contains("CS_SEVERITY_THRESHOLD: HIGH") && scan_ci.contains("CS_IGNORE_UNFIXED: \"true\"")
    );
    assert!(scan.stdout.contains("warning: --scan runs GitLab's container scanning"), "{}", scan.stdout);
}

/// A job's `script:`, as GitLab runs it (the YAML block's text).
fn job_script(ci: &str, job: &str) -> String {
    let job = &ci[ci.find(&format!("\n{job}:\n")).expect("the job")..];
    crate::deploy::script_block(job, "  script:\n    - |\n")
}

/// The deploy job's `variables:` (values JSON-quoted where bim quotes them).
fn deploy_variables(ci: &str, id: &str) -> Vec<(String, String)> {
    let job = &ci[ci.find(&format!("\ndeploy-{id}:\n")).expect("the deploy job")..];
    let start = job.find("  variables:\n").expect("variables") + "  variables:\n".len();
    job[start..]
        .lines()
        .take_while(|l| l.starts_with("    "))
        .filter_map(|l| l.trim().split_once(": "))
        .filter(|(name, _)| !name.starts_with('#'))
        .map(|(name, value)| {
            let value = serde_json::from_str::<String>(value).unwrap_or_else(|_| value.to_string());
            (name.to_string(), value)
        })
        .collect()
}

/// GitLab's predefined variables for a push to main, and the image job's dotenv.
fn gitlab_env(dir: &std::path::Path, variables: &[(String, String)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("CI_COMMIT_SHA", "9f8e7d6c"),
        ("CI_COMMIT_BRANCH", "main"),
        ("CI_PIPELINE_ID", "77"),
        ("CI_JOB_ID", "5"),
        ("CI_PROJECT_DIR", &dir.display().to_string()),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    env.extend(
        variables
            .iter()
            .filter(|(k, _)| !["BACKEND_IM_API_URL", "POLL_INTERVAL", "DEPLOY_TIMEOUT"].contains(&k.as_str()))
            .cloned(),
    );
    env
}

/// Runs the deploy job's script as GitLab would, in a folder of its own: exit code, what it
/// printed, and the dotenv report it left (deploy.env).
fn run_deploy(ci: &str, id: &str, fake: &FakeBackend, token: &str, timeout: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("dir");
    let script = format!("cd {}\n{}", dir.path().display(), job_script(ci, &format!("deploy-{id}")));
    let env = gitlab_env(dir.path(), &deploy_variables(ci, id));
    let step = run_script(&script, fake, token, timeout, &env);
    let dotenv = std::fs::read_to_string(dir.path().join("deploy.env")).unwrap_or_default();
    (step.code, step.stdout, dotenv)
}

#[test]
fn the_deploy_job_sends_the_same_payload_waits_and_gives_gitlab_the_environments_url() {
    let run = gitlab("go-stdlib", &[]).code(0);
    let ci = run.read(CI_FILE);
    let fake = FakeBackend::healthy();
    let (code, out, dotenv) = run_deploy(&ci, "hello", &fake, TOKEN, "60");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Deployed hello: https://orders.backend.im"), "{out}");
    assert_eq!(dotenv.trim(), "DEPLOY_URL=https://orders.backend.im");
    assert!(ci.contains("url: $DEPLOY_URL") && ci.contains("dotenv: deploy.env"));
    let requests = fake.requests();
    let post = &requests[0];
    assert_eq!((post.method.as_str(), post.path.as_str()), ("POST", "/v1/deployments"));
    assert_eq!(post.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(post.header("idempotency-key"), Some("77-5-hello"));
    assert_eq!(
        post.json(),
        json!({"app": "hello", "image": IMAGE, "digest": format!("sha256:{}", "cd".repeat(32)), "commit": "9f8e7d6c", "ref": "refs/heads/main"})
    );
    assert!(requests[1..].iter().all(|r| r.method == "GET" && r.path == "/v1/deployments/d-1"));
    assert!(!out.contains(TOKEN));

    // The release command and the processes ride along, as on GitHub.
    let celery = gitlab("python-django-celery", &[]).code(0);
    let ci = celery.read(CI_FILE);
    let id = ci
        .lines()
        .find_map(|l| l.strip_prefix("deploy-").and_then(|r| r.strip_suffix(':')))
        .expect("a deploy job")
        .to_string();
    let fake = FakeBackend::healthy();
    let (code, out, _) = run_deploy(&ci, &id, &fake, TOKEN, "60");
    assert_eq!(code, 0, "{out}");
    let body = fake.requests()[0].json();
    assert_eq!(body["release_command"], "python manage.py migrate --noinput");
    assert_eq!(
        body["processes"],
        json!({"beat": "celery -A mysite beat --loglevel=info", "worker": "celery -A mysite worker --loglevel=info"})
    );
}

#[test]
fn the_deploy_job_fails_on_a_failed_deployment_a_401_a_timeout_and_a_missing_token() {
    let ci = gitlab("go-stdlib", &[]).code(0).read(CI_FILE);
    let failed = FakeBackend::start(|r, _| match r.method.as_str() {
        "POST" => Reply::json(201, json!({"id": "d-9", "status": "queued"})),
        _ => Reply::json(200, json!({"id": "d-9", "status": "failed", "error": "crashed on start"})),
    });
    let (code, out, dotenv) = run_deploy(&ci, "hello", &failed, TOKEN, "60");
    assert_ne!(code, 0);
    assert!(out.contains("error: Deployment d-9 failed: crashed on start"), "{out}");
    assert!(dotenv.is_empty());

    let refused = FakeBackend::start(|_, _| Reply::json(401, json!({"error": "bad token"})));
    let (code, _, _) = run_deploy(&ci, "hello", &refused, TOKEN, "60");
    assert_ne!(code, 0);
    assert_eq!(refused.count("POST"), 1, "a 401 is not retried");

    let stuck = FakeBackend::start(|r, _| match r.method.as_str() {
        "POST" => Reply::json(201, json!({"id": "d-8", "status": "queued"})),
        _ => Reply::json(200, json!({"id": "d-8", "status": "building"})),
    });
    let (code, out, _) = run_deploy(&ci, "hello", &stuck, TOKEN, "2");
    assert_ne!(code, 0);
    assert!(out.contains("still building after 2s"), "{out}");

    let fake = FakeBackend::healthy();
    let (code, out, _) = run_deploy(&ci, "hello", &fake, "", "60");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("masked, protected CI/CD variable"), "{out}");
    assert_eq!(fake.requests().len(), 0, "nothing is sent without a token");
}

const GITLAB_ORIGIN: &str = "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@gitlab.com:acme/shop.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n";

#[test]
fn a_gitlab_origin_gets_gitlab_ci_and_says_so_and_bim_toml_keeps_the_choice() {
    let run =
        Test::fixture("go-stdlib").file(".git/config", GITLAB_ORIGIN).args(&["init", "--yes"]).run().code(0);
    assert!(run.stdout.contains("the origin remote is on GitLab (gitlab.com)"), "{}", run.stdout);
    assert!(run.stdout.contains("--ci github"), "names the flag that says otherwise: {}", run.stdout);
    assert!(run.exists(CI_FILE));
    assert!(!run.exists(".github"), "no GitHub workflow, no dependabot.yml");
    let toml = run.read("bim.toml");
    assert!(toml.contains("registry = \"gitlab\"") && toml.contains("ci = \"gitlab\""), "{toml}");
    assert!(run.read("README.md").contains("glab variable set BACKEND_IM_API_TOKEN --masked --protected"));
    assert!(run.stdout.contains("glab variable set BACKEND_IM_API_TOKEN"), "next steps: {}", run.stdout);
    // A second run reads bim.toml: nothing changes, nothing more is said about the remote.
    let (code, stdout, _) = run.again(&["init", "--yes"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(!stdout.contains("origin remote"), "{stdout}");
    assert!(stdout.lines().all(|l| !l.starts_with("updated") && !l.starts_with("created")), "{stdout}");

    // A self-managed GitLab is told by its host's name; --ci github wins over the remote.
    let own = "[remote \"origin\"]\n\turl = https://gitlab.example.com/acme/shop.git\n";
    let run = Test::fixture("go-stdlib").file(".git/config", own).args(&["init", "--yes"]).run().code(0);
    assert!(run.exists(CI_FILE), "{}", run.stdout);
    let run = Test::fixture("go-stdlib")
        .file(".git/config", own)
        .args(&["init", "--yes", "--ci", "github"])
        .run()
        .code(0);
    assert!(run.exists(".github/workflows/backend-im.yml") && !run.exists(CI_FILE));
    assert!(!run.read("bim.toml").contains("ci ="), "github is the default and is not written");
    // Back from GitLab: the pipeline bim wrote for it stays, and init says so.
    let back = gitlab("go-stdlib", &[]).code(0);
    let (code, stdout, _) = back.again(&["init", "--yes", "--ci", "github"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains(".gitlab-ci.yml is bim's GitLab pipeline from before; GitHub does not run it"),
        "{stdout}"
    );
    assert!(back.exists(CI_FILE) && back.exists(".github/workflows/backend-im.yml"));
    assert!(back.read("bim.toml").contains("registry = \"ghcr\""), "the CI's own registry follows it");
    // A GitHub remote, or none, stays on GitHub.
    let github = "[remote \"origin\"]\n\turl = https://github.com/acme/shop.git\n";
    let run = Test::fixture("go-stdlib").file(".git/config", github).args(&["init", "--yes"]).run().code(0);
    assert!(!run.exists(CI_FILE) && run.exists(".github/dependabot.yml"));
}

#[test]
fn a_registry_the_ci_cannot_log_in_to_is_refused_with_the_flag_to_pass() {
    gitlab("go-stdlib", &["--registry", "ghcr"]).code(2).stderr_has("--registry gitlab");
    Test::fixture("go-stdlib")
        .args(&["init", "--yes", "--registry", "gitlab"])
        .run()
        .code(2)
        .stderr_has("--ci gitlab");
    Test::fixture("go-stdlib")
        .args(&["init", "--yes", "--ci", "bitbucket"])
        .run()
        .code(2)
        .stderr_has("gitlab");
    // A bim.toml that says so is refused the same way, naming the file.
    let run = gitlab("go-stdlib", &[]).code(0);
    let toml = run.read("bim.toml").replace("registry = \"gitlab\"", "registry = \"ghcr\"");
    std::fs::write(run.dir.path().join("bim.toml"), toml).expect("write");
    let (code, _, stderr) = run.again(&["check"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("bim.toml") && stderr.contains("--registry gitlab"), "{stderr}");
}

#[test]
fn a_hand_edit_to_gitlab_ci_survives_a_new_render_and_check_tells_drift_from_edits() {
    let run = gitlab("go-stdlib", &[]).code(0);
    let path = run.dir.path().join(CI_FILE);
    let mine = format!("{}\nlint:\n  stage: test\n  script:\n    - echo mine\n", run.read(CI_FILE));
    std::fs::write(&path, &mine).expect("edit");
    // An edit over an up-to-date render is the person's to keep.
    let (code, stdout, _) = run.again(&["check"]);
    assert_eq!(code, 0, "{stdout}");
    // New answers are merged in around it.
    let (code, stdout, stderr) = run.again(&["init", "--yes", "--release-command", "./migrate"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("merged") && stdout.contains(CI_FILE), "{stdout}");
    let merged = run.read(CI_FILE);
    assert!(merged.contains("echo mine") && merged.contains("RELEASE_COMMAND: \"./migrate\""), "{merged}");
    // bim.toml changed by hand and not rendered: check fails, naming the file.
    let toml = run.read("bim.toml").replace("./migrate", "./migrate --all");
    std::fs::write(run.dir.path().join("bim.toml"), toml).expect("write");
    let (code, stdout, _) = run.again(&["check"]);
    assert_eq!(code, 5, "{stdout}");
    assert!(stdout.contains(CI_FILE), "{stdout}");
    // A file of the person's own is never overwritten.
    let own = Test::fixture("go-stdlib").file(CI_FILE, "test:\n  script: [make test]\n");
    let run = own.args(&["init", "--yes", "--ci", "gitlab"]).run().code(0);
    assert_eq!(run.read(CI_FILE), "test:\n  script: [make test]\n");
    assert!(run.stdout.contains("skipped") && run.stdout.contains("--force"), "{}", run.stdout);
}

#[test]
fn the_smoke_job_waits_for_the_image_to_answer_and_gates_the_deploy() {
    let run = gitlab("go-stdlib", &[]).code(0);
    let ci = run.read(CI_FILE);
    assert!(ci.contains("needs: [test-hello, image-hello, smoke-hello]"), "{ci}");
    assert!(ci.contains("    - name: \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\"\n      alias: app\n"), "{ci}");
    assert!(ci.contains("SMOKE_URL: \"http://app:8080/healthz\""), "{ci}");
    let script = job_script(&ci, "smoke-hello");
    let smoke = |url: &str| {
        std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .env("SMOKE_URL", url)
            .env("ATTEMPTS", "2")
            .output()
            .expect("bash")
    };
    // Any answer under 500 is the image up; 5xx or nothing at all is not.
    let up = FakeBackend::start(|_, _| Reply::raw(404, "not found"));
    let out = smoke(&format!("{}/healthz", up.url()));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("the image answered 404"));
    let down = FakeBackend::start(|_, _| Reply::raw(503, "starting"));
    let out = smoke(&format!("{}/healthz", down.url()));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("did not answer"), "{out:?}");
    // An app that needs a backing service has no smoke job yet, as on GitHub.
    let celery = gitlab("python-django-celery", &[]).code(0).read(CI_FILE);
    assert!(!celery.contains("\nsmoke-"), "{celery}");
}

/// The jobs GitLab would run for the last commit of `dir` (pushed to its branch, or as a
/// merge request's pipeline), as gitlab-ci-local evaluates the rules and needs.
fn jobs(dir: &std::path::Path, merge_request: bool) -> Vec<String> {
    let (node_bin, cli) = tools::gitlab_ci_local();
    let path = format!("{}:{}", node_bin.display(), std::env::var("PATH").unwrap_or_default());
    let run = |mode: &str| {
        let mut command = std::process::Command::new(cli);
        command.current_dir(dir).env("PATH", &path).arg(mode);
        if merge_request {
            command
                .env("GCL_IGNORE_PREDEFINED_VARS", "CI_PIPELINE_SOURCE")
                .args(["--variable", "CI_PIPELINE_SOURCE=merge_request_event"]);
        }
        let out = command.output().expect("run gitlab-ci-local");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "gitlab-ci-local {mode}:\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    };
    // Every job a running job needs runs too.
    run("--validate-dependency-chain");
    let mut jobs: Vec<String> = run("--list-csv")
        .lines()
        .filter_map(|l| l.split(';').next())
        .map(|name| name.trim_matches('"').to_string())
        .filter(|name| ["test-", "image-", "smoke-", "deploy-"].iter().any(|p| name.starts_with(p)))
        .collect();
    jobs.sort();
    jobs
}

#[test]
fn merge_requests_build_without_deploying_and_an_untouched_service_does_not_rebuild() {
    let run = gitlab("monorepo-turbo-workspaces", &["--branch", "main"]).code(0);
    let root = run.dir.path();
    // A git repository whose `origin/main` is its first commit, as GitLab sees a push.
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "bim"]);
    git(root, &["remote", "add", "origin", "git@gitlab.com:acme/shop.git"]);
    git(root, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    git(root, &["symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main"]);
    let commit = |path: &str| {
        let file = root.join(path);
        let mut text = std::fs::read_to_string(&file).unwrap_or_default();
        text.push_str("\n// changed\n");
        std::fs::write(&file, text).expect("edit");
        git(root, &["commit", "-qam", "change"]);
        git(root, &["update-ref", "refs/remotes/origin/main", "HEAD~1"]);
    };
    // A change to web alone: web's jobs, deployed; api's none.
    commit("apps/web/app/page.tsx");
    assert_eq!(jobs(root, false), ["deploy-web", "image-web", "smoke-web", "test-web"]);
    // As a merge request: tested and built, never smoke-tested against a push or deployed.
    assert_eq!(jobs(root, true), ["image-web", "test-web"]);
    // A shared package both build from: both services.
    git(root, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    let shared = std::fs::read_dir(root.join("packages/ui"))
        .expect("packages/ui")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.is_file())
        .expect("a file in packages/ui");
    commit(&shared.strip_prefix(root).expect("inside").display().to_string());
    assert_eq!(jobs(root, false).len(), 8, "{:?}", jobs(root, false));
    // Another branch: built and tested, not deployed.
    git(root, &["checkout", "-qb", "feature"]);
    assert!(jobs(root, false).iter().all(|j| !j.starts_with("deploy-")));
}

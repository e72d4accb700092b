//! Preview deploys (`--previews`): the workflow passes the linters; its `if:` conditions,
//! evaluated for each kind of event, deploy a pull request from the repository and never a
//! fork's; and the preview's scripts (deploy, comment, delete) run as GitHub would run them,
//! against the fake Backend.im and a fake `gh`.

use std::collections::BTreeMap;

use crate::deploy::{run_script, script_block};
use crate::fake_backend::{FakeBackend, Reply};
use crate::harness::Test;
use crate::tools;

const WORKFLOW: &str = ".github/workflows/backend-im.yml";

fn workflow() -> String {
    let run = Test::fixture("go-stdlib").args(&["init", "--yes", "--previews"]).run().code(0);
    let found = tools::lint_workflow(&run.dir.path().join(WORKFLOW));
    assert!(found.is_empty(), "{found}");
    assert!(run.read("bim.toml").contains("previews = true"), "bim.toml keeps the answer");
    run.read(WORKFLOW)
}

/// Each job's `if:` (jobs without one run on every event).
fn job_conditions(workflow: &str) -> BTreeMap<String, Option<String>> {
    let mut jobs = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut inside = false;
    for line in workflow.lines() {
        if line == "jobs:" {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
            && !name.starts_with(' ')
        {
            current = Some(name.to_string());
            jobs.insert(name.to_string(), None);
        } else if let (Some(job), Some(condition)) = (&current, line.strip_prefix("    if: ")) {
            jobs.insert(job.clone(), Some(condition.to_string()));
        }
    }
    jobs
}

/// The expressions bim writes in `if:`: `a == 'x'`, `a != b`, joined by `&&` and `||`
/// (`&&` binding tighter), over the event's values.
fn holds(condition: &str, event: &BTreeMap<&str, &str>) -> bool {
    let value = |term: &str| -> String {
        let term = term.trim();
        match term.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
            Some(literal) => literal.to_string(),
            None => event.get(term).copied().unwrap_or("").to_string(),
        }
    };
    condition.split("||").any(|all| {
        all.split("&&").all(|comparison| {
            if let Some((a, b)) = comparison.split_once("==") {
                value(a) == value(b)
            } else if let Some((a, b)) = comparison.split_once("!=") {
                value(a) != value(b)
            } else {
                panic!("an expression this test does not read: {comparison}")
            }
        })
    })
}

#[test]
fn previews_run_for_the_repositorys_pull_requests_and_never_a_forks() {
    let workflow = workflow();
    let jobs = job_conditions(&workflow);
    assert!(jobs.len() >= 5, "{jobs:?}");
    let event = |name: &'static str, action: &'static str, head: &'static str, git_ref: &'static str| {
        BTreeMap::from([
            ("github.event_name", name),
            ("github.event.action", action),
            ("github.event.pull_request.head.repo.full_name", head),
            ("github.repository", "acme/shop"),
            ("github.ref", git_ref),
        ])
    };
    let runs = |event: &BTreeMap<&str, &str>| -> Vec<String> {
        jobs.iter()
            .filter(|(_, condition)| condition.as_deref().is_none_or(|c| holds(c, event)))
            .map(|(job, _)| {
                job.split('-').next().unwrap_or(job).to_string()
                    + if job.starts_with("preview-delete") { "-delete" } else { "" }
            })
            .collect()
    };
    let cases = [
        (event("push", "", "", "refs/heads/main"), vec!["deploy", "image", "smoke", "test"]),
        (event("pull_request", "opened", "acme/shop", "refs/pull/7/merge"), vec!["image", "preview", "test"]),
        (
            event("pull_request", "synchronize", "acme/shop", "refs/pull/7/merge"),
            vec!["image", "preview", "test"],
        ),
        // A fork's pull request is tested and built, never deployed, never given the token.
        (event("pull_request", "opened", "mallory/shop", "refs/pull/8/merge"), vec!["image", "test"]),
        (event("pull_request", "closed", "acme/shop", "refs/pull/7/merge"), vec!["preview-delete"]),
        (event("pull_request", "closed", "mallory/shop", "refs/pull/8/merge"), vec![]),
    ];
    for (event, expected) in &cases {
        assert_eq!(runs(event), *expected, "{event:?}");
    }
    // The image of a fork's pull request is built but not pushed; the repository's is.
    let push = workflow.lines().find(|l| l.trim_start().starts_with("push: ${{")).expect("push");
    let push = push.trim_start().trim_start_matches("push: ${{").trim_end_matches("}}");
    assert!(holds(push, &cases[1].0) && !holds(push, &cases[3].0) && holds(push, &cases[0].0), "{push}");
}

#[test]
fn the_preview_deploys_as_its_own_app_and_says_which_app_it_previews() {
    let workflow = workflow();
    let start = workflow.find("name: Deploy the preview to Backend.im").expect("preview deploy");
    let script = script_block(&workflow[start..], "        run: |\n");
    let fake = FakeBackend::healthy();
    let env =
        [("APP".to_string(), "hello-pr-7".to_string()), ("PREVIEW_OF".to_string(), "hello".to_string())];
    let step = run_script(&script, &fake, "tok", "60", &env);
    assert_eq!(step.code, 0, "{}", step.stdout);
    let post = fake.requests().into_iter().find(|r| r.method == "POST").expect("a deploy request");
    assert_eq!(post.json()["app"], "hello-pr-7");
    assert_eq!(post.json()["preview_of"], "hello");
    assert!(step.output_file.contains("url="), "{}", step.output_file);
}

#[test]
fn one_comment_carries_the_preview_url_and_is_updated_on_every_push() {
    let workflow = workflow();
    let start = workflow.find("name: Comment the preview's URL").expect("comment step");
    let script = script_block(&workflow[start..], "        run: |\n");
    let dir = tempfile::tempdir().expect("dir");
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    // A fake gh: logs each call; the comment list is the file `comments` holds.
    let gh = format!(
        "#!/usr/bin/env bash\necho \"$*\" >> {log}\nif [ \"$1 $2\" = \"api --paginate\" ]; then cat {comments} 2>/dev/null || true; fi\n",
        log = dir.path().join("calls").display(),
        comments = dir.path().join("comments").display()
    );
    std::fs::write(bin.join("gh"), gh).expect("gh");
    std::process::Command::new("chmod").args(["+x"]).arg(bin.join("gh")).status().expect("chmod");
    let run = |env_url: &str| {
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .env_clear()
            .env("PATH", path)
            .envs([
                ("GH_TOKEN", "t"),
                ("REPO", "acme/shop"),
                ("PR", "7"),
                ("HEAD_SHA", "0123456789abcdef"),
                ("URL", env_url),
                ("APP", "hello"),
            ])
            .output()
            .expect("bash")
    };
    let first = run("https://hello-pr-7.backend.im");
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    // The comment now exists: the next push edits it.
    std::fs::write(dir.path().join("comments"), "991\n").expect("comments");
    let second = run("https://hello-pr-7.backend.im");
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    let calls = std::fs::read_to_string(dir.path().join("calls")).expect("calls");
    // One call a line (a comment's body runs on below its call).
    let lines: Vec<&str> = calls.lines().filter(|l| l.starts_with("api ")).collect();
    assert_eq!(lines.len(), 4, "{calls}");
    assert!(lines[1].starts_with("api -X POST repos/acme/shop/issues/7/comments"), "{calls}");
    assert!(lines[3].starts_with("api -X PATCH repos/acme/shop/issues/comments/991"), "{calls}");
    assert_eq!(calls.matches("body=<!-- bim-preview:hello -->").count(), 2, "{calls}");
    assert_eq!(
        calls.matches("Preview of `hello` at 0123456: https://hello-pr-7.backend.im").count(),
        2,
        "{calls}"
    );
}

#[test]
fn closing_the_pull_request_deletes_its_preview_and_a_preview_already_gone_is_fine() {
    let workflow = workflow();
    let start = workflow.find("name: Delete the preview app").expect("delete step");
    let script = script_block(&workflow[start..], "        run: |\n");
    let env = [("APP".to_string(), "hello-pr-7".to_string())];
    for (status, ok) in [(204, true), (404, true), (500, false)] {
        let fake = FakeBackend::start(move |_, _| Reply::raw(status, "{}"));
        let step = run_script(&script, &fake, "tok", "60", &env);
        assert_eq!(step.code == 0, ok, "{status}: {}", step.stdout);
        let requests = fake.requests();
        let delete = requests.iter().find(|r| r.method == "DELETE").expect("a DELETE");
        assert_eq!(delete.path, "/v1/apps/hello-pr-7");
        assert_eq!(delete.header("authorization"), Some("Bearer tok"));
    }
}

#[test]
fn previews_with_platforms_are_refused_with_what_to_pass() {
    let run = Test::fixture("go-stdlib")
        .args(&["init", "--yes", "--previews", "--platforms", "linux/amd64,linux/arm64"])
        .run()
        .code(2);
    assert!(run.stderr.contains("--previews without --platforms"), "{}", run.stderr);
}

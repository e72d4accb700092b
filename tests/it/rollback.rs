//! `bim rollback` against a fake Backend.im that keeps an app's deployment history: it
//! picks the newest earlier live image by digest, `--to` picks by digest or id, the
//! redeploy is an ordinary deployment pinned as `name@digest`, and each refusal names
//! what to pass.

use serde_json::{Value, json};

use crate::fake_backend::FakeBackend;
use crate::harness::{Run, Test};

const TOKEN: &str = "tok-rollback-secret";

fn digest(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

/// d-5 failed, d-4 live (serving), d-3 live with d-4's image, d-2 failed, d-1 live.
fn history() -> Vec<Value> {
    let entry = |id: &str, status: &str, c: char, tag: &str| {
        json!({"id": id, "image": format!("ghcr.io/acme/orders:{tag}"), "digest": digest(c),
               "status": status, "created_at": format!("2026-12-0{}T10:00:00Z", &id[2..]),
               "url": "https://orders.backend.im", "commit": format!("c{}", &id[2..])})
    };
    vec![
        entry("d-5", "failed", 'e', "sha-5"),
        entry("d-4", "live", 'd', "sha-4"),
        entry("d-3", "live", 'd', "sha-3"),
        entry("d-2", "failed", 'b', "sha-2"),
        entry("d-1", "live", 'a', "sha-1"),
    ]
}

fn rollback(fake: &FakeBackend, extra: &[&str]) -> Run {
    let mut args = vec!["rollback", "--poll-interval", "0", "--request-timeout", "1s"];
    if !extra.contains(&"--app") {
        args.extend(["--app", "orders"]);
    }
    args.extend_from_slice(extra);
    Test::new().env("BACKEND_IM_API_URL", &fake.url()).env("BACKEND_IM_API_TOKEN", TOKEN).args(&args).run()
}

#[test]
fn without_to_it_redeploys_the_newest_earlier_live_image_by_digest_and_waits() {
    let (fake, _) = FakeBackend::app("orders", history(), &[]);
    let run = rollback(&fake, &["--wait"])
        .code(0)
        .stdout_has("orders: from d-4 back to the image of d-1")
        .stdout_has(&format!("image: ghcr.io/acme/orders@{}", digest('a')))
        .stdout_has("deployment d-6: live")
        .stdout_has("url: https://orders.backend.im");
    assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
    let requests = fake.requests();
    assert_eq!(requests[0].path, "/v1/apps/orders/deployments?limit=50");
    assert_eq!(requests[0].header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    let post = &requests[1];
    assert_eq!((post.method.as_str(), post.path.as_str()), ("POST", "/v1/deployments"));
    assert!(post.header("idempotency-key").is_some_and(|k| k.starts_with("bim-orders-")));
    assert_eq!(
        post.json(),
        json!({"app": "orders", "image": format!("ghcr.io/acme/orders@{}", digest('a')), "digest": digest('a'), "commit": "c1"}),
        "pinned by digest, no release command"
    );
    assert!(requests[2..].iter().all(|r| r.method == "GET" && r.path == "/v1/deployments/d-6"));
}

#[test]
fn to_picks_by_digest_or_by_id_and_json_says_from_to_and_what_is_live() {
    let cases = [(digest('a'), "d-1"), ("d-1".to_string(), "d-1"), (digest('d'), "d-4")];
    let mut checked = 0;
    for (to, expected) in &cases {
        // d-4's digest is the one serving: going "back" to it is refused below.
        if *expected == "d-4" {
            let (fake, _) = FakeBackend::app("orders", history(), &[]);
            rollback(&fake, &["--to", to]).code(2).stderr_has("nothing to roll back").stderr_has("--to");
            assert_eq!(fake.count("POST"), 0);
            checked += 1;
            continue;
        }
        let (fake, _) = FakeBackend::app("orders", history(), &[]);
        let run = rollback(&fake, &["--to", to, "--wait", "--json"]).code(0);
        let report = run.json();
        assert_eq!(report["app"], "orders");
        assert_eq!(report["from"]["id"], "d-4", "{to}");
        assert_eq!(report["to"]["id"], *expected, "{to}");
        assert_eq!(report["image"], format!("ghcr.io/acme/orders@{}", digest('a')));
        assert_eq!(report["deployment"]["status"], "live");
        assert_eq!(fake.requests()[1].json()["digest"], digest('a'));
        checked += 1;
    }
    assert_eq!(checked, cases.len());
}

#[test]
fn refusals_name_what_to_pass_and_deploy_nothing() {
    let only_one_image = history()[..3].to_vec();
    let never_live = vec![history()[0].clone()];
    /// The history, the flags, the exit code, and what the message must say.
    type Case<'a> = (Vec<Value>, &'a [&'a str], i32, &'a [&'a str]);
    let cases: [Case; 5] = [
        (only_one_image, &[], 2, &["no live deployment before d-4", "--to DIGEST|DEPLOYMENT_ID"]),
        (never_live, &[], 2, &["no deployment of orders is live", "bim deploy --image"]),
        (
            history(),
            &["--to", "d-9"],
            2,
            &["no deployment or digest `d-9`", "d-5 (failed", "d-1 (live", "--to with one of"],
        ),
        (history(), &["--to", "d-2"], 2, &["d-2 of orders never went live (it is failed)", "d-1 (live"]),
        (history(), &["--app", "billing"], 9, &["knows no app `billing`", "--app"]),
    ];
    let mut checked = 0;
    for (deployments, extra, code, says) in &cases {
        let (fake, _) = FakeBackend::app("orders", deployments.clone(), &[]);
        let run = rollback(&fake, extra).code(*code);
        for said in *says {
            assert!(run.stderr.contains(said), "{extra:?}: {said} in\n{}", run.stderr);
        }
        let json = rollback(&fake, &[extra, &["--json"][..]].concat()).code(*code);
        assert_eq!(json.json()["error"]["exit_code"], *code);
        assert_eq!(fake.count("POST"), 0, "{extra:?}: nothing deployed");
        checked += 1;
    }
    assert_eq!(checked, cases.len());
}

#[test]
fn a_deployment_without_a_digest_is_not_redeployed_by_its_tag() {
    let mut deployments = history();
    deployments[4]["digest"] = Value::Null;
    let (fake, _) = FakeBackend::app("orders", deployments, &[]);
    rollback(&fake, &[])
        .code(2)
        .stderr_has("no digest on record")
        .stderr_has("--to with a deployment that has one");
    // A digest in the image reference itself is enough.
    let mut deployments = history();
    deployments[4]["digest"] = Value::Null;
    deployments[4]["image"] = json!(format!("ghcr.io/acme/orders@{}", digest('a')));
    let (fake, _) = FakeBackend::app("orders", deployments, &[]);
    rollback(&fake, &[]).code(0).stdout_has(&format!("image: ghcr.io/acme/orders@{}", digest('a')));
}

#[test]
fn bim_toml_gives_the_app_and_processes_but_no_release_command_is_sent() {
    let (fake, _) = FakeBackend::app("orders", history(), &[]);
    let toml = format!(
        "{}release_command = \"bin/migrate\"\n\n[service.processes]\nworker = \"bin/worker\"\n",
        crate::deploy::bim_toml(&fake.url())
    );
    Test::new()
        .file("bim.toml", &toml)
        .env("BACKEND_IM_API_URL", &fake.url())
        .env("BACKEND_IM_API_TOKEN", TOKEN)
        .args(&["rollback", "--request-timeout", "1s"])
        .run()
        .code(0)
        .stdout_has("deployment d-6: queued");
    let body = fake.requests()[1].json();
    assert_eq!(body["app"], "orders");
    assert_eq!(body["processes"], json!({"worker": "bin/worker"}));
    assert!(body.get("release_command").is_none(), "{body}");
}

#[test]
fn server_text_in_the_history_loses_its_escapes_and_an_echoed_token() {
    let mut deployments = history();
    deployments[4]["image"] = json!("ghcr.io/acme/\u{1b}[2Jorders:sha-1");
    deployments[0]["id"] = json!(format!("d-5 Bearer {TOKEN}"));
    let (fake, _) = FakeBackend::app("orders", deployments, &[]);
    let run = rollback(&fake, &["--to", "d-9"]).code(2).stderr_has("[redacted]");
    assert!(!run.stderr.contains('\u{1b}') && !run.stderr.contains(TOKEN), "{:?}", run.stderr);
}

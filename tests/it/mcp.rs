//! `bim mcp` driven by a real MCP client (rmcp's, over the child's stdio): the tools and
//! their annotations, structured results, a plan that writes nothing, an init that
//! writes, and failures that are tool errors naming what to pass, not a dead server.
//! Then by hand, line by line, with what no real client sends: lines that are not JSON or
//! far too long, and paths that leave the folder the server was started in.

use rmcp::model::CallToolRequestParams;
use rmcp::service::ServiceExt;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use std::io::{BufRead, Write};
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::Test;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio")
}

async fn client() -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    client_with(&[]).await
}

/// A client of `bim mcp` started in `dir`: the folder its tools may reach.
async fn client_in(dir: &Path) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    spawn(Some(dir), &[]).await
}

/// A client of `bim mcp` started with these environment variables (and no token otherwise).
async fn client_with(env: &[(&str, &str)]) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    spawn(None, env).await
}

async fn spawn(
    dir: Option<&Path>,
    env: &[(&str, &str)],
) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let bin = assert_cmd::cargo::cargo_bin("bim");
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let transport = TokioChildProcess::new(tokio::process::Command::new(bin).configure(|cmd| {
        cmd.arg("mcp").env_remove("BACKEND_IM_API_TOKEN").env_remove("BACKEND_IM_API_URL");
        if let Some(dir) = dir {
            cmd.current_dir(dir);
        }
        for (k, v) in &env {
            cmd.env(k, v);
        }
    }))
    .expect("spawn bim mcp");
    ().serve(transport).await.expect("MCP handshake")
}

#[test]
fn deploy_waits_until_live_against_the_fake_backend_and_never_shows_the_token() {
    let fake = crate::fake_backend::FakeBackend::healthy();
    let token = "bim-mcp-secret-token-123";
    let url = fake.url();
    runtime().block_on(async {
        let client = client_with(&[("BACKEND_IM_API_URL", &url), ("BACKEND_IM_API_TOKEN", token)]).await;
        let result = client
            .call_tool(call("deploy", json!({"image": "ghcr.io/acme/api:1", "app": "api", "timeout": "30s"})))
            .await
            .expect("deploy");
        let all = serde_json::to_string(&result).expect("result");
        assert_eq!(result.is_error, Some(false), "{all}");
        assert_eq!(result.structured_content.clone().expect("structured")["status"], "live", "{all}");
        assert!(!all.contains(token), "the token never appears in a result");
        let id =
            result.structured_content.clone().expect("structured")["id"].as_str().expect("id").to_string();
        let status = client.call_tool(call("status", json!({"id": id}))).await.expect("status");
        assert_eq!(status.structured_content.clone().expect("structured")["status"], "live");
        client.cancel().await.expect("close");
    });
    assert_eq!(fake.requests()[0].header("authorization"), Some(format!("Bearer {token}").as_str()));
}

#[test]
fn deploy_and_status_send_no_token_to_a_committed_host_and_never_show_an_echoed_one() {
    let token = "bim-mcp-secret-token-123";
    let echo = format!("refused: Authorization: Bearer {token}");
    let said = echo.clone();
    let fake = crate::fake_backend::FakeBackend::start(move |r, _| match r.method.as_str() {
        "POST" => {
            crate::fake_backend::Reply::json(201, json!({"id": "d-1", "status": "failed", "error": said}))
        }
        _ => crate::fake_backend::Reply::json(422, json!({"error": said})),
    });
    let repo = Test::new().file("bim.toml", &crate::deploy::bim_toml(&fake.url()));
    let path = repo.path().display().to_string();
    let config = tempfile::tempdir().expect("dir");
    let config_dir = config.path().display().to_string();
    let deploy = json!({"path": path, "image": "ghcr.io/acme/api:1", "timeout": "30s"});
    let status = json!({"path": path, "id": "d-1"});
    runtime().block_on(async {
        let env = [("BACKEND_IM_API_TOKEN", token), ("BIM_CONFIG_DIR", config_dir.as_str())];
        let client = spawn(Some(repo.path()), &env).await;
        // The host comes from the repository: refused, whatever the agent does.
        for (tool, args) in [("deploy", &deploy), ("status", &status)] {
            let refused = client.call_tool(call(tool, args.clone())).await.expect("a tool result");
            let all = serde_json::to_string(&refused).expect("result");
            assert_eq!(refused.is_error, Some(true), "{all}");
            assert!(all.contains("--api-url") && all.contains("api_url in bim.toml"), "{all}");
        }
        assert_eq!(fake.requests().len(), 0, "no request, so no token, reached the repository's host");

        // Confirmed by the person earlier: used, and the server's echo is redacted.
        std::fs::write(config.path().join("trusted-hosts"), format!("{}\n", fake.url())).expect("write");
        for (tool, args) in [("deploy", &deploy), ("status", &status)] {
            let result = client.call_tool(call(tool, args.clone())).await.expect("a tool result");
            let all = serde_json::to_string(&result).expect("result");
            assert_eq!(result.is_error, Some(true), "{all}");
            assert!(!all.contains(token) && all.contains("[redacted]"), "{tool}: {all}");
        }
        client.cancel().await.expect("close");
    });
    assert_eq!(fake.requests().len(), 2);
    assert_eq!(fake.requests()[0].header("authorization"), Some(format!("Bearer {token}").as_str()));
}

#[test]
fn rollback_goes_back_to_the_previous_live_digest_and_waits() {
    let digest = |c: char| format!("sha256:{}", c.to_string().repeat(64));
    let history = vec![
        json!({"id": "d-2", "image": "ghcr.io/acme/api:2", "digest": digest('b'), "status": "live"}),
        json!({"id": "d-1", "image": "ghcr.io/acme/api:1", "digest": digest('a'), "status": "live"}),
    ];
    let (fake, _) = crate::fake_backend::FakeBackend::app("api", history, &[]);
    let token = "bim-mcp-rollback-token-123";
    let url = fake.url();
    runtime().block_on(async {
        let client = client_with(&[("BACKEND_IM_API_URL", &url), ("BACKEND_IM_API_TOKEN", token)]).await;
        let result = client
            .call_tool(call("rollback", json!({"app": "api", "timeout": "30s"})))
            .await
            .expect("rollback");
        let all = serde_json::to_string(&result).expect("result");
        assert_eq!(result.is_error, Some(false), "{all}");
        let report = result.structured_content.clone().expect("structured");
        assert_eq!((report["from"]["id"].as_str(), report["to"]["id"].as_str()), (Some("d-2"), Some("d-1")));
        assert_eq!(report["image"], format!("ghcr.io/acme/api@{}", digest('a')));
        assert_eq!(report["deployment"]["status"], "live");
        assert!(!all.contains(token));
        // Nothing earlier to go to: a tool error naming `to`.
        let again =
            client.call_tool(call("rollback", json!({"app": "api", "to": "d-9"}))).await.expect("a result");
        let text = serde_json::to_string(&again.content).expect("content");
        assert_eq!(again.is_error, Some(true), "{text}");
        assert!(text.contains("pass to ") && text.contains("d-9"), "{text}");
        client.cancel().await.expect("close");
    });
    assert_eq!(fake.requests()[1].json()["digest"], digest('a'));
}

#[test]
fn env_push_returns_names_only_and_the_value_goes_in_the_patch_body_alone() {
    let sentinel = "SENTINEL-mcp-env-3b8d1";
    let repo = Test::fixture("node-express-npm").args(&["init", "--yes"]).run().code(0);
    std::fs::write(
        repo.dir.path().join(".env"),
        format!("SENDGRID_API_KEY={sentinel}\nOTHER={sentinel}-2\n"),
    )
    .expect(".env");
    let (fake, state) = crate::fake_backend::FakeBackend::app("orders-api", vec![], &[]);
    let url = fake.url();
    runtime().block_on(async {
        let env = [("BACKEND_IM_API_URL", url.as_str()), ("BACKEND_IM_API_TOKEN", "bim-mcp-env-token")];
        let client = spawn(Some(repo.dir.path()), &env).await;
        for dry_run in [true, false] {
            let result =
                client.call_tool(call("env_push", json!({"dry_run": dry_run}))).await.expect("env_push");
            let all = serde_json::to_string(&result).expect("result");
            assert_eq!(result.is_error, Some(false), "{all}");
            assert!(!all.contains(sentinel), "a value in the result: {all}");
            let report = result.structured_content.clone().expect("structured");
            let action = if dry_run { "would_set" } else { "set" };
            assert_eq!(report["settings"], json!([{"name": "SENDGRID_API_KEY", "action": action}]), "{all}");
            assert_eq!(report["skipped"], json!(["OTHER"]));
            assert_eq!(report["missing"], json!(["DATABASE_URL"]));
        }
        client.cancel().await.expect("close");
    });
    assert_eq!(fake.count("PATCH"), 1, "the dry run sent nothing");
    assert_eq!(
        state.lock().expect("lock").settings.get("SENDGRID_API_KEY").map(String::as_str),
        Some(sentinel)
    );
    for r in fake.requests() {
        let seen = format!("{} {:?} {}", r.path, r.headers, if r.method == "PATCH" { "" } else { &r.body });
        assert!(!seen.contains(sentinel), "{seen}");
    }
}

fn call(name: &'static str, args: Value) -> CallToolRequestParams {
    CallToolRequestParams::new(name).with_arguments(args.as_object().expect("object").clone())
}

#[test]
fn the_tools_are_listed_with_their_annotations() {
    runtime().block_on(async {
        let client = client().await;
        let tools = client.list_all_tools().await.expect("tools/list");
        let names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
        for expected in
            ["detect", "plan", "init", "check", "run", "doctor", "deploy", "rollback", "env_push", "status"]
        {
            assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
        }
        let annotations = |name: &str| {
            let tool = tools.iter().find(|t| t.name == name).expect("tool");
            serde_json::to_value(tool.annotations.clone()).expect("annotations")
        };
        for read_only in ["detect", "plan", "check", "doctor", "status"] {
            assert_eq!(annotations(read_only)["readOnlyHint"], true, "{read_only}");
        }
        assert_eq!(annotations("init")["destructiveHint"], false);
        assert_eq!(annotations("init")["idempotentHint"], true);
        let init = tools.iter().find(|t| t.name == "init").expect("init");
        assert!(
            init.input_schema.get("properties").and_then(|p| p.get("path")).is_some(),
            "every tool takes path"
        );
        client.cancel().await.expect("close");
    });
}

#[test]
fn doctor_names_the_cause_of_a_failed_build_log() {
    let repo = Test::new();
    let log = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnosis/no-git.log"),
    )
    .expect("a captured log");
    runtime().block_on(async {
        let client = client_in(repo.path()).await;
        let result = client.call_tool(call("doctor", json!({"log": log}))).await.expect("doctor");
        assert_eq!(result.is_error, Some(false));
        let found = result.structured_content.clone().expect("structured");
        assert_eq!(found["diagnosis"]["id"], "no-git", "{found}");
        let quiet = client.call_tool(call("doctor", json!({"log": "all fine"}))).await.expect("doctor");
        assert!(quiet.structured_content.expect("structured")["diagnosis"].is_null());
    });
}

#[test]
fn plan_writes_nothing_init_writes_and_check_agrees() {
    let repo = Test::fixture("node-express-npm");
    let path = repo.path().display().to_string();
    runtime().block_on(async {
        let client = client_in(repo.path()).await;
        let detected = client.call_tool(call("detect", json!({"path": path}))).await.expect("detect");
        let services = &detected.structured_content.clone().expect("structured")["services"];
        assert_eq!(services[0]["language"], "node", "{services}");

        let plan = client.call_tool(call("plan", json!({"path": path, "port": 4100}))).await.expect("plan");
        assert_eq!(plan.is_error, Some(false));
        let planned = plan.structured_content.clone().expect("structured");
        assert!(planned["diff"].as_str().unwrap_or("").contains("+EXPOSE 4100"), "{planned}");
        assert!(!repo.path().join("Dockerfile").exists(), "plan writes nothing");
        let text = serde_json::to_string(&plan.content).expect("content");
        assert!(text.len() < 2_000, "the text is a short summary, the data is structured: {text}");

        let init = client.call_tool(call("init", json!({"path": path, "port": 4100}))).await.expect("init");
        assert_eq!(init.is_error, Some(false), "{init:?}");
        assert!(
            std::fs::read_to_string(repo.path().join("Dockerfile")).expect("written").contains("EXPOSE 4100")
        );

        let check = client.call_tool(call("check", json!({"path": path}))).await.expect("check");
        assert_eq!(check.structured_content.clone().expect("structured")["in_sync"], true);
        client.cancel().await.expect("close");
    });
}

#[test]
fn failures_are_tool_errors_that_name_what_to_pass_and_the_server_lives_on() {
    let empty = Test::new();
    let path = empty.path().display().to_string();
    runtime().block_on(async {
        let client = client_in(empty.path()).await;
        let nothing = client.call_tool(call("detect", json!({"path": path}))).await.expect("a tool result");
        assert_eq!(nothing.is_error, Some(true));
        assert_eq!(nothing.structured_content.clone().expect("structured")["error"]["exit_code"], 3);

        let bad =
            client.call_tool(call("plan", json!({"path": path, "language": "cobol"}))).await.expect("result");
        assert_eq!(bad.is_error, Some(true));
        let error = &bad.structured_content.clone().expect("structured")["error"];
        assert_eq!(error["hint"], "pass language", "{error}");
        // A flag's answer is refused under the tool argument's own name.
        let bad = client
            .call_tool(call("plan", json!({"path": path, "start_command": "node a.js\nrm -rf /"})))
            .await
            .expect("result");
        assert_eq!(bad.is_error, Some(true));
        let error = &bad.structured_content.clone().expect("structured")["error"];
        assert_eq!(error["hint"], "pass start_command", "{error}");

        let deploy = client
            .call_tool(call("deploy", json!({"path": path, "image": "ghcr.io/acme/api:1", "app": "api"})))
            .await
            .expect("result");
        assert_eq!(deploy.is_error, Some(true));
        let text = serde_json::to_string(&deploy.content).expect("content");
        assert!(text.contains("BACKEND_IM_API_TOKEN"), "{text}");

        // Still serving.
        assert!(client.list_all_tools().await.is_ok());
        client.cancel().await.expect("close");
    });
}

#[test]
fn mcp_install_adds_bim_beside_the_other_servers_and_refuses_broken_json() {
    let other = r#"{"mcpServers":{"db":{"command":"db-mcp","args":[]}},"x":1}"#;
    let run = Test::new().file(".mcp.json", other).args(&["mcp", "install", "--json"]).run().code(0);
    let config: Value = serde_json::from_str(&run.read(".mcp.json")).expect("JSON");
    assert_eq!(config["mcpServers"]["bim"], json!({"command": "bim", "args": ["mcp"]}));
    assert_eq!(config["mcpServers"]["db"]["command"], "db-mcp", "other servers are kept");
    assert_eq!(config["x"], 1);
    let root = run.dir.path().display().to_string();
    Test::new().args(&["mcp", "install", "--json", &root]).run().code(0).stdout_has("\"unchanged\"");
    Test::new().file(".mcp.json", "{oops").args(&["mcp", "install"]).run().code(4).stderr_has(".mcp.json");

    // --scope user: the user's Claude Code configuration, merged the same way.
    let home = Test::new().file(".claude.json", r#"{"numStartups":3}"#);
    let home_dir = home.path().display().to_string();
    let run = home.env("HOME", &home_dir).args(&["mcp", "install", "--scope", "user"]).run().code(0);
    let config: Value = serde_json::from_str(&run.read(".claude.json")).expect("JSON");
    assert_eq!(config["numStartups"], 3);
    assert_eq!(config["mcpServers"]["bim"]["command"], "bim");
}

/// A `~/.claude.json` kept in a dotfiles folder and linked into HOME stays a link: bim
/// writes the file it points at.
#[test]
fn mcp_install_for_the_user_writes_through_a_symlinked_claude_json() {
    let home = Test::new().file("dotfiles/claude.json", "\u{feff}{\"numStartups\":3}");
    std::os::unix::fs::symlink("dotfiles/claude.json", home.path().join(".claude.json")).expect("link");
    let home_dir = home.path().display().to_string();
    let run = home.env("HOME", &home_dir).args(&["mcp", "install", "--scope", "user"]).run().code(0);
    let link = run.dir.path().join(".claude.json");
    let meta = std::fs::symlink_metadata(&link).expect("lstat");
    assert!(meta.file_type().is_symlink(), "~/.claude.json is still a link");
    assert_eq!(std::fs::read_link(&link).expect("readlink"), std::path::Path::new("dotfiles/claude.json"));
    let config: Value = serde_json::from_str(&run.read("dotfiles/claude.json")).expect("JSON");
    assert_eq!(config["numStartups"], 3, "read through the link, byte order mark and all");
    assert_eq!(config["mcpServers"]["bim"]["command"], "bim");
    let leftovers: Vec<_> = std::fs::read_dir(run.dir.path().join("dotfiles"))
        .expect("dotfiles")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left beside it: {leftovers:?}");

    // A link to nothing is not replaced by a plain file.
    let home = Test::new();
    std::os::unix::fs::symlink("gone/claude.json", home.path().join(".claude.json")).expect("link");
    let home_dir = home.path().display().to_string();
    let run = home.env("HOME", &home_dir).args(&["mcp", "install", "--scope", "user"]).run();
    let run = run.code(2).stderr_has("is a symlink that cannot be followed");
    assert!(std::fs::symlink_metadata(run.dir.path().join(".claude.json")).expect("lstat").is_symlink());
}

#[test]
fn the_skill_has_portable_frontmatter_and_a_persons_skill_is_left_alone() {
    let run = Test::new().args(&["skill", "install"]).run().code(0);
    let skill = run.read(".claude/skills/backend-im/SKILL.md");
    let front = skill
        .strip_prefix("---\n")
        .and_then(|s| s.split_once("\n---\n"))
        .map(|(f, _)| f)
        .expect("frontmatter");
    let keys: Vec<&str> = front.lines().filter_map(|l| l.split_once(':').map(|(k, _)| k)).collect();
    assert_eq!(keys, ["name", "description"], "only the portable keys");
    assert!(front.lines().any(|l| l == "name: backend-im"), "the name is the folder's");
    let description = front.lines().find_map(|l| l.strip_prefix("description: ")).expect("description");
    assert!(!description.is_empty() && description.len() <= 1024);
    assert!(skill.lines().count() < 500);

    assert!(skill.contains("bim detect --json") && skill.contains("Never commit `.env`"));
    let root = run.dir.path().display().to_string();
    Test::new().args(&["skill", "install", &root]).run().code(0).stdout_has("unchanged");

    // Edited since bim wrote it: left alone, unless --force.
    let path = run.dir.path().join(".claude/skills/backend-im/SKILL.md");
    std::fs::write(&path, format!("{skill}\nAlso: run the linters first.\n")).expect("edit");
    Test::new().args(&["skill", "install", &root]).run().code(0).stdout_has("edited since bim wrote it");
    assert!(run.read(".claude/skills/backend-im/SKILL.md").contains("run the linters first"));
    Test::new().args(&["skill", "install", "--force", &root]).run().code(0);
    assert_eq!(run.read(".claude/skills/backend-im/SKILL.md"), skill);

    let mine = Test::new()
        .file(".claude/skills/backend-im/SKILL.md", "---\nname: backend-im\ndescription: mine\n---\n")
        .args(&["skill", "install"])
        .run()
        .code(0);
    assert_eq!(
        mine.read(".claude/skills/backend-im/SKILL.md"),
        "---\nname: backend-im\ndescription: mine\n---\n"
    );
    assert!(mine.stdout.contains("skipped"), "{}", mine.stdout);
}

/// `mcp-inspector --cli bim mcp ARGS` run in `dir`: its exit code and JSON output.
fn inspector(dir: &Path, args: &[&str]) -> (i32, Value) {
    let (node_bin, inspector) = crate::tools::mcp_inspector();
    let path = format!("{}:{}", node_bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = std::process::Command::new(inspector)
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("BACKEND_IM_API_TOKEN")
        .args(["--cli", env!("CARGO_BIN_EXE_bim"), "mcp"])
        .args(args)
        .output()
        .expect("run mcp-inspector");
    let text = String::from_utf8_lossy(&out.stdout);
    let value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!("mcp-inspector printed no JSON ({e}):\n{text}\n{}", String::from_utf8_lossy(&out.stderr))
    });
    (out.status.code().unwrap_or(-1), value)
}

#[test]
fn the_mcp_inspector_lists_and_calls_the_tools() {
    let fixtures = crate::harness::fixtures_dir();
    let (code, listed) = inspector(&fixtures, &["--method", "tools/list"]);
    assert_eq!(code, 0, "{listed}");
    let names: Vec<&str> =
        listed["tools"].as_array().expect("tools").iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names.len(), 10, "{names:?}");
    let fixture = fixtures.join("go-stdlib").display().to_string();
    let (code, detected) = inspector(
        &fixtures,
        &["--method", "tools/call", "--tool-name", "detect", "--tool-arg", &format!("path={fixture}")],
    );
    assert_eq!(code, 0, "{detected}");
    assert_eq!(detected["structuredContent"]["services"][0]["language"], "go", "{detected}");
    let empty = Test::new();
    let (code, failed) = inspector(
        empty.path(),
        &[
            "--method",
            "tools/call",
            "--tool-name",
            "detect",
            "--tool-arg",
            &format!("path={}", empty.path().display()),
        ],
    );
    assert_eq!(code, 5, "a tool error is the inspector's exit 5: {failed}");
}

#[test]
fn every_tool_refuses_a_path_outside_the_servers_folder() {
    let app = Test::fixture("node-express-npm");
    let outside = app.path().to_path_buf();
    let root = Test::fixture("node-express-npm");
    std::os::unix::fs::symlink(&outside, root.path().join("elsewhere")).expect("link");
    std::os::unix::fs::symlink(".", root.path().join("here")).expect("link");
    let temp = outside.parent().and_then(Path::file_name).expect("temp folder").to_string_lossy();
    let up = format!("../../{temp}/node-express-npm");
    let far = outside.display().to_string();
    let root_dir = std::fs::canonicalize(root.path()).expect("root").display().to_string();
    runtime().block_on(async {
        let client = client_in(root.path()).await;
        for path in [None, Some("."), Some("here"), Some(root_dir.as_str())] {
            let args = path.map_or(json!({}), |p| json!({"path": p}));
            let inside = client.call_tool(call("detect", args)).await.expect("detect");
            assert_eq!(inside.is_error, Some(false), "{path:?} is inside: {inside:?}");
        }
        for path in [far.as_str(), up.as_str(), "elsewhere", "elsewhere/."] {
            for (tool, mut args) in [
                ("detect", json!({})),
                ("plan", json!({})),
                ("init", json!({})),
                ("check", json!({})),
                ("run", json!({})),
                ("deploy", json!({"image": "ghcr.io/acme/api:1", "app": "api"})),
                ("rollback", json!({"app": "api"})),
                ("env_push", json!({"dry_run": true})),
                ("status", json!({"id": "d-1"})),
            ] {
                args["path"] = json!(path);
                let refused = client.call_tool(call(tool, args)).await.expect("a tool result");
                let text = serde_json::to_string(&refused.content).expect("content");
                assert_eq!(refused.is_error, Some(true), "{tool} {path}: {text}");
                assert!(text.contains("outside") && text.contains(&root_dir), "{tool} {path}: {text}");
                assert!(text.contains(path), "the refusal names the path: {text}");
            }
        }
        client.cancel().await.expect("close");
    });
    assert!(!outside.join("Dockerfile").exists() && !outside.join("bim.toml").exists(), "nothing written");
}

/// `bim mcp` over raw pipes: each line the server prints arrives as parsed JSON.
struct Raw {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::mpsc::Receiver<String>,
}

/// Long enough for a slow machine; a server that never answers fails the test after it.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

impl Raw {
    fn start() -> Raw {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bim"))
            .arg("mcp")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn bim mcp");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Raw { stdin: child.stdin.take(), child, lines }
    }

    fn send(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).and_then(|()| stdin.flush()).expect("write to bim mcp");
    }

    /// The next line the server prints, as JSON.
    fn answer(&self) -> Value {
        let line = self.lines.recv_timeout(ANSWER_WITHIN).expect("an answer from bim mcp");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not one JSON message ({e}): {line}"))
    }

    fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send(format!("{request}\n").as_bytes());
        self.answer()
    }

    fn initialize(&mut self) {
        let params = json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "1"}
        });
        let answer = self.request(1, "initialize", params);
        assert_eq!(answer["result"]["serverInfo"]["name"], "bim", "{answer}");
        self.send(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
    }

    /// Closes stdin and waits for the server to end, as it must.
    fn close(mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        let deadline = std::time::Instant::now() + ANSWER_WITHIN;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(std::time::Instant::now() < deadline, "bim mcp did not end when stdin closed");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn error_of(answer: &Value) -> (i64, &Value) {
    (answer["error"]["code"].as_i64().unwrap_or_else(|| panic!("not an error: {answer}")), &answer["id"])
}

#[test]
fn malformed_lines_get_a_json_rpc_error_and_the_server_serves_on() {
    let mut server = Raw::start();
    for bad in [&b"this is not json\n"[..], b"{\"jsonrpc\": \"2.0\", \"method\": \n", b"\xff\xfe\n"] {
        server.send(bad);
        let answer = server.answer();
        assert_eq!(error_of(&answer), (-32700, &Value::Null), "{}: {answer}", String::from_utf8_lossy(bad));
    }
    server.initialize();
    server.send(b"[1, 2, 3]\n");
    assert_eq!(error_of(&server.answer()), (-32600, &Value::Null));
    server.send(b"{\"id\": 5, \"method\": \"ping\"}\n");
    assert_eq!(error_of(&server.answer()), (-32600, &json!(5)), "JSON, but not JSON-RPC 2.0");
    server.send(b"not json either\n");
    assert_eq!(error_of(&server.answer()).0, -32700);
    let tools = server.request(2, "tools/list", json!({}));
    assert_eq!(tools["result"]["tools"].as_array().map(Vec::len), Some(10), "{tools}");
    assert!(server.close().success());

    // A client that sends only garbage and leaves: answered, and the server ends cleanly.
    let mut early = Raw::start();
    early.send(b"garbage\n");
    assert_eq!(error_of(&early.answer()).0, -32700);
    assert!(early.close().success());
}

#[test]
fn an_oversized_line_is_refused_before_it_ends_and_the_server_serves_on() {
    let mut server = Raw::start();
    server.initialize();
    // Five MiB and no newline yet: the refusal must come now, not when the line ends.
    server.send(b"{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\",\"params\":{\"pad\":\"");
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..5 {
        server.send(&chunk);
    }
    let refused = server.answer();
    assert_eq!(error_of(&refused), (-32600, &Value::Null), "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap_or("").contains("4 MiB"), "{refused}");
    for _ in 0..20 {
        server.send(&chunk);
    }
    server.send(b"\"}}\n");
    let pong = server.request(3, "ping", json!({}));
    assert_eq!(pong["id"], 3, "the rest of the long line was skipped, not read as a message: {pong}");
    assert!(pong.get("result").is_some(), "{pong}");
    // A line that never ends: refused, and the server ends cleanly when stdin closes.
    for _ in 0..5 {
        server.send(&chunk);
    }
    assert_eq!(error_of(&server.answer()).0, -32600);
    assert!(server.close().success());
}

#[test]
fn plan_and_init_take_the_ci_choice() {
    let repo = Test::fixture("go-stdlib");
    let path = repo.path().display().to_string();
    runtime().block_on(async {
        let client = client_in(repo.path()).await;
        let plan = client.call_tool(call("plan", json!({"path": path, "ci": "gitlab"}))).await.expect("plan");
        assert_eq!(plan.is_error, Some(false), "{plan:?}");
        let planned = plan.structured_content.clone().expect("structured");
        assert_eq!(planned["answers"]["ci"], "gitlab", "{planned}");
        let paths: Vec<&str> =
            planned["files"].as_array().expect("files").iter().filter_map(|f| f["path"].as_str()).collect();
        assert!(
            paths.contains(&".gitlab-ci.yml") && !paths.iter().any(|p| p.starts_with(".github/")),
            "{paths:?}"
        );
        assert!(!repo.path().join(".gitlab-ci.yml").exists(), "plan writes nothing");
        let wrong =
            client.call_tool(call("plan", json!({"path": path, "ci": "jenkins"}))).await.expect("result");
        assert_eq!(wrong.is_error, Some(true));
        let init = client.call_tool(call("init", json!({"path": path, "ci": "gitlab"}))).await.expect("init");
        assert_eq!(init.is_error, Some(false), "{init:?}");
        assert!(repo.path().join(".gitlab-ci.yml").exists());
        client.cancel().await.expect("close");
    });
}

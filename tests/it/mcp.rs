//! `bim mcp` driven by a real MCP client (rmcp's, over the child's stdio): the tools and
//! their annotations, structured results, a plan that writes nothing, an init that
//! writes, and failures that are tool errors naming what to pass, not a dead server.

use rmcp::model::CallToolRequestParams;
use rmcp::service::ServiceExt;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use serde_json::{Value, json};

use crate::harness::Test;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio")
}

async fn client() -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    client_with(&[]).await
}

/// A client of `bim mcp` started with these environment variables (and no token otherwise).
async fn client_with(env: &[(&str, &str)]) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let bin = assert_cmd::cargo::cargo_bin("bim");
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let transport = TokioChildProcess::new(tokio::process::Command::new(bin).configure(|cmd| {
        cmd.arg("mcp").env_remove("BACKEND_IM_API_TOKEN").env_remove("BACKEND_IM_API_URL");
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

fn call(name: &'static str, args: Value) -> CallToolRequestParams {
    CallToolRequestParams::new(name).with_arguments(args.as_object().expect("object").clone())
}

#[test]
fn the_tools_are_listed_with_their_annotations() {
    runtime().block_on(async {
        let client = client().await;
        let tools = client.list_all_tools().await.expect("tools/list");
        let names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
        for expected in ["detect", "plan", "init", "check", "run", "deploy", "status"] {
            assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
        }
        let annotations = |name: &str| {
            let tool = tools.iter().find(|t| t.name == name).expect("tool");
            serde_json::to_value(tool.annotations.clone()).expect("annotations")
        };
        for read_only in ["detect", "plan", "check", "status"] {
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
fn plan_writes_nothing_init_writes_and_check_agrees() {
    let repo = Test::fixture("node-express-npm");
    let path = repo.path().display().to_string();
    runtime().block_on(async {
        let client = client().await;
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
        let client = client().await;
        let nothing = client.call_tool(call("detect", json!({"path": path}))).await.expect("a tool result");
        assert_eq!(nothing.is_error, Some(true));
        assert_eq!(nothing.structured_content.clone().expect("structured")["error"]["exit_code"], 3);

        let bad =
            client.call_tool(call("plan", json!({"path": path, "language": "cobol"}))).await.expect("result");
        assert_eq!(bad.is_error, Some(true));
        let error = &bad.structured_content.clone().expect("structured")["error"];
        assert_eq!(error["hint"], "pass language", "{error}");

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

/// `mcp-inspector --cli bim mcp ARGS`: its exit code and JSON output.
fn inspector(args: &[&str]) -> (i32, Value) {
    let (node_bin, inspector) = crate::tools::mcp_inspector();
    let path = format!("{}:{}", node_bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = std::process::Command::new(inspector)
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
    let (code, listed) = inspector(&["--method", "tools/list"]);
    assert_eq!(code, 0, "{listed}");
    let names: Vec<&str> =
        listed["tools"].as_array().expect("tools").iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names.len(), 7, "{names:?}");
    let fixture = crate::harness::fixtures_dir().join("go-stdlib").display().to_string();
    let (code, detected) = inspector(&[
        "--method",
        "tools/call",
        "--tool-name",
        "detect",
        "--tool-arg",
        &format!("path={fixture}"),
    ]);
    assert_eq!(code, 0, "{detected}");
    assert_eq!(detected["structuredContent"]["services"][0]["language"], "go", "{detected}");
    let empty = Test::new();
    let (code, failed) = inspector(&[
        "--method",
        "tools/call",
        "--tool-name",
        "detect",
        "--tool-arg",
        &format!("path={}", empty.path().display()),
    ]);
    assert_eq!(code, 5, "a tool error is the inspector's exit 5: {failed}");
}

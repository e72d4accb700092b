//! `bim mcp`: a stdio MCP server inside the CLI, for AI coding agents. Each tool is a thin
//! layer over the function the matching command uses (detect, plan as `init --dry-run`,
//! init, check, deploy, rollback, env_push, status); it never prompts. Results are structured content plus a
//! short text, kept well under an agent's token limits; a failure is a tool error that
//! says what to pass, never a dead server. Tokio lives here only: the rest of bim is
//! synchronous.
//!
//! The client is not trusted: every line is checked before rmcp reads it (`lines`), and
//! every tool's `path` must resolve inside the folder the server was started in.

mod lines;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, ServerCapabilities, ServerConfig};
use rmcp::schemars::{self, JsonSchema};
use rmcp::{ErrorData, ServerHandler, ServiceExt, tool, tool_handler, tool_router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::answers::Overrides;
use crate::commands;
use crate::error::Error;

/// Largest diff a `plan` result carries; a longer one is cut, saying so.
const MAX_DIFF_CHARS: usize = 12_000;
/// Longest failure reason a `deploy` result carries.
const MAX_REASON_CHARS: usize = 2_000;

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct PathArgs {
    /// The repository (default: the server's working folder; it must be inside that folder)
    #[serde(default)]
    pub path: Option<String>,
}

/// The log `doctor` reads.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct DoctorArgs {
    /// The failed build's or start's log, as text (a CI run's, or `run`'s)
    pub log: String,
}

/// The answers `plan` and `init` take: `bim init`'s flags, each an argument of the same
/// name (`start_command` for `--start-command`).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct InitArgs {
    /// The repository (default: the server's working folder; it must be inside that folder)
    #[serde(default)]
    pub path: Option<String>,
    /// Overwrite files bim did not make, and take bim's side of a conflict
    #[serde(default)]
    pub force: bool,
    #[serde(flatten)]
    pub overrides: Overrides,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct DeployArgs {
    /// The repository, for its bim.toml (default: the server's working folder; it must be inside that folder)
    #[serde(default)]
    pub path: Option<String>,
    /// The image to deploy, e.g. ghcr.io/acme/api:sha-1234567
    pub image: String,
    /// The Backend.im app (default: from bim.toml)
    pub app: Option<String>,
    pub digest: Option<String>,
    /// How long to wait until live, e.g. 15m (default 15m)
    pub timeout: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct RunArgs {
    /// The repository (default: the server's working folder; it must be inside that folder)
    #[serde(default)]
    pub path: Option<String>,
    /// The service, where bim.toml has several (its path or app name)
    pub service: Option<String>,
    /// docker or podman (default: whichever is installed, docker first)
    pub engine: Option<String>,
    /// How long to wait for the app to answer, e.g. 90s (default 90s)
    pub timeout: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct RollbackArgs {
    /// The repository, for its bim.toml (default: the server's working folder; it must be inside that folder)
    #[serde(default)]
    pub path: Option<String>,
    /// The Backend.im app (default: from bim.toml)
    pub app: Option<String>,
    /// A digest (sha256:...) or deployment id to go back to (default: the newest earlier live one with another image)
    pub to: Option<String>,
    /// How long to wait until live, e.g. 15m (default 15m)
    pub timeout: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct EnvPushArgs {
    /// The repository, for its bim.toml and .env (default: the server's working folder; it must be inside that folder)
    #[serde(default)]
    pub path: Option<String>,
    /// The service whose variables go, where bim.toml has several (its path or app name)
    pub service: Option<String>,
    /// The Backend.im app to set (default: the service's)
    pub app: Option<String>,
    /// List the names that would be sent, and send nothing
    #[serde(default)]
    pub dry_run: bool,
    /// Set the workflow's GitHub Actions secrets and variables with `gh` instead
    #[serde(default)]
    pub gh: bool,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct StatusArgs {
    /// The repository, for its bim.toml (default: the server's working folder; it must be inside that folder)
    #[serde(default)]
    pub path: Option<String>,
    /// The deployment id `deploy` returned
    pub id: String,
}

/// The folder a tool's `path` names, resolved (symlinks and `..` too) and refused unless
/// it is `root` or inside it: an agent, or a prompt injected into one, must not reach
/// beyond the folder it was given.
fn confine(root: &Path, path: &Option<String>) -> Result<PathBuf, Error> {
    let Some(given) = path else {
        return Ok(root.to_path_buf());
    };
    let joined = root.join(given);
    let real = std::fs::canonicalize(&joined).map_err(|_| Error::NotADirectory(joined))?;
    if !real.starts_with(root) {
        return Err(Error::Usage {
            message: format!(
                "path {given} is outside the folder this MCP server serves, {} (it resolves to {})",
                root.display(),
                real.display()
            ),
            flag: Some(format!(
                "a path inside {}, or start `bim mcp` in a folder that holds it",
                root.display()
            )),
        });
    }
    Ok(real)
}

/// A tool's answer: the data as structured content, and a line of text for people.
fn answer(value: Value, summary: String) -> CallToolResult {
    let mut result = CallToolResult::structured(value);
    result.content = vec![ContentBlock::text(summary)];
    result
}

/// A flag spelled as the tool argument of the same name (`--start-command X` is
/// `start_command X`): the tools take the flags' answers under their own names.
fn as_arguments(flag: &str) -> String {
    flag.split(' ')
        .map(|word| match word.strip_prefix("--") {
            Some(name) if name.starts_with(|c: char| c.is_ascii_lowercase()) => name.replace('-', "_"),
            _ => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A failure an agent can act on: what went wrong and the argument to pass.
fn failure(err: &Error) -> CallToolResult {
    let spelled;
    let err = match err {
        Error::Usage { message, flag: Some(flag) } => {
            spelled = Error::Usage { message: message.clone(), flag: Some(as_arguments(flag)) };
            &spelled
        }
        other => other,
    };
    let value = json!({"error": err.to_json()});
    let hint = err.hint().map(|h| format!(" ({h})")).unwrap_or_default();
    let mut result = CallToolResult::structured_error(value);
    result.content = vec![ContentBlock::text(format!("error: {err}{hint}"))];
    result
}

/// A report as JSON, for a tool's structured content.
fn value<T: serde::Serialize>(report: &T) -> Result<Value, Error> {
    serde_json::to_value(report).map_err(|e| Error::Internal(e.to_string()))
}

fn run(outcome: Result<(Value, String), Error>) -> Result<CallToolResult, ErrorData> {
    Ok(match outcome {
        Ok((value, summary)) => answer(value, summary),
        Err(err) => failure(&err),
    })
}

/// A tool's `timeout` argument (`90s`, `15m`), or `default` when it is not given.
fn timeout_arg(value: &Option<String>, default: Duration, flag: &str) -> Result<Duration, Error> {
    value
        .as_deref()
        .map(commands::deploy::parse_duration)
        .transpose()
        .map(|t| t.unwrap_or(default))
        .map_err(|message| Error::Usage { message, flag: Some(flag.into()) })
}

/// `init`'s report, with the diff of what changes (cut to a size an agent can read).
fn init_report(root: &Path, args: &InitArgs, dry_run: bool) -> Result<(Value, String), Error> {
    let options = commands::init::InitOptions {
        path: confine(root, &args.path)?,
        overrides: args.overrides.clone(),
        dry_run,
        force: args.force,
    };
    let report = commands::init::run(options, None)?;
    let mut value = value(&report)?;
    let mut diff: String = report
        .files
        .iter()
        .filter(|f| f.changes() && f.kind != crate::ownership::FileKind::Rendered)
        .map(|f| f.diff())
        .collect();
    if diff.len() > MAX_DIFF_CHARS {
        let cut = (0..=MAX_DIFF_CHARS).rev().find(|&i| diff.is_char_boundary(i)).unwrap_or(0);
        diff.truncate(cut);
        diff.push_str("\n[diff cut here: run `bim init --dry-run` for all of it]\n");
    }
    value["diff"] = Value::String(diff);
    let count = |action| report.files.iter().filter(|f| f.action == action).count();
    use crate::apply::Action;
    let conflicts = count(Action::Conflict);
    let verb = if dry_run { "would change" } else { "changed" };
    let mut summary = format!(
        "{} services; {verb} {} files ({} unchanged, {} skipped)",
        report.answers.services.len(),
        report.files.iter().filter(|f| f.changes()).count(),
        count(Action::Unchanged),
        count(Action::Skipped),
    );
    if conflicts > 0 {
        summary.push_str(&format!(
            "; {conflicts} in conflict with hand edits (left as they are; pass force: true to take bim's version)"
        ));
    }
    Ok((value, summary))
}

/// A deployment's failure reason, cut to its last `MAX_REASON_CHARS`.
fn cut_reason(deployment: &mut Value) {
    if let Some(reason) = deployment.get("error").and_then(Value::as_str).map(str::to_string)
        && reason.len() > MAX_REASON_CHARS
    {
        let start = reason.len() - MAX_REASON_CHARS;
        let start = (start..reason.len()).find(|&i| reason.is_char_boundary(i)).unwrap_or(0);
        deployment["error"] = Value::String(format!("[cut] {}", &reason[start..]));
    }
}

fn connection() -> commands::deploy::Connection {
    // No `api_url` argument: an agent reading a hostile repository could pass its host.
    // Only BACKEND_IM_API_URL or a host the person confirmed earlier gets the token.
    commands::deploy::Connection { token_file: None, request_timeout: Duration::from_secs(30), api_url: None }
}

/// The MCP server: one tool per command.
#[derive(Clone)]
pub struct Bim {
    #[allow(dead_code, reason = "read by the tool_handler macro")]
    tool_router: ToolRouter<Self>,
    /// The folder the server was started in, resolved: no tool reaches outside it.
    root: Arc<PathBuf>,
}

#[tool_router]
impl Bim {
    fn new(root: PathBuf) -> Self {
        Bim { tool_router: Self::tool_router(), root: Arc::new(root) }
    }

    fn folder(&self, path: &Option<String>) -> Result<PathBuf, Error> {
        confine(&self.root, path)
    }

    /// The folder, and the `timeout` argument or `default`: the tools that wait take both.
    fn folder_and_timeout(
        &self,
        path: &Option<String>,
        timeout: &Option<String>,
        default: Duration,
        flag: &str,
    ) -> Result<(PathBuf, Duration), Error> {
        let timeout = timeout_arg(timeout, default, flag);
        self.folder(path).and_then(|p| timeout.map(|t| (p, t)))
    }

    #[tool(
        description = "Detect the app(s) in a repository: language, framework, package manager, runtime version, build/start/test commands, port, health check, environment variables, system packages, each with evidence. Read-only.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn detect(&self, Parameters(args): Parameters<PathArgs>) -> Result<CallToolResult, ErrorData> {
        run(self.folder(&args.path).and_then(|path| commands::detect::run(&path)).and_then(|detection| {
            let summary = detection
                .services
                .iter()
                .map(|s| format!("{} ({}): {} {}", s.name, s.path, s.language, s.framework))
                .collect::<Vec<_>>()
                .join("; ");
            Ok((value(&detection)?, summary))
        }))
    }

    #[tool(
        description = "Plan `bim init` without writing: the answers bim would use, each file's action (created, updated, merged, unchanged, skipped, conflict) and a unified diff. Takes the same answers as init. Read-only.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn plan(&self, Parameters(args): Parameters<InitArgs>) -> Result<CallToolResult, ErrorData> {
        run(init_report(&self.root, &args, true))
    }

    #[tool(
        description = "Write the deploy setup: Dockerfile, .dockerignore, GitHub Actions workflow, dependabot.yml, .env.example, README section and bim.toml. Hand edits to bim's files are merged, never lost; files bim did not make are left alone unless force. Returns the init report and the diff.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn init(&self, Parameters(args): Parameters<InitArgs>) -> Result<CallToolResult, ErrorData> {
        run(init_report(&self.root, &args, false))
    }

    #[tool(
        description = "Check the generated files against bim.toml: per file in sync, edited by hand, out of date, or missing. Read-only.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn check(&self, Parameters(args): Parameters<PathArgs>) -> Result<CallToolResult, ErrorData> {
        run(self.folder(&args.path).and_then(|path| commands::check::run(&path)).and_then(|report| {
            let drifted = report.files.iter().filter(|f| f.changes()).count();
            let summary = if report.in_sync {
                "every generated file matches bim.toml".to_string()
            } else {
                format!("{drifted} files drifted from bim.toml: run init to regenerate them")
            };
            Ok((value(&report)?, summary))
        }))
    }

    #[tool(
        description = "Name the cause of a failed image build or start from its log (a CI run's, or run's), and the exact change that fixes it, from bim's table of known failures. `run` reports the same diagnosis itself. Read-only.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn doctor(&self, Parameters(args): Parameters<DoctorArgs>) -> Result<CallToolResult, ErrorData> {
        let found = crate::diagnosis::diagnose("any", &args.log);
        let summary = match &found {
            Some(d) => format!("{}: {}", d.cause, d.fix),
            None => "no known cause in this log; its last lines name the failing step".into(),
        };
        run(Ok((json!({ "diagnosis": found }), summary)))
    }

    #[tool(
        description = "Build the image here with docker or podman, run it with .env's values, and stop as soon as it answers on its port: proof the image works before a push. Fails with the build log, the crash's last log lines, or no answer.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn run(&self, Parameters(args): Parameters<RunArgs>) -> Result<CallToolResult, ErrorData> {
        let (path, timeout) = match self.folder_and_timeout(
            &args.path,
            &args.timeout,
            Duration::from_secs(90),
            "timeout, e.g. 90s",
        ) {
            Ok(checked) => checked,
            Err(e) => return run(Err(e)),
        };
        let options = commands::run::RunOptions {
            path,
            service: args.service,
            engine: args.engine,
            check: true,
            timeout,
        };
        let outcome = tokio::task::spawn_blocking(move || commands::run::run(&options, &mut |_| {}))
            .await
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        run(outcome.and_then(|report| {
            let summary = format!("{} answered {} at {}", report.app, report.status, report.url);
            Ok((value(&report)?, summary))
        }))
    }

    #[tool(
        description = "[experimental] Ask Backend.im to deploy an image and wait until it is live, failed or canceled. Needs BACKEND_IM_API_TOKEN in the server's environment; sends it only to BACKEND_IM_API_URL or https://api.backend.im, or to a bim.toml api_url the person confirmed at a terminal.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn deploy(&self, Parameters(args): Parameters<DeployArgs>) -> Result<CallToolResult, ErrorData> {
        let (path, timeout) = match self.folder_and_timeout(
            &args.path,
            &args.timeout,
            Duration::from_secs(15 * 60),
            "timeout, e.g. 15m",
        ) {
            Ok(checked) => checked,
            Err(e) => return run(Err(e)),
        };
        let options = commands::deploy::DeployOptions {
            image: args.image.clone(),
            app: args.app.clone(),
            digest: args.digest.clone(),
            commit: None,
            git_ref: None,
            wait: commands::deploy::Wait { wait: true, timeout, poll_interval: Duration::from_secs(3) },
            connection: connection(),
            path,
        };
        run(commands::deploy::deploy(&options, None, &mut |_| {}).and_then(|deployment| {
            let summary = format!(
                "deployment {} {}{}",
                deployment.id,
                deployment.status.as_str(),
                deployment.url.as_ref().map(|u| format!(" at {u}")).unwrap_or_default()
            );
            let mut value = value(&deployment)?;
            cut_reason(&mut value);
            Ok((value, summary))
        }))
    }

    #[tool(
        description = "[experimental] Roll an app back: redeploy, by digest, the newest live image before the one serving now (or the digest or deployment id in `to`), and wait until it is live. Returns from, to, the image (name@digest) and the new deployment. Same token rules as deploy.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn rollback(
        &self,
        Parameters(args): Parameters<RollbackArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let (path, timeout) = match self.folder_and_timeout(
            &args.path,
            &args.timeout,
            Duration::from_secs(15 * 60),
            "timeout, e.g. 15m",
        ) {
            Ok(checked) => checked,
            Err(e) => return run(Err(e)),
        };
        let options = commands::rollback::RollbackOptions {
            app: args.app,
            to: args.to,
            wait: commands::deploy::Wait { wait: true, timeout, poll_interval: Duration::from_secs(3) },
            connection: connection(),
            path,
        };
        run(commands::rollback::rollback(&options, None, &mut |_| {}).and_then(|report| {
            let summary = format!(
                "{} back to the image of {} ({}): deployment {} {}",
                report.app,
                report.to.id,
                report.image,
                report.deployment.id,
                report.deployment.status.as_str()
            );
            let mut value = value(&report)?;
            cut_reason(&mut value["deployment"]);
            Ok((value, summary))
        }))
    }

    #[tool(
        description = "[experimental] Send .env's values for the variables the app reads (bim.toml's env_vars) to Backend.im's settings for the app; with gh: true, set the GitHub Actions secrets and variables the workflow reads with `gh`. Returns names only, never a value: each one's action (set, changed, unchanged, sent; would_set, would_replace with dry_run), the names skipped and missing.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn env_push(&self, Parameters(args): Parameters<EnvPushArgs>) -> Result<CallToolResult, ErrorData> {
        let pushed = self.folder(&args.path).and_then(|path| {
            let options = commands::env_push::EnvPushOptions {
                path,
                service: args.service,
                app: args.app,
                dry_run: args.dry_run,
                gh: args.gh,
                connection: connection(),
            };
            commands::env_push::push(&options, None)
        });
        run(pushed.and_then(|report| {
            let verb = if report.dry_run { "would send" } else { "sent" };
            let summary = format!(
                "{verb} {} settings to {} ({}); skipped {}; missing from .env {}",
                report.settings.len(),
                report.target,
                report.app,
                report.skipped.len(),
                report.missing.len()
            );
            Ok((value(&report)?, summary))
        }))
    }

    #[tool(
        description = "[experimental] A Backend.im deployment's state (queued, building, deploying, live, failed, canceled) and URL. Read-only.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn status(&self, Parameters(args): Parameters<StatusArgs>) -> Result<CallToolResult, ErrorData> {
        let status = self
            .folder(&args.path)
            .and_then(|path| commands::deploy::status(&args.id, &connection(), &path, None));
        run(status.and_then(|d| {
            let summary = format!("deployment {} {}", d.id, d.status.as_str());
            Ok((value(&d)?, summary))
        }))
    }
}

#[tool_handler]
impl ServerHandler for Bim {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(rmcp::model::Implementation::new("bim", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "bim sets up a repository to deploy to Backend.im on every push. Call detect, then plan \
             (read the diff), then init; check verifies the files; deploy, rollback, env_push and status talk to Backend.im.",
            )
    }
}

/// Bytes in flight between the line layer and rmcp, each way.
const PIPE_BYTES: usize = 64 * 1024;

/// Serves MCP on stdin and stdout until the client closes them. The tools reach only the
/// folder it was started in.
pub fn serve() -> Result<(), Error> {
    let here = std::env::current_dir().and_then(std::fs::canonicalize);
    let root = here.map_err(|e| Error::Internal(format!("the MCP server has no working folder: {e}")))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("could not start the MCP server: {e}")))?;
    let served = runtime.block_on(async {
        let out = Arc::new(tokio::sync::Mutex::new(tokio::io::stdout()));
        let (to_server, server_in) = tokio::io::duplex(PIPE_BYTES);
        let (server_out, from_server) = tokio::io::duplex(PIPE_BYTES);
        tokio::spawn(lines::forward_input(tokio::io::stdin(), to_server, out.clone()));
        let output = tokio::spawn(lines::forward_output(from_server, out));
        let service = match Bim::new(root).serve((server_in, server_out)).await {
            Ok(service) => service,
            // A client that leaves before it says hello is no fault of bim's.
            Err(rmcp::service::ServerInitializeError::ConnectionClosed(_)) => return Ok(()),
            Err(e) => return Err(Error::Internal(format!("MCP: {e}"))),
        };
        service.waiting().await.map_err(|e| Error::Internal(format!("MCP: {e}")))?;
        // rmcp's last answers reach stdout before the process ends.
        let _ = output.await;
        Ok(())
    });
    // A read from stdin cannot be cancelled: do not wait for one when rmcp ended first.
    runtime.shutdown_background();
    served
}

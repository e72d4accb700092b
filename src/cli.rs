//! The command line: clap types, and their translation into the library's plain options.
//! Nothing outside this module sees clap.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::answers::Overrides;
use crate::commands::init::InitOptions;
use crate::error::{Error, exit};
use crate::{commands, output};

#[derive(Parser, Debug)]
#[command(name = "bim", version = crate::render::version(), about = "Take a repository to deployed-on-every-push on Backend.im")]
pub struct Cli {
    /// When to use colour: auto (a terminal, and NO_COLOR unset), always or never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Detect the app and write its Dockerfile, workflow, .env.example, README section and bim.toml
    Init(Box<InitArgs>),
    /// Print what bim finds in a repository, and why
    Detect {
        /// The repository (default: the current folder)
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Print the documented JSON report instead of text
        #[arg(long)]
        json: bool,
        /// Show the evidence behind every answer
        #[arg(long, short)]
        verbose: bool,
    },
    /// [experimental] Ask Backend.im to deploy an image, and optionally wait until it is live
    Deploy(Box<DeployArgs>),
    /// [experimental] Redeploy the image that was live before this one, by digest
    Rollback(Box<RollbackArgs>),
    /// [experimental] The app's settings from .env: `bim env push`
    Env {
        #[command(subcommand)]
        action: EnvAction,
    },
    /// [experimental] Show a Backend.im deployment's state
    Status {
        /// The deployment id `bim deploy` printed
        id: String,
        /// Print the deployment as JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Serve bim's tools to AI coding agents over MCP (stdio); `bim mcp install` writes .mcp.json
    Mcp {
        #[command(subcommand)]
        action: Option<McpAction>,
    },
    /// The Claude Code skill that teaches an agent to use bim
    Skill {
        #[command(subcommand)]
        action: SkillAction,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print bim's man page (roff): `bim man > bim.1 && man ./bim.1`
    Man,
    /// Build the image and run it here with .env's values; --check stops once it answers
    Run {
        /// The repository (default: the current folder)
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The service to run, where bim.toml has several (its path or app name)
        #[arg(long)]
        service: Option<String>,
        /// docker or podman (default: whichever is installed, docker first)
        #[arg(long)]
        engine: Option<String>,
        /// Stop as soon as the app answers, and exit 0 (11 build failed, 12 crashed, 13 no answer)
        #[arg(long)]
        check: bool,
        /// How long to wait for the app to answer (90s, 5m)
        #[arg(long, default_value = "90s", value_parser = commands::deploy::parse_duration)]
        timeout: std::time::Duration,
        /// Print a JSON report
        #[arg(long)]
        json: bool,
    },
    /// Name the cause of a failed build or start from its log (a file, or stdin), and the fix
    Doctor {
        /// The log: a failed CI run's, or `bim run`'s (default: read stdin)
        log: Option<PathBuf>,
        /// Print a JSON report: {diagnosis: {id, cause, fix, evidence} or null}
        #[arg(long)]
        json: bool,
    },
    /// Re-render the files from bim.toml; exit 5 with a diff when one drifted
    Check {
        /// The repository (default: the current folder)
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Print a JSON report instead of text
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum McpAction {
    /// Add the bim server to the repository's .mcp.json (other servers are kept)
    Install {
        /// The repository (default: the current folder)
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The command the agent runs to start bim
        #[arg(long, default_value = "bim")]
        command: String,
        /// project: the repository's .mcp.json; user: your Claude Code configuration (~/.claude.json)
        #[arg(long, value_enum, default_value = "project")]
        scope: Scope,
        /// Print a JSON report
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum EnvAction {
    /// [experimental] Send .env's values for the variables the app reads to Backend.im's
    /// settings for the app (--gh: to the GitHub Actions secrets and variables the workflow
    /// reads); only names are ever printed
    Push(Box<EnvPushArgs>),
}

#[derive(Args, Debug)]
pub struct EnvPushArgs {
    /// The repository (default: the current folder)
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The service whose variables go, where bim.toml has several (its path or app name)
    #[arg(long)]
    pub service: Option<String>,
    /// The Backend.im app to set (default: the service's, from bim.toml)
    #[arg(long)]
    pub app: Option<String>,
    /// List the names that would be sent, and send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Set the workflow's GitHub Actions secrets and variables with `gh` instead
    #[arg(long)]
    pub gh: bool,
    /// Print a JSON report (names and what happened to each; never a value)
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Project,
    User,
}

#[derive(Subcommand, Debug)]
pub enum SkillAction {
    /// Write .claude/skills/backend-im/SKILL.md
    Install {
        /// The repository (default: the current folder)
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Replace a skill of that name that bim did not write
        #[arg(long)]
        force: bool,
        /// Print a JSON report
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The repository (default: the current folder)
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Accept the detected answers without prompting
    #[arg(long, short)]
    pub yes: bool,
    /// Show the diff of what would change, and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Print a JSON report (detection, answers, files) instead of text; never prompts
    #[arg(long)]
    pub json: bool,
    /// Overwrite files that bim did not make
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub overrides: Overrides,
}

/// Backend.im's API is experimental until it publishes a reference: see the README.
#[derive(Args, Debug)]
pub struct DeployArgs {
    /// The image to deploy, e.g. ghcr.io/acme/api:sha-1a2b3c
    #[arg(long)]
    pub image: String,
    /// The Backend.im app (default: the one in bim.toml)
    #[arg(long)]
    pub app: Option<String>,
    /// The image's digest (sha256:...), so Backend.im runs exactly what was built
    #[arg(long)]
    pub digest: Option<String>,
    /// The commit the image was built from
    #[arg(long)]
    pub commit: Option<String>,
    /// The git ref the image was built from
    #[arg(long = "ref")]
    pub git_ref: Option<String>,
    #[command(flatten)]
    pub wait: WaitArgs,
    /// Print the deployment as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Backend.im's API is experimental until it publishes a reference: see the README.
#[derive(Args, Debug)]
pub struct RollbackArgs {
    /// The Backend.im app (default: the one in bim.toml)
    #[arg(long)]
    pub app: Option<String>,
    /// The digest (sha256:...) or deployment id to go back to (default: the newest live
    /// deployment before the current one whose image differs)
    #[arg(long, value_name = "DIGEST|DEPLOYMENT_ID")]
    pub to: Option<String>,
    #[command(flatten)]
    pub wait: WaitArgs,
    /// Print the rollback (from, to, image, deployment) as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// How `--wait` waits, for the commands that deploy.
#[derive(Args, Debug)]
pub struct WaitArgs {
    /// Wait until the deployment is live, failed or canceled
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits (90s, 15m, 1h)
    #[arg(long, default_value = "15m", value_parser = commands::deploy::parse_duration)]
    pub timeout: std::time::Duration,
    /// How often --wait asks for the state
    #[arg(long, default_value = "2s", value_parser = commands::deploy::parse_duration, hide = true)]
    pub poll_interval: std::time::Duration,
}

impl WaitArgs {
    fn wait(&self) -> commands::deploy::Wait {
        commands::deploy::Wait { wait: self.wait, timeout: self.timeout, poll_interval: self.poll_interval }
    }
}

#[derive(Args, Debug)]
pub struct ConnectionArgs {
    /// Read the API token from this file instead of BACKEND_IM_API_TOKEN
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Send requests, and the token, to this API (default: BACKEND_IM_API_URL, else
    /// https://api.backend.im; bim.toml's api_url only once you confirm its host)
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Give up on one API request after this long
    #[arg(long, default_value = "30s", value_parser = commands::deploy::parse_duration, hide = true)]
    pub request_timeout: std::time::Duration,
}

impl ConnectionArgs {
    fn connection(&self) -> commands::deploy::Connection {
        commands::deploy::Connection {
            token_file: self.token_file.clone(),
            request_timeout: self.request_timeout,
            api_url: self.api_url.clone(),
        }
    }
}

impl InitArgs {
    fn options(&self) -> InitOptions {
        InitOptions {
            path: self.path.clone(),
            dry_run: self.dry_run,
            force: self.force,
            overrides: self.overrides.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn apply_color(choice: ColorChoice) {
    let enabled = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && console::Term::stdout().features().colors_supported()
        }
    };
    console::set_colors_enabled(enabled);
    console::set_colors_enabled_stderr(enabled && console::Term::stderr().features().colors_supported());
}

/// Parses the command line, runs the command, and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    apply_color(cli.color);
    let as_json = match &cli.command {
        Command::Init(args) => args.json,
        Command::Deploy(args) => args.json,
        Command::Rollback(args) => args.json,
        Command::Env { action: EnvAction::Push(args) } => args.json,
        Command::Detect { json, .. }
        | Command::Check { json, .. }
        | Command::Status { json, .. }
        | Command::Run { json, .. }
        | Command::Doctor { json, .. } => *json,
        Command::Mcp { action: Some(McpAction::Install { json, .. }) }
        | Command::Skill { action: SkillAction::Install { json, .. } } => *json,
        Command::Mcp { action: None } | Command::Completions { .. } | Command::Man => false,
    };
    // The MCP server owns stdin and stdout itself, so it runs before `run` locks stdout.
    let outcome = match cli.command {
        Command::Mcp { action: None } => crate::mcp::serve().map(|()| exit::OK),
        command => run(command),
    };
    match outcome {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) => {
            if std::io::stderr().is_terminal() {
                // A prompt may have hidden it.
                let _ = console::Term::stderr().show_cursor();
            }
            output::error(&err, as_json);
            ExitCode::from(err.exit_code() as u8)
        }
    }
}

fn run(command: Command) -> Result<i32, Error> {
    // Progress and prompts go to stderr; the result is written in one go at the end.
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let code = match command {
        Command::Init(args) => {
            let interactive =
                !args.yes && !args.json && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
            let mut terminal = crate::prompt::Terminal::new();
            let prompter: Option<&mut dyn crate::prompt::Prompter> = if interactive {
                on_interrupt_restore_terminal();
                Some(&mut terminal)
            } else {
                None
            };
            let report = commands::init::run(args.options(), prompter)?;
            if args.json { output::json(&mut stdout, &report) } else { output::init(&mut stdout, &report) }
                .map_err(stdout_error)?;
            if report.files.iter().any(|f| f.action == crate::apply::Action::Conflict) {
                exit::CONFLICT
            } else {
                exit::OK
            }
        }
        Command::Detect { path, json, verbose } => {
            let detection = commands::detect::run(&path)?;
            if json {
                output::json(&mut stdout, &detection)
            } else {
                output::detection(&mut stdout, &detection, verbose)
            }
            .map_err(stdout_error)?;
            exit::OK
        }
        Command::Mcp { action: None } => crate::mcp::serve().map(|()| exit::OK)?,
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "bim", &mut stdout);
            exit::OK
        }
        Command::Man => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command()).render(&mut stdout).map_err(stdout_error)?;
            exit::OK
        }
        Command::Mcp { action: Some(McpAction::Install { path, command, scope, json }) } => {
            crate::validate::command("MCP command", &command, "--command")?;
            let user = scope == Scope::User;
            let root = if user { commands::agents::user_config_dir()? } else { path };
            let decision = commands::agents::install_mcp(&root, &command, user)?;
            output::agents(&mut stdout, std::slice::from_ref(&decision), json).map_err(stdout_error)?;
            if !json {
                output::mcp_next_steps(&mut stdout, user).map_err(stdout_error)?;
            }
            exit::OK
        }
        Command::Skill { action: SkillAction::Install { path, force, json } } => {
            let decisions = commands::agents::install_skill(&path, force)?;
            output::agents(&mut stdout, &decisions, json).map_err(stdout_error)?;
            exit::OK
        }
        Command::Deploy(args) => {
            let options = commands::deploy::DeployOptions {
                image: args.image.clone(),
                app: args.app.clone(),
                digest: args.digest.clone(),
                commit: args.commit.clone(),
                git_ref: args.git_ref.clone(),
                wait: args.wait.wait(),
                connection: args.connection.connection(),
                path: PathBuf::from("."),
            };
            let mut terminal = crate::prompt::Terminal::new();
            let mut progress = commands::deploy::Progress::new();
            let deployment =
                commands::deploy::deploy(&options, prompter(args.json, &mut terminal), &mut |d| {
                    progress.show(d)
                })?;
            show(&mut stdout, args.json, &deployment, output::deployment)?;
            exit::OK
        }
        Command::Rollback(args) => {
            let options = commands::rollback::RollbackOptions {
                app: args.app.clone(),
                to: args.to.clone(),
                wait: args.wait.wait(),
                connection: args.connection.connection(),
                path: PathBuf::from("."),
            };
            let mut terminal = crate::prompt::Terminal::new();
            let mut progress = commands::deploy::Progress::new();
            let report =
                commands::rollback::rollback(&options, prompter(args.json, &mut terminal), &mut |d| {
                    progress.show(d)
                })?;
            show(&mut stdout, args.json, &report, output::rollback)?;
            exit::OK
        }
        Command::Env { action: EnvAction::Push(args) } => {
            let options = commands::env_push::EnvPushOptions {
                path: args.path.clone(),
                service: args.service.clone(),
                app: args.app.clone(),
                dry_run: args.dry_run,
                gh: args.gh,
                connection: args.connection.connection(),
            };
            let mut terminal = crate::prompt::Terminal::new();
            let report = commands::env_push::push(&options, prompter(args.json, &mut terminal))?;
            show(&mut stdout, args.json, &report, output::env_push)?;
            exit::OK
        }
        Command::Run { path, service, engine, check, timeout, json } => {
            let options = commands::run::RunOptions { path, service, engine, check, timeout };
            let report = commands::run::run(&options, &mut |line| {
                if !json {
                    eprintln!("{line}");
                }
            })?;
            if json {
                output::json(&mut stdout, &report)
            } else {
                writeln!(
                    stdout,
                    "{} answered {} at {} ({:.1} s to build, {:.1} s to answer)",
                    report.app, report.status, report.url, report.build_seconds, report.start_seconds
                )
                .and_then(|()| {
                    if report.env_missing.is_empty() {
                        Ok(())
                    } else {
                        writeln!(stdout, "not set in .env: {}", report.env_missing.join(", "))
                    }
                })
            }
            .map_err(stdout_error)?;
            exit::OK
        }
        Command::Doctor { log, json } => {
            let text = match &log {
                Some(path) => std::fs::read(path).map_err(|e| Error::io(path, e))?,
                None => {
                    let mut bytes = Vec::new();
                    std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
                        .map_err(|e| Error::io(std::path::Path::new("stdin"), e))?;
                    bytes
                }
            };
            let found = crate::diagnosis::diagnose("any", &String::from_utf8_lossy(&text));
            if json {
                output::json(&mut stdout, &serde_json::json!({ "diagnosis": found }))
            } else {
                match &found {
                    Some(d) => {
                        writeln!(stdout, "cause: {}\nfix:   {}\nseen:  {}", d.cause, d.fix, d.evidence)
                    }
                    None => {
                        writeln!(stdout, "no known cause in this log; its last lines name the failing step")
                    }
                }
            }
            .map_err(stdout_error)?;
            exit::OK
        }
        Command::Status { id, json, connection } => {
            let mut terminal = crate::prompt::Terminal::new();
            let deployment = commands::deploy::status(
                &id,
                &connection.connection(),
                &PathBuf::from("."),
                prompter(json, &mut terminal),
            )?;
            show(&mut stdout, json, &deployment, output::deployment)?;
            exit::OK
        }
        Command::Check { path, json } => {
            let report = commands::check::run(&path)?;
            if json { output::json(&mut stdout, &report) } else { output::check(&mut stdout, &report) }
                .map_err(stdout_error)?;
            if report.in_sync { exit::OK } else { exit::DRIFT }
        }
    };
    stdout.flush().map_err(stdout_error)?;
    Ok(code)
}

/// The terminal, when a person is at one to answer: stdin and stderr are terminals and
/// no `--json` was asked for.
fn prompter(json: bool, terminal: &mut crate::prompt::Terminal) -> Option<&mut dyn crate::prompt::Prompter> {
    let interactive = !json && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if interactive { Some(terminal) } else { None }
}

/// Ctrl-C at a prompt: put the cursor back, say that nothing was written (bim writes only
/// after the final confirmation), and exit 130. During the write itself it waits.
fn on_interrupt_restore_terminal() {
    let _ = ctrlc::set_handler(|| {
        if commands::init::WRITING.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let _ = console::Term::stderr().show_cursor();
        eprintln!("\ninterrupted; nothing was written");
        std::process::exit(exit::INTERRUPTED);
    });
}

/// A command's result on stdout: JSON for machines, else `human`'s text.
fn show<T: serde::Serialize>(
    out: &mut dyn Write,
    json: bool,
    value: &T,
    human: fn(&mut dyn Write, &T) -> std::io::Result<()>,
) -> Result<(), Error> {
    if json { output::json(out, value) } else { human(out, value) }.map_err(stdout_error)
}

fn stdout_error(e: std::io::Error) -> Error {
    Error::io(&PathBuf::from("<stdout>"), e)
}

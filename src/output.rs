//! Printing results and errors: short human text, or JSON for machines (`--json`).

use crate::detect::Field;
use std::io::Write;

use console::style;
use serde::Serialize;

use crate::detect::{Detection, Service};
use crate::error::Error;

/// Writes `value` as pretty JSON and a newline.
pub fn json<T: Serialize>(out: &mut dyn Write, value: &T) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// One short block per service; the evidence too when `verbose`.
pub fn detection(out: &mut dyn Write, detection: &Detection, verbose: bool) -> std::io::Result<()> {
    for (index, service) in detection.services.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        service_block(out, service, verbose)?;
    }
    Ok(())
}

fn service_block(out: &mut dyn Write, s: &Service, verbose: bool) -> std::io::Result<()> {
    let kind = if s.framework == crate::detect::Framework::None {
        s.language.to_string()
    } else {
        format!("{} · {}", s.language, s.framework)
    };
    writeln!(
        out,
        "{} {} {}",
        style(&s.name).bold(),
        style(format!("({})", s.path)).dim(),
        style(kind).cyan()
    )?;
    let default_mark = |field: Field| {
        if s.evidence.iter().any(|e| e.field == field && e.default) { " (default)" } else { "" }
    };
    let row =
        |out: &mut dyn Write, label: &str, value: Option<String>, field: Field| -> std::io::Result<()> {
            match value {
                Some(v) => writeln!(out, "  {:<16}{}{}", label, v, style(default_mark(field)).dim()),
                None => Ok(()),
            }
        };
    row(out, "package manager", Some(s.package_manager.to_string()), Field::PackageManager)?;
    row(
        out,
        "runtime",
        s.runtime_version.as_ref().map(|v| format!("{} {v}", s.language)),
        Field::RuntimeVersion,
    )?;
    row(out, "build", s.build_command.clone(), Field::BuildCommand)?;
    row(out, "start", s.start_command.clone(), Field::StartCommand)?;
    row(out, "release", s.release_command.clone(), Field::ReleaseCommand)?;
    for process in &s.processes {
        row(out, "process", Some(format!("{}: {}", process.name, process.command)), Field::Processes)?;
    }
    row(
        out,
        "serves",
        s.static_output.as_ref().map(|d| format!("static files from {d}")),
        Field::StaticOutput,
    )?;
    row(
        out,
        "front end",
        s.frontend
            .as_ref()
            .map(|f| format!("{} (`{}` writes {}, built in the image)", f.path, f.build_command, f.output)),
        Field::Frontend,
    )?;
    row(out, "test", s.test_command.clone(), Field::TestCommand)?;
    row(out, "port", s.port.map(|p| p.to_string()), Field::Port)?;
    row(out, "health check", s.healthcheck_path.clone(), Field::HealthcheckPath)?;
    row(
        out,
        "dockerfile",
        s.dockerfile.as_ref().map(|d| format!("{} (kept as it is)", d.path)),
        Field::Dockerfile,
    )?;
    if !s.env_vars.is_empty() {
        row(out, "env", Some(s.env_vars.join(", ")), Field::EnvVars)?;
    }
    for warning in &s.warnings {
        writeln!(out, "  {} {warning}", style("warning:").yellow())?;
    }
    if verbose {
        writeln!(out, "  {}", style("evidence:").dim())?;
        for e in &s.evidence {
            let source = match (&e.file, e.line) {
                (Some(file), Some(line)) => format!("{file}:{line}"),
                (Some(file), None) => file.clone(),
                (None, _) => "default".to_string(),
            };
            writeln!(out, "    {:<18}{}: {}", e.field, source, e.detail)?;
        }
    }
    Ok(())
}

/// The JSON shape of an error (`--json`).
#[derive(Serialize)]
struct ErrorReport<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    kind: &'a str,
    message: String,
    hint: Option<String>,
    exit_code: i32,
    /// A failed build or start's known cause; `null` when its log shows none.
    #[serde(skip_serializing_if = "Option::is_none")]
    diagnosis: Option<Option<crate::diagnosis::Diagnosis>>,
}

/// Prints an error: JSON on stdout for machines, or text on stderr.
pub fn error(err: &Error, as_json: bool) {
    if as_json {
        let report = ErrorReport {
            error: ErrorBody {
                kind: err.kind(),
                message: err.to_string(),
                hint: err.hint(),
                exit_code: err.exit_code(),
                diagnosis: matches!(err, Error::RunFailed { .. }).then(|| err.diagnosis()),
            },
        };
        let _ = json(&mut std::io::stdout(), &report);
    } else if let Error::RunFailed { message, log, .. } = err {
        // The cause first, then the log it was read from.
        eprintln!("{} {message}", style("error:").red().bold());
        match err.diagnosis() {
            Some(found) => {
                eprintln!("  {} {}", style("cause:").yellow().bold(), found.cause);
                eprintln!("  {} {}", style("fix:").green().bold(), found.fix);
            }
            None => eprintln!("  {} no known cause; the log's last lines:", style("cause:").yellow().bold()),
        }
        eprintln!("{log}");
        if let Some(hint) = err.hint() {
            eprintln!("  {} {hint}", style("hint:").cyan());
        }
    } else {
        eprintln!("{} {err}", style("error:").red().bold());
        if let Some(hint) = err.hint() {
            eprintln!("  {} {hint}", style("hint:").cyan());
        }
    }
}

fn action_mark(action: crate::apply::Action) -> console::StyledObject<&'static str> {
    use crate::apply::Action;
    match action {
        Action::Created => style("created  ").green(),
        Action::Updated => style("updated  ").yellow(),
        Action::Merged => style("merged   ").yellow(),
        Action::Unchanged => style("unchanged").dim(),
        Action::Skipped => style("skipped  ").magenta(),
        Action::Conflict => style("conflict ").red(),
        Action::Removed => style("removed  ").dim(),
    }
}

/// The files a person reads about: bim's kept renders are its own bookkeeping.
fn shown(files: &[crate::apply::Decision]) -> impl Iterator<Item = &crate::apply::Decision> {
    files.iter().filter(|f| f.kind != crate::ownership::FileKind::Rendered && !f.path.starts_with(".bim/"))
}

/// The files `bim init` is about to write, and the ones it leaves alone.
pub fn plan(out: &mut dyn Write, files: &[crate::apply::Decision]) -> std::io::Result<()> {
    writeln!(out, "{}", style("The plan").bold())?;
    for file in shown(files) {
        writeln!(out, "  {} {}  {}", action_mark(file.action), file.path, style(&file.reason).dim())?;
    }
    Ok(())
}

/// What `bim init` did, then what to do next.
pub fn init(out: &mut dyn Write, report: &crate::report::InitReport) -> std::io::Result<()> {
    // First, so a person who declines still hears that an earlier run was finished.
    for note in &report.notes {
        writeln!(out, "{} {note}", style("note:").yellow())?;
    }
    if report.declined {
        return writeln!(out, "Nothing was written.");
    }
    if report.dry_run {
        for file in report.files.iter().filter(|f| f.changes()) {
            write!(out, "{}", file.diff())?;
        }
        writeln!(out, "{}", style("dry run: nothing was written").dim())?;
    }
    for skipped in &report.skipped {
        writeln!(out, "{} skipped {skipped}", style("warning:").yellow())?;
    }
    for warning in &report.warnings {
        writeln!(out, "{} {warning}", style("warning:").yellow())?;
    }
    for file in shown(&report.files) {
        let verb = if report.dry_run && file.changes() { "(would be) " } else { "" };
        writeln!(out, "{} {}{}  {}", action_mark(file.action), verb, file.path, style(&file.reason).dim())?;
        for hunk in &file.hunks {
            write!(out, "{hunk}")?;
        }
    }
    if report.files.iter().any(|f| f.action == crate::apply::Action::Conflict) {
        // No next steps: pushing now would deploy without bim's change to that file.
        return writeln!(
            out,
            "{}",
            style("a file has edits of yours on lines bim changes too: merge bim's side (the hunks above) into it by hand, remove the markers, and run `bim init` again, which keeps your merge; or pass --force to take bim's version").red()
        );
    }
    if report.dry_run || !report.files.iter().any(|f| f.changes()) {
        return Ok(());
    }
    writeln!(out, "\n{}", style("Next steps").bold())?;
    // Where the token and the registry's login go: GitHub secrets and variables, or GitLab
    // CI/CD variables (a secret there is a masked, protected variable).
    let gitlab = report.answers.ci == crate::config::Ci::Gitlab;
    let secret = |name: &str| {
        if gitlab {
            format!("glab variable set {name} --masked --protected")
        } else {
            format!("gh secret set {name}")
        }
    };
    let variable = |name: &str, value: &str| {
        if gitlab {
            format!("glab variable set {name} --value {value}")
        } else {
            format!("gh variable set {name} --body {value}")
        }
    };
    if gitlab {
        writeln!(out, "  {}", secret("BACKEND_IM_API_TOKEN"))?;
        writeln!(
            out,
            "  {}",
            style(
                "(or Settings > CI/CD > Variables: masked and protected, so only protected branches read it)"
            )
            .dim()
        )?;
    } else {
        writeln!(out, "  {} --env production", secret("BACKEND_IM_API_TOKEN"))?;
        writeln!(
            out,
            "  {}",
            style(
                "(a private repository without a paid plan has no environment secrets: drop --env production)"
            )
            .dim()
        )?;
    }
    match &report.answers.registry {
        crate::config::Registry::Dockerhub => {
            writeln!(out, "  {}", variable("DOCKERHUB_USERNAME", "<your Docker Hub user>"))?;
            writeln!(out, "  {}", secret("DOCKERHUB_TOKEN"))?;
        }
        crate::config::Registry::Host(_) => {
            writeln!(out, "  {}", variable("REGISTRY_USERNAME", "<user>"))?;
            writeln!(out, "  {}", secret("REGISTRY_PASSWORD"))?;
        }
        crate::config::Registry::Ghcr | crate::config::Registry::Gitlab => {}
    }
    if report.answers.pipeline.attest && !gitlab {
        writeln!(
            out,
            "  {}",
            style("(attestations need a public repository, or GitHub Enterprise Cloud for a private one; bim cannot tell which this is: on a private repository on another plan the attest step fails)").dim()
        )?;
    }
    if std::env::var_os("CLAUDECODE").is_some_and(|v| v == "1") {
        writeln!(out, "  bim mcp install && bim skill install   # bim's tools and skill for Claude Code")?;
    }
    writeln!(out, "  bim run --check   # build the image and see it answer here before you push")?;
    writeln!(out, "  git add -A && git commit -m \"Deploy to Backend.im\" && git push")?;
    let workflows: Vec<&str> = report
        .files
        .iter()
        .filter(|f| {
            f.kind == crate::ownership::FileKind::Workflow && f.action != crate::apply::Action::Skipped
        })
        .map(|f| f.path.as_str())
        .collect();
    let named = match workflows.as_slice() {
        [one] => one.to_string(),
        several => format!("{} workflows, one per service", several.len()),
    };
    match workflows.first() {
        Some(_) => writeln!(
            out,
            "The next push to {} tests, builds, pushes and deploys ({named}).",
            style(&report.answers.branch).bold(),
        ),
        _ => writeln!(
            out,
            "bim wrote no workflow, so pushes do not deploy yet: run `bim init` without --no-workflow, or `bim deploy --image REF` from your own CI."
        ),
    }
}

/// What `bim mcp install` or `bim skill install` did to its files.
pub fn agents(
    out: &mut dyn Write,
    decisions: &[crate::apply::Decision],
    as_json: bool,
) -> std::io::Result<()> {
    if as_json {
        return json(out, &serde_json::json!({ "files": decisions }));
    }
    for decision in shown(decisions) {
        writeln!(
            out,
            "{} {}  {}",
            action_mark(decision.action),
            decision.path,
            style(&decision.reason).dim()
        )?;
    }
    Ok(())
}

/// How to start using the MCP server once it is configured.
pub fn mcp_next_steps(out: &mut dyn Write, user: bool) -> std::io::Result<()> {
    if user {
        writeln!(out, "Claude Code starts `bim mcp` in every project; `/mcp` lists its tools.")
    } else {
        writeln!(
            out,
            "Commit .mcp.json. Claude Code asks once to approve the project's `bim` server (or run \
             `claude mcp list`); `/mcp` then lists its tools."
        )
    }
}

/// Which files drifted, with their diffs.
pub fn check(out: &mut dyn Write, report: &crate::report::CheckReport) -> std::io::Result<()> {
    for file in shown(&report.files).filter(|f| f.changes()) {
        write!(out, "{}", file.diff())?;
    }
    for file in shown(&report.files).filter(|f| f.unknown_edit()) {
        write!(out, "{}", file.diff())?;
    }
    for file in shown(&report.files) {
        use crate::apply::Action;
        let (state, note) = match file.action {
            Action::Created => (style("missing      ").red(), ""),
            Action::Updated => (style("out of date  ").red(), "out of date with bim.toml"),
            Action::Merged | Action::Conflict => {
                (style("out of date  ").red(), "edited by hand, and out of date with bim.toml")
            }
            Action::Removed => (style("stale record ").yellow(), ""),
            Action::Unchanged if file.edited => {
                (style("edited       ").yellow(), "edited by hand since bim wrote it")
            }
            Action::Unchanged => (style("in sync      ").green(), ""),
            Action::Skipped if file.unknown_edit() => (
                style("differs      ").red(),
                "bim has no copy of what it wrote here, so it cannot tell an edit from drift",
            ),
            Action::Skipped => (style("not bim's    ").dim(), ""),
        };
        writeln!(out, "{state} {}  {}", file.path, style(note).dim())?;
    }
    if let Some(unfinished) = &report.unfinished {
        writeln!(out, "{}", style(unfinished).red())?;
    }
    for stale in &report.stale_facts {
        writeln!(
            out,
            "{} bim.toml  {}",
            style("stale facts  ").red(),
            style(format!("the repository changed what bim.toml records for {stale}")).dim()
        )?;
    }
    if report.in_sync {
        writeln!(out, "{}", style("every generated file matches bim.toml").green())
    } else {
        writeln!(
            out,
            "{}",
            style("some files drifted from bim.toml: run `bim init --yes` to regenerate them").red()
        )
    }
}

/// A deployment's state, and its URL once live.
pub fn deployment(out: &mut dyn Write, d: &crate::api::Deployment) -> std::io::Result<()> {
    writeln!(out, "deployment {}: {}", style(&d.id).bold(), d.status.as_str())?;
    if let Some(url) = &d.url {
        writeln!(out, "url: {}", style(url).cyan())?;
    }
    if let Some(error) = &d.error {
        writeln!(out, "error: {error}")?;
    }
    Ok(())
}

/// What a rollback went back to, and the deployment that now runs it.
pub fn rollback(out: &mut dyn Write, r: &crate::commands::rollback::RollbackReport) -> std::io::Result<()> {
    writeln!(
        out,
        "{}: from {} back to the image of {}{}",
        style(&r.app).bold(),
        r.from.id,
        r.to.id,
        r.to.created_at.as_deref().map(|t| format!(" ({t})")).unwrap_or_default()
    )?;
    writeln!(out, "image: {}", r.image)?;
    deployment(out, &r.deployment)
}

/// The names `bim env push` sent (never a value), and the ones it left out.
pub fn env_push(out: &mut dyn Write, r: &crate::commands::env_push::EnvPushReport) -> std::io::Result<()> {
    let place = if r.target == "github" {
        "GitHub Actions".to_string()
    } else {
        format!("Backend.im's app {}", r.app)
    };
    let count = r.settings.len();
    if r.dry_run {
        writeln!(out, "would send {count} settings to {place} (nothing sent: --dry-run)")?;
    } else {
        writeln!(out, "sent {count} settings to {place}")?;
    }
    for s in &r.settings {
        let kind = s.kind.map(|k| {
            format!(
                " ({k}{})",
                s.environment.as_ref().map(|e| format!(" of environment {e}")).unwrap_or_default()
            )
        });
        writeln!(
            out,
            "  {:<14}{}{}",
            s.action.replace('_', " "),
            style(&s.name).bold(),
            kind.unwrap_or_default()
        )?;
    }
    let reader = if r.target == "github" { "the workflow" } else { "the app" };
    if !r.skipped.is_empty() {
        writeln!(out, "skipped, as {reader} does not read them: {}", r.skipped.join(", "))?;
    }
    if !r.missing.is_empty() {
        let what = if r.target == "github" { "built into the image" } else { "read by the app" };
        writeln!(out, "{what} but not set in .env: {}", style(r.missing.join(", ")).yellow())?;
    }
    Ok(())
}

//! `bim init`: detect, resolve the answers, plan and render every file, then write them
//! (or, with `--dry-run`, only show the diff).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::answers::{self, Overrides};
use crate::apply::{self, Decision};
use crate::config::{self, Config};
use crate::detect::{self, Detection};
use crate::error::Error;
use crate::plan;
use crate::prompt::Prompter;
use crate::render::Templates;
use crate::scan::Snapshot;
use crate::{interview, output};

pub struct InitOptions {
    pub path: PathBuf,
    pub overrides: Overrides,
    pub dry_run: bool,
    pub force: bool,
}

pub use crate::report::InitReport;

/// Set while files are being renamed into place: an interrupt then waits for the write to
/// finish rather than leave it half done.
pub static WRITING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Everything `init` needs to know before it writes: the snapshot, what was detected and
/// the answers already in bim.toml.
pub struct Prepared {
    pub snapshot: Snapshot,
    pub detection: Detection,
    pub existing: Option<Config>,
    /// What the person should know before the files: a run finished or rolled back, a
    /// bim.toml that git ignores.
    pub notes: Vec<String>,
}

/// With `write`, an earlier run that stopped part-way is finished (or rolled back) first; a
/// dry run changes nothing, so it only says one is there.
pub fn prepare(path: &Path, write: bool) -> Result<Prepared, Error> {
    let mut notes = Vec::new();
    if write {
        notes.extend(crate::transaction::recover(path)?);
    } else {
        notes.extend(crate::transaction::unfinished(path, "`bim init` without --dry-run finishes it"));
    }
    let snapshot = Snapshot::scan(path)?;
    let (existing, note) = read_config(&snapshot)?;
    notes.extend(note);
    let detection = match detect::detect(&snapshot) {
        Ok(detection) => detection,
        // With bim.toml, the answers are known even where detection finds nothing.
        Err(Error::NothingDetected { .. }) if existing.is_some() => Detection { services: Vec::new() },
        Err(e) => return Err(e),
    };
    Ok(Prepared { snapshot, detection, existing, notes })
}

/// Plans the files for `answers` and decides what happens to each.
pub fn decide(prepared: &Prepared, answers: &Config, force: bool) -> Result<Vec<Decision>, Error> {
    let templates = Templates::load().map_err(Error::Internal)?;
    let planned = plan::plan(answers, &templates)?;
    apply::decide(prepared.snapshot.root(), &planned, force)
}

/// Runs `bim init`. With a prompter (a person at a terminal) it shows what was detected,
/// asks, shows the plan and confirms before writing; without one it takes the flags.
pub fn run(options: InitOptions, mut prompter: Option<&mut dyn Prompter>) -> Result<InitReport, Error> {
    answers::validate_flags(&options.overrides)?;
    let _lock = lock(&options.path)?;
    let mut prepared = prepare(&options.path, !options.dry_run)?;
    let mut stderr = std::io::stderr();
    let (remote_ci, ci_note) = ci_from_remote(&prepared, &options.overrides);
    let asked = prompter.is_some();
    let overrides = match prompter.as_deref_mut() {
        Some(prompter) => {
            if !prepared.detection.services.is_empty() {
                let _ = output::detection(&mut stderr, &prepared.detection, false);
                let _ = writeln!(stderr);
            }
            interview::interview(
                &prepared.detection,
                prepared.existing.as_ref(),
                &options.overrides,
                remote_ci,
                prompter,
            )?
        }
        None => {
            let mut overrides = options.overrides.clone();
            if prepared.existing.is_none() && overrides.ci.is_none() {
                overrides.ci = remote_ci.map(Into::into);
            }
            overrides
        }
    };
    if !asked {
        // A person at the terminal was asked instead.
        prepared.notes.extend(ci_note);
    }
    let (mut answers, skipped) = answers::resolve(
        &prepared.detection,
        prepared.existing.as_ref(),
        &overrides,
        prepared.snapshot.git_branch(),
    )?;
    answers.rendered_by = Some(format!("bim {}", crate::render::version()));
    read_facts(&mut answers, &prepared.snapshot)?;
    let files = decide(&prepared, &answers, options.force)?;
    let warnings = plan::gitlab::left_out(&answers);
    // The other CI's pipeline, from before the answer changed, is left as it is.
    let (other, this) = match answers.ci {
        config::Ci::Gitlab => ("bim's GitHub workflow (with .github/dependabot.yml)", "GitLab"),
        config::Ci::Github => ("bim's GitLab pipeline", "GitHub"),
    };
    let stale = match answers.ci {
        config::Ci::Gitlab => plan::WORKFLOW,
        config::Ci::Github => plan::gitlab::PATH,
    };
    if let Ok(Some(old)) = prepared.snapshot.read(stale)
        && crate::ownership::made_by_bim(&old.text)
    {
        prepared.notes.push(format!(
            "{stale} is {other} from before; {this} does not run it: delete it once the repository no longer needs it"
        ));
    }
    let workflows = files.iter().filter(|f| f.kind == crate::ownership::FileKind::Workflow).count();
    if workflows > 1 {
        prepared.notes.push(format!(
            "one workflow for all {workflows} services would be over {} KB, more than GitHub runs: \
             bim writes one workflow per service instead (.github/workflows/backend-im-<app>.yml)",
            crate::plan::WORKFLOW_LIMIT / 1000
        ));
    }
    let mut declined = false;
    if let Some(prompter) = prompter
        && !options.dry_run
    {
        let _ = output::plan(&mut stderr, &files);
        if files.iter().any(|f| f.changes() && f.old.is_some())
            && prompter.confirm("Show the changes to existing files?", false)?
        {
            for file in files.iter().filter(|f| f.changes() && f.old.is_some()) {
                let _ = write!(stderr, "{}", file.diff());
            }
        }
        declined = files.iter().any(Decision::changes) && !prompter.confirm("Write these files?", true)?;
    }
    if !options.dry_run && !declined {
        WRITING.store(true, std::sync::atomic::Ordering::SeqCst);
        let written = apply::write(prepared.snapshot.root(), &files);
        WRITING.store(false, std::sync::atomic::Ordering::SeqCst);
        written?;
    }
    Ok(InitReport {
        notes: prepared.notes,
        warnings,
        detection: prepared.detection,
        answers,
        skipped,
        files,
        dry_run: options.dry_run,
        declined,
    })
}

/// Reads the facts for every service's answers, and the repository's: each `bim init`
/// does, and `bim check` where bim.toml was written before facts were recorded.
pub fn read_facts(config: &mut Config, snap: &Snapshot) -> Result<(), Error> {
    use crate::detect::facts;
    config.facts = facts::read_repo(snap);
    for s in &mut config.services {
        let query = facts::Query {
            path: &s.path,
            context: s.context.as_deref().unwrap_or(&s.path),
            language: s.language,
            framework: s.framework,
            package_manager: s.package_manager,
            start_command: s.start_command.as_deref(),
            frontend: s.frontend.as_ref(),
            own_dockerfile: s.dockerfile.is_some(),
        };
        s.facts = Some(crate::detect::stacks::read_facts(snap, &query)?);
    }
    if config.ci == config::Ci::Gitlab && config.services.len() > 1 {
        let services: Vec<facts::BuiltFrom> = config
            .services
            .iter()
            .map(|s| facts::BuiltFrom {
                path: &s.path,
                context: plan::build_context(s),
                dockerfile: s.dockerfile.clone().unwrap_or_else(|| plan::repo_join(&s.path, "Dockerfile")),
                frontend: s.frontend.as_ref().map(|f| f.path.as_str()),
            })
            .collect();
        let changes = facts::gitlab_changes(snap, &services);
        for (s, changes) in config.services.iter_mut().zip(changes) {
            if let Some(facts) = &mut s.facts {
                facts.changes = changes;
            }
        }
    }
    Ok(())
}

/// GitLab CI/CD, when the origin remote is a GitLab host, and what `bim init` says about it:
/// a new setup takes it (a person at the terminal is offered it first); answers kept in
/// bim.toml stay, with a word on how to switch.
fn ci_from_remote(prepared: &Prepared, flags: &Overrides) -> (Option<config::Ci>, Option<String>) {
    if flags.ci.is_some() {
        return (None, None);
    }
    let Some(host) = crate::git_remote::origin_host(prepared.snapshot.root()) else {
        return (None, None);
    };
    if !crate::git_remote::is_gitlab(&host) {
        return (None, None);
    }
    let note = match &prepared.existing {
        None => format!(
            "the origin remote is on GitLab ({host}): bim writes {} for GitLab CI/CD (--ci github for a GitHub workflow)",
            plan::gitlab::PATH
        ),
        Some(config) if config.ci == config::Ci::Github => format!(
            "the origin remote is on GitLab ({host}), and bim.toml keeps GitHub Actions: --ci gitlab writes {} instead",
            plan::gitlab::PATH
        ),
        Some(_) => return (Some(config::Ci::Gitlab), None),
    };
    (Some(config::Ci::Gitlab), Some(note))
}

/// bim.toml, if the repository has one, and a note when git ignores it. An ignored
/// bim.toml is still the answers: writing over it as if it were not there would lose them.
pub fn read_config(snapshot: &Snapshot) -> Result<(Option<Config>, Option<String>), Error> {
    if let Some(file) = crate::manifest::text(snapshot, config::FILE_NAME)? {
        return Ok((Some(Config::parse(&file.text, config::FILE_NAME)?), None));
    }
    let Some(text) = crate::safe_path::read_text(snapshot.root(), config::FILE_NAME)? else {
        return Ok((None, None));
    };
    let note = format!(
        "{} is ignored by git (.gitignore): bim read it, but CI and a fresh clone will not see it; commit it",
        config::FILE_NAME
    );
    Ok((Some(Config::parse(&text, config::FILE_NAME)?), Some(note)))
}

/// Holds an exclusive lock on the repository folder while bim writes, so two runs at once
/// cannot interleave their files. The lock goes with the process.
pub fn lock(path: &Path) -> Result<std::fs::File, Error> {
    let folder = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotADirectory(path.to_path_buf()),
        _ => Error::io(path, e),
    })?;
    match folder.try_lock() {
        Ok(()) => Ok(folder),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked(path.to_path_buf())),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(path, e)),
    }
}

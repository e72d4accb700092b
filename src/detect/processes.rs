//! Job workers an app's dependencies bring: a queue library whose jobs run only when a
//! process of its own consumes them. Without that process the app's jobs silently never
//! run, so each becomes a process of the same image with its own command. The table is
//! data: a dependency, the process it needs, and the command. A Procfile line that already
//! runs the worker wins (see `procfile`).

use crate::detect::Field;
use std::sync::LazyLock;

use crate::error::Error;
use crate::pattern::Pattern;

use super::dir::Dir;
use super::model::{Language, Process, Service};

/// `{app}` in a command is the module that defines the worker's application object;
/// `{require}` loads the file that defines the jobs, which only Rails loads by itself.
struct Worker {
    language: Language,
    dependency: &'static str,
    process: &'static str,
    command: &'static str,
    /// The words that, all present, show a command already runs this worker.
    runs: &'static [&'static str],
    /// The flag that makes it import from a folder (a Django project below the manifests).
    folder_flag: Option<&'static str>,
}

const WORKERS: &[Worker] = &[
    Worker {
        language: Language::Python,
        dependency: "celery",
        process: "worker",
        command: "celery -A {app} worker --loglevel=info",
        runs: &["celery", "worker"],
        folder_flag: Some("--workdir"),
    },
    Worker {
        language: Language::Python,
        dependency: "rq",
        process: "worker",
        command: "rq worker",
        runs: &["rq", "worker"],
        folder_flag: None,
    },
    Worker {
        language: Language::Python,
        dependency: "dramatiq",
        process: "worker",
        command: "dramatiq {app}",
        runs: &["dramatiq"],
        folder_flag: Some("--path"),
    },
    Worker {
        language: Language::Ruby,
        dependency: "sidekiq",
        process: "worker",
        command: "bundle exec sidekiq{require}",
        runs: &["sidekiq"],
        folder_flag: None,
    },
    Worker {
        language: Language::Ruby,
        dependency: "resque",
        process: "worker",
        command: "bundle exec rake resque:work QUEUE=*",
        runs: &["resque:work"],
        folder_flag: None,
    },
    Worker {
        language: Language::Ruby,
        dependency: "good_job",
        process: "worker",
        command: "bundle exec good_job start",
        runs: &["good_job"],
        folder_flag: None,
    },
    Worker {
        language: Language::Ruby,
        dependency: "solid_queue",
        process: "worker",
        command: "bundle exec rake solid_queue:start",
        runs: &["solid_queue"],
        folder_flag: None,
    },
    Worker {
        language: Language::Ruby,
        dependency: "delayed_job",
        process: "worker",
        command: "bundle exec rake jobs:work",
        runs: &["jobs:work"],
        folder_flag: None,
    },
];

/// Where a Python worker's application object is made: `app = Celery(...)`, a dramatiq
/// broker set up with `dramatiq.set_broker(...)`.
static PYTHON_APP: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"(?m)^\s*\w+\s*=\s*Celery\(|^\s*dramatiq\.set_broker\("));

/// A Ruby file that defines a Sidekiq job.
static RUBY_JOB: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"include Sidekiq::(?:Job|Worker)\b"));

const PY: &[&str] = &[".py"];
const RB: &[&str] = &[".rb"];

/// Adds the worker processes the service's dependencies need.
pub fn apply(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let manifest = service.manifest_file();
    for worker in WORKERS {
        if worker.language != service.language || !service.dependencies.contains(worker.dependency) {
            continue;
        }
        let runs_it = |command: &str| worker.runs.iter().all(|word| command.contains(word));
        let already = service.processes.iter().any(|p| runs_it(&p.command))
            || service.start_command.as_deref().is_some_and(runs_it);
        if already {
            continue;
        }
        let command = if worker.command.contains("{app}") {
            let Some(found) = dir.grep(PY, &PYTHON_APP)? else {
                service.warn(format!(
                    "depends on {} but no module makes its app, so no worker process is set up; \
                     add a `worker:` line to a Procfile",
                    worker.dependency
                ));
                continue;
            };
            // A Django project below the manifests: the worker imports from its folder.
            let project = service
                .notes
                .django_project
                .as_deref()
                .filter(|sub| found.file.starts_with(&dir.rel(&format!("{sub}/"))));
            let module = match project {
                Some(sub) => super::python::module_of(&Dir::new(dir.snap, &dir.rel(sub)), &found.file),
                None => super::python::module_of(dir, &found.file),
            };
            // Celery finds `proj.celery` itself when given `proj`.
            let command = worker.command.replace("{app}", module.strip_suffix(".celery").unwrap_or(&module));
            match (project, worker.folder_flag, command.split_once(' ')) {
                (Some(sub), Some(flag), Some((tool, rest))) => format!("{tool} {flag} {sub} {rest}"),
                _ => command,
            }
        } else if worker.command.contains("{require}") {
            let rails = service.framework == super::model::Framework::Rails;
            let require = match dir.grep(RB, &RUBY_JOB)? {
                Some(found) if !rails => {
                    let inner =
                        found.file.strip_prefix(dir.path).unwrap_or(&found.file).trim_start_matches('/');
                    format!(" -r ./{inner}")
                }
                _ => String::new(),
            };
            worker.command.replace("{require}", &require)
        } else {
            worker.command.to_string()
        };
        let name = if service.processes.iter().any(|p| p.name == worker.process) {
            format!("{}-{}", worker.process, worker.dependency.replace('_', "-"))
        } else {
            worker.process.to_string()
        };
        service.found(
            Field::Processes,
            &manifest,
            format!("depends on {}, whose jobs run in a worker process: {command}", worker.dependency),
        );
        service.processes.push(Process { name, command });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::PYTHON_APP;

    #[test]
    fn finds_where_a_worker_app_is_made() {
        assert!(PYTHON_APP.is_match("app = Celery('proj', broker=BROKER_URL)\n"));
        assert!(PYTHON_APP.is_match("celery_app = Celery(__name__)\n"));
        assert!(PYTHON_APP.is_match("dramatiq.set_broker(RedisBroker())\n"));
        assert!(!PYTHON_APP.is_match("from celery import Celery\n"));
    }
}

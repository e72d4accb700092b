//! Planning: from the answers alone (bim.toml, with the facts read for them), every file
//! bim will write, rendered in memory. Pure: nothing here reads the repository or the disk.

pub mod compose;
mod dockerfile;
pub mod docs;
pub mod gitlab;
mod recipe;
mod workflow;

use crate::config::{Config, ServiceConfig};
use crate::detect::facts::Facts;
use crate::error::Error;
use crate::render::Templates;
use crate::scan;

pub use crate::ownership::{FileKind, Ownership};

#[derive(Clone, Debug)]
pub struct PlannedFile {
    /// Path relative to the repository root.
    pub path: String,
    pub kind: FileKind,
    pub ownership: Ownership,
    pub contents: String,
}

/// The header line every whole file bim writes carries (after any line that must come
/// first, such as `# syntax=`).
pub fn header(comment: &str) -> String {
    format!(
        "{comment} {}\n{comment} `bim check` fails when this file drifts from them.",
        crate::ownership::HEADER
    )
}

/// A service's path inside the repository in snapshot form (`""` for the root).
pub fn snapshot_path(path: &str) -> &str {
    scan::snapshot_path(path)
}

/// `folder/name`, with `.` meaning the root.
pub fn repo_join(folder: &str, name: &str) -> String {
    scan::join(snapshot_path(folder), name)
}

/// Every file for the answers.
pub fn plan(config: &Config, templates: &Templates) -> Result<Vec<PlannedFile>, Error> {
    let mut files = Vec::new();
    let files_on = &config.files;
    for service in &config.services {
        if service.dockerfile.is_none() {
            if files_on.dockerfile {
                let (name, context) = dockerfile::context(service)?;
                files.push(PlannedFile {
                    path: repo_join(&service.path, "Dockerfile"),
                    kind: FileKind::Dockerfile,
                    ownership: Ownership::Whole,
                    contents: templates.render(&name, &context)?,
                });
            }
            if files_on.dockerignore {
                files.push(docs::dockerignore(service, templates)?);
            }
        }
        if files_on.env_example && !service.env_vars.is_empty() {
            files.push(docs::env_example(service, config.ci));
        }
    }
    let mut workflow_named = workflow_path(config);
    let github = config.ci == crate::config::Ci::Github;
    if files_on.workflow && !github {
        workflow_named = gitlab::PATH.into();
        files.push(PlannedFile {
            path: gitlab::PATH.into(),
            kind: FileKind::Workflow,
            ownership: Ownership::Whole,
            contents: gitlab::render(config, templates)?,
        });
    }
    if files_on.workflow && github {
        let whole = templates.render(WORKFLOW_TEMPLATE, &workflow::context(config))?;
        if whole.len() <= WORKFLOW_LIMIT {
            files.push(PlannedFile {
                path: workflow_path(config),
                kind: FileKind::Workflow,
                ownership: Ownership::Whole,
                contents: whole,
            });
        } else {
            // GitHub would not run it at all: one workflow per service instead.
            workflow_named = format!("{WORKFLOW_DIR}/backend-im-<app>.yml");
            for (app, context) in workflow::contexts_per_service(config) {
                files.push(PlannedFile {
                    path: format!("{WORKFLOW_DIR}/backend-im-{app}.yml"),
                    kind: FileKind::Workflow,
                    ownership: Ownership::Whole,
                    contents: templates.render(WORKFLOW_TEMPLATE, &context)?,
                });
            }
        }
    }
    if files_on.dependabot && github {
        files.push(PlannedFile {
            path: ".github/dependabot.yml".into(),
            kind: FileKind::Dependabot,
            ownership: Ownership::Whole,
            contents: templates.render("github/dependabot.yml.tera", &workflow::dependabot_context())?,
        });
    }
    if compose::wanted(config) {
        files.push(compose::plan(config, templates)?);
    }
    if files_on.readme {
        files.push(docs::readme(config, templates, &workflow_named)?);
    }
    if config.services.iter().any(|s| !s.env_vars.is_empty()) {
        files.push(docs::gitignore());
    }
    files.push(PlannedFile {
        path: crate::config::FILE_NAME.into(),
        kind: FileKind::Answers,
        ownership: Ownership::Whole,
        contents: config.to_toml(),
    });
    // What bim renders of each file it makes whole is kept, as the next merge's base.
    let rendered: Vec<PlannedFile> = files
        .iter()
        .filter(|f| {
            matches!(
                f.kind,
                FileKind::Dockerfile
                    | FileKind::Dockerignore
                    | FileKind::Workflow
                    | FileKind::Dependabot
                    | FileKind::Compose
            )
        })
        .map(|f| PlannedFile {
            path: crate::ownership::rendered_path(&f.path),
            kind: FileKind::Rendered,
            ownership: Ownership::Whole,
            contents: f.contents.clone(),
        })
        .collect();
    files.extend(rendered);
    Ok(files)
}

pub use crate::ownership::WORKFLOW;
const WORKFLOW_DIR: &str = ".github/workflows";
const WORKFLOW_TEMPLATE: &str = "github/deploy.yml.tera";
/// The largest workflow file bim writes as one: GitHub refuses to run one over 512 KiB,
/// and this keeps a margin for a person's additions.
pub const WORKFLOW_LIMIT: usize = 500 * 1000;

/// The workflow's path: bim's own name, or the one an earlier bim wrote and the repository keeps.
pub fn workflow_path(config: &Config) -> String {
    config.facts.workflow.clone().unwrap_or_else(|| WORKFLOW.into())
}

/// A service's facts; none for answers that have not had them read.
pub fn facts_of(service: &ServiceConfig) -> &Facts {
    static NONE: std::sync::LazyLock<Facts> = std::sync::LazyLock::new(Facts::default);
    service.facts.as_ref().unwrap_or(&NONE)
}

/// The folder (relative to the root, `.` for the root) an image is built from.
pub fn build_context(service: &ServiceConfig) -> &str {
    service.context.as_deref().unwrap_or(&service.path)
}

/// The path from the build context to the service's folder (`.` when they are the same).
pub fn service_dir_in_context(service: &ServiceConfig) -> String {
    let context = snapshot_path(build_context(service));
    let path = snapshot_path(&service.path);
    let inner = path.strip_prefix(context).unwrap_or(path).trim_start_matches('/');
    if inner.is_empty() { ".".into() } else { inner.to_string() }
}

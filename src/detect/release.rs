//! The release command: what runs once per deploy, before the new version serves (database
//! migrations). A Procfile `release:` line names it (see `procfile`). Otherwise:
//!
//! - steps a start command runs before its server (`flask db upgrade; gunicorn ...`) are
//!   moved out of it: a migration becomes the release command, so it never runs at every
//!   start of every instance, and a translation compile joins the build;
//! - a framework whose migrations the repository holds gets its migrate command, from the
//!   table below.

use super::dir::Dir;
use super::model::{Framework, Language, Service};
use crate::detect::Field;
use crate::error::Error;

/// Steps that migrate a database: run once per release.
pub(super) const MIGRATE_STEPS: &[&str] = &[
    "flask db upgrade",
    "manage.py migrate",
    "alembic upgrade",
    "rails db:migrate",
    "rails db:prepare",
    "rake db:migrate",
    "prisma migrate deploy",
    "artisan migrate",
    "knex migrate:latest",
    "drizzle-kit migrate",
    "Release.migrate",
];

/// Steps that compile files the app reads: they belong to the build.
pub(super) const BUILD_STEPS: &[&str] =
    &["flask translate compile", "pybabel compile", "compilemessages", "collectstatic", "assets:precompile"];

/// A framework's migrations, where the repository holds them.
struct Migrations {
    language: Language,
    framework: Option<Framework>,
    /// A folder that holds migration files, or a file that configures them.
    marker: &'static str,
    /// A dependency that must be present, when the marker alone is not enough.
    dependency: Option<&'static str>,
    command: &'static str,
}

const MIGRATIONS: &[Migrations] = &[
    Migrations {
        language: Language::Python,
        framework: Some(Framework::Django),
        marker: "manage.py",
        dependency: None,
        command: "python manage.py migrate --noinput",
    },
    Migrations {
        language: Language::Python,
        framework: None,
        marker: "migrations/alembic.ini",
        dependency: Some("flask-migrate"),
        command: "flask db upgrade",
    },
    Migrations {
        language: Language::Python,
        framework: None,
        marker: "alembic.ini",
        dependency: Some("alembic"),
        command: "alembic upgrade head",
    },
    Migrations {
        language: Language::Ruby,
        framework: Some(Framework::Rails),
        marker: "db/migrate",
        dependency: None,
        command: "bin/rails db:prepare",
    },
    Migrations {
        language: Language::Node,
        framework: None,
        marker: "prisma/migrations",
        dependency: None,
        command: "npx prisma migrate deploy",
    },
    Migrations {
        language: Language::Node,
        framework: None,
        marker: "knexfile.js",
        dependency: Some("knex"),
        command: "npx knex migrate:latest",
    },
    Migrations {
        language: Language::Node,
        framework: None,
        marker: "drizzle.config.ts",
        dependency: Some("drizzle-orm"),
        command: "npx drizzle-kit migrate",
    },
    Migrations {
        language: Language::Node,
        framework: None,
        marker: "drizzle.config.js",
        dependency: Some("drizzle-orm"),
        command: "npx drizzle-kit migrate",
    },
    Migrations {
        language: Language::Php,
        framework: Some(Framework::Laravel),
        marker: "database/migrations",
        dependency: None,
        command: "php artisan migrate --force",
    },
];

/// Sets the service's release command, and takes release and build steps out of its start.
/// A start script that migrates keeps doing so, and gets no second migration.
pub fn apply(dir: &Dir, service: &mut Service, migrates_at_start: bool) -> Result<(), Error> {
    split_start(service);
    if service.release_command.is_none() && !migrates_at_start {
        from_migrations(dir, service)?;
    }
    Ok(())
}

/// `step; step && server`: the steps before the server that migrate or compile.
fn split_start(service: &mut Service) {
    let Some(start) = service.start_command.clone() else { return };
    let steps: Vec<&str> = start.split([';', '&']).map(str::trim).filter(|s| !s.is_empty()).collect();
    if steps.len() < 2 || start.contains("||") || start.contains('|') {
        return;
    }
    let (before, server) = steps.split_at(steps.len() - 1);
    let mut release = Vec::new();
    let mut build = Vec::new();
    for step in before {
        if MIGRATE_STEPS.iter().any(|m| step.contains(m)) {
            release.push(*step);
        } else if BUILD_STEPS.iter().any(|b| step.contains(b)) {
            build.push(*step);
        } else {
            return; // a step bim cannot place: the start stays as the repository wrote it
        }
    }
    let file = service
        .evidence
        .iter()
        .rev()
        .find(|e| e.field == Field::StartCommand)
        .and_then(|e| e.file.clone())
        .unwrap_or_default();
    service.start_command = Some(server[0].to_string());
    let moved = |what: &[&str]| what.join(" && ");
    if !release.is_empty() && service.release_command.is_none() {
        service.found(
            Field::ReleaseCommand,
            &file,
            format!("the start ran `{}` first; it runs once per release instead", moved(&release)),
        );
        service.release_command = Some(moved(&release));
    }
    // A step the build already runs (Django's collectstatic) is not run twice.
    let building = service.build_command.clone().unwrap_or_default();
    build.retain(|step| {
        let verb = BUILD_STEPS.iter().find(|b| step.contains(*b)).copied().unwrap_or(step);
        !building.contains(verb)
    });
    if !build.is_empty() {
        let steps = moved(&build);
        service.found(
            Field::BuildCommand,
            &file,
            format!("the start ran `{steps}` first; it runs in the build"),
        );
        service.build_command = Some(match service.build_command.take() {
            Some(existing) => format!("{existing} && {steps}"),
            None => steps,
        });
    }
    service.warn(format!(
        "the start command ran steps before the server; they moved to the release and build commands, so \
         the image starts `{}` (pass --start-command to keep them at start)",
        server[0]
    ));
}

fn from_migrations(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    for rule in MIGRATIONS {
        let applies = rule.language == service.language
            && rule.framework.is_none_or(|f| f == service.framework)
            && (dir.has(rule.marker) || dir.has_dir(rule.marker))
            && rule.dependency.is_none_or(|d| service.dependencies.contains(d));
        if !applies {
            continue;
        }
        if rule.framework == Some(Framework::Django) && !has_django_migrations(dir) {
            continue;
        }
        service.found(Field::ReleaseCommand, &dir.rel(rule.marker), format!("migrations: {}", rule.command));
        service.release_command = Some(rule.command.to_string());
        return Ok(());
    }
    // A Django project below the manifests migrates from its own folder.
    if let Some(sub) = service.notes.django_project.clone()
        && service.language == Language::Python
        && has_django_migrations(dir)
    {
        let command = format!("python {sub}/manage.py migrate --noinput");
        service.found(
            Field::ReleaseCommand,
            &dir.rel(&format!("{sub}/manage.py")),
            format!("migrations: {command}"),
        );
        service.release_command = Some(command);
        return Ok(());
    }
    if service.language == Language::Elixir {
        phoenix(dir, service)?;
    }
    Ok(())
}

/// A Django app's own migrations: `<app>/migrations/0001_*.py`.
fn has_django_migrations(dir: &Dir) -> bool {
    dir.snap.files_under(dir.path).any(|p| {
        let mut parts = p.rsplit('/');
        let (Some(file), Some(folder)) = (parts.next(), parts.next()) else { return false };
        folder == "migrations" && file.starts_with("0001_") && file.ends_with(".py")
    })
}

/// A Phoenix release migrates through the module `mix phx.gen.release` writes.
fn phoenix(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    if !dir.has_dir("priv/repo/migrations") {
        return Ok(());
    }
    let Some(bin) = service.entrypoint.clone() else { return Ok(()) };
    for rel in dir.sources(&[".ex"]) {
        let Some(file) = dir.source_text(rel)? else { continue };
        let Some(module) = file
            .text
            .lines()
            .find_map(|l| l.trim().strip_prefix("defmodule ").and_then(|m| m.strip_suffix(" do")))
            .filter(|m| m.ends_with(".Release"))
        else {
            continue;
        };
        if file.text.contains("def migrate") {
            let command = format!("bin/{bin} eval \"{module}.migrate\"");
            service.found(Field::ReleaseCommand, rel, format!("{module}.migrate: {command}"));
            service.release_command = Some(command);
            return Ok(());
        }
    }
    Ok(())
}

//! compose.yaml: the app beside the databases, caches and brokers it talks to, for local
//! runs (`docker compose up`). Each backing service has a health check the app waits for
//! and a named volume; every credential comes from `.env` (`${NAME:?...}`), never inline.
//! The release command runs once, as a one-shot service the app waits for; each process
//! (a worker) runs from the same image.

use serde::Serialize;

use super::{FileKind, Ownership, PlannedFile, build_context, header, repo_join};
use crate::config::{Config, ServiceConfig};
use crate::error::Error;
use crate::render::Templates;

pub const PATH: &str = "compose.yaml";

/// Compose files a repository may already have; bim never writes beside one of them.
/// A backing service: its image, settings, health check and where it keeps its data.
struct Kind {
    name: &'static str,
    image: &'static str,
    port: u16,
    /// Settings, `{password}` standing for the `.env` variable.
    environment: &'static [(&'static str, &'static str)],
    password: Option<&'static str>,
    healthcheck: &'static [&'static str],
    data: &'static str,
    /// The variables an app reads to reach it, the first the default; `{password}` as above.
    variables: &'static [&'static str],
    url: &'static str,
}

const KINDS: &[Kind] = &[
    Kind {
        name: "postgres",
        image: "postgres:17",
        port: 5432,
        environment: &[("POSTGRES_USER", "app"), ("POSTGRES_DB", "app"), ("POSTGRES_PASSWORD", "{password}")],
        password: Some("POSTGRES_PASSWORD"),
        healthcheck: &["CMD-SHELL", "pg_isready -U app -d app"],
        data: "/var/lib/postgresql/data",
        variables: &["DATABASE_URL", "POSTGRES_URL", "POSTGRES_DSN", "DB_URL"],
        url: "postgres://app:{password}@postgres:5432/app",
    },
    Kind {
        name: "mysql",
        image: "mysql:8.4",
        port: 3306,
        environment: &[
            ("MYSQL_DATABASE", "app"),
            ("MYSQL_USER", "app"),
            ("MYSQL_PASSWORD", "{password}"),
            ("MYSQL_RANDOM_ROOT_PASSWORD", "yes"),
        ],
        password: Some("MYSQL_PASSWORD"),
        healthcheck: &["CMD-SHELL", "mysqladmin ping -h 127.0.0.1 --silent"],
        data: "/var/lib/mysql",
        variables: &["DATABASE_URL", "MYSQL_URL", "DB_URL"],
        url: "mysql://app:{password}@mysql:3306/app",
    },
    Kind {
        name: "redis",
        image: "redis:7",
        port: 6379,
        environment: &[],
        password: None,
        healthcheck: &["CMD", "redis-cli", "ping"],
        data: "/data",
        variables: &["REDIS_URL", "CELERY_BROKER_URL"],
        url: "redis://redis:6379/0",
    },
    Kind {
        name: "mongodb",
        image: "mongo:8",
        port: 27017,
        environment: &[("MONGO_INITDB_ROOT_USERNAME", "app"), ("MONGO_INITDB_ROOT_PASSWORD", "{password}")],
        password: Some("MONGO_PASSWORD"),
        healthcheck: &["CMD", "mongosh", "--quiet", "--eval", "db.adminCommand('ping')"],
        data: "/data/db",
        variables: &["MONGODB_URI", "MONGODB_URL", "MONGO_URL", "MONGO_URI", "DATABASE_URL"],
        url: "mongodb://app:{password}@mongodb:27017/app?authSource=admin",
    },
    Kind {
        name: "rabbitmq",
        image: "rabbitmq:4",
        port: 5672,
        environment: &[("RABBITMQ_DEFAULT_USER", "app"), ("RABBITMQ_DEFAULT_PASS", "{password}")],
        password: Some("RABBITMQ_PASSWORD"),
        healthcheck: &["CMD", "rabbitmq-diagnostics", "-q", "ping"],
        data: "/var/lib/rabbitmq",
        variables: &["AMQP_URL", "RABBITMQ_URL"],
        url: "amqp://app:{password}@rabbitmq:5672/",
    },
];

#[derive(Serialize)]
struct ComposeContext {
    header: String,
    apps: Vec<App>,
    backing: Vec<Backing>,
}

/// A name and its value (Tera reads fields, not tuple positions).
#[derive(Serialize, Debug)]
pub struct Pair {
    name: String,
    value: String,
}

fn pair(name: impl Into<String>, value: impl Into<String>) -> Pair {
    Pair { name: name.into(), value: value.into() }
}

#[derive(Serialize)]
struct App {
    name: String,
    context: String,
    dockerfile: String,
    port: u16,
    env_file: String,
    environment: Vec<Pair>,
    /// Each service waited for, with the condition.
    depends_on: Vec<Pair>,
    /// One-shot and extra services from the same image, their commands' `$` escaped.
    release: Option<String>,
    processes: Vec<Pair>,
}

#[derive(Serialize)]
struct Backing {
    name: &'static str,
    image: &'static str,
    port: u16,
    environment: Vec<Pair>,
    healthcheck: String,
    data: &'static str,
}

/// Whether bim writes compose.yaml: asked for, or (unless turned off) when an app talks to
/// a backing service and the repository has no compose file of its own.
pub fn wanted(config: &Config) -> bool {
    match config.files.compose {
        Some(on) => on,
        None => {
            config.services.iter().any(|s| !s.backing_services.is_empty())
                && config.facts.own_compose.is_none()
        }
    }
}

pub fn plan(config: &Config, templates: &Templates) -> Result<PlannedFile, Error> {
    let mut kinds: Vec<&Kind> = Vec::new();
    for service in &config.services {
        for name in &service.backing_services {
            if let Some(kind) = KINDS.iter().find(|k| k.name == name)
                && !kinds.iter().any(|k| k.name == kind.name)
            {
                kinds.push(kind);
            }
        }
    }
    kinds.sort_by_key(|k| KINDS.iter().position(|o| o.name == k.name));
    let backing = kinds
        .iter()
        .map(|kind| Backing {
            name: kind.name,
            image: kind.image,
            port: kind.port,
            environment: kind.environment.iter().map(|(k, v)| pair(*k, with_password(kind, v))).collect(),
            healthcheck: serde_json::to_string(kind.healthcheck).unwrap_or_default(),
            data: kind.data,
        })
        .collect();
    let apps = config.services.iter().map(app).collect();
    let contents = templates
        .render("compose/compose.yaml.tera", &ComposeContext { header: header("#"), apps, backing })?;
    Ok(PlannedFile { path: PATH.into(), kind: FileKind::Compose, ownership: Ownership::Whole, contents })
}

fn app(service: &ServiceConfig) -> App {
    let mut environment: Vec<Pair> = Vec::new();
    let mut depends_on = Vec::new();
    for name in &service.backing_services {
        let Some(kind) = KINDS.iter().find(|k| k.name == name) else { continue };
        depends_on.push(pair(kind.name, "service_healthy"));
        for variable in reach(kind, service) {
            if !environment.iter().any(|p| p.name == variable) {
                environment.push(pair(variable, with_password(kind, kind.url)));
            }
        }
    }
    let escape = |command: &str| command.replace('$', "$$");
    App {
        name: service.app.clone(),
        context: build_context(service).to_string(),
        dockerfile: service.dockerfile.clone().unwrap_or_else(|| repo_join(&service.path, "Dockerfile")),
        port: service.port,
        env_file: repo_join(&service.path, ".env"),
        environment,
        depends_on,
        release: service.release_command.as_deref().map(escape),
        processes: service
            .processes
            .iter()
            .map(|(name, command)| pair(name.clone(), escape(command)))
            .collect(),
    }
}

/// A backing service as a job's service container for the workflow's smoke test: the
/// image compose.yaml runs, its settings with a throwaway password, its health check as
/// docker's options (the job waits for it), its port on the runner.
#[derive(Serialize, Debug)]
pub struct SmokeBacking {
    pub name: &'static str,
    pub image: &'static str,
    pub port: u16,
    pub environment: Vec<Pair>,
    pub options: String,
}

/// The password every smoke-test backing service gets: the job's containers live minutes.
const SMOKE_PASSWORD: &str = "smoke-test-only";

/// The backing services a smoke test runs beside the image, and the settings that point the
/// app at them (on the runner's own address, as the image runs on its network).
pub fn smoke(service: &ServiceConfig) -> (Vec<SmokeBacking>, Vec<String>) {
    let mut backing = Vec::new();
    let mut settings: Vec<String> = Vec::new();
    for name in &service.backing_services {
        let Some(kind) = KINDS.iter().find(|k| k.name == name) else { continue };
        let health = match kind.healthcheck {
            ["CMD-SHELL", command] => command.to_string(),
            [_, words @ ..] => words
                .iter()
                .map(|w| if w.contains([' ', '(', '\'']) { format!("\\\"{w}\\\"") } else { w.to_string() })
                .collect::<Vec<_>>()
                .join(" "),
            [] => continue,
        };
        backing.push(SmokeBacking {
            name: kind.name,
            image: kind.image,
            port: kind.port,
            environment: kind
                .environment
                .iter()
                .map(|(k, v)| pair(*k, v.replace("{password}", SMOKE_PASSWORD)))
                .collect(),
            options: format!(
                "--health-cmd \"{health}\" --health-interval 2s --health-timeout 5s --health-retries 45"
            ),
        });
        let here = format!("127.0.0.1:{}", kind.port);
        let url = kind
            .url
            .replace("{password}", SMOKE_PASSWORD)
            .replace(&format!("{}:{}", kind.name, kind.port), &here);
        for variable in reach(kind, service) {
            if !settings.iter().any(|s| s.starts_with(&format!("{variable}="))) {
                settings.push(format!("{variable}={url}"));
            }
        }
    }
    (backing, settings)
}

/// The variables that point the app at a backing service: those of its kind the app
/// reads, else the kind's usual one.
fn reach(kind: &Kind, service: &ServiceConfig) -> Vec<&'static str> {
    let read: Vec<&str> =
        kind.variables.iter().copied().filter(|v| service.env_vars.contains_key(*v)).collect();
    if read.is_empty() { vec![kind.variables[0]] } else { read }
}

/// The `.env` variables compose.yaml reads the service's backing passwords from.
pub fn password_variables(service: &ServiceConfig) -> Vec<&'static str> {
    service
        .backing_services
        .iter()
        .filter_map(|name| KINDS.iter().find(|k| k.name == name).and_then(|k| k.password))
        .collect()
}

/// A setting with the `.env` variable that holds the password, which compose refuses to
/// start without.
fn with_password(kind: &Kind, value: &str) -> String {
    match kind.password {
        Some(variable) => value.replace("{password}", &format!("${{{variable}:?set {variable} in .env}}")),
        None => value.to_string(),
    }
}

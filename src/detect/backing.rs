//! The backing services an app talks to (a database, a cache, a broker), from the drivers
//! and ORMs its manifests name and the variables it reads. A table: a dependency or a
//! variable name, and the service it means. compose.yaml runs each for local runs.

use super::dir::Dir;
use super::model::{Language, Service};
use crate::detect::Field;
use crate::error::Error;

/// The backing services bim knows how to run, lower case as bim.toml spells them.
pub const KINDS: &[&str] = &["postgres", "mysql", "redis", "mongodb", "rabbitmq"];

/// (ecosystem's language, dependency, service).
const DRIVERS: &[(Language, &str, &str)] = &[
    (Language::Node, "pg", "postgres"),
    (Language::Node, "postgres", "postgres"),
    (Language::Node, "mysql2", "mysql"),
    (Language::Node, "mysql", "mysql"),
    (Language::Node, "redis", "redis"),
    (Language::Node, "ioredis", "redis"),
    (Language::Node, "bullmq", "redis"),
    (Language::Node, "mongoose", "mongodb"),
    (Language::Node, "mongodb", "mongodb"),
    (Language::Node, "amqplib", "rabbitmq"),
    (Language::Python, "psycopg2", "postgres"),
    (Language::Python, "psycopg2-binary", "postgres"),
    (Language::Python, "psycopg", "postgres"),
    (Language::Python, "asyncpg", "postgres"),
    (Language::Python, "mysqlclient", "mysql"),
    (Language::Python, "pymysql", "mysql"),
    (Language::Python, "mysql-connector-python", "mysql"),
    (Language::Python, "redis", "redis"),
    (Language::Python, "celery[redis]", "redis"),
    (Language::Python, "rq", "redis"),
    (Language::Python, "pymongo", "mongodb"),
    (Language::Python, "motor", "mongodb"),
    (Language::Python, "pika", "rabbitmq"),
    (Language::Python, "aio-pika", "rabbitmq"),
    (Language::Ruby, "pg", "postgres"),
    (Language::Ruby, "mysql2", "mysql"),
    (Language::Ruby, "redis", "redis"),
    (Language::Ruby, "sidekiq", "redis"),
    (Language::Ruby, "mongoid", "mongodb"),
    (Language::Ruby, "bunny", "rabbitmq"),
    (Language::Rust, "tokio-postgres", "postgres"),
    (Language::Rust, "postgres", "postgres"),
    (Language::Rust, "diesel", "postgres"),
    (Language::Rust, "redis", "redis"),
    (Language::Rust, "mongodb", "mongodb"),
    (Language::Rust, "lapin", "rabbitmq"),
    (Language::Go, "github.com/jackc/pgx", "postgres"),
    (Language::Go, "github.com/lib/pq", "postgres"),
    (Language::Go, "gorm.io/driver/postgres", "postgres"),
    (Language::Go, "github.com/go-sql-driver/mysql", "mysql"),
    (Language::Go, "github.com/redis/go-redis", "redis"),
    (Language::Go, "github.com/go-redis/redis", "redis"),
    (Language::Go, "go.mongodb.org/mongo-driver", "mongodb"),
    (Language::Go, "github.com/rabbitmq/amqp091-go", "rabbitmq"),
    (Language::Elixir, "postgrex", "postgres"),
    (Language::Elixir, "myxql", "mysql"),
    (Language::Elixir, "redix", "redis"),
];

/// Variables whose name says which service they reach.
const VARIABLES: &[(&str, &str)] = &[
    ("POSTGRES_URL", "postgres"),
    ("POSTGRES_DSN", "postgres"),
    ("PGHOST", "postgres"),
    ("MYSQL_URL", "mysql"),
    ("MYSQL_HOST", "mysql"),
    ("REDIS_URL", "redis"),
    ("REDIS_HOST", "redis"),
    ("MONGODB_URI", "mongodb"),
    ("MONGODB_URL", "mongodb"),
    ("MONGO_URL", "mongodb"),
    ("MONGO_URI", "mongodb"),
    ("AMQP_URL", "rabbitmq"),
    ("RABBITMQ_URL", "rabbitmq"),
    ("CELERY_BROKER_URL", "redis"),
];

/// Records the backing services the service's dependencies and variables reach.
pub fn apply(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let manifest = service.manifest_file();
    let mut found: Vec<(&str, String, String)> = Vec::new();
    for (language, dependency, kind) in DRIVERS {
        let uses =
            service.dependencies.iter().any(|d| d == dependency || d.starts_with(&format!("{dependency}/")));
        if *language == service.language && uses && !found.iter().any(|(k, ..)| k == kind) {
            found.push((kind, manifest.clone(), format!("depends on {dependency}")));
        }
    }
    if service.dependencies.contains("@prisma/client")
        && let Some(schema) = dir.text("prisma/schema.prisma")?
    {
        let kind = match prisma_provider(&schema.text) {
            Some("postgresql" | "postgres") => Some("postgres"),
            Some("mysql") => Some("mysql"),
            Some("mongodb") => Some("mongodb"),
            _ => None,
        };
        if let Some(kind) = kind.filter(|k| !found.iter().any(|(f, ..)| f == k)) {
            found.push((
                kind,
                dir.rel("prisma/schema.prisma"),
                format!("the Prisma datasource's provider is {kind}"),
            ));
        }
    }
    for (name, kind) in VARIABLES {
        if service.env_vars.iter().any(|v| v == name) && !found.iter().any(|(k, ..)| k == kind) {
            let file = service.env_files.get(*name).cloned().unwrap_or_else(|| manifest.clone());
            found.push((kind, file, format!("reads {name}")));
        }
    }
    found.sort_by_key(|(kind, ..)| KINDS.iter().position(|k| k == kind));
    for (kind, file, detail) in found {
        service.found(Field::BackingServices, &file, format!("{kind}: {detail}"));
        service.backing_services.push(kind.to_string());
    }
    Ok(())
}

/// The provider of a Prisma schema's `datasource` block (`postgresql`, `mysql`, `sqlite`),
/// not its generator's.
pub(super) fn prisma_provider(schema: &str) -> Option<&str> {
    let mut in_datasource = false;
    for line in schema.lines().map(str::trim) {
        if line.starts_with("datasource ") {
            in_datasource = true;
        } else if line.starts_with('}') {
            in_datasource = false;
        } else if in_datasource
            && let Some(value) = line.strip_prefix("provider").and_then(|r| r.trim_start().strip_prefix('='))
        {
            return Some(value.trim().trim_matches('"'));
        }
    }
    None
}

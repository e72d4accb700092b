//! compose.yaml: written when an app talks to a backing service (or with `--compose`),
//! never with `--no-compose` or beside a compose file of the repository's own; every
//! backing service healthy before the app starts; credentials only from `.env`.

use crate::harness::Test;
use crate::tools;

#[test]
fn compose_runs_each_backing_service_the_app_talks_to() {
    let run = Test::fixture("node-mongo-mysql-rabbitmq").args(&["init", "--yes"]).run().code(0);
    let compose = run.read("compose.yaml");
    for needed in [
        "image: mongo:8",
        "image: mysql:8.4",
        "image: rabbitmq:4",
        "MONGODB_URI: \"mongodb://app:${MONGO_PASSWORD:?set MONGO_PASSWORD in .env}@mongodb:27017/app?authSource=admin\"",
        "MYSQL_URL: \"mysql://app:${MYSQL_PASSWORD:?set MYSQL_PASSWORD in .env}@mysql:3306/app\"",
        "AMQP_URL: \"amqp://app:${RABBITMQ_PASSWORD:?set RABBITMQ_PASSWORD in .env}@rabbitmq:5672/\"",
        "condition: service_healthy",
        "mongodb-data:/data/db",
    ] {
        assert!(compose.contains(needed), "{needed:?} missing:\n{compose}");
    }
    assert!(!compose.contains("DATABASE_URL"), "the names the code reads, not a default:\n{compose}");
    let found = tools::lint_compose(&run.dir.path().join("compose.yaml"));
    assert!(found.is_empty(), "{found}");
    let example = run.read(".env.example");
    for name in ["MONGO_PASSWORD=", "MYSQL_PASSWORD=", "RABBITMQ_PASSWORD="] {
        assert!(example.contains(name), "{name} in .env.example:\n{example}");
    }
    Test::new().args(&["check", &run.dir.path().display().to_string()]).run().code(0);
}

#[test]
fn compose_is_opt_out_opt_in_and_never_beside_the_repositorys_own() {
    let off = Test::fixture("node-express-npm").args(&["init", "--yes", "--no-compose"]).run().code(0);
    assert!(!off.exists("compose.yaml"));
    assert!(off.read("bim.toml").contains("compose = false"));
    // bim.toml keeps the choice.
    Test::new().args(&["init", "--yes", &off.dir.path().display().to_string()]).run().code(0);
    assert!(!off.exists("compose.yaml"));

    let plain = Test::fixture("go-stdlib").args(&["init", "--yes"]).run().code(0);
    assert!(!plain.exists("compose.yaml"), "no backing service, no compose.yaml");
    let on = Test::fixture("go-stdlib").args(&["init", "--yes", "--compose"]).run().code(0);
    assert!(on.read("compose.yaml").contains("build:"));

    let theirs = Test::fixture("node-express-npm")
        .file("docker-compose.yml", "services:\n  web:\n    build: .\n")
        .args(&["init", "--yes"])
        .run()
        .code(0);
    assert!(!theirs.exists("compose.yaml"), "compose.yaml would take over from their docker-compose.yml");
}

#[test]
fn the_release_command_runs_once_before_the_app_and_workers_run_from_the_same_image() {
    let run = Test::fixture("python-django-celery").args(&["init", "--yes"]).run().code(0);
    let compose = run.read("compose.yaml");
    let app = compose.lines().find(|l| l.starts_with("  ") && !l.starts_with("   ")).expect("first service");
    let app = app.trim().trim_end_matches(':').to_string();
    assert!(compose.contains(&format!("  {app}-release:\n")), "{compose}");
    assert!(compose.contains("condition: service_completed_successfully"), "{compose}");
    assert!(
        compose.contains("entrypoint: [\"sh\", \"-c\", \"python manage.py migrate --noinput\"]"),
        "{compose}"
    );
    assert!(compose.contains(&format!("  {app}-worker:\n")), "{compose}");
    let found = tools::lint_compose(&run.dir.path().join("compose.yaml"));
    assert!(found.is_empty(), "{found}");
}

//! `bim detect`: a JSON snapshot of every fixture, the JSON Schema contract, exit codes,
//! and what must never reach the output.

use std::sync::LazyLock;

use crate::harness::{Test, fixture_names, fixtures_dir};

static SCHEMA: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema/detect.schema.json"))
        .expect("schema");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
});

fn detect_json(name: &str) -> (i32, String) {
    let output = assert_cmd::Command::cargo_bin("bim")
        .expect("bin")
        .args(["detect", "--json"])
        .arg(fixtures_dir().join(name))
        .output()
        .expect("run");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn every_fixture_matches_its_snapshot_and_the_schema() {
    let names = fixture_names();
    assert!(names.len() >= 40, "expected at least 40 fixtures, found {}", names.len());
    let root = fixtures_dir().display().to_string();
    for name in names {
        let (code, stdout) = detect_json(&name);
        let json: serde_json::Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{name}: not JSON: {e}\n{stdout}"));
        if code == 0 {
            let errors: Vec<String> =
                SCHEMA.iter_errors(&json).map(|e| format!("{} at {}", e, e.instance_path())).collect();
            assert!(errors.is_empty(), "{name}: output breaks the schema:\n{}", errors.join("\n"));
        } else {
            assert_eq!(json["error"]["exit_code"], code, "{name}: JSON error carries the exit code");
        }
        insta::with_settings!({
            snapshot_path => "snapshots/detect",
            prepend_module_to_snapshot => false,
            filters => vec![(regex_escape(&root).as_str(), "[FIXTURES]")],
            info => &format!("exit code {code}"),
        }, {
            insta::assert_snapshot!(name.as_str(), stdout);
        });
    }
}

fn regex_escape(text: &str) -> String {
    text.chars().flat_map(|c| if "\\.+*?()|[]{}^$".contains(c) { vec!['\\', c] } else { vec![c] }).collect()
}

#[test]
fn broken_manifests_name_the_file_and_position_and_exit_4() {
    for (fixture, needle) in [
        ("broken-package-json", "package.json is broken: invalid JSON: trailing comma at line 3 column 42"),
        ("broken-pyproject", "pyproject.toml is broken: invalid TOML at line 3 column"),
        ("broken-pom", "pom.xml is broken: invalid XML"),
    ] {
        Test::fixture(fixture).args(&["detect"]).run().code(4).stderr_has(needle).stderr_has("hint: fix");
    }
}

#[test]
fn nothing_to_deploy_exits_3_with_the_reason() {
    Test::new().args(&["detect"]).run().code(3).stderr_has("the folder is empty");
    Test::fixture("unknown-stack").args(&["detect"]).run().code(3).stderr_has("no manifest bim knows");
    Test::fixture("library-only").args(&["detect"]).run().code(3).stderr_has("libraries or tools");
}

#[test]
fn a_path_that_is_not_a_folder_is_a_usage_error() {
    Test::new().file("afile", "x").args(&["detect", "afile"]).run().code(2).stderr_has("is not a folder");
    Test::new().args(&["detect", "missing"]).run().code(2).stderr_has("is not a folder");
}

#[test]
fn errors_under_json_are_json_on_stdout() {
    let run = Test::new().args(&["detect", "--json"]).run().code(3);
    let json = run.json();
    assert_eq!(json["error"]["kind"], "nothing_detected");
    assert!(json["error"]["hint"].as_str().is_some_and(|h| h.contains("bim detect path/to/app")));
}

#[test]
fn human_output_is_short_and_verbose_adds_evidence() {
    let plain = Test::fixture("node-express-npm").args(&["detect", "--color", "never"]).run().code(0);
    assert!(plain.stdout.contains("orders-api (.) node · express"), "{}", plain.stdout);
    assert!(!plain.stdout.contains("evidence"));
    assert!(plain.stdout.lines().count() <= 10, "{}", plain.stdout);
    Test::fixture("node-express-npm")
        .args(&["detect", "--verbose", "--color", "never"])
        .run()
        .code(0)
        .stdout_has("evidence:")
        .stdout_has(".nvmrc: pins 20.11.1");
}

#[test]
fn no_color_when_not_a_terminal_or_when_asked() {
    let run = Test::fixture("go-stdlib").args(&["detect"]).run().code(0);
    assert!(!run.stdout.contains('\u{1b}'), "no escape codes when stdout is a pipe");
    let forced = Test::fixture("go-stdlib").args(&["detect", "--color", "always"]).run().code(0);
    assert!(forced.stdout.contains('\u{1b}'));
    let no_color =
        Test::fixture("go-stdlib").args(&["detect", "--color", "auto"]).env("NO_COLOR", "1").run().code(0);
    assert!(!no_color.stdout.contains('\u{1b}'));
}

#[test]
fn values_in_dotenv_files_never_reach_the_output() {
    let run = Test::fixture("env-example-and-compose").args(&["detect", "--json", "--verbose"]).run().code(0);
    assert!(!run.stdout.contains("hunter2"), "a .env value leaked");
    assert!(!run.stdout.contains("LEAKED_ONLY_IN_DOTENV"), "a name only in .env leaked");
    let names = run.json()["services"][0]["env_vars"].clone();
    assert_eq!(
        names,
        serde_json::json!(["APP_PORT", "LOG_LEVEL", "PORT", "REDIS_URL", "SMTP_HOST", "SMTP_PASSWORD"])
    );
}

#[test]
fn gitignored_vendored_and_dependency_folders_are_not_read() {
    let run = Test::fixture("gitignored-and-pruned").args(&["detect", "--json"]).run().code(0);
    let json = run.json();
    assert_eq!(json["services"].as_array().map(Vec::len), Some(1), "the ignored app is not a service");
    assert_eq!(json["services"][0]["env_vars"], serde_json::json!([]));
}

#[test]
fn global_git_excludes_are_not_consulted() {
    let home = tempfile::tempdir().expect("home");
    std::fs::write(home.path().join(".gitconfig"), "[core]\n\texcludesFile = ~/.globalignore\n")
        .expect("gitconfig");
    std::fs::write(home.path().join(".globalignore"), "server.js\npackage.json\n").expect("ignore");
    Test::new()
        .file(
            "package.json",
            r#"{"name":"x","scripts":{"start":"node server.js"},"dependencies":{"express":"4"}}"#,
        )
        .file("server.js", "require('express')().listen(3000)")
        .env("HOME", &home.path().display().to_string())
        .args(&["detect", "--json"])
        .run()
        .code(0);
}

#[test]
fn a_nested_app_in_a_git_repo_honours_the_repos_gitignore() {
    let test = Test::new()
        .file(".gitignore", "/app/secret-config.js\n")
        .file(
            "app/package.json",
            r#"{"name":"x","scripts":{"start":"node server.js"},"dependencies":{"express":"4"}}"#,
        )
        .file("app/server.js", "require('express')().listen(3000)")
        .file("app/secret-config.js", "process.env.ONLY_IN_IGNORED");
    std::fs::create_dir(test.path().join(".git")).expect("git dir");
    let run = test.args(&["detect", "--json", "app"]).run().code(0);
    assert_eq!(run.json()["services"][0]["env_vars"], serde_json::json!([]));
}

#[test]
fn folders_named_like_examples_or_samples_hold_no_services() {
    let run = crate::harness::Test::new()
        .file(
            "package.json",
            r#"{"name":"app","dependencies":{"express":"4"},"scripts":{"start":"node server.js"}}"#,
        )
        .file("server.js", "require('express')().listen(3000)\n")
        .file(
            "extra/push-examples/fetch/package.json",
            r#"{"name":"demo","scripts":{"start":"node index.js"}}"#,
        )
        .file("extra/push-examples/fetch/index.js", "require('http').createServer().listen(3000)\n")
        .args(&["detect", "--json"])
        .run()
        .code(0);
    let paths: Vec<String> = run.json()["services"]
        .as_array()
        .expect("services")
        .iter()
        .filter_map(|s| s["path"].as_str().map(str::to_string))
        .collect();
    assert_eq!(paths, ["."]);
}

/// Each framework's migrations, where the repository holds them, become the release
/// command; a start that migrates first is split, so the migration runs once per release.
#[test]
fn migrations_become_the_release_command() {
    type Files<'a> = &'a [(&'a str, &'a str)];
    let cases: &[(&str, Files, &str)] = &[
        (
            "django",
            &[
                ("manage.py", "import django\n"),
                ("requirements.txt", "Django==5.1\ngunicorn\n"),
                (
                    "shop/settings.py",
                    "INSTALLED_APPS = ['shop']\nROOT_URLCONF = 'shop.urls'\nWSGI_APPLICATION = 'shop.wsgi.application'\n",
                ),
                ("shop/wsgi.py", "application = None\n"),
                ("shop/migrations/0001_initial.py", "from django.db import migrations\n"),
            ],
            "python manage.py migrate --noinput",
        ),
        (
            "alembic",
            &[
                ("requirements.txt", "fastapi\nuvicorn\nalembic\n"),
                ("alembic.ini", "[alembic]\nscript_location = migrations\n"),
                ("main.py", "from fastapi import FastAPI\napp = FastAPI()\n"),
            ],
            "alembic upgrade head",
        ),
        (
            "flask-migrate",
            &[
                ("requirements.txt", "Flask\nFlask-Migrate\ngunicorn\n"),
                ("migrations/alembic.ini", "[alembic]\n"),
                ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
            ],
            "flask db upgrade",
        ),
        (
            "rails",
            &[
                ("Gemfile", "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\ngem 'puma'\n"),
                (
                    "config/application.rb",
                    "module Shop\n  class Application < Rails::Application\n  end\nend\n",
                ),
                ("config.ru", "run Rails.application\n"),
                (
                    "db/migrate/20240101000000_create_posts.rb",
                    "class CreatePosts < ActiveRecord::Migration[7.1]\nend\n",
                ),
            ],
            "bin/rails db:prepare",
        ),
        (
            "prisma",
            &[
                (
                    "package.json",
                    r#"{"name":"api","scripts":{"start":"node server.js"},"dependencies":{"express":"^4","@prisma/client":"^5"}}"#,
                ),
                ("server.js", "require('express')().listen(3000)\n"),
                (
                    "prisma/schema.prisma",
                    "datasource db { provider = \"postgresql\" url = env(\"DATABASE_URL\") }\n",
                ),
                ("prisma/migrations/20240101_init/migration.sql", "CREATE TABLE t (id int);\n"),
            ],
            "npx prisma migrate deploy",
        ),
        (
            "drizzle",
            &[
                (
                    "package.json",
                    r#"{"name":"api","scripts":{"start":"node server.js"},"dependencies":{"express":"^4","drizzle-orm":"^0.36"},"devDependencies":{"drizzle-kit":"^0.28"}}"#,
                ),
                ("server.js", "require('express')().listen(3000)\n"),
                (
                    "drizzle.config.ts",
                    "export default { out: './drizzle', schema: './src/schema.ts', dialect: 'postgresql' };\n",
                ),
            ],
            "npx drizzle-kit migrate",
        ),
        (
            "laravel",
            &[
                (
                    "composer.json",
                    r#"{"name":"acme/crm","require":{"php":"^8.2","laravel/framework":"^11"}}"#,
                ),
                ("artisan", "<?php\n"),
                ("public/index.php", "<?php\n"),
                ("database/migrations/2024_01_01_000000_create_users_table.php", "<?php\n"),
            ],
            "php artisan migrate --force",
        ),
        (
            "phoenix",
            &[
                (
                    "mix.exs",
                    "defmodule Chat.MixProject do\n  def project, do: [app: :chat, elixir: \"~> 1.16\", deps: [{:phoenix, \"~> 1.7\"}]]\nend\n",
                ),
                (
                    "priv/repo/migrations/20240101000000_create_rooms.exs",
                    "defmodule Chat.Repo.Migrations.CreateRooms do\nend\n",
                ),
                ("lib/chat/release.ex", "defmodule Chat.Release do\n  def migrate do\n  end\nend\n"),
            ],
            "bin/chat eval \"Chat.Release.migrate\"",
        ),
        (
            "a start that migrates first",
            &[
                ("requirements.txt", "Flask\nFlask-Migrate\nFlask-Babel\ngunicorn\n"),
                ("Procfile", "web: flask db upgrade; flask translate compile; gunicorn app:app\n"),
                ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
            ],
            "flask db upgrade",
        ),
        (
            "a Django start that migrates and collects static files first",
            &[
                ("requirements.txt", "Django==5.1\ngunicorn==23.0.0\nwhitenoise==6.8.2\n"),
                (
                    "manage.py",
                    "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\n",
                ),
                (
                    "site/settings.py",
                    "STATIC_ROOT = BASE_DIR / 'staticfiles'\nINSTALLED_APPS = ['django.contrib.staticfiles']\n",
                ),
                ("site/wsgi.py", "application = None\n"),
                (
                    "Procfile",
                    "web: python manage.py migrate && python manage.py collectstatic --no-input && gunicorn site.wsgi\n",
                ),
            ],
            "python manage.py migrate",
        ),
    ];
    for (what, files, expected) in cases {
        let mut test = Test::new();
        for (path, text) in *files {
            test = test.file(path, text);
        }
        let run = test.args(&["detect", "--json", "."]).run().code(0);
        let service = &run.json()["services"][0];
        assert_eq!(service["release_command"], *expected, "{what}: {service:#}");
        let evidence = service["evidence"].as_array().expect("evidence");
        assert!(
            evidence.iter().any(|e| e["field"] == "release_command"),
            "{what}: evidence names the source"
        );
        if *what == "a Django start that migrates and collects static files first" {
            assert_eq!(service["start_command"], "gunicorn site.wsgi --bind 0.0.0.0:8000", "{service:#}");
            let build = service["build_command"].as_str().unwrap_or("");
            assert_eq!(
                build.matches("collectstatic").count(),
                1,
                "collectstatic runs once, in the build: {build}"
            );
        }
        if *what == "a start that migrates first" {
            assert_eq!(service["start_command"], "gunicorn app:app --bind 0.0.0.0:8000", "{service:#}");
            assert_eq!(service["build_command"], "flask translate compile");
        }
    }
}

/// A lockfile out of date with package.json would fail the image's exact install: detect
/// says which ranges it lacks and how to fix it, for yarn 1 and npm alike.
#[test]
fn a_lockfile_out_of_date_with_package_json_is_named_with_the_fix() {
    let package = r#"{"name":"api","scripts":{"start":"node server.js"},"dependencies":{"express":"^4.21.0","pg":"^8.13.0"}}"#;
    let yarn = Test::new()
        .file("package.json", package)
        .file("server.js", "require('express')().listen(3000)\n")
        .file("yarn.lock", "# yarn lockfile v1\n\nexpress@^4.21.0:\n  version \"4.21.1\"\n\npg@^8.11.0:\n  version \"8.11.3\"\n")
        .args(&["detect", "--json", "."])
        .run()
        .code(0);
    let warnings = yarn.json()["services"][0]["warnings"].to_string();
    assert!(warnings.contains("yarn.lock does not lock pg@^8.13.0"), "{warnings}");
    assert!(warnings.contains("run `yarn install` and commit yarn.lock"), "{warnings}");
    assert!(!warnings.contains("express@"), "{warnings}");
    let npm = Test::new()
        .file("package.json", package)
        .file("server.js", "require('express')().listen(3000)\n")
        .file(
            "package-lock.json",
            r#"{"lockfileVersion":3,"packages":{"":{"dependencies":{"express":"^4.21.0","pg":"^8.13.0"}}}}"#,
        )
        .args(&["detect", "--json", "."])
        .run()
        .code(0);
    assert!(
        !npm.json()["services"][0]["warnings"].to_string().contains("does not lock"),
        "an up-to-date lock is quiet"
    );
}

/// A package.json start that runs the repository's script runs that script with its
/// interpreter, and the script is read: its migration is named with the flag that moves it.
#[test]
fn a_start_script_run_through_package_json_is_read() {
    let run = Test::new()
        .file(
            "package.json",
            r#"{"name":"api","scripts":{"start":"./scripts/start.sh"},"dependencies":{"express":"^4.21.0"}}"#,
        )
        .file(
            "package-lock.json",
            r#"{"lockfileVersion":3,"packages":{"":{"dependencies":{"express":"^4.21.0"}}}}"#,
        )
        .file("server.js", "require('express')().listen(process.env.PORT || 3000)\n")
        .file("scripts/start.sh", "#!/bin/sh\nset -e\nnpx prisma migrate deploy\nexec node server.js\n")
        .args(&["detect", "--json", "."])
        .run()
        .code(0);
    let service = &run.json()["services"][0];
    assert_eq!(service["start_command"], "sh scripts/start.sh", "{service:#}");
    let warnings = service["warnings"].to_string();
    assert!(warnings.contains("--release-command 'npx prisma migrate deploy'"), "{warnings}");
    let evidence = service["evidence"].to_string();
    assert!(evidence.contains("serves with `node server.js`"), "{evidence}");
}

/// A start named only by the repository's compose file, through its entrypoint script, is
/// the start; a development command there is not.
#[test]
fn a_compose_entrypoint_script_is_the_start_when_nothing_else_names_one() {
    let files = [
        ("api/requirements.txt", "flask==3.1.0\ngunicorn==23.0.0\n"),
        ("api/app.py", "from flask import Flask\napp = Flask(__name__)\n"),
        ("api/entrypoint.sh", "#!/bin/bash\nset -e\nflask db upgrade\nexec \"$@\"\n"),
    ];
    let compose = |command: &str| {
        format!(
            "services:\n  api:\n    build:\n      context: ./api\n    entrypoint: [\"./entrypoint.sh\"]\n    command: {command}\n  db:\n    image: postgres:17\n"
        )
    };
    let mut test = Test::new().file("docker-compose.yml", &compose("gunicorn -b 0.0.0.0:5000 app:app"));
    for (path, text) in files {
        test = test.file(path, text);
    }
    let run = test.args(&["detect", "--json", "."]).run().code(0);
    let service = &run.json()["services"][0];
    assert_eq!(
        service["start_command"], "bash entrypoint.sh gunicorn -b 0.0.0.0:5000 app:app",
        "{service:#}"
    );
    assert_eq!(service["port"], 5000, "the port comes from the server the script hands over to");
    assert!(service["evidence"].to_string().contains("docker-compose.yml"), "{service:#}");

    let mut dev = Test::new().file("docker-compose.yml", &compose("flask run --debug"));
    for (path, text) in files {
        dev = dev.file(path, text);
    }
    let run = dev.args(&["detect", "--json", "."]).run().code(0);
    let start = run.json()["services"][0]["start_command"].to_string();
    assert!(!start.contains("entrypoint.sh"), "a development command is never the start: {start}");
}

/// A start that runs a program in another language (`bin/rails`, with `#!/usr/bin/env
/// ruby`) is not read as a shell script: it runs as the repository wrote it.
#[test]
fn a_start_program_in_another_language_runs_as_written() {
    let run = Test::new()
        .file("Gemfile", "source \"https://rubygems.org\"\ngem \"rails\", \"~> 8.0\"\n")
        .file("bin/rails", "#!/usr/bin/env ruby\nAPP_PATH = File.expand_path(\"../config/application\", __dir__)\nrequire \"rails/commands\"\n")
        .args(&["detect", "--json", "."])
        .run()
        .code(0);
    let service = &run.json()["services"][0];
    assert_eq!(service["start_command"], "bin/rails server -b 0.0.0.0 -p 3000", "{service:#}");
    assert!(!service["evidence"].to_string().contains("start script"), "{service:#}");
}

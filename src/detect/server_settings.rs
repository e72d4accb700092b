//! The server settings a repository's own start uses, kept in bim's start. A repository
//! that runs gunicorn with a gevent worker for a streaming endpoint, or uvicorn behind a
//! proxy with `--proxy-headers`, says so in its entrypoint script, Procfile, compose file
//! or Dockerfile. bim's start is built from the app object alone, so without these the
//! default sync worker serves one stream at a time and the health check times out. One
//! table lists, per server, the flags that are settings (not the address, which bim sets).

use crate::detect::Field;
use std::sync::LazyLock;

use super::dir::Dir;
use super::model::Service;
use crate::error::Error;
use crate::pattern::Pattern;

/// (server, its setting flags and whether each takes a value).
const SETTINGS: &[(&str, &[(&str, bool)])] = &[
    (
        "gunicorn",
        &[
            ("-k", true),
            ("--worker-class", true),
            ("-w", true),
            ("--workers", true),
            ("--threads", true),
            ("-t", true),
            ("--timeout", true),
            ("--graceful-timeout", true),
            ("--keep-alive", true),
            ("--worker-connections", true),
            ("--max-requests", true),
            ("--max-requests-jitter", true),
            ("--forwarded-allow-ips", true),
            ("--preload", false),
        ],
    ),
    (
        "uvicorn",
        &[
            ("--workers", true),
            ("--proxy-headers", false),
            ("--forwarded-allow-ips", true),
            ("--timeout-keep-alive", true),
            ("--root-path", true),
            ("--loop", true),
            ("--http", true),
            ("--ws", true),
        ],
    ),
];

/// Files a repository starts its server from, besides its shell scripts.
const PLACES: &[&str] = &[
    "Procfile",
    "Dockerfile",
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
    "Makefile",
];

static INVOCATION: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"(?m)\b(gunicorn|uvicorn)\s+([^\n]*)"));

/// Adds the settings of the repository's own invocation of the server bim's start runs.
pub fn apply(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let Some(start) = service.start_command.clone() else { return Ok(()) };
    let Some((server, flags)) =
        SETTINGS.iter().find(|(server, _)| start.split_whitespace().next() == Some(*server))
    else {
        return Ok(());
    };
    let files: Vec<String> =
        PLACES.iter().map(|f| dir.rel(f)).chain(dir.sources(&[".sh"]).map(str::to_string)).collect();
    for rel in files {
        let Some(file) = dir.source_text(&rel)? else { continue };
        for caps in INVOCATION.captures_iter(&file.text) {
            if &caps[1] != *server {
                continue;
            }
            let kept = settings(&caps[2], flags, &start);
            if kept.is_empty() {
                continue;
            }
            let line = crate::manifest::line_of(&file.text, caps.get(0).map_or(0, |m| m.start()));
            let added = kept.join(" ");
            service.found_at(
                Field::StartCommand,
                &rel,
                line,
                format!("the repository's own start runs {server} with {added}: kept"),
            );
            service.start_command = Some(format!("{start} {added}"));
            return Ok(());
        }
    }
    Ok(())
}

/// The setting flags in `args` (with their values) that `start` does not already give,
/// each as one `--flag=value` word; a value from a variable or with shell syntax is left out.
fn settings(args: &str, flags: &[(&str, bool)], start: &str) -> Vec<String> {
    let words: Vec<&str> = args.split_whitespace().collect();
    let mut kept = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        i += 1;
        let (name, inline) = match word.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value)),
            _ => (word, None),
        };
        let Some((flag, takes_value)) = flags.iter().find(|(f, _)| *f == name) else { continue };
        let given = start.split_whitespace().any(|w| w == *flag || w.starts_with(&format!("{flag}=")));
        if !takes_value {
            if !given {
                kept.push(flag.to_string());
            }
            continue;
        }
        let value = match inline {
            Some(value) => value,
            None => {
                i += 1;
                words.get(i - 1).copied().unwrap_or("")
            }
        };
        let value = value.trim_matches(|c| c == '\'' || c == '"');
        let plain =
            !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "._-:/*,".contains(c));
        if plain && !given {
            kept.push(format!("{flag} {value}"));
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repositorys_worker_settings_are_kept_and_its_address_is_not() {
        let gunicorn = SETTINGS[0].1;
        assert_eq!(
            settings(
                "-k gevent --workers=4 --bind 0.0.0.0:5000 --timeout 120 app:app",
                gunicorn,
                "gunicorn app:app"
            ),
            ["-k gevent", "--workers 4", "--timeout 120"]
        );
        assert_eq!(settings("-w $WORKERS app:app", gunicorn, "gunicorn app:app"), Vec::<String>::new());
        assert_eq!(settings("-w 2 app:app", gunicorn, "gunicorn app:app -w 3"), Vec::<String>::new());
        let uvicorn = SETTINGS[1].1;
        assert_eq!(
            settings(
                "main:app --proxy-headers --forwarded-allow-ips='*' --port 80",
                uvicorn,
                "uvicorn main:app"
            ),
            ["--proxy-headers", "--forwarded-allow-ips *"]
        );
    }
}

//! A start the repository's own compose file names: the `entrypoint:` and `command:` of the
//! compose service built from this folder, when they run one of the repository's scripts
//! (`entrypoint: ./docker-entrypoint.sh`, `command: ./start.sh`). Used only when nothing
//! else named the start; a development start (`runserver`, `--reload`) is never taken.
//! The compose file is read line by line: only the simple forms (an inline string or an
//! inline `[...]` list) are understood, which is what these keys nearly always are.

use super::dir::Dir;
use super::model::Service;
use crate::detect::Field;
use crate::error::Error;
use crate::scan;

/// Compose files, a production one first.
const COMPOSE_FILES: &[&str] = &[
    "docker-compose.prod.yml",
    "docker-compose.prod.yaml",
    "compose.prod.yaml",
    "compose.prod.yml",
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// One compose service, as far as the start is concerned.
#[derive(Default, Debug)]
struct ComposeService {
    build: Option<String>,
    entrypoint: Option<String>,
    command: Option<String>,
    line: usize,
}

/// Takes the start from the compose service built from this folder, if it runs a script.
pub fn apply(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let named = service.evidence.iter().any(|e| e.field == Field::StartCommand && !e.default);
    if named && service.start_command.is_some() {
        return Ok(());
    }
    for folder in dir.ancestors() {
        for name in COMPOSE_FILES {
            let Some(file) = folder.text(name)? else { continue };
            if crate::ownership::made_by_bim(&file.text) {
                continue;
            }
            for compose in services(&file.text) {
                let Some(build) = &compose.build else { continue };
                let context = normalize(&scan::join(folder.path, build));
                if context != dir.path {
                    continue;
                }
                let words: Vec<&str> = [&compose.entrypoint, &compose.command]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                let start = words.join(" ");
                if start.is_empty()
                    || super::devmode::is_dev(&start)
                    || super::start_script::invoked(dir, &start).is_none()
                {
                    continue;
                }
                service.evidence.retain(|e| e.field != Field::StartCommand);
                service.found_at(
                    Field::StartCommand,
                    &folder.rel(name),
                    compose.line,
                    "the service built from here",
                );
                service.start_command = Some(start);
                return Ok(());
            }
        }
    }
    Ok(())
}

/// The services of a compose file, read from its simple forms.
fn services(text: &str) -> Vec<ComposeService> {
    let mut out: Vec<ComposeService> = Vec::new();
    let mut in_services = false;
    let mut service_indent = None;
    let mut in_build = false;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if indent == 0 {
            in_services = trimmed == "services:";
            continue;
        }
        if !in_services {
            continue;
        }
        let indent_of_services = *service_indent.get_or_insert(indent);
        if indent == indent_of_services {
            out.push(ComposeService { line: index + 1, ..Default::default() });
            in_build = false;
            continue;
        }
        let Some(current) = out.last_mut() else { continue };
        let Some((key, value)) = trimmed.split_once(':') else { continue };
        let value = scalar(value.trim());
        match key.trim() {
            "build" => {
                in_build = value.is_none();
                current.build = value;
            }
            "context" if in_build => current.build = value,
            "entrypoint" => current.entrypoint = value,
            "command" => current.command = value,
            _ if indent <= indent_of_services + 2 => in_build = false,
            _ => {}
        }
    }
    out
}

/// An inline value: a string (quoted or not) or a `["a", "b"]` list, as one command.
fn scalar(value: &str) -> Option<String> {
    if value.is_empty() || value.starts_with('|') || value.starts_with('>') {
        return None;
    }
    if value.starts_with('[') {
        let words: Vec<String> = serde_json::from_str(value).ok()?;
        return shlex::try_join(words.iter().map(String::as_str)).ok();
    }
    Some(value.trim_matches(['"', '\'']).to_string())
}

/// `a/./b/../c` as `a/c`; `.` as the root (`""`).
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::{normalize, services};

    #[test]
    fn compose_services_are_read_from_their_simple_forms() {
        let text = "services:\n  web:\n    build:\n      context: ./api\n    entrypoint: [\"./boot.sh\"]\n    command: gunicorn app:app\n    ports:\n      - \"8000:8000\"\n  db:\n    image: postgres:17\n";
        let found = services(text);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].build.as_deref(), Some("./api"));
        assert_eq!(found[0].entrypoint.as_deref(), Some("./boot.sh"));
        assert_eq!(found[0].command.as_deref(), Some("gunicorn app:app"));
        assert!(found[1].build.is_none());
        assert_eq!(normalize("./api/../web/."), "web");
        assert_eq!(normalize("."), "");
    }
}

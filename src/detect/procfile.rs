//! A Procfile, as Heroku-style platforms run it: the `web:` line is the start command, a
//! `release:` line the release command, and every other line a process of its own (a
//! worker) run from the same image.

use crate::detect::Field;
use std::sync::LazyLock;

use crate::pattern::Pattern;

use super::dir::Dir;
use super::model::{Language, Process, Service};
use crate::error::Error;

static PORT_IN_COMMAND: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"(?:--port[= ]|-p\s+|--bind[= ]\S*:|-b\s+\S*:)(\d{2,5})\b"));

/// The port a server's flags name (`-b 0.0.0.0:5000`, `--port 8000`), if they name one.
pub(super) fn port_in_command(command: &str) -> Option<u16> {
    PORT_IN_COMMAND.captures(command)?[1].parse().ok()
}

/// Applies the Procfile's processes to the service, if it has one.
pub fn apply(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let Some(file) = dir.text("Procfile")? else {
        return Ok(());
    };
    let rel = dir.rel("Procfile");
    for (index, line) in file.text.lines().enumerate() {
        let Some((name, command)) = line.split_once(':') else { continue };
        let (name, command) = (name.trim(), command.trim());
        if name.starts_with('#') || command.is_empty() || name == "web" {
            continue;
        }
        let at = format!("line {}", index + 1);
        if super::devmode::is_dev(command) {
            service.warn(format!("Procfile {at}: `{command}` is a development tool, so it is left out"));
        } else if needs_build_tools(service, command) {
            service.warn(format!(
                "Procfile {at}: `{command}` runs mix, which the release image does not hold, so it is left out"
            ));
        } else if name == "release" {
            service.found_at(Field::ReleaseCommand, &rel, index + 1, "release process");
            service.release_command = Some(command.to_string());
        } else if crate::validate::process_name(name, "").is_ok()
            && !service.processes.iter().any(|p| p.name == name)
        {
            service.found(Field::Processes, &rel, format!("{at}: {name} process"));
            service.processes.push(Process { name: name.to_string(), command: command.to_string() });
        }
    }
    apply_web(dir, service, &file.text, &rel)
}

/// An Elixir image holds the release alone: a Procfile line for the buildpack, which runs
/// mix tasks, would find no mix there (the release runs the server, and its `Release`
/// module the migrations).
fn needs_build_tools(service: &Service, command: &str) -> bool {
    service.language == Language::Elixir && command.split_whitespace().any(|word| word == "mix")
}

/// A compiled app's Procfile names its binary where a buildpack put it (`miniflux.app` on
/// the PATH, `./target/release/app`); bim's image builds the same program to its own place,
/// so the command runs bim's binary with the Procfile's arguments.
fn own_binary(service: &Service, command: &str) -> Option<String> {
    if !matches!(service.language, Language::Go | Language::Rust) {
        return None;
    }
    let built = service.start_command.as_deref()?.split_whitespace().next()?;
    let (first, rest) = command.split_once(' ').unwrap_or((command, ""));
    let same_program = super::app_name(crate::scan::file_name(first)) == crate::scan::file_name(built);
    (same_program && first != built).then(|| format!("{built} {rest}").trim_end().to_string())
}

/// The `web:` line's command, as the start command.
fn apply_web(dir: &Dir, service: &mut Service, text: &str, rel: &str) -> Result<(), Error> {
    for (index, line) in text.lines().enumerate() {
        let Some(command) = line.trim().strip_prefix("web:") else {
            continue;
        };
        let command = command.trim();
        if command.is_empty() {
            continue;
        }
        // `make run` runs what the Makefile says, which the image may not have `make` for.
        let resolved = command
            .strip_prefix("make ")
            .filter(|t| !t.contains(' '))
            .and_then(|target| super::devmode::make_recipe(&dir.text("Makefile").ok()??.text, target));
        let shown = resolved.as_deref().unwrap_or(command);
        if super::devmode::is_dev(shown) {
            service.warn(format!(
                "Procfile line {}: `{shown}` is a development server, so it is not the image's start",
                index + 1
            ));
            break;
        }
        if needs_build_tools(service, shown) {
            service.warn(format!(
                "Procfile line {}: `{shown}` runs mix, which the release image does not hold; it runs the release (`{}`)",
                index + 1,
                service.start_command.as_deref().unwrap_or_default()
            ));
            break;
        }
        let command = own_binary(service, shown).unwrap_or_else(|| shown.to_string());
        let command = command.as_str();
        service.found_at(Field::StartCommand, rel, index + 1, "web process");
        service.start_command = Some(command.to_string());
        if let Some(caps) = PORT_IN_COMMAND.captures(command)
            && let Ok(port) = caps[1].parse::<u16>()
        {
            service.evidence.retain(|e| e.field != Field::Port);
            service.found_at(Field::Port, rel, index + 1, &caps[0]);
            service.port = Some(port);
        }
        break;
    }
    Ok(())
}

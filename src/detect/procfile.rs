//! A Procfile's `web:` line names the start command, as Heroku-style platforms run it.

use std::sync::LazyLock;

use crate::pattern::Pattern;

use super::dir::Dir;
use super::model::Service;
use crate::error::Error;

static PORT_IN_COMMAND: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"(?:--port[= ]|-p\s+|--bind[= ]\S*:|-b\s+\S*:)(\d{2,5})\b"));

/// Applies the Procfile's `web:` process to the service, if there is one.
pub fn apply(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let Some(file) = dir.text("Procfile")? else {
        return Ok(());
    };
    let rel = dir.rel("Procfile");
    for (index, line) in file.text.lines().enumerate() {
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
        let command = shown;
        service.found("start_command", &rel, format!("line {}: web process", index + 1));
        service.start_command = Some(command.to_string());
        if let Some(caps) = PORT_IN_COMMAND.captures(command)
            && let Ok(port) = caps[1].parse::<u16>()
        {
            service.evidence.retain(|e| e.field != "port");
            service.found("port", &rel, format!("line {}: {}", index + 1, &caps[0]));
            service.port = Some(port);
        }
        break;
    }
    Ok(())
}

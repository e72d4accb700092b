//! A start command that runs one of the repository's own shell scripts (`./boot.sh`,
//! `sh start.sh`, `bin/docker-entrypoint gunicorn app:app`). The script is respected: the
//! image runs it with the interpreter its `#!` line names (so neither its mode bits nor
//! that interpreter's path matter), and the image carries that interpreter. What the
//! script does is read, so that detect can show it:
//!
//! - steps that migrate or compile at every start, with the flags that move them to the
//!   release command or the build;
//! - the server it ends in: its port, and whether it listens on every interface (when it
//!   does not, the image sets the variables that server reads, see `bind::listen_env`);
//! - folders outside the app that it writes, which the image creates for its user.

use super::dir::Dir;
use super::model::{Language, Service};
use crate::detect::Field;
use crate::error::Error;

/// Shells every Debian-based image carries (bash and dash are essential packages).
const IN_EVERY_IMAGE: &[&str] = &["sh", "bash", "dash"];

/// The languages whose image carries the repository's files, and so its scripts.
const SCRIPTED_LANGUAGES: &[Language] =
    &[Language::Python, Language::Node, Language::Bun, Language::Ruby, Language::Php];

/// Shells Debian packages under their own name, for a script that names one of them.
const PACKAGED_SHELLS: &[&str] = &["zsh", "ksh", "mksh", "fish", "busybox"];

/// Folders a non-root process may already write, or that are not the image's to create.
const WRITABLE_ALREADY: &[&str] = &["/tmp", "/dev", "/proc", "/var/tmp", "/app"];

/// What a start script does, as far as bim can read it.
#[derive(Debug, Default)]
pub struct StartScript {
    /// The script's snapshot path.
    pub path: String,
    /// The script as the start command names it, from the service's folder.
    pub invoked: String,
    /// The words the start command passes it.
    pub args: Vec<String>,
    /// The program (and flags) its `#!` line names, `sh` when it has none.
    pub interpreter: String,
    /// The command it serves with (an `exec`, or its last command), and its 1-based line.
    pub server: Option<(usize, String)>,
    /// Steps that migrate a database at every start, with their lines.
    pub migrations: Vec<(usize, String)>,
    /// Steps that compile files the app reads, at every start, with their lines.
    pub builds: Vec<(usize, String)>,
    /// Absolute folders outside the app that it writes into.
    pub writes: Vec<String>,
}

/// The script a start command runs and the words after it: `./boot.sh`, `sh boot.sh`,
/// `exec bin/start web`. A path that is not a file of the folder is not a script.
pub fn invoked(dir: &Dir, command: &str) -> Option<(String, Vec<String>)> {
    let words = shlex::split(command)?;
    let mut rest = words.as_slice();
    if rest.first().is_some_and(|w| w == "exec") {
        rest = &rest[1..];
    }
    if rest.first().is_some_and(|w| ["sh", "bash", "dash"].contains(&w.as_str())) {
        rest = &rest[1..];
    }
    let (first, args) = rest.split_first()?;
    let rel = first.strip_prefix("./").unwrap_or(first);
    if rel.starts_with('-') || rel.starts_with('/') || rel.contains("..") || !dir.has(rel) {
        return None;
    }
    Some((rel.to_string(), args.to_vec()))
}

/// The package.json script a start command runs (`npm start`, `yarn run serve`), as text.
fn package_script(dir: &Dir, command: &str) -> Result<Option<String>, Error> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let name = match words.as_slice() {
        [pm, "start"] if ["npm", "yarn", "pnpm", "bun"].contains(pm) => "start",
        [pm, "run", name] if ["npm", "yarn", "pnpm", "bun"].contains(pm) => name,
        _ => return Ok(None),
    };
    let Some(manifest) = dir.json("package.json")? else { return Ok(None) };
    Ok(manifest.pointer(&format!("/scripts/{name}")).and_then(|v| v.as_str()).map(str::to_string))
}

/// Reads the script a start command runs, if it runs one: itself, or through the
/// package.json script it names.
pub fn read(dir: &Dir, command: &str) -> Result<Option<StartScript>, Error> {
    let command = match package_script(dir, command)? {
        Some(script) => script,
        None => command.to_string(),
    };
    let Some((rel, args)) = invoked(dir, &command) else { return Ok(None) };
    let Some(file) = dir.source_text(&dir.rel(&rel))? else { return Ok(None) };
    let text = &file.text;
    let interpreter = match text.lines().next().and_then(|l| l.strip_prefix("#!")) {
        Some(line) => interpreter_of(line),
        None if rel.ends_with(".sh") => Some("sh".to_string()),
        None => None,
    };
    // A program in another language (`bin/rails`, `bin/www`) runs as it is: only shell
    // scripts are read line by line.
    let Some(interpreter) = interpreter.filter(|i| {
        let program = i.split_whitespace().next().unwrap_or("");
        ["sh", "bash", "dash"].contains(&program) || PACKAGED_SHELLS.contains(&program)
    }) else {
        return Ok(None);
    };
    let mut script =
        StartScript { path: dir.rel(&rel), interpreter, invoked: rel, args, ..Default::default() };
    let mut last_command = None;
    for (number, line) in logical_lines(text) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || is_control(line) {
            continue;
        }
        writes_of(line, &mut script.writes);
        if super::release::MIGRATE_STEPS.iter().any(|m| line.contains(m)) {
            script.migrations.push((number, line.to_string()));
        } else if super::release::BUILD_STEPS.iter().any(|b| line.contains(b)) {
            script.builds.push((number, line.to_string()));
        } else if let Some(exec) = line.strip_prefix("exec ") {
            script.server = Some((number, exec.trim().to_string()));
        } else if !is_setup(line) {
            last_command = Some((number, line.to_string()));
        }
    }
    // `exec "$@"`: the script runs what it is given, the start command's own words.
    let given = shlex::try_join(script.args.iter().map(String::as_str)).unwrap_or_default();
    script.server = script.server.or(last_command).map(|(number, server)| {
        let forwards = ["\"$@\"", "$@", "\"${@}\"", "${@}"].contains(&server.as_str());
        (number, if forwards { given.clone() } else { server })
    });
    script.server = script.server.filter(|(_, s)| !s.is_empty());
    script.writes.sort();
    script.writes.dedup();
    Ok(Some(script))
}

/// `/usr/bin/env bash` is `bash`; `/bin/sh -e` is `sh -e`.
fn interpreter_of(shebang: &str) -> Option<String> {
    let mut words: Vec<&str> = shebang.split_whitespace().collect();
    if words.first().is_some_and(|w| w.ends_with("/env")) {
        words.remove(0);
        if words.first() == Some(&"-S") {
            words.remove(0);
        }
    }
    let program = words.first()?.rsplit('/').next()?;
    let mut out = vec![program];
    out.extend(&words[1..]);
    Some(out.join(" "))
}

/// Lines with their `\` continuations joined, each with the line number it starts on.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut open = false;
    for (index, line) in text.lines().enumerate() {
        let (body, continues) = match line.trim_end().strip_suffix('\\') {
            Some(body) => (body.trim_end(), true),
            None => (line, false),
        };
        match (open, out.last_mut()) {
            (true, Some((_, joined))) => {
                joined.push(' ');
                joined.push_str(body.trim());
            }
            _ => out.push((index + 1, body.to_string())),
        }
        open = continues;
    }
    out
}

/// Shell syntax that runs nothing of its own.
fn is_control(line: &str) -> bool {
    let first = line.split([' ', ';']).next().unwrap_or("");
    [
        "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "case", "esac", "}", "{",
        ";;",
    ]
    .contains(&first)
        || line.ends_with(')') && !line.contains(' ')
}

/// Commands that prepare the shell rather than serve: settings, messages, waits.
fn is_setup(line: &str) -> bool {
    let first = line.split_whitespace().next().unwrap_or("");
    [
        "set", "export", "echo", "printf", "cd", "source", ".", "sleep", "trap", "shift", "unset", "umask",
        "mkdir", "touch", "cp", "mv", "rm", "ln", "chmod", "chown", "wait", "true", "false", "test", "[",
        "[[", "break", "continue", "return", "exit", "local", "readonly", "declare",
    ]
    .contains(&first)
        || (first.contains('=') && !first.starts_with('-') && line.split_whitespace().count() == 1)
}

/// Absolute folders a line writes: `mkdir -p /var/log/app`, `> /var/run/app.pid`.
fn writes_of(line: &str, writes: &mut Vec<String>) {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut folders = Vec::new();
    if words.first() == Some(&"mkdir") {
        folders.extend(words[1..].iter().filter(|w| w.starts_with('/')).map(|w| w.to_string()));
    }
    for (index, word) in words.iter().enumerate() {
        let target = match word.trim_start_matches(['1', '2', '&']) {
            ">" | ">>" => words.get(index + 1).copied(),
            other => other.strip_prefix(">>").or_else(|| other.strip_prefix('>')).filter(|t| !t.is_empty()),
        };
        if let Some(file) = target.filter(|t| t.starts_with('/'))
            && let Some((parent, _)) = file.rsplit_once('/')
            && !parent.is_empty()
        {
            folders.push(parent.to_string());
        }
    }
    for folder in folders {
        let folder = folder.trim_end_matches('/').to_string();
        let plain = folder.chars().all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c));
        let already = WRITABLE_ALREADY.iter().any(|w| folder == *w || folder.starts_with(&format!("{w}/")));
        if plain && !already && folder.len() > 1 {
            writes.push(folder);
        }
    }
}

/// Runs the start script through its interpreter, and says what it does. Whether the
/// script migrates at start is the answer.
pub fn apply(dir: &Dir, service: &mut Service) -> Result<bool, Error> {
    if !SCRIPTED_LANGUAGES.contains(&service.language) {
        return Ok(false); // a compiled image carries its binary, not the repository's scripts
    }
    let Some(start) = service.start_command.clone() else { return Ok(false) };
    let Some(script) = read(dir, &start)? else { return Ok(false) };
    let (rel, args) = (script.invoked.clone(), script.args.clone());
    let shown = script.path.clone();
    let program = script.interpreter.split_whitespace().next().unwrap_or("sh").to_string();
    if invoked(dir, &start).is_some() {
        // Run directly, not through a package manager that would choose the shell itself.
        let mut command = vec![script.interpreter.clone(), rel];
        command.extend(args.iter().map(|a| shlex::try_quote(a).map(|q| q.into_owned()).unwrap_or_default()));
        service.start_command = Some(command.join(" "));
    }
    service.found(
        Field::StartCommand,
        &shown,
        format!("the repository's start script, run with {}", script.interpreter),
    );
    if !IN_EVERY_IMAGE.contains(&program.as_str()) {
        // Only shells are read (see `read`); these others are Debian packages of their name.
        service.found(Field::SystemPackages, &shown, format!("#!{program}: the image installs {program}"));
        service.system_packages.add(&[], std::slice::from_ref(&program));
    }
    for (line, step) in &script.migrations {
        service.found_at(Field::StartCommand, &shown, *line, format!("runs `{step}` at every start"));
        service.warn(format!(
            "{shown} line {line} runs `{step}` at every start of every instance; to run it once per release, \
             take it out of the script and pass --release-command '{step}'"
        ));
    }
    for (line, step) in &script.builds {
        service.found_at(Field::StartCommand, &shown, *line, format!("runs `{step}` at every start"));
        service.warn(format!(
            "{shown} line {line} compiles at every start (`{step}`); to compile once in the image, take it out \
             of the script and pass --build-command '{step}'"
        ));
    }
    if let Some((line, server)) = &script.server {
        service.found_at(Field::StartCommand, &shown, *line, format!("serves with `{server}`"));
        if let Some(port) = super::procfile::port_in_command(server) {
            service.evidence.retain(|e| e.field != Field::Port);
            service.found_at(Field::Port, &shown, *line, format!("`{server}`"));
            service.port = Some(port);
        }
        if let Some(port) = service.port
            && super::bind::listen_everywhere(server, port).is_some()
            && super::bind::listen_env(server, port).is_empty()
        {
            service.warn(format!(
                "{shown} line {line} starts `{server}`, which listens on 127.0.0.1 unless told otherwise; make it \
                 listen on 0.0.0.0:$PORT there"
            ));
        }
    }
    for folder in &script.writes {
        service.found(
            Field::StartCommand,
            &shown,
            format!("writes {folder}; the image makes it the app user's"),
        );
    }
    Ok(!script.migrations.is_empty())
}

#[cfg(test)]
mod tests {
    use super::{interpreter_of, logical_lines, writes_of};

    #[test]
    fn the_shebang_names_the_interpreter() {
        assert_eq!(interpreter_of("/bin/bash").as_deref(), Some("bash"));
        assert_eq!(interpreter_of("/usr/bin/env bash").as_deref(), Some("bash"));
        assert_eq!(interpreter_of("/usr/bin/env -S bash -e").as_deref(), Some("bash -e"));
        assert_eq!(interpreter_of("/bin/sh -eu").as_deref(), Some("sh -eu"));
        assert_eq!(interpreter_of(""), None);
    }

    #[test]
    fn continued_lines_are_one_command() {
        let lines = logical_lines("a \\\n  b\nc\n");
        assert_eq!(lines, vec![(1, "a b".to_string()), (3, "c".to_string())]);
    }

    #[test]
    fn writes_outside_the_app_are_found() {
        let mut writes = Vec::new();
        writes_of("mkdir -p /var/log/app logs", &mut writes);
        writes_of("echo $$ > /run/app/app.pid", &mut writes);
        writes_of("echo hi >/tmp/x", &mut writes);
        writes_of("cmd 2>> /var/lib/app/err.log", &mut writes);
        assert_eq!(writes, vec!["/var/log/app", "/run/app", "/var/lib/app"]);
    }
}

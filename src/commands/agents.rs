//! `bim mcp install` and `bim skill install`: the files that point an AI coding agent at
//! bim. `.mcp.json` gains a `bim` server beside any others; the Claude Code skill is
//! written under `.claude/skills/bim/`. Neither overwrites what a person wrote.

use std::path::Path;

use serde_json::{Value, json};

use crate::apply::{self, Action, Decision};
use crate::error::Error;
use crate::ownership::FileKind;

const MCP_FILE: &str = ".mcp.json";
const USER_FILE: &str = ".claude.json";
const SKILL_FILE: &str = ".claude/skills/backend-im/SKILL.md";
const SKILL: &str = include_str!("../../templates/agents/SKILL.md");

fn decision(path: &str, old: Option<String>, new: String, created: &str, updated: &str) -> Decision {
    let (action, reason) = match &old {
        None => (Action::Created, created),
        Some(text) if *text == new => (Action::Unchanged, "already up to date"),
        Some(_) => (Action::Updated, updated),
    };
    Decision {
        path: path.into(),
        kind: FileKind::Agents,
        action,
        reason: reason.into(),
        hunks: Vec::new(),
        edited: false,
        old,
        new: Some(new),
    }
}

fn read(root: &Path, path: &str) -> Result<Option<String>, Error> {
    match std::fs::read_to_string(root.join(path)) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&root.join(path), e)),
    }
}

/// Adds (or updates) the `bim` server in a Claude Code MCP configuration, keeping every
/// other server: the project's `.mcp.json`, or with `user` the user's `~/.claude.json`.
pub fn install_mcp(root: &Path, command: &str, user: bool) -> Result<Decision, Error> {
    let file = if user { USER_FILE } else { MCP_FILE };
    let old = read(root, file)?;
    let mut config: Value = match &old {
        Some(text) => {
            serde_json::from_str(text.strip_prefix(crate::manifest::BOM).unwrap_or(text)).map_err(|e| {
                Error::broken(file, format!("invalid JSON: {e}; fix it, or remove it to start afresh"))
            })?
        }
        None => json!({}),
    };
    let Some(object) = config.as_object_mut() else {
        return Err(Error::broken(file, "expected a JSON object at the top level"));
    };
    let servers = object.entry("mcpServers").or_insert_with(|| json!({}));
    let Some(servers) = servers.as_object_mut() else {
        return Err(Error::broken(file, "`mcpServers` is not an object"));
    };
    servers.insert("bim".into(), json!({"command": command, "args": ["mcp"]}));
    let text = serde_json::to_string_pretty(&config).map_err(|e| Error::Internal(e.to_string()))? + "\n";
    let decision =
        decision(file, old, text, "new file: the bim MCP server", "bim's server added; the others kept");
    if user {
        write_through(root, &decision)?;
    } else {
        apply::write(root, std::slice::from_ref(&decision))?;
    }
    Ok(decision)
}

/// Writes a file in the home folder; where it is a symlink (dotfiles kept in a repository),
/// the file it points at is written, atomically beside itself, so the link stays a link.
/// Only for the user's own files: a repository's link could point anywhere.
fn write_through(home: &Path, decision: &Decision) -> Result<(), Error> {
    let link = home.join(&decision.path);
    let is_link = std::fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return apply::write(home, std::slice::from_ref(decision));
    }
    let real = std::fs::canonicalize(&link).map_err(|e| Error::Usage {
        message: format!(
            "{} is a symlink that cannot be followed ({e}); create the file it points to, or remove the link",
            link.display()
        ),
        flag: None,
    })?;
    let (Some(dir), Some(name)) = (real.parent(), real.file_name()) else {
        return Err(Error::Internal(format!("{} resolves to no file", link.display())));
    };
    let mut through = decision.clone();
    through.path = name.to_string_lossy().into_owned();
    apply::write(dir, std::slice::from_ref(&through))
}

/// Writes the Claude Code skill, unless the one there was written by a person, or edited
/// since bim wrote it (bim keeps what it wrote in `.bim/rendered/`, as for its other files).
pub fn install_skill(root: &Path, force: bool) -> Result<Vec<Decision>, Error> {
    let old = read(root, SKILL_FILE)?;
    let base_path = crate::ownership::rendered_path(SKILL_FILE);
    let base = read(root, &base_path)?;
    if let Some(text) = &old
        && !force
        && *text != SKILL
    {
        // bim's by its own header line, to the letter: never by a substring of it.
        let header = SKILL.lines().find(|l| l.contains(crate::ownership::GENERATED_MARKER));
        let why = if !text.lines().take(8).any(|l| Some(l) == header) {
            Some("exists and bim did not write it: left alone (pass --force to replace it)")
        } else if base.as_deref() != Some(text.as_str()) {
            Some("edited since bim wrote it: left alone (pass --force to replace it)")
        } else {
            None
        };
        if let Some(why) = why {
            let mut skipped = decision(SKILL_FILE, old, String::new(), "", "");
            skipped.action = Action::Skipped;
            skipped.reason = why.into();
            skipped.new = None;
            return Ok(vec![skipped]);
        }
    }
    let decisions = vec![
        decision(SKILL_FILE, old, SKILL.to_string(), "new file: the Backend.im skill", "rewritten"),
        decision(
            &base_path,
            base,
            SKILL.to_string(),
            "bim's copy, to tell your edits from its own",
            "updated",
        ),
    ];
    apply::write(root, &decisions)?;
    Ok(decisions)
}

/// Where `--scope user` writes: Claude Code's own configuration in the home folder.
pub fn user_config_dir() -> Result<std::path::PathBuf, Error> {
    std::env::var_os("HOME").map(std::path::PathBuf::from).ok_or_else(|| Error::Usage {
        message: "HOME is not set, so there is no user configuration to write".into(),
        flag: Some("--scope project".into()),
    })
}

//! `bim mcp install` and `bim skill install`: the files that point an AI coding agent at
//! bim. `.mcp.json` gains a `bim` server beside any others; the Claude Code skill is
//! written under `.claude/skills/bim/`. Neither overwrites what a person wrote.

use std::path::Path;

use serde_json::{Value, json};

use crate::apply::{self, Action, Decision};
use crate::error::Error;
use crate::plan::FileKind;

const MCP_FILE: &str = ".mcp.json";
const SKILL_FILE: &str = ".claude/skills/bim/SKILL.md";
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

/// Adds (or updates) the `bim` server in `.mcp.json`, keeping every other server.
pub fn install_mcp(root: &Path, command: &str) -> Result<Decision, Error> {
    let old = read(root, MCP_FILE)?;
    let mut config: Value = match &old {
        Some(text) => serde_json::from_str(text).map_err(|e| {
            Error::broken(MCP_FILE, format!("invalid JSON: {e}; fix it, or remove it to start afresh"))
        })?,
        None => json!({}),
    };
    let Some(object) = config.as_object_mut() else {
        return Err(Error::broken(MCP_FILE, "expected a JSON object at the top level"));
    };
    let servers = object.entry("mcpServers").or_insert_with(|| json!({}));
    let Some(servers) = servers.as_object_mut() else {
        return Err(Error::broken(MCP_FILE, "`mcpServers` is not an object"));
    };
    servers.insert("bim".into(), json!({"command": command, "args": ["mcp"]}));
    let text = serde_json::to_string_pretty(&config).map_err(|e| Error::Internal(e.to_string()))? + "\n";
    let decision =
        decision(MCP_FILE, old, text, "new file: the bim MCP server", "bim's server added; the others kept");
    apply::write(root, std::slice::from_ref(&decision))?;
    Ok(decision)
}

/// Writes the Claude Code skill, unless a skill of that name exists that bim did not write.
pub fn install_skill(root: &Path, force: bool) -> Result<Decision, Error> {
    let old = read(root, SKILL_FILE)?;
    if let Some(text) = &old
        && !text.contains(crate::ownership::GENERATED_MARKER)
        && !force
    {
        return Ok(Decision {
            path: SKILL_FILE.into(),
            kind: FileKind::Agents,
            action: Action::Skipped,
            reason: "exists and bim did not write it: left alone (pass --force to replace it)".into(),
            hunks: Vec::new(),
            old: old.clone(),
            new: None,
        });
    }
    let decision = decision(SKILL_FILE, old, SKILL.to_string(), "new file: the bim skill", "rewritten");
    apply::write(root, std::slice::from_ref(&decision))?;
    Ok(decision)
}

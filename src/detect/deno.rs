//! Deno apps from deno.json or deno.jsonc: tasks, Fresh, and the entry module.

use crate::detect::Field;
use std::sync::LazyLock;

use crate::pattern::Pattern;
use serde_json::Value;

use super::dir::Dir;
use super::model::{Framework, Language, PackageManager, Service};
use super::{app_name, defaults, health, port, versions};
use crate::error::Error;

const TS: &[&str] = &[".ts", ".tsx", ".js", ".mjs"];
static PORT_KEY: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"\bport\s*:\s*(\d{2,5})\b"));

/// Deno: a deno.json app.
pub struct Deno;

impl super::stack::Stack for Deno {
    fn languages(&self) -> &'static [Language] {
        &[Language::Deno]
    }

    fn triggers(&self) -> &'static [&'static str] {
        &["deno.json", "deno.jsonc"]
    }

    fn detect(&self, dir: &Dir) -> Result<Option<Service>, Error> {
        detect(dir)
    }

    fn facts(&self, at: &super::facts::At, facts: &mut super::facts::Facts) -> Result<(), Error> {
        facts.inputs = at.copy_here(&["deno.json", "deno.jsonc", crate::lockfiles::DENO]);
        Ok(())
    }
}

pub fn detect(dir: &Dir) -> Result<Option<Service>, Error> {
    let Some(rel) = dir.first_of(&["deno.json", "deno.jsonc"]) else {
        return Ok(None);
    };
    let Some(config) = crate::manifest::jsonc(dir.snap, &rel)? else {
        return Ok(None);
    };
    let tasks = config.get("tasks").and_then(Value::as_object);
    let task = |name: &str| tasks.and_then(|t| t.get(name)).and_then(Value::as_str);
    let imports = config.get("imports").map(|i| i.to_string()).unwrap_or_default();
    let fresh = imports.contains("$fresh") || imports.contains("@fresh/core");
    let entry = ["main.ts", "server.ts", "mod.ts", "src/main.ts", "main.js"].into_iter().find(|f| dir.has(f));
    if task("start").is_none() && entry.is_none() && !fresh {
        return Ok(None); // a Deno library
    }
    let name = config.get("name").and_then(Value::as_str).map_or_else(|| dir.name(), str::to_string);
    let mut service = Service::new(dir.path, app_name(&name), Language::Deno);
    service.found(Field::Language, &rel, "Deno config");
    service.package_manager = PackageManager::Deno;
    service.found(Field::PackageManager, &rel, "Deno config");
    if fresh {
        service.framework = Framework::Fresh;
        service.found(Field::Framework, &rel, "imports Fresh");
    }
    if task("build").is_some() {
        service.build_command = Some("deno task build".into());
    }
    if let Some(start) = task("start") {
        service.found(Field::StartCommand, &rel, format!("tasks.start: {start}"));
        service.start_command = Some("deno task start".into());
    } else if let Some(entry) = entry {
        service.found(Field::StartCommand, &dir.rel(entry), "the usual entry file");
        service.start_command = Some(format!("deno run --allow-net --allow-env --allow-read {entry}"));
    }
    if task("test").is_some() {
        service.test_command = Some("deno task test".into());
    } else if dir.sources(TS).any(|p| p.ends_with("_test.ts") || p.ends_with(".test.ts"))
        || dir.snap.files_under(dir.path).any(|p| p.ends_with("_test.ts"))
    {
        service.test_command = Some("deno test --allow-all".into());
    }
    let pin = versions::find(dir, &[".dvmrc"], &["deno"])?;
    versions::apply(&mut service, pin, defaults::DENO, "Deno");
    let found = port::search(dir, TS, &[&PORT_KEY])?;
    port::apply(&mut service, found, 8000, "Deno.serve and Fresh serve on 8000");
    health::apply(dir, &mut service, TS)?;
    Ok(Some(service))
}

//! The parts of package.json detection reads, parsed once.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::detect::dir::Dir;
use crate::error::Error;

/// The parts of package.json detection reads.
pub(super) struct Package {
    pub(super) rel: String,
    pub(super) name: Option<String>,
    pub(super) main: Option<String>,
    pub(super) scripts: Vec<(String, String)>,
    pub(super) deps: BTreeSet<String>,
    pub(super) package_manager: Option<String>,
    pub(super) engines_node: Option<String>,
    pub(super) workspaces: bool,
    /// `exports` or `types`: the package is published for others to import.
    pub(super) library_fields: bool,
}

impl Package {
    pub(super) fn read(dir: &Dir) -> Result<Option<Package>, Error> {
        let Some(json) = dir.json("package.json")? else {
            return Ok(None);
        };
        let rel = dir.rel("package.json");
        let Value::Object(obj) = &json else {
            return Err(Error::broken(&rel, "expected a JSON object at the top level"));
        };
        let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_string);
        let mut deps = BTreeSet::new();
        for key in ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"] {
            if let Some(Value::Object(map)) = obj.get(key) {
                deps.extend(map.keys().cloned());
            }
        }
        let scripts = match obj.get("scripts") {
            Some(Value::Object(map)) => {
                map.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect()
            }
            _ => Vec::new(),
        };
        Ok(Some(Package {
            name: text("name"),
            main: text("main"),
            scripts,
            deps,
            package_manager: text("packageManager"),
            engines_node: obj
                .get("engines")
                .and_then(|e| e.get("node"))
                .and_then(Value::as_str)
                .map(str::to_string),
            workspaces: obj.contains_key("workspaces"),
            library_fields: obj.contains_key("exports")
                || obj.contains_key("types")
                || obj.contains_key("typings"),
            rel,
        }))
    }

    pub(super) fn script(&self, name: &str) -> Option<&str> {
        self.scripts.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

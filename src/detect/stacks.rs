//! The stacks bim knows, in order of preference, and what is asked of all of them at once:
//! which folders are worth asking, and each service's facts read by its own stack.

use super::facts::{Facts, Query, StackFacts};
use super::model::Language;
use super::stack::Stack;
use super::{deno, dotnet, elixir, go, java, node, php, python, ruby, rust, static_site};
use crate::error::Error;
use crate::scan::{self, Snapshot};

/// In order of preference when one folder matches several: a Rails or Laravel app with a
/// package.json for its assets is a Ruby or PHP app, not a Node one.
pub const STACKS: &[&dyn Stack] = &[
    &deno::Deno,
    &elixir::Elixir,
    &ruby::Ruby,
    &php::Php,
    &python::Python,
    &java::Java,
    &dotnet::Dotnet,
    &go::Go,
    &rust::Rust,
    &node::Node,
    &static_site::StaticSite,
];

/// The stack whose services speak `language`.
pub fn of(language: Language) -> Option<&'static dyn Stack> {
    STACKS.iter().copied().find(|s| s.languages().contains(&language))
}

/// The folder that `path` (a file) makes worth asking the stacks about, if any.
pub fn trigger_folder(path: &str) -> Option<&str> {
    let name = scan::file_name(path);
    let folder = scan::parent(path);
    STACKS.iter().flat_map(|s| s.triggers()).find_map(|trigger| match trigger.split_once('/') {
        Some((sub, pattern)) => {
            (scan::file_name(folder) == sub && matches(name, pattern)).then(|| scan::parent(folder))
        }
        None => matches(name, trigger).then_some(folder),
    })
}

fn matches(name: &str, pattern: &str) -> bool {
    match pattern.strip_prefix('*') {
        Some(suffix) => name.ends_with(suffix),
        None => name == pattern,
    }
}

/// The manifests the stacks know by name, for messages and for asking whether a root has any.
pub fn manifest_names() -> impl Iterator<Item = &'static str> {
    STACKS.iter().flat_map(|s| s.triggers()).copied().filter(|t| !t.contains('/'))
}

/// Reads the facts of a service's answers, each stack reading its own part.
pub fn read_facts(snap: &Snapshot, query: &Query) -> Result<Facts, Error> {
    let stacks: StackFacts = &|at, facts| match of(at.query.language) {
        Some(stack) => stack.facts(at, facts),
        None => Ok(()),
    };
    super::facts::read(snap, query, stacks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_one_stack_and_triggers_find_their_folders() {
        for language in Language::ALL {
            let owners = STACKS.iter().filter(|s| s.languages().contains(language)).count();
            assert_eq!(owners, 1, "{language}");
        }
        assert_eq!(trigger_folder("api/go.mod"), Some("api"));
        assert_eq!(trigger_folder("src/Api/Api.csproj"), Some("src/Api"));
        assert_eq!(trigger_folder("web/requirements/prod.txt"), Some("web"));
        assert_eq!(trigger_folder("docs/notes.txt"), None);
        assert!(manifest_names().any(|m| m == "Gemfile"));
    }
}

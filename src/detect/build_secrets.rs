//! Build secrets: the credentials a dependency install reads from the environment, where a
//! repository installs from a private registry. npm, pnpm and Yarn expand `${NAME}` in
//! .npmrc and .yarnrc.yml; pip in requirements files, and Pipenv in the Pipfile; uv reads
//! an index's credentials from `UV_INDEX_<NAME>_USERNAME` and `_PASSWORD`; Cargo a
//! registry's token from `CARGO_REGISTRIES_<NAME>_TOKEN`. The image mounts each as a BuildKit
//! secret for the install alone, never an ARG or ENV, so no layer and no history holds it.

use crate::detect::Field;
use std::sync::LazyLock;

use super::dir::Dir;
use super::model::{Language, Service};
use crate::error::Error;
use crate::pattern::Pattern;

static ENV_REF: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}"));

/// Variables a shell sets, never a credential.
const NOT_SECRETS: &[&str] = &["HOME", "PATH", "PWD", "HOSTNAME"];

/// The files whose `${NAME}` references an install expands, per ecosystem: pip's
/// requirements files (those the install reads, see `facts`), and the Pipfile.
fn expanding_files(language: Language) -> Vec<&'static str> {
    match language {
        Language::Node | Language::Bun => vec![".npmrc", ".yarnrc.yml"],
        Language::Python => {
            super::python::facts::REQUIREMENTS.iter().copied().chain(["Pipfile", "pip.conf"]).collect()
        }
        _ => Vec::new(),
    }
}

pub fn apply(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let mut found: Vec<(String, String)> = Vec::new();
    let mut add = |name: String, file: String| {
        if !found.iter().any(|(n, _)| *n == name) && !NOT_SECRETS.contains(&name.as_str()) {
            found.push((name, file));
        }
    };
    // Here, or at the workspace root whose settings the install reads.
    for folder in dir.ancestors() {
        for file in &expanding_files(service.language) {
            let rel = folder.rel(file);
            let Some(text) = dir.snap.read(&rel)? else { continue };
            for caps in ENV_REF.captures_iter(&text.text) {
                add(caps[1].to_string(), rel.clone());
            }
        }
        if service.language == Language::Python
            && let Some(pyproject) = folder.toml("pyproject.toml")?
        {
            for name in uv_private_indexes(&pyproject) {
                let key = env_key(&name);
                add(format!("UV_INDEX_{key}_USERNAME"), folder.rel("pyproject.toml"));
                add(format!("UV_INDEX_{key}_PASSWORD"), folder.rel("pyproject.toml"));
            }
        }
        if service.language == Language::Rust
            && let Some(config) = folder.toml(".cargo/config.toml")?
            && let Some(registries) = config.get("registries").and_then(|r| r.as_table())
        {
            for name in registries.keys().filter(|n| *n != "crates-io") {
                add(format!("CARGO_REGISTRIES_{}_TOKEN", env_key(name)), folder.rel(".cargo/config.toml"));
            }
        }
    }
    for (name, file) in found {
        service.found(Field::BuildSecrets, &file, format!("the install reads {name}: a build secret"));
        service.build_secrets.push(name);
    }
    Ok(())
}

/// uv's indexes that ask for credentials (`authenticate = "always"`).
fn uv_private_indexes(pyproject: &toml::Table) -> Vec<String> {
    let indexes = crate::manifest::toml_get(pyproject, "tool.uv.index").and_then(|i| i.as_array());
    indexes
        .into_iter()
        .flatten()
        .filter(|index| index.get("authenticate").and_then(|a| a.as_str()) == Some("always"))
        .filter_map(|index| index.get("name")?.as_str().map(str::to_string))
        .collect()
}

/// A name as the tools spell it in a variable: upper case, `-` and `.` as `_`.
fn env_key(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_and_index_names_become_the_variables_the_tools_read() {
        assert_eq!(env_key("my-registry.internal"), "MY_REGISTRY_INTERNAL");
        let pyproject: toml::Table = toml::from_str(
            "[[tool.uv.index]]\nname = \"corp\"\nurl = \"https://pypi.corp.test/simple\"\nauthenticate = \"always\"\n\
             [[tool.uv.index]]\nname = \"torch\"\nurl = \"https://download.pytorch.org/whl/cpu\"\n",
        )
        .expect("toml");
        assert_eq!(uv_private_indexes(&pyproject), ["corp"]);
    }
}

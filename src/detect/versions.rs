//! Runtime versions pinned by the repository: version files (.nvmrc, .python-version ...),
//! .tool-versions and mise.toml, found in the service's folder or any folder above it.
//! Never the version installed on the machine bim runs on.

use super::dir::Dir;
use super::model::Service;
use crate::detect::Field;
use crate::error::Error;

/// A version and where it was read.
#[derive(Debug, Clone)]
pub struct Pin {
    pub version: String,
    pub file: String,
    pub detail: String,
    /// The requirement as the file writes it, where it may be a range (`>=3.10,<4`).
    pub range: Option<String>,
}

/// The current long-term or stable release used when the repository pins nothing.
/// Reviewed 2026-11; bump these as runtimes release.
pub mod defaults {
    pub const NODE: &str = "24";
    pub const BUN: &str = "1";
    pub const DENO: &str = "2.9.6";
    pub const PYTHON: &str = "3.13";
    pub const GO: &str = "1.25";
    pub const RUST: &str = "1";
    pub const JAVA: &str = "21";
    pub const RUBY: &str = "3.4";
    pub const PHP: &str = "8.4";
    pub const DOTNET: &str = "9.0";
    pub const ELIXIR: &str = "1.18";
}

/// The first pin found: single-line version files in `files`, then `.tool-versions` and
/// mise.toml entries named in `tools`; each looked for in `dir`, then the folders above.
pub fn find(dir: &Dir, files: &[&str], tools: &[&str]) -> Result<Option<Pin>, Error> {
    for folder in dir.ancestors() {
        for name in files {
            let Some(file) = folder.text(name)? else {
                continue;
            };
            let raw = file.text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'));
            if let Some(version) = raw.and_then(normalize) {
                return Ok(Some(Pin {
                    version,
                    file: folder.rel(name),
                    detail: format!("pins {}", raw.unwrap_or_default()),
                    range: None,
                }));
            }
        }
        if let Some(pin) = tool_versions(&folder, tools)? {
            return Ok(Some(pin));
        }
    }
    Ok(None)
}

fn tool_versions(dir: &Dir, tools: &[&str]) -> Result<Option<Pin>, Error> {
    if tools.is_empty() {
        return Ok(None);
    }
    if let Some(file) = dir.text(".tool-versions")? {
        for line in file.text.lines() {
            let mut words = line.split_whitespace();
            if let (Some(tool), Some(raw)) = (words.next(), words.next())
                && tools.contains(&tool)
                && let Some(version) = normalize(raw)
            {
                return Ok(Some(Pin {
                    version,
                    file: dir.rel(".tool-versions"),
                    detail: format!("{tool} {raw}"),
                    range: None,
                }));
            }
        }
    }
    for name in ["mise.toml", ".mise.toml"] {
        let Some(table) = dir.toml(name)? else {
            continue;
        };
        let Some(entries) = table.get("tools").and_then(|t| t.as_table()) else {
            continue;
        };
        for tool in tools {
            let raw = match entries.get(*tool) {
                Some(toml::Value::String(s)) => s.clone(),
                Some(toml::Value::Array(items)) => {
                    items.first().and_then(|v| v.as_str()).unwrap_or_default().to_string()
                }
                Some(toml::Value::Table(t)) => {
                    t.get("version").and_then(|v| v.as_str()).unwrap_or_default().to_string()
                }
                _ => continue,
            };
            if let Some(version) = normalize(&raw) {
                return Ok(Some(Pin {
                    version,
                    file: dir.rel(name),
                    detail: format!("[tools] {tool} = {raw}"),
                    range: Some(raw),
                }));
            }
        }
    }
    Ok(None)
}

/// Turns a pin or a range's lower bound into a version an image tag can use:
/// `v20.11.1` → `20.11.1`, `>=18.0.0` → `18`, `^3.11` → `3.11`, `20.x` → `20`,
/// `~> 3.2.0` → `3.2`, `python-3.12.1` → `3.12.1`. Aliases such as `lts/*` give `None`.
pub fn normalize(raw: &str) -> Option<String> {
    // Of `<4.0,>=3.14`, the lower bound is the pin: skip upper bounds and exclusions.
    let alternatives = raw.split("||").next()?;
    let first = alternatives
        .split(',')
        .map(str::trim)
        .find(|part| !part.starts_with('<') && !part.starts_with("!="))
        .unwrap_or_else(|| alternatives.split(',').next().unwrap_or("").trim());
    let first = first.split_whitespace().collect::<Vec<_>>().join("");
    let start = first.find(|c: char| c.is_ascii_digit())?;
    let prefix = &first[..start];
    if !prefix.chars().all(|c| "<>=^~v!-pythonrubyjdkgo".contains(c)) || prefix.contains('<') {
        return None;
    }
    let mut parts = Vec::new();
    for part in first[start..].split('.') {
        let digits: String = part.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            break;
        }
        let whole = digits.len() == part.len();
        parts.push(digits);
        if !whole {
            break;
        }
    }
    // `>=18.0.0` means "18 or later": the major is the honest pin.
    if prefix.contains('>') {
        while parts.len() > 1 && parts.last().is_some_and(|p| p == "0") {
            parts.pop();
        }
    }
    (!parts.is_empty()).then(|| parts.join("."))
}

/// The version to build on for a declared range: an open lower bound (`>=12`, `>3.8`)
/// allows the current release line, which is what a new image should use, so `default`
/// wins where it satisfies the bound; any other range gives its own floor.
pub fn from_range(raw: &str, default: &str) -> Option<String> {
    let floor = normalize(raw)?;
    let trimmed = raw.trim();
    let open = trimmed.starts_with('>')
        && !trimmed.contains('<')
        && !trimmed.contains(',')
        && !trimmed.contains("||");
    let key = |v: &str| v.split('.').map(|p| p.parse::<u32>().unwrap_or(0)).collect::<Vec<_>>();
    Some(if open && key(default) >= key(&floor) { default.to_string() } else { floor })
}

/// Sets the service's runtime version from a pin, or to the default, with evidence.
pub fn apply(service: &mut Service, pin: Option<Pin>, default: &str, runtime: &str) {
    match pin {
        Some(pin) => {
            service.found(Field::RuntimeVersion, &pin.file, pin.detail);
            service.runtime_version = Some(pin.version);
        }
        None => {
            service.defaulted(
                Field::RuntimeVersion,
                format!("no {runtime} version pinned; current release line"),
            );
            service.runtime_version = Some(default.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn normalizes_pins_and_ranges() {
        assert_eq!(normalize("v20.11.1").as_deref(), Some("20.11.1"));
        assert_eq!(normalize(">=18.0.0").as_deref(), Some("18"));
        assert_eq!(normalize(">=3.11,<3.13").as_deref(), Some("3.11"));
        assert_eq!(normalize("^3.11").as_deref(), Some("3.11"));
        assert_eq!(normalize("20.x").as_deref(), Some("20"));
        assert_eq!(normalize("~> 3.2.0").as_deref(), Some("3.2"));
        assert_eq!(normalize("python-3.12.1").as_deref(), Some("3.12.1"));
        assert_eq!(normalize("lts/*"), None);
        assert_eq!(normalize("<3"), None);
        assert_eq!(normalize("18 || 20").as_deref(), Some("18"));
        assert_eq!(normalize("<4.0,>=3.14").as_deref(), Some("3.14"));
    }

    #[test]
    fn an_open_lower_bound_builds_on_the_current_line() {
        use super::from_range;
        assert_eq!(from_range(">=12", "24").as_deref(), Some("24"));
        assert_eq!(from_range(">= 3.8", "3.13").as_deref(), Some("3.13"));
        assert_eq!(from_range(">=26", "24").as_deref(), Some("26"));
        assert_eq!(from_range(">=3.11,<3.13", "3.13").as_deref(), Some("3.11"));
        assert_eq!(from_range("^20", "24").as_deref(), Some("20"));
    }
}

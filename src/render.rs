//! Rendering: the Tera templates embedded in the binary, named by their path under
//! `templates/`, each filled from a typed context. Pure: contexts in, text out.

use include_dir::{Dir, include_dir};
use serde::Serialize;

use crate::error::Error;

/// Every file bim generates whole carries this text in its header; bim recognises its own
/// files by it.
pub use crate::ownership::GENERATED_MARKER;

static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// A short fingerprint of every embedded template (FNV-1a over their paths and texts), so
/// two builds of bim with different templates tell themselves apart.
pub fn templates_revision() -> String {
    let mut sources = Vec::new();
    collect(&TEMPLATES, &mut sources);
    sources.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, text) in sources {
        for byte in name.bytes().chain([0]).chain(text.bytes()).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{:012x}", hash >> 16)
}

/// `0.1.0 (templates 1a2b3c4d5e6f)`: what `bim --version` prints and bim.toml records.
pub fn version() -> &'static str {
    static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("{} (templates {})", env!("CARGO_PKG_VERSION"), templates_revision())
    });
    VERSION.as_str()
}

/// The loaded templates.
pub struct Templates {
    tera: tera::Tera,
}

impl Templates {
    /// Loads and parses every embedded template; a syntax error fails here, not at render.
    pub fn load() -> Result<Templates, String> {
        let mut tera = tera::Tera::default();
        tera.autoescape_on(Vec::<&str>::new());
        tera.register_filter("json", |s: &str, _: tera::Kwargs, _: &tera::State| {
            serde_json::to_string(s).unwrap_or_default()
        });
        tera.register_filter("shell", |s: &str, _: tera::Kwargs, _: &tera::State| shell_quote(s));
        let mut sources = Vec::new();
        collect(&TEMPLATES, &mut sources);
        tera.add_raw_templates(sources).map_err(|e| format!("a built-in template is broken: {e:#}"))?;
        Ok(Templates { tera })
    }

    /// Renders the template at `name` (its path under templates/) with `context`.
    pub fn render<C: Serialize>(&self, name: &str, context: &C) -> Result<String, Error> {
        let context = tera::Context::from_serialize(context).map_err(|e| internal(name, e))?;
        self.tera.render(name, &context).map_err(|e| internal(name, e))
    }

    pub fn names(&self) -> Vec<String> {
        let mut sources = Vec::new();
        collect(&TEMPLATES, &mut sources);
        sources.into_iter().map(|(name, _)| name).collect()
    }
}

fn internal(name: &str, e: tera::Error) -> Error {
    Error::Internal(format!("rendering {name} failed: {e:#}"))
}

fn collect(dir: &'static Dir<'static>, out: &mut Vec<(String, &'static str)>) {
    for file in dir.files() {
        if let Some(text) = file.contents_utf8() {
            out.push((file.path().to_string_lossy().into_owned(), text));
        }
    }
    for sub in dir.dirs() {
        collect(sub, out);
    }
}

/// Quotes a value for a POSIX shell: `'it'\''s'`.
pub fn shell_quote(value: &str) -> String {
    if !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c)) {
        return value.to_string();
    }
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_template_parses() {
        let templates = Templates::load().expect("templates load");
        assert!(templates.names().len() >= 10, "templates: {:?}", templates.names());
    }

    #[test]
    fn shell_quote_survives_quotes() {
        assert_eq!(shell_quote("plain"), "plain");
        assert_eq!(shell_quote("it's $(x)"), r"'it'\''s $(x)'");
    }
}

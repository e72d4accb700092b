//! The names of the environment variables a service reads, from its source files and from
//! the example env and compose files beside it. Only names are collected: values are never
//! read, and a `.env` file is never opened.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::pattern::Pattern;

use super::dir::Dir;
use crate::error::Error;
use crate::manifest::line_of;

/// How one language's code reads the environment: the file endings it applies to, and a
/// pattern of alternatives, each of which captures the variable's name in its own group.
/// Compiled on first use, so a repository pays only for its own languages.
struct Reader {
    extensions: &'static [&'static str],
    pattern: LazyLock<Pattern>,
}

const JS: &[&str] =
    &[".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".vue", ".svelte", ".astro"];
const PY: &[&str] = &[".py"];
const GO: &[&str] = &[".go"];
const RS: &[&str] = &[".rs"];
const RB: &[&str] = &[".rb", ".ru", ".rake", ".erb", ".yml"];
const JVM: &[&str] = &[".java", ".kt", ".kts", ".scala", ".groovy"];
const PHP: &[&str] = &[".php"];
const CS: &[&str] = &[".cs", ".fs"];
const EX: &[&str] = &[".ex", ".exs"];

/// Every file ending any reader applies to.
const ALL_SOURCES: &[&str] = &[
    ".js",
    ".mjs",
    ".cjs",
    ".jsx",
    ".ts",
    ".mts",
    ".cts",
    ".tsx",
    ".vue",
    ".svelte",
    ".astro",
    ".py",
    ".go",
    ".rs",
    ".rb",
    ".ru",
    ".rake",
    ".erb",
    ".yml",
    ".yaml",
    ".properties",
    ".java",
    ".kt",
    ".kts",
    ".scala",
    ".groovy",
    ".php",
    ".cs",
    ".fs",
    ".ex",
    ".exs",
];

const NAME: &str = r"([A-Za-z_][A-Za-z0-9_]*)";
const UPPER: &str = r"([A-Z_][A-Z0-9_]*)";

static READERS: [Reader; 9] = [
    Reader {
        extensions: JS,
        pattern: LazyLock::new(|| {
            any_of(&[
                format!(r"process\.env\.{NAME}"),
                format!(r#"process\.env\[\s*['"`]{NAME}['"`]\s*\]"#),
                format!(r"import\.meta\.env\.{NAME}"),
                format!(r#"Deno\.env\.get\(\s*['"]{NAME}['"]"#),
                format!(r"Bun\.env\.{NAME}"),
            ])
        }),
    },
    Reader {
        extensions: PY,
        pattern: LazyLock::new(|| {
            any_of(&[
                format!(r#"\bgetenv\(\s*['"]{NAME}['"]"#),
                // `environ.setdefault` sets a value; it is not a setting the user must supply.
                format!(r#"\benviron(?:\.get\(|\[)\s*['"]{NAME}['"]"#),
                format!(
                    r#"\benv(?:\.(?:str|bool|int|float|list|dict|json|url|db|db_url|cache|cache_url|path))?\(\s*['"]{UPPER}['"]"#
                ),
            ])
        }),
    },
    Reader {
        extensions: GO,
        pattern: LazyLock::new(|| any_of(&[format!(r#"os\.(?:Getenv|LookupEnv)\(\s*"{NAME}""#)])),
    },
    Reader {
        extensions: RS,
        pattern: LazyLock::new(|| {
            any_of(&[
                format!(r#"env::var(?:_os)?\(\s*"{NAME}""#),
                format!(r#"dotenvy?::var\(\s*"{NAME}""#),
                format!(r#"\benv\s*=\s*"{UPPER}""#),
            ])
        }),
    },
    Reader {
        extensions: RB,
        pattern: LazyLock::new(|| {
            any_of(&[format!(r#"ENV\[\s*['"]{NAME}['"]\s*\]"#), format!(r#"ENV\.fetch\(\s*['"]{NAME}['"]"#)])
        }),
    },
    Reader {
        extensions: JVM,
        pattern: LazyLock::new(|| any_of(&[format!(r#"System\.getenv\(\s*"{NAME}""#)])),
    },
    Reader {
        extensions: PHP,
        pattern: LazyLock::new(|| {
            any_of(&[
                format!(r#"\bgetenv\(\s*['"]{NAME}['"]"#),
                format!(r#"\$_ENV\[\s*['"]{NAME}['"]\s*\]"#),
                format!(r#"\benv\(\s*['"]{UPPER}['"]"#),
            ])
        }),
    },
    Reader {
        extensions: CS,
        pattern: LazyLock::new(|| any_of(&[format!(r#"Environment\.GetEnvironmentVariable\(\s*"{NAME}""#)])),
    },
    Reader {
        extensions: EX,
        pattern: LazyLock::new(|| any_of(&[format!(r#"System\.(?:get_env|fetch_env!?)\(\s*"{NAME}""#)])),
    },
];

/// One pattern matching any of `alternatives`.
fn any_of(alternatives: &[String]) -> Pattern {
    Pattern::new(&alternatives.join("|"))
}

/// `${NAME}` and `${NAME:default}` placeholders in Spring's application files.
static SPRING_PLACEHOLDER: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(&format!(r"\$\{{{UPPER}(?::[^}}]*)?\}}")));
static PYDANTIC_CLASS: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"(?m)^class\s+\w+\s*\([^)]*BaseSettings[^)]*\)\s*:"));
static PYDANTIC_FIELD: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"^\s+([a-z_][a-z0-9_]*)\s*:\s*[^=]"));
static PYDANTIC_PREFIX: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"env_prefix\s*=\s*['"]([A-Za-z0-9_]*)['"]"#));
/// A validation of the whole environment: envalid's `cleanEnv`, t3-env's `createEnv`, a
/// zod schema's `.parse(process.env)`. Its schema's keys are variables the app reads.
pub static VALIDATES_ALL: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(r"\bcreateEnv\(|\bcleanEnv\(\s*process\.env\b|\.(?:safeParse|parse)\(\s*process\.env\s*\)")
});
/// A schema entry: `NAME: validator...` on its line.
pub static SCHEMA_ENTRY: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"(?m)^\s*['"]?([A-Z][A-Z0-9_]*)['"]?\s*:\s*([^\n]*)"#));
static DESTRUCTURED: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"(?:const|let|var)\s*\{([^}]*)\}\s*=\s*process\.env\b"));
static INTERPOLATION: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(&format!(r"\$\{{{UPPER}(?:[:?-][^}}]*)?\}}")));

/// Set by the platform or the shell; never an app's setting.
const AMBIENT: &[&str] =
    &["PATH", "HOME", "PWD", "USER", "SHELL", "TERM", "HOSTNAME", "TMPDIR", "LANG", "CI"];
/// Provided by Vite itself.
const VITE_BUILTINS: &[&str] = &["MODE", "DEV", "PROD", "SSR", "BASE_URL"];

const EXAMPLE_FILES: &[&str] = &[".env.example", ".env.sample", ".env.template", ".env.dist", "example.env"];
const COMPOSE_FILES: &[&str] = &["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];

/// Variable name → where it is first read: the file, and the line in it.
pub type EnvReads = BTreeMap<String, (String, usize)>;

/// Collects the variables read under `dir`.
pub fn collect(dir: &Dir) -> Result<EnvReads, Error> {
    let mut found = EnvReads::new();
    for rel in dir.sources(ALL_SOURCES) {
        let Some(file) = dir.source_text(rel)? else {
            continue;
        };
        let text = &file.text;
        let mut note = |name: &str, offset: usize| {
            // npm sets npm_* itself for every script it runs (npm_package_version ...).
            if !AMBIENT.contains(&name) && !name.starts_with("npm_") {
                found.entry(name.to_string()).or_insert_with(|| (rel.to_string(), line_of(text, offset)));
            }
        };
        if crate::scan::file_name(rel).starts_with("application")
            && (rel.ends_with(".properties") || rel.ends_with(".yml") || rel.ends_with(".yaml"))
        {
            for caps in SPRING_PLACEHOLDER.captures_iter(text) {
                note(&caps[1], caps.get(0).map_or(0, |m| m.start()));
            }
        }
        // Every reader's pattern spells "env" in some case; most files have none.
        let mentions_env = text.contains("env") || text.contains("Env") || text.contains("ENV");
        for reader in
            READERS.iter().filter(|_| mentions_env).filter(|r| r.extensions.iter().any(|e| rel.ends_with(e)))
        {
            for caps in reader.pattern.captures_iter(text) {
                let (Some(whole), Some(name)) = (caps.get(0), caps.iter().skip(1).flatten().next()) else {
                    continue;
                };
                if whole.as_str().starts_with("import.meta") && VITE_BUILTINS.contains(&name.as_str()) {
                    continue;
                }
                note(name.as_str(), whole.start());
            }
        }
        if mentions_env && JS.iter().any(|e| rel.ends_with(e)) {
            for caps in DESTRUCTURED.captures_iter(text) {
                let start = caps.get(0).map_or(0, |m| m.start());
                for part in caps[1].split(',') {
                    let name = part.split([':', '=']).next().unwrap_or("").trim();
                    if is_env_name(name) {
                        note(name, start);
                    }
                }
            }
        }
        if mentions_env && JS.iter().any(|e| rel.ends_with(e)) && VALIDATES_ALL.is_match(text) {
            for caps in SCHEMA_ENTRY.captures_iter(text) {
                // `NAME: process.env.NAME` (t3-env's runtimeEnv) is read above already.
                if let Some(name) =
                    caps.get(1).filter(|_| caps[2].contains('(') && !caps[2].contains("process.env"))
                {
                    note(name.as_str(), name.start());
                }
            }
        }
        if rel.ends_with(".py") && text.contains("BaseSettings") {
            pydantic_fields(text, &mut note);
        }
    }
    for name in EXAMPLE_FILES {
        let rel = dir.rel(name);
        let Some(file) = dir.source_text(&rel)? else {
            continue;
        };
        for (index, line) in file.text.lines().enumerate() {
            let line = line.trim().trim_start_matches("export ");
            if let Some((key, _)) = line.split_once('=')
                && is_env_name(key.trim())
                && !line.starts_with('#')
            {
                found.entry(key.trim().to_string()).or_insert_with(|| (rel.clone(), index + 1));
            }
        }
    }
    for name in COMPOSE_FILES {
        let rel = dir.rel(name);
        let Some(file) = dir.source_text(&rel)? else {
            continue;
        };
        compose_names(&file.text, |name, line| {
            if !AMBIENT.contains(&name) {
                found.entry(name.to_string()).or_insert_with(|| (rel.clone(), line));
            }
        });
    }
    Ok(found)
}

pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Fields of pydantic `BaseSettings` classes, which pydantic fills from variables of the
/// same name in upper case (after the class's `env_prefix`).
fn pydantic_fields(text: &str, note: &mut impl FnMut(&str, usize)) {
    for class in PYDANTIC_CLASS.find_iter(text) {
        let body_start = class.end();
        let body: &str = &text[body_start..];
        let end = body
            .lines()
            .skip(1)
            .scan(0usize, |offset, line| {
                let at = *offset;
                *offset += line.len() + 1;
                Some((at, line))
            })
            .find(|(_, line)| !line.trim().is_empty() && !line.starts_with([' ', '\t']))
            .map_or(body.len(), |(at, _)| at + body.lines().next().map_or(0, |l| l.len() + 1));
        let body = &body[..end.min(body.len())];
        let prefix = PYDANTIC_PREFIX.captures(body).map(|c| c[1].to_uppercase()).unwrap_or_default();
        let mut offset = body_start;
        for line in body.lines() {
            if let Some(caps) = PYDANTIC_FIELD.captures(line) {
                let field = &caps[1];
                let indent = line.len() - line.trim_start().len();
                if field != "model_config" && indent <= 4 {
                    note(&format!("{prefix}{}", field.to_uppercase()), offset);
                }
            }
            offset += line.len() + 1;
        }
    }
}

/// Variable names in a compose file: keys under `environment:` and `${NAME}` interpolations.
/// Read line by line: bim needs names, not the compose model.
fn compose_names(text: &str, mut note: impl FnMut(&str, usize)) {
    let mut env_indent: Option<usize> = None;
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        for caps in INTERPOLATION.captures_iter(line) {
            note(&caps[1], line_no);
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if let Some(base) = env_indent {
            if indent <= base {
                env_indent = None;
            } else {
                let entry = trimmed.trim_start_matches("- ").trim_matches(['"', '\'']);
                let key = entry.split(['=', ':']).next().unwrap_or("").trim();
                if is_env_name(key) {
                    note(key, line_no);
                }
                continue;
            }
        }
        if trimmed.starts_with("environment:") {
            env_indent = Some(indent);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_environment_keys_and_interpolations() {
        let text = "services:\n  web:\n    environment:\n      - DATABASE_URL=postgres://\n      REDIS_URL: x\n    image: ${IMAGE_TAG:-latest}\n";
        let mut names = Vec::new();
        compose_names(text, |n, _| names.push(n.to_string()));
        assert_eq!(names, vec!["DATABASE_URL", "REDIS_URL", "IMAGE_TAG"]);
    }

    #[test]
    fn pydantic_settings_fields_become_upper_case_names() {
        let text = "class Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix='APP_')\n    database_url: str\n    debug: bool = False\n\nother: int = 1\n";
        let mut names = Vec::new();
        pydantic_fields(text, &mut |n, _| names.push(n.to_string()));
        assert_eq!(names, vec!["APP_DATABASE_URL", "APP_DEBUG"]);
    }
}

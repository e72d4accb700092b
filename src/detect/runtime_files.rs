//! Files a compiled program (Go, Rust, .NET) opens at run time: templates parsed at start, a static folder
//! served from disk, config files read by path. A compiled service's final stage carries
//! only the binary, so each such path the code names, and the repository holds, is copied
//! beside it. Paths the code embeds at build time (Go's `//go:embed`, Rust's
//! `include_str!`) need no copy; the latter never matches the calls below.

use crate::detect::Field;
use std::collections::BTreeSet;
use std::sync::LazyLock;

use crate::error::Error;
use crate::pattern::Pattern;
use crate::scan;

use super::dir::Dir;
use super::model::Service;
use crate::lockfiles;

/// Go calls that open a path given as a string literal (html/template, net/http, os, gin,
/// echo, fiber, viper, golang-migrate, goose).
pub static GO_READS: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"\b(?:ParseGlob|ParseFiles|ParseFS|LoadHTMLGlob|LoadHTMLFiles|ReadFile|ReadDir|Open|OpenFile|Dir|Static|StaticFS|StaticFile|File|SetConfigFile|migrate\.New|NewWithDatabaseInstance|goose\.Up|goose\.UpContext)\(([^)\n]*)\)",
    )
});

/// Rust calls that open a path given as a string literal (tera, minijinja, handlebars,
/// tower-http, actix-files, rocket, std::fs).
pub static RUST_READS: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"\b(?:Tera::new|path_loader|register_templates_directory|ServeDir::new|ServeFile::new|Files::new|NamedFile::open|FileServer::from|relative!|read_to_string|fs::read|File::open)\(([^)\n]*)\)",
    )
});

/// C# calls that open a path given as a string literal, relative to the content root (the
/// working folder): System.IO, file providers, configuration files.
pub static DOTNET_READS: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"\b(?:ReadAllText|ReadAllLines|ReadAllBytes|ReadAllTextAsync|ReadAllLinesAsync|ReadAllBytesAsync|OpenRead|OpenText|StreamReader|PhysicalFileProvider|Path\.Combine|AddJsonFile|AddXmlFile|AddIniFile|EnumerateFiles|GetFiles)\(([^)\n]*)\)",
    )
});

/// What `dotnet publish` of a web project already carries: wwwroot and its content items
/// (every .json and .config file), and the project's own build folders.
const DOTNET_PUBLISHED: &[&str] = &["wwwroot", "bin", "obj", "Properties"];

static GO_EMBED: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"(?m)^//go:embed\s+([^\n]+)"));
static QUOTED: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#""([^"\n]+)""#));

/// Names that are the program's own build inputs, never something it reads at run time.
const BUILD_INPUTS: &[&str] =
    &["go.mod", lockfiles::GO, "Cargo.toml", lockfiles::CARGO, "src", "vendor", "target"];

/// Records, on `service`, each top-level path of `dir` that `files` open at run time.
pub fn apply(dir: &Dir, service: &mut Service, files: &[&str], reads: &Pattern) -> Result<(), Error> {
    let mut embedded = BTreeSet::new();
    let mut found: Vec<(String, String, usize)> = Vec::new();
    for &rel in files {
        let Some(file) = dir.source_text(rel)? else { continue };
        let folder = scan::parent(rel);
        for line in GO_EMBED.captures_iter(&file.text) {
            for pattern in line[1].split_whitespace() {
                let inner = scan::join(folder, pattern.trim_matches('"'));
                embedded.insert(top_level(dir, &inner).to_string());
            }
        }
        for call in reads.captures_iter(&file.text) {
            let at = call.get(0).map_or(0, |m| m.start());
            for literal in QUOTED.captures_iter(&call[1]) {
                let Some(path) = existing_top_level(dir, &literal[1]) else { continue };
                if !found.iter().any(|(p, ..)| *p == path) {
                    found.push((path, rel.to_string(), crate::manifest::line_of(&file.text, at)));
                }
            }
        }
    }
    let published = |path: &str| {
        service.language == super::model::Language::Dotnet
            && (DOTNET_PUBLISHED.contains(&path) || path.ends_with(".json") || path.ends_with(".config"))
    };
    let found: Vec<_> = found.into_iter().filter(|(path, ..)| !published(path)).collect();
    for (path, file, line) in found {
        if embedded.contains(&path) || service.runtime_files.contains(&path) {
            continue;
        }
        service.found_at(Field::RuntimeFiles, &file, line, format!("opens {path} at run time"));
        service.runtime_files.push(path);
    }
    Ok(())
}

/// The first segment of a path the code opens, relative to the working directory (the
/// module root), when the repository has it: `./templates/*.html` → `templates`.
fn existing_top_level(dir: &Dir, literal: &str) -> Option<String> {
    // golang-migrate and others name a folder as a URL: "file://migrations".
    let path = literal.strip_prefix("file://").unwrap_or(literal).trim_start_matches("./");
    if path.starts_with('/') || path.contains("..") || path.contains("://") || path.contains('\\') {
        return None;
    }
    let first = path.split('/').next()?;
    if first.is_empty() || first.contains(['*', '?', '[', '{', '%', ' ']) || BUILD_INPUTS.contains(&first) {
        return None;
    }
    let looks_like_source = [".go", ".rs", ".cs", ".csproj"].iter().any(|ext| first.ends_with(ext));
    (!looks_like_source && (dir.has_dir(first) || dir.has(first))).then(|| first.to_string())
}

/// A snapshot path's first segment below `dir`.
fn top_level<'p>(dir: &Dir, rel: &'p str) -> &'p str {
    let inner = rel.strip_prefix(dir.path).unwrap_or(rel).trim_start_matches('/');
    inner.split('/').next().unwrap_or(inner)
}

#[cfg(test)]
mod tests {
    use super::{DOTNET_READS, GO_READS, RUST_READS};

    #[test]
    fn dotnet_reads_are_recognised() {
        for line in [
            r#"var body = File.ReadAllText("templates/welcome.html");"#,
            r#"FileProvider = new PhysicalFileProvider(Path.Combine(builder.Environment.ContentRootPath, "Assets")),"#,
            r#"builder.Configuration.AddJsonFile("config/features.json", optional: true);"#,
        ] {
            assert!(DOTNET_READS.is_match(line), "{line}");
        }
        assert!(!DOTNET_READS.is_match(r#"app.MapGet("/", () => "hello");"#));
    }

    #[test]
    fn go_and_rust_reads_are_recognised() {
        for line in [
            r#"tmpl := template.Must(template.ParseGlob("templates/*.html"))"#,
            r#"http.Handle("/static/", http.FileServer(http.Dir("./static")))"#,
            r#"r.LoadHTMLGlob("templates/**/*")"#,
            r#"data, err := os.ReadFile("config/app.yaml")"#,
            r#"m, err := migrate.New("file://migrations", dsn)"#,
            r#"goose.Up(db, "db/migrations")"#,
        ] {
            assert!(GO_READS.is_match(line), "{line}");
        }
        for line in [
            r#"let tera = Tera::new("templates/**/*").unwrap();"#,
            r#".nest_service("/assets", ServeDir::new("assets"))"#,
            r#".service(Files::new("/static", "./static"))"#,
        ] {
            assert!(RUST_READS.is_match(line), "{line}");
        }
        assert!(!RUST_READS.is_match(r#"const PAGE: &str = include_str!("templates/index.html");"#));
    }
}

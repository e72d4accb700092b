//! A Go module's package graph, read from its sources once: which folders are main
//! packages, and what each program reaches through the module's own imports. A program's
//! framework, whether it serves, its port and the files it reads at run time are answered
//! from the code it is built from, not from the whole module: a router imported by an
//! internal package that the program never imports is not the program's framework.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use crate::error::Error;
use crate::pattern::Pattern;
use crate::scan;

use super::dir::Dir;

pub const GO: &[&str] = &[".go"];

static PACKAGE_MAIN: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"(?m)^package main\b"));
static FUNC_MAIN: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"(?m)^func main\(\)"));
static IMPORT_BLOCK: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"(?ms)^import\s*\((.*?)^\)"));
static IMPORT_LINE: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"(?m)^import\s+(?:[A-Za-z_.]+\s+)?"([^"]+)""#));
static QUOTED: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#""([^"]+)""#));

/// One folder's Go package.
#[derive(Default)]
struct Package {
    files: Vec<String>,
    is_main: bool,
    imports: BTreeSet<String>,
}

/// The packages of one module, by snapshot folder.
pub struct Packages<'a> {
    dir: Dir<'a>,
    module: String,
    by_folder: BTreeMap<String, Package>,
}

/// What one program is built from.
pub struct Program {
    /// The Go package path (`.`, `./cmd/api`).
    pub package: String,
    /// Its snapshot folder.
    pub folder: String,
    /// The module's source files it is built from, its own first.
    pub files: Vec<String>,
    /// The packages from outside the module it imports, directly or through the module's.
    pub imports: BTreeSet<String>,
}

impl<'a> Packages<'a> {
    pub fn read(dir: Dir<'a>, module: &str) -> Result<Packages<'a>, Error> {
        let mut by_folder: BTreeMap<String, Package> = BTreeMap::new();
        // A folder with its own go.mod is another module, which Go leaves out of this one.
        let nested: Vec<String> = dir
            .snap
            .files_under(dir.path)
            .filter(|f| scan::file_name(f) == "go.mod" && scan::parent(f) != dir.path)
            .map(|f| format!("{}/", scan::parent(f)))
            .collect();
        for rel in dir.sources(GO).filter(|rel| !nested.iter().any(|n| rel.starts_with(n.as_str()))) {
            let Some(file) = dir.source_text(rel)? else {
                continue;
            };
            let package = by_folder.entry(scan::parent(rel).to_string()).or_default();
            package.files.push(rel.to_string());
            package.is_main |= PACKAGE_MAIN.is_match(&file.text) && FUNC_MAIN.is_match(&file.text);
            package.imports.extend(imports(&file.text));
        }
        Ok(Packages { dir, module: module.to_string(), by_folder })
    }

    /// Every main package, as a program.
    pub fn programs(&self) -> Vec<Program> {
        self.by_folder.iter().filter(|(_, p)| p.is_main).map(|(folder, _)| self.program(folder)).collect()
    }

    fn program(&self, folder: &str) -> Program {
        let mut seen = BTreeSet::new();
        let mut queue = vec![folder.to_string()];
        let mut files = Vec::new();
        let mut outside = BTreeSet::new();
        while let Some(current) = queue.pop() {
            if !seen.insert(current.clone()) {
                continue;
            }
            let Some(package) = self.by_folder.get(&current) else { continue };
            files.extend(package.files.iter().cloned());
            for import in &package.imports {
                match self.local_folder(import) {
                    Some(local) => queue.push(local),
                    None => {
                        outside.insert(import.clone());
                    }
                }
            }
        }
        let inner = folder.strip_prefix(self.dir.path).unwrap_or(folder).trim_start_matches('/');
        Program {
            package: if inner.is_empty() { ".".into() } else { format!("./{inner}") },
            folder: folder.to_string(),
            files,
            imports: outside,
        }
    }

    /// The snapshot folder of an import path inside this module.
    fn local_folder(&self, import: &str) -> Option<String> {
        if import == self.module {
            return Some(self.dir.path.to_string());
        }
        let inner = import.strip_prefix(&self.module)?.strip_prefix('/')?;
        Some(scan::join(self.dir.path, inner))
    }
}

impl Program {
    /// The program's folder name, or `fallback` for the module root.
    pub fn name<'p>(&'p self, fallback: &'p str) -> &'p str {
        if self.package == "." { fallback } else { scan::file_name(&self.package) }
    }

    /// Whether it imports `path` or a package below it.
    pub fn imports(&self, path: &str) -> bool {
        self.imports.iter().any(|i| i == path || i.starts_with(&format!("{path}/")))
    }
}

/// The import paths one Go file names.
fn imports(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for block in IMPORT_BLOCK.captures_iter(text) {
        for quoted in QUOTED.captures_iter(&block[1]) {
            found.push(quoted[1].to_string());
        }
    }
    for line in IMPORT_LINE.captures_iter(text) {
        found.push(line[1].to_string());
    }
    found
}

#[cfg(test)]
mod tests {
    use super::imports;

    #[test]
    fn reads_import_blocks_and_single_imports() {
        let text = "package main\n\nimport \"fmt\"\nimport chi \"github.com/go-chi/chi/v5\"\n\nimport (\n\t\"net/http\"\n\tstore \"example.com/app/internal/store\"\n)\n\nfunc main() {}\n";
        let mut found = imports(text);
        found.sort();
        assert_eq!(found, ["example.com/app/internal/store", "fmt", "github.com/go-chi/chi/v5", "net/http"]);
    }
}

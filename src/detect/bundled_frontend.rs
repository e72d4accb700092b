//! A front end that a backend serves: a package of its own (inside the backend's folder or
//! beside it) whose build writes the folder the backend's code names, as in
//! `express.static(path.join(__dirname, 'client/build'))` or
//! `StaticFiles(directory="../frontend/dist")`. When that folder is not committed, the
//! backend cannot start without the front end's build, so the front end is not a site of
//! its own: the backend's image builds it in a Node (or Bun) stage and carries its output
//! where the code looks.

use super::dir::Dir;
use super::model::{Frontend, Language, Service, Warning};
use crate::detect::Field;
use crate::error::Error;
use crate::pattern::Pattern;
use crate::scan::{self, Snapshot};

/// The backends whose image can build a front end, with the sources that name its folder,
/// and whether their image may be built from a folder above their own (Python and Go may;
/// a Node image installs from its own folder, so the front end must sit inside it).
const BACKENDS: &[(Language, &[&str], bool)] = &[
    (Language::Python, &[".py"], true),
    (Language::Go, &[".go"], true),
    (Language::Node, &[".js", ".cjs", ".mjs", ".ts"], false),
];

/// A front end found served by a backend.
struct Link {
    front: String,
    backend: String,
    /// The folder the front end's build writes, from its own folder.
    output: String,
    /// Where the backend's code names the folder.
    at: Place,
}

/// A line of a file.
pub(super) struct Place {
    file: String,
    line: usize,
}

/// Moves each front end that a backend serves into that backend, as its `frontend`.
pub fn bundle(snap: &Snapshot, services: &mut Vec<Service>) -> Result<(), Error> {
    let mut links = Vec::new();
    for front in services.iter() {
        let Some(output) = uncommitted_output(snap, front) else { continue };
        for backend in services.iter() {
            if let Some(at) = names_output(snap, backend, front, &output)? {
                let (front, backend) = (front.path.clone(), backend.path.clone());
                links.push(Link { front, backend, output: output.clone(), at });
                break;
            }
        }
    }
    for link in links {
        let Some(index) = services.iter().position(|s| s.path == link.front) else { continue };
        let front = services.remove(index);
        if let Some(backend) = services.iter_mut().find(|s| s.path == link.backend) {
            attach(backend, front, link.output, &link.at);
        }
    }
    // A build that writes outside its own folder feeds another service; where none names
    // that folder, the front end is not a site of its own.
    for front in services.iter_mut().filter(|s| s.language != Language::Static) {
        if let Some(output) = front.static_output.take_if(|o| o.starts_with("../")) {
            front.warn(format!(
                "its build writes {output}, outside its own folder, for another service to serve, \
                 and no service's code names that folder: it is not a site of its own"
            ));
        }
    }
    Ok(())
}

/// A built front end's output folder, when its build writes one that is not committed.
fn uncommitted_output(snap: &Snapshot, front: &Service) -> Option<String> {
    let output = front.static_output.as_deref()?.trim_start_matches("./").trim_end_matches('/');
    let built = front.build_command.is_some() && matches!(front.language, Language::Node | Language::Bun);
    let committed = committed(snap, &front.path, output);
    (built && front.path != "." && !output.is_empty() && output != "." && !committed)
        .then(|| output.to_string())
}

/// Whether a front end's output folder is in the repository. Build outputs are pruned from
/// the walk, and ignored files are not walked: one the walk met is committed.
pub(super) fn committed(snap: &Snapshot, front: &str, output: &str) -> bool {
    let Some(at) = output_in_repo(front, output) else { return false };
    snap.has_dir(&at) || snap.was_pruned(&at)
}

/// Where a front end's output folder is, from the root: its build may write outside its
/// own folder (`outDir: '../backend/app/static'`).
fn output_in_repo(front: &str, output: &str) -> Option<String> {
    let output = output.trim_start_matches("./").trim_end_matches('/');
    scan::normalize(&scan::join(scan::snapshot_path(front), output)).filter(|p| !p.is_empty())
}

/// Where the backend's code names the front end's output folder (`client/build`,
/// `"frontend", "dist"`), if it does and its image can carry it.
fn names_output(
    snap: &Snapshot,
    backend: &Service,
    front: &Service,
    output: &str,
) -> Result<Option<Place>, Error> {
    let Some((_, extensions, may_widen)) = BACKENDS.iter().find(|(l, _, _)| *l == backend.language) else {
        return Ok(None);
    };
    if backend.is_static() || backend.dockerfile.is_some() || backend.path == front.path {
        return Ok(None);
    }
    let context = backend.build_context.as_deref().unwrap_or(&backend.path);
    if !may_widen && !contains(context, &front.path) {
        return Ok(None);
    }
    if backend.language == Language::Go && contains(context, &front.path) {
        // A package inside the front end's folder embeds its build into the binary.
        if let Some(at) = embedded_by_go(&Dir::new(snap, scan::snapshot_path(&front.path)), output)? {
            return Ok(Some(at));
        }
    }
    let dir = Dir::new(snap, scan::snapshot_path(&backend.path));
    if output.starts_with("../") {
        // The build writes outside the front end's folder: the backend names that folder
        // by its own path, from the file that names it or from its folder.
        let Some(target) = output_in_repo(&front.path, output) else { return Ok(None) };
        if !contains(context, &target) && !contains(&common_folder(context, &front.path), &target) {
            return Ok(None);
        }
        let sources: Vec<&str> = dir.sources(extensions).filter(|rel| !contains(&front.path, rel)).collect();
        return names_folder(&dir, &sources, &target);
    }
    let folder = scan::file_name(&front.path);
    let (folder, output) = (regex::escape(folder), regex::escape(output));
    let pattern = Pattern::new(&format!(
        r#"["'](?:\.{{1,2}}/)*(?:[\w.-]+/)*{folder}/{output}/?["']|["']{folder}["']\s*[,/]\s*["']{output}["']"#
    ));
    let sources = dir.sources(extensions).filter(|rel| !contains(&front.path, rel));
    Ok(dir.grep_in(sources, &pattern)?.map(|m| Place { file: m.file, line: m.line }))
}

/// Where one of `sources` names the folder `target` (a path from the root) by a quoted
/// path that leads there from the file's own folder, the backend's folder or the root:
/// `Path(__file__).parent / "static"`, `directory="app/static"`.
fn names_folder(dir: &Dir, sources: &[&str], target: &str) -> Result<Option<Place>, Error> {
    let last = regex::escape(scan::file_name(target));
    let pattern = Pattern::new(&format!(r#"["']((?:\.{{1,2}}/)*(?:[\w.-]+/)*{last})/?["']"#));
    for rel in sources {
        let Some(file) = dir.source_text(rel)? else { continue };
        for caps in pattern.captures_iter(&file.text) {
            let (Some(whole), Some(literal)) = (caps.get(0), caps.get(1)) else { continue };
            let leads_there = [scan::parent(rel), dir.path, ""]
                .iter()
                .any(|base| scan::normalize(&scan::join(base, literal.as_str())).as_deref() == Some(target));
            if leads_there {
                let line = crate::manifest::line_of(&file.text, whole.start());
                return Ok(Some(Place { file: rel.to_string(), line }));
            }
        }
    }
    Ok(None)
}

/// Where Go code in the front end's folder embeds its output (`//go:embed dist`), as
/// `file:line`.
pub(super) fn embedded_by_go(dir: &Dir, output: &str) -> Result<Option<Place>, Error> {
    let prefix = output.trim_start_matches("./").trim_end_matches('/');
    for rel in dir.children().filter(|p| p.ends_with(".go")) {
        let Some(file) = dir.source_text(rel)? else { continue };
        let embeds = file.text.lines().position(|l| {
            l.trim().strip_prefix("//go:embed ").is_some_and(|patterns| {
                patterns.split_whitespace().any(|p| p == prefix || p.starts_with(&format!("{prefix}/")))
            })
        });
        if let Some(index) = embeds {
            return Ok(Some(Place { file: rel.to_string(), line: index + 1 }));
        }
    }
    Ok(None)
}

/// The front end becomes the backend's: its image is built from a folder that holds both.
fn attach(backend: &mut Service, front: Service, output: String, at: &Place) {
    let build = front.build_command.clone().unwrap_or_default();
    let context = backend.build_context.clone().unwrap_or_else(|| backend.path.clone());
    if !contains(&context, &front.path) {
        let common = common_folder(&context, &front.path);
        backend.found(
            Field::BuildContext,
            &at.file,
            format!("built from {common}, which holds the front end it serves"),
        );
        backend.build_context = Some(common);
    }
    backend.found_at(
        Field::Frontend,
        &at.file,
        at.line,
        format!(
            "serves {}, which `{build}` in {} writes; the image builds it",
            output_in_repo(&front.path, &output).unwrap_or_else(|| format!("{}/{output}", front.path)),
            front.path
        ),
    );
    backend.warnings.extend(
        front
            .warnings
            .iter()
            .map(|w| Warning { kind: w.kind, message: format!("{}: {}", front.path, w.message) }),
    );
    backend.frontend = Some(Frontend {
        runtime_version: front.runtime_version.clone().unwrap_or_else(|| super::defaults::NODE.to_string()),
        path: front.path,
        output,
        language: front.language,
        package_manager: front.package_manager,
        build_command: build,
        build_packages: front.system_packages.build.clone(),
        build_env: front.build_env.clone(),
    });
}

/// Whether `outer` (a folder, `.` for the root) holds `inner`.
fn contains(outer: &str, inner: &str) -> bool {
    outer == "." || inner == outer || inner.starts_with(&format!("{outer}/"))
}

/// The deepest folder holding both.
fn common_folder(a: &str, b: &str) -> String {
    let common: Vec<&str> =
        a.split('/').zip(b.split('/')).take_while(|(x, y)| x == y && *x != ".").map(|(x, _)| x).collect();
    if common.is_empty() { ".".into() } else { common.join("/") }
}

#[cfg(test)]
mod tests {
    use super::{common_folder, contains};

    #[test]
    fn folders_are_compared_by_whole_names() {
        assert!(contains(".", "client"));
        assert!(contains("app", "app/client"));
        assert!(!contains("app", "application/client"));
        assert_eq!(common_folder("backend", "frontend"), ".");
        assert_eq!(common_folder("apps/api", "apps/web"), "apps");
        assert_eq!(common_folder(".", "web"), ".");
    }
}

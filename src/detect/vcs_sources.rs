//! Dependencies installed from a git repository. pip, uv, Poetry, Pipenv, PDM, npm, Yarn
//! and Bundler run the `git` program to fetch them, and slim images have none: the build
//! stage gets git. A table says, per manifest or lockfile, how a git source is spelled.
//! Cargo fetches git dependencies itself, and pnpm fetches a GitHub dependency as a
//! tarball, so neither is listed. A source on a private host (an ssh URL) also needs the
//! build to forward an SSH agent, which bim cannot do for the repository: a warning says how.

use crate::detect::Field;
use std::sync::LazyLock;

use super::dir::Dir;
use super::model::{Language, Service};
use crate::error::Error;
use crate::pattern::Pattern;

/// Manifests that name a git source: (language, file, how it is spelled). The first
/// capture is the URL. The lockfiles' spellings are in `lockfiles`.
const MANIFESTS: &[(Language, &str, &str)] = &[
    (Language::Python, "Pipfile", r#"(?m)\bgit\s*=\s*"([^"]+)""#),
    (
        Language::Python,
        "pyproject.toml",
        r#"(?:@ ?|\bgit\s*=\s*")(git\+[^"\s,]+|(?:https|ssh)://[^"\s,]+\.git)"#,
    ),
];

/// Every file that can name a git source, the lockfiles first, and its pattern.
static PATTERNS: LazyLock<Vec<(Language, &'static str, Pattern)>> = LazyLock::new(|| {
    let locks = crate::lockfiles::LOCKFILES.iter().filter_map(|l| Some((l.language, l.name, l.git?)));
    locks.chain(MANIFESTS.iter().copied()).map(|(l, f, re)| (l, f, Pattern::new(re))).collect()
});

pub fn apply(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let language = if service.language == Language::Bun { Language::Node } else { service.language };
    if language == Language::Node
        && let Some((rel, url)) = manifest_git_dependency(dir)?
    {
        note(service, &rel, None, &url);
        return Ok(());
    }
    for (_, file, pattern) in PATTERNS.iter().filter(|(l, ..)| *l == language) {
        // Here, or at the workspace root whose lockfile the build installs from.
        for folder in dir.ancestors() {
            let rel = folder.rel(file);
            let Some(text) = dir.snap.read(&rel)? else { continue };
            let Some(caps) = pattern.captures(&text.text) else { continue };
            let url = caps.get(1).map_or("", |m| m.as_str());
            let line = crate::manifest::line_of(&text.text, caps.get(0).map_or(0, |m| m.start()));
            note(service, &rel, Some(line), url);
            return Ok(());
        }
    }
    Ok(())
}

/// A dependency of package.json given as a git URL (its `repository` field is not one).
fn manifest_git_dependency(dir: &Dir) -> Result<Option<(String, String)>, Error> {
    let Some(manifest) = dir.json("package.json")? else { return Ok(None) };
    for key in ["dependencies", "devDependencies", "optionalDependencies"] {
        let Some(deps) = manifest.get(key).and_then(|d| d.as_object()) else { continue };
        let git = deps
            .values()
            .filter_map(|v| v.as_str())
            .find(|v| ["git+", "git://", "git@"].iter().any(|p| v.starts_with(p)));
        if let Some(url) = git {
            return Ok(Some((dir.rel("package.json"), url.to_string())));
        }
    }
    Ok(None)
}

/// Git in the build stage, with the evidence; a warning for a private host.
fn note(service: &mut Service, rel: &str, line: Option<usize>, url: &str) {
    service.system_packages.add(&["git".into()], &[]);
    let shown = without_credentials(url);
    let detail = format!("a dependency installs from a git repository ({shown}); build: git");
    match line {
        Some(line) => service.found_at(Field::SystemPackages, rel, line, detail),
        None => service.found(Field::SystemPackages, rel, detail),
    }
    // npm and pip fetch a public repository on these hosts over https even when the lock
    // spells it as ssh (npm writes `git+ssh://git@github.com/...` for every GitHub one).
    let hosted = ["github.com", "gitlab.com", "bitbucket.org"].iter().any(|h| url.contains(&format!("@{h}")));
    if (url.contains("git@") || url.starts_with("ssh://") || url.contains("+ssh://")) && !hosted {
        service.warn(format!(
            "{rel} installs from a private git host ({shown}): the image build needs your SSH key. \
             Add `--mount=type=ssh` to the install's RUN line and `ssh: default` to the workflow's \
             build-push-action step (with webfactory/ssh-agent before it), or switch to an https URL \
             with a token"
        ));
    }
}

/// A URL as it may be shown: a user and token before `@` are cut (`git@host` stays).
fn without_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((user, host)) if user.contains(':') || !user.eq_ignore_ascii_case("git") => {
                format!("{scheme}://…@{host}")
            }
            _ => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lockfiles::*;

    fn url(file: &str, text: &str) -> Option<String> {
        let (_, _, pattern) = PATTERNS.iter().find(|(_, f, _)| *f == file)?;
        Some(pattern.captures(text)?.get(1)?.as_str().to_string())
    }

    #[test]
    fn each_lock_spells_a_git_source_its_own_way() {
        assert_eq!(
            url(PIPENV, r#""mylib": {"git": "https://github.com/acme/mylib.git", "ref": "abc"}"#).as_deref(),
            Some("https://github.com/acme/mylib.git")
        );
        assert_eq!(
            url(POETRY, "[package.source]\ntype = \"git\"\nurl = \"https://github.com/a/b.git\"\n")
                .as_deref(),
            Some("https://github.com/a/b.git")
        );
        assert_eq!(
            url(UV, r#"source = { git = "https://github.com/a/b?rev=1#abc" }"#).as_deref(),
            Some("https://github.com/a/b?rev=1#abc")
        );
        assert_eq!(
            url(PDM, "git = \"https://github.com/a/b.git\"\n").as_deref(),
            Some("https://github.com/a/b.git")
        );
        assert_eq!(
            url(NPM, r#""resolved": "git+ssh://git@github.com/a/b.git#abc","#).as_deref(),
            Some("git+ssh://git@github.com/a/b.git#abc")
        );
        assert_eq!(
            url(BUNDLER, "GIT\n  remote: https://github.com/a/b.git\n  revision: 1\n").as_deref(),
            Some("https://github.com/a/b.git")
        );
        assert_eq!(url(NPM, r#""resolved": "https://registry.npmjs.org/a/-/a-1.tgz""#), None);
        assert_eq!(url(UV, r#"source = { registry = "https://pypi.org/simple" }"#), None);
        assert_eq!(
            without_credentials("https://bot:ghp_x@github.com/a/b.git"),
            "https://…@github.com/a/b.git"
        );
        assert_eq!(
            without_credentials("git+ssh://git@github.com/a/b.git"),
            "git+ssh://git@github.com/a/b.git"
        );
    }
}

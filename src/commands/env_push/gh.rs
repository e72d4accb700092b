//! `bim env push --gh`: `.env`'s values for what the workflow reads, set with GitHub's CLI.
//! The workflow bim wrote is the list: each `${{ vars.NAME }}` becomes a variable
//! (`gh variable set`) and each `${{ secrets.NAME }}` a secret (`gh secret set`), so a value
//! lands exactly where the workflow looks. Build-time variables (`build_time_vars`) are read
//! as `vars.`: they end up in what the app serves, public by construction, and a secret of
//! that name would leave the build without it. The API token goes to the deploy job's
//! environment. A value reaches `gh` on its stdin only, never its argv.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::LazyLock;

use regex::Regex;

use super::{EnvPushReport, Setting, split};
use crate::config::ServiceConfig;
use crate::error::Error;

/// `${{ vars.NAME` or `${{ secrets.NAME`, wherever an expression starts.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$\{\{\s*(?:[^}]*?\|\|\s*)?(vars|secrets)\.([A-Za-z_][A-Za-z0-9_]*)")
        .expect("a valid pattern")
});

/// GitHub gives every run this one itself.
const PROVIDED: &str = "GITHUB_TOKEN";

/// The environment the workflow's deploy job runs in, where the API token belongs.
const DEPLOY_ENVIRONMENT: &str = "production";

pub(super) fn push(
    root: &Path,
    service: &ServiceConfig,
    app: String,
    values: &BTreeMap<String, String>,
    dry_run: bool,
) -> Result<EnvPushReport, Error> {
    let path = root.join(crate::ownership::WORKFLOW);
    let workflow = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::Usage {
                message: format!("no workflow at {}, so nothing says which secrets it reads", path.display()),
                flag: Some("`bim init` first to write it, or leave out --gh to send to Backend.im".into()),
            });
        }
        Err(e) => return Err(Error::io(&path, e)),
    };
    let kinds = kinds(&workflow);
    let read: Vec<String> = kinds.keys().cloned().collect();
    let (sent, skipped, _) = split(&read, values);
    // What the build needs from the person; the registry's and the token are theirs to keep elsewhere.
    let missing = service
        .build_time_vars()
        .into_iter()
        .filter(|n| !values.contains_key(*n))
        .map(str::to_string)
        .collect();
    let mut settings = Vec::new();
    for (name, value) in &sent {
        let kind = kinds[name];
        let environment =
            (kind == "secret" && name == crate::api::TOKEN_VAR).then(|| DEPLOY_ENVIRONMENT.to_string());
        if !dry_run {
            set(root, name, value, kind, environment.as_deref(), &settings, values)?;
        }
        settings.push(Setting {
            name: name.clone(),
            action: if dry_run { "would_set" } else { "set" },
            kind: Some(kind),
            environment,
        });
    }
    Ok(EnvPushReport { app, target: "github", dry_run, settings, skipped, missing })
}

/// Each name the workflow reads, and as what: `secret` wins where it reads both.
fn kinds(workflow: &str) -> BTreeMap<String, &'static str> {
    let mut kinds = BTreeMap::new();
    for found in REFERENCE.captures_iter(workflow) {
        let name = found[2].to_string();
        if name == PROVIDED {
            continue;
        }
        let kind = if &found[1] == "secrets" { "secret" } else { "variable" };
        let entry = kinds.entry(name).or_insert(kind);
        if kind == "secret" {
            *entry = kind;
        }
    }
    kinds
}

/// `gh secret set NAME` or `gh variable set NAME`, the value on stdin. `done` are the
/// settings already made, for the error that says how far it got.
fn set(
    root: &Path,
    name: &str,
    value: &str,
    kind: &str,
    environment: Option<&str>,
    done: &[Setting],
    values: &BTreeMap<String, String>,
) -> Result<(), Error> {
    let mut command = Command::new("gh");
    command.args([if kind == "secret" { "secret" } else { "variable" }, "set", name]);
    if let Some(environment) = environment {
        command.args(["--env", environment]);
    }
    let child =
        command.current_dir(root).stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn();
    let mut child = child.map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Usage {
            message: "gh (GitHub's CLI) is not installed, or not on PATH".into(),
            flag: Some("gh from https://cli.github.com, then `gh auth login`; or leave out --gh to send to Backend.im".into()),
        },
        _ => Error::io(Path::new("gh"), e),
    })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A gh that exits early closes its stdin; its exit status says why.
        let _ = stdin.write_all(value.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| Error::io(Path::new("gh"), e))?;
    if out.status.success() {
        return Ok(());
    }
    let hidden: Vec<String> = values.values().cloned().collect();
    let said =
        crate::scrub::server_text(&crate::scrub::hide(&String::from_utf8_lossy(&out.stderr), &hidden), "");
    let before = if done.is_empty() {
        "nothing was set".to_string()
    } else {
        format!("set before it: {}", done.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", "))
    };
    Err(Error::Api {
        message: format!("`gh {kind} set {name}` failed ({before}): {}", said.trim()),
        hint: "check `gh auth status`, and that this repository's GitHub remote is one you may administer; then run it again".into(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_workflow_says_what_is_a_secret_and_what_a_variable() {
        let workflow = "url: ${{ vars.BACKEND_IM_API_URL || 'x' }}\ntoken: ${{ secrets.BACKEND_IM_API_TOKEN }}\n\
                        a: ${{ secrets.GITHUB_TOKEN }}\nb: VITE_API=${{ vars.VITE_API }}\nc: ${{ github.ref }}\n";
        let kinds = super::kinds(workflow);
        assert_eq!(
            kinds.into_iter().collect::<Vec<_>>(),
            [
                ("BACKEND_IM_API_TOKEN".to_string(), "secret"),
                ("BACKEND_IM_API_URL".to_string(), "variable"),
                ("VITE_API".to_string(), "variable")
            ]
        );
    }
}

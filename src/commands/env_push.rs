//! `bim env push` (experimental): the values in `.env` for the variables the app reads, sent
//! to Backend.im's settings for the app, or with `--gh` to the GitHub Actions secrets and
//! variables the workflow reads (see `gh`). Only names ever come back out: in the report,
//! on the terminal, in errors. A value goes to the API in one PATCH body (or to `gh` on its
//! stdin) and nowhere else; server text that quotes one has it redacted. Names in `.env`
//! the app does not read are skipped and listed; `--dry-run` sends nothing.

mod gh;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::deploy::{self, Connection};
use crate::api::SettingChange;
use crate::config::{Config, ServiceConfig};
use crate::error::Error;
use crate::prompt::Prompter;

pub struct EnvPushOptions {
    /// The repository: its bim.toml and `.env`.
    pub path: PathBuf,
    /// The service whose variables go, where bim.toml has several (its path or app name).
    pub service: Option<String>,
    /// The Backend.im app to set (default: the service's).
    pub app: Option<String>,
    pub dry_run: bool,
    /// GitHub Actions secrets and variables, with `gh`, instead of Backend.im.
    pub gh: bool,
    pub connection: Connection,
}

/// What `bim env push --json` prints: names, never values.
#[derive(Debug, Serialize)]
pub struct EnvPushReport {
    pub app: String,
    /// `backend.im`, or `github` for `--gh`.
    pub target: &'static str,
    pub dry_run: bool,
    pub settings: Vec<Setting>,
    /// Names `.env` sets that were not sent: the app (or, with `--gh`, the workflow) does
    /// not read them.
    pub skipped: Vec<String>,
    /// Names the app reads that `.env` does not set.
    pub missing: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Setting {
    pub name: String,
    /// Backend.im: `set` (new), `changed`, `unchanged`, or `sent` where the server did not
    /// say; `would_set` (new) or `would_replace` (it has one) with `--dry-run`. GitHub:
    /// `set`, or `would_set`.
    pub action: &'static str,
    /// With `--gh`: `secret` or `variable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    /// With `--gh`: the GitHub environment a secret belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

/// Backend.im gives the app its port; `.env`'s is for running it here, so it is neither
/// sent nor listed as skipped.
const NOT_SENT: &[&str] = &["PORT"];

pub fn push(options: &EnvPushOptions, prompter: Option<&mut dyn Prompter>) -> Result<EnvPushReport, Error> {
    let root = &options.path;
    let config = Config::load(root)?;
    let service = match (&options.service, &options.app) {
        (None, Some(app)) if config.services.iter().any(|s| &s.app == app) => config.service(Some(app))?,
        (wanted, _) => config.service(wanted.as_deref())?,
    };
    let app = options.app.clone().unwrap_or_else(|| service.app.clone());
    crate::validate::app_name(&app, "--app")?;
    let values = crate::dotenv::values(root, service)?.ok_or_else(|| no_env_file(root, service))?;
    if options.gh {
        return gh::push(root, service, app, &values, options.dry_run);
    }
    // bim.toml's names, not .env.example's: that also lists what compose.yaml's databases read.
    let read: Vec<String> =
        service.env_vars.keys().filter(|n| !NOT_SENT.contains(&n.as_str())).cloned().collect();
    let (sent, mut skipped, missing) = split(&read, &values);
    skipped.retain(|name| !NOT_SENT.contains(&name.as_str()));
    let mut client = deploy::client(&options.connection, Some(&config), prompter)?;
    let settings = if options.dry_run {
        let present = client.setting_names(&app)?;
        let action = |name: &String| if present.contains(name) { "would_replace" } else { "would_set" };
        sent.keys().map(|name| setting(name, action(name))).collect()
    } else if sent.is_empty() {
        Vec::new()
    } else {
        let outcome = client.set_settings(&app, &sent)?;
        let action = |name: &str| match outcome.of(name) {
            SettingChange::Created => "set",
            SettingChange::Updated => "changed",
            SettingChange::Unchanged => "unchanged",
            SettingChange::Sent => "sent",
        };
        sent.keys().map(|name| setting(name, action(name))).collect()
    };
    Ok(EnvPushReport { app, target: "backend.im", dry_run: options.dry_run, settings, skipped, missing })
}

/// `values` split by the names `read`: the ones to send (with their values), the names
/// not read (skipped), and the names read that `values` lacks (missing).
fn split(
    read: &[String],
    values: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>, Vec<String>) {
    let sent: BTreeMap<String, String> =
        values.iter().filter(|(name, _)| read.contains(name)).map(|(k, v)| (k.clone(), v.clone())).collect();
    let skipped = values.keys().filter(|name| !read.contains(name)).cloned().collect();
    let missing = read.iter().filter(|name| !values.contains_key(*name)).cloned().collect();
    (sent, skipped, missing)
}

fn setting(name: &str, action: &'static str) -> Setting {
    Setting { name: name.to_string(), action, kind: None, environment: None }
}

fn no_env_file(root: &std::path::Path, service: &ServiceConfig) -> Error {
    let files = crate::dotenv::files(root, service);
    let shown: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    Error::Usage {
        message: format!(
            "no .env to read the values from ({} does not exist): create {} from .env.example \
             (`cp .env.example .env`) and fill in the values",
            shown.join(" or "),
            shown[0]
        ),
        flag: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_sent_skipped_and_missing() {
        let read = vec!["A".to_string(), "B".to_string()];
        let values: BTreeMap<String, String> =
            [("A", "1"), ("C", "3")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let (sent, skipped, missing) = split(&read, &values);
        assert_eq!(sent.keys().collect::<Vec<_>>(), ["A"]);
        assert_eq!((skipped, missing), (vec!["C".to_string()], vec!["B".to_string()]));
    }
}

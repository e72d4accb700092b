//! The API hosts a person has agreed to send their Backend.im token to. The default host,
//! `--api-url` and `BACKEND_IM_API_URL` are the person's own choice; a committed bim.toml's
//! `api_url` is the repository's, and a hostile repository could name its own server. So
//! bim sends the token there only once the person confirms that host at a terminal, and
//! remembers the answer in their configuration folder, outside any repository.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::api::{self, Endpoint};
use crate::error::Error;
use crate::prompt::Prompter;

/// Where bim keeps its own configuration, instead of the usual place.
pub const DIR_VAR: &str = "BIM_CONFIG_DIR";
const FILE: &str = "trusted-hosts";

/// `$BIM_CONFIG_DIR`, else `$XDG_CONFIG_HOME/bim`, else `~/.config/bim`.
pub fn config_dir() -> Option<PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var(DIR_VAR)
        // The XDG spec says a relative value is to be ignored.
        .or_else(|| var("XDG_CONFIG_HOME").filter(|p| p.is_absolute()).map(|p| p.join("bim")))
        .or_else(|| var("HOME").map(|home| home.join(".config/bim")))
}

/// Whether the person confirmed `origin` (`scheme://host[:port]`) before.
pub fn is_trusted(origin: &str) -> bool {
    config_dir().is_some_and(|dir| trusted_in(&dir, origin))
}

fn trusted_in(dir: &Path, origin: &str) -> bool {
    std::fs::read_to_string(dir.join(FILE)).is_ok_and(|text| text.lines().any(|line| line.trim() == origin))
}

/// Adds `origin` to the hosts the person confirmed. Without a configuration folder the
/// answer holds for this run only.
pub fn remember(origin: &str) -> Result<(), Error> {
    config_dir().map_or(Ok(()), |dir| remember_in(&dir, origin))
}

fn remember_in(dir: &Path, origin: &str) -> Result<(), Error> {
    let file = dir.join(FILE);
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let new = !file.exists();
    let mut out =
        std::fs::OpenOptions::new().create(true).append(true).open(&file).map_err(|e| Error::io(&file, e))?;
    let header =
        if new { "# Hosts bim may send your Backend.im API token to (confirmed at a prompt).\n" } else { "" };
    writeln!(out, "{header}{origin}").map_err(|e| Error::io(&file, e))
}

/// bim.toml's `api_url` (`url`, parsed as `endpoint`): the default host, a host confirmed
/// before, or one the person confirms now at a terminal. Anything else is refused before
/// a request is made, naming the flag that sends the token there anyway.
pub fn check_config_url(
    endpoint: &Endpoint,
    url: &str,
    prompter: Option<&mut dyn Prompter>,
) -> Result<(), Error> {
    let origin = &endpoint.origin;
    if Endpoint::parse(api::DEFAULT_URL, "").is_ok_and(|d| &d.origin == origin) || is_trusted(origin) {
        return Ok(());
    }
    let flag = Some(format!("--api-url {}", crate::scrub::printable(url)));
    let Some(prompter) = prompter else {
        return Err(Error::Usage {
            message: format!(
                "the API host {origin} comes from api_url in bim.toml; bim sends your token to a host \
                 a repository names only once you confirm it at a terminal, or name it yourself \
                 (--api-url, or {})",
                api::URL_VAR
            ),
            flag,
        });
    };
    let question =
        format!("api_url in bim.toml sends your Backend.im API token to {origin}. Trust this host?");
    if prompter.confirm(&question, false)? {
        remember(origin)
    } else {
        Err(Error::Usage {
            message: format!("{origin} (api_url in bim.toml) was not confirmed; nothing was sent"),
            flag,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_host_is_trusted_and_no_other() {
        let dir = tempfile::tempdir().expect("dir");
        let config = dir.path().join("nested/bim");
        assert!(!trusted_in(&config, "https://api.example.com"));
        remember_in(&config, "https://api.example.com").expect("remember");
        remember_in(&config, "https://other.example.com").expect("remember");
        assert!(trusted_in(&config, "https://api.example.com"));
        assert!(!trusted_in(&config, "https://api.example.co"));
        let text = std::fs::read_to_string(config.join(FILE)).expect("file");
        assert_eq!(text.lines().filter(|l| l.starts_with('#')).count(), 1, "one header: {text}");
    }
}

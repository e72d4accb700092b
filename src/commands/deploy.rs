//! `bim deploy` and `bim status` (experimental, like the API contract they speak): ask
//! Backend.im to deploy an image, optionally wait until it is live, and show a deployment.
//! The connection (token, host), the app and the wait loop are shared with `rollback` and
//! `env push`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::api::{self, Client, DeployRequest, Deployment, Endpoint, Status, TokenSource};
use crate::config::{self, Config};
use crate::error::Error;
use crate::prompt::Prompter;
use crate::{trust, validate};

/// How to reach the API.
pub struct Connection {
    pub token_file: Option<PathBuf>,
    pub request_timeout: Duration,
    /// `--api-url`: the person's own choice, so trusted like `BACKEND_IM_API_URL`.
    pub api_url: Option<String>,
}

pub struct DeployOptions {
    pub image: String,
    pub app: Option<String>,
    pub digest: Option<String>,
    pub commit: Option<String>,
    pub git_ref: Option<String>,
    pub wait: Wait,
    pub connection: Connection,
    /// Where to look for bim.toml.
    pub path: PathBuf,
}

/// How `--wait` waits: until the deployment is live, failed or canceled, or `timeout`.
#[derive(Clone, Copy, Debug)]
pub struct Wait {
    pub wait: bool,
    pub timeout: Duration,
    pub poll_interval: Duration,
}

/// `prompter` confirms an API host that only bim.toml names; without one such a host is
/// refused.
pub fn deploy(
    options: &DeployOptions,
    prompter: Option<&mut dyn Prompter>,
    progress: &mut dyn FnMut(&Deployment),
) -> Result<Deployment, Error> {
    let config = read_config(&options.path)?;
    let app = app(options.app.as_deref(), config.as_ref())?;
    image_ref(&options.image)?;
    if let Some(digest) = &options.digest
        && !is_digest(digest)
    {
        return Err(Error::Usage {
            message: format!("digest `{digest}` is not a sha256 digest"),
            flag: Some("--digest sha256:<64 hex digits>".into()),
        });
    }
    let client = client(&options.connection, config.as_ref(), prompter)?;
    let answers = config.as_ref().and_then(|c| c.services.iter().find(|s| s.app == app));
    let request = DeployRequest {
        app: app.clone(),
        image: options.image.clone(),
        digest: options.digest.clone(),
        commit: options.commit.clone(),
        git_ref: options.git_ref.clone(),
        release_command: answers.and_then(|s| s.release_command.clone()),
        processes: answers.map(|s| s.processes.clone()).unwrap_or_default(),
    };
    create_and_wait(&client, &request, options.wait, progress)
}

/// Asks for the deployment (one idempotency key for this run, so a retried request deploys
/// once) and, when asked, waits until it is live: `deploy` and `rollback` both end here.
pub(crate) fn create_and_wait(
    client: &Client,
    request: &DeployRequest,
    wait: Wait,
    progress: &mut dyn FnMut(&Deployment),
) -> Result<Deployment, Error> {
    let mut deployment = client.create(request, &api::idempotency_key(&request.app))?;
    progress(&deployment);
    if !wait.wait {
        return Ok(deployment);
    }
    let started = Instant::now();
    while !deployment.status.is_final() {
        if started.elapsed() >= wait.timeout {
            return Err(Error::TimedOut {
                id: deployment.id,
                status: deployment.status.as_str().into(),
                waited: format!("{}s", wait.timeout.as_secs()),
            });
        }
        std::thread::sleep(wait.poll_interval.min(wait.timeout.saturating_sub(started.elapsed())));
        let next = client.get(&deployment.id)?;
        if next.status != deployment.status {
            progress(&next);
        }
        deployment = next;
    }
    match deployment.status {
        Status::Live => Ok(deployment),
        status => Err(Error::DeployFailed {
            id: deployment.id,
            status: status.as_str().into(),
            reason: deployment.error,
        }),
    }
}

/// The app to act on: `--app`, else the one app bim.toml names.
pub(crate) fn app(given: Option<&str>, config: Option<&Config>) -> Result<String, Error> {
    let app = match (given, config) {
        (Some(app), _) => app.to_string(),
        (None, Some(c)) if c.services.len() == 1 => c.services[0].app.clone(),
        (None, Some(c)) => {
            return Err(Error::Usage {
                message: format!(
                    "bim.toml has several apps: {}",
                    c.services.iter().map(|s| s.app.as_str()).collect::<Vec<_>>().join(", ")
                ),
                flag: Some("--app NAME".into()),
            });
        }
        (None, None) => {
            return Err(Error::Usage {
                message: "no app named, and no bim.toml to take it from".into(),
                flag: Some("--app NAME".into()),
            });
        }
    };
    validate::app_name(&app, "--app")?;
    Ok(app)
}

/// `sha256:` and 64 hex digits.
pub(crate) fn is_digest(text: &str) -> bool {
    text.len() == 71 && text.starts_with("sha256:") && text[7..].chars().all(|c| c.is_ascii_hexdigit())
}

pub fn status(
    id: &str,
    connection: &Connection,
    path: &Path,
    prompter: Option<&mut dyn Prompter>,
) -> Result<Deployment, Error> {
    let config = read_config(path)?;
    client(connection, config.as_ref(), prompter)?.get(id)
}

pub(crate) fn read_config(path: &Path) -> Result<Option<Config>, Error> {
    let file = path.join(config::FILE_NAME);
    match std::fs::read_to_string(&file) {
        Ok(text) => Config::parse(&text, config::FILE_NAME).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&file, e)),
    }
}

pub(crate) fn client(
    connection: &Connection,
    config: Option<&Config>,
    prompter: Option<&mut dyn Prompter>,
) -> Result<Client, Error> {
    let (token, source) = match &connection.token_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            (text.trim().to_string(), TokenSource::File(path.clone()))
        }
        None => (std::env::var(api::TOKEN_VAR).unwrap_or_default().trim().to_string(), TokenSource::Env),
    };
    if token.is_empty() {
        return Err(Error::Usage {
            message: "no Backend.im API token".into(),
            flag: Some(format!(
                "the token in {} or --token-file FILE (never as an argument)",
                api::TOKEN_VAR
            )),
        });
    }
    let endpoint = endpoint(connection, config, prompter)?;
    Ok(Client::new(endpoint, token, source, connection.request_timeout))
}

/// Where the token goes: `--api-url`, else `BACKEND_IM_API_URL`, else bim.toml's `api_url`
/// once the person trusts its host, else the default.
fn endpoint(
    connection: &Connection,
    config: Option<&Config>,
    prompter: Option<&mut dyn Prompter>,
) -> Result<Endpoint, Error> {
    if let Some(url) = &connection.api_url {
        return Endpoint::parse(url, "--api-url");
    }
    if let Some(url) = std::env::var(api::URL_VAR).ok().filter(|v| !v.is_empty()) {
        return Endpoint::parse(&url, api::URL_VAR);
    }
    match config.and_then(|c| c.api_url.as_deref()) {
        Some(url) => {
            let endpoint = Endpoint::parse(url, "api_url in bim.toml")?;
            trust::check_config_url(&endpoint, url, prompter)?;
            Ok(endpoint)
        }
        None => Endpoint::parse(api::DEFAULT_URL, api::URL_VAR),
    }
}

/// `name[:tag][@sha256:…]` split into its three parts (a registry's `:port` stays in the name).
pub(crate) fn split_image(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (name_tag, digest) = image.split_once('@').map_or((image, None), |(n, d)| (n, Some(d)));
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    match name_tag[last_slash..].rfind(':') {
        Some(i) => (&name_tag[..last_slash + i], Some(&name_tag[last_slash + i + 1..]), digest),
        None => (name_tag, None, digest),
    }
}

/// `name[:tag][@sha256:…]`.
fn image_ref(image: &str) -> Result<(), Error> {
    let (name, tag, digest) = split_image(image);
    validate::image(name, "--image")?;
    let tag_ok = tag.is_none_or(|t| {
        !t.is_empty() && t.len() <= 128 && t.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    });
    let digest_ok = digest.is_none_or(|d| d.starts_with("sha256:") && d.len() == 71);
    if tag_ok && digest_ok {
        Ok(())
    } else {
        Err(Error::Usage {
            message: format!("image `{image}` is not a valid reference"),
            flag: Some("--image registry/name:tag".into()),
        })
    }
}

/// Shows state changes: a spinner line on a terminal, one line per change otherwise.
pub struct Progress {
    terminal: bool,
    frame: usize,
}

impl Progress {
    pub fn new() -> Progress {
        Progress { terminal: std::io::stderr().is_terminal(), frame: 0 }
    }

    pub fn show(&mut self, deployment: &Deployment) {
        let mut err = std::io::stderr();
        if self.terminal {
            const FRAMES: [&str; 4] = ["⠋", "⠙", "⠸", "⠴"];
            self.frame += 1;
            let _ = write!(
                err,
                "\r\x1b[2K{} {} {}",
                FRAMES[self.frame % 4],
                deployment.id,
                deployment.status.as_str()
            );
            if deployment.status.is_final() {
                let _ = writeln!(err);
            }
        } else {
            let _ = writeln!(err, "deployment {}: {}", deployment.id, deployment.status.as_str());
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

/// `90`, `90s`, `15m`, `1h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = number.parse().map_err(|_| format!("`{text}` is not a duration such as 90s, 15m or 1h"))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("`{text}` is not a duration such as 90s, 15m or 1h")),
    };
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_image_refs() {
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("soon").is_err());
        assert!(image_ref("ghcr.io/acme/api:sha-abc").is_ok());
        assert!(image_ref("localhost:5000/api").is_ok());
        assert!(image_ref(&format!("ghcr.io/acme/api@sha256:{}", "a".repeat(64))).is_ok());
        assert!(image_ref("ghcr.io/acme/api:bad tag").is_err());
        assert!(image_ref("ghcr.io/acme/api;rm").is_err());
    }
}

//! Backend.im's deployment API, as bim assumes it (no public reference exists yet; see the
//! README). All of the contract lives here: the base URL and token, the endpoints (an app's
//! deployment history in `history`, its settings in `settings`), the retry policy, and what
//! each failure means to the user. The token is never printed, and every string in a reply
//! goes through `scrub` before anyone sees it.

mod history;
mod settings;

pub use history::Release;
pub use settings::{SettingChange, SettingsOutcome};

use std::io::Read;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::scrub;

pub const DEFAULT_URL: &str = "https://api.backend.im";
pub const URL_VAR: &str = "BACKEND_IM_API_URL";
pub const TOKEN_VAR: &str = "BACKEND_IM_API_TOKEN";

/// Retries after a connection error, 408, 429 or 5xx: at most this many attempts in all...
const MAX_ATTEMPTS: u32 = 5;
/// ...and never past this much time since the first.
const RETRY_BUDGET: Duration = Duration::from_secs(60);
/// The first pause; each later one doubles, unless the server says `Retry-After`.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The most of a reply bim reads; the rest is never read, so a huge reply costs nothing.
const MAX_BODY: usize = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Queued,
    Building,
    Deploying,
    Live,
    Failed,
    Canceled,
}

impl Status {
    pub fn is_final(self) -> bool {
        matches!(self, Status::Live | Status::Failed | Status::Canceled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Building => "building",
            Status::Deploying => "deploying",
            Status::Live => "live",
            Status::Failed => "failed",
            Status::Canceled => "canceled",
        }
    }
}

/// A deployment as the API describes it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Deployment {
    pub id: String,
    pub status: Status,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

/// `POST /v1/deployments`.
#[derive(Clone, Debug, Serialize)]
pub struct DeployRequest {
    pub app: String,
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// Run once before the new version serves (assumed, optional: see the README).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_command: Option<String>,
    /// Processes run from the same image beside the web server, name → command (assumed,
    /// optional).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub processes: std::collections::BTreeMap<String, String>,
}

/// Where the token came from, to say so when it is refused.
#[derive(Clone, Debug)]
pub enum TokenSource {
    Env,
    File(std::path::PathBuf),
}

/// Where requests go, checked: https, or plain http only to this machine.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// What request paths are appended to, without a trailing slash.
    pub base: String,
    /// `scheme://host[:port]` in lower case: what a person confirms and bim remembers.
    pub origin: String,
}

impl Endpoint {
    /// `from` names where `url` came from (a flag, a variable, bim.toml), for errors.
    pub fn parse(url: &str, from: &str) -> Result<Endpoint, Error> {
        let shown = scrub::printable(url);
        let base = url.trim().trim_end_matches('/').to_string();
        let (scheme, rest) =
            base.split_once("://").ok_or_else(|| usage(format!("{shown} is not a URL"), from))?;
        let scheme = scheme.to_ascii_lowercase();
        let host = rest.split(['/', '?', '#']).next().unwrap_or("").to_ascii_lowercase();
        if host.is_empty() {
            return Err(usage(format!("{shown} names no host"), from));
        }
        // `api.backend.im@elsewhere` would show one host and connect to another.
        if !host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)) {
            return Err(usage(format!("{shown} is not a plain host name with an optional port"), from));
        }
        let hostname =
            host.rsplit_once(':').filter(|(_, p)| p.parse::<u16>().is_ok()).map_or(host.as_str(), |(h, _)| h);
        let loopback = hostname == "localhost" || hostname == "[::1]" || hostname.starts_with("127.");
        match scheme.as_str() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(usage(
                    format!(
                        "{shown} is plain http; the token would cross the network unencrypted (http is allowed only to this machine)"
                    ),
                    from,
                ));
            }
            _ => return Err(usage(format!("{shown} is not an http(s) URL"), from)),
        }
        let path = &rest[host.len()..];
        Ok(Endpoint { base: format!("{scheme}://{host}{path}"), origin: format!("{scheme}://{host}") })
    }

    /// `host[:port]`.
    pub fn host(&self) -> &str {
        self.origin.split_once("://").map_or(self.origin.as_str(), |(_, h)| h)
    }
}

pub struct Client {
    base: String,
    host: String,
    token: String,
    token_source: TokenSource,
    agent: ureq::Agent,
    /// Values a request carries that a reply must never show (settings being sent).
    hidden: Vec<String>,
}

impl Client {
    pub fn new(
        endpoint: Endpoint,
        token: String,
        token_source: TokenSource,
        request_timeout: Duration,
    ) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(request_timeout))
            .user_agent(concat!("bim/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            host: endpoint.host().to_string(),
            base: endpoint.base,
            token,
            token_source,
            agent: ureq::Agent::new_with_config(config),
            hidden: Vec::new(),
        }
    }

    /// Asks for a deployment. `key` makes a retried request safe: the server deploys once.
    pub fn create(&self, request: &DeployRequest, key: &str) -> Result<Deployment, Error> {
        let body = serde_json::to_string(request).map_err(|e| Error::Internal(e.to_string()))?;
        let url = format!("{}/v1/deployments", self.base);
        self.deployment(self.call(Some(&request.app), || {
            self.agent
                .post(&url)
                .header("Authorization", &format!("Bearer {}", self.token))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("Idempotency-Key", key)
                .send(body.as_bytes())
        })?)
    }

    pub fn get(&self, id: &str) -> Result<Deployment, Error> {
        let url = format!("{}/v1/deployments/{}", self.base, encode_segment(id));
        self.deployment(self.fetch(&url, None)?)
    }

    /// `GET url`, JSON, with the token: the reply's body.
    fn fetch(&self, url: &str, app: Option<&str>) -> Result<String, Error> {
        self.call(app, || {
            self.agent
                .get(url)
                .header("Authorization", &format!("Bearer {}", self.token))
                .header("Accept", "application/json")
                .call()
        })
    }

    fn deployment(&self, body: String) -> Result<Deployment, Error> {
        let deployment: Deployment = self.parse(&body)?;
        Ok(Deployment {
            id: self.clean(&deployment.id),
            status: deployment.status,
            url: deployment.url.map(|u| self.clean(&u)),
            error: deployment.error.map(|e| self.clean(&e)),
        })
    }

    /// Sends until a 2xx, a refusal, or the retry budget is spent: the whole 2xx body.
    fn call(
        &self,
        app: Option<&str>,
        send: impl Fn() -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<String, Error> {
        let started = Instant::now();
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=MAX_ATTEMPTS {
            let retry_after = match send() {
                Ok(mut response) => {
                    let status = response.status().as_u16();
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let (body, whole) = read_body(response.body_mut());
                    match status {
                        200..=299 if whole => return Ok(body),
                        200..=299 => {
                            return Err(Error::Api {
                                message: format!(
                                    "{} answered with more than {} KiB",
                                    self.host,
                                    MAX_BODY / 1024
                                ),
                                hint: "the API may have changed; check BACKEND_IM_API_URL, or update bim"
                                    .into(),
                            });
                        }
                        408 | 429 | 500..=599 => Some((retry_after, format!("HTTP {status}"))),
                        _ => return Err(self.refusal(status, &body, app)),
                    }
                }
                Err(e) => Some((None, self.describe(&e))),
            };
            let Some((wait, why)) = retry_after else {
                continue;
            };
            let wait = wait.unwrap_or(backoff).min(Duration::from_secs(30));
            if attempt == MAX_ATTEMPTS || started.elapsed() + wait > RETRY_BUDGET {
                return Err(Error::Api {
                    message: format!("{} did not answer after {attempt} attempts (last: {why})", self.host),
                    hint: "check BACKEND_IM_API_URL and your network, then try again".into(),
                });
            }
            std::thread::sleep(wait);
            backoff *= 2;
        }
        unreachable!("the loop returns on its last attempt")
    }

    fn parse<T: serde::de::DeserializeOwned>(&self, body: &str) -> Result<T, Error> {
        serde_json::from_str(body).map_err(|e| Error::Api {
            // serde quotes what it did not expect: server text too.
            message: format!("{} answered with malformed JSON ({})", self.host, self.clean(&e.to_string())),
            hint: "the API may have changed; check BACKEND_IM_API_URL, or update bim".into(),
        })
    }

    /// Server text, safe to show: see `scrub`.
    fn clean(&self, text: &str) -> String {
        scrub::server_text(&scrub::hide(text, &self.hidden), &self.token)
    }

    fn refusal(&self, status: u16, body: &str, app: Option<&str>) -> Error {
        let server_says = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| {
                v.get("error").or_else(|| v.get("message")).and_then(|m| m.as_str()).map(str::to_string)
            })
            .unwrap_or_else(|| body.to_string());
        let server_says = self.clean(&server_says);
        let source = match &self.token_source {
            TokenSource::Env => format!("the {TOKEN_VAR} environment variable"),
            TokenSource::File(path) => format!("the token file {}", path.display()),
        };
        let (message, hint) = match status {
            401 | 403 => (
                format!("{} refused the token (HTTP {status})", self.host),
                format!("the token is read from {source}; check that it is set and current"),
            ),
            404 => match app {
                Some(app) => (
                    format!("{} knows no app `{app}` (HTTP 404)", self.host),
                    "check the app name: --app, or `app` in bim.toml".into(),
                ),
                None => (
                    format!("{} knows no such deployment (HTTP 404)", self.host),
                    "check the deployment id".into(),
                ),
            },
            422 => (
                format!("{} rejected the request: {server_says}", self.host),
                "fix what the server names, then try again".into(),
            ),
            _ => (
                format!("{} answered HTTP {status}: {server_says}", self.host),
                "check the request, then try again".into(),
            ),
        };
        Error::Api { message, hint }
    }

    /// A transport failure; ureq may quote what the server sent, so it is cleaned too.
    fn describe(&self, e: &ureq::Error) -> String {
        let said = match e {
            ureq::Error::Timeout(_) => format!("timed out talking to {}", self.host),
            ureq::Error::HostNotFound => format!("cannot resolve {}", self.host),
            ureq::Error::ConnectionFailed => format!("cannot connect to {}", self.host),
            ureq::Error::Io(io) => format!("cannot reach {}: {io}", self.host),
            other => format!("cannot reach {}: {other}", self.host),
        };
        self.clean(&said)
    }
}

fn usage(message: String, from: &str) -> Error {
    Error::Usage { message, flag: Some(format!("a different {from}")) }
}

/// At most `MAX_BODY` bytes of a reply, and whether that was all of it. A cut reply ends at
/// its last whitespace, so no half of a secret escapes the patterns that redact it.
fn read_body(body: &mut ureq::Body) -> (String, bool) {
    let mut bytes = Vec::new();
    // A reply that breaks off midway is shown as far as it came.
    let _ = body.as_reader().take(MAX_BODY as u64 + 1).read_to_end(&mut bytes);
    let whole = bytes.len() <= MAX_BODY;
    if !whole {
        bytes.truncate(MAX_BODY);
        let end = bytes.iter().rposition(u8::is_ascii_whitespace).unwrap_or(0);
        bytes.truncate(end);
    }
    (String::from_utf8_lossy(&bytes).into_owned(), whole)
}

/// Deployment ids go into a URL path: anything but unreserved characters is escaped.
fn encode_segment(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A key unique to this run of bim, for `Idempotency-Key`.
pub fn idempotency_key(app: &str) -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("bim-{app}-{}-{nanos:x}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(url: &str) -> Result<Endpoint, Error> {
        Endpoint::parse(url, URL_VAR)
    }

    #[test]
    fn plain_http_only_to_this_machine() {
        assert!(endpoint("https://api.backend.im").is_ok());
        assert!(endpoint("http://127.0.0.1:8080").is_ok());
        assert!(endpoint("http://localhost:1").is_ok());
        assert!(endpoint("http://[::1]:1").is_ok());
        assert!(endpoint("http://api.backend.im").is_err());
        assert!(endpoint("ftp://x").is_err());
    }

    #[test]
    fn the_origin_is_the_host_a_person_confirms() {
        let e = endpoint("HTTPS://API.Example.com:8443/v2/").expect("valid");
        assert_eq!(
            (e.origin.as_str(), e.base.as_str()),
            ("https://api.example.com:8443", "https://api.example.com:8443/v2")
        );
        assert_eq!(e.host(), "api.example.com:8443");
        // The host shown must be the host connected to.
        assert!(endpoint("https://api.backend.im@attacker.example").is_err());
        assert!(endpoint("https://api.backend.im\\@attacker.example").is_err());
        assert!(endpoint("https:///v1").is_err());
    }

    #[test]
    fn ids_are_escaped_in_paths() {
        assert_eq!(encode_segment("d-1"), "d-1");
        assert_eq!(encode_segment("../x?y"), "..%2Fx%3Fy");
    }
}

//! bim's errors: each says what went wrong, names the file or flag involved, and maps to a
//! stable exit code (documented in the README).

use std::path::{Path, PathBuf};

/// Exit codes. They are part of bim's interface: change none of them.
pub mod exit {
    pub const OK: i32 = 0;
    /// Anything not listed below: an IO failure, a bug.
    pub const FAILURE: i32 = 1;
    /// A bad flag or value, or an answer that is needed but was not given.
    pub const USAGE: i32 = 2;
    /// Nothing bim knows how to deploy was found.
    pub const NOTHING_DETECTED: i32 = 3;
    /// A manifest or config file could not be parsed.
    pub const BROKEN_FILE: i32 = 4;
    /// `bim check`: a generated file drifted from bim.toml, or is missing.
    pub const DRIFT: i32 = 5;
    /// Another bim is writing in the same folder.
    pub const LOCKED: i32 = 6;
    /// `bim deploy --wait`: the deployment failed or was canceled.
    pub const DEPLOY_FAILED: i32 = 7;
    /// `bim deploy --wait`: the deployment was not live before the timeout.
    pub const TIMED_OUT: i32 = 8;
    /// Backend.im refused the request or could not be reached.
    pub const API: i32 = 9;
    /// `bim init`: a file's hand edits and bim's new render touch the same lines; that file
    /// was left as it is (the rest were written).
    pub const CONFLICT: i32 = 10;
    /// `bim run`: the image did not build.
    pub const BUILD_FAILED: i32 = 11;
    /// `bim run`: the app stopped before it answered (the last log lines are shown).
    pub const CRASHED: i32 = 12;
    /// `bim run`: the app did not answer on its port within `--timeout`.
    pub const NO_ANSWER: i32 = 13;
    /// A path bim would read back or write is a symbolic link, or leaves the repository:
    /// nothing was written.
    pub const UNSAFE_PATH: i32 = 14;
    /// Interrupted at a prompt (Ctrl-C or Esc); nothing was written.
    pub const INTERRUPTED: i32 = 130;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path} is broken: {cause}")]
    BrokenFile { path: String, cause: String },

    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path} {cause}; bim wrote nothing")]
    UnsafePath { path: String, cause: String },

    #[error("{} is not a folder that exists", .0.display())]
    NotADirectory(PathBuf),

    #[error("found nothing to deploy in {}: {reason}", path.display())]
    NothingDetected { path: PathBuf, reason: String },

    #[error("nothing here can be deployed as it is: {}", reasons.join("; "))]
    NotDeployable { reasons: Vec<String> },

    #[error("another bim is already writing in {}", .0.display())]
    Locked(PathBuf),

    #[error("{message}")]
    Api { message: String, hint: String },

    #[error("deployment {id} {status}{}", reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    DeployFailed { id: String, status: String, reason: Option<String> },

    #[error("deployment {id} is still {status} after {waited}")]
    TimedOut { id: String, status: String, waited: String },

    #[error("{message}\n{log}")]
    RunFailed { stage: &'static str, message: String, log: String },

    #[error("interrupted; nothing was written")]
    Interrupted,

    #[error("internal error: {0}")]
    Internal(String),

    #[error("{message}")]
    Usage { message: String, flag: Option<String> },
}

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io { path: path.to_path_buf(), source }
    }

    pub fn write(path: &Path, source: std::io::Error) -> Error {
        Error::Write { path: path.to_path_buf(), source }
    }

    pub fn broken(path: &str, cause: impl Into<String>) -> Error {
        Error::BrokenFile { path: path.to_string(), cause: cause.into() }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::BrokenFile { .. } => exit::BROKEN_FILE,
            Error::Io { .. } | Error::Write { .. } | Error::Internal(_) => exit::FAILURE,
            Error::UnsafePath { .. } => exit::UNSAFE_PATH,
            Error::Locked(_) => exit::LOCKED,
            Error::Api { .. } => exit::API,
            Error::DeployFailed { .. } => exit::DEPLOY_FAILED,
            Error::TimedOut { .. } => exit::TIMED_OUT,
            Error::Interrupted => exit::INTERRUPTED,
            Error::RunFailed { stage: "build", .. } => exit::BUILD_FAILED,
            Error::RunFailed { stage: "timeout", .. } => exit::NO_ANSWER,
            Error::RunFailed { .. } => exit::CRASHED,
            Error::NotADirectory(_) | Error::Usage { .. } => exit::USAGE,
            Error::NothingDetected { .. } | Error::NotDeployable { .. } => exit::NOTHING_DETECTED,
        }
    }

    /// A short stable identifier for machines (`--json`).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::BrokenFile { .. } => "broken_file",
            Error::Io { .. } | Error::Write { .. } => "io",
            Error::UnsafePath { .. } => "unsafe_path",
            Error::Internal(_) => "internal",
            Error::Locked(_) => "locked",
            Error::Api { .. } => "api",
            Error::DeployFailed { .. } => "deploy_failed",
            Error::TimedOut { .. } => "timed_out",
            Error::Interrupted => "interrupted",
            Error::RunFailed { stage: "build", .. } => "build_failed",
            Error::RunFailed { stage: "timeout", .. } => "no_answer",
            Error::RunFailed { .. } => "crashed",
            Error::NotADirectory(_) => "not_a_directory",
            Error::NothingDetected { .. } => "nothing_detected",
            Error::NotDeployable { .. } => "not_deployable",
            Error::Usage { .. } => "usage",
        }
    }

    /// The error as `--json` and the MCP tools report it: `{kind, message, hint, exit_code}`,
    /// and `diagnosis` for a failed build or start whose log shows a known cause.
    pub fn to_json(&self) -> serde_json::Value {
        let mut json = serde_json::json!({
            "kind": self.kind(),
            "message": self.to_string(),
            "hint": self.hint(),
            "exit_code": self.exit_code(),
        });
        if let Error::RunFailed { .. } = self {
            json["diagnosis"] = serde_json::to_value(self.diagnosis()).unwrap_or_default();
        }
        json
    }

    /// For a failed build or start: the known cause its log shows, if any.
    pub fn diagnosis(&self) -> Option<crate::diagnosis::Diagnosis> {
        match self {
            Error::RunFailed { stage, log, .. } => {
                let stage = if *stage == "build" { "build" } else { "start" };
                crate::diagnosis::diagnose(stage, log)
            }
            _ => None,
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::BrokenFile { path, .. } if path == crate::ownership::ANSWERS => Some(format!(
                "fix {path}, or move it aside to start again from what bim detects (`bim init`)"
            )),
            Error::BrokenFile { path, .. } => {
                Some(format!("fix {path}, or list it in .gitignore if it is not part of the app"))
            }
            Error::Io { .. } => Some("check the file's permissions".into()),
            Error::Write { .. } => Some("check the folder's permissions and the free space on its disk".into()),
            Error::UnsafePath { .. } => Some(
                "replace the link with the real file or folder (or remove it), then run bim again".into(),
            ),
            Error::Internal(_) => Some("this is a bug in bim; please report it".into()),
            Error::Locked(_) => Some("wait for the other run to finish, then run bim again".into()),
            Error::Api { hint, .. } => Some(hint.clone()),
            Error::DeployFailed { id, .. } => {
                Some(format!("see the deployment's logs in Backend.im, or `bim status {id}`"))
            }
            Error::TimedOut { id, .. } => {
                Some(format!("it may still finish: `bim status {id}`; or wait longer with --timeout"))
            }
            Error::Interrupted => None,
            Error::RunFailed { stage: "build", .. } => {
                Some("fix what the build log says, then `bim run` again (the layer cache keeps what built)".into())
            }
            Error::RunFailed { stage: "timeout", .. } => Some(
                "check that the app listens on 0.0.0.0 on the port bim.toml gives, or wait longer with --timeout"
                    .into(),
            ),
            Error::RunFailed { .. } => {
                Some("the log lines above say why; a variable the app needs may be missing from .env".into())
            }
            Error::NotADirectory(_) => Some("pass the repository's folder".into()),
            Error::NothingDetected { .. } => Some(
                "run bim in the app's folder, or pass its path: `bim detect path/to/app`; \
                 bim knows node, bun, deno, python, go, rust, java, ruby, php, dotnet, \
                 elixir and static sites"
                    .into(),
            ),
            Error::NotDeployable { .. } => Some(
                "make the change the reason names, or pass --service PATH --start-command \"...\" \
                 to say how the app starts"
                    .into(),
            ),
            Error::Usage { flag: Some(flag), .. } => Some(format!("pass {flag}")),
            Error::Usage { flag: None, .. } => None,
        }
    }
}

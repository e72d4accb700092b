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

    #[error("{} is not a folder that exists", .0.display())]
    NotADirectory(PathBuf),

    #[error("found nothing to deploy in {}: {reason}", path.display())]
    NothingDetected { path: PathBuf, reason: String },

    #[error("another bim is already writing in {}", .0.display())]
    Locked(PathBuf),

    #[error("internal error: {0}")]
    Internal(String),

    #[error("{message}")]
    Usage {
        message: String,
        flag: Option<String>,
    },
}

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub fn broken(path: &str, cause: impl Into<String>) -> Error {
        Error::BrokenFile {
            path: path.to_string(),
            cause: cause.into(),
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::BrokenFile { .. } => exit::BROKEN_FILE,
            Error::Io { .. } | Error::Internal(_) => exit::FAILURE,
            Error::Locked(_) => exit::LOCKED,
            Error::NotADirectory(_) | Error::Usage { .. } => exit::USAGE,
            Error::NothingDetected { .. } => exit::NOTHING_DETECTED,
        }
    }

    /// A short stable identifier for machines (`--json`).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::BrokenFile { .. } => "broken_file",
            Error::Io { .. } => "io",
            Error::Internal(_) => "internal",
            Error::Locked(_) => "locked",
            Error::NotADirectory(_) => "not_a_directory",
            Error::NothingDetected { .. } => "nothing_detected",
            Error::Usage { .. } => "usage",
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::BrokenFile { path, .. } => Some(format!(
                "fix {path}, or list it in .gitignore if it is not part of the app"
            )),
            Error::Io { .. } => Some("check the file's permissions".into()),
            Error::Internal(_) => Some("this is a bug in bim; please report it".into()),
            Error::Locked(_) => Some("wait for the other run to finish, then run bim again".into()),
            Error::NotADirectory(_) => Some("pass the repository's folder".into()),
            Error::NothingDetected { .. } => Some(
                "run bim in the app's folder, or pass its path: `bim detect path/to/app`; \
                 bim knows node, bun, deno, python, go, rust, java, ruby, php, dotnet, \
                 elixir and static sites"
                    .into(),
            ),
            Error::Usage {
                flag: Some(flag), ..
            } => Some(format!("pass {flag}")),
            Error::Usage { flag: None, .. } => None,
        }
    }
}

//! The table of one service's text answers: the flag that sets each, what a message calls
//! it, and the check its value must pass. Flags, the MCP tools, the interview and the
//! dropping of unusable detected values all read this one table, so a new answer is a new
//! row here plus its place in each struct's `text` accessor, which the compiler checks.

use crate::error::Error;
use crate::validate;

/// A per-service answer that is one line of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextAnswer {
    RuntimeVersion,
    BuildCommand,
    StartCommand,
    TestCommand,
    ReleaseCommand,
    HealthcheckPath,
    Entrypoint,
}

impl TextAnswer {
    pub const ALL: [TextAnswer; 7] = [
        TextAnswer::RuntimeVersion,
        TextAnswer::BuildCommand,
        TextAnswer::StartCommand,
        TextAnswer::TestCommand,
        TextAnswer::ReleaseCommand,
        TextAnswer::HealthcheckPath,
        TextAnswer::Entrypoint,
    ];

    /// The `bim init` flag that sets it.
    pub fn flag(self) -> &'static str {
        match self {
            TextAnswer::RuntimeVersion => "--runtime-version",
            TextAnswer::BuildCommand => "--build-command",
            TextAnswer::StartCommand => "--start-command",
            TextAnswer::TestCommand => "--test-command",
            TextAnswer::ReleaseCommand => "--release-command",
            TextAnswer::HealthcheckPath => "--healthcheck-path",
            TextAnswer::Entrypoint => "--entrypoint",
        }
    }

    /// What a message calls it.
    pub fn what(self) -> &'static str {
        match self {
            TextAnswer::RuntimeVersion => "runtime version",
            TextAnswer::BuildCommand => "build command",
            TextAnswer::StartCommand => "start command",
            TextAnswer::TestCommand => "test command",
            TextAnswer::ReleaseCommand => "release command",
            TextAnswer::HealthcheckPath => "health check",
            TextAnswer::Entrypoint => "entrypoint",
        }
    }

    /// The check a value must pass wherever it comes from: a flag, a prompt, bim.toml or
    /// the repository.
    pub fn check(self, value: &str) -> Result<(), Error> {
        let flag = self.flag();
        match self {
            TextAnswer::RuntimeVersion => validate::version(value, flag),
            TextAnswer::HealthcheckPath => validate::url_path(value, flag),
            TextAnswer::Entrypoint => validate::entrypoint(value, flag),
            TextAnswer::BuildCommand
            | TextAnswer::StartCommand
            | TextAnswer::TestCommand
            | TextAnswer::ReleaseCommand => validate::command(self.what(), value, flag),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_has_its_own_flag_and_refuses_a_newline() {
        let flags: std::collections::BTreeSet<&str> = TextAnswer::ALL.iter().map(|a| a.flag()).collect();
        assert_eq!(flags.len(), TextAnswer::ALL.len());
        for answer in TextAnswer::ALL {
            let err = answer.check("a\nb").expect_err(answer.what());
            assert_eq!(err.hint().as_deref(), Some(format!("pass {}", answer.flag()).as_str()), "{err}");
        }
    }
}

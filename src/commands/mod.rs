//! One module per subcommand. Each takes plain options (never clap types) and returns a
//! report for `output` to print.

pub mod agents;
pub mod check;
pub mod deploy;
pub mod detect;
pub mod env_push;
pub mod init;
pub mod rollback;
pub mod run;

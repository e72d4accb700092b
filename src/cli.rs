//! The command line: clap types, and their translation into the library's plain options.
//! Nothing outside this module sees clap.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::error::{Error, exit};
use crate::{commands, output};

#[derive(Parser, Debug)]
#[command(
    name = "bim",
    version,
    about = "Take a repository to deployed-on-every-push on Backend.im"
)]
pub struct Cli {
    /// When to use colour: auto (a terminal, and NO_COLOR unset), always or never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print what bim finds in a repository, and why
    Detect {
        /// The repository (default: the current folder)
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Print the documented JSON report instead of text
        #[arg(long)]
        json: bool,
        /// Show the evidence behind every answer
        #[arg(long, short)]
        verbose: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn apply_color(choice: ColorChoice) {
    match choice {
        ColorChoice::Always => console::set_colors_enabled(true),
        ColorChoice::Never => console::set_colors_enabled(false),
        ColorChoice::Auto => {
            let enabled = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && console::Term::stdout().features().colors_supported();
            console::set_colors_enabled(enabled);
        }
    }
}

/// Parses the command line, runs the command, and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    apply_color(cli.color);
    let as_json = match &cli.command {
        Command::Detect { json, .. } => *json,
    };
    match run(cli.command) {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) => {
            output::error(&err, as_json);
            ExitCode::from(err.exit_code() as u8)
        }
    }
}

fn run(command: Command) -> Result<i32, Error> {
    let mut stdout = std::io::stdout().lock();
    match command {
        Command::Detect {
            path,
            json,
            verbose,
        } => {
            let detection = commands::detect::run(&path)?;
            let written = if json {
                output::json(&mut stdout, &detection)
            } else {
                output::detection(&mut stdout, &detection, verbose)
            };
            written
                .and_then(|()| stdout.flush())
                .map_err(|e| Error::io(&PathBuf::from("<stdout>"), e))?;
            Ok(exit::OK)
        }
    }
}

//! Questions for a person at a terminal, behind one small trait so the interview can be
//! driven by anything. Only the dialoguer implementation touches the terminal; bim asks
//! only when stdin and stderr are terminals and neither `--yes` nor `--json` was given.

use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, MultiSelect, Select};

use crate::error::Error;

pub trait Prompter {
    fn select(&mut self, label: &str, items: &[String], default: usize) -> Result<usize, Error>;
    fn multiselect(&mut self, label: &str, items: &[String], defaults: &[bool]) -> Result<Vec<usize>, Error>;
    /// Free text, checked by `check` before it is accepted; an empty answer takes `default`.
    fn input(
        &mut self,
        label: &str,
        default: &str,
        check: &dyn Fn(&str) -> Result<(), Error>,
    ) -> Result<String, Error>;
    fn confirm(&mut self, label: &str, default: bool) -> Result<bool, Error>;
}

/// dialoguer on stderr.
pub struct Terminal {
    theme: ColorfulTheme,
}

impl Terminal {
    pub fn new() -> Terminal {
        Terminal { theme: ColorfulTheme::default() }
    }
}

impl Default for Terminal {
    fn default() -> Self {
        Terminal::new()
    }
}

fn terminal_error(e: dialoguer::Error) -> Error {
    match e {
        dialoguer::Error::IO(io) if io.kind() == std::io::ErrorKind::Interrupted => Error::Interrupted,
        dialoguer::Error::IO(io) => Error::io(std::path::Path::new("<terminal>"), io),
    }
}

impl Prompter for Terminal {
    fn select(&mut self, label: &str, items: &[String], default: usize) -> Result<usize, Error> {
        Select::with_theme(&self.theme)
            .with_prompt(label)
            .items(items)
            .default(default)
            .interact_opt()
            .map_err(terminal_error)?
            .ok_or(Error::Interrupted)
    }

    fn multiselect(&mut self, label: &str, items: &[String], defaults: &[bool]) -> Result<Vec<usize>, Error> {
        MultiSelect::with_theme(&self.theme)
            .with_prompt(format!("{label} (space to toggle, enter to accept)"))
            .items(items)
            .defaults(defaults)
            .interact_opt()
            .map_err(terminal_error)?
            .ok_or(Error::Interrupted)
    }

    fn input(
        &mut self,
        label: &str,
        default: &str,
        check: &dyn Fn(&str) -> Result<(), Error>,
    ) -> Result<String, Error> {
        Input::<String>::with_theme(&self.theme)
            .with_prompt(label)
            .default(default.to_string())
            .allow_empty(default.is_empty())
            .validate_with(|value: &String| check(value).map_err(|e| e.to_string()))
            .interact_text()
            .map_err(terminal_error)
    }

    fn confirm(&mut self, label: &str, default: bool) -> Result<bool, Error> {
        Confirm::with_theme(&self.theme)
            .with_prompt(label)
            .default(default)
            .interact_opt()
            .map_err(terminal_error)?
            .ok_or(Error::Interrupted)
    }
}

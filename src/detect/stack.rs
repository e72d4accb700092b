//! One ecosystem's knowledge at the detection floor, behind one trait: the files that make
//! a folder worth asking it about, how it reads a folder into a service, and what the
//! generated files need to know of the repository for the chosen answers (its facts).
//!
//! Its other half, the recipe that installs, builds and tests the app, sits above the
//! answers in `plan::recipe::<ecosystem>`, so that planning reads the answers alone. A new
//! ecosystem is a `Stack` in its own module, listed in `stacks`, plus a row in `lockfiles`,
//! a word in `vocabulary` and a recipe.

use super::dir::Dir;
use super::facts::{At, Facts};
use super::model::{Language, Service};
use crate::error::Error;

pub trait Stack: Sync {
    /// The languages of the services it detects.
    fn languages(&self) -> &'static [Language];

    /// The files whose presence makes a folder worth asking: a name, `*.suffix`, or
    /// `folder/*.suffix` (a file in a subfolder that makes its parent an app).
    fn triggers(&self) -> &'static [&'static str];

    /// The service in `dir`, `None` when the folder is not an app of this stack (or only
    /// a library), or the broken manifest that stops detection.
    fn detect(&self, dir: &Dir) -> Result<Option<Service>, Error>;

    /// The facts of a service it detected, for its answers.
    fn facts(&self, _at: &At, _facts: &mut Facts) -> Result<(), Error> {
        Ok(())
    }
}

//! bim: take an existing repository to "deployed on every push" on Backend.im.
//!
//! The pipeline runs one way, each step a plain value: `scan` reads the tree once into a
//! `Snapshot`; `detect` turns it into services, one `Stack` per ecosystem; `answers`
//! resolves flags (`Overrides`, the same type for clap and MCP) over bim.toml over what was
//! detected, and each stack reads the facts those answers need; `plan` turns the answers
//! alone into files, one `Recipe` per ecosystem for the image and the test job; `render`
//! fills the embedded templates; `apply` writes them, merging a person's edits. The faces
//! (`cli`, `commands`, `output`, `mcp`) sit on top. Only the ends touch the world.
//!
//! At the ground floor: the vocabulary (`vocabulary`), the lockfile table (`lockfiles`),
//! the answer table and its checks (`answer_fields`, `validate`) and file ownership
//! (`ownership`), which every layer may name.

pub mod answer_fields;
pub mod answers;
pub mod api;
pub mod apply;
pub mod cli;
pub mod commands;
pub mod config;
pub mod dependabot_merge;
pub mod detect;
pub mod diagnosis;
pub mod dotenv;
pub mod error;
pub mod git_remote;
pub mod interview;
pub mod lockfiles;
pub mod manifest;
pub mod mcp;
pub mod output;
pub mod ownership;
pub mod pattern;
pub mod plan;
pub mod prompt;
pub mod render;
pub mod report;
pub mod safe_path;
pub mod scan;
pub mod scrub;
pub mod transaction;
pub mod trust;
pub mod validate;
pub mod vocabulary;

pub use error::Error;

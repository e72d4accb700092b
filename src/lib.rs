//! bim: take an existing repository to "deployed on every push" on Backend.im.
//!
//! The pipeline runs one way, each step a plain value: `scan` reads the tree once into a
//! `Snapshot`; `detect` turns it into services; later steps resolve answers, plan, render
//! and apply. Only the ends touch the world.

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

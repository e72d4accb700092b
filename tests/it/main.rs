//! bim's one integration test binary.

mod compose;
mod deploy;
mod detect;
mod diagnosis;
mod env_push;
mod examples;
mod fake_backend;
mod fuzz;
mod gitlab;
mod harness;
mod hostile;
mod images;
mod init;
mod interactive;
mod links;
mod local_run;
mod mcp;
mod ownership;
mod pipeline;
mod previews;
mod real_repos;
mod release;
mod rollback;
mod tools;

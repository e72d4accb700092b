//! Static sites: an index.html in the folder, or, at the root only, a committed build
//! output folder holding one. Served by a small web server image.

use super::app_name;
use super::dir::Dir;
use super::model::{Language, Service};
use crate::detect::Field;
use crate::error::Error;

/// Build output folders a repository may commit; the walk prunes some of them, so they
/// are looked at directly.
const OUTPUT_FOLDERS: &[&str] = &["public", "dist", "build", "out", "_site", "www", "site"];

/// Static files: a folder with an index.html and no other manifest.
pub struct StaticSite;

impl super::stack::Stack for StaticSite {
    fn languages(&self) -> &'static [Language] {
        &[Language::Static]
    }

    fn triggers(&self) -> &'static [&'static str] {
        &["index.html"]
    }

    fn detect(&self, dir: &Dir) -> Result<Option<Service>, Error> {
        detect(dir)
    }
}

pub fn detect(dir: &Dir) -> Result<Option<Service>, Error> {
    // A crate's page (a Yew or Leptos front end) is built by its own tooling (trunk,
    // wasm-pack) into something else: the HTML there is not the site.
    if dir.has("Cargo.toml") {
        return Ok(None);
    }
    let output = if dir.has("index.html") {
        Some((dir.rel("index.html"), ".".to_string()))
    } else if dir.path.is_empty() {
        OUTPUT_FOLDERS.iter().find_map(|folder| {
            let index = dir.rel(&format!("{folder}/index.html"));
            let there = dir.snap.has_file(&index)
                || (dir.snap.was_pruned(folder) && dir.snap.probe(&index).is_some());
            there.then(|| (index, folder.to_string()))
        })
    } else {
        None
    };
    let Some((index, folder)) = output else {
        return Ok(None);
    };
    let mut service = Service::new(dir.path, app_name(&dir.name()), Language::Static);
    service.found(Field::Language, &index, "an HTML page and no app manifest");
    service.found(Field::StaticOutput, &index, format!("serves {folder}"));
    service.static_output = Some(folder);
    service.defaulted(Field::Port, "static files served on 8080");
    service.port = Some(8080);
    Ok(Some(service))
}

//! A Dockerfile the repository already has. bim builds it as it is, so its `EXPOSE` port
//! is the service's port.

use super::dir::Dir;
use super::model::{ExistingDockerfile, Service};
use crate::detect::Field;
use crate::error::Error;
use crate::ownership::{made_by_bim, rendered_path};

/// Records the service's own Dockerfile, unless bim wrote it.
pub fn apply(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let rel = dir.rel("Dockerfile");
    let Some(file) = dir.snap.read(&rel)? else {
        return Ok(());
    };
    // bim's own, by its header or by the copy bim keeps of what it rendered there.
    if made_by_bim(&file.text) || dir.snap.has_file(&rendered_path(&rel)) {
        return Ok(());
    }
    let expose = file.text.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        words.next().filter(|w| w.eq_ignore_ascii_case("EXPOSE"))?;
        words.next()?.split('/').next()?.parse::<u16>().ok()
    });
    service.found(Field::Dockerfile, &rel, "the repository's own Dockerfile; bim builds it as it is");
    version_from_base_image(&file.text, &rel, service);
    if let Some(port) = expose {
        service.evidence.retain(|e| e.field != Field::Port);
        service.found(Field::Port, &rel, format!("EXPOSE {port}"));
        service.port = Some(port);
    }
    service.dockerfile = Some(ExistingDockerfile { path: rel, expose });
    Ok(())
}

/// The images each language's Dockerfiles start from.
const BASE_IMAGES: &[(&str, &[&str])] = &[
    ("node", &["node"]),
    ("python", &["python"]),
    ("go", &["golang"]),
    ("rust", &["rust"]),
    ("ruby", &["ruby"]),
    ("php", &["php", "dunglas/frankenphp"]),
    ("elixir", &["elixir", "hexpm/elixir"]),
    ("bun", &["oven/bun"]),
    ("deno", &["denoland/deno"]),
    ("java", &["eclipse-temurin", "openjdk", "amazoncorretto"]),
];

/// A version pinned by the Dockerfile's `FROM` tag (`rust:1.74-slim` pins 1.74), used when
/// no version file said otherwise: the maintainers build on that version.
fn version_from_base_image(text: &str, rel: &str, service: &mut Service) {
    if !service.evidence.iter().any(|e| e.field == Field::RuntimeVersion && e.default) {
        return;
    }
    let Some((_, images)) = BASE_IMAGES.iter().find(|(lang, _)| *lang == service.language.as_str()) else {
        return;
    };
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("FROM")) {
            continue;
        }
        let Some(image) = words.find(|w| !w.starts_with("--")) else { continue };
        let image = image.trim_start_matches("docker.io/").trim_start_matches("library/");
        let Some((name, tag)) = image.split_once(':') else { continue };
        let version: String = tag.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
        let version = version.trim_end_matches('.');
        if images.contains(&name) && !version.is_empty() && super::versions::normalize(version).is_some() {
            service.evidence.retain(|e| e.field != Field::RuntimeVersion);
            service.found(Field::RuntimeVersion, rel, format!("FROM {image}"));
            service.runtime_version = Some(version.to_string());
            return;
        }
    }
}

//! A Dockerfile the repository already has. bim builds it as it is, so its `EXPOSE` port
//! is the service's port.

use super::dir::Dir;
use super::model::{ExistingDockerfile, Service};
use crate::error::Error;
use crate::render::GENERATED_MARKER;

/// Records the service's own Dockerfile, unless bim wrote it.
pub fn apply(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let rel = dir.rel("Dockerfile");
    let Some(file) = dir.snap.read(&rel)? else {
        return Ok(());
    };
    if file.text.contains(GENERATED_MARKER) {
        return Ok(());
    }
    let expose = file.text.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        words.next().filter(|w| w.eq_ignore_ascii_case("EXPOSE"))?;
        words.next()?.split('/').next()?.parse::<u16>().ok()
    });
    service.found("dockerfile", &rel, "the repository's own Dockerfile; bim builds it as it is");
    if let Some(port) = expose {
        service.evidence.retain(|e| e.field != "port");
        service.found("port", &rel, format!("EXPOSE {port}"));
        service.port = Some(port);
    }
    service.dockerfile = Some(ExistingDockerfile { path: rel, expose });
    Ok(())
}

//! A health-check route the code already serves, such as `/health` or `/healthz`.

use crate::detect::Field;
use std::sync::LazyLock;

use crate::pattern::Pattern;

use super::dir::Dir;
use super::model::Service;
use crate::error::Error;

static ROUTE: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r#"(?i)(?:(?:get|route|handle|handlefunc|map_?get|api_view|path|add_url_rule)\s*[(!]?\s*\(?\s*(?:"GET\s+)?|pathname\s*===?\s*)['"`]?(/(?:health|healthz|healthcheck|_health|api/health|livez|readyz|ping|up))['"`]"#,
    )
});

/// Sets `healthcheck_path` from the first health route in the sources with `extensions`.
pub fn apply(dir: &Dir, service: &mut Service, extensions: &'static [&'static str]) -> Result<(), Error> {
    let files: Vec<&str> = dir.sources(extensions).collect();
    apply_in(dir, service, &files)
}

/// The same, from the given files only (the code one program is built from).
pub fn apply_in(dir: &Dir, service: &mut Service, files: &[&str]) -> Result<(), Error> {
    if service.healthcheck_path.is_some() {
        return Ok(());
    }
    if let Some(found) = dir.grep_in(files.iter().copied(), &ROUTE)? {
        service.found_at(
            Field::HealthcheckPath,
            &found.file,
            found.line,
            format!("route {}", found.groups[1]),
        );
        service.healthcheck_path = Some(found.groups[1].clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ROUTE;

    #[test]
    fn matches_common_route_declarations() {
        for line in [
            "app.get('/health', (req, res) => res.send('ok'))",
            "@app.get(\"/healthz\")",
            "http.HandleFunc(\"/healthz\", health)",
            "r.GET(\"/health\", h)",
            ".route(\"/health\", get(health))",
            "app.MapGet(\"/healthz\", () => \"ok\");",
            "mux.HandleFunc(\"GET /health\", h)",
            "if (url.pathname === \"/health\") {",
        ] {
            assert!(ROUTE.is_match(line), "{line}");
        }
        assert!(!ROUTE.is_match("const healthy = true"));
    }
}

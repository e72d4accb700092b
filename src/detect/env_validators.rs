//! Settings validators that run when the app builds (t3-env's `createEnv`): they fail the
//! build when a run-time variable is missing, and the build has none. Each says in its
//! own code what skips it (`skipValidation: !!process.env.CI || ...`); that variable is set
//! for the build only (the build stage and the workflow's test job, never the running
//! image), with a flag value, never a real one.

use std::sync::LazyLock;

use super::dir::Dir;
use super::model::Service;
use crate::error::Error;
use crate::pattern::Pattern;

/// The packages whose `createEnv` takes `skipValidation`.
const VALIDATORS: &[&str] = &["@t3-oss/env-nextjs", "@t3-oss/env-core", "@t3-oss/env-nuxt"];

/// `skipValidation:` and the expression after it, to the end of its property.
static SKIP: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"skipValidation\s*:\s*([^,}]+(?:\n\s*(?:\|\||&&)[^,}]+)*)"));
/// A variable the expression reads as true or false: `!!process.env.CI`, `process.env.X`
/// (not one compared to a value, such as `npm_lifecycle_event === "lint"`).
static TRUTHY: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"process\.env\.([A-Z][A-Z0-9_]*)\b(?:\s*(?:\|\||&&|\)|$))"#));

pub fn apply(dir: &Dir, extensions: &'static [&'static str], service: &mut Service) -> Result<(), Error> {
    if !VALIDATORS.iter().any(|v| service.dependencies.contains(*v)) {
        return Ok(());
    }
    let Some(found) = dir.grep(extensions, &SKIP)? else { return Ok(()) };
    let expression = found.groups.get(1).map(String::as_str).unwrap_or("");
    let Some(name) =
        TRUTHY.captures(expression.trim()).and_then(|c| c.get(1)).map(|m| m.as_str().to_string())
    else {
        return Ok(());
    };
    let setting = format!("{name}=1");
    if crate::validate::build_env(&setting, "").is_err() || service.build_env.contains(&setting) {
        return Ok(());
    }
    service.found(
        "build_env",
        &found.file,
        format!(
            "line {}: the settings validator skips when {name} is set: {setting} for the build only",
            found.line
        ),
    );
    service.build_env.push(setting);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip_variable(code: &str) -> Option<String> {
        let expression = SKIP.captures(code)?.get(1)?.as_str().to_string();
        Some(TRUTHY.captures(expression.trim())?.get(1)?.as_str().to_string())
    }

    #[test]
    fn the_variable_that_skips_validation_is_read_from_the_option() {
        assert_eq!(
            skip_variable("  skipValidation: !!process.env.SKIP_ENV_VALIDATION,\n").as_deref(),
            Some("SKIP_ENV_VALIDATION")
        );
        assert_eq!(
            skip_variable(
                "  skipValidation:\n    !!process.env.CI || process.env.npm_lifecycle_event === \"lint\",\n"
            )
            .as_deref(),
            Some("CI")
        );
        assert_eq!(
            skip_variable("skipValidation: process.env.npm_lifecycle_event === \"lint\",").as_deref(),
            None
        );
    }
}

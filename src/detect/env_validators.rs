//! Settings validators that run when the app builds (t3-env's `createEnv`, envalid's
//! `cleanEnv`, a zod schema's `.parse(process.env)`): they fail the build when a run-time
//! variable is missing, and the build has none. t3-env says in its own code what skips it
//! (`skipValidation: !!process.env.CI || ...`); that variable is set for the build only (the
//! build stage and the workflow's test job, never the running image), with a flag value,
//! never a real one. The others have no switch: each variable they require gets a
//! placeholder of its type, for the build only.

use crate::detect::Field;
use std::sync::LazyLock;

use super::dir::Dir;
use super::envvars::{SCHEMA_ENTRY as ENTRY, VALIDATES_ALL};
use super::model::{Framework, Service};
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

/// Frameworks whose build runs the server's modules (prerendering, collecting page data),
/// so a validator anywhere in them runs at build.
const BUILD_RUNS_SERVER_CODE: &[Framework] =
    &[Framework::Nextjs, Framework::Nuxt, Framework::Sveltekit, Framework::Remix];

pub fn apply(dir: &Dir, extensions: &'static [&'static str], service: &mut Service) -> Result<(), Error> {
    if !VALIDATORS.iter().any(|v| service.dependencies.contains(*v)) {
        return placeholders(dir, extensions, service);
    }
    let Some(found) = dir.grep(extensions, &SKIP)? else { return placeholders(dir, extensions, service) };
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
    service.found_at(
        Field::BuildEnv,
        &found.file,
        found.line,
        format!("the settings validator skips when {name} is set: {setting} for the build only"),
    );
    service.build_env.push(setting);
    Ok(())
}

/// Placeholders for what a switchless validator requires, when the framework's build runs it.
fn placeholders(dir: &Dir, extensions: &'static [&'static str], service: &mut Service) -> Result<(), Error> {
    let known = ["envalid", "zod", "@t3-oss/env-nextjs", "@t3-oss/env-core", "@t3-oss/env-nuxt"];
    if !BUILD_RUNS_SERVER_CODE.contains(&service.framework)
        || service.build_command.is_none()
        || !known.iter().any(|v| service.dependencies.contains(*v))
    {
        return Ok(());
    }
    let Some(found) = dir.grep(extensions, &VALIDATES_ALL)? else { return Ok(()) };
    let Some(text) = dir.snap.read(&found.file)? else { return Ok(()) };
    for (name, value, offset) in required(&text.text) {
        let line = crate::manifest::line_of(&text.text, offset);
        let setting = format!("{name}={value}");
        if crate::validate::build_env(&setting, "").is_err()
            || service.build_env.iter().any(|s| s.split_once('=').is_some_and(|(n, _)| n == name))
        {
            continue;
        }
        service.found_at(
            Field::BuildEnv,
            &found.file,
            line,
            format!(
                "validated when the build runs it, with no switch to skip: {setting} for the build only, never in the image"
            ),
        );
        service.build_env.push(setting);
    }
    Ok(())
}

/// The variables a schema requires (no default, not optional), each with a placeholder its
/// validator accepts and where it is. Public variables are left out: the build bakes them, so their real
/// values come in as build arguments.
fn required(code: &str) -> Vec<(String, String, usize)> {
    let entries: Vec<_> = ENTRY.captures_iter(code).collect();
    let mut found = Vec::new();
    for (i, caps) in entries.iter().enumerate() {
        let (Some(name), Some(whole)) = (caps.get(1), caps.get(0)) else { continue };
        let end = entries.get(i + 1).and_then(|c| c.get(0)).map_or(code.len(), |m| m.start());
        let rule = &code[whole.start() + (name.end() - whole.start())..end];
        let rule = rule.split(['}']).next().unwrap_or(rule);
        let name = name.as_str();
        let public = ["NEXT_PUBLIC_", "NUXT_PUBLIC_", "PUBLIC_", "VITE_"].iter().any(|p| name.starts_with(p));
        let optional = [".optional(", ".nullish(", ".default(", "default:", "devDefault"]
            .iter()
            .any(|o| rule.contains(o));
        if public || optional || found.iter().any(|(n, _, _)| n == name) {
            continue;
        }
        if let Some(value) = placeholder(rule) {
            found.push((name.to_string(), value, whole.start()));
        }
    }
    found
}

/// A value the validator in `rule` accepts, by the first of its checks that names a type;
/// `None` for a rule bim cannot satisfy (an enum, a regex).
fn placeholder(rule: &str) -> Option<String> {
    let table: &[(&str, &str)] = &[
        ("url(", "http://placeholder.invalid"),
        (".url", "http://placeholder.invalid"),
        ("email", "placeholder@placeholder.invalid"),
        ("port(", "3000"),
        ("num(", "1"),
        ("number(", "1"),
        ("bool(", "false"),
        ("boolean(", "false"),
        ("str(", "placeholder"),
        ("string(", "placeholder"),
    ];
    if ["enum(", "choices", "regex(", "startsWith(", "literal("].iter().any(|c| rule.contains(c)) {
        return None;
    }
    table.iter().find(|(check, _)| rule.contains(check)).map(|(_, value)| value.to_string())
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

    #[test]
    fn switchless_validators_get_a_placeholder_of_each_required_type() {
        let envalid = "export const env = cleanEnv(process.env, {\n  DATABASE_URL: url(),\n  PORT: port({ default: 3000 }),\n  API_KEY: str(),\n  NODE_ENV: str({ choices: ['development', 'production'] }),\n});\n";
        let named = |code: &str| -> Vec<(String, String)> {
            required(code).into_iter().map(|(name, value, _)| (name, value)).collect()
        };
        assert_eq!(
            named(envalid),
            vec![
                ("DATABASE_URL".to_string(), "http://placeholder.invalid".to_string()),
                ("API_KEY".to_string(), "placeholder".to_string())
            ]
        );
        let zod = "const schema = z.object({\n  REDIS_URL: z\n    .string()\n    .url(),\n  WORKERS: z.coerce.number(),\n  DEBUG: z.string().optional(),\n  NEXT_PUBLIC_SITE: z.string(),\n});\nexport const env = schema.parse(process.env);\n";
        assert!(VALIDATES_ALL.is_match(zod));
        assert_eq!(
            named(zod),
            vec![
                ("REDIS_URL".to_string(), "http://placeholder.invalid".to_string()),
                ("WORKERS".to_string(), "1".to_string())
            ]
        );
    }
}

//! Prisma: the placeholders its config needs while the image builds, and the client
//! generated in the build.

use crate::detect::Field;
use std::sync::LazyLock;

use super::package::Package;
use super::start::runs;
use crate::detect::dir::Dir;
use crate::detect::model::Service;
use crate::error::Error;
use crate::pattern::Pattern;

/// A placeholder URL per Prisma provider: what `prisma generate` needs to load a config
/// that reads the variable, without ever connecting.
pub(super) const PRISMA_PLACEHOLDERS: &[(&str, &str)] = &[
    ("postgresql", "postgresql://build:build@localhost:5432/build"),
    ("postgres", "postgresql://build:build@localhost:5432/build"),
    ("mysql", "mysql://build:build@localhost:3306/build"),
    ("mongodb", "mongodb://localhost:27017/build"),
    ("sqlite", "file:./build.db"),
];

/// A Prisma config (prisma.config.ts) that reads a variable with `env("X")` fails to load
/// when it is unset, so `prisma generate` fails in a build that has no database: the build
/// stage gets a placeholder for it (never the final image, and generate never connects).
pub(super) fn prisma_config_env(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    static ENV_READ: LazyLock<Pattern> =
        LazyLock::new(|| Pattern::new(r#"\benv\(\s*['"]([A-Z_][A-Z0-9_]*)['"]"#));
    if !service.dependencies.contains("prisma") && !service.dependencies.contains("@prisma/client") {
        return Ok(());
    }
    let Some(config) =
        dir.first_of(&["prisma.config.ts", "prisma.config.mts", "prisma.config.js", "prisma.config.mjs"])
    else {
        return Ok(());
    };
    let Some(text) = dir.snap.read(&config)? else { return Ok(()) };
    let schema = dir.text("prisma/schema.prisma")?;
    let provider =
        schema.as_ref().and_then(|s| crate::detect::backing::prisma_provider(&s.text).map(str::to_string));
    let url = PRISMA_PLACEHOLDERS
        .iter()
        .find(|(p, _)| Some(*p) == provider.as_deref())
        .map_or(PRISMA_PLACEHOLDERS[0].1, |(_, url)| url);
    for name in ENV_READ.captures_iter(&text.text).map(|c| c[1].to_string()) {
        if service.build_env.iter().any(|e| e.starts_with(&format!("{name}="))) {
            continue;
        }
        service.found(
            Field::BuildEnv,
            &config,
            format!(
                "reads {name} when prisma generate loads it; the build gets a placeholder, never a database"
            ),
        );
        service.build_env.push(format!("{name}={url}"));
    }
    Ok(())
}

/// Prisma's client is generated from the schema: the build stage runs `prisma generate`
/// first, unless the scripts already do, or the app would fail at start ("did not
/// initialize yet").
pub(super) fn prisma_generate(pkg: &Package, service: &mut Service) {
    if !pkg.deps.contains("@prisma/client") {
        return;
    }
    let scripts_generate = ["build", "postinstall", "prebuild"]
        .iter()
        .filter_map(|name| pkg.script(name))
        .chain(service.build_command.as_deref())
        .any(|s| runs(pkg, s, "prisma generate", 3));
    if scripts_generate {
        return;
    }
    service.found(Field::BuildCommand, &pkg.rel, "depends on @prisma/client: prisma generate runs first");
    service.build_command = Some(match &service.build_command {
        Some(build) => format!("npx prisma generate && {build}"),
        None => "npx prisma generate".into(),
    });
}

//! Elixir apps from mix.exs: Phoenix, or any app with a Plug server, run as a Mix release.

use crate::detect::Field;
use std::sync::LazyLock;

use crate::pattern::Pattern;

use super::dir::Dir;
use super::model::{Framework, Language, PackageManager, Service};
use super::{app_name, defaults, versions};
use crate::error::Error;

static APP: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"app:\s*:(\w+)"));
static ELIXIR: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#"elixir:\s*"([^"]+)""#));

/// Elixir: a Mix project (Phoenix).
pub struct Elixir;

impl super::stack::Stack for Elixir {
    fn languages(&self) -> &'static [Language] {
        &[Language::Elixir]
    }

    fn triggers(&self) -> &'static [&'static str] {
        &["mix.exs"]
    }

    fn detect(&self, dir: &Dir) -> Result<Option<Service>, Error> {
        detect(dir)
    }

    fn facts(&self, at: &super::facts::At, facts: &mut super::facts::Facts) -> Result<(), Error> {
        facts.inputs = at.copy_here(&["mix.exs", crate::lockfiles::MIX]);
        // Dependencies may read compile-time config, so it comes before they compile.
        facts.inputs.extend(at.copy_here(&["config/config.exs", "config/prod.exs", "config/test.exs"]));
        Ok(())
    }
}

pub fn detect(dir: &Dir) -> Result<Option<Service>, Error> {
    let Some(mix) = dir.text("mix.exs")? else {
        return Ok(None);
    };
    let rel = dir.rel("mix.exs");
    let phoenix = mix.text.contains("{:phoenix,");
    let server = phoenix || mix.text.contains("{:plug_cowboy,") || mix.text.contains("{:bandit,");
    if !server {
        return Ok(None);
    }
    let app = APP.captures(&mix.text).map_or_else(|| dir.name(), |c| c[1].to_string());
    let mut service = Service::new(dir.path, app_name(&app), Language::Elixir);
    service.found(Field::Language, &rel, "mix.exs");
    service.package_manager = PackageManager::Mix;
    service.found(Field::PackageManager, &rel, "mix.exs");
    if phoenix {
        service.framework = Framework::Phoenix;
        service.found(Field::Framework, &rel, "depends on phoenix");
    }
    let mut pin = versions::find(dir, &[], &["elixir"])?;
    if pin.is_none()
        && let Some(c) = ELIXIR.captures(&mix.text)
        && let Some(version) = versions::normalize(&c[1])
    {
        pin = Some(versions::Pin {
            version,
            file: rel.clone(),
            detail: format!("elixir: \"{}\"", &c[1]),
            range: None,
        });
    }
    versions::apply(&mut service, pin, defaults::ELIXIR, "Elixir");
    service.entrypoint = Some(app.clone());
    // Phoenix's asset pipeline (esbuild, tailwind, digests) runs before the release is cut.
    if mix.text.contains("\"assets.deploy\"") {
        service.found(Field::BuildCommand, &rel, "alias assets.deploy: the asset pipeline");
        service.build_command = Some("mix assets.deploy && mix release".into());
    } else {
        service.build_command = Some("mix release".into());
    }
    service.start_command = Some(format!("bin/{app} start"));
    service.test_command = Some("mix test".into());
    service.defaulted(Field::Port, "Phoenix serves on 4000");
    service.port = Some(4000);
    Ok(Some(service))
}

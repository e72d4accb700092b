//! Ruby apps from the Gemfile: Rails, Sinatra or any Rack app (config.ru), and Jekyll
//! sites, which build to static files.

use crate::detect::Field;
use std::collections::BTreeSet;
use std::sync::LazyLock;

use crate::pattern::Pattern;

use super::dir::Dir;
use super::model::{Framework, Language, PackageManager, Service};
use super::{app_name, defaults, health, port, versions};
use crate::error::Error;

static GEM: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#"(?m)^\s*gem\s+['"]([\w-]+)['"]"#));
static RUBY_VERSION: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#"(?m)^\s*ruby\s+['"]([^'"]+)['"]"#));
static RACK_PORT: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"(?:set\s+:port,\s*|port\s+ENV[^\n]*?\|\|\s*|-p\s+)(\d{2,5})"));

/// Ruby: a Gemfile app (Rails, Sinatra, Rack).
pub struct Ruby;

impl super::stack::Stack for Ruby {
    fn languages(&self) -> &'static [Language] {
        &[Language::Ruby]
    }

    fn triggers(&self) -> &'static [&'static str] {
        &["Gemfile"]
    }

    fn detect(&self, dir: &Dir) -> Result<Option<Service>, Error> {
        detect(dir)
    }

    fn facts(&self, at: &super::facts::At, facts: &mut super::facts::Facts) -> Result<(), Error> {
        facts.inputs = at.copy_here(&["Gemfile", crate::lockfiles::BUNDLER]);
        super::node::facts::rails_assets(at, facts)
    }
}

pub fn detect(dir: &Dir) -> Result<Option<Service>, Error> {
    let Some(gemfile) = dir.text("Gemfile")? else {
        return Ok(None);
    };
    let rel = dir.rel("Gemfile");
    let gems: BTreeSet<String> = GEM.captures_iter(&gemfile.text).map(|c| c[1].to_string()).collect();
    let (framework, default_port) = if gems.contains("rails") || gems.contains("railties") {
        (Framework::Rails, 3000)
    } else if gems.contains("jekyll") || gems.contains("github-pages") {
        (Framework::Jekyll, 8080)
    } else if gems.contains("sinatra") {
        (Framework::Sinatra, 4567)
    } else if dir.has("config.ru") {
        (Framework::None, 9292)
    } else {
        return Ok(None);
    };
    let mut service = Service::new(dir.path, app_name(&dir.name()), Language::Ruby);
    service.found(Field::Language, &rel, "Gemfile");
    service.dependencies = gems.clone();
    service.package_manager = PackageManager::Bundler;
    service.found(Field::PackageManager, &rel, "Gemfile");
    service.framework = framework;
    if framework != Framework::None {
        service.found(Field::Framework, &rel, format!("gem {framework}"));
    } else {
        service.found(Field::StartCommand, &dir.rel("config.ru"), "a Rack app");
    }
    let mut pin = versions::find(dir, &[".ruby-version"], &["ruby"])?;
    if pin.is_none()
        && let Some(c) = RUBY_VERSION.captures(&gemfile.text)
        && let Some(version) = versions::normalize(&c[1])
    {
        pin = Some(versions::Pin {
            version,
            file: rel.clone(),
            detail: format!("ruby \"{}\"", &c[1]),
            range: None,
        });
    }
    versions::apply(&mut service, pin, defaults::RUBY, "Ruby");
    let rspec = gems.contains("rspec-rails") || gems.contains("rspec");
    match framework {
        Framework::Rails => {
            service.start_command = Some(format!("bin/rails server -b 0.0.0.0 -p {default_port}"));
            service.build_command = Some("bin/rails assets:precompile".into());
            let bundling = ["jsbundling-rails", "cssbundling-rails"].iter().find(|g| gems.contains(**g));
            if let (Some(gem), Some(manifest)) = (bundling, dir.json("package.json")?)
                && let Some(scripts) = manifest.get("scripts")
                && let Some((name, script)) = ["build", "build:css"]
                    .iter()
                    .find_map(|n| scripts.get(*n).and_then(|v| v.as_str()).map(|v| (*n, v)))
            {
                service.found(
                    Field::BuildCommand,
                    &dir.rel("package.json"),
                    format!("scripts.{name}: {script}, which {gem} runs in assets:precompile; the build stage gets Node"),
                );
            }
            service.test_command =
                Some(if rspec { "bundle exec rspec".into() } else { "bin/rails test".into() });
            if let Some(routes) = dir.text("config/routes.rb")?
                && routes.text.contains("rails/health#show")
            {
                service.found(Field::HealthcheckPath, &dir.rel("config/routes.rb"), "rails/health#show");
                service.healthcheck_path = Some("/up".into());
            }
        }
        Framework::Jekyll => {
            service.found(Field::StaticOutput, &rel, "Jekyll builds to _site");
            service.static_output = Some("_site".into());
            service.build_command = Some("bundle exec jekyll build".into());
        }
        _ => {
            let start = if dir.has("config.ru") {
                format!("bundle exec rackup --host 0.0.0.0 -p {default_port}")
            } else {
                let main = ["app.rb", "server.rb", "main.rb"]
                    .iter()
                    .find(|f| dir.has(f))
                    .copied()
                    .unwrap_or("app.rb");
                format!("bundle exec ruby {main} -o 0.0.0.0 -p {default_port}")
            };
            service.start_command = Some(start);
            if rspec {
                service.test_command = Some("bundle exec rspec".into());
            }
        }
    }
    let found = if framework == Framework::Jekyll {
        None
    } else {
        port::search(dir, &[".rb", ".ru"], &[&RACK_PORT])?
    };
    port::apply(&mut service, found, default_port, "the framework's default port");
    health::apply(dir, &mut service, &[".rb"])?;
    Ok(Some(service))
}

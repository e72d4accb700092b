//! PHP apps: Laravel and Symfony from composer.json, and plain PHP with its document root
//! (`public/` when it holds the index, else the folder itself).

use crate::detect::Field;
use serde_json::Value;

use super::dir::Dir;
use super::model::{Framework, Language, PackageManager, Service};
use super::{app_name, defaults, versions};
use crate::error::Error;
use crate::lockfiles;

/// PHP: a Composer app, or a folder served from its index.php.
pub struct Php;

impl super::stack::Stack for Php {
    fn languages(&self) -> &'static [Language] {
        &[Language::Php]
    }

    fn triggers(&self) -> &'static [&'static str] {
        &["composer.json", "index.php"]
    }

    fn detect(&self, dir: &Dir) -> Result<Option<Service>, Error> {
        detect(dir)
    }

    fn facts(&self, at: &super::facts::At, facts: &mut super::facts::Facts) -> Result<(), Error> {
        facts.inputs = at.copy_here(&["composer.json", crate::lockfiles::COMPOSER]);
        Ok(())
    }
}

pub fn detect(dir: &Dir) -> Result<Option<Service>, Error> {
    let composer = dir.json("composer.json")?;
    let rel = dir.rel("composer.json");
    let index = ["public/index.php", "index.php", "web/index.php"].into_iter().find(|f| dir.has(f));
    // Without an index.php, the document root is the folder that holds the entry scripts.
    let scripts_root = if index.is_none() { entry_scripts_folder(dir) } else { None };
    if composer.is_none() && index.is_none() && scripts_root.is_none() {
        return Ok(None);
    }
    let require = composer.as_ref().and_then(|c| c.get("require")).and_then(Value::as_object);
    let requires = |name: &str| require.is_some_and(|r| r.contains_key(name));
    let framework = if requires("laravel/framework") {
        Framework::Laravel
    } else if requires("symfony/framework-bundle") || requires("symfony/runtime") {
        Framework::Symfony
    } else {
        Framework::None
    };
    if framework == Framework::None && index.is_none() && scripts_root.is_none() {
        return Ok(None); // a PHP library
    }
    let name = composer
        .as_ref()
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str)
        .map_or_else(|| dir.name(), str::to_string);
    let mut service = Service::new(dir.path, app_name(&name), Language::Php);
    if composer.is_some() {
        service.found(Field::Language, &rel, "composer.json");
        service.package_manager = PackageManager::Composer;
        service.found(Field::PackageManager, &rel, "composer.json");
    } else {
        service.found(Field::Language, &dir.rel(index.unwrap_or("index.php")), "PHP entry file");
    }
    if framework != Framework::None {
        service.framework = framework;
        service.found(
            Field::Framework,
            &rel,
            format!(
                "requires {}",
                if framework == Framework::Laravel {
                    "laravel/framework"
                } else {
                    "symfony/framework-bundle"
                }
            ),
        );
    }
    let docroot = match (framework, index, &scripts_root) {
        (Framework::None, Some(index), _) => {
            index.rsplit_once('/').map_or(".", |(folder, _)| folder).to_string()
        }
        (Framework::None, None, Some((folder, _))) => folder.clone(),
        _ => "public".to_string(),
    };
    let entry_file = match (&scripts_root, index) {
        (Some((_, file)), None) => file.clone(),
        _ => dir.rel(index.unwrap_or("public/index.php")),
    };
    service.found(Field::Entrypoint, &entry_file, format!("document root {docroot}"));
    // What the image runs, so detect and the Dockerfile say the same.
    service.defaulted(Field::StartCommand, "FrankenPHP serves the document root");
    service.start_command = Some(format!("frankenphp php-server --listen :8080 --root /app/{docroot}"));
    service.entrypoint = Some(docroot);
    assets_build(dir, &mut service)?;
    let pin = match require.and_then(|r| r.get("php")).and_then(Value::as_str) {
        Some(range) => versions::normalize(range).map(|version| versions::Pin {
            version,
            file: rel.clone(),
            detail: format!("require.php: {range}"),
            range: None,
        }),
        None => None,
    };
    let pin = match pin {
        Some(p) => Some(p),
        None => versions::find(dir, &[".php-version"], &["php"])?,
    };
    versions::apply(&mut service, pin, defaults::PHP, "PHP");
    if framework == Framework::Laravel {
        service.test_command = Some("php artisan test".into());
        if let Some(app) = dir.text("bootstrap/app.php")?
            && app.text.contains("health: '/up'")
        {
            service.found(Field::HealthcheckPath, &dir.rel("bootstrap/app.php"), "health: '/up'");
            service.healthcheck_path = Some("/up".into());
        }
    } else if dir.has("phpunit.xml") || dir.has("phpunit.xml.dist") {
        service.test_command = Some("vendor/bin/phpunit".into());
    }
    service.defaulted(Field::Port, "the PHP web server image serves on 8080");
    service.port = Some(8080);
    Ok(Some(service))
}

/// The folder (`.` for the service's own) holding most of the PHP scripts a browser
/// requests, where there is no index.php: the service folder or one of the usual roots.
fn entry_scripts_folder(dir: &Dir) -> Option<(String, String)> {
    // Another language's manifest means the PHP files are not the app.
    if ["package.json", "pyproject.toml", "requirements.txt", "go.mod", "Cargo.toml", "Gemfile", "deno.json"]
        .iter()
        .any(|m| dir.has(m))
    {
        return None;
    }
    let mut best: Option<(String, String, usize)> = None;
    for folder in [".", "public", "src", "web", "www", "htdocs", "html"] {
        let base = if folder == "." { dir.path.to_string() } else { dir.rel(folder) };
        let depth = if base.is_empty() { 0 } else { base.matches('/').count() + 1 };
        let scripts: Vec<&str> = dir
            .snap
            .files_under(&base)
            .filter(|f| f.ends_with(".php") && f.matches('/').count() == depth)
            .collect();
        if scripts.len() > best.as_ref().map_or(0, |(_, _, n)| *n) {
            best = Some((folder.to_string(), scripts[0].to_string(), scripts.len()));
        }
    }
    best.map(|(folder, file, _)| (folder, file))
}

/// The front-end build a PHP app ships its pages with (Laravel's Vite, Symfony's Encore):
/// a package.json `build` script whose output lands under the document root. It runs in
/// a Node stage of its own, since the PHP image has no Node.
fn assets_build(dir: &Dir, service: &mut Service) -> Result<(), Error> {
    let Some(package) = dir.json("package.json")? else { return Ok(()) };
    let Some(script) = package.pointer("/scripts/build").and_then(Value::as_str) else { return Ok(()) };
    let install = if dir.has(lockfiles::NPM) {
        "npm ci"
    } else if dir.has(lockfiles::YARN) || dir.has(lockfiles::PNPM) {
        service.warn("the front-end assets are locked with yarn or pnpm; their build installs with npm");
        "npm install"
    } else {
        "npm install"
    };
    service.found(
        Field::BuildCommand,
        &dir.rel("package.json"),
        format!("scripts.build: {script} (front-end assets)"),
    );
    service.build_command = Some(format!("{install} && npm run build"));
    Ok(())
}

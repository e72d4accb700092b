//! PHP apps: Laravel and Symfony from composer.json, and plain PHP with its document root
//! (`public/` when it holds the index, else the folder itself).

use serde_json::Value;

use super::dir::Dir;
use super::model::{Framework, Language, PackageManager, Service};
use super::{app_name, defaults, versions};
use crate::error::Error;

pub fn detect(dir: &Dir) -> Result<Option<Service>, Error> {
    let composer = dir.json("composer.json")?;
    let rel = dir.rel("composer.json");
    let index = ["public/index.php", "index.php", "web/index.php"].into_iter().find(|f| dir.has(f));
    if composer.is_none() && index.is_none() {
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
    if framework == Framework::None && index.is_none() {
        return Ok(None); // a PHP library
    }
    let name = composer
        .as_ref()
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str)
        .map_or_else(|| dir.name(), str::to_string);
    let mut service = Service::new(dir.path, app_name(&name), Language::Php);
    if composer.is_some() {
        service.found("language", &rel, "composer.json");
        service.package_manager = PackageManager::Composer;
        service.found("package_manager", &rel, "composer.json");
    } else {
        service.found("language", &dir.rel(index.unwrap_or("index.php")), "PHP entry file");
    }
    if framework != Framework::None {
        service.framework = framework;
        service.found(
            "framework",
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
    let docroot = match (framework, index) {
        (Framework::None, Some(index)) => index.rsplit_once('/').map_or(".", |(folder, _)| folder),
        _ => "public",
    };
    service.found(
        "entrypoint",
        &dir.rel(index.unwrap_or("public/index.php")),
        format!("document root {docroot}"),
    );
    service.entrypoint = Some(docroot.to_string());
    let pin = match require.and_then(|r| r.get("php")).and_then(Value::as_str) {
        Some(range) => versions::normalize(range).map(|version| versions::Pin {
            version,
            file: rel.clone(),
            detail: format!("require.php: {range}"),
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
            service.found("healthcheck_path", &dir.rel("bootstrap/app.php"), "health: '/up'");
            service.healthcheck_path = Some("/up".into());
        }
    } else if dir.has("phpunit.xml") || dir.has("phpunit.xml.dist") {
        service.test_command = Some("vendor/bin/phpunit".into());
    }
    service.defaulted("port", "the PHP web server image serves on 8080");
    service.port = Some(8080);
    Ok(Some(service))
}

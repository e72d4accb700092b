//! .NET apps: an ASP.NET Core project (Sdk `Microsoft.NET.Sdk.Web`) in this folder, its
//! target framework, and any health-check mapping. Test and library projects are not
//! services; a solution's web projects each are.

use crate::detect::Field;
use std::sync::LazyLock;

use crate::pattern::Pattern;

use super::dir::Dir;
use super::model::{Framework, Language, PackageManager, Service};
use super::{app_name, defaults, health, runtime_files, versions};
use crate::error::Error;
use crate::scan;

static TARGET: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"^net(?:coreapp)?(\d+\.\d+)"));
static HEALTH_MAP: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r#"MapHealthChecks\(\s*"([^"]+)""#));

/// .NET: a C# or F# project.
pub struct Dotnet;

impl super::stack::Stack for Dotnet {
    fn languages(&self) -> &'static [Language] {
        &[Language::Dotnet]
    }

    fn triggers(&self) -> &'static [&'static str] {
        &["*.csproj", "*.fsproj"]
    }

    fn detect(&self, dir: &Dir) -> Result<Option<Service>, Error> {
        detect(dir)
    }

    fn facts(&self, at: &super::facts::At, facts: &mut super::facts::Facts) -> Result<(), Error> {
        facts.inputs = restore_inputs(at);
        Ok(())
    }
}

pub fn detect(dir: &Dir) -> Result<Option<Service>, Error> {
    let Some(project) = dir.children().find(|p| p.ends_with(".csproj") || p.ends_with(".fsproj")) else {
        return Ok(None);
    };
    let project = project.to_string();
    let parsed = crate::manifest::xml(dir.snap, &project, |doc| {
        let root = doc.root_element();
        let sdk = root.attribute("Sdk").unwrap_or_default().to_string();
        let prop = |name: &str| {
            root.descendants()
                .find(|n| n.has_tag_name(name))
                .and_then(|n| n.text())
                .map(|t| t.trim().to_string())
        };
        let test = prop("IsTestProject").as_deref() == Some("true")
            || root.descendants().any(|n| {
                n.has_tag_name("PackageReference") && n.attribute("Include") == Some("Microsoft.NET.Test.Sdk")
            });
        (sdk, prop("TargetFramework").or_else(|| prop("TargetFrameworks")), prop("AssemblyName"), test)
    })?;
    let Some((sdk, target, assembly, is_test)) = parsed else {
        return Ok(None);
    };
    if is_test || sdk != "Microsoft.NET.Sdk.Web" {
        return Ok(None); // tests, libraries and workers do not serve
    }
    let file_name = scan::file_name(&project);
    let stem = file_name.rsplit_once('.').map_or(file_name, |(s, _)| s);
    let assembly = assembly.unwrap_or_else(|| stem.to_string());
    let mut service = Service::new(dir.path, app_name(stem), Language::Dotnet);
    service.found(Field::Language, &project, "project file");
    service.package_manager = PackageManager::Dotnet;
    service.found(Field::PackageManager, &project, "dotnet project");
    service.framework = Framework::Aspnetcore;
    service.found(Field::Framework, &project, "Sdk=\"Microsoft.NET.Sdk.Web\"");
    service.found(Field::Entrypoint, &project, format!("assembly {assembly}"));
    service.entrypoint = Some(file_name.to_string());
    service.build_command = Some(format!("dotnet publish {file_name} -c Release -o out"));
    service.start_command = Some(format!("dotnet {assembly}.dll"));
    service.test_command = Some("dotnet test".into());

    let solution = dir
        .ancestors()
        .skip(1)
        .find_map(|d| d.children().find(|p| p.ends_with(".sln") || p.ends_with(".slnx")).map(|sln| (d, sln)));
    if let Some((folder, sln)) = solution {
        service.found(Field::BuildContext, sln, "the solution is here; the image builds from this folder");
        service.build_context =
            Some(if folder.path.is_empty() { ".".into() } else { folder.path.to_string() });
    }
    let first_target = target.as_deref().map(|t| t.split(';').next().unwrap_or(t).to_string());
    let mut pin = first_target.as_deref().and_then(|t| {
        TARGET.captures(t).map(|c| versions::Pin {
            version: c[1].to_string(),
            file: project.clone(),
            detail: format!("TargetFramework {t}"),
            range: None,
        })
    });
    if pin.is_none() {
        for folder in dir.ancestors() {
            if let Some(json) = folder.json("global.json")?
                && let Some(v) = json.pointer("/sdk/version").and_then(|v| v.as_str())
            {
                let major_minor: Vec<&str> = v.split('.').take(2).collect();
                pin = Some(versions::Pin {
                    version: major_minor.join("."),
                    file: folder.rel("global.json"),
                    detail: format!("sdk.version {v}"),
                    range: None,
                });
                break;
            }
        }
    }
    versions::apply(&mut service, pin, defaults::DOTNET, ".NET");
    if let Some(found) = dir.grep(&[".cs"], &HEALTH_MAP)? {
        service.found_at(Field::HealthcheckPath, &found.file, found.line, "MapHealthChecks");
        service.healthcheck_path = Some(found.groups[1].clone());
    }
    health::apply(dir, &mut service, &[".cs"])?;
    let sources: Vec<&str> = dir.sources(&[".cs"]).collect();
    runtime_files::apply(dir, &mut service, &sources, &runtime_files::DOTNET_READS)?;
    service.defaulted(Field::Port, "ASP.NET Core images serve on 8080");
    service.port = Some(8080);
    Ok(Some(service))
}

/// The files `dotnet restore` reads, copied before the source so the restore stays cached.
fn restore_inputs(at: &super::facts::At) -> Vec<String> {
    const NAMES: &[&str] = &[
        "Directory.Build.props",
        "Directory.Build.targets",
        "Directory.Packages.props",
        "NuGet.Config",
        "nuget.config",
        "global.json",
    ];
    const ENDINGS: &[&str] = &[".csproj", ".fsproj", ".sln", ".slnx"];
    at.snap
        .files_under(at.context)
        .map(|rel| rel.strip_prefix(at.context).unwrap_or(rel).trim_start_matches('/'))
        .filter(|inner| {
            let name = scan::file_name(inner);
            NAMES.contains(&name) || ENDINGS.iter().any(|e| name.ends_with(e))
        })
        .map(str::to_string)
        .collect()
}

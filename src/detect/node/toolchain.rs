//! Which package manager installs a Node package (its `packageManager` field, a
//! lockfile here or at a workspace root, Bun's own signals) and which Node it runs on.

use super::package::Package;
use super::{BUN_API, ENTRY_FILES, current_lock};
use crate::detect::dir::Dir;
use crate::detect::model::{Language, PackageManager, Service};
use crate::detect::{defaults, versions};
use crate::error::Error;

pub(super) fn package_manager(
    dir: &Dir,
    pkg: &Package,
) -> Result<(PackageManager, Option<(String, String)>), Error> {
    if let Some(field) = &pkg.package_manager {
        let tool = field.split('@').next().unwrap_or("");
        if let Ok(pm) = tool.parse::<PackageManager>()
            && matches!(
                pm,
                PackageManager::Npm | PackageManager::Yarn | PackageManager::Pnpm | PackageManager::Bun
            )
        {
            return Ok((pm, Some((pkg.rel.clone(), format!("packageManager: {field}")))));
        }
    }
    for folder in dir.ancestors() {
        if let Some((lockfile, pm)) = current_lock(&folder)? {
            let mut detail = format!("{lockfile} present");
            if pm == PackageManager::Yarn && folder.has(".yarnrc.yml") {
                detail.push_str(" (yarn berry: .yarnrc.yml)");
            }
            return Ok((pm, Some((folder.rel(lockfile), detail))));
        }
        if let Some(root) =
            Package::read(&folder)?.filter(|p| p.package_manager.is_some() && folder.path != dir.path)
            && let Some(field) = &root.package_manager
            && let Ok(pm) = field.split('@').next().unwrap_or("").parse::<PackageManager>()
        {
            return Ok((pm, Some((root.rel.clone(), format!("workspace root packageManager: {field}")))));
        }
    }
    Ok((PackageManager::Npm, None))
}

/// Why this package runs on Bun rather than Node, if it does.
pub(super) fn bun_signal(
    dir: &Dir,
    pkg: &Package,
    pm: PackageManager,
) -> Result<Option<(String, String)>, Error> {
    if pm == PackageManager::Bun {
        return Ok(Some((pkg.rel.clone(), "uses bun as its package manager".into())));
    }
    for dep in ["elysia", "@types/bun", "bun-types"] {
        if pkg.deps.contains(dep) {
            return Ok(Some((pkg.rel.clone(), format!("depends on {dep}"))));
        }
    }
    if pkg.scripts.iter().any(|(_, s)| s.starts_with("bun ")) {
        return Ok(Some((pkg.rel.clone(), "scripts run bun".into())));
    }
    // Bun's own APIs show in the entry module; reading every source file of every
    // package (libraries included) to find them would cost more than it tells.
    let entries = pkg.main.iter().map(|m| m.trim_start_matches("./")).chain(ENTRY_FILES.iter().copied());
    for entry in entries {
        let rel = dir.rel(entry);
        if let Some(file) = dir.source_text(&rel)?
            && let Some(found) = BUN_API.find(&file.text)
        {
            let line = crate::manifest::line_of(&file.text, found.start());
            return Ok(Some((rel, format!("line {line}: uses {}", found.as_str()))));
        }
    }
    Ok(None)
}

pub(super) fn runtime_version(dir: &Dir, pkg: &Package, service: &mut Service) -> Result<(), Error> {
    if service.language == Language::Bun {
        let pin = versions::find(dir, &[".bun-version"], &["bun"])?;
        versions::apply(service, pin, defaults::BUN, "Bun");
        return Ok(());
    }
    let mut pin = versions::find(dir, &[".nvmrc", ".node-version"], &["nodejs", "node"])?;
    if pin.is_none()
        && let Some(range) = &pkg.engines_node
        && let Some(version) = versions::from_range(range, defaults::NODE)
    {
        pin = Some(versions::Pin {
            version,
            file: pkg.rel.clone(),
            detail: format!("engines.node: {range}"),
            range: None,
        });
    }
    versions::apply(service, pin, defaults::NODE, "Node");
    Ok(())
}

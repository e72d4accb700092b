//! Python apps: the package manager from lockfiles and pyproject, dependencies from
//! requirements files (including a `requirements/` folder), pyproject or Pipfile, and the
//! app object for Django (WSGI module from settings), FastAPI and Flask.

pub(crate) mod facts;

use crate::detect::Field;
use std::collections::BTreeSet;
use std::sync::LazyLock;

use crate::pattern::Pattern;

use crate::detect::dir::Dir;
use crate::detect::model::{Framework, Language, PackageManager, Service};
use crate::detect::{app_name, defaults, health, port, versions};
use crate::error::Error;
use crate::lockfiles;
use crate::manifest::toml_get;

const PY: &[&str] = &[".py"];
const DEFAULT_PORT: u16 = 8000;

static SETTINGS_MODULE: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)['"]"#));
static STATIC_ROOT: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"(?m)^STATIC_ROOT\s*="));
static WSGI_APPLICATION: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"WSGI_APPLICATION\s*=\s*['"]([\w.]+)['"]"#));
static FASTAPI_APP: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"(?m)^(\w+)\s*(?::\s*FastAPI\s*)?=\s*FastAPI\("));
static FLASK_APP: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"(?m)^(\w+)\s*(?::\s*Flask\s*)?=\s*Flask\("));
/// A server started on `module:app`: `uvicorn app.main:app`, `uvicorn.run("app.main:app"`.
static NAMED_ENTRY: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r#"(?:\b(?:uvicorn|gunicorn|hypercorn)\s+(?:-[\w-]+(?:[= ][\w.:/-]+)?\s+)*|uvicorn\.run\(\s*['"])([A-Za-z_][\w.]*:[A-Za-z_]\w*)"#,
    )
});
static APP_FACTORY: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"(?m)^def (create_app|make_app|get_app|get_application|build_app)\s*\("));
/// `app = get_application()`: a module-level app a function built.
static BUILT_APP: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"(?m)^(app|application|api)\s*(?::\s*\w+\s*)?=\s*([\w.]+)\("));
/// The app's own default for `PORT`: `os.environ.get("PORT", 5000)`, `getenv("PORT", "5000")`.
static PORT_ENV: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r#"(?:environ\.get|getenv)\(\s*['"]PORT['"]\s*,\s*['"]?(\d{2,5})\b"#));
static PORT_ARG: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"\bport\s*=\s*(\d{2,5})\b"));
static REQUIREMENT_NAME: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[([^\]]*)\])?"));

/// What the Python manifests say.
#[derive(Default)]
struct Manifests {
    pyproject: Option<toml::Table>,
    pipfile: Option<toml::Table>,
    requirements: Vec<String>,
    deps: BTreeSet<String>,
}

/// Python: a pyproject.toml, requirements or Pipfile app, or a Django project.
pub struct Python;

impl crate::detect::stack::Stack for Python {
    fn languages(&self) -> &'static [Language] {
        &[Language::Python]
    }

    fn triggers(&self) -> &'static [&'static str] {
        &["pyproject.toml", "requirements.txt", "Pipfile", "setup.py", "manage.py", "requirements/*.txt"]
    }

    fn detect(&self, dir: &Dir) -> Result<Option<Service>, Error> {
        detect(dir)
    }

    fn facts(
        &self,
        at: &crate::detect::facts::At,
        facts: &mut crate::detect::facts::Facts,
    ) -> Result<(), Error> {
        self::facts::read(at, facts)
    }
}

pub fn detect(dir: &Dir) -> Result<Option<Service>, Error> {
    let m = read_manifests(dir)?;
    // A manage.py is Django's only when it says so: Flask apps often have one too.
    let manage_py = dir.text("manage.py")?.is_some_and(|f| f.text.contains("django"));
    let own_manifest =
        m.pyproject.is_some() || m.pipfile.is_some() || !m.requirements.is_empty() || dir.has("setup.py");
    if !own_manifest && !dir.has("manage.py") {
        return Ok(None);
    }
    if !own_manifest && manifest_above(dir) {
        return Ok(None); // a Django project the manifests above install, and that service runs
    }
    let name = m
        .pyproject
        .as_ref()
        .and_then(|p| toml_get(p, "project.name").or_else(|| toml_get(p, "tool.poetry.name")))
        .and_then(|v| v.as_str())
        .map_or_else(|| dir.name(), str::to_string);
    let mut service = Service::new(dir.path, app_name(&name), Language::Python);
    let manifest = dir
        .first_of(&["pyproject.toml", "requirements.txt", "Pipfile", "setup.py", "manage.py"])
        .or_else(|| m.requirements.first().cloned())
        .unwrap_or_default();
    service.found(Field::Language, &manifest, "Python manifest");
    service.dependencies = m.deps.clone();
    package_manager(dir, &m, &mut service);
    runtime_version(dir, &m, &mut service)?;
    let line = service.runtime_version.clone().unwrap_or_default();
    if let Some(release) = crate::detect::python_tools::release(service.package_manager, &line) {
        let tool = service.package_manager;
        service.defaulted(
            Field::PackageManager,
            format!("{tool} {release}: the newest release that runs on Python {line}"),
        );
    }

    if manage_py || m.deps.contains("django") {
        service.framework = Framework::Django;
        let why = if manage_py { "manage.py" } else { "depends on django" };
        service.found(
            Field::Framework,
            &if manage_py { dir.rel("manage.py") } else { manifest.clone() },
            why,
        );
        django(dir, &m, &mut service)?;
    } else if m.deps.contains("fastapi") {
        service.framework = Framework::Fastapi;
        service.found(Field::Framework, &manifest, "depends on fastapi");
        asgi_or_wsgi(dir, &mut service, &FASTAPI_APP, "FastAPI")?;
    } else if m.deps.contains("flask") {
        service.framework = Framework::Flask;
        service.found(Field::Framework, &manifest, "depends on flask");
        asgi_or_wsgi(dir, &mut service, &FLASK_APP, "Flask")?;
    } else if let Some(main) = ["main.py", "app.py", "server.py"].iter().find(|f| dir.has(f)) {
        service.found(Field::StartCommand, &dir.rel(main), "the usual entry file");
        service.start_command = Some(format!("python {main}"));
        let found = port::search(dir, PY, &[&PORT_ARG])?;
        port::apply(&mut service, found, DEFAULT_PORT, "no port in the code; 8000");
    } else if !dir.has("Procfile") {
        return Ok(None); // a library, not an app
    }

    crate::detect::server_settings::apply(dir, &mut service)?;
    test_command(dir, &m, &mut service);
    if service.port.is_none() {
        let found = port::search(dir, PY, &[&PORT_ENV])?;
        if found.is_some() {
            port::apply(&mut service, found, DEFAULT_PORT, "");
        }
    }
    if service.port.is_none() {
        service.defaulted(Field::Port, "the start command binds 8000");
        service.port = Some(DEFAULT_PORT);
    }
    health::apply(dir, &mut service, PY)?;
    Ok(Some(service))
}

fn read_manifests(dir: &Dir) -> Result<Manifests, Error> {
    let mut m = Manifests {
        pyproject: dir.toml("pyproject.toml")?,
        pipfile: dir.toml("Pipfile")?,
        ..Default::default()
    };
    if dir.has("requirements.txt") {
        m.requirements.push(dir.rel("requirements.txt"));
    }
    let req_dir = dir.rel("requirements");
    m.requirements.extend(
        dir.children()
            .chain(dir.snap.files_under(&req_dir))
            .filter(|p| {
                let name = crate::scan::file_name(p);
                let in_folder = p.starts_with(&format!("{req_dir}/"));
                name.ends_with(".txt")
                    && (in_folder || (name.starts_with("requirements") && name != "requirements.txt"))
            })
            .map(str::to_string),
    );
    for rel in &m.requirements {
        let Some(file) = crate::manifest::text(dir.snap, rel)? else {
            continue;
        };
        for line in file.text.lines() {
            let line = line.trim();
            if line.starts_with("git+") || line.contains("@ git+") || line.starts_with("-e git+") {
                m.deps.insert("git+".into()); // the system-package table's marker for git installs
            }
            if line.starts_with('#') || line.starts_with('-') {
                continue;
            }
            add_requirement(&mut m.deps, line);
        }
    }
    if let Some(py) = &m.pyproject {
        if let Some(list) = toml_get(py, "project.dependencies").and_then(|v| v.as_array()) {
            for dep in list.iter().filter_map(|d| d.as_str()) {
                add_requirement(&mut m.deps, dep);
            }
        }
        if let Some(table) = toml_get(py, "tool.poetry.dependencies").and_then(|v| v.as_table()) {
            m.deps.extend(table.keys().map(|k| normalize_dep(k)));
        }
    }
    if let Some(table) = m.pipfile.as_ref().and_then(|p| p.get("packages")).and_then(|v| v.as_table()) {
        m.deps.extend(table.keys().map(|k| normalize_dep(k)));
    }
    Ok(m)
}

/// Adds a requirement's name, and `name[extra]` for each extra it asks for (an extra can
/// change what it needs from the system: `psycopg[c]` compiles, `psycopg[binary]` does not).
fn add_requirement(deps: &mut BTreeSet<String>, requirement: &str) {
    let Some(c) = REQUIREMENT_NAME.captures(requirement) else { return };
    let name = normalize_dep(&c[1]);
    if let Some(extras) = c.get(2) {
        for extra in extras.as_str().split(',').map(str::trim).filter(|e| !e.is_empty()) {
            deps.insert(format!("{name}[{}]", extra.to_ascii_lowercase()));
        }
    }
    deps.insert(name);
}

fn normalize_dep(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

fn package_manager(dir: &Dir, m: &Manifests, service: &mut Service) {
    let py = m.pyproject.as_ref();
    let has_tool = |tool: &str| py.and_then(|p| toml_get(p, &format!("tool.{tool}"))).is_some();
    // A uv workspace member: the lockfile sits at the workspace root, which the image builds from.
    let workspace_root = dir.ancestors().skip(1).find(|folder| {
        folder.has(lockfiles::UV)
            && folder
                .toml("pyproject.toml")
                .ok()
                .flatten()
                .is_some_and(|p| toml_get(&p, "tool.uv.workspace").is_some())
    });
    let (pm, file, detail) = if dir.has(lockfiles::UV) {
        (PackageManager::Uv, dir.rel(lockfiles::UV), "uv.lock present")
    } else if let Some(root) = workspace_root {
        service.found(
            Field::BuildContext,
            &root.rel("pyproject.toml"),
            "the uv workspace's root; the image builds from it",
        );
        service.build_context = Some(if root.path.is_empty() { ".".into() } else { root.path.to_string() });
        (PackageManager::Uv, root.rel(lockfiles::UV), "a member of the uv workspace whose lockfile is there")
    } else if dir.has(lockfiles::POETRY) || has_tool("poetry") {
        let file =
            if dir.has(lockfiles::POETRY) { dir.rel(lockfiles::POETRY) } else { dir.rel("pyproject.toml") };
        (PackageManager::Poetry, file, "Poetry project")
    } else if dir.has(lockfiles::PDM) || has_tool("pdm") {
        (PackageManager::Pdm, dir.rel("pyproject.toml"), "PDM project")
    } else if m.pipfile.is_some() {
        if !dir.has(lockfiles::PIPENV) {
            service.warn(
                "the Pipfile has no Pipfile.lock beside it: each image build resolves its versions anew; \
                 run `pipenv lock` and commit Pipfile.lock for repeatable images",
            );
        }
        (PackageManager::Pipenv, dir.rel("Pipfile"), "Pipfile present")
    } else if let Some(req) = m.requirements.first() {
        (PackageManager::Pip, req.clone(), "requirements file")
    } else if has_tool("uv") {
        (PackageManager::Uv, dir.rel("pyproject.toml"), "[tool.uv] in pyproject.toml")
    } else {
        service.defaulted(Field::PackageManager, "no lockfile; pip installs the project");
        service.package_manager = PackageManager::Pip;
        return;
    };
    service.found(Field::PackageManager, &file, detail);
    service.package_manager = pm;
    if pm != PackageManager::Pip && !m.requirements.is_empty() {
        service.warn(format!(
            "both {pm} and {} are present; chose {pm} — pass --package-manager pip to use the requirements file",
            m.requirements[0]
        ));
    }
}

fn runtime_version(dir: &Dir, m: &Manifests, service: &mut Service) -> Result<(), Error> {
    let mut pin = versions::find(dir, &[".python-version", "runtime.txt"], &["python"])?;
    if pin.is_none() {
        let declared = [
            m.pyproject
                .as_ref()
                .and_then(|p| toml_get(p, "project.requires-python"))
                .map(|v| ("pyproject.toml", "requires-python", v)),
            m.pyproject
                .as_ref()
                .and_then(|p| toml_get(p, "tool.poetry.dependencies.python"))
                .map(|v| ("pyproject.toml", "tool.poetry.dependencies.python", v)),
            m.pipfile
                .as_ref()
                .and_then(|p| toml_get(p, "requires.python_version"))
                .map(|v| ("Pipfile", "requires.python_version", v)),
        ];
        pin = declared.into_iter().flatten().find_map(|(file, key, value)| {
            let raw = value.as_str()?;
            Some(versions::Pin {
                version: versions::from_range(raw, defaults::PYTHON)?,
                file: dir.rel(file),
                detail: format!("{key} = {raw}"),
                range: Some(raw.to_string()),
            })
        });
    }
    // A version file names the line outright; a range or nothing leaves bim a choice, which
    // the lockfile's wheels then bound.
    let chosen_by_bim =
        pin.as_ref().is_none_or(|p| !p.file.ends_with(".python-version") && !p.file.ends_with("runtime.txt"));
    let floor = pin.as_ref().and_then(|p| p.range.as_deref()).and_then(range_floor).unwrap_or(8);
    let lock_file = if chosen_by_bim { crate::detect::lock_wheels::read(dir)? } else { None };
    match &lock_file {
        Some(found) => {
            let (lock, packages) = (&found.file, &found.packages("x86_64"));
            let chosen = pin.as_ref().map_or(defaults::PYTHON, |p| p.version.as_str());
            if let Some(newest) = minor(chosen) {
                let (line, decider) =
                    crate::detect::lock_wheels::newest_covered(packages, newest, floor.min(newest));
                match (line, decider) {
                    (Some(line), Some((name, locked))) => {
                        pin = Some(versions::Pin {
                            version: format!("3.{line}"),
                            file: lock.clone(),
                            detail: format!(
                                "{name} {} has no Linux wheel for Python {chosen}: the newest line every locked compiled package has wheels for",
                                locked.version
                            ),
                            range: None,
                        });
                    }
                    (None, Some((name, locked))) => {
                        // Built from source on any line in range: the build stage gets a compiler.
                        service.system_packages.add(&["gcc".into(), "libc6-dev".into()], &[]);
                        service.found(
                            Field::SystemPackages,
                            lock,
                            format!("{name} {} has no Linux wheel for Python {chosen}: it builds from source; build: gcc libc6-dev", locked.version),
                        );
                    }
                    _ => {}
                }
            }
        }
        // Without a lock that lists files, the hand table of first wheels decides.
        None if pin.is_none() => {
            pin = crate::detect::python_wheels::cap(dir, &m.requirements, defaults::PYTHON)?
        }
        None => {}
    }
    versions::apply(service, pin, defaults::PYTHON, "Python");
    // An image for linux/arm64 too (`--platforms`) needs arm64 wheels on its line: the line
    // for that case, which answers take when the platforms include arm64.
    if let Some(found) = &lock_file
        && let packages = found.packages("aarch64")
        && let Some(line) = service.runtime_version.as_deref().and_then(minor)
        && let (Some(arm), Some((name, locked))) =
            crate::detect::lock_wheels::newest_covered(&packages, line, floor.min(line))
        && arm < line
    {
        service.found(
            Field::RuntimeVersion,
            &found.file,
            format!(
                "{name} {} has no linux/arm64 wheel for Python 3.{line}: an image for arm64 too uses 3.{arm}",
                locked.version
            ),
        );
        service.notes.arm64_python_line = Some(format!("3.{arm}"));
    }
    Ok(())
}

/// `3.12` → 12.
fn minor(version: &str) -> Option<u32> {
    version.strip_prefix("3.")?.split('.').next()?.parse().ok()
}

/// The lowest 3.x a declared range (`requires-python = >=3.11`) admits.
fn range_floor(range: &str) -> Option<u32> {
    minor(&versions::normalize(range)?)
}

fn django(dir: &Dir, m: &Manifests, service: &mut Service) -> Result<(), Error> {
    // The project may sit in a folder below the manifests (`src/manage.py`): its commands
    // run there, and gunicorn changes into it.
    let below = if dir.has("manage.py") { None } else { project_below(dir) };
    let project_path = below.as_deref().map_or_else(|| dir.path.to_string(), |sub| dir.rel(sub));
    let project = Dir::new(dir.snap, &project_path);
    service.notes.django_project = below.clone();
    let manage = match &below {
        Some(sub) => format!("python {sub}/manage.py"),
        None => "python manage.py".to_string(),
    };
    let mut wsgi: Option<(String, String)> = None;
    let mut static_root: Option<String> = None;
    let mut staticfiles = false;
    let mut locale: Option<String> = None;
    if let Some(manage_py) = project.text("manage.py")?
        && let Some(caps) = SETTINGS_MODULE.captures(&manage_py.text)
    {
        let module_path = caps[1].replace('.', "/");
        // A settings package (settings/base.py, dev.py, production.py) is read whole: the
        // module manage.py names often only imports the base.
        let package = crate::scan::parent(&module_path).to_string();
        let package_files: Vec<String> = if crate::scan::file_name(&package) == "settings" {
            dir.snap.files_under(&project.rel(&package)).map(str::to_string).collect()
        } else {
            Vec::new()
        };
        let files: Vec<String> = [format!("{module_path}.py"), format!("{module_path}/__init__.py")]
            .into_iter()
            .map(|f| project.rel(&f))
            .chain(dir.snap.files_under(&project.rel(&module_path)).map(str::to_string))
            .chain(package_files)
            .collect();
        for rel in files.iter().filter(|f| f.ends_with(".py")) {
            let Some(file) = dir.source_text(rel)? else {
                continue;
            };
            if STATIC_ROOT.is_match(&file.text) && static_root.is_none() {
                static_root = Some(rel.clone());
            }
            staticfiles |= file.text.contains("django.contrib.staticfiles");
            if locale.is_none() && file.text.contains("LOCALE_PATHS") {
                locale = Some(rel.clone());
            }
            if wsgi.is_none()
                && let Some(c) = WSGI_APPLICATION.captures(&file.text)
            {
                wsgi = Some((rel.clone(), c[1].to_string()));
            }
        }
    }
    let collectstatic = static_root.filter(|_| staticfiles);
    // Translations ship compiled: .po catalogues the repository holds become .mo files in
    // the build, with gettext's msgfmt.
    let catalogue =
        dir.snap.files_under(dir.path).find(|p| p.ends_with(".po") && p.contains("/LC_MESSAGES/"));
    let compilemessages = catalogue.map(|po| locale.clone().unwrap_or_else(|| po.to_string()));
    if wsgi.is_none()
        && let Some(rel) = project.sources(PY).find(|p| p.ends_with("/wsgi.py"))
    {
        let module = module_of(&project, rel);
        wsgi = Some((rel.to_string(), format!("{module}.application")));
    }
    if let Some(settings) = collectstatic
        && service.build_command.is_none()
    {
        // Static files are collected into STATIC_ROOT when the image is built, not at start.
        service.found(
            Field::BuildCommand,
            &settings,
            "STATIC_ROOT with django.contrib.staticfiles: collectstatic",
        );
        service.build_command = Some(format!("{manage} collectstatic --noinput"));
    }
    if let Some(file) = compilemessages {
        service.found(
            Field::BuildCommand,
            &file,
            "translation catalogues (.po): compilemessages, with gettext",
        );
        let step = format!("{manage} compilemessages");
        service.build_command = Some(match service.build_command.take() {
            Some(existing) => format!("{existing} && {step}"),
            None => step,
        });
        service.system_packages.add(&["gettext".to_string()], &[]);
        service.found(Field::SystemPackages, &file, "compilemessages runs msgfmt; build: gettext");
    }
    let Some((file, object)) = wsgi else {
        service.warn("found no WSGI application in the Django settings; pass --start-command");
        return Ok(());
    };
    let (module, attr) = object.rsplit_once('.').unwrap_or((&object, "application"));
    let entry = format!("{module}:{attr}");
    service.found(Field::Entrypoint, &file, format!("WSGI_APPLICATION = {object}"));
    service.start_command = Some(match &below {
        Some(sub) => format!("gunicorn --chdir {sub} {entry}"),
        None => format!("gunicorn {entry}"),
    });
    service.entrypoint = Some(entry);
    if !m.deps.contains("gunicorn") {
        service.warn("gunicorn is not a dependency, so the image installs a pinned one to run the app; add it to pin your own");
    }
    Ok(())
}

/// The folder, one or two below `dir`, of the Django project whose manage.py is there
/// (the shallowest), where the manifests sit above the project.
fn project_below(dir: &Dir) -> Option<String> {
    let mut found: Vec<&str> = dir
        .snap
        .files_under(dir.path)
        .filter(|rel| crate::scan::file_name(rel) == "manage.py")
        .map(|rel| crate::scan::parent(rel).strip_prefix(dir.path).unwrap_or(crate::scan::parent(rel)))
        .map(|folder| folder.trim_start_matches('/'))
        .filter(|folder| !folder.is_empty() && folder.matches('/').count() < 2)
        .filter(|folder| !folder.split('/').any(crate::detect::dir::is_non_app_dir))
        .filter(|folder| {
            dir.text(&format!("{folder}/manage.py")).ok().flatten().is_some_and(|f| f.text.contains("django"))
        })
        .collect();
    found.sort_by_key(|folder| (folder.matches('/').count(), folder.to_string()));
    found.first().map(|folder| folder.to_string())
}

/// Whether the folder above `dir`, or the one above that, holds a Python manifest.
fn manifest_above(dir: &Dir) -> bool {
    let parent = crate::scan::parent(dir.path);
    let grandparent = crate::scan::parent(parent);
    let folders = if dir.path.is_empty() {
        vec![]
    } else if parent.is_empty() {
        vec![parent]
    } else {
        vec![parent, grandparent]
    };
    folders.into_iter().any(|folder| {
        ["pyproject.toml", "requirements.txt", "Pipfile", "setup.py"]
            .iter()
            .any(|name| dir.snap.has_file(&crate::scan::join(folder, name)))
    })
}

fn asgi_or_wsgi(dir: &Dir, service: &mut Service, object: &Pattern, framework: &str) -> Result<(), Error> {
    let mut found = match dir.grep(PY, object)? {
        Some(found) => Some((found.file.clone(), found.line, found.groups[1].clone(), false)),
        None => None,
    };
    if found.is_none() {
        // An app a function builds (`app = get_application()`), in a module that uses the
        // framework, or with the function defined in one that does (a factory module).
        let sources: Vec<&str> = dir.sources(PY).collect();
        let mut built = Vec::new();
        for rel in &sources {
            let Some(file) = dir.source_text(rel)? else { continue };
            if let Some(c) = BUILT_APP.captures(&file.text)
                && !c[2].ends_with(framework)
            {
                let line = crate::manifest::line_of(&file.text, c.get(0).map_or(0, |m| m.start()));
                let function = c[2].rsplit('.').next().unwrap_or(&c[2]).to_string();
                built.push((
                    rel.to_string(),
                    line,
                    c[1].to_string(),
                    function,
                    file.text.contains(framework),
                ));
            }
        }
        let defined_with_framework = |function: &str| -> Result<bool, Error> {
            let def = format!("def {function}(");
            for rel in &sources {
                if let Some(file) = dir.source_text(rel)?
                    && file.text.contains(&def)
                    && file.text.contains(framework)
                {
                    return Ok(true);
                }
            }
            Ok(false)
        };
        // A module that uses the framework first, then the shallowest (a top-level
        // `wsgi.py` or `autoapp.py` over a worker's `app/tasks.py`).
        built.sort_by_key(|(rel, _, _, _, uses)| (!uses, rel.matches('/').count(), rel.clone()));
        for (rel, line, var, function, uses_framework) in built {
            if uses_framework || defined_with_framework(&function)? {
                found = Some((rel, line, var, false));
                break;
            }
        }
    }
    if found.is_none() {
        // The module:app the repository's own start names: a compose `command:`, a Makefile
        // target, or a `__main__` block's `uvicorn.run("module:app")`.
        let named = ["docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml", "Makefile"]
            .iter()
            .map(|f| dir.rel(f))
            .chain(dir.sources(PY).map(str::to_string))
            .collect::<Vec<_>>();
        for rel in named {
            let Some(file) = dir.source_text(&rel)? else { continue };
            if let Some(c) = NAMED_ENTRY.captures(&file.text) {
                let line = crate::manifest::line_of(&file.text, c.get(0).map_or(0, |m| m.start()));
                let (module, attr) = c[1].split_once(':').unwrap_or((&c[1], "app"));
                let entry = format!("{module}:{attr}");
                service.found_at(Field::Entrypoint, &rel, line, format!("runs {entry}"));
                service.start_command = Some(if framework == "FastAPI" {
                    format!("uvicorn {entry}")
                } else {
                    format!("gunicorn {entry}")
                });
                service.entrypoint = Some(entry);
                return Ok(());
            }
        }
    }
    if found.is_none() {
        // A factory (`def create_app()`), which the server calls.
        found =
            dir.grep(PY, &APP_FACTORY)?.map(|f| (f.file.clone(), f.line, format!("{}()", f.groups[1]), true));
    }
    let Some((file, line, attr, factory)) = found else {
        service.warn(format!("found no {framework} app object; pass --start-command"));
        return Ok(());
    };
    let entry = format!("{}:{attr}", module_of(dir, &file));
    service.found_at(Field::Entrypoint, &file, line, format!("{framework} app `{attr}`"));
    // A `src/` layout imports from src, whether or not the project installs its package:
    // the server puts it on the path. The host and port are added once the port is known
    // (see `bind`).
    let in_src = file.strip_prefix(dir.path).unwrap_or(&file).trim_start_matches('/').starts_with("src/");
    service.start_command = Some(if framework == "FastAPI" {
        let app_dir = if in_src { " --app-dir src" } else { "" };
        match entry.strip_suffix("()") {
            Some(function) => format!("uvicorn {function} --factory{app_dir}"),
            None => format!("uvicorn {entry}{app_dir}"),
        }
    } else {
        let quoted = if factory { format!("'{entry}'") } else { entry.clone() };
        let path = if in_src { "--pythonpath src " } else { "" };
        format!("gunicorn {path}{quoted}")
    });
    service.entrypoint = Some(entry);
    Ok(())
}

/// `app/main.py` → `app.main`, relative to the service folder (and its `src/` layout).
pub(super) fn module_of(dir: &Dir, rel: &str) -> String {
    let inner = rel.strip_prefix(dir.path).unwrap_or(rel).trim_start_matches('/');
    let inner = inner.strip_prefix("src/").unwrap_or(inner);
    inner.trim_end_matches(".py").trim_end_matches("/__init__").replace('/', ".")
}

fn test_command(dir: &Dir, m: &Manifests, service: &mut Service) {
    let pytest = m.deps.contains("pytest")
        || dir.has("pytest.ini")
        || dir.has("conftest.py")
        || m.pyproject.as_ref().and_then(|p| toml_get(p, "tool.pytest")).is_some();
    let command = if pytest {
        "pytest"
    } else if service.framework == Framework::Django {
        match &service.notes.django_project {
            Some(sub) => &format!("python {sub}/manage.py test"),
            None => "python manage.py test",
        }
    } else {
        return;
    };
    let prefix = match service.package_manager {
        PackageManager::Uv => "uv run ",
        PackageManager::Poetry => "poetry run ",
        PackageManager::Pipenv => "pipenv run ",
        PackageManager::Pdm => "pdm run ",
        _ if pytest => "python -m ",
        _ => "",
    };
    service.found(
        Field::TestCommand,
        &dir.rel(if pytest { "pyproject.toml" } else { "manage.py" }),
        if pytest { "uses pytest" } else { "Django's test runner" },
    );
    service.test_command = Some(format!("{prefix}{command}"));
}

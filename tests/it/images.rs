//! End to end: for each example whose dependencies come from registries reachable here,
//! generate its files with bim, build the image with podman from the generated Dockerfile
//! (against local stand-in base images, see scripts/standins), run it, and check that the
//! detected port answers 200 (so do a single-page app's own routes), that the process is
//! not root, and that no dev dependency reached the image. Where the tests run in the
//! Dockerfile's test stage (Deno and Bun here), `--target test` must build and report them passed.
//!
//! Slow (minutes), so it is `#[ignore]`d in a plain `cargo test`; `scripts/test` (and so
//! CI) runs it with `--include-ignored`, after `scripts/setup-tools` installed podman.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::Test;

const EXAMPLES: &[&str] = &[
    "node-express",
    "node-fastify-pnpm",
    "nextjs",
    "python-fastapi",
    "python-flask-uv",
    "go-nethttp",
    "rust-axum",
    "bun",
    "static-site",
    "vite-spa",
    "deno",
    // Each of these needs what one class of real repositories needs, and proves it in a page.
    "rust-libpq",
    "django-psycopg2",
    "node-native",
    "flask-procfile",
    "node-ts-build",
    "sveltekit-static",
    "go-templates",
    "python-boot-script",
    "express-serves-client",
    "go-embeds-frontend",
    "npm-workspace-build",
    "bun-workspace",
    "turbo-pnpm-next",
    "python-uv-wheel-line",
];

/// A page and what its body must hold: the proof that the image got what the class needs
/// (a linked system library, a compiled native module, a build step's output, a writable
/// working folder, a prerendered page).
const PAGES: &[(&str, &str, &str)] = &[
    ("rust-libpq", "/", "linked against libpq"),
    ("django-psycopg2", "/", "libpq"),
    ("django-psycopg2", "/static/shop/site.css", "font-family"),
    ("node-native", "/", "via better-sqlite3"),
    ("flask-procfile", "/", "1 visits"),
    ("node-ts-build", "/", "compiled TypeScript"),
    ("sveltekit-static", "/about", "about this static site"),
    ("go-templates", "/", "<h1>Rendered from templates/</h1>"),
    ("go-templates", "/static/site.css", "font-family"),
    ("python-boot-script", "/", "greeter: booted by boot.sh"),
    // The built page: Vite rewrote the entry script into a hashed asset.
    ("express-serves-client", "/", "/assets/index-"),
    // The Vite build, embedded in the Go binary.
    ("go-embeds-frontend", "/", "/assets/index-"),
    // The workspace package the server imports, built by its own tsc before the server's image.
    ("npm-workspace-build", "/", "from a workspace package built by tsc"),
    ("bun-workspace", "/", "from a shared package built by bun build"),
    // The UI package built by tsup first (turbo's ^build), and the validator given its setting.
    ("turbo-pnpm-next", "/", "Acme: rendered with a UI package built by tsup"),
    // httptools 0.6.0 installed from its wheel: the lock has none past 3.11, so the line is 3.11.
    ("python-uv-wheel-line", "/", "\"parser\":\"httptools\""),
    // The working folder belongs to the app's user in compiled and Deno images too.
    ("go-nethttp", "/visit", "visit written to the working folder"),
    ("rust-axum", "/visit", "visit written to the working folder"),
    ("deno", "/visit", "visit written to the working folder"),
];

/// Settings an example needs at run time, as Backend.im would pass them.
const RUN_ENV: &[(&str, &str)] = &[("turbo-pnpm-next", "PRODUCT_NAME=Acme")];

/// What the output of `--target test` must show for an example whose tests run in its
/// Dockerfile's test stage: that the tests ran and passed.
const TEST_STAGE_PASSED: &[(&str, &str)] = &[("deno", "1 passed"), ("bun", "2 pass")];

/// Paths that are no file in the image but must still load: a single-page app's own routes.
const DEEP_LINKS: &[(&str, &str)] = &[("vite-spa", "/settings/profile")];

/// A build-time variable given to the build, and a page whose scripts must then hold its value.
const BUILD_ARGS: &[(&str, &str, &str)] = &[
    ("vite-spa", "VITE_API_URL=https://api.bim-e2e.test", "/"),
    // A front end built in a backend's image bakes its variables too.
    ("express-serves-client", "VITE_API_URL=https://api.bim-e2e.test", "/"),
    ("go-embeds-frontend", "VITE_API_URL=https://api.bim-e2e.test", "/"),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn podman() -> Command {
    let mut command = Command::new("podman");
    command.env("CONTAINERS_CONF", repo().join("scripts/containers.conf"));
    command
}

fn run(mut command: Command, what: &str) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e} (is podman installed? run scripts/setup-tools)"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The example without the files bim generated for it, then `bim init --yes` on it.
fn generate(example: &str) -> crate::harness::Run {
    let test = Test::new();
    let root = test.path().to_path_buf();
    crate::harness::copy_tree(&repo().join("examples").join(example), &root);
    for generated in [
        "Dockerfile",
        ".dockerignore",
        ".github",
        ".env.example",
        "README.md",
        ".gitignore",
        "bim.toml",
        ".bim",
    ] {
        let path = root.join(generated);
        let _ = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
    }
    // A workspace member's files sit in its own folder.
    for member in ["apps", "packages"].iter().map(|f| root.join(f)).filter(|p| p.is_dir()) {
        for entry in std::fs::read_dir(&member).expect("members").flatten() {
            for generated in ["Dockerfile", "Dockerfile.dockerignore", ".env.example"] {
                let _ = std::fs::remove_file(entry.path().join(generated));
            }
        }
    }
    test.args(&["init", "--yes", "--json"]).run().code(0)
}

/// The names in the `devDependencies` of the package.json at `root`, if there is one.
fn dev_dependencies(root: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(root.join("package.json")) else {
        return Vec::new();
    };
    let manifest: serde_json::Value = serde_json::from_str(&text).expect("the example's package.json parses");
    manifest["devDependencies"].as_object().map(|deps| deps.keys().cloned().collect()).unwrap_or_default()
}

/// The body of `url` and of every script it loads from the same server.
fn page_with_scripts(url: &str) -> String {
    let get = |url: &str| {
        Command::new("curl")
            .args(["-s", "--max-time", "2", url])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    };
    let page = get(url);
    let origin = url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    let scripts: String = page
        .split("src=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|src| src.starts_with('/'))
        .map(|src| get(&format!("{origin}{src}")))
        .collect();
    page + &scripts
}

fn http_status(url: &str) -> Option<u16> {
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", url])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

fn build_and_serve(example: &str) -> String {
    let generated = generate(example);
    let answers = generated.json()["answers"]["service"][0].clone();
    let port = answers["port"].as_u64().expect("port");
    let path = answers["healthcheck_path"].as_str().unwrap_or("/").to_string();
    let repo_root: &Path = generated.dir.path();
    // The service's folder holds its Dockerfile; the image builds from its context.
    let folder = |key: &str| {
        answers[key].as_str().map(|p| if p == "." { repo_root.to_path_buf() } else { repo_root.join(p) })
    };
    let dockerfile = folder("path").unwrap_or_else(|| repo_root.to_path_buf()).join("Dockerfile");
    let context = folder("context").or_else(|| folder("path")).unwrap_or_else(|| repo_root.to_path_buf());
    let root: &Path = &context;
    let mut standins = Command::new(repo().join("scripts/standins"));
    standins.arg(&dockerfile);
    run(standins, "building the stand-in base images");

    let image = format!("localhost/bim-e2e-{example}");
    let started = Instant::now();
    let mut build = podman();
    build
        .args(["build", "--format", "docker", "--isolation", "chroot", "--pull=never", "-q", "-t", &image])
        .args(
            BUILD_ARGS
                .iter()
                .filter(|(name, _, _)| *name == example)
                .flat_map(|(_, arg, _)| ["--build-arg", arg]),
        )
        .arg("-f")
        .arg(&dockerfile)
        .arg(root);
    run(build, &format!("podman build of {example}"));
    let build_time = started.elapsed();
    if let Some((_, passed)) = TEST_STAGE_PASSED.iter().find(|(name, _)| *name == example) {
        let text = std::fs::read_to_string(&dockerfile).expect("Dockerfile");
        assert!(text.contains(" AS test"), "{example}: no test stage");
        let mut test = podman();
        // Without the layer cache: a cached test step would not run, and so print nothing.
        test.args(["build", "--isolation", "chroot", "--pull=never", "--no-cache", "--target", "test", "-f"])
            .arg(&dockerfile)
            .arg(root);
        let out = test.output().expect("run podman build --target test");
        let output =
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{example}: podman build --target test failed:\n{output}");
        assert!(output.contains(passed), "{example}: the test stage did not report {passed:?}:\n{output}");
    }
    let size: u64 = run(
        {
            let mut c = podman();
            c.args(["image", "inspect", "--format", "{{.Size}}", &image]);
            c
        },
        "inspect",
    )
    .parse()
    .unwrap_or(0);

    // Only production dependencies reach the final stage.
    if answers["static_output"].is_null() {
        for dev in dev_dependencies(root) {
            let module = format!("node_modules/{dev}");
            let found = podman().args(["run", "--rm", "--entrypoint", "ls", &image, &module]).output();
            let found = found.is_ok_and(|o| o.status.success());
            assert!(!found, "{example}: the dev dependency {dev} is in the image ({module})");
        }
    }

    let name = format!("bim-e2e-{example}");
    let _ = podman().args(["rm", "-f", "-t", "0", &name]).output();
    run(
        {
            let mut c = podman();
            c.args(["run", "-d", "--network", "host", "--name", &name]);
            c.args(RUN_ENV.iter().filter(|(e, _)| *e == example).flat_map(|(_, setting)| ["-e", setting]));
            c.arg(&image);
            c
        },
        &format!("podman run of {example}"),
    );
    let url = format!("http://127.0.0.1:{port}{path}");
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut status = None;
    while Instant::now() < deadline {
        status = http_status(&url);
        if status == Some(200) {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let deep_links: Vec<(String, Option<u16>)> = DEEP_LINKS
        .iter()
        .filter(|(name, _)| *name == example)
        .map(|(_, link)| {
            let url = format!("http://127.0.0.1:{port}{link}");
            let status = http_status(&url);
            (url, status)
        })
        .collect();
    let pages: Vec<(String, String, &str)> = PAGES
        .iter()
        .filter(|(name, _, _)| *name == example)
        .map(|(_, page, needle)| {
            let url = format!("http://127.0.0.1:{port}{page}");
            (url.clone(), page_with_scripts(&url), *needle)
        })
        .collect();
    let baked: Vec<(String, bool)> = BUILD_ARGS
        .iter()
        .filter(|(name, _, _)| *name == example)
        .map(|(_, arg, page)| {
            let value = arg.split_once('=').map_or("", |(_, v)| v);
            (arg.to_string(), page_with_scripts(&format!("http://127.0.0.1:{port}{page}")).contains(value))
        })
        .collect();
    // The app's user, read from /proc on the host: the images need no `ps`.
    let pid = run(
        {
            let mut c = podman();
            c.args(["inspect", "--format", "{{.State.Pid}}", &name]);
            c
        },
        "podman inspect",
    );
    let uid = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .map(str::to_string)
        })
        .unwrap_or_else(|| "unknown".into());
    let logs = podman()
        .args(["logs", &name])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr))
        .unwrap_or_default();
    let _ = podman().args(["rm", "-f", "-t", "0", &name]).output();
    assert_eq!(status, Some(200), "{example}: {url} answered {status:?}; logs:\n{logs}");
    assert!(uid != "0" && uid != "unknown", "{example} runs as uid {uid}");
    for (arg, found) in baked {
        assert!(found, "{example}: the build was given {arg}, but the page's scripts do not hold the value");
    }
    for (url, body, needle) in pages {
        assert!(body.contains(needle), "{example}: {url} does not hold {needle:?}:\n{body}\nlogs:\n{logs}");
    }
    for (url, status) in deep_links {
        assert_eq!(status, Some(200), "{example}: the route {url} answered {status:?}");
    }
    format!(
        "{example:<18} build {:>5.1} s  image {:>6.1} MB  uid {uid}  GET {url} → 200",
        build_time.as_secs_f64(),
        size as f64 / 1e6
    )
}

#[test]
#[ignore = "builds container images for minutes; scripts/test and CI run it with --include-ignored"]
fn every_buildable_example_builds_and_serves_as_non_root() {
    let _containers = crate::harness::containers_lock();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    // BIM_E2E_ONLY=a,b narrows the run to some examples while working on them.
    let only = std::env::var("BIM_E2E_ONLY").ok();
    let chosen = |e: &&&str| only.as_deref().is_none_or(|o| o.split(',').any(|n| n == **e));
    let examples: Vec<&&str> = EXAMPLES.iter().filter(chosen).collect();
    // A filter that selects nothing would pass without building anything.
    assert!(!examples.is_empty(), "BIM_E2E_ONLY={only:?} names no example of {EXAMPLES:?}");
    for example in examples {
        match std::panic::catch_unwind(|| build_and_serve(example)) {
            Ok(line) => {
                println!("{line}");
                report.push(line);
            }
            Err(e) => failures.push(format!(
                "{example}: {}",
                e.downcast_ref::<String>().cloned().unwrap_or_else(|| "panicked".into())
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

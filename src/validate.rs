//! Checks for every value that reaches a Dockerfile, a workflow or a shell line, whether it
//! came from a flag, bim.toml or the repository. A value that cannot be made safe is
//! refused with a message naming it, rather than escaped into something surprising.

use crate::error::Error;

/// Longest command bim will write into a Dockerfile or workflow.
const MAX_COMMAND: usize = 500;

fn refuse(what: &str, value: &str, why: &str, flag: &str) -> Error {
    let shown: String = value.chars().take(80).collect();
    let shown = shown.escape_debug();
    Error::Usage { message: format!("{what} `{shown}` is not usable: {why}"), flag: Some(flag.to_string()) }
}

/// An app or image name part: lower case letters, digits and `-`, up to 63 characters.
pub fn app_name(value: &str, flag: &str) -> Result<(), Error> {
    let ok = !value.is_empty()
        && value.len() <= 63
        && value.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(refuse("app name", value, "use 1-63 lower-case letters, digits and '-'", flag))
    }
}

/// A process name (a Procfile process type): 1-30 lower-case letters, digits, `-`, `_`.
pub fn process_name(value: &str, flag: &str) -> Result<(), Error> {
    let ok = !value.is_empty()
        && value.len() <= 30
        && value != "web"
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(refuse(
            "process name",
            value,
            "use 1-30 lower-case letters, digits, '-' and '_', starting with a letter (web is the start command)",
            flag,
        ))
    }
}

/// A Debian package name (`libpq-dev`, `libpango1.0-dev`, `g++`), as Debian policy allows:
/// lower case, digits, `+`, `-`, `.`, starting with a letter or digit.
pub fn system_package(value: &str, flag: &str) -> Result<(), Error> {
    let ok = value.len() >= 2
        && value.len() <= 100
        && value.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(refuse("system package", value, "use a Debian package name (lower case, digits, + - .)", flag))
    }
}

/// A build-stage setting, `NAME=value`: a variable name and a value of plain characters,
/// so it can sit in a Dockerfile `ENV` line unquoted.
pub fn build_env(value: &str, flag: &str) -> Result<(), Error> {
    let Some((name, setting)) = value.split_once('=') else {
        return Err(refuse("build setting", value, "write it as NAME=value", flag));
    };
    env_name(name)?;
    if setting.is_empty() || !setting.chars().all(|c| c.is_ascii_alphanumeric() || "._-/:@".contains(c)) {
        return Err(refuse(
            "build setting",
            value,
            "the value may hold letters, digits and . _ - / : @",
            flag,
        ));
    }
    Ok(())
}

/// An image reference without tag: `[host[:port]/]name[/name...]`, lower case.
pub fn image(value: &str, flag: &str) -> Result<(), Error> {
    let mut parts = value.split('/').peekable();
    let first = parts.peek().copied().unwrap_or("");
    let has_host =
        value.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_host {
        host(first, flag)?;
        parts.next();
    }
    let mut any = false;
    for part in parts {
        any = true;
        let ok = !part.is_empty()
            && part.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
            && !part.ends_with(['.', '_', '-']);
        if !ok {
            return Err(refuse(
                "image",
                value,
                "image names are lower case: letters, digits, '.', '_', '-' and '/'",
                flag,
            ));
        }
    }
    if !any || value.len() > 255 {
        return Err(refuse("image", value, "expected something like ghcr.io/owner/app", flag));
    }
    Ok(())
}

/// A registry host, with an optional port.
pub fn host(value: &str, flag: &str) -> Result<(), Error> {
    let (name, port) = value.split_once(':').unwrap_or((value, ""));
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    let port_ok = port.is_empty() || port.parse::<u16>().is_ok_and(|p| p > 0);
    if name_ok && port_ok {
        Ok(())
    } else {
        Err(refuse("registry host", value, "expected a host name such as registry.example.com[:5000]", flag))
    }
}

/// A git branch name that is safe in YAML and shell.
pub fn branch(value: &str, flag: &str) -> Result<(), Error> {
    let ok = !value.is_empty()
        && value.len() <= 200
        && !value.starts_with(['-', '/', '.'])
        && !value.ends_with(['/', '.'])
        && !value.contains("..")
        && !value.contains("//")
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c));
    if ok { Ok(()) } else { Err(refuse("branch", value, "use letters, digits, '.', '_', '-' and '/'", flag)) }
}

/// A path inside the repository: relative, `/`-separated, no `..`, plain characters.
pub fn repo_path(what: &str, value: &str, flag: &str) -> Result<(), Error> {
    let ok = !value.is_empty()
        && value.len() <= 300
        && !value.starts_with('/')
        && value.split('/').all(|part| !part.is_empty() && part != "..")
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "._-/@+".contains(c));
    if ok {
        Ok(())
    } else {
        Err(refuse(what, value, "use a relative path of letters, digits and . _ - / @ +", flag))
    }
}

/// A path written from `base` (a folder of the repository, `.` for the root) that may climb
/// out of it with `..`, as a front end's build writes into its backend's folder
/// (`../backend/app/static`), so long as it stays inside the repository.
pub fn path_from(what: &str, base: &str, value: &str, flag: &str) -> Result<(), Error> {
    let plain = value.trim_start_matches("../");
    let climbs = value.len() - plain.len();
    let inside = crate::scan::normalize(&crate::scan::join(crate::scan::snapshot_path(base), value))
        .is_some_and(|p| !p.is_empty());
    if climbs > 0 && inside && (plain.is_empty() || repo_path(what, plain, flag).is_ok()) {
        return Ok(());
    }
    repo_path(what, value, flag)
}

/// What a start command runs: a path, a Python `module:object` or `module:factory()`.
pub fn entrypoint(value: &str, flag: &str) -> Result<(), Error> {
    let ok = !value.is_empty()
        && value.len() <= 300
        && !value.starts_with(['/', '-'])
        && !value.split(['/', ':']).any(|part| part == "..")
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "._-/@+:()".contains(c));
    if ok {
        Ok(())
    } else {
        Err(refuse(
            "entrypoint",
            value,
            "use a relative path or a module:object of letters, digits and . _ - / : ( )",
            flag,
        ))
    }
}

/// A command line for a Dockerfile `RUN`/`CMD` or a workflow step: one line, printable,
/// no GitHub expression.
pub fn command(what: &str, value: &str, flag: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(refuse(what, value, "it is empty", flag));
    }
    if value.len() > MAX_COMMAND {
        return Err(refuse(what, value, &format!("it is longer than {MAX_COMMAND} characters"), flag));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(refuse(what, value, "it holds a newline or control character", flag));
    }
    if value.contains("${{") {
        return Err(refuse(what, value, "it holds a GitHub Actions expression `${{`", flag));
    }
    Ok(())
}

/// A URL path for a health check.
pub fn url_path(value: &str, flag: &str) -> Result<(), Error> {
    let ok = value.starts_with('/')
        && value.len() <= 200
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "/._~-".contains(c));
    if ok { Ok(()) } else { Err(refuse("health-check path", value, "expected a path such as /health", flag)) }
}

/// A runtime version as image tags spell it.
pub fn version(value: &str, flag: &str) -> Result<(), Error> {
    let ok = !value.is_empty()
        && value.len() <= 40
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(refuse("runtime version", value, "expected a version such as 20 or 3.12.1", flag))
    }
}

pub fn env_name(value: &str) -> Result<(), Error> {
    if crate::detect::envvars::is_env_name(value) && value.len() <= 128 {
        Ok(())
    } else {
        Err(refuse("environment variable", value, "names are letters, digits and '_'", "--env"))
    }
}

pub fn port(value: u16, flag: &str) -> Result<(), Error> {
    if value == 0 { Err(refuse("port", "0", "ports run from 1 to 65535", flag)) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_injection_shaped_values() {
        assert!(command("start command", "node x.js\nrm -rf /", "--start-command").is_err());
        assert!(command("start command", "echo ${{ secrets.X }}", "--start-command").is_err());
        assert!(command("start command", "node server.js", "--start-command").is_ok());
        assert!(branch("main; curl x", "--branch").is_err());
        assert!(branch("release/1.2", "--branch").is_ok());
        assert!(repo_path("path", "../etc", "--service").is_err());
        assert!(repo_path("path", "apps/web", "--service").is_ok());
        assert!(app_name("My App", "--app").is_err());
        assert!(image("ghcr.io/acme/api", "--image").is_ok());
        assert!(image("localhost:5000/api", "--image").is_ok());
        assert!(image("ghcr.io/Acme/api", "--image").is_err());
        assert!(image("acme/api:latest", "--image").is_err());
        assert!(url_path("/health", "--healthcheck-path").is_ok());
        assert!(url_path("/health'; x", "--healthcheck-path").is_err());
        assert!(host("registry.example.com:5000", "--registry").is_ok());
        assert!(host("bad host", "--registry").is_err());
    }
}

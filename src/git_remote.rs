//! The repository's `origin` remote, read to offer the CI of the forge it lives on: a
//! repository on GitLab.com or a self-managed GitLab gets GitLab CI/CD by default.

use std::path::Path;

/// The host of the `origin` remote: from `git remote get-url origin` (which applies the
/// user's `insteadOf` rewrites), else from `.git/config` at the root.
pub fn origin_host(root: &Path) -> Option<String> {
    let from_git = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["remote", "get-url", "origin"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok());
    let url = from_git.or_else(|| {
        let config = std::fs::read_to_string(root.join(".git/config")).ok()?;
        origin_url(&config)
    })?;
    host_of(url.trim())
}

/// The `url` of `[remote "origin"]` in a git config file.
fn origin_url(config: &str) -> Option<String> {
    let mut in_origin = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            in_origin = line.replace(' ', "") == "[remote\"origin\"]";
        } else if in_origin
            && let Some((key, value)) = line.split_once('=')
            && key.trim() == "url"
        {
            return Some(value.trim().to_string());
        }
    }
    None
}

/// The host of a git URL: `https://host/...`, `ssh://user@host:port/...` or scp-like
/// `user@host:path`; lower case, without user or port.
fn host_of(url: &str) -> Option<String> {
    let rest = match url.split_once("://") {
        Some((_, rest)) => rest.split('/').next()?,
        None => url.split_once(':')?.0,
    };
    let host = rest.rsplit('@').next()?;
    let host = host.split(':').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// GitLab.com, or a self-managed GitLab named the usual way (`gitlab.example.com`).
pub fn is_gitlab(host: &str) -> bool {
    host == "gitlab.com" || host.starts_with("gitlab.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_come_from_every_url_form_and_gitlab_is_told_by_name() {
        for (url, host) in [
            ("https://gitlab.com/acme/shop.git", "gitlab.com"),
            ("git@gitlab.com:acme/shop.git", "gitlab.com"),
            ("ssh://git@gitlab.example.com:2222/acme/shop.git", "gitlab.example.com"),
            ("https://user:pw@GitLab.Example.com/acme/shop", "gitlab.example.com"),
            ("git@github.com:acme/shop.git", "github.com"),
        ] {
            assert_eq!(host_of(url).as_deref(), Some(host), "{url}");
        }
        assert!(is_gitlab("gitlab.com") && is_gitlab("gitlab.example.com"));
        assert!(!is_gitlab("github.com") && !is_gitlab("notgitlab.com") && !is_gitlab("mygitlab.io"));
        let config = "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = https://github.com/x/y\n\
                      [remote \"origin\"]\n\turl = git@gitlab.com:acme/shop.git\n";
        assert_eq!(origin_url(config).as_deref(), Some("git@gitlab.com:acme/shop.git"));
    }
}

//! `.env` files: the values a person keeps beside the repository, which bim reads (for
//! `bim run` and `bim env push`) and never writes, prints or logs. Also which names a
//! service reads, since a value is passed on only for those.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::ServiceConfig;
use crate::error::Error;

/// The `.env` files that apply to `service`: the repository's, then the service folder's,
/// whose values win.
pub fn files(root: &Path, service: &ServiceConfig) -> Vec<PathBuf> {
    let folder = root.join(crate::plan::snapshot_path(&service.path));
    let mut files = vec![root.join(".env")];
    if folder != root {
        files.push(folder.join(".env"));
    }
    files
}

/// The values of every `.env` file that applies to `service`; `None` when there is none.
pub fn values(root: &Path, service: &ServiceConfig) -> Result<Option<BTreeMap<String, String>>, Error> {
    let mut values = BTreeMap::new();
    let mut found = false;
    for file in files(root, service) {
        found |= file.is_file();
        values.extend(read(&file)?);
    }
    Ok(found.then_some(values))
}

/// The names `service` reads: bim.toml's `env_vars`, and the lines of its `.env.example`
/// (a person lists there what detection missed). Sorted.
pub fn names_read(root: &Path, service: &ServiceConfig) -> Result<Vec<String>, Error> {
    let folder = root.join(crate::plan::snapshot_path(&service.path));
    let mut names: Vec<String> = service.env_vars.keys().cloned().collect();
    for example in [folder.join(".env.example"), root.join(".env.example")] {
        names.extend(read(&example)?.into_iter().map(|(name, _)| name));
    }
    // A build secret is the install's, never the app's.
    names.retain(|n| !service.build_secrets.contains(n));
    names.sort();
    names.dedup();
    Ok(names)
}

/// `NAME=value` lines of a dotenv file (`export`, quotes and comments allowed); none when
/// the file does not exist.
pub fn read(path: &Path) -> Result<Vec<(String, String)>, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(path, e)),
    };
    Ok(text
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("export ").unwrap_or(line);
            let (name, value) = line.split_once('=')?;
            let name = name.trim();
            let valid = !name.is_empty()
                && !name.starts_with('#')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value);
            valid.then(|| (name.to_string(), value.to_string()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn dotenv_lines_are_read_with_quotes_exports_and_comments() {
        let dir = std::env::temp_dir().join(format!("bim-dotenv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join(".env");
        std::fs::write(&path, "# a comment\nexport A=1\nB=\"two words\"\nC='x'\nnot a line\n")
            .expect("write");
        let read = super::read(&path).expect("read");
        assert_eq!(
            read,
            [("A".into(), "1".into()), ("B".into(), "two words".into()), ("C".into(), "x".into())]
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}

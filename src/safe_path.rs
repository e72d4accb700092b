//! Paths bim reads back or writes inside the repository. A repository is untrusted input:
//! a link committed at a path bim writes (or at any folder on the way to it) would carry
//! the write, or a read that bim then writes back into the repository, somewhere else. So
//! every such path must be relative, stay below the root, and cross no symbolic link.
//! The root itself is the person's choice and may be a link.

use std::path::{Component, Path, PathBuf};

use crate::error::Error;

/// `root.join(rel)`, once `rel` is known to stay inside `root` with no link on the way:
/// every part of it that exists is a real folder (or, for the last part, a real file).
pub fn checked(root: &Path, rel: &str) -> Result<PathBuf, Error> {
    if !Path::new(rel).components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(Error::UnsafePath {
            path: rel.to_string(),
            cause: "leaves the repository (it is absolute or climbs with ..)".into(),
        });
    }
    let mut full = root.to_path_buf();
    let mut shown = String::new();
    for part in Path::new(rel).iter() {
        full.push(part);
        if !shown.is_empty() {
            shown.push('/');
        }
        shown.push_str(&part.to_string_lossy());
        match std::fs::symlink_metadata(&full) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&full).map(|t| t.display().to_string()).unwrap_or_default();
                return Err(Error::UnsafePath {
                    path: shown,
                    cause: format!(
                        "is a symbolic link (to {target}); bim never reads or writes through a link, \
                         since it could lead out of the repository"
                    ),
                });
            }
            Ok(_) => {}
            // Nothing more exists below a missing part, so nothing below can be a link.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
            Err(e) => return Err(Error::io(&full, e)),
        }
    }
    if rel.is_empty() {
        return Err(Error::UnsafePath { path: rel.to_string(), cause: "names no file".into() });
    }
    Ok(root.join(rel))
}

/// The text of `rel` if it exists, read only once the path is `checked`.
pub fn read_text(root: &Path, rel: &str) -> Result<Option<String>, Error> {
    let full = checked(root, rel)?;
    match std::fs::read(&full) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| Error::broken(rel, "it is not valid UTF-8 text, so bim cannot update it")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
            Err(Error::broken(rel, "it is a folder, where bim writes a file"))
        }
        Err(e) => Err(Error::io(&full, e)),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_and_climbs_are_refused_and_plain_paths_pass() {
        let dir = tempfile::tempdir().expect("dir");
        let root = dir.path();
        std::fs::create_dir(root.join("real")).expect("mkdir");
        std::os::unix::fs::symlink("/tmp", root.join("out")).expect("link");
        std::os::unix::fs::symlink("real", root.join("inner")).expect("link");
        assert!(checked(root, "real/Dockerfile").is_ok());
        assert!(checked(root, "new/deep/file").is_ok());
        for bad in ["out/x", "inner/x", "out", "../x", "/etc/passwd", "a/../../x", ""] {
            let err = checked(root, bad).expect_err(bad);
            assert!(matches!(err, Error::UnsafePath { .. }), "{bad}: {err}");
        }
        let err = checked(root, "out/x").expect_err("link");
        assert!(err.to_string().starts_with("out is a symbolic link (to /tmp)"), "{err}");
    }
}

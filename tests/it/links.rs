//! A repository is untrusted: links it commits must never carry bim's reads or writes out of
//! it, and a run killed part-way must be finished or rolled back by the next, never leave
//! files at two versions or temporary files for `git add -A` to commit.

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use crate::harness::{Run, Test};

/// Every entry under `root`, with its kind and contents, links not followed.
fn state(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).expect("lstat");
            let what = if meta.file_type().is_symlink() {
                format!("link -> {:?}", std::fs::read_link(&path).ok())
            } else if meta.is_dir() {
                stack.push(path.clone());
                "dir".to_string()
            } else {
                format!("file {:?}", std::fs::read(&path).unwrap_or_default())
            };
            out.insert(path, what);
        }
    }
    out
}

/// A folder outside the repository, with a file worth stealing or clobbering.
fn outside() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("outside");
    std::fs::write(dir.path().join("victim"), "PRIVATE KEY material\n").expect("write");
    std::fs::create_dir(dir.path().join("folder")).expect("mkdir");
    dir
}

fn node_app() -> Test {
    Test::fixture("node-express-npm")
}

#[test]
fn links_at_every_predictable_temporary_name_catch_nothing() {
    let out = outside();
    let victim = out.path().join("victim");
    let test = node_app();
    // The names an earlier bim staged at: `.{name}.bim-{pid}.tmp`, for every pid it could get.
    for name in ["README.md", "Dockerfile", "bim.toml"] {
        for pid in 1..=32_768 {
            symlink(&victim, test.path().join(format!(".{name}.bim-{pid}.tmp"))).expect("link");
        }
    }
    let before = state(out.path());
    let run = test.args(&["init", "--yes"]).run().code(0);
    assert_eq!(state(out.path()), before, "nothing outside the repository changed");
    for name in ["README.md", "Dockerfile", "bim.toml"] {
        let meta = std::fs::symlink_metadata(run.dir.path().join(name)).expect("lstat");
        assert!(meta.is_file(), "{name} is a plain file");
    }
    let leftovers = state(run.dir.path())
        .into_iter()
        .filter(|(path, what)| what.starts_with("file") && path.to_string_lossy().ends_with(".tmp"))
        .count();
    assert_eq!(leftovers, 0, "no temporary file is left behind");
}

/// `bim init --yes` in a repository with `link` committed as a link to `to`: refused with
/// exit 14 naming the link, and nothing inside or outside changed.
fn refused(test: Test, link: &str, to: &Path, out: &Path) -> Run {
    let at = test.path().join(link);
    std::fs::create_dir_all(at.parent().expect("parent")).expect("mkdir");
    symlink(to, &at).expect("link");
    let (inside, outside) = (state(test.path()), state(out));
    let run = test.args(&["init", "--yes"]).run();
    assert_eq!(run.code, 14, "{link}: exit code\n{}", run.stderr);
    assert!(run.stderr.contains(&format!("{link} is a symbolic link")), "{link}: {}", run.stderr);
    assert_eq!(state(run.dir.path()), inside, "{link}: the repository is as it was");
    assert_eq!(state(out), outside, "{link}: nothing outside changed");
    run
}

#[test]
fn a_file_bim_makes_that_is_a_link_is_refused_and_nothing_is_written() {
    let out = outside();
    let victim = out.path().join("victim");
    for link in ["Dockerfile", "bim.toml", ".bim/rendered/Dockerfile"] {
        let run = refused(node_app(), link, &victim, out.path());
        let printed = run.stdout.clone() + &run.stderr;
        assert!(!printed.contains("PRIVATE KEY"), "{link}: the linked file's text was read out");
    }
}

#[test]
fn a_shared_file_that_is_a_link_is_left_alone_and_never_read() {
    let out = outside();
    let victim = out.path().join("victim");
    for link in ["README.md", ".dockerignore", ".env.example", ".gitignore"] {
        let test = node_app();
        symlink(&victim, test.path().join(link)).expect("link");
        let before = state(out.path());
        let run = test.args(&["init", "--yes", "--json"]).run().code(0);
        assert_eq!(state(out.path()), before, "{link}: nothing outside changed");
        let meta = std::fs::symlink_metadata(run.dir.path().join(link)).expect("lstat");
        assert!(meta.file_type().is_symlink(), "{link} is still the link it was");
        let files = run.json()["files"].as_array().expect("files").clone();
        let file = files.iter().find(|f| f["path"] == link).unwrap_or_else(|| panic!("{link} is reported"));
        assert_eq!(file["action"], "skipped", "{link}");
        assert!(file["reason"].as_str().is_some_and(|r| r.contains("symbolic link")), "{file}");
        assert!(
            !run.stdout.contains("PRIVATE KEY") && !run.stderr.contains("PRIVATE KEY"),
            "{link}: read out"
        );
    }
}

#[test]
fn a_folder_bim_writes_into_that_is_a_link_is_refused() {
    let out = outside();
    let folder = out.path().join("folder");
    for link in [".github", ".github/workflows", ".bim", ".bim/rendered"] {
        refused(node_app(), link, &folder, out.path());
    }
    // A service whose folder is a link out: bim.toml names it, the walk never enters it.
    std::fs::write(folder.join("package.json"), r#"{"scripts":{"start":"node a.js"}}"#).expect("write");
    let test = node_app().file(
        "bim.toml",
        "[[service]]\npath = \"evil\"\nlanguage = \"node\"\nport = 3000\nstart_command = \"node a.js\"\n",
    );
    let run = test.args(&["init", "--yes"]);
    let before = state(out.path());
    let at = run.path().join("evil");
    symlink(&folder, &at).expect("link");
    let run = run.run();
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert_eq!(state(out.path()), before, "nothing was written through the service's link");
}

/// The version of each file bim writes, by the port it names.
fn ports(root: &Path) -> BTreeMap<String, bool> {
    ["Dockerfile", ".bim/rendered/Dockerfile", "bim.toml"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read_to_string(root.join(f)).unwrap_or_default().contains("4100")))
        .collect()
}

fn temps(root: &Path) -> Vec<PathBuf> {
    state(root).into_keys().filter(|p| p.to_string_lossy().contains(".bim-")).collect()
}

#[test]
fn a_run_killed_at_any_rename_is_finished_by_the_next_and_one_killed_while_staging_is_rolled_back() {
    let (mut killed, mut finished) = (0, false);
    for point in (0..3).map(|n| format!("stage:{n}")).chain((0..40).map(|n| format!("rename:{n}"))) {
        let first = node_app().args(&["init", "--yes"]).run().code(0);
        let root = first.dir.path().display().to_string();
        let run = Test::new()
            .env("BIM_TEST_STOP_AT", &point)
            .args(&["init", "--yes", "--port", "4100", &root])
            .run();
        if run.code == 0 {
            assert!(point.starts_with("rename"), "{point}: every run stages at least 3 files");
            finished = true;
            break;
        }
        assert_eq!(run.code, 137, "{point}: {}", run.stderr);
        killed += 1;
        let check = Test::new().args(&["check", &root, "--color", "never"]).run().code(5);
        assert!(check.stdout.contains("stopped part-way"), "{point}: {}", check.stdout);

        // A dry run changes nothing, the unfinished run included.
        let before = state(first.dir.path());
        let dry = Test::new().args(&["init", "--yes", "--dry-run", "--port", "4100", &root]).run().code(0);
        assert!(dry.stdout.contains("stopped part-way"), "{point}: {}", dry.stdout);
        assert_eq!(state(first.dir.path()), before, "{point}: the dry run changed the tree");
        let next = Test::new().args(&["init", "--yes", "--port", "4100", &root]).run().code(0);
        let said = if point.starts_with("stage") { "rolled it back" } else { "finished it" };
        assert!(next.stdout.contains(said), "{point}: {}", next.stdout);
        assert!(ports(first.dir.path()).values().all(|&new| new), "{point}: {:?}", ports(first.dir.path()));
        assert_eq!(temps(first.dir.path()), Vec::<PathBuf>::new(), "{point}: temporary files left");
        Test::new().args(&["check", &root]).run().code(0);
    }
    assert!(finished && killed >= 6, "every kill point was reached: {killed}");
}

#[test]
fn a_journal_that_comes_with_the_repository_finishes_only_bims_own_writes() {
    // A hostile commit: a "run" that would put its own text over a person's .env and
    // delete their sources.
    let test = node_app()
        .file(".env", "SECRET=mine\n")
        .file("..env.bim-AAAAAAAAAAAA.tmp", "SECRET=theirs\n")
        .file(
            ".bim/journal.json",
            r#"{"phase":"renaming","files":[{"path":".env","temp":"..env.bim-AAAAAAAAAAAA.tmp"},{"path":"src/index.js","remove":true}]}"#,
        );
    let run = test.args(&["init", "--yes"]).run().code(0);
    assert_eq!(run.read(".env"), "SECRET=mine\n", "a person's file is never a journal's target");
    assert!(run.exists("src/index.js"), "nothing but bim's records is removed");
    assert!(!run.exists(".bim/journal.json"));
}

//! Who owns a file over time: a person's edits to a file bim made survive a re-run (three-way
//! merged with the new render over the last one), a clash is left intact and fails, `check`
//! tells a hand edit from a stale file, and bim's workflow never collides with another.

use crate::harness::{Run, Test};

/// `bim ARGS` again in the folder of an earlier run.
fn again(run: &Run, args: &[&str]) -> Run {
    let root = run.dir.path().display().to_string();
    let mut all: Vec<&str> = args.to_vec();
    all.push(&root);
    Test::new().args(&all).run()
}

fn write(run: &Run, path: &str, text: &str) {
    std::fs::write(run.dir.path().join(path), text).expect("write");
}

fn edit(run: &Run, path: &str, from: &str, to: &str) {
    let text = run.read(path);
    assert!(text.contains(from), "{path} has no {from:?}:\n{text}");
    write(run, path, &text.replacen(from, to, 1));
}

fn action(run: &Run, path: &str) -> String {
    run.json()["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == path)
        .map(|f| f["action"].as_str().unwrap_or("").to_string())
        .unwrap_or_default()
}

#[test]
fn a_hand_edit_survives_an_answer_change_and_the_rerun_after_is_a_no_op() {
    let run = Test::fixture("node-express-npm").args(&["init", "--yes"]).run().code(0);
    assert!(run.exists(".bim/rendered/Dockerfile"), "bim keeps its last render");
    edit(&run, "Dockerfile", "WORKDIR /app\n", "WORKDIR /app\nENV TZ=Europe/Paris\n");

    let same = again(&run, &["init", "--yes", "--json"]).code(0);
    assert_eq!(action(&same, "Dockerfile"), "unchanged", "no answer changed: the edit stays");
    assert!(run.read("Dockerfile").contains("ENV TZ=Europe/Paris"));

    let changed = again(&run, &["init", "--yes", "--json", "--port", "4100"]).code(0);
    assert_eq!(action(&changed, "Dockerfile"), "merged");
    let dockerfile = run.read("Dockerfile");
    assert!(dockerfile.contains("ENV TZ=Europe/Paris"), "the edit survives:\n{dockerfile}");
    assert!(dockerfile.contains("EXPOSE 4100"), "the new answer lands:\n{dockerfile}");

    let rerun = again(&run, &["init", "--yes", "--json"]).code(0);
    let files = rerun.json()["files"].as_array().expect("files").clone();
    assert!(files.iter().all(|f| f["action"] == "unchanged"), "a second run changes nothing: {files:?}");
}

#[test]
fn a_hand_edit_survives_an_upgrade_of_bims_templates() {
    let run = Test::fixture("python-fastapi-app-main").args(&["init", "--yes"]).run().code(0);
    // The kept render as an older bim's template wrote it: one line differs from today's.
    let today = run.read(".bim/rendered/Dockerfile");
    let older = today.replacen(
        "ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1\n",
        "ENV PIP_DISABLE_PIP_VERSION_CHECK=1\n",
        1,
    );
    assert_ne!(older, today, "the older template differs");
    write(&run, ".bim/rendered/Dockerfile", &older);
    let mine = run.read("Dockerfile").replacen(
        "ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1\n",
        "ENV PIP_DISABLE_PIP_VERSION_CHECK=1\n",
        1,
    );
    write(&run, "Dockerfile", &format!("{mine}LABEL team=payments\n"));

    let upgraded = again(&run, &["init", "--yes", "--json"]).code(0);
    assert_eq!(action(&upgraded, "Dockerfile"), "merged");
    let dockerfile = run.read("Dockerfile");
    assert!(dockerfile.contains("LABEL team=payments"), "{dockerfile}");
    assert!(
        dockerfile.contains("PYTHONDONTWRITEBYTECODE=1\n"),
        "the new template's line lands:\n{dockerfile}"
    );
    assert_eq!(run.read(".bim/rendered/Dockerfile"), today, "the base is now today's render");
}

#[test]
fn a_conflict_is_left_intact_exits_10_with_its_hunks_and_force_takes_bims_version() {
    let run = Test::fixture("node-express-npm").args(&["init", "--yes"]).run().code(0);
    edit(&run, "Dockerfile", "EXPOSE 3000", "EXPOSE 3999");
    let before = run.read("Dockerfile");
    let base = run.read(".bim/rendered/Dockerfile");

    let clash = again(&run, &["init", "--yes", "--json", "--port", "4100"]).code(10);
    assert_eq!(run.read("Dockerfile"), before, "the file is left exactly as it is");
    assert_eq!(run.read(".bim/rendered/Dockerfile"), base, "its base is kept for the next merge");
    let file = clash.json()["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == "Dockerfile")
        .cloned()
        .expect("listed");
    assert_eq!(file["action"], "conflict");
    let hunk = file["hunks"][0].as_str().expect("a hunk");
    assert!(
        hunk.contains("EXPOSE 3999") && hunk.contains("EXPOSE 4100") && hunk.starts_with("<<<<<<<"),
        "{hunk}"
    );

    again(&run, &["init", "--yes", "--port", "4100"]).code(10).stdout_has("conflict");
    again(&run, &["init", "--yes", "--force", "--port", "4100"]).code(0);
    assert!(run.read("Dockerfile").contains("EXPOSE 4100") && !run.read("Dockerfile").contains("3999"));
}

#[test]
fn check_tells_a_hand_edit_from_a_file_out_of_date_with_bim_toml() {
    let run = Test::fixture("go-stdlib").args(&["init", "--yes"]).run().code(0);
    edit(&run, "Dockerfile", "EXPOSE", "LABEL owner=me\nEXPOSE");
    let edited = again(&run, &["check", "--color", "never"]).code(0);
    assert!(edited.stdout.contains("Dockerfile  edited by hand since bim wrote it"), "{}", edited.stdout);

    edit(&run, "bim.toml", "port = 8080", "port = 8181");
    let stale = again(&run, &["check", "--color", "never"]).code(5);
    assert!(stale.stdout.contains("edited by hand, and out of date with bim.toml"), "{}", stale.stdout);
    assert!(stale.stdout.contains("out of date with bim.toml"), "{}", stale.stdout);
}

#[test]
fn a_repository_with_its_own_deploy_yml_gets_bims_workflow_beside_it() {
    let theirs = "name: deploy\non: push\njobs: {}\n";
    let run = Test::fixture("go-stdlib")
        .file(".github/workflows/deploy.yml", theirs)
        .args(&["init", "--yes", "--color", "never"])
        .run()
        .code(0);
    assert_eq!(run.read(".github/workflows/deploy.yml"), theirs, "theirs is left alone");
    assert!(run.read(".github/workflows/backend-im.yml").contains("Generated by bim"));
    assert!(
        run.stdout.contains("tests, builds, pushes and deploys (.github/workflows/backend-im.yml)"),
        "{}",
        run.stdout
    );
    assert!(run.read("README.md").contains("runs `.github/workflows/backend-im.yml`"));
}

#[test]
fn a_deploy_yml_an_older_bim_wrote_is_kept_under_its_name() {
    let run = Test::fixture("go-stdlib").args(&["init", "--yes"]).run().code(0);
    let workflows = run.dir.path().join(".github/workflows");
    std::fs::rename(workflows.join("backend-im.yml"), workflows.join("deploy.yml")).expect("rename");
    let rerun = again(&run, &["init", "--yes", "--json"]).code(0);
    assert!(!run.exists(".github/workflows/backend-im.yml"), "no second deploy workflow");
    assert_eq!(action(&rerun, ".github/workflows/deploy.yml"), "unchanged");
}

#[test]
fn without_a_workflow_the_next_steps_never_say_pushes_deploy() {
    let run = Test::fixture("go-stdlib")
        .args(&["init", "--yes", "--no-workflow", "--color", "never"])
        .run()
        .code(0);
    assert!(!run.stdout.contains("tests, builds, pushes and deploys"), "{}", run.stdout);
    assert!(run.stdout.contains("pushes do not deploy yet"), "{}", run.stdout);
}

#[test]
fn a_conflict_merged_by_hand_is_kept_and_becomes_the_base() {
    let run = Test::fixture("node-express-npm").args(&["init", "--yes"]).run().code(0);
    edit(&run, "Dockerfile", "EXPOSE 3000", "EXPOSE 3999");
    let clash = again(&run, &["init", "--yes", "--color", "never", "--port", "4100"]).code(10);
    assert!(!clash.stdout.contains("git push"), "no push step after a conflict:\n{}", clash.stdout);
    assert!(clash.stdout.contains("run `bim init` again"), "says how to finish:\n{}", clash.stdout);
    // Untouched since the conflict: still a conflict, not a resolution.
    again(&run, &["init", "--yes", "--port", "4100"]).code(10);
    // Markers pasted in and left: still a conflict.
    let resolved = run.read("Dockerfile");
    edit(&run, "Dockerfile", "EXPOSE 3999", "<<<<<<< ours\nEXPOSE 3999\n=======\nEXPOSE 4100\n>>>>>>> bim");
    again(&run, &["init", "--yes", "--port", "4100"]).code(10).stdout_has("conflict markers");
    // The person's merge: both ports. It is kept, becomes the base, and the run after is clean.
    write(&run, "Dockerfile", &resolved.replace("EXPOSE 3999", "EXPOSE 4100 3999"));
    let merged = run.read("Dockerfile");
    again(&run, &["init", "--yes", "--port", "4100"]).code(0);
    assert_eq!(run.read("Dockerfile"), merged, "the merge is kept as the person left it");
    assert!(!run.exists(".bim/pending/Dockerfile"), "the conflict's record is gone");
    assert!(run.read(".bim/rendered/Dockerfile").contains("EXPOSE 4100\n"));
    again(&run, &["check"]).code(0);
    let next = again(&run, &["init", "--yes", "--json", "--port", "4100"]).code(0);
    assert_eq!(action(&next, "Dockerfile"), "unchanged");
}

#[test]
fn a_header_that_only_starts_like_bims_is_not_bims() {
    let theirs = "# Generated by bimodal-tools\nFROM golang:1.22\nCMD [\"app\"]\n";
    let run = Test::fixture("go-stdlib")
        .file("Dockerfile", theirs)
        .file(".github/workflows/backend-im.yml", "# Generated by bim-ish\nname: x\non: push\njobs: {}\n")
        .args(&["init", "--yes", "--json"])
        .run()
        .code(0);
    assert_eq!(run.read("Dockerfile"), theirs, "a look-alike header is a person's file");
    assert_eq!(action(&run, ".github/workflows/backend-im.yml"), "skipped");
}

#[test]
fn lines_added_to_bims_dockerignore_survive_a_rerun() {
    let run = Test::fixture("node-express-npm").args(&["init", "--yes"]).run().code(0);
    let added = format!("{}secrets/\n*.pem\n", run.read(".dockerignore"));
    write(&run, ".dockerignore", &added);
    let rerun = again(&run, &["init", "--yes", "--json", "--port", "4100"]).code(0);
    let text = run.read(".dockerignore");
    assert!(text.contains("secrets/\n*.pem\n"), "{text}");
    assert_ne!(action(&rerun, ".dockerignore"), "updated", "nothing else changed there");
    // Without bim's copy, every line stays and only missing entries are added.
    std::fs::remove_dir_all(run.dir.path().join(".bim")).expect("rm .bim");
    again(&run, &["init", "--yes", "--force"]).code(0);
    assert!(run.read(".dockerignore").contains("secrets/\n*.pem\n"));
}

#[test]
fn without_bims_copies_an_edited_file_is_kept_and_named() {
    let run = Test::fixture("go-stdlib").args(&["init", "--yes"]).run().code(0);
    edit(&run, "Dockerfile", "EXPOSE", "LABEL owner=me\nEXPOSE");
    std::fs::remove_dir_all(run.dir.path().join(".bim")).expect("rm .bim");
    let rerun = again(&run, &["init", "--yes", "--json", "--port", "9191"]).code(0);
    assert_eq!(action(&rerun, "Dockerfile"), "skipped");
    assert!(run.read("Dockerfile").contains("LABEL owner=me"), "the edit is not lost");
}

#[test]
fn a_bim_toml_that_git_ignores_is_read_and_not_overwritten() {
    let run = Test::fixture("go-stdlib").args(&["init", "--yes", "--port", "8181"]).run().code(0);
    write(&run, ".gitignore", "bim.toml\n");
    let answers = run.read("bim.toml");
    assert!(answers.contains("port = 8181"), "{answers}");
    let rerun = again(&run, &["init", "--yes", "--color", "never"]).code(0);
    assert!(rerun.stdout.contains("bim.toml is ignored by git"), "{}", rerun.stdout);
    assert_eq!(run.read("bim.toml"), answers, "the answers are the ones there, kept");
    assert!(run.read("Dockerfile").contains("8181"));
}

#[test]
fn a_repositorys_own_dependabot_yml_gains_only_bims_github_actions_entry() {
    // Their entries satisfy zizmor themselves, so what it says of the result is about bim's.
    let theirs = "# Dependency updates: JS daily, Python weekly.\nversion: 2\nupdates:\n  - package-ecosystem: \"npm\" # the app\n    directory: \"/\"\n    schedule:\n      interval: \"daily\"\n    cooldown:\n      default-days: 7\n\n  - package-ecosystem: pip\n    directory: /tools\n    schedule:\n      interval: weekly\n    cooldown:\n      default-days: 7\n";
    let run = Test::fixture("node-express-npm")
        .file(".github/dependabot.yml", theirs)
        .args(&["init", "--yes", "--json"])
        .run()
        .code(0);
    assert_eq!(action(&run, ".github/dependabot.yml"), "updated");
    let merged = run.read(".github/dependabot.yml");
    assert!(merged.starts_with(theirs), "everything of theirs is kept, byte for byte:\n{merged}");
    let added = &merged[theirs.len()..];
    assert!(added.contains("- package-ecosystem: github-actions\n    directory: /\n"), "{added}");
    assert!(added.contains("cooldown:\n      default-days: 7\n"), "{added}");
    assert!(
        !run.exists(".bim/rendered/.github/dependabot.yml"),
        "no base of bim's for a file that is theirs"
    );
    let findings = crate::tools::lint_workflow(&run.dir.path().join(".github/workflows/backend-im.yml"));
    assert!(findings.is_empty(), "{findings}");
    let again = again(&run, &["init", "--yes", "--json"]).code(0);
    assert_eq!(action(&again, ".github/dependabot.yml"), "unchanged", "the entry is known as bim's");
    assert_eq!(run.read(".github/dependabot.yml"), merged, "a second run changes nothing");
    again_check(&run);
}

fn again_check(run: &Run) {
    let root = run.dir.path().display().to_string();
    Test::new().args(&["check", &root]).run().code(0);
}

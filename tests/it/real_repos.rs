//! The regression net's committed outcomes: one file per repository of the real-repository
//! corpus (tests/real-repos.toml), written by `scripts/real-repos --accept`. CI cannot fetch
//! the repositories, so the check against their trees runs in that script; here every
//! outcome file must parse, name a repository of the corpus at its pinned commit, and say
//! what detect and init did, and every repository of the corpus must have one.

use std::collections::BTreeMap;
use std::path::Path;

fn corpus() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real-repos.toml");
    let text = std::fs::read_to_string(&path).expect("read the corpus");
    let table: toml::Table = toml::from_str(&text).expect("the corpus parses");
    let repos = table["repo"].as_array().expect("[[repo]] entries");
    repos
        .iter()
        .map(|r| {
            let name = r["name"].as_str().expect("name").to_string();
            let commit = r["commit"].as_str().expect("commit").to_string();
            assert!(commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit()), "{name}: {commit}");
            (name, commit)
        })
        .collect()
}

#[test]
fn every_committed_outcome_parses_and_names_a_corpus_repository_at_its_commit() {
    let corpus = corpus();
    assert!(corpus.len() >= 100, "the corpus lists {} repositories", corpus.len());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real-repos");
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/real-repos") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let outcome: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let repo = outcome["repo"].as_str().unwrap_or_else(|| panic!("{}: no repo", path.display()));
        let file = path.file_stem().and_then(|s| s.to_str()).expect("name");
        assert_eq!(file, repo.replace('/', "+"), "the file is named for its repository");
        let commit = corpus.get(repo).unwrap_or_else(|| panic!("{repo} is not in tests/real-repos.toml"));
        assert_eq!(outcome["commit"].as_str(), Some(commit.as_str()), "{repo}: outcome of another commit");
        assert!(outcome["detect"].is_object(), "{repo}: no detect outcome");
        let result = outcome["init"]["result"].as_str().unwrap_or_default();
        assert!(["set up", "refused", "failed"].contains(&result), "{repo}: init result {result:?}");
        if result == "set up" {
            assert!(
                outcome["init"]["services"].as_array().is_some_and(|s| !s.is_empty()),
                "{repo}: no services"
            );
        } else {
            assert!(outcome["init"]["reason"].as_str().is_some_and(|r| !r.is_empty()), "{repo}: no reason");
        }
        seen.push(repo.to_string());
    }
    let missing: Vec<&String> = corpus.keys().filter(|name| !seen.contains(name)).collect();
    assert!(missing.is_empty(), "no committed outcome for {missing:?}: run scripts/real-repos --accept");
}

//! The diagnosis table against real failure logs: each file in tests/diagnosis is the log
//! of a build or start that failed here (a stand-in image without a compiler, a workspace
//! package left unbuilt, a setting unset...), named for the cause it must be given. Two
//! (an engine check, a settings validator at build) are those tools' messages as they print
//! them, where no stand-in here fails that way.

use std::path::Path;

use crate::harness::Test;

#[test]
fn every_signature_names_the_cause_of_its_real_failure_log() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnosis");
    let ids = bim::diagnosis::ids();
    assert!(ids.len() >= 10, "the table has {} rows", ids.len());
    for id in ids {
        let path = dir.join(format!("{id}.log"));
        assert!(path.exists(), "no failure log for the row {id}: add {}", path.display());
        let run = Test::new().args(&["doctor", "--json", &path.display().to_string()]).run().code(0);
        let found = &run.json()["diagnosis"];
        assert_eq!(found["id"], id, "{id}: {found}");
        for key in ["cause", "fix", "evidence"] {
            assert!(found[key].as_str().is_some_and(|v| !v.is_empty()), "{id}: no {key}");
        }
    }
}

#[test]
fn a_log_with_no_known_cause_says_so() {
    let run =
        Test::new().args(&["doctor"]).stdin("Step 3/9 : RUN make\nsomething odd happened\n").run().code(0);
    assert!(run.stdout.contains("no known cause"), "{}", run.stdout);
    let run = Test::new().args(&["doctor", "--json"]).stdin("nothing to see\n").run().code(0);
    assert!(run.json()["diagnosis"].is_null());
}

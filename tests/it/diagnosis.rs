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

/// Warnings are never the cause: debconf's unset TERM, npm's engine notices and Node's
/// deprecations come before the real failure in many logs, and are left out.
#[test]
fn warnings_in_a_log_are_never_its_cause() {
    let log = "debconf: (TERM is not set, so the dialog frontend is not usable.)\n\
               npm warn EBADENGINE Unsupported engine {\n\
               npm warn EBADENGINE   required: { node: '>= 20' },\n\
               (node:142) [DEP0060] DeprecationWarning: The `util._extend` API is deprecated.\n\
               npm error network request to https://codeload.github.com/a/b/tar.gz/1 failed, reason: getaddrinfo ENOTFOUND codeload.github.com\n";
    let run = Test::new().args(&["doctor", "--json"]).stdin(log).run().code(0);
    assert_eq!(run.json()["diagnosis"]["id"], "unreachable-host", "{}", run.stdout);
}

/// The same causes, as other tools spell them at start: a Joi schema's quoted name, a zod
/// schema's report, a MongoDB driver with no host.
#[test]
fn start_failures_are_named_however_the_tool_spells_them() {
    let cases = [
        ("Error: Config validation error: \"MONGODB_URL\" is required\n", "missing-setting", "MONGODB_URL"),
        (
            "❌ Invalid env:\n{\n  \"LOG_LEVEL\": [\n    \"Invalid option: expected one of \\\"fatal\\\"|\\\"error\\\"|\\\"warn\\\"|\\\"info\\\"|\\\"debug\\\"\"\n  ],\n  \"DATABASE_URL\": [\n    \"Invalid input: expected string, received undefined\"\n  ]\n}\n",
            "missing-setting",
            "DATABASE_URL",
        ),
        ("MongoParseError: No hostname or hostnames provided in connection string\n", "needs-database", ""),
    ];
    for (log, id, name) in cases {
        let run = Test::new().args(&["doctor", "--json"]).stdin(log).run().code(0);
        let found = &run.json()["diagnosis"];
        assert_eq!(found["id"], id, "{log}: {found}");
        assert!(found["cause"].as_str().unwrap_or("").contains(name), "{log}: {found}");
    }
}

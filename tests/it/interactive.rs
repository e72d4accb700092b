//! The interactive `bim init`, driven through a real pseudo-terminal with expectrl. Other
//! commands' prompts use `Terminal` from here too.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::{Eof, Expect, Session};

use crate::harness::Test;

const DOWN: &str = "\x1b[B";
const ENTER: &str = "\r";

pub(crate) struct Terminal {
    session: expectrl::session::OsSession,
}

impl Terminal {
    fn start(root: &Path, extra: &[&str]) -> Terminal {
        let mut command = Command::new(env!("CARGO_BIN_EXE_bim"));
        command.arg("init").args(extra).current_dir(root);
        Terminal::spawn(command)
    }

    /// Any bim command, in a pseudo-terminal.
    pub(crate) fn spawn(mut command: Command) -> Terminal {
        command.env("TERM", "xterm").env("NO_COLOR", "1");
        let mut session = Session::spawn(command).expect("spawn in a pty");
        session.set_expect_timeout(Some(Duration::from_secs(20)));
        Terminal { session }
    }

    /// Waits for `prompt`, then types `keys`.
    pub(crate) fn answer(&mut self, prompt: &str, keys: &str) -> String {
        let seen = self.session.expect(prompt).unwrap_or_else(|e| panic!("no prompt {prompt:?}: {e}"));
        std::thread::sleep(Duration::from_millis(100));
        self.session.send(keys).expect("send");
        String::from_utf8_lossy(seen.before()).into_owned()
    }

    /// Reads to the end and returns the exit code.
    pub(crate) fn finish(mut self) -> (i32, String) {
        // At end of file everything still unread is the match itself.
        let rest = match self.session.expect(Eof) {
            Ok(c) => String::from_utf8_lossy(c.as_bytes()).into_owned(),
            Err(e) => {
                // Still running: it is waiting for input the test did not expect to give.
                let _ = self.session.get_process_mut().exit(true);
                panic!("bim did not finish: {e}");
            }
        };
        let code = match self.session.get_process().wait().expect("wait") {
            WaitStatus::Exited(_, code) => code,
            other => panic!("bim did not exit normally: {other:?}"),
        };
        (code, rest)
    }
}

/// The questions for one service, in the order bim asks them.
const QUESTIONS: &[&str] = &[
    "Port the app listens on",
    "Start command",
    "Backend.im app name",
    "Where should images be pushed?",
    "Image name",
    "Deploy pushes to branch",
    "Write these files?",
];

/// Answers the questions from `first` on: each with Enter (its default) unless `answers`
/// gives keys for it. Returns what was shown before the last one.
fn walk(terminal: &mut Terminal, first: &str, answers: &[(&str, &str)]) -> String {
    let from = QUESTIONS.iter().position(|q| *q == first).expect("a known question");
    let mut shown = String::new();
    for question in &QUESTIONS[from..] {
        let keys = answers.iter().find(|(q, _)| q == question).map_or(ENTER, |(_, k)| *k);
        shown = terminal.answer(question, keys);
    }
    shown
}

#[test]
fn accepting_every_default_writes_the_detected_answers() {
    let test = Test::fixture("go-stdlib");
    let mut terminal = Terminal::start(test.path(), &[]);
    let shown = terminal.answer("Port the app listens on", ENTER);
    assert!(shown.contains("hello (.) go"), "shows what was detected first:\n{shown}");
    walk(&mut terminal, "Start command", &[]);
    let (code, rest) = terminal.finish();
    assert_eq!(code, 0, "{rest}");
    assert!(rest.contains("Next steps") && rest.contains("gh secret set BACKEND_IM_API_TOKEN"), "{rest}");
    let dockerfile = std::fs::read_to_string(test.path().join("Dockerfile")).expect("Dockerfile");
    assert!(dockerfile.contains("EXPOSE 8080"));
    assert!(std::fs::read_to_string(test.path().join("bim.toml")).expect("toml").contains("app = \"hello\""));
}

#[test]
fn changing_the_port_and_choosing_docker_hub() {
    let test = Test::fixture("go-stdlib");
    let mut terminal = Terminal::start(test.path(), &[]);
    let docker_hub = format!("{DOWN}{ENTER}");
    let plan = walk(
        &mut terminal,
        "Port the app listens on",
        &[("Port the app listens on", "9090\r"), ("Where should images be pushed?", &docker_hub)],
    );
    assert!(plan.contains("The plan") && plan.contains("Dockerfile"), "shows the plan:\n{plan}");
    let (code, rest) = terminal.finish();
    assert_eq!(code, 0, "{rest}");
    assert!(rest.contains("DOCKERHUB_TOKEN"), "next steps name the Docker Hub secret:\n{rest}");
    assert!(
        std::fs::read_to_string(test.path().join("Dockerfile")).expect("Dockerfile").contains("EXPOSE 9090")
    );
    let workflow =
        std::fs::read_to_string(test.path().join(".github/workflows/backend-im.yml")).expect("workflow");
    assert!(workflow.contains("secrets.DOCKERHUB_TOKEN"));
}

#[test]
fn answering_no_at_the_end_writes_nothing() {
    let test = Test::fixture("go-stdlib");
    let mut terminal = Terminal::start(test.path(), &[]);
    walk(&mut terminal, "Port the app listens on", &[("Write these files?", "n")]);
    let (code, rest) = terminal.finish();
    assert_eq!(code, 0);
    assert!(rest.contains("Nothing was written"), "{rest}");
    assert!(!test.path().join("Dockerfile").exists() && !test.path().join("bim.toml").exists());
}

#[test]
fn ctrl_c_midway_writes_nothing_and_exits_130() {
    let test = Test::fixture("go-stdlib");
    let mut terminal = Terminal::start(test.path(), &[]);
    terminal.answer("Port the app listens on", ENTER);
    terminal.answer("Start command", ENTER);
    terminal.answer("Backend.im app name", ENTER);
    // A menu hides the cursor while it is open; the interrupt must show it again.
    terminal.answer("Where should images be pushed?", "\x03");
    let (code, rest) = terminal.finish();
    assert_eq!(code, 130, "{rest}");
    assert!(rest.contains("nothing was written"), "{rest}");
    let shown = rest.rfind("\x1b[?25h");
    let hidden = rest.rfind("\x1b[?25l");
    assert!(shown > hidden, "the cursor is shown again after the menu hid it: {rest:?}");
    assert!(!test.path().join("Dockerfile").exists() && !test.path().join("bim.toml").exists());
}

#[test]
fn choosing_one_service_of_a_monorepo() {
    let test = Test::fixture("monorepo-turbo-workspaces");
    let mut terminal = Terminal::start(test.path(), &[]);
    // apps/api is first; move to apps/web and untick it.
    terminal.answer("Which services should deploy?", &format!("{DOWN} {ENTER}"));
    walk(&mut terminal, "Port the app listens on", &[]);
    let (code, rest) = terminal.finish();
    assert_eq!(code, 0, "{rest}");
    assert!(test.path().join("apps/api/Dockerfile").exists());
    assert!(!test.path().join("apps/web/Dockerfile").exists());
}

#[test]
fn a_flag_skips_its_prompt_and_is_still_validated() {
    let test = Test::fixture("go-stdlib");
    let mut terminal = Terminal::start(test.path(), &["--port", "7000"]);
    let before = terminal.answer("Start command", ENTER);
    assert!(!before.contains("Port the app listens on"), "the port was given: no prompt\n{before}");
    walk(&mut terminal, "Backend.im app name", &[]);
    let (code, _) = terminal.finish();
    assert_eq!(code, 0);
    assert!(
        std::fs::read_to_string(test.path().join("Dockerfile")).expect("Dockerfile").contains("EXPOSE 7000")
    );

    let bad = Test::fixture("go-stdlib");
    let terminal = Terminal::start(bad.path(), &["--app", "Not Valid"]);
    let (code, rest) = terminal.finish();
    assert_eq!(code, 2, "{rest}");
    assert!(rest.contains("app name"), "{rest}");
}

#[test]
fn an_invalid_answer_is_asked_again() {
    let test = Test::fixture("go-stdlib");
    let mut terminal = Terminal::start(test.path(), &[]);
    terminal.answer("Port the app listens on", "http\r");
    terminal.answer("is not a port", "8081\r");
    walk(&mut terminal, "Start command", &[]);
    let (code, _) = terminal.finish();
    assert_eq!(code, 0);
    assert!(
        std::fs::read_to_string(test.path().join("Dockerfile")).expect("Dockerfile").contains("EXPOSE 8081")
    );
}

#[test]
fn a_gitlab_origin_is_offered_gitlab_ci_first_and_its_registry() {
    let test = Test::fixture("go-stdlib")
        .file(".git/config", "[remote \"origin\"]\n\turl = https://gitlab.com/acme/shop.git\n");
    let mut terminal = Terminal::start(test.path(), &[]);
    terminal.answer("Which CI should test, build and deploy?", ENTER);
    let shown = terminal.answer("Port the app listens on", ENTER);
    assert!(shown.contains("GitLab CI/CD"), "offers GitLab CI/CD:\n{shown}");
    walk(&mut terminal, "Start command", &[]);
    let (code, rest) = terminal.finish();
    assert_eq!(code, 0, "{rest}");
    assert!(rest.contains("glab variable set BACKEND_IM_API_TOKEN"), "{rest}");
    assert!(test.path().join(".gitlab-ci.yml").is_file() && !test.path().join(".github").exists());
    let toml = std::fs::read_to_string(test.path().join("bim.toml")).expect("toml");
    assert!(toml.contains("ci = \"gitlab\"") && toml.contains("registry = \"gitlab\""), "{toml}");
}

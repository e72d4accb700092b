//! The workflow's opt-in steps (`--scan`, `--attest`): every combination passes actionlint
//! (with shellcheck), zizmor and the pin check; the deploy waits for the scan; the new
//! `run:` script is executed as GitHub would run it.

use crate::harness::Test;
use crate::tools;

const WORKFLOW: &str = ".github/workflows/backend-im.yml";

#[test]
fn every_pipeline_variant_passes_the_linters() {
    let variants: &[(&str, &[&str])] = &[
        ("go-stdlib", &[]),
        ("go-stdlib", &["--scan"]),
        ("go-stdlib", &["--attest"]),
        ("go-stdlib", &["--scan", "--attest", "--registry", "dockerhub"]),
        ("go-stdlib", &["--scan-fail-on", "high", "--scan-only-fixed", "--registry", "registry.example.com"]),
        ("monorepo-turbo-workspaces", &["--scan", "--attest"]),
        ("go-stdlib", &["--platforms", "linux/amd64,linux/arm64"]),
        (
            "go-stdlib",
            &["--platforms", "linux/amd64,linux/arm64", "--scan", "--attest", "--registry", "dockerhub"],
        ),
        ("monorepo-turbo-workspaces", &["--platforms", "linux/arm64,linux/amd64", "--scan"]),
    ];
    let mut findings = Vec::new();
    for (fixture, flags) in variants {
        let mut args = vec!["init", "--yes"];
        args.extend_from_slice(flags);
        let run = Test::fixture(fixture).args(&args).run().code(0);
        let found = tools::lint_workflow(&run.dir.path().join(WORKFLOW));
        if !found.is_empty() {
            findings.push(format!("{fixture} {flags:?}:\n{found}"));
        }
    }
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

#[test]
fn the_scan_gates_every_deploy_and_its_settings_reach_the_scan_step() {
    let run = Test::fixture("monorepo-turbo-workspaces")
        .args(&["init", "--yes", "--scan-fail-on", "high", "--scan-only-fixed"])
        .run()
        .code(0);
    let workflow = run.read(WORKFLOW);
    let deploys: Vec<&str> =
        workflow.lines().filter(|l| l.trim_start().starts_with("needs: [test-")).collect();
    assert!(deploys.len() >= 2, "{workflow}");
    for needs in deploys {
        let id = needs.split("test-").nth(1).and_then(|r| r.split(',').next()).expect("id");
        assert!(needs.contains(&format!("scan-{id}")), "the deploy of {id} must wait for its scan: {needs}");
    }
    assert!(workflow.contains("severity-cutoff: high"));
    assert!(workflow.contains("only-fixed: true"));
    assert!(workflow.contains("if: always() && hashFiles('scan.sarif') != ''"));
    let toml = run.read("bim.toml");
    assert!(
        toml.contains("[pipeline]\nscan = true\nscan_fail_on = \"high\"\nscan_only_fixed = true"),
        "{toml}"
    );
    // bim.toml keeps the choice: a plain re-run writes the same workflow.
    Test::new().args(&["init", "--yes", &run.dir.path().display().to_string()]).run().code(0);
    assert_eq!(run.read(WORKFLOW), workflow);
    // Without the flags there is no scan job at all.
    let plain = Test::fixture("go-stdlib").args(&["init", "--yes"]).run().code(0);
    assert!(!plain.read(WORKFLOW).contains("scan-"), "the scan is opt-in");
    assert!(!plain.read("bim.toml").contains("[pipeline]"));
}

#[test]
fn attest_records_provenance_without_the_builders_own() {
    let run = Test::fixture("go-stdlib").args(&["init", "--yes", "--attest"]).run().code(0);
    let workflow = run.read(WORKFLOW);
    for needed in [
        "provenance: false",
        "id-token: write # ",
        "attestations: write # ",
        "subject-digest: ${{ steps.build.outputs.digest }}",
        "push-to-registry: true",
    ] {
        assert!(workflow.contains(needed), "{needed} missing:\n{workflow}");
    }
    assert!(
        run.stdout.contains("public repositor"),
        "init says attestations need a public repository:\n{}",
        run.stdout
    );
}

/// The `run:` script of the first step named `step`, as GitHub would run it.
fn step_script(workflow: &str, step: &str) -> String {
    let start = workflow.find(&format!("name: {step}")).expect("the step");
    crate::deploy::script_block(&workflow[start..], "        run: |\n")
}

fn run_image_ref(script: &str, image: &str, digest: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("dir");
    let (code, stdout, out) = run_script(script, dir.path(), &[("IMAGE", image), ("DIGEST", digest)]);
    (code, stdout, out)
}

/// Runs a step's script in `dir` with `env`, as a runner would: `GITHUB_OUTPUT` and
/// `RUNNER_TEMP` set, `PATH` first searching `dir/bin`. Returns the exit code, what it
/// printed, and what it wrote to `GITHUB_OUTPUT`.
fn run_script(script: &str, dir: &std::path::Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let output = dir.join("github_output");
    std::fs::write(&output, "").expect("output");
    let path = format!("{}:{}", dir.join("bin").display(), std::env::var("PATH").unwrap_or_default());
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("GITHUB_OUTPUT", &output)
        .env("RUNNER_TEMP", dir.join("runner-temp"))
        .envs(env.iter().copied())
        .output()
        .expect("bash");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(&output).unwrap_or_default(),
    )
}

#[test]
fn platforms_build_on_native_runners_and_the_manifest_job_joins_them() {
    let run = Test::fixture("go-stdlib")
        .args(&["init", "--yes", "--platforms", "linux/amd64,linux/arm64"])
        .run()
        .code(0);
    let workflow = run.read(WORKFLOW);
    for needed in [
        "runner: ubuntu-24.04\n",
        "runner: ubuntu-24.04-arm\n",
        "platforms: ${{ matrix.platform }}",
        "push-by-digest=true",
        "needs: [image-hello]",
        "needs: [test-hello, image-hello, manifest-hello, smoke-hello]",
        "DIGEST: ${{ needs.manifest-hello.outputs.digest }}",
    ] {
        assert!(workflow.contains(needed), "{needed:?} missing:\n{workflow}");
    }
    assert!(!workflow.contains("qemu"), "never emulated");
    assert!(run.read("bim.toml").contains("platforms = [\"linux/amd64\", \"linux/arm64\"]"));

    // The image job names the image, then keeps its platform's digest as a file.
    let dir = tempfile::tempdir().expect("dir");
    let (code, _, out) = run_script(
        &step_script(&workflow, "Name the image"),
        dir.path(),
        &[("TAG", "ghcr.io/acme/shop:sha-0123")],
    );
    assert_eq!((code, out.as_str()), (0, "name=ghcr.io/acme/shop\n"));
    let keep = step_script(&workflow, "Keep the digest for the manifest job");
    let (amd, arm) = (format!("sha256:{}", "a1".repeat(32)), format!("sha256:{}", "b2".repeat(32)));
    for digest in [&amd, &arm] {
        let (code, printed, _) = run_script(&keep, dir.path(), &[("DIGEST", digest)]);
        assert_eq!(code, 0, "{printed}");
    }
    let (code, printed, _) = run_script(&keep, dir.path(), &[("DIGEST", "")]);
    assert_eq!(code, 1, "{printed}");

    // The manifest job joins the digests under every tag, and outputs the joined digest.
    let digests = dir.path().join("runner-temp/digests");
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let docker = bin.join("docker");
    std::fs::write(
        &docker,
        format!(
            "#!/usr/bin/env bash\necho \"$@\" >> {}/docker-calls\nif [ \"$3\" = inspect ]; then echo '{{\"digest\":\"sha256:{}\"}}'; fi\n",
            dir.path().display(),
            "cc".repeat(32)
        ),
    )
    .expect("fake docker");
    std::fs::set_permissions(&docker, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let join = step_script(&workflow, "Join the platforms into one image");
    let (code, printed, out) = run_script(
        &format!("cd {} && {join}", digests.display()),
        dir.path(),
        &[("NAME", "ghcr.io/acme/shop"), ("TAGS", "ghcr.io/acme/shop:sha-0123\nghcr.io/acme/shop:main\n")],
    );
    assert_eq!(code, 0, "{printed}");
    assert_eq!(out, format!("digest=sha256:{}\n", "cc".repeat(32)));
    let calls = std::fs::read_to_string(dir.path().join("docker-calls")).expect("docker was called");
    let create = calls.lines().next().expect("create");
    assert!(
        create.starts_with(
            "buildx imagetools create --tag ghcr.io/acme/shop:sha-0123 --tag ghcr.io/acme/shop:main "
        ),
        "{create}"
    );
    assert!(
        create.contains(&format!("ghcr.io/acme/shop@{amd}"))
            && create.contains(&format!("ghcr.io/acme/shop@{arm}")),
        "{create}"
    );
    // Unknown platforms are refused with the flag to pass.
    let bad = Test::fixture("go-stdlib").args(&["init", "--yes", "--platforms", "linux/s390x"]).run().code(2);
    assert!(bad.stderr.contains("--platforms linux/amd64,linux/arm64"), "{}", bad.stderr);
}

#[test]
fn the_image_ref_step_names_the_image_by_digest() {
    let run = Test::fixture("go-stdlib").args(&["init", "--yes", "--scan"]).run().code(0);
    let script = step_script(&run.read(WORKFLOW), "Name the image by digest");
    let digest = format!("sha256:{}", "ab".repeat(32));
    let (code, _, out) = run_image_ref(&script, "ghcr.io/acme/shop:sha-0123abc", &digest);
    assert_eq!(code, 0);
    assert_eq!(out, format!("name=ghcr.io/acme/shop\nref=ghcr.io/acme/shop@{digest}\n"));
    let (code, _, out) = run_image_ref(&script, "registry.example.com:5000/acme/shop:main", &digest);
    assert_eq!(code, 0);
    assert!(out.contains(&format!("ref=registry.example.com:5000/acme/shop@{digest}")), "{out}");
    let (code, stdout, out) = run_image_ref(&script, "ghcr.io/acme/shop:main", "");
    assert_eq!(code, 1, "no digest is an error");
    assert!(stdout.contains("::error::the image job gave no digest"), "{stdout}");
    assert!(out.is_empty());
}

/// A fake `docker` and `curl` in `dir/bin`: docker logs its calls and says the container is
/// running while `running` holds; curl answers `status`.
fn fake_engine(dir: &std::path::Path, status: &str, running: bool) {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let docker = format!(
        "#!/usr/bin/env bash\necho \"$@\" >> {}/docker-calls\ncase \"$1\" in\n  inspect) echo {running} ;;\n  logs) echo 'Error: DATABASE_URL must be set' ;;\nesac\n",
        dir.display()
    );
    let curl = format!("#!/usr/bin/env bash\nprintf '%s' {status}\n");
    for (name, text) in [("docker", docker), ("curl", curl)] {
        std::fs::write(bin.join(name), text).expect("fake");
        std::fs::set_permissions(bin.join(name), std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
    }
}

#[test]
fn the_smoke_test_runs_the_image_by_digest_with_placeholders_and_gates_the_deploy() {
    let run = Test::fixture("nextjs-envalid-no-switch").args(&["init", "--yes"]).run().code(0);
    let workflow = run.read(WORKFLOW);
    assert!(
        workflow.contains("needs: [test-envalid-app, image-envalid-app, smoke-envalid-app]"),
        "{workflow}"
    );
    let script = step_script(&workflow, "Run it and wait for an answer");
    let env = [
        ("REF", "ghcr.io/acme/shop@sha256:00"),
        ("PORT", "3000"),
        ("HEALTH_PATH", "/"),
        ("ATTEMPTS", "2"),
        ("SETTINGS", "DATABASE_URL=http://placeholder.invalid\nSESSION_SECRET=placeholder"),
    ];

    let dir = tempfile::tempdir().expect("dir");
    fake_engine(dir.path(), "200", true);
    let (code, printed, _) = run_script(&script, dir.path(), &env);
    assert_eq!(code, 0, "{printed}");
    let calls = std::fs::read_to_string(dir.path().join("docker-calls")).expect("docker ran");
    assert!(
        calls.starts_with("run --detach --name app --network host --env PORT=3000 --env DATABASE_URL=http://placeholder.invalid --env SESSION_SECRET=placeholder ghcr.io/acme/shop@sha256:00"),
        "{calls}"
    );

    // An image that stops: the step fails with its logs.
    let dir = tempfile::tempdir().expect("dir");
    fake_engine(dir.path(), "000", false);
    let (code, printed, _) = run_script(&script, dir.path(), &env);
    assert_eq!(code, 1, "{printed}");
    assert!(
        printed.contains("the image stopped before it answered")
            && printed.contains("DATABASE_URL must be set"),
        "{printed}"
    );

    // One that never answers: the step fails once its attempts are spent.
    let dir = tempfile::tempdir().expect("dir");
    fake_engine(dir.path(), "000", true);
    let (code, printed, _) = run_script(&script, dir.path(), &env);
    assert_eq!(code, 1, "{printed}");
    assert!(printed.contains("did not answer on port 3000"), "{printed}");

    // Off in bim.toml: no smoke job.
    let root = run.dir.path();
    let toml = std::fs::read_to_string(root.join("bim.toml")).expect("bim.toml");
    std::fs::write(
        root.join("bim.toml"),
        toml.replacen("[files]", "[pipeline]\nsmoke_test = false\n\n[files]", 1),
    )
    .expect("write");
    let (code, out, err) = run.again(&["init", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!run.read(WORKFLOW).contains("smoke-"), "turned off");
}

/// An app that talks to a database, a cache and a broker: the smoke job runs each beside
/// the image as a service container, as compose.yaml runs it (image, settings, health check),
/// and the image's settings point at them on the runner.
#[test]
fn the_smoke_test_runs_the_backing_services_beside_the_image() {
    let run = Test::fixture("node-mongo-mysql-rabbitmq").args(&["init", "--yes"]).run().code(0);
    let workflow = run.read(WORKFLOW);
    let found = tools::lint_workflow(&run.dir.path().join(WORKFLOW));
    assert!(found.is_empty(), "{found}");
    let answers = run.read("bim.toml");
    let compose = run.read("compose.yaml");
    let smoke = &workflow[workflow.find("  smoke-").expect("a smoke job")..];
    let smoke = &smoke[..smoke.find("\n  deploy-").expect("the deploy job after it")];
    let kinds = ["mongodb", "mysql", "rabbitmq"];
    let mut seen = 0;
    for kind in kinds {
        assert!(answers.contains(&format!("\"{kind}\"")), "{kind} is a backing service:\n{answers}");
        let image = compose
            .lines()
            .skip_while(|l| l.trim_end() != format!("  {kind}:"))
            .find_map(|l| l.trim().strip_prefix("image: "))
            .expect("compose.yaml's image");
        assert!(smoke.contains(&format!("      {kind}:\n")), "{kind}: {smoke}");
        assert!(smoke.contains(&format!("image: \"{image}\"")), "{kind} runs compose.yaml's {image}");
        seen += 1;
    }
    assert_eq!(seen, kinds.len());
    assert_eq!(smoke.matches("--health-cmd").count(), 3, "each waits on its health check:\n{smoke}");
    let settings = smoke.lines().find(|l| l.trim_start().starts_with("SETTINGS:")).expect("settings");
    assert!(settings.contains("@127.0.0.1:27017/") && settings.contains("@127.0.0.1:3306/"), "{settings}");
    assert!(!smoke.contains(":?set"), "no compose.yaml variable reaches the job: {smoke}");
}

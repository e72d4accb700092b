//! `bim run`: build the image bim wrote with the container engine at hand (docker, else
//! podman), run it with the variables the app reads, their values from `.env`, and wait
//! until it answers on its port. `--check` stops there: it is how a person, an agent or CI
//! proves the image before pushing. Without it, the logs stream until Ctrl-C, which stops
//! and removes the container. A second run reuses the engine's layer cache.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::{Config, ServiceConfig};
use crate::error::Error;

pub struct RunOptions {
    pub path: PathBuf,
    /// The service to run, by path or app name, where bim.toml has several.
    pub service: Option<String>,
    /// `docker` or `podman`; by default whichever is installed, docker first.
    pub engine: Option<String>,
    pub check: bool,
    /// How long to wait for the app to answer.
    pub timeout: Duration,
}

/// What a run proved.
#[derive(Debug, Serialize)]
pub struct RunReport {
    pub app: String,
    pub engine: String,
    pub image: String,
    pub url: String,
    /// The HTTP status the app first answered with.
    pub status: u16,
    pub build_seconds: f64,
    pub start_seconds: f64,
    /// The variables passed from `.env`, by name (never a value).
    pub env_passed: Vec<String>,
    /// Variables the app reads that `.env` does not set.
    pub env_missing: Vec<String>,
}

/// How many log lines a crash or a silent app shows.
const LOG_LINES: usize = 20;

pub fn run(options: &RunOptions, progress: &mut dyn FnMut(&str)) -> Result<RunReport, Error> {
    let root = &options.path;
    let config = Config::load(root)?;
    let service = config.service(options.service.as_deref())?;
    let engine = engine(options.engine.as_deref())?;
    let dockerfile =
        service.dockerfile.clone().unwrap_or_else(|| crate::plan::repo_join(&service.path, "Dockerfile"));
    let context = crate::plan::build_context(service).to_string();
    if !root.join(&dockerfile).is_file() {
        return Err(Error::Usage {
            message: format!("{dockerfile} does not exist"),
            flag: Some("`bim init` first, to write it".into()),
        });
    }
    let image = format!("localhost/bim-run-{}:latest", service.app);

    progress(&format!("building {image} with {engine} from {dockerfile}"));
    let secrets = build_secrets(root, service)?;
    let started = Instant::now();
    let mut build = Command::new(&engine);
    build.current_dir(root).args(["build", "-t", &image, "-f", &dockerfile]);
    for name in secrets.keys() {
        // The value goes by the engine's environment, never an argument.
        build.arg("--secret").arg(format!("id={name},env={name}"));
    }
    let out = build.arg(&context).envs(&secrets).output().map_err(|e| Error::io(Path::new(&engine), e))?;
    let build_seconds = started.elapsed().as_secs_f64();
    if !out.status.success() {
        let log = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        return Err(Error::RunFailed {
            stage: "build",
            message: format!("{engine} build failed"),
            log: tail(&log),
        });
    }
    progress(&format!("built in {build_seconds:.1} s"));

    let (env_passed, env_missing, values) = environment(root, service)?;
    let name = format!("bim-run-{}-{}", service.app, std::process::id());
    let port = service.port.to_string();
    let mut command = Command::new(&engine);
    command.current_dir(root).args(["run", "-d", "--name", &name, "-p", &format!("{port}:{port}")]);
    for name in &env_passed {
        command.args(["-e", name]); // the value comes from bim's own environment, never an argument
    }
    command.arg(&image).envs(&values);
    let out = command.output().map_err(|e| Error::io(Path::new(&engine), e))?;
    let container = Container { engine: engine.clone(), name };
    if !out.status.success() {
        // An engine that created the container but could not start it leaves it behind.
        container.remove();
        return Err(Error::RunFailed {
            stage: "start",
            message: format!("{engine} run failed"),
            log: tail(&String::from_utf8_lossy(&out.stderr)),
        });
    }
    stop_on_interrupt(&container);

    let path = service.healthcheck_path.clone().unwrap_or_else(|| "/".into());
    let url = format!("http://127.0.0.1:{port}{path}");
    let started = Instant::now();
    let answered = wait_for_answer(&container, &url, options.timeout);
    let start_seconds = started.elapsed().as_secs_f64();
    let status = match answered {
        Ok(status) => status,
        Err(e) => {
            container.remove();
            return Err(e);
        }
    };
    let report = RunReport {
        app: service.app.clone(),
        engine,
        image,
        url: format!("http://127.0.0.1:{port}/"),
        status,
        build_seconds,
        start_seconds,
        env_passed,
        env_missing,
    };
    if options.check {
        container.remove();
        return Ok(report);
    }
    progress(&format!("{} answers {status} at {}; Ctrl-C stops it", report.app, report.url));
    let _ = Command::new(&container.engine).args(["logs", "-f", &container.name]).status();
    container.remove();
    Ok(report)
}

/// The engine to use: the one asked for, else docker when its daemon answers, else podman.
fn engine(asked: Option<&str>) -> Result<String, Error> {
    if let Some(engine) = asked {
        if !matches!(engine, "docker" | "podman") {
            return Err(Error::Usage {
                message: format!("unknown engine `{engine}`"),
                flag: Some("--engine docker or --engine podman".into()),
            });
        }
        return if on_path(engine) {
            Ok(engine.to_string())
        } else {
            Err(Error::Usage { message: format!("{engine} is not installed"), flag: Some("--engine".into()) })
        };
    }
    let docker_answers = || {
        Command::new("docker")
            .args(["info", "--format", "{{.ServerVersion}}"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if on_path("docker") && docker_answers() {
        return Ok("docker".into());
    }
    if on_path("podman") {
        return Ok("podman".into());
    }
    Err(Error::Usage {
        message: if on_path("docker") {
            "docker's daemon is not running, and podman is not installed".into()
        } else {
            "neither docker nor podman is installed".into()
        },
        flag: Some("--engine, after installing or starting Docker or Podman".into()),
    })
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()))
}

/// The names the app reads (bim.toml, and `.env.example`) that `.env` sets, those it does
/// not, and their values for the engine's environment.
type Environment = (Vec<String>, Vec<String>, BTreeMap<String, String>);

fn environment(root: &Path, service: &ServiceConfig) -> Result<Environment, Error> {
    let names = crate::dotenv::names_read(root, service)?;
    let mut values = crate::dotenv::values(root, service)?.unwrap_or_default();
    let (passed, missing): (Vec<String>, Vec<String>) =
        names.into_iter().filter(|n| n != "PORT").partition(|n| values.contains_key(n));
    values.retain(|name, _| passed.contains(name));
    Ok((passed, missing, values))
}

/// The build secrets' values: from `.env`, else bim's own environment. One set nowhere is
/// left out, and the install reads it empty.
fn build_secrets(root: &Path, service: &ServiceConfig) -> Result<BTreeMap<String, String>, Error> {
    let from_file = crate::dotenv::values(root, service)?.unwrap_or_default();
    Ok(service
        .build_secrets
        .iter()
        .filter_map(|name| {
            let value = from_file.get(name).cloned().or_else(|| std::env::var(name).ok())?;
            Some((name.clone(), value))
        })
        .collect())
}

struct Container {
    engine: String,
    name: String,
}

impl Container {
    fn running(&self) -> bool {
        let out = Command::new(&self.engine)
            .args(["inspect", "--format", "{{.State.Running}}", &self.name])
            .stderr(Stdio::null())
            .output();
        out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "true")
    }

    fn logs(&self) -> String {
        let out =
            Command::new(&self.engine).args(["logs", "--tail", &LOG_LINES.to_string(), &self.name]).output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr))
            .unwrap_or_default()
    }

    /// The TCP ports the container's processes listen on, read from the host's /proc (Linux):
    /// the sockets those processes hold, in their network namespace's table. Empty where
    /// /proc cannot say (another OS, a remote engine).
    fn listening_ports(&self) -> Vec<u16> {
        let out = Command::new(&self.engine)
            .args(["inspect", "--format", "{{.State.Pid}}", &self.name])
            .stderr(Stdio::null())
            .output();
        let Some(root) = out.ok().and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<u32>().ok())
        else {
            return Vec::new();
        };
        listening_ports(std::path::Path::new("/proc"), root)
    }

    fn remove(&self) {
        let _ = Command::new(&self.engine)
            .args(["rm", "-f", "-t", "2", &self.name])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Ctrl-C stops and removes the container, then exits as interrupted. The handler is set
/// once per process (an MCP server runs many); it removes whichever container runs now.
fn stop_on_interrupt(container: &Container) {
    static TARGET: Mutex<Option<(String, String)>> = Mutex::new(None);
    static SET: Once = Once::new();
    if let Ok(mut target) = TARGET.lock() {
        *target = Some((container.engine.clone(), container.name.clone()));
    }
    SET.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if let Some((engine, name)) = TARGET.lock().ok().and_then(|t| t.clone()) {
                Container { engine, name }.remove();
            }
            eprintln!("\nstopped and removed the container");
            std::process::exit(crate::error::exit::INTERRUPTED);
        });
    });
}

/// The ports that processes `root` and its descendants listen on, from a /proc tree.
fn listening_ports(proc: &Path, root: u32) -> Vec<u16> {
    // Every process's parent, to find the container's whole process tree.
    let mut parents: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir(proc).into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // `pid (comm) state ppid ...`: comm may hold spaces, so read after its last ')'.
        if let Some(ppid) =
            stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse().ok())
        {
            parents.push((pid, ppid));
        }
    }
    let mut tree = vec![root];
    let mut grew = true;
    while grew {
        grew = false;
        for (pid, ppid) in &parents {
            if tree.contains(ppid) && !tree.contains(pid) {
                tree.push(*pid);
                grew = true;
            }
        }
    }
    let mut inodes = std::collections::BTreeSet::new();
    for pid in &tree {
        for fd in std::fs::read_dir(proc.join(pid.to_string()).join("fd")).into_iter().flatten().flatten() {
            let target = std::fs::read_link(fd.path()).unwrap_or_default();
            if let Some(inode) = target.to_str().and_then(|t| t.strip_prefix("socket:[")?.strip_suffix(']')) {
                inodes.insert(inode.to_string());
            }
        }
    }
    let mut ports = std::collections::BTreeSet::new();
    for table in ["tcp", "tcp6"] {
        let text =
            std::fs::read_to_string(proc.join(root.to_string()).join("net").join(table)).unwrap_or_default();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; the inode is field 9.
            if let (Some(local), Some("0A"), Some(inode)) =
                (fields.get(1), fields.get(3).copied(), fields.get(9))
                && inodes.contains(*inode)
                && let Some(port) = local.rsplit_once(':').and_then(|(_, p)| u16::from_str_radix(p, 16).ok())
            {
                ports.insert(port);
            }
        }
    }
    ports.into_iter().collect()
}

/// The first status under 500 the app answers with, or why it never did.
fn wait_for_answer(container: &Container, url: &str, timeout: Duration) -> Result<u16, Error> {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(2)))
        .http_status_as_error(false)
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let deadline = Instant::now() + timeout;
    let mut last = None;
    while Instant::now() < deadline {
        if let Ok(response) = agent.get(url).call() {
            let status = response.status().as_u16();
            if status < 500 {
                return Ok(status);
            }
            last = Some(status);
        }
        if !container.running() {
            return Err(Error::RunFailed {
                stage: "crash",
                message: "the app stopped before it answered".into(),
                log: container.logs(),
            });
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let answered = last.map(|s| format!(" (it answered {s})")).unwrap_or_default();
    // The port the app really listens on, when it is another one.
    let asked = url.rsplit_once(':').and_then(|(_, rest)| rest.split('/').next()?.parse::<u16>().ok());
    let elsewhere = match container.listening_ports().as_slice() {
        [port] if Some(*port) != asked => {
            format!(
                "; it listens on {port}: pass --port {port} to bim init (or set port = {port} in bim.toml)"
            )
        }
        _ => String::new(),
    };
    Err(Error::RunFailed {
        stage: "timeout",
        message: format!(
            "no answer under 500 from {url} within {} s{answered}{elsewhere}",
            timeout.as_secs()
        ),
        log: container.logs(),
    })
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(LOG_LINES)..].join("\n")
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_ports_a_containers_processes_listen_on_are_read_from_proc() {
        let temp = tempfile::tempdir().expect("dir");
        let proc = temp.path().join("proc");
        let write = |path: &str, text: &str| {
            let path = proc.join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
        write("100/stat", "100 (npm start) S 1 100 100 0");
        write("101/stat", "101 (node) S 100 100 100 0");
        write("7/stat", "7 (other) S 1 7 7 0");
        let header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
        write(
            "100/net/tcp",
            &format!(
                "{header}   0: 00000000:1013 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 555 1\n   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 777 1\n   2: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 556 1\n"
            ),
        );
        std::fs::create_dir_all(proc.join("101/fd")).expect("fd");
        std::fs::create_dir_all(proc.join("7/fd")).expect("fd");
        std::os::unix::fs::symlink("socket:[555]", proc.join("101/fd/3")).expect("link");
        std::os::unix::fs::symlink("socket:[556]", proc.join("101/fd/4")).expect("link");
        std::os::unix::fs::symlink("socket:[777]", proc.join("7/fd/3")).expect("link");
        // Port 80 is another process's; 8080 is a connection, not a listener.
        assert_eq!(super::listening_ports(&proc, 100), vec![4115]);
    }
}

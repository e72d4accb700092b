//! A fake Backend.im for tests: an HTTP server on 127.0.0.1 and a free port that records
//! every request and answers from a per-test script.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

pub struct Reply {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply { status, body: body.to_string(), headers: Vec::new(), delay: Duration::ZERO }
    }

    pub fn raw(status: u16, body: &str) -> Reply {
        Reply { status, body: body.to_string(), headers: Vec::new(), delay: Duration::ZERO }
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

type Script = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

pub struct FakeBackend {
    port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl FakeBackend {
    /// Starts a server that answers each request with `script(request, n)`, where `n`
    /// counts the earlier requests with the same method.
    pub fn start(script: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static) -> FakeBackend {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let log = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = Arc::clone(&log);
                let script = Arc::clone(&script);
                std::thread::spawn(move || serve(stream, &log, script.as_ref()));
            }
        });
        FakeBackend { port, requests }
    }

    /// The usual run: a deployment that is queued, then building, then live.
    pub fn healthy() -> FakeBackend {
        FakeBackend::start(|request, n| match request.method.as_str() {
            "POST" => Reply::json(201, serde_json::json!({"id": "d-1", "status": "queued"})),
            _ if n == 0 => Reply::json(200, serde_json::json!({"id": "d-1", "status": "building"})),
            _ => Reply::json(
                200,
                serde_json::json!({"id": "d-1", "status": "live", "url": "https://orders.backend.im"}),
            ),
        })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("lock").clone()
    }

    pub fn count(&self, method: &str) -> usize {
        self.requests().iter().filter(|r| r.method == method).count()
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Recorded>>, script: &Script) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let request = Recorded { method, path, headers, body: String::from_utf8_lossy(&body).into_owned() };
    let n = {
        let mut log = log.lock().expect("lock");
        let n = log.iter().filter(|r| r.method == request.method).count();
        log.push(request.clone());
        n
    };
    let reply = script(&request, n);
    std::thread::sleep(reply.delay);
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(reply.body.as_bytes());
    let _ = out.flush();
}

/// What a stateful fake holds for its one app.
#[derive(Default)]
pub struct AppState {
    /// Newest first, as the API lists them.
    pub deployments: Vec<serde_json::Value>,
    pub settings: std::collections::BTreeMap<String, String>,
}

impl FakeBackend {
    /// Backend.im with one app, `app`, that has `deployments` (newest first) and
    /// `settings`: it lists them, deploys (queued, then live at once), and takes settings.
    /// Any other app is unknown (404).
    pub fn app(
        app: &'static str,
        deployments: Vec<serde_json::Value>,
        settings: &[(&str, &str)],
    ) -> (FakeBackend, Arc<Mutex<AppState>>) {
        let state = Arc::new(Mutex::new(AppState {
            deployments,
            settings: settings.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }));
        let shared = Arc::clone(&state);
        let fake = FakeBackend::start(move |r, _| answer(app, &mut shared.lock().expect("lock"), r));
        (fake, state)
    }
}

fn answer(app: &str, state: &mut AppState, r: &Recorded) -> Reply {
    use serde_json::json;
    let path = r.path.split('?').next().unwrap_or("");
    let apps = format!("/v1/apps/{app}/");
    if path.starts_with("/v1/apps/") && !path.starts_with(&apps) {
        return Reply::json(404, json!({"error": "no such app"}));
    }
    match (r.method.as_str(), path.strip_prefix(&apps).unwrap_or(path)) {
        ("GET", "deployments") => Reply::json(200, json!({"deployments": state.deployments})),
        ("GET", "settings") => Reply::json(200, json!({"names": state.settings.keys().collect::<Vec<_>>()})),
        ("PATCH", "settings") => {
            let sent: std::collections::BTreeMap<String, String> =
                serde_json::from_str(&r.body).unwrap_or_default();
            let (mut created, mut updated, mut unchanged) = (vec![], vec![], vec![]);
            for (name, value) in sent {
                match state.settings.insert(name.clone(), value.clone()) {
                    None => created.push(name),
                    Some(old) if old == value => unchanged.push(name),
                    Some(_) => updated.push(name),
                }
            }
            Reply::json(200, json!({"created": created, "updated": updated, "unchanged": unchanged}))
        }
        ("POST", "/v1/deployments") => {
            let body = r.json();
            let id = format!("d-{}", state.deployments.len() + 1);
            let url = format!("https://{app}.backend.im");
            state.deployments.insert(
                0,
                json!({"id": id, "image": body["image"], "digest": body["digest"], "status": "live",
                       "created_at": "2026-12-04T20:00:00Z", "url": url}),
            );
            Reply::json(201, json!({"id": id, "status": "queued"}))
        }
        ("GET", deployment) if deployment.starts_with("/v1/deployments/") => {
            let id = &deployment["/v1/deployments/".len()..];
            match state.deployments.iter().find(|d| d["id"] == id) {
                Some(d) => Reply::json(200, json!({"id": id, "status": d["status"], "url": d["url"]})),
                None => Reply::json(404, json!({"error": "no such deployment"})),
            }
        }
        _ => Reply::json(404, json!({"error": "no such route"})),
    }
}

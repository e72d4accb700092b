//! Making a start command listen where the container is reached: on every interface, on
//! the answered port. Many servers default to 127.0.0.1 (gunicorn, uvicorn, `flask run`,
//! `vite preview`), which nothing outside the container can reach. One table says, per
//! server, which flags set the host and the port and what to add when they are missing;
//! the image also sets `PORT`, which the rest read.

/// A server, as the first words of a command name it, and how to make it listen.
struct Server {
    /// The command's leading words (`python -m` and `npx` prefixes are looked through).
    command: &'static [&'static str],
    /// Flags that already set the host (or the whole address); none found adds `host`.
    host_flags: &'static [&'static str],
    host: &'static str,
    /// Flags that already set the port; none found adds `port` (`{port}` is replaced).
    port_flags: &'static [&'static str],
    port: &'static str,
    /// Variables the server reads for its address, for a command bim cannot change (a
    /// script's); the command's own flags still win over them.
    env: &'static [&'static str],
}

const SERVERS: &[Server] = &[
    Server {
        command: &["gunicorn"],
        host_flags: &["-b", "--bind"],
        host: "--bind 0.0.0.0:{port}",
        port_flags: &[],
        port: "",
        env: &["GUNICORN_CMD_ARGS=--bind=0.0.0.0:{port}"],
    },
    Server {
        command: &["hypercorn"],
        host_flags: &["-b", "--bind"],
        host: "--bind 0.0.0.0:{port}",
        port_flags: &[],
        port: "",
        env: &[],
    },
    Server {
        command: &["uvicorn"],
        host_flags: &["--host", "--uds", "--fd"],
        host: "--host 0.0.0.0",
        port_flags: &["--port"],
        port: "--port {port}",
        env: &["UVICORN_HOST=0.0.0.0", "UVICORN_PORT={port}"],
    },
    Server {
        command: &["granian"],
        host_flags: &["--host"],
        host: "--host 0.0.0.0",
        port_flags: &["--port"],
        port: "--port {port}",
        env: &[],
    },
    Server {
        command: &["daphne"],
        host_flags: &["-b", "--bind", "-u", "--fd", "-e"],
        host: "-b 0.0.0.0",
        port_flags: &["-p", "--port", "-e"],
        port: "-p {port}",
        env: &[],
    },
    Server {
        command: &["waitress-serve"],
        host_flags: &["--listen", "--host"],
        host: "--listen 0.0.0.0:{port}",
        port_flags: &[],
        port: "",
        env: &[],
    },
    Server {
        command: &["flask", "run"],
        host_flags: &["--host", "-h"],
        host: "--host 0.0.0.0",
        port_flags: &["--port", "-p"],
        port: "--port {port}",
        env: &["FLASK_RUN_HOST=0.0.0.0", "FLASK_RUN_PORT={port}"],
    },
    Server {
        command: &["fastapi", "run"],
        host_flags: &["--host"],
        host: "--host 0.0.0.0",
        port_flags: &["--port"],
        port: "--port {port}",
        env: &[],
    },
    Server {
        command: &["vite", "preview"],
        host_flags: &["--host"],
        host: "--host 0.0.0.0",
        port_flags: &["--port"],
        port: "--port {port}",
        env: &[],
    },
    Server {
        command: &["next", "start"],
        host_flags: &["-H", "--hostname"],
        host: "",
        port_flags: &["-p", "--port"],
        port: "-p {port}",
        env: &[],
    },
    Server {
        command: &["rails", "server"],
        host_flags: &["-b", "--binding"],
        host: "-b 0.0.0.0",
        port_flags: &["-p", "--port"],
        port: "-p {port}",
        env: &[],
    },
    Server {
        command: &["bin/rails", "server"],
        host_flags: &["-b", "--binding"],
        host: "-b 0.0.0.0",
        port_flags: &["-p", "--port"],
        port: "-p {port}",
        env: &[],
    },
    Server {
        command: &["puma"],
        host_flags: &[],
        host: "",
        port_flags: &["-p", "--port", "-b", "--bind"],
        port: "-p {port}",
        env: &[],
    },
    Server {
        command: &["rackup"],
        host_flags: &["-o", "--host"],
        host: "-o 0.0.0.0",
        port_flags: &["-p", "--port"],
        port: "-p {port}",
        env: &[],
    },
    // Static file servers listen on every interface already, and read PORT.
    Server {
        command: &["http-server"],
        host_flags: &[],
        host: "",
        port_flags: &["-p", "--port"],
        port: "",
        env: &[],
    },
    Server {
        command: &["serve"],
        host_flags: &[],
        host: "",
        port_flags: &["-l", "--listen", "-p"],
        port: "",
        env: &[],
    },
];

/// Prefixes that run the server without being it.
const WRAPPERS: &[&[&str]] =
    &[&["python", "-m"], &["python3", "-m"], &["npx"], &["bundle", "exec"], &["exec"]];

/// `command` with its bind moved from `old` to `new`, where it names the port: for a port
/// given by flag after detection wrote the start command.
pub fn move_port(command: &str, old: u16, new: u16) -> String {
    let mut out = command.to_string();
    for (from, to) in [
        (format!("0.0.0.0:{old}"), format!("0.0.0.0:{new}")),
        (format!("--port {old}"), format!("--port {new}")),
        (format!("-p {old}"), format!("-p {new}")),
        (format!("--listen :{old}"), format!("--listen :{new}")),
    ] {
        out = out.replace(&from, &to);
    }
    out
}

/// `command` with the host and port flags its server needs added to each part that runs a
/// known server; `None` when nothing needs adding.
pub fn listen_everywhere(command: &str, port: u16) -> Option<String> {
    let mut changed = false;
    let mut out = String::new();
    let mut rest = command;
    while !rest.is_empty() {
        // Split at the shell's command separators, keeping them.
        let cut =
            ["&&", "||", ";", "|"].iter().filter_map(|sep| rest.find(sep).map(|i| (i, sep.len()))).min();
        let (part, sep, next) = match cut {
            Some((i, len)) => (&rest[..i], &rest[i..i + len], &rest[i + len..]),
            None => (rest, "", ""),
        };
        match bind_part(part, port) {
            Some(bound) => {
                changed = true;
                out.push_str(&bound);
            }
            None => out.push_str(part),
        }
        out.push_str(sep);
        rest = next;
    }
    changed.then_some(out)
}

/// The variables that make the server a command starts listen on 0.0.0.0 and `port`,
/// when its flags do not already: empty when it needs none or reads none.
/// Frameworks whose server, inside the app's own binary, reads its address from variables
/// and listens on loopback without them.
const FRAMEWORK_ENV: &[(crate::detect::model::Framework, &[&str])] =
    &[(crate::detect::model::Framework::Rocket, &["ROCKET_ADDRESS=0.0.0.0", "ROCKET_PORT={port}"])];

/// The variables that make `framework`'s built-in server listen on every interface, on `port`.
pub fn framework_env(framework: crate::detect::model::Framework, port: u16) -> Vec<String> {
    FRAMEWORK_ENV
        .iter()
        .filter(|(f, _)| *f == framework)
        .flat_map(|(_, env)| env.iter().map(|e| e.replace("{port}", &port.to_string())))
        .collect()
}

pub fn listen_env(command: &str, port: u16) -> Vec<String> {
    match server_of(command) {
        Some((server, words)) if additions(server, &words, port).is_some() => {
            server.env.iter().map(|e| e.replace("{port}", &port.to_string())).collect()
        }
        _ => Vec::new(),
    }
}

/// The port a command's server is told by flag (`--port 9000`, `-p 3000`, `--bind
/// 0.0.0.0:8000`, `-l tcp://0.0.0.0:3000`), in the first step that runs a known server and
/// names one: what the container really listens on, whatever the code's default.
pub fn port_of(command: &str) -> Option<u16> {
    command.split(['&', '|', ';']).find_map(|part| {
        let (server, words) = server_of(part)?;
        let flags: Vec<&str> = server.port_flags.iter().chain(server.host_flags).copied().collect();
        (0..words.len()).find_map(|i| {
            let value = flag_value(&words, i, &flags)?;
            let digits = value.rsplit(':').next().unwrap_or(value);
            digits.parse::<u16>().ok().filter(|p| *p > 0)
        })
    })
}

/// The value the word at `i` gives one of `flags`: `--port 80` (the next word) or
/// `--port=80`.
pub fn flag_value<'w>(words: &[&'w str], i: usize, flags: &[&str]) -> Option<&'w str> {
    let word = words.get(i)?;
    flags.iter().find_map(|flag| {
        if word == flag {
            words.get(i + 1).copied()
        } else {
            word.strip_prefix(flag).and_then(|rest| rest.strip_prefix('='))
        }
    })
}

/// The server a command (one step) starts, and the command's words.
fn server_of(part: &str) -> Option<(&'static Server, Vec<&str>)> {
    let words: Vec<&str> = part.split_whitespace().collect();
    let mut start = 0;
    while words.get(start).is_some_and(|w| w.contains('=') && !w.starts_with('-')) {
        start += 1;
    }
    for wrapper in WRAPPERS {
        if words[start..].starts_with(wrapper) {
            start += wrapper.len();
            break;
        }
    }
    let server = SERVERS.iter().find(|s| words[start..].starts_with(s.command))?;
    Some((server, words))
}

/// The flags a server's command lacks to listen on every interface, on `port`.
fn additions(server: &Server, words: &[&str], port: u16) -> Option<String> {
    let has = |flags: &[&str]| {
        words.iter().any(|w| flags.iter().any(|f| *w == *f || w.starts_with(&format!("{f}="))))
    };
    let mut additions = Vec::new();
    if !server.host.is_empty() && !has(server.host_flags) {
        additions.push(server.host.replace("{port}", &port.to_string()));
    }
    if !server.port.is_empty() && !has(server.port_flags) {
        additions.push(server.port.replace("{port}", &port.to_string()));
    }
    (!additions.is_empty()).then(|| additions.join(" "))
}

fn bind_part(part: &str, port: u16) -> Option<String> {
    let (server, words) = server_of(part)?;
    let additions = additions(server, &words, port)?;
    let trailing = &part[part.trim_end().len()..];
    Some(format!("{} {additions}{trailing}", part.trim_end()))
}

#[cfg(test)]
mod tests {
    use super::{listen_env, listen_everywhere, port_of};

    #[test]
    fn the_port_a_server_is_told_by_flag_is_read() {
        let cases = [
            ("uvicorn main:app --port 9000", Some(9000)),
            ("gunicorn -b 0.0.0.0:8001 app:app", Some(8001)),
            ("gunicorn --bind=:8002 app:app", Some(8002)),
            ("gunicorn -b 0.0.0.0:$PORT app:app", None),
            ("http-server dist -p 3000", Some(3000)),
            ("npx serve -l tcp://0.0.0.0:4000 dist", Some(4000)),
            ("npm run migrate && next start -p 3005", Some(3005)),
            ("node server.js --port 9999", None),
            ("bundle exec puma -b unix:///tmp/puma.sock", None),
        ];
        for (command, expected) in cases {
            assert_eq!(port_of(command), expected, "{command}");
        }
    }

    #[test]
    fn a_server_bim_cannot_change_is_told_by_the_variables_it_reads() {
        assert_eq!(listen_env("gunicorn app:app", 5000), vec!["GUNICORN_CMD_ARGS=--bind=0.0.0.0:5000"]);
        assert_eq!(
            listen_env("exec uvicorn main:app", 8000),
            vec!["UVICORN_HOST=0.0.0.0", "UVICORN_PORT=8000"]
        );
        assert!(listen_env("gunicorn -b :5000 app:app", 5000).is_empty());
        assert!(listen_env("hypercorn app:app", 5000).is_empty(), "hypercorn reads no variable");
        assert!(listen_env("node server.js", 5000).is_empty());
    }

    #[test]
    fn servers_that_default_to_loopback_get_a_bind() {
        let cases = [
            ("gunicorn app:app", Some("gunicorn app:app --bind 0.0.0.0:5000")),
            ("gunicorn -w 4 app:app -b 0.0.0.0:8000", None),
            ("gunicorn --bind=:8000 app:app", None),
            ("uvicorn main:app", Some("uvicorn main:app --host 0.0.0.0 --port 5000")),
            ("uvicorn main:app --port 9000", Some("uvicorn main:app --port 9000 --host 0.0.0.0")),
            ("python -m uvicorn main:app --host 0.0.0.0 --port 1", None),
            ("flask db upgrade; flask run", Some("flask db upgrade; flask run --host 0.0.0.0 --port 5000")),
            ("npx vite preview", Some("npx vite preview --host 0.0.0.0 --port 5000")),
            ("next start", Some("next start -p 5000")),
            ("bundle exec puma -C config/puma.rb", Some("bundle exec puma -C config/puma.rb -p 5000")),
            ("node server.js", None),
            ("FOO=1 gunicorn x:y && echo done", Some("FOO=1 gunicorn x:y --bind 0.0.0.0:5000 && echo done")),
        ];
        for (command, expected) in cases {
            assert_eq!(listen_everywhere(command, 5000).as_deref(), expected, "{command}");
        }
    }
}

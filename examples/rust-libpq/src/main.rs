//! A tiny HTTP service that links libpq and reports its version: it only answers when the
//! image carries the library the binary was linked against.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

fn main() {
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".to_string());
    let listener = TcpListener::bind(format!("0.0.0.0:{port}")).expect("bind");
    // SAFETY: PQlibVersion takes no arguments and only reads a constant.
    let version = unsafe { pq_sys::PQlibVersion() };
    for stream in listener.incoming().flatten() {
        let mut stream = stream;
        let mut request_line = String::new();
        let _ = BufReader::new(&stream).read_line(&mut request_line);
        let body = if request_line.starts_with("GET /health ") {
            "ok".to_string()
        } else {
            format!("linked against libpq {version}\n")
        };
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
    }
}

use axum::{routing::get, Router};

#[tokio::main]
async fn main() {
    let greeting = std::env::var("GREETING").unwrap_or_else(|_| "hello".to_string());
    let app = Router::new()
        .route("/", get(move || async move { greeting }))
        .route("/health", get(|| async { "ok" }))
        // Apps keep SQLite files and uploads in their working folder: it must be writable.
        .route("/visit", get(visit));
    let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await.expect("bind 3000");
    axum::serve(listener, app).await.expect("serve");
}

async fn visit() -> String {
    use std::io::Write;
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open("visits.log")
        .and_then(|mut f| writeln!(f, "visit"));
    match written {
        Ok(()) => "visit written to the working folder".into(),
        Err(e) => format!("cannot write: {e}"),
    }
}

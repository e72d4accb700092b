use axum::{routing::get, Router};

#[tokio::main]
async fn main() {
    let greeting = std::env::var("GREETING").unwrap_or_else(|_| "hello".to_string());
    let app = Router::new()
        .route("/", get(move || async move { greeting }))
        .route("/health", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await.expect("bind 3000");
    axum::serve(listener, app).await.expect("serve");
}

//! The line layer between stdin and rmcp. rmcp drops a line that is not JSON without a
//! word and buffers up to 16 MiB of one line; here each line is read with a cap and judged
//! first: one that is not JSON, not a JSON-RPC 2.0 message, or too long is answered with a
//! JSON-RPC error and never reaches rmcp, which gets the good lines through an in-process
//! pipe. Our answers and rmcp's go to stdout under one lock, a whole line at a time, so
//! they never interleave.

use std::io;
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

/// The longest line (one JSON-RPC message, its newline included) the server reads. A
/// longer one is refused as soon as it passes this, and the rest of it is skipped unkept.
pub const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// stdout, shared by the two writers.
pub type Out<W> = Arc<Mutex<W>>;

/// Reads the client's lines from `input` and passes the good ones to `server`; closes
/// `server` at the end, so rmcp sees the client leave however this ends.
pub async fn forward_input<R, S, W>(input: R, mut server: S, out: Out<W>) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    S: AsyncWrite + Unpin,
    W: AsyncWrite + Unpin,
{
    let result = pump_input(BufReader::new(input), &mut server, &out).await;
    let _ = server.shutdown().await;
    result
}

/// Copies rmcp's lines to stdout until rmcp closes its end. They are bim's own, so
/// they are not capped.
pub async fn forward_output<R, W>(server: R, out: Out<W>) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut server = BufReader::new(server);
    let mut line = Vec::new();
    loop {
        line.clear();
        if server.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        send(&out, &line).await?;
    }
}

async fn pump_input<R, S, W>(mut input: R, server: &mut S, out: &Out<W>) -> io::Result<()>
where
    R: AsyncBufRead + Unpin,
    S: AsyncWrite + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut line = Vec::new();
    loop {
        match read_line(&mut input, &mut line).await? {
            Read::Eof => return Ok(()),
            Read::TooLong => {
                let message = format!(
                    "Invalid Request: a message must fit on one line of at most {} MiB",
                    MAX_LINE_BYTES >> 20
                );
                send(out, &error_line(INVALID_REQUEST, &message, Value::Null)).await?;
                skip_line(&mut input).await?;
            }
            Read::Line => match judge(&line) {
                Verdict::Blank => {}
                Verdict::Refuse(answer) => send(out, &answer).await?,
                Verdict::Pass => {
                    server.write_all(&line).await?;
                    // A last line without its newline would never reach rmcp.
                    if !line.ends_with(b"\n") {
                        server.write_all(b"\n").await?;
                    }
                    server.flush().await?;
                }
            },
        }
    }
}

enum Read {
    Line,
    TooLong,
    Eof,
}

/// Reads one line into `line`, newline kept. Returns `TooLong` the moment the line passes
/// `MAX_LINE_BYTES`, before its end arrives, with the rest of it still unread.
async fn read_line<R: AsyncBufRead + Unpin>(input: &mut R, line: &mut Vec<u8>) -> io::Result<Read> {
    line.clear();
    loop {
        let available = input.fill_buf().await?;
        if available.is_empty() {
            return Ok(if line.is_empty() { Read::Eof } else { Read::Line });
        }
        let newline = available.iter().position(|&b| b == b'\n');
        let take = newline.map_or(available.len(), |i| i + 1);
        if line.len() + take > MAX_LINE_BYTES {
            line.clear();
            return Ok(Read::TooLong);
        }
        line.extend_from_slice(&available[..take]);
        input.consume(take);
        if newline.is_some() {
            return Ok(Read::Line);
        }
    }
}

/// Drops input up to and including the next newline, without keeping it.
async fn skip_line<R: AsyncBufRead + Unpin>(input: &mut R) -> io::Result<()> {
    loop {
        let available = input.fill_buf().await?;
        if available.is_empty() {
            return Ok(());
        }
        match available.iter().position(|&b| b == b'\n') {
            Some(i) => {
                input.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = available.len();
                input.consume(n);
            }
        }
    }
}

enum Verdict {
    Pass,
    Blank,
    Refuse(Vec<u8>),
}

/// Whether a line may go on to rmcp: JSON, and an object that says it is JSON-RPC 2.0.
/// Its finer shape is rmcp's to check (it answers a bad one with Invalid Request).
fn judge(line: &[u8]) -> Verdict {
    let line = line.strip_prefix(UTF8_BOM).unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Verdict::Blank;
    }
    match serde_json::from_slice::<Value>(line) {
        Err(e) => Verdict::Refuse(error_line(PARSE_ERROR, &format!("Parse error: {e}"), Value::Null)),
        Ok(value) if value.get("jsonrpc").and_then(Value::as_str) == Some("2.0") => Verdict::Pass,
        Ok(value) => {
            // Answer to its id when it has a usable one, as JSON-RPC asks.
            let id = value.get("id").filter(|id| id.is_string() || id.is_number()).cloned();
            let message =
                "Invalid Request: expected one JSON-RPC 2.0 message (an object with \"jsonrpc\": \"2.0\")";
            Verdict::Refuse(error_line(INVALID_REQUEST, message, id.unwrap_or(Value::Null)))
        }
    }
}

fn error_line(code: i64, message: &str, id: Value) -> Vec<u8> {
    let answer = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
    format!("{answer}\n").into_bytes()
}

/// Writes one whole line while holding stdout.
async fn send<W: AsyncWrite + Unpin>(out: &Out<W>, line: &[u8]) -> io::Result<()> {
    let mut out = out.lock().await;
    out.write_all(line).await?;
    if !line.ends_with(b"\n") {
        out.write_all(b"\n").await?;
    }
    out.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(verdict: Verdict) -> Value {
        match verdict {
            Verdict::Refuse(line) => serde_json::from_slice(&line).expect("JSON"),
            Verdict::Pass => json!("pass"),
            Verdict::Blank => json!("blank"),
        }
    }

    #[test]
    fn lines_are_judged_before_rmcp_sees_them() {
        assert_eq!(answer(judge(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n")), "pass");
        assert_eq!(answer(judge(b"\xEF\xBB\xBF{\"jsonrpc\":\"2.0\",\"method\":\"x\"}\n")), "pass");
        assert_eq!(answer(judge(b" \r\n")), "blank");
        let refused = answer(judge(b"nope\n"));
        assert_eq!((refused["error"]["code"].as_i64(), &refused["id"]), (Some(-32700), &Value::Null));
        let refused = answer(judge(b"{\"jsonrpc\":\"1.0\",\"id\":\"a\"}\n"));
        assert_eq!((refused["error"]["code"].as_i64(), &refused["id"]), (Some(-32600), &json!("a")));
    }

    #[tokio::test]
    async fn a_long_line_is_refused_before_its_end_and_the_next_line_is_read() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\nnext\n");
        let mut reader = BufReader::new(&input[..]);
        let mut line = Vec::new();
        assert!(matches!(read_line(&mut reader, &mut line).await.expect("read"), Read::TooLong));
        assert!(line.capacity() <= 2 * MAX_LINE_BYTES, "memory stays within the cap (and Vec growth)");
        skip_line(&mut reader).await.expect("skip");
        assert!(matches!(read_line(&mut reader, &mut line).await.expect("read"), Read::Line));
        assert_eq!(line, b"next\n");
        assert!(matches!(read_line(&mut reader, &mut line).await.expect("read"), Read::Eof));
    }
}

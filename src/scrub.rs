//! Text from Backend.im's replies, made safe to show: a server (or whoever answers in its
//! place) may echo the API token back, put escape sequences in an error to rewrite the
//! terminal, or send megabytes. Every server string goes through `server_text` before it
//! reaches an error, a deployment, stderr, `--json` or an MCP result.

use std::sync::LazyLock;

use regex::Regex;

/// Longest server text bim shows; longer is cut, saying so.
pub const MAX_TEXT: usize = 4096;
const CUT: &str = "… (cut)";
pub const REDACTED: &str = "[redacted]";

/// `Bearer <anything>`, whatever follows the word.
static BEARER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(bearer)\s+\S+").expect("a valid pattern"));
/// Secrets by their shape: common token prefixes, AWS key ids, JWTs. Redacted even when
/// they are not bim's token: the server may echo a transformed or a different secret.
static NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b(?:gh[pousr]_|github_pat_|glpat-|sk-|xox[abprs]-)[A-Za-z0-9_\-]{8,}",
        r"|\bAKIA[0-9A-Z]{16}\b",
        r"|\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]*)?",
    ))
    .expect("a valid pattern")
});
/// Long runs, redacted only when they look random (see `looks_random`).
static LONG_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9_\-.]{32,}").expect("a valid pattern"));

/// `text` from the server, ready to show: escapes and control characters gone, `token`
/// and token-shaped runs replaced by `[redacted]`, cut to `MAX_TEXT` bytes.
pub fn server_text(text: &str, token: &str) -> String {
    let text = strip_controls(text);
    // The exact token first: it may be short or plain enough to escape the patterns.
    let text = if token.is_empty() { text } else { text.replace(token, REDACTED) };
    let text = BEARER.replace_all(&text, format!("$1 {REDACTED}"));
    let text = NAMED.replace_all(&text, REDACTED);
    let text = LONG_RUN.replace_all(&text, |m: &regex::Captures| {
        if looks_random(&m[0]) { REDACTED.to_string() } else { m[0].to_string() }
    });
    cut(&text, MAX_TEXT)
}

/// Shortest value `hide` replaces: a shorter one occurs in any text, so hiding it would
/// garble every message while protecting nothing a guess could not find.
pub const MIN_HIDDEN: usize = 4;

/// `text` with each of `values` (of `MIN_HIDDEN` bytes or more) replaced by `[redacted]`,
/// longest first, so a value inside another is not left half shown.
pub fn hide(text: &str, values: &[String]) -> String {
    let mut values: Vec<&String> = values.iter().filter(|v| v.len() >= MIN_HIDDEN).collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.into_iter().fold(text.to_string(), |text, value| text.replace(value.as_str(), REDACTED))
}

/// A long run is secret-like when it mixes upper case, lower case and digits: UUIDs,
/// hex digests, commit SHAs and host names do not, random tokens almost always do.
fn looks_random(run: &str) -> bool {
    run.chars().any(|c| c.is_ascii_uppercase())
        && run.chars().any(|c| c.is_ascii_lowercase())
        && run.chars().any(|c| c.is_ascii_digit())
}

/// Text that is not the server's but not the person's either (bim.toml's `api_url`),
/// safe to show: no escapes, not too long.
pub fn printable(text: &str) -> String {
    cut(&strip_controls(text), MAX_TEXT)
}

/// Drops escape sequences (CSI and OSC whole, so no `[31m` is left behind), other control
/// characters (C0 and C1, `\r` included: it overwrites a line) and bidirectional
/// overrides; keeps `\n` and `\t`.
fn strip_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // CSI, as ESC [ or as the one C1 character.
            '\x1b' if chars.next_if_eq(&'[').is_some() => skip_csi(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            // OSC (titles, hyperlinks), to BEL or ST (ESC and a backslash).
            '\x1b' if chars.next_if_eq(&']').is_some() => {
                while let Some(c) = chars.next() {
                    if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            // Any other escape: ESC and the one character after it.
            '\x1b' => {
                chars.next();
            }
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Parameters and intermediates, up to and with the final byte.
fn skip_csi(chars: &mut impl Iterator<Item = char>) {
    for c in chars.by_ref() {
        if ('\x40'..='\x7e').contains(&c) {
            break;
        }
    }
}

/// At most `max` bytes of `text`, on a char boundary, marked when cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let end = (0..=max).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    format!("{}{CUT}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_and_token_shaped_strings_are_redacted() {
        let token = "tok-s3cret";
        assert_eq!(server_text("bad token tok-s3cret!", token), "bad token [redacted]!");
        assert_eq!(
            server_text("got Authorization: Bearer abc.def", ""),
            "got Authorization: Bearer [redacted]"
        );
        for secret in [
            format!("ghp_{}", "a1B2".repeat(9)),
            format!("github_pat_{}", "x".repeat(40)),
            "glpat-abcdefghij1234".to_string(),
            "sk-proj-abcdefgh12345678".to_string(),
            "AKIAABCDEFGHIJKLMNOP".to_string(),
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature".to_string(),
            "Zx8Qm2LrT5vWp9Ks3Nd7Hf1Jb6Yc4Ga0Ue".to_string(),
        ] {
            let shown = server_text(&format!("leaked {secret} here"), "");
            assert_eq!(shown, "leaked [redacted] here", "{secret}");
        }
    }

    #[test]
    fn values_being_sent_are_hidden_longest_first() {
        let values = vec!["hunter22".to_string(), "hunter22-extra".to_string(), "abc".to_string()];
        assert_eq!(
            hide("bad hunter22-extra and hunter22, abc", &values),
            "bad [redacted] and [redacted], abc"
        );
    }

    #[test]
    fn ids_digests_and_host_names_are_kept() {
        for kept in [
            "550e8400-e29b-41d4-a716-446655440000",
            &format!("sha256:{}", "ab12".repeat(16)),
            "a-rather-long-application-name.backend.im",
            "task-runner-abcdefghijkl",
        ] {
            assert_eq!(server_text(kept, "tok-s3cret"), kept);
        }
    }

    #[test]
    fn escapes_and_controls_are_stripped_newlines_and_tabs_kept() {
        let text =
            "\x1b[31mred\x1b[0m\x1b]8;;https://x\x07link\x1b]8;;\x1b\\ \r\x07\u{9b}2J\u{202e}ok\n\tnext";
        assert_eq!(server_text(text, ""), "redlink ok\n\tnext");
    }

    #[test]
    fn long_text_is_cut_on_a_char_boundary_and_says_so() {
        let shown = server_text(&"é".repeat(5000), "");
        assert!(shown.len() <= MAX_TEXT + CUT.len(), "{}", shown.len());
        assert!(shown.ends_with("é… (cut)"));
        assert_eq!(cut("short", 10), "short");
    }
}

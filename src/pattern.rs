//! The patterns detection searches repository text with. They are compiled in ASCII mode
//! over bytes: `\w`, `\d`, `\s`, `\b` and `(?i)` in their Unicode forms made each automaton
//! many times larger, and compiling them was a third of `bim detect`'s time on a small
//! repository. Every pattern is anchored on ASCII text (quotes, brackets, keywords), so a
//! match starts and ends on a character boundary; `[^"]` still matches any character.

use std::ops::Index;

use regex::bytes;

/// A compiled search pattern; matches are reported as `&str` slices of the searched text.
#[derive(Debug)]
pub struct Pattern(bytes::Regex);

/// One match, with its groups.
pub struct Captures<'t> {
    text: &'t str,
    inner: bytes::Captures<'t>,
}

/// One group of a match: its text and where it starts.
#[derive(Clone, Copy, Debug)]
pub struct Match<'t> {
    text: &'t str,
    start: usize,
    end: usize,
}

impl Pattern {
    /// Compiles `pattern`; the patterns are constants, so a bad one is a bug caught by tests.
    pub fn new(pattern: &str) -> Pattern {
        match bytes::RegexBuilder::new(pattern).unicode(false).build() {
            Ok(regex) => Pattern(regex),
            Err(e) => panic!("pattern {pattern:?} does not compile: {e}"),
        }
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.0.is_match(text.as_bytes())
    }

    pub fn find<'t>(&self, text: &'t str) -> Option<Match<'t>> {
        self.0.find(text.as_bytes()).map(|m| Match::of(text, m))
    }

    pub fn find_iter<'p, 't>(&'p self, text: &'t str) -> impl Iterator<Item = Match<'t>> + use<'p, 't> {
        self.0.find_iter(text.as_bytes()).map(move |m| Match::of(text, m))
    }

    pub fn captures<'t>(&self, text: &'t str) -> Option<Captures<'t>> {
        self.0.captures(text.as_bytes()).map(|inner| Captures { text, inner })
    }

    pub fn captures_iter<'p, 't>(
        &'p self,
        text: &'t str,
    ) -> impl Iterator<Item = Captures<'t>> + use<'p, 't> {
        self.0.captures_iter(text.as_bytes()).map(move |inner| Captures { text, inner })
    }
}

impl<'t> Captures<'t> {
    /// Group `index` (0 is the whole match), if it took part in the match.
    pub fn get(&self, index: usize) -> Option<Match<'t>> {
        self.inner.get(index).map(|m| Match::of(self.text, m))
    }

    /// Every group in order, `None` for those that did not take part.
    pub fn iter(&self) -> impl Iterator<Item = Option<Match<'t>>> + '_ {
        self.inner.iter().map(|m| m.map(|m| Match::of(self.text, m)))
    }
}

impl Index<usize> for Captures<'_> {
    type Output = str;

    /// Group `index`'s text; panics, like `regex`, when the group did not take part.
    fn index(&self, index: usize) -> &str {
        match self.get(index) {
            Some(m) => m.text,
            None => panic!("no group {index} in this match"),
        }
    }
}

impl<'t> Match<'t> {
    fn of(text: &'t str, m: bytes::Match<'_>) -> Match<'t> {
        // Off a character boundary only if a pattern split a character; empty rather than panic.
        Match { text: text.get(m.range()).unwrap_or(""), start: m.start(), end: m.end() }
    }

    pub fn as_str(&self) -> &'t str {
        self.text
    }

    pub fn start(&self) -> usize {
        self.start
    }

    pub fn end(&self) -> usize {
        self.end
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn classes_are_ascii_but_negated_classes_take_any_character() {
        let quoted = Pattern::new(r#"name\s*=\s*"([^"]+)""#);
        assert_eq!(&quoted.captures(r#"name = "café""#).expect("match")[1], "café");
        assert!(!Pattern::new(r"^\w+$").is_match("café"), r"\w is ASCII");
        let port = Pattern::new(r"listen\((\d+)\)");
        let caps = port.captures("é listen(3000)").expect("match");
        assert_eq!((&caps[1], caps.get(0).expect("whole").start()), ("3000", 3));
    }
}

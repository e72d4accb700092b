//! bim's one entry in a repository's own `.github/dependabot.yml`: the `github-actions`
//! updates that keep the workflow's SHA-pinned actions current. The person's file is kept
//! byte for byte; the entry is inserted as text at the end of its `updates:` list, indented
//! as the list is, so comments, order and formatting survive.

use std::sync::LazyLock;

use crate::pattern::Pattern;

static GITHUB_ACTIONS: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(r#"(?m)^\s*-?\s*package-ecosystem:\s*["']?github-actions["']?\s*(?:#.*)?$"#)
});
static LIST_ITEM: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"^(\s*)-\s+\S"));

/// What to do with the repository's own file.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It has bim's own entry, from an earlier run: nothing to do.
    Ours,
    /// It has a `github-actions` entry of its own: left alone.
    HasEntry,
    /// It has no top-level `updates:` list bim can add to: left alone.
    NoList,
    /// The file with bim's entry added.
    Added(String),
}

/// Adds bim's `github-actions` entry to `existing`, unless it has one.
pub fn add_entry(existing: &str) -> Outcome {
    if existing.lines().any(|l| l.trim() == MARK) {
        return Outcome::Ours;
    }
    if GITHUB_ACTIONS.is_match(existing) {
        return Outcome::HasEntry;
    }
    let lines: Vec<&str> = existing.split_inclusive('\n').collect();
    let Some(start) = lines.iter().position(|l| l.trim_end() == "updates:") else {
        return Outcome::NoList;
    };
    // The list runs to the next top-level key (or the end); comments and blanks after its
    // last entry stay after bim's.
    let after = start + 1;
    let end = lines[after..]
        .iter()
        .position(|l| l.chars().next().is_some_and(|c| !c.is_whitespace() && c != '#' && c != '-'))
        .map_or(lines.len(), |i| after + i);
    let last_content = (after..end).rev().find(|&i| {
        let t = lines[i].trim();
        !t.is_empty() && !t.starts_with('#')
    });
    let indent = lines[after..end]
        .iter()
        .find_map(|l| LIST_ITEM.captures(l).and_then(|c| c.get(1)).map(|m| m.as_str().to_string()))
        .unwrap_or_else(|| "  ".to_string());
    let insert_at = last_content.map_or(after, |i| i + 1);
    let entry = entry(&indent);
    let mut text = String::with_capacity(existing.len() + entry.len() + 1);
    for line in &lines[..insert_at] {
        text.push_str(line);
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&entry);
    for line in &lines[insert_at..] {
        text.push_str(line);
    }
    Outcome::Added(text)
}

/// The comment line that marks bim's entry, so a later run knows it as its own.
const MARK: &str = "# Added by bim: keeps the SHA-pinned actions in .github/workflows current.";

/// bim's entry, as the list at `indent` spells its items.
fn entry(indent: &str) -> String {
    let item = format!("{indent}  ");
    format!(
        "{indent}{MARK}\n\
         {indent}- package-ecosystem: github-actions\n\
         {item}directory: /\n\
         {item}schedule:\n\
         {item}  interval: weekly\n\
         {item}cooldown:\n\
         {item}  default-days: 7\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const THEIRS: &str = "# Our updates\nversion: 2\nupdates:\n  # JS first\n  - package-ecosystem: \"npm\"\n    directory: \"/\"\n    schedule:\n      interval: \"daily\"\n\n  - package-ecosystem: pip\n    directory: /api\n    schedule:\n      interval: weekly\n# trailing note\n";

    #[test]
    fn the_entry_lands_at_the_end_of_the_list_and_everything_else_is_kept() {
        let Outcome::Added(text) = add_entry(THEIRS) else { panic!("not added") };
        let entry = entry("  ");
        assert_eq!(text.replacen(&entry, "", 1), THEIRS, "every byte of theirs is kept");
        assert!(text.contains("interval: weekly\n  # Added by bim"), "{text}");
        assert!(text.ends_with("default-days: 7\n# trailing note\n"), "{text}");
        assert_eq!(add_entry(&text), Outcome::Ours, "a second run knows the entry as bim's");
    }

    #[test]
    fn the_list_indentation_is_followed_and_a_file_without_a_list_is_left_alone() {
        let flush = "version: 2\nupdates:\n- package-ecosystem: cargo\n  directory: /\n  schedule:\n    interval: weekly\nregistries: {}\n";
        let Outcome::Added(text) = add_entry(flush) else { panic!("not added") };
        assert!(text.contains("    interval: weekly\n# Added by bim"), "{text}");
        assert!(text.contains("\n- package-ecosystem: github-actions\n  directory: /\n"), "{text}");
        assert!(text.ends_with("registries: {}\n"), "{text}");
        assert_eq!(add_entry("version: 2\n"), Outcome::NoList);
        assert_eq!(add_entry("updates:\n  - package-ecosystem: 'github-actions'\n"), Outcome::HasEntry);
    }
}

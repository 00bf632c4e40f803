//! The repository explains what it cites. The schemas' annotations, the code, the
//! fixtures' `NOTES.md`, the docs and the conformance catalogue cite the interface
//! document's errata (`E1`, `E2`, ...) and the field evidence (`F1`, `F2`, ...): every
//! number cited anywhere in the repository has its entry in `docs/errata.md` or
//! `docs/field-evidence.md`, each entry says what the project does, and no file links or
//! points outside the repository (the notes those facts were first gathered in are not
//! part of it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use systmone_tests::workspace_root;

/// The errata and facts the docs must explain, whether cited yet or not.
const ERRATA: u32 = 24;
const FACTS: u32 = 20;

/// Every text file of the repository: no build output, no git data (a worktree's `.git`
/// file names where its repository lives), no snapshots (insta writes them from values
/// already covered here), nothing that is not UTF-8.
fn repository_files() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(PathBuf, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                // Build output, git's own files, snapshots, and what a fuzzing run writes
                // (fuzz/.gitignore: generated inputs, not the repository's text).
                let fuzz_output = ["work", "artifacts", "coverage"]
                    .iter()
                    .any(|output| path == root.join("fuzz").join(output));
                if name == "target" || name == ".git" || name == "snapshots" || fuzz_output {
                    continue;
                }
                walk(&path, root, out);
            } else if kind.is_file()
                && name != ".git"
                && !name.ends_with(".snap")
                && !name.ends_with(".snap.new")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                out.push((path.strip_prefix(root).unwrap().to_path_buf(), text));
            }
        }
    }
    let root = workspace_root();
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

/// The E- and F-numbers `text` cites: `E22`, `F3` as words of their own, not part of a
/// name (`SE1`, the float type `F64`), a hexadecimal value (`11E4`) or a character escape (`\u{F6}`).
fn citations(text: &str) -> Vec<(char, u32)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'E' && b != b'F' {
            continue;
        }
        let before = i.checked_sub(1).map(|j| bytes[j]);
        if before
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'{' | b':' | b'\\'))
        {
            continue;
        }
        let digits = bytes[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 || digits > 2 || bytes[i + 1] == b'0' {
            continue;
        }
        let after = bytes.get(i + 1 + digits);
        if after.is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'}')) {
            continue;
        }
        let number = text[i + 1..i + 1 + digits].parse().unwrap();
        // The float types' names (codegen's `TypeRef::F64` variant), not facts.
        if b == b'F' && matches!(number, 32 | 64) {
            continue;
        }
        found.push((b as char, number));
    }
    found
}

/// The entries of a docs file: headings `## E7: ...` (or `###`), each with its text.
fn entries(file: &str, letter: char) -> BTreeMap<u32, String> {
    let text = std::fs::read_to_string(workspace_root().join(file)).unwrap();
    let mut entries = BTreeMap::new();
    let mut current: Option<(u32, String)> = None;
    for line in text.lines() {
        let heading = line.trim_start_matches('#');
        if line.starts_with("##") && heading.starts_with(' ') {
            if let Some((n, body)) = current.take() {
                entries.insert(n, body);
            }
            let number = heading
                .trim()
                .strip_prefix(letter)
                .and_then(|rest| rest.split(':').next())
                .and_then(|n| n.parse::<u32>().ok());
            if let Some(n) = number {
                assert!(!entries.contains_key(&n), "{file}: {letter}{n} twice");
                current = Some((n, String::new()));
            }
        } else if let Some((_, body)) = &mut current {
            body.push_str(line);
            body.push('\n');
        }
    }
    if let Some((n, body)) = current {
        entries.insert(n, body);
    }
    entries
}

#[test]
fn every_erratum_and_fact_has_an_entry_saying_what_the_project_does() {
    let errata = entries("docs/errata.md", 'E');
    assert_eq!(
        errata.keys().copied().collect::<Vec<_>>(),
        (1..=ERRATA).collect::<Vec<_>>(),
        "docs/errata.md: one entry per erratum, E1 to E{ERRATA}"
    );
    for (n, body) in &errata {
        assert!(
            body.contains("**The document.**") && body.contains("**What we do.**"),
            "docs/errata.md: E{n} says what the document shows and what the project does"
        );
    }
    let facts = entries("docs/field-evidence.md", 'F');
    assert_eq!(
        facts.keys().copied().collect::<Vec<_>>(),
        (1..=FACTS).collect::<Vec<_>>(),
        "docs/field-evidence.md: one entry per fact, F1 to F{FACTS}"
    );
    for (n, body) in &facts {
        assert!(
            body.contains("**Seen.**")
                && (body.contains("**What we do.**") || body.contains("**The rule.**")),
            "docs/field-evidence.md: F{n} says what was seen and what the project does"
        );
    }
}

#[test]
fn every_cited_erratum_and_fact_is_explained_in_the_docs() {
    let explained: BTreeSet<(char, u32)> = entries("docs/errata.md", 'E')
        .into_keys()
        .map(|n| ('E', n))
        .chain(
            entries("docs/field-evidence.md", 'F')
                .into_keys()
                .map(|n| ('F', n)),
        )
        .collect();
    let mut unexplained: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut cited = BTreeSet::new();
    for (path, text) in repository_files() {
        for citation in citations(&text) {
            cited.insert(citation);
            if !explained.contains(&citation) {
                unexplained
                    .entry(format!("{}{}", citation.0, citation.1))
                    .or_default()
                    .insert(path.display().to_string());
            }
        }
    }
    assert!(
        unexplained.is_empty(),
        "cited but not explained in docs/errata.md or docs/field-evidence.md: {unexplained:#?}"
    );
    // The scan sees the citations that are known to exist (a scan finding nothing would
    // pass vacuously): the schemas' and the conformance catalogue's.
    for known in ["E2", "E22", "F8", "F11"] {
        let citation = (known.chars().next().unwrap(), known[1..].parse().unwrap());
        assert!(cited.contains(&citation), "{known} is cited somewhere");
    }
}

#[test]
fn citations_are_told_apart_from_names_and_hexadecimal() {
    let text =
        "ERRATA E22, (F3) E7: `E24` F1-F8 TypeRef::F64 F64, F6x 11E4 '\\u{F6}' SE1 E0 E123 F20.";
    assert_eq!(
        citations(text),
        [
            ('E', 22),
            ('F', 3),
            ('E', 7),
            ('E', 24),
            ('F', 1),
            ('F', 8),
            ('F', 20)
        ]
    );
}

#[test]
fn no_file_links_or_points_outside_the_repository() {
    // Built from pieces, so this file does not match itself.
    let outside = [
        ["..", "/shared"].concat(),
        ["shared", "/spec"].concat(),
        ["ERRATA", ".md"].concat(),
        ["FIELD-EVIDENCE", ".md"].concat(),
    ];
    let mut found = Vec::new();
    for (path, text) in repository_files() {
        for (n, line) in text.lines().enumerate() {
            if outside.iter().any(|o| line.contains(o.as_str())) {
                found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "these point outside the repository (cite E/F numbers; docs/errata.md and \
         docs/field-evidence.md explain them):\n{}",
        found.join("\n")
    );
}

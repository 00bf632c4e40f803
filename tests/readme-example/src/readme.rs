//! The fenced blocks of README's "Using the library from Rust" section (shared by
//! build.rs and the test).

/// The heading of README's library section.
pub const SECTION: &str = "### Using the library from Rust";

/// The contents of the first fenced block of language `lang` (` ```rust `) in README's
/// library section.
pub fn block(readme: &str, lang: &str) -> Result<String, String> {
    let start = readme
        .find(SECTION)
        .ok_or_else(|| format!("README.md has no {SECTION:?} section"))?;
    let section = &readme[start + SECTION.len()..];
    // Up to the next heading (`#` also starts lines of the program: `#[tokio::main]`).
    let end = ["\n## ", "\n### "]
        .iter()
        .filter_map(|heading| section.find(heading))
        .min()
        .unwrap_or(section.len());
    let section = &section[..end];
    let fence = format!("\n```{lang}\n");
    let open = section
        .find(&fence)
        .ok_or_else(|| format!("README's {SECTION:?} has no ```{lang} block"))?;
    let body = &section[open + fence.len()..];
    let close = body
        .find("\n```")
        .ok_or_else(|| format!("README's ```{lang} block is not closed"))?;
    Ok(body[..=close].to_string())
}

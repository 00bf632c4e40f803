//! Printing responses in the chosen format.

use std::io::Write;

use crate::options::OutputFormat;
use crate::request::{Reply, summarise_response};
use crate::tree::Node;

/// Prints a successful reply on stdout.
pub fn print_reply(format: OutputFormat, reply: &Reply) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Xml => writeln!(out, "{}", reply.xml.trim_end())?,
        OutputFormat::Json => {
            let root = Node::parse(&reply.xml)?;
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&root.to_json_document())?
            )?;
        }
        OutputFormat::Text => {
            writeln!(
                out,
                "{}: {}",
                reply.function,
                summarise_response(&reply.function, &reply.body)
            )?;
            let mut text = String::new();
            for c in &reply.body.children {
                c.render_text(1, &mut text);
            }
            write!(out, "{text}")?;
        }
    }
    out.flush()?;
    Ok(())
}

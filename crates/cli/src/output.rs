//! Printing responses in the chosen format.

use std::fmt;
use std::io::Write;

use crate::options::OutputFormat;
use crate::request::{Reply, summarise_response};
use crate::tree::Node;

/// Prints a successful reply on stdout. A response with no content (a search that
/// matched nobody) is also said in words on stderr for XML and JSON, unless `quiet`:
/// an empty `<Response/>` alone does not say that nothing was found.
pub fn print_reply(format: OutputFormat, reply: &Reply, quiet: bool) -> anyhow::Result<()> {
    let empty = || {
        if !quiet && reply.body.children.is_empty() {
            eprintln!(
                "{}: {}",
                reply.function,
                summarise_response(&reply.function, &reply.body)
            );
        }
    };
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Xml => {
            writeln!(out, "{}", reply.xml.trim_end())?;
            empty();
        }
        OutputFormat::Json => {
            let root = Node::parse(&reply.xml)?;
            root.write_json_document(&mut out)?;
            writeln!(out)?;
            empty();
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

/// Writes to stdout (the `println!` of this crate). A closed pipe ends the process
/// quietly with success: the reader has all it wanted. Any other failure to write is
/// reported on stderr, exit 1.
pub fn write_stdout(args: fmt::Arguments<'_>, newline: bool) {
    let mut out = std::io::stdout().lock();
    let written = out.write_fmt(args).and_then(|()| {
        if newline {
            out.write_all(b"\n")
        } else {
            Ok(())
        }
    });
    if let Err(e) = written {
        drop(out);
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        write_stderr(
            format_args!("error: cannot write to standard output: {e}"),
            true,
        );
        std::process::exit(1);
    }
}

/// Writes to stderr (the `eprintln!` of this crate): a closed pipe ends the process
/// quietly; other failures are ignored (there is nowhere left to report them).
pub fn write_stderr(args: fmt::Arguments<'_>, newline: bool) {
    let mut err = std::io::stderr().lock();
    let written = err.write_fmt(args).and_then(|()| {
        if newline {
            err.write_all(b"\n")
        } else {
            Ok(())
        }
    });
    if matches!(&written, Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe) {
        std::process::exit(0);
    }
}

/// Whether `error` comes from writing to a reader that has gone.
pub fn is_closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

//! The bottom layer of the command's output: the writers behind its `println!` and
//! `eprintln!` (which end quietly on a closed pipe), the output formats, files written
//! atomically, and the exit code of a response for another patient. Every other module
//! may use it; it uses none of them.

use std::fmt;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::ValueEnum;

/// How responses are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The response document.
    Xml,
    /// The response as JSON (attributes as "@name", repeated elements as arrays).
    Json,
    /// Readable indented text with a one-line summary.
    Text,
}

/// The exit code a response for another patient ends in (`record`, `call`, `extract`,
/// ...): its own, so scripts can tell a clinical-safety incident from a failure.
pub const EXIT_WRONG_PATIENT: u8 = 8;

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

/// The names of the temporary files records are written through (`.extract-*.tmp`).
pub const TEMP_PREFIX: &str = ".extract-";
pub const TEMP_SUFFIX: &str = ".tmp";

/// Writes `content` to `path` atomically: a temporary file beside it, then a rename.
pub fn write_atomically(path: &Path, content: &str) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(content.as_bytes())?;
    tmp.write_all(b"\n")?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

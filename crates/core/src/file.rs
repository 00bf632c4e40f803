//! Reading a document from a file within a size limit.
//!
//! Every file the tools read (a saved response, a request, a template, a list of NHS
//! numbers, a recording) goes through [`read_text`], so a file that is too large, or
//! never ends (`/dev/zero`, a pipe), is a clear error after at most `limit` bytes,
//! never memory growing without bound. The default limit is the one the network
//! framing applies to a document (64 MiB).
//!
//! ```
//! use systmone_core::file::{FileError, read_text};
//!
//! let dir = std::env::temp_dir().join(format!("systmone-core-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("small.xml");
//! std::fs::write(&path, "<a/>")?;
//! assert_eq!(read_text(&path, 16)?, "<a/>");
//! assert!(matches!(read_text(&path, 3), Err(FileError::TooLarge { limit: 3, .. })));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The default largest file read: 64 MiB, as the largest document the network framing
/// accepts (`systmone_transport::codec::DEFAULT_MAX_DOCUMENT_SIZE`).
pub const DEFAULT_MAX_FILE_SIZE: usize = 64 * 1024 * 1024;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Opening or reading it failed.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// It holds more than the limit (or never ends).
    #[error("{} is larger than the limit of {}", path.display(), bytes(*limit))]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit, in bytes.
        limit: usize,
    },
    /// It is not UTF-8 text.
    #[error("{} is not UTF-8 text (byte {valid_up_to})", path.display())]
    NotText {
        /// The file.
        path: PathBuf,
        /// The length of its valid beginning.
        valid_up_to: usize,
    },
}

/// A size for people: `64 MiB`, `4 KiB`, `100 bytes`.
fn bytes(n: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * KIB;
    if n >= MIB && n % MIB == 0 {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n % KIB == 0 {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

/// The bytes of the file at `path`, at most `limit` of them.
pub fn read_bytes(path: &Path, limit: usize) -> Result<Vec<u8>, FileError> {
    let io = |source| FileError::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let too_large = || FileError::TooLarge {
        path: path.to_owned(),
        limit,
    };
    // A regular file says how long it is: refused before anything is read, and read
    // into a buffer of the right size. Others (devices, pipes) are read up to the limit.
    let known = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    if known.is_some_and(|len| len > limit as u64) {
        return Err(too_large());
    }
    let capacity = known.map_or(8 * 1024, |len| len as usize).min(limit) + 1;
    let mut buffer = Vec::with_capacity(capacity);
    file.take(limit as u64 + 1)
        .read_to_end(&mut buffer)
        .map_err(io)?;
    if buffer.len() > limit {
        return Err(too_large());
    }
    Ok(buffer)
}

/// The text of the file at `path`, at most `limit` bytes of UTF-8.
pub fn read_text(path: &Path, limit: usize) -> Result<String, FileError> {
    let bytes = read_bytes(path, limit)?;
    String::from_utf8(bytes).map_err(|e| FileError::NotText {
        path: path.to_owned(),
        valid_up_to: e.utf8_error().valid_up_to(),
    })
}

/// [`std::fs::read`] within [`DEFAULT_MAX_FILE_SIZE`], for readers whose errors are
/// `io::Error`s: the same errors, and one of kind `InvalidData` for a file over the
/// limit.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    read_bytes(path, DEFAULT_MAX_FILE_SIZE).map_err(into_io)
}

/// [`std::fs::read_to_string`] within [`DEFAULT_MAX_FILE_SIZE`]: the same errors, and
/// one of kind `InvalidData` for a file over the limit.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    read_text(path, DEFAULT_MAX_FILE_SIZE).map_err(into_io)
}

fn into_io(error: FileError) -> io::Error {
    match error {
        FileError::Io { source, .. } => source,
        FileError::TooLarge { limit, .. } => io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than the limit of {}", bytes(limit)),
        ),
        FileError::NotText { .. } => io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_at_the_limit_is_read_one_over_it_is_refused() {
        let dir = std::env::temp_dir().join(format!("systmone-core-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        std::fs::write(&path, "x".repeat(100)).unwrap();
        assert_eq!(read_text(&path, 100).unwrap().len(), 100);
        let err = read_text(&path, 99).unwrap_err();
        assert!(
            matches!(err, FileError::TooLarge { limit: 99, .. }),
            "{err}"
        );
        assert!(
            err.to_string()
                .ends_with("is larger than the limit of 99 bytes"),
            "{err}"
        );
        assert!(matches!(
            read_text(&dir.join("none"), 10),
            Err(FileError::Io { .. })
        ));
        std::fs::write(&path, b"ab\xff").unwrap();
        assert!(matches!(
            read_text(&path, 10),
            Err(FileError::NotText { valid_up_to: 2, .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_io_forms_keep_not_found() {
        let missing = std::env::temp_dir().join("systmone-core-file-none/none");
        assert_eq!(
            read_to_string(&missing).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_file_stops_at_the_limit() {
        let err = read_bytes(Path::new("/dev/zero"), 1024 * 1024).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/dev/zero is larger than the limit of 1 MiB"
        );
        let err = read(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(err.to_string(), "larger than the limit of 64 MiB");
    }
}

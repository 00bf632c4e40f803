//! The versions a SystmOne client supports (its GetFunctions answer), kept beside the
//! Device ID per address, so that each command does not send a GetFunctions of its own
//! before its one request (SystmOne answers one request per second).
//!
//! ```
//! use std::time::Duration;
//! use systmone_transport::negotiation::NegotiationFile;
//!
//! let dir = tempfile::tempdir()?;
//! let file = NegotiationFile::in_dir(dir.path(), "127.0.0.1:40700");
//! assert_eq!(file.load(), None);
//! file.save(&[("PatientSearch".to_string(), vec!["1.0".to_string()])])?;
//! assert_eq!(file.load().unwrap()[0].1, ["1.0"]);
//! file.forget();
//! assert_eq!(file.load(), None);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! An answer is used for [`MAX_AGE`] (an hour: a SystmOne update comes with a restart
//! of the client, which a user notices), and forgotten sooner when a call meets a
//! version error (the client then asks again). The file is small and bounded
//! ([`MAX_ENTRIES`] addresses, [`MAX_FILE_LEN`] bytes), written atomically (a
//! temporary file, then a rename); one that cannot be read is ignored (the client asks),
//! never an error.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The file's first line.
const MAGIC: &str = "systmone-functions 1";

/// The file name used beside the Device ID file.
pub const DEFAULT_FILE_NAME: &str = "functions";

/// How long an answer is used.
pub const MAX_AGE: Duration = Duration::from_secs(3600);

/// Most addresses kept (the least recently saved are dropped).
pub const MAX_ENTRIES: usize = 16;

/// Largest file read; a longer one is ignored.
pub const MAX_FILE_LEN: u64 = 64 * 1024;

/// The GetFunctions answer of one SystmOne address, kept in a file.
#[derive(Debug, Clone)]
pub struct NegotiationFile {
    path: PathBuf,
    key: String,
}

/// A function and the versions advertised for it.
pub type Advertised = (String, Vec<String>);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A name or version the line format can hold (no separators, no control characters).
fn plain(text: &str) -> bool {
    !text.is_empty()
        && !text
            .chars()
            .any(|c| c.is_control() || matches!(c, '\t' | ';' | '=' | ','))
}

fn render_functions(functions: &[Advertised]) -> Option<String> {
    let mut parts = Vec::new();
    for (name, versions) in functions {
        if !plain(name) || !versions.iter().all(|v| plain(v)) {
            return None;
        }
        parts.push(format!("{name}={}", versions.join(",")));
    }
    Some(parts.join(";"))
}

fn parse_functions(text: &str) -> Option<Vec<Advertised>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(';')
        .map(|part| {
            let (name, versions) = part.split_once('=')?;
            let versions = if versions.is_empty() {
                Vec::new()
            } else {
                versions.split(',').map(str::to_string).collect()
            };
            Some((name.to_string(), versions))
        })
        .collect()
}

impl NegotiationFile {
    /// The file at `path`, for the SystmOne client at `addr`.
    pub fn at(path: impl Into<PathBuf>, addr: &str) -> Self {
        let key = addr
            .trim()
            .chars()
            .map(|c| if c.is_control() { '_' } else { c })
            .collect();
        Self {
            path: path.into(),
            key,
        }
    }

    /// The file in `dir` (the Device ID file's directory) for `addr`.
    pub fn in_dir(dir: &Path, addr: &str) -> Self {
        Self::at(dir.join(DEFAULT_FILE_NAME), addr)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every line of the file but the magic one (none when it is missing, too long or
    /// not this format).
    fn lines(&self) -> Vec<(String, u64, String)> {
        let Ok(file) = fs::File::open(&self.path) else {
            return Vec::new();
        };
        let mut text = String::new();
        if file
            .take(MAX_FILE_LEN + 1)
            .read_to_string(&mut text)
            .is_err()
            || text.len() as u64 > MAX_FILE_LEN
        {
            return Vec::new();
        }
        let mut lines = text.lines();
        if lines.next() != Some(MAGIC) {
            return Vec::new();
        }
        lines
            .filter_map(|line| {
                let mut fields = line.splitn(3, '\t');
                let key = fields.next()?.to_string();
                let saved = fields.next()?.parse().ok()?;
                let functions = fields.next()?.to_string();
                Some((key, saved, functions))
            })
            .take(MAX_ENTRIES)
            .collect()
    }

    /// The answer kept for this address, if there is one younger than [`MAX_AGE`].
    pub fn load(&self) -> Option<Vec<Advertised>> {
        let now = now_ms();
        let max_age = u64::try_from(MAX_AGE.as_millis()).unwrap_or(u64::MAX);
        self.lines()
            .into_iter()
            .find(|(key, _, _)| *key == self.key)
            .filter(|(_, saved, _)| *saved <= now && now - saved < max_age)
            .and_then(|(_, _, functions)| parse_functions(&functions))
    }

    /// Keeps `functions` as this address's answer (an answer the line format cannot
    /// hold is not kept).
    pub fn save(&self, functions: &[Advertised]) -> io::Result<()> {
        let Some(rendered) = render_functions(functions) else {
            return Ok(());
        };
        self.write(Some((now_ms(), rendered)))
    }

    /// Forgets this address's answer (after a version error): the next command asks.
    pub fn forget(&self) {
        if let Err(e) = self.write(None) {
            tracing::debug!("cannot update {}: {e}", self.path.display());
        }
    }

    fn write(&self, entry: Option<(u64, String)>) -> io::Result<()> {
        let mut lines: Vec<(String, u64, String)> = self
            .lines()
            .into_iter()
            .filter(|(key, _, _)| *key != self.key)
            .collect();
        if let Some((saved, functions)) = entry {
            lines.insert(0, (self.key.clone(), saved, functions));
        }
        lines.truncate(MAX_ENTRIES);
        let mut text = format!("{MAGIC}\n");
        for (key, saved, functions) in &lines {
            text.push_str(&format!("{key}\t{saved}\t{functions}\n"));
        }
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir)?;
        }
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = self.path.file_name().unwrap_or_default().to_string_lossy();
        let temp = self.path.with_file_name(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)?;
            f.write_all(text.as_bytes())?;
            fs::rename(&temp, &self.path)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_per_address_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let a = NegotiationFile::in_dir(dir.path(), "127.0.0.1:1");
        let b = NegotiationFile::in_dir(dir.path(), "127.0.0.1:2");
        let list = vec![
            ("GetFunctions".to_string(), vec!["1.0".to_string()]),
            (
                "GetPatientRecord".to_string(),
                vec!["1.0".to_string(), "2".to_string()],
            ),
        ];
        a.save(&list).unwrap();
        assert_eq!(a.load(), Some(list.clone()));
        assert_eq!(b.load(), None);
        b.save(&list[..1]).unwrap();
        a.forget();
        assert_eq!(a.load(), None);
        assert_eq!(b.load().unwrap().len(), 1);
    }

    #[test]
    fn old_damaged_or_unwritable_answers_are_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let file = NegotiationFile::in_dir(dir.path(), "a");
        let old = now_ms() - 3_600_001;
        fs::write(file.path(), format!("{MAGIC}\na\t{old}\tX=1.0\n")).unwrap();
        assert_eq!(file.load(), None, "older than an hour");
        fs::write(file.path(), "garbage").unwrap();
        assert_eq!(file.load(), None);
        // A name the format cannot hold is not kept.
        file.save(&[("A;B".to_string(), vec!["1".to_string()])])
            .unwrap();
        assert_eq!(file.load(), None);
    }
}

//! Where the Device ID that SystmOne allocated is kept.
//!
//! The first request carries an empty `DeviceID`; SystmOne asks its user to
//! approve the connection and returns the allocated ID, which must be stored
//! and sent in every later request. Losing it, or mistaking a damaged file for
//! "no ID yet", would make SystmOne ask its user for approval again, so a
//! [`FileStore`] writes atomically and reports a damaged file as an error
//! ([`DeviceIdError::Corrupt`]) rather than as a missing ID.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Longest Device ID accepted, in bytes.
pub const MAX_DEVICE_ID_LEN: usize = 256;

/// Why a Device ID could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum DeviceIdError {
    /// The Device ID to save is not acceptable.
    #[error("invalid Device ID: {reason}")]
    Invalid {
        /// What is wrong with it.
        reason: String,
    },
    /// The stored file exists but does not hold a valid Device ID.
    #[error(
        "Device ID file {} is corrupt ({reason}); fix or delete it (deleting it makes SystmOne ask its user to approve this software again)",
        path.display()
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading or writing the file failed.
    #[error("Device ID file {}: {source}", path.display())]
    Io {
        /// The file (or directory) concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The platform has no configuration directory to keep the ID in.
    #[error("no platform configuration directory for the Device ID file; give a path instead")]
    NoConfigDir,
}

/// Checks that `id` can be a Device ID: non-empty, printable ASCII (space
/// included, but not at either end), at most [`MAX_DEVICE_ID_LEN`] bytes.
pub fn validate_device_id(id: &str) -> Result<(), DeviceIdError> {
    let invalid = |reason: String| Err(DeviceIdError::Invalid { reason });
    if id.is_empty() {
        return invalid("empty".into());
    }
    if id.len() > MAX_DEVICE_ID_LEN {
        return invalid(format!(
            "{} bytes long, more than {MAX_DEVICE_ID_LEN}",
            id.len()
        ));
    }
    if let Some(c) = id.chars().find(|c| !matches!(c, ' '..='~')) {
        return invalid(format!("non-printable or non-ASCII character {c:?}"));
    }
    if id.trim() != id {
        return invalid("leading or trailing space".into());
    }
    Ok(())
}

/// Keeps the Device ID between runs.
pub trait DeviceIdStore: Send + Sync {
    /// The stored ID, or `None` if none has been stored yet.
    fn load(&self) -> Result<Option<String>, DeviceIdError>;
    /// Stores `id` (validated with [`validate_device_id`]), replacing any
    /// previous one.
    fn save(&self, id: &str) -> Result<(), DeviceIdError>;
    /// A file that processes sharing this store lock while one of them makes first
    /// contact (a request with no Device ID, which shows SystmOne's user a prompt), so
    /// that two commands started together make one prompt, not two; the other reads
    /// the ID the first was given. `None` (the default) for a store no other process
    /// shares.
    fn first_contact_lock(&self) -> Option<PathBuf> {
        None
    }
}

impl<T: DeviceIdStore + ?Sized> DeviceIdStore for Arc<T> {
    fn load(&self) -> Result<Option<String>, DeviceIdError> {
        (**self).load()
    }
    fn save(&self, id: &str) -> Result<(), DeviceIdError> {
        (**self).save(id)
    }
    fn first_contact_lock(&self) -> Option<PathBuf> {
        (**self).first_contact_lock()
    }
}

impl<T: DeviceIdStore + ?Sized> DeviceIdStore for Box<T> {
    fn load(&self) -> Result<Option<String>, DeviceIdError> {
        (**self).load()
    }
    fn save(&self, id: &str) -> Result<(), DeviceIdError> {
        (**self).save(id)
    }
    fn first_contact_lock(&self) -> Option<PathBuf> {
        (**self).first_contact_lock()
    }
}

/// Takes the exclusive lock on `path` (created with its directory if need be), waiting
/// for another holder at most `limit` without blocking the runtime thread (the lock is
/// only tried, and the wait between tries is a `tokio::time::sleep`). `Ok(None)`: still
/// held by another after `limit`. The lock is released when the file is dropped.
pub async fn lock_file_within(
    path: &Path,
    limit: std::time::Duration,
) -> Result<Option<File>, DeviceIdError> {
    let io = |source| DeviceIdError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(io)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(io)?;
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if fs4::fs_std::FileExt::try_lock_exclusive(&file).map_err(io)? {
            return Ok(Some(file));
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(None);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Keeps the ID in memory only (tests, ephemeral use).
#[derive(Debug, Default)]
pub struct MemoryStore {
    id: Mutex<Option<String>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store already holding `id` (not validated).
    pub fn with_id(id: impl Into<String>) -> Self {
        Self {
            id: Mutex::new(Some(id.into())),
        }
    }
}

impl DeviceIdStore for MemoryStore {
    fn load(&self) -> Result<Option<String>, DeviceIdError> {
        Ok(self
            .id
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone())
    }

    fn save(&self, id: &str) -> Result<(), DeviceIdError> {
        validate_device_id(id)?;
        *self.id.lock().unwrap_or_else(PoisonError::into_inner) = Some(id.to_owned());
        Ok(())
    }
}

/// Keeps the ID in a file holding just the ID (and a newline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStore {
    path: PathBuf,
}

/// Largest file `load` reads; anything longer is corrupt.
const MAX_FILE_LEN: u64 = 4096;

impl FileStore {
    /// The default file: `<config_dir>/systmone/device-id`, where
    /// `config_dir` is the platform's configuration directory
    /// (`$XDG_CONFIG_HOME` or `~/.config` on Linux, `~/Library/Application
    /// Support` on macOS, `%APPDATA%` on Windows).
    pub fn default_path() -> Option<PathBuf> {
        dirs::config_dir().map(|dir| dir.join("systmone").join("device-id"))
    }

    /// A store at [`default_path`](Self::default_path).
    pub fn new() -> Result<Self, DeviceIdError> {
        Self::default_path()
            .map(Self::at)
            .ok_or(DeviceIdError::NoConfigDir)
    }

    /// A store at the given file path.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The first-contact lock beside the file: `<name>.first-contact.lock`.
    pub fn first_contact_lock_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".first-contact.lock");
        self.path.with_file_name(name)
    }

    fn io_error(path: &Path) -> impl FnOnce(io::Error) -> DeviceIdError + '_ {
        move |source| DeviceIdError::Io {
            path: path.to_owned(),
            source,
        }
    }

    fn corrupt(&self, reason: String) -> DeviceIdError {
        DeviceIdError::Corrupt {
            path: self.path.clone(),
            reason,
        }
    }

    /// The directory the file lives in (`.` for a bare file name).
    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        }
    }

    /// A fresh temporary file name beside the target.
    fn temp_path(&self, dir: &Path) -> PathBuf {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "device-id".into());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        dir.join(format!(
            ".{name}.{}.{}.{nanos}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ))
    }

    fn write_temp(temp: &Path, id: &str) -> io::Result<()> {
        let mut file = OpenOptions::new().write(true).create_new(true).open(temp)?;
        file.write_all(id.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()
    }
}

/// Flushes a directory's entries (the rename) to disk. Not every platform
/// or file system can; a failure is logged, not returned, since the rename
/// itself has succeeded.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    {
        if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
            tracing::warn!(dir = %dir.display(), error = %e, "could not fsync directory after saving Device ID");
        }
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
    }
}

/// How old a Device ID file's temporary file must be to be taken for one a killed
/// process left (a write takes milliseconds).
const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(60);

impl DeviceIdStore for FileStore {
    fn first_contact_lock(&self) -> Option<PathBuf> {
        Some(self.first_contact_lock_path())
    }

    fn load(&self) -> Result<Option<String>, DeviceIdError> {
        // A process killed between writing its temporary file and the rename left it.
        crate::stale::remove_stale_temp_files(&self.path, Some(STALE_TEMP_AGE));
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Self::io_error(&self.path)(e)),
        };
        let mut bytes = Vec::new();
        file.take(MAX_FILE_LEN + 1)
            .read_to_end(&mut bytes)
            .map_err(Self::io_error(&self.path))?;
        if bytes.len() as u64 > MAX_FILE_LEN {
            return Err(self.corrupt(format!("longer than {MAX_FILE_LEN} bytes")));
        }
        let text =
            std::str::from_utf8(&bytes).map_err(|_| self.corrupt("not UTF-8 text".into()))?;
        let id = text.trim();
        if id.is_empty() {
            return Err(self.corrupt("empty".into()));
        }
        validate_device_id(id).map_err(|e| match e {
            DeviceIdError::Invalid { reason } => self.corrupt(reason),
            other => other,
        })?;
        Ok(Some(id.to_owned()))
    }

    fn save(&self, id: &str) -> Result<(), DeviceIdError> {
        validate_device_id(id)?;
        let dir = self.dir();
        fs::create_dir_all(&dir).map_err(Self::io_error(&dir))?;
        let temp = self.temp_path(&dir);
        let written = Self::write_temp(&temp, id).and_then(|()| fs::rename(&temp, &self.path));
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(Self::io_error(&self.path)(e));
        }
        sync_dir(&dir);
        tracing::debug!(path = %self.path.display(), "saved Device ID");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_killed_writes_temporary_file_is_removed_at_the_next_load() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::at(dir.path().join("device-id"));
        store.save("8A2C-11E3").unwrap();
        let left = dir.path().join(".device-id.4242.0.17.tmp");
        fs::write(&left, "half").unwrap();
        let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(600);
        File::options()
            .write(true)
            .open(&left)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        assert_eq!(store.load().unwrap().as_deref(), Some("8A2C-11E3"));
        assert_eq!(entries(dir.path()), ["device-id"]);
    }

    #[test]
    fn validation() {
        assert!(validate_device_id("ABC-123_x.y").is_ok());
        assert!(validate_device_id("with inner space").is_ok());
        assert!(validate_device_id(&"a".repeat(MAX_DEVICE_ID_LEN)).is_ok());
        for bad in [
            String::new(),
            "a".repeat(MAX_DEVICE_ID_LEN + 1),
            "tab\there".into(),
            "new\nline".into(),
            "nul\0".into(),
            "caf\u{e9}".into(),
            " padded".into(),
        ] {
            assert!(
                matches!(validate_device_id(&bad), Err(DeviceIdError::Invalid { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn memory_store_round_trip() {
        let store = MemoryStore::new();
        assert_eq!(store.load().unwrap(), None);
        store.save("D1").unwrap();
        assert_eq!(store.load().unwrap().as_deref(), Some("D1"));
        assert!(store.save("").is_err());
        assert_eq!(store.load().unwrap().as_deref(), Some("D1"));
        let shared: Arc<dyn DeviceIdStore> = Arc::new(MemoryStore::with_id("D2"));
        assert_eq!(shared.load().unwrap().as_deref(), Some("D2"));
    }

    #[test]
    fn file_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::at(dir.path().join("device-id"));
        store.save("8A2C-11E3").unwrap();
        assert_eq!(store.load().unwrap().as_deref(), Some("8A2C-11E3"));
        assert_eq!(fs::read_to_string(store.path()).unwrap(), "8A2C-11E3\n");
    }

    #[test]
    fn missing_file_is_no_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::at(dir.path().join("nothing-here"));
        assert_eq!(store.load().unwrap(), None);
    }

    #[test]
    fn content_is_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device-id");
        fs::write(&path, "  ABC123\r\n\n").unwrap();
        assert_eq!(
            FileStore::at(&path).load().unwrap().as_deref(),
            Some("ABC123")
        );
    }

    #[test]
    fn corrupt_files_are_errors_not_missing_ids() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device-id");
        let long = "a".repeat(MAX_DEVICE_ID_LEN + 1);
        let huge = vec![b'a'; 10_000];
        let cases: [&[u8]; 6] = [
            b"",
            b" \n\r\n",
            b"AB\x01CD",
            b"\xff\xfe",
            long.as_bytes(),
            &huge,
        ];
        for content in cases {
            fs::write(&path, content).unwrap();
            let err = FileStore::at(&path).load().unwrap_err();
            match &err {
                DeviceIdError::Corrupt { path: p, .. } => assert_eq!(p, &path),
                other => panic!("{content:?}: {other:?}"),
            }
            assert!(err.to_string().contains("device-id"));
        }
    }

    #[test]
    fn save_refuses_invalid_ids_and_keeps_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::at(dir.path().join("device-id"));
        store.save("GOOD").unwrap();
        assert!(matches!(
            store.save("bad\nid"),
            Err(DeviceIdError::Invalid { .. })
        ));
        assert_eq!(store.load().unwrap().as_deref(), Some("GOOD"));
    }

    #[test]
    fn save_replaces_atomically_leaving_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::at(dir.path().join("device-id"));
        store.save("FIRST").unwrap();
        store.save("SECOND").unwrap();
        assert_eq!(store.load().unwrap().as_deref(), Some("SECOND"));
        assert_eq!(entries(dir.path()), vec!["device-id".to_string()]);
    }

    #[test]
    fn failed_save_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a non-empty directory, so the rename fails.
        let target = dir.path().join("device-id");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("x"), "x").unwrap();
        let err = FileStore::at(&target).save("ID").unwrap_err();
        assert!(matches!(err, DeviceIdError::Io { .. }), "{err:?}");
        assert_eq!(entries(dir.path()), vec!["device-id".to_string()]);
    }

    #[test]
    fn parent_directories_are_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir
            .path()
            .join("a")
            .join("b")
            .join("systmone")
            .join("device-id");
        let store = FileStore::at(&path);
        assert_eq!(store.load().unwrap(), None);
        store.save("NESTED").unwrap();
        assert_eq!(store.load().unwrap().as_deref(), Some("NESTED"));
    }

    #[test]
    fn reused_across_store_instances() {
        // Simulates a client restart: a new store on the same path.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device-id");
        FileStore::at(&path).save("PERSISTED").unwrap();
        let restarted: Box<dyn DeviceIdStore> = Box::new(FileStore::at(&path));
        assert_eq!(restarted.load().unwrap().as_deref(), Some("PERSISTED"));
    }

    #[test]
    fn default_path_is_under_the_config_dir() {
        if let Some(path) = FileStore::default_path() {
            assert!(path.ends_with(Path::new("systmone").join("device-id")));
            assert_eq!(FileStore::new().unwrap().path(), path);
        }
    }
}

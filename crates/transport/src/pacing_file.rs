//! Pacing state shared between processes through a small locked file.
//!
//! A [`Pacer`](crate::pacing::Pacer) paces the requests of one process. Two
//! commands run one after the other (`systmone record N; systmone record N`)
//! or at the same time are two processes: each would send its first request
//! at once, inside SystmOne's throttle window, and SystmOne drops a throttled
//! request without any answer. [`PacingFile`] keeps the two instants the
//! pacing rule needs (the last request's send time and the last throttled
//! GetPatientRecord's, per SystmOne address) in a file, so every process
//! taking a turn sees the others' turns. The rule itself stays in
//! [`PaceSchedule`](crate::pacing::PaceSchedule); this module only persists
//! its state.
//!
//! Safety of the file:
//!
//! * a turn is taken under an exclusive advisory lock (`fs4`) on a separate lock file
//!   (`<name>.lock`, never replaced), with a time limit on waiting for it;
//! * an async caller ([`PacingFile::lock_async`], [`PacingFileGuard::save_async`], as
//!   the [`Pacer`](crate::pacing::Pacer) uses them) never blocks its runtime thread: the
//!   lock is only *tried* there (a non-blocking call), the wait while another holder has
//!   it is a `tokio::time::sleep`, and opening, reading and writing the files run on
//!   tokio's blocking pool. A blocked runtime thread would hold up every
//!   other task on it, the simulator's or the rest of the program's, and shift the times
//!   at which their requests go out. [`PacingFile::lock`] and
//!   [`PacingFileGuard::save`] are the same steps for callers outside an async runtime;
//! * the state is written atomically (a temporary file, then a rename), so a
//!   reader never sees half a file;
//! * it is bounded: at most [`MAX_ENTRIES`] addresses, entries older than an
//!   hour dropped, and a file over [`MAX_FILE_LEN`] bytes is not read;
//! * a damaged file is **reset conservatively**, not refused: it is treated
//!   as if a throttled GetPatientRecord had just been sent, so the next
//!   request waits the full interval, and the file is rewritten. Refusing
//!   would stop every command until someone deleted the file; forgetting the
//!   state could send a request inside another process's throttle window,
//!   which SystmOne drops without an answer. Waiting once is the safe
//!   choice.
//!
//! Times are stored as wall-clock milliseconds since the Unix epoch (each
//! process has its own monotonic clock); the conversion to and from the
//! monotonic [`Instant`] of the schedule happens at the moment of each turn.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fs4::fs_std::FileExt;
use tokio::time::Instant;

/// The file's first line.
const MAGIC: &str = "systmone-pacing 1";

/// Most addresses kept in one file (the least recently used are dropped).
pub const MAX_ENTRIES: usize = 64;

/// Largest file read; a longer one is treated as damaged.
pub const MAX_FILE_LEN: u64 = 128 * 1024;

/// Entries whose last request is older than this are dropped when the file is
/// written (far beyond any throttle interval).
const KEEP_FOR: Duration = Duration::from_secs(3600);

/// Longest a process waits for another to release the lock (each holds it for
/// a read and a write of a small file).
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a waiter sleeps between two tries of the lock.
const LOCK_RETRY: Duration = Duration::from_millis(5);

/// Persisted instants further in the future than this are taken as a clock
/// that jumped backwards, and clamped (otherwise a command could wait hours).
const MAX_AHEAD: Duration = Duration::from_secs(600);

/// The file name used beside the Device ID file.
pub const DEFAULT_FILE_NAME: &str = "pacing";

/// Why the pacing file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PacingFileError {
    /// Opening, locking, reading or writing failed.
    #[error("pacing file {}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Another process held the lock for longer than [`LOCK_TIMEOUT`].
    #[error("pacing file {}: still locked by another process after {:?}", path.display(), LOCK_TIMEOUT)]
    LockTimeout {
        /// The lock file.
        path: PathBuf,
    },
}

/// The wall clock the file's times are read against (replaceable in tests that
/// run on tokio's paused clock).
pub type WallClock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The pacing state of one SystmOne address, in wall-clock time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SharedState {
    /// When the last request was (or will be) sent.
    pub last_send: Option<SystemTime>,
    /// When the last throttled GetPatientRecord was (or will be) sent.
    pub last_patient_record: Option<SystemTime>,
    /// When the last request's last byte was actually written (which may be after
    /// its turn, and after later turns were taken from that turn).
    pub last_sent: Option<SystemTime>,
    /// When the last throttled GetPatientRecord's last byte was actually written.
    pub last_patient_record_sent: Option<SystemTime>,
    /// Every turn still able to hold a new one back (reserved, or sent less than an
    /// interval ago), so a turn can go in a gap between them; at most
    /// [`MAX_TURNS`](crate::pacing::MAX_TURNS) are kept.
    pub turns: Vec<SystemTime>,
}

/// The pacing file for one SystmOne address.
#[derive(Clone)]
pub struct PacingFile {
    path: PathBuf,
    lock_path: PathBuf,
    key: String,
    clock: WallClock,
}

impl std::fmt::Debug for PacingFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PacingFile")
            .field("path", &self.path)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// An entry of the file: address, last send, last throttled record, when the last
/// request and the last throttled record were actually written, and the turns taken
/// (ms since the epoch, `-` for none; the turns a comma-separated list; the last three
/// fields may be missing, as in files written before them).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    key: String,
    last_send: Option<u64>,
    last_patient_record: Option<u64>,
    last_sent: Option<u64>,
    last_patient_record_sent: Option<u64>,
    turns: Vec<u64>,
}

/// Milliseconds since the epoch, rounded up: a stored send time is never earlier
/// than the real one, so the next turn is never early.
fn to_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| {
        let ms = d.as_millis() + u128::from(d.subsec_nanos() % 1_000_000 != 0);
        u64::try_from(ms).unwrap_or(u64::MAX)
    })
}

fn from_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// Parses the file; `Err` says why it is damaged.
fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let mut lines = text.lines();
    if lines.next() != Some(MAGIC) {
        return Err(format!("it does not start with {MAGIC:?}"));
    }
    let mut entries = Vec::new();
    for (i, line) in lines.enumerate() {
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let (key, send, record, sent, record_sent, turns) = match fields[..] {
            [key, send, record] => (key, send, record, "-", "-", "-"),
            [key, send, record, sent, record_sent] => (key, send, record, sent, record_sent, "-"),
            [key, send, record, sent, record_sent, turns] => {
                (key, send, record, sent, record_sent, turns)
            }
            _ => {
                return Err(format!(
                    "line {} does not have three, five or six fields",
                    i + 2
                ));
            }
        };
        let time = |field: &str| -> Result<Option<u64>, String> {
            if field == "-" {
                Ok(None)
            } else {
                field
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("line {}: {field:?} is not a time", i + 2))
            }
        };
        entries.push(Entry {
            key: key.to_string(),
            last_send: time(send)?,
            last_patient_record: time(record)?,
            last_sent: time(sent)?,
            last_patient_record_sent: time(record_sent)?,
            turns: if turns == "-" {
                Vec::new()
            } else {
                let list = turns
                    .split(',')
                    .map(|t| time(t).map(|t| t.unwrap_or(0)))
                    .collect::<Result<Vec<u64>, String>>()?;
                if list.len() > crate::pacing::MAX_TURNS {
                    return Err(format!(
                        "line {}: more than {} turns",
                        i + 2,
                        crate::pacing::MAX_TURNS
                    ));
                }
                list
            },
        });
    }
    if entries.len() > MAX_ENTRIES {
        return Err(format!("more than {MAX_ENTRIES} entries"));
    }
    Ok(entries)
}

fn render(entries: &[Entry]) -> String {
    let time = |t: Option<u64>| t.map_or_else(|| "-".to_string(), |t| t.to_string());
    let mut out = format!("{MAGIC}\n");
    for e in entries {
        let turns = if e.turns.is_empty() {
            "-".to_string()
        } else {
            e.turns
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\n",
            e.key,
            time(e.last_send),
            time(e.last_patient_record),
            time(e.last_sent),
            time(e.last_patient_record_sent),
            turns
        ));
    }
    out
}

impl PacingFile {
    /// The pacing file at `path` for the SystmOne client at `addr`.
    pub fn at(path: impl Into<PathBuf>, addr: &str) -> Self {
        let path = path.into();
        let mut lock_name = path.file_name().unwrap_or_default().to_os_string();
        lock_name.push(".lock");
        let lock_path = path.with_file_name(lock_name);
        // Tabs and line breaks would break the line format; addresses have none.
        let key = addr
            .trim()
            .chars()
            .map(|c| if c.is_control() { '_' } else { c })
            .collect();
        Self {
            path,
            lock_path,
            key,
            clock: Arc::new(SystemTime::now),
        }
    }

    /// The pacing file in `dir` (the Device ID file's directory) for `addr`.
    pub fn in_dir(dir: &Path, addr: &str) -> Self {
        Self::at(dir.join(DEFAULT_FILE_NAME), addr)
    }

    /// Reads times against `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: WallClock) -> Self {
        self.clock = clock;
        self
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current wall-clock time.
    pub fn now(&self) -> SystemTime {
        (self.clock)()
    }

    fn io(&self, path: &Path) -> impl FnOnce(io::Error) -> PacingFileError + use<> {
        let path = path.to_owned();
        move |source| PacingFileError::Io { path, source }
    }

    /// Takes the lock (waiting at most [`LOCK_TIMEOUT`]) and reads this
    /// address's state. The lock is held until the guard is dropped.
    ///
    /// This blocks the calling thread, also while it waits for another holder:
    /// for callers outside an async runtime. On a runtime, use
    /// [`lock_async`](Self::lock_async).
    pub fn lock(&self) -> Result<PacingFileGuard, PacingFileError> {
        let lock = self.open_lock_file()?;
        let deadline = std::time::Instant::now() + LOCK_TIMEOUT;
        while !self.try_lock(&lock)? {
            if std::time::Instant::now() >= deadline {
                return Err(self.lock_timeout());
            }
            // Another process holds it for a few file operations.
            std::thread::sleep(LOCK_RETRY);
        }
        self.read_under(lock)
    }

    /// Like [`lock`](Self::lock), without blocking the runtime thread: the files are
    /// opened and read on tokio's blocking pool, and while another holder has the
    /// lock the wait is a `tokio::time::sleep` (so it follows tokio's clock, paused
    /// in tests), still at most [`LOCK_TIMEOUT`].
    ///
    /// ```
    /// use systmone_transport::pacing_file::{PacingFile, SharedState};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let file = PacingFile::in_dir(dir.path(), "127.0.0.1:2018");
    /// let guard = file.lock_async().await?;
    /// assert_eq!(guard.state(), SharedState::default());
    /// let now = Some(file.now());
    /// guard
    ///     .save_async(SharedState { last_send: now, ..SharedState::default() })
    ///     .await?;
    /// assert!(file.lock_async().await?.state().last_send.is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn lock_async(&self) -> Result<PacingFileGuard, PacingFileError> {
        let lock = self.blocking(Self::open_lock_file).await?;
        let deadline = Instant::now() + LOCK_TIMEOUT;
        // Trying is a non-blocking call: it may run on the runtime thread.
        while !self.try_lock(&lock)? {
            if Instant::now() >= deadline {
                return Err(self.lock_timeout());
            }
            tokio::time::sleep(LOCK_RETRY).await;
        }
        self.blocking(move |file| file.read_under(lock)).await
    }

    /// Runs `job` on a copy of this file on tokio's blocking pool.
    async fn blocking<T: Send + 'static>(
        &self,
        job: impl FnOnce(&Self) -> Result<T, PacingFileError> + Send + 'static,
    ) -> Result<T, PacingFileError> {
        let file = self.clone();
        tokio::task::spawn_blocking(move || job(&file))
            .await
            .unwrap_or_else(|e| {
                // It panicked, or the runtime is shutting down.
                Err(self.io(&self.path)(io::Error::other(e)))
            })
    }

    /// Opens (and creates, with its directory) the lock file.
    fn open_lock_file(&self) -> Result<File, PacingFileError> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(self.io(dir))?;
        }
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&self.lock_path)
            .map_err(self.io(&self.lock_path))
    }

    /// Tries to take the lock without waiting: `false` while another holder has it.
    fn try_lock(&self, lock: &File) -> Result<bool, PacingFileError> {
        FileExt::try_lock_exclusive(lock).map_err(self.io(&self.lock_path))
    }

    fn lock_timeout(&self) -> PacingFileError {
        PacingFileError::LockTimeout {
            path: self.lock_path.clone(),
        }
    }

    /// Reads the state under the lock just taken.
    fn read_under(&self, lock: File) -> Result<PacingFileGuard, PacingFileError> {
        let (entries, reset) = self.read_entries()?;
        Ok(PacingFileGuard {
            file: self.clone(),
            _lock: lock,
            entries,
            reset,
        })
    }

    /// The entries, or none and the reason when the file is damaged.
    fn read_entries(&self) -> Result<(Vec<Entry>, Option<String>), PacingFileError> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), None)),
            Err(e) => return Err(self.io(&self.path)(e)),
        };
        let mut bytes = Vec::new();
        file.take(MAX_FILE_LEN + 1)
            .read_to_end(&mut bytes)
            .map_err(self.io(&self.path))?;
        if bytes.len() as u64 > MAX_FILE_LEN {
            return Ok((
                Vec::new(),
                Some(format!("longer than {MAX_FILE_LEN} bytes")),
            ));
        }
        let parsed = std::str::from_utf8(&bytes)
            .map_err(|_| "not UTF-8 text".to_string())
            .and_then(parse);
        Ok(match parsed {
            Ok(entries) => (entries, None),
            Err(reason) => (Vec::new(), Some(reason)),
        })
    }

    fn write_entries(&self, entries: &[Entry]) -> Result<(), PacingFileError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = self.path.file_name().unwrap_or_default().to_string_lossy();
        let temp = self.path.with_file_name(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        // Written under the lock every writer takes: any other temporary file of this
        // one was left by a process killed while writing.
        crate::stale::remove_stale_temp_files(&self.path, None);
        let written = (|| {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)?;
            f.write_all(render(entries).as_bytes())?;
            // No fsync: the file coordinates running processes, which read it through
            // the page cache; after a crash of the machine its times no longer matter
            // (and a damaged file is reset conservatively). An fsync cost milliseconds
            // on every request's turn.
            fs::rename(&temp, &self.path)
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(self.io(&self.path)(e));
        }
        Ok(())
    }
}

/// The lock on the pacing file, with the state read under it.
pub struct PacingFileGuard {
    file: PacingFile,
    _lock: File,
    entries: Vec<Entry>,
    reset: Option<String>,
}

impl SharedState {
    /// Whether the file would hold the same for both (it keeps milliseconds).
    pub fn same_in_file(&self, other: &SharedState) -> bool {
        let ms = |s: &SharedState| {
            (
                [
                    s.last_send,
                    s.last_patient_record,
                    s.last_sent,
                    s.last_patient_record_sent,
                ]
                .map(|t| t.map(to_ms)),
                {
                    let mut turns: Vec<u64> = s.turns.iter().map(|&t| to_ms(t)).collect();
                    turns.sort_unstable();
                    turns.dedup();
                    turns
                },
            )
        };
        ms(self) == ms(other)
    }
}

impl PacingFileGuard {
    /// Why the file was damaged and reset, if it was.
    pub fn reset_reason(&self) -> Option<&str> {
        self.reset.as_deref()
    }

    /// This address's state. After a reset, both instants are "now": the next
    /// request waits a full interval.
    pub fn state(&self) -> SharedState {
        let now = self.file.now();
        if self.reset.is_some() {
            return SharedState {
                last_send: Some(now),
                last_patient_record: Some(now),
                last_sent: Some(now),
                last_patient_record_sent: Some(now),
                turns: vec![now],
            };
        }
        let clamp = |t: Option<u64>| t.map(from_ms).map(|t| t.min(now + MAX_AHEAD));
        self.entries
            .iter()
            .find(|e| e.key == self.file.key)
            .map(|e| SharedState {
                last_send: clamp(e.last_send),
                last_patient_record: clamp(e.last_patient_record),
                last_sent: clamp(e.last_sent),
                last_patient_record_sent: clamp(e.last_patient_record_sent),
                turns: e.turns.iter().filter_map(|&t| clamp(Some(t))).collect(),
            })
            .unwrap_or_default()
    }

    /// Writes this address's state (and drops stale and surplus entries).
    pub fn save(mut self, state: SharedState) -> Result<(), PacingFileError> {
        let now = self.file.now();
        let key = self.file.key.clone();
        self.entries.retain(|e| e.key != key);
        self.entries.insert(
            0,
            Entry {
                key,
                last_send: state.last_send.map(to_ms),
                last_patient_record: state.last_patient_record.map(to_ms),
                last_sent: state.last_sent.map(to_ms),
                last_patient_record_sent: state.last_patient_record_sent.map(to_ms),
                turns: {
                    let mut turns: Vec<u64> = state.turns.iter().map(|&t| to_ms(t)).collect();
                    turns.sort_unstable();
                    turns.dedup();
                    let surplus = turns.len().saturating_sub(crate::pacing::MAX_TURNS);
                    turns.drain(..surplus);
                    turns
                },
            },
        );
        let oldest = to_ms(now.checked_sub(KEEP_FOR).unwrap_or(UNIX_EPOCH));
        self.entries
            .retain(|e| e.last_send.max(e.last_patient_record).unwrap_or(0) >= oldest);
        self.entries.truncate(MAX_ENTRIES);
        self.file.write_entries(&self.entries)
    }

    /// Like [`save`](Self::save), on tokio's blocking pool. The lock is released once the file is written, also if this future
    /// is dropped before.
    pub async fn save_async(self, state: SharedState) -> Result<(), PacingFileError> {
        let file = self.file.clone();
        file.blocking(move |_| self.save(state)).await
    }
}

/// Converts a wall-clock time to the schedule's monotonic time, given one
/// instant read on both clocks. `None` when it is too far in the past to be
/// represented (it then no longer delays anything).
pub fn wall_to_instant(t: SystemTime, now_wall: SystemTime, now: Instant) -> Option<Instant> {
    match t.duration_since(now_wall) {
        Ok(ahead) => Some(now + ahead),
        Err(behind) => now.checked_sub(behind.duration()),
    }
}

/// Converts the schedule's monotonic time to wall-clock time.
pub fn instant_to_wall(t: Instant, now_wall: SystemTime, now: Instant) -> SystemTime {
    if t >= now {
        now_wall + (t - now)
    } else {
        now_wall.checked_sub(now - t).unwrap_or(UNIX_EPOCH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing");
        let now = SystemTime::now();
        let t = |s: u64| now - Duration::from_secs(s);
        // Many addresses: only the most recent MAX_ENTRIES are kept.
        for i in 0..(MAX_ENTRIES + 10) {
            let f = PacingFile::at(&path, &format!("127.0.0.1:{i}"));
            let guard = f.lock().unwrap();
            assert_eq!(guard.state(), SharedState::default());
            guard
                .save(SharedState {
                    last_send: Some(t(1)),
                    last_sent: Some(t(2)),
                    ..SharedState::default()
                })
                .unwrap();
        }
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), MAX_ENTRIES + 1);
        let f = PacingFile::at(&path, &format!("127.0.0.1:{}", MAX_ENTRIES + 9));
        let state = f.lock().unwrap().state();
        assert_eq!(state.last_send.map(to_ms), Some(to_ms(t(1))));
        assert_eq!(state.last_patient_record, None);
        assert_eq!(state.last_sent.map(to_ms), Some(to_ms(t(2))));
        assert_eq!(state.last_patient_record_sent, None);
        // Stale entries (over an hour old) are dropped on the next write.
        let f = PacingFile::at(&path, "old:1");
        f.lock()
            .unwrap()
            .save(SharedState {
                last_send: Some(t(7200)),
                last_patient_record: Some(t(7200)),
                ..SharedState::default()
            })
            .unwrap();
        assert!(!fs::read_to_string(&path).unwrap().contains("old:1"));
        // No temporary files left behind.
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| n == "pacing" || n == "pacing.lock"),
            "{names:?}"
        );
    }

    #[test]
    fn damaged_file_is_reset_conservatively() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing");
        for damage in [
            b"garbage".to_vec(),
            format!("{MAGIC}\n127.0.0.1:1\tabc\t-\n").into_bytes(),
            format!("{MAGIC}\nonly two\tfields\n").into_bytes(),
            vec![0xff, 0xfe],
            vec![b'x'; MAX_FILE_LEN as usize + 1],
        ] {
            fs::write(&path, &damage).unwrap();
            let now = SystemTime::now();
            let f = PacingFile::at(&path, "127.0.0.1:1").with_clock(Arc::new(move || now));
            let guard = f.lock().unwrap();
            assert!(guard.reset_reason().is_some());
            // As if a throttled record had just been sent: the next turn waits fully.
            assert_eq!(
                guard.state(),
                SharedState {
                    last_send: Some(now),
                    last_patient_record: Some(now),
                    last_sent: Some(now),
                    last_patient_record_sent: Some(now),
                    turns: vec![now],
                }
            );
            guard.save(guard_state(now)).unwrap();
            let again = f.lock().unwrap();
            assert_eq!(again.reset_reason(), None, "rewritten valid");
        }
    }

    fn guard_state(now: SystemTime) -> SharedState {
        SharedState {
            last_send: Some(now),
            ..SharedState::default()
        }
    }

    #[test]
    fn a_file_without_the_sent_times_is_read() {
        // As written before the actual send times were kept: three fields.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing");
        let now = SystemTime::now();
        fs::write(
            &path,
            format!(
                "{MAGIC}
a	{}	-
",
                to_ms(now)
            ),
        )
        .unwrap();
        let f = PacingFile::at(&path, "a").with_clock(Arc::new(move || now));
        let guard = f.lock().unwrap();
        assert_eq!(guard.reset_reason(), None);
        let state = guard.state();
        assert_eq!(state.last_send.map(to_ms), Some(to_ms(now)));
        assert_eq!(
            (state.last_sent, state.last_patient_record_sent),
            (None, None)
        );
    }

    #[test]
    fn far_future_times_are_clamped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing");
        let now = SystemTime::now();
        let far = now + Duration::from_secs(86_400);
        fs::write(&path, format!("{MAGIC}\na\t{}\t-\n", to_ms(far))).unwrap();
        let f = PacingFile::at(&path, "a").with_clock(Arc::new(move || now));
        assert_eq!(f.lock().unwrap().state().last_send, Some(now + MAX_AHEAD));
    }

    #[test]
    fn the_lock_excludes_other_holders() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing");
        let f = PacingFile::at(&path, "a");
        let held = f.lock().unwrap();
        // A second open file description of the same lock file cannot take it.
        let other = OpenOptions::new()
            .read(true)
            .write(true)
            .open(dir.path().join("pacing.lock"))
            .unwrap();
        assert!(!FileExt::try_lock_exclusive(&other).unwrap());
        drop(held);
        assert!(FileExt::try_lock_exclusive(&other).unwrap());
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Counts one tick per 10 ms of tokio's clock, for as long as its thread lets it.
    fn ticker() -> (Arc<AtomicU64>, tokio::task::JoinHandle<()>) {
        let ticks = Arc::new(AtomicU64::new(0));
        let counted = ticks.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(ms(10)).await;
                counted.fetch_add(1, Ordering::Relaxed);
            }
        });
        (ticks, task)
    }

    /// On one runtime thread (the test runtime is `current_thread`): a task waiting
    /// for the lock lets the others run, the holder among them, and takes the lock as
    /// soon as the holder releases it. A waiter that blocked the thread would starve
    /// the holder and end with a timeout.
    #[tokio::test(start_paused = true)]
    async fn waiting_for_the_lock_lets_the_other_tasks_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing");
        let t0 = Instant::now();
        let held = PacingFile::at(&path, "a").lock_async().await.unwrap();
        let holder = tokio::spawn(async move {
            tokio::time::sleep(ms(300)).await;
            drop(held);
        });
        let (ticks, ticking) = ticker();
        let guard = PacingFile::at(&path, "b").lock_async().await.unwrap();
        let waited = Instant::now() - t0;
        assert!(
            waited >= ms(300) && waited <= ms(300) + LOCK_RETRY,
            "{waited:?}"
        );
        // The third task went on all the while: a tick per 10 ms.
        let ticked = ticks.load(Ordering::Relaxed);
        assert!((29..=31).contains(&ticked), "{ticked} ticks");
        ticking.abort();
        holder.await.unwrap();
        // The lock is really held: nobody else can take it now.
        let other = OpenOptions::new()
            .read(true)
            .write(true)
            .open(dir.path().join("pacing.lock"))
            .unwrap();
        assert!(!FileExt::try_lock_exclusive(&other).unwrap());
        guard.save_async(SharedState::default()).await.unwrap();
        assert!(FileExt::try_lock_exclusive(&other).unwrap());
    }

    /// The wait for a lock that is never released ends after [`LOCK_TIMEOUT`] of
    /// tokio's clock (paused here) with the timeout error; the other tasks run all the
    /// while.
    #[tokio::test(start_paused = true)]
    async fn waiting_for_the_lock_ends_after_the_time_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing");
        let held = PacingFile::at(&path, "a").lock_async().await.unwrap();
        let (ticks, ticking) = ticker();
        let t0 = Instant::now();
        let waiter = PacingFile::at(&path, "a");
        let error = waiter.lock_async().await.err().expect("a timeout");
        let waited = Instant::now() - t0;
        assert!(
            waited >= LOCK_TIMEOUT && waited <= LOCK_TIMEOUT + LOCK_RETRY,
            "{waited:?}"
        );
        match &error {
            PacingFileError::LockTimeout { path } => {
                assert_eq!(path, &dir.path().join("pacing.lock"));
            }
            other => panic!("expected a lock timeout, got {other:?}"),
        }
        assert!(
            error
                .to_string()
                .contains("still locked by another process")
        );
        let ticked = ticks.load(Ordering::Relaxed);
        assert!((999..=1001).contains(&ticked), "{ticked} ticks");
        ticking.abort();
        // Released: taken at once.
        drop(held);
        let t1 = Instant::now();
        waiter.lock_async().await.unwrap();
        assert_eq!(Instant::now(), t1);
    }

    #[test]
    fn clock_conversions() {
        let now = Instant::now();
        let wall = SystemTime::now();
        let later = now + Duration::from_secs(5);
        let w = instant_to_wall(later, wall, now);
        assert_eq!(w, wall + Duration::from_secs(5));
        assert_eq!(wall_to_instant(w, wall, now), Some(later));
        let w = wall - Duration::from_millis(300);
        assert_eq!(
            wall_to_instant(w, wall, now + Duration::from_secs(1)),
            Some(now + Duration::from_millis(700))
        );
    }
}

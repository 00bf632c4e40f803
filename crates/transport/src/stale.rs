//! Temporary files a killed process left behind.
//!
//! The Device ID and pacing files are written atomically: a temporary file
//! `.<name>.<pid>.<n>[...].tmp` beside the target, then a rename. A process killed
//! between the two leaves the temporary file; the next run removes it.

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Removes the temporary files of `path` (`.<file name>.*.tmp` in its directory):
/// every one when `min_age` is `None` (the caller holds the lock all writers take, so
/// none is being written), else those last modified at least `min_age` ago (a write
/// takes milliseconds). Returns how many were removed; failures are logged and skipped,
/// since a leftover file harms nothing but the tidiness of the directory.
pub(crate) fn remove_stale_temp_files(path: &Path, min_age: Option<Duration>) -> usize {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return 0;
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let prefix = format!(".{name}.");
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if !(file_name.starts_with(&prefix) && file_name.ends_with(".tmp")) {
            continue;
        }
        if let Some(min_age) = min_age {
            let age = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| now.duration_since(modified).ok());
            if age.is_none_or(|age| age < min_age) {
                continue;
            }
        }
        match fs::remove_file(entry.path()) {
            Ok(()) => removed += 1,
            Err(e) => {
                tracing::debug!(file = %entry.path().display(), error = %e, "cannot remove a stale temporary file")
            }
        }
    }
    if removed > 0 {
        tracing::debug!(removed, "removed temporary files an interrupted run left");
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn only_old_temporary_files_of_the_file_go() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("device-id");
        let old = dir.path().join(".device-id.123.0.456.tmp");
        let fresh = dir.path().join(".device-id.124.0.789.tmp");
        let other = dir.path().join(".pacing.1.0.tmp");
        for f in [&target, &old, &fresh, &other] {
            fs::write(f, "x").unwrap();
        }
        let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
        fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
        assert_eq!(
            remove_stale_temp_files(&target, Some(Duration::from_secs(60))),
            1
        );
        assert_eq!(
            names(dir.path()),
            [".device-id.124.0.789.tmp", ".pacing.1.0.tmp", "device-id"]
        );
        // Under the writers' lock, every one goes.
        assert_eq!(remove_stale_temp_files(&target, None), 1);
        assert_eq!(names(dir.path()), [".pacing.1.0.tmp", "device-id"]);
    }
}

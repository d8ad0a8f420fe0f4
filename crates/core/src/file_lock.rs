//! One process per data file: the platform's store and the shop's inbox take
//! an exclusive lock on a file beside theirs (`<file>-lock`, holding the
//! owner's PID) when they open, and a second process given the same file is
//! refused, naming the file and the PID, instead of both resuming the same
//! rows (one then died with `UNIQUE constraint failed`, the other answered
//! `503 store_unavailable`).
//!
//! Why an OS lock (`flock`, through `rustix`: std's `File::try_lock` is
//! newer than the workspace's MSRV) on a sidecar
//! file rather than SQLite's `PRAGMA locking_mode = EXCLUSIVE`: an exclusive
//! SQLite lock also shuts out readers, and reading a running platform's file
//! with `sqlite3` is part of the lesson (docs/database.md). `flock` locks
//! are separate from the `fcntl` locks SQLite itself takes, so they do not
//! interfere; the kernel drops the lock when the process dies, even by
//! `kill -9`, so a crash never leaves a stale lock (the file stays, with the
//! last PID in it, and is simply locked again by the next start).
//!
//! Within one process the lock is shared: the crash harness kills and
//! restarts a platform inside one process, and the restarted one opens the
//! file while the dead one is still in memory. A second open in the same
//! process gets the same lock.

use rustix::fs::{FlockOperation, flock};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// Why a data file could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Occurs when another process holds the file.
    #[error(
        "{} is in use by another process{}: stop it first, or give this one another --data path",
        path.display(),
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Held {
        /// The data file.
        path: PathBuf,
        /// The holder's PID, as it wrote it in the lock file.
        pid: Option<u32>,
    },
    /// Occurs when the lock file cannot be made or locked (a read-only
    /// folder).
    #[error("cannot lock {} (through {})", path.display(), lock.display())]
    Io {
        /// The data file.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// A held lock: released when the last copy is dropped (or the process ends).
#[derive(Clone, Debug)]
pub struct FileLock {
    _file: Arc<File>,
}

/// The locks this process holds, by lock file, so a second open in the same
/// process shares the first one's.
fn held() -> &'static Mutex<HashMap<PathBuf, Weak<File>>> {
    static HELD: OnceLock<Mutex<HashMap<PathBuf, Weak<File>>>> = OnceLock::new();
    HELD.get_or_init(Mutex::default)
}

/// The lock file of `path`: `<path>-lock`, as SQLite names its `-wal`.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-lock");
    PathBuf::from(name)
}

/// Locks data file `path` for this process (see the module docs).
pub fn lock(path: &Path) -> Result<FileLock, LockError> {
    let lock = lock_path(path);
    let io = |source| LockError::Io {
        path: path.to_path_buf(),
        lock: lock.clone(),
        source,
    };
    // A folder given as the file: no `<folder>-lock` beside it; the caller's
    // own open says what is wrong.
    if path.is_dir() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "is a folder",
        )));
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock)
        .map_err(io)?;
    // The same file by whatever name it was given.
    let key = lock.canonicalize().map_err(io)?;
    let mut held = held().lock().unwrap_or_else(|p| p.into_inner());
    held.retain(|_, weak| weak.strong_count() > 0);
    if let Some(mine) = held.get(&key).and_then(Weak::upgrade) {
        return Ok(FileLock { _file: mine });
    }
    match flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(rustix::io::Errno::WOULDBLOCK) => {
            let mut text = String::new();
            let pid = file
                .read_to_string(&mut text)
                .ok()
                .and_then(|_| text.trim().parse().ok());
            return Err(LockError::Held {
                path: path.to_path_buf(),
                pid,
            });
        }
        Err(e) => return Err(io(e.into())),
    }
    // Who holds it, for the refusal a second process prints. Best effort:
    // the lock is what counts.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| write!(file, "{}", std::process::id()))
        .and_then(|()| file.flush());
    let file = Arc::new(file);
    held.insert(key, Arc::downgrade(&file));
    Ok(FileLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_open_in_the_same_process_shares_the_lock_and_drop_releases_it() {
        let dir = std::env::temp_dir().join(format!("hooklab-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("data.sqlite");
        let first = lock(&path).unwrap();
        let second = lock(&path).unwrap();
        assert_eq!(
            std::fs::read_to_string(lock_path(&path)).unwrap(),
            std::process::id().to_string()
        );
        // Another open file description (what another process would have)
        // is refused while the lock is held…
        let other = File::open(lock_path(&path)).unwrap();
        let try_lock = || flock(&other, FlockOperation::NonBlockingLockExclusive);
        assert_eq!(try_lock(), Err(rustix::io::Errno::WOULDBLOCK));
        drop(first);
        assert_eq!(try_lock(), Err(rustix::io::Errno::WOULDBLOCK));
        // …and gets it once the last holder is gone.
        drop(second);
        try_lock().unwrap();
        // Now this process is the other one: refused, with the PID.
        let err = lock(&path).unwrap_err();
        let LockError::Held { pid, .. } = &err else {
            panic!("{err}");
        };
        assert_eq!(*pid, Some(std::process::id()));
        assert!(err.to_string().contains("data.sqlite is in use"), "{err}");
        drop(other);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

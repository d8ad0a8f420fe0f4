//! One process per data file: the platform's store and the shop's inbox take
//! an exclusive lock on the data file itself when they open, and a second
//! process given the same file is refused, naming the file and (from a file
//! beside it, `<file>-lock`) the holder's PID, instead of both resuming the
//! same rows (one then died with `UNIQUE constraint failed`, the other
//! answered `503 store_unavailable`).
//!
//! **The file, not its name.** The lock is on the data file's inode, so it
//! holds whatever name the file is given: through a symbolic link or a hard
//! link a second process reaches the same inode and is refused. (The lock
//! used to be on `<name as typed>-lock`: a second platform given a symlink
//! to a running one's file resumed its rows, and one given a hard link kept
//! its own `-wal` beside it, so payments both had answered `201` were lost.)
//! The PID file is written beside the file's real path (symlinks followed);
//! reached through a hard link, the refusal names the file without a PID.
//! The data file is created (empty: SQLite reads a 0-byte file as a new
//! database) if it does not exist yet, so that the very first process holds
//! its inode too.
//!
//! Why an OS lock (`flock`, through `rustix`: std's `File::try_lock` is
//! newer than the workspace's MSRV) rather than SQLite's `PRAGMA
//! locking_mode = EXCLUSIVE`: an exclusive SQLite lock also shuts out
//! readers, and reading a running platform's file with `sqlite3` is part of
//! the lesson (docs/database.md). `flock` locks are separate from the
//! `fcntl` locks SQLite itself takes, so they do not interfere (the file
//! descriptor this lock holds stays open as long as the lock: closing it
//! while SQLite has the file open would drop SQLite's own `fcntl` locks); the
//! kernel drops the lock when the process dies, even by `kill -9`, so a
//! crash never leaves a stale lock.
//!
//! Within one process the lock is shared: the crash harness kills and
//! restarts a platform inside one process, and the restarted one opens the
//! file while the dead one is still in memory. A second open in the same
//! process, by any name of the file, gets the same lock.

use rustix::fs::{FlockOperation, flock};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::MetadataExt;
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
    /// Occurs when the data file or its PID file cannot be made or locked
    /// (a missing or read-only folder).
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
    _held: Arc<Held>,
}

/// The locked data file and PID file, open as long as the lock lives.
#[derive(Debug)]
struct Held {
    _data: File,
    _pid: File,
    /// The data file's device and inode when it was locked.
    inode: (u64, u64),
    /// The PID file's path, beside the data file's real path.
    pid_path: PathBuf,
}

/// The locks this process holds, so a second open in the same process, by
/// any name of the file, shares the first one's.
fn held() -> &'static Mutex<Vec<Weak<Held>>> {
    static HELD: OnceLock<Mutex<Vec<Weak<Held>>>> = OnceLock::new();
    HELD.get_or_init(Mutex::default)
}

/// The PID file of `path`: `<path>-lock`, as SQLite names its `-wal`.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-lock");
    PathBuf::from(name)
}

/// Locks data file `path` for this process (see the module docs).
pub fn lock(path: &Path) -> Result<FileLock, LockError> {
    let io = |lock: &Path, source| LockError::Io {
        path: path.to_path_buf(),
        lock: lock.to_path_buf(),
        source,
    };
    // A folder given as the file: the caller's own open says what is wrong.
    if path.is_dir() {
        return Err(io(
            path,
            std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a folder"),
        ));
    }
    let data = open_data(path).map_err(|e| io(path, e))?;
    let meta = data.metadata().map_err(|e| io(path, e))?;
    let inode = (meta.dev(), meta.ino());
    // Beside the file's real name: every symlink to it finds the same PID.
    let real = path.canonicalize().map_err(|e| io(path, e))?;
    let pid_path = lock_path(&real);
    let mut held = held().lock().unwrap_or_else(|p| p.into_inner());
    held.retain(|weak| weak.strong_count() > 0);
    let same = |h: &Held| h.inode == inode || h.pid_path == pid_path;
    if let Some(mine) = held.iter().filter_map(Weak::upgrade).find(|h| same(h)) {
        return Ok(FileLock { _held: mine });
    }
    let refused = |pid_path: &Path| LockError::Held {
        path: path.to_path_buf(),
        pid: holder(pid_path),
    };
    match flock(&data, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(rustix::io::Errno::WOULDBLOCK) => return Err(refused(&pid_path)),
        Err(e) => return Err(io(path, e.into())),
    }
    let mut pid = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&pid_path)
        .map_err(|e| io(&pid_path, e))?;
    // The PID file is locked too: a data file emptied by `--reset` is a new
    // inode, and the name still says who holds it.
    match flock(&pid, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(rustix::io::Errno::WOULDBLOCK) => return Err(refused(&pid_path)),
        Err(e) => return Err(io(&pid_path, e.into())),
    }
    // Who holds it, for the refusal a second process prints. Best effort:
    // the lock on the data file is what counts.
    let _ = pid
        .set_len(0)
        .and_then(|()| pid.rewind())
        .and_then(|()| write!(pid, "{}", std::process::id()))
        .and_then(|()| pid.flush());
    let mine = Arc::new(Held {
        _data: data,
        _pid: pid,
        inode,
        pid_path,
    });
    held.push(Arc::downgrade(&mine));
    Ok(FileLock { _held: mine })
}

/// The data file, created empty if it is not there yet; read-only when
/// this process may not write it (the caller's own open then says so).
fn open_data(path: &Path) -> std::io::Result<File> {
    match OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
    {
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => File::open(path),
        other => other,
    }
}

/// The PID written in `pid_path`, if it holds one.
fn holder(pid_path: &Path) -> Option<u32> {
    let mut text = String::new();
    File::open(pid_path)
        .and_then(|mut f| f.read_to_string(&mut text))
        .ok()
        .and_then(|_| text.trim().parse().ok())
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

    /// Whether another open file description (another process's) of `path`
    /// would be refused the lock.
    fn taken(path: &Path) -> bool {
        let other = File::open(path).unwrap();
        match flock(&other, FlockOperation::NonBlockingLockExclusive) {
            Err(rustix::io::Errno::WOULDBLOCK) => true,
            Ok(()) => false,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn the_lock_holds_the_file_by_every_name_and_after_a_reset() {
        let dir = std::env::temp_dir().join(format!("hooklab-lock-names-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("data.sqlite");
        let symlink = dir.join("via-symlink.sqlite");
        let hard = dir.join("via-hard-link.sqlite");
        let mine = lock(&path).unwrap();
        // The first open made the file, so a hard link to it is possible.
        std::os::unix::fs::symlink(&path, &symlink).unwrap();
        std::fs::hard_link(&path, &hard).unwrap();
        // Another process reaching the file by another name finds it locked.
        assert!(taken(&path));
        assert!(taken(&symlink));
        assert!(taken(&hard));
        // The PID is beside the real name, whatever name was typed.
        assert!(!lock_path(&symlink).exists());
        // In this process, every name shares the one lock.
        let by_symlink = lock(&symlink).unwrap();
        let by_hard_link = lock(&hard).unwrap();
        // `--reset` makes a new file under the same name: the name stays
        // locked (through its PID file).
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, b"").unwrap();
        assert!(!taken(&path), "the new inode itself is not locked");
        assert!(taken(&lock_path(&path)));
        drop((mine, by_symlink, by_hard_link));
        assert!(!taken(&lock_path(&path)));
        assert!(!taken(&hard));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

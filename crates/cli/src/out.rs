//! Standard output for what hooklab prints as its result (tables, JSON,
//! reports, completion scripts). `print!` panics when the reader has gone
//! (`hooklab run --format json | head -1`); a command-line tool should stop
//! writing quietly instead, as `cat` and `grep` do, and go on with the rest
//! of its work (a run still writes its results folder).
//!
//! Standard error is the same: `eprintln!` panics when the write fails
//! (`2>/dev/full`, or `2>&1 | head -4` once `head` has gone), and the panic's
//! exit code 101 would hide the 2 or 1 the command meant. [`say!`] writes a
//! line to standard error and forgets a failed write: there is nowhere left
//! to tell about it.

use std::io::{ErrorKind, Write as _};

/// Writes `text` to standard output. A closed pipe is not an error: the
/// reader asked for no more.
pub(crate) fn print(text: impl AsRef<[u8]>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_ref()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// `eprintln!` that ignores a failed write (see the module's docs).
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::out::err_line(format_args!($($arg)*))
    };
}
pub(crate) use say;

/// Writes `line` and a newline to standard error, ignoring a failed write.
pub(crate) fn err_line(line: std::fmt::Arguments<'_>) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn a_closed_pipe_is_not_an_error() {
        // The error kind the function forgives, and only that one.
        let broken = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert_eq!(broken.kind(), std::io::ErrorKind::BrokenPipe);
        assert!(super::print("").is_ok());
    }
}

//! Standard output for what hooklab prints as its result (tables, JSON,
//! reports, completion scripts). `print!` panics when the reader has gone
//! (`hooklab run --format json | head -1`); a command-line tool should stop
//! writing quietly instead, as `cat` and `grep` do, and go on with the rest
//! of its work (a run still writes its results folder).

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

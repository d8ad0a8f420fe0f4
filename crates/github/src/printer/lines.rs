//! Plain lines printed apart from the code that produces them
//! ([`LinePrinter`], for the demo commands), and the [`Throttle`] that keeps
//! a storm of one kind of line (refusals, rejections) to a few a second, used
//! by both printers.

use super::{Sink, write_block};
use crate::lang;
use hooklab_core::lang::Lang;
use std::io;

/// How many lines of one repeating kind are printed per second before the
/// rest are counted and summarised.
pub const REPEATS_SHOWN_PER_SECOND: u32 = 3;

/// One line handed to a [`LinePrinter`].
struct Line {
    /// Set on the marker [`LinePrinter::flush`] sends: answered once every
    /// line before it is written.
    ack: Option<std::sync::mpsc::Sender<()>>,
    text: String,
    /// For lines that come in storms: the plural noun that counts them in
    /// the summary (`rejections`), already in the printer's language.
    repeats_as: Option<&'static str>,
}

/// Plain lines printed apart from the code that produces them: the same
/// design as the receiver's printer (a bounded queue, a blocking thread
/// that writes), for the demo commands' one line per request.
///
/// The producer (a request handler) never waits: when the queue is full the
/// line is dropped and counted, and the printer says how many were dropped
/// when it catches up. Lines of a kind that comes in storms (a flood of
/// unsigned deliveries) are printed [`REPEATS_SHOWN_PER_SECOND`] times a
/// second, and the rest summarised: "… and 10,000 more rejections in the
/// last second".
pub struct LinePrinter {
    queue: std::sync::mpsc::SyncSender<Line>,
    dropped: std::sync::Arc<std::sync::atomic::AtomicU64>,
    thread: std::thread::JoinHandle<io::Result<()>>,
}

impl LinePrinter {
    /// Starts the printer's thread, writing into `sink` with `lang`'s words,
    /// holding at most `capacity` lines.
    pub fn spawn(sink: Sink, lang: Lang, capacity: usize) -> io::Result<Self> {
        let (queue, lines) = std::sync::mpsc::sync_channel(capacity);
        let dropped = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = std::sync::Arc::clone(&dropped);
        let thread = std::thread::Builder::new()
            .name("hooklab-printer".to_owned())
            .spawn(move || print_lines(lines, sink, lang, &counter))?;
        Ok(LinePrinter {
            queue,
            dropped,
            thread,
        })
    }

    /// Queues `text`; never waits.
    pub fn print(&self, text: String) {
        self.send(Line {
            ack: None,
            text,
            repeats_as: None,
        });
    }

    /// Queues `text`, a line that may come in storms, counted as `noun` (a
    /// plural, in the printer's language) when summarised.
    pub fn print_repeating(&self, noun: &'static str, text: String) {
        self.send(Line {
            ack: None,
            text,
            repeats_as: Some(noun),
        });
    }

    fn send(&self, line: Line) {
        if self.queue.try_send(line).is_err() {
            self.dropped
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// How many lines were dropped so far because the output was not keeping up.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Waits, at most `patience`, until every line queued so far (and the
    /// summaries of storms so far) is written: before a command returns, so
    /// its last lines are not lost with the process. False if it timed out
    /// (the terminal is paused).
    pub fn flush(&self, patience: std::time::Duration) -> bool {
        let (ack, written) = std::sync::mpsc::channel();
        let marker = Line {
            ack: Some(ack),
            text: String::new(),
            repeats_as: None,
        };
        let deadline = std::time::Instant::now() + patience;
        let mut marker = Some(marker);
        // A full queue is waited on (briefly), not dropped: this is the end.
        while let Some(line) = marker.take() {
            match self.queue.try_send(line) {
                Ok(()) => {}
                Err(std::sync::mpsc::TrySendError::Full(line)) => {
                    if std::time::Instant::now() >= deadline {
                        return false;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    marker = Some(line);
                }
                Err(std::sync::mpsc::TrySendError::Disconnected(_)) => return false,
            }
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        written.recv_timeout(left).is_ok()
    }

    /// Prints what is queued (and the last summaries), then stops.
    pub fn finish(self) -> io::Result<()> {
        drop(self.queue);
        self.thread
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the printer thread panicked")))
    }
}

/// A second's worth of one repeating kind of line.
struct Window {
    started: std::time::Instant,
    shown: u32,
    more: u64,
}

/// Lines of repeating kinds, one second at a time: the first
/// [`REPEATS_SHOWN_PER_SECOND`] of a kind in a second are shown, the rest
/// counted and summarised when the second is over. Used by both printers.
#[derive(Default)]
pub(super) struct Throttle {
    /// The open second of each kind, by its plural noun.
    windows: Vec<(&'static str, Window)>,
}

impl Throttle {
    /// Whether a line of kind `noun` at `now` is to be shown (otherwise it
    /// is counted).
    pub(super) fn admit(&mut self, noun: &'static str, now: std::time::Instant) -> bool {
        let at = match self.windows.iter().position(|(n, _)| *n == noun) {
            Some(i) => i,
            None => {
                self.windows.push((
                    noun,
                    Window {
                        started: now,
                        shown: 0,
                        more: 0,
                    },
                ));
                self.windows.len() - 1
            }
        };
        let window = &mut self.windows[at].1;
        if window.shown >= REPEATS_SHOWN_PER_SECOND {
            window.more += 1;
            false
        } else {
            window.shown += 1;
            true
        }
    }

    /// Whether a second is still open (its summary may be due later).
    pub(super) fn is_open(&self) -> bool {
        !self.windows.is_empty()
    }

    /// Closes the seconds that are over at `now` (all of them if `all`), and
    /// returns their summaries: "… and 415 more refusals in the last second".
    pub(super) fn expire(&mut self, now: std::time::Instant, all: bool, lang: Lang) -> Vec<String> {
        let second = std::time::Duration::from_secs(1);
        let mut summaries = Vec::new();
        self.windows.retain(|(noun, w)| {
            let over = all || now.duration_since(w.started) >= second;
            if over && w.more > 0 {
                summaries.push(lang::more_in_last_second(lang, w.more, noun));
            }
            !over
        });
        summaries
    }
}

/// The printer thread's loop.
fn print_lines(
    lines: std::sync::mpsc::Receiver<Line>,
    mut sink: Sink,
    lang: Lang,
    dropped: &std::sync::atomic::AtomicU64,
) -> io::Result<()> {
    use std::sync::mpsc::RecvTimeoutError;
    use std::time::{Duration, Instant};
    let mut throttle = Throttle::default();
    let mut dropped_said = 0;
    loop {
        let next = lines.recv_timeout(Duration::from_millis(200));
        let now = Instant::now();
        let flushing = matches!(&next, Ok(Line { ack: Some(_), .. }));
        let done = flushing || matches!(next, Err(RecvTimeoutError::Disconnected));
        // Summaries of windows that are over (all of them at the end).
        let summaries = throttle.expire(now, done, lang);
        write_block(&mut sink, &summaries, false)?;
        let now_dropped = dropped.load(std::sync::atomic::Ordering::Relaxed);
        if now_dropped > dropped_said {
            let line = lang::lines_dropped(lang, now_dropped - dropped_said);
            write_block(&mut sink, &[line], false)?;
            dropped_said = now_dropped;
        }
        let line = match next {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        if let Some(ack) = line.ack {
            let _ = ack.send(());
            continue;
        }
        if let Some(noun) = line.repeats_as
            && !throttle.admit(noun, now)
        {
            continue;
        }
        write_block(&mut sink, &[line.text], false)?;
    }
}

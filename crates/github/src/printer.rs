//! Printing events, apart from answering them.
//!
//! GitHub waits at most 10 seconds for an answer, then marks the delivery
//! failed. A receiver that prints (or stores, or deploys) before it answers
//! ties GitHub's timeout to its slowest step: a terminal paused with Ctrl-S or
//! a full pipe would stall the HTTP response. So the HTTP handler only checks
//! and parses, hands a [`Notice`] to a channel, and answers; a printer on its
//! own blocking thread takes notices off the channel and writes them. This
//! is the smallest version of what production receivers do with a queue.
//!
//! The printer's parts:
//! - [`Notice`]: plain data, what happened (a new event, or a redelivery).
//! - [`OutputFormat`]: the seed's text (in a [`Lang`]) or JSON lines.
//! - [`render`]: a pure function from a notice to lines, tested without I/O.
//! - [`Sink`]: where lines go: any `Write` (stdout in the CLI) or a channel of
//!   lines (tests read it to see exactly what would have been printed).
//! - [`run`]: the blocking loop that ties them together.
//! - [`LinePrinter`] (in `lines.rs`): the same design for the demo's plain
//!   lines, and the throttle both printers share.

mod lines;

use lines::Throttle;
pub use lines::{LinePrinter, REPEATS_SHOWN_PER_SECOND};

use crate::event::Event;
use crate::lang;
use hooklab_core::lang::Lang;
use serde_json::json;
use std::io::{self, Write};
use tokio::sync::mpsc;

/// Something the receiver wants printed.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// A delivery seen for the first time.
    Event {
        /// `X-GitHub-Delivery`, if the request had one.
        delivery: Option<String>,
        /// What it said.
        event: Event,
    },
    /// A delivery id already seen: GitHub (or someone) sent it again. It was
    /// acknowledged, and is reported on one line rather than printed as new.
    Redelivery {
        /// The repeated `X-GitHub-Delivery`.
        delivery: String,
        /// Its `X-GitHub-Event`.
        event_type: String,
    },
    /// A delivery the receiver refused (401 forged or unsigned, 400
    /// malformed, 413 too large, 415 form-encoded): printed as one line, so a
    /// class sees an attack being refused.
    Refused {
        /// The HTTP status answered.
        status: u16,
        /// The stable code of the JSON error body (`signature_mismatch`, …).
        code: &'static str,
        /// `X-GitHub-Delivery`, if the request had one.
        delivery: Option<String>,
    },
}

/// How notices are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// The seed's lines (`--- EVENTO DO GITHUB ---`, `Tipo de evento: push`,
    /// ...) with labels in the given language.
    Text(Lang),
    /// One JSON object per line, for other programs (`jq`, a log shipper).
    JsonLines,
}

/// Where printed lines go.
pub enum Sink {
    /// A byte stream such as stdout. In text mode each event is preceded by a
    /// blank line, as the seed's `print("\n--- EVENTO DO GITHUB ---")` does.
    Writer(Box<dyn Write + Send>),
    /// A channel that receives each printed line (without the blank separator
    /// line and without the newline), so tests can await exactly what would
    /// have been printed instead of sleeping and scraping stdout.
    Lines(mpsc::UnboundedSender<String>),
}

/// The most characters of a sender's header (a delivery id, an event name)
/// printed or echoed: a GitHub delivery id is a 36-character UUID.
pub const MAX_EXCERPT_CHARS: usize = 64;

/// At most [`MAX_EXCERPT_CHARS`] of `text`, with `…` when it was longer:
/// headers are the sender's, and a 3,000-character one must not fill the
/// terminal or the answer.
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(MAX_EXCERPT_CHARS) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

/// The lines that print `notice` in `format`.
pub fn render(notice: &Notice, format: OutputFormat) -> Vec<String> {
    match format {
        // Payload fields are whoever signed them: escaped before they reach
        // a terminal (a `zen` of `\e[2J` must not clear the class's screen).
        OutputFormat::Text(lang) => render_text(notice, lang)
            .iter()
            .map(|line| hooklab_core::printable::escape_controls(line))
            .collect(),
        OutputFormat::JsonLines => vec![render_json(notice).to_string()],
    }
}

fn render_text(notice: &Notice, lang: Lang) -> Vec<String> {
    let l = lang::labels(lang);
    let event = match notice {
        Notice::Redelivery {
            delivery,
            event_type,
        } => {
            return vec![format!(
                "{} {} ({})",
                l.redelivery,
                excerpt(delivery),
                excerpt(event_type)
            )];
        }
        Notice::Refused {
            status,
            code,
            delivery,
        } => {
            let delivery = delivery
                .as_deref()
                .map(|d| format!(" ({} {})", l.delivery, excerpt(d)))
                .unwrap_or_default();
            return vec![format!(
                "{} {status}: {}{delivery}",
                l.refused,
                lang::refusal_reason(lang, code)
            )];
        }
        Notice::Event { event, .. } => event,
    };
    let repository = |repo: &Option<String>| repo.clone().unwrap_or_else(|| l.none.to_owned());
    let mut lines = vec![
        l.banner.to_owned(),
        format!("{} {}", l.event_type, event.event_type()),
    ];
    match event {
        Event::Push {
            repository: repo,
            commit_id,
            branch,
            author,
        } => lines.extend([
            format!("{} {repo}", l.repository),
            format!("{} {commit_id}", l.commit_id),
            format!("{} {branch}", l.branch),
            format!("{} {author}", l.author),
        ]),
        Event::PullRequest {
            repository: repo,
            action,
            title,
        } => lines.extend([
            format!("{} {repo}", l.repository),
            format!("{} {action}", l.pr_action),
            format!("{} {title}", l.pr_title),
        ]),
        Event::Issues {
            repository: repo,
            action,
            title,
        } => lines.extend([
            format!("{} {repo}", l.repository),
            format!("{} {action}", l.issue_action),
            format!("{} {title}", l.issue_title),
        ]),
        Event::Ping {
            repository: repo,
            zen,
            hook_id,
        } => lines.extend([
            format!("{} {}", l.repository, repository(repo)),
            format!("{} {zen}", l.zen),
            format!("{} {hook_id}", l.hook_id),
        ]),
        Event::Other {
            repository: repo,
            payload,
            ..
        } => lines.extend([
            format!("{} {}", l.repository, repository(repo)),
            l.other_event.to_owned(),
            // One line, like the seed's `print(data)`, so a log stays one
            // event per block; pipe `--json` output to `jq` to pretty-print.
            payload.to_string(),
        ]),
    }
    lines
}

fn render_json(notice: &Notice) -> serde_json::Value {
    let bounded = |delivery: &Option<String>| delivery.as_deref().map(excerpt);
    match notice {
        Notice::Event { delivery, event } => json!({
            "delivery": bounded(delivery),
            "redelivery": false,
            "event": event.event_type(),
            "data": event,
        }),
        Notice::Redelivery {
            delivery,
            event_type,
        } => json!({
            "delivery": excerpt(delivery),
            "redelivery": true,
            "event": excerpt(event_type),
        }),
        Notice::Refused {
            status,
            code,
            delivery,
        } => json!({
            "delivery": bounded(delivery),
            "refused": status,
            "code": code,
        }),
    }
}

/// Prints every notice that arrives, until every sender is dropped.
///
/// This blocks (it writes to a blocking `Write`), so run it with
/// `tokio::task::spawn_blocking` or on its own thread, never on an async task.
/// It returns early with an error when the sink breaks (stdout closed, the
/// test dropped its line receiver); the receiver then answers 503, so GitHub
/// records the failure and the event can be redelivered later.
///
/// Refused deliveries come in storms (`hooklab check`'s timing case sends
/// hundreds of forgeries in a second): in text, they are printed
/// [`REPEATS_SHOWN_PER_SECOND`] times a second and the rest summarised, as
/// the demo's [`LinePrinter`] does. JSON lines are for programs, which want
/// every one.
pub fn run(
    mut notices: mpsc::Receiver<Notice>,
    format: OutputFormat,
    mut sink: Sink,
) -> io::Result<()> {
    use std::time::{Duration, Instant};
    let lang = match format {
        OutputFormat::Text(lang) => lang,
        OutputFormat::JsonLines => Lang::En,
    };
    let mut throttle = Throttle::default();
    loop {
        // Idle, block until the next notice. While a storm's second is open,
        // look every 50 ms instead, so its summary is printed when the second
        // ends even if nothing follows (a tokio receiver cannot be waited on
        // with a timeout from a blocking thread).
        let next = if throttle.is_open() {
            match notices.try_recv() {
                Ok(notice) => Some(notice),
                Err(mpsc::error::TryRecvError::Empty) => {
                    std::thread::sleep(Duration::from_millis(50));
                    let summaries = throttle.expire(Instant::now(), false, lang);
                    write_block(&mut sink, &summaries, false)?;
                    continue;
                }
                Err(mpsc::error::TryRecvError::Disconnected) => None,
            }
        } else {
            notices.blocking_recv()
        };
        let now = Instant::now();
        let Some(notice) = next else {
            let summaries = throttle.expire(now, true, lang);
            return write_block(&mut sink, &summaries, false);
        };
        let summaries = throttle.expire(now, false, lang);
        write_block(&mut sink, &summaries, false)?;
        if let Notice::Refused { status, .. } = notice
            && matches!(format, OutputFormat::Text(_))
            && !throttle.admit(lang::refusals(lang, status), now)
        {
            continue;
        }
        let lines = render(&notice, format);
        let blank = matches!(
            (format, &notice),
            (OutputFormat::Text(_), Notice::Event { .. })
        );
        write_block(&mut sink, &lines, blank)?;
    }
}

/// Writes one block of lines to `sink` (after a blank line if `blank`, on a
/// writer), flushed: the one place both printers write.
fn write_block(sink: &mut Sink, lines: &[String], blank: bool) -> io::Result<()> {
    match sink {
        Sink::Writer(out) => {
            if lines.is_empty() {
                return Ok(());
            }
            // One write per block: a reader that takes the first line
            // (`| head -1`) finds the whole block already in the pipe, so
            // the write that fails on its leaving is the next event's,
            // never the rest of one half printed.
            let mut block =
                String::with_capacity(lines.iter().map(|l| l.len() + 1).sum::<usize>() + 1);
            if blank {
                block.push('\n');
            }
            for line in lines {
                block.push_str(line);
                block.push('\n');
            }
            out.write_all(block.as_bytes())?;
            // Flush per block: when stdout is a pipe it is block-buffered,
            // and `hooklab github listen | tee log` should show events as
            // they arrive.
            out.flush()
        }
        Sink::Lines(tx) => {
            for line in lines {
                tx.send(line.clone()).map_err(|_| {
                    io::Error::new(io::ErrorKind::BrokenPipe, "line receiver dropped")
                })?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_push() -> Notice {
        Notice::Event {
            delivery: Some("d-1".into()),
            event: Event::Push {
                repository: "DevSamuelAguiar/teste2-webhook".into(),
                commit_id: "d612b155f24f9cfb023e5bd704016cf4a0288cf5".into(),
                branch: "desenvolvimento".into(),
                author: "DevSamuelAguiar".into(),
            },
        }
    }

    #[test]
    fn escapes_in_signed_payload_fields_never_reach_the_terminal() {
        let notice = Notice::Event {
            delivery: Some("d-2".into()),
            event: Event::Push {
                repository: "a/b".into(),
                commit_id: "c".into(),
                branch: "main".into(),
                author: "\u{1b}[2J\u{1b}[31mPWNED".into(),
            },
        };
        let lines = render(&notice, OutputFormat::Text(Lang::En));
        assert!(lines.iter().all(|l| !l.contains('\u{1b}')), "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("\\u{1b}[2J")), "{lines:?}");
        // Machine output keeps the raw field.
        let json = render(&notice, OutputFormat::JsonLines).concat();
        assert!(json.contains("\\u001b[2J"), "{json}");
    }

    #[test]
    fn pt_br_push_is_the_seeds_output() {
        assert_eq!(
            render(&seed_push(), OutputFormat::Text(Lang::PtBr)),
            [
                "--- EVENTO DO GITHUB ---",
                "Tipo de evento: push",
                "Repositório: DevSamuelAguiar/teste2-webhook",
                "Commit ID: d612b155f24f9cfb023e5bd704016cf4a0288cf5",
                "Branch: desenvolvimento",
                "Autor: DevSamuelAguiar",
            ]
        );
    }

    #[test]
    fn a_refused_delivery_is_one_line_in_the_language() {
        let refused = Notice::Refused {
            status: 401,
            code: "signature_mismatch",
            delivery: Some("d-9".into()),
        };
        assert_eq!(
            render(&refused, OutputFormat::Text(Lang::PtBr)),
            [
                "--- ENTREGA RECUSADA 401: assinatura não confere (segredo errado ou corpo alterado) (entrega d-9)"
            ]
        );
        assert_eq!(
            render(&refused, OutputFormat::Text(Lang::En)),
            [
                "--- DELIVERY REFUSED 401: signature does not match (wrong secret or altered body) (delivery d-9)"
            ]
        );
    }

    #[test]
    fn a_malformed_event_name_is_said_in_the_language_and_ids_are_cut() {
        let refused = Notice::Refused {
            status: 400,
            code: "malformed_event_type",
            delivery: Some(excerpt(&"d".repeat(100))),
        };
        let en = render(&refused, OutputFormat::Text(Lang::En)).concat();
        assert!(en.contains("X-GitHub-Event is no event name"), "{en}");
        assert!(
            en.contains(&format!("{}…", "d".repeat(MAX_EXCERPT_CHARS))),
            "{en}"
        );
        assert!(!en.contains(&"d".repeat(MAX_EXCERPT_CHARS + 1)), "{en}");
        let pt = render(&refused, OutputFormat::Text(Lang::PtBr)).concat();
        assert!(pt.contains("não é nome de evento"), "{pt}");
        // Short ones are whole, and a cut never splits a character.
        assert_eq!(excerpt("d-1"), "d-1");
        assert_eq!(excerpt(&"é".repeat(70)), format!("{}…", "é".repeat(64)));
    }

    #[tokio::test]
    async fn a_storm_of_repeats_is_summarised_and_every_line_is_accounted_for() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let printer = LinePrinter::spawn(Sink::Lines(tx), Lang::En, 100_000).unwrap();
        printer.print("start".into());
        for n in 0..10_000 {
            printer.print_repeating("rejections", format!("REJECTED {n}"));
        }
        printer.finish().unwrap();
        let mut lines = Vec::new();
        while let Some(line) = rx.recv().await {
            lines.push(line);
        }
        assert_eq!(lines[0], "start");
        let shown = lines.iter().filter(|l| l.starts_with("REJECTED")).count();
        let summarised: u64 = lines
            .iter()
            .filter_map(|l| l.strip_prefix("… and "))
            .map(|l| {
                l.split(' ')
                    .next()
                    .unwrap()
                    .replace(',', "")
                    .parse::<u64>()
                    .unwrap()
            })
            .sum();
        assert!(shown <= 3 * 10, "{shown} lines shown");
        assert_eq!(shown as u64 + summarised, 10_000, "{lines:?}");
    }

    fn refusal(n: usize) -> Notice {
        Notice::Refused {
            status: 401,
            code: "signature_mismatch",
            delivery: Some(format!("d-{n}")),
        }
    }

    /// The count in a storm's summary line, if `line` is one.
    fn summarised(line: &str, prefix: &str, sep: char) -> Option<u64> {
        let rest = line.strip_prefix(prefix)?;
        rest.split(' ').next()?.replace(sep, "").parse().ok()
    }

    #[test]
    fn a_storm_of_refusals_is_summarised_in_the_language() {
        // As many as lesson 4's `hooklab check --scheme github` makes the
        // listener refuse, queued at once.
        let (tx, rx) = mpsc::channel(1_000);
        for n in 0..418 {
            tx.try_send(refusal(n)).unwrap();
        }
        drop(tx);
        let (lines_tx, mut lines_rx) = mpsc::unbounded_channel();
        run(rx, OutputFormat::Text(Lang::PtBr), Sink::Lines(lines_tx)).unwrap();
        let mut lines = Vec::new();
        while let Ok(line) = lines_rx.try_recv() {
            lines.push(line);
        }
        let shown = lines
            .iter()
            .filter(|l| l.starts_with("--- ENTREGA RECUSADA 401"))
            .count();
        let more: u64 = lines
            .iter()
            .filter_map(|l| summarised(l, "… e mais ", '.'))
            .sum();
        assert!(shown <= 3 * 10, "{shown} lines shown: {lines:?}");
        assert!(more > 0, "{lines:?}");
        assert_eq!(shown as u64 + more, 418, "{lines:?}");
        assert!(
            lines
                .iter()
                .any(|l| l.ends_with(" recusas (401) no último segundo")),
            "{lines:?}"
        );
    }

    #[test]
    fn a_storm_of_forgeries_does_not_hide_another_refusal() {
        // Lesson 4: `hooklab check` sends hundreds of forged signatures
        // (401), then a body that is not JSON (400) and one too large (413):
        // each status is throttled on its own, so the class sees those two.
        let (tx, rx) = mpsc::channel(1_000);
        for n in 0..400 {
            tx.try_send(refusal(n)).unwrap();
        }
        for (status, code) in [(400, "not_json"), (413, "payload_too_large")] {
            tx.try_send(Notice::Refused {
                status,
                code,
                delivery: None,
            })
            .unwrap();
        }
        drop(tx);
        let (lines_tx, mut lines_rx) = mpsc::unbounded_channel();
        run(rx, OutputFormat::Text(Lang::En), Sink::Lines(lines_tx)).unwrap();
        let mut lines = Vec::new();
        while let Ok(line) = lines_rx.try_recv() {
            lines.push(line);
        }
        for status in ["400", "413"] {
            assert!(
                lines
                    .iter()
                    .any(|l| l.starts_with(&format!("--- DELIVERY REFUSED {status}"))),
                "{lines:?}"
            );
        }
    }

    #[test]
    fn a_storms_summary_comes_when_its_second_ends_even_if_nothing_follows() {
        let (tx, rx) = mpsc::channel(100);
        for n in 0..10 {
            tx.try_send(refusal(n)).unwrap();
        }
        let (lines_tx, mut lines_rx) = mpsc::unbounded_channel();
        let printer = std::thread::spawn(move || {
            run(rx, OutputFormat::Text(Lang::En), Sink::Lines(lines_tx))
        });
        // The sender is still open: only the end of the second can bring
        // the summary.
        let mut lines = Vec::new();
        let more = loop {
            let line = lines_rx.blocking_recv().expect("the printer stopped early");
            if let Some(n) = summarised(&line, "… and ", ',') {
                break n;
            }
            lines.push(line);
        };
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(more, 7);
        drop(tx);
        printer.join().unwrap().unwrap();
    }

    #[test]
    fn json_lines_keep_every_refusal() {
        let (tx, rx) = mpsc::channel(100);
        for n in 0..50 {
            tx.try_send(refusal(n)).unwrap();
        }
        drop(tx);
        let (lines_tx, mut lines_rx) = mpsc::unbounded_channel();
        run(rx, OutputFormat::JsonLines, Sink::Lines(lines_tx)).unwrap();
        let mut count = 0;
        while let Ok(line) = lines_rx.try_recv() {
            assert!(line.contains("\"refused\":401"), "{line}");
            count += 1;
        }
        assert_eq!(count, 50);
    }

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_waiting() {
        // A writer that blocks until told: stdout a pipe nobody reads.
        struct Stuck(std::sync::mpsc::Receiver<()>);
        impl Write for Stuck {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                let _ = self.0.recv();
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let (release, stuck) = std::sync::mpsc::channel();
        let printer =
            LinePrinter::spawn(Sink::Writer(Box::new(Stuck(stuck))), Lang::En, 4).unwrap();
        // Returns although nothing is being written: the caller never waits.
        for n in 0..1_000 {
            printer.print(format!("line {n}"));
        }
        assert!(printer.dropped() >= 1_000 - 4 - 1, "{}", printer.dropped());
        assert!(!printer.flush(std::time::Duration::from_millis(50)));
        drop(release);
        printer.finish().unwrap();
    }

    #[test]
    fn json_lines_are_one_object() {
        let lines = render(&seed_push(), OutputFormat::JsonLines);
        assert_eq!(lines.len(), 1);
        let value: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(value["event"], "push");
        assert_eq!(value["delivery"], "d-1");
        assert_eq!(value["data"]["branch"], "desenvolvimento");
    }

    #[test]
    fn writer_sink_puts_a_blank_line_before_each_event() {
        #[derive(Clone, Default)]
        struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let out = Shared::default();
        let (tx, rx) = mpsc::channel(4);
        tx.try_send(seed_push()).unwrap();
        drop(tx);
        run(
            rx,
            OutputFormat::Text(Lang::En),
            Sink::Writer(Box::new(out.clone())),
        )
        .unwrap();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(
            text.starts_with("\n--- GITHUB EVENT ---\nEvent type: push\n"),
            "{text}"
        );
    }
}

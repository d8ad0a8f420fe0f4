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

/// The lines that print `notice` in `format`.
pub fn render(notice: &Notice, format: OutputFormat) -> Vec<String> {
    match format {
        OutputFormat::Text(lang) => render_text(notice, lang),
        OutputFormat::JsonLines => vec![render_json(notice).to_string()],
    }
}

fn render_text(notice: &Notice, lang: Lang) -> Vec<String> {
    let l = lang::labels(lang);
    let event = match notice {
        Notice::Redelivery {
            delivery,
            event_type,
        } => return vec![format!("{} {delivery} ({event_type})", l.redelivery)],
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
    match notice {
        Notice::Event { delivery, event } => json!({
            "delivery": delivery,
            "redelivery": false,
            "event": event.event_type(),
            "data": event,
        }),
        Notice::Redelivery {
            delivery,
            event_type,
        } => json!({
            "delivery": delivery,
            "redelivery": true,
            "event": event_type,
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
pub fn run(
    mut notices: mpsc::Receiver<Notice>,
    format: OutputFormat,
    mut sink: Sink,
) -> io::Result<()> {
    while let Some(notice) = notices.blocking_recv() {
        let lines = render(&notice, format);
        match &mut sink {
            Sink::Writer(out) => {
                let blank = matches!(
                    (format, &notice),
                    (OutputFormat::Text(_), Notice::Event { .. })
                );
                if blank {
                    writeln!(out)?;
                }
                for line in &lines {
                    writeln!(out, "{line}")?;
                }
                // Flush per event: when stdout is a pipe it is block-buffered,
                // and `hooklab github listen | tee log` should show events
                // as they arrive.
                out.flush()?;
            }
            Sink::Lines(tx) => {
                for line in lines {
                    tx.send(line).map_err(|_| {
                        io::Error::new(io::ErrorKind::BrokenPipe, "line receiver dropped")
                    })?;
                }
            }
        }
    }
    Ok(())
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

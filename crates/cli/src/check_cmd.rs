//! `hooklab check URL --secret SECRET`: grade a running webhook receiver.
//!
//! Glue only: parse the flags, read the wall clock and a seed once, run
//! [`hooklab_check::run`], print the scorecard in the asked format, and turn
//! the outcome into an exit code: 0 when every case passed or warned, 1 when
//! any failed or the deadline cut the battery short, 2 for bad usage (a URL
//! off this machine, a malformed secret, nothing listening, `--deadline 0`).
//!
//! While the battery runs, [`Shown`] tells on stderr which case is being
//! sent: a line that updates on a terminal, a line per case otherwise, none
//! with `--quiet`. A receiver that never answers keeps each request waiting
//! the sender's whole limit, and one that takes 100 ms keeps the timing case
//! busy for most of a minute: silence would look like a hang.

use crate::Failure;
use anyhow::anyhow;
use clap::{Args, ValueEnum};
use hooklab_check::battery::{
    DEFAULT_DEADLINE, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMING_SAMPLES, Progress,
};
use hooklab_check::{Case, CaseResult, CheckConfig, CheckError, Scheme, Secret, Verdict};
use hooklab_check::{render, text};
use hooklab_core::clock::Clock;
use hooklab_core::lang::Lang;
use std::io::IsTerminal as _;

/// Options of `hooklab check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The receiver's URL, e.g. http://127.0.0.1:8080/webhook. Loopback only:
    /// hooklab sends nothing off this machine.
    url: String,

    /// The secret the receiver verifies with: `whsec_…` for Standard
    /// Webhooks, the webhook's secret text for GitHub.
    #[arg(long, env = "HOOKLAB_CHECK_SECRET", hide_env_values = true)]
    secret: String,

    /// How deliveries are signed.
    #[arg(long, value_enum, default_value_t = SchemeArg::Standard)]
    scheme: SchemeArg,

    /// What to print: an aligned table, Markdown (for a slide), or JSON
    /// (documented in docs/check.md).
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    format: FormatArg,

    /// A GET on the receiver that answers {"processed": N}, the number of
    /// deliveries it acted on; with it, the duplicate case checks that a
    /// redelivery is not processed twice.
    #[arg(long, value_name = "URL")]
    state_url: Option<String>,

    /// The receiver's body limit, in bytes: the oversized case sends one
    /// byte more [default: 26,214,400, GitHub's 25 MB cap]. From the size of
    /// a genuine delivery (about 300 bytes) to 67,108,864 (64 MiB): the body
    /// is built in memory, and one under a genuine delivery would not be
    /// oversized.
    #[arg(long, value_name = "BYTES", value_parser = crate::numeric::max_body, allow_hyphen_values = true)]
    max_body: Option<usize>,

    /// Forgeries per group in the timing case (0 skips it).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TIMING_SAMPLES, value_parser = crate::numeric::timing_samples, allow_hyphen_values = true)]
    timing_samples: usize,

    /// How long the whole battery may take, in seconds: cases not started
    /// by then are skipped (the scorecard says so), and the timing case stops
    /// sampling. A receiver that answers slowly would otherwise keep it busy
    /// for many minutes.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_DEADLINE.as_secs(), value_parser = crate::numeric::deadline, allow_hyphen_values = true)]
    deadline: u64,
}

/// What is wrong with a `--state-url` before the battery starts, said with
/// the flag's name: without a scheme (`127.0.0.1:8080/state`), the URL it
/// meant; with another scheme than http://, that the count is read with a
/// plain HTTP GET. (The battery's own words named neither the flag nor a
/// state URL: "the scheme must be http://, as in …/webhook".) The rest
/// (loopback, a well-formed URL) is the battery's to check.
fn state_url(url: &str, lang: Lang) -> Result<(), String> {
    if let Some(said) = crate::demo_cmd::flags::missing_scheme(url, "--state-url", lang) {
        return Err(said);
    }
    let scheme = url.split_once("://").map_or("", |(scheme, _)| scheme);
    if scheme.eq_ignore_ascii_case("http") {
        return Ok(());
    }
    Err(crate::text::pick(
        lang,
        format!(
            "--state-url `{url}`: the receiver's count is read with a plain http:// GET (hooklab speaks \
             no other scheme), such as http://127.0.0.1:8080/state answering {{\"processed\": N}}"
        ),
        format!(
            "--state-url `{url}`: a contagem do receptor é lida com um GET http:// simples (o hooklab não \
             fala outro esquema), como http://127.0.0.1:8080/state respondendo {{\"processed\": N}}"
        ),
    ))
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SchemeArg {
    /// Standard Webhooks (Svix and others): webhook-id, webhook-timestamp,
    /// webhook-signature: v1,<base64>.
    Standard,
    /// GitHub: X-Hub-Signature-256: sha256=<hex>, X-GitHub-Event, X-GitHub-Delivery.
    Github,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Table,
    Json,
    Markdown,
}

/// Runs `hooklab check` and prints its scorecard; `quiet` shows no progress.
pub fn check(args: CheckArgs, lang: Lang, quiet: bool) -> Result<(), Failure> {
    let scheme = match args.scheme {
        SchemeArg::Standard => Scheme::Standard,
        SchemeArg::Github => Scheme::Github,
    };
    let secret = Secret::parse(scheme, &args.secret)
        .map_err(|e| Failure::Usage(anyhow!(text::secret_refused(scheme, &e, lang))))?;
    if let Some(url) = &args.state_url {
        state_url(url, lang).map_err(|said| Failure::Usage(anyhow!(said)))?;
    }
    let now_us = Clock::system_unix_us();
    // A seed from the clock and the process: every run sends fresh delivery
    // ids, so a receiver's deduplication never mistakes one run for another.
    let seed = (now_us as u64) ^ (u64::from(std::process::id()) << 40);
    let config = CheckConfig {
        state_url: args.state_url,
        max_body_bytes: args.max_body.unwrap_or(DEFAULT_MAX_BODY_BYTES),
        timing_samples: args.timing_samples,
        deadline: std::time::Duration::from_secs(args.deadline),
        ..CheckConfig::new(args.url, secret, now_us / 1_000_000, seed)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Failure::Runtime(anyhow::Error::new(e).context(crate::text::phrase(
                lang,
                crate::text::Phrase::Runtime,
                "",
            )))
        })?;
    let shown = Shown::new(lang, quiet);
    let outcome = runtime.block_on(hooklab_check::battery::run_with(config, &shown));
    shown.done();
    let card = outcome.map_err(|e| {
        if e.is_usage() {
            Failure::Usage(worded(&e, lang))
        } else {
            Failure::Runtime(worded(&e, lang))
        }
    })?;
    let printed = match args.format {
        FormatArg::Table => render::table(&card, lang, colours_wanted()),
        FormatArg::Markdown => render::markdown(&card, lang),
        FormatArg::Json => render::json(&card, lang),
    };
    crate::out::print(printed).map_err(|e| Failure::Runtime(anyhow::Error::new(e)))?;
    // The scorecard's own exit code: 1 when a case failed, and also when the
    // deadline cut the battery short (a run that did not ask every question
    // must not look green to a CI).
    if card.exit_code() == 0 {
        return Ok(());
    }
    // Failures first, then what the deadline left undone: cases it kept
    // from starting, and cases it cut short (one waiting for its answer, or
    // the reliability case before its 20 deliveries).
    let message = text::exit_reason(&card, lang).unwrap_or_else(|| {
        crate::text::pick(lang, "the battery did not pass", "a bateria não passou").to_owned()
    });
    Err(Failure::Runtime(anyhow!(message)))
}

/// `error` in `lang`, with another program's words kept as its cause, which
/// the CLI prints on a labelled line of its own in Portuguese.
fn worded(error: &CheckError, lang: Lang) -> anyhow::Error {
    let (sentence, detail) = text::error(error, lang);
    match detail {
        Some(detail) => anyhow::Error::msg(detail).context(sentence),
        None => anyhow::Error::msg(sentence),
    }
}

/// The battery's progress on stderr, in the language: on a terminal, one
/// line redrawn in place (the case, its elapsed time, the timing case's
/// count) and cleared at the end, so the scorecard follows as before;
/// otherwise (a pipe, a CI log) a line as each case starts. No colours, so
/// `NO_COLOR` has nothing to take away.
struct Shown {
    lang: Lang,
    /// The redrawn line, on a terminal only; `None` writes plain lines.
    bar: Option<indicatif::ProgressBar>,
    /// `--quiet`: nothing at all.
    quiet: bool,
    /// The case that started last and its line (the timing case's count is
    /// drawn after it). Guarded by its mutex, taken for one assignment or read.
    running: std::sync::Mutex<(Option<Case>, String)>,
}

impl Shown {
    fn new(lang: Lang, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            {
                bar.set_style(style);
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Shown {
            lang,
            bar,
            quiet,
            running: std::sync::Mutex::new((None, String::new())),
        }
    }

    /// Clears the redrawn line before the scorecard is printed.
    fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn running(&self) -> std::sync::MutexGuard<'_, (Option<Case>, String)> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Progress for Shown {
    fn case_started(&self, case: Case, index: usize, total: usize, wait: hooklab_check::Wait) {
        if self.quiet {
            return;
        }
        let mut line = format!("[{}/{total}] {}", index + 1, text::title(case, self.lang));
        // Said once, on the first line: how long a silent receiver is waited
        // on, the deadline when it is the shorter.
        if index == 0 {
            line.push_str(&text::wait(wait, self.lang));
        }
        *self.running() = (Some(case), line.clone());
        match &self.bar {
            Some(bar) => bar.set_message(line),
            None => crate::out::say!("{line}"),
        }
    }

    fn requests_done(&self, done: usize, planned: usize) {
        if self.quiet {
            return;
        }
        let count = |n: usize| hooklab_report::units::count(self.lang, n as f64);
        let requests = crate::text::pick(self.lang, "requests", "requisições");
        let progress = format!("{}/{} {requests}", count(done), count(planned));
        match &self.bar {
            Some(bar) => bar.set_message(format!("{} · {progress}", self.running().1)),
            // A plain line at each quarter: enough to see it move in a log.
            None => {
                let quarter = (planned / 4).max(1);
                if done.is_multiple_of(quarter) && done < planned {
                    crate::out::say!("  … {progress}");
                }
            }
        }
    }

    fn case_finished(&self, result: &CaseResult, index: usize, total: usize) {
        // A case that started said so; one skipped before sending did not.
        if self.quiet || self.running().0 == Some(result.case) {
            return;
        }
        if self.bar.is_none() {
            crate::out::say!(
                "[{}/{total}] {}: {}",
                index + 1,
                text::title(result.case, self.lang),
                text::verdict(Verdict::Skip, self.lang)
            );
        }
    }
}

/// Colours on a terminal only, and never when `NO_COLOR` is set to anything
/// (see no-color.org).
fn colours_wanted() -> bool {
    crate::colour(std::io::stdout().is_terminal())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: CheckArgs,
    }

    fn parse(args: &[&str]) -> CheckArgs {
        Wrapper::parse_from(std::iter::once("check").chain(args.iter().copied())).args
    }

    #[test]
    fn a_url_off_this_machine_is_bad_usage() {
        let args = parse(&[
            "http://10.0.0.1/webhook",
            "--secret",
            "s",
            "--scheme",
            "github",
        ]);
        assert!(matches!(
            check(args, Lang::En, true),
            Err(Failure::Usage(_))
        ));
    }

    #[test]
    fn a_standard_secret_that_is_not_whsec_is_bad_usage_with_a_hint() {
        let args = parse(&["http://127.0.0.1:9/webhook", "--secret", "s3cret"]);
        match check(args, Lang::En, true) {
            Err(Failure::Usage(e)) => assert!(e.to_string().contains("--scheme github"), "{e}"),
            _ => panic!("expected a usage error"),
        }
    }
}

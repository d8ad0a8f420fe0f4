//! `hooklab check URL --secret SECRET`: grade a running webhook receiver.
//!
//! Glue only: parse the flags, read the wall clock and a seed once, run
//! [`hooklab_check::run`], print the scorecard in the asked format, and turn
//! the outcome into an exit code: 0 when every case passed or warned, 1 when
//! any failed, 2 for bad usage (a URL off this machine, a malformed secret,
//! nothing listening).

use crate::Failure;
use anyhow::anyhow;
use clap::{Args, ValueEnum};
use hooklab_check::battery::{DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMING_SAMPLES};
use hooklab_check::{CheckConfig, Scheme, Secret, render};
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
    /// byte more [default: 26214400, GitHub's 25 MB cap].
    #[arg(long, value_name = "BYTES")]
    max_body: Option<usize>,

    /// Forgeries per group in the timing case (0 skips it).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TIMING_SAMPLES)]
    timing_samples: usize,
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

/// Runs `hooklab check` and prints its scorecard.
pub fn check(args: CheckArgs, lang: Lang) -> Result<(), Failure> {
    let scheme = match args.scheme {
        SchemeArg::Standard => Scheme::Standard,
        SchemeArg::Github => Scheme::Github,
    };
    let secret = Secret::parse(scheme, &args.secret).map_err(|e| {
        let hint = match scheme {
            Scheme::Standard => {
                "; a Standard Webhooks secret looks like whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw \
                 (for a GitHub webhook's secret, add --scheme github)"
            }
            Scheme::Github => "",
        };
        Failure::Usage(anyhow!("--secret: {e}{hint}"))
    })?;
    let now_us = Clock::system_unix_us();
    // A seed from the clock and the process: every run sends fresh delivery
    // ids, so a receiver's deduplication never mistakes one run for another.
    let seed = (now_us as u64) ^ (u64::from(std::process::id()) << 40);
    let config = CheckConfig {
        state_url: args.state_url,
        max_body_bytes: args.max_body.unwrap_or(DEFAULT_MAX_BODY_BYTES),
        timing_samples: args.timing_samples,
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
    let card = runtime.block_on(hooklab_check::run(config)).map_err(|e| {
        if e.is_usage() {
            Failure::Usage(e.into())
        } else {
            Failure::Runtime(e.into())
        }
    })?;
    let printed = match args.format {
        FormatArg::Table => render::table(&card, lang, colours_wanted()),
        FormatArg::Markdown => render::markdown(&card, lang),
        FormatArg::Json => render::json(&card, lang),
    };
    print!("{printed}");
    match card.failed().len() {
        0 => Ok(()),
        n => Err(Failure::Runtime(anyhow!(crate::text::pick(
            lang,
            format!("{n} of {} cases failed", card.results.len()),
            format!("{n} de {} casos falharam", card.results.len()),
        )))),
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
        assert!(matches!(check(args, Lang::En), Err(Failure::Usage(_))));
    }

    #[test]
    fn a_standard_secret_that_is_not_whsec_is_bad_usage_with_a_hint() {
        let args = parse(&["http://127.0.0.1:9/webhook", "--secret", "s3cret"]);
        match check(args, Lang::En) {
            Err(Failure::Usage(e)) => assert!(e.to_string().contains("--scheme github"), "{e}"),
            _ => panic!("expected a usage error"),
        }
    }
}

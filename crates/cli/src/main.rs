//! # hooklab: measure webhooks against polling
//!
//! The command-line front of hooklab. It is thin glue: it parses flags, loads
//! the scenario, asks the harness to run it, prints and writes the results.
//! Only `main` decides the exit code: 0 success, 2 bad usage or invalid
//! input (a scenario with an error), 1 a failure while running.

// The `///` comments on clap's structs are the `--help` text, printed as
// written: `<name>` there is a placeholder for the reader, not HTML.
#![allow(rustdoc::invalid_html_tags)]

mod check_cmd;
mod demo_cmd;
mod github_cmd;
mod live_cmd;
mod progress;
mod report_cmd;

use anyhow::Context as _;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand, ValueEnum};
use hooklab_core::lang::Lang;
use hooklab_core::scenario::{ClockMode, Scenario, ScenarioError};
use hooklab_harness::{RunOptions, run_scenario};
use hooklab_report::render::{self, Format};
use std::path::PathBuf;
use std::process::ExitCode;

/// The built-in default scenario: the seed's checkout story.
const DEFAULT_SCENARIO: &str = include_str!("../../../scenarios/checkout.toml");

#[derive(Parser, Debug)]
#[command(
    name = "hooklab",
    version,
    about = "Measure webhooks against polling, on real HTTP, beside what theory predicts.",
    long_about = "hooklab is a lab bench for the question every integration asks: should my shop \
poll the payment platform (\"has payment X settled yet?\") or let the platform call it back \
(a webhook)? It runs a mock payment platform and a shop on this machine's loopback network, \
replays the same seeded orders against each strategy, and measures how long the shop takes to \
learn each outcome and how many requests that costs, each number beside the model's prediction.\n\n\
Start with:  hooklab run\n\
Then edit a copy of scenarios/checkout.toml and run it:  hooklab run my-scenario.toml"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// Language of labels printed for people: `en` or `pt-BR` [default: `pt-BR`
    /// when LC_ALL or LANG starts with `pt`, else `en`].
    #[arg(long, global = true, env = "HOOKLAB_LANG", value_parser = lang_parser())]
    lang: Option<Lang>,
}

/// `--lang`'s values: clap lists `en` and `pt-BR` in `--help` and accepts
/// their aliases, and [`Lang`]'s own `FromStr` turns the value into a
/// language (the core knows nothing of clap).
fn lang_parser() -> impl TypedValueParser<Value = Lang> {
    PossibleValuesParser::new(Lang::ALL.map(|lang| {
        let help = match lang {
            Lang::En => "English (the default)",
            Lang::PtBr => "Brazilian Portuguese: the seed presentation's own labels",
        };
        PossibleValue::new(lang.code())
            .aliases(lang.aliases().iter().copied())
            .help(help)
    }))
    .try_map(|value| value.parse::<Lang>())
}

// Parsed once per process: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario against each of its strategies and compare them.
    ///
    /// Every strategy sees the same orders (same seed, same arrival instants,
    /// same settlement delays), each on a fresh platform and shop bound to
    /// 127.0.0.1 on ports the system picks. The comparison table goes to
    /// standard output; summary.json and summary.md go to results/<name>/.
    Run(RunArgs),

    /// The seed's practical example, done properly: receive GitHub webhooks
    /// (checking their signature) or send realistic sample events.
    ///
    /// Try it with no GitHub account: in one terminal
    /// `hooklab github listen --listen 127.0.0.1:8080 --secret s3cret --lang pt-BR`,
    /// in another `hooklab github send push --to http://127.0.0.1:8080/webhook --secret s3cret`.
    /// See docs/github.md for receiving real GitHub webhooks.
    #[command(subcommand)]
    Github(github_cmd::GithubCommand),

    /// Run the payment platform on its own, for the two-terminal demo: it
    /// prints its API key, then one line per request, settlement and webhook
    /// delivery. Start `hooklab shop` in another terminal.
    Platform(demo_cmd::PlatformArgs),

    /// Run a shop on its own against `hooklab platform`: it places a few
    /// orders and learns their outcomes by the strategy you pick, printing
    /// every poll, delivery and rejection as it happens.
    Shop(demo_cmd::ShopArgs),

    /// Place one payment by hand on `hooklab platform` (test mode: choose
    /// when it settles and how), and print the payment object.
    Order(demo_cmd::OrderArgs),

    /// Redraw a run's reports (summary.md, summary.csv, the SVG charts) from
    /// its saved summary.json, without running it again.
    Report(report_cmd::ReportArgs),

    /// The classroom view: watch the strategies race in a browser, live
    /// (`hooklab live [SCENARIO.toml]`) or replayed from a finished run
    /// (`hooklab live --replay results/<name>/ --speed 60`).
    Live(live_cmd::LiveArgs),

    /// Grade any webhook receiver, in any language: send it genuine, forged,
    /// tampered, stale, duplicate and odd deliveries and print a scorecard
    /// (`hooklab check http://127.0.0.1:8080/webhook --secret whsec_…`).
    /// Exit code 0 when every case passed or warned, 1 when any failed.
    /// See docs/check.md.
    Check(check_cmd::CheckArgs),
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// The scenario file (TOML). Without it, runs the built-in `checkout`
    /// scenario (the same as scenarios/checkout.toml). Every field is described
    /// in scenarios/README.md.
    scenario: Option<PathBuf>,

    /// Where to write summary.json and summary.md [default: results/<scenario name>/].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// What to print on standard output: an aligned table, the JSON summary,
    /// the Markdown report, or the compact slide (80 columns).
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    format: FormatArg,

    /// Which clock runs the scenario, overriding its `clock` field.
    #[arg(long, value_enum)]
    clock: Option<ClockArg>,

    /// Print the results but write no files.
    #[arg(long)]
    no_write: bool,

    /// Run even when the cost estimate says the run would not fit this
    /// machine (more than half its free memory, or over 10 minutes).
    #[arg(long)]
    force: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Table,
    Json,
    Markdown,
    Slide,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ClockArg {
    /// Real time, real sockets.
    Real,
    /// Simulated time, in-memory network.
    Virtual,
}

/// A failure, sorted by who must act: the user (exit 2) or hooklab (exit 1).
enum Failure {
    /// Bad usage or invalid input.
    Usage(anyhow::Error),
    /// Something broke while running.
    Runtime(anyhow::Error),
}

fn main() -> ExitCode {
    init_tracing();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are not errors; clap knows which code fits.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let lang = cli.lang.unwrap_or_else(locale_lang);
    let result = match cli.command {
        Command::Run(args) => run(args, lang),
        Command::Github(cmd) => github(cmd, lang),
        Command::Platform(args) => demo(demo_cmd::platform(args)),
        Command::Shop(args) => demo(demo_cmd::shop(args)),
        Command::Order(args) => demo(demo_cmd::order(args)),
        Command::Live(args) => live_cmd::live(args, lang),
        Command::Check(args) => check_cmd::check(args, lang),
        Command::Report(args) => match report_cmd::report(&args, lang) {
            Ok(dir) => {
                eprintln!("reports written to {}", dir.display());
                Ok(())
            }
            Err(report_cmd::ReportError::Input(e)) => Err(Failure::Usage(e)),
            Err(report_cmd::ReportError::Output(e)) => Err(Failure::Runtime(e)),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(e)) => {
            eprintln!("error: {}", error_chain(&e));
            ExitCode::from(2)
        }
        Err(Failure::Runtime(e)) => {
            eprintln!("error: {}", error_chain(&e));
            ExitCode::from(1)
        }
    }
}

/// An error and its causes on one line, `outer: cause: root`, each said once.
/// hooklab's errors keep their cause as `source` rather than in their message;
/// a link whose message already contains the next one's text (as some errors
/// from other crates do) does not repeat it.
fn error_chain(error: &anyhow::Error) -> String {
    let mut out = String::new();
    let mut previous = String::new();
    for link in error.chain() {
        let text = link.to_string();
        if !previous.is_empty() && previous.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
        previous = text;
    }
    out
}

/// Sends `tracing`'s structured logs (requests, deliveries, attempts) to
/// stderr, filtered by `RUST_LOG` (`RUST_LOG=hooklab=debug`). Without it
/// only warnings and errors show, so normal output is unchanged.
fn init_tracing() {
    use std::io::IsTerminal as _;
    use tracing_subscriber::filter::{EnvFilter, LevelFilter};
    let filter = EnvFilter::builder().with_default_directive(LevelFilter::WARN.into());
    let filter = filter.from_env().unwrap_or_else(|e| {
        eprintln!("warning: RUST_LOG ignored: {e}");
        filter.parse_lossy("")
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// `--lang` not given: Portuguese when the POSIX locale (`LC_ALL`, then
/// `LANG`) names it, English otherwise.
fn locale_lang() -> Lang {
    let locale = ["LC_ALL", "LANG"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    Lang::from_locale(&locale)
}

fn github(cmd: github_cmd::GithubCommand, lang: Lang) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
        .map_err(Failure::Runtime)?;
    runtime.block_on(github_cmd::run(cmd, lang)).map_err(|e| {
        if e.is_usage() {
            Failure::Usage(e.into())
        } else {
            Failure::Runtime(e.into())
        }
    })
}

/// Runs one of the two-terminal demo commands on a fresh runtime.
fn demo(command: impl std::future::Future<Output = anyhow::Result<()>>) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
        .map_err(Failure::Runtime)?;
    runtime.block_on(command).map_err(Failure::Runtime)
}

fn load_scenario(path: Option<&PathBuf>) -> Result<Scenario, ScenarioError> {
    match path {
        Some(path) => Scenario::load(path),
        None => Scenario::parse(DEFAULT_SCENARIO, "<built-in checkout scenario>"),
    }
}

/// The scenario to run: loaded (its errors in `lang`), its sweep expanded,
/// and refused with the cost estimate when it would not fit this machine,
/// unless `force`.
fn checked_scenario(
    path: Option<&PathBuf>,
    lang: Lang,
    force: bool,
    clock: Option<ClockMode>,
    side_by_side: bool,
) -> Result<Scenario, Failure> {
    let scenario =
        load_scenario(path).map_err(|e| Failure::Usage(anyhow::anyhow!(e.render(lang))))?;
    let mut scenario =
        hooklab_harness::sweep::expand(&scenario).map_err(|e| Failure::Usage(e.into()))?;
    let written = scenario.clock;
    scenario.clock = clock.unwrap_or(written);
    let cost = hooklab_core::cost::estimate(&scenario, side_by_side);
    scenario.clock = written;
    match cost.refusal(available_memory()) {
        Some(why) if !force => Err(Failure::Usage(anyhow::anyhow!(why.get(lang).to_owned()))),
        _ => Ok(scenario),
    }
}

/// Memory this machine has free (`MemAvailable` of /proc/meminfo), or 4 GB
/// where there is no /proc (macOS, Windows).
fn available_memory() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
            let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024.0)
        })
        .unwrap_or(4e9)
}

fn run(args: RunArgs, lang: hooklab_core::lang::Lang) -> Result<(), Failure> {
    let options = RunOptions {
        clock: args.clock.map(|c| match c {
            ClockArg::Real => ClockMode::Real,
            ClockArg::Virtual => ClockMode::Virtual,
        }),
        ..RunOptions::default()
    };
    let scenario = checked_scenario(
        args.scenario.as_ref(),
        lang,
        args.force,
        options.clock,
        false,
    )?;
    let progress = progress::Bar::new();
    let summary = run_scenario(&scenario, options, &progress).map_err(|e| match e {
        hooklab_harness::HarnessError::Unsupported(_) => Failure::Usage(e.into()),
        other => Failure::Runtime(
            anyhow::Error::new(other).context(format!("running scenario `{}`", scenario.name)),
        ),
    })?;
    let format = match args.format {
        FormatArg::Table => Format::Table,
        FormatArg::Json => Format::Json,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Slide => Format::Slide,
    };
    print!("{}", render::render(&summary, format, lang));
    if !args.no_write {
        let dir = args
            .out
            .unwrap_or_else(|| PathBuf::from("results").join(&summary.scenario.name));
        hooklab_report::write_results(&summary, &dir, lang)
            .with_context(|| format!("writing results to {}", dir.display()))
            .map_err(Failure::Runtime)?;
        eprintln!("results written to {}", dir.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_chain_says_each_cause_once() {
        let root = std::io::Error::from(std::io::ErrorKind::NotFound);
        // A link that keeps its cause as `source` only, and one that also
        // interpolates it (the shape the chain must not repeat).
        let clean = anyhow::Error::new(root).context("cannot read x.toml");
        assert_eq!(error_chain(&clean), "cannot read x.toml: entity not found");
        let noisy = clean.context("running: cannot read x.toml: entity not found");
        assert_eq!(
            error_chain(&noisy),
            "running: cannot read x.toml: entity not found"
        );
    }
}

//! # hooklab: measure webhooks against polling
//!
//! The command-line front of hooklab. It is thin glue: it parses flags, loads
//! the scenario, asks the harness to run it, prints and writes the results.
//! Only `main` decides the exit code: 0 success, 2 bad usage or invalid
//! input (a scenario with an error; also `hooklab` with no command, which
//! prints the short help and "Start with: hooklab run"), 1 a failure while
//! running, 130 Ctrl-C (`platform`, `shop`, `live`).

// The `///` comments on clap's structs are the `--help` text, printed as
// written: `<name>` there is a placeholder for the reader, not HTML.
#![allow(rustdoc::invalid_html_tags)]

mod check_cmd;
mod clap_error;
mod data;
mod demo_cmd;
mod github_cmd;
mod help;
mod listen;
mod live_cmd;
mod man;
mod new_cmd;
mod numeric;
mod out;
mod progress;
mod report_cmd;
mod scenario_arg;
mod summary_check;
mod text;

use anyhow::Context as _;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand, ValueEnum};
use hooklab_core::lang::Lang;
use hooklab_core::scenario::{ClockMode, Scenario, ScenarioError};
use hooklab_harness::{RunOptions, run_scenario};
use hooklab_report::render::{self, Format};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The allocator: mimalloc 2 (the crate's `v2` feature) instead of glibc's
/// malloc. A virtual run makes and frees tens of allocations per simulated
/// exchange (hyper's buffers, header maps, boxed futures, ids); see
/// BENCHMARKS.md ("Allocator and platform books (branch speedup)") for what it
/// measured against glibc and against mimalloc 3.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
Then write your own scenario and run it:  hooklab new my-scenario && hooklab run my-scenario.toml"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,

    /// Language of labels printed for people: `en` or `pt-BR` [default: `pt-BR`
    /// when LC_ALL or LANG starts with `pt`, else `en`].
    #[arg(long, global = true, env = "HOOKLAB_LANG", value_parser = lang_parser())]
    lang: Option<Lang>,

    /// Print only the results: no progress on stderr (run's bar, check's
    /// line telling which case is being sent) and, after run, no "results
    /// written to" line.
    #[arg(long, short, global = true)]
    quiet: bool,
}

/// `--lang`'s values: clap lists `en` and `pt-BR` in `--help` and accepts
/// their aliases, and [`Lang`]'s own `FromStr` turns the value into a
/// language (the core knows nothing of clap).
fn lang_parser() -> LangParser {
    LangParser
}

/// The listed values of `--lang`, for `--help` and for clap's own error.
fn lang_values() -> PossibleValuesParser {
    PossibleValuesParser::new(Lang::ALL.map(|lang| {
        let help = match lang {
            Lang::En => "English (the default)",
            Lang::PtBr => "Brazilian Portuguese: the seed presentation's own labels",
        };
        PossibleValue::new(lang.code())
            .aliases(lang.aliases().iter().copied())
            .help(help)
    }))
}

/// `--lang` (and `HOOKLAB_LANG`): any spelling [`Lang`]'s `FromStr` takes
/// (`PT-BR`, `pt_BR.UTF-8`, as `LANG` is written), listed as clap lists
/// possible values; a value it does not take gets clap's own error, with
/// the list.
#[derive(Clone)]
struct LangParser;

impl TypedValueParser for LangParser {
    type Value = Lang;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Lang, clap::Error> {
        if let Some(lang) = value.to_str().and_then(|v| v.parse::<Lang>().ok()) {
            return Ok(lang);
        }
        lang_values()
            .try_map(|value| value.parse::<Lang>())
            .parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            lang_values()
                .possible_values()
                .map(|v| v.collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter(),
        ))
    }
}

/// Whether the command line holds a word that is not a flag (nor
/// `--lang`'s value): a command, known or not. `hooklab github` lacks a
/// command too, but names one.
fn names_a_command() -> bool {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    args.iter()
        .enumerate()
        .skip(1)
        .any(|(i, a)| !a.to_string_lossy().starts_with('-') && args[i - 1] != "--lang")
}

/// The arguments clap parses: `hooklab help run --lang pt-BR` without its
/// `--lang` (clap's `help` takes only command names, and the language was
/// read before parsing, [`help::language_before_parsing`]).
fn clap_args() -> Vec<std::ffi::OsString> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let first_word = args
        .iter()
        .enumerate()
        .skip(1)
        .find(|(i, a)| !a.to_string_lossy().starts_with('-') && args[i - 1] != "--lang")
        .map(|(_, a)| a);
    if first_word.is_none_or(|w| w != "help") {
        return args;
    }
    let mut kept = Vec::with_capacity(args.len());
    let mut skip_value = false;
    for arg in args {
        if skip_value {
            skip_value = false;
            continue;
        }
        let text = arg.to_string_lossy();
        if text == "--lang" {
            skip_value = true;
            continue;
        }
        if text.starts_with("--lang=") {
            continue;
        }
        kept.push(arg);
    }
    kept
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
    /// standard output; summary.json, summary.md and the charts go to
    /// runs/<file name>/ (results/ holds the committed reference runs).
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
    /// prints its API key, then one line per settlement, webhook delivery
    /// attempt and endpoint registered or disabled (the shop's polls are
    /// printed in its own terminal, by `hooklab shop`). Start `hooklab shop`
    /// in another terminal.
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
    /// (`hooklab live [SCENARIO]`, `hooklab live checkout`) or replayed from a finished run
    /// (`hooklab live --replay results/<name>/ --speed 60`).
    Live(live_cmd::LiveArgs),

    /// Grade any webhook receiver, in any language: send it genuine, forged,
    /// tampered, stale, duplicate and odd deliveries and print a scorecard
    /// (`hooklab check http://127.0.0.1:8080/webhook --secret whsec_…`).
    /// Exit code 0 when every case passed or warned, 1 when any failed or
    /// when --deadline cut the battery short (cases not started in time),
    /// 2 for bad usage (a URL off this machine, a malformed secret, nothing
    /// listening, --deadline 0). See docs/check.md.
    Check(check_cmd::CheckArgs),

    /// Write a commented scenario file to start from: `hooklab new my-shop`
    /// writes my-shop.toml from the built-in checkout (or `--from
    /// lost-webhooks`, any file of scenarios/).
    New(new_cmd::NewArgs),

    /// Check scenario files without running them (`hooklab validate
    /// checkout my-shop.toml`): one line per file, exit code 0 when all are
    /// valid, 2 when any is not.
    Validate(new_cmd::ValidateArgs),

    /// Print a shell completion script: `hooklab completions bash >
    /// ~/.local/share/bash-completion/completions/hooklab`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print hooklab's man page (roff): `hooklab man > hooklab.1 && man ./hooklab.1`.
    Man,
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// The scenario: a file (TOML), or a name in scenarios/ (`checkout` or
    /// `checkout.toml` is scenarios/checkout.toml; in a folder without it,
    /// the copy built into hooklab). Without it, runs the
    /// built-in `checkout` scenario (the same as scenarios/checkout.toml).
    /// Every field is described in scenarios/README.md.
    #[arg(value_name = "SCENARIO")]
    scenario: Option<PathBuf>,

    /// Where to write summary.json, summary.md and the charts (default:
    /// runs/<scenario file name>/; the committed reference results in results/
    /// change only with `--out results/<name>`).
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
    #[arg(long, conflicts_with = "out")]
    no_write: bool,

    /// How many strategies (and sweep points) of a virtual-clock run go at
    /// once, each on a thread of its own; the results are the same, byte for
    /// byte, whatever N. Real-clock runs always go one strategy at a time:
    /// they measure this machine, and strategies running together would
    /// measure each other's load. [default: the number of cores]
    #[arg(long, short, value_name = "N", value_parser = numeric::jobs, allow_hyphen_values = true)]
    jobs: Option<std::num::NonZeroUsize>,

    /// Run even when the cost estimate says the run would not fit this
    /// machine (more than half its free memory, or over 10 minutes), and
    /// write into the default results folder even when it holds the results
    /// of another scenario file (a committed reference run, for instance).
    #[arg(long)]
    force: bool,

    /// How a virtual run's hosts exchange messages: `direct` calls the
    /// router (the default, faster: see BENCHMARKS.md); `http1` sends real
    /// HTTP/1.1 through hyper over in-memory pipes, to show the hosts talk
    /// HTTP and the summary does not change. Hidden: a check, not a choice.
    #[arg(long, value_enum, default_value_t = TransportArg::Direct, hide = true)]
    transport: TransportArg,

    /// Split each separable strategy of a virtual run (`poll` by order,
    /// `poll_events` by merchant, in a scenario without faults, network
    /// shaping or platform limits) into K worlds run on the `--jobs`
    /// threads and folded into its one report; 1 runs each in one world.
    /// Without it the scenario decides: two for a strategy expected to make
    /// 200,000 exchanges or more, one below. The summary is one world's but
    /// for the connection counts (K pools instead of one), and says so
    /// (`traffic.shops`). Hidden: a measurement, not a choice (see
    /// BENCHMARKS.md, "One strategy on every core").
    #[arg(long, value_name = "K", hide = true, value_parser = numeric::shards)]
    shards: Option<std::num::NonZeroUsize>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TransportArg {
    Direct,
    Http1,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum FormatArg {
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
pub(crate) enum Failure {
    /// Bad usage or invalid input.
    Usage(anyhow::Error),
    /// Something broke while running.
    Runtime(anyhow::Error),
}

fn main() -> ExitCode {
    // Read while the process has one thread: on Unix the `time` crate
    // refuses to read the local offset once others run. UTC if it cannot.
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    init_tracing();
    // The language is known before parsing, so that `--help` and clap's own
    // errors can be in it (see the help module).
    let early_lang = help::language_before_parsing(std::env::args_os(), locale_lang);
    text::set_parsing_lang(early_lang);
    // clap would say a bad HOOKLAB_LANG as a bad `--lang`, a flag the user
    // never typed: said here as the variable it is.
    if let Some(bad) = bad_lang_variable(std::env::var_os("HOOKLAB_LANG")) {
        crate::out::say!("{}", text::bad_lang_variable(early_lang, &bad));
        return ExitCode::from(2);
    }
    let command = help::localized(Cli::command(), early_lang);
    let cli = match command
        .try_get_matches_from(clap_args())
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => {
            // `hooklab` alone: the short help and where to start, not
            // "missing command" (exit 2 all the same: nothing was run).
            // (clap's kind is the second with no argument at all, the first
            // after a flag: `hooklab --lang pt-BR`.)
            let missing = matches!(
                e.kind(),
                clap::error::ErrorKind::MissingSubcommand
                    | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            );
            if missing && !names_a_command() {
                let help = help::localized(Cli::command(), early_lang)
                    .render_help()
                    .to_string();
                let start = text::start_with(early_lang);
                if help.contains(start) {
                    eprint!("{help}");
                } else {
                    eprint!("{help}\n{start}  hooklab run\n");
                }
                return ExitCode::from(2);
            }
            // Help and version are not errors; clap knows which code fits.
            clap_error::print_clap_error(&e, early_lang);
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let lang = cli.lang.unwrap_or_else(locale_lang);
    let quiet = cli.quiet;
    let result = match cli.command {
        Command::Run(args) => run(args, lang, quiet),
        Command::New(args) => new_cmd::new(&args, lang, DEFAULT_SCENARIO).map(|file| {
            if !quiet {
                crate::out::say!("{}", text::written(lang, &file));
            }
        }),
        Command::Validate(args) => {
            COST_IS_A_WARNING.store(true, std::sync::atomic::Ordering::Relaxed);
            new_cmd::validate(&args, lang)
        }
        Command::Completions { shell } => {
            let mut command = help::localized(Cli::command(), lang);
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "hooklab", &mut script);
            out::print(script)
                .context(text::phrase(lang, text::Phrase::Writing, "stdout"))
                .map_err(Failure::Runtime)
        }
        Command::Man => man::page(help::localized(Cli::command(), lang), lang)
            .and_then(out::print)
            .context(text::phrase(lang, text::Phrase::Writing, "stdout"))
            .map_err(Failure::Runtime),
        Command::Github(cmd) => match github(cmd, lang) {
            // Ctrl-C stopped the listener (and its last line said what it
            // took): a shell's code for it, as for `hooklab shop`.
            Ok(github_cmd::GithubEnd::Interrupted) => return ExitCode::from(130),
            other => other.map(drop),
        },
        Command::Platform(args) => {
            match demo_out(lang, offset).and_then(|out| demo(demo_cmd::platform(args, out), lang)) {
                // Ctrl-C stopped it (and its last line said so): a shell's
                // code for it, as for `hooklab shop` and `hooklab live`.
                Ok(demo_cmd::PlatformEnd::Interrupted) => return ExitCode::from(130),
                other => other.map(drop).map_err(demo_usage),
            }
        }
        Command::Shop(args) => {
            match demo_out(lang, offset).and_then(|out| demo(demo_cmd::shop(args, out), lang)) {
                // Ctrl-C cut it short (and its last line said what waits): a
                // shell's code for it, as for `hooklab live`.
                Ok(demo_cmd::ShopEnd::Interrupted) => return ExitCode::from(130),
                other => other.map(drop).map_err(demo_usage),
            }
        }
        // A key the platform refuses is the user's flag to fix (exit 2).
        Command::Order(args) => {
            demo(demo_cmd::order(args, lang), lang).map_err(|failure| match failure {
                Failure::Runtime(e)
                    if demo_cmd::is_refused_key(&e) || demo_cmd::is_flag_mistake(&e) =>
                {
                    Failure::Usage(e)
                }
                // --platform off this machine, or not http://: the user's
                // input, refused before anything was sent.
                Failure::Runtime(e) if is_bad_url(&e) => Failure::Usage(e),
                other => other,
            })
        }
        Command::Live(args) => match live_cmd::live(args, lang) {
            // Ctrl-C cut the run short (and said so): a shell's code for it.
            Ok(live_cmd::Ended::Interrupted) => return ExitCode::from(130),
            other => other.map(drop),
        },
        Command::Check(args) => check_cmd::check(args, lang, quiet),
        Command::Report(args) => match report_cmd::report(&args, lang) {
            Ok(dir) => {
                if let Some(dir) = dir
                    && !quiet
                {
                    crate::out::say!("{}", text::reports_written(lang, &dir));
                }
                Ok(())
            }
            Err(report_cmd::ReportError::Input(e)) => Err(Failure::Usage(e)),
            Err(report_cmd::ReportError::Output(e)) => Err(Failure::Runtime(e)),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(e)) => {
            crate::out::say!("{}: {}", text::error_prefix(lang), error_text(&e, lang));
            ExitCode::from(2)
        }
        Err(Failure::Runtime(e)) => {
            crate::out::say!("{}: {}", text::error_prefix(lang), error_text(&e, lang));
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

/// An error for people in `lang`. English: the whole chain on one line.
/// Portuguese: the outer message (hooklab's own, worded in Portuguese), system
/// errors by their kind in Portuguese, and any other cause (another crate's
/// English words) on its own labelled line rather than glued into the
/// Portuguese sentence.
pub(crate) fn error_text(error: &anyhow::Error, lang: Lang) -> String {
    if lang == Lang::En {
        return error_chain(error);
    }
    let mut out = error.to_string();
    let mut details = Vec::new();
    let mut said_transport = false;
    for link in error.chain().skip(1) {
        // `hooklab github`'s own message, already said in Portuguese by the
        // context above it (`text::github_error`): not an English detail.
        if link.is::<hooklab_github::command::CommandError>() {
            continue;
        }
        // A platform's refusal is said in Portuguese, and its English
        // (the platform's own message, with the status) kept as the detail.
        if let Some(words) = link
            .downcast_ref::<hooklab_shop::client::ClientError>()
            .and_then(|e| text::client_error(lang, e))
            .or_else(|| {
                link.downcast_ref::<hooklab_core::http::TransportError>()
                    .and_then(|e| text::transport_error(lang, e))
            })
        {
            if !said_transport {
                out.push_str(": ");
                out.push_str(&words);
            }
            // The transport's own error (and the I/O error under it) says
            // the same again: said once, its English kept as the detail.
            said_transport |= link.is::<hooklab_core::http::TransportError>()
                || matches!(
                    link.downcast_ref::<hooklab_shop::client::ClientError>(),
                    Some(hooklab_shop::client::ClientError::Transport(_))
                );
            details.push(link.to_string());
            continue;
        }
        let translated = link
            .downcast_ref::<std::io::Error>()
            .and_then(|io| text::io_kind(lang, io.kind()))
            .filter(|_| !said_transport);
        match translated {
            Some(words) => {
                out.push_str(": ");
                out.push_str(words);
            }
            None => details.push(link.to_string()),
        }
    }
    if !details.is_empty() {
        out.push_str(&format!(
            "\n  {}: {}",
            text::original_detail(lang),
            details.join(": ")
        ));
    }
    out
}

/// Whether `error` is a URL the transport refused to send to (not
/// loopback, not http://, no host): bad input, exit code 2.
fn is_bad_url(error: &anyhow::Error) -> bool {
    error.chain().any(|link| {
        matches!(
            link.downcast_ref::<hooklab_core::http::TransportError>(),
            Some(hooklab_core::http::TransportError::BadUrl(_))
        )
    })
}

/// Sends `tracing`'s structured logs (requests, deliveries, attempts) to
/// stderr, filtered by `RUST_LOG` (`RUST_LOG=hooklab=debug`). Without it
/// only warnings and errors show, so normal output is unchanged.
fn init_tracing() {
    use std::io::IsTerminal as _;
    use tracing_subscriber::filter::{EnvFilter, LevelFilter};
    let filter = EnvFilter::builder().with_default_directive(LevelFilter::WARN.into());
    let filter = filter.from_env().unwrap_or_else(|e| {
        crate::out::say!("warning: RUST_LOG ignored: {e}");
        filter.parse_lossy("")
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour(std::io::stderr().is_terminal()))
        // On a failed write it would report with `eprintln!`, which panics
        // when standard error is what failed (`2>/dev/full`).
        .log_internal_errors(false)
        .init();
}

/// Whether to colour output: on a terminal only, and never with `NO_COLOR`
/// set to anything non-empty (no-color.org).
pub(crate) fn colour(terminal: bool) -> bool {
    terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// HOOKLAB_LANG's value when it is set and not a language hooklab knows.
/// clap refuses it even beside a `--lang` (the global flag's copy in the
/// subcommand reads the variable again). An empty variable counts as unset,
/// as clap counts it.
fn bad_lang_variable(variable: Option<std::ffi::OsString>) -> Option<String> {
    let value = variable?.to_string_lossy().into_owned();
    (!value.is_empty() && value.parse::<Lang>().is_err()).then_some(value)
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

fn github(cmd: github_cmd::GithubCommand, lang: Lang) -> Result<github_cmd::GithubEnd, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context(text::phrase(lang, text::Phrase::Runtime, ""))
        .map_err(Failure::Runtime)?;
    runtime.block_on(github_cmd::run(cmd, lang)).map_err(|e| {
        // A --listen address taken or refused: said and coded (exit 2) as
        // for `platform`, `shop` and `live` (see `listen`).
        if let hooklab_github::command::CommandError::Bind { addr, source } = &e {
            return Failure::Usage(listen::bind_failure(*addr, source, lang));
        }
        let usage = e.is_usage();
        let error = match text::github_error(lang, &e) {
            // Said whole in Portuguese: no English detail to keep.
            Some(words) if matches!(e, hooklab_github::command::CommandError::Usage(_)) => {
                anyhow::anyhow!(words)
            }
            Some(words) => anyhow::Error::new(e).context(words),
            None => anyhow::Error::new(e),
        };
        if usage {
            Failure::Usage(error)
        } else {
            Failure::Runtime(error)
        }
    })
}

/// The demo's printer on stdout.
fn demo_out(lang: Lang, offset: time::UtcOffset) -> Result<demo_cmd::Out, Failure> {
    demo_cmd::Out::stdout(lang, offset).map_err(Failure::Runtime)
}

/// Runs one of the two-terminal demo commands on a fresh runtime.
fn demo<T>(
    command: impl std::future::Future<Output = anyhow::Result<T>>,
    lang: Lang,
) -> Result<T, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context(text::phrase(lang, text::Phrase::Runtime, ""))
        .map_err(Failure::Runtime)?;
    runtime.block_on(command).map_err(Failure::Runtime)
}

fn load_scenario(source: &scenario_arg::Source) -> Result<Scenario, ScenarioError> {
    match (source, source.built_in_text()) {
        (scenario_arg::Source::File(path), _) => Scenario::load(path),
        (scenario_arg::Source::BuiltIn(name), Some(text)) => {
            Scenario::parse(text, &format!("<built-in {name} scenario>"))
        }
        (scenario_arg::Source::BuiltIn(_), None) => {
            Scenario::parse(DEFAULT_SCENARIO, "<built-in checkout scenario>")
        }
    }
}

/// The scenario to run, from a file or a built-in: loaded (its errors in
/// `lang`), its sweep expanded, and refused with the cost estimate when it
/// would not fit this machine, unless `force`. `workers`: the threads a
/// virtual run may use.
fn checked_source(
    source: &scenario_arg::Source,
    lang: Lang,
    force: bool,
    clock: Option<ClockMode>,
    side_by_side: bool,
    workers: usize,
) -> Result<Scenario, Failure> {
    let scenario =
        load_scenario(source).map_err(|e| Failure::Usage(anyhow::anyhow!(e.render(lang))))?;
    let mut scenario =
        hooklab_harness::sweep::expand(&scenario).map_err(|e| Failure::Usage(e.into()))?;
    let written = scenario.clock;
    scenario.clock = clock.unwrap_or(written);
    // A virtual run on several threads holds as many strategies in memory
    // at once (and shares their work), so a run that fits one at a time but
    // not together is refused rather than killed by the kernel; side by
    // side, all of them.
    let at_once = if side_by_side {
        usize::MAX
    } else if scenario.clock == ClockMode::Virtual {
        workers
    } else {
        1
    };
    let cost = hooklab_core::cost::estimate(&scenario, at_once);
    scenario.clock = written;
    match cost.refusal(available_memory()) {
        Some(why) if !force => {
            // Say which file: `validate` checks several at once.
            let file = source.label();
            if COST_IS_A_WARNING.load(std::sync::atomic::Ordering::Relaxed) {
                crate::out::say!("{}", text::valid_but_costly(lang, &file, why.get(lang)));
                return Ok(scenario);
            }
            Err(Failure::Usage(anyhow::anyhow!("{file}: {}", why.get(lang))))
        }
        _ => Ok(scenario),
    }
}

/// Set by `main` for `hooklab validate`: a valid file is valid even when
/// running it as it is would be refused for its cost (a homework file with
/// `silent_loss`, whose retry schedule lasts 27 h on the real clock), so
/// [`checked_source`] says the cost as a warning there and refuses only
/// for `run` and `live`. Written once, before any command runs.
static COST_IS_A_WARNING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

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

/// What the summary records as the file of a built-in scenario, before
/// its name (`built-in checkout`; see [`scenario_arg::Source::label`]).
const BUILT_IN_PREFIX: &str = "built-in ";

/// The scenario file whose results a folder holds: the summary's own record,
/// or, for summaries written before it was recorded, `scenarios/<folder>.toml`
/// (how every committed reference result was made).
fn producer_of(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("summary.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    match value["scenario"]["file"].as_str() {
        Some(file) => Some(file.to_owned()),
        None => {
            let name = dir.file_name()?.to_string_lossy().into_owned();
            Some(format!("scenarios/{name}.toml"))
        }
    }
}

/// Whether `dir` exists and holds anything at all.
fn holds_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some())
}

/// The clock of the run whose results `dir` holds, if it holds any.
fn clock_of(dir: &Path) -> Option<ClockMode> {
    let text = std::fs::read_to_string(dir.join("summary.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    serde_json::from_value(value["scenario"]["clock"].clone()).ok()
}

/// Whether two recorded scenario files are the same file. The built-in
/// scenario is scenarios/checkout.toml, compiled in.
fn same_scenario_file(a: &str, b: &str) -> bool {
    let resolve = |f: &str| {
        let f = match f.strip_prefix(BUILT_IN_PREFIX) {
            Some(name) => format!("scenarios/{name}.toml"),
            None => f.to_owned(),
        };
        std::fs::canonicalize(&f).unwrap_or_else(|_| PathBuf::from(f))
    };
    resolve(a) == resolve(b)
}

/// Where a run writes by default: `runs/`, not the committed `results/`.
/// `results/` holds the reference runs the README and the lessons quote; a
/// student's own run (even the first `hooklab run`, even with `--clock
/// virtual`) must not rewrite them. The references are regenerated on
/// purpose, with `--out results/<name>`.
pub(crate) const RUNS_DIR: &str = "runs";

/// The default results folder: `runs/<the scenario file's own name>/`, so a
/// copy `my.toml` of checkout.toml writes runs/my/.
pub(crate) fn default_results_dir(scenario: Option<&Path>) -> PathBuf {
    let name = scenario
        .and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "checkout".to_owned());
    PathBuf::from(RUNS_DIR).join(name)
}

/// Checks, before a run, that its results can be written where they will go.
fn check_writable(dir: &Path, lang: Lang) -> Result<(), Failure> {
    let probe = dir.join(".hooklab-write-check");
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&probe, b""))
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| Failure::Usage(text::cannot_write_because(lang, dir, e)))
}

fn run(args: RunArgs, lang: hooklab_core::lang::Lang, quiet: bool) -> Result<(), Failure> {
    // `hooklab run checkout`: the bare name is scenarios/checkout.toml, or,
    // where there is none, the copy built into hooklab.
    let source = match &args.scenario {
        Some(given) => scenario_arg::resolve_source(given, "run")
            .map_err(|e| Failure::Usage(anyhow::anyhow!(e.render(lang))))?,
        None => scenario_arg::Source::DEFAULT,
    };
    if let (Some(_), scenario_arg::Source::BuiltIn(name)) = (&args.scenario, &source)
        && !quiet
    {
        out::err_line(format_args!(
            "{}",
            scenario_arg::Source::built_in_note(name, lang)
        ));
    }
    let options = RunOptions {
        clock: args.clock.map(|c| match c {
            ClockArg::Real => ClockMode::Real,
            ClockArg::Virtual => ClockMode::Virtual,
        }),
        jobs: args.jobs,
        shards: args.shards,
        transport: match args.transport {
            TransportArg::Direct => hooklab_harness::virtual_net::VirtualTransport::Direct,
            TransportArg::Http1 => hooklab_harness::virtual_net::VirtualTransport::Http1,
        },
        // The platform's CPU per order, in real time (its own threads).
        platform_cpu: true,
        ..RunOptions::default()
    };
    let scenario = checked_source(
        &source,
        lang,
        args.force,
        options.clock,
        false,
        options.workers(),
    )?;
    let file = source.label();
    // Where the results go is settled before the run, so a refusal or an
    // unwritable folder costs nothing.
    let dir = if args.no_write {
        None
    } else {
        // Any folder, the default one or one given with --out, is refused
        // when it holds another scenario file's results: `--out
        // results/checkout` with a student's own file would overwrite the
        // reference the lessons quote, and `--out runs/aula` a classmate's
        // run. The same file's results are its own to replace.
        let dir = match &args.out {
            Some(dir) => dir.clone(),
            None => default_results_dir(Some(&source.stem_path())),
        };
        if !args.force
            && let Some(theirs) = producer_of(&dir)
            && !same_scenario_file(&theirs, &file)
        {
            return Err(Failure::Usage(anyhow::anyhow!(text::would_replace(
                lang, &dir, &theirs, &file
            ))));
        }
        // A folder that holds files but no run's summary is someone's own
        // (`--out docs`, `--out .`): writing summary.md and the charts into
        // it would replace files hooklab never wrote.
        if !args.force && producer_of(&dir).is_none() && holds_files(&dir) {
            return Err(Failure::Usage(anyhow::anyhow!(text::not_a_results_folder(
                lang, &dir
            ))));
        }
        // The same file's results, run on the other clock (`--clock
        // virtual` over a real-clock reference): replacing them is allowed,
        // but said before the run, so it is not a surprise.
        let clock = options.clock.unwrap_or(scenario.clock);
        if let Some(before) = clock_of(&dir)
            && before != clock
        {
            out::err_line(format_args!(
                "{}",
                text::replaces_other_clock(lang, &dir, before, clock)
            ));
        }
        check_writable(&dir, lang)?;
        Some(dir)
    };
    let progress = progress::Bar::new(lang, quiet);
    let mut summary = run_scenario(&scenario, options, &progress).map_err(|e| match e {
        hooklab_harness::HarnessError::Unsupported(_) => Failure::Usage(e.into()),
        other => Failure::Runtime(anyhow::Error::new(other).context(text::phrase(
            lang,
            text::Phrase::Running,
            &scenario.name,
        ))),
    })?;
    summary.scenario.file = Some(file);
    let format = render_format(args.format);
    let mut shown = render::render(&summary, format, lang);
    if dir.is_none() && matches!(format, Format::Markdown) {
        shown = without_charts(&shown);
    }
    out::print(shown)
        .context(text::phrase(lang, text::Phrase::Writing, "stdout"))
        .map_err(Failure::Runtime)?;
    if let Some(dir) = dir {
        hooklab_report::write_results(&summary, &dir, lang)
            .with_context(|| text::phrase(lang, text::Phrase::Writing, &dir.display().to_string()))
            .map_err(Failure::Runtime)?;
        if !quiet {
            crate::out::say!("{}", text::results_written(lang, &dir));
        }
    }
    Ok(())
}

/// The renderer's format for a `--format` value.
pub(crate) fn render_format(format: FormatArg) -> Format {
    match format {
        FormatArg::Table => Format::Table,
        FormatArg::Json => Format::Json,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Slide => Format::Slide,
    }
}

/// The Markdown report without its charts section: with `--no-write` the
/// charts it links are not written, so it must not link them.
pub(crate) fn without_charts(markdown: &str) -> String {
    let first_chart = render::CHARTS
        .iter()
        .filter_map(|(file, _)| markdown.find(&format!("]({file})")))
        .min();
    match first_chart.and_then(|at| markdown[..at].rfind("\n## ")) {
        Some(heading) => {
            let mut kept = markdown[..heading].trim_end().to_owned();
            kept.push('\n');
            kept
        }
        None => markdown.to_owned(),
    }
}

/// A `platform` or `shop` failure that is the user's to fix: a data file
/// that is not a usable store, an --api-key no request could carry, a
/// --listen address that is taken (exit 2, not 1).
fn demo_usage(failure: Failure) -> Failure {
    match failure {
        Failure::Runtime(e)
            if data::is_bad_file(&e)
                || demo_cmd::is_flag_mistake(&e)
                || listen::is_bind_failure(&e)
                // A webhook shop's registration refused for its key: the
                // flag to fix, as when its orders are refused for it.
                || demo_cmd::is_refused_key(&e) =>
        {
            Failure::Usage(e)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_lang_variable_is_found() {
        let var = |v: &str| Some(std::ffi::OsString::from(v));
        assert_eq!(bad_lang_variable(var("fr")), Some("fr".to_owned()));
        assert_eq!(bad_lang_variable(var("pt_BR")), None);
        assert_eq!(bad_lang_variable(var("")), None);
        assert_eq!(bad_lang_variable(None), None);
    }

    /// A platform's refusal reaches the Portuguese reader in Portuguese, its
    /// English kept as the detail; a wrong key is the user's to fix.
    #[test]
    fn a_refused_key_is_said_in_portuguese_and_is_bad_usage() {
        let refused = |status| hooklab_shop::client::ClientError::Refused {
            status,
            retry_after: None,
            code: "unauthorized".to_owned(),
            message: "missing or unknown API key".to_owned(),
        };
        let error = anyhow::Error::new(refused(401)).context("ao criar um pagamento em X");
        let said = error_text(&error, Lang::PtBr);
        let (first, detail) = said.split_once('\n').unwrap();
        assert!(first.contains("recusou a chave de API (401)"), "{said}");
        assert!(detail.contains("the platform answered 401"), "{said}");
        assert!(demo_cmd::is_refused_key(&error));
        let conflict = anyhow::Error::new(refused(409)).context("x");
        assert!(error_text(&conflict, Lang::PtBr).contains("conflito (409)"));
        assert!(!demo_cmd::is_refused_key(&conflict));
        // English keeps the error's own words.
        assert!(error_text(&error, Lang::En).contains("the platform answered 401"));
    }

    /// `hooklab github`'s own message is not repeated in English as a detail.
    #[test]
    fn a_github_refusal_is_said_once() {
        let e = hooklab_github::command::CommandError::Rejected(http::StatusCode::UNAUTHORIZED);
        let words = text::github_error(Lang::PtBr, &e).unwrap();
        assert!(words.contains("--secret"), "{words}");
        let said = error_text(&anyhow::Error::new(e).context(words), Lang::PtBr);
        assert!(!said.contains("detalhe"), "{said}");
        assert!(!said.contains("refused"), "{said}");
    }

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

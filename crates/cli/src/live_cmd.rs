//! `hooklab live`: the classroom view, a run watched in the browser.
//!
//! Two ways in, one page (served by `hooklab-live`):
//!
//! - `hooklab live [SCENARIO.toml]` runs every strategy of the scenario side
//!   by side, on the real clock, and streams what happens to the page. The
//!   run starts when the first page connects, so the class sees it from its
//!   first order (`--now` starts it at once).
//! - `hooklab live --replay results/<name>/ --speed 60` plays a finished run
//!   back from its `summary.json`, real or virtual: a simulated day in class
//!   in 24 minutes at 60×, with pause and speed on the page.
//!
//! The address is printed, nothing is opened, and the page keeps being
//! served after the run, until Ctrl-C. Ctrl-C always ends with exit code
//! 130, what a shell reports for `hooklab run` ended by Ctrl-C, and a line
//! saying so: during a live run, that the run is cut short; otherwise (a
//! replay, a run not begun or over), that the page stops being served. A
//! second Ctrl-C quits without waiting for the page's connections to finish.

use crate::Failure;
use crate::text::pick;
use anyhow::{Context as _, anyhow};
use hooklab_core::lang::Lang;
use hooklab_core::report::Summary;
use hooklab_core::scenario::ClockMode;
use hooklab_harness::HarnessError;
use hooklab_live::{LiveState, feed};
use hooklab_report::render;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct LiveArgs {
    /// The scenario to run live: a file (TOML), or a name in scenarios/
    /// (`checkout` is scenarios/checkout.toml). Without it, the built-in
    /// `checkout` scenario. It must use the real clock: replay virtual runs
    /// instead.
    #[arg(conflicts_with = "replay", value_name = "SCENARIO")]
    scenario: Option<PathBuf>,

    /// Where to serve the page: a loopback address (127.0.0.1:0 picks a port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8088")]
    listen: SocketAddr,

    /// Replay a finished run from its results folder (or its summary.json)
    /// instead of running a scenario.
    #[arg(long, value_name = "DIR")]
    replay: Option<PathBuf>,

    /// Replay speed: run time per wall-clock time (60 turns a simulated hour
    /// into a minute), from 0.01 to 100000. The page can change it.
    /// [default: 1]
    #[arg(long, value_parser = crate::numeric::speed, allow_hyphen_values = true)]
    speed: Option<f64>,

    /// Start the live run at once instead of when the first page connects.
    #[arg(long, conflicts_with = "replay")]
    now: bool,

    /// Run even when the cost estimate says the run would not fit this
    /// machine (more than half its free memory, or over 10 minutes).
    #[arg(long, conflicts_with = "replay")]
    force: bool,
}

/// How `hooklab live` ended, when nothing failed.
#[derive(Debug, PartialEq)]
pub enum Ended {
    /// The server stopped by itself, with no Ctrl-C. Exit code 0.
    Stopped,
    /// Ctrl-C, whatever it stopped: a live run (cut short), a replay, a run
    /// not begun or over (the page stops being served); a second one, the
    /// page's connections. Said as it happened. Exit code 130, what a shell
    /// reports for a command SIGINT ended, as `hooklab run` (which keeps
    /// SIGINT's default action) is: a script that stops `hooklab live
    /// --replay` with SIGINT is told it was stopped, not that it finished
    /// (a tester's finding: it exited 0).
    Interrupted,
}

/// Runs `hooklab live`.
pub fn live(mut args: LiveArgs, lang: Lang) -> Result<Ended, Failure> {
    // `hooklab live checkout`: the bare name is scenarios/checkout.toml, or,
    // where there is none (outside the project's folder), the copy built
    // into hooklab, as for `hooklab run`.
    let source = match &args.scenario {
        Some(given) => crate::scenario_arg::resolve_source(given, "live")
            .map_err(|e| Failure::Usage(anyhow!(e.render(lang))))?,
        None => crate::scenario_arg::Source::DEFAULT,
    };
    if let (Some(_), crate::scenario_arg::Source::BuiltIn(name)) = (&args.scenario, &source) {
        crate::out::err_line(format_args!(
            "{}",
            crate::scenario_arg::Source::built_in_note(name, lang)
        ));
    }
    if args.scenario.is_some() {
        args.scenario = Some(source.stem_path());
    }
    if !args.listen.ip().is_loopback() {
        return Err(Failure::Usage(anyhow!(pick(
            lang,
            format!(
                "--listen {}: the live view serves on loopback only (127.0.0.1)",
                args.listen
            ),
            format!(
                "--listen {}: a visão ao vivo só serve em loopback (127.0.0.1)",
                args.listen
            ),
        ))));
    }
    // Checked here rather than by clap, so the message can say why.
    if args.speed.is_some() && args.replay.is_none() {
        return Err(Failure::Usage(anyhow!(pick(
            lang,
            "--speed applies to a replay (--replay DIR); a live run goes at the speed of the clock",
            "--speed vale para uma reprodução (--replay PASTA); uma execução ao vivo anda na velocidade do relógio",
        ))));
    }
    let speed = args.speed.unwrap_or(1.0);
    // The range the page's controls take too (`hooklab_live::replay`
    // says why these ends): 1e-300 never ended, 1e300 jumped to the end.
    if !hooklab_live::replay::speed_in_range(speed) {
        let (min, max) = (
            hooklab_live::replay::MIN_SPEED,
            hooklab_live::replay::MAX_SPEED,
        );
        // `1e308` as written, not its 309 digits.
        let shown = hooklab_core::printable::number(speed);
        return Err(Failure::Usage(anyhow!(pick(
            lang,
            format!(
                "--speed {shown}: must be between {min} and {max} (run time per wall-clock time: 60 turns a simulated hour into a minute)"
            ),
            format!(
                "--speed {shown}: deve ser pelo menos {min} e no máximo {max} (tempo da execução por tempo de relógio: 60 transforma uma hora simulada em um minuto)"
            ),
        ))));
    }
    let (state, scenario) = match &args.replay {
        Some(dir) => {
            if let Some(hint) = crate::text::results_not_here(lang, dir) {
                return Err(Failure::Usage(anyhow!(hint)));
            }
            let summary = hooklab_live::load_summary(dir).map_err(|e| {
                // The outer words in the language; the system's cause below
                // them (error_text translates an io::Error's kind).
                let words = match &e {
                    hooklab_live::LoadError::Read { path, .. } => crate::text::phrase(
                        lang,
                        crate::text::Phrase::Reading,
                        &path.display().to_string(),
                    ),
                    hooklab_live::LoadError::Parse { path, .. } => crate::text::phrase(
                        lang,
                        crate::text::Phrase::NotSummary,
                        &path.display().to_string(),
                    ),
                };
                let source: anyhow::Error = match e {
                    hooklab_live::LoadError::Read { source, .. } => source.into(),
                    hooklab_live::LoadError::Parse { source, .. } => source.into(),
                };
                Failure::Usage(source.context(words))
            })?;
            // A value no run writes (a bucket of 0 ms, a run of 1e18 ms)
            // would drive the replay's clock: refused, naming the field.
            if let Some(wrong) = crate::summary_check::implausible(&summary, lang) {
                let shown = dir.display().to_string();
                return Err(Failure::Usage(anyhow!(
                    "{}: {wrong}",
                    crate::text::phrase(lang, crate::text::Phrase::NotSummary, &shown)
                )));
            }
            (LiveState::replay(summary, speed, lang), None)
        }
        None => {
            let scenario = crate::checked_source(&source, lang, args.force, None, true, 1)?;
            if scenario.clock == ClockMode::Virtual {
                let name = &scenario.name;
                // The folder `hooklab run FILE` writes (runs/<file name>/),
                // not results/<name>/: a student's copy of a committed
                // scenario keeps its name, and its run is not the reference.
                let file = args
                    .scenario
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                let out = crate::default_results_dir(args.scenario.as_deref());
                let out = format!("{}/", out.display());
                return Err(Failure::Usage(anyhow!(pick(
                    lang,
                    format!(
                        "scenario `{name}` runs on the virtual clock, and a live run takes real time \
                         (a simulated day would take a day). Run it with `hooklab run {file}` (it writes \
                         {out}), then replay it: `hooklab live --replay {out} --speed 600`"
                    ),
                    format!(
                        "o cenário `{name}` usa o relógio virtual, e uma execução ao vivo leva tempo real \
                         (um dia simulado levaria um dia). Execute-o com `hooklab run {file}` (que grava em \
                         {out}) e depois reproduza-o: `hooklab live --replay {out} --speed 600`"
                    ),
                ))));
            }
            (LiveState::live(&scenario, lang), Some(scenario))
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context(crate::text::phrase(lang, crate::text::Phrase::Runtime, ""))
        .map_err(Failure::Runtime)?;
    let result = runtime.block_on(serve_and_run(args, state, scenario, lang));
    // Not waiting for what is still going: after a Ctrl-C, the run's thread
    // (the blocking task that joins it). Dropping the runtime would wait
    // for the run's end (a tester waited 27.5 s, with no word); the
    // process ends instead, and the run with it.
    runtime.shutdown_background();
    result
}

async fn serve_and_run(
    args: LiveArgs,
    state: LiveState,
    scenario: Option<hooklab_core::scenario::Scenario>,
    lang: Lang,
) -> Result<Ended, Failure> {
    // Caught from here on, before the address is out: a Ctrl-C as soon as
    // it is read must stop the run and say so, not kill the process unasked.
    let mut interrupt = hooklab_core::shutdown::armed_ctrl_c().await;
    // A taken port is the user's to change (exit 2), said with what to type.
    let listener = crate::listen::bind(args.listen, lang)
        .await
        .map_err(Failure::Usage)?;
    let addr = listener
        .local_addr()
        .context(pick(
            lang,
            "reading the bound address",
            "ao ler o endereço escutado",
        ))
        .map_err(Failure::Runtime)?;
    crate::out::say!(
        "{}",
        pick(
            lang,
            format!("hooklab live: open http://{addr}/ in a browser (Ctrl-C to stop)"),
            format!("hooklab live: abra http://{addr}/ num navegador (Ctrl-C para parar)"),
        )
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let mut server = tokio::spawn(hooklab_live::serve(listener, state.clone(), shutdown));
    // Whether the live run is going: Ctrl-C then cuts it short. Set inside
    // `run` below, read once `select!` has picked Ctrl-C.
    let running = std::cell::Cell::new(false);
    let run = async {
        let Some(scenario) = scenario else {
            // A replay: nothing runs here; the page plays it until Ctrl-C.
            return std::future::pending().await;
        };
        if !args.now {
            crate::out::say!(
                "{}",
                pick(
                    lang,
                    "the run starts when the first page connects",
                    "a execução começa quando a primeira página se conectar",
                )
            );
            state.first_viewer().await;
        }
        running.set(true);
        let outcome = run_live(scenario, state.clone(), lang).await;
        running.set(false);
        outcome.map(|()| Ended::Stopped)
    };
    let outcome = tokio::select! {
        // The run first: with `--now` it is going from the first poll, so a
        // Ctrl-C already waiting is seen to cut it short.
        biased;
        outcome = run => {
            if outcome.is_ok() {
                crate::out::say!(
                    "{}",
                    pick(
                        lang,
                        "the page stays up: Ctrl-C to stop",
                        "a página continua no ar: Ctrl-C para parar",
                    )
                );
                tokio::select! {
                    () = &mut interrupt => {
                        crate::out::say!("{}", stopped_text(lang));
                        Ok(Ended::Interrupted)
                    }
                    joined = &mut server => return served(joined, lang, outcome),
                }
            } else {
                outcome
            }
        }
        () = &mut interrupt => {
            if running.get() {
                // Said at once, before anything else: the run's strategies
                // go on until the process ends (the harness has no way to
                // stop a run half-way), which is a moment away.
                crate::out::say!("{}", stopping_text(lang));
            } else {
                // Before anyone connected, or a replay: nothing was cut.
                crate::out::say!("{}", stopped_text(lang));
            }
            Ok(Ended::Interrupted)
        }
        // The server stopped by itself: it failed.
        joined = &mut server => return served(joined, lang, Ok(Ended::Stopped)),
    };
    // A second Ctrl-C while the page's connections finish: at once.
    let mut again = hooklab_core::shutdown::armed_ctrl_c().await;
    let _ = stop.send(());
    tokio::select! {
        joined = server => served(joined, lang, outcome),
        () = &mut again => Ok(Ended::Interrupted),
    }
}

/// What the first Ctrl-C during a live run says: the run stops, and what is
/// lost with it (`hooklab live` writes no results; its table and
/// `summary.json` come only at a run's end).
fn stopping_text(lang: Lang) -> &'static str {
    pick(
        lang,
        "stopping: the run is cut short, its strategies stop with it: \
         no final table, no summary.json (Ctrl-C again to quit at once)",
        "parando: a execução foi interrompida, e suas estratégias param com ela: \
         sem tabela final, sem summary.json (Ctrl-C de novo para sair na hora)",
    )
}

/// What Ctrl-C says when no run is cut short: a replay, a live run not
/// begun (no page connected) or over.
fn stopped_text(lang: Lang) -> &'static str {
    pick(
        lang,
        "stopped (Ctrl-C): the page is no longer served",
        "parado (Ctrl-C): a página deixou de ser servida",
    )
}

/// The server task's end, `outcome` if it served to the end.
fn served(
    joined: Result<std::io::Result<()>, tokio::task::JoinError>,
    lang: Lang,
    outcome: Result<Ended, Failure>,
) -> Result<Ended, Failure> {
    match joined {
        Ok(Ok(())) => outcome,
        Ok(Err(e)) => Err(Failure::Runtime(anyhow::Error::new(e).context(pick(
            lang,
            "serving the page",
            "ao servir a página",
        )))),
        Err(e) => Err(Failure::Runtime(anyhow::Error::new(e).context(pick(
            lang,
            "the server task",
            "a tarefa do servidor",
        )))),
    }
}

/// Runs the scenario on its own thread and prints the final table.
async fn run_live(
    scenario: hooklab_core::scenario::Scenario,
    state: LiveState,
    lang: Lang,
) -> Result<(), Failure> {
    let name = scenario.name.clone();
    let handle = feed::start_run(scenario, state)
        .context(pick(
            lang,
            "starting the run's thread",
            "ao iniciar a thread da execução",
        ))
        .map_err(Failure::Runtime)?;
    let joined = tokio::task::spawn_blocking(move || handle.join())
        .await
        .context(pick(lang, "waiting for the run", "ao esperar a execução"))
        .map_err(Failure::Runtime)?;
    let summary: Summary = match joined {
        Ok(Ok(summary)) => summary,
        Ok(Err(e @ HarnessError::Unsupported(_))) => return Err(Failure::Usage(e.into())),
        Ok(Err(e)) => {
            return Err(Failure::Runtime(anyhow::Error::new(e).context(
                crate::text::phrase(lang, crate::text::Phrase::Running, &name),
            )));
        }
        Err(_) => {
            return Err(Failure::Runtime(anyhow!(pick(
                lang,
                "the run's thread panicked",
                "a thread da execução entrou em pânico",
            ))));
        }
    };
    crate::out::print(render::table(&summary, lang))
        .map_err(|e| Failure::Runtime(anyhow::Error::new(e)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use clap::Parser as _;

    /// `hooklab live ARGS…`, parsed as the binary would, then run.
    fn live_with(args: &[&str]) -> Result<Ended, Failure> {
        let cli = crate::Cli::try_parse_from(["hooklab", "live"].iter().chain(args)).unwrap();
        match cli.command {
            crate::Command::Live(args) => live(args, Lang::En),
            other => panic!("parsed as {other:?}"),
        }
    }

    fn usage_message(args: &[&str]) -> String {
        match live_with(args) {
            Err(Failure::Usage(e)) => format!("{e:#}"),
            Err(Failure::Runtime(e)) => panic!("a runtime failure, not usage: {e:#}"),
            Ok(ended) => panic!("{args:?} was accepted ({ended:?})"),
        }
    }

    #[test]
    fn mistakes_are_usage_errors_that_say_what_to_do() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let virtual_day = format!("{root}/scenarios/retry-for-days.toml");
        assert!(usage_message(&[&virtual_day]).contains("hooklab live --replay"));
        assert!(usage_message(&["--listen", "0.0.0.0:0"]).contains("loopback only"));
        assert!(usage_message(&["--speed", "60"]).contains("applies to a replay"));
        let results = format!("{root}/results/checkout");
        assert!(usage_message(&["--replay", &results, "--speed", "0"]).contains("--speed 0"));
        let huge = usage_message(&["--replay", &results, "--speed", "1e308"]);
        assert!(huge.contains("--speed 1e308:"), "{huge}");
        assert!(
            usage_message(&["--replay", "/nonexistent/run"]).contains("reading /nonexistent/run")
        );
        // A summary no run wrote is refused before the replay starts,
        // naming the field (a tester's finding: these were replayed).
        let committed = std::fs::read_to_string(format!("{results}/summary.json")).unwrap();
        for (field, value) in [
            ("bucket_ms", serde_json::json!(0.0)),
            ("bucket_ms", serde_json::json!(-20.0)),
            ("bucket_ms", serde_json::json!(1e-300)),
            ("run_ms", serde_json::json!(1e18)),
        ] {
            let mut v: serde_json::Value = serde_json::from_str(&committed).unwrap();
            if field == "run_ms" {
                v["strategies"][0]["run_ms"] = value.clone();
            } else {
                v["strategies"][0]["timeline"]["bucket_ms"] = value.clone();
            }
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("summary.json"), v.to_string()).unwrap();
            let message = usage_message(&["--replay", &dir.path().display().to_string()]);
            assert!(message.contains(field), "{value}: {message}");
        }
    }
}

//! The progress bar on standard error while a scenario runs.
//!
//! indicatif draws only when standard error is a terminal, so piping or CI
//! output stays clean; the one-line result per strategy is printed either way.
//! Where it does not draw, a plain heartbeat line every [`HEARTBEAT`] of
//! wall time says a long run is still going (a run of hours with its error
//! stream in a file or a CI log otherwise said nothing until it ended):
//! each running strategy, its orders known, how far its clock got and how
//! long it has run. `--quiet` silences it too.

use hooklab_core::events::RunEvent;
use hooklab_core::lang::Lang;
use hooklab_core::report::StrategyReport;
use hooklab_harness::Progress;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// How often the heartbeat line is printed, wall time.
pub const HEARTBEAT: Duration = Duration::from_secs(10);

/// What the heartbeat says of one running strategy.
struct Beat {
    /// `[1/3] poll-200ms`, its controls escaped.
    prefix: String,
    /// Its orders.
    total: u64,
    /// Orders known so far.
    known: AtomicU64,
    /// The latest instant of its run's clock an event came from, µs.
    clock_us: AtomicU64,
    /// When it started, wall time.
    started: Instant,
}

/// The running strategies the heartbeat reports, by index.
type Beats = Arc<Mutex<BTreeMap<usize, Arc<Beat>>>>;

/// One heartbeat line: `[1/3] poll-200ms: 1,234/100,000 orders known, at
/// 90.0 min of run time, 2.50 min elapsed`.
pub fn heartbeat_line(
    lang: Lang,
    prefix: &str,
    known: u64,
    total: u64,
    clock_ms: f64,
    elapsed: Duration,
) -> String {
    use hooklab_report::units::{decimal, dur};
    // Grouped, never rounded: the same counts as [`finished_line`]'s.
    let count = |n: u64| hooklab_report::units::count(lang, n as f64);
    let run = decimal(lang, dur(clock_ms));
    let wall = decimal(lang, dur(elapsed.as_secs_f64() * 1_000.0));
    match lang {
        Lang::En => format!(
            "{prefix}: {}/{} orders known, at {run} of run time, {wall} elapsed",
            count(known),
            count(total)
        ),
        Lang::PtBr => format!(
            "{prefix}: {}/{} pedidos conhecidos, em {run} de execução, {wall} decorridos",
            count(known),
            count(total)
        ),
    }
}

/// Prints a heartbeat line for each of `beats` every [`HEARTBEAT`] until
/// `stop` is dropped (with the [`Bar`] that holds it).
fn beat(lang: Lang, beats: Beats, stop: mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(HEARTBEAT) {
        let running: Vec<Arc<Beat>> = beats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        for b in running {
            crate::out::say!(
                "{}",
                heartbeat_line(
                    lang,
                    &b.prefix,
                    b.known.load(Ordering::Relaxed),
                    b.total,
                    b.clock_us.load(Ordering::Relaxed) as f64 / 1_000.0,
                    b.started.elapsed(),
                )
            );
        }
    }
}

/// A progress bar per running strategy: one at a time, or several stacked
/// when a virtual run's strategies go at once (`--jobs`).
pub struct Bar {
    /// Where the bars are drawn, one line each.
    multi: MultiProgress,
    /// The running strategies' bars, by index; the mutex is held only to add,
    /// remove or tick one.
    running: Mutex<BTreeMap<usize, ProgressBar>>,
    /// The language of the bar and of the line per strategy.
    lang: Lang,
    /// `--quiet`: neither bar nor lines.
    quiet: bool,
    /// Where no bar is drawn (standard error is not a terminal) and not
    /// quiet: the strategies the heartbeat reports, and the channel whose
    /// drop stops its thread.
    heartbeat: Option<(Beats, mpsc::Sender<()>)>,
}

impl Bar {
    pub fn new(lang: Lang, quiet: bool) -> Self {
        let heartbeat = (!quiet && !std::io::stderr().is_terminal())
            .then(|| Self::heartbeat(lang))
            .flatten();
        Bar {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            running: Mutex::new(BTreeMap::new()),
            lang,
            quiet,
            heartbeat,
        }
    }

    /// Starts the heartbeat's thread; `None` if the system will not start
    /// one (the run goes on without a heartbeat).
    fn heartbeat(lang: Lang) -> Option<(Beats, mpsc::Sender<()>)> {
        let beats: Beats = Arc::default();
        let (stop, stopped) = mpsc::channel();
        let theirs = beats.clone();
        std::thread::Builder::new()
            .name("heartbeat".into())
            .spawn(move || beat(lang, theirs, stopped))
            .ok()?;
        Some((beats, stop))
    }

    /// Whether the heartbeat line is printed.
    #[cfg(test)]
    fn beats(&self) -> bool {
        self.heartbeat.is_some()
    }

    /// The heartbeat's record of strategy `index`, if it beats.
    fn beat_of(&self, index: usize) -> Option<Arc<Beat>> {
        let (beats, _) = self.heartbeat.as_ref()?;
        beats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&index)
            .cloned()
    }
}

impl Progress for Bar {
    fn strategy_started(&self, index: usize, total: usize, name: &str, orders: u64) {
        if self.quiet {
            return;
        }
        let bar = self.multi.add(ProgressBar::new(orders));
        if let Ok(style) = ProgressStyle::with_template(match self.lang {
            Lang::En => "{prefix} {bar:30} {pos}/{len} orders known  {elapsed}",
            Lang::PtBr => "{prefix} {bar:30} {pos}/{len} pedidos conhecidos  {elapsed}",
        }) {
            bar.set_style(style);
        }
        // A name's control characters (ANSI escapes) must not reach the terminal.
        let name = hooklab_report::units::escape_controls(name);
        let prefix = format!("[{}/{}] {name}", index + 1, total);
        if let Some((beats, _)) = &self.heartbeat {
            beats.lock().unwrap_or_else(|p| p.into_inner()).insert(
                index,
                Arc::new(Beat {
                    prefix: prefix.clone(),
                    total: orders,
                    known: AtomicU64::new(0),
                    clock_us: AtomicU64::new(0),
                    started: Instant::now(),
                }),
            );
        }
        bar.set_prefix(prefix);
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(index, bar);
    }

    fn orders_known(&self, index: usize, known: u64) {
        if let Some(beat) = self.beat_of(index) {
            beat.known.store(known, Ordering::Relaxed);
        }
        if let Some(bar) = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&index)
        {
            bar.set_position(known);
        }
    }

    fn event(&self, index: usize, event: &RunEvent) {
        if let Some(beat) = self.beat_of(index) {
            beat.clock_us.fetch_max(event.at.0, Ordering::Relaxed);
        }
    }

    fn strategy_finished(&self, index: usize, report: &StrategyReport) {
        if let Some((beats, _)) = &self.heartbeat {
            beats
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&index);
        }
        if let Some(bar) = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&index)
        {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        if self.quiet {
            return;
        }
        // Above the bars still running, which are drawn again below it.
        self.multi
            .suspend(|| crate::out::say!("{}", finished_line(self.lang, report)));
    }
}

/// The line per finished strategy: `poll-200ms: 2,683/3,000 notified, 317
/// missed, in 2.50 s of run time`, every count with the language's
/// thousands separator, as the heartbeat's and the tables' (one run's
/// lines once read `916/3.000` and then `2683/3000`).
pub fn finished_line(lang: Lang, report: &StrategyReport) -> String {
    finished_counts(
        lang,
        &report.name,
        [report.notified, report.orders, report.missed],
        report.run_ms,
    )
}

/// [`finished_line`] of a strategy `name` whose `[notified, orders,
/// missed]` are given, after `run_ms` of run time.
fn finished_counts(lang: Lang, name: &str, counts: [u64; 3], run_ms: f64) -> String {
    use hooklab_report::units::{count, decimal, dur, escape_controls};
    let run_time = decimal(lang, dur(run_ms));
    let name = escape_controls(name);
    let [notified, orders, missed] = counts.map(|x| count(lang, x as f64));
    match lang {
        Lang::En => format!(
            "{name}: {notified}/{orders} notified, {missed} missed, in {run_time} of run time"
        ),
        Lang::PtBr => format!(
            "{name}: {notified}/{orders} notificados, {missed} perdidos, em {run_time} de execução"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heartbeat_line_reads_in_both_languages() {
        let elapsed = Duration::from_secs(150);
        assert_eq!(
            heartbeat_line(
                Lang::En,
                "[1/3] poll-200ms",
                1_234,
                100_000,
                5_400_000.0,
                elapsed
            ),
            "[1/3] poll-200ms: 1,234/100,000 orders known, at 90.0 min of run time, 2.50 min elapsed"
        );
        assert_eq!(
            heartbeat_line(
                Lang::PtBr,
                "[1/3] poll-200ms",
                1_234,
                100_000,
                5_400_000.0,
                elapsed
            ),
            "[1/3] poll-200ms: 1.234/100.000 pedidos conhecidos, em 90,0 min de execução, 2,50 min decorridos"
        );
    }

    #[test]
    fn the_finished_line_groups_thousands_as_the_heartbeat_does() {
        let counts = [2_683, 3_000, 317];
        assert_eq!(
            finished_counts(Lang::PtBr, "webhook", counts, 2_500.0),
            "webhook: 2.683/3.000 notificados, 317 perdidos, em 2,50 s de execução"
        );
        assert_eq!(
            finished_counts(Lang::En, "webhook", counts, 2_500.0),
            "webhook: 2,683/3,000 notified, 317 missed, in 2.50 s of run time"
        );
        let beat = heartbeat_line(Lang::PtBr, "[1/1] webhook", 916, 3_000, 0.0, Duration::ZERO);
        assert!(beat.contains("916/3.000"), "{beat}");
    }

    /// Tests run with standard error captured, not a terminal: the
    /// heartbeat is on, unless quiet.
    #[test]
    fn the_heartbeat_is_off_with_quiet_and_on_a_terminal() {
        assert!(!Bar::new(Lang::En, true).beats());
        assert_eq!(
            Bar::new(Lang::En, false).beats(),
            !std::io::stderr().is_terminal()
        );
        let bar = Bar::new(Lang::En, false);
        bar.strategy_started(0, 1, "p", 10);
        bar.orders_known(0, 4);
        if let Some(beat) = bar.beat_of(0) {
            assert_eq!(beat.known.load(Ordering::Relaxed), 4);
            assert_eq!(beat.total, 10);
        }
    }
}

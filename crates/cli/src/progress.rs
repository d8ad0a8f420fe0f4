//! The progress bar on standard error while a scenario runs.
//!
//! indicatif draws only when standard error is a terminal, so piping or CI
//! output stays clean; the one-line result per strategy is printed either way.

use hooklab_core::lang::Lang;
use hooklab_core::report::StrategyReport;
use hooklab_harness::Progress;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::sync::Mutex;

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
}

impl Bar {
    pub fn new(lang: Lang, quiet: bool) -> Self {
        Bar {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            running: Mutex::new(BTreeMap::new()),
            lang,
            quiet,
        }
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
        bar.set_prefix(format!("[{}/{}] {name}", index + 1, total));
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(index, bar);
    }

    fn orders_known(&self, index: usize, known: u64) {
        if let Some(bar) = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&index)
        {
            bar.set_position(known);
        }
    }

    fn strategy_finished(&self, index: usize, report: &StrategyReport) {
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
        // The language's separators, as in the tables beside this line.
        let run_time =
            hooklab_report::units::decimal(self.lang, hooklab_report::units::dur(report.run_ms));
        // Above the bars still running, which are drawn again below it.
        self.multi.suspend(|| match self.lang {
            Lang::En => eprintln!(
                "{}: {}/{} notified, {} missed, in {run_time} of run time",
                hooklab_report::units::escape_controls(&report.name),
                report.notified,
                report.orders,
                report.missed,
            ),
            Lang::PtBr => eprintln!(
                "{}: {}/{} notificados, {} perdidos, em {run_time} de execução",
                hooklab_report::units::escape_controls(&report.name),
                report.notified,
                report.orders,
                report.missed,
            ),
        });
    }
}

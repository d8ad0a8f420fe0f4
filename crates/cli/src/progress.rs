//! The progress bar on standard error while a scenario runs.
//!
//! indicatif draws only when standard error is a terminal, so piping or CI
//! output stays clean; the one-line result per strategy is printed either way.

use hooklab_core::lang::Lang;
use hooklab_core::report::StrategyReport;
use hooklab_harness::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Mutex;

/// A progress bar per strategy, one after the other.
pub struct Bar {
    /// The current strategy's bar; the mutex is held only to swap or tick it.
    current: Mutex<Option<ProgressBar>>,
    /// The language of the bar and of the line per strategy.
    lang: Lang,
    /// `--quiet`: neither bar nor lines.
    quiet: bool,
}

impl Bar {
    pub fn new(lang: Lang, quiet: bool) -> Self {
        Bar {
            current: Mutex::new(None),
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
        let bar = ProgressBar::with_draw_target(Some(orders), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(match self.lang {
            Lang::En => "{prefix} {bar:30} {pos}/{len} orders known  {elapsed}",
            Lang::PtBr => "{prefix} {bar:30} {pos}/{len} pedidos conhecidos  {elapsed}",
        }) {
            bar.set_style(style);
        }
        // A name's control characters (ANSI escapes) must not reach the terminal.
        let name = hooklab_report::units::escape_controls(name);
        bar.set_prefix(format!("[{}/{}] {name}", index + 1, total));
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some(bar);
    }

    fn orders_known(&self, _index: usize, known: u64) {
        if let Some(bar) = self
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            bar.set_position(known);
        }
    }

    fn strategy_finished(&self, _index: usize, report: &StrategyReport) {
        if let Some(bar) = self
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            bar.finish_and_clear();
        }
        if self.quiet {
            return;
        }
        let run_time = hooklab_report::units::dur(report.run_ms);
        let run_time = match self.lang {
            Lang::En => run_time,
            // The pt-BR decimal comma, as in the tables beside this line.
            Lang::PtBr => run_time.replace('.', ","),
        };
        match self.lang {
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
        }
    }
}

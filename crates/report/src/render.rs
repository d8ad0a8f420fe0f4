//! Turning a [`Summary`] into text people read: the terminal table, the
//! Markdown report, the JSON.
//!
//! Renderers only read the summary; they never measure. Each measured number
//! stands beside the model's prediction for it, marked as such, so a reader
//! sees theory and measurement side by side. Every word comes from
//! [`crate::i18n`], in the [`Lang`] the caller asks for; every number goes
//! through [`crate::units`].

use crate::i18n::{self, Msg};
use crate::units::{column_unit, count, decimal, escape_controls, in_unit, num, pct, pm_in};
use hooklab_core::lang::Lang;
use hooklab_core::model::Prediction;
use hooklab_core::model::stats::{Z95, inside, wilson};
use hooklab_core::report::{StrategyReport, Summary};
use hooklab_core::scenario::{ClockMode, StrategyKind};
use std::fmt::Write as _;

/// What goes to standard output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// An aligned text table for a terminal.
    #[default]
    Table,
    /// `summary.json`.
    Json,
    /// `summary.md`.
    Markdown,
    /// The compact table for a projector: strategy, mean delay, p99,
    /// requests per order, wasted, missed, within 80 columns.
    Slide,
}

/// The marker beside a prediction that lies outside the measured value's
/// 95% interval: more than sampling noise separates model and measurement.
pub const OUTSIDE: &str = "(!)";

/// The widest a slide may be: a projector's terminal.
pub const SLIDE_WIDTH: usize = 80;

/// The summary as every text output shows it: strategy and scenario names
/// (and the order ids quoted in readings) with control characters escaped,
/// so a name like `\u{1b}[2J` cannot clear a terminal. `summary.json` keeps
/// the names as they are (JSON escapes them itself).
pub fn displayable(summary: &Summary) -> Summary {
    let mut out = summary.clone();
    out.scenario.name = escape_controls(&out.scenario.name);
    out.scenario.description = escape_controls(&out.scenario.description);
    out.scenario.description_pt_br = escape_controls(&out.scenario.description_pt_br);
    for s in &mut out.strategies {
        s.name = escape_controls(&s.name);
        for m in &mut s.missed_orders {
            m.order_id = escape_controls(&m.order_id);
        }
    }
    out
}

/// The wasted share of `s`'s polls, as the tables, sentences, index and
/// slide print it: from the exact counts the summary carries
/// (`all_polls_wasted / all_polls`), not from `polls_wasted_share`, which
/// the summary stores rounded to four digits. Rounding that again for
/// display rounds twice: 1,309 of 1,609 (81.355%) would read 81.3%, and 3
/// of 1,992 (0.151%) 0.1%. Falls back to the stored share where the counts
/// cannot be what it divided (no polls, more wasted than polls, or a
/// quotient the stored four digits disagree with).
pub fn wasted_share(s: &StrategyReport) -> f64 {
    let (polls, wasted) = (s.requests.all_polls(), s.requests.all_polls_wasted());
    if polls == 0 || wasted > polls {
        return s.polls_wasted_share;
    }
    let exact = wasted as f64 / polls as f64;
    // The stored share is `exact` rounded to 1e-4: within half of that
    // (and a hair of float error) when the counts are its own.
    if (exact - s.polls_wasted_share).abs() <= 0.5e-4 + 1e-9 {
        exact
    } else {
        s.polls_wasted_share
    }
}

/// The half-width of the measured mean's 95% interval, ms, and the interval.
pub(crate) fn mean_interval(s: &StrategyReport) -> Option<(f64, (f64, f64))> {
    let l = &s.latency_ms;
    if l.count == 0 {
        return None;
    }
    match (l.ci95, l.stderr) {
        (Some([low, high]), _) => Some(((high - low) / 2.0, (low, high))),
        (None, Some(se)) => Some((Z95 * se, (l.mean - Z95 * se, l.mean + Z95 * se))),
        (None, None) => None,
    }
}

/// Whether `predicted` lies outside `interval` (false when either is unknown).
pub(crate) fn outside(predicted: Option<f64>, interval: Option<(f64, f64)>) -> bool {
    match (predicted, interval) {
        (Some(p), Some(i)) => !inside(p, i),
        _ => false,
    }
}

/// Whether a predicted share lies outside a share's interval computed from
/// the counts. `summary.json` keeps predicted shares to four decimals, so
/// the interval is widened by that rounding (half of 0.0001 each side):
/// Hook0's 99.983% of empty polls, predicted as 0.9998, has an interval
/// 0.00001 wide that the rounded prediction would otherwise miss.
pub(crate) fn share_outside(predicted: Option<f64>, interval: Option<(f64, f64)>) -> bool {
    const SAVED: f64 = 0.5e-4 + 1e-9;
    outside(
        predicted,
        interval.map(|(low, high)| (low - SAVED, high + SAVED)),
    )
}

/// Whether the model's mean delay lies outside the measured mean's interval.
///
/// A prediction with a standard error of its own (in real time, the
/// calibrated way's, `latency_mean_stderr_ms`) is compared against the
/// combined error: marked when `|model − measured| > 1.96·sqrt(se_m² +
/// se_p²)`, se_m the measured mean's standard error. One without is exact
/// given its inputs and must lie inside the measured interval.
pub fn mean_outside(s: &StrategyReport, predicted: &Prediction) -> bool {
    let interval = mean_interval(s);
    match (predicted.latency_mean_stderr_ms, interval) {
        (Some(se_p), Some((half, _))) => {
            let se_m = half / Z95;
            let allowed = Z95 * (se_m * se_m + se_p * se_p).sqrt();
            (predicted.latency_mean_ms - s.latency_ms.mean).abs() > allowed
        }
        _ => outside(Some(predicted.latency_mean_ms), interval.map(|(_, i)| i)),
    }
}

/// The 95% interval of requests per order, from its standard error.
pub(crate) fn requests_interval(s: &StrategyReport) -> Option<(f64, f64)> {
    s.requests_per_order_stderr.map(|se| {
        (
            s.requests_per_order - Z95 * se,
            s.requests_per_order + Z95 * se,
        )
    })
}

/// Whether the model speaks for `s`: it does not cover crashes, so a
/// strategy a crash fault hit shows no prediction (the crash table says why)
/// rather than a prediction marked wrong; nor the rate limit, so a strategy
/// whose run raised a 429 storm shows none either (its health flag says
/// why).
pub(crate) fn modelled(s: &StrategyReport) -> bool {
    !s.crash.as_ref().is_some_and(|c| c.hit())
        && !hooklab_core::model::health::unmodelled(&s.health)
}

/// Whether any measured number of `s` has a prediction outside its interval.
fn any_outside(s: &StrategyReport) -> bool {
    // The model does not speak for a strategy a crash hit: no mark at all.
    modelled(s)
        && (mean_outside(s, &s.predicted)
            || outside(Some(s.predicted.requests_per_order), requests_interval(s))
            || share_outside(s.predicted.missed_share, missed_interval(s))
            || share_outside(s.predicted.polls_wasted_share, wasted_interval(s)))
}

/// The 95% interval of the missed share beside which the model's
/// prediction is read, for a strategy the model predicts a missed share
/// for (none otherwise: the missed column shows the bare count). The run's
/// own Wilson interval where it records one (webhook receivers), else the
/// Wilson interval of the count the run missed, so every predicted row
/// reads the same `N [low–high] (model)`.
///
/// Computed from the counts, not read from `summary.json`'s interval, which
/// is rounded to four decimals: times 300 orders that rounding moved a
/// bracket's end by 0.1 (3.9 for 3.83).
pub(crate) fn missed_interval(s: &StrategyReport) -> Option<(f64, f64)> {
    s.predicted.missed_share?;
    wilson(s.missed, s.orders, Z95).or_else(|| s.missed_share_ci95.map(|[a, b]| (a, b)))
}

/// The 95% (Wilson) interval of the wasted share of `s`'s polls, for a
/// summary that records one: computed from the counts [`wasted_share`]
/// divides (the saved interval, rounded to four decimals, where they cannot
/// be what it divided).
pub(crate) fn wasted_interval(s: &StrategyReport) -> Option<(f64, f64)> {
    s.polls_wasted_share_ci95?;
    let (polls, wasted) = (s.requests.all_polls(), s.requests.all_polls_wasted());
    if polls == 0 || wasted > polls {
        return s.polls_wasted_share_ci95.map(|[a, b]| (a, b));
    }
    wilson(wasted, polls, Z95)
}

/// Whether any row's missed cell carries an interval and a prediction (the
/// legend under the table then says what they are).
fn any_missed_prediction(summary: &Summary) -> bool {
    summary
        .strategies
        .iter()
        .any(|s| modelled(s) && missed_interval(s).is_some())
}

/// Whether a strategy's cost runs with the clock rather than with the
/// orders: an event-log poller, a held event-log request or a stream asks
/// once per interval (or holds a connection) whatever the orders.
fn costs_time(s: &StrategyReport) -> bool {
    matches!(
        s.kind,
        StrategyKind::PollEvents | StrategyKind::LongPollEvents | StrategyKind::Stream
    )
}

/// A strategy's polls and webhook attempts per day. A cost paid per order
/// (a payment's polls, its webhook) is its count per order times the
/// scenario's orders per day, so a webhook whose retries stretch its run
/// over hours is not diluted by them; without an order rate (every order
/// at one instant) it has no per-day value: its run's length says nothing
/// about a day. A run that lasted a day or more counts what its first 24 h
/// counted (`timeline.first_day`) for the strategies whose cost is not paid
/// per order. Shorter runs:
///
/// - an event-log poller pays per unit of time (a page every interval,
///   whatever happened): its count over its run, scaled to 24 h;
/// - a long poll on the event log is answered when events come and empty
///   when its wait ends: the answers that carried events are paid per
///   order (scaled as a payment's polls are), the empty ones per unit of
///   time (scaled to 24 h), so the quiet tail a run waits through after
///   its last order does not stand for a whole day of quiet;
/// - a stream opens once per connection and then costs no request: its
///   opens and catch-up pages are counted as they happened, not scaled
///   (a run too short to see a reconnect cannot say how often one comes).
///
/// The first part counts every request that is not a webhook attempt:
/// polls, streams opened and requests refused by a dead platform, as
/// `requests_per_order` does.
fn per_day(summary: &Summary, s: &StrategyReport) -> Option<(f64, f64)> {
    let others = (s.requests.streams_opened + s.requests.refused) as f64;
    let (polls, hooks) = (
        s.requests.all_polls() as f64 + others,
        s.requests.webhook_attempts as f64,
    );
    let per_order = summary
        .scenario
        .orders_per_day
        .filter(|_| s.orders > 0)
        .map(|rate| rate / s.orders as f64);
    let per_time = (s.run_ms > 0.0).then(|| 86_400_000.0 / s.run_ms);
    match (per_order, s.timeline.first_day) {
        (Some(per_order), _) if !costs_time(s) => Some((polls * per_order, hooks * per_order)),
        _ if !costs_time(s) => None,
        // The first day's timeline counts polls and deliveries; the
        // streams opened in it are their share of the run's.
        (_, Some(day)) => Some((
            day.polls as f64 + others * per_time.unwrap_or(1.0).min(1.0),
            day.deliveries as f64,
        )),
        _ if s.kind == StrategyKind::Stream => Some((polls, hooks)),
        (Some(per_order), None) if s.kind == StrategyKind::LongPollEvents => {
            let empty = s.requests.all_polls_wasted().min(s.requests.all_polls()) as f64;
            let answered = polls - empty;
            Some((
                answered * per_order + empty * per_time.unwrap_or(0.0),
                hooks * per_order,
            ))
        }
        _ => per_time.map(|scale| (polls * scale, hooks * scale)),
    }
}

/// Notification requests (polls and webhook attempts) per day, as
/// `per_day` counts them.
pub fn requests_per_day(summary: &Summary, s: &StrategyReport) -> Option<f64> {
    per_day(summary, s).map(|(polls, hooks)| polls + hooks)
}

/// The strategy whose deliveries the polls are compared with: the run's
/// first pure webhook strategy that made any attempt.
fn webhook_reference(summary: &Summary) -> Option<&StrategyReport> {
    summary.strategies.iter().find(|s| {
        s.kind == StrategyKind::Webhook && s.requests.webhook_attempts > 0 && s.run_ms > 0.0
    })
}

/// Polls per day of `s` against the reference webhook strategy's deliveries
/// per day, both as `per_day` counts them (each strategy runs on its
/// own, so their rates, not their whole counts, are compared). `None` for a
/// strategy that does not poll or a run without a webhook strategy.
pub fn polls_per_webhook(summary: &Summary, s: &StrategyReport) -> Option<f64> {
    let hook = webhook_reference(summary)?;
    if s.requests.all_polls() == 0 {
        return None;
    }
    let (polls, _) = per_day(summary, s)?;
    let (_, hooks) = per_day(summary, hook)?;
    (hooks > 0.0).then(|| polls / hooks)
}

/// A ratio as people read it: `1.11`, `6,032`, `14,400`.
fn ratio(lang: Lang, x: f64) -> String {
    if x >= 10_000.0 {
        count(lang, x)
    } else {
        decimal(lang, num(x))
    }
}

/// The rows of the comparison, as strings: shared by the terminal table and
/// the Markdown table so the two never disagree.
fn rows(summary: &Summary, lang: Lang) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let ss = &summary.strategies;
    // A row the model is withheld from still has the column (a `-`), as
    // before the draws prediction was omitted for it.
    let draws = ss
        .iter()
        .any(|s| s.predicted_for_draws.is_some() || s.model_withheld.is_some());
    let ratios =
        webhook_reference(summary).is_some() && ss.iter().any(|s| s.requests.all_polls() > 0);
    let mut header = vec![
        Msg::Strategy,
        Msg::Notified,
        Msg::Missed,
        Msg::Dup,
        Msg::MeanCi,
        Msg::Model,
    ];
    if draws {
        header.push(Msg::ModelDraws);
    }
    header.extend([
        Msg::P50Ms,
        Msg::P99Ms,
        Msg::MaxMs,
        Msg::ReqPerOrderModel,
        Msg::WastedPolls,
        Msg::ReqPerDay,
    ]);
    if ratios {
        header.push(Msg::PollsPerWebhook);
    }
    header.extend(crate::traffic::header(summary));
    let header = header.iter().map(|m| m.text(lang)).collect();
    // One unit per column; the mean and its predictions share one, so they
    // compare digit by digit.
    let learned = |s: &&StrategyReport| s.latency_ms.count > 0;
    let TableUnits {
        mean: mean_unit,
        p99: p99_unit,
    } = table_units(summary);
    let unit_of = |f: fn(&StrategyReport) -> f64| column_unit(ss.iter().filter(learned).map(f));
    let (p50_unit, max_unit) = (unit_of(|s| s.latency_ms.p50), unit_of(|s| s.latency_ms.max));
    let rows = ss
        .iter()
        .map(|s| {
            let known = s.latency_ms.count > 0;
            let or_dash = |cell: String| if known { cell } else { "-".to_owned() };
            let modelled = modelled(s);
            let mark = |cell: String, out: bool| {
                if out && modelled {
                    format!("{cell} {OUTSIDE}")
                } else {
                    cell
                }
            };
            let model = |p: &Prediction| {
                if !modelled {
                    return "-".to_owned();
                }
                // A prediction with a standard error of its own (a
                // real-clock run's calibrated way) carries its ± as the
                // measured mean does: 1.96 of them.
                let cell = match p.latency_mean_stderr_ms {
                    Some(se) => pm_in(p.latency_mean_ms, Z95 * se, mean_unit),
                    None => in_unit(p.latency_mean_ms, mean_unit),
                };
                or_dash(mark(cell, mean_outside(s, p)))
            };
            let mean = match mean_interval(s) {
                Some((half, _)) => pm_in(s.latency_ms.mean, half, mean_unit),
                None => in_unit(s.latency_ms.mean, mean_unit),
            };
            // A share's 95% (Wilson) interval beside its value, in the
            // value's unit (`scale` per unit of share, `digits` decimals):
            // `± half` when it is symmetric about the value (within a tenth
            // of its half-width), else `[low–high]`: near 0 or 1 a Wilson
            // interval leans away from the bound, and a ± would reach past it.
            let share_pm = |ci: Option<(f64, f64)>, value: f64, scale: f64, digits: usize| {
                let Some((low, high)) = ci else {
                    return String::new();
                };
                let (low, high) = (low * scale, high * scale);
                let half = (high - low) / 2.0;
                if ((value - low) - (high - value)).abs() <= half / 10.0 {
                    format!(" ± {half:.digits$}")
                } else {
                    format!(" [{low:.digits$}–{high:.digits$}]")
                }
            };
            // The missed count alone, or, where the model predicts a
            // share, always `N [low–high] (model)` in orders: one shape
            // per column, which the legend under the table spells out.
            let orders = s.orders as f64;
            let missed = match (s.predicted.missed_share, missed_interval(s)) {
                (Some(share), Some((low, high))) if modelled => mark(
                    format!(
                        "{} [{:.1}–{:.1}] ({:.1})",
                        s.missed,
                        low * orders,
                        high * orders,
                        share * orders
                    ),
                    share_outside(Some(share), Some((low, high))),
                ),
                _ => s.missed.to_string(),
            };
            let requests = match s.requests_per_order_stderr {
                _ if !modelled => format!("{:.2}", s.requests_per_order),
                Some(se) => format!(
                    "{:.2} ± {:.2} ({:.2})",
                    s.requests_per_order,
                    Z95 * se,
                    s.predicted.requests_per_order
                ),
                None => format!(
                    "{:.2} ({:.2})",
                    s.requests_per_order, s.predicted.requests_per_order
                ),
            };
            let requests = mark(
                requests,
                outside(Some(s.predicted.requests_per_order), requests_interval(s)),
            );
            // A stream's only polls are its catch-up pages, empty when
            // nothing was waiting: no waste of its way of learning (its
            // sentence counts them).
            let wasted = if !wasted_shown(s) {
                "-".to_owned()
            } else {
                let share = wasted_share(s);
                // As many decimals as keep 99.98% from reading 100.0%
                // (and its interval from reading [100.0–100.0]).
                let shown = crate::units::share_digits(share);
                let digits = shown.split('.').nth(1).map_or(0, |d| d.len() - 1);
                // The model's share beside the measured one, as the
                // requests column gives its own: `96.9% ± 0.6 (97.0%)`.
                let model = match s.predicted.polls_wasted_share {
                    Some(predicted) if modelled => {
                        format!(" ({:.digits$}%)", predicted * 100.0, digits = digits)
                    }
                    _ => String::new(),
                };
                mark(
                    format!(
                        "{shown}{}{model}",
                        share_pm(wasted_interval(s), share * 100.0, 100.0, digits)
                    ),
                    share_outside(s.predicted.polls_wasted_share, wasted_interval(s)),
                )
            };
            let mut cells = vec![
                s.name.clone(),
                format!("{}/{}", s.notified, s.orders),
                missed,
                duplicates_cell(s, lang),
                or_dash(mean),
                model(&s.predicted),
            ];
            if draws {
                cells.push(s.predicted_for_draws.as_ref().map_or("-".to_owned(), model));
            }
            cells.extend([
                or_dash(in_unit(s.latency_ms.p50, p50_unit)),
                or_dash(in_unit(s.latency_ms.p99, p99_unit)),
                or_dash(in_unit(s.latency_ms.max, max_unit)),
                requests,
                wasted,
            ]);
            // `decimal` groups these cells' thousands; counts are grouped
            // already (in `lang`'s separator, which `decimal` would read as
            // a decimal point): they are pushed after it.
            let mut cells: Vec<String> = cells
                .into_iter()
                .enumerate()
                .map(|(i, c)| if i == 0 { c } else { decimal(lang, c) })
                .collect();
            cells.push(requests_per_day(summary, s).map_or("-".to_owned(), |d| count(lang, d)));
            if ratios {
                cells
                    .push(polls_per_webhook(summary, s).map_or("-".to_owned(), |r| ratio(lang, r)));
            }
            cells.extend(crate::traffic::cells(summary, s, lang));
            cells
        })
        .collect();
    (header, rows)
}

/// The duplicates column's cell: the duplicates, and after them the
/// conflicting notices when there were any (`2 + 1 confl.`; a note under
/// the table says what they are). A run without conflicts shows the
/// duplicates alone, as before conflicts were counted.
///
/// Where the model predicts duplicates (`predicted.duplicates_per_order`),
/// its prediction follows the count, in notices, as the missed column gives
/// its own in orders: `25 (25.0)`. The table used to drop it, so a hybrid's
/// duplicates could not be read against the model without summary.json.
fn duplicates_cell(s: &StrategyReport, lang: Lang) -> String {
    let model = match s.predicted.duplicates_per_order {
        Some(per_order) if modelled(s) => format!(" ({:.1})", per_order * s.orders as f64),
        _ => String::new(),
    };
    match s.conflicts {
        0 => format!("{}{model}", s.duplicates),
        n => format!(
            "{}{model} + {n} {}",
            s.duplicates,
            Msg::ConflictsShort.text(lang)
        ),
    }
}

/// Whether any row's duplicates or wasted cell carries the model's
/// prediction (the legend under the table then says what it is).
fn any_dup_or_wasted_prediction(summary: &Summary) -> bool {
    summary.strategies.iter().any(|s| {
        modelled(s)
            && (s.predicted.duplicates_per_order.is_some()
                || (s.predicted.polls_wasted_share.is_some() && wasted_shown(s)))
    })
}

/// Whether `s`'s wasted column shows a share (not `-`): it polled, and is
/// not a stream (whose only polls are its catch-up pages).
fn wasted_shown(s: &StrategyReport) -> bool {
    s.requests.all_polls() > 0 && s.kind != StrategyKind::Stream
}

/// The compact rows of a slide: strategy, mean delay, p99, requests per
/// order, wasted, missed.
fn slide_rows(summary: &Summary, lang: Lang) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let header = [
        Msg::Strategy,
        Msg::MeanDelay,
        Msg::P99Ms,
        Msg::ReqPerOrder,
        Msg::WastedShort,
        Msg::Missed,
    ]
    .iter()
    .map(|m| m.text(lang))
    .collect();
    let ss = &summary.strategies;
    let learned = |s: &&StrategyReport| s.latency_ms.count > 0;
    let mean_unit = column_unit(ss.iter().filter(learned).map(|s| s.latency_ms.mean));
    let p99_unit = column_unit(ss.iter().filter(learned).map(|s| s.latency_ms.p99));
    let rows = ss
        .iter()
        .map(|s| {
            let known = s.latency_ms.count > 0;
            let mut mean = in_unit(s.latency_ms.mean, mean_unit);
            if any_outside(s) {
                mean = format!("{mean} {OUTSIDE}");
            }
            let cells = [
                if known { mean } else { "-".to_owned() },
                if known {
                    in_unit(s.latency_ms.p99, p99_unit)
                } else {
                    "-".to_owned()
                },
                format!("{:.2}", s.requests_per_order),
                if s.requests.all_polls() == 0 || s.kind == StrategyKind::Stream {
                    "-".to_owned()
                } else {
                    crate::units::share_digits(wasted_share(s))
                },
                s.missed.to_string(),
            ];
            std::iter::once(s.name.clone())
                .chain(cells.into_iter().map(|c| decimal(lang, c)))
                .collect()
        })
        .collect();
    (header, rows)
}

/// Column widths of `header` and `rows`, in chars (what a terminal shows for
/// the accented letters of the Portuguese headers).
fn widths(header: &[&str], rows: &[Vec<String>]) -> Vec<usize> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    widths
}

/// An aligned text table: the first column left, numbers right, two spaces
/// between, a rule under the header.
fn aligned(header: &[&str], rows: &[Vec<String>], widths: &[usize]) -> String {
    // Padded by chars, which is what a terminal shows, and by hand: `{:<w$}`
    // panics on a width over u16::MAX (a 65,536-character name).
    let line = |cells: &[String]| -> String {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let pad = " ".repeat(w.saturating_sub(cell.chars().count()));
            if i == 0 {
                l.push_str(cell);
                l.push_str(&pad);
            } else {
                l.push_str("  ");
                l.push_str(&pad);
                l.push_str(cell);
            }
        }
        l.trim_end().to_owned()
    };
    let mut out = line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    out.push('\n');
    out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1)));
    out.push('\n');
    for row in rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

/// Shortens `name` to `width` chars, with an ellipsis where it was cut.
fn shorten(name: &str, width: usize) -> String {
    if name.chars().count() <= width {
        return name.to_owned();
    }
    let mut out: String = name.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The slide: the headline and the compact table, at most
/// [`SLIDE_WIDTH`] columns wide (long strategy names are shortened).
pub fn slide(summary: &Summary, lang: Lang) -> String {
    let summary = &displayable(summary);
    let (header, mut rows) = slide_rows(summary, lang);
    let mut w = widths(&header, &rows);
    let total = w.iter().sum::<usize>() + 2 * (w.len() - 1);
    if total > SLIDE_WIDTH {
        let name_width = w[0]
            .saturating_sub(total - SLIDE_WIDTH)
            .max(header[0].chars().count());
        for row in &mut rows {
            row[0] = shorten(&row[0], name_width);
        }
        w = widths(&header, &rows);
    }
    let mut out = headline(summary, lang);
    out.push_str("\n\n");
    out.push_str(&aligned(&header, &rows, &w));
    if summary.strategies.iter().any(any_outside) {
        out.push_str(&i18n::outside_note(lang));
        out.push('\n');
    }
    out
}

fn headline(summary: &Summary, lang: Lang) -> String {
    let s = &summary.scenario;
    i18n::headline(
        lang,
        &s.name,
        s.seed,
        s.orders,
        s.clock == ClockMode::Real,
        &s.arrival,
        &s.settle,
    )
}

fn footnote(summary: &Summary, lang: Lang) -> String {
    let first = summary.strategies.first();
    // The settlement's lateness matters to webhooks: quote the first
    // strategy that receives them.
    let hooked = summary
        .strategies
        .iter()
        .find(|s| matches!(s.kind, StrategyKind::Webhook | StrategyKind::Hybrid));
    let late = hooked.map(|s| {
        (
            s.name.as_str(),
            decimal(lang, num(s.predicted.settle_lateness_ms)),
        )
    });
    // Each pushed strategy's way was timed right before it ran: quote the
    // first (every one is in summary.json).
    let way = summary
        .strategies
        .iter()
        .find_map(|s| Some((s.name.as_str(), s.predicted.delivery_way_ms?)))
        .map(|(name, ms)| (name, decimal(lang, num(ms))));
    let mut out = i18n::footnote(
        lang,
        &decimal(
            lang,
            num(first.map(|s| s.predicted.rtt_ms).unwrap_or_default()),
        ),
        first
            .map(|s| s.predicted.timer_slack_ms)
            .unwrap_or_default(),
        late.as_ref().map(|(name, ms)| (*name, ms.as_str())),
        way.as_ref().map(|(name, ms)| (*name, ms.as_str())),
    );
    let ss = &summary.strategies;
    if ss.iter().any(|s| mean_interval(s).is_some()) {
        out.push('\n');
        out.push_str(&i18n::interval_note(lang));
        if ss
            .iter()
            .any(|s| s.predicted.latency_mean_stderr_ms.is_some())
        {
            out.push(' ');
            out.push_str(&i18n::combined_error_note(lang));
        }
    }
    if any_missed_prediction(summary) {
        out.push('\n');
        out.push_str(&i18n::missed_note(lang));
    }
    if any_dup_or_wasted_prediction(summary) {
        out.push('\n');
        out.push_str(&i18n::dup_wasted_note(lang));
    }
    if ss
        .iter()
        .any(|s| s.predicted_for_draws.is_some() || s.model_withheld.is_some())
    {
        out.push('\n');
        out.push_str(&i18n::draws_note(lang));
    }
    out.push('\n');
    out.push_str(&i18n::per_day_note(
        lang,
        webhook_reference(summary).map(|s| s.name.as_str()),
        summary.scenario.orders_per_day.is_none(),
    ));
    if let Some(note) = crate::traffic::note(summary, lang) {
        out.push('\n');
        out.push_str(&note);
    }
    if ss.iter().any(|s| s.conflicts > 0) {
        out.push('\n');
        out.push_str(Msg::ConflictsNote.text(lang));
    }
    if ss.iter().any(|s| !s.counts_agree) {
        out.push('\n');
        out.push_str(Msg::CountsDisagree.text(lang));
    }
    out
}

/// The terminal table.
pub fn table(summary: &Summary, lang: Lang) -> String {
    let summary = &displayable(summary);
    let (header, rows) = rows(summary, lang);
    let w = widths(&header, &rows);
    let mut out = headline(summary, lang);
    out.push_str("\n\n");
    out.push_str(&aligned(&header, &rows, &w));
    let health = crate::health::block(summary, lang);
    if !health.is_empty() {
        out.push('\n');
        out.push_str(&health);
    }
    out.push('\n');
    let units = table_units(summary);
    for s in &summary.strategies {
        out.push_str(&reading(s, lang, units));
        out.push('\n');
    }
    if let Some(crashes) = crate::crash::text(summary, lang) {
        out.push('\n');
        out.push_str(&crashes);
    }
    out.push('\n');
    out.push_str(&footnote(summary, lang));
    out.push('\n');
    out
}

/// The units of the full table's mean (shared with its predictions) and
/// p99 columns, which the sentences under it use too: a mean the table
/// gives as "1.08 h" is not "64.6 min" in the sentence below it.
#[derive(Clone, Copy, Debug)]
pub struct TableUnits {
    /// The mean delay's column, and the model's beside it.
    pub mean: crate::units::Unit,
    /// The p99 delay's column.
    pub p99: crate::units::Unit,
}

/// The [`TableUnits`] of `summary`'s table.
pub fn table_units(summary: &Summary) -> TableUnits {
    let ss = &summary.strategies;
    let learned = |s: &&StrategyReport| s.latency_ms.count > 0;
    TableUnits {
        mean: column_unit(ss.iter().filter(learned).flat_map(|s| {
            [s.latency_ms.mean, s.predicted.latency_mean_ms]
                .into_iter()
                .chain(s.predicted_for_draws.as_ref().map(|p| p.latency_mean_ms))
        })),
        p99: column_unit(ss.iter().filter(learned).map(|s| s.latency_ms.p99)),
    }
}

/// One plain sentence reading a strategy's numbers, its durations in the
/// table's `units` (the caller escapes the name: see [`displayable`]).
pub fn reading(s: &StrategyReport, lang: Lang, units: TableUnits) -> String {
    // Pollers are read by their interval; everything that receives webhooks
    // (with or without reconciliation polls) by its delay and cost.
    // An interval is a setting: `1 s`, not the `1.00 s` of a measurement.
    let n = |ms: f64| decimal(lang, crate::units::setting(ms));
    let known = s.latency_ms.count > 0;
    let in_column = |ms: f64, unit| {
        if known {
            decimal(lang, in_unit(ms, unit))
        } else {
            "-".to_owned()
        }
    };
    let mean = in_column(s.latency_ms.mean, units.mean);
    let p99 = in_column(s.latency_ms.p99, units.p99);
    let per_order = |x: u64| x as f64 / s.orders.max(1) as f64;
    // No prediction where the model does not speak (see `modelled`).
    let model = |ms: f64| {
        if modelled(s) {
            decimal(lang, in_unit(ms, units.mean))
        } else {
            "-".to_owned()
        }
    };
    let mut text = match s.kind {
        StrategyKind::Poll | StrategyKind::PollEvents => i18n::PollReading {
            name: &s.name,
            interval: &s.interval_ms.map(n).unwrap_or_default(),
            requests_per_order: s.requests_per_order,
            wasted_pct: &pct(lang, wasted_share(s)),
            mean: &mean,
            model: &model(s.predicted.latency_mean_ms),
            events: s.kind == StrategyKind::PollEvents,
        }
        .text(lang),
        StrategyKind::Hybrid => i18n::hybrid_reading(
            lang,
            &s.name,
            [
                s.requests_per_order,
                per_order(s.requests.webhook_attempts),
                per_order(s.requests.all_polls()),
                // Requests a dead platform refused count in
                // `requests_per_order`, but are not polls it answered.
                per_order(s.requests.refused),
            ],
            &mean,
            &p99,
        ),
        StrategyKind::ConditionalPoll
        | StrategyKind::BackoffPoll
        | StrategyKind::LongPoll
        | StrategyKind::LongPollEvents => i18n::spectrum_reading(
            lang,
            &s.name,
            &i18n::spectrum_how(lang, s.kind, &s.interval_ms.map(n).unwrap_or_default()),
            s.requests_per_order,
            &pct(lang, wasted_share(s)),
            &mean,
            &model(s.predicted.latency_mean_ms),
        ),
        StrategyKind::Stream => i18n::stream_reading(
            lang,
            &s.name,
            s.requests_per_order,
            s.requests.streams_opened,
            s.requests.all_polls(),
            s.requests.all_polls_wasted(),
            &mean,
            &model(s.predicted.latency_mean_ms),
        ),
        StrategyKind::Webhook => {
            i18n::webhook_reading(lang, &s.name, s.requests_per_order, &mean, &p99, known)
        }
    };
    if s.missed > 0 {
        text.push_str(&i18n::missed_clause(
            lang,
            s.missed,
            s.missed_orders.first(),
        ));
    }
    text
}

/// The chart files, and the message that titles each in Markdown.
pub const CHARTS: [(&str, Msg); 5] = [
    ("latency-cdf.svg", Msg::CdfTitle),
    ("tradeoff.svg", Msg::TradeoffTitle),
    ("requests.svg", Msg::RequestsTitle),
    ("timeline.svg", Msg::TimelineTitle),
    ("outcomes.svg", Msg::OutcomesTitle),
];

/// The chart of delay against bytes, drawn when every strategy's traffic
/// was counted.
pub const BYTES_CHART: (&str, Msg) = ("tradeoff-bytes.svg", Msg::TradeoffBytesTitle);

/// A Markdown table cell: `|` would end the cell, so it is escaped.
fn md_cell(cell: &str) -> String {
    cell.replace('|', "\\|")
}

/// `summary.md`: the slide first (what a class looks at), then every
/// number, the readings, and the charts (relative links to the SVGs
/// written beside it).
pub fn markdown(summary: &Summary, lang: Lang) -> String {
    let summary = &displayable(summary);
    let (header, rows) = rows(summary, lang);
    let mut out = format!("# {}\n\n", summary.scenario.name);
    let scenario = &summary.scenario;
    let description = match lang {
        Lang::PtBr if !scenario.description_pt_br.is_empty() => &scenario.description_pt_br,
        _ => &scenario.description,
    };
    if !description.is_empty() {
        let _ = write!(out, "{}\n\n", description.trim());
    }
    if let Some(file) = &scenario.file {
        // `hooklab run` without a file records the built-in scenario so.
        let shown = match (file.as_str(), lang) {
            ("built-in checkout", Lang::PtBr) => {
                "o `checkout` embutido (o mesmo de `scenarios/checkout.toml`)".to_owned()
            }
            ("built-in checkout", Lang::En) => {
                "the built-in `checkout` (the same as `scenarios/checkout.toml`)".to_owned()
            }
            _ => format!("`{file}`"),
        };
        let _ = write!(
            out,
            "{} {shown}\n\n",
            if lang == Lang::PtBr {
                "Arquivo do cenário:"
            } else {
                "Scenario file:"
            }
        );
    }
    let _ = write!(out, "```text\n{}```\n\n", slide(summary, lang));
    let _ = write!(out, "## {}\n\n", Msg::AllNumbers.text(lang));
    let _ = writeln!(
        out,
        "| {} |",
        header
            .iter()
            .map(|h| md_cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(
        out,
        "|{}",
        header
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---|" } else { "---:|" })
            .collect::<String>()
    );
    for row in rows {
        let _ = writeln!(
            out,
            "| {} |",
            row.iter()
                .map(|c| md_cell(c))
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    out.push('\n');
    let health = crate::health::block(summary, lang);
    if !health.is_empty() {
        let _ = writeln!(out, "{health}");
    }
    let units = table_units(summary);
    for s in &summary.strategies {
        let _ = writeln!(out, "- {}", reading(s, lang, units));
    }
    if let Some(crashes) = crate::crash::markdown(summary, lang) {
        let _ = write!(out, "\n{crashes}");
    }
    let _ = write!(out, "\n{}\n", footnote(summary, lang).replace('\n', "\n\n"));
    let _ = write!(out, "\n## {}\n\n", Msg::Charts.text(lang));
    for (file, title) in CHARTS {
        let _ = write!(out, "![{}]({file})\n\n", title.text(lang));
        if file == "timeline.svg"
            && let Some(s) = summary.strategies.iter().find(|s| s.timeline.is_sampled())
        {
            let note = i18n::sample_note(
                lang,
                s.timeline.orders.len(),
                s.orders,
                s.timeline.order_stride,
            );
            let _ = write!(out, "{note}\n\n");
        }
    }
    if crate::traffic::counted(summary) {
        let (file, title) = BYTES_CHART;
        let _ = write!(out, "![{}]({file})\n\n", title.text(lang));
    }
    out
}

/// `summary.json`, pretty-printed.
pub fn json(summary: &Summary) -> String {
    // A Summary holds only strings, numbers and enums: it always serialises.
    let mut text =
        serde_json::to_string_pretty(summary).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// Renders `summary` in `format`.
pub fn render(summary: &Summary, format: Format, lang: Lang) -> String {
    match format {
        Format::Table => table(summary, lang),
        Format::Json => json(summary),
        Format::Markdown => markdown(summary, lang),
        Format::Slide => slide(summary, lang),
    }
}

#[cfg(test)]
mod aligned_tests {
    use super::aligned;

    #[test]
    fn a_column_wider_than_fmt_allows_is_padded_without_a_panic() {
        let name = "p".repeat(70_000);
        let rows = vec![
            vec![name.clone(), "1".to_owned()],
            vec!["q".to_owned(), "22".to_owned()],
        ];
        let table = aligned(&["strategy", "n"], &rows, &[70_000, 2]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[2], format!("{name}   1"));
        assert_eq!(lines[3].chars().count(), 70_000 + 4);
        assert!(lines[3].starts_with("q ") && lines[3].ends_with("  22"));
    }
}

//! The table with the new model's fields filled (error bars, the draws'
//! prediction, health flags, the optional Prediction fields), and the
//! fallbacks for old summaries; names that would attack a terminal or break
//! a Markdown table; the slide.

use crate::{summary, svg_texts};
use hooklab_core::lang::Lang;
use hooklab_core::model::Prediction;
use hooklab_core::report::{HealthCode, Summary};
use hooklab_core::scenario::StrategyKind;
use hooklab_report::{charts, csv::csv, render};

/// The test summary with what the leg-by-leg model and the error bars
/// write: poll-100ms's prediction inside its interval, poll-500ms's outside,
/// a hybrid, a webhook that learned nothing, and a health flag.
fn modelled() -> Summary {
    let mut s = summary("");
    for r in &mut s.strategies {
        r.latency_ms.stderr = Some(2.0);
        r.latency_ms.ci95 = Some([r.latency_ms.mean - 3.92, r.latency_ms.mean + 3.92]);
        r.latency_ms.min = Some(0.2);
        r.requests_per_order_stderr = Some(0.01);
        r.predicted.latency_mean_ms = r.latency_ms.mean + 1.0;
        r.predicted.requests_per_order = r.requests_per_order;
        r.predicted_for_draws = Some(Prediction {
            latency_mean_ms: r.latency_ms.mean,
            requests_per_order: r.requests_per_order,
            ..r.predicted.clone()
        });
    }
    // poll@500ms: the paper model is 40 ms off a ±3.9 ms interval.
    s.strategies[1].predicted.latency_mean_ms = s.strategies[1].latency_ms.mean + 40.0;
    s.strategies[1].health.push(HealthCode::PlacementLag.flag(
        "orders were placed behind plan (mean 12.5 ms, max 81.0 ms late): the machine could not keep up with the arrivals".to_owned(),
    ));
    // The third becomes a hybrid: its requests are webhooks and polls.
    let h = &mut s.strategies[2];
    h.name = "hybrid".to_owned();
    h.kind = StrategyKind::Hybrid;
    h.interval_ms = None;
    h.requests.webhook_attempts = 300;
    h.requests_per_order = 2.55;
    h.predicted.missed_share = Some(0.0);
    h.missed_share_ci95 = Some([0.001, 0.02]);
    // The webhook learned nothing.
    let w = &mut s.strategies[3];
    w.notified = 0;
    w.latency_ms = Default::default();
    w.latency_cdf_ms.clear();
    s
}

#[test]
fn the_table_shows_error_bars_both_predictions_and_marks_a_miss() {
    let s = modelled();
    let table = render::table(&s, Lang::En);
    let lines: Vec<&str> = table.lines().collect();
    let row = |name: &str| *lines.iter().find(|l| l.starts_with(name)).unwrap();
    let header = lines.iter().find(|l| l.starts_with("strategy")).unwrap();
    for column in [
        "mean ± 95%",
        "model",
        "model, these draws",
        "req/day",
        "polls per webhook",
    ] {
        assert!(header.contains(column), "{column}: {header}");
    }
    // 1.96 · 2 ms = 3.92 ms either side.
    let poll100 = row("poll@interval_ms=100ms");
    assert!(poll100.contains(" ± 3.92 ms"), "{poll100}");
    assert!(!poll100.contains(render::OUTSIDE), "{poll100}");
    let poll500 = row("poll@interval_ms=500ms");
    assert!(poll500.contains(render::OUTSIDE), "{poll500}");
    // The hybrid's model misses none, the interval excludes 0: marked. The
    // interval is 2 of 300's own Wilson interval (0.18%–2.4%), from the
    // counts, not the summary's saved (rounded) one.
    assert!(
        row("hybrid").contains(&format!("2 [0.5–7.2] (0.0) {}", render::OUTSIDE)),
        "{}",
        row("hybrid")
    );
    // Nothing notified: a dash, not 0.000 ms.
    let webhook = row("webhook");
    assert!(!webhook.contains("0.000 ms"), "{webhook}");
    assert!(webhook.contains("  -  "), "{webhook}");
    // The footnote explains the ± and the marker, and the draws.
    assert!(table.contains("± is the 95% interval"), "{table}");
    assert!(table.contains("(!) marks a prediction outside"), "{table}");
    assert!(
        table.contains("model, these draws: the same model"),
        "{table}"
    );
    // The health flag, under the table, in each language.
    assert!(
        table.contains("- poll@interval_ms=500ms: orders were placed behind plan (mean 12.5 ms"),
        "{table}"
    );
    let pt = render::table(&s, Lang::PtBr);
    assert!(pt.contains("Saúde da execução:"), "{pt}");
    assert!(pt.contains("média de 12,5 ms, máximo de 81,0 ms"), "{pt}");
    // The hybrid's sentence says what its requests are.
    assert!(
        table.contains("hybrid: 2.55 notification requests per order (1.00 webhook attempts and 1.55 reconciliation polls)"),
        "{table}"
    );
    let hybrid = table.lines().find(|l| l.starts_with("hybrid:")).unwrap();
    assert!(!hybrid.contains("webhook request(s)"), "{hybrid}");
}

#[test]
fn without_an_order_rate_a_per_order_cost_has_no_per_day_value() {
    // The test summary records no orders per day (every order at one
    // instant, as crash-lab): a poll's or a webhook's cost per day would be
    // its run's length scaled, which says nothing about a day. A dash, and
    // the footnote says why; an event-log poller's cost runs with the clock
    // and still counts over its run.
    let s = modelled();
    assert_eq!(s.scenario.orders_per_day, None);
    let poll = &s.strategies[0];
    assert_eq!(render::requests_per_day(&s, poll), None);
    assert_eq!(render::polls_per_webhook(&s, poll), None);
    assert_eq!(render::requests_per_day(&s, &s.strategies[3]), None);
    let mut events = poll.clone();
    events.kind = StrategyKind::PollEvents;
    let over_run = 3_600.0 * 86_400_000.0 / events.run_ms;
    assert!((render::requests_per_day(&s, &events).unwrap() - over_run).abs() < 1e-6);
    let table = render::table(&s, Lang::En);
    assert!(!table.contains("124,416,000"), "{table}");
    assert!(table.contains("has no order rate"), "{table}");
    assert!(render::table(&s, Lang::PtBr).contains("não tem ritmo de pedidos"));
    let text = csv(&s).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    let at = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(at("requests_per_day"), "");
    assert_eq!(at("polls_per_webhook"), "");
    assert_eq!(at("latency_stderr_ms"), "2");
}

#[test]
fn a_cost_per_order_is_counted_per_day_at_the_order_rate() {
    // With the scenario's orders per day recorded, a per-order cost is
    // requests per order × orders per day, however long retries kept the
    // strategy's run going; an event-log poller still counts over its run.
    let mut s = modelled();
    let orders = s.strategies[0].orders as f64;
    s.scenario.orders_per_day = Some(1_000_000.0);
    s.strategies[3].run_ms *= 1_000.0;
    let poll = &s.strategies[0];
    let per_day = render::requests_per_day(&s, poll).unwrap();
    assert!((per_day - 3_600.0 / orders * 1e6).abs() < 1e-6, "{per_day}");
    let hook = render::requests_per_day(&s, &s.strategies[3]).unwrap();
    assert!((hook - 301.0 / orders * 1e6).abs() < 1e-6, "{hook}");
    let ratio = render::polls_per_webhook(&s, poll).unwrap();
    assert!((ratio - 3_600.0 / 301.0).abs() < 1e-9, "{ratio}");
    let mut events = s.strategies[0].clone();
    events.kind = StrategyKind::PollEvents;
    let over_run = 3_600.0 * 86_400_000.0 / events.run_ms;
    assert!((render::requests_per_day(&s, &events).unwrap() - over_run).abs() < 1e-6);
    // A stream's cost is the streams it opened and their catch-up pages:
    // not 0 a day, and not scaled to a day either (a stream opens once per
    // connection; spectrum's 4 opens and 4 pages in 104 s read 6,615 a day).
    let mut stream = events.clone();
    stream.kind = StrategyKind::Stream;
    stream.requests.polls = 0;
    stream.requests.polls_wasted = 0;
    stream.requests.event_polls = 4;
    stream.requests.event_polls_wasted = 4;
    stream.requests.streams_opened = 4;
    assert_eq!(render::requests_per_day(&s, &stream), Some(8.0));
    // A long poll on the event log: the answers that carried events are
    // paid per order, the empty ones (its waits that ended) per unit of
    // time, so a run's quiet tail is not a whole day of quiet.
    let mut long = events.clone();
    long.kind = StrategyKind::LongPollEvents;
    long.requests.polls = 0;
    long.requests.polls_wasted = 0;
    long.requests.event_polls = 154;
    long.requests.event_polls_wasted = 4;
    let expected = 150.0 / orders * 1e6 + 4.0 * 86_400_000.0 / long.run_ms;
    let got = render::requests_per_day(&s, &long).unwrap();
    assert!((got - expected).abs() < 1e-6, "{got} against {expected}");
}

#[test]
fn one_column_reads_in_one_unit() {
    let mut s = modelled();
    s.strategies[0].latency_ms.p99 = 1_971.0;
    s.strategies[1].latency_ms.p99 = 4_860.0;
    let table = render::table(&s, Lang::En);
    assert!(table.contains("1.97 s"), "{table}");
    assert!(table.contains("4.86 s"), "{table}");
    assert!(!table.contains("1971 ms"), "{table}");
}

#[test]
fn every_latency_cell_under_one_of_its_columns_unit_steps_down() {
    // A column of hours (the first row's 9 h), and a second row whose mean,
    // its ±, the model, p50, p99 and max are each under one hour: none may
    // read "0.228 h".
    let mut s = modelled();
    let hour = 3_600_000.0;
    let big = &mut s.strategies[0];
    big.latency_ms.mean = 9.0 * hour;
    big.latency_ms.ci95 = Some([8.9 * hour, 9.1 * hour]);
    big.predicted.latency_mean_ms = 9.0 * hour;
    big.predicted_for_draws = None;
    (big.latency_ms.p50, big.latency_ms.p99, big.latency_ms.max) =
        (9.0 * hour, 9.0 * hour, 9.0 * hour);
    let small = &mut s.strategies[1];
    small.latency_ms.mean = 0.5 * hour;
    small.latency_ms.ci95 = Some([0.3 * hour, 0.7 * hour]);
    small.predicted.latency_mean_ms = 0.5 * hour;
    small.predicted_for_draws = None;
    small.health.clear();
    (
        small.latency_ms.p50,
        small.latency_ms.p99,
        small.latency_ms.max,
    ) = (0.1 * hour, 0.228 * hour, 0.9 * hour);
    for (lang, mean, p50, p99, max, model) in [
        (
            Lang::En,
            "30.0 ± 12.0 min",
            "6.00 min",
            "13.7 min",
            "54.0 min",
            "30.0 min",
        ),
        (
            Lang::PtBr,
            "30,0 ± 12,0 min",
            "6,00 min",
            "13,7 min",
            "54,0 min",
            "30,0 min",
        ),
    ] {
        let table = render::table(&s, lang);
        let row = table
            .lines()
            .find(|l| l.starts_with("poll@interval_ms=500ms"))
            .unwrap();
        for cell in [mean, p50, p99, max, model] {
            assert!(row.contains(cell), "{lang:?}: no {cell:?} in {row}");
        }
        assert!(!row.contains(" h"), "{lang:?}: {row}");
        // The row of hours keeps its unit, ± and all.
        let hours = table
            .lines()
            .find(|l| l.starts_with("poll@interval_ms=100ms"))
            .unwrap();
        let spread = if lang == Lang::En {
            "9.00 h ± 6.00 min"
        } else {
            "9,00 h ± 6,00 min"
        };
        assert!(hours.contains(spread), "{lang:?}: {hours}");
    }
}

#[test]
fn portuguese_sentences_use_the_decimal_comma() {
    let s = summary("");
    let pt = render::table(&s, Lang::PtBr);
    let reading = pt
        .lines()
        .find(|l| l.starts_with("poll@interval_ms=100ms: consultar"))
        .unwrap();
    // "83,4% delas", never "83.4% delas" beside a table of commas.
    assert!(reading.contains("% delas"), "{reading}");
    let before = reading.split("% delas").next().unwrap();
    let number = before.rsplit(' ').next().unwrap();
    assert!(number.contains(','), "{reading}");
    assert!(!number.contains('.'), "{reading}");
}

#[test]
fn an_old_summary_without_the_new_fields_still_reads() {
    // The test summary has no stderr, no draws, no health: no ±, no draws
    // column, no marker, no health heading.
    let table = render::table(&summary(""), Lang::En);
    let rows: Vec<&str> = table.lines().filter(|l| l.contains("/300")).collect();
    assert_eq!(rows.len(), 4, "{table}");
    assert!(rows.iter().all(|r| !r.contains('±')), "{table}");
    assert!(!table.contains("± is the 95%"), "{table}");
    assert!(!table.contains("these draws"), "{table}");
    assert!(!table.contains(render::OUTSIDE), "{table}");
    assert!(!table.contains("Health"), "{table}");
}

#[test]
fn control_characters_in_names_are_escaped_everywhere() {
    let mut s = modelled();
    s.strategies[0].name = "\u{1b}[2J\u{1b}[31mPWNED\u{7}".to_owned();
    s.scenario.name = "class\u{1b}[0m".to_owned();
    let escaped = "\\u{1b}[2J\\u{1b}[31mPWNED\\u{7}";
    let outputs = [
        ("table", render::table(&s, Lang::En)),
        ("markdown", render::markdown(&s, Lang::PtBr)),
        ("slide", render::slide(&s, Lang::En)),
        ("csv", csv(&s).unwrap()),
    ];
    for (what, text) in outputs.iter() {
        assert!(!text.contains('\u{1b}'), "{what}: {text:?}");
        assert!(!text.contains('\u{7}'), "{what}: {text:?}");
        assert!(text.contains("class\\u{1b}[0m"), "{what}: {text}");
    }
    assert!(outputs[0].1.contains(escaped), "{}", outputs[0].1);
    for (file, svg) in charts::all(&s, Lang::En).unwrap() {
        assert!(!svg.contains('\u{1b}'), "{file}");
        assert!(
            svg_texts(&svg).iter().any(|t| t.contains("\\u{1b}")),
            "{file}"
        );
    }
    // summary.json keeps the name as it was: JSON escapes it itself.
    let json = render::json(&s);
    assert!(json.contains("\\u001b[2J"), "{json}");
    let back: Summary = serde_json::from_str(&json).unwrap();
    assert_eq!(back.strategies[0].name, s.strategies[0].name);
}

#[test]
fn a_pipe_in_a_name_does_not_break_the_markdown_table() {
    let mut s = modelled();
    s.strategies[3].name = "web|hook".to_owned();
    let md = render::markdown(&s, Lang::En);
    let row = md.lines().find(|l| l.starts_with("| web")).unwrap();
    assert!(row.starts_with("| web\\|hook |"), "{row}");
    let header = md.lines().find(|l| l.starts_with("| strategy")).unwrap();
    // As many cell separators as the header: the escaped pipe is not one.
    let cells = |l: &str| l.replace("\\|", "").matches('|').count();
    assert_eq!(cells(row), cells(header), "{row}");
}

#[test]
fn the_slide_fits_80_columns_and_leads_the_markdown() {
    let mut s = modelled();
    s.strategies[0].name =
        "a-very-long-strategy-name-that-would-never-fit-on-a-projector@x=1".to_owned();
    for lang in [Lang::En, Lang::PtBr] {
        let slide = render::slide(&s, lang);
        for line in slide.lines() {
            assert!(line.chars().count() <= render::SLIDE_WIDTH, "{line:?}");
        }
        let header = slide.lines().nth(3).unwrap();
        assert!(header.split_whitespace().count() >= 6, "{header}");
    }
    let slide = render::slide(&s, Lang::En);
    assert!(slide.contains("a-very-long"), "{slide}");
    assert!(slide.contains('…'), "{slide}");
    assert_eq!(render::render(&s, render::Format::Slide, Lang::En), slide);
    let md = render::markdown(&s, Lang::En);
    let first_table = md.find("mean delay").unwrap();
    assert!(first_table < md.find("| strategy |").unwrap(), "{md}");
}

#[test]
fn a_strategy_a_crash_hit_shows_no_prediction_rather_than_a_wrong_one() {
    let mut s = modelled();
    // poll@500ms's paper model is marked outside its interval; once a crash
    // hit the strategy, the model (which does not cover crashes) says nothing.
    let before = render::table(&s, Lang::En);
    let name = s.strategies[1].name.clone();
    let row = |t: &str| t.lines().find(|l| l.starts_with(&name)).unwrap().to_owned();
    assert!(row(&before).contains("(!)"), "{before}");
    // A durable store alone is no crash: the model still speaks.
    s.strategies[1].crash = Some(Default::default());
    assert!(row(&render::table(&s, Lang::En)).contains("(!)"));
    s.strategies[1].crash = Some(hooklab_core::crash::CrashReport {
        platform_crashes: 1,
        ..Default::default()
    });
    let after = render::table(&s, Lang::En);
    assert!(!row(&after).contains("(!)"), "{after}");
    // The slide too: its one mark also stays off (it missed the parentheses
    // of `modelled && (a || b)` and marked the crash-lab's rows).
    let slide = render::render(&s, hooklab_report::Format::Slide, Lang::En);
    assert!(!row(&slide).contains("(!)"), "{slide}");
}

#[test]
fn the_crash_table_counts_refused_deliveries_as_the_summary_and_chart_do() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../results/crash-lab/summary.json");
    let saved: Summary = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for lang in [Lang::En, Lang::PtBr] {
        let table = hooklab_report::crash::markdown(&saved, lang).unwrap();
        for s in &saved.strategies {
            let row = table
                .lines()
                .find(|l| l.starts_with(&format!("| {} |", s.name)))
                .unwrap_or_else(|| panic!("no row for {}: {table}", s.name));
            let cells: Vec<&str> = row.trim_matches('|').split(" | ").map(str::trim).collect();
            let refused = s.rejected.get("refused").copied().unwrap_or(0);
            assert_eq!(cells[8], refused.to_string(), "{row}");
            let requests = s.crash.as_ref().unwrap().requests_refused_while_down;
            assert_eq!(cells[9], requests.to_string(), "{row}");
        }
    }
}

/// A real-clock crash that found its payments still unsettled (the orders
/// were placed behind plan, so they fell due after the crash instant) could
/// not lose them between the status write and the webhook: the crash
/// section says so by strategy, in each language, rather than letting a
/// dual write that lost nothing read as safe. The virtual run, whose crash
/// hit its window, says nothing of the kind.
#[test]
fn a_real_clock_crash_that_missed_its_window_is_said_plainly() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../results/crash-lab/summary.json");
    let mut saved: Summary = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for lang in [Lang::En, Lang::PtBr] {
        let table = hooklab_report::crash::markdown(&saved, lang).unwrap();
        assert!(
            !table.contains("window") && !table.contains("janela"),
            "{table}"
        );
    }
    saved.scenario.clock = hooklab_core::scenario::ClockMode::Real;
    let dual = saved
        .strategies
        .iter_mut()
        .find(|s| s.name == "dual-write")
        .unwrap();
    let crash = dual.crash.as_mut().unwrap();
    crash.lost.clear();
    crash.settlements_resumed = 223;
    let en = hooklab_report::crash::markdown(&saved, Lang::En).unwrap();
    assert!(
        en.contains("dual-write: the platform's crash missed its window for 223 payment(s)"),
        "{en}"
    );
    assert_eq!(en.matches("missed its window").count(), 1, "{en}");
    let pt = hooklab_report::crash::text(&saved, Lang::PtBr).unwrap();
    assert!(
        pt.contains("dual-write: a queda da plataforma perdeu a janela para 223 pagamento(s)"),
        "{pt}"
    );
}

#[test]
fn a_rate_limit_storm_shows_no_prediction_rather_than_a_wrong_one() {
    let mut s = modelled();
    let before = render::table(&s, Lang::En);
    let name = s.strategies[1].name.clone();
    let row = |t: &str| t.lines().find(|l| l.starts_with(&name)).unwrap().to_owned();
    assert!(row(&before).contains("(!)"), "{before}");
    s.strategies[1].health.push(HealthCode::RateLimitStorm.flag(
        "900 of 2000 requests were refused with 429: the delays include waiting out the rate limit, which the model does not cover (the token bucket's 429s and the shop's Retry-After waits), so no prediction is shown".to_owned(),
    ));
    let after = render::table(&s, Lang::En);
    assert!(!row(&after).contains("(!)"), "{after}");
    // Neither the mean's prediction nor the requests' is printed.
    let model = format!("{:.2})", s.strategies[1].predicted.requests_per_order);
    assert!(!row(&after).contains(&model), "{after}");
    assert!(after.contains("which the model does not cover"), "{after}");
    let pt = render::table(&s, Lang::PtBr);
    assert!(
        pt.contains("o modelo cobre só para a consulta simples"),
        "{pt}"
    );
    // A plain poller's 429s are modelled (the bucket's replay): the flag
    // is printed and the prediction stays.
    let mut modelled_storm = modelled();
    modelled_storm.strategies[1].health.push(HealthCode::RateLimited.flag(
        "900 of 2000 requests were refused with 429: the delays include waiting out the rate limit; the model replays the token bucket and the shop's Retry-After waits over the orders".to_owned(),
    ));
    let kept = render::table(&modelled_storm, Lang::En);
    assert!(row(&kept).contains(&model), "{kept}");
    assert!(
        kept.contains("the model replays the token bucket"),
        "{kept}"
    );
    let pt = render::table(&modelled_storm, Lang::PtBr);
    assert!(pt.contains("o modelo reproduz o balde de fichas"), "{pt}");
}

#[test]
fn a_prediction_with_its_own_error_is_marked_against_the_combined_error() {
    let mut s = modelled();
    let name = s.strategies[1].name.clone();
    let row = |t: &str| t.lines().find(|l| l.starts_with(&name)).unwrap().to_owned();
    // poll@500ms's paper model sits 40 ms off a mean known to ±2 ms (one
    // standard error). With a standard error of 25 ms of its own, the
    // combined error is sqrt(2² + 25²) = 25.08 ms, and 40 < 1.96 · 25.08 =
    // 49.2: no mark. With 15 ms, 1.96 · sqrt(2² + 15²) = 29.7 < 40: marked.
    s.strategies[1].predicted_for_draws = None;
    s.strategies[1].predicted.requests_per_order = s.strategies[1].requests_per_order;
    s.strategies[1].predicted.latency_mean_stderr_ms = Some(25.0);
    let wide = render::table(&s, Lang::En);
    assert!(!row(&wide).contains("(!)"), "{wide}");
    assert!(wide.contains("combined standard error"), "{wide}");
    s.strategies[1].predicted.latency_mean_stderr_ms = Some(15.0);
    let narrow = render::table(&s, Lang::En);
    assert!(row(&narrow).contains("(!)"), "{narrow}");
}

/// Conflicting notices (another final outcome than the one known) stand
/// beside the duplicates in the table, with a note saying what they are,
/// in both languages; a run without any shows the duplicates alone and no
/// note, as before they were counted.
#[test]
fn conflicting_notices_are_shown_beside_the_duplicates_with_a_note() {
    let mut s = summary("");
    let plain = render::table(&s, Lang::En);
    assert!(!plain.contains("confl."), "{plain}");
    s.strategies[3].conflicts = 2;
    for (lang, note) in [
        (Lang::En, "counted apart from the duplicates"),
        (Lang::PtBr, "contados à parte dos duplicados"),
    ] {
        for text in [render::table(&s, lang), render::markdown(&s, lang)] {
            assert!(text.contains("3 + 2 confl."), "{lang:?}: {text}");
            assert_eq!(text.matches("confl.").count(), 2, "{lang:?}: {text}");
            assert!(text.contains(note), "{lang:?}: {text}");
        }
    }
    // The other rows keep their plain duplicates cell.
    let table = render::table(&s, Lang::En);
    let poll_row = table
        .lines()
        .find(|l| l.starts_with("poll@interval_ms=100ms"))
        .unwrap();
    assert!(!poll_row.contains("confl."), "{poll_row}");
}

/// A stream polls only the catch-up page it reads as it opens, empty when
/// nothing was waiting: its sentence counts those pages instead of calling
/// them "100% wasted", and its wasted cells are `-`.
#[test]
fn a_stream_counts_its_catch_up_pages_instead_of_a_waste_share() {
    let mut s = summary("");
    s.strategies.truncate(1);
    let r = &mut s.strategies[0];
    r.name = "stream".to_owned();
    r.kind = StrategyKind::Stream;
    r.interval_ms = None;
    r.requests.polls = 0;
    r.requests.polls_wasted = 0;
    r.requests.event_polls = 4;
    r.requests.event_polls_wasted = 4;
    r.requests.streams_opened = 4;
    r.requests_per_order = 8.0 / 300.0;
    r.polls_wasted_share = 1.0;
    r.polls_wasted_share_ci95 = Some([0.51, 1.0]);
    for (lang, counted, waste) in [
        (
            Lang::En,
            "4 streams and 4 catch-up pages read on opening (all 4 empty: no event was waiting yet)",
            "100.0%",
        ),
        (
            Lang::PtBr,
            "4 streams abertos e 4 páginas de recuperação lidas ao abrir (todas as 4 vazias: nenhum evento esperava ainda)",
            "100,0%",
        ),
    ] {
        // The slide has no sentences: only its cells are checked there.
        for (text, sentences) in [
            (render::table(&s, lang), true),
            (render::render(&s, render::Format::Markdown, lang), true),
            (render::render(&s, render::Format::Slide, lang), false),
        ] {
            assert!(!text.contains(waste), "{text}");
            assert!(!text.contains("delas desperdiçadas"), "{text}");
            assert!(!text.contains("of them wasted"), "{text}");
            assert!(!sentences || text.contains(counted), "{text}");
        }
    }
}

/// The polls-below-model flag says its numbers in the table's precision
/// (two decimals, not "7.640") and names the expectation it compares with:
/// the draws' one, not the table's prediction in parentheses.
#[test]
fn the_polls_below_model_flag_uses_the_table_precision_and_names_its_expectation() {
    let mut s = summary("");
    s.strategies.truncate(1);
    let r = &mut s.strategies[0];
    r.requests_per_order = 7.64;
    r.predicted.requests_per_order = 7.437;
    r.predicted_for_draws = Some(Prediction {
        requests_per_order: 7.83,
        ..r.predicted.clone()
    });
    r.health.push(HealthCode::PollsBelowModel.flag(
        "7.640 polls per order against 7.830 expected for this run's draws: the pollers fell behind (the machine could not keep up)".to_owned(),
    ));
    for (lang, said) in [
        (
            Lang::En,
            "7.64 requests per order against 7.83 the model expects for this run's own draws (the table's (7.44) is its prediction from the scenario's laws)",
        ),
        (
            Lang::PtBr,
            "7,64 requisições por pedido contra 7,83 que o modelo espera para os sorteios desta execução (o (7,44) da tabela é a previsão a partir das leis do cenário)",
        ),
    ] {
        let table = render::table(&s, lang);
        assert!(table.contains(said), "{table}");
        assert!(
            !table.contains("7.640") && !table.contains("7,640"),
            "{table}"
        );
        assert!(
            table.contains("(7.44)") || table.contains("(7,44)"),
            "{table}"
        );
    }
}

/// A sentence gives a mean in its table column's unit: "1.08 h" in the
/// table is "1.08 h" below it, not "64.6 min".
#[test]
fn a_sentence_gives_the_mean_in_its_table_column_unit() {
    let mut s = summary("");
    s.strategies.drain(1..3);
    // A poller whose mean is 5 h sets the column in hours.
    s.strategies[0].latency_ms.mean = 5.0 * 3_600_000.0;
    s.strategies[0].predicted.latency_mean_ms = 5.0 * 3_600_000.0;
    let w = &mut s.strategies[1];
    w.latency_ms.mean = 3_876_000.0;
    w.latency_ms.p99 = 4.42 * 3_600_000.0;
    for lang in [Lang::En, Lang::PtBr] {
        let table = render::table(&s, lang);
        let webhook = table
            .lines()
            .find(|l| l.starts_with("webhook:"))
            .unwrap_or_else(|| panic!("{table}"));
        assert!(
            webhook.contains("1.08 h") || webhook.contains("1,08 h"),
            "{webhook}"
        );
        assert!(!webhook.contains(" min"), "{webhook}");
        let row = table.lines().find(|l| l.starts_with("webhook ")).unwrap();
        assert!(row.contains("1.08 h") || row.contains("1,08 h"), "{row}");
    }
}

#[test]
fn a_share_near_whole_keeps_its_digits_and_its_rounded_prediction_is_no_miss() {
    // Hook0's day: 14,480,000 event-log pages, 2,399 of them with news.
    // 99.983% read "100.0% [100.0–100.0]" and, against the exact interval
    // (0.00001 wide), the prediction saved to four decimals (0.9998) looked
    // like a miss. The cell keeps the digits that say it is not 100%, and
    // the saved prediction's rounding is no (!).
    let mut s = modelled();
    let r = &mut s.strategies[0];
    r.kind = StrategyKind::PollEvents;
    r.requests.polls = 0;
    r.requests.polls_wasted = 0;
    r.requests.event_polls = 14_480_000;
    r.requests.event_polls_wasted = 14_477_601;
    r.polls_wasted_share = 0.9998;
    r.polls_wasted_share_ci95 = Some([0.9998, 0.9998]);
    r.predicted.polls_wasted_share = Some(0.9998);
    let name = r.name.clone();
    let table = render::table(&s, Lang::En);
    let row = table.lines().find(|l| l.starts_with(&name)).unwrap();
    assert!(row.contains("99.98%"), "{row}");
    assert!(!row.contains("100.0%"), "{row}");
    assert!(!row.contains(render::OUTSIDE), "{row}");
    // A prediction a whole rounding step off is still a miss.
    s.strategies[0].predicted.polls_wasted_share = Some(0.9996);
    let table = render::table(&s, Lang::En);
    let row = table.lines().find(|l| l.starts_with(&name)).unwrap();
    assert!(row.contains(render::OUTSIDE), "{row}");
}

/// A tester's finding: `summary.json` keeps the model's duplicates per
/// order and wasted share, and the table dropped both, so a hybrid's
/// duplicates and a poller's waste could not be read against the model.
/// Now each follows its measurement, in both languages, with a legend; a
/// strategy the model says nothing of keeps its bare cell.
#[test]
fn the_models_duplicates_and_wasted_share_are_shown_beside_the_measurements() {
    let mut s = summary("");
    let orders = s.strategies[2].orders as f64;
    let h = &mut s.strategies[2];
    h.duplicates = 25;
    h.predicted.duplicates_per_order = Some(24.0 / orders);
    let poll = &mut s.strategies[0];
    poll.predicted.polls_wasted_share = Some(0.5);
    // No model of waste, nor of duplicates, for the second poller.
    s.strategies[1].predicted.polls_wasted_share = None;
    s.strategies[1].predicted.duplicates_per_order = None;
    let table = render::table(&s, Lang::En);
    let row = |name: &str, table: &str| {
        table
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no row {name} in\n{table}"))
            .to_owned()
    };
    let hybrid = row(&s.strategies[2].name, &table);
    assert!(hybrid.contains(" 25 (24.0) "), "{hybrid}\n{table}");
    let poll = row(&s.strategies[0].name, &table);
    assert!(poll.contains("(50.0%)"), "{poll}\n{table}");
    let bare = row(&s.strategies[1].name, &table);
    assert!(!bare.contains("%)"), "{bare}\n{table}");
    assert!(
        table.contains("dup: N (m) is N duplicate notices"),
        "{table}"
    );
    let pt = render::table(&s, Lang::PtBr);
    assert!(
        row(&s.strategies[2].name, &pt).contains(" 25 (24,0) "),
        "{pt}"
    );
    assert!(row(&s.strategies[0].name, &pt).contains("(50,0%)"), "{pt}");
    assert!(
        pt.contains("duplic.: N (m) são N avisos duplicados"),
        "{pt}"
    );
}

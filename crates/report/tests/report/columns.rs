//! Every duration column of every table in one unit, chosen from the
//! column's values, in both languages: values straddling a second and a
//! minute never read "1.000 ms" (one millisecond, to a Portuguese eye) in
//! one row and "1,00 s" in the next. And the run-health block's grades.

use crate::summary;
use hooklab_core::lang::Lang;
use hooklab_core::report::{HealthCode, Summary};
use hooklab_report::{index, render};

/// The test summary with its delays around a second: each latency column
/// holds one value just under 1,000 ms (rounded to it), one just over, and
/// one of 1.45 s; the fourth row (the webhook) learned sub-second delays.
fn around_a_second() -> Summary {
    let mut s = summary("");
    let values = [999.778, 1_000.4, 1_450.0];
    for (r, ms) in s.strategies.iter_mut().zip(values) {
        let l = &mut r.latency_ms;
        (l.mean, l.p50, l.p90, l.p99, l.max) = (ms, ms, ms, ms, ms);
        l.stderr = Some(10.0);
        l.ci95 = Some([ms - 19.6, ms + 19.6]);
        r.predicted.latency_mean_ms = ms;
    }
    s
}

/// The test summary with its delays around a minute, as
/// [`around_a_second`] does it, and a mean's ± straddling it too.
fn around_a_minute() -> Summary {
    let mut s = summary("");
    let values = [59_999.9, 60_000.4, 45_000.0];
    for (r, ms) in s.strategies.iter_mut().zip(values) {
        let l = &mut r.latency_ms;
        (l.mean, l.p50, l.p90, l.p99, l.max) = (ms, ms, ms, ms, ms);
        l.ci95 = Some([ms - 999.8, ms + 999.8]);
        r.predicted.latency_mean_ms = ms;
    }
    s
}

/// The cells of `column` (by its header) in `markdown`'s full table, one
/// per strategy, in order.
fn column(markdown: &str, header: &str) -> Vec<String> {
    let rows: Vec<Vec<String>> = markdown
        .lines()
        .skip_while(|l| !l.starts_with("| strategy |") && !l.starts_with("| estratégia |"))
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect();
    let at = rows[0]
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("no column {header}: {markdown}"));
    rows[2..].iter().map(|r| r[at].clone()).collect()
}

#[test]
fn every_latency_column_reads_a_second_as_one_in_both_languages() {
    let s = around_a_second();
    for (lang, headers, want) in [
        (
            Lang::En,
            ["p50", "p99", "max", "model"],
            ["1.00 s", "1.00 s", "1.45 s"],
        ),
        (
            Lang::PtBr,
            ["p50", "p99", "máx.", "modelo"],
            ["1,00 s", "1,00 s", "1,45 s"],
        ),
    ] {
        let md = render::markdown(&s, lang);
        for header in headers {
            let cells = column(&md, header);
            assert_eq!(cells[..3], want, "{header} ({lang:?}): {cells:?}");
            // The webhook's few milliseconds step down to their own unit.
            assert!(cells[3].contains(" ms"), "{header}: {cells:?}");
        }
        let mean = column(
            &md,
            ["mean ± 95%", "média ± 95%"][(lang == Lang::PtBr) as usize],
        );
        let pm = match lang {
            Lang::En => ["1.00 s ± 19.6 ms", "1.00 s ± 19.6 ms", "1.45 s ± 19.6 ms"],
            Lang::PtBr => ["1,00 s ± 19,6 ms", "1,00 s ± 19,6 ms", "1,45 s ± 19,6 ms"],
        };
        assert_eq!(mean[..3], pm, "{mean:?}");
        // Nowhere a thousand of a smaller unit: not in the table, the
        // slide, the sentences under them, nor the terminal's.
        for text in [md, render::table(&s, lang), render::slide(&s, lang)] {
            for wrong in ["1.000 ms", "1,000 ms", "1000 ms", "1.450 ms", "1,450 ms"] {
                assert!(!text.contains(wrong), "{wrong} ({lang:?}): {text}");
            }
        }
    }
}

#[test]
fn every_latency_column_reads_a_minute_in_one_unit_with_its_spread() {
    let s = around_a_minute();
    for (lang, max, want, pm) in [
        (
            Lang::En,
            "max",
            ["60.0 s", "60.0 s", "45.0 s"],
            ["60.0 ± 1.00 s", "60.0 ± 1.00 s", "45.0 ± 1.00 s"],
        ),
        (
            Lang::PtBr,
            "máx.",
            ["60,0 s", "60,0 s", "45,0 s"],
            ["60,0 ± 1,00 s", "60,0 ± 1,00 s", "45,0 ± 1,00 s"],
        ),
    ] {
        let md = render::markdown(&s, lang);
        for header in ["p50", "p99", max] {
            assert_eq!(column(&md, header)[..3], want, "{header} ({lang:?})");
        }
        let mean = column(
            &md,
            ["mean ± 95%", "média ± 95%"][(lang == Lang::PtBr) as usize],
        );
        // The ± of 999.8 ms is "1.00 s", not "1000 ms" beside seconds.
        assert_eq!(mean[..3], pm, "{mean:?}");
        let slide = render::slide(&s, lang);
        let rows: Vec<&str> = slide.lines().filter(|l| l.starts_with("poll@")).collect();
        assert!(rows[0].contains(want[0]), "{slide}");
        assert!(rows.iter().all(|r| !r.contains("min")), "{slide}");
    }
    // Past two minutes the whole column turns to minutes, the small cells
    // keeping theirs.
    let mut s = around_a_minute();
    s.strategies[2].latency_ms.max = 119_999.0;
    let md = render::markdown(&s, Lang::PtBr);
    assert_eq!(
        column(&md, "máx.")[..3],
        ["1,00 min", "1,00 min", "2,00 min"]
    );
}

#[test]
fn the_index_reads_each_scenarios_columns_in_one_unit() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("around-a-second");
    std::fs::create_dir(&run).unwrap();
    std::fs::write(run.join("summary.json"), render::json(&around_a_second())).unwrap();
    let text = index::index(dir.path()).unwrap();
    assert!(
        text.contains("| poll@interval_ms=100ms | 1.00 s | 1.00 s |"),
        "{text}"
    );
    assert!(!text.contains("1000 ms"), "{text}");
}

/// The test summary with checkout's placement lag on its 100 ms poller
/// (0.5 ms beyond the timer, one 21 ms stall) and the live page's on its
/// 500 ms one.
fn lagging() -> Summary {
    let mut s = summary("");
    s.strategies[0].health.push(HealthCode::PlacementLag.flag(
        "orders were placed behind plan (mean 1.6 ms, max 22.0 ms late, against 1.1 ms of the timer's own lateness before the load): the machine could not keep up with the arrivals".to_owned(),
    ));
    s.strategies[1].health.push(HealthCode::PlacementLag.flag(
        "orders were placed behind plan (mean 12.5 ms, max 81.0 ms late): the machine could not keep up with the arrivals".to_owned(),
    ));
    s.strategies[3].health.push(HealthCode::PlacementLag.flag(
        "orders were placed behind plan (mean 1.6 ms, max 22.0 ms late, against 1.1 ms of the timer's own lateness before the load): the machine could not keep up with the arrivals".to_owned(),
    ));
    s
}

#[test]
fn a_small_placement_lag_is_graded_mild_in_both_languages() {
    let s = lagging();
    let en = render::table(&s, Lang::En);
    assert!(
        en.contains("- poll@interval_ms=100ms (mild): orders were placed slightly behind plan (mean 1.6 ms, max 22.0 ms late, against 1.1 ms of the timer's own lateness before the load): small beside the 100 ms polling interval, so the delays measured stand"),
        "{en}"
    );
    // 12 ms beyond the timer on average is not small beside 500 ms.
    assert!(
        en.contains("- poll@interval_ms=500ms: orders were placed behind plan (mean 12.5 ms, max 81.0 ms late): the machine could not keep up"),
        "{en}"
    );
    // The same lag beside a webhook's few milliseconds is not small.
    assert!(
        en.contains("- webhook: orders were placed behind plan (mean 1.6 ms"),
        "{en}"
    );
    let pt = render::markdown(&s, Lang::PtBr);
    assert!(
        pt.contains("- poll@interval_ms=100ms (leve): os pedidos foram feitos um pouco atrasados em relação ao plano (média de 1,6 ms, máximo de 22,0 ms, contra 1,1 ms de atraso do próprio temporizador antes da carga): pouco perto do intervalo de consulta de 100 ms, então os atrasos medidos valem"),
        "{pt}"
    );
    assert!(
        pt.contains("- poll@interval_ms=500ms: os pedidos foram feitos atrasados em relação ao plano (média de 12,5 ms, máximo de 81,0 ms)"),
        "{pt}"
    );
    assert!(
        pt.contains("- webhook: os pedidos foram feitos atrasados"),
        "{pt}"
    );
    assert!(pt.contains("Saúde da execução:"), "{pt}");
}

#[test]
fn a_strategy_that_does_not_poll_on_a_timer_is_graded_by_its_median_delay() {
    // flaky-receiver-no-retries's hybrid: a 476 ms mean (the few orders its
    // polls caught) over webhooks of 0.366 ms: a 24 ms stall is not small.
    let mut s = summary("");
    s.strategies.truncate(1);
    let h = &mut s.strategies[0];
    h.name = "hybrid".to_owned();
    h.kind = hooklab_core::scenario::StrategyKind::Hybrid;
    h.interval_ms = Some(1_000.0);
    (h.latency_ms.mean, h.latency_ms.p50) = (476.0, 0.366);
    h.health.push(HealthCode::PlacementLag.flag(
        "orders were placed behind plan (mean 1.3 ms, max 25.9 ms late, against 1.6 ms of the timer's own lateness before the load): the machine could not keep up with the arrivals".to_owned(),
    ));
    let en = render::table(&s, Lang::En);
    assert!(
        en.contains("- hybrid: orders were placed behind plan"),
        "{en}"
    );
    // With most of its delays at 300 ms, the same stall is small.
    s.strategies[0].latency_ms.p50 = 300.0;
    let en = render::table(&s, Lang::En);
    assert!(
        en.contains("- hybrid (mild): orders were placed slightly behind plan (mean 1.3 ms, max 25.9 ms late, against 1.6 ms of the timer's own lateness before the load): small beside the 300 ms median delay measured"),
        "{en}"
    );
    let pt = render::table(&s, Lang::PtBr);
    assert!(
        pt.contains("- hybrid (leve): os pedidos foram feitos um pouco atrasados em relação ao plano (média de 1,3 ms, máximo de 25,9 ms, contra 1,6 ms de atraso do próprio temporizador antes da carga): pouco perto do atraso mediano medido de 300 ms"),
        "{pt}"
    );
}

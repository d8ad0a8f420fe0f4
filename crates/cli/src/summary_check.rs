//! Values no run writes into a `summary.json`: what `hooklab report` and
//! `hooklab live --replay` refuse before drawing anything.
//!
//! Both commands redraw a saved run from its summary alone, so a file edited
//! by hand (or cut, or written by something else) is all they go by. Some
//! values are not merely wrong but dangerous to draw: a CDF point at
//! `1e308` ms made the chart's log axis end at infinity and `report` spin
//! forever; a timeline bucket of `1e-300` ms or a run of `1e18` ms makes a
//! replay's clock meaningless. Each check names the field and the rule.

use hooklab_core::lang::Lang;
use hooklab_core::report::{
    LatencySummary, MISSED_EXAMPLES, ORDER_LIVES_PER_SUMMARY, StrategyReport, Summary,
};

/// The longest run or delay a summary may hold, ms: about 31 years. A
/// duration in hooklab is whole microseconds up to 10¹⁵ (`Dur`'s largest
/// draw), so a longer one was not measured.
pub(crate) const LONGEST_MS: f64 = 1e12;

/// The narrowest timeline bucket, ms: one microsecond, the clock's unit.
pub(crate) const NARROWEST_BUCKET_MS: f64 = 0.001;

/// The most buckets a timeline column has: a run writes about 200 (the
/// run's length in 200ths), and up to 2,000 when it narrows them to show a
/// polling period (crates/harness timeline.rs, `MAX_BUCKETS`), plus one.
/// With the other bounds below this keeps what `report` and `live --replay`
/// draw to what a run writes (summary.json under 5 MB,
/// `hooklab_core::report::ORDER_LIVES_PER_SUMMARY`): a doctored column of
/// 5 million buckets took `report` 30 s and 600 MB for a 40 MB chart.
pub(crate) const MOST_BUCKETS: usize = 2_001;

/// The most points of a strategy's latency CDF: a run writes 44
/// (`hooklab_core::report::cdf_points`).
pub(crate) const MOST_CDF_POINTS: usize = 100;

/// How far two delays rounded to the microsecond may disagree, ms.
const ROUNDING_MS: f64 = 0.000_5;

/// The first value of `summary` that no run writes: the field and why, in
/// `lang`. Checked after the counts of `report`'s own consistency check.
pub(crate) fn implausible(summary: &Summary, lang: Lang) -> Option<String> {
    let say = |field: String, en: String, pt: String| {
        Some(match lang {
            Lang::En => format!("`{field}` {en}"),
            Lang::PtBr => format!("`{field}` {pt}"),
        })
    };
    let shown = hooklab_core::printable::number;
    let count = |n: usize, lang: Lang| hooklab_core::scenario::num_rounded(lang, n as f64);
    // The order lives are shared among the strategies (one each at least).
    let lives_bound = (ORDER_LIVES_PER_SUMMARY as usize).max(summary.strategies.len());
    let lives: usize = summary
        .strategies
        .iter()
        .map(|s| s.timeline.orders.len())
        .sum();
    if lives > lives_bound {
        return say(
            "strategies[].timeline.orders".to_owned(),
            format!(
                "hold {} order lives in all: a run keeps at most {} (a sample of the orders past that), which keeps summary.json under 5 MB",
                count(lives, Lang::En),
                count(lives_bound, Lang::En)
            ),
            format!(
                "guardam {} vidas de pedidos ao todo: uma execução guarda no máximo {} (uma amostra dos pedidos além disso), o que mantém o summary.json abaixo de 5 MB",
                count(lives, Lang::PtBr),
                count(lives_bound, Lang::PtBr)
            ),
        );
    }
    for (i, s) in summary.strategies.iter().enumerate() {
        let field = |name: &str| format!("strategies[{i}].{name}");
        if let Some(wrong) = sizes(s, &field, lang) {
            return Some(wrong);
        }
        if let Some(wrong) = counts(s, &field, lang) {
            return Some(wrong);
        }
        if !(s.run_ms.is_finite() && (0.0..=LONGEST_MS).contains(&s.run_ms)) {
            return say(
                field("run_ms"),
                format!(
                    "is {}: a run lasts between 0 and {} ms",
                    shown(s.run_ms),
                    shown(LONGEST_MS)
                ),
                format!(
                    "é {}: uma execução dura entre 0 e {} ms",
                    shown(s.run_ms),
                    shown(LONGEST_MS)
                ),
            );
        }
        let bucket = s.timeline.bucket_ms;
        if !(bucket.is_finite() && (NARROWEST_BUCKET_MS..=LONGEST_MS).contains(&bucket)) {
            return say(
                field("timeline.bucket_ms"),
                format!(
                    "is {}: a bucket is between {} and {} ms wide",
                    shown(bucket),
                    shown(NARROWEST_BUCKET_MS),
                    shown(LONGEST_MS)
                ),
                format!(
                    "é {}: um intervalo tem entre {} e {} ms",
                    shown(bucket),
                    shown(NARROWEST_BUCKET_MS),
                    shown(LONGEST_MS)
                ),
            );
        }
        // The CDF's points come from the latency histogram, whose buckets
        // may end a little above the exact maximum (3 significant digits:
        // 0.1%), and are rounded to µs.
        let max = s.latency_ms.max;
        let ceiling = max * 1.01 + 0.01;
        let mut previous = [0.0f64, 0.0f64];
        for (j, point) in s.latency_cdf_ms.iter().enumerate() {
            let [ms, q] = *point;
            let name = field(&format!("latency_cdf_ms[{j}]"));
            if !(ms.is_finite() && ms >= 0.0 && ms <= ceiling) {
                return say(
                    name,
                    format!(
                        "has a delay of {} ms: a point lies between 0 and the strategy's latency_ms.max ({} ms)",
                        shown(ms),
                        shown(max)
                    ),
                    format!(
                        "tem um atraso de {} ms: um ponto fica entre 0 e o latency_ms.max da estratégia ({} ms)",
                        shown(ms),
                        shown(max)
                    ),
                );
            }
            if !(q.is_finite() && (0.0..=1.0).contains(&q)) {
                return say(
                    name,
                    format!("has a share of {}: a share is between 0 and 1", shown(q)),
                    format!(
                        "tem uma fração de {}: uma fração fica entre 0 e 1",
                        shown(q)
                    ),
                );
            }
            if ms < previous[0] || q < previous[1] {
                return say(
                    name,
                    "comes before the point ahead of it: a CDF never decreases".to_owned(),
                    "vem antes do ponto anterior: uma distribuição acumulada nunca decresce"
                        .to_owned(),
                );
            }
            previous = *point;
        }
    }
    None
}

/// `en` or `pt` about `field`, in `lang`, as [`implausible`] says it.
fn said(lang: Lang, field: String, en: String, pt: String) -> Option<String> {
    Some(match lang {
        Lang::En => format!("`{field}` {en}"),
        Lang::PtBr => format!("`{field}` {pt}"),
    })
}

/// A column, list or text of `s` longer than any run writes.
fn sizes(s: &StrategyReport, field: &dyn Fn(&str) -> String, lang: Lang) -> Option<String> {
    let n = |x: usize, lang: Lang| hooklab_core::scenario::num_rounded(lang, x as f64);
    let t = &s.timeline;
    let columns = [
        ("polls", t.polls.len()),
        ("polls_wasted", t.polls_wasted.len()),
        ("deliveries", t.deliveries.len()),
        ("retries", t.retries.len()),
        ("failed_deliveries", t.failed_deliveries.len()),
        ("rejected", t.rejected.len()),
        ("rate_limited", t.rate_limited.len()),
        ("known", t.known.len()),
    ];
    for (name, len) in columns {
        if len > MOST_BUCKETS {
            return said(
                lang,
                field(&format!("timeline.{name}")),
                format!(
                    "has {} buckets: a run writes at most {} (about 200, more only to show a polling period), which keeps summary.json under 5 MB; run the scenario again for a summary to draw",
                    n(len, Lang::En),
                    n(MOST_BUCKETS, Lang::En)
                ),
                format!(
                    "tem {} intervalos: uma execução escreve no máximo {} (uns 200, mais só para mostrar um período de consulta), o que mantém o summary.json abaixo de 5 MB; rode o cenário de novo para ter um resumo que dê para desenhar",
                    n(len, Lang::PtBr),
                    n(MOST_BUCKETS, Lang::PtBr)
                ),
            );
        }
        if len != t.polls.len() {
            return said(
                lang,
                field(&format!("timeline.{name}")),
                format!(
                    "has {} buckets, but timeline.polls has {}: a run writes every column over the same buckets",
                    n(len, Lang::En),
                    n(t.polls.len(), Lang::En)
                ),
                format!(
                    "tem {} intervalos, mas timeline.polls tem {}: uma execução escreve todas as colunas sobre os mesmos intervalos",
                    n(len, Lang::PtBr),
                    n(t.polls.len(), Lang::PtBr)
                ),
            );
        }
    }
    let lists = [
        (
            "timeline.via",
            t.via.chars().count(),
            s.orders,
            "letters",
            "letras",
        ),
        (
            "timeline.orders",
            t.orders.len(),
            s.orders,
            "order lives",
            "vidas de pedidos",
        ),
        (
            "latency_cdf_ms",
            s.latency_cdf_ms.len(),
            MOST_CDF_POINTS as u64,
            "points",
            "pontos",
        ),
        (
            "missed_orders",
            s.missed_orders.len(),
            MISSED_EXAMPLES as u64,
            "examples",
            "exemplos",
        ),
    ];
    for (name, len, most, en, pt) in lists {
        if len as u64 > most {
            let most = usize::try_from(most).unwrap_or(usize::MAX);
            return said(
                lang,
                field(name),
                format!(
                    "has {} {en}: a run writes at most {} here",
                    n(len, Lang::En),
                    n(most, Lang::En)
                ),
                format!(
                    "tem {} {pt}: uma execução escreve no máximo {} aqui",
                    n(len, Lang::PtBr),
                    n(most, Lang::PtBr)
                ),
            );
        }
    }
    None
}

/// Counts of `s` that contradict each other: orders neither notified nor
/// missed (or both), more wasted polls than polls, a wasted share that is
/// not theirs, delay percentiles out of order, a mean outside the delays.
fn counts(s: &StrategyReport, field: &dyn Fn(&str) -> String, lang: Lang) -> Option<String> {
    if s.notified.checked_add(s.missed) != Some(s.orders) {
        return said(
            lang,
            field("missed"),
            format!(
                "is {}, and notified {}, but orders is {}: every order ends notified or missed, so notified + missed = orders",
                s.missed, s.notified, s.orders
            ),
            format!(
                "é {}, e notified {}, mas orders é {}: todo pedido termina notificado ou perdido, então notified + missed = orders",
                s.missed, s.notified, s.orders
            ),
        );
    }
    let r = &s.requests;
    for (wasted, all, w, a) in [
        (
            "requests.polls_wasted",
            "requests.polls",
            r.polls_wasted,
            r.polls,
        ),
        (
            "requests.event_polls_wasted",
            "requests.event_polls",
            r.event_polls_wasted,
            r.event_polls,
        ),
    ] {
        if w > a {
            return said(
                lang,
                field(wasted),
                format!("is {w}, more than the {a} of {all}: a wasted poll is one of the polls"),
                format!(
                    "é {w}, mais que os {a} de {all}: uma consulta desperdiçada é uma das consultas"
                ),
            );
        }
    }
    let (polls, wasted) = (r.all_polls(), r.all_polls_wasted());
    let share = if polls == 0 {
        0.0
    } else {
        (wasted as f64 / polls as f64 * 10_000.0).round() / 10_000.0
    };
    if (s.polls_wasted_share - share).abs() > 0.000_051 {
        let shown = hooklab_core::printable::number;
        return said(
            lang,
            field("polls_wasted_share"),
            format!(
                "is {}, but the requests count {wasted} wasted of {polls} polls (polls_wasted + event_polls_wasted + not_modified of polls + event_polls + not_modified): a run writes {}",
                shown(s.polls_wasted_share),
                shown(share)
            ),
            format!(
                "é {}, mas as requisições contam {wasted} desperdiçadas de {polls} consultas (polls_wasted + event_polls_wasted + not_modified de polls + event_polls + not_modified): uma execução escreve {}",
                shown(s.polls_wasted_share).replace('.', ","),
                shown(share).replace('.', ",")
            ),
        );
    }
    latency_order(&s.latency_ms, field, lang)
}

/// Delays of a latency summary out of their order: min ≤ p50 ≤ p90 ≤ p99 ≤
/// p99.9 ≤ max, and min ≤ mean ≤ max.
fn latency_order(l: &LatencySummary, field: &dyn Fn(&str) -> String, lang: Lang) -> Option<String> {
    let shown = hooklab_core::printable::number;
    let ladder = [
        ("min", l.min),
        ("p50", Some(l.p50)),
        ("p90", Some(l.p90)),
        ("p99", Some(l.p99)),
        ("p999", Some(l.p999)),
        ("max", Some(l.max)),
    ];
    let present: Vec<(&str, f64)> = ladder
        .iter()
        .filter_map(|(name, v)| v.map(|v| (*name, v)))
        .collect();
    for pair in present.windows(2) {
        let ((low, a), (high, b)) = (pair[0], pair[1]);
        if a > b + ROUNDING_MS {
            return said(
                lang,
                field(&format!("latency_ms.{low}")),
                format!(
                    "is {} ms, more than latency_ms.{high} ({} ms): delays grow from min through p50, p90, p99 and p999 to max",
                    shown(a),
                    shown(b)
                ),
                format!(
                    "é {} ms, mais que latency_ms.{high} ({} ms): os atrasos crescem de min a max passando por p50, p90, p99 e p999",
                    shown(a).replace('.', ","),
                    shown(b).replace('.', ",")
                ),
            );
        }
    }
    let low = l.min.unwrap_or(0.0);
    if l.mean < low - ROUNDING_MS || l.mean > l.max + ROUNDING_MS {
        return said(
            lang,
            field("latency_ms.mean"),
            format!(
                "is {} ms, outside the delays themselves ({} to {} ms, latency_ms.min to latency_ms.max): a mean lies between the smallest and the largest",
                shown(l.mean),
                shown(low),
                shown(l.max)
            ),
            format!(
                "é {} ms, fora dos próprios atrasos ({} a {} ms, de latency_ms.min a latency_ms.max): uma média fica entre o menor e o maior",
                shown(l.mean).replace('.', ","),
                shown(low).replace('.', ","),
                shown(l.max).replace('.', ",")
            ),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// Every committed summary passes (the rules hold for what runs write).
    #[test]
    fn every_committed_summary_is_plausible() {
        let results = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results");
        let mut seen = 0;
        for entry in std::fs::read_dir(results).unwrap() {
            let file = entry.unwrap().path().join("summary.json");
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            let summary: Summary = serde_json::from_str(&text).unwrap();
            assert_eq!(implausible(&summary, Lang::En), None, "{}", file.display());
            seen += 1;
        }
        assert!(seen > 5, "{seen} summaries");
    }

    fn checkout() -> Summary {
        serde_json::from_str(include_str!("../../../results/checkout/summary.json")).unwrap()
    }

    /// The field each doctored summary is refused at, in both languages.
    fn refused_at(summary: &Summary) -> String {
        let en = implausible(summary, Lang::En).expect("refused");
        let pt = implausible(summary, Lang::PtBr).expect("recusado");
        let field = en.split('`').nth(1).unwrap().to_owned();
        assert!(pt.starts_with(&format!("`{field}` ")), "{pt}");
        field
    }

    /// The engineer tester's doctored summaries: percentiles out of order,
    /// a mean outside the delays, orders neither notified nor missed, more
    /// wasted polls than polls and a wasted share that is not theirs were
    /// all drawn as if a run had measured them.
    #[test]
    fn contradicting_counts_and_delays_are_refused_at_their_field() {
        let base = checkout();
        assert_eq!(implausible(&base, Lang::En), None);
        type Doctor = fn(&mut StrategyReport);
        let doctored: [(&str, Doctor); 9] = [
            ("strategies[0].latency_ms.p50", |s| {
                s.latency_ms.p50 = s.latency_ms.p90 + 1.0
            }),
            ("strategies[0].latency_ms.p99", |s| {
                s.latency_ms.p99 = s.latency_ms.p999 + 1.0;
            }),
            ("strategies[0].latency_ms.p999", |s| {
                s.latency_ms.p999 = s.latency_ms.max + 1.0
            }),
            ("strategies[0].latency_ms.mean", |s| {
                s.latency_ms.mean = s.latency_ms.max + 1.0
            }),
            ("strategies[0].latency_ms.mean", |s| {
                s.latency_ms.mean = s.latency_ms.min.unwrap() / 2.0 - 1.0;
            }),
            ("strategies[0].missed", |s| s.missed += 1),
            ("strategies[0].missed", |s| s.notified -= 1),
            ("strategies[0].requests.polls_wasted", |s| {
                s.requests.polls_wasted = s.requests.polls + 1
            }),
            ("strategies[0].polls_wasted_share", |s| {
                s.polls_wasted_share = (s.polls_wasted_share + 0.1) % 1.0
            }),
        ];
        for (field, doctor) in doctored {
            let mut summary = base.clone();
            doctor(&mut summary.strategies[0]);
            assert_eq!(refused_at(&summary), field);
        }
        let mut events = base.clone();
        events.strategies[0].requests.event_polls = 3;
        events.strategies[0].requests.event_polls_wasted = 4;
        assert_eq!(
            refused_at(&events),
            "strategies[0].requests.event_polls_wasted"
        );
        // The first strategy polls: its share is the counts' own.
        let s = &base.strategies[0];
        assert!(s.requests.polls > 0 && s.polls_wasted_share > 0.0, "{s:?}");
    }

    /// A doctored timeline of 5 million buckets took `report` 30 s and
    /// 600 MB: refused before anything is drawn, as are columns of unequal
    /// length and more order lives, letters, CDF points or missed examples
    /// than a run keeps.
    #[test]
    fn a_timeline_past_what_a_run_writes_is_refused() {
        let base = checkout();
        let mut huge = base.clone();
        huge.strategies[0].timeline.polls = vec![1; 5_000_000];
        let en = implausible(&huge, Lang::En).unwrap();
        assert!(
            en.starts_with("`strategies[0].timeline.polls` has 5,000,000 buckets"),
            "{en}"
        );
        assert!(en.contains("at most 2,001"), "{en}");
        let pt = implausible(&huge, Lang::PtBr).unwrap();
        assert!(pt.contains("5.000.000 intervalos"), "{pt}");
        let mut at_bound = base.clone();
        let t = &mut at_bound.strategies[0].timeline;
        for column in [
            &mut t.polls,
            &mut t.polls_wasted,
            &mut t.deliveries,
            &mut t.retries,
            &mut t.failed_deliveries,
            &mut t.rejected,
            &mut t.rate_limited,
            &mut t.known,
        ] {
            column.resize(MOST_BUCKETS, 0);
        }
        assert_eq!(implausible(&at_bound, Lang::En), None);
        let mut uneven = base.clone();
        uneven.strategies[1].timeline.known.push(0);
        assert_eq!(refused_at(&uneven), "strategies[1].timeline.known");
        let mut lives = base.clone();
        let orders = lives.strategies[0].timeline.orders.clone();
        lives.strategies[0].timeline.orders = orders.repeat(2);
        assert_eq!(refused_at(&lives), "strategies[0].timeline.orders");
        let mut all = base.clone();
        for s in &mut all.strategies {
            s.orders = 10_000;
            s.notified = 10_000;
            s.missed = 0;
            s.timeline.orders = vec![[0.0; 3]; 7_000];
        }
        assert_eq!(refused_at(&all), "strategies[].timeline.orders");
        let mut cdf = base.clone();
        let point = cdf.strategies[0].latency_cdf_ms[0];
        cdf.strategies[0].latency_cdf_ms = vec![point; MOST_CDF_POINTS + 1];
        assert_eq!(refused_at(&cdf), "strategies[0].latency_cdf_ms");
        let mut via = base;
        via.strategies[2].timeline.via.push_str(&"w".repeat(400));
        assert_eq!(refused_at(&via), "strategies[2].timeline.via");
    }
}

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
use hooklab_core::report::Summary;

/// The longest run or delay a summary may hold, ms: about 31 years. A
/// duration in hooklab is whole microseconds up to 10¹⁵ (`Dur`'s largest
/// draw), so a longer one was not measured.
pub(crate) const LONGEST_MS: f64 = 1e12;

/// The narrowest timeline bucket, ms: one microsecond, the clock's unit.
pub(crate) const NARROWEST_BUCKET_MS: f64 = 0.001;

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
    for (i, s) in summary.strategies.iter().enumerate() {
        let field = |name: &str| format!("strategies[{i}].{name}");
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
}

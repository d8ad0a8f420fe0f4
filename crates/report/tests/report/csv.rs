//! `summary.csv`: one flat row per strategy, quoted where a name needs it,
//! numbers as Rust prints them.

use crate::summary;
use hooklab_core::lang::Lang;
use hooklab_report::csv::csv;

#[test]
fn the_csv_has_one_flat_row_per_strategy_and_sweep_value() {
    let csv = csv(&summary("")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    let width = lines[0].split(',').count();
    assert!(lines.iter().all(|l| l.split(',').count() == width), "{csv}");
    assert!(lines[0].starts_with("scenario,strategy,base_strategy,sweep_field,sweep_value,"));
    assert!(
        lines[2].starts_with("checkout,poll@interval_ms=500ms,poll,interval_ms,500ms,poll,500,")
    );
    assert!(lines[4].starts_with("checkout,webhook,webhook,,,webhook,,"));
}

#[test]
fn awkward_names_are_quoted() {
    let mut s = summary("");
    s.scenario.name = "a,b".to_owned();
    s.strategies[3].name = "say \"hi\"".to_owned();
    let text = csv(&s).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert!(
        rows[1].starts_with("\"a,b\",poll@interval_ms=100ms,poll,"),
        "{text}"
    );
    assert!(
        rows[4].starts_with("\"a,b\",\"say \"\"hi\"\"\",\"say \"\"hi\"\"\",,,webhook,,300,"),
        "{text}"
    );
}

#[test]
fn numbers_are_written_as_rust_prints_them() {
    let mut s = summary("");
    s.strategies[0].requests_per_order = 0.000_000_1;
    let text = csv(&s).unwrap();
    let row = text.lines().nth(1).unwrap();
    // A whole interval stays `100`, not `100.0`; a tiny share, no exponent.
    assert!(row.contains(",poll,100,300,"), "{row}");
    assert!(row.contains(",0.0000001,"), "{row}");
    assert!(!row.contains("e-"), "{row}");
}

/// A CSV row as column name → text.
fn records(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    lines
        .map(|line| {
            // The committed scenarios' names have no comma, so a plain
            // split reads them.
            header
                .iter()
                .cloned()
                .zip(line.split(',').map(str::to_owned))
                .collect()
        })
        .collect()
}

#[test]
fn every_committed_csv_rebuilds_its_own_totals() {
    let results = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for entry in std::fs::read_dir(&results).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(text) = std::fs::read_to_string(dir.join("summary.json")) else {
            continue;
        };
        let saved: hooklab_core::report::Summary = serde_json::from_str(&text).unwrap();
        let rows = records(&csv(&saved).unwrap());
        assert_eq!(rows.len(), saved.strategies.len(), "{}", dir.display());
        for (row, s) in rows.iter().zip(&saved.strategies) {
            let n = |k: &str| -> u64 {
                row.get(k)
                    .unwrap_or_else(|| panic!("no column {k}"))
                    .parse()
                    .unwrap_or_else(|e| panic!("{k}: {e}"))
            };
            let requests: u64 = [
                "payment_creates",
                "polls",
                "event_polls",
                "webhook_attempts",
                "endpoint_registrations",
                "rate_limited",
                "not_modified",
                "streams_opened",
                "refused",
            ]
            .iter()
            .map(|k| n(k))
            .sum();
            let notified: u64 = [
                "notified_by_poll",
                "notified_by_webhook",
                "notified_by_stream",
            ]
            .iter()
            .map(|k| n(k))
            .sum();
            let per_order = n("notification_requests") as f64 / n("orders").max(1) as f64;
            let name = format!("{}/{}", dir.display(), s.name);
            if requests != s.requests.total || n("requests_total") != s.requests.total {
                wrong.push(format!(
                    "{name}: requests {requests} vs {}",
                    s.requests.total
                ));
            }
            if notified != s.notified || n("notified") != s.notified {
                wrong.push(format!("{name}: notified {notified} vs {}", s.notified));
            }
            if (per_order - s.requests_per_order).abs() > 5e-5 {
                wrong.push(format!(
                    "{name}: notification_requests / orders {per_order} vs requests_per_order {}",
                    s.requests_per_order
                ));
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no committed summary");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `summary.csv` is a machine format: a Portuguese report folder holds the
/// same bytes as an English one (`,` between columns, `.` in numbers, the
/// same snake_case headers), so a script reads either; the Portuguese
/// copies are summary.md and the charts, and LEIAME.md says so rather than
/// promising a Portuguese CSV.
#[test]
fn summary_csv_is_the_same_in_every_language() {
    let s = summary("");
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for (dir, lang) in dirs.iter().zip([Lang::En, Lang::PtBr]) {
        hooklab_report::write_results(&s, dir.path(), lang).unwrap();
    }
    let read = |d: &tempfile::TempDir, f: &str| std::fs::read(d.path().join(f)).unwrap();
    assert_eq!(read(&dirs[0], "summary.csv"), read(&dirs[1], "summary.csv"));
    // The Markdown does differ: the languages are not the same file.
    assert_ne!(read(&dirs[0], "summary.md"), read(&dirs[1], "summary.md"));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let leiame = std::fs::read_to_string(root.join("LEIAME.md")).unwrap();
    let flat = leiame.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("o summary.csv, formato para máquinas, sai igual em qualquer idioma"),
        "LEIAME.md must not promise a Portuguese summary.csv"
    );
}

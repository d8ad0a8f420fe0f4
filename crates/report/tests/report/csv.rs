//! `summary.csv`: one flat row per strategy, quoted where a name needs it,
//! numbers as Rust prints them.

use crate::summary;
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

//! A Brazilian tester's findings against the table (the `ptlesson` round):
//! the missed column in one shape with a legend under the table, and the
//! event-log poller's sentence saying it polls the event log.

use crate::summary;
use hooklab_core::lang::Lang;
use hooklab_core::scenario::StrategyKind;
use hooklab_report::render;

/// The missed cell of the row of `name` in an English or Portuguese table:
/// the row's third column, read from the Markdown report (cells between
/// pipes).
fn missed_cell(markdown: &str, name: &str) -> String {
    let row = markdown
        .lines()
        .find(|l| l.starts_with(&format!("| {name} |")))
        .unwrap_or_else(|| panic!("no row {name}: {markdown}"));
    row.split('|').nth(3).unwrap().trim().to_owned()
}

#[test]
fn the_missed_column_has_one_shape_where_the_model_speaks_and_a_legend() {
    // A poll (no missed share in the model), a stream the model says
    // misses none but whose run records no interval, and a webhook with
    // its run's interval: the stream gets the same `N [a–b] (m)` as the
    // webhook, not `0 (0.0)` beside `0 [0.0–3.8] (0.0)`.
    let mut s = summary("");
    let stream = &mut s.strategies[2];
    stream.name = "stream".to_owned();
    stream.kind = StrategyKind::Stream;
    stream.interval_ms = None;
    stream.missed = 0;
    stream.predicted.missed_share = Some(0.0);
    stream.missed_share_ci95 = None;
    let hook = &mut s.strategies[3];
    hook.missed = 0;
    hook.predicted.missed_share = Some(0.0);
    hook.missed_share_ci95 = Some([0.0, 0.0126]);
    for lang in [Lang::En, Lang::PtBr] {
        let md = render::markdown(&s, lang);
        let poll = missed_cell(&md, &s.strategies[0].name);
        assert_eq!(poll, "2", "{md}");
        let stream = missed_cell(&md, "stream");
        let hook = missed_cell(&md, "webhook");
        for cell in [&stream, &hook] {
            assert!(cell.starts_with("0 ["), "{cell}");
            assert!(cell.ends_with("(0.0)") || cell.ends_with("(0,0)"), "{cell}");
            assert!(!cell.contains('±'), "{cell}");
        }
        let legend = match lang {
            Lang::En => "missed: N [a–b] (m) is N orders missed",
            Lang::PtBr => "perdidos: N [a–b] (m) são N pedidos perdidos",
        };
        assert!(md.contains(legend), "{md}");
    }
    // No prediction anywhere: no legend to read.
    let mut bare = summary("");
    for r in &mut bare.strategies {
        r.predicted.missed_share = None;
    }
    assert!(!render::table(&bare, Lang::En).contains("missed: N [a–b]"));
}

#[test]
fn an_event_log_poller_is_said_to_poll_the_event_log() {
    let mut s = summary("");
    s.strategies[1].kind = StrategyKind::PollEvents;
    let name = s.strategies[1].name.clone();
    let en = render::table(&s, Lang::En);
    let line = en
        .lines()
        .find(|l| l.starts_with(&format!("{name}:")))
        .unwrap();
    assert!(
        line.contains(": polling the event log every 500 ms cost"),
        "{line}"
    );
    let pt = render::table(&s, Lang::PtBr);
    let line = pt
        .lines()
        .find(|l| l.starts_with(&format!("{name}:")))
        .unwrap();
    assert!(
        line.contains(": consultar o registro de eventos a cada 500 ms custou"),
        "{line}"
    );
    // A poller of each payment keeps its sentence.
    let first = &s.strategies[0].name;
    let line = en
        .lines()
        .find(|l| l.starts_with(&format!("{first}:")))
        .unwrap();
    assert!(line.contains(": polling every 100 ms cost"), "{line}");
}

//! The scenario file's kinds between polling and push: they load, and each
//! mistake in them is reported at its field and line, in both languages.

use super::*;
use crate::duration::Dur;

const HEAD: &str = r#"name = "spectrum"
seed = 1
[workload]
orders = 10
arrival = { dist = "fixed", every_ms = 5 }
settle = { dist = "fixed", ms = 100 }
[[strategy]]
name = "s"
"#;

fn problems(strategy: &str) -> Vec<Problem> {
    match Scenario::parse(&format!("{HEAD}{strategy}"), "x.toml") {
        Err(ScenarioError::Invalid { problems, .. }) => problems,
        other => panic!("expected invalid, got {other:?}"),
    }
}

/// The first problem's field, line (from 1; the strategy's fields start
/// at line 9) and English and Portuguese messages.
fn first(strategy: &str) -> (String, usize, String, String) {
    let p = problems(strategy);
    let p = &p[0];
    (
        p.field.clone().unwrap_or_default(),
        p.line,
        p.what.en.clone(),
        p.what.pt_br.clone(),
    )
}

#[test]
fn every_new_kind_loads() {
    let text = format!(
        "{HEAD}kind = \"conditional_poll\"\ninterval_ms = 200\n\
         [[strategy]]\nname = \"l\"\nkind = \"long_poll\"\nwait_ms = \"30s\"\n\
         [[strategy]]\nname = \"e\"\nkind = \"long_poll_events\"\nwait_ms = \"30s\"\npage_size = 10\n\
         [[strategy]]\nname = \"b\"\nkind = \"backoff_poll\"\nfirst_ms = 100\nfactor = 1.5\nmax_ms = \"2s\"\njitter = 0.1\n\
         [[strategy]]\nname = \"a\"\nkind = \"backoff_poll\"\nat_ms = [100, 300, \"1s\"]\n\
         [[strategy]]\nname = \"st\"\nkind = \"stream\"\n\
         [platform]\npoll_interval_s = 2\n"
    );
    let s = Scenario::parse(&text, "x.toml").unwrap();
    let kinds: Vec<String> = s.strategies.iter().map(|s| s.kind().to_string()).collect();
    assert_eq!(
        kinds,
        [
            "conditional_poll",
            "long_poll",
            "long_poll_events",
            "backoff_poll",
            "backoff_poll",
            "stream"
        ]
    );
    let StrategySpec::BackoffPoll { schedule, .. } = &s.strategies[3] else {
        panic!("{:?}", s.strategies[3]);
    };
    assert_eq!(
        (
            schedule.first_ms,
            schedule.factor,
            schedule.max_ms,
            schedule.seed
        ),
        (Dur::from_ms(100), 1.5, Dur::from_secs(2), 1)
    );
    let StrategySpec::BackoffPoll { schedule, .. } = &s.strategies[4] else {
        panic!("{:?}", s.strategies[4]);
    };
    assert_eq!(schedule.at_ms, [100, 300, 1_000].map(Dur::from_ms));
    assert_eq!(s.platform.poll_interval_s, Some(2));
}

#[test]
fn mistakes_are_reported_at_their_field_and_line() {
    let (field, line, en, pt) = first("kind = \"long_poll\"\n");
    assert_eq!((field.as_str(), line), ("strategy[0].wait_ms", 7));
    assert!(en.contains("needs `wait_ms`"), "{en}");
    assert!(pt.contains("precisa de `wait_ms`"), "{pt}");

    let (field, line, en, pt) = first("kind = \"long_poll\"\nwait_ms = \"10m\"\n");
    assert_eq!((field.as_str(), line), ("strategy[0].wait_ms", 10));
    assert!(en.contains("between 1 ms and 1min"), "{en}");
    assert!(pt.contains("entre 1 ms e 1min"), "{pt}");

    let (field, line, en, _) = first("kind = \"stream\"\ninterval_ms = 100\n");
    assert_eq!((field.as_str(), line), ("strategy[0].interval_ms", 10));
    assert!(en.contains("belongs to kind"), "{en}");

    let (field, line, en, pt) = first("kind = \"backoff_poll\"\nfirst_ms = 100\nfactor = 0.5\n");
    assert_eq!((field.as_str(), line), ("strategy[0].factor", 11));
    assert!(en.contains("between 1"), "{en}");
    assert!(pt.contains("entre 1"), "{pt}");

    let (field, line, _, _) = first("kind = \"backoff_poll\"\nfirst_ms = 500\nmax_ms = 100\n");
    assert_eq!((field.as_str(), line), ("strategy[0].max_ms", 11));

    let (field, line, en, _) = first("kind = \"backoff_poll\"\nat_ms = [300, 100]\n");
    assert_eq!((field.as_str(), line), ("strategy[0].at_ms", 10));
    assert!(en.contains("later than the one before"), "{en}");

    let (field, line, en, pt) = first("kind = \"backoff_poll\"\nat_ms = [100]\nfactor = 2.0\n");
    assert_eq!((field.as_str(), line), ("strategy[0].factor", 11));
    assert!(en.contains("keep one of the two"), "{en}");
    assert!(pt.contains("fique com um dos dois"), "{pt}");

    let (field, _, en, _) = first("kind = \"backoff_poll\"\n");
    assert_eq!(field, "strategy[0].first_ms");
    assert!(en.contains("at_ms"), "{en}");

    let (field, _, _, _) = first("kind = \"long_poll_events\"\nwait_ms = 100\npage_size = 0\n");
    assert_eq!(field, "strategy[0].page_size");

    let (field, _, _, _) = first("kind = \"stream\"\n[platform]\npoll_interval_s = 0\n");
    assert_eq!(field, "platform.poll_interval_s");
}

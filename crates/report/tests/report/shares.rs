//! Wasted shares are printed from the exact counts, not from the four digits
//! `summary.json` stores: rounding those again for display rounds twice.

use crate::summary;
use hooklab_core::lang::Lang;
use hooklab_core::report::Summary;
use hooklab_core::scenario::StrategyKind;
use hooklab_report::{index, render};

/// checkout's poller (1,309 of 1,609 polls wasted: 81.355%, stored 0.8135)
/// and spectrum's long-poll-events-30s (3 of 1,992 pages: 0.151%, stored
/// 0.0015).
fn rounded_twice() -> Summary {
    let mut s = summary("");
    s.strategies.truncate(2);
    let r = &mut s.strategies[0];
    r.name = "poll-1s".to_owned();
    r.requests.polls = 1_609;
    r.requests.polls_wasted = 1_309;
    r.polls_wasted_share = 0.8135;
    let r = &mut s.strategies[1];
    r.name = "long-poll-events-30s".to_owned();
    r.kind = StrategyKind::LongPollEvents;
    r.requests.polls = 0;
    r.requests.polls_wasted = 0;
    r.requests.event_polls = 1_992;
    r.requests.event_polls_wasted = 3;
    r.requests.long_polls = 1_992;
    r.polls_wasted_share = 0.0015;
    s
}

#[test]
fn a_share_is_rounded_once_from_its_counts_in_both_languages() {
    let s = rounded_twice();
    for (lang, good, bad) in [
        (Lang::En, ["81.4%", "0.2%"], ["81.3%", "0.1%"]),
        (Lang::PtBr, ["81,4%", "0,2%"], ["81,3%", "0,1%"]),
    ] {
        for (what, text) in [
            ("table", render::table(&s, lang)),
            (
                "markdown",
                render::render(&s, render::Format::Markdown, lang),
            ),
            ("slide", render::render(&s, render::Format::Slide, lang)),
        ] {
            for g in good {
                assert!(text.contains(g), "{what} {lang:?} lacks {g}:\n{text}");
            }
            for b in bad {
                assert!(!text.contains(b), "{what} {lang:?} shows {b}:\n{text}");
            }
        }
        // The sentences under the Markdown table say it too.
        let md = render::render(&s, render::Format::Markdown, lang);
        let wasted = match lang {
            Lang::En => "81.4% of them wasted",
            Lang::PtBr => "81,4% delas desperdiçadas",
        };
        assert!(md.contains(wasted), "{md}");
    }
    // The index (English only).
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("shares");
    std::fs::create_dir(&run).unwrap();
    std::fs::write(run.join("summary.json"), render::json(&s)).unwrap();
    let text = index::index(dir.path()).unwrap();
    assert!(text.contains("| 81.4% |"), "{text}");
    assert!(text.contains("| 0.2% |"), "{text}");
}

/// Counts that cannot be the ones the stored share divided (an edited or
/// foreign summary) leave the stored share in charge.
#[test]
fn counts_that_disagree_with_the_stored_share_fall_back_to_it() {
    let mut s = rounded_twice();
    s.strategies[0].polls_wasted_share = 0.5;
    assert_eq!(render::wasted_share(&s.strategies[0]), 0.5);
    assert!((render::wasted_share(&s.strategies[1]) - 3.0 / 1_992.0).abs() < 1e-12);
    s.strategies[1].requests.event_polls = 0;
    s.strategies[1].requests.event_polls_wasted = 0;
    assert_eq!(render::wasted_share(&s.strategies[1]), 0.0015);
}

//! Outcomes folded as each order ends give the summary of a fold over every
//! order's record at the end of the run.
//!
//! `outcomes.summary.json` was made by `hooklab run outcomes.toml --format
//! json` with the fold that kept every order to the end (commit `d070bba`,
//! before `outcomes.rs`): 1,500 orders of three merchants, polled, pushed and
//! both, with webhooks lost after their acknowledgement, failed after their
//! retries, duplicated and retried (since the merge of main it also has the
//! scenario's `orders_per_day`, which main added and no fold makes; and,
//! since the model's webhook draws read each delivery's own legs, the new
//! `predicted_for_draws` of the webhook and the hybrid, the only fields that
//! moved when it was written again, as they did once more when the model
//! began to follow each retry as drawn, and again when it followed each
//! silent loss and duplicate as drawn: 17.283 ms and 44.446 ms, the
//! measured means, where the drawn rates gave 16.786 and 43.359; and the
//! hybrid's paper model, 47.611 → 47.612 ms, when the settlement worker's
//! mean lateness stopped being floored to the µs). A run of the same file must give the
//! same summary, number for number, now that the shop's book forgets each
//! order whose outcome it learned and the harness folds it at once.

use hooklab_core::scenario::{ClockMode, Scenario};
use hooklab_harness::run::Silent;

const FILE: &str = include_str!("outcomes.toml");
const FOLDED_AT_THE_END: &str = include_str!("outcomes.summary.json");

/// The summary as JSON, without the scenario file's path (the command line
/// gave one, a test gives none).
fn comparable(mut summary: serde_json::Value) -> serde_json::Value {
    if let Some(scenario) = summary
        .get_mut("scenario")
        .and_then(serde_json::Value::as_object_mut)
    {
        scenario.remove("file");
    }
    summary
}

#[test]
fn outcomes_folded_as_orders_end_give_the_summary_of_a_fold_at_the_end() {
    let scenario = Scenario::parse(FILE, "outcomes.toml").unwrap();
    let summary = crate::fixtures::run_with(&scenario, Some(ClockMode::Virtual), None, &Silent);
    // The file exercises what the fold must get right, or it proves little.
    let webhook = &summary.strategies[1];
    assert!(webhook.missed > 0 && webhook.duplicates > 0, "{webhook:?}");
    assert!(webhook.missed_by_reason.len() >= 2, "{webhook:?}");
    let ran = comparable(serde_json::to_value(&summary).unwrap());
    let committed = comparable(serde_json::from_str(FOLDED_AT_THE_END).unwrap());
    // Strategy by strategy first, so a failure names the one that differs.
    let strategies = |s: &serde_json::Value| s["strategies"].as_array().unwrap().clone();
    for (r, c) in strategies(&ran).iter().zip(&strategies(&committed)) {
        assert_eq!(r, c, "strategy {}", r["name"]);
    }
    assert_eq!(ran, committed);
}

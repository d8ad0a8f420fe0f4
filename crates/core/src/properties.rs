//! Property-based tests (proptest, a bounded number of cases so the suite
//! stays within seconds): the scenario parser never panics on any TOML
//! value in any field and locates every refusal; the Standard Webhooks
//! verifier accepts nothing that was not signed with the key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::scenario::{Scenario, ScenarioError};
use crate::signature::{Rejection, WebhookSecret, verify};
use proptest::prelude::*;

/// A scenario with every table and field written, so that replacing any
/// one value reaches every part of the validation.
const FULL: &str = r#"
name = "full"
description = "d"
description_pt_br = "d"
seed = 7
clock = "virtual"
[workload]
orders = 20
merchants = 2
amount_cents = 100
currency = "BRL"
arrival = { dist = "poisson", per_s = 50 }
settle = { dist = "lognormal", median_ms = 200, sigma = 0.5 }
outcomes = { approved = 0.9, declined = 0.1 }
[run]
grace_ms = "2s"
[delivery]
retry_schedule = ["0s", "5s"]
timeout_ms = 100
jitter = 0.1
[faults]
receiver_error_rate = 0.1
silent_loss = 0.1
duplicate_rate = 0.1
receiver_delay_ms = 1
reorder_ms = 5
receiver_down = [{ from_ms = 10, until_ms = 20, mode = "refuse" }]
[network]
latency = { dist = "uniform", min_ms = 1, max_ms = 3 }
partitions = [{ from_ms = 10, until_ms = 20 }]
[platform]
rate_limit_per_s = 10
[[strategy]]
name = "poll"
kind = "poll"
interval_ms = 100
[[strategy]]
name = "events"
kind = "poll_events"
interval_ms = "1s"
page_size = 10
[[strategy]]
name = "hybrid"
kind = "hybrid"
reconcile_after_ms = 100
reconcile_every_ms = 100
[[strategy]]
name = "webhook"
kind = "webhook"
[sweep]
"poll.interval_ms" = [50, 100]
"#;

/// Every leaf of a TOML value, as a path of keys and array positions.
fn leaves(value: &toml::Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                path.push(k.clone());
                leaves(v, path, out);
                path.pop();
            }
        }
        toml::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(format!("#{i}"));
                leaves(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
    out.push(path.clone());
}

/// `root` with the value at `path` replaced by `new` (the root itself is
/// never replaced: a document is a table).
fn replace(root: &mut toml::Value, path: &[String], new: toml::Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = root;
    for seg in parents {
        at = match (seg.strip_prefix('#'), at) {
            (Some(i), toml::Value::Array(items)) => &mut items[i.parse::<usize>().unwrap()],
            (None, toml::Value::Table(t)) => t.get_mut(seg).unwrap(),
            _ => return,
        };
    }
    match (last.strip_prefix('#'), at) {
        (Some(i), toml::Value::Array(items)) => items[i.parse::<usize>().unwrap()] = new,
        (None, toml::Value::Table(t)) => {
            t.insert(last.clone(), new);
        }
        _ => {}
    }
}

/// Any TOML value: numbers at and past every bound, text with control
/// characters and units, booleans, dates, lists and tables of those.
fn any_value() -> impl Strategy<Value = toml::Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(toml::Value::Integer),
        prop_oneof![Just(0i64), Just(-1), Just(1), Just(u32::MAX as i64 + 1)]
            .prop_map(toml::Value::Integer),
        any::<f64>().prop_map(toml::Value::Float),
        prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-0.5), Just(1e300)]
            .prop_map(toml::Value::Float),
        any::<bool>().prop_map(toml::Value::Boolean),
        ".{0,12}".prop_map(toml::Value::String),
        "[0-9]{1,4}(us|ms|s|m|h|d|x)?".prop_map(toml::Value::String),
        Just(toml::Value::Datetime(
            "1979-05-27T07:32:00Z".parse().unwrap()
        )),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(toml::Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..3)
                .prop_map(|m| toml::Value::Table(m.into_iter().collect())),
        ]
    })
}

/// Checks that a refusal is located: every problem has a line, and the
/// rendered message, in both languages, starts with the file and a line.
fn assert_located(result: Result<Scenario, ScenarioError>) -> Result<(), TestCaseError> {
    if let Err(e) = result {
        let ScenarioError::Invalid { problems, .. } = &e else {
            return Err(TestCaseError::fail(format!("not an invalid file: {e}")));
        };
        prop_assert!(!problems.is_empty());
        for p in problems {
            prop_assert!(p.line >= 1 && p.column >= 1, "{p:?}");
        }
        for lang in crate::lang::Lang::ALL {
            let text = e.render(lang);
            prop_assert!(text.starts_with("p.toml:"), "{text}");
            prop_assert!(
                text.split(':')
                    .nth(1)
                    .is_some_and(|l| l.parse::<usize>().is_ok()),
                "{text}"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_value_in_any_field_never_panics_and_every_refusal_is_located(
        pick in any::<prop::sample::Index>(),
        value in any_value(),
    ) {
        let mut root: toml::Value = toml::from_str(FULL).unwrap();
        let mut paths = Vec::new();
        leaves(&root, &mut Vec::new(), &mut paths);
        paths.retain(|p| !p.is_empty());
        let path = pick.get(&paths).clone();
        replace(&mut root, &path, value);
        let text = toml::to_string(&root).unwrap();
        assert_located(Scenario::parse(&text, "p.toml"))?;
    }

    #[test]
    fn any_text_never_panics_and_every_refusal_is_located(
        line in 0usize..60,
        junk in "[ -~\t]{0,20}",
    ) {
        // FULL with one line replaced by arbitrary printable text.
        let mut lines: Vec<&str> = FULL.lines().collect();
        let at = line % lines.len();
        lines[at] = &junk;
        assert_located(Scenario::parse(&lines.join("\n"), "p.toml"))?;
    }
}

const ID: &str = "msg_1";
const NOW: i64 = 1_700_000_000;

fn secret(key: &[u8]) -> WebhookSecret {
    WebhookSecret::from_key(key).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_forged_standard_webhooks_signature_verifies(
        key in prop::collection::vec(any::<u8>(), 24..48),
        id in "[ -~]{0,20}",
        skew in -300i64..300,
        body in prop::collection::vec(any::<u8>(), 0..64),
        signature in "(v1,[A-Za-z0-9+/=]{0,48} ?){0,3}|[ -~]{0,60}",
    ) {
        let ts = (NOW + skew).to_string();
        let result = verify(&[secret(&key)], Some(&id), Some(&ts), Some(&signature), &body, NOW, 300);
        prop_assert!(result.is_err(), "accepted {signature:?}");
    }

    #[test]
    fn a_signature_by_another_key_or_over_another_body_never_verifies(
        key in prop::collection::vec(any::<u8>(), 24..48),
        other in prop::collection::vec(any::<u8>(), 24..48),
        body in prop::collection::vec(any::<u8>(), 1..64),
        flip in any::<prop::sample::Index>(),
    ) {
        prop_assume!(key != other);
        let ts = NOW.to_string();
        let forged = secret(&other).sign(ID, NOW, &body);
        prop_assert_eq!(
            verify(&[secret(&key)], Some(ID), Some(&ts), Some(&forged), &body, NOW, 300),
            Err(Rejection::Mismatch)
        );
        let genuine = secret(&key).sign(ID, NOW, &body);
        let mut tampered = body.clone();
        tampered[flip.index(body.len())] ^= 1;
        prop_assert_eq!(
            verify(&[secret(&key)], Some(ID), Some(&ts), Some(&genuine), &tampered, NOW, 300),
            Err(Rejection::Mismatch)
        );
        // The genuine one does verify: the properties above are not vacuous.
        prop_assert_eq!(
            verify(&[secret(&key)], Some(ID), Some(&ts), Some(&genuine), &body, NOW, 300),
            Ok(())
        );
    }
}

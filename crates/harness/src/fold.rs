//! Folding what a run observed into a [`StrategyReport`].
//!
//! A run ([`crate::run`]) only drives the hosts and keeps what they record;
//! this module reads those records once the run has stopped and turns them
//! into plain data: latencies from each scheduled settlement to the instant
//! the shop knew, why each missed order was missed, the requests both sides
//! counted (and whether they agree), and the model's prediction beside the
//! measurement. It never starts a task or touches a socket, as oha keeps its
//! aggregator apart from its workers.

use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::ids::OrderId;
use hooklab_core::model::{self, ModelInputs};
use hooklab_core::report::{
    LatencySummary, MissedOrder, MissedWhy, NotifiedBy, RequestCounts, StrategyReport, Timeline,
    latency_histogram, round_ms,
};
use hooklab_core::scenario::{Scenario, StrategySpec};
use hooklab_core::workload::{self, OrderPlan};
use hooklab_platform::{AttemptResult, Platform};
use hooklab_shop::client::PlatformClient;
use hooklab_shop::orders::{Channel, OrderBook};
use hooklab_shop::receiver::Receiver;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Everything a stopped run hands over to be folded into one strategy's
/// report.
pub(crate) struct Observations<'a> {
    /// The strategy that ran.
    pub spec: &'a StrategySpec,
    /// The scenario it ran in.
    pub scenario: &'a Scenario,
    /// The workload it was given.
    pub plan: &'a [OrderPlan],
    /// The platform, for its settlements, delivery attempts and counts.
    pub platform: &'a Platform,
    /// The shops' shared order book: when each outcome became known, and how.
    pub book: &'a OrderBook,
    /// The shops' shared client, for the requests they sent.
    pub client: &'a PlatformClient,
    /// One webhook receiver per merchant, for what they received.
    pub receivers: &'a [Arc<Receiver>],
    /// What the model needs that only the run could measure.
    pub inputs: ModelInputs,
    /// How long the run lasted, on its clock.
    pub run: Dur,
    /// The events the hosts announced, folded into a timeline.
    pub timeline: Timeline,
}

/// Folds what the platform and the shop recorded into one report.
pub(crate) fn strategy_report(observed: Observations<'_>) -> StrategyReport {
    let Observations {
        spec,
        scenario,
        plan,
        platform,
        book,
        client,
        receivers,
        inputs,
        run,
        timeline,
    } = observed;
    let settlements: HashMap<OrderId, Micros> = platform
        .settlements()
        .into_iter()
        .map(|s| (s.order_id, s.settled_at))
        .collect();
    let attempts = platform.delivery_attempts();
    let entries = book.entries();
    let failed: HashMap<OrderId, String> = book.failed().into_iter().collect();
    let by_order: HashMap<&OrderId, &hooklab_shop::orders::OrderEntry> =
        entries.iter().map(|e| (&e.order_id, e)).collect();

    let mut histogram = latency_histogram();
    let mut notified_by = NotifiedBy::default();
    let mut missed_orders = Vec::new();
    for order in plan {
        let entry = by_order.get(&order.order_id);
        match (
            entry.and_then(|e| e.known_at),
            settlements.get(&order.order_id),
        ) {
            (Some(known_at), Some(settled_at)) => {
                // Saturating: the shop cannot learn before the settlement, and
                // if the clocks ever said otherwise we record 0, not garbage.
                let _ = histogram.record(known_at.since(*settled_at).as_us().max(1));
                match entry.and_then(|e| e.via) {
                    Some(Channel::Webhook) => notified_by.webhook += 1,
                    _ => notified_by.poll += 1,
                }
            }
            _ => {
                let why = if let Some(error) = failed.get(&order.order_id) {
                    MissedWhy::CreationFailed {
                        error: error.to_string(),
                    }
                } else if !settlements.contains_key(&order.order_id) {
                    MissedWhy::NotSettled
                } else {
                    let payment = entry.and_then(|e| e.payment_id.clone());
                    let tried: Vec<_> = attempts
                        .iter()
                        .filter(|a| Some(&a.payment_id) == payment.as_ref())
                        .collect();
                    match (spec, tried.last()) {
                        (StrategySpec::Poll { .. } | StrategySpec::PollEvents { .. }, _) => {
                            MissedWhy::NotPolledYet
                        }
                        (_, None) => MissedWhy::NoDelivery,
                        (_, Some(last)) if last.result.is_success() => MissedWhy::LostAfterAck {
                            attempts: tried.len() as u32,
                            last: last.result.describe(),
                        },
                        (_, Some(last)) => MissedWhy::AttemptsFailed {
                            attempts: tried.len() as u32,
                            last: last.result.describe(),
                        },
                    }
                };
                missed_orders.push(MissedOrder {
                    order_id: order.order_id.to_string(),
                    reason: why.english(),
                    why: Some(why),
                });
            }
        }
    }

    let sent = client.sent();
    let served = platform.served();
    let received_deliveries: u64 = receivers
        .iter()
        .map(|r| r.counts().deliveries.load(Ordering::Relaxed))
        .sum();
    let mut rejected = std::collections::BTreeMap::<String, u64>::new();
    for r in receivers {
        for (reason, n) in r.rejected() {
            *rejected.entry(reason).or_insert(0) += n;
        }
    }
    let requests = RequestCounts {
        total: 0,
        payment_creates: sent.payment_creates.load(Ordering::Relaxed),
        polls: sent.polls.load(Ordering::Relaxed),
        polls_wasted: sent.polls_pending.load(Ordering::Relaxed),
        webhook_attempts: served.webhook_attempts,
        endpoint_registrations: sent.endpoint_registrations.load(Ordering::Relaxed),
        webhook_retries: attempts.iter().filter(|a| a.attempt > 1).count() as u64,
        webhook_failures: attempts.iter().filter(|a| !a.result.is_success()).count() as u64,
        reconcile_polls: sent.reconcile_polls.load(Ordering::Relaxed),
        event_polls: sent.event_lists.load(Ordering::Relaxed),
        event_polls_wasted: sent.event_lists_empty.load(Ordering::Relaxed),
        rate_limited: sent.rate_limited.load(Ordering::Relaxed),
    }
    .with_total();
    let counts_agree = requests.payment_creates == served.payment_creates
        && requests.polls == served.polls
        && requests.polls_wasted == served.polls_pending
        && requests.endpoint_registrations == served.endpoint_registrations
        && requests.event_polls == served.event_lists
        && requests.rate_limited == served.rate_limited
        // An attempt refused at connect (a partition, a closed port) never
        // reached the receiver: compare only the attempts that got an answer.
        && attempts.iter().filter(|a| matches!(a.result, AttemptResult::Status(_))).count() as u64
            == received_deliveries;

    let orders = plan.len() as u64;
    let notified = histogram.len();
    let polls = requests.all_polls();
    let polls_wasted = requests.all_polls_wasted();
    let notification_requests = polls + requests.webhook_attempts;
    StrategyReport {
        name: spec.name().to_owned(),
        kind: spec.kind(),
        interval_ms: match spec {
            StrategySpec::Poll { interval_ms, .. }
            | StrategySpec::PollEvents { interval_ms, .. } => Some(interval_ms.as_ms_f64()),
            StrategySpec::Webhook { .. } | StrategySpec::Hybrid { .. } => None,
        },
        rejected,
        orders,
        notified,
        missed: orders - notified,
        // Notices of an outcome already known: those the receiver caught by
        // their `webhook-id`, and those the order book caught by order.
        duplicates: book.duplicates()
            + receivers
                .iter()
                .map(|r| r.counts().redeliveries.load(Ordering::Relaxed))
                .sum::<u64>(),
        notified_by,
        latency_ms: LatencySummary::from_histogram(&histogram),
        latency_cdf_ms: hooklab_core::report::cdf_points(&histogram),
        requests,
        requests_per_order: round4(notification_requests as f64 / orders.max(1) as f64),
        polls_wasted_share: if polls == 0 {
            0.0
        } else {
            round4(polls_wasted as f64 / polls as f64)
        },
        predicted: {
            let mut p = model::predict(spec, &scenario.workload.settle, inputs);
            if let StrategySpec::PollEvents { interval_ms, .. } = spec {
                // The event-log poller's cost depends on how long settlements
                // keep coming and how often: the workload's span and rate.
                let first = plan
                    .iter()
                    .map(|o| o.arrive_at.plus(o.settle_after))
                    .min()
                    .unwrap_or_default();
                let last = workload::last_settlement(plan);
                let span = last.since(first).max(*interval_ms);
                // Each merchant's poller runs from the start to the last
                // settlement; each merchant sees 1/M of the settlements.
                let merchants = scenario.workload.merchants.max(1);
                let rate = orders as f64 / f64::from(merchants) / (span.as_us() as f64 / 1e6);
                let (per_order, empty) =
                    model::poll_events_costs(*interval_ms, Dur(last.0), orders, merchants, rate);
                p.requests_per_order = per_order;
                p.polls_wasted_per_order = per_order * empty;
                p.polls_wasted_share = Some(round4(empty));
            }
            p.latency_mean_ms = round_ms(p.latency_mean_ms);
            p.requests_per_order = round4(p.requests_per_order);
            p.polls_wasted_per_order = round4(p.polls_wasted_per_order);
            p.rtt_ms = round_ms(p.rtt_ms);
            p
        },
        predicted_for_draws: None,
        requests_per_order_stderr: None,
        missed_share_ci95: None,
        polls_wasted_share_ci95: None,
        health: Vec::new(),
        counts_agree,
        run_ms: round_ms(run.as_ms_f64()),
        missed_orders,
        timeline,
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

//! Folding what a run observed into a [`StrategyReport`].
//!
//! A run ([`crate::run`]) only drives the hosts and keeps what they record
//! (each order's outcome already folded as it ended, by [`crate::outcomes`]);
//! this module reads those records once the run has stopped and turns them
//! into plain data: latencies from each scheduled settlement to the instant
//! the shop knew, why each missed order was missed, the requests both sides
//! counted (and whether they agree), and the model's prediction beside the
//! measurement. It never starts a task or touches a socket, as oha keeps its
//! aggregator apart from its workers.

use crate::outcomes::{Folded, Outcomes, order_number};
use hooklab_core::duration::Dur;
use hooklab_core::events::rejection;
use hooklab_core::model::faults::FaultRates;
use hooklab_core::model::health::{HealthInputs, health_flags};
use hooklab_core::model::stats::{Moments, Z95, wilson};
use hooklab_core::model::{self, Legs, OrderTimes, RunDraws};
use hooklab_core::report::{
    HealthCode, LatencySummary, RequestCounts, StrategyReport, Timeline, round_ms,
};
use hooklab_core::scenario::{ClockMode, Scenario, StrategySpec};
use hooklab_core::traffic::Traffic;
use hooklab_core::workload::OrderPlan;
use hooklab_platform::{Platform, ServedSnapshot};
use hooklab_shop::client::{PlatformClient, SentCounts};
use hooklab_shop::orders::OrderBook;
use hooklab_shop::receiver::Receiver;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Everything a stopped run hands over to be folded into one strategy's
/// report.
pub(crate) struct Observations<'a> {
    /// The strategy that ran.
    pub spec: &'a StrategySpec,
    /// The scenario it ran in.
    pub scenario: &'a Scenario,
    /// Which clock ran it.
    pub clock: ClockMode,
    /// The workload it was given.
    pub plan: &'a [OrderPlan],
    /// The platform, for its settlements, delivery attempts and counts: one
    /// per world the strategy ran in (one, unless it ran in shards,
    /// [`crate::shard`]; then every count here is their sum).
    pub platforms: &'a [Platform],
    /// The shops' shared order book (one per world), for its duplicates and
    /// its pollers' timer lateness (each order's outcome was folded as it
    /// ended).
    pub books: &'a [Arc<OrderBook>],
    /// Each order's outcome, folded as it ended ([`crate::outcomes`]), the
    /// worlds' folds merged into one.
    pub outcomes: &'a Outcomes,
    /// The shops' shared client (one per world), for the requests they sent.
    pub clients: &'a [PlatformClient],
    /// One webhook receiver per merchant (and per world), for what they
    /// received.
    pub receivers: &'a [Arc<Receiver>],
    /// Deliveries refused at connect (a receiver down refusing connections).
    pub refused: u64,
    /// One loopback round trip of this machine measured before any load
    /// (zero in virtual time), or `None` if it could not be measured.
    pub calibrated_rtt: Option<Dur>,
    /// This strategy's notification way, timed right before it ran (real
    /// time only; see [`crate::calibration`]).
    pub calibrated_delivery: Option<crate::calibration::Calibrated>,
    /// tokio's timer lateness before any load (zero in virtual time): the
    /// placement lag's yardstick.
    pub timer_late: Dur,
    /// How long the run lasted, on its clock.
    pub run: Dur,
    /// The same events, folded into a timeline.
    pub timeline: Timeline,
    /// Bytes, connections and CPU, as the network counted them.
    pub traffic: Option<hooklab_core::traffic::Traffic>,
    /// The platforms a crash fault killed, and what crashes lost (`None`
    /// when nothing crashed and the books stayed in memory).
    pub crash: Option<crate::crash::CrashLog<'a>>,
}

/// The legs and lateness a run measured, and the placement lag.
struct Measured {
    /// Mean legs of the payment creations, the timer's, the settlement
    /// worker's and the placement's lateness: the draws' prediction's legs.
    legs: Legs,
    /// Largest placement lag, µs.
    placement_max_us: f64,
}

/// Measures the legs, as `docs/model.md` says: the platform
/// creates a payment at `settled_at − settle_after` exactly (the ledger
/// schedules `created + settle_after` in integer µs), so `created − placed`
/// is the request leg and `answered − created` the response leg (summed
/// order by order as each ended, in [`crate::outcomes`]).
fn measure(outcomes: &Folded, books: &[Arc<OrderBook>], platforms: &[Platform]) -> Measured {
    let mut timer_late = Moments::default();
    for book in books {
        timer_late.merge(&book.timer_lateness());
    }
    // The worker's mean lateness from every world's sums, unrounded:
    // `Platform::settlement_lateness` rounds it down to the µs, and a long
    // poll's or a stream's delay, which is that mean plus a leg, then fell
    // up to 1 µs short of the measurement in virtual time.
    let (sum, count) = platforms
        .iter()
        .map(Platform::settlement_lateness_sums)
        .fold((0, 0), |(s, n), (ds, dn)| (s + ds, n + dn));
    let legs = Legs {
        request_us: outcomes.request.mean_us().unwrap_or(0.0),
        response_us: outcomes.response.mean_us().unwrap_or(0.0),
        timer_late_us: timer_late.mean_us().unwrap_or(0.0),
        settle_late_us: if count == 0 {
            0.0
        } else {
            sum as f64 / count as f64
        },
        placement_late_us: outcomes.placement.mean_us().unwrap_or(0.0),
    };
    Measured {
        legs,
        placement_max_us: outcomes.placement.max_us as f64,
    }
}

/// The fault rates the run's receivers and dispatcher drew
/// (`docs/model.md`), or `None` when the scenario injects no
/// fault or the strategy receives no webhook.
fn drawn_rates(
    spec: &StrategySpec,
    scenario: &Scenario,
    receivers: &[Arc<Receiver>],
    attempts: crate::deliveries::AttemptCounts,
) -> Option<FaultRates> {
    if !spec.receives_webhooks() || scenario.faults == Default::default() {
        return None;
    }
    let sum = |f: fn(&hooklab_shop::receiver::ReceivedCounts) -> &std::sync::atomic::AtomicU64| {
        receivers
            .iter()
            .map(|r| f(r.counts()).load(Ordering::Relaxed))
            .sum::<u64>()
    };
    let (lost, learned, duplicates) = (
        sum(|c| &c.lost),
        sum(|c| &c.learned),
        sum(|c| &c.duplicates),
    );
    let (deliveries, faulted, errored) = (
        sum(|c| &c.deliveries),
        sum(|c| &c.faulted),
        sum(|c| &c.errored),
    );
    let share = |part: u64, whole: u64| {
        if whole == 0 {
            0.0
        } else {
            part as f64 / whole as f64
        }
    };
    // The error draw happens only for deliveries outside a down window.
    let drawn_for_errors = deliveries.saturating_sub(faulted - errored);
    let (firsts, events) = (attempts.firsts, attempts.events);
    Some(FaultRates {
        error_rate: share(errored, drawn_for_errors),
        silent_loss: share(lost, lost + learned + duplicates),
        duplicate_rate: share(firsts.saturating_sub(events), events),
    })
}

/// Every refused delivery by reason, from the hosts' counters: the
/// receivers' (signatures, injected faults, bad bodies) and the refusing
/// link's. The timeline counts the same refusals from the events.
fn refusals(receivers: &[Arc<Receiver>], refused: u64) -> BTreeMap<String, u64> {
    let mut rejected = BTreeMap::<String, u64>::new();
    let mut add = |reason: &str, n: u64| {
        if n > 0 {
            *rejected.entry(reason.to_owned()).or_insert(0) += n;
        }
    };
    for r in receivers {
        for (reason, n) in r.rejected() {
            add(&format!("signature_{reason}"), n);
        }
        let c = r.counts();
        let errored = c.errored.load(Ordering::Relaxed);
        add(rejection::INJECTED_500, errored);
        add(
            rejection::INJECTED_503,
            c.faulted.load(Ordering::Relaxed).saturating_sub(errored),
        );
        add(rejection::INVALID_BODY, c.malformed.load(Ordering::Relaxed));
        add(rejection::SHOP_CRASHED, c.crashed.load(Ordering::Relaxed));
    }
    add(rejection::REFUSED, refused);
    rejected
}

/// Why a row a crash hit has no model (`model_withheld`).
const CRASH_WITHHELD: &str = "a crash hit this strategy's run, and the model assumes no process dies: neither prediction is compared with it (no predicted_for_draws; predicted is the scenario without the crash), and the crash table says what the crash did";

/// Folds what the platform and the shop recorded into one report.
pub(crate) fn strategy_report(observed: Observations<'_>) -> StrategyReport {
    let Observations {
        spec,
        scenario,
        clock,
        plan,
        platforms,
        books,
        outcomes,
        clients,
        receivers,
        refused,
        calibrated_rtt,
        calibrated_delivery,
        timer_late,
        run,
        timeline,
        traffic,
        crash,
    } = observed;
    // A run with crash faults is one world (`crate::shard` never splits
    // one): its log reads the first platform and book.
    let first = platforms.first().zip(books.first());
    // A platform with lives left its attempts in its lives' logs, read
    // now; every other run folded each attempt as it ended (its platform
    // kept none: see `deliveries`).
    let attempts = match (&crash, first) {
        (Some(log), Some((platform, _))) => log.attempts(platform),
        _ => Vec::new(),
    };
    let lost = match (&crash, first) {
        (Some(log), Some((platform, book))) => log.losses(platform, book),
        _ => Default::default(),
    };
    // What is still in flight (the orders never learned) is folded now.
    let mut outcomes = outcomes.finish(
        spec,
        books.iter().flat_map(|b| b.entries()).collect(),
        books.iter().flat_map(|b| b.failed()).collect(),
        books.iter().flat_map(|b| b.abandoned_orders()).collect(),
        &attempts,
        &lost,
    );
    drop(attempts);
    let delivered = outcomes.deliveries.take();
    let counts = delivered.as_ref().map(|d| d.counts).unwrap_or_default();
    let (missed_orders, missed_by_reason) = (
        std::mem::take(&mut outcomes.missed_orders),
        std::mem::take(&mut outcomes.missed_by_reason),
    );
    let Folded {
        exact,
        ref histogram,
        unrecorded,
        notified_by,
        ..
    } = outcomes;

    // Each count summed over the worlds (one, unless in shards).
    let sent = |count: fn(&SentCounts) -> &AtomicU64| -> u64 {
        clients
            .iter()
            .map(|c| count(c.sent()).load(Ordering::Relaxed))
            .sum()
    };
    let served: Vec<ServedSnapshot> = match (&crash, first) {
        (Some(log), Some((platform, _))) => vec![log.served(platform)],
        _ => platforms.iter().map(Platform::served).collect(),
    };
    let served = |count: fn(&ServedSnapshot) -> u64| -> u64 { served.iter().map(count).sum() };
    let received_deliveries: u64 = receivers
        .iter()
        .map(|r| r.counts().deliveries.load(Ordering::Relaxed))
        .sum();
    let requests = RequestCounts {
        total: 0,
        payment_creates: sent(|s| &s.payment_creates),
        polls: sent(|s| &s.polls),
        polls_wasted: sent(|s| &s.polls_pending),
        webhook_attempts: served(|s| s.webhook_attempts),
        endpoint_registrations: sent(|s| &s.endpoint_registrations),
        webhook_retries: counts.retries,
        webhook_failures: counts.failures,
        reconcile_polls: sent(|s| &s.reconcile_polls),
        event_polls: sent(|s| &s.event_lists),
        event_polls_wasted: sent(|s| &s.event_lists_empty),
        rate_limited: sent(|s| &s.rate_limited),
        not_modified: sent(|s| &s.not_modified),
        long_polls: sent(|s| &s.long_polls),
        streams_opened: sent(|s| &s.streams_opened),
        events_streamed: sent(|s| &s.events_streamed),
        refused: crash.as_ref().map_or(0, |log| log.refused_reads()),
    }
    .with_total();
    // An attempt refused at connect (a partition, a closed port) never
    // reached the receiver, and one that got an answer did. One that timed
    // out (or whose connection broke) may have reached it or not: a request
    // held up on the network never arrives, one held up by a slow receiver
    // did. Both sides count those the same way by allowing either.
    let (answered, unanswered) = (counts.answered, counts.unanswered);
    // A held request or stream a partition cut was counted by the platform
    // and never answered to the shop: allow those, and no more.
    let cut = sent(|s| &s.cut);
    let within_cut = |shop: u64, platform: u64| (shop..=shop + cut).contains(&platform);
    let counts_agree = requests.payment_creates == served(|s| s.payment_creates)
        && within_cut(requests.polls, served(|s| s.polls))
        && within_cut(requests.polls_wasted, served(|s| s.polls_pending))
        && within_cut(requests.not_modified, served(|s| s.not_modified))
        && within_cut(requests.long_polls, served(|s| s.long_polls))
        && within_cut(requests.streams_opened, served(|s| s.streams_opened))
        && requests.endpoint_registrations == served(|s| s.endpoint_registrations)
        && within_cut(requests.event_polls, served(|s| s.event_lists))
        && requests.rate_limited == served(|s| s.rate_limited)
        && (answered..=answered + unanswered).contains(&received_deliveries)
        // One definition of an attempt in the summary and its timeline: one
        // that went out (a crash's cut ones included, see `crash`).
        && timeline.deliveries.iter().map(|&d| u64::from(d)).sum::<u64>()
            == requests.webhook_attempts;

    let orders = plan.len() as u64;
    let notified = exact.count;
    let missed = orders - notified.min(orders);
    let polls = requests.all_polls();
    let polls_wasted = requests.all_polls_wasted();
    let notification_requests =
        polls + requests.webhook_attempts + requests.streams_opened + requests.refused;
    let requests_per_order = round4(notification_requests as f64 / orders.max(1) as f64);

    // The model's two predictions (`docs/model.md`).
    let measured = measure(&outcomes, books, platforms);
    let network_leg = scenario
        .network
        .latency
        .as_ref()
        .map_or(0.0, |d| d.mean_us());
    let paper = crate::calibration::paper_legs(
        clock,
        calibrated_rtt,
        calibrated_delivery,
        network_leg,
        median_create_rtt_us(clients) as f64,
    );
    let loopback_leg = paper.loopback_leg_us;
    // A webhook leaves after the settlement worker's lateness and, in real
    // time, the calibrated hand-off (see `calibration`); polls never wait
    // for either.
    let paper_legs = Legs {
        request_us: network_leg + loopback_leg,
        response_us: network_leg + loopback_leg,
        settle_late_us: measured.legs.settle_late_us + paper.handoff_us,
        ..measured.legs
    };
    // The paper prediction first: it builds every order's times from the
    // plan (some 56 bytes an order) and lets them go before the draws build
    // theirs, so the run's last moment holds one such column, not two.
    let mut predicted = model::predicted(spec, scenario, plan, paper_legs);
    // A webhook's draws are its deliveries' own: when each left, and their
    // legs (see `deliveries`), by the orders whose payment the shop knew.
    let with_payment =
        |o: &OrderPlan| order_number(&o.order_id).filter(|k| outcomes.has_payment(*k));
    let first_attempt_us = |o: &OrderPlan| delivered.as_ref()?.first_attempt_us(with_payment(o)?);
    // Each order's retries as they left, if its event was retried, in the
    // shape `model::faults::chain` reads (see `deliveries`).
    let retries_us = |plan: &[OrderPlan]| -> Vec<Vec<f64>> {
        let Some(d) = delivered.as_ref().filter(|d| d.counts.total > 0) else {
            return Vec::new();
        };
        if !d.retried && d.counts.failures == 0 {
            // Nothing failed: no attempt to follow as drawn.
            return Vec::new();
        }
        plan.iter()
            .map(|o| with_payment(o).map_or_else(Vec::new, |k| d.retries_us(k)))
            .collect()
    };
    // Under silent loss or duplicates, each event's chains and the
    // deliveries its receiver dropped (see `deliveries`).
    let webhook_copies = || -> Vec<model::faults::CopiesDrawn> {
        let faults = &scenario.faults;
        let Some(d) = delivered
            .as_ref()
            .filter(|_| faults.silent_loss > 0.0 || faults.duplicate_rate > 0.0)
        else {
            return Vec::new();
        };
        let mut lost = std::collections::HashMap::<usize, Vec<hooklab_core::clock::Micros>>::new();
        for (order, at) in receivers.iter().flat_map(|r| r.losses()) {
            if let Some(k) = order_number(&order) {
                lost.entry(k).or_default().push(at);
            }
        }
        plan.iter()
            .map(|o| {
                let Some(k) = with_payment(o) else {
                    return Default::default();
                };
                d.copies(k, lost.get(&k).map_or(&[], Vec::as_slice))
            })
            .collect()
    };
    let draws = RunDraws {
        orders: plan
            .iter()
            .map(|o| OrderTimes {
                merchant: o.merchant,
                created_us: order_number(&o.order_id)
                    .map(|k| outcomes.created_us(k))
                    .filter(|c| !c.is_nan())
                    .unwrap_or(
                        o.arrive_at.0 as f64
                            + measured.legs.placement_late_us
                            + measured.legs.request_us,
                    ),
                settle_after_us: o.settle_after.as_us(),
                settled_by_worker_us: None,
                first_attempt_us: first_attempt_us(o),
            })
            .collect(),
        fault_rates: drawn_rates(spec, scenario, receivers, counts),
        delivery_legs: delivered
            .as_ref()
            .and_then(|d| d.legs(scenario.faults.receiver_delay_ms)),
        retries_us: retries_us(plan),
        webhook_copies: webhook_copies(),
        run_end_us: Some(run.as_us() as f64),
        windows_origin_us: outcomes.origin.0 as f64,
        placed_us: Vec::new(),
        timer_tick_us: (clock == ClockMode::Virtual).then_some(1_000.0),
    };
    // A poller behind the rate limit: its model replays the bucket from
    // each order's placement, and a creation refused first makes the mean
    // `created − placed` a wait, not a leg (`model::ratelimit`).
    let rate_limited =
        matches!(spec, StrategySpec::Poll { .. }) && scenario.platform.rate_limit_per_s.is_some();
    let (draws, measured_legs) = if rate_limited {
        let placed = std::mem::take(&mut outcomes.placed_us);
        let created: Vec<f64> = (0..plan.len()).map(|k| outcomes.created_us(k)).collect();
        let windows = model::partition::Partitions::from_network(&scenario.network)
            .moved_back(draws.windows_origin_us);
        let leg = model::ratelimit::first_try_request_leg_through(&placed, &created, &windows);
        let legs = Legs {
            request_us: leg.unwrap_or(measured.legs.request_us),
            ..measured.legs
        };
        (
            RunDraws {
                placed_us: placed,
                ..draws
            },
            legs,
        )
    } else if !scenario.network.partitions.is_empty() {
        // Under partitions a creation may be refused and tried again: the
        // legs are the first tries' (`model::partition`).
        let windows = model::partition::Partitions::from_network(&scenario.network)
            .moved_back(draws.windows_origin_us);
        let created: Vec<f64> = (0..plan.len()).map(|k| outcomes.created_us(k)).collect();
        let leg =
            model::partition::first_try_request_leg_us(&windows, &outcomes.placed_us, &created);
        let legs = Legs {
            request_us: leg.unwrap_or(measured.legs.request_us),
            ..measured.legs
        };
        (draws, legs)
    } else {
        (draws, measured.legs)
    };
    // The footnote quotes the settlement worker's own lateness, not the
    // hand-off folded into the webhook's departure.
    predicted.settle_lateness_ms =
        hooklab_core::report::round_ms(measured.legs.settle_late_us / 1e3);
    predicted.rtt_source = Some(paper.source);
    let calibrated_way = calibrated_delivery.filter(|_| clock == ClockMode::Real);
    predicted.delivery_way_ms =
        calibrated_way.map(|c| hooklab_core::report::round_ms(c.way.as_ms_f64()));
    // The way enters the paper prediction whole, so its standard error is
    // the prediction's (see `calibration::Calibrated::stderr_us`).
    predicted.latency_mean_stderr_ms = calibrated_way
        .and_then(|c| c.stderr_us)
        .map(|se| hooklab_core::report::round_ms(se / 1e3));
    // A held request's or a stream's answer crosses more of the platform
    // and the shop than a payment creation's answer, and the run records no
    // leg of its own for it: in real time the draws take the calibrated
    // way beyond the creations' response leg, as the paper model does.
    let held = matches!(
        spec,
        StrategySpec::LongPoll { .. }
            | StrategySpec::LongPollEvents { .. }
            | StrategySpec::Stream { .. }
    );
    let held_way = calibrated_way.filter(|_| held);
    let draws_legs = match held_way {
        Some(c) => Legs {
            settle_late_us: measured.legs.settle_late_us
                + (c.way.as_us() as f64 - measured.legs.response_us).max(0.0),
            ..measured.legs
        },
        None => measured_legs,
    };
    let mut for_draws = partition_draws(spec, scenario, plan, &draws, draws_legs, &outcomes)
        .unwrap_or_else(|| model::predicted_for_draws(spec, scenario, &draws, draws_legs));
    for_draws.settle_lateness_ms =
        hooklab_core::report::round_ms(measured.legs.settle_late_us / 1e3);
    for_draws.latency_mean_stderr_ms = held_way
        .and_then(|c| c.stderr_us)
        .map(|se| hooklab_core::report::round_ms(se / 1e3));
    for_draws.rtt_source = Some(
        match spec {
            _ if rate_limited => {
                "measured in the run: the mean legs of the payment creations let in at their first try (a refused one waits out Retry-After)"
            }
            _ if held_way.is_some() => {
                "measured in the run: the mean legs of the payment creations, and the answer's way beyond the creations' response leg from this strategy's calibration right before it ran (the run records no leg of a held request's or a stream's answer)"
            }
            StrategySpec::Webhook { .. } => DELIVERY_LEGS,
            StrategySpec::Hybrid { .. } => {
                "measured in the run: the webhook's as a webhook's; the reconciliation polls', the mean legs of the payment creations"
            }
            _ => "measured in the run: the mean legs of the payment creations",
        }
        .to_owned(),
    );

    // Each order's notification requests, for the error bar of their mean:
    // its polls, and its payment's webhook attempts. The event-log poller's
    // pages serve every order at once, so they have no per-order count.
    let requests_per_order_stderr = (!matches!(
        spec,
        StrategySpec::PollEvents { .. }
            | StrategySpec::LongPollEvents { .. }
            | StrategySpec::Stream { .. }
    ))
    .then(|| {
        let mut m = Moments::default();
        for o in plan {
            let k = order_number(&o.order_id);
            // Each order's status polls, counted from the events the
            // hosts announced (`crate::timeline::Recorder`), and its
            // webhook attempts.
            let polls = k.map_or(0, |k| u64::from(outcomes.polls(k)));
            let webhooks = k.map_or(0, |k| u64::from(outcomes.webhooks(k)));
            m.record(polls + webhooks);
        }
        // The unit is requests, not µs: the sums do not care.
        m.stderr_us().map(round4)
    })
    .flatten();
    let ci = |k: u64, n: u64| wilson(k, n, Z95).map(|(lo, hi)| [round4(lo), round4(hi)]);

    let interval_ms = match spec {
        StrategySpec::Poll { interval_ms, .. }
        | StrategySpec::PollEvents { interval_ms, .. }
        | StrategySpec::ConditionalPoll { interval_ms, .. } => Some(interval_ms.as_ms_f64()),
        _ => None,
    };
    let mut health = health_flags(&HealthInputs {
        interval_ms: match spec {
            StrategySpec::Hybrid {
                reconcile_every_ms, ..
            } => Some(reconcile_every_ms.as_ms_f64()),
            _ => interval_ms,
        },
        rtt_ms: (paper_legs.request_us + paper_legs.response_us) / 1e3,
        placement_lag_mean_ms: measured.legs.placement_late_us / 1e3,
        placement_lag_max_ms: measured.placement_max_us / 1e3,
        timer_late_ms: timer_late.as_ms_f64(),
        requests_per_order,
        predicted_requests_per_order: matches!(
            spec,
            StrategySpec::Poll { .. }
                | StrategySpec::PollEvents { .. }
                | StrategySpec::ConditionalPoll { .. }
                | StrategySpec::BackoffPoll { .. }
        )
        .then_some(for_draws.requests_per_order),
        rate_limited: requests.rate_limited,
        requests_total: requests.total,
        rate_limit_modelled: rate_limited,
    });
    health.extend(partition_health(spec, scenario));
    if predicted.unresolved || for_draws.unresolved {
        health.push(HealthCode::ModelUnresolved.flag(
            "the model's sums over the polls could not bound the settlement law's tail, so its prediction is not shown rather than shown wrong".to_owned(),
        ));
    }
    if unrecorded > 0 {
        health.push(HealthCode::UnrecordedDelays.flag(format!(
            "{unrecorded} of {notified} delays could not be recorded in the histogram: its percentiles leave them out (the mean, min and max count them)"
        )));
    }
    let crash_report = crash.as_ref().and_then(|log| log.report(&lost, receivers));
    let crash_hit = crash_report.as_ref().is_some_and(|c| c.hit());

    StrategyReport {
        name: spec.name().to_owned(),
        kind: spec.kind(),
        interval_ms,
        rejected: refusals(receivers, refused),
        orders,
        notified,
        missed,
        // Notices of an outcome already known: those the receiver caught by
        // their `webhook-id`, and those the order book caught by order.
        duplicates: books.iter().map(|b| b.duplicates()).sum::<u64>()
            + receivers
                .iter()
                .map(|r| r.counts().redeliveries.load(Ordering::Relaxed))
                .sum::<u64>(),
        // Notices of another final outcome than the one known: the order
        // book counts every one, whichever way it came (a webhook, a poll).
        conflicts: books.iter().map(|b| b.conflicts()).sum(),
        notified_by,
        latency_ms: LatencySummary::from_histogram_exact(histogram, &exact),
        latency_cdf_ms: hooklab_core::report::cdf_points(histogram),
        requests,
        requests_per_order,
        polls_wasted_share: if polls == 0 {
            0.0
        } else {
            round4(polls_wasted as f64 / polls as f64)
        },
        predicted,
        // The model assumes no process dies: for a run a crash hit, no
        // draws prediction is made to compare, and the row says why.
        predicted_for_draws: (!crash_hit).then_some(for_draws),
        model_withheld: crash_hit.then(|| CRASH_WITHHELD.to_owned()),
        requests_per_order_stderr,
        missed_share_ci95: if spec.receives_webhooks() {
            ci(missed, orders)
        } else {
            None
        },
        polls_wasted_share_ci95: ci(polls_wasted, polls),
        health,
        counts_agree,
        run_ms: round_ms(run.as_ms_f64()),
        missed_orders,
        missed_by_reason,
        crash: crash_report,
        timeline,
        traffic: traffic.map(|t| Traffic {
            platform_cpu_ms_per_order: t
                .platform_cpu_ms
                .filter(|_| notified > 0)
                .map(|ms| round4(ms / notified as f64)),
            ..t
        }),
    }
}

/// The draws' prediction of a strategy `model::partition` replays (a
/// poller under `[network] partitions`, a stream), told which orders' payments
/// were ever created: under a partition an order whose creations were all
/// refused is missed, and its draws hold no creation instant.
fn partition_draws(
    spec: &StrategySpec,
    scenario: &Scenario,
    plan: &[OrderPlan],
    draws: &RunDraws,
    legs: Legs,
    outcomes: &Folded,
) -> Option<model::Prediction> {
    let created: Vec<bool> = plan
        .iter()
        .map(|o| order_number(&o.order_id).is_some_and(|k| !outcomes.created_us(k).is_nan()))
        .collect();
    model::partition::for_draws(spec, scenario, draws, &legs, &created)
}

/// The health flag of a run under `[network] partitions`, naming the
/// windows and saying whether the model replays them for `spec`
/// (`model::partition::modelled`).
fn partition_health(
    spec: &StrategySpec,
    scenario: &Scenario,
) -> Option<hooklab_core::report::HealthFlag> {
    let windows: Vec<(f64, f64)> = scenario
        .network
        .partitions
        .iter()
        .map(|w| (w.from_ms.as_ms_f64(), w.until_ms.as_ms_f64()))
        .collect();
    let modelled = model::partition::modelled(spec, scenario);
    hooklab_core::model::health::partition_flag(&windows, modelled)
}

/// The median round trip of the payment creations of every world's client
/// (`PlatformClient::median_create_rtt_us` for one): their histograms
/// added, so the median is the very one a single client would give.
fn median_create_rtt_us(clients: &[PlatformClient]) -> u64 {
    match clients {
        [one] => one.median_create_rtt_us(),
        _ => {
            let mut all = hooklab_core::report::latency_histogram();
            for c in clients {
                // Same bounds on both sides: adding cannot fail, and if it
                // ever did the median would only leave that world out.
                let _ = all.add(c.create_rtts_us());
            }
            if all.is_empty() {
                0
            } else {
                all.value_at_quantile(0.5)
            }
        }
    }
}

/// Where a webhook draws prediction's legs come from, in words.
const DELIVERY_LEGS: &str = "measured in the run: each event's first attempt left when the platform's log says, and the mean legs of the attempts that delivered an order (the attempt's start to the shop's record, and back)";

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// How many attempts the dispatcher makes for one event of `spec`.
pub(crate) fn spec_attempts(scenario: &Scenario, spec: &StrategySpec) -> usize {
    scenario.delivery_for(spec).retry_schedule.len()
}

#[cfg(test)]
mod conflict_tests;

#[cfg(test)]
mod tests {
    #[test]
    fn the_model_knows_the_dispatchers_worker_cap() {
        assert_eq!(
            hooklab_core::model::lane::DISPATCH_WORKERS,
            hooklab_platform::dispatch::MAX_IN_FLIGHT_PER_ENDPOINT
        );
    }
}

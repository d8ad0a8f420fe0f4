//! The reports a run leaves behind: CSV, charts, re-rendering, Portuguese.
//!
//! These tests need no network and no run: they build a [`Summary`] by hand
//! (with a real HdrHistogram behind its CDF) and check what the renderers make
//! of it. The committed `results/*/` folders are checked too: re-rendering
//! their `summary.json` must give back their files byte for byte. Every file
//! is written under a [`tempfile::TempDir`], removed when the test ends.
//!
//! The modules: [`csv`], [`charts`], [`folders`] (results folders, the index,
//! re-rendering, the committed runs), [`portuguese`] and [`table`] (error bars,
//! predictions, health, names that must be escaped, the slide).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod charts;
mod columns;
mod csv;
mod doc_numbers;
mod docs;
mod folders;
mod portuguese;
mod ptlesson;
mod shares;
mod table;
mod whiskers;

use hooklab_core::model::Prediction;
use hooklab_core::report::{
    LatencySummary, NotifiedBy, RequestCounts, ScenarioInfo, StrategyReport, Summary, cdf_points,
    latency_histogram, point_name,
};
use hooklab_core::scenario::{ClockMode, StrategyKind};
use std::path::Path;

/// A strategy's report over 300 orders, with made-up but consistent numbers.
fn strategy(name: &str, kind: StrategyKind, interval_ms: Option<f64>) -> StrategyReport {
    // Polling every T ms: delays spread evenly over 0..T; a webhook: ~1-4 ms.
    let mut h = latency_histogram();
    for i in 0..300u64 {
        let us = match interval_ms {
            Some(t) => (i as f64 / 300.0 * t * 1_000.0) as u64 + 200,
            None => 1_000 + i * 10,
        };
        h.record(us).unwrap();
    }
    let polls = interval_ms.map_or(0, |t| (1_100.0 / t * 300.0) as u64 + 300);
    StrategyReport {
        name: name.to_owned(),
        kind,
        interval_ms,
        orders: 300,
        notified: 298,
        missed: 2,
        duplicates: 3,
        conflicts: 0,
        notified_by: NotifiedBy {
            poll: if interval_ms.is_some() { 298 } else { 0 },
            webhook: if interval_ms.is_some() { 0 } else { 298 },
            stream: 0,
        },
        latency_ms: LatencySummary::from_histogram(&h),
        requests: RequestCounts {
            total: 0,
            payment_creates: 300,
            polls,
            polls_wasted: polls.saturating_sub(300),
            webhook_attempts: if interval_ms.is_some() { 0 } else { 301 },
            endpoint_registrations: u64::from(interval_ms.is_none()),
            ..RequestCounts::default()
        }
        .with_total(),
        rejected: Default::default(),
        requests_per_order: if interval_ms.is_some() {
            polls as f64 / 300.0
        } else {
            1.0033
        },
        polls_wasted_share: if polls == 0 {
            0.0
        } else {
            polls.saturating_sub(300) as f64 / polls as f64
        },
        predicted: Prediction {
            latency_mean_ms: interval_ms.map_or(0.6, |t| t / 2.0),
            requests_per_order: 1.0,
            polls_wasted_per_order: 0.0,
            rtt_ms: 0.2,
            timer_slack_ms: 0.5,
            settle_lateness_ms: 0.05,
            formula: String::new(),
            polls_wasted_share: None,
            ..Prediction::default()
        },
        predicted_for_draws: None,
        model_withheld: None,
        requests_per_order_stderr: None,
        missed_share_ci95: None,
        polls_wasted_share_ci95: None,
        health: Vec::new(),
        counts_agree: true,
        run_ms: 2_500.0,
        missed_orders: vec![hooklab_core::report::MissedOrder {
            order_id: "ord_1".to_owned(),
            reason: "the poller had not seen the final status when the run ended".to_owned(),
            why: Some(hooklab_core::report::MissedWhy::NotPolledYet),
        }],
        missed_by_reason: [("not_polled_yet".to_owned(), 2)].into(),
        crash: None,
        latency_cdf_ms: cdf_points(&h),
        timeline: Default::default(),
        traffic: None,
    }
}

/// A small sweep of a poller, plus a webhook.
fn summary(description: &str) -> Summary {
    let mut strategies: Vec<StrategyReport> = [100.0, 500.0, 2_000.0]
        .iter()
        .map(|t| {
            let name = point_name("poll", "interval_ms", &format!("{}ms", *t as u64));
            strategy(&name, StrategyKind::Poll, Some(*t))
        })
        .collect();
    strategies.push(strategy("webhook", StrategyKind::Webhook, None));
    Summary {
        scenario: ScenarioInfo {
            name: "checkout".to_owned(),
            description: description.to_owned(),
            description_pt_br: "Trezentos clientes finalizam a compra.".to_owned(),
            seed: 42,
            clock: ClockMode::Real,
            orders: 300,
            arrival: "one every 5ms".to_owned(),
            settle: "uniform 200ms..2s".to_owned(),
            orders_per_day: None,
            file: None,
        },
        strategies,
    }
}

/// Every file of `dir`, sorted by name, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// The text of every `<text>` element of an SVG.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].to_owned())
        })
        .collect()
}

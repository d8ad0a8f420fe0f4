//! `latency`: real-mode webhook notification latency at low load (one
//! order every 10 ms), from the run's histogram.

use crate::common::{self, Result};

/// `latency`: see the module docs.
pub fn latency(orders: u64) -> Result<()> {
    let text = format!(
        r#"name = "latency-low-load"
seed = 5

[workload]
orders = {orders}
arrival = {{ dist = "fixed", every_ms = 10 }}
settle = {{ dist = "uniform", min_ms = 5, max_ms = 50 }}

[[strategy]]
name = "webhook"
kind = "webhook"
"#
    );
    let r = common::run(&text)?;
    let l = r.latency_ms;
    println!(
        "latency strategy=webhook orders={} notified={} p50_ms={} p90_ms={} p99_ms={} max_ms={} \
         mean_ms={} target_p50_ms=0.3",
        r.orders, r.notified, l.p50, l.p90, l.p99, l.max, l.mean
    );
    Ok(())
}

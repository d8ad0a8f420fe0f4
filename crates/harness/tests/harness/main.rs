//! The harness's integration tests, one binary (so one build and one link).
//!
//! - `loopback`: end-to-end runs in real time, on sockets bound to port 0;
//! - `virtual_clock`: runs on the paused clock over the in-memory network,
//!   and what virtual time promises against real time;
//! - `loss_draws`: silent loss and duplicates followed as the run drew
//!   them (the draws' model equals the measurement);
//! - `model`: the model against the measurement, on the paused clock (both
//!   predictions, error bars, the counts that must agree);
//! - `jobs`: a virtual run's strategies on several threads give the summary
//!   of one thread, byte for byte;
//! - `shards`: a separable strategy split into K worlds gives one world's
//!   summary but for the connection counts, on any number of threads;
//! - `traffic`: bytes and connections counted at both ends, and agreeing;
//! - `transport`: the direct virtual transport gives the summary of real
//!   HTTP/1.1 over pipes;
//! - `sampling`: the summary keeps a bounded sample of order lives and of
//!   missed orders, and exact counts of all;
//! - `outcomes`: outcomes folded as each order ends give the summary of a
//!   fold over every order's record at the end (a committed summary);
//! - `rate_limit`: the poller behind the platform's token bucket against
//!   the replay of that bucket (a virtual copy of
//!   `scenarios/rate-limited-polling.toml`);
//! - `attempts_held`: a webhook run with duplicates holds the attempts of
//!   the payments in flight, not the run's;
//! - `crash`: crash faults (virtual time, and once in real time), what each store and
//!   acknowledgement loses;
//! - `deadline`: the run's deadline waits out crashes and partitions
//!   open at the old one (every order learned once the world is back, the
//!   counts agreeing);
//! - `determinism`: one seed gives one summary, run after run, where tasks
//!   woken at one instant could run in a random order;
//! - `partitions`: `[network] partitions` against the model (a poller's,
//!   a webhook's, a stream's draws), their health flags, and a stream
//!   that opens after orders settled;
//! - `stream_faults`: the event stream through a durable store and crash
//!   faults (nothing lost, nothing invented);
//! - `fixtures`: the scenario builders and the run helper they share.
//!
//! Every run takes one lock ([`fixtures::run`]), so a real-time run never
//! shares this binary's CPU with another run: its latencies would measure
//! the other test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod attempts_held;
mod crash;
mod deadline;
mod determinism;
mod fixtures;
mod jobs;
mod loopback;
mod loss_draws;
mod model;
mod outcomes;
mod partitions;
mod rate_limit;
mod sampling;
mod shards;
mod spectrum;
mod stream_faults;
mod traffic;
mod transport;
mod virtual_clock;

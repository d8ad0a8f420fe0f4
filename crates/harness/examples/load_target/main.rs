//! The targets and in-process measurements of `scripts/load.sh`.
//!
//! hooklab's numbers are only as good as its platform and shop are fast: if
//! the platform chokes on polls, a polling scenario measures hooklab and not
//! polling. This binary gives the load script something to aim at and
//! measures what a load generator cannot see from outside. Subcommands, one
//! module each:
//!
//! - `serve` ([`serve`]): the platform, a bare axum app answering the same
//!   JSON from memory, the shop's webhook receiver and a control app, each on
//!   its own `127.0.0.1:0` socket, plus the signed deliveries wrk replays.
//! - `dispatch` and `burst` ([`dispatch`]): the dispatcher's deliveries per
//!   second, in a burst and end to end, with no delivery lost or doubled.
//! - `ceiling` ([`dispatch`]): the transport alone, with the dispatcher's
//!   messages and cap on requests in flight.
//! - `requests` ([`requests`]): N requests to one of `serve`'s apps from a
//!   client in the same process, to count their instructions (callgrind).
//! - `memory` ([`memory`]): RSS growth per pending order.
//! - `latency` ([`latency`]): real-mode webhook notification latency at low
//!   load.
//! - `stages` ([`stages`]): the same notification split into its stages on
//!   one clock (pick-up, request, answer).
//!
//! [`common`] holds what they share: the one merchant, a platform, requests
//! through a router without a socket, and the error type. Every line of
//! results is `name key=value ...`, for the script to parse.

mod common;
mod dispatch;
mod latency;
mod memory;
mod requests;
mod serve;
mod stages;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// The allocator the shipped `hooklab` binary uses (mimalloc 2, see
/// `crates/cli/src/main.rs`), so every stage measures the platform, the
/// receiver and the dispatcher as `hooklab platform` and `hooklab shop`
/// run them. Both sides of each comparison (the bare app, the transport's
/// ceiling) share the process, so they share it too. Until 2026-12-03 the
/// load target ran on glibc's malloc, whose locks cost the dispatcher's
/// burst more than its ceiling: the burst frees on the lane workers what
/// settlement allocated on another thread (BENCHMARKS.md, "Dispatcher burst
/// against its ceiling: where the gap is").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The load target of `scripts/load.sh`.
#[derive(Debug, Parser)]
#[command(name = "load_target")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serves the targets wrk aims at, until `GET /stop` or `--max-secs`.
    Serve(serve::ServeArgs),
    /// The dispatcher's deliveries per second: a burst, end to end, and the
    /// transport's ceiling.
    Dispatch {
        /// Deliveries to make.
        #[arg(long, default_value_t = 20_000)]
        orders: u64,
        /// Orders per second of the end-to-end run.
        #[arg(long, default_value_t = 100_000)]
        per_s: u64,
    },
    /// The burst alone, to profile it (`perf record -g -- load_target burst`).
    Burst {
        /// Deliveries to make.
        #[arg(long, default_value_t = 20_000)]
        orders: u64,
        /// Keep the platform's books in an SQLite file (a temporary one):
        /// the durable dispatcher, working from the transactional outbox.
        #[arg(long)]
        durable: bool,
        /// No wall-clock bounds that a run under callgrind would hit: 5 ms
        /// of lead per creation, 10-minute delivery timeout, 30-minute wait.
        #[arg(long)]
        unbounded: bool,
    },
    /// The transport's ceiling alone: the dispatcher's messages, signed
    /// beforehand, from as many workers as the dispatcher's cap.
    Ceiling {
        /// Deliveries to make.
        #[arg(long, default_value_t = 20_000)]
        orders: u64,
    },
    /// N requests to one app from a client in this process (to profile).
    Requests(requests::RequestsArgs),
    /// RSS growth per pending order, in the platform and in the shop.
    Memory {
        /// Pending orders to hold.
        #[arg(long, default_value_t = 100_000)]
        orders: u64,
    },
    /// Real-mode webhook notification latency at low load.
    Latency {
        /// Orders of the run (one every 10 ms).
        #[arg(long, default_value_t = 200)]
        orders: u64,
    },
    /// One webhook notification's stages at low load (see `stages`).
    Stages {
        /// Notifications to time.
        #[arg(long, default_value_t = 200)]
        orders: u64,
        /// Milliseconds between two settlements.
        #[arg(long, default_value_t = 10)]
        gap_ms: u64,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout and succeed; bad usage is 2.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Serve(args) => serve::serve(args),
        Command::Dispatch { orders, per_s } => dispatch::dispatch(orders, per_s),
        Command::Burst {
            orders,
            durable,
            unbounded,
        } => dispatch::dispatch_burst(orders, durable, unbounded),
        Command::Ceiling { orders } => dispatch::transport_ceiling(orders),
        Command::Requests(args) => requests::requests(args),
        Command::Memory { orders } => memory::memory(orders),
        Command::Latency { orders } => latency::latency(orders),
        Command::Stages { orders, gap_ms } => stages::stages(orders, gap_ms),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("load_target: {}", common::chain(&e));
            ExitCode::FAILURE
        }
    }
}

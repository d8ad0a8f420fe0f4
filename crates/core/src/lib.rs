//! # hooklab-core: the domain and the model, with no sockets
//!
//! Everything that hooklab's platform, shop and harness share, and nothing that
//! opens a socket. A student reading hooklab can start here:
//!
//! - [`wire`]: the JSON that crosses the wire between the shop and the payment
//!   platform (payments, webhook endpoints, events, errors).
//! - [`ids`]: typed identifiers, so a payment id is never passed where an order id
//!   belongs.
//! - [`clock`]: the one source of time. Business code asks the [`clock::Clock`],
//!   never the operating system, so the same code runs on real time and on
//!   tokio's paused (virtual) time.
//! - [`rng`]: the seeded random number generator every random choice comes from.
//! - [`duration`]: durations as scenario files write them (`250`, `"250ms"`, `"2h"`).
//! - [`dist`]: the probability distributions a scenario draws arrivals and
//!   settlement delays from, with their exact CDFs and means for the model.
//! - [`scenario`]: the scenario file (TOML), its validation, and errors that name
//!   the file, the line and the field.
//! - [`cost`]: what a run will cost (exchanges, time, memory), estimated
//!   before it starts, so a run too big for the machine is refused.
//! - [`workload`]: the orders of a run, generated once from the seed and replayed
//!   identically against every strategy.
//! - [`model`]: what theory predicts for each strategy, printed beside what was
//!   measured.
//! - [`printable`]: outside text (names, payload fields) made safe to print.
//! - [`report`]: the plain-data summary of a run (what `summary.json` holds),
//!   with the latency summary and CDF folded from a histogram, and the names
//!   of sweep points.
//! - [`traffic`]: what a strategy costs beyond its requests (bytes on the
//!   wire, connections opened and held, the platform's CPU), as plain data.
//! - [`lang`]: the language of people-facing text (English or Brazilian
//!   Portuguese), shared by the reports, the live page and the GitHub receiver.
//! - [`signature`]: Standard Webhooks signing and verification.
//! - [`events`]: what happens during a run, for logs, timelines and the live page.
//! - [`file_lock`]: one process per data file (the platform's store, the shop's inbox).
//! - [`shutdown`]: the shutdown signal every server and worker takes as an
//!   argument, never from a global.
//! - [`timer`]: a sub-millisecond timer for the instant a payment settles in
//!   real time (tokio's timer ticks once a millisecond).
//! - [`http`]: the outbound-HTTP seam: the platform's dispatcher and the shop's
//!   poller send requests through [`http::HttpClient`], which the harness backs
//!   with real sockets (reqwest, `http::real`, with the `real-http` feature) or
//!   with an in-memory network; and [`http::trace`], every server's request log.

pub mod clock;
pub mod cost;
pub mod crash;
pub mod dist;
pub mod duration;
pub mod events;
pub mod file_lock;
pub mod http;
pub mod ids;
pub mod lang;
pub mod model;
pub mod printable;
#[cfg(test)]
mod properties;
pub mod report;
pub mod rng;
pub mod scenario;
#[cfg(feature = "runtime")]
pub mod shutdown;
pub mod signature;
#[cfg(feature = "runtime")]
pub mod timer;
pub mod traffic;
pub mod wire;
pub mod workload;

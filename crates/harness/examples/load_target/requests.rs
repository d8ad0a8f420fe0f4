//! `requests`: N requests to one of `serve`'s targets, from a client in the
//! same process, for a profiler that counts instructions.
//!
//! wrk's requests per second on a shared two-core machine move by tens of
//! percent from one minute to the next; the instructions a request costs do
//! not. This sets up the same four apps as `serve` (the platform with its
//! pending payments, the bare app, the shop's receiver trusting one secret),
//! serves the one asked for on `127.0.0.1:0` the way `serve` does, and sends
//! it `--n` requests over `--connections` kept-alive connections, each
//! request written whole and its answer read whole before the next (wrk's
//! pattern, with a client that does next to nothing: the raw bytes are ready
//! before the first one goes). Run it under callgrind twice, with two values
//! of `--n`, and divide the difference in instructions by the difference in
//! requests: the set-up cancels out, and what is left is one request's cost
//! in the server (and this thin client), user space only.
//!
//! The status requests read pending payments at random (seeded); the
//! webhook requests are signed deliveries with distinct `webhook-id`s, the
//! first `--orders` of them each an order's first notice, the rest new
//! events about known orders, as in `scripts/load.sh`.

use crate::common::{self, API_KEY, Result, bind, spawn_app};
use crate::serve::{Targets, signed_delivery, targets};
use hooklab_core::ids::EventId;
use hooklab_core::rng::SeededRng;
use hooklab_core::shutdown;
use hooklab_shop::receiver;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Which app, and which requests.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Target {
    /// `GET /v1/payments/{id}` to the platform.
    Platform,
    /// The same GETs to the bare app.
    BareStatus,
    /// Signed deliveries to the shop's receiver.
    Receiver,
    /// The same deliveries to the bare app.
    BareWebhook,
}

/// What `requests` sends.
#[derive(Debug, clap::Args)]
pub struct RequestsArgs {
    /// The app.
    #[arg(long, value_enum)]
    target: Target,
    /// Requests to send.
    #[arg(long, default_value_t = 20_000)]
    n: u64,
    /// Kept-alive connections, each sending its share one at a time.
    #[arg(long, default_value_t = 4)]
    connections: u64,
    /// Pending payments in the platform.
    #[arg(long, default_value_t = 10_000)]
    payments: u64,
    /// Orders placed in the shop's book.
    #[arg(long, default_value_t = 10_000)]
    orders: u64,
}

/// `requests`: see the module docs.
pub fn requests(args: RequestsArgs) -> Result<()> {
    common::multi_thread()?.block_on(async {
        let Targets {
            platform,
            bare,
            receiver: shop_receiver,
            secret,
            clock,
        } = targets(args.payments, args.orders).await?;
        let mut raw = Vec::with_capacity(args.n as usize);
        let mut rng = SeededRng::stream(3, "requests");
        for k in 0..args.n {
            raw.push(match args.target {
                Target::Platform | Target::BareStatus => {
                    let n = rng.next_u64() % args.payments.max(1) + 1;
                    format!(
                        "GET /v1/payments/pay_{n:06} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                         Authorization: Bearer {API_KEY}\r\n\r\n"
                    )
                    .into_bytes()
                }
                Target::Receiver | Target::BareWebhook => {
                    let n = k % args.orders.max(1) + 1;
                    signed_delivery(EventId(format!("evt_q_{k:07}")), n, &secret, clock)?
                }
            });
        }
        let (trigger, stopped) = shutdown::channel();
        let (listener, url) = bind().await?;
        let server = match args.target {
            Target::Platform => tokio::spawn({
                let (platform, stopped) = (platform.clone(), stopped.clone());
                async move { platform.serve(listener, stopped).await }
            }),
            Target::BareStatus | Target::BareWebhook => spawn_app(listener, bare, stopped.clone()),
            Target::Receiver => tokio::spawn(receiver::serve(
                listener,
                receiver::Endpoint::new(shop_receiver.clone()),
                stopped.clone(),
            )),
        };
        let addr = url.trim_start_matches("http://").to_owned();
        let raw = Arc::new(raw);
        let next = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let clients: Vec<_> = (0..args.connections.max(1))
            .map(|_| {
                let (raw, next, addr) = (raw.clone(), next.clone(), addr.clone());
                tokio::spawn(async move { client(&addr, &raw, &next).await })
            })
            .collect();
        let mut failed = 0;
        for c in clients {
            failed += c.await??;
        }
        let elapsed = started.elapsed();
        trigger.trigger();
        let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        let c = shop_receiver.counts();
        println!(
            "requests target={:?} n={} connections={} non_2xx={failed} elapsed_ms={:.1} \
             receiver_learned={} receiver_duplicates={} receiver_rejected={} platform_polls={}",
            args.target,
            args.n,
            args.connections,
            elapsed.as_secs_f64() * 1_000.0,
            c.learned.load(Ordering::Relaxed),
            c.duplicates.load(Ordering::Relaxed),
            shop_receiver.rejected().values().sum::<u64>(),
            platform.served().polls,
        );
        Ok(())
    })
}

/// One kept-alive connection: sends requests `next` hands out until none is
/// left, each answer read whole (head, then `Content-Length` bytes) before
/// the next request. Answers how many were not 2xx.
async fn client(addr: &str, raw: &[Vec<u8>], next: &AtomicU64) -> Result<u64> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut buf = Vec::with_capacity(4096);
    let mut failed = 0;
    loop {
        let k = next.fetch_add(1, Ordering::Relaxed) as usize;
        let Some(request) = raw.get(k) else {
            return Ok(failed);
        };
        stream.write_all(request).await?;
        // The answer: read until the head is in, then the rest of its body.
        buf.clear();
        let (head_end, length) = loop {
            let mut chunk = [0u8; 2048];
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into());
            }
            buf.extend_from_slice(&chunk[..read]);
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break (end + 4, content_length(&buf[..end]));
            }
        };
        while buf.len() < head_end + length {
            let mut chunk = [0u8; 2048];
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into());
            }
            buf.extend_from_slice(&chunk[..read]);
        }
        if !buf.starts_with(b"HTTP/1.1 2") {
            failed += 1;
        }
    }
}

/// The `Content-Length` of a response head (0 without one).
fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())
                .flatten()
        })
        .unwrap_or(0)
}

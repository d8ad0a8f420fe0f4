//! `serve`: the targets wrk aims at.
//!
//! Serves, each on its own `127.0.0.1:0` socket, (1) the real platform with
//! N pending payments `pay_000001..` of one merchant, whose API key it
//! prints as `api_key KEY` (they settle in a day, so every read is a "wasted
//! poll"), (2) a bare axum app answering the same payment JSON from memory
//! on the same route, and `{"received":true}` on the webhook path without
//! reading the body, (3) the shop's webhook receiver with orders
//! `ord_000001..` placed in its book, trusting one secret, and (4) a control
//! app (`GET /stats`, `GET /stop`, `GET /deliveries?round=R`). Before
//! serving it writes, for each round `r` of `--rounds` and wrk thread `t`,
//! `PATH/deliveries-r-t.http`: raw HTTP requests, separated by a NUL byte,
//! each a Standard Webhooks delivery signed with the receiver's secret (a
//! distinct `webhook-id`, a timestamp of now), so wrk's Lua can replay
//! signed deliveries without computing an HMAC. `GET /deliveries?round=R`
//! writes round `R`'s files then, with a fresh timestamp, and removes every
//! other round's, so that a script can keep one round on disk at a time
//! (`scripts/load.sh` asks for each round's just before it). It prints one
//! `name value` line per server and file folder, then `ready`, and runs
//! until `/stop` or `--max-secs`.

use crate::common::{self, API_KEY, Result, bind, create, expect_status, spawn_app};
use axum::Router;
use axum::body::Body;
use axum::extract::Query;
use axum::routing::{get, post};
use bytes::Bytes;
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::ids::{EventId, OrderId, PaymentId};
use hooklab_core::rng::SeededRng;
use hooklab_core::shutdown;
use hooklab_core::signature::WebhookSecret;
use hooklab_core::wire::{Event, EventType, Payment, PaymentStatus};
use hooklab_shop::orders::OrderBook;
use hooklab_shop::receiver::{self, Receiver, WEBHOOK_PATH};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// `?round=R` of `GET /deliveries`.
#[derive(serde::Deserialize)]
struct RoundQuery {
    round: u64,
}

/// What `serve` prepares: payments, orders, and the signed deliveries wrk
/// replays.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Pending payments in the platform.
    #[arg(long, default_value_t = 10_000)]
    payments: u64,
    /// Orders placed in the shop's book.
    #[arg(long, default_value_t = 10_000)]
    orders: u64,
    /// Signed deliveries per round (split among the threads' files).
    #[arg(long, default_value_t = 150_000)]
    deliveries: u64,
    /// Rounds whose deliveries are written before serving: each gets its
    /// own, so a later round never replays an earlier round's
    /// `webhook-id`s (later ones: `GET /deliveries?round=R`).
    #[arg(long, default_value_t = 2)]
    rounds: u64,
    /// wrk threads: each reads its own file.
    #[arg(long, default_value_t = 2)]
    threads: u64,
    /// Where the files go [default: the system's temporary folder].
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Stops after this many seconds even without `/stop`.
    #[arg(long, default_value_t = 300)]
    max_secs: u64,
}

/// Writes the signed deliveries of every round and thread (see the module
/// docs) into `dir`.
fn write_deliveries(
    load: &ServeArgs,
    dir: &std::path::Path,
    secret: &WebhookSecret,
    clock: Clock,
) -> Result<()> {
    for round in 1..=load.rounds.max(1) {
        write_round(load, dir, round, secret, clock)?;
    }
    Ok(())
}

/// Round `round`'s file of each thread: delivery `k` is event
/// `evt_r{round}_{k}`, the approval of order `ord_{k mod orders}`, so after
/// the first pass over the book every delivery is a new event about an
/// order already known.
fn write_round(
    load: &ServeArgs,
    dir: &std::path::Path,
    round: u64,
    secret: &WebhookSecret,
    clock: Clock,
) -> Result<()> {
    let threads = load.threads.max(1);
    for thread in 0..threads {
        let path = dir.join(format!("deliveries-{round}-{thread}.http"));
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for k in (thread..load.deliveries).step_by(threads as usize) {
            let n = k % load.orders.max(1) + 1;
            let id = EventId(format!("evt_r{round}_{k:07}"));
            file.write_all(&signed_delivery(id, n, secret, clock)?)?;
            file.write_all(b"\0")?;
        }
        file.flush()?;
    }
    Ok(())
}

/// `GET /deliveries?round=R`: writes round `R`'s files and removes every
/// other round's (see the module docs).
fn fresh_round(
    load: &ServeArgs,
    dir: &std::path::Path,
    round: u64,
    secret: &WebhookSecret,
    clock: Clock,
) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("deliveries-") && name.ends_with(".http") {
            std::fs::remove_file(&path)?;
        }
    }
    write_round(load, dir, round, secret, clock)
}

/// One raw HTTP request: event `id`, the approval of order `n`, signed with
/// `secret` at the clock's present, as the platform delivers it.
pub fn signed_delivery(
    id: EventId,
    n: u64,
    secret: &WebhookSecret,
    clock: Clock,
) -> Result<Vec<u8>> {
    let timestamp = clock.unix_secs(clock.now());
    let created_at = clock.rfc3339(clock.now());
    let event = Event {
        id: id.clone(),
        kind: EventType::PaymentApproved,
        created_at: created_at.clone(),
        data: Payment {
            id: PaymentId::numbered(n),
            order_id: OrderId::numbered(n),
            amount_cents: 4_990,
            currency: "BRL".to_owned(),
            status: PaymentStatus::Approved,
            created_at: created_at.clone(),
            settled_at: Some(created_at),
        },
    };
    let body = serde_json::to_vec(&event)?;
    let signature = secret.sign(id.as_str(), timestamp, &body);
    let mut request = format!(
        "POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\
         webhook-id: {id}\r\nwebhook-timestamp: {timestamp}\r\n\
         webhook-signature: {signature}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    Ok(request)
}

/// The four apps of `serve`, set up and not yet listening.
pub struct Targets {
    /// The platform, with its pending payments.
    pub platform: hooklab_platform::Platform,
    /// The bare app.
    pub bare: Router,
    /// The shop's receiver, trusting [`Targets::secret`].
    pub receiver: Arc<Receiver>,
    /// The secret the platform would have handed out at registration.
    pub secret: WebhookSecret,
    /// The run's clock.
    pub clock: Clock,
}

/// Sets up `payments` pending payments, `orders` placed orders, a receiver
/// trusting one secret and the bare app answering payment 1's JSON.
pub async fn targets(payments: u64, orders: u64) -> Result<Targets> {
    let clock = Clock::starting_now(Clock::system_unix_us());
    let platform = common::platform(clock, Dur::from_secs(86_400));
    let platform_router = platform.router();
    for n in 1..=payments.max(1) {
        create(&platform_router, n, None).await?;
    }
    let get_one = http::Request::get("/v1/payments/pay_000001")
        .header(http::header::AUTHORIZATION, format!("Bearer {API_KEY}"))
        .body(Body::empty())?;
    let sample = expect_status(&platform_router, get_one, 200).await?;

    let book = Arc::new(OrderBook::new());
    for n in 1..=orders.max(1) {
        book.place(OrderId::numbered(n), clock.now());
    }
    let receiver = Receiver::new(clock, book);
    let secret = WebhookSecret::generate(&mut SeededRng::stream(7, "load-target-secret"));
    receiver.trust(secret.clone());

    let bare = Router::new()
        .route(
            "/v1/payments/{id}",
            get(move || {
                let body = sample.clone();
                async move { ([(http::header::CONTENT_TYPE, "application/json")], body) }
            }),
        )
        .route(
            WEBHOOK_PATH,
            post(|| async {
                (
                    [(http::header::CONTENT_TYPE, "application/json")],
                    Bytes::from_static(br#"{"received":true}"#),
                )
            }),
        );
    Ok(Targets {
        platform,
        bare,
        receiver,
        secret,
        clock,
    })
}

/// `serve`: see the module docs.
pub fn serve(load: ServeArgs) -> Result<()> {
    common::multi_thread()?.block_on(async {
        let dir = load.dir.clone().unwrap_or_else(std::env::temp_dir);
        let max_secs = load.max_secs;
        let Targets {
            platform,
            bare,
            receiver: shop_receiver,
            secret,
            clock,
        } = targets(load.payments, load.orders).await?;
        write_deliveries(&load, &dir, &secret, clock)?;

        let (trigger, mut stopped) = shutdown::channel();
        let trigger = Arc::new(trigger);
        let stats = {
            let (platform, shop_receiver) = (platform.clone(), shop_receiver.clone());
            move || {
                let served = platform.served();
                let c = shop_receiver.counts();
                format!(
                    "{{\"platform_polls\":{},\"platform_polls_pending\":{},\"platform_rejected\":{},\
                     \"platform_unauthorized\":{},\"receiver_deliveries\":{},\"receiver_learned\":{},\
                     \"receiver_duplicates\":{},\"receiver_redeliveries\":{},\"receiver_ignored\":{},\
                     \"receiver_malformed\":{},\"receiver_rejected\":{}}}\n",
                    served.polls,
                    served.polls_pending,
                    served.rejected,
                    served.unauthorized,
                    c.deliveries.load(Ordering::Relaxed),
                    c.learned.load(Ordering::Relaxed),
                    c.duplicates.load(Ordering::Relaxed),
                    c.redeliveries.load(Ordering::Relaxed),
                    c.ignored.load(Ordering::Relaxed),
                    c.malformed.load(Ordering::Relaxed),
                    shop_receiver.rejected().values().sum::<u64>(),
                )
            }
        };
        let control = {
            let stats = stats.clone();
            let trigger = trigger.clone();
            let fresh = Arc::new((load, dir.clone(), secret));
            Router::new()
                .route("/stats", get(move || std::future::ready(stats())))
                .route(
                    "/deliveries",
                    get(move |Query(at): Query<RoundQuery>| {
                        let fresh = fresh.clone();
                        async move {
                            let written = tokio::task::spawn_blocking(move || {
                                let (load, dir, secret) = &*fresh;
                                fresh_round(load, dir, at.round, secret, clock)
                            })
                            .await;
                            match written {
                                Ok(Ok(())) => (http::StatusCode::OK, format!("round {}\n", at.round)),
                                Ok(Err(e)) => (
                                    http::StatusCode::INTERNAL_SERVER_ERROR,
                                    format!("{}\n", common::chain(&e)),
                                ),
                                Err(e) => (http::StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")),
                            }
                        }
                    }),
                )
                .route(
                    "/stop",
                    get(move || {
                        trigger.trigger();
                        std::future::ready("stopping\n")
                    }),
                )
        };

        // Every listener is bound before anything is printed, so the script
        // never reads the URL of a socket that is not listening yet.
        let (platform_listener, platform_url) = bind().await?;
        let (bare_listener, bare_url) = bind().await?;
        let (receiver_listener, receiver_url) = bind().await?;
        let (control_listener, control_url) = bind().await?;
        let servers = vec![
            tokio::spawn({
                let (platform, stopped) = (platform.clone(), stopped.clone());
                async move { platform.serve(platform_listener, stopped).await }
            }),
            spawn_app(bare_listener, bare, stopped.clone()),
            tokio::spawn(receiver::serve(
                receiver_listener,
                receiver::Endpoint::new(shop_receiver.clone()),
                stopped.clone(),
            )),
            spawn_app(control_listener, control, stopped.clone()),
        ];
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "api_key {API_KEY}")?;
            writeln!(out, "deliveries {}", dir.display())?;
            writeln!(out, "platform {platform_url}")?;
            writeln!(out, "bare {bare_url}")?;
            writeln!(out, "receiver {receiver_url}")?;
            writeln!(out, "control {control_url}")?;
            writeln!(out, "ready")?;
            out.flush()?;
        }

        tokio::select! {
            _ = stopped.wait() => {}
            _ = tokio::time::sleep(Duration::from_secs(max_secs)) => trigger.trigger(),
        }
        for server in servers {
            if let Ok(served) = tokio::time::timeout(Duration::from_secs(5), server).await {
                served??;
            }
        }
        print!("stats {}", stats());
        Ok(())
    })
}

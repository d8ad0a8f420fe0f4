//! `hooklab platform`, `hooklab shop` and `hooklab order`: the seed's demo in
//! two terminals.
//!
//! The harness runs a platform and a shop inside one process to measure them.
//! These commands run each side as its own process instead, the way the
//! seed's demo runs a receiver on one machine and GitHub on another, and
//! print one readable line per thing that happens (a poll, a settlement, a
//! delivery, an outcome learned: the run's event sink), so a class can watch
//! polling hammer the platform while webhooks sit quiet:
//!
//! ```text
//! terminal 1:  hooklab platform
//! terminal 2:  hooklab shop --api-key sk_test_… --strategy poll
//! terminal 2:  hooklab shop --api-key sk_test_… --strategy webhook
//! anywhere:    hooklab order --api-key sk_test_… --settle-after 3s
//! ```
//!
//! This module is the edge of the program: it reads the system clock, the
//! system's randomness (for a fresh API key) and Ctrl-C, and hands plain
//! values to the library crates.

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::events::EventSink;
use hooklab_core::ids::{MerchantId, OrderId};
use hooklab_core::rng::SeededRng;
use hooklab_core::scenario::StrategySpec;
use hooklab_core::shutdown;
use hooklab_core::wire::{CreatePayment, Outcome, Simulate};
use hooklab_core::workload::OrderPlan;
use hooklab_harness::transport::RealHttp;
use hooklab_platform::{Merchant, Platform, PlatformConfig};
use hooklab_shop::Shop;
use hooklab_shop::client::PlatformClient;
use hooklab_shop::orders::OrderBook;
use hooklab_shop::receiver::{self, Receiver, WEBHOOK_PATH};
use std::net::SocketAddr;
use std::sync::Arc;

/// Options of `hooklab platform`.
#[derive(Args, Debug)]
pub struct PlatformArgs {
    /// Where the payment platform listens. Loopback by default: the shop (and
    /// only the shop) on this machine talks to it.
    #[arg(long, default_value = "127.0.0.1:4242")]
    listen: SocketAddr,

    /// The merchant's API key. Without it, a fresh `sk_test_…` key is made
    /// and printed; give the same key to `hooklab shop --api-key`.
    #[arg(long, env = "HOOKLAB_API_KEY")]
    api_key: Option<String>,

    /// How long after its creation a payment settles, unless the request asks
    /// otherwise with `simulate` (see `hooklab order --settle-after`).
    #[arg(long, default_value = "2s", value_parser = parse_dur)]
    settle_after: Dur,

    /// Requests per second the API key may make; beyond, 429 with Retry-After.
    #[arg(long, value_parser = parse_rate)]
    rate_limit: Option<f64>,
}

/// The strategies a shop can use by hand.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StrategyArg {
    /// Ask about each pending payment every `--interval`.
    Poll,
    /// Register a webhook endpoint and wait.
    Webhook,
    /// Webhooks, plus a reconciliation poll of payments still unknown.
    Hybrid,
    /// Poll the platform's event log every `--interval`.
    PollEvents,
}

/// Options of `hooklab shop`.
#[derive(Args, Debug)]
pub struct ShopArgs {
    /// The payment platform's address, as `hooklab platform` printed it.
    #[arg(long, default_value = "http://127.0.0.1:4242")]
    platform: String,

    /// The merchant's API key, as `hooklab platform` printed it.
    #[arg(long, env = "HOOKLAB_API_KEY")]
    api_key: String,

    /// How the shop learns payment outcomes.
    #[arg(long, value_enum, default_value_t = StrategyArg::Poll)]
    strategy: StrategyArg,

    /// Time between two polls (poll, poll-events) or two reconciliation polls
    /// (hybrid).
    #[arg(long, default_value = "1s", value_parser = parse_dur)]
    interval: Dur,

    /// Where the shop's webhook receiver listens (webhook and hybrid).
    #[arg(long, default_value = "127.0.0.1:4343")]
    listen: SocketAddr,

    /// How many orders to place.
    #[arg(long, default_value_t = 5)]
    orders: u32,

    /// Time between two orders.
    #[arg(long, default_value = "1s", value_parser = parse_dur)]
    every: Dur,
}

/// Options of `hooklab order`.
#[derive(Args, Debug)]
pub struct OrderArgs {
    /// The payment platform's address.
    #[arg(long, default_value = "http://127.0.0.1:4242")]
    platform: String,

    /// The merchant's API key.
    #[arg(long, env = "HOOKLAB_API_KEY")]
    api_key: String,

    /// The order's id [default: one made from the time].
    #[arg(long)]
    order_id: Option<String>,

    /// The amount, in centavos.
    #[arg(long, default_value_t = 4_990)]
    amount_cents: u64,

    /// Ask the platform (test mode) to settle after this long.
    #[arg(long, value_parser = parse_dur)]
    settle_after: Option<Dur>,

    /// Ask the platform (test mode) for this outcome.
    #[arg(long, value_enum, default_value_t = OutcomeArg::Approved)]
    outcome: OutcomeArg,
}

/// A payment's outcome, as a flag.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OutcomeArg {
    /// Approved.
    Approved,
    /// Declined.
    Declined,
}

fn parse_dur(text: &str) -> Result<Dur, String> {
    Dur::parse(text)
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    hooklab_platform::check_rate_limit(rate).map_err(|e| e.to_string())
}

/// Prints one line per event, as it happens.
fn printing() -> EventSink {
    EventSink::to(|e| println!("{}", e.line()))
}

/// Waits for Ctrl-C (or returns at once if it cannot be watched).
async fn ctrl_c() {
    let _ = tokio::signal::ctrl_c().await;
}

/// `hooklab platform`.
pub async fn platform(args: PlatformArgs) -> anyhow::Result<()> {
    let clock = Clock::starting_now(Clock::system_unix_us()).precise();
    // The edge may read the system's time to seed a fresh key.
    let mut rng = SeededRng::new(Clock::system_unix_us() as u64);
    let merchant = match args.api_key {
        Some(api_key) => Merchant {
            id: MerchantId::numbered(1),
            api_key,
        },
        None => Merchant::generate(1, &mut rng),
    };
    let config = PlatformConfig {
        default_settle: args.settle_after,
        merchants: vec![merchant.clone()],
        rate_limit_per_s: args.rate_limit,
        seed: rng.next_u64(),
        events: printing(),
        // A new epoch per start: ids never repeat across restarts.
        id_epoch: hooklab_core::ids::IdEpoch::from_seed(Clock::system_unix_us() as u64),
        // A platform left running drops a dead shop's endpoint.
        disable_after_failures: Some(hooklab_platform::DEFAULT_DISABLE_AFTER_FAILURES),
        retention: hooklab_platform::Retention::SERVER,
        ..PlatformConfig::default()
    };
    config.validate()?;
    let platform = Platform::new(clock, config, RealHttp::new());
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    println!("payment platform listening on http://{addr}");
    println!("API key: {}", merchant.api_key);
    println!(
        "every payment settles {} after its creation (unless it asks otherwise); Ctrl-C to stop",
        args.settle_after
    );
    let (trigger, shutdown) = shutdown::channel();
    let _stop_on_ctrl_c = tokio::spawn(async move {
        ctrl_c().await;
        trigger.trigger();
    });
    platform
        .serve(listener, shutdown)
        .await
        .context("serving the platform")
}

/// `hooklab shop`.
pub async fn shop(args: ShopArgs) -> anyhow::Result<()> {
    let clock = Clock::starting_now(Clock::system_unix_us());
    let name = format!("{:?}", args.strategy).to_lowercase();
    let strategy = match args.strategy {
        StrategyArg::Poll => StrategySpec::Poll {
            name,
            interval_ms: args.interval,
        },
        StrategyArg::Webhook => StrategySpec::Webhook { name },
        StrategyArg::Hybrid => StrategySpec::Hybrid {
            name,
            reconcile_after_ms: args.interval,
            reconcile_every_ms: args.interval,
        },
        StrategyArg::PollEvents => StrategySpec::PollEvents {
            name,
            interval_ms: args.interval,
            page_size: 100,
        },
    };
    if args.interval == Dur::ZERO {
        bail!("--interval must be greater than 0");
    }
    let (trigger, shutdown) = shutdown::channel();
    let events = printing();
    let book = Arc::new(OrderBook::with_events(events.clone()));
    let client = PlatformClient::new(RealHttp::new(), &args.platform, clock)
        .with_events(events)
        .with_api_key(&args.api_key)
        .with_timeout(PlatformClient::INTERACTIVE_TIMEOUT);
    let shop = Shop::new(
        clock,
        client.clone(),
        strategy.clone(),
        "BRL".to_owned(),
        shutdown.clone(),
    )
    .with_book(book.clone());
    if strategy.receives_webhooks() {
        let receiver = Receiver::new(clock, book.clone());
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let url = format!("http://{}{WEBHOOK_PATH}", listener.local_addr()?);
        tokio::spawn(receiver::serve(
            listener,
            receiver::router(receiver.clone()),
            shutdown.clone(),
        ));
        let endpoint = shop
            .subscribe(&receiver, &url)
            .await
            .with_context(|| format!("registering {url} with the platform at {}", args.platform))?;
        println!(
            "shop receiving webhooks at {url} (endpoint {}, signing secret {}, signatures checked)",
            endpoint.id, endpoint.secret
        );
    }
    println!(
        "shop placing {} order(s), one every {}, learning outcomes by {}; Ctrl-C to stop",
        args.orders,
        args.every,
        strategy.kind()
    );
    shop.start();
    let stamp = Clock::system_unix_us();
    let mut settled = book.watch_settled();
    let placing = {
        let shop = shop.clone();
        let (orders, every) = (args.orders, args.every);
        tokio::spawn(async move {
            for n in 0..orders {
                let order = OrderPlan {
                    // Unique across runs of the demo against one platform.
                    order_id: OrderId(format!("ord_{stamp}_{n}")),
                    arrive_at: Default::default(),
                    settle_after: Dur::ZERO,
                    outcome: Outcome::Approved,
                    amount_cents: 4_990,
                    merchant: 0,
                };
                if let Err(e) = shop.place_order(&order).await {
                    println!("order {} failed: {e}", order.order_id);
                }
                tokio::time::sleep(every.to_std()).await;
            }
        })
    };
    let total = u64::from(args.orders);
    loop {
        if *settled.borrow_and_update() >= total {
            break;
        }
        tokio::select! {
            biased;
            _ = ctrl_c() => break,
            changed = settled.changed() => if changed.is_err() { break },
        }
    }
    placing.abort();
    trigger.trigger();
    shop.stopped().await;
    let sent = client.sent();
    let load = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "done: {} order(s) known; {} poll(s), {} of them wasted; {} event-log poll(s); {} rate-limited",
        load_known(&book),
        load(&sent.polls),
        load(&sent.polls_pending),
        load(&sent.event_lists),
        load(&sent.rate_limited),
    );
    Ok(())
}

fn load_known(book: &OrderBook) -> usize {
    book.entries()
        .iter()
        .filter(|e| e.known_at.is_some())
        .count()
}

/// `hooklab order`.
pub async fn order(args: OrderArgs) -> anyhow::Result<()> {
    let clock = Clock::starting_now(Clock::system_unix_us());
    let client = PlatformClient::new(RealHttp::new(), &args.platform, clock)
        .with_api_key(&args.api_key)
        .with_timeout(PlatformClient::INTERACTIVE_TIMEOUT);
    let order_id = args
        .order_id
        .unwrap_or_else(|| format!("ord_{}", Clock::system_unix_us()));
    let request = CreatePayment {
        order_id: OrderId(order_id.clone()),
        amount_cents: args.amount_cents,
        currency: "BRL".to_owned(),
        simulate: args.settle_after.map(|after| Simulate {
            settle_after_ms: after,
            outcome: match args.outcome {
                OutcomeArg::Approved => Outcome::Approved,
                OutcomeArg::Declined => Outcome::Declined,
            },
        }),
    };
    let payment = client
        .create_payment(&request, &order_id)
        .await
        .with_context(|| format!("creating a payment at {}", args.platform))?;
    println!("{}", serde_json::to_string_pretty(&payment)?);
    Ok(())
}

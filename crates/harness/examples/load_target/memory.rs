//! `memory`: RSS growth per pending order, from `VmRSS`: N pending payments
//! in a platform, the same N orders in a shop's order book, and N sleeping
//! pollers (what the poll strategy adds per order).

use crate::common::{self, LoadError, Result, create};
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::ids::{OrderId, PaymentId};
use hooklab_core::shutdown;
use hooklab_core::wire::{Payment, PaymentStatus};
use hooklab_shop::client::PlatformClient;
use hooklab_shop::orders::OrderBook;
use hooklab_shop::poll::Poller;
use std::sync::Arc;

/// This process's resident set, in bytes, from `/proc/self/status`.
fn rss_bytes() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .ok_or(LoadError::Missing("/proc/self/status has no VmRSS line"))?;
    Ok(kb * 1_024)
}

/// `memory`: see the module docs.
pub fn memory(orders: u64) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let clock = Clock::starting_now(Clock::system_unix_us());
        // Warm every lazy path (routing, formatting) on a throwaway platform.
        let warm = common::platform(clock, Dur::from_secs(86_400)).router();
        create(&warm, 1, None).await?;
        let p = common::platform(clock, Dur::from_secs(86_400));
        let router = p.router();

        let before = rss_bytes()?;
        for n in 1..=orders {
            create(&router, n, None).await?;
        }
        let after_platform = rss_bytes()?;

        let book = Arc::new(OrderBook::new());
        for n in 1..=orders {
            let order_id = OrderId::numbered(n);
            book.place(order_id.clone(), clock.now());
            book.attach(&Payment {
                id: PaymentId::numbered(n),
                order_id,
                amount_cents: 4_990,
                currency: "BRL".to_owned(),
                status: PaymentStatus::Pending,
                created_at: String::new(),
                settled_at: None,
            });
        }
        let after_book = rss_bytes()?;

        // The poll strategy adds one sleeping poller task per pending order,
        // tracked in a `JoinSet` as the shop tracks it (`Shop::spawn`).
        let (trigger, stopped) = shutdown::channel();
        let client = PlatformClient::new(common::real_http(), "http://127.0.0.1:9", clock);
        let mut pollers = tokio::task::JoinSet::new();
        let poller = Arc::new(Poller {
            clock,
            client: client.clone(),
            book: book.clone(),
            interval: Dur::from_secs(86_400),
            reconcile: false,
        });
        for n in 1..=orders {
            pollers.spawn(poller.clone().run(
                OrderId::numbered(n),
                PaymentId::numbered(n),
                clock.now(),
                stopped.clone(),
            ));
        }
        tokio::task::yield_now().await;
        let after_pollers = rss_bytes()?;
        trigger.trigger();
        while pollers.join_next().await.is_some() {}

        let per = |a: u64, b: u64| a.saturating_sub(b) as f64 / orders as f64;
        let platform_b = per(after_platform, before);
        let shop_b = per(after_book, after_platform);
        let poller_b = per(after_pollers, after_book);
        println!(
            "memory orders={orders} rss_before_mb={:.1} platform_bytes_per_order={platform_b:.0} \
             shop_book_bytes_per_order={shop_b:.0} webhook_total_bytes_per_order={:.0} \
             poller_task_bytes_per_order={poller_b:.0} poll_total_bytes_per_order={:.0} target_bytes=2048",
            before as f64 / 1_048_576.0,
            platform_b + shop_b,
            platform_b + shop_b + poller_b,
        );
        Ok(())
    })
}

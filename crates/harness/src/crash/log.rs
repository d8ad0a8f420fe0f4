//! The report's side of crash faults: what every incarnation of a
//! strategy's platform did, added up (settlements, attempts, counts), which
//! orders a crash lost and why, and the strategy's [`CrashReport`].

use super::PlatformLife;
use hooklab_core::clock::Micros;
use hooklab_core::crash::{CrashLoss, CrashReport};
use hooklab_core::ids::{OrderId, PaymentId};
use hooklab_core::scenario::{OutboxKind, StoreKind};
use hooklab_platform::{DeliveryAttempt, Platform, ServedSnapshot};
use hooklab_shop::orders::OrderBook;
use hooklab_shop::receiver::Receiver;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// What the shop's receivers recognised as already seen.
pub(super) fn dedup_count(receivers: &[Arc<Receiver>]) -> u64 {
    receivers
        .iter()
        .map(|r| {
            let c = r.counts();
            c.redeliveries.load(Ordering::Relaxed) + c.duplicates.load(Ordering::Relaxed)
        })
        .sum()
}

/// The report's view of a run's platforms through their crashes.
pub(crate) struct CrashLog<'a> {
    pub(super) life: &'a PlatformLife,
}

impl CrashLog<'_> {
    /// Every delivery attempt of every platform, in the order they lived,
    /// each once: a platform restarted from its store loads the attempts
    /// its earlier lives committed, which their own logs also hold.
    pub(crate) fn attempts(&self, current: &Platform) -> Vec<DeliveryAttempt> {
        let lives = self.life.lock();
        let mut seen = HashSet::new();
        lives
            .dead
            .iter()
            .flat_map(|d| d.platform.delivery_attempts())
            .chain(current.delivery_attempts())
            .filter(|a| {
                seen.insert((
                    a.event_id.clone(),
                    a.endpoint_id.clone(),
                    a.attempt,
                    a.started_at,
                ))
            })
            .collect()
    }

    /// The shop's polls, event pages and stream opens its link refused
    /// while the platform was down ([`RequestCounts::refused`]).
    ///
    /// [`RequestCounts::refused`]: hooklab_core::report::RequestCounts::refused
    pub(crate) fn refused_reads(&self) -> u64 {
        self.life.refused_reads.load(Ordering::Relaxed)
    }

    /// Per platform crash, its instant and the webhook attempts it cut:
    /// started (counted as they went out, in `requests.webhook_attempts`)
    /// and never ended, so no event announced them. Read once the run is
    /// over: a worker already woken at the crash's instant may still have
    /// ended its attempt as the abort took effect (announcing it), and a
    /// dead platform does nothing after that.
    pub(crate) fn cut_attempts(&self) -> Vec<(Micros, u64)> {
        let lives = self.life.lock();
        lives
            .dead
            .iter()
            .filter_map(|d| {
                let p = &d.platform;
                // Every attempt it started ended (in its log, kept or
                // dropped, beside the ones it loaded) or was cut.
                let ended = (p.delivery_attempts().len() as u64 + p.attempts_dropped())
                    .saturating_sub(d.attempts_loaded);
                let cut = p.served().webhook_attempts.saturating_sub(ended);
                (cut > 0).then_some((d.at, cut))
            })
            .collect()
    }

    /// What every platform served, added up, each life once. A platform
    /// still dead at the run's end (its restart not yet due, or failed) is
    /// the current one and the last dead one at once: its counts are
    /// already among the dead's.
    pub(crate) fn served(&self, current: &Platform) -> ServedSnapshot {
        let lives = self.life.lock();
        let current = match self.life.down.load(Ordering::Relaxed) {
            true => ServedSnapshot::default(),
            false => current.served(),
        };
        lives
            .dead
            .iter()
            .map(|d| d.platform.served())
            .fold(current, add)
    }

    /// Every order a crash lost, with why, among those the shop never
    /// learned.
    pub(crate) fn losses(
        &self,
        current: &Platform,
        book: &OrderBook,
    ) -> HashMap<OrderId, CrashLoss> {
        let Some(plan) = &self.life.plan else {
            return HashMap::new();
        };
        let lives = self.life.lock();
        let attempted: HashSet<PaymentId> = lives
            .dead
            .iter()
            .flat_map(|d| d.platform.delivery_attempts())
            .chain(current.delivery_attempts())
            .map(|a| a.payment_id)
            .collect();
        let mut lost = HashMap::new();
        for entry in book.entries() {
            if entry.known_at.is_some() {
                continue;
            }
            let id = &entry.order_id;
            let loss = if lives.acked_unrecorded.contains(id) {
                Some(CrashLoss::AckBeforeCommit)
            } else if plan.durability.store == StoreKind::Memory {
                // Created before a crash: the platform forgot it.
                lives
                    .dead
                    .iter()
                    .any(|d| entry.answered.is_some_and(|a| a <= d.at))
                    .then_some(CrashLoss::PlatformMemory)
            } else if plan.durability.outbox == OutboxKind::DualWrite {
                // Settled by a platform that died, and never sent.
                let sent = entry
                    .payment_id
                    .as_ref()
                    .is_some_and(|p| attempted.contains(p));
                (!sent && lives.dead.iter().any(|d| d.settled.contains(id)))
                    .then_some(CrashLoss::DualWrite)
            } else {
                None
            };
            if let Some(loss) = loss {
                lost.insert(id.clone(), loss);
            }
        }
        lost
    }

    /// The strategy's crash report, from its losses.
    pub(crate) fn report(
        &self,
        lost: &HashMap<OrderId, CrashLoss>,
        receivers: &[Arc<Receiver>],
    ) -> Option<CrashReport> {
        let plan = self.life.plan.as_ref()?;
        let lives = self.life.lock();
        let mut by_reason = std::collections::BTreeMap::new();
        for loss in lost.values() {
            *by_reason.entry(*loss).or_insert(0) += 1;
        }
        let duplicates = lives
            .dedup_at_first_crash
            .map_or(0, |at| dedup_count(receivers).saturating_sub(at));
        Some(CrashReport {
            durability: plan.durability,
            platform_crashes: lives.dead.len() as u32,
            shop_crashes: self.life.shop_crashes.load(Ordering::Relaxed) as u32,
            lost: by_reason,
            pending_at_crash: lives.pending_at_crash,
            deliveries_resumed: lives.deliveries_resumed,
            settlements_resumed: lives.settlements_resumed,
            duplicates_after_restart: duplicates,
            requests_refused_while_down: self.life.refused.load(Ordering::Relaxed),
            settled_before_crash: lives.settled_before_crash,
        })
    }
}

fn add(a: ServedSnapshot, b: ServedSnapshot) -> ServedSnapshot {
    ServedSnapshot {
        payment_creates: a.payment_creates + b.payment_creates,
        polls: a.polls + b.polls,
        polls_pending: a.polls_pending + b.polls_pending,
        endpoint_registrations: a.endpoint_registrations + b.endpoint_registrations,
        rejected: a.rejected + b.rejected,
        unauthorized: a.unauthorized + b.unauthorized,
        rate_limited: a.rate_limited + b.rate_limited,
        event_lists: a.event_lists + b.event_lists,
        webhook_attempts: a.webhook_attempts + b.webhook_attempts,
        not_modified: a.not_modified + b.not_modified,
        long_polls: a.long_polls + b.long_polls,
        long_poll_timeouts: a.long_poll_timeouts + b.long_poll_timeouts,
        streams_opened: a.streams_opened + b.streams_opened,
        events_streamed: a.events_streamed + b.events_streamed,
    }
}

#[cfg(test)]
mod tests {
    use super::super::PlatformLife;
    use crate::network::Network;
    use crate::virtual_net::VirtualNet;
    use hooklab_core::ids::OrderId;
    use hooklab_core::rng::SeededRng;
    use hooklab_core::scenario::Scenario;
    use hooklab_core::wire::CreatePayment;
    use hooklab_platform::{Merchant, PlatformConfig};
    use hooklab_shop::client::PlatformClient;
    use hooklab_shop::orders::OrderBook;

    /// A platform that crashed and is still down when the run ends is the
    /// current platform and the last dead one: what it served counts once,
    /// or the summary's counts disagree (`counts_agree`).
    #[tokio::test(start_paused = true)]
    async fn a_platform_dead_at_the_end_counts_what_it_served_once() {
        let scenario = Scenario::parse(
            "name = \"x\"\nseed = 1\nclock = \"virtual\"\n[workload]\norders = 1\n\
             arrival = { dist = \"fixed\", every_ms = 5 }\n\
             settle = { dist = \"fixed\", ms = 100 }\n\
             [faults]\nplatform_crash = [{ at_ms = \"1s\", down_ms = \"1h\" }]\n\
             [[strategy]]\nname = \"p\"\nkind = \"poll\"\ninterval_ms = 10\n",
            "x.toml",
        )
        .unwrap();
        let spec = &scenario.strategies[0];
        let net = VirtualNet::new();
        let clock = net.clock(0);
        let (_trigger, shutdown) = hooklab_core::shutdown::channel();
        let merchant = Merchant::generate(1, &mut SeededRng::stream(1, "merchants"));
        let config = PlatformConfig {
            merchants: vec![merchant.clone()],
            ..PlatformConfig::default()
        };
        let http = net.client();
        let (life, url, _tasks) =
            PlatformLife::serve(&net, &scenario, spec, clock, config, http.clone(), shutdown)
                .await
                .unwrap();
        let client =
            PlatformClient::new(life.shop_link(http), &url, clock).with_api_key(&merchant.api_key);
        let order = CreatePayment {
            order_id: OrderId::numbered(1),
            amount_cents: 100,
            currency: "BRL".to_owned(),
            simulate: None,
        };
        client.create_payment(&order, "k1").await.unwrap();
        assert_eq!(
            life.log().unwrap().served(&life.current()).payment_creates,
            1
        );

        // It dies, and the run ends before it is back.
        life.crash_platform(clock.now(), &[], &OrderBook::new());
        let served = life.log().unwrap().served(&life.current());
        assert_eq!(served.payment_creates, 1, "{served:?}");
    }
}

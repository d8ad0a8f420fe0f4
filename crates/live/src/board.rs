//! The board: what the page shows, kept on the server and sent as frames.
//!
//! A large run makes thousands of events a second; a browser on a classroom
//! projector should not have to take each one. So the server folds events into
//! this board as they happen, and every tick (a fifth of a second) cuts one
//! [`Board::frame`]: the counters, the request-rate buckets that changed and
//! the orders whose life changed since the previous frame. A page that
//! connects late first gets the whole board ([`Board::snapshot`]).
//!
//! Frames carry absolute values, never increments: a frame the page applies
//! twice, or after a newer snapshot, does no harm. Their sequence number lets
//! the page drop frames older than its snapshot all the same.

use hooklab_core::events::{Happening, RunEvent};
use hooklab_core::ids::OrderId;
use hooklab_core::report::StrategyReport;
use serde::Serialize;

/// Width of a request-rate bucket in a live run, ms. Replays use the width
/// their timeline was saved with.
pub const LIVE_BUCKET_MS: f64 = 100.0;

/// The request counters of one strategy, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Orders whose outcome the shop learned.
    pub known: u64,
    /// Polls answered (payment polls and event-log pages).
    pub polls: u64,
    /// Of those, the ones that found nothing new.
    pub wasted: u64,
    /// Webhook delivery attempts.
    pub deliveries: u64,
    /// Of those, retries (attempt 2 and later).
    pub retries: u64,
    /// Of those, failed attempts.
    pub failed: u64,
    /// Deliveries the shop's receiver refused.
    pub rejected: u64,
    /// 429 answers.
    pub rate_limited: u64,
    /// Notices of an order the shop already knew.
    pub duplicates: u64,
    /// Notices of a final outcome other than the one the shop knew (the
    /// summary's `conflicts`).
    pub conflicts: u64,
    /// Orders never learned (known only at the end).
    pub missed: u64,
}

impl Counters {
    /// The counters a finished strategy reported: at the end the page shows
    /// exactly the summary's numbers.
    pub fn from_report(r: &StrategyReport) -> Self {
        Counters {
            known: r.notified,
            polls: r.requests.all_polls(),
            wasted: r.requests.all_polls_wasted(),
            deliveries: r.requests.webhook_attempts,
            retries: r.requests.webhook_retries,
            failed: r.requests.webhook_failures,
            rejected: r.rejected.values().sum(),
            rate_limited: r.requests.rate_limited,
            duplicates: r.duplicates,
            conflicts: r.conflicts,
            missed: r.missed,
        }
    }
}

/// One order's life, ms on the strategy's clock; -1 where it has not happened.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OrderLife {
    /// When the shop placed it.
    pub placed_ms: f64,
    /// When the platform settled its payment.
    pub settled_ms: f64,
    /// When the shop learned the outcome.
    pub known_ms: f64,
    /// How: `p` poll, `w` webhook, `c` at creation, `-` not (yet).
    pub via: char,
}

impl Default for OrderLife {
    fn default() -> Self {
        OrderLife {
            placed_ms: -1.0,
            settled_ms: -1.0,
            known_ms: -1.0,
            via: '-',
        }
    }
}

/// An order as a frame sends it: `[index, placed, settled, known, via]`,
/// an array rather than an object to keep large frames small.
#[derive(Serialize)]
struct Cell(usize, f64, f64, f64, char);

/// One strategy's lane.
#[derive(Clone, Debug)]
pub struct Lane {
    /// The strategy's name.
    pub name: String,
    /// Its kind (`poll`, `webhook`, ...).
    pub kind: String,
    /// Its counters.
    pub counters: Counters,
    /// Width of a rate bucket, ms.
    pub bucket_ms: f64,
    /// Notification requests (polls, deliveries, 429s) per bucket.
    pub rate: Vec<u32>,
    /// Every order, in number order; in a replay of a sampled timeline,
    /// the sampled orders ([`hooklab_core::report::Timeline::order_stride`]).
    pub orders: Vec<OrderLife>,
    /// How many orders the strategy had: `orders.len()`, or more when the
    /// lane shows a sample of them.
    pub of_orders: u64,
    /// The sample's stride: `orders[k]` is order number `k·stride + 1`
    /// (1 when the lane shows every order).
    pub order_stride: u64,
    /// Whether the strategy's run is over.
    pub finished: bool,
    /// Orders changed since the last frame (each once, see `order_dirty`).
    dirty: Vec<usize>,
    order_dirty: Vec<bool>,
    /// The first rate bucket changed since the last frame.
    rate_dirty_from: Option<usize>,
}

impl Lane {
    /// A lane for `orders` orders, none placed yet.
    pub fn new(name: &str, kind: &str, orders: usize, bucket_ms: f64) -> Self {
        Lane {
            name: name.to_owned(),
            kind: kind.to_owned(),
            counters: Counters::default(),
            bucket_ms,
            rate: Vec::new(),
            orders: vec![OrderLife::default(); orders],
            of_orders: orders as u64,
            order_stride: 1,
            finished: false,
            dirty: Vec::new(),
            order_dirty: vec![false; orders],
            rate_dirty_from: None,
        }
    }

    /// Replaces order `k`'s life, remembering it changed.
    pub fn set_order(&mut self, k: usize, life: OrderLife) {
        let Some(slot) = self.orders.get_mut(k) else {
            return;
        };
        if *slot == life {
            return;
        }
        *slot = life;
        if !self.order_dirty[k] {
            self.order_dirty[k] = true;
            self.dirty.push(k);
        }
    }

    /// Adds `n` requests to rate bucket `b`.
    pub fn add_rate(&mut self, b: usize, n: u32) {
        if n == 0 {
            return;
        }
        // New buckets in between (quiet ones, still 0) are news too.
        let from = b.min(self.rate.len());
        if self.rate.len() <= b {
            self.rate.resize(b + 1, 0);
        }
        self.rate[b] += n;
        self.rate_dirty_from = Some(self.rate_dirty_from.map_or(from, |d| d.min(from)));
    }

    /// Folds one event of a live run into the lane.
    fn apply(&mut self, event: &RunEvent) {
        let at_ms = event.at.0 as f64 / 1_000.0;
        let bucket = (at_ms / self.bucket_ms).max(0.0) as usize;
        let c = &mut self.counters;
        let life_of = |lane: &mut Lane, order: &OrderId, change: &dyn Fn(&mut OrderLife)| {
            if let Some(k) = order_index(order) {
                let mut life = lane.orders.get(k).copied().unwrap_or_default();
                change(&mut life);
                lane.set_order(k, life);
            }
        };
        match &event.what {
            Happening::Poll { pending, .. } => {
                c.polls += 1;
                c.wasted += u64::from(*pending);
                self.add_rate(bucket, 1);
            }
            Happening::EventPoll { found } => {
                c.polls += 1;
                c.wasted += u64::from(*found == 0);
                self.add_rate(bucket, 1);
            }
            Happening::Delivery { attempt, ok, .. } => {
                c.deliveries += 1;
                c.retries += u64::from(*attempt > 1);
                c.failed += u64::from(!*ok);
                self.add_rate(bucket, 1);
            }
            Happening::RateLimited => {
                c.rate_limited += 1;
                self.add_rate(bucket, 1);
            }
            Happening::Rejected { .. } => c.rejected += 1,
            Happening::Duplicate { .. } => c.duplicates += 1,
            Happening::Conflict { .. } => c.conflicts += 1,
            Happening::EndpointRegistered { .. }
            | Happening::EndpointDisabled { .. }
            | Happening::UnknownOrder { .. } => {}
            Happening::OrderPlaced { order } => {
                life_of(self, order, &|l| l.placed_ms = at_ms);
            }
            Happening::Settled { order, .. } => {
                life_of(self, order, &|l| l.settled_ms = at_ms);
            }
            Happening::Known { order, via, .. } => {
                c.known += 1;
                let letter = match via.as_str() {
                    "webhook" => 'w',
                    "creation" => 'c',
                    "stream" => 's',
                    _ => 'p',
                };
                life_of(self, order, &|l| {
                    l.known_ms = at_ms;
                    l.via = letter;
                });
            }
        }
    }

    fn cells(&self, all: bool) -> Vec<Cell> {
        let cell = |k: usize| {
            let l = self.orders[k];
            Cell(k, l.placed_ms, l.settled_ms, l.known_ms, l.via)
        };
        if all {
            (0..self.orders.len())
                .filter(|k| self.orders[*k].placed_ms >= 0.0)
                .map(cell)
                .collect()
        } else {
            self.dirty.iter().map(|k| cell(*k)).collect()
        }
    }

    /// Back to no order placed and no request made (a replay seeking
    /// backwards starts over).
    fn clear(&mut self) {
        let (of_orders, order_stride) = (self.of_orders, self.order_stride);
        *self = Lane::new(&self.name, &self.kind, self.orders.len(), self.bucket_ms);
        (self.of_orders, self.order_stride) = (of_orders, order_stride);
    }

    fn clear_dirty(&mut self) {
        for k in self.dirty.drain(..) {
            self.order_dirty[k] = false;
        }
        self.rate_dirty_from = None;
    }
}

/// The position of an order in its lane (`ord_000042` is 41).
pub fn order_index(order: &OrderId) -> Option<usize> {
    let n: usize = order.as_str().strip_prefix(OrderId::PREFIX)?.parse().ok()?;
    n.checked_sub(1)
}

/// What the page is watching.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A run happening now.
    Live,
    /// A finished run, played back from its summary.
    Replay,
}

/// Whether the run is still going.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Nobody is watching yet, so nothing has started.
    Waiting,
    /// Orders are flowing.
    Running,
    /// Every strategy is done; the final table is in.
    Finished,
}

/// Everything the page shows.
#[derive(Clone, Debug)]
pub struct Board {
    /// Live or replay.
    pub mode: Mode,
    /// Where the run is.
    pub phase: Phase,
    /// Time on the run's clock, ms.
    pub now_ms: f64,
    /// Where a replay ends, ms (0 for a live run: unknown).
    pub end_ms: f64,
    /// Whether a replay is paused.
    pub paused: bool,
    /// A replay's speed (run-clock ms per real ms).
    pub speed: f64,
    /// One lane per strategy.
    pub lanes: Vec<Lane>,
    /// The final comparison table, as the CLI prints it.
    pub table: Option<String>,
    /// Frames cut so far.
    seq: u64,
    /// Whether anything but lanes changed since the last frame.
    touched: bool,
    /// Whether the next frame must be the whole board (after a rewind: a
    /// frame of changes cannot make the page forget what it was shown).
    whole: bool,
}

#[derive(Serialize)]
struct Frame<'a> {
    seq: u64,
    full: bool,
    mode: Mode,
    phase: Phase,
    t_ms: f64,
    end_ms: f64,
    paused: bool,
    speed: f64,
    lanes: Vec<LaneFrame<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    table: Option<&'a str>,
}

#[derive(Serialize)]
struct LaneFrame<'a> {
    name: &'a str,
    kind: &'a str,
    orders: usize,
    /// How many orders the strategy had, when `orders` is a sample of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    sampled_from: Option<u64>,
    /// The sample's stride, when `orders` is a sample: cell `k` is order
    /// number `k·stride + 1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    order_stride: Option<u64>,
    finished: bool,
    counters: Counters,
    bucket_ms: f64,
    /// `rate` starts at this bucket.
    rate_from: usize,
    rate: &'a [u32],
    cells: Vec<Cell>,
}

impl Board {
    /// A board with these lanes, waiting for its first viewer.
    pub fn new(mode: Mode, lanes: Vec<Lane>) -> Self {
        Board {
            mode,
            phase: Phase::Waiting,
            now_ms: 0.0,
            end_ms: 0.0,
            paused: false,
            speed: 1.0,
            lanes,
            table: None,
            seq: 0,
            touched: true,
            whole: false,
        }
    }

    /// Folds an event of strategy `index`'s live run.
    pub fn apply(&mut self, index: usize, event: &RunEvent) {
        if let Some(lane) = self.lanes.get_mut(index) {
            lane.apply(event);
        }
    }

    /// Strategy `index` is done: its counters become the report's.
    pub fn finish_lane(&mut self, index: usize, report: &StrategyReport) {
        if let Some(lane) = self.lanes.get_mut(index) {
            lane.counters = Counters::from_report(report);
            lane.finished = true;
            self.touched = true;
        }
    }

    /// The whole run is done: show the final table.
    pub fn finish(&mut self, table: String) {
        self.phase = Phase::Finished;
        self.table = Some(table);
        for lane in &mut self.lanes {
            lane.finished = true;
        }
        self.touched = true;
    }

    /// Back to the start of the run, for a replay seeking backwards: every
    /// lane empty, the clock at 0, no final table, a finished run running
    /// again, and the next frame the whole board.
    pub fn rewind(&mut self) {
        for lane in &mut self.lanes {
            lane.clear();
        }
        self.now_ms = 0.0;
        self.table = None;
        if self.phase == Phase::Finished {
            self.phase = Phase::Running;
        }
        self.whole = true;
        self.touched = true;
    }

    /// Marks a change the lanes do not show (a control, a phase).
    pub fn touch(&mut self) {
        self.touched = true;
    }

    /// Whether a frame now would say anything new.
    pub fn changed(&self) -> bool {
        self.touched
            || self.phase == Phase::Running
            || self
                .lanes
                .iter()
                .any(|l| !l.dirty.is_empty() || l.rate_dirty_from.is_some())
    }

    /// The changes since the previous frame, as JSON (the whole board after
    /// a [`Board::rewind`]).
    pub fn frame(&mut self) -> Result<String, serde_json::Error> {
        self.seq += 1;
        let whole = std::mem::take(&mut self.whole);
        let json = self.encode(whole);
        for lane in &mut self.lanes {
            lane.clear_dirty();
        }
        self.touched = false;
        json
    }

    /// How many frames were cut so far (the last one's `seq`).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The whole board, as JSON, for a page that just connected.
    pub fn snapshot(&self) -> Result<String, serde_json::Error> {
        self.encode(true)
    }

    fn encode(&self, full: bool) -> Result<String, serde_json::Error> {
        let lanes = self
            .lanes
            .iter()
            .map(|l| {
                let rate_from = if full {
                    0
                } else {
                    l.rate_dirty_from.unwrap_or(l.rate.len())
                };
                LaneFrame {
                    name: &l.name,
                    kind: &l.kind,
                    orders: l.orders.len(),
                    sampled_from: (l.order_stride > 1).then_some(l.of_orders),
                    order_stride: (l.order_stride > 1).then_some(l.order_stride),
                    finished: l.finished,
                    counters: l.counters,
                    bucket_ms: l.bucket_ms,
                    rate_from,
                    rate: &l.rate[rate_from.min(l.rate.len())..],
                    cells: l.cells(full),
                }
            })
            .collect();
        serde_json::to_string(&Frame {
            seq: self.seq,
            full,
            mode: self.mode,
            phase: self.phase,
            t_ms: self.now_ms,
            end_ms: self.end_ms,
            paused: self.paused,
            speed: self.speed,
            lanes,
            table: self.table.as_deref(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use hooklab_core::clock::Micros;

    fn event(ms: u64, what: Happening) -> RunEvent {
        RunEvent {
            at: Micros(ms * 1_000),
            what,
        }
    }

    fn json(s: Result<String, serde_json::Error>) -> serde_json::Value {
        serde_json::from_str(&s.unwrap()).unwrap()
    }

    #[test]
    fn a_frame_carries_only_what_changed_and_a_snapshot_everything() {
        let mut board = Board::new(Mode::Live, vec![Lane::new("poll", "poll", 3, 100.0)]);
        let o2 = OrderId::numbered(2);
        board.apply(0, &event(5, Happening::OrderPlaced { order: o2.clone() }));
        board.apply(
            0,
            &event(
                250,
                Happening::Poll {
                    order: o2.clone(),
                    pending: true,
                    reconcile: false,
                },
            ),
        );
        let first = json(board.frame());
        assert_eq!(first["seq"], 1);
        assert_eq!(
            first["lanes"][0]["cells"],
            serde_json::json!([[1, 5.0, -1.0, -1.0, "-"]])
        );
        assert_eq!(first["lanes"][0]["rate_from"], 0);
        assert_eq!(first["lanes"][0]["rate"], serde_json::json!([0, 0, 1]));
        assert_eq!(first["lanes"][0]["counters"]["wasted"], 1);

        board.apply(
            0,
            &event(
                260,
                Happening::Known {
                    order: o2,
                    via: "poll".into(),
                    status: "approved".into(),
                },
            ),
        );
        let second = json(board.frame());
        // Only order 2 again, now known; no rate bucket changed.
        assert_eq!(
            second["lanes"][0]["cells"],
            serde_json::json!([[1, 5.0, -1.0, 260.0, "p"]])
        );
        assert_eq!(second["lanes"][0]["rate"], serde_json::json!([]));
        let nothing_new = json(board.frame());
        assert_eq!(nothing_new["lanes"][0]["cells"], serde_json::json!([]));

        let snapshot = json(board.snapshot());
        assert_eq!(snapshot["full"], true);
        assert_eq!(snapshot["lanes"][0]["cells"].as_array().unwrap().len(), 1);
        assert_eq!(snapshot["lanes"][0]["rate"], serde_json::json!([0, 0, 1]));
        assert_eq!(snapshot["lanes"][0]["counters"]["known"], 1);
    }

    /// A conflicting notice is counted on its own, as the summary counts
    /// it, not as a duplicate.
    #[test]
    fn a_conflicting_notice_is_counted_apart_from_the_duplicates() {
        let mut board = Board::new(Mode::Live, vec![Lane::new("webhook", "webhook", 1, 100.0)]);
        let o1 = OrderId::numbered(1);
        board.apply(0, &event(1, Happening::Duplicate { order: o1.clone() }));
        board.apply(
            0,
            &event(
                2,
                Happening::Conflict {
                    order: o1,
                    known: "approved".into(),
                    told: "declined".into(),
                },
            ),
        );
        let frame = json(board.frame());
        let counters = &frame["lanes"][0]["counters"];
        assert_eq!(
            (&counters["duplicates"], &counters["conflicts"]),
            (&1.into(), &1.into())
        );
    }

    #[test]
    fn orders_are_indexed_from_their_number() {
        assert_eq!(order_index(&OrderId::numbered(1)), Some(0));
        assert_eq!(order_index(&OrderId::numbered(42)), Some(41));
    }
}

//! The server's shared state: the board, the replay driving it, and the
//! channel frames go out on.
//!
//! Three kinds of task touch it: the harness's progress listener (folding
//! events in, from the run's own thread), the ticker (cutting a frame every
//! [`TICK`]), and the HTTP handlers (a snapshot for each new page, the
//! controls). They share one `std::sync::Mutex`, not a tokio one, as
//! mini-redis explains for its database: every critical section is a few
//! field updates or one JSON encoding, never an `.await`, so a blocking lock
//! is cheaper and cannot be held across a suspension point by mistake.

use crate::board::{Board, LIVE_BUCKET_MS, Lane, Mode, Phase};
use crate::replay::Replay;
use axum::body::Bytes;
use hooklab_core::lang::Lang;
use hooklab_core::report::Summary;
use hooklab_core::scenario::Scenario;
use hooklab_report::render;
use serde::Serialize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// How often the page gets a frame: often enough to look live, rarely
/// enough that a large run does not flood a browser.
pub const TICK: Duration = Duration::from_millis(200);

/// How many pages may hold the event stream at once. A class is tens of
/// pages; a thousand connections that never read made every page slow (each
/// page that connects, and each that falls behind, is sent the whole
/// board), so [`LiveState::watch`] refuses more until one closes.
pub const MAX_VIEWERS: usize = 256;

/// How many frames the channel keeps for pages that have not taken them
/// yet (3.2 s of ticks). A page further behind is sent the whole board
/// instead (one encoding shared by every page behind), and the frames it
/// missed are dropped: a page needs the newest board, not its history.
/// The channel's memory is this many frames, whatever the number of pages.
pub const FRAME_BACKLOG: usize = 16;

/// One message of the event stream, encoded once for every page: the
/// Server-Sent Event `data: {json}\n\n` and the board's frame number.
///
/// Cloning it is a reference count, and so is handing its bytes to a
/// connection ([`Frame::event`]): a page that stops reading holds
/// references to frames every page shares, never a copy of its own (each
/// page's copy of each 34 KB board, queued in its connection, cost a
/// stalled page 1.7 MB).
#[derive(Clone, Debug)]
pub struct Frame {
    seq: u64,
    event: Bytes,
}

impl Frame {
    /// The event for `json`, the board's JSON after frame `seq`.
    /// serde_json's compact output has no line break (one inside a string
    /// is written `\n`), so the event needs one `data:` line.
    fn new(seq: u64, json: &str) -> Self {
        debug_assert!(!json.contains('\n'));
        let mut event = Vec::with_capacity(json.len() + 8);
        event.extend_from_slice(b"data: ");
        event.extend_from_slice(json.as_bytes());
        event.extend_from_slice(b"\n\n");
        Frame {
            seq,
            event: Bytes::from(event),
        }
    }

    /// The number of the last frame the board had cut: a page that has this
    /// whole board needs no frame up to it.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The bytes the connection writes (shared, not copied).
    pub fn event(&self) -> Bytes {
        self.event.clone()
    }

    /// The JSON the event carries.
    pub fn json(&self) -> &str {
        let data = self
            .event
            .get(b"data: ".len()..self.event.len().saturating_sub(2))
            .unwrap_or_default();
        std::str::from_utf8(data).unwrap_or_default()
    }
}

/// What the handlers and the ticker share. Cheap to clone.
#[derive(Clone)]
pub struct LiveState {
    inner: Arc<Inner>,
}

struct Inner {
    /// The board and the replay; guarded together because a replay tick
    /// writes the board. Held only for short, synchronous updates.
    stage: Mutex<Stage>,
    /// Frames for every connected page (the last [`FRAME_BACKLOG`] kept).
    frames: broadcast::Sender<Frame>,
    /// Pages connected so far (a live run waits for the first).
    viewers: watch::Sender<u64>,
    /// Turns true at shutdown: event streams end so the server can stop.
    closing: watch::Sender<bool>,
    /// Event streams open now (at most [`MAX_VIEWERS`]).
    watching: AtomicUsize,
    /// The language of the page's labels and of the final table.
    lang: Lang,
}

/// Where a replay's controls stand, as `POST /control` answers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Controls {
    /// Whether the replay is paused.
    pub paused: bool,
    /// Its speed (run-clock ms per real ms).
    pub speed: f64,
    /// Its clock, ms on the run's clock.
    pub t_ms: f64,
}

struct Stage {
    board: Board,
    replay: Option<Replay>,
    /// `summary.json`, once the run is over.
    summary: Option<Arc<str>>,
    /// The whole board as it was encoded for a page, and the number of the
    /// last frame cut then. Any page that subscribes before the next frame
    /// may start from it: that frame carries every change since the
    /// previous one, so whatever the board took in after the encoding
    /// reaches the page anyway. Pages connecting or falling behind together
    /// then cost one encoding, not one each.
    for_pages: Option<Frame>,
}

impl LiveState {
    fn with(stage: Stage, lang: Lang) -> Self {
        LiveState {
            inner: Arc::new(Inner {
                stage: Mutex::new(stage),
                frames: broadcast::channel(FRAME_BACKLOG).0,
                viewers: watch::channel(0).0,
                closing: watch::channel(false).0,
                watching: AtomicUsize::new(0),
                lang,
            }),
        }
    }

    /// The state of a live run of `scenario` (not started yet: see
    /// [`crate::feed::start_run`]).
    pub fn live(scenario: &Scenario, lang: Lang) -> Self {
        let orders = scenario.workload.orders as usize;
        let lanes = scenario
            .strategies
            .iter()
            .map(|s| Lane::new(s.name(), &s.kind().to_string(), orders, LIVE_BUCKET_MS))
            .collect();
        let stage = Stage {
            board: Board::new(Mode::Live, lanes),
            replay: None,
            summary: None,
            for_pages: None,
        };
        LiveState::with(stage, lang)
    }

    /// The state of a replay of `summary` at `speed`; it starts when the
    /// first page connects.
    pub fn replay(summary: Summary, speed: f64, lang: Lang) -> Self {
        let json: Arc<str> = render::json(&summary).into();
        let (replay, board) = Replay::new(summary, speed, lang);
        let stage = Stage {
            board,
            replay: Some(replay),
            summary: Some(json),
            for_pages: None,
        };
        LiveState::with(stage, lang)
    }

    /// The language of the page.
    pub fn lang(&self) -> Lang {
        self.inner.lang
    }

    /// Runs `f` on the board (a short, synchronous update).
    pub fn with_board<T>(&self, f: impl FnOnce(&mut Board) -> T) -> T {
        f(&mut self.stage().board)
    }

    fn stage(&self) -> MutexGuard<'_, Stage> {
        // A panic elsewhere while holding the lock leaves a board that is
        // still worth showing: take it rather than propagate the poison.
        self.inner.stage.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The run starts: the clock on the page starts moving.
    pub fn start(&self) {
        let mut stage = self.stage();
        if stage.board.phase == Phase::Waiting {
            stage.board.phase = Phase::Running;
            stage.board.touch();
        }
    }

    /// The live run is over: its summary can be downloaded, and the page
    /// shows the final table.
    pub fn finish(&self, summary: &Summary) {
        let table = render::table(summary, self.inner.lang);
        let json: Arc<str> = render::json(summary).into();
        let mut stage = self.stage();
        for (i, s) in summary.strategies.iter().enumerate() {
            stage.board.finish_lane(i, s);
        }
        stage.board.finish(table);
        stage.summary = Some(json);
    }

    /// The run's `summary.json`: a replay's at once, a live run's once over.
    pub fn summary_json(&self) -> Option<Arc<str>> {
        self.stage().summary.clone()
    }

    /// Pauses or resumes a replay, changes its speed, or moves its clock to
    /// an instant of the run ([`Replay::seek`]); any of the three may be
    /// left out. `None` if this is not a replay.
    pub fn control(
        &self,
        paused: Option<bool>,
        speed: Option<f64>,
        at_ms: Option<f64>,
    ) -> Option<Controls> {
        let mut stage = self.stage();
        let Stage { board, replay, .. } = &mut *stage;
        let replay = replay.as_mut()?;
        if let Some(p) = paused {
            board.paused = p;
        }
        if let Some(s) = speed {
            board.speed = s;
        }
        if let Some(at) = at_ms {
            replay.seek(at, board);
        }
        board.touch();
        Some(Controls {
            paused: board.paused,
            speed: board.speed,
            t_ms: board.now_ms,
        })
    }

    /// Moves time on by `real_ms` and sends a frame if anything changed.
    pub fn tick(&self, real_ms: f64) {
        let frame = {
            let mut stage = self.stage();
            let Stage { board, replay, .. } = &mut *stage;
            match replay {
                Some(replay) => replay.advance(real_ms, board),
                None if board.phase == Phase::Running => board.now_ms += real_ms,
                None => {}
            }
            if !board.changed() {
                return;
            }
            // Encoded under the lock, so that frames go out in order.
            board.frame().map(|json| Frame::new(board.seq(), &json))
        };
        if let Ok(frame) = frame {
            // No page connected is not an error: the frame is simply unseen.
            let _ = self.inner.frames.send(frame);
        }
    }

    /// A new page: the frames to come, and the whole board now. Subscribing
    /// first means no frame falls between the snapshot and the stream.
    pub fn subscribe(&self) -> (broadcast::Receiver<Frame>, Option<String>) {
        let frames = self.inner.frames.subscribe();
        let snapshot = self.snapshot();
        self.joined();
        (frames, snapshot)
    }

    /// The whole board, as JSON.
    pub fn snapshot(&self) -> Option<String> {
        self.stage().board.snapshot().ok()
    }

    /// The whole board for a page that connects or fell behind: encoded
    /// once per frame cut (see `Stage::for_pages`), shared by every page
    /// asking before the next.
    pub fn page_snapshot(&self) -> Option<Frame> {
        let mut stage = self.stage();
        let seq = stage.board.seq();
        if let Some(frame) = &stage.for_pages
            && frame.seq == seq
        {
            return Some(frame.clone());
        }
        let frame = Frame::new(seq, &stage.board.snapshot().ok()?);
        stage.for_pages = Some(frame.clone());
        Some(frame)
    }

    /// A new page's event stream: its slot among the [`MAX_VIEWERS`], the
    /// frames to come and the whole board now (subscribed first, as
    /// [`LiveState::subscribe`]). `None` while `MAX_VIEWERS` pages watch.
    pub fn watch(&self) -> Option<Watch> {
        let taken = self
            .inner
            .watching
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_VIEWERS).then_some(n + 1)
            });
        if taken.is_err() {
            return None;
        }
        let slot = Slot(self.inner.clone());
        let frames = self.inner.frames.subscribe();
        let snapshot = self.page_snapshot();
        self.joined();
        Some(Watch {
            frames,
            snapshot,
            _slot: slot,
        })
    }

    /// Counts a page in; a replay starts playing for its first.
    fn joined(&self) {
        self.inner.viewers.send_modify(|n| *n += 1);
        if self.stage().replay.is_some() {
            self.start();
        }
    }

    /// Waits until a page has connected (a live run starts then, so the
    /// class does not miss its beginning).
    pub async fn first_viewer(&self) {
        let mut viewers = self.inner.viewers.subscribe();
        // The sender lives as long as `self`: this cannot fail while we wait.
        let _ = viewers.wait_for(|n| *n > 0).await;
    }

    /// Ends every event stream (at shutdown).
    pub fn close(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Resolves once [`LiveState::close`] was called.
    pub async fn closed(&self) {
        let mut closing = self.inner.closing.subscribe();
        let _ = closing.wait_for(|c| *c).await;
    }
}

/// A page's event stream, from [`LiveState::watch`].
pub struct Watch {
    /// The frames to come.
    pub frames: broadcast::Receiver<Frame>,
    /// The whole board when the page connected.
    pub snapshot: Option<Frame>,
    _slot: Slot,
}

/// One of the [`MAX_VIEWERS`] event streams, given back when the page's
/// stream is dropped (the page closed, or the server stopped).
struct Slot(Arc<Inner>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.watching.fetch_sub(1, Ordering::AcqRel);
    }
}

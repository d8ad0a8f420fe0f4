//! A page that stops reading its event stream while the replay is sought.
//!
//! A tester's finding: each `/events` client that stopped reading while
//! the class sought the replay cost the server about 1.7 MB (256 of them,
//! 447 MB), each holding its own copy of every board its connection had
//! queued. Now a page is sent the frames every page shares (the same
//! bytes, not a copy each), its connection holds at most
//! [`QUEUED_PER_PAGE`] of them, and one that falls behind is sent the
//! newest whole board, never the frames it missed.
//!
//! A message the test holds is one the connection has not written out: hyper
//! drops each message's bytes once the socket has taken them.

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use futures_util::FutureExt as _;
use hooklab_core::lang::Lang;
use hooklab_live::server::QUEUED_PER_PAGE;
use hooklab_live::state::FRAME_BACKLOG;
use hooklab_live::{LiveState, load_summary, router};
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

/// A replay of the committed checkout run, and where it ends.
fn replay() -> (LiveState, f64) {
    let summary = load_summary(&crate::results("checkout")).unwrap();
    let state = LiveState::replay(summary, 1.0, Lang::En);
    let end = state.with_board(|b| b.end_ms);
    assert!(end > 0.0);
    (state, end)
}

/// The event stream of one more page (its body, not read yet).
async fn open(state: &LiveState) -> Body {
    let req = Request::get("/events").body(Body::empty()).unwrap();
    let res = router(state.clone()).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.into_body()
}

/// The stream's next message, if one is ready now (`None`: it would wait).
fn ready(body: &mut Body) -> Option<Bytes> {
    let frame = body.frame().now_or_never()?;
    Some(frame.unwrap().unwrap().into_data().unwrap())
}

/// The JSON a message carries.
fn json(event: &Bytes) -> Value {
    let text = std::str::from_utf8(event).unwrap();
    let data = text.strip_prefix("data: ").unwrap().strip_suffix("\n\n");
    serde_json::from_str(data.unwrap()).unwrap()
}

/// What the seeking class does: back to the start, a frame, to the end, a
/// frame. Each frame is the whole board (a seek back starts it over).
fn seek_back_and_forth(state: &LiveState, end: f64, rounds: usize) {
    for _ in 0..rounds {
        state.control(None, None, Some(0.0)).unwrap();
        state.tick(0.0);
        state.control(None, None, Some(end)).unwrap();
        state.tick(0.0);
    }
}

#[tokio::test]
async fn a_page_that_stopped_reading_gets_the_newest_board_not_what_it_missed() {
    let (state, end) = replay();
    let mut page = open(&state).await;
    let first = ready(&mut page).expect("the whole board, at once");
    assert_eq!(json(&first)["full"], true);
    drop(first);
    // Ten times the frames the channel keeps, none of them read.
    seek_back_and_forth(&state, end, FRAME_BACKLOG * 5);
    let cut = state.with_board(|b| b.seq());
    assert_eq!(cut as usize, FRAME_BACKLOG * 10);
    // The page reads again: one message, the board as it is now...
    let next = ready(&mut page).expect("the newest board, at once");
    let mut newest = json(&next);
    assert_eq!(newest["full"], true);
    assert_eq!(newest["seq"], cut);
    assert_eq!(newest["phase"], "finished");
    let mut now: Value = serde_json::from_str(&state.snapshot().unwrap()).unwrap();
    newest.as_object_mut().unwrap().remove("seq");
    now.as_object_mut().unwrap().remove("seq");
    assert_eq!(newest, now);
    drop(next);
    // ...and none of the older frames the channel still keeps after it.
    assert!(ready(&mut page).is_none(), "a frame older than the board");
    // The next frame cut is the next message.
    state.control(None, None, Some(0.0)).unwrap();
    state.tick(0.0);
    let after = ready(&mut page).expect("the next frame");
    assert_eq!(json(&after)["seq"], cut + 1);
    assert_eq!(json(&after)["phase"], "running");
}

#[tokio::test]
async fn every_page_is_sent_the_same_bytes_not_a_copy_of_its_own() {
    let (state, end) = replay();
    let mut pages = Vec::new();
    for _ in 0..3 {
        pages.push(open(&state).await);
    }
    // One encoding in memory, however many pages it is queued for.
    let same_for_all = |pages: &mut Vec<Body>| {
        let sent: Vec<Bytes> = pages.iter_mut().map(|p| ready(p).unwrap()).collect();
        for other in &sent[1..] {
            assert_eq!(other.as_ptr(), sent[0].as_ptr());
            assert_eq!(other, &sent[0]);
        }
        json(&sent[0])["phase"].clone()
    };
    assert_eq!(same_for_all(&mut pages), "waiting");
    seek_back_and_forth(&state, end, 1);
    assert_eq!(same_for_all(&mut pages), "running");
    assert_eq!(same_for_all(&mut pages), "finished");
}

#[tokio::test]
async fn a_page_that_never_reads_holds_at_most_a_few_messages() {
    let (state, end) = replay();
    let mut page = open(&state).await;
    // Its connection writes nothing out: every message stays held.
    let mut held = Vec::new();
    for _ in 0..100 {
        match ready(&mut page) {
            Some(message) => held.push(message),
            None => break,
        }
        seek_back_and_forth(&state, end, 1);
    }
    assert_eq!(held.len(), QUEUED_PER_PAGE);
    // Many more frames, none taken: they wait in the channel every page
    // shares, which keeps the newest ones only.
    seek_back_and_forth(&state, end, FRAME_BACKLOG * 2);
    assert!(ready(&mut page).is_none(), "past {QUEUED_PER_PAGE} held");
    // The socket takes one: the next message is the newest board.
    held.remove(0);
    let newest = ready(&mut page).expect("room for one");
    assert_eq!(json(&newest)["full"], true);
    assert_eq!(json(&newest)["seq"], state.with_board(|b| b.seq()));
    assert!(ready(&mut page).is_none(), "past {QUEUED_PER_PAGE} held");
    // Everything written out: nothing older than that board follows.
    held.clear();
    drop(newest);
    assert!(ready(&mut page).is_none(), "a frame older than the board");
}

#[tokio::test]
async fn pages_that_fell_behind_together_share_one_newest_board() {
    let (state, end) = replay();
    let mut pages = Vec::new();
    for _ in 0..3 {
        let mut page = open(&state).await;
        ready(&mut page).unwrap();
        pages.push(page);
    }
    seek_back_and_forth(&state, end, FRAME_BACKLOG);
    let caught_up: Vec<Bytes> = pages.iter_mut().map(|p| ready(p).unwrap()).collect();
    for other in &caught_up[1..] {
        assert_eq!(other.as_ptr(), caught_up[0].as_ptr());
    }
    assert_eq!(json(&caught_up[0])["full"], true);
    for page in &mut pages {
        assert!(ready(page).is_none());
    }
}

/// The messages of an event stream read over a socket, as they arrive.
struct Reader {
    body: hyper::body::Incoming,
    buffered: Vec<u8>,
}

impl Reader {
    /// The next message's JSON (keep-alive comments skipped).
    async fn next(&mut self) -> Value {
        loop {
            if let Some(at) = self.buffered.windows(2).position(|w| w == b"\n\n") {
                let message: Vec<u8> = self.buffered.drain(..at + 2).collect();
                if let Some(data) = message.strip_prefix(b"data: ") {
                    return serde_json::from_slice(&data[..data.len() - 2]).unwrap();
                }
                continue;
            }
            // A hang guard, not a speed check.
            let frame = tokio::time::timeout(std::time::Duration::from_secs(60), self.body.frame())
                .await
                .expect("no message for 60 s")
                .unwrap()
                .unwrap();
            if let Ok(data) = frame.into_data() {
                self.buffered.extend_from_slice(&data);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_a_socket_a_page_that_fell_behind_catches_up_on_the_newest_board() {
    let (state, end) = replay();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(hooklab_live::serve(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<Bytes>>();
    let res = client
        .get(format!("http://{addr}/events").parse().unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut page = Reader {
        body: res.into_body(),
        buffered: Vec::new(),
    };
    // A page that reads: each message as it comes, none held back.
    let mut seen = page.next().await["seq"].as_u64().unwrap();
    for _ in 0..3 * QUEUED_PER_PAGE {
        seek_back_and_forth(&state, end, 1);
        let seq = page.next().await["seq"].as_u64().unwrap();
        assert!(seq > seen, "{seq} after {seen}");
        seen = seq;
    }
    // The page stops reading while the class seeks: far more whole boards
    // (40 MB) than the socket's buffers hold.
    seek_back_and_forth(&state, end, 600);
    let cut = state.with_board(|b| b.seq());
    // It reads again: what the socket held, then the newest whole board,
    // having skipped what it missed.
    let mut messages = 0;
    let newest = loop {
        let json = page.next().await;
        messages += 1;
        let seq = json["seq"].as_u64().unwrap();
        assert!(seq > seen, "{seq} after {seen}");
        seen = seq;
        if seq >= cut {
            break json;
        }
    };
    assert_eq!(newest["full"], true);
    assert!(messages < 600, "{messages} messages: nothing was dropped");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

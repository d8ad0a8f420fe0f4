//! Seeking a replay (`POST /control` with `at_ms`): wherever the replay was,
//! the board at an instant is the board of a replay played from 0 to it.

use crate::handlers::{live_state, post_json, send};
use axum::http::StatusCode;
use hooklab_core::lang::Lang;
use hooklab_core::report::Summary;
use hooklab_live::board::Phase;
use hooklab_live::{LiveState, load_summary};
use serde_json::Value;

/// A simulated day with retries, failures and missed orders: every counter
/// has something to show.
fn day() -> Summary {
    load_summary(&crate::results("retry-for-days")).unwrap()
}

/// A replay of `summary` at speed 1 (a tick of `ms` moves its clock `ms`),
/// started, and where it ends.
fn started(summary: &Summary) -> (LiveState, f64) {
    let state = LiveState::replay(summary.clone(), 1.0, Lang::PtBr);
    state.start();
    let end = state.with_board(|b| b.end_ms);
    assert!(end > 0.0);
    (state, end)
}

/// Everything the page would be shown (the whole board), but for the frame
/// count, which says how the board got there, not what it shows.
fn shown(state: &LiveState) -> Value {
    let mut json: Value = serde_json::from_str(&state.snapshot().unwrap()).unwrap();
    json.as_object_mut().unwrap().remove("seq");
    json
}

/// What a fresh replay shows once played from 0 to `at_ms`.
fn played_to(summary: &Summary, at_ms: f64) -> Value {
    let (fresh, _) = started(summary);
    fresh.tick(at_ms);
    shown(&fresh)
}

async fn seek(state: &LiveState, at_ms: f64) -> Value {
    let (status, _, body) = send(
        state.clone(),
        post_json("/control", &format!(r#"{{"at_ms":{at_ms}}}"#)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// How many orders are known on the board, over every lane.
fn known(state: &LiveState) -> u64 {
    state.with_board(|b| b.lanes.iter().map(|l| l.counters.known).sum())
}

#[tokio::test]
async fn seeking_forwards_or_backwards_shows_what_a_replay_to_that_instant_shows() {
    let summary = day();
    let (state, end) = started(&summary);
    state.tick((end * 0.1).round());
    let early = known(&state);

    let later = (end * 0.6).round();
    let answer = seek(&state, later).await;
    assert_eq!(answer["t_ms"], later);
    assert_eq!(shown(&state), played_to(&summary, later));
    assert!(known(&state) > early, "seeking forwards showed nothing new");

    // Backwards, mid-run: orders learned after the instant are unlearned.
    let before = (end * 0.3).round();
    seek(&state, before).await;
    assert_eq!(shown(&state), played_to(&summary, before));
    // And the replay carries on from there like any other.
    state.tick(1_000.0);
    assert_eq!(shown(&state), played_to(&summary, before + 1_000.0));
}

#[tokio::test]
async fn seeking_back_from_the_end_runs_the_replay_again() {
    let summary = day();
    let (state, end) = started(&summary);
    state.tick(end);
    state.with_board(|b| assert_eq!(b.phase, Phase::Finished));
    // The page hears about it in the next frame: the whole board, since a
    // frame of changes cannot take back what the page was shown.
    let (mut frames, _) = state.subscribe();

    let at = (end * 0.4).round();
    seek(&state, at).await;
    let want = played_to(&summary, at);
    assert_eq!(shown(&state), want);
    assert_eq!(want["phase"], "running");
    assert!(want.get("table").is_none(), "{want}");
    state.with_board(|b| {
        assert_eq!(b.phase, Phase::Running);
        assert!(b.lanes.iter().all(|l| !l.finished));
    });
    state.tick(0.0);
    let mut frame: Value = serde_json::from_str(frames.recv().await.unwrap().json()).unwrap();
    assert_eq!(frame["full"], true);
    frame.as_object_mut().unwrap().remove("seq");
    assert_eq!(frame, want);
}

#[tokio::test]
async fn seeking_to_the_end_or_past_it_ends_on_the_summarys_numbers() {
    let summary = day();
    for past in [0.0, 1_000_000.0] {
        let (state, end) = started(&summary);
        state.tick((end * 0.5).round());
        let answer = seek(&state, end + past).await;
        assert_eq!(answer["t_ms"], end);
        assert_eq!(shown(&state), played_to(&summary, end));
        state.with_board(|b| crate::assert_finished_on(b, &summary));
    }
}

#[tokio::test]
async fn a_bad_instant_is_refused_and_changes_nothing() {
    let summary = day();
    let (state, end) = started(&summary);
    state.tick((end * 0.5).round());
    let before = shown(&state);
    for body in [
        r#"{"paused":true,"at_ms":-1}"#,
        r#"{"at_ms":"soon"}"#,
        r#"{"at_ms":true}"#,
        r#"{"at_ms":[1]}"#,
    ] {
        let (status, _, answer) = send(state.clone(), post_json("/control", body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        let json: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(json["error"]["code"], "bad_at_ms", "{body}");
        assert!(json["error"]["message"].as_str().unwrap().contains("at_ms"));
    }
    // Not a number JSON can carry: the body is refused, in the same shape.
    let (status, _, answer) = send(state.clone(), post_json("/control", r#"{"at_ms":NaN}"#)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let json: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(json["error"]["code"], "bad_body", "{answer}");
    // A field the control does not know (a typo of `speed`) is refused
    // with 400, naming it, not answered 200 changing nothing.
    let (status, _, answer) = send(state.clone(), post_json("/control", r#"{"sped":2}"#)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let json: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(json["error"]["code"], "bad_body", "{answer}");
    assert!(
        json["error"]["message"].as_str().unwrap().contains("sped"),
        "{answer}"
    );
    assert_eq!(shown(&state), before, "a refused control changed the board");

    // A live run has no instant to go to.
    let (status, _, answer) = send(
        live_state(Lang::En),
        post_json("/control", r#"{"at_ms":10}"#),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(answer.contains(r#""code":"not_a_replay""#), "{answer}");
}

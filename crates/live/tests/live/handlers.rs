//! The routes, one request each, through `oneshot`.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hooklab_core::lang::Lang;
use hooklab_core::scenario::Scenario;
use hooklab_live::{LiveState, load_summary, router};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

const TINY: &str = r#"
name = "tiny"
description = "two strategies, three orders"
seed = 1
[workload]
orders = 3
arrival = { dist = "fixed", every_ms = 10 }
settle = { dist = "uniform", min_ms = 50, max_ms = 100 }
[[strategy]]
name = "poll-50ms"
kind = "poll"
interval_ms = 50
[[strategy]]
name = "webhook"
kind = "webhook"
"#;

pub fn live_state(lang: Lang) -> LiveState {
    LiveState::live(&Scenario::parse(TINY, "tiny.toml").unwrap(), lang)
}

fn replay_state() -> LiveState {
    LiveState::replay(
        load_summary(&crate::results("checkout")).unwrap(),
        60.0,
        Lang::En,
    )
}

pub async fn send(
    state: LiveState,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = router(state).oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

pub fn post_json(uri: &str, json: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn the_page_speaks_the_runs_language() {
    let (status, _, html) = send(live_state(Lang::PtBr), get("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<html lang="pt-BR">"#), "{html}");
    assert!(html.contains("desperdiçadas"), "{html}");
    let (_, _, html) = send(live_state(Lang::En), get("/")).await;
    assert!(html.contains("wasted polls"));
    assert!(!html.contains("{{"), "a placeholder was left in the page");
}

#[tokio::test]
async fn the_page_and_its_assets_name_no_outside_address() {
    for path in ["/", "/live.css", "/live.js"] {
        let (status, headers, text) = send(live_state(Lang::En), get(path)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .contains("charset=utf-8")
        );
        for outside in ["http://", "https://", "//fonts.", "@import", "url("] {
            assert!(!text.contains(outside), "{path} mentions {outside}");
        }
    }
}

#[tokio::test]
async fn the_summary_of_a_live_run_waits_for_its_end() {
    let (status, _, body) = send(live_state(Lang::En), get("/summary.json")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["error"]["code"], "not_finished");
}

#[tokio::test]
async fn a_replays_summary_downloads_at_once() {
    let (status, headers, body) = send(replay_state(), get("/summary.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("summary.json")
    );
    let summary: hooklab_core::report::Summary = serde_json::from_str(&body).unwrap();
    assert_eq!(summary.scenario.name, "checkout");
}

#[tokio::test]
async fn controls_pause_a_replay_and_refuse_a_live_run_or_a_bad_speed() {
    let state = replay_state();
    let (status, _, body) = send(state.clone(), post_json("/control", r#"{"paused":true}"#)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, r#"{"paused":true,"speed":60.0,"t_ms":0.0}"#);
    // A paused replay does not move.
    state.start();
    state.tick(1_000.0);
    assert_eq!(state.with_board(|b| b.now_ms), 0.0);
    let (status, _, body) = send(
        state.clone(),
        post_json("/control", r#"{"paused":false,"speed":2}"#),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, r#"{"paused":false,"speed":2.0,"t_ms":0.0}"#)
    );
    state.tick(100.0);
    assert_eq!(state.with_board(|b| b.now_ms), 200.0);

    let (status, _, body) = send(state, post_json("/control", r#"{"speed":-1}"#)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains(r#""code":"bad_speed""#), "{body}");
    let (status, _, body) = send(
        live_state(Lang::En),
        post_json("/control", r#"{"paused":true}"#),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains(r#""code":"not_a_replay""#), "{body}");
}

#[tokio::test]
async fn the_page_takes_the_speeds_the_command_line_takes() {
    let state = replay_state();
    for speed in ["1e-300", "0.001", "0.0099", "100000.5", "1e300", "0"] {
        let json = format!(r#"{{"speed":{speed}}}"#);
        let (status, _, body) = send(state.clone(), post_json("/control", &json)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{speed}: {body}");
        assert!(body.contains(r#""code":"bad_speed""#), "{body}");
        assert!(body.contains("from 0.01 to 100000"), "{body}");
    }
    // Both ends are in, and the page's fastest choice (36000×).
    for (speed, shown) in [
        ("0.01", "0.01"),
        ("100000", "100000.0"),
        ("36000", "36000.0"),
    ] {
        let json = format!(r#"{{"speed":{speed}}}"#);
        let (status, _, body) = send(state.clone(), post_json("/control", &json)).await;
        assert_eq!(status, StatusCode::OK, "{speed}: {body}");
        assert!(body.contains(&format!(r#""speed":{shown}"#)), "{body}");
    }
}

#[tokio::test]
async fn the_event_stream_opens_with_the_whole_board() {
    let state = live_state(Lang::En);
    let res = router(state.clone()).oneshot(get("/events")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut body = res.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    let text = String::from_utf8(first.to_vec()).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(text.strip_prefix("data: ").unwrap().trim()).unwrap();
    assert_eq!(json["full"], true);
    assert_eq!(json["mode"], "live");
    assert_eq!(json["lanes"][1]["name"], "webhook");
    // The next message is the next frame: a tick with the run started.
    state.start();
    state.tick(200.0);
    let next = body.frame().await.unwrap().unwrap().into_data().unwrap();
    let json: serde_json::Value = serde_json::from_str(
        String::from_utf8(next.to_vec())
            .unwrap()
            .strip_prefix("data: ")
            .unwrap()
            .trim(),
    )
    .unwrap();
    assert_eq!(
        (json["full"].as_bool(), json["phase"].as_str()),
        (Some(false), Some("running"))
    );
    assert_eq!(json["t_ms"], 200.0);
}

#[tokio::test]
async fn pages_past_the_most_the_server_feeds_are_told_to_close_one() {
    use hooklab_live::state::MAX_VIEWERS;
    let state = live_state(Lang::En);
    let app = router(state.clone());
    let mut open = Vec::new();
    for _ in 0..MAX_VIEWERS {
        let res = app.clone().oneshot(get("/events")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        open.push(res);
    }
    let (status, headers, body) = send(state.clone(), get("/events")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert!(body.contains(r#""code":"too_many_viewers""#), "{body}");
    // A page that closes gives its place back.
    drop(open.pop());
    let res = app.clone().oneshot(get("/events")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // The board a page starts from is the same for every page that
    // connects before the next frame, and says the last frame's number.
    let first = |res: axum::response::Response| async move {
        let mut body = res.into_body();
        let data = body.frame().await.unwrap().unwrap().into_data().unwrap();
        String::from_utf8(data.to_vec()).unwrap()
    };
    let a = first(res).await;
    let b = first(open.pop().unwrap()).await;
    assert_eq!(a, b);
    assert!(a.contains(r#""full":true"#), "{a}");
}

/// The code and message of a refusal, which must be in the JSON shape.
fn refusal(status: StatusCode, headers: &axum::http::HeaderMap, body: &str) -> (String, String) {
    assert!(status.is_client_error(), "{status}: {body}");
    assert_eq!(headers[header::CONTENT_TYPE], "application/json", "{body}");
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    (
        json["error"]["code"].as_str().unwrap().to_owned(),
        json["error"]["message"].as_str().unwrap().to_owned(),
    )
}

/// Every refusal a page or a program can meet answers in the language
/// `hooklab live` was started with, with the same code in both: they were
/// all English, and an unknown path or a wrong method got an empty body.
#[tokio::test]
async fn every_refusal_speaks_the_runs_language() {
    let replay = |lang| {
        LiveState::replay(
            load_summary(&crate::results("checkout")).unwrap(),
            60.0,
            lang,
        )
    };
    let huge = || {
        Request::post("/control")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, "3000000")
            .body(Body::from("{}"))
            .unwrap()
    };
    let text_plain = || {
        Request::post("/control")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("{}"))
            .unwrap()
    };
    type Case = (
        &'static str,
        fn(Lang) -> LiveState,
        Box<dyn Fn() -> Request<Body>>,
        &'static str,
        &'static str,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "summary",
            live_state,
            Box::new(|| get("/summary.json")),
            "not_finished",
            "has not finished",
            "ainda não terminou",
        ),
        (
            "live control",
            live_state,
            Box::new(|| post_json("/control", r#"{"paused":true}"#)),
            "not_a_replay",
            "only a replay",
            "só uma reprodução",
        ),
        (
            "speed",
            replay,
            Box::new(|| post_json("/control", r#"{"speed":0}"#)),
            "bad_speed",
            "from 0.01 to 100000",
            "de 0,01 a 100000",
        ),
        (
            "instant",
            replay,
            Box::new(|| post_json("/control", r#"{"at_ms":-1}"#)),
            "bad_at_ms",
            "milliseconds from 0",
            "milissegundos a partir de 0",
        ),
        (
            "typo",
            replay,
            Box::new(|| post_json("/control", r#"{"sped":2}"#)),
            "bad_body",
            "unknown field `sped`",
            "campo desconhecido `sped`",
        ),
        (
            "not JSON",
            replay,
            Box::new(|| post_json("/control", r#"{"speed":NaN}"#)),
            "bad_body",
            "not valid JSON (line 1, column 10)",
            "não é JSON válido (linha 1, coluna 10)",
        ),
        (
            "not an object",
            replay,
            Box::new(|| post_json("/control", "[1]")),
            "bad_body",
            "must be a JSON object",
            "deve ser um objeto JSON",
        ),
        (
            "wrong type",
            replay,
            Box::new(|| post_json("/control", r#"{"paused":"yes"}"#)),
            "bad_body",
            "paused must be true or false",
            "paused deve ser true ou false",
        ),
        (
            "content type",
            replay,
            Box::new(text_plain),
            "bad_body",
            "Content-Type: application/json",
            "envie o corpo de POST /control como JSON",
        ),
        (
            "too large",
            replay,
            Box::new(huge),
            "body_too_large",
            "declares 3000000 bytes",
            "o corpo declara 3000000 bytes",
        ),
        (
            "unknown path",
            live_state,
            Box::new(|| get("/nada?x=1")),
            "no_route",
            "no page at /nada",
            "não há página em /nada",
        ),
        (
            "wrong method",
            live_state,
            Box::new(|| get("/control")),
            "method_not_allowed",
            "/control does not take GET",
            "/control não aceita GET",
        ),
    ];
    for (what, state, request, code, en, pt) in &cases {
        for (lang, words) in [(Lang::En, en), (Lang::PtBr, pt)] {
            let (status, headers, body) = send(state(lang), request()).await;
            let (got_code, message) = refusal(status, &headers, &body);
            assert_eq!(&got_code, code, "{what} {lang}: {body}");
            assert!(message.contains(words), "{what} {lang}: {body}");
            if *code == "method_not_allowed" {
                assert_eq!(headers[header::ALLOW], "POST", "{what}");
            }
        }
    }
    // The event stream's 429, past the most pages it feeds.
    use hooklab_live::state::MAX_VIEWERS;
    let state = live_state(Lang::PtBr);
    let app = router(state.clone());
    let mut open = Vec::new();
    for _ in 0..MAX_VIEWERS {
        open.push(app.clone().oneshot(get("/events")).await.unwrap());
    }
    let (status, headers, body) = send(state, get("/events")).await;
    let (code, message) = refusal(status, &headers, &body);
    assert_eq!(code, "too_many_viewers");
    assert!(message.contains("feche uma e recarregue"), "{body}");
}

/// The page's title is in its HTML, in the language, before the script
/// runs: a Portuguese class's tab read "hooklab live".
#[tokio::test]
async fn the_pages_title_is_in_the_runs_language_before_its_script_runs() {
    let (_, _, html) = send(live_state(Lang::PtBr), get("/")).await;
    assert!(html.contains("<title>hooklab ao vivo</title>"), "{html}");
    assert!(
        html.contains(r#"<h1 id="title">hooklab ao vivo</h1>"#),
        "{html}"
    );
    let (_, _, html) = send(live_state(Lang::En), get("/")).await;
    assert!(html.contains("<title>hooklab live</title>"), "{html}");
}

//! The page in headless Chromium: a tiny live run, then a simulated day
//! replayed (paused, sped up, and scrubbed back once finished), each checked
//! against its `summary.json`.
//!
//! Set `HOOKLAB_LIVE_SCREENSHOTS=<dir>` to keep PNGs of the page at a few
//! moments (that is how `docs/live.png` was taken).

use crate::webdriver::{Browser, browser_available};
use hooklab_core::lang::Lang;
use hooklab_core::report::Summary;
use hooklab_core::scenario::Scenario;
use hooklab_live::board::Counters;
use hooklab_live::{LiveState, feed, load_summary, serve};
use hooklab_report::render;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Twelve orders over two seconds: long enough to watch, short for a test.
const TINY: &str = r#"
name = "tiny-live"
description = "twelve orders, polled every 300 ms or told by webhook"
seed = 7
[workload]
orders = 12
arrival = { dist = "fixed", every_ms = 150 }
settle = { dist = "uniform", min_ms = 300, max_ms = 1500 }
[[strategy]]
name = "poll-300ms"
kind = "poll"
interval_ms = 300
[[strategy]]
name = "webhook"
kind = "webhook"
"#;

/// Records, every 50 ms in the page, the lanes' counters as the DOM shows
/// them, so the test can tell that they moved while the run was going.
const WATCH: &str = r#"
window.__seen = [];
const read = () => [...document.querySelectorAll('.lane')].map((s) => ({
  name: s.dataset.name, placed: +s.dataset.placed, known: +s.dataset.known,
  orders: +s.dataset.orders,
  counters: Object.fromEntries([...s.querySelectorAll('[data-k]')]
    .map((d) => [d.dataset.k, +d.textContent.replace(/\D/g, '')])),
}));
window.__read = read;
setInterval(() => window.__seen.push({ phase: window.hooklab.board && window.hooklab.board.phase, lanes: read() }), 50);
"#;

/// Waits until the final table is on the page.
const UNTIL_FINISHED: &str = r#"
const check = () => {
  if (!document.getElementById('final').hidden) done(document.getElementById('table').textContent);
  else setTimeout(check, 50);
};
check();
"#;

/// Clicks Pause once the replay runs; answers the clock once paused.
const PAUSE: &str = r#"
const b = () => window.hooklab.board;
const start = () => {
  if (!(b() && b().phase === 'running')) return setTimeout(start, 20);
  document.getElementById('pause').click();
  const c = () => (b().paused ? done(b().t) : setTimeout(c, 20));
  c();
};
start();
"#;

/// The clock after two more frames.
const TWO_FRAMES_LATER: &str = r#"
const f0 = window.hooklab.frames;
const c = () => (window.hooklab.frames >= f0 + 2 ? done(window.hooklab.board.t) : setTimeout(c, 20));
c();
"#;

/// Clicks Resume, picks 36000× in the speed list; answers the new speed.
const RESUME_FASTER: &str = r#"
const b = () => window.hooklab.board;
document.getElementById('pause').click();
const sel = document.getElementById('speed');
sel.value = '36000';
sel.dispatchEvent(new Event('change'));
const c = () => (!b().paused && b().speed === 36000 ? done(b().speed) : setTimeout(c, 20));
c();
"#;

/// Once the page has drawn a replay (its clock reads "now / end"): the
/// speed list as the page offers it (values, in order), the one selected,
/// the time its lanes' axes span, and the run's end.
const SPEEDS_AND_AXIS: &str = r#"
const b = () => window.hooklab.board;
const c = () => (b() && b().end > 0 && document.getElementById('clock').textContent.includes(' / ')
  ? done({ speeds: [...document.getElementById('speed').options].map((o) => Number(o.value)),
           selected: Number(document.getElementById('speed').value),
           span: window.hooklab.span, end: b().end })
  : setTimeout(c, 20));
c();
"#;

/// The page's speed list: its own speeds and `added`, each in its numeric
/// place, once; `speed` selected.
fn assert_speeds(seen: &Value, added: &[f64], speed: f64) {
    let mut want = vec![1.0, 10.0, 60.0, 600.0, 3600.0, 36000.0];
    want.extend(added);
    want.sort_by(f64::total_cmp);
    let listed: Vec<f64> = seen["speeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(listed, want, "{seen}");
    assert_eq!(seen["selected"], speed, "{seen}");
}

/// Moves the time scrubber to a quarter of the run, as a mouse would (it
/// previews while dragged, seeks when let go); answers once the replay runs
/// again, with the clock before, while dragged and after, and the lanes.
const SCRUB_BACK: &str = r#"
const clock = () => document.getElementById('clock').textContent;
const before = clock();
const seek = document.getElementById('seek');
seek.value = '250';
seek.dispatchEvent(new Event('input'));
const dragged = clock();
seek.dispatchEvent(new Event('change'));
const b = () => window.hooklab.board;
const c = () => (b().phase === 'running' && document.getElementById('final').hidden
  ? done({ before, dragged, after: clock(), t: b().t, end: b().end, lanes: window.__read() })
  : setTimeout(c, 20));
c();
"#;

async fn start_server(state: LiveState) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, state, async {
        let _ = stopped.await;
    }));
    (addr, stop)
}

async fn get_summary(addr: SocketAddr) -> Summary {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    let res = client
        .get(format!("http://{addr}/summary.json").parse().unwrap())
        .await
        .unwrap();
    use http_body_util::BodyExt as _;
    let body = res.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&body).unwrap()
}

/// The page's counters, per lane, must be the summary's.
fn assert_counters_match(lanes: &Value, summary: &Summary) {
    for (lane, s) in lanes.as_array().unwrap().iter().zip(&summary.strategies) {
        let want = Counters::from_report(s);
        let got = &lane["counters"];
        assert_eq!(lane["name"], s.name.as_str());
        assert_eq!(lane["known"], want.known, "{}", s.name);
        for (k, v) in [
            ("polls", want.polls),
            ("wasted", want.wasted),
            ("deliveries", want.deliveries),
            ("retries", want.retries),
            ("rejected", want.rejected),
            ("rate_limited", want.rate_limited),
            ("duplicates", want.duplicates),
            ("conflicts", want.conflicts),
            ("missed", want.missed),
        ] {
            assert_eq!(got[k], v, "{} {k}", s.name);
        }
    }
}

fn assert_loopback_only(urls: &[String], addr: SocketAddr) {
    assert!(
        !urls.is_empty(),
        "the request log is empty: the check would prove nothing"
    );
    let here = format!("http://{addr}/");
    assert!(urls.iter().any(|u| u.starts_with(&here)), "{urls:?}");
    // The browser's own pages (`chrome://new-tab-page/`, `about:blank`) and
    // inline `data:` never touch a network; anything else must be ours.
    let local = ["chrome://", "chrome-untrusted://", "about:", "data:"];
    for url in urls {
        assert!(
            url.starts_with(&here) || local.iter().any(|l| url.starts_with(l)),
            "the page requested {url}, beyond {here}"
        );
    }
}

fn screenshots() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("HOOKLAB_LIVE_SCREENSHOTS")?);
    std::fs::create_dir_all(&dir).unwrap();
    Some(dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_in_headless_chromium() {
    if !browser_available("the_page_in_headless_chromium") {
        return;
    }
    let browser = Browser::start().await;
    a_tiny_live_run(&browser).await;
    a_simulated_day_replayed(&browser).await;
    three_lanes_fit_the_window(&browser).await;
    browser.quit().await;
}

async fn a_tiny_live_run(browser: &Browser) {
    let scenario = Scenario::parse(TINY, "tiny-live.toml").unwrap();
    let state = LiveState::live(&scenario, Lang::En);
    let (addr, stop) = start_server(state.clone()).await;
    // As `hooklab live` does: the run starts when the page connects.
    let run = tokio::spawn({
        let state = state.clone();
        async move {
            state.first_viewer().await;
            let thread = feed::start_run(scenario, state).unwrap();
            tokio::task::spawn_blocking(move || thread.join().unwrap().unwrap())
                .await
                .unwrap()
        }
    });
    browser.goto(&format!("http://{addr}/")).await;
    browser.eval(WATCH).await;
    if let Some(dir) = screenshots() {
        browser
            .wait("const c = () => window.hooklab.board && window.hooklab.board.lanes[0].placed >= 6 ? done() : setTimeout(c, 20); c();")
            .await;
        browser.screenshot(&dir.join("live-running.png")).await;
    }
    let table = browser.wait(UNTIL_FINISHED).await;
    let summary = run.await.unwrap();
    let seen = browser.eval("return window.__seen;").await;
    let end = browser.eval("return window.__read();").await;
    if let Some(dir) = screenshots() {
        browser.screenshot(&dir.join("live-finished.png")).await;
    }

    // The counters moved while the run went on: several different totals.
    let running: Vec<&Value> = seen
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["phase"] == "running")
        .collect();
    let mut totals: Vec<u64> = running
        .iter()
        .map(|s| {
            s["lanes"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|l| l["counters"].as_object().unwrap().values())
                .map(|v| v.as_u64().unwrap())
                .sum()
        })
        .collect();
    totals.dedup();
    assert!(
        totals.len() >= 3,
        "counters barely moved while running: {totals:?}"
    );
    // Each lane filled: every order appeared, then every one became known.
    for lane in end.as_array().unwrap() {
        assert_eq!(lane["placed"], 12, "{lane}");
        assert_eq!(lane["known"], 12, "{lane}");
    }
    let filling = running.iter().any(|s| {
        s["lanes"][0]["placed"].as_u64().unwrap() < 12
            && s["lanes"][0]["placed"].as_u64().unwrap() > 0
    });
    assert!(filling, "no moment showed the lane part-filled");

    // The end: the CLI's own table, from the summary the page offers.
    let downloaded = get_summary(addr).await;
    assert_eq!(downloaded, summary);
    assert_eq!(table.as_str().unwrap(), render::table(&summary, Lang::En));
    assert_counters_match(&end, &summary);
    assert_loopback_only(&browser.requested_urls().await, addr);
    let _ = stop.send(());
}

async fn a_simulated_day_replayed(browser: &Browser) {
    let summary = load_summary(&crate::results("retry-for-days")).unwrap();
    // A simulated day in about four seconds.
    let state = LiveState::replay(summary.clone(), 25_000.0, Lang::PtBr);
    let (addr, stop) = start_server(state).await;
    browser.goto(&format!("http://{addr}/")).await;
    browser.eval(WATCH).await;
    // A tester's findings: `--speed 3000` was listed after 36000×, and the
    // order lanes' axis ended at 25,1 h under a header saying 24,6 h.
    let drawn = browser.wait(SPEEDS_AND_AXIS).await;
    assert_speeds(&drawn, &[25_000.0], 25_000.0);
    assert_eq!(drawn["span"].as_f64(), drawn["end"].as_f64(), "{drawn}");
    // The page's controls: pause holds the clock still, frame after frame;
    // resume and a new speed carry on.
    let paused_at = browser.wait(PAUSE).await;
    let later = browser.wait(TWO_FRAMES_LATER).await;
    assert_eq!(paused_at, later, "a paused replay moved");
    let speed = browser.wait(RESUME_FASTER).await;
    assert_eq!(speed, 36_000.0);
    // A speed the list has is picked, not listed twice.
    assert_speeds(&browser.wait(SPEEDS_AND_AXIS).await, &[25_000.0], 36_000.0);
    let table = browser.wait(UNTIL_FINISHED).await;
    let seen = browser.eval("return window.__seen;").await;
    let end = browser.eval("return window.__read();").await;
    if let Some(dir) = screenshots() {
        browser.screenshot(&dir.join("replay-finished.png")).await;
    }
    // It played (the page saw it part-way), and ended on the summary's numbers.
    assert!(
        seen.as_array()
            .unwrap()
            .iter()
            .any(|s| { s["phase"] == "running" && s["lanes"][0]["known"].as_u64().unwrap() > 0 }),
        "the replay was never seen part-way"
    );
    assert_eq!(table.as_str().unwrap(), render::table(&summary, Lang::PtBr));
    assert_counters_match(&end, &summary);
    let lang = browser.eval("return document.documentElement.lang;").await;
    assert_eq!(lang, "pt-BR");

    // The scrubber takes the finished replay back to a quarter of the day:
    // the clock says so, the table goes, and the lanes are a quarter full.
    let scrubbed = browser.wait(SCRUB_BACK).await;
    let end = scrubbed["end"].as_f64().unwrap();
    let t = scrubbed["t"].as_f64().unwrap();
    assert!((0.25 * end..0.5 * end).contains(&t), "{scrubbed}");
    let clock = |k: &str| scrubbed[k].as_str().unwrap().to_owned();
    assert_ne!(clock("dragged"), clock("before"), "{scrubbed}");
    assert_ne!(clock("after"), clock("before"), "{scrubbed}");
    for (lane, s) in scrubbed["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&summary.strategies)
    {
        assert!(lane["known"].as_u64().unwrap() < s.notified, "{lane}");
    }
    assert_loopback_only(&browser.requested_urls().await, addr);
    let _ = stop.send(());
}

/// Where each lane ends, whether any label is cut, and each lane's colour.
const LAYOUT: &str = r#"
const lanes = [...document.querySelectorAll('.lane')];
const cut = [...document.querySelectorAll('figcaption span, figcaption, .counters dt, .lane h2')]
  .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent);
done({
  height: window.innerHeight,
  bottoms: lanes.map((l) => l.getBoundingClientRect().bottom),
  cut,
  colours: lanes.map((l) => getComputedStyle(l).getPropertyValue('--strategy').trim()),
});
"#;

/// A three-strategy replay at 1400×900 (the browser's window): all three
/// lanes on the screen while it runs, no label cut, each lane in its
/// strategy's colour from the charts' palette.
async fn three_lanes_fit_the_window(browser: &Browser) {
    let summary = load_summary(&crate::results("flaky-receiver")).unwrap();
    assert_eq!(summary.strategies.len(), 3);
    let state = LiveState::replay(summary, 0.5, Lang::En);
    let (addr, stop) = start_server(state).await;
    browser.goto(&format!("http://{addr}/")).await;
    browser
        .wait("const c = () => window.hooklab.board && window.hooklab.board.phase === 'running' && document.querySelectorAll('.lane').length === 3 ? done() : setTimeout(c, 20); c();")
        .await;
    // Slower than any the list has: first in it.
    assert_speeds(&browser.wait(SPEEDS_AND_AXIS).await, &[0.5], 0.5);
    let layout = browser.wait(LAYOUT).await;
    let height = layout["height"].as_f64().unwrap();
    for bottom in layout["bottoms"].as_array().unwrap() {
        assert!(bottom.as_f64().unwrap() <= height, "{layout}");
    }
    assert_eq!(layout["cut"].as_array().unwrap().len(), 0, "{layout}");
    assert_eq!(
        layout["colours"],
        serde_json::json!(["#332288", "#cc6677", "#117733"]),
        "{layout}"
    );
    let _ = stop.send(());
}

/// Not a check: takes the README's picture (`docs/live.png`), the committed
/// checkout run replayed at a third of its speed, caught two thirds through.
/// `HOOKLAB_LIVE_SCREENSHOTS=docs cargo test -p hooklab-live -- --ignored`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "takes screenshots for the docs"]
async fn screenshot_for_the_readme() {
    let Some(dir) = screenshots() else {
        return;
    };
    if !browser_available("screenshot_for_the_readme") {
        return;
    }
    let browser = Browser::start().await;
    let summary = load_summary(&crate::results("checkout")).unwrap();
    let state = LiveState::replay(summary, 0.33, Lang::En);
    let (addr, stop) = start_server(state).await;
    browser.goto(&format!("http://{addr}/")).await;
    browser
        .wait("const c = () => window.hooklab.board && window.hooklab.board.t > 0.6 * window.hooklab.board.end ? done() : setTimeout(c, 20); c();")
        .await;
    browser.screenshot(&dir.join("live.png")).await;
    browser.wait(UNTIL_FINISHED).await;
    browser.screenshot(&dir.join("live-final.png")).await;
    let _ = stop.send(());
    browser.quit().await;
}

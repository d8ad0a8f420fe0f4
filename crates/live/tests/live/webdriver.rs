//! Just enough of a WebDriver client to drive headless Chromium from a test.
//!
//! chromedriver speaks W3C WebDriver: JSON over HTTP on loopback. The test
//! starts it on port 0 (it prints the port it got, so there is no guessing and
//! no sleeping), opens one session with Debian's Chromium, and sends it
//! commands with hyper's client: no Selenium, no downloaded browser.

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Whether the browser is here; if not, a test fails under CI and skips
/// (saying so) elsewhere.
pub fn browser_available(test: &str) -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {CHROMIUM} or {CHROMEDRIVER} is missing, and CI is set: \
         install them (`apt-get install -y chromium chromium-driver`, as .ci/run does)"
    );
    eprintln!(
        "SKIPPED {test}: {CHROMIUM} or {CHROMEDRIVER} not installed \
         (apt-get install -y chromium chromium-driver); set CI=1 to make this a failure"
    );
    false
}

/// A chromedriver process with one browser session.
pub struct Browser {
    http: Client<HttpConnector, Full<Bytes>>,
    session: String,
    base: String,
    driver: Child,
    profile: PathBuf,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium that can resolve nothing
    /// but 127.0.0.1, with a fresh profile.
    pub async fn start() -> Browser {
        let mut driver = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Its own process group, which the browser it starts joins: a
            // test that fails half-way still takes the browser down with it
            // (see `Drop`).
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let mut lines = BufReader::new(driver.stdout.take().unwrap()).lines();
        let port = loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("chromedriver said its port");
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                break rest.trim_end_matches('.').trim().to_owned();
            }
        };
        // Keep reading its output so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let profile = std::env::temp_dir().join(format!(
            "hooklab-live-chromium-{}-{}",
            std::process::id(),
            port
        ));
        std::fs::create_dir_all(&profile).unwrap();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,900",
            // Any name but 127.0.0.1 fails to resolve: a page that needs the
            // outside world breaks here, instead of quietly using it.
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            &format!("--user-data-dir={}", profile.display()),
        ];
        let mut browser = Browser {
            http: Client::builder(TokioExecutor::new()).build(HttpConnector::new()),
            session: String::new(),
            base: format!("http://127.0.0.1:{port}"),
            driver,
            profile,
        };
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            // Every request the page makes, to check none leaves loopback.
            "goog:loggingPrefs": {"performance": "ALL"},
        }}});
        let created = browser.call("POST", "/session", caps).await;
        browser.session = created["sessionId"].as_str().unwrap().to_owned();
        browser
            .cmd(
                "POST",
                "/timeouts",
                json!({"script": 120_000, "pageLoad": 30_000}),
            )
            .await;
        browser
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let req = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(Full::new(if body.is_null() {
                Bytes::new()
            } else {
                Bytes::from(body.to_string())
            }))
            .unwrap();
        let res = self.http.request(req).await.expect("chromedriver answers");
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(
            status.is_success(),
            "WebDriver {method} {path}: {status} {value}"
        );
        value["value"].clone()
    }

    async fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.call(method, &path, body).await
    }

    /// Opens `url` and waits for its load event.
    pub async fn goto(&self, url: &str) {
        self.cmd("POST", "/url", json!({"url": url})).await;
    }

    /// Runs `script` in the page and returns what it returns.
    pub async fn eval(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await
    }

    /// Runs `script` in the page until it calls `done(value)` (its last
    /// argument): how a test waits for the page without sleeping.
    pub async fn wait(&self, script: &str) -> Value {
        let script = format!("const done = arguments[arguments.length - 1];\n{script}");
        self.cmd(
            "POST",
            "/execute/async",
            json!({"script": script, "args": []}),
        )
        .await
    }

    /// Saves a PNG of the window.
    pub async fn screenshot(&self, path: &Path) {
        let b64 = self.cmd("GET", "/screenshot", Value::Null).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Every URL the browser requested since the last call.
    pub async fn requested_urls(&self) -> Vec<String> {
        let entries = self
            .cmd("POST", "/se/log", json!({"type": "performance"}))
            .await;
        entries
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| serde_json::from_str::<Value>(e["message"].as_str()?).ok())
            .filter(|m| m["message"]["method"] == "Network.requestWillBeSent")
            .filter_map(|m| {
                Some(
                    m["message"]["params"]["request"]["url"]
                        .as_str()?
                        .to_owned(),
                )
            })
            .collect()
    }

    /// Ends the session (the browser), then chromedriver (on drop).
    pub async fn quit(self) {
        let path = format!("/session/{}", self.session);
        self.call("DELETE", &path, Value::Null).await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Killing chromedriver alone would orphan the browser: end the whole
        // process group, whether the test passed or panicked.
        if let Some(pid) = self.driver.id() {
            let _ = std::process::Command::new("kill")
                .arg("--")
                .arg(format!("-{pid}"))
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

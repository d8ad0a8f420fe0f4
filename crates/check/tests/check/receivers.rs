//! Small Standard Webhooks receivers, each correct but for one [`Flaw`]:
//! the mistakes `hooklab check` exists to catch. Each exposes the
//! `--state-url` contract at `GET /state`.

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use bytes::Bytes;
use hooklab_core::signature::{self, WebhookSecret};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The body limit these receivers declare.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The one mistake a receiver makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// None: the receiver does everything right.
    None,
    /// Never checks the signature, like the seed's receiver.
    SkipsSignature,
    /// Checks the signature but not how old the timestamp is.
    SkipsTimestamp,
    /// Parses the JSON and verifies the signature over its re-serialization.
    Reserializes,
    /// Answers a duplicate with 200 but processes it again.
    ProcessesDuplicates,
    /// Correct, but answers 500 to every third delivery that passes the
    /// signature check (after remembering its id, as a crash after the
    /// insert would): a deterministic stand-in for random 5xx.
    FailsEveryThird,
    /// Answers 500 whenever `webhook-signature` holds more than one
    /// signature (a parser that crashes on the space), and is otherwise
    /// correct: it refuses the key rotation with a 5xx, every time.
    CrashesOnRotation,
    /// Both of the above: fails every third delivery and crashes on a
    /// rotation, so the rotation's 5xx cannot be told from bad luck.
    FailsEveryThirdAndCrashesOnRotation,
    /// Answers 500 to the first repeat of every id (the tester's `dup500`),
    /// having processed the first copy once: every duplicate pair gets a
    /// 200 and a 500.
    FailsEveryFirstRepeat,
    /// Answers 500 once, to the first repeat it ever sees, and is otherwise
    /// correct: the only 5xx of the run falls on the duplicate case.
    FailsTheFirstRepeatOnce,
    /// Checks the `v1,` label, the timestamp and the body size, but
    /// compares only the first [`PREFIX_CHARS`] base64 characters of the
    /// signature (the tester's receiver on port 9106).
    ComparesPrefix,
}

/// How many characters of the signature [`Flaw::ComparesPrefix`] compares.
pub const PREFIX_CHARS: usize = 8;

struct Receiver {
    flaw: Flaw,
    secret: WebhookSecret,
    /// `webhook-id`s processed; held for one set operation, never across an await.
    seen: Mutex<HashSet<String>>,
    /// Deliveries acted on: what `GET /state` reports.
    processed: AtomicU64,
    /// Deliveries that passed the signature check, for [`Flaw::FailsEveryThird`].
    verified: AtomicU64,
    /// Ids whose repeat was answered 500, for the repeat flaws.
    failed_repeats: Mutex<HashSet<String>>,
    /// How long it takes to answer anything, refusals included (on tokio's
    /// paused clock in the slow tests).
    delay: Duration,
    /// The unix time at `started`: the receiver's clock is it plus tokio's
    /// time since, as the battery's signer reads its own (on the paused
    /// clock, the wall clock would stand still while the battery's moves).
    start_secs: i64,
    started: tokio::time::Instant,
}

impl Receiver {
    fn now_secs(&self) -> i64 {
        self.start_secs + i64::try_from(self.started.elapsed().as_secs()).unwrap()
    }
}

/// The secret every receiver here trusts.
pub fn secret() -> WebhookSecret {
    WebhookSecret::from_key(&[0x5a; 32]).unwrap()
}

/// Starts a receiver with `flaw` on `127.0.0.1:0`.
pub async fn start(flaw: Flaw) -> SocketAddr {
    start_slow(flaw, Duration::ZERO).await
}

/// [`start`], for a receiver that takes `delay` to answer every request
/// (its refusals too): run it on tokio's paused clock.
pub async fn start_slow(flaw: Flaw, delay: Duration) -> SocketAddr {
    let receiver = Arc::new(Receiver {
        flaw,
        secret: secret(),
        seen: Mutex::new(HashSet::new()),
        processed: AtomicU64::new(0),
        verified: AtomicU64::new(0),
        failed_repeats: Mutex::new(HashSet::new()),
        delay,
        start_secs: super::now_secs(),
        started: tokio::time::Instant::now(),
    });
    let router = Router::new()
        .route("/webhook", post(receive))
        .route("/state", get(state))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(receiver);
    super::serve(router).await
}

async fn state(State(receiver): State<Arc<Receiver>>) -> axum::Json<Value> {
    axum::Json(json!({"processed": receiver.processed.load(Ordering::SeqCst)}))
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, axum::Json<Value>) {
    if !receiver.delay.is_zero() {
        tokio::time::sleep(receiver.delay).await;
    }
    answer(&receiver, &headers, &body)
}

/// The answer of a receiver with `receiver.flaw`, at once.
fn answer(
    receiver: &Receiver,
    headers: &HeaderMap,
    body: &Bytes,
) -> (StatusCode, axum::Json<Value>) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let refuse = |status, why: &str| (status, axum::Json(json!({"error": why})));
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    let signed_bytes = match (receiver.flaw, &parsed) {
        (Flaw::Reserializes, Ok(value)) => Bytes::from(serde_json::to_vec(value).unwrap()),
        (Flaw::Reserializes, Err(_)) => return refuse(StatusCode::BAD_REQUEST, "not JSON"),
        _ => body.clone(),
    };
    // Ten years: in effect, no limit on the timestamp's age.
    let tolerance = match receiver.flaw {
        Flaw::SkipsTimestamp => 10 * 365 * 24 * 3600,
        _ => signature::DEFAULT_TOLERANCE_SECS,
    };
    let crashes_on_rotation = matches!(
        receiver.flaw,
        Flaw::CrashesOnRotation | Flaw::FailsEveryThirdAndCrashesOnRotation
    );
    if crashes_on_rotation && header("webhook-signature").is_some_and(|s| s.contains(' ')) {
        return refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot parse the signature",
        );
    }
    if receiver.flaw == Flaw::ComparesPrefix {
        let (Some(id), Some(timestamp), Some(signatures)) = (
            header("webhook-id"),
            header("webhook-timestamp").and_then(|t| t.parse::<i64>().ok()),
            header("webhook-signature"),
        ) else {
            return refuse(StatusCode::UNAUTHORIZED, "missing headers");
        };
        if (receiver.now_secs() - timestamp).abs() > signature::DEFAULT_TOLERANCE_SECS {
            return refuse(StatusCode::UNAUTHORIZED, "stale");
        }
        let genuine = receiver.secret.sign(id, timestamp, &signed_bytes);
        let expected = &genuine["v1,".len()..][..PREFIX_CHARS];
        let matches = signatures.split(' ').any(|given| {
            given
                .strip_prefix("v1,")
                .is_some_and(|b64| b64.len() >= PREFIX_CHARS && &b64[..PREFIX_CHARS] == expected)
        });
        if !matches {
            return refuse(StatusCode::UNAUTHORIZED, "signature mismatch");
        }
    } else if receiver.flaw != Flaw::SkipsSignature {
        let verdict = signature::verify(
            std::slice::from_ref(&receiver.secret),
            header("webhook-id"),
            header("webhook-timestamp"),
            header("webhook-signature"),
            &signed_bytes,
            receiver.now_secs(),
            tolerance,
        );
        if let Err(rejection) = verdict {
            return refuse(StatusCode::UNAUTHORIZED, rejection.reason());
        }
    }
    if parsed.is_err() {
        return refuse(StatusCode::BAD_REQUEST, "not JSON");
    }
    let id = header("webhook-id").unwrap_or_default().to_owned();
    let repeat = receiver.seen.lock().unwrap().contains(&id);
    let fails_repeat = match receiver.flaw {
        Flaw::FailsEveryFirstRepeat => true,
        Flaw::FailsTheFirstRepeatOnce => receiver.failed_repeats.lock().unwrap().is_empty(),
        _ => false,
    };
    if repeat && fails_repeat && receiver.failed_repeats.lock().unwrap().insert(id.clone()) {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "oops");
    }
    let first = receiver.seen.lock().unwrap().insert(id);
    let every_third = matches!(
        receiver.flaw,
        Flaw::FailsEveryThird | Flaw::FailsEveryThirdAndCrashesOnRotation
    );
    if every_third && (receiver.verified.fetch_add(1, Ordering::SeqCst) + 1).is_multiple_of(3) {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "oops");
    }
    if first || receiver.flaw == Flaw::ProcessesDuplicates {
        receiver.processed.fetch_add(1, Ordering::SeqCst);
    }
    (StatusCode::OK, axum::Json(json!({"received": true})))
}

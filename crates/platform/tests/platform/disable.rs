//! Disabling an endpoint that keeps failing, and taking it back: a burst of
//! failed attempts within seconds (a shop restarting) does not disable it,
//! a run of failures that lasted does; `recover` enables it again and
//! resends every event it missed, those that settled while it was disabled
//! included.

use super::*;
use hooklab_platform::DisablePolicy;

/// Order `n`'s creation body.
fn order_body(n: u64) -> String {
    ORDER.replace("ord_000001", OrderId::numbered(n).as_str())
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_failures_does_not_disable_a_lasting_run_does_and_recover_takes_it_back() {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = {
        let lines = lines.clone();
        hooklab_core::events::EventSink::to(move |e| lines.lock().unwrap().push(e.line()))
    };
    let disabled = |lines: &Mutex<Vec<String>>| {
        lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("DISABLED"))
            .cloned()
            .collect::<Vec<_>>()
    };
    // Eleven failures, then 200s. Each payment settles 10 ms after its
    // creation; one attempt per event, so every failure is a new event's.
    let http = RecordingHttp::answering(&[(500, None); 11]);
    let plan = SettlementPlan::new(
        (1..=13).map(|n| (OrderId::numbered(n), Dur::from_ms(10), Outcome::Approved)),
    );
    let delivery = DeliverySettings {
        retry_schedule: vec![Dur::ZERO],
        timeout_ms: Dur::from_secs(15),
        jitter: 0.0,
    };
    let cfg = PlatformConfig {
        delivery,
        disable_after_failures: Some(DisablePolicy {
            failures: 3,
            failing_for: Dur::from_secs(60),
        }),
        events: sink,
        ..config(plan)
    };
    let p = Platform::new(Clock::starting_now(EPOCH_US), cfg, http.clone());
    let _workers = start(&p);
    register(&p).await;
    // A burst: ten failed attempts within a second, more than the count,
    // far less than the time.
    for n in 1..=10 {
        call(&p, "POST", "/v1/payments", Some(&order_body(n)), None).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(http.take().len(), 10);
    assert_eq!(
        disabled(&lines),
        Vec::<String>::new(),
        "a burst disabled it"
    );
    // Still failing 70 s after the first failure: the run lasted.
    tokio::time::sleep(Duration::from_secs(69)).await;
    call(&p, "POST", "/v1/payments", Some(&order_body(11)), None).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(http.take().len(), 1);
    let said = disabled(&lines);
    assert!(
        said.len() == 1 && said[0].contains("we_000001 DISABLED: 11 consecutive failed attempts"),
        "{said:#?}"
    );
    // Settled while it is disabled: not sent, but not forgotten either.
    call(&p, "POST", "/v1/payments", Some(&order_body(12)), None).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(http.take().len(), 0, "sent to a disabled endpoint");
    // The receiver is back: recovering enables the endpoint and resends the
    // eleven failed events and the one it never got.
    let (status, _, recovered) = recover_first_endpoint(&p).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{recovered}");
    assert_eq!(recovered["resending"], 12, "{recovered}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut ids: Vec<String> = http
        .take()
        .iter()
        .map(|(_, r)| r.headers()["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    ids.sort();
    let expected: Vec<String> = (1..=12)
        .map(|n| hooklab_core::ids::EventId::numbered(n).to_string())
        .collect();
    assert_eq!(ids, expected);
    // Enabled again: the next settlement goes out as it happens.
    call(&p, "POST", "/v1/payments", Some(&order_body(13)), None).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(http.take().len(), 1, "not delivered after the recovery");
    // Everything delivered: nothing left to recover.
    let (_, _, again) = recover_first_endpoint(&p).await;
    assert_eq!(again["resending"], 0, "{again}");
}

/// The policy's two conditions, on their own.
#[test]
fn the_disable_policy_needs_both_the_count_and_the_time() {
    use hooklab_core::clock::Micros;
    let policy = DisablePolicy::SERVER;
    let day = 86_400_000_000;
    assert!(!policy.disables(1_000, Micros(0), Micros(2_000_000)));
    assert!(!policy.disables(19, Micros(0), Micros(6 * day)));
    assert!(!policy.disables(20, Micros(0), Micros(4 * day)));
    assert!(policy.disables(20, Micros(0), Micros(5 * day)));
    assert!(DisablePolicy::after_failures(3).disables(3, Micros(5), Micros(5)));
}

//! The two-terminal demo as a class runs it: `hooklab platform`, then
//! `hooklab shop`, restarted, or sent what it never ordered.

use crate::class::{Killed, hooklab, platform_process, read_line};
use std::path::Path;
use std::process::{Child, ChildStdout, Stdio};

/// `hooklab shop` with the webhook strategy against the platform at
/// `address`, with `extra` flags; its standard output is piped.
fn webhook_shop(dir: &Path, address: &str, key: &str, extra: &[&str]) -> Child {
    hooklab(dir)
        .args(["shop", "--platform", address, "--api-key", key])
        .args(["--strategy", "webhook", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The first line of `out` that contains `what`, reading as long as it
/// takes (no sleep: blocking reads); a panic, with what was read, at the
/// end of the output.
fn line_with(out: &mut ChildStdout, what: &str) -> String {
    let mut read = Vec::new();
    loop {
        let line = read_line(out);
        if line.contains(what) {
            return line;
        }
        assert!(!line.is_empty(), "no {what:?} in:\n{}", read.join("\n"));
        read.push(line);
    }
}

/// A shop restarted with `--data` enters again the orders its inbox kept
/// waiting for their outcome: it used to print them as "placed", as if it
/// had made new orders.
#[test]
fn a_shop_restarted_on_its_inbox_says_its_waiting_orders_are_resumed() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing settles during the test: the order stays waiting.
    let (_platform, _platform_out, address, key) =
        platform_process(dir.path(), &["--settle-after", "1h", "--data", ":memory:"]);
    // A shop on the same inbox each time, placing `orders` new orders.
    let on_inbox = |orders: &str| {
        let flags = ["--data", "shop.sqlite", "--orders", orders];
        Killed(webhook_shop(dir.path(), &address, &key, &flags))
    };
    let mut first = on_inbox("1");
    let mut out = first.0.stdout.take().unwrap();
    // The inbox records an order before the line is printed.
    let placed = line_with(&mut out, " placed");
    let order = placed
        .split_whitespace()
        .find(|w| w.starts_with("ord_"))
        .unwrap_or_else(|| panic!("no order in {placed:?}"))
        .to_owned();
    drop(first);
    let mut second = on_inbox("0");
    let mut out = second.0.stdout.take().unwrap();
    let inbox = line_with(&mut out, "inbox:");
    assert!(inbox.contains("1 waiting for their outcome"), "{inbox}");
    let again = line_with(&mut out, &order);
    assert!(
        again.ends_with(&format!(
            "order {order} resumed (placed before the restart)"
        )),
        "{again}"
    );
    drop(second);
}

/// A correctly signed event about an order the shop never placed (here one
/// made by hand with `hooklab order`, as another shop on the same account
/// would) is acknowledged, but not silently: the shop warns, naming the
/// order, and its last line counts it.
#[test]
fn a_signed_event_for_an_order_the_shop_does_not_know_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let (_platform, _platform_out, address, key) =
        platform_process(dir.path(), &["--settle-after", "1h", "--data", ":memory:"]);
    let mut shop = Killed(webhook_shop(dir.path(), &address, &key, &["--orders", "1"]));
    let mut out = shop.0.stdout.take().unwrap();
    line_with(&mut out, "receiving webhooks");
    let order = hooklab(dir.path())
        .args(["order", "--platform", &address, "--api-key", &key])
        .args(["--order-id", "ord_stranger", "--settle-after", "1ms"])
        .output()
        .unwrap();
    assert_eq!(order.status.code(), Some(0), "{order:?}");
    // Read on a thread: with no warning coming, the test fails after a
    // minute instead of waiting on the running shop for ever. The warning
    // is one of the shop's lines (in the reader's language), on stdout.
    let lines = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if lines.0.send(line).is_err() {
                break;
            }
        }
    });
    let warning = loop {
        let line = lines
            .1
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("no line naming ord_stranger on the shop's stdout");
        if line.contains("ord_stranger") {
            break line;
        }
    };
    assert!(warning.contains("does not know"), "{warning}");
    // Ctrl-C: the shop stops and prints its counts.
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &shop.0.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let done = loop {
        let line = lines
            .1
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("no done: line after Ctrl-C");
        if line.contains("done:") {
            break line;
        }
    };
    assert!(
        done.ends_with(
            "; 1 signed event about orders this shop does not know (acknowledged, not applied)"
        ),
        "{done}"
    );
    drop(shop);
}

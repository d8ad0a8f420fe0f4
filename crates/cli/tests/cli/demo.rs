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
    // Ctrl-C: the shop stops, says it was cut short, and prints its counts.
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &shop.0.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let done = loop {
        let line = lines
            .1
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("no interrupted line after Ctrl-C");
        if line.contains("interrupted (Ctrl-C):") {
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

/// Every line of `out` until the one that contains `what` (included),
/// reading as long as it takes; a panic at the end of the output.
pub(crate) fn lines_until(out: &mut ChildStdout, what: &str) -> Vec<String> {
    let mut read = Vec::new();
    loop {
        let line = read_line(out);
        let found = line.contains(what);
        assert!(
            found || !line.is_empty(),
            "no {what:?} in:\n{}",
            read.join("\n")
        );
        read.push(line);
        if found {
            return read;
        }
    }
}

/// The number before `what` in `line` (`77` in "…, 77 waiting for…").
fn count_before(line: &str, what: &str) -> u64 {
    let head = &line[..line
        .find(what)
        .unwrap_or_else(|| panic!("{what:?} in {line:?}"))];
    head.split_whitespace()
        .last()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count before {what:?} in {line:?}"))
}

/// The engineer tester's first durability finding: a shop killed (`kill
/// -9`) in the middle of a burst of orders and restarted 2.5 s later on
/// the same `--data` and address takes back the endpoint it had (the
/// platform did not disable it within seconds), and learns every order it
/// was waiting for: those that settled while it was dead included, whose
/// webhooks it missed.
#[test]
fn a_shop_killed_mid_burst_takes_its_endpoint_back_and_learns_every_order() {
    let dir = tempfile::tempdir().unwrap();
    let (_platform, _platform_out, address, key) =
        platform_process(dir.path(), &["--settle-after", "1s", "--data", "p.sqlite"]);
    let flags = ["--data", "s.sqlite", "--orders", "400", "--every", "10ms"];
    let mut first = Killed(webhook_shop(dir.path(), &address, &key, &flags));
    let mut out = first.0.stdout.take().unwrap();
    let receiving = line_with(&mut out, "receiving webhooks at");
    let url = receiving
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    let endpoint = receiving
        .split_whitespace()
        .find(|w| w.starts_with("we_"))
        .unwrap()
        .trim_end_matches(',')
        .to_owned();
    // Killed once some orders were placed, before most had settled.
    for _ in 0..30 {
        line_with(&mut out, " placed");
    }
    drop(first);
    // Dead for 2.5 s: settlements come due, their deliveries fail.
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    let listen = url
        .trim_start_matches("http://")
        .trim_end_matches("/webhooks/payments")
        .to_owned();
    let again = ["--data", "s.sqlite", "--orders", "0", "--listen", &listen];
    let mut second = Killed(
        hooklab(dir.path())
            .args(["shop", "--platform", &address, "--api-key", &key])
            .args(["--strategy", "webhook"])
            .args(again)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut out = second.0.stdout.take().unwrap();
    // Read to "done:"; if the output ends before it (seen once on a loaded
    // machine), the failure shows what the shop said on stderr too.
    let mut lines = Vec::new();
    loop {
        let line = read_line(&mut out);
        if line.is_empty() {
            let mut err = String::new();
            let _ = std::io::Read::read_to_string(&mut second.0.stderr.take().unwrap(), &mut err);
            panic!(
                "the restarted shop's output ended before \"done:\":\n{}\nstderr:\n{err}",
                lines.join("\n")
            );
        }
        let done = line.contains("done:");
        lines.push(line);
        if done {
            break;
        }
    }
    let said = lines.join("\n");
    let inbox = lines.iter().find(|l| l.contains("inbox:")).unwrap();
    let waiting = count_before(inbox, "waiting for their outcome");
    // Thirty orders were placed; on a slow machine a few may have been
    // learned (by webhook) before the kill, so they are known, not waiting.
    let known = count_before(inbox, "orders known");
    assert!(waiting + known >= 30, "{said}");
    let reused = lines
        .iter()
        .find(|l| l.contains("receiving webhooks at"))
        .unwrap();
    assert!(
        reused.contains(&format!("again (endpoint {endpoint}, kept in its inbox")),
        "{said}"
    );
    let done = lines.last().unwrap();
    assert!(
        done.contains(&format!("done: {waiting} orders known")),
        "{said}"
    );
    let status = second.0.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{said}");
}

/// The engineer tester's second finding: the platform killed (`kill -9`)
/// while the shop places orders and started again 2 s later on the same
/// file and address: the shop retries each creation (same
/// `Idempotency-Key`) until the platform is back, and learns every order;
/// none is said to have failed.
#[test]
fn orders_placed_while_the_platform_restarts_are_created_when_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let (platform, _platform_out, address, key) = platform_process(
        dir.path(),
        &["--settle-after", "300ms", "--data", "p.sqlite"],
    );
    let flags = ["--data", "s.sqlite", "--orders", "20", "--every", "100ms"];
    let mut shop = Killed(webhook_shop(dir.path(), &address, &key, &flags));
    let mut out = shop.0.stdout.take().unwrap();
    let mut lines = Vec::new();
    for _ in 0..3 {
        lines.extend(lines_until(&mut out, " placed"));
    }
    drop(platform);
    std::thread::sleep(std::time::Duration::from_secs(2));
    let listen = address.trim_start_matches("http://").to_owned();
    let mut restarted = Killed(
        hooklab(dir.path())
            .args(["platform", "--listen", &listen])
            .args(["--settle-after", "300ms", "--data", "p.sqlite"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut platform_out = restarted.0.stdout.take().unwrap();
    let listening = read_line(&mut platform_out);
    assert!(listening.contains(&address), "{listening}");
    lines.extend(lines_until(&mut out, "done:"));
    let said = lines.join("\n");
    assert!(!said.contains("failed"), "{said}");
    assert!(
        lines.last().unwrap().contains("done: 20 orders known"),
        "{said}"
    );
    let status = shop.0.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{said}");
}

/// A resumed order whose payment the platform does not know (it was
/// started afresh) is created again with its own `Idempotency-Key`, and
/// learned; an order whose creation was refused is kept as missed, never
/// resumed.
#[test]
fn resumed_orders_the_platform_forgot_are_created_again_and_refused_ones_not_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let fixed = ["--api-key", "sk_test_restart_lab_000000000000"];
    let memory = ["--settle-after", "1h", "--data", ":memory:"];
    let (platform, _out, address, key) =
        platform_process(dir.path(), &[&memory[..], &fixed[..]].concat());
    // An order refused (a wrong key): stored as missed, and not resumed by
    // the next start on that inbox (its own: an inbox belongs to one key).
    let wrong = |orders: &str| {
        hooklab(dir.path())
            .args([
                "shop",
                "--platform",
                &address,
                "--api-key",
                "sk_test_wrong_key_0000000000000",
            ])
            .args(["--strategy", "poll", "--orders", orders])
            .args(["--data", "refused.sqlite"])
            .output()
            .unwrap()
    };
    let refused = wrong("1");
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let again = wrong("0");
    let said = String::from_utf8_lossy(&again.stdout);
    assert!(said.contains(" 0 waiting for their outcome"), "{again:?}");
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    // An order placed, then shop and platform killed before it settled.
    let mut first = Killed(webhook_shop(
        dir.path(),
        &address,
        &key,
        &["--data", "s.sqlite", "--orders", "1"],
    ));
    let mut out = first.0.stdout.take().unwrap();
    line_with(&mut out, " placed");
    drop(first);
    drop(platform);
    // Started afresh at the same address (an inbox belongs to one platform
    // address and key: another would be refused).
    let listen = address.trim_start_matches("http://").to_owned();
    let mut platform = Killed(
        hooklab(dir.path())
            .args(["platform", "--listen", &listen])
            .args(["--settle-after", "200ms", "--data", ":memory:"])
            .args(fixed)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut platform_out = platform.0.stdout.take().unwrap();
    let listening = read_line(&mut platform_out);
    assert!(listening.contains(&address), "{listening}");
    let mut second = Killed(webhook_shop(
        dir.path(),
        &address,
        &key,
        &["--data", "s.sqlite", "--orders", "0"],
    ));
    let mut out = second.0.stdout.take().unwrap();
    // Read to "done:"; if the output ends before it (seen once on a loaded
    // machine), the failure shows what the shop said on stderr too.
    let mut lines = Vec::new();
    loop {
        let line = read_line(&mut out);
        if line.is_empty() {
            let mut err = String::new();
            let _ = std::io::Read::read_to_string(&mut second.0.stderr.take().unwrap(), &mut err);
            panic!(
                "the restarted shop's output ended before \"done:\":\n{}\nstderr:\n{err}",
                lines.join("\n")
            );
        }
        let done = line.contains("done:");
        lines.push(line);
        if done {
            break;
        }
    }
    let said = lines.join("\n");
    let inbox = lines.iter().find(|l| l.contains("inbox:")).unwrap();
    assert!(inbox.contains(" 1 waiting for their outcome"), "{said}");
    assert!(
        lines.last().unwrap().contains("done: 1 order known"),
        "{said}"
    );
    assert_eq!(second.0.wait().unwrap().code(), Some(0), "{said}");
}

/// A shop restarted on its inbox with another `--listen`: the endpoint its
/// inbox kept delivers to the old address, where nothing listens. It used
/// to register a second endpoint beside it, and the old one stayed at the
/// platform, retrying the dead address, with the events it failed to
/// deliver never sent to the new one. Now the new address gets its own
/// endpoint, the old one is removed from the platform (deleting it again
/// is a 404), its undelivered events are resent to the new, one line says
/// so, and every order is learned.
#[test]
fn a_shop_restarted_on_another_address_moves_its_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let (_platform, _platform_out, address, key) =
        platform_process(dir.path(), &["--settle-after", "1s", "--data", "p.sqlite"]);
    let flags = ["--data", "s.sqlite", "--orders", "40", "--every", "10ms"];
    let mut first = Killed(webhook_shop(dir.path(), &address, &key, &flags));
    let mut out = first.0.stdout.take().unwrap();
    let receiving = line_with(&mut out, "receiving webhooks at");
    let word = |line: &str, prefix: &str| {
        line.split_whitespace()
            .find(|w| w.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in {line:?}"))
            .trim_end_matches([',', ')', ':'])
            .to_owned()
    };
    let (old_url, old_id) = (word(&receiving, "http://"), word(&receiving, "we_"));
    for _ in 0..20 {
        line_with(&mut out, " placed");
    }
    drop(first);
    // Dead for 1.5 s: settlements come due, their deliveries to the old
    // address fail.
    std::thread::sleep(std::time::Duration::from_millis(1_500));
    // Another port: `127.0.0.1:0` again gives a new one.
    let again = ["--data", "s.sqlite", "--orders", "0"];
    let mut second = Killed(webhook_shop(dir.path(), &address, &key, &again));
    let mut out = second.0.stdout.take().unwrap();
    let lines = lines_until(&mut out, "done:");
    let said = lines.join("\n");
    let moved = lines
        .iter()
        .find(|l| l.contains("receiving webhooks at"))
        .unwrap();
    let new_url = word(moved, "http://");
    assert_ne!(new_url, old_url, "{said}");
    assert!(
        moved.contains(&format!(
            "its inbox's endpoint {old_id} delivered to {old_url}, so it was removed from the platform"
        )),
        "{said}"
    );
    assert!(moved.contains("the platform is resending"), "{said}");
    let inbox = lines.iter().find(|l| l.contains("inbox:")).unwrap();
    let waiting = count_before(inbox, "waiting for their outcome");
    assert!(
        lines
            .last()
            .unwrap()
            .contains(&format!("done: {waiting} orders known")),
        "{said}"
    );
    assert_eq!(second.0.wait().unwrap().code(), Some(0), "{said}");
    // Gone from the platform: deleting it again is a 404.
    let host = address.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(host).unwrap();
    let request = format!(
        "DELETE /v1/webhook_endpoints/{old_id} HTTP/1.1\r\nHost: {host}\r\n\
         Authorization: Bearer {key}\r\nConnection: close\r\n\r\n"
    );
    std::io::Write::write_all(&mut conn, request.as_bytes()).unwrap();
    let status = read_line(&mut conn);
    assert!(status.contains(" 404 "), "{status}");
}

/// The platform killed while the shop places orders: each creation is
/// retried for two minutes, which used to pass with no line at all, as if
/// the shop hung. The shop says it is retrying (which order, for how much
/// longer), and once the platform is back it learns every order.
#[test]
fn a_shop_retrying_creations_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (platform, _platform_out, address, key) = platform_process(
        dir.path(),
        &["--settle-after", "300ms", "--data", "p.sqlite"],
    );
    let flags = ["--data", "s.sqlite", "--orders", "10", "--every", "100ms"];
    let mut shop = Killed(webhook_shop(dir.path(), &address, &key, &flags));
    let mut out = shop.0.stdout.take().unwrap();
    let mut lines = lines_until(&mut out, " placed");
    drop(platform);
    let killed = std::time::Instant::now();
    // Read as it comes (blocking reads): the line is said at the first
    // failed try after the kill.
    let retrying = line_with(&mut out, "retrying order");
    assert!(
        retrying.contains("platform unreachable (no answer), retrying order ord_"),
        "{retrying}"
    );
    // Most of the two minutes: `119s`, or `2m` exactly.
    let left = retrying
        .rsplit_once("for another ")
        .map(|(_, s)| s.split_whitespace().next().unwrap_or(""))
        .unwrap_or_else(|| panic!("no time left in {retrying:?}"));
    let seconds: u64 = match left.strip_suffix('m') {
        Some(minutes) => minutes.parse::<u64>().map(|m| m * 60),
        None => left.trim_end_matches('s').parse(),
    }
    .unwrap_or_else(|_| panic!("no time left in {retrying:?}"));
    assert!((100..=120).contains(&seconds), "{retrying}");
    let listen = address.trim_start_matches("http://").to_owned();
    let mut restarted = Killed(
        hooklab(dir.path())
            .args(["platform", "--listen", &listen])
            .args(["--settle-after", "300ms", "--data", "p.sqlite"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut platform_out = restarted.0.stdout.take().unwrap();
    let listening = read_line(&mut platform_out);
    assert!(listening.contains(&address), "{listening}");
    lines.extend(lines_until(&mut out, "done:"));
    let said = lines.join("\n");
    // At most once every ten seconds: not once per order or per try (ten
    // orders, several tries each while the platform was down).
    let again = lines
        .iter()
        .filter(|l| l.contains("retrying order"))
        .count();
    let bound = killed.elapsed().as_secs() / 10;
    assert!(again as u64 <= bound, "{again} more in {bound}0 s:\n{said}");
    assert!(
        lines.last().unwrap().contains("done: 10 orders known"),
        "{said}"
    );
    assert_eq!(shop.0.wait().unwrap().code(), Some(0), "{said}");
}

/// The engineer tester's finding: an inbox reused with another
/// `--platform` or `--api-key` made the shop ask that platform about
/// orders it never had (404, 401) and end them as missed. The inbox keeps
/// whom its orders belong to; given another platform or key it is refused
/// before any request, exit 2, in both languages, saying which file, whom
/// it belongs to, what was given and what to do, never the key in clear.
#[test]
fn an_inbox_is_refused_to_another_platform_or_key() {
    let dir = tempfile::tempdir().unwrap();
    // No platform is needed: the inbox is checked before any request (a
    // poll shop with no order and nothing waiting sends none).
    let shop = |platform: &str, key: &str, lang: &str| {
        hooklab(dir.path())
            .args(["--lang", lang, "shop", "--platform", platform])
            .args(["--api-key", key, "--strategy", "poll", "--orders", "0"])
            .args(["--data", "s.sqlite"])
            .output()
            .unwrap()
    };
    // Platform addresses are only the inbox's owner here: nothing listens
    // there, so the shop's one question (which platform is it?) gets no
    // answer and the address decides; with `--orders 0` it sends nothing else.
    let (a, key) = ("http://127.0.0.1:9", "sk_test_owner_key_000000000000");
    let first = shop(a, key, "en");
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    // The same platform spelled with a slash is the same owner.
    let same = shop("http://127.0.0.1:9/", key, "en");
    assert_eq!(same.status.code(), Some(0), "{same:?}");
    for (platform, given) in [
        ("http://127.0.0.1:10", key),
        (a, "sk_test_another_key_0000000000"),
    ] {
        for (lang, words) in [
            ("en", ["holds the orders", "--data", "delete"]),
            ("pt-BR", ["guarda os pedidos", "--data", "apague"]),
        ] {
            let refused = shop(platform, given, lang);
            let err = String::from_utf8_lossy(&refused.stderr);
            assert_eq!(refused.status.code(), Some(2), "{lang}: {err}");
            for part in words.iter().chain(&["s.sqlite", a, platform, "sha256:"]) {
                assert!(err.contains(part), "{lang}: {part:?} in {err}");
            }
            assert!(!err.contains(key) && !err.contains(given), "{err}");
        }
    }
    // Refused, the file is unchanged: its owner opens it as before.
    let back = shop(a, key, "en");
    assert_eq!(back.status.code(), Some(0), "{back:?}");
}

/// A student's finding: `hooklab platform --listen 127.0.0.1:0` picks a new
/// port at each start, and a shop's inbox refused the same platform, on
/// the same data file, restarted on its new port (exit 2), as if it were
/// another. The inbox now knows its platform by its id (`GET
/// /v1/platform`: the epoch its data file keeps), follows it to its new
/// address and says so; another platform (another data file) on another
/// port is still refused, saying it is another and what to do, in both
/// languages.
#[test]
fn an_inbox_follows_its_platform_restarted_on_another_port() {
    let dir = tempfile::tempdir().unwrap();
    let durable = ["--settle-after", "1h", "--data", "p.sqlite"];
    let (platform, _out, address, key) = platform_process(dir.path(), &durable);
    let shop = |platform: &str, lang: &str| {
        hooklab(dir.path())
            .args(["--lang", lang, "shop", "--platform", platform])
            .args(["--api-key", &key, "--strategy", "poll", "--orders", "0"])
            .args(["--data", "s.sqlite"])
            .output()
            .unwrap()
    };
    let first = shop(&address, "en");
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    drop(platform);
    // Its old port held, so the restart surely gets another one.
    let _held = std::net::TcpListener::bind(address.trim_start_matches("http://"));
    let (_platform, _out, moved, same_key) = platform_process(dir.path(), &durable);
    assert_ne!(moved, address);
    assert_eq!(same_key, key, "the data file keeps the key");
    let second = shop(&moved, "en");
    let said = String::from_utf8_lossy(&second.stdout);
    assert_eq!(second.status.code(), Some(0), "{second:?}");
    assert!(
        said.contains(&format!("moved from {address} to {moved}")),
        "{said}"
    );
    // Another data file, the same key: another platform, refused.
    let other_file = ["--data", "other.sqlite", "--api-key", &key];
    let (_other, _out, other, _) = platform_process(dir.path(), &other_file);
    for (lang, words) in [
        (
            "en",
            [
                "is another platform",
                "with the --data file it had",
                "delete",
            ],
        ),
        (
            "pt-BR",
            [
                "é outra plataforma",
                "com o arquivo --data que ela tinha",
                "apague",
            ],
        ),
    ] {
        let refused = shop(&other, lang);
        let err = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(2), "{lang}: {err}");
        for part in words
            .iter()
            .chain(&["s.sqlite", moved.as_str(), other.as_str()])
        {
            assert!(err.contains(part), "{lang}: {part:?} in {err}");
        }
    }
    // Still its own platform's: opened at the new address as before.
    let back = shop(&moved, "en");
    assert_eq!(back.status.code(), Some(0), "{back:?}");
}

/// A webhook shop given a key the platform does not know stopped at its
/// endpoint's registration (401) with exit 1, a runtime failure, while a
/// polling shop's refused orders exit 2: the key is the user's flag to
/// fix either way. Now 2 for both, with what to do.
#[test]
fn a_webhook_shop_with_a_wrong_key_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let (_platform, _out, address, _key) =
        platform_process(dir.path(), &["--settle-after", "1h", "--data", ":memory:"]);
    for (lang, words) in [
        ("en", "(hooklab platform prints its key at start)"),
        (
            "pt-BR",
            "use a --api-key que `hooklab platform` imprimiu ao iniciar",
        ),
    ] {
        let out = hooklab(dir.path())
            .args(["--lang", lang, "shop", "--platform", &address])
            .args(["--api-key", "sk_test_not_this_platforms_0000"])
            .args([
                "--strategy",
                "webhook",
                "--listen",
                "127.0.0.1:0",
                "--orders",
                "1",
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{lang}: {err}");
        assert!(err.contains(words), "{lang}: {err}");
    }
}

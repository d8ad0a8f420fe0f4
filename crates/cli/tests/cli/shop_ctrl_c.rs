//! `hooklab shop` and Ctrl-C. A tester's finding: a webhook shop stopped
//! with Ctrl-C after its orders were placed printed "fim: 0 pedidos
//! conhecidos" and exited 0, as if it had finished. Now its last line says
//! it was cut short, with what it placed, knows and still waits for (read
//! from the shop's book), what becomes of the waiting orders, and it exits
//! 130, as `hooklab live` does.

use crate::class::{Killed, hooklab, platform_process, read_line};
use crate::demo::lines_until;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A webhook shop in `lang` placing 5 orders an hour apart, against a
/// platform where nothing settles for an hour: one order is placed, then
/// Ctrl-C. What it printed after, and its exit code.
fn shop_stopped_after_one_order(
    dir: &Path,
    address: &str,
    key: &str,
    lang: &str,
    extra: &[&str],
) -> (Vec<String>, Option<i32>) {
    let mut shop = Killed(
        hooklab(dir)
            .args(["--lang", lang, "shop", "--platform", address])
            .args(["--api-key", key, "--strategy", "webhook"])
            .args(["--listen", "127.0.0.1:0", "--orders", "5", "--every", "1h"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut out = shop.0.stdout.take().unwrap();
    let placed = if lang == "en" { " placed" } else { " feito" };
    lines_until(&mut out, placed);
    let sent = std::process::Command::new("kill")
        .args(["-INT", &shop.0.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    // The rest of its output, to its end (the pipe closes when it exits).
    let mut rest = Vec::new();
    loop {
        let line = read_line(&mut out);
        if line.is_empty() {
            break;
        }
        rest.push(line);
    }
    // A hang guard, not a speed check: its next order is an hour away.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = shop.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "{lang}: still running 30 s after Ctrl-C:\n{}",
            rest.join("\n")
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    (rest, status.code())
}

#[test]
fn ctrl_c_stops_the_shop_says_what_waits_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let (_platform, _platform_out, address, key) =
        platform_process(dir.path(), &["--settle-after", "1h", "--data", ":memory:"]);
    // Without --data: nothing keeps the waiting order.
    let (said, code) = shop_stopped_after_one_order(dir.path(), &address, &key, "en", &[]);
    let said = said.join("\n");
    assert_eq!(code, Some(130), "{said}");
    assert!(
        said.contains("interrupted (Ctrl-C): 1 order placed, 0 known, 1 still waiting;"),
        "{said}"
    );
    assert!(
        said.contains("without --data nothing keeps the order still waiting: a next start does not wait for it"),
        "{said}"
    );
    assert!(!said.contains("done:"), "{said}");
    // With --data, in Portuguese: the inbox keeps it, and a restart on it
    // finds it waiting.
    let flags = ["--data", "shop.sqlite"];
    let (said, code) = shop_stopped_after_one_order(dir.path(), &address, &key, "pt-BR", &flags);
    let said = said.join("\n");
    assert_eq!(code, Some(130), "{said}");
    assert!(
        said.contains("interrompido (Ctrl-C): 1 pedido feito, 0 conhecidos, 1 ainda esperando;"),
        "{said}"
    );
    assert!(
        said.contains(
            "a caixa de entrada shop.sqlite guarda o pedido que espera para o próximo início"
        ),
        "{said}"
    );
    assert!(!said.contains("fim:"), "{said}");
    let mut again = Killed(
        hooklab(dir.path())
            .args(["--lang", "pt-BR", "shop", "--platform", &address])
            .args(["--api-key", &key, "--strategy", "webhook"])
            .args(["--listen", "127.0.0.1:0", "--orders", "0"])
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut out = again.0.stdout.take().unwrap();
    let inbox = lines_until(&mut out, "caixa de entrada:").pop().unwrap();
    assert!(inbox.contains("1 esperando o resultado"), "{inbox}");
}

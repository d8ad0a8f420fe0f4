//! The server's own warning (a shutdown that cut connections still open at
//! its deadline) has a Portuguese form, but no command passed the run's
//! language to the server: `hooklab --lang pt-BR platform` warned in
//! English. Now `platform` (and `shop`'s and `github listen`'s receivers)
//! say it in the run's language.

use crate::class::{Killed, hooklab, read_line};
use std::io::Write;
use std::process::Stdio;

#[test]
fn a_platform_cut_at_its_shutdown_deadline_warns_in_the_runs_language() {
    let dir = super::temp_dir();
    for (lang, words) in [
        ("pt-BR", "prazo de desligamento (5 s) esgotado"),
        ("en", "shutdown deadline (5 s) reached"),
    ] {
        let mut platform = Killed(
            hooklab(dir.path())
                .args(["--lang", lang, "platform", "--listen", "127.0.0.1:0"])
                .args(["--data", ":memory:"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let mut out = platform.0.stdout.take().unwrap();
        let first = read_line(&mut out);
        let addr = first
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_owned();
        let keyed = read_line(&mut out);
        let key = keyed.split_whitespace().last().unwrap().to_owned();
        assert!(key.starts_with("sk_test_"), "{keyed}");
        // A request whose body never comes: in flight when the shutdown
        // starts, so the server waits for it until its deadline (5 s, well
        // under the 30 s request deadline), then cuts it and warns.
        let mut held = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            held,
            "POST /v1/payments HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
             Content-Type: application/json\r\n\
             Content-Length: 100\r\n\r\n{{\"order_id\""
        )
        .unwrap();
        held.flush().unwrap();
        // A request the platform answers on another connection: by its
        // answer, the held one has been read up to its body.
        let mut probe = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            probe,
            "GET /v1/platform HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut probe, &mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1"), "{answer}");
        let sent = std::process::Command::new("kill")
            .args(["-INT", &platform.0.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let mut err = String::new();
        std::io::Read::read_to_string(&mut platform.0.stderr.take().unwrap(), &mut err).unwrap();
        assert!(err.contains(words), "{lang}: {err}");
        drop(held);
    }
}

//! Binding the address a command serves on, and saying why it could not.
//!
//! `hooklab platform`, `hooklab shop` (its webhook receiver), `hooklab
//! live` and `hooklab github listen` listen on an address the user chose
//! with `--listen` (or its default). In a classroom the usual failure is that it is taken: a
//! classmate's demo, the same command still running in another terminal.
//! That is the user's to fix, so it exits 2 (not 1, "hooklab broke"), and the
//! message names the address and what to type instead, in the user's
//! language. Every listening command binds through [`bind`] (`github listen`,
//! which binds in its own crate, through [`bind_failure`]), so they say it
//! the same way. (`hooklab run` binds `127.0.0.1:0` inside the harness, the
//! system's choice of a free port, and takes no address.)

use hooklab_core::lang::Lang;
use std::io::ErrorKind;
use std::net::SocketAddr;

/// An address a command could not listen on.
#[derive(Debug)]
pub struct BindError {
    /// The address asked for.
    addr: SocketAddr,
    /// Why, as the system said it.
    kind: ErrorKind,
    /// The system's own words, said after the sentence in English.
    system: String,
    /// The language of the sentence.
    lang: Lang,
}

/// Binds `addr` for the command; on failure, a [`BindError`] in `lang`.
pub async fn bind(addr: SocketAddr, lang: Lang) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| bind_failure(addr, &e, lang))
}

/// The [`BindError`] for `addr`, which the system refused with `e`: for a
/// command that binds by itself (`hooklab github listen`), said as
/// [`bind`] says it.
pub fn bind_failure(addr: SocketAddr, e: &std::io::Error, lang: Lang) -> anyhow::Error {
    anyhow::Error::new(BindError {
        addr,
        kind: e.kind(),
        system: e.to_string(),
        lang,
    })
}

/// Whether `error` is an address that could not be bound: bad input
/// (exit 2), the user's to change.
pub fn is_bind_failure(error: &anyhow::Error) -> bool {
    error.chain().any(|link| link.is::<BindError>())
}

impl std::fmt::Display for BindError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let addr = self.addr;
        let ip = addr.ip();
        // Another port on the same address, to copy: the next one up, or
        // 8080 where there is no next one.
        let other = SocketAddr::new(ip, addr.port().checked_add(1).unwrap_or(8080));
        let any_port = SocketAddr::new(ip, 0);
        match (self.lang, self.kind) {
            (Lang::En, ErrorKind::AddrInUse) => write!(
                f,
                "cannot listen on {addr}: that port is already in use (another hooklab, or \
                 another program, is listening there). Stop it, or choose another port: \
                 `--listen {any_port}` lets the system pick a free one (the address is printed), \
                 `--listen {other}` picks one yourself"
            ),
            (Lang::PtBr, ErrorKind::AddrInUse) => write!(
                f,
                "não foi possível escutar em {addr}: essa porta já está em uso (outro hooklab, \
                 ou outro programa, está escutando nela). Pare-o, ou escolha outra porta: \
                 `--listen {any_port}` deixa o sistema escolher uma porta livre (o endereço é \
                 impresso), `--listen {other}` escolhe uma você mesmo"
            ),
            (Lang::En, ErrorKind::PermissionDenied) => write!(
                f,
                "cannot listen on {addr}: permission denied (ports below 1024 need \
                 administrator rights). Choose a port above 1024: `--listen {any_port}` lets the \
                 system pick a free one, `--listen {ip}:8080` picks one yourself",
                ip = ip_for_port(addr)
            ),
            (Lang::PtBr, ErrorKind::PermissionDenied) => write!(
                f,
                "não foi possível escutar em {addr}: permissão negada (portas abaixo de 1024 \
                 exigem direitos de administrador). Escolha uma porta acima de 1024: \
                 `--listen {any_port}` deixa o sistema escolher uma porta livre, \
                 `--listen {ip}:8080` escolhe uma você mesmo",
                ip = ip_for_port(addr)
            ),
            (Lang::En, ErrorKind::AddrNotAvailable) => write!(
                f,
                "cannot listen on {addr}: this machine has no such address. Listen on \
                 127.0.0.1: `--listen 127.0.0.1:0` lets the system pick a free port"
            ),
            (Lang::PtBr, ErrorKind::AddrNotAvailable) => write!(
                f,
                "não foi possível escutar em {addr}: esta máquina não tem esse endereço. \
                 Escute em 127.0.0.1: `--listen 127.0.0.1:0` deixa o sistema escolher uma porta livre"
            ),
            (Lang::En, _) => write!(
                f,
                "cannot listen on {addr}: {}. Try another port: `--listen {any_port}` lets the \
                 system pick a free one",
                self.system
            ),
            (Lang::PtBr, _) => write!(
                f,
                "não foi possível escutar em {addr} (o sistema diz, em inglês: {}). Tente outra \
                 porta: `--listen {any_port}` deixa o sistema escolher uma porta livre",
                self.system
            ),
        }
    }
}

/// The address part of `addr` as `--listen` takes it: `[::1]` for IPv6.
fn ip_for_port(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => format!("[{}]", a.ip()),
    }
}

impl std::error::Error for BindError {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A port held by a std listener is refused, named, with what to type.
    #[tokio::test]
    async fn a_taken_port_is_said_with_the_address_and_what_to_type() {
        let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = held.local_addr().unwrap();
        for (lang, words) in [
            (Lang::En, "that port is already in use"),
            (Lang::PtBr, "essa porta já está em uso"),
        ] {
            let e = bind(addr, lang).await.unwrap_err();
            assert!(is_bind_failure(&e));
            let said = e.to_string();
            assert!(said.contains(&addr.to_string()), "{said}");
            assert!(said.contains(words), "{said}");
            assert!(said.contains("`--listen 127.0.0.1:0`"), "{said}");
        }
        assert!(!is_bind_failure(&anyhow::anyhow!("other")));
    }

    #[test]
    fn an_ipv6_address_is_written_as_listen_takes_it() {
        let v6: SocketAddr = "[::1]:80".parse().unwrap();
        let e = BindError {
            addr: v6,
            kind: ErrorKind::PermissionDenied,
            system: String::new(),
            lang: Lang::En,
        };
        let said = e.to_string();
        assert!(said.contains("`--listen [::1]:8080`"), "{said}");
        assert!(said.contains("`--listen [::1]:0`"), "{said}");
    }
}

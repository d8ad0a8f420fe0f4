//! The demo commands' flags: `hooklab platform`, `hooklab shop` and
//! `hooklab order`, their defaults, and the parsers that refuse a bad value
//! in the reader's language before anything runs.

use crate::text;
use clap::{Args, ValueEnum};
use hooklab_core::duration::Dur;
use hooklab_core::lang::Lang;
use std::net::SocketAddr;

/// How long after creation a demo payment settles, by default.
pub const DEFAULT_SETTLE: &str = "4s";

/// The demo shop's poll interval, by default: not a divisor of
/// [`DEFAULT_SETTLE`], so polling's delay (about 2 s) and a wasted poll show.
pub const DEFAULT_INTERVAL: &str = "3s";

/// Options of `hooklab platform`.
#[derive(Args, Debug)]
pub struct PlatformArgs {
    /// Where the payment platform listens. Loopback by default: the shop (and
    /// only the shop) on this machine talks to it.
    #[arg(long, default_value = "127.0.0.1:4242", value_parser = parse_loopback)]
    pub(super) listen: SocketAddr,

    /// The merchant's API key. Without it, a fresh `sk_test_…` key is made
    /// and printed; give the same key to `hooklab shop --api-key`.
    #[arg(long, env = "HOOKLAB_API_KEY")]
    pub(super) api_key: Option<String>,

    /// How long after its creation a payment settles, unless the request asks
    /// otherwise with `simulate` (see `hooklab order --settle-after`): a
    /// duration such as 4s, 500ms or 2m (a bare number is milliseconds).
    #[arg(long, default_value = DEFAULT_SETTLE, value_parser = parse_dur, allow_hyphen_values = true)]
    pub(super) settle_after: Dur,

    /// Requests per second the API key may make, from 0.001 to 1000000;
    /// beyond, 429 with Retry-After.
    #[arg(long, value_parser = parse_rate, allow_hyphen_values = true)]
    pub(super) rate_limit: Option<f64>,

    /// The SQLite file that keeps payments, endpoints, events and the
    /// webhook outbox, so a restart (even after kill -9) loses nothing;
    /// `:memory:` for none.
    #[arg(long, default_value = crate::data::DEFAULT_DATA)]
    pub(super) data: std::path::PathBuf,

    /// Empty the data file first, if it is hooklab's (a file another
    /// program made, or one that is not even an SQLite database, is never
    /// touched).
    #[arg(long)]
    pub(super) reset: bool,

    /// How long a finished payment (settled, every webhook delivery over)
    /// stays in memory; after that a request for it gets 410 `forgotten`
    /// (it stays in the data file), and so does a creation replaying its
    /// Idempotency-Key (the last 100,000 such keys are remembered), rather
    /// than a second charge: a duration such as 24h, 30m or 90s.
    #[arg(long, default_value = "24h", value_parser = parse_dur, allow_hyphen_values = true)]
    pub(super) keep: Dur,
}

/// The strategies a shop can use by hand. Each also takes the spelling of
/// a scenario file's `kind` (`poll_events`): a student copies one into the
/// other.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StrategyArg {
    /// Ask about each pending payment every `--interval`.
    Poll,
    /// Register a webhook endpoint and wait.
    Webhook,
    /// Webhooks, plus a reconciliation poll of payments still unknown.
    Hybrid,
    /// Poll the platform's event log every `--interval`.
    #[value(alias = "poll_events")]
    PollEvents,
    /// Poll each payment every `--interval` with `If-None-Match` (304s).
    #[value(alias = "conditional_poll")]
    ConditionalPoll,
    /// Poll each payment, first after `--interval`, backing off (×2, up to 1 min).
    #[value(alias = "backoff_poll")]
    BackoffPoll,
    /// Long poll each payment, each request held up to `--interval`.
    #[value(alias = "long_poll")]
    LongPoll,
    /// Long poll the event log, each request held up to `--interval`.
    #[value(alias = "long_poll_events")]
    LongPollEvents,
    /// One Server-Sent Events stream of the merchant's events.
    Stream,
}

/// Options of `hooklab shop`.
#[derive(Args, Debug)]
pub struct ShopArgs {
    /// The payment platform's address, as `hooklab platform` printed it.
    #[arg(long, default_value = "http://127.0.0.1:4242")]
    pub(super) platform: String,

    /// The merchant's API key, as `hooklab platform` printed it.
    #[arg(long, env = "HOOKLAB_API_KEY")]
    pub(super) api_key: String,

    /// How the shop learns payment outcomes.
    #[arg(long, value_enum, default_value_t = StrategyArg::Poll)]
    pub(super) strategy: StrategyArg,

    /// Time between two polls (poll, poll-events, conditional-poll), two
    /// reconciliation polls (hybrid), the first gap (backoff-poll) or the
    /// longest hold of a long poll (long-poll, long-poll-events): 3s, 500ms,
    /// 2m (a bare number is milliseconds).
    #[arg(long, default_value = DEFAULT_INTERVAL, value_parser = parse_dur, allow_hyphen_values = true)]
    pub(super) interval: Dur,

    /// Where the shop's webhook receiver listens (webhook and hybrid).
    #[arg(long, default_value = "127.0.0.1:4343", value_parser = parse_loopback)]
    pub(super) listen: SocketAddr,

    /// How many orders to place.
    #[arg(long, default_value_t = 5, value_parser = crate::numeric::orders, allow_hyphen_values = true)]
    pub(super) orders: u32,

    /// Time between two orders (1s, 500ms; a bare number is milliseconds).
    #[arg(long, default_value = "1s", value_parser = parse_dur, allow_hyphen_values = true)]
    pub(super) every: Dur,

    /// An SQLite file (the shop's inbox) that keeps its orders and the
    /// delivery ids it processed, so deduplication survives a restart; each
    /// delivery is committed before it is acknowledged. None by default.
    #[arg(long)]
    pub(super) data: Option<std::path::PathBuf>,
}

/// Options of `hooklab order`.
#[derive(Args, Debug)]
pub struct OrderArgs {
    /// The payment platform's address.
    #[arg(long, default_value = "http://127.0.0.1:4242")]
    pub(super) platform: String,

    /// The merchant's API key.
    #[arg(long, env = "HOOKLAB_API_KEY")]
    pub(super) api_key: String,

    /// The order's id [default: one made from the time]: letters, digits
    /// and ASCII punctuation, at most 200, the platform's bound (it is
    /// also the payment's Idempotency-Key header).
    #[arg(long, value_parser = parse_order_id)]
    pub(super) order_id: Option<String>,

    /// The amount, in centavos.
    #[arg(long, default_value_t = 4_990, value_parser = parse_amount, allow_hyphen_values = true)]
    pub(super) amount_cents: u64,

    /// Ask the platform (test mode) to settle after this long (4s, 500ms; a
    /// bare number is milliseconds).
    #[arg(long, value_parser = parse_settle_after, allow_hyphen_values = true)]
    pub(super) settle_after: Option<SettleAfter>,

    /// Ask the platform (test mode) for this outcome.
    #[arg(long, value_enum, default_value_t = OutcomeArg::Approved)]
    pub(super) outcome: OutcomeArg,
}

/// A payment's outcome, as a flag.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OutcomeArg {
    /// Approved.
    Approved,
    /// Declined.
    Declined,
}

/// A duration flag (`4s`, `500ms`, `2m`; a bare number is milliseconds). A
/// decimal comma, as a Portuguese speaker writes it, gets a hint.
/// `hooklab order --settle-after`: the delay, and whether it was written
/// as a bare number (milliseconds), which `order` says back with a hint
/// when it is short: `5` is 5 ms, not the 5 s a student may have meant.
#[derive(Clone, Copy, Debug)]
pub struct SettleAfter {
    /// The delay.
    pub(super) dur: Dur,
    /// Written with no unit.
    pub(super) bare: bool,
}

impl SettleAfter {
    /// A bare number under this many milliseconds gets the hint.
    const HINT_BELOW_MS: f64 = 50.0;

    /// The line `order` prints about the delay it asked for.
    pub(super) fn said(&self, lang: Lang) -> String {
        let ms = self.dur.as_ms_f64();
        // `5 ms`, `2.5 s` (`2,5 s` in pt-BR): f64's shortest form.
        let shown = if ms < 1_000.0 {
            format!("{ms} ms")
        } else {
            format!("{} s", ms / 1_000.0)
        };
        let shown = match lang {
            Lang::En => shown,
            Lang::PtBr => shown.replace('.', ","),
        };
        let mut line = match lang {
            Lang::En => format!("asking the platform to settle the payment after {shown}"),
            Lang::PtBr => format!("pedindo à plataforma que liquide o pagamento depois de {shown}"),
        };
        if self.bare && ms < Self::HINT_BELOW_MS {
            // f64's Display: `5` for 5.0, `2.5` for 2.5 (comma in pt-BR).
            let n = match lang {
                Lang::En => ms.to_string(),
                Lang::PtBr => ms.to_string().replace('.', ","),
            };
            line.push_str(&match lang {
                Lang::En => format!(" (a bare number is milliseconds; for {n} s write {n}s)"),
                Lang::PtBr => {
                    format!(" (um número sozinho é em milissegundos; para {n} s escreva {n}s)")
                }
            });
        }
        line
    }
}

fn parse_settle_after(text: &str) -> Result<SettleAfter, String> {
    let dur = parse_dur(text)?;
    // The platform refuses a simulated delay past its bound with a 422;
    // refused here, it is the usage error it is (exit 2, before any order).
    let most = hooklab_platform::api::MAX_SIMULATED_SETTLE;
    if dur > most {
        return Err(match text::parsing_lang() {
            Lang::En => {
                format!("`{text}`: the platform settles a test payment within 30 days at most")
            }
            Lang::PtBr => {
                format!("`{text}`: a plataforma liquida um pagamento de teste em no máximo 30 dias")
            }
        });
    }
    let bare = text
        .trim()
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',');
    Ok(SettleAfter { dur, bare })
}

/// A duration flag: `500ms`, `4s`, `2m`, a bare number in milliseconds, and
/// a decimal comma as a point (`2,5s`, as Portuguese writes a decimal;
/// see [`crate::numeric::decimal_point`]).
fn parse_dur(text: &str) -> Result<Dur, String> {
    let lang = text::parsing_lang();
    let original = text;
    let read = crate::numeric::decimal_point(text)?;
    let text: &str = &read;
    // `-5s` reaches here (the flags take hyphen values): a duration that
    // ends before it starts is said as such, not as "unexpected argument".
    if text.trim_start().starts_with('-') {
        return Err(match lang {
            Lang::En => format!("`{text}`: a duration cannot be negative (as in 4s or 500ms)"),
            Lang::PtBr => {
                format!("`{text}`: uma duração não pode ser negativa (como 4s ou 500ms)")
            }
        });
    }
    Dur::parse(text).map_err(|e| match lang {
        Lang::En => format!("{e} (a duration: 500ms, 4s, 2m; a bare number is milliseconds)"),
        Lang::PtBr => format!(
            "`{original}` não é uma duração: escreva um número e uma unidade, como 500ms, 2,5s ou 2min (um número sozinho é em milissegundos)"
        ),
    })
}

/// `--amount-cents`: a whole, positive number of centavos (the platform
/// refuses zero; a negative one is an integer, just not an amount).
fn parse_amount(text: &str) -> Result<u64, String> {
    let lang = text::parsing_lang();
    let trimmed = text.trim();
    let whole = trimmed.strip_prefix('-').unwrap_or(trimmed);
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(match lang {
            Lang::En => format!("`{text}` is not a whole number of cents (as in 4990)"),
            Lang::PtBr => format!("`{text}` não é um número inteiro de centavos (como 4990)"),
        });
    }
    match trimmed.parse::<u64>() {
        Ok(cents) if cents > 0 => Ok(cents),
        _ if trimmed.starts_with('-') || trimmed.trim_start_matches('0').is_empty() => {
            Err(match lang {
                Lang::En => format!("`{text}`: the amount must be positive, in cents (as in 4990)"),
                Lang::PtBr => format!(
                    "`{text}`: o valor deve ser positivo, em centavos (como 4990 para R$ 49,90)"
                ),
            })
        }
        _ => Err(match lang {
            Lang::En => format!("`{text}` is too large an amount (at most {})", u64::MAX),
            Lang::PtBr => format!("`{text}` é um valor grande demais (no máximo {})", u64::MAX),
        }),
    }
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let lang = text::parsing_lang();
    let read = crate::numeric::decimal_point(text)?;
    let rate: f64 = read.trim().parse().map_err(|_| match lang {
        Lang::En => format!("`{text}` is not a number (requests per second, as in `5` or `0.5`)"),
        Lang::PtBr => {
            format!("`{text}` não é um número (requisições por segundo, como `5` ou `0,5`)")
        }
    })?;
    hooklab_platform::check_rate_limit(rate).map_err(|e| match lang {
        Lang::En => e.to_string(),
        // Decimals with a comma, as the Portuguese help writes them (and as
        // the flag takes them), no thousands separator.
        Lang::PtBr => format!(
            "{} requisições por segundo está fora do intervalo aceito (de {} a {})",
            hooklab_core::printable::number(rate).replace('.', ","),
            hooklab_platform::MIN_RATE_LIMIT_PER_S
                .to_string()
                .replace('.', ","),
            hooklab_platform::MAX_RATE_LIMIT_PER_S
                .to_string()
                .replace('.', ",")
        ),
    })
}

/// An order id the shop can send: it doubles as the `Idempotency-Key`
/// header, so it must be non-empty visible ASCII (an escape character or a
/// space used to fail as "cannot build the request", an empty one as a
/// refused Idempotency-Key, neither naming the order id).
fn parse_order_id(text: &str) -> Result<String, String> {
    let lang = text::parsing_lang();
    // The platform's own bound (ASCII only, so bytes are characters).
    let most = hooklab_core::wire::MAX_ORDER_ID_BYTES;
    let fits = !text.is_empty() && text.len() <= most && text.bytes().all(|b| b.is_ascii_graphic());
    if fits {
        return Ok(text.to_owned());
    }
    let shown = hooklab_core::printable::excerpt(text, 40);
    Err(match lang {
        Lang::En => format!(
            "`{shown}` is not an order id: use 1 to {most} letters, digits or ASCII punctuation, no spaces (as in `pedido-42`)"
        ),
        Lang::PtBr => format!(
            "`{}` não é um id de pedido: use de 1 a {most} letras, algarismos ou pontuação ASCII, sem espaços nem acentos (como `pedido-42`)",
            shown.replace(" characters)", " caracteres)")
        ),
    })
}

/// A listening address on this machine's loopback only: hooklab's servers
/// are for a class's own machine, and nothing it runs is reachable from, or
/// talks to, another host. `0.0.0.0` would put them on every network the
/// laptop joins.
fn parse_loopback(text: &str) -> Result<SocketAddr, String> {
    let lang = text::parsing_lang();
    let addr: SocketAddr = text.trim().parse().map_err(|_| match lang {
        Lang::En => format!("`{text}` is not an address and port, as in `127.0.0.1:4242`"),
        Lang::PtBr => format!("`{text}` não é um endereço com porta, como `127.0.0.1:4242`"),
    })?;
    if addr.ip().is_loopback() {
        Ok(addr)
    } else {
        Err(match lang {
            Lang::En => format!(
                "`{text}` is not a loopback address: hooklab listens on this machine only (127.0.0.1, ::1), so nothing outside it reaches the lab"
            ),
            Lang::PtBr => format!(
                "`{text}` não é um endereço de loopback: o hooklab só escuta nesta máquina (127.0.0.1, ::1), para que nada de fora alcance o laboratório"
            ),
        })
    }
}

/// Flags that do not make sense together, found before anything runs: bad
/// usage (exit 2), worded in the reader's language.
#[derive(Debug)]
pub struct FlagMistake(pub(super) String);

impl std::fmt::Display for FlagMistake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FlagMistake {}

/// Whether `error` comes from the platform refusing the API key (401 or
/// 403): the `--api-key` flag is the user's to fix, not a runtime failure.
pub fn is_refused_key(error: &anyhow::Error) -> bool {
    error.chain().any(|link| {
        matches!(
            link.downcast_ref::<hooklab_shop::client::ClientError>(),
            Some(hooklab_shop::client::ClientError::Refused {
                status: 401 | 403,
                ..
            })
        )
    })
}

/// Whether a failure the order book recorded (a [`ClientError`]'s text:
/// `the platform answered 401: unauthorized: …`) is a refused API key.
///
/// [`ClientError`]: hooklab_shop::client::ClientError
pub(super) fn is_refused_key_text(why: &str) -> bool {
    ["401", "403"]
        .iter()
        .any(|status| why.starts_with(&format!("the platform answered {status}: ")))
}

/// Whether `error` is a [`FlagMistake`].
pub fn is_flag_mistake(error: &anyhow::Error) -> bool {
    error.chain().any(|link| link.is::<FlagMistake>())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The CLI said "at most 100 characters" of an order id the platform
    /// takes up to 200 of: both read one bound now.
    #[test]
    fn an_order_id_is_bound_where_the_platform_bounds_it() {
        let most = hooklab_core::wire::MAX_ORDER_ID_BYTES;
        assert_eq!(most, 200);
        assert!(parse_order_id(&"a".repeat(most)).is_ok());
        let said = parse_order_id(&"a".repeat(most + 1)).unwrap_err();
        assert!(
            said.contains("1 to 200") || said.contains("1 a 200"),
            "{said}"
        );
        assert!(parse_order_id("").is_err());
    }

    /// The book's record of a refused key is recognised from the client's
    /// own error text, and another refusal is not taken for one.
    #[test]
    fn a_recorded_refused_key_is_recognised() {
        let refused = |status| {
            hooklab_shop::client::ClientError::Refused {
                status,
                retry_after: None,
                code: "unauthorized".to_owned(),
                message: "missing or unknown API key".to_owned(),
            }
            .to_string()
        };
        assert!(is_refused_key_text(&refused(401)));
        assert!(is_refused_key_text(&refused(403)));
        assert!(!is_refused_key_text(&refused(409)));
        assert!(!is_refused_key_text("no answer from the platform"));
    }

    /// With the defaults, polling's delay is visible: the poll after
    /// settlement comes a good second later (it came 0 s later with 2 s and
    /// 1 s), and at least one poll is wasted.
    #[test]
    fn the_default_demo_shows_what_polling_costs() {
        let settle = Dur::parse(DEFAULT_SETTLE).unwrap().as_ms_f64();
        let every = Dur::parse(DEFAULT_INTERVAL).unwrap().as_ms_f64();
        let first_poll_after = (settle / every).ceil() * every;
        assert!(
            first_poll_after - settle >= 1_000.0,
            "{first_poll_after} - {settle}"
        );
        assert!(settle > every, "no wasted poll");
    }
}

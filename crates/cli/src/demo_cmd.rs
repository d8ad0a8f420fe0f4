//! `hooklab platform`, `hooklab shop` and `hooklab order`: the seed's demo in
//! two terminals.
//!
//! The harness runs a platform and a shop inside one process to measure them.
//! These commands run each side as its own process instead, the way the
//! seed's demo runs a receiver on one machine and GitHub on another, and
//! print one readable line per thing that happens (a poll, a settlement, a
//! delivery, an outcome learned: the run's event sink), so a class can watch
//! polling hammer the platform while webhooks sit quiet:
//!
//! ```text
//! terminal 1:  hooklab platform
//! terminal 2:  hooklab shop --api-key sk_test_… --strategy poll
//! terminal 2:  hooklab shop --api-key sk_test_… --strategy webhook
//! anywhere:    hooklab order --api-key sk_test_… --settle-after 3s
//! ```
//!
//! This module is the edge of the program: it reads the system clock, the
//! system's randomness (for a fresh API key) and Ctrl-C, and hands plain
//! values to the library crates.
//!
//! Three things make the demo teach rather than mislead:
//! - **Defaults that show polling's cost.** A payment settles 4 s after its
//!   creation and the shop polls every 3 s, so the first poll is wasted and
//!   the second learns the outcome about 2 s late, while a webhook arrives
//!   within milliseconds. (With the old 2 s and 1 s, every poll landed right
//!   after settlement and polling looked as fast as the webhook.)
//! - **One time origin.** Every line is stamped with the local time of day
//!   (`09:41:07.123`), so a class can line up the two terminals.
//! - **Printing never blocks a request.** Lines go through
//!   [`hooklab_github::printer::LinePrinter`], the GitHub receiver's design (a
//!   bounded queue, a printing thread): a paused terminal drops lines, counted
//!   and reported, instead of stalling the platform; storms of rejections are
//!   summarised.

use crate::text;
use anyhow::Context as _;
use clap::{Args, ValueEnum};
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::duration::Dur;
use hooklab_core::events::EventSink;
use hooklab_core::ids::{MerchantId, OrderId};
use hooklab_core::lang::Lang;
use hooklab_core::rng::SeededRng;
use hooklab_core::scenario::StrategySpec;
use hooklab_core::shutdown;
use hooklab_core::wire::{CreatePayment, Outcome, Simulate};
use hooklab_core::workload::OrderPlan;
use hooklab_github::printer::{LinePrinter, Sink};
use hooklab_harness::transport::RealHttp;
use hooklab_platform::{Merchant, Platform, PlatformConfig};
use hooklab_shop::Shop;
use hooklab_shop::client::PlatformClient;
use hooklab_shop::orders::OrderBook;
use hooklab_shop::receiver::{self, Receiver, WEBHOOK_PATH};
use std::net::SocketAddr;
use std::sync::Arc;

/// How long after creation a demo payment settles, by default.
pub const DEFAULT_SETTLE: &str = "4s";

/// The demo shop's poll interval, by default: not a divisor of
/// [`DEFAULT_SETTLE`], so polling's delay (about 2 s) and a wasted poll show.
pub const DEFAULT_INTERVAL: &str = "3s";

/// How many lines may wait for the terminal before new ones are dropped.
const PRINT_QUEUE: usize = 4_096;

/// Options of `hooklab platform`.
#[derive(Args, Debug)]
pub struct PlatformArgs {
    /// Where the payment platform listens. Loopback by default: the shop (and
    /// only the shop) on this machine talks to it.
    #[arg(long, default_value = "127.0.0.1:4242", value_parser = parse_loopback)]
    listen: SocketAddr,

    /// The merchant's API key. Without it, a fresh `sk_test_…` key is made
    /// and printed; give the same key to `hooklab shop --api-key`.
    #[arg(long, env = "HOOKLAB_API_KEY")]
    api_key: Option<String>,

    /// How long after its creation a payment settles, unless the request asks
    /// otherwise with `simulate` (see `hooklab order --settle-after`): a
    /// duration such as 4s, 500ms or 2m (a bare number is milliseconds).
    #[arg(long, default_value = DEFAULT_SETTLE, value_parser = parse_dur)]
    settle_after: Dur,

    /// Requests per second the API key may make; beyond, 429 with Retry-After.
    #[arg(long, value_parser = parse_rate)]
    rate_limit: Option<f64>,

    /// The SQLite file that keeps payments, endpoints, events and the
    /// webhook outbox, so a restart (even after kill -9) loses nothing;
    /// `:memory:` for none.
    #[arg(long, default_value = crate::data::DEFAULT_DATA)]
    data: std::path::PathBuf,

    /// Empty the data file first (a file another program made is never
    /// touched).
    #[arg(long)]
    reset: bool,

    /// How long a finished payment (settled, every webhook delivery over)
    /// stays in memory; after that a request for it gets 410 `forgotten`
    /// (it stays in the data file), and so does a creation replaying its
    /// Idempotency-Key (the last 100,000 such keys are remembered), rather
    /// than a second charge: a duration such as 24h, 30m or 90s.
    #[arg(long, default_value = "24h", value_parser = parse_dur)]
    keep: Dur,
}

/// The strategies a shop can use by hand.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StrategyArg {
    /// Ask about each pending payment every `--interval`.
    Poll,
    /// Register a webhook endpoint and wait.
    Webhook,
    /// Webhooks, plus a reconciliation poll of payments still unknown.
    Hybrid,
    /// Poll the platform's event log every `--interval`.
    PollEvents,
    /// Poll each payment every `--interval` with `If-None-Match` (304s).
    ConditionalPoll,
    /// Poll each payment, first after `--interval`, backing off (×2, up to 1 min).
    BackoffPoll,
    /// Long poll each payment, each request held up to `--interval`.
    LongPoll,
    /// Long poll the event log, each request held up to `--interval`.
    LongPollEvents,
    /// One Server-Sent Events stream of the merchant's events.
    Stream,
}

/// Options of `hooklab shop`.
#[derive(Args, Debug)]
pub struct ShopArgs {
    /// The payment platform's address, as `hooklab platform` printed it.
    #[arg(long, default_value = "http://127.0.0.1:4242")]
    platform: String,

    /// The merchant's API key, as `hooklab platform` printed it.
    #[arg(long, env = "HOOKLAB_API_KEY")]
    api_key: String,

    /// How the shop learns payment outcomes.
    #[arg(long, value_enum, default_value_t = StrategyArg::Poll)]
    strategy: StrategyArg,

    /// Time between two polls (poll, poll-events, conditional-poll), two
    /// reconciliation polls (hybrid), the first gap (backoff-poll) or the
    /// longest hold of a long poll (long-poll, long-poll-events): 3s, 500ms,
    /// 2m (a bare number is milliseconds).
    #[arg(long, default_value = DEFAULT_INTERVAL, value_parser = parse_dur)]
    interval: Dur,

    /// Where the shop's webhook receiver listens (webhook and hybrid).
    #[arg(long, default_value = "127.0.0.1:4343", value_parser = parse_loopback)]
    listen: SocketAddr,

    /// How many orders to place.
    #[arg(long, default_value_t = 5)]
    orders: u32,

    /// Time between two orders (1s, 500ms; a bare number is milliseconds).
    #[arg(long, default_value = "1s", value_parser = parse_dur)]
    every: Dur,

    /// An SQLite file (the shop's inbox) that keeps its orders and the
    /// delivery ids it processed, so deduplication survives a restart; each
    /// delivery is committed before it is acknowledged. None by default.
    #[arg(long)]
    data: Option<std::path::PathBuf>,
}

/// Options of `hooklab order`.
#[derive(Args, Debug)]
pub struct OrderArgs {
    /// The payment platform's address.
    #[arg(long, default_value = "http://127.0.0.1:4242")]
    platform: String,

    /// The merchant's API key.
    #[arg(long, env = "HOOKLAB_API_KEY")]
    api_key: String,

    /// The order's id [default: one made from the time]: letters, digits
    /// and ASCII punctuation, at most 100 (it is also the payment's
    /// Idempotency-Key header).
    #[arg(long, value_parser = parse_order_id)]
    order_id: Option<String>,

    /// The amount, in centavos.
    #[arg(long, default_value_t = 4_990)]
    amount_cents: u64,

    /// Ask the platform (test mode) to settle after this long (4s, 500ms; a
    /// bare number is milliseconds).
    #[arg(long, value_parser = parse_dur)]
    settle_after: Option<Dur>,

    /// Ask the platform (test mode) for this outcome.
    #[arg(long, value_enum, default_value_t = OutcomeArg::Approved)]
    outcome: OutcomeArg,
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
fn parse_dur(text: &str) -> Result<Dur, String> {
    let lang = text::parsing_lang();
    if text.contains(',') {
        return Err(match lang {
            Lang::En => format!("`{text}`: write decimals with a point, as in `2.5s`"),
            Lang::PtBr => format!(
                "`{text}`: escreva os decimais com ponto, como em `2.5s` (a vírgula não vale aqui)"
            ),
        });
    }
    Dur::parse(text).map_err(|e| match lang {
        Lang::En => format!("{e} (a duration: 500ms, 4s, 2m; a bare number is milliseconds)"),
        Lang::PtBr => format!(
            "`{text}` não é uma duração: escreva um número e uma unidade, como 500ms, 4s ou 2m (um número sozinho é em milissegundos)"
        ),
    })
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let lang = text::parsing_lang();
    let rate: f64 = text.trim().parse().map_err(|_| match lang {
        Lang::En => format!("`{text}` is not a number (requests per second, as in `5` or `0.5`)"),
        Lang::PtBr => format!(
            "`{text}` não é um número (requisições por segundo, como `5` ou `0.5`, com ponto)"
        ),
    })?;
    hooklab_platform::check_rate_limit(rate).map_err(|e| match lang {
        Lang::En => e.to_string(),
        Lang::PtBr => format!(
            "{} requisições por segundo está fora do intervalo aceito ({} a {})",
            hooklab_core::printable::number(rate),
            hooklab_platform::MIN_RATE_LIMIT_PER_S,
            hooklab_platform::MAX_RATE_LIMIT_PER_S
        ),
    })
}

/// An order id the shop can send: it doubles as the `Idempotency-Key`
/// header, so it must be non-empty visible ASCII (an escape character or a
/// space used to fail as "cannot build the request", an empty one as a
/// refused Idempotency-Key, neither naming the order id).
fn parse_order_id(text: &str) -> Result<String, String> {
    let lang = text::parsing_lang();
    let fits = !text.is_empty()
        && text.chars().count() <= 100
        && text.bytes().all(|b| b.is_ascii_graphic());
    if fits {
        return Ok(text.to_owned());
    }
    let shown = hooklab_core::printable::excerpt(text, 40);
    Err(match lang {
        Lang::En => format!(
            "`{shown}` is not an order id: use 1 to 100 letters, digits or ASCII punctuation, no spaces (as in `pedido-42`)"
        ),
        Lang::PtBr => format!(
            "`{shown}` não é um id de pedido: use de 1 a 100 letras, algarismos ou pontuação ASCII, sem espaços nem acentos (como `pedido-42`)"
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
pub struct FlagMistake(String);

impl std::fmt::Display for FlagMistake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FlagMistake {}

/// Whether `error` is a [`FlagMistake`].
pub fn is_flag_mistake(error: &anyhow::Error) -> bool {
    error.chain().any(|link| link.is::<FlagMistake>())
}

/// Where the demo's lines go, and how they are worded and stamped.
#[derive(Clone)]
pub struct Out {
    printer: Arc<LinePrinter>,
    lang: Lang,
    /// The local time zone's offset, read at start-up while the process had
    /// one thread (the only time the `time` crate may read it on Unix).
    offset: time::UtcOffset,
    /// The wall clock, in unix microseconds ([`Clock::system_unix_us`];
    /// a test's own): every line's stamp is read from it, so the two
    /// terminals share one time origin, the time of day.
    wall_us: fn() -> i64,
}

impl Out {
    /// Starts the printer thread on stdout.
    pub fn stdout(lang: Lang, offset: time::UtcOffset) -> anyhow::Result<Self> {
        let printer =
            LinePrinter::spawn(Sink::Writer(Box::new(std::io::stdout())), lang, PRINT_QUEUE)?;
        Ok(Out {
            printer: Arc::new(printer),
            lang,
            offset,
            wall_us: Clock::system_unix_us,
        })
    }

    /// A duration as people read it in the language: `1.5s`, or `1,5s`
    /// with the pt-BR decimal comma.
    fn dur(&self, d: Dur) -> String {
        // `Dur`'s own form is exact but reads `2500ms`; a person reads 2.5 s.
        let us = d.as_us();
        let text = if us >= 1_000_000 && d.to_string().ends_with("ms") {
            let seconds = format!("{:.3}", us as f64 / 1e6);
            format!("{}s", seconds.trim_end_matches('0').trim_end_matches('.'))
        } else {
            d.to_string()
        };
        match self.lang {
            Lang::En => text,
            Lang::PtBr => text.replace('.', ","),
        }
    }

    fn say(&self, line: String) {
        self.printer.print(line);
    }

    /// The local time of day now, `09:41:07.123`.
    fn now(&self) -> String {
        self.time_of_day((self.wall_us)())
    }

    /// The local time of day of an event at `at` on `clock`: the wall clock
    /// now, less how long ago the event was on the run's clock. Not
    /// `clock.unix_us(at)`: that is the clock's origin plus the monotonic
    /// time since, which falls behind the time of day by every second the
    /// machine slept (a laptop's lid closed) and drifts with each time
    /// correction, so after hours a platform's lines no longer lined up
    /// with the shop's, or with the clock on the wall. Measured back from
    /// now, an event a moment ago reads a moment ago in both terminals.
    fn time_of_event(&self, clock: &Clock, at: Micros) -> String {
        let ago_us = clock.now().0 as i64 - at.0 as i64;
        self.time_of_day((self.wall_us)() - ago_us)
    }

    /// The local time of day of a unix instant, `09:41:07.123`; in pt-BR
    /// with the decimal comma, `09:41:07,123`, as every other number there
    /// (a point read as English there, in the seconds 00 to 09 of each
    /// minute, which the pt-BR test's scan caught only then).
    fn time_of_day(&self, unix_us: i64) -> String {
        let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_us) * 1_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
            .to_offset(self.offset);
        let point = match self.lang {
            Lang::En => '.',
            Lang::PtBr => ',',
        };
        format!(
            "{:02}:{:02}:{:02}{point}{:03}",
            at.hour(),
            at.minute(),
            at.second(),
            at.millisecond()
        )
    }

    /// An event sink that prints one line per event, stamped with the time
    /// of day, without ever waiting for the terminal.
    fn events(&self, clock: Clock) -> EventSink {
        let out = self.clone();
        EventSink::to(move |e| {
            let line = e.line_in(out.lang, &out.time_of_event(&clock, e.at));
            if e.floods() {
                let noun = match (out.lang, &e.what) {
                    (Lang::En, hooklab_core::events::Happening::RateLimited) => "429 answers",
                    (Lang::PtBr, hooklab_core::events::Happening::RateLimited) => "respostas 429",
                    (Lang::En, _) => "rejections",
                    (Lang::PtBr, _) => "recusas",
                };
                out.printer.print_repeating(noun, line);
            } else {
                out.printer.print(line);
            }
        })
    }

    /// Prints what is still queued; the printer says if lines were dropped.
    fn finish(self) -> anyhow::Result<()> {
        // Servers' tasks may still hold the sink, so the printer is not
        // stopped, only waited for; a paused terminal is not waited on long.
        self.printer.flush(std::time::Duration::from_secs(2));
        Ok(())
    }
}

use hooklab_core::shutdown::ctrl_c;

/// `hooklab platform`.
pub async fn platform(args: PlatformArgs, out: Out) -> anyhow::Result<()> {
    let lang = out.lang;
    let data = crate::data::open(&args.data, args.reset, lang)?;
    let clock = data.clock;
    // The edge may read the system's time to seed a fresh key.
    let mut rng = SeededRng::new(Clock::system_unix_us() as u64);
    let merchant = match (args.api_key, data.merchant) {
        (Some(api_key), _) => Merchant {
            id: MerchantId::numbered(1),
            api_key,
        },
        // The key the file knows: the shop that has it goes on working.
        (None, Some(known)) => known,
        (None, None) => Merchant::generate(1, &mut rng),
    };
    let config = PlatformConfig {
        default_settle: args.settle_after,
        merchants: vec![merchant.clone()],
        rate_limit_per_s: args.rate_limit,
        seed: rng.next_u64(),
        events: out.events(clock),
        // A new epoch per data file (a new one per start with `:memory:`):
        // ids never repeat across restarts, and a restart on the same file
        // goes on numbering.
        id_epoch: data.epoch,
        // A platform left running drops a dead shop's endpoint.
        disable_after_failures: Some(hooklab_platform::DEFAULT_DISABLE_AFTER_FAILURES),
        retention: hooklab_platform::Retention {
            finished_for: Some(args.keep),
            ..hooklab_platform::Retention::SERVER
        },
        ..PlatformConfig::default()
    };
    config.validate()?;
    let platform =
        Platform::with_store(clock, config, RealHttp::new(), data.opened).with_context(|| {
            text::phrase(
                lang,
                text::Phrase::OpenData,
                &args.data.display().to_string(),
            )
        })?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| text::phrase(lang, text::Phrase::Listen, &args.listen.to_string()))?;
    let addr = listener.local_addr()?;
    let now = out.now();
    match lang {
        Lang::En => {
            out.say(format!(
                "{now} payment platform listening on http://{addr} (process {})",
                std::process::id()
            ));
            out.say(format!("{now} API key: {}", merchant.api_key));
            out.say(format!("{now} {}", data.line));
            out.say(format!(
                "{now} every payment settles {} after its creation (unless it asks otherwise; \
                 --settle-after to change); lines are stamped with the time of day; Ctrl-C to stop",
                out.dur(args.settle_after)
            ));
        }
        Lang::PtBr => {
            out.say(format!(
                "{now} plataforma de pagamentos escutando em http://{addr} (processo {})",
                std::process::id()
            ));
            out.say(format!("{now} chave de API: {}", merchant.api_key));
            out.say(format!("{now} {}", data.line));
            out.say(format!(
                "{now} cada pagamento é liquidado {} após a criação (salvo pedido em contrário; \
                 --settle-after para mudar); as linhas trazem a hora do dia; Ctrl-C para parar",
                out.dur(args.settle_after)
            ));
        }
    }
    let (trigger, shutdown) = shutdown::channel();
    let _stop_on_ctrl_c = tokio::spawn(async move {
        ctrl_c().await;
        trigger.trigger();
    });
    let served = platform
        .serve(listener, shutdown)
        .await
        .context(text::phrase(lang, text::Phrase::Serving, ""));
    out.finish()?;
    served
}

/// `hooklab shop`.
pub async fn shop(args: ShopArgs, out: Out) -> anyhow::Result<()> {
    let clock = Clock::starting_now(Clock::system_unix_us());
    let lang = out.lang;
    let name = format!("{:?}", args.strategy).to_lowercase();
    let strategy = match args.strategy {
        StrategyArg::Poll => StrategySpec::Poll {
            name,
            interval_ms: args.interval,
        },
        StrategyArg::Webhook => StrategySpec::Webhook { name },
        StrategyArg::Hybrid => StrategySpec::Hybrid {
            name,
            reconcile_after_ms: args.interval,
            reconcile_every_ms: args.interval,
        },
        StrategyArg::PollEvents => StrategySpec::PollEvents {
            name,
            interval_ms: args.interval,
            page_size: 100,
        },
        StrategyArg::ConditionalPoll => StrategySpec::ConditionalPoll {
            name,
            interval_ms: args.interval,
        },
        StrategyArg::BackoffPoll => StrategySpec::BackoffPoll {
            name,
            schedule: hooklab_core::scenario::BackoffSchedule {
                first_ms: args.interval,
                factor: 2.0,
                max_ms: args.interval.max(Dur::from_secs(60)),
                jitter: 0.0,
                at_ms: Vec::new(),
                seed: 0,
            },
        },
        StrategyArg::LongPoll => StrategySpec::LongPoll {
            name,
            wait_ms: args.interval,
        },
        StrategyArg::LongPollEvents => StrategySpec::LongPollEvents {
            name,
            wait_ms: args.interval,
            page_size: 100,
        },
        StrategyArg::Stream => StrategySpec::Stream { name },
    };
    if args.interval == Dur::ZERO {
        return Err(FlagMistake(text::pick(
            lang,
            "--interval must be greater than 0".to_owned(),
            "--interval deve ser maior que 0".to_owned(),
        ))
        .into());
    }
    let max_wait = hooklab_core::scenario::MAX_WAIT;
    if matches!(
        args.strategy,
        StrategyArg::LongPoll | StrategyArg::LongPollEvents
    ) && args.interval > max_wait
    {
        return Err(FlagMistake(match lang {
            Lang::En => format!("--interval is the long poll's wait: at most {max_wait}"),
            Lang::PtBr => format!("--interval é a espera do long poll: no máximo {max_wait}"),
        })
        .into());
    }
    let (trigger, shutdown) = shutdown::channel();
    let inbox = match &args.data {
        Some(path) => Some(crate::data::open_inbox(path, clock, lang)?),
        None => None,
    };
    let events = match &inbox {
        Some(inbox) => crate::data::journalled(out.events(clock), inbox.inbox.clone()),
        None => out.events(clock),
    };
    let book = Arc::new(OrderBook::with_events(events.clone()));
    let client = PlatformClient::new(RealHttp::new(), &args.platform, clock)
        .with_events(events)
        .with_api_key(&args.api_key)
        .with_timeout(PlatformClient::INTERACTIVE_TIMEOUT);
    let shop = Shop::new(
        clock,
        client.clone(),
        strategy.clone(),
        "BRL".to_owned(),
        shutdown.clone(),
    )
    .with_book(book.clone());
    // The endpoint to remove when the shop stops: a shop without a durable
    // inbox will not be back for its deliveries, and a platform left running
    // would retry the next demo's events against this dead port.
    let mut registered: Option<hooklab_core::ids::EndpointId> = None;
    if strategy.receives_webhooks() {
        let receiver = match &inbox {
            Some(inbox) => Receiver::with_inbox(
                clock,
                book.clone(),
                inbox.inbox.clone(),
                inbox.processed.clone(),
            ),
            None => Receiver::new(clock, book.clone()),
        };
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| text::phrase(lang, text::Phrase::Listen, &args.listen.to_string()))?;
        let url = format!("http://{}{WEBHOOK_PATH}", listener.local_addr()?);
        tokio::spawn(receiver::serve(
            listener,
            receiver::router(receiver.clone()),
            shutdown.clone(),
        ));
        let endpoint = shop.subscribe(&receiver, &url).await.with_context(|| {
            text::phrase(
                lang,
                text::Phrase::Register,
                &format!("{url} ({})", args.platform),
            )
        })?;
        let now = out.now();
        out.say(match lang {
            Lang::En => format!(
                "{now} shop receiving webhooks at {url} (endpoint {}, signing secret {}, signatures checked)",
                endpoint.id, endpoint.secret
            ),
            Lang::PtBr => format!(
                "{now} loja recebendo webhooks em {url} (endpoint {}, segredo de assinatura {}, assinaturas verificadas)",
                endpoint.id, endpoint.secret
            ),
        });
        if inbox.is_none() {
            registered = Some(endpoint.id.clone());
        }
    }
    let now = out.now();
    // What `--interval` means for this strategy: a polling period, a long
    // poll's longest hold, or nothing (webhooks and the stream).
    let interval = match args.strategy {
        StrategyArg::Webhook | StrategyArg::Stream => None,
        StrategyArg::LongPoll | StrategyArg::LongPollEvents => Some(false),
        _ => Some(true),
    };
    let every = out.dur(args.every);
    let period = out.dur(args.interval);
    out.say(match (lang, interval) {
        (Lang::En, Some(true)) => format!(
            "{now} shop placing {} order(s), one every {every}, learning outcomes by {}, polling every {period} \
             (--interval); lines are stamped with the time of day; Ctrl-C to stop",
            args.orders, strategy.kind()
        ),
        (Lang::En, Some(false)) => format!(
            "{now} shop placing {} order(s), one every {every}, learning outcomes by {}, each request held up to {period} \
             (--interval); lines are stamped with the time of day; Ctrl-C to stop",
            args.orders, strategy.kind()
        ),
        (Lang::En, None) => format!(
            "{now} shop placing {} order(s), one every {every}, learning outcomes by {}; \
             lines are stamped with the time of day; Ctrl-C to stop",
            args.orders, strategy.kind()
        ),
        (Lang::PtBr, Some(true)) => format!(
            "{now} loja fazendo {} pedido(s), um a cada {every}, sabendo os resultados por {}, consultando a cada {period} \
             (--interval); as linhas trazem a hora do dia; Ctrl-C para parar",
            args.orders, strategy_pt(args.strategy)
        ),
        (Lang::PtBr, Some(false)) => format!(
            "{now} loja fazendo {} pedido(s), um a cada {every}, sabendo os resultados por {}, cada requisição segura até {period} \
             (--interval); as linhas trazem a hora do dia; Ctrl-C para parar",
            args.orders, strategy_pt(args.strategy)
        ),
        (Lang::PtBr, None) => format!(
            "{now} loja fazendo {} pedido(s), um a cada {every}, sabendo os resultados por {}; \
             as linhas trazem a hora do dia; Ctrl-C para parar",
            args.orders, strategy_pt(args.strategy)
        ),
    });
    // Orders a previous run left waiting: their webhooks may still come.
    let mut waiting = 0;
    if let Some(inbox) = &inbox {
        out.say(format!("{now} {}", inbox.line));
        if strategy.receives_webhooks() {
            for order in &inbox.pending {
                book.place(order.clone(), clock.now());
                waiting += 1;
            }
        }
    }
    shop.start();
    let stamp = Clock::system_unix_us();
    let mut settled = book.watch_settled();
    let placing = {
        let shop = shop.clone();
        let (orders, every) = (args.orders, args.every);
        let out = out.clone();
        tokio::spawn(async move {
            for n in 0..orders {
                let order = OrderPlan {
                    // Unique across runs of the demo against one platform.
                    order_id: OrderId(format!("ord_{stamp}_{n}")),
                    arrive_at: Default::default(),
                    settle_after: Dur::ZERO,
                    outcome: Outcome::Approved,
                    amount_cents: 4_990,
                    merchant: 0,
                };
                if let Err(e) = shop.place_order(&order).await {
                    let now = out.now();
                    out.say(match out.lang {
                        Lang::En => format!("{now} order {} failed: {e}", order.order_id),
                        // The cause is another crate's English: on its own line.
                        Lang::PtBr => format!(
                            "{now} o pedido {} falhou\n  {}: {e}",
                            order.order_id,
                            text::original_detail(Lang::PtBr)
                        ),
                    });
                }
                tokio::time::sleep(every.to_std()).await;
            }
        })
    };
    let total = u64::from(args.orders) + waiting;
    loop {
        if *settled.borrow_and_update() >= total {
            break;
        }
        tokio::select! {
            biased;
            _ = ctrl_c() => break,
            changed = settled.changed() => if changed.is_err() { break },
        }
    }
    placing.abort();
    trigger.trigger();
    // A long poll on the wire finishes first (the platform, another
    // program, holds it until news or its wait's end): a few seconds at most.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), shop.stopped()).await;
    if let Some(id) = registered {
        let removed = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            client.deregister_endpoint(&id),
        )
        .await;
        let now = out.now();
        out.say(match (lang, matches!(removed, Ok(Ok(())))) {
            (Lang::En, true) => format!("{now} endpoint {id} removed from the platform"),
            (Lang::En, false) => format!(
                "{now} endpoint {id} could not be removed from the platform: it will keep retrying \
                 this shop's address until it disables it"
            ),
            (Lang::PtBr, true) => format!("{now} endpoint {id} removido da plataforma"),
            (Lang::PtBr, false) => format!(
                "{now} não foi possível remover o endpoint {id} da plataforma: ela vai continuar \
                 tentando o endereço desta loja até desativá-lo"
            ),
        });
    }
    let sent = client.sent();
    let load = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    let now = out.now();
    let (known, polls, wasted, lists, limited) = (
        load_known(&book),
        load(&sent.polls),
        load(&sent.polls_pending),
        load(&sent.event_lists),
        load(&sent.rate_limited),
    );
    out.say(match lang {
        Lang::En => format!(
            "{now} done: {known} order(s) known; {polls} poll(s), {wasted} of them wasted; \
             {lists} event-log poll(s); {limited} rate-limited"
        ),
        Lang::PtBr => format!(
            "{now} fim: {known} pedido(s) conhecido(s); {polls} consulta(s), {wasted} delas desperdiçadas; \
             {lists} consulta(s) ao registro de eventos; {limited} limitada(s) por taxa (429)"
        ),
    });
    out.finish()?;
    // Orders the platform never took: the book records each before the
    // wait above can end on it (it counts them as settled), so reading it
    // here misses none, whatever the placing task was doing when aborted.
    let unknown = book.abandoned_orders().len();
    if unknown > 0 {
        anyhow::bail!(match lang {
            Lang::En => format!(
                "{unknown} of {total} order(s) ended unknown: the platform at {} no longer knows their payments (404 or 410 to a poll: it restarted without its data, or forgot them after --keep); `hooklab platform` keeps its data in a file unless given --data :memory:",
                args.platform
            ),
            Lang::PtBr => format!(
                "{unknown} de {total} pedido(s) terminaram sem resultado: a plataforma em {} não conhece mais os pagamentos deles (404 ou 410 a uma consulta: ela reiniciou sem os dados, ou os esqueceu depois do --keep); `hooklab platform` guarda os dados num arquivo, a não ser com --data :memory:",
                args.platform
            ),
        });
    }
    let gone = book.failed().len();
    if gone > 0 {
        anyhow::bail!(match lang {
            Lang::En => format!(
                "{gone} of {total} order(s) could not be placed (see the lines above: is `hooklab platform` running at {}, with this --api-key?)",
                args.platform
            ),
            Lang::PtBr => format!(
                "{gone} de {total} pedido(s) não puderam ser feitos (veja as linhas acima: `hooklab platform` está rodando em {}, com esta --api-key?)",
                args.platform
            ),
        });
    }
    Ok(())
}

/// A strategy's name in Portuguese, as the seed presentation says it.
fn strategy_pt(strategy: StrategyArg) -> &'static str {
    match strategy {
        StrategyArg::Poll => "consulta periódica (polling)",
        StrategyArg::Webhook => "webhook",
        StrategyArg::Hybrid => "webhook com reconciliação",
        StrategyArg::PollEvents => "consulta ao registro de eventos",
        StrategyArg::ConditionalPoll => "consulta condicional (If-None-Match)",
        StrategyArg::BackoffPoll => "consulta com recuo",
        StrategyArg::LongPoll => "long polling de cada pagamento",
        StrategyArg::LongPollEvents => "long polling do registro de eventos",
        StrategyArg::Stream => "fluxo de eventos (SSE)",
    }
}

fn load_known(book: &OrderBook) -> usize {
    book.entries()
        .iter()
        .filter(|e| e.known_at.is_some())
        .count()
}

/// `hooklab order`.
pub async fn order(args: OrderArgs, lang: Lang) -> anyhow::Result<()> {
    let clock = Clock::starting_now(Clock::system_unix_us());
    let client = PlatformClient::new(RealHttp::new(), &args.platform, clock)
        .with_api_key(&args.api_key)
        .with_timeout(PlatformClient::INTERACTIVE_TIMEOUT);
    let order_id = args
        .order_id
        .unwrap_or_else(|| format!("ord_{}", Clock::system_unix_us()));
    let request = CreatePayment {
        order_id: OrderId(order_id.clone()),
        amount_cents: args.amount_cents,
        currency: "BRL".to_owned(),
        simulate: args.settle_after.map(|after| Simulate {
            settle_after_ms: after,
            outcome: match args.outcome {
                OutcomeArg::Approved => Outcome::Approved,
                OutcomeArg::Declined => Outcome::Declined,
            },
        }),
    };
    let payment = client
        .create_payment(&request, &order_id)
        .await
        .with_context(|| text::phrase(lang, text::Phrase::CreatePayment, &args.platform))?;
    crate::out::print(format!("{}\n", serde_json::to_string_pretty(&payment)?))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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

    /// An English printer for Brasília's time of day, reading `wall_us`.
    fn brasilia(wall_us: fn() -> i64) -> Out {
        Out {
            printer: Arc::new(
                LinePrinter::spawn(
                    Sink::Lines(tokio::sync::mpsc::unbounded_channel().0),
                    Lang::En,
                    1,
                )
                .unwrap(),
            ),
            lang: Lang::En,
            offset: time::UtcOffset::from_hms(-3, 0, 0).unwrap(),
            wall_us,
        }
    }

    #[test]
    fn lines_are_stamped_with_the_time_of_day() {
        let out = brasilia(Clock::system_unix_us);
        // 2026-12-01 12:41:07.123 UTC is 09:41:07.123 in Brasília.
        assert_eq!(out.time_of_day(1_796_128_867_123_000), "09:41:07.123");
        let pt = Out {
            lang: Lang::PtBr,
            ..out
        };
        assert_eq!(pt.time_of_day(1_796_128_867_123_000), "09:41:07,123");
    }

    /// 2026-12-01 09:41:07.123 in Brasília, in unix microseconds.
    const START_US: i64 = 1_796_128_867_123_000;
    const HOURS_10_US: i64 = 10 * 3_600 * 1_000_000;

    /// The wall clock after ten hours, nine seconds ahead of the monotonic
    /// clock's ten hours (a suspended laptop, a time correction).
    fn wall_after_ten_hours() -> i64 {
        START_US + HOURS_10_US + 9_000_000
    }

    /// A long-running demo: its event lines read the time of day, as its
    /// banner lines and the other terminal's do, not the run's clock. The
    /// paused tokio clock stands in for ten hours of monotonic time.
    #[tokio::test(start_paused = true)]
    async fn event_lines_keep_to_the_time_of_day_over_a_long_run() {
        let clock = Clock::starting_now(START_US);
        tokio::time::advance(std::time::Duration::from_secs(10 * 3_600)).await;
        let out = brasilia(wall_after_ten_hours);
        let two_seconds_ago = Micros(clock.now().0 - 2_000_000);
        // The run's clock says ten hours after 09:41:07.123, 2 s ago: 9 s
        // behind the wall.
        assert_eq!(
            out.time_of_day(clock.unix_us(two_seconds_ago)),
            "19:41:05.123"
        );
        assert_eq!(out.now(), "19:41:16.123");
        assert_eq!(out.time_of_event(&clock, two_seconds_ago), "19:41:14.123");
        assert_eq!(out.time_of_event(&clock, clock.now()), out.now());
    }
}

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

mod args;
pub(crate) mod flags;
mod out;
mod resume;
mod retrying;

pub use args::{OrderArgs, PlatformArgs, ShopArgs, is_flag_mistake, is_refused_key};
pub use out::Out;

use crate::text;
use anyhow::Context as _;
use args::{FlagMistake, OutcomeArg, StrategyArg, is_refused_key_text};
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::ids::{MerchantId, OrderId};
use hooklab_core::lang::Lang;
use hooklab_core::rng::SeededRng;
use hooklab_core::scenario::StrategySpec;
use hooklab_core::shutdown;
use hooklab_core::wire::{CreatePayment, Outcome, Simulate};
use hooklab_harness::transport::RealHttp;
use hooklab_platform::{Merchant, Platform, PlatformConfig};
use hooklab_shop::Shop;
use hooklab_shop::client::PlatformClient;
use hooklab_shop::orders::OrderBook;
use hooklab_shop::receiver::{self, Receiver, WEBHOOK_PATH};
use std::collections::HashSet;
use std::sync::Arc;

/// How `hooklab shop` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShopEnd {
    /// Every order known, failed or ended unknown.
    Done,
    /// Ctrl-C cut it short, and its last line said what was still waiting.
    /// Exit code 130, as for `hooklab live`.
    Interrupted,
}

/// How `hooklab platform` ended, when nothing failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformEnd {
    /// Ctrl-C stopped it (its last line said so): exit code 130, as for
    /// `hooklab shop` and `hooklab live`.
    Interrupted,
    /// It stopped serving with no Ctrl-C.
    Stopped,
}

/// `hooklab platform`.
pub async fn platform(args: PlatformArgs, out: Out) -> anyhow::Result<PlatformEnd> {
    let lang = out.lang;
    if let Some(key) = &args.api_key {
        flags::api_key(key, true, lang)?;
    }
    let data = crate::data::open(&args.data, args.reset, lang)?;
    if let Some(key) = &args.api_key {
        crate::data::check_key(&data, &args.data, key, lang)?;
    }
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
        // A platform left running drops a shop's endpoint that has been
        // dead for days, not one that is restarting (see `DisablePolicy`).
        disable_after_failures: Some(hooklab_platform::DisablePolicy::SERVER),
        retention: hooklab_platform::Retention {
            finished_for: Some(args.keep),
            ..hooklab_platform::Retention::SERVER
        },
        lang,
        // The server's own lines for people (its shutdown warning) too.
        server: hooklab_core::http::server::ServerLimits {
            lang,
            ..Default::default()
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
    let listener = crate::listen::bind(args.listen, lang).await?;
    let addr = listener.local_addr()?;
    // Before the first line: a Ctrl-C once it is printed stops the
    // platform as a Ctrl-C later would, rather than killing it unsaid.
    let interrupt = hooklab_core::shutdown::armed_ctrl_c().await;
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
    // Set before the shutdown is triggered, so it is read true after `serve`.
    let interrupted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let _stop_on_ctrl_c = tokio::spawn({
        let interrupted = Arc::clone(&interrupted);
        async move {
            interrupt.await;
            interrupted.store(true, std::sync::atomic::Ordering::SeqCst);
            trigger.trigger();
        }
    });
    let served = platform
        .serve(listener, shutdown)
        .await
        .context(text::phrase(lang, text::Phrase::Serving, ""));
    let end = if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
        let now = out.now();
        out.say(text::pick(
            lang,
            format!("{now} platform stopped (Ctrl-C)"),
            format!("{now} plataforma parada (Ctrl-C)"),
        ));
        PlatformEnd::Interrupted
    } else {
        PlatformEnd::Stopped
    };
    out.finish()?;
    served.map(|()| end)
}

/// `hooklab shop`.
pub async fn shop(args: ShopArgs, out: Out) -> anyhow::Result<ShopEnd> {
    let clock = Clock::starting_now(Clock::system_unix_us());
    let lang = out.lang;
    // Before any order: a platform URL no request could use is the user's
    // flag to fix, said now rather than as "no answer" 1.5 s later.
    flags::base_url(&args.platform, "--platform", lang)?;
    flags::api_key(&args.api_key, false, lang)?;
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
    // With an inbox, 0 orders means "only wait for the ones it kept"; with
    // none, the shop would start, do nothing and report success.
    if args.orders == 0 && args.data.is_none() {
        return Err(FlagMistake(text::pick(
            lang,
            "--orders 0 places no order, so there is nothing to watch: give at least 1 (or --data FILE to wait only for the orders an inbox kept)".to_owned(),
            "--orders 0 não faz nenhum pedido, então não há nada a acompanhar: dê pelo menos 1 (ou --data ARQUIVO para só esperar os pedidos que uma caixa de entrada guardou)".to_owned(),
        ))
        .into());
    }
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
        // Refused if it holds another platform's or merchant's orders. The
        // platform's id recognises the one that holds them restarted on
        // another address; not known (not running yet), the address decides.
        Some(path) => {
            let id = PlatformClient::new(RealHttp::new(), &args.platform, clock)
                .with_timeout(PlatformClient::INTERACTIVE_TIMEOUT)
                .platform_info()
                .await
                .ok()
                .and_then(|info| info.id);
            let owner = hooklab_shop::inbox::InboxOwner::new(&args.platform, &args.api_key)
                .with_platform_id(id);
            Some(crate::data::open_inbox(path, clock, &owner, lang)?)
        }
        None => None,
    };
    // Orders a previous run left waiting: entered again below, and asked
    // for again (see `resume`), whatever the strategy.
    let resumed: HashSet<OrderId> = match &inbox {
        Some(inbox) => inbox.pending.iter().cloned().collect(),
        None => HashSet::new(),
    };
    // Each "order placed" line waits for its payment's creation (see
    // `Placed`); the inbox's journal still gets every placement at once.
    let (printing, placed) = out::Placed::wrap(out.events(clock), clock);
    let events = match &inbox {
        Some(inbox) => crate::data::journalled(
            out.shop_events(printing, resumed.clone()),
            inbox.inbox.clone(),
        ),
        None => printing,
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
    .with_book(book.clone())
    // A platform that died is given time to come back (see `CreationRetry`).
    .with_creation_retry(hooklab_shop::creation::CreationRetry::INTERACTIVE)
    // ... and said while it is (once, then every ten seconds).
    .with_retry_notices(retrying::notices(&out));
    // Orders a previous run left waiting, in the book before the receiver
    // can hear of them (an event about an order the book does not have is
    // acknowledged and not applied).
    let mut waiting = 0;
    if let Some(inbox) = &inbox {
        out.say(format!("{} {}", out.now(), inbox.line));
        for order in inbox.pending.iter().filter(|o| resumed.contains(*o)) {
            book.place(order.clone(), clock.now());
            waiting += 1;
        }
    }
    // The endpoint to remove when the shop stops: a shop without a durable
    // inbox will not be back for its deliveries, and a platform left running
    // would retry the next demo's events against this dead port.
    let mut registered: Option<hooklab_core::ids::EndpointId> = None;
    // The receiver, for its counts at the end.
    let mut receiving: Option<Arc<Receiver>> = None;
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
        let listener = crate::listen::bind(args.listen, lang).await?;
        let url = format!("http://{}{WEBHOOK_PATH}", listener.local_addr()?);
        tokio::spawn(receiver::serve_in(
            listener,
            receiver::router(receiver.clone()),
            shutdown.clone(),
            lang,
        ));
        // With an inbox, the endpoint it kept is taken back (see `resume`).
        let subscribed = resume::subscribe(
            &shop,
            &client,
            &receiver,
            &url,
            inbox.as_ref().map(|i| &*i.inbox),
        )
        .await
        .with_context(|| {
            text::phrase(
                lang,
                text::Phrase::Register,
                &format!("{url} ({})", args.platform),
            )
        })?;
        out.say(resume::said(&out, &url, &subscribed));
        if let (None, resume::Subscribed::Registered(endpoint)) = (&inbox, &subscribed) {
            registered = Some(endpoint.id.clone());
        }
        receiving = Some(receiver);
    }
    // Before the line that says Ctrl-C stops the shop: from then on a
    // Ctrl-C is said, with what is still waiting (see the end). Before it,
    // SIGINT ends the process at once, as for any command.
    let mut interrupt = hooklab_core::shutdown::armed_ctrl_c().await;
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
            "{now} shop placing {}, one every {every}, learning outcomes by {}, polling every {period} \
             (--interval); lines are stamped with the time of day; Ctrl-C to stop",
            counted(args.orders, "order", "orders"), strategy.kind()
        ),
        (Lang::En, Some(false)) => format!(
            "{now} shop placing {}, one every {every}, learning outcomes by {}, each request held up to {period} \
             (--interval); lines are stamped with the time of day; Ctrl-C to stop",
            counted(args.orders, "order", "orders"), strategy.kind()
        ),
        (Lang::En, None) => format!(
            "{now} shop placing {}, one every {every}, learning outcomes by {}; \
             lines are stamped with the time of day; Ctrl-C to stop",
            counted(args.orders, "order", "orders"), strategy.kind()
        ),
        (Lang::PtBr, Some(true)) => format!(
            "{now} loja fazendo {}, um a cada {every}, sabendo os resultados por {}, consultando a cada {period} \
             (--interval); as linhas trazem a hora do dia; Ctrl-C para parar",
            counted(args.orders, "pedido", "pedidos"), strategy_pt(args.strategy)
        ),
        (Lang::PtBr, Some(false)) => format!(
            "{now} loja fazendo {}, um a cada {every}, sabendo os resultados por {}, cada requisição segura até {period} \
             (--interval); as linhas trazem a hora do dia; Ctrl-C para parar",
            counted(args.orders, "pedido", "pedidos"), strategy_pt(args.strategy)
        ),
        (Lang::PtBr, None) => format!(
            "{now} loja fazendo {}, um a cada {every}, sabendo os resultados por {}; \
             as linhas trazem a hora do dia; Ctrl-C para parar",
            counted(args.orders, "pedido", "pedidos"), strategy_pt(args.strategy)
        ),
    });
    // The poll lines cannot tell a 304 from a pending 200: said once here,
    // and counted at the end (see `not_modified_said`).
    if matches!(args.strategy, StrategyArg::ConditionalPoll) {
        out.say(match lang {
            Lang::En => format!(
                "{now} each poll sends If-None-Match: while the payment has not changed the \
                 platform answers 304 Not Modified, with no body; those polls show as still \
                 pending (wasted), and the last line counts them"
            ),
            Lang::PtBr => format!(
                "{now} cada consulta envia If-None-Match: enquanto o pagamento não muda, a \
                 plataforma responde 304 Not Modified, sem corpo; essas consultas aparecem como \
                 ainda pendentes (desperdiçadas), e a última linha as conta"
            ),
        });
    }
    shop.start();
    // Each resumed order asked for again: its status now, or its payment
    // created if the platform never made it.
    let asking = inbox.as_ref().map(|inbox| {
        let orders: Vec<OrderId> = inbox
            .pending
            .iter()
            .filter(|o| resumed.contains(*o))
            .cloned()
            .collect();
        tokio::spawn(resume::ask_again(
            shop.clone(),
            clock,
            inbox.inbox.clone(),
            orders,
            out.clone(),
        ))
    });
    let stamp = Clock::system_unix_us();
    let mut settled = book.watch_settled();
    let mut placing = {
        let shop = shop.clone();
        let (orders, every) = (args.orders, args.every);
        let out = out.clone();
        let placed = placed.clone();
        let inbox = inbox.as_ref().map(|i| i.inbox.clone());
        tokio::spawn(async move {
            for n in 0..orders {
                // Between two orders only: after the last, the summary
                // waits for this task (its failure line comes first).
                if n > 0 {
                    tokio::time::sleep(every.to_std()).await;
                }
                // Unique across runs of the demo against one platform.
                let order = resume::plan(OrderId(format!("ord_{stamp}_{n}")));
                let result = shop.place_order(&order).await;
                match &result {
                    Ok(()) => placed.created(&order.order_id),
                    Err(_) => placed.failed(&order.order_id),
                }
                if let Err(e) = result {
                    match &inbox {
                        // Kept as missed, so a restart does not wait for it.
                        Some(inbox) => {
                            resume::creation_failed(inbox, &order.order_id, &e, &out, clock.now())
                        }
                        None => out.say(failure_line(&out, &order.order_id, &e)),
                    }
                }
            }
        })
    };
    let total = u64::from(args.orders) + waiting;
    let mut interrupted = false;
    loop {
        if *settled.borrow_and_update() >= total {
            break;
        }
        tokio::select! {
            biased;
            () = &mut interrupt => { interrupted = true; break },
            changed = settled.changed() => if changed.is_err() { break },
        }
    }
    // Every order settled or failed: the placing task is at its last
    // order, and its failure line (if any) is printed before the summary.
    // A Ctrl-C stops it where it is.
    if !interrupted {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), &mut placing).await;
    }
    placing.abort();
    // The same for the resumed orders asked for again: a creation that
    // failed is counted before its order is recorded as missed.
    if let Some(mut asking) = asking {
        if !interrupted {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), &mut asking).await;
        }
        asking.abort();
    }
    trigger.trigger();
    // A long poll on the wire finishes first (the platform, another
    // program, holds it until news or its wait's end): a few seconds at most.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), shop.stopped()).await;
    // Orders that ended unknown are missed in the inbox too: not resumed.
    if let Some(inbox) = &inbox {
        resume::record_gone(&inbox.inbox, &book, &out, clock.now());
    }
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
    // A conditional poll answered 304 is printed as a poll still pending,
    // but the client counts it only as `not_modified`: added back, so the
    // last line counts the poll lines printed, and named.
    let not_modified = load(&sent.not_modified);
    if not_modified > 0 {
        out.say(not_modified_said(lang, &now, not_modified));
    }
    let (known, polls, wasted, lists, limited) = (
        load_known(&book),
        load(&sent.polls) + not_modified,
        load(&sent.polls_pending) + not_modified,
        load(&sent.event_lists),
        load(&sent.rate_limited),
    );
    let head = if interrupted {
        interrupted_said(lang, &book, &resumed)
    } else {
        match lang {
            Lang::En => format!("done: {} known", counted(known, "order", "orders")),
            Lang::PtBr => format!(
                "fim: {}",
                counted(known, "pedido conhecido", "pedidos conhecidos")
            ),
        }
    };
    out.say(match lang {
        Lang::En => format!(
            "{now} {head}; {}, {wasted} {}wasted; {}; {limited} rate-limited{}",
            counted(polls, "poll", "polls"),
            if polls == 1 { "" } else { "of them " },
            counted(lists, "event-log poll", "event-log polls"),
            unknown_orders_said(lang, receiving.as_deref())
        ),
        Lang::PtBr => format!(
            "{now} {head}; {}, {wasted} {}; {}; {limited} {} por taxa (429){}",
            counted(polls, "consulta", "consultas"),
            if wasted == 1 {
                "desperdiçada"
            } else {
                "desperdiçadas"
            },
            counted(
                lists,
                "consulta ao registro de eventos",
                "consultas ao registro de eventos"
            ),
            if limited == 1 {
                "limitada"
            } else {
                "limitadas"
            },
            unknown_orders_said(lang, receiving.as_deref())
        ),
    });
    if interrupted {
        // What becomes of the orders still waiting: kept by the inbox for
        // the next start, or by nothing.
        let waiting = still_waiting(&book);
        if waiting > 0 {
            let now = out.now();
            let which = |n: usize| match (lang, n) {
                (Lang::En, 1) => "order still waiting".to_owned(),
                (Lang::En, n) => format!("{n} orders still waiting"),
                (Lang::PtBr, 1) => "o pedido que espera".to_owned(),
                (Lang::PtBr, n) => format!("os {n} pedidos que esperam"),
            };
            out.say(match (&args.data, lang) {
                (Some(path), Lang::En) => format!(
                    "{now} the inbox {} keeps the {} for the next start: \
                     `hooklab shop` with the same --data resumes {}",
                    path.display(),
                    which(waiting),
                    if waiting == 1 { "it" } else { "them" }
                ),
                (Some(path), Lang::PtBr) => format!(
                    "{now} a caixa de entrada {} guarda {} para o próximo início: \
                     `hooklab shop` com o mesmo --data {}",
                    path.display(),
                    which(waiting),
                    if waiting == 1 {
                        "o retoma"
                    } else {
                        "os retoma"
                    }
                ),
                (None, Lang::En) => format!(
                    "{now} without --data nothing keeps the {}: a next start does not wait for {}",
                    which(waiting),
                    if waiting == 1 { "it" } else { "them" }
                ),
                (None, Lang::PtBr) => format!(
                    "{now} sem --data, nada guarda {}: um próximo início não {}",
                    which(waiting),
                    if waiting == 1 {
                        "espera por ele"
                    } else {
                        "espera por eles"
                    }
                ),
            });
        }
        out.finish()?;
        return Ok(ShopEnd::Interrupted);
    }
    // Orders the platform never took: the book records each before the
    // wait above can end on it (it counts them as settled), so reading it
    // here misses none, whatever the placing task was doing when aborted.
    // Each is said with why, in the user's language (its code is for
    // programs), before the last line counts them.
    let gone = book.abandoned_reasons();
    for (order, why) in &gone {
        let now = out.now();
        out.say(match lang {
            Lang::En => format!("{now} order {order} ended unknown: {}", why.text(lang)),
            Lang::PtBr => format!(
                "{now} o pedido {order} terminou sem resultado: {}",
                why.text(lang)
            ),
        });
    }
    out.finish()?;
    let unknown = gone.len();
    if unknown > 0 {
        anyhow::bail!(match lang {
            Lang::En => format!(
                "{unknown} of {} ended unknown: the platform at {} no longer knows their payments (404 or 410 to a poll, or 410 to an order asked for again: it restarted without its data, or forgot them after --keep); `hooklab platform` keeps its data in a file unless given --data :memory:",
                counted(total, "order", "orders"),
                args.platform
            ),
            Lang::PtBr => format!(
                "{unknown} de {} {} sem resultado: a plataforma em {} não conhece mais os pagamentos deles (404 ou 410 a uma consulta, ou 410 a um pedido feito de novo: ela reiniciou sem os dados, ou os esqueceu depois do --keep); `hooklab platform` guarda os dados num arquivo, a não ser com --data :memory:",
                counted(total, "pedido", "pedidos"),
                if unknown == 1 {
                    "terminou"
                } else {
                    "terminaram"
                },
                args.platform
            ),
        });
    }
    // Orders the platform refused for the API key (401, 403): when every
    // failure is one, the flag is the user's to fix (exit 2). Read from the
    // book, which records each failure before the wait above can end on it
    // (the placing task may be aborted before it sees its last one).
    let failed = book.failed();
    let gone = failed.len();
    if gone > 0 && failed.iter().all(|(_, why)| is_refused_key_text(why)) {
        return Err(anyhow::Error::new(FlagMistake(match lang {
            Lang::En => format!(
                "the platform at {} refused the API key for {gone} of {}: \
                 give --api-key the key `hooklab platform` printed when it started",
                args.platform,
                counted(total, "order", "orders")
            ),
            Lang::PtBr => format!(
                "a plataforma em {} recusou a chave de API em {gone} de {}: \
                 dê em --api-key a chave que `hooklab platform` imprimiu ao iniciar",
                args.platform,
                counted(total, "pedido", "pedidos")
            ),
        })));
    }
    if gone > 0 {
        anyhow::bail!(match lang {
            Lang::En => format!(
                "{gone} of {} could not be placed (see the lines above: is `hooklab platform` running at {}, with this --api-key?)",
                counted(total, "order", "orders"),
                args.platform
            ),
            Lang::PtBr => format!(
                "{gone} de {} não {} (veja as linhas acima: `hooklab platform` está rodando em {}, com esta --api-key?)",
                counted(total, "pedido", "pedidos"),
                if gone == 1 {
                    "pôde ser feito"
                } else {
                    "puderam ser feitos"
                },
                args.platform
            ),
        });
    }
    Ok(ShopEnd::Done)
}

/// The start of the shop's last line after a Ctrl-C: how many orders this
/// run placed (and took back from its inbox), how many are known, how many
/// still wait for their outcome, and how many failed or ended unknown, all
/// read from the book.
fn interrupted_said(lang: Lang, book: &OrderBook, resumed: &HashSet<OrderId>) -> String {
    let entries = book.entries();
    let failed = book.failed().len();
    let gone = book.abandoned_orders().len();
    let failed_ids: HashSet<OrderId> = book.failed().into_iter().map(|(o, _)| o).collect();
    let placed = entries
        .iter()
        .filter(|e| !resumed.contains(&e.order_id) && !failed_ids.contains(&e.order_id))
        .count();
    let taken_back = entries
        .iter()
        .filter(|e| resumed.contains(&e.order_id))
        .count();
    let known = load_known(book);
    let waiting = still_waiting(book);
    match lang {
        Lang::En => {
            let mut said = format!(
                "interrupted (Ctrl-C): {} placed",
                counted(placed, "order", "orders")
            );
            if taken_back > 0 {
                said.push_str(&format!(", {taken_back} resumed from the inbox"));
            }
            said.push_str(&format!(", {known} known, {waiting} still waiting"));
            if failed > 0 {
                said.push_str(&format!(", {failed} could not be placed"));
            }
            if gone > 0 {
                said.push_str(&format!(", {gone} ended unknown"));
            }
            said
        }
        Lang::PtBr => {
            let mut said = format!(
                "interrompido (Ctrl-C): {}",
                counted(placed, "pedido feito", "pedidos feitos")
            );
            if taken_back > 0 {
                said.push_str(&format!(
                    ", {} da caixa de entrada",
                    counted(taken_back, "retomado", "retomados")
                ));
            }
            said.push_str(&format!(
                ", {}, {waiting} ainda esperando",
                counted(known, "conhecido", "conhecidos")
            ));
            if failed > 0 {
                said.push_str(&format!(
                    ", {failed} não {}",
                    if failed == 1 {
                        "pôde ser feito"
                    } else {
                        "puderam ser feitos"
                    }
                ));
            }
            if gone > 0 {
                said.push_str(&format!(", {gone} sem resultado"));
            }
            said
        }
    }
}

/// Orders in the book still waiting for their outcome: neither known, nor
/// failed, nor ended unknown.
fn still_waiting(book: &OrderBook) -> usize {
    let ended: HashSet<OrderId> = book
        .failed()
        .into_iter()
        .chain(book.abandoned_orders())
        .map(|(o, _)| o)
        .collect();
    book.entries()
        .iter()
        .filter(|e| e.known_at.is_none() && !ended.contains(&e.order_id))
        .count()
}

/// The line that says an order's payment could not be created, and why:
/// in pt-BR the cause in Portuguese when it is a known one, and its English
/// (another crate's words) on its own line.
fn failure_line(out: &Out, order: &OrderId, e: &hooklab_shop::client::ClientError) -> String {
    let now = out.now();
    match out.lang {
        Lang::En => format!("{now} order {order} failed: {e}"),
        Lang::PtBr => format!(
            "{now} o pedido {order} falhou{}\n  {}: {e}",
            text::client_error(Lang::PtBr, e)
                .map(|why| format!(": {why}"))
                .unwrap_or_default(),
            text::original_detail(Lang::PtBr)
        ),
    }
}

/// `n` and its noun, singular for exactly one (`1 pedido`, `0 pedidos`,
/// `2 pedidos`): the shop's lines said "pedido(s)", which reads as a form
/// to fill in rather than a sentence.
fn counted<N: TryInto<u64> + Copy + std::fmt::Display>(n: N, one: &str, many: &str) -> String {
    let single = n.try_into().ok() == Some(1);
    format!("{n} {}", if single { one } else { many })
}

/// The end of the shop's last line when its receiver acknowledged events
/// about orders it does not know (see `hooklab_shop::receiver`): how many,
/// so none went by unsaid; nothing when there were none.
fn unknown_orders_said(lang: Lang, receiver: Option<&Receiver>) -> String {
    let n = receiver.map_or(0, |r| {
        r.counts()
            .unknown_orders
            .load(std::sync::atomic::Ordering::Relaxed)
    });
    match (n, lang) {
        (0, _) => String::new(),
        (n, Lang::En) => format!(
            "; {} about orders this shop does not know (acknowledged, not applied)",
            counted(n, "signed event", "signed events")
        ),
        (n, Lang::PtBr) => format!(
            "; {} sobre pedidos que esta loja não conhece (confirmados, não aplicados)",
            counted(n, "evento assinado", "eventos assinados")
        ),
    }
}

/// The line before the shop's last one when conditional polls were
/// answered `304 Not Modified`: how many of the wasted polls they were.
fn not_modified_said(lang: Lang, now: &str, n: u64) -> String {
    match lang {
        Lang::En => format!(
            "{now} {n} of the wasted polls were answered 304 Not Modified (If-None-Match: \
             nothing changed, no body sent)"
        ),
        Lang::PtBr => format!(
            "{now} {n} das consultas desperdiçadas foram respondidas 304 Not Modified \
             (If-None-Match: nada mudou, a resposta vem sem corpo)"
        ),
    }
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
    // The same checks as `shop`'s, before the request.
    flags::base_url(&args.platform, "--platform", lang)?;
    flags::api_key(&args.api_key, false, lang)?;
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
            settle_after_ms: after.dur,
            outcome: match args.outcome {
                OutcomeArg::Approved => Outcome::Approved,
                OutcomeArg::Declined => Outcome::Declined,
            },
        }),
    };
    // On standard error: standard output stays the payment's JSON alone.
    if let Some(after) = &args.settle_after {
        crate::out::err_line(format_args!("{}", after.said(lang)));
    }
    let payment = client
        .create_payment(&request, &order_id)
        .await
        .with_context(|| text::phrase(lang, text::Phrase::CreatePayment, &args.platform))?;
    crate::out::print(format!("{}\n", serde_json::to_string_pretty(&payment)?))?;
    Ok(())
}

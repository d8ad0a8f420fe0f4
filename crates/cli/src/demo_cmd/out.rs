//! Where the demo's lines go: [`Out`] words each line in the reader's
//! language, stamps it with the time of day, and hands it to a printing
//! thread, so printing never holds up a request.

use hooklab_core::clock::{Clock, Micros};
use hooklab_core::duration::Dur;
use hooklab_core::events::{EventSink, Happening};
use hooklab_core::ids::OrderId;
use hooklab_core::lang::Lang;
use hooklab_github::printer::{LinePrinter, Sink};
use std::collections::HashSet;
use std::sync::Arc;

/// How many lines may wait for the terminal before new ones are dropped.
const PRINT_QUEUE: usize = 4_096;

/// How late a settlement's line may be printed before it also says when
/// the settlement was due: a second, far beyond the settlement timer's
/// lateness (tens of microseconds) and a busy printer's, well under a
/// restart's catch-up.
const LATE_SETTLEMENT: Dur = Dur::from_secs(1);

/// Where the demo's lines go, and how they are worded and stamped.
#[derive(Clone)]
pub struct Out {
    printer: Arc<LinePrinter>,
    pub(super) lang: Lang,
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

    /// A duration as people read it in the language: `1.5s`, or `1,5 s`
    /// in pt-BR, with its decimal comma and a space before the unit, as the
    /// report's Portuguese writes `500 ms` and `15 min`.
    pub(super) fn dur(&self, d: Dur) -> String {
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
            Lang::PtBr => {
                let unit_at = text
                    .find(|c: char| c.is_ascii_alphabetic() || c == 'µ')
                    .unwrap_or(text.len());
                let (number, unit) = text.split_at(unit_at);
                format!("{} {unit}", number.replace('.', ","))
            }
        }
    }

    pub(super) fn say(&self, line: String) {
        self.printer.print(line);
    }

    /// The local time of day now, `09:41:07.123`.
    pub(super) fn now(&self) -> String {
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
    pub(super) fn time_of_event(&self, clock: &Clock, at: Micros) -> String {
        let ago_us = clock.now().0 as i64 - at.0 as i64;
        self.time_of_day((self.wall_us)() - ago_us)
    }

    /// The local time of day of a unix instant, `09:41:07.123`; in pt-BR
    /// with the decimal comma, `09:41:07,123`, as every other number there
    /// (a point read as English there, in the seconds 00 to 09 of each
    /// minute, which the pt-BR test's scan caught only then).
    pub(super) fn time_of_day(&self, unix_us: i64) -> String {
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
    /// of day it is printed, without ever waiting for the terminal.
    ///
    /// The stamp is the time of printing, not the event's instant: a
    /// settlement carries its scheduled instant, and a platform restarted
    /// after it settles it late, so its line was stamped seconds before the
    /// "listening" line printed above it. A settlement printed more than
    /// [`LATE_SETTLEMENT`] after its due instant says that instant in its
    /// text instead (`settled (due 04:39:08.108) pay_…`).
    pub(super) fn events(&self, clock: Clock) -> EventSink {
        let out = self.clone();
        EventSink::to(move |e| {
            let now = out.now();
            let mut line = e.line_in(out.lang, &now);
            if matches!(e.what, Happening::Settled { .. })
                && clock.now().since(e.at) > LATE_SETTLEMENT
            {
                line = out.with_due(&now, line, &out.time_of_event(&clock, e.at));
            }
            if e.floods() {
                let noun = match (out.lang, &e.what) {
                    (Lang::En, Happening::RateLimited) => "429 answers",
                    (Lang::PtBr, Happening::RateLimited) => "respostas 429",
                    (Lang::En, _) => "rejections",
                    (Lang::PtBr, _) => "recusas",
                };
                out.printer.print_repeating(noun, line);
            } else {
                out.printer.print(line);
            }
        })
    }

    /// A settlement's `line`, stamped `now`, with its due time of day
    /// `due` after its verb: `settled (due …)`, `liquidado (previsto para
    /// …)`.
    fn with_due(&self, now: &str, line: String, due: &str) -> String {
        let (verb, said) = match self.lang {
            Lang::En => ("settled", format!("settled (due {due})")),
            Lang::PtBr => ("liquidado", format!("liquidado (previsto para {due})")),
        };
        match line.strip_prefix(&format!("{now} {verb} ")) {
            Some(rest) => format!("{now} {said} {rest}"),
            None => line,
        }
    }

    /// [`Out::events`] for a shop that enters `resumed` again, the orders a
    /// previous run left in its inbox waiting for their outcome: the order
    /// book announces each as placed when it is entered (and again when the
    /// restarted shop asks the platform for it again), and this prints it
    /// as resumed instead, once an order, since no new order was made.
    pub(super) fn shop_events(&self, printing: EventSink, resumed: HashSet<OrderId>) -> EventSink {
        if resumed.is_empty() {
            return printing;
        }
        // Each resumed order, and whether its line was printed.
        let resumed = std::sync::Mutex::new(
            resumed
                .into_iter()
                .map(|o| (o, false))
                .collect::<std::collections::HashMap<_, _>>(),
        );
        let out = self.clone();
        EventSink::to(move |e| {
            if let Happening::OrderPlaced { order } = &e.what {
                // None: not a resumed order; Some(first): whether its line
                // is still to print.
                let first = resumed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_mut(order)
                    .map(|said| !std::mem::replace(said, true));
                match first {
                    None => {}
                    Some(false) => return,
                    Some(true) => {
                        let t = out.now();
                        out.say(match out.lang {
                            Lang::En => {
                                format!("{t} order {order} resumed (placed before the restart)")
                            }
                            Lang::PtBr => {
                                format!("{t} pedido {order} retomado (feito antes do reinício)")
                            }
                        });
                        return;
                    }
                }
            }
            printing.emit(e.at, || e.what);
        })
    }

    /// Prints what is still queued; the printer says if lines were dropped.
    pub(super) fn finish(self) -> anyhow::Result<()> {
        // Servers' tasks may still hold the sink, so the printer is not
        // stopped, only waited for; a paused terminal is not waited on long.
        self.printer.flush(std::time::Duration::from_secs(2));
        Ok(())
    }
}

/// The shop's "order placed" lines, each held until the platform created
/// the order's payment: the order book announces an order as it enters it,
/// just before asking for the payment, and an order whose creation failed
/// (nothing listening at --platform) must not be said to be placed. A held
/// line is stamped when it is printed, not when the order entered the
/// book: stamped at its entry it came out after lines of other orders
/// stamped later (a poll at `,528` above the order at `,527`), since the
/// placing task and the pollers print side by side.
#[derive(Clone)]
pub(super) struct Placed {
    held: Arc<std::sync::Mutex<HashSet<OrderId>>>,
    printing: EventSink,
    /// The run's clock: a held line's instant is its printing's.
    clock: Clock,
}

impl Placed {
    /// Wraps `printing`: it gets every event but the placements, each
    /// printed (stamped then) when [`Placed::created`] says so or before
    /// the first other event of its order, whichever comes first.
    pub(super) fn wrap(printing: EventSink, clock: Clock) -> (EventSink, Placed) {
        let placed = Placed {
            held: Arc::default(),
            printing,
            clock,
        };
        let inner = placed.clone();
        let sink = EventSink::to(move |e| {
            if let Happening::OrderPlaced { order } = &e.what {
                inner.lock().insert(order.clone());
                return;
            }
            if let Some(order) = order_of(&e.what) {
                inner.created(order);
            }
            inner.printing.emit(e.at, || e.what);
        });
        (sink, placed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<OrderId>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The platform created `order`'s payment: its placement is printed,
    /// if it was not already.
    pub(super) fn created(&self, order: &OrderId) {
        let held = self.lock().remove(order);
        if held {
            self.printing
                .emit(self.clock.now(), || Happening::OrderPlaced {
                    order: order.clone(),
                });
        }
    }

    /// `order`'s creation failed: its placement is never printed (the
    /// failure is).
    pub(super) fn failed(&self, order: &OrderId) {
        self.lock().remove(order);
    }
}

/// The order an event is about, if any.
fn order_of(what: &Happening) -> Option<&OrderId> {
    match what {
        Happening::OrderPlaced { order }
        | Happening::Settled { order, .. }
        | Happening::Poll { order, .. }
        | Happening::Delivery { order, .. }
        | Happening::Known { order, .. }
        | Happening::Duplicate { order, .. }
        | Happening::UnknownOrder { order, .. } => Some(order),
        _ => None,
    }
}

/// An [`Out`] for other modules' tests: in `lang`, at UTC, its lines sent
/// nowhere.
#[cfg(test)]
pub(super) fn for_test(lang: Lang) -> Out {
    Out {
        printer: Arc::new(
            LinePrinter::spawn(
                Sink::Lines(tokio::sync::mpsc::unbounded_channel().0),
                lang,
                1,
            )
            .unwrap_or_else(|e| panic!("{e}")),
        ),
        lang,
        offset: time::UtcOffset::UTC,
        wall_us: || 1_796_128_867_123_000,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use hooklab_shop::orders::OrderBook;

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

    /// An order's line held for its payment's creation, while another
    /// order's poll is printed: the lines come out in the order of their
    /// stamps (the held one stamped when printed, not when placed).
    #[tokio::test(start_paused = true)]
    async fn a_held_order_line_is_not_stamped_before_lines_printed_above_it() {
        let (lines, mut printed) = tokio::sync::mpsc::unbounded_channel();
        let out = Out {
            printer: Arc::new(LinePrinter::spawn(Sink::Lines(lines), Lang::En, 16).unwrap()),
            ..brasilia(|| START_US)
        };
        let clock = Clock::starting_now(START_US);
        let (sink, placed) = Placed::wrap(out.events(clock), clock);
        let (a, b) = (OrderId("ord_a".to_owned()), OrderId("ord_b".to_owned()));
        sink.emit(clock.now(), || Happening::OrderPlaced { order: b.clone() });
        placed.created(&b);
        sink.emit(clock.now(), || Happening::OrderPlaced { order: a.clone() });
        // ord_a's creation takes 3 ms; ord_b's poll comes in between.
        tokio::time::advance(std::time::Duration::from_millis(1)).await;
        sink.emit(clock.now(), || Happening::Poll {
            order: b.clone(),
            pending: true,
            reconcile: false,
        });
        tokio::time::advance(std::time::Duration::from_millis(2)).await;
        placed.created(&a);
        let mut stamps = Vec::new();
        for _ in 0..3 {
            let line = printed.recv().await.unwrap();
            stamps.push(line[..12].to_owned());
        }
        let mut sorted = stamps.clone();
        sorted.sort();
        assert_eq!(stamps, sorted);
    }

    /// Two seconds after [`START_US`]: the wall clock of the test below.
    fn two_seconds_in() -> i64 {
        START_US + 2_000_000
    }

    /// The engineer tester's third durability finding: a restarted platform
    /// printed `04:39:08.108 settled …` after its `04:39:10.114 … listening`
    /// line, the settlement's scheduled instant as the stamp. A line is now
    /// stamped when it is printed; a settlement printed over a second after
    /// it was due says when that was, in the text; one on time does not.
    #[tokio::test(start_paused = true)]
    async fn a_late_settlement_is_stamped_when_printed_and_says_when_it_was_due() {
        for (lang, late, on_time) in [
            (
                Lang::En,
                "09:41:09.123 settled (due 09:41:07.123) pay_000001 (ord_000001): approved",
                "09:41:09.123 settled pay_000002 (ord_000002): approved",
            ),
            (
                Lang::PtBr,
                "09:41:09,123 liquidado (previsto para 09:41:07,123) pay_000001 (ord_000001): aprovado",
                "09:41:09,123 liquidado pay_000002 (ord_000002): aprovado",
            ),
        ] {
            let (lines, mut printed) = tokio::sync::mpsc::unbounded_channel();
            let out = Out {
                printer: Arc::new(LinePrinter::spawn(Sink::Lines(lines), lang, 16).unwrap()),
                lang,
                ..brasilia(two_seconds_in)
            };
            let clock = Clock::starting_now(START_US);
            tokio::time::advance(std::time::Duration::from_secs(2)).await;
            let sink = out.events(clock);
            let settled = |n: u64| Happening::Settled {
                order: OrderId::numbered(n),
                payment: hooklab_core::ids::PaymentId::numbered(n),
                outcome: "approved".to_owned(),
            };
            // Due at the start, printed two seconds later (a restart's
            // catch-up); then one due 5 ms ago (the timer's usual lateness).
            sink.emit(Micros(0), || settled(1));
            sink.emit(Micros(clock.now().0 - 5_000), || settled(2));
            assert_eq!(printed.recv().await.unwrap(), late);
            assert_eq!(printed.recv().await.unwrap(), on_time);
        }
    }

    /// A shop restarted with `--data` enters the orders its inbox kept
    /// waiting: their lines say "resumed" ("retomado"), not "placed", and an
    /// order it places now still says "placed".
    #[tokio::test]
    async fn orders_resumed_from_the_inbox_are_not_said_to_be_placed() {
        for (lang, resumed, placed) in [
            (
                Lang::En,
                "order ord_old resumed (placed before the restart)",
                "order ord_new placed",
            ),
            (
                Lang::PtBr,
                "pedido ord_old retomado (feito antes do reinício)",
                "pedido ord_new feito",
            ),
        ] {
            let (lines, mut printed) = tokio::sync::mpsc::unbounded_channel();
            let out = Out {
                printer: Arc::new(LinePrinter::spawn(Sink::Lines(lines), lang, 16).unwrap()),
                ..brasilia(Clock::system_unix_us)
            };
            let out = Out { lang, ..out };
            let clock = Clock::starting_now(START_US);
            let old = OrderId("ord_old".to_owned());
            let book = OrderBook::with_events(
                out.shop_events(out.events(clock), HashSet::from([old.clone()])),
            );
            book.place(old, clock.now());
            book.place(OrderId("ord_new".to_owned()), clock.now());
            let first = printed.recv().await.unwrap();
            let second = printed.recv().await.unwrap();
            assert!(first.ends_with(resumed), "{first}");
            assert!(second.ends_with(placed), "{second}");
        }
    }
}

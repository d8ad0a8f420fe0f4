//! The one source of time.
//!
//! hooklab measures notification latency in microseconds, and runs the same code
//! in two clocks: real time, and tokio's paused clock (virtual time, where a
//! simulated day passes in seconds). Both work through this type because it reads
//! *tokio's* clock ([`tokio::time::Instant`]), which tokio lets a test or a
//! virtual run pause and advance. Business code never calls
//! `std::time::Instant::now()` or `SystemTime::now()`; it asks a [`Clock`].
//!
//! A [`Clock`] also knows the wall-clock time (unix epoch) of its origin, so it
//! can stamp `created_at` fields. In virtual mode that origin is fixed by the
//! scenario, so the stamps are reproducible too.

use crate::duration::Dur;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;
#[cfg(feature = "runtime")]
use time::format_description::well_known::Rfc3339;

/// A point on a run's clock: microseconds since the run's origin.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Micros(pub u64);

impl Micros {
    /// This point moved later by `d`.
    pub fn plus(self, d: Dur) -> Micros {
        Micros(self.0.saturating_add(d.as_us()))
    }

    /// How long after `earlier` this point is (zero if it is not after).
    pub fn since(self, earlier: Micros) -> Dur {
        Dur(self.0.saturating_sub(earlier.0))
    }

    /// Milliseconds, with fractions.
    pub fn as_ms_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }
}

impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3}ms", self.as_ms_f64())
    }
}

#[cfg(feature = "runtime")]
/// The run's clock. Cheap to copy; every copy reads the same time.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    origin: tokio::time::Instant,
    origin_unix_us: i64,
    /// Whether [`Clock::sleep_until_exact`] may use the OS timer thread
    /// (real mode only).
    precise: bool,
}

#[cfg(feature = "runtime")]
impl Clock {
    /// A clock whose origin is now, stamped with the given unix time.
    ///
    /// Real mode passes the operating system's time (read once, by the caller);
    /// virtual mode passes a fixed time, so stamps are reproducible.
    pub fn starting_now(origin_unix_us: i64) -> Self {
        Self {
            origin: tokio::time::Instant::now(),
            origin_unix_us,
            precise: false,
        }
    }

    /// The clock a restarted process had before it died: its origin is
    /// `origin_unix_us` (the first start's), so instants it stored read the
    /// same now. `now_unix_us` is the system's time now, read by the caller.
    /// If the origin lies before the machine's monotonic clock began (the
    /// machine rebooted since), the origin is now instead, and older
    /// instants read as the origin.
    pub fn resumed(origin_unix_us: i64, now_unix_us: i64) -> Self {
        let elapsed = std::time::Duration::from_micros(
            u64::try_from(now_unix_us - origin_unix_us).unwrap_or(0),
        );
        let now = tokio::time::Instant::now();
        match now.checked_sub(elapsed) {
            Some(origin) => Self {
                origin,
                origin_unix_us,
                precise: false,
            },
            None => Self::starting_now(now_unix_us),
        }
    }

    /// The same clock, with [`Clock::sleep_until_exact`] accurate to tens of
    /// microseconds instead of tokio's millisecond. For real time only: on a
    /// paused (virtual) runtime the OS timer would never see time pass.
    pub fn precise(self) -> Self {
        Self {
            precise: true,
            ..self
        }
    }

    /// The system's unix time in microseconds: the only place hooklab reads the
    /// wall clock, to stamp a real-mode clock's origin and the two-terminal
    /// demo's lines with the time of day.
    pub fn system_unix_us() -> i64 {
        let now = OffsetDateTime::now_utc();
        (now.unix_timestamp_nanos() / 1_000) as i64
    }

    /// Now, on this clock.
    pub fn now(&self) -> Micros {
        Micros(self.origin.elapsed().as_micros() as u64)
    }

    /// The tokio instant of a point on this clock, to sleep until it.
    pub fn instant_at(&self, at: Micros) -> tokio::time::Instant {
        self.origin + std::time::Duration::from_micros(at.0)
    }

    /// Sleeps until `at` (returns at once if it has passed).
    pub async fn sleep_until(&self, at: Micros) {
        tokio::time::sleep_until(self.instant_at(at)).await;
    }

    /// Sleeps until `at`, as close to it as the OS allows on a
    /// [`Clock::precise`] clock (tokio's timer until 2 ms before, then the
    /// timer thread of [`crate::timer`]); otherwise as
    /// [`Clock::sleep_until`]. For the instant a payment settles, which every
    /// webhook's latency counts from.
    pub async fn sleep_until_exact(&self, at: Micros) {
        if !self.precise || !crate::timer::available() {
            return self.sleep_until(at).await;
        }
        const COARSE_MARGIN: std::time::Duration = std::time::Duration::from_millis(2);
        let deadline = self.instant_at(at);
        if let Some(coarse) = deadline.checked_sub(COARSE_MARGIN)
            && coarse > tokio::time::Instant::now()
        {
            tokio::time::sleep_until(coarse).await;
        }
        crate::timer::PreciseSleep::until(deadline.into_std()).await;
    }

    /// The unix time of a point, in microseconds.
    pub fn unix_us(&self, at: Micros) -> i64 {
        self.origin_unix_us + at.0 as i64
    }

    /// The unix time of a point, in whole seconds (webhook timestamps).
    pub fn unix_secs(&self, at: Micros) -> i64 {
        self.unix_us(at).div_euclid(1_000_000)
    }

    /// An RFC 3339 timestamp with milliseconds, as the wire carries it.
    pub fn rfc3339(&self, at: Micros) -> String {
        rfc3339_from_unix_us(self.unix_us(at))
    }

    /// The point on this clock of an RFC 3339 timestamp (None if it does not
    /// parse or lies before the origin).
    pub fn from_rfc3339(&self, text: &str) -> Option<Micros> {
        let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
        let us = (t.unix_timestamp_nanos() / 1_000) as i64 - self.origin_unix_us;
        u64::try_from(us).ok().map(Micros)
    }
}

/// The first and last unix seconds of years 0000 to 9999: the stamps
/// [`rfc3339_from_unix_us`] writes from the civil date directly.
const FOUR_DIGIT_YEARS: std::ops::RangeInclusive<i64> = -62_167_219_200..=253_402_300_799;

/// Formats a unix time in microseconds as RFC 3339 with milliseconds, in UTC.
pub fn rfc3339_from_unix_us(unix_us: i64) -> String {
    let ms = unix_us.div_euclid(1_000);
    let secs = ms.div_euclid(1_000);
    if FOUR_DIGIT_YEARS.contains(&secs) {
        return stamp_of_civil(secs, ms.rem_euclid(1_000) as u32);
    }
    stamp_by_calendar(unix_us)
}

/// The stamp of `secs` (in [`FOUR_DIGIT_YEARS`]) and `ms`, its date from
/// the day count by Howard Hinnant's `civil_from_days` (the proleptic
/// Gregorian calendar, as the `time` crate's), each digit written into a
/// buffer of the stamp's 24 bytes: every payment is stamped at its creation
/// and twice at its settlement, and the calendar type's conversion and
/// accessors were most of a thousand instructions a stamp.
fn stamp_of_civil(secs: i64, ms: u32) -> String {
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097) as u32;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = (i64::from(yoe) + era * 400 + i64::from(month <= 2)) as u32;
    let mut text = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut n: u32| {
        for i in (at..at + width).rev() {
            text[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, of_day / 3_600);
    put(14, 2, of_day / 60 % 60);
    put(17, 2, of_day % 60);
    put(20, 3, ms);
    // ASCII digits and separators only: always UTF-8, so the bytes are
    // copied as they are (collecting them as `char`s was some 770
    // instructions a stamp: a push and a capacity check per byte).
    String::from_utf8(text.to_vec()).unwrap_or_default()
}

/// The stamp through the `time` crate's calendar: years beyond four digits
/// (and the fallback of a time it cannot represent).
fn stamp_by_calendar(unix_us: i64) -> String {
    let nanos = i128::from(unix_us.div_euclid(1_000)) * 1_000_000;
    match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => {
            let (y, mo, d) = (t.year(), u8::from(t.month()), t.day());
            let (h, mi, s, ms) = (t.hour(), t.minute(), t.second(), t.millisecond());
            let year = match u32::try_from(y) {
                Ok(year) if year <= 9_999 => year,
                _ => return format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z"),
            };
            // The same text as that `format!`, digit by digit: every payment
            // is stamped three or four times, and the formatting machinery
            // cost about 2,500 instructions a stamp.
            let mut text = String::with_capacity(24);
            for (n, width, after) in [
                (year, 4, '-'),
                (u32::from(mo), 2, '-'),
                (u32::from(d), 2, 'T'),
                (u32::from(h), 2, ':'),
                (u32::from(mi), 2, ':'),
                (u32::from(s), 2, '.'),
                (u32::from(ms), 3, 'Z'),
            ] {
                for place in (0..width).rev() {
                    text.push(char::from(b'0' + (n / 10u32.pow(place) % 10) as u8));
                }
                text.push(after);
            }
            text
        }
        Err(_) => "1970-01-01T00:00:00.000Z".to_owned(),
    }
}

#[cfg(all(test, feature = "runtime"))]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn reads_tokio_time_so_virtual_time_works() {
        let clock = Clock::starting_now(1_767_225_600_000_000); // 2026-01-01
        assert_eq!(clock.now(), Micros(0));
        tokio::time::sleep(std::time::Duration::from_secs(3_600)).await;
        assert_eq!(clock.now(), Micros(3_600_000_000));
        assert_eq!(clock.rfc3339(clock.now()), "2026-01-01T01:00:00.000Z");
        assert_eq!(clock.unix_secs(Micros(1_500_000)), 1_767_225_601);
        let back = clock.from_rfc3339("2026-01-01T00:00:02.250Z");
        assert_eq!(back, Some(Micros(2_250_000)));
    }
}

#[cfg(test)]
mod stamp_tests {
    use super::*;

    /// The digit-by-digit stamp is the text the `format!` wrote.
    #[test]
    fn stamps_are_spelled_as_the_format_spelled_them() {
        for unix_us in [
            0,
            1_767_225_600_000_000,
            1_795_000_000_123_456,
            951_782_400_999_999,
            253_402_300_799_999_999,
            -1_000,
            i64::MAX,
        ] {
            let nanos = i128::from(unix_us.div_euclid(1_000)) * 1_000_000;
            let expected = match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
                Ok(t) => format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second(),
                    t.millisecond()
                ),
                Err(_) => "1970-01-01T00:00:00.000Z".to_owned(),
            };
            assert_eq!(rfc3339_from_unix_us(unix_us), expected, "{unix_us}");
            assert_eq!(stamp_by_calendar(unix_us), expected, "{unix_us}");
        }
    }

    /// The civil-date stamp is the calendar's at both ends of the four-digit
    /// years, around leap days and century years, and at a spread of
    /// instants in between (a fixed stride through the whole range).
    #[test]
    fn the_civil_date_stamp_is_the_calendars() {
        let (first, last) = (*FOUR_DIGIT_YEARS.start(), *FOUR_DIGIT_YEARS.end());
        let mut instants: Vec<i64> = vec![
            first * 1_000_000,
            last * 1_000_000 + 999_999,
            951_782_400_000_000,    // 2000-02-29
            4_107_456_000_000_000,  // 2100-02-28
            -2_203_891_200_000_000, // 1900-03-01
            -1,
            0,
        ];
        let stride = (last - first) / 200_003;
        instants.extend((0..200_003).map(|k| (first + k * stride) * 1_000_000 + k % 1_000_000));
        for unix_us in instants {
            assert_eq!(
                rfc3339_from_unix_us(unix_us),
                stamp_by_calendar(unix_us),
                "{unix_us}"
            );
        }
    }
}

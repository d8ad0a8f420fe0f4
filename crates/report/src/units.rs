//! Numbers as people read them: durations in the unit that reads best, as
//! many decimals as a number deserves, and the decimal separator of a
//! language.
//!
//! The table, the Markdown, the charts' axes and the results index all write
//! numbers through these three functions, so a delay reads the same wherever
//! it is shown. This module imports no other renderer: they all import it.

use hooklab_core::lang::Lang;

/// A duration given in milliseconds, in the unit that reads best: `0.812 ms`,
/// `104 ms`, `2.35 s`, `12.5 min`, `5.08 h`, `1.25 d`. A simulated day's delays
/// are hours, and nobody reads 18304918 ms.
pub fn dur(ms: f64) -> String {
    let unit = unit_for(ms);
    format!("{} {}", num(ms / unit.size_ms), unit.symbol)
}

/// A duration someone set (a polling interval), as [`dur`] writes it but
/// without the zeros its rounding pads a measurement with: `1 s`, `50 ms`,
/// `15 min`, `1.5 s`. "polling every 1.00 s" read as a measurement.
pub fn setting(ms: f64) -> String {
    let unit = unit_for(ms);
    let number = num(ms / unit.size_ms);
    let number = if number.contains('.') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        &number
    };
    format!("{number} {}", unit.symbol)
}

/// The units a duration reads in, smallest first, each with the largest
/// number it is written with (as [`num`] rounds it) before the next takes
/// over. Milliseconds stop at a thousand: "1052 ms" reads as a code, and in
/// Portuguese wants a thousands point ("1.052 ms") that reads as one
/// millisecond to an English eye (and "1.000 ms" as one to a Portuguese
/// one); "1.05 s" reads the same to both. The larger units switch at twice
/// the next one's size, so 90 s stays "90.0 s", not "1.50 min".
const UNITS: [(Unit, f64); 5] = [
    (
        Unit {
            size_ms: 1.0,
            symbol: "ms",
        },
        1_000.0,
    ),
    (
        Unit {
            size_ms: 1_000.0,
            symbol: "s",
        },
        120.0,
    ),
    (
        Unit {
            size_ms: 60_000.0,
            symbol: "min",
        },
        120.0,
    ),
    (
        Unit {
            size_ms: 3_600_000.0,
            symbol: "h",
        },
        48.0,
    ),
    (
        Unit {
            size_ms: 86_400_000.0,
            symbol: "d",
        },
        f64::INFINITY,
    ),
];

/// The value `ms` reads as in `unit`, once [`num`] has rounded it: 999.8 ms
/// is written "1000", which is past the milliseconds' limit.
fn shown(ms: f64, unit: Unit) -> f64 {
    num(ms / unit.size_ms)
        .parse()
        .unwrap_or(f64::INFINITY)
        .abs()
}

/// Whether `ms` reads well in `unit`: as one of it or more, and as less
/// than the number where the next unit takes over ([`UNITS`]), once
/// rounded.
fn reads_in(ms: f64, unit: Unit) -> bool {
    let v = shown(ms, unit);
    // Milliseconds are the smallest unit: they read anything below their
    // limit, 0.4 ms too.
    (unit.size_ms == 1.0 || v >= 1.0) && v < limit_of(unit)
}

/// The unit [`dur`] writes `ms` in: the smallest whose rounded number stays
/// under its limit. Judged on the number as written, not as measured, so
/// 999.8 ms (written "1000") reads "1.00 s", as 1000.2 ms does, and never
/// "1000 ms" in one run and "1.00 s" in the next.
fn unit_for(ms: f64) -> Unit {
    let (ms_unit, _) = UNITS[0];
    if !ms.is_finite() {
        return ms_unit;
    }
    UNITS
        .iter()
        .map(|(unit, _)| *unit)
        .find(|unit| shown(ms, *unit) < limit_of(*unit))
        .unwrap_or(ms_unit)
}

/// The number where the unit after `unit` takes over.
fn limit_of(unit: Unit) -> f64 {
    UNITS
        .iter()
        .find(|(u, _)| *u == unit)
        .map_or(f64::INFINITY, |(_, limit)| *limit)
}

/// A number with as many decimals as it deserves: three significant digits
/// below 100 (`0.812`, `2.35`, `21.6`), none from 100 (`104`). Judged on
/// the number once rounded, so 99.96 is "100", not "100.0", and 9.996
/// "10.0", not "10.00".
pub fn num(ms: f64) -> String {
    let digits = |v: f64| {
        let v = v.abs();
        if v >= 100.0 {
            0
        } else if v >= 10.0 {
            1
        } else if v >= 1.0 {
            2
        } else {
            3
        }
    };
    let first = digits(ms);
    let text = format!("{ms:.first$}");
    // Rounding may carry into the next decade: write it with that one's
    // decimals.
    let rounded: f64 = text.parse().unwrap_or(ms);
    let second = digits(rounded);
    if second < first {
        format!("{ms:.second$}")
    } else {
        text
    }
}

/// Formatted numbers in `lang`'s convention: Portuguese writes the decimal
/// separator as a comma and groups thousands with a point (`6.033,33`,
/// `21,6 ms`), English the other way round (`6,033.33`). Every number in
/// the text is rewritten: a whole part of four digits or more is grouped
/// (`6033.33 (6033.33)` is one cell), a fraction never is
/// (`0.00000833`). Only for text made of numbers and units, never for
/// names, and not for a [`count`], which is grouped already.
pub fn decimal(lang: Lang, number: String) -> String {
    let (group, point) = match lang {
        Lang::En => (',', '.'),
        Lang::PtBr => ('.', ','),
    };
    let chars: Vec<char> = number.chars().collect();
    let mut out = String::with_capacity(number.len() + number.len() / 3);
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            // A point between digits is a decimal point; any other point
            // (the end of a sentence) is punctuation, and stays.
            let between_digits = chars[i] == '.'
                && i > 0
                && chars[i - 1].is_ascii_digit()
                && chars.get(i + 1).is_some_and(char::is_ascii_digit);
            out.push(if between_digits { point } else { chars[i] });
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &chars[start..i];
        let fraction = start > 0 && chars[start - 1] == '.';
        for (k, c) in digits.iter().enumerate() {
            if !fraction && digits.len() >= 4 && k > 0 && (digits.len() - k).is_multiple_of(3) {
                out.push(group);
            }
            out.push(*c);
        }
    }
    out
}

/// A unit of time, for a column of durations that must all read in one
/// unit (a table never shows "1971 ms" beside "4.86 s").
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Unit {
    /// Its size in milliseconds.
    pub size_ms: f64,
    /// Its symbol.
    pub symbol: &'static str,
}

/// The unit [`dur`] would choose for the largest of `values`: the column's
/// biggest number reads best, and the small ones keep their digits. Every
/// other value of the column is smaller, so none reads past the unit's
/// limit ("1.000 ms" beside "4.86 s" cannot happen).
pub fn column_unit(values: impl IntoIterator<Item = f64>) -> Unit {
    let largest = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    unit_for(largest)
}

/// A number in the given unit, without the symbol: as many decimals as
/// [`num`] gives, and three significant digits for numbers below 0.001 (a
/// webhook's 0.5 ms in a column of minutes is 0.00000833, not 0.000).
pub fn bare_in(ms: f64, unit: Unit) -> String {
    let v = ms / unit.size_ms;
    if v != 0.0 && v.abs() < 0.001 {
        let digits = (2.0 - v.abs().log10().floor()) as usize;
        return format!("{v:.digits$}");
    }
    num(v)
}

/// The unit a cell of a column in `column` reads in: the column's, unless
/// the value reads under one of it, where it steps down to the unit [`dur`]
/// gives it alone. A webhook's 0.4 ms in a column of minutes then reads
/// `0.395 ms`, not `0.00000658 min`, and 4.7 minutes in a column of hours
/// `4.70 min`, not `0.078 h`: no cell reads "0.0…" of an hour or a second,
/// and a value of one unit or more always reads in the column's, never as
/// "1971 ms" beside "4.86 s". Judged as [`dur`] judges, on the number as
/// written: 999.8 ms in a column of seconds is "1.00 s", not "1000 ms".
/// A value too large for the column (none in a column [`column_unit`]
/// chose, which holds its largest) steps up the same way.
pub fn cell_unit(ms: f64, column: Unit) -> Unit {
    if ms == 0.0 || !ms.is_finite() || reads_in(ms, column) {
        column
    } else {
        unit_for(ms)
    }
}

/// A duration in a column's unit (see [`cell_unit`]), with its symbol:
/// `1.97 s`.
pub fn in_unit(ms: f64, unit: Unit) -> String {
    let unit = cell_unit(ms, unit);
    format!("{} {}", bare_in(ms, unit), unit.symbol)
}

/// A mean and the half-width of its interval, `2.61 h ± 14.3 min`: each
/// number steps down alone, as any cell does (see [`cell_unit`]), the mean
/// from the column's unit and the half-width from the mean's, so neither
/// reads "0.239 h"; a half-width too wide for the mean's unit (a spread of
/// 1.5 s about 500 ms) steps up instead, so it is never "1500 ms". Where both read in one unit it is written once:
/// `2.56 ± 0.277 s` would read "0.277 s", so that is `2.56 s ± 277 ms`, but
/// `3.00 ± 0.000 s` (no spread) and `90.0 ± 12.0 s` stay compact.
pub fn pm_in(mean_ms: f64, half_ms: f64, column: Unit) -> String {
    let unit = cell_unit(mean_ms, column);
    let half_unit = cell_unit(half_ms, unit);
    if half_unit == unit {
        format!(
            "{} ± {} {}",
            bare_in(mean_ms, unit),
            bare_in(half_ms, unit),
            unit.symbol
        )
    } else {
        format!(
            "{} {} ± {} {}",
            bare_in(mean_ms, unit),
            unit.symbol,
            bare_in(half_ms, half_unit),
            half_unit.symbol
        )
    }
}

/// A share as a percentage with one decimal, in `lang`'s convention:
/// `83.4%` / `83,4%`.
pub fn pct(lang: Lang, share: f64) -> String {
    decimal(lang, format!("{:.1}%", share * 100.0))
}

/// A share as a percentage with one decimal, and more where one would round
/// it to a whole 100% or 0% it is not: Hook0's 99.98% of empty polls is not
/// "100%" (2,399 of them found something), nor Zapier's 98.5% "99%".
/// Formatted with a point; pass it through [`decimal`].
pub fn share_digits(share: f64) -> String {
    let percent = share * 100.0;
    let mut digits = 1;
    while digits < 4 {
        let shown = format!("{percent:.digits$}");
        let rounded: f64 = shown.parse().unwrap_or(percent);
        let lies = (rounded == 100.0 && share < 1.0) || (rounded == 0.0 && share > 0.0);
        if !lies {
            return format!("{shown}%");
        }
        digits += 1;
    }
    format!("{percent:.digits$}%")
}

/// A large count rounded to a whole number, with thousands grouped:
/// `14,400,000` in English, `14.400.000` in Portuguese.
pub fn count(lang: Lang, x: f64) -> String {
    if !x.is_finite() {
        return "-".to_owned();
    }
    let digits = format!("{:.0}", x.abs());
    let sep = match lang {
        Lang::En => ',',
        Lang::PtBr => '.',
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    if x < 0.0 && digits != "0" {
        out.insert(0, '-');
    }
    out
}

/// A name (of a strategy, a scenario) made safe to print (one function for
/// every printer, in core).
pub use hooklab_core::printable::escape_controls;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_switch_unit_at_twice_its_size_and_milliseconds_at_a_thousand() {
        assert_eq!(dur(0.8124), "0.812 ms");
        assert_eq!(dur(104.2), "104 ms");
        assert_eq!(dur(999.0), "999 ms");
        assert_eq!(dur(1_052.0), "1.05 s");
        assert_eq!(dur(1_999.0), "2.00 s");
        assert_eq!(dur(12_345.0), "12.3 s");
        assert_eq!(dur(90_000.0), "90.0 s");
        assert_eq!(dur(18_304_918.0), "5.08 h");
        assert_eq!(dur(108_000_000.0), "30.0 h");
        assert_eq!(dur(200_000_000.0), "2.31 d");
    }

    #[test]
    fn a_duration_that_rounds_to_the_next_units_threshold_reads_in_that_unit() {
        // poll-1s's largest delay in checkout, 999.778 ms, was "1.000 ms" in
        // Portuguese (one millisecond, to a Portuguese eye) and 1000.2 ms
        // "1,00 s": both are one second.
        for (ms, en, pt) in [
            (999.4, "999 ms", "999 ms"),
            (999.778, "1.00 s", "1,00 s"),
            (1_000.2, "1.00 s", "1,00 s"),
            (59_999.9, "60.0 s", "60,0 s"),
            (60_000.4, "60.0 s", "60,0 s"),
            (119_400.0, "119 s", "119 s"),
            (119_999.0, "2.00 min", "2,00 min"),
            (120_001.0, "2.00 min", "2,00 min"),
            (7_199_999.0, "2.00 h", "2,00 h"),
        ] {
            assert_eq!(decimal(Lang::En, dur(ms)), en, "{ms}");
            assert_eq!(decimal(Lang::PtBr, dur(ms)), pt, "{ms}");
        }
        // A number that rounds into the next decade has that one's decimals.
        assert_eq!(num(99.96), "100");
        assert_eq!(num(9.996), "10.0");
        assert_eq!(num(0.9996), "1.00");
        assert_eq!(dur(f64::NAN), "NaN ms");
    }

    #[test]
    fn a_column_straddling_a_second_or_a_minute_reads_in_one_unit() {
        // Every cell of a column, in both languages: no "1.000 ms" beside
        // "1,00 s", and no cell of 1,000 or more in a smaller unit.
        let cases: [(&[f64], &[&str], &[&str]); 4] = [
            (
                &[466.0, 999.778],
                &["466 ms", "1.00 s"],
                &["466 ms", "1,00 s"],
            ),
            (
                &[999.6, 1_000.4, 1_450.0],
                &["1.00 s", "1.00 s", "1.45 s"],
                &["1,00 s", "1,00 s", "1,45 s"],
            ),
            (
                &[59_999.9, 60_000.4, 45_000.0],
                &["60.0 s", "60.0 s", "45.0 s"],
                &["60,0 s", "60,0 s", "45,0 s"],
            ),
            (
                &[59_999.9, 119_999.0, 999.8],
                &["1.00 min", "2.00 min", "1.00 s"],
                &["1,00 min", "2,00 min", "1,00 s"],
            ),
        ];
        for (values, en, pt) in cases {
            let unit = column_unit(values.iter().copied());
            for ((ms, en), pt) in values.iter().zip(en).zip(pt) {
                let cell = in_unit(*ms, unit);
                assert_eq!(decimal(Lang::En, cell.clone()), *en, "{ms} in {values:?}");
                assert_eq!(decimal(Lang::PtBr, cell), *pt, "{ms} in {values:?}");
            }
        }
    }

    #[test]
    fn a_half_width_reads_in_a_unit_that_holds_it() {
        let ms = column_unit([500.0]);
        // Wider than the mean: its own unit, not "1,500 ms".
        assert_eq!(pm_in(500.0, 1_500.0, ms), "500 ms ± 1.50 s");
        assert_eq!(
            decimal(Lang::PtBr, pm_in(500.0, 999.8, ms)),
            "500 ms ± 1,00 s"
        );
        assert_eq!(pm_in(500.0, 999.4, ms), "500 ± 999 ms");
        // A mean that rounds to a second reads in seconds, its ± too.
        assert_eq!(
            decimal(Lang::PtBr, pm_in(999.8, 30.5, ms)),
            "1,00 s ± 30,5 ms"
        );
        let seconds = column_unit([59_999.9]);
        assert_eq!(pm_in(59_999.9, 1_200.0, seconds), "60.0 ± 1.20 s");
        assert_eq!(
            decimal(Lang::PtBr, pm_in(59_999.9, 130_000.0, seconds)),
            "60,0 s ± 2,17 min"
        );
    }

    #[test]
    fn a_share_is_never_rounded_to_a_whole_it_is_not() {
        assert_eq!(share_digits(0.985), "98.5%");
        assert_eq!(share_digits(1.0 - 2_399.0 / 14_480_000.0), "99.98%");
        assert_eq!(share_digits(1.0), "100.0%");
        assert_eq!(share_digits(0.0), "0.0%");
        assert_eq!(share_digits(0.0004), "0.04%");
    }

    #[test]
    fn a_column_reads_in_the_unit_of_its_largest_value() {
        let unit = column_unit([1_971.0, 4_860.0]);
        assert_eq!(
            (in_unit(1_971.0, unit), in_unit(4_860.0, unit)),
            ("1.97 s".to_owned(), "4.86 s".to_owned())
        );
        let minutes = column_unit([0.5, 900_000.0]);
        // Under one of the column's unit: its own unit.
        assert_eq!(in_unit(0.5, minutes), "0.500 ms");
        assert_eq!(in_unit(30_000.0, minutes), "30.0 s");
        assert_eq!(in_unit(90_000.0, minutes), "1.50 min");
        let hours = column_unit([10_800_000.0]);
        assert_eq!(in_unit(282_000.0, hours), "4.70 min");
        assert_eq!(in_unit(820_800.0, hours), "13.7 min");
        let seconds = column_unit([4_860.0]);
        assert_eq!(in_unit(22.0, seconds), "22.0 ms");
        assert_eq!(in_unit(12.0, seconds), "12.0 ms");
        assert_eq!(bare_in(0.5, minutes), "0.00000833");
        assert_eq!(column_unit([0.4, 12.0]).symbol, "ms");
    }

    #[test]
    fn a_half_width_under_one_of_its_unit_steps_down_like_any_cell() {
        let hours = column_unit([9_396_000.0]);
        // provider-outage's svix: 2.61 h ± 0.239 h.
        assert_eq!(pm_in(9_396_000.0, 860_400.0, hours), "2.61 h ± 14.3 min");
        // The mean steps down first, the half-width from the mean's unit.
        assert_eq!(pm_in(282_000.0, 21_900.0, hours), "4.70 min ± 21.9 s");
        assert_eq!(pm_in(4_390.0, 15.0, hours), "4.39 s ± 15.0 ms");
        // One unit for both where both read one or more of it, or no spread.
        assert_eq!(pm_in(90_000.0, 12_000.0, hours), "90.0 ± 12.0 s");
        assert_eq!(
            pm_in(3_000.0, 0.0, column_unit([3_000.0])),
            "3.00 ± 0.000 s"
        );
        assert_eq!(pm_in(21.6, 0.4, column_unit([21.6])), "21.6 ± 0.400 ms");
    }

    #[test]
    fn counts_group_their_thousands() {
        assert_eq!(count(Lang::En, 14_400_000.0), "14,400,000");
        assert_eq!(count(Lang::PtBr, 14_400_000.4), "14.400.000");
        assert_eq!(count(Lang::En, 999.0), "999");
        assert_eq!(pct(Lang::PtBr, 0.834), "83,4%");
    }

    #[test]
    fn control_characters_in_names_are_escaped() {
        assert_eq!(escape_controls("\u{1b}[2Jpoll\n"), "\\u{1b}[2Jpoll\\u{a}");
        assert_eq!(escape_controls("consulta-1s"), "consulta-1s");
    }

    /// A tester's finding: "consultar a cada 1,00 s" for `interval_ms = 1000`.
    #[test]
    fn a_setting_is_written_without_padding_zeros() {
        assert_eq!(setting(1_000.0), "1 s");
        assert_eq!(setting(50.0), "50 ms");
        assert_eq!(setting(1_500.0), "1.5 s");
        assert_eq!(setting(900_000.0), "15 min");
        assert_eq!(decimal(Lang::PtBr, setting(2_500.0)), "2,5 s");
    }

    #[test]
    fn portuguese_writes_a_decimal_comma() {
        assert_eq!(decimal(Lang::PtBr, dur(21.62)), "21,6 ms");
        assert_eq!(decimal(Lang::En, dur(21.62)), "21.6 ms");
    }

    #[test]
    fn thousands_are_grouped_in_every_number_of_a_cell() {
        let cell = format!("{:.2} ({:.2})", 6033.333, 6033.333);
        assert_eq!(decimal(Lang::PtBr, cell.clone()), "6.033,33 (6.033,33)");
        assert_eq!(decimal(Lang::En, cell), "6,033.33 (6,033.33)");
        assert_eq!(decimal(Lang::PtBr, "1809.42".into()), "1.809,42");
        assert_eq!(decimal(Lang::En, "2400/2400".into()), "2,400/2,400");
        assert_eq!(decimal(Lang::PtBr, "1234567".into()), "1.234.567");
        // Three digits or fewer, and fractions, are left alone.
        assert_eq!(
            decimal(Lang::PtBr, "999.5 ± 0.00000833".into()),
            "999,5 ± 0,00000833"
        );
        assert_eq!(decimal(Lang::En, "0.12345 s".into()), "0.12345 s");
        // A full stop is not a decimal point.
        assert_eq!(decimal(Lang::PtBr, "30 s.".into()), "30 s.");
    }
}

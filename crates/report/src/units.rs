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
    const UNITS: [(f64, &str); 4] = [
        (86_400_000.0, "d"),
        (3_600_000.0, "h"),
        (60_000.0, "min"),
        (1_000.0, "s"),
    ];
    for (size, unit) in UNITS {
        // Switch unit at twice its size, so 90 s stays "90.0 s", not "1.50 min".
        if ms >= 2.0 * size {
            return format!("{} {unit}", num(ms / size));
        }
    }
    if ms >= 10_000.0 {
        return format!("{} s", num(ms / 1_000.0));
    }
    format!("{} ms", num(ms))
}

/// A number with as many decimals as it deserves.
pub fn num(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else if ms >= 1.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.3}")
    }
}

/// A formatted number in `lang`'s convention: Portuguese writes the decimal
/// separator as a comma (`21,6 ms`), English as a point. Only for numbers
/// already formatted, never for names.
pub fn decimal(lang: Lang, number: String) -> String {
    match lang {
        Lang::En => number,
        Lang::PtBr => number.replace('.', ","),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_switch_unit_at_twice_its_size() {
        assert_eq!(dur(0.8124), "0.812 ms");
        assert_eq!(dur(104.2), "104 ms");
        assert_eq!(dur(1_999.0), "1999 ms");
        assert_eq!(dur(12_345.0), "12.3 s");
        assert_eq!(dur(90_000.0), "90.0 s");
        assert_eq!(dur(18_304_918.0), "5.08 h");
        assert_eq!(dur(108_000_000.0), "30.0 h");
        assert_eq!(dur(200_000_000.0), "2.31 d");
    }

    #[test]
    fn portuguese_writes_a_decimal_comma() {
        assert_eq!(decimal(Lang::PtBr, dur(21.62)), "21,6 ms");
        assert_eq!(decimal(Lang::En, dur(21.62)), "21.6 ms");
    }
}

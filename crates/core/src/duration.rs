//! Durations as scenario files write them.
//!
//! A student may write `interval_ms = 200` or, where it reads better,
//! `interval_ms = "15m"` or `settle = { dist = "fixed", ms = "2h" }`. Both become a
//! [`Dur`], kept in microseconds so that sub-millisecond network latencies
//! survive. A plain number always means milliseconds.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A non-negative duration, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dur(pub u64);

impl Dur {
    /// Zero.
    pub const ZERO: Dur = Dur(0);

    /// `ms` milliseconds.
    pub const fn from_ms(ms: u64) -> Self {
        Dur(ms * 1_000)
    }

    /// `s` seconds.
    pub const fn from_secs(s: u64) -> Self {
        Dur(s * 1_000_000)
    }

    /// Microseconds.
    pub const fn as_us(self) -> u64 {
        self.0
    }

    /// Milliseconds, with fractions.
    pub fn as_ms_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }

    /// As a `std::time::Duration`.
    pub const fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_micros(self.0)
    }

    /// Parses `"250ms"`, `"1.5s"`, `"15m"`, `"2h"`, `"3d"`, `"800us"`, or a bare
    /// number of milliseconds (`"250"`).
    pub fn parse(text: &str) -> Result<Dur, String> {
        let t = text.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
            .unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let value: f64 = num
            .parse()
            .map_err(|_| format!("`{text}` is not a duration: write a number of milliseconds or a number with a unit, such as \"250ms\", \"15m\", \"2h\""))?;
        let unit_us = match unit.trim() {
            "" | "ms" => 1_000.0,
            "us" | "µs" => 1.0,
            "s" => 1_000_000.0,
            "m" | "min" => 60_000_000.0,
            "h" => 3_600_000_000.0,
            "d" => 86_400_000_000.0,
            other => {
                return Err(format!(
                    "unknown unit `{other}` in `{text}`: use us, ms, s, m, h or d"
                ));
            }
        };
        Self::from_ms_f64(value * unit_us / 1_000.0).map_err(|e| format!("{e} (got `{text}`)"))
    }

    /// From a number of milliseconds, refusing negative and non-finite values.
    pub fn from_ms_f64(ms: f64) -> Result<Dur, String> {
        if !ms.is_finite() {
            return Err("a duration must be a finite number".to_owned());
        }
        if ms < 0.0 {
            return Err("a duration cannot be negative".to_owned());
        }
        let us = (ms * 1_000.0).round();
        if us > u64::MAX as f64 / 2.0 {
            return Err("that duration is too long".to_owned());
        }
        Ok(Dur(us as u64))
    }
}

impl fmt::Display for Dur {
    /// The shortest exact rendering: `250ms`, `15min`, `2s`. Minutes are
    /// `min`, which [`Dur::parse`] reads too: a bare `m` is a metre to a
    /// Portuguese reader (a tester's finding: "média 10 m").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0;
        const UNITS: [(u64, &str); 5] = [
            (86_400_000_000, "d"),
            (3_600_000_000, "h"),
            (60_000_000, "min"),
            (1_000_000, "s"),
            (1_000, "ms"),
        ];
        if us == 0 {
            return f.write_str("0ms");
        }
        for (size, name) in UNITS {
            if us >= size && us.is_multiple_of(size) {
                return write!(f, "{}{}", us / size, name);
            }
        }
        if us >= 1_000 {
            write!(f, "{}ms", us as f64 / 1_000.0)
        } else {
            write!(f, "{us}us")
        }
    }
}

impl Serialize for Dur {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Reports carry milliseconds as numbers: spreadsheets read them.
        s.serialize_f64(self.as_ms_f64())
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Dur;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration: a number of milliseconds, or a string such as \"250ms\", \"15m\", \"2h\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Dur, E> {
                Dur::from_ms_f64(v as f64).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Dur, E> {
                Dur::from_ms_f64(v as f64).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Dur, E> {
                Dur::from_ms_f64(v).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Dur, E> {
                Dur::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_bare_numbers() {
        assert_eq!(Dur::parse("250ms"), Ok(Dur::from_ms(250)));
        assert_eq!(Dur::parse("250"), Ok(Dur::from_ms(250)));
        assert_eq!(Dur::parse("1.5s"), Ok(Dur::from_ms(1_500)));
        assert_eq!(Dur::parse("15m"), Ok(Dur::from_secs(900)));
        assert_eq!(Dur::parse("2h"), Ok(Dur::from_secs(7_200)));
        assert_eq!(Dur::parse("3d"), Ok(Dur::from_secs(259_200)));
        assert_eq!(Dur::parse("800us"), Ok(Dur(800)));
        assert!(Dur::parse("-5ms").is_err());
        assert!(Dur::parse("5 parsecs").is_err());
        assert!(Dur::parse("fast").is_err());
    }

    #[test]
    fn displays_the_shortest_exact_form() {
        assert_eq!(Dur::from_ms(250).to_string(), "250ms");
        assert_eq!(Dur::from_secs(900).to_string(), "15min");
        assert_eq!(Dur::parse("15min"), Ok(Dur::from_secs(900)));
        assert_eq!(Dur::from_ms(1_500).to_string(), "1500ms");
        assert_eq!(Dur(800).to_string(), "800us");
    }
}

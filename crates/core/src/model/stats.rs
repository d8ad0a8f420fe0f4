//! Error bars: how much of a difference between model and measurement is
//! sampling noise.
//!
//! A run measures a *sample*: 300 orders, not every order there could be. Its
//! mean delay would come out a little different with another seed, and the
//! standard error of the mean says by how much: `s/√n`, where `s` is the
//! sample's standard deviation. About 95% of such means fall within
//! `1.96·s/√n` of the true mean, so a prediction outside that interval is
//! probably a bias (a model or a measurement that is wrong), not bad luck.
//!
//! Parts:
//!
//! - [`Moments`]: an exact accumulator of count, sum, sum of squares, min and
//!   max (integers of microseconds: no rounding, unlike a histogram's buckets);
//! - [`mean_interval`]: mean, standard error and 95% interval from those sums;
//! - [`wilson`]: the Wilson interval of a share (missed orders, wasted polls),
//!   which stays inside 0..1 and behaves for shares near 0 or 1;
//! - [`inside`]: whether a predicted value lies within a measured interval.

/// The z-score of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Exact running sums of microsecond values: what a mean, a standard error
/// and the extremes need, with no bucketing.
///
/// Sums are `u128`: a day of microseconds squared is about 7.5·10²¹, so even
/// ten million such values fit without overflow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Moments {
    /// How many values.
    pub count: u64,
    /// Their sum, µs.
    pub sum_us: u128,
    /// The sum of their squares, µs².
    pub sum_sq_us2: u128,
    /// The smallest value, µs (0 when empty).
    pub min_us: u64,
    /// The largest value, µs (0 when empty).
    pub max_us: u64,
}

impl Moments {
    /// Adds one value.
    pub fn record(&mut self, us: u64) {
        if self.count == 0 || us < self.min_us {
            self.min_us = us;
        }
        self.max_us = self.max_us.max(us);
        self.count += 1;
        self.sum_us += u128::from(us);
        self.sum_sq_us2 = self
            .sum_sq_us2
            .saturating_add(u128::from(us) * u128::from(us));
    }

    /// Adds every value of `other` (two merchants' or two shards' sums).
    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 || other.min_us < self.min_us {
            self.min_us = other.min_us;
        }
        self.max_us = self.max_us.max(other.max_us);
        self.count += other.count;
        self.sum_us += other.sum_us;
        self.sum_sq_us2 = self.sum_sq_us2.saturating_add(other.sum_sq_us2);
    }

    /// The exact mean, µs, if there are values.
    pub fn mean_us(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_us as f64 / self.count as f64)
    }

    /// The sample variance (divided by n − 1), µs², if there are two values
    /// or more. Computed as `(n·Σx² − (Σx)²) / (n(n−1))` in integers when it
    /// fits, so a constant sample has variance exactly 0.
    pub fn variance_us2(&self) -> Option<f64> {
        if self.count < 2 {
            return None;
        }
        let n = u128::from(self.count);
        let exact = n
            .checked_mul(self.sum_sq_us2)
            .zip(self.sum_us.checked_mul(self.sum_us))
            .map(|(a, b)| a.saturating_sub(b) as f64);
        let numerator = exact.unwrap_or_else(|| {
            let (n, s, q) = (n as f64, self.sum_us as f64, self.sum_sq_us2 as f64);
            (n * q - s * s).max(0.0)
        });
        let n = self.count as f64;
        Some(numerator / (n * (n - 1.0)))
    }

    /// The standard error of the mean, µs (`s/√n`), if there are two values
    /// or more.
    pub fn stderr_us(&self) -> Option<f64> {
        self.variance_us2().map(|v| (v / self.count as f64).sqrt())
    }
}

/// A measured mean with its error bar.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeanInterval {
    /// The mean.
    pub mean: f64,
    /// Its standard error.
    pub stderr: f64,
    /// The lower end of the 95% interval.
    pub low: f64,
    /// The upper end of the 95% interval.
    pub high: f64,
}

/// The mean of `count` values whose sum is `sum` and sum of squares
/// `sum_sq`, with its standard error and 95% interval (normal
/// approximation: fine from a few dozen values on). `None` for fewer than
/// two values, whose spread is unknown.
pub fn mean_interval(count: u64, sum: f64, sum_sq: f64) -> Option<MeanInterval> {
    if count < 2 {
        return None;
    }
    let n = count as f64;
    let mean = sum / n;
    let variance = ((sum_sq - sum * mean) / (n - 1.0)).max(0.0);
    let stderr = (variance / n).sqrt();
    Some(MeanInterval {
        mean,
        stderr,
        low: mean - Z95 * stderr,
        high: mean + Z95 * stderr,
    })
}

/// The mean interval of exact [`Moments`], in the moments' unit (µs).
pub fn moments_interval(m: &Moments) -> Option<MeanInterval> {
    let mean = m.mean_us()?;
    let stderr = m.stderr_us()?;
    Some(MeanInterval {
        mean,
        stderr,
        low: mean - Z95 * stderr,
        high: mean + Z95 * stderr,
    })
}

/// The Wilson score interval of a share: `successes` out of `trials`, at
/// z-score `z` ([`Z95`] for 95%). Unlike `p ± z·√(p(1−p)/n)`, it never
/// leaves 0..1 and does not collapse to a point when nothing (or
/// everything) was seen: 0 missed out of 300 still allows up to 1.3%.
/// `None` when there were no trials.
pub fn wilson(successes: u64, trials: u64, z: f64) -> Option<(f64, f64)> {
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let p = successes.min(trials) as f64 / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At p = 0 (or 1) the end is exactly 0 (or 1); floating point would
    // leave a crumb of 1e-19 there.
    let low = if successes == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let high = if successes >= trials {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Some((low, high))
}

/// Whether `predicted` lies within `[low, high]`: the check a report marks
/// a row by. A prediction outside the measured 95% interval is a bias worth
/// explaining, not noise.
pub fn inside(predicted: f64, (low, high): (f64, f64)) -> bool {
    predicted >= low && predicted <= high
}

/// How many standard errors `predicted` lies from `measured`: 0 when they
/// agree, more than 3 when the difference is very unlikely to be noise.
/// Infinite when the error bar is 0 and the values differ.
pub fn z_score(measured: f64, stderr: f64, predicted: f64) -> f64 {
    let gap = (measured - predicted).abs();
    if gap == 0.0 {
        0.0
    } else if stderr > 0.0 {
        gap / stderr
    } else {
        f64::INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_sample_has_an_exact_mean_and_no_spread() {
        let mut m = Moments::default();
        for _ in 0..1_000 {
            m.record(150_000);
        }
        assert_eq!(m.mean_us(), Some(150_000.0));
        assert_eq!(m.variance_us2(), Some(0.0));
        assert_eq!((m.min_us, m.max_us), (150_000, 150_000));
        let i = moments_interval(&m).unwrap();
        assert_eq!((i.low, i.high), (150_000.0, 150_000.0));
    }

    #[test]
    fn standard_error_of_a_small_sample_by_hand() {
        // 1, 2, 3, 4: mean 2.5, s² = (2.25+0.25+0.25+2.25)/3 = 5/3,
        // stderr = √(5/3 / 4) = 0.645497…
        let mut m = Moments::default();
        for v in [3, 1, 4, 2] {
            m.record(v);
        }
        assert_eq!(m.mean_us(), Some(2.5));
        assert!((m.variance_us2().unwrap() - 5.0 / 3.0).abs() < 1e-12);
        assert!((m.stderr_us().unwrap() - 0.645_497_224_367_9).abs() < 1e-12);
        assert_eq!((m.min_us, m.max_us), (1, 4));
        let i = mean_interval(4, 10.0, 30.0).unwrap();
        assert!((i.stderr - 0.645_497_224_367_9).abs() < 1e-12);
        assert!((i.high - (2.5 + Z95 * 0.645_497_224_367_9)).abs() < 1e-12);
        assert!(mean_interval(1, 3.0, 9.0).is_none());
        // Merging two halves gives the sums of the whole.
        let (mut a, mut b) = (Moments::default(), Moments::default());
        a.record(3);
        a.record(1);
        b.record(4);
        b.record(2);
        a.merge(&b);
        assert_eq!(a, m);
    }

    #[test]
    fn wilson_interval_by_hand() {
        // 10 of 100 at 95%: the textbook 0.0552 .. 0.1744.
        let (lo, hi) = wilson(10, 100, Z95).unwrap();
        assert!((lo - 0.0552).abs() < 1e-4, "{lo}");
        assert!((hi - 0.1744).abs() < 1e-4, "{hi}");
        // Nothing missed out of 300 still allows a little over 1%.
        let (lo, hi) = wilson(0, 300, Z95).unwrap();
        assert_eq!(lo, 0.0);
        assert!((hi - 0.012_645).abs() < 1e-5, "{hi}");
        assert!(wilson(0, 0, Z95).is_none());
        assert!(inside(0.1, (lo, 0.2)));
        assert!(!inside(0.3, (lo, 0.2)));
        assert_eq!(z_score(10.0, 2.0, 16.0), 3.0);
        assert_eq!(z_score(10.0, 0.0, 10.0), 0.0);
    }
}

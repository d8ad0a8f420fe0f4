//! The distributions a scenario draws from.
//!
//! Each distribution can be *sampled* (to build the workload) and can tell its
//! exact *CDF* and *mean* (for the model's predictions). Keeping both in one enum
//! means theory and measurement always describe the same thing.
//!
//! The sampling is written out here rather than taken from `rand_distr`: its
//! exponential and normal samplers use the ziggurat method, which turns the same
//! random bits into other values (a check of 10,000 draws of each found none
//! equal), so every committed result would change. The formulas below (inverse
//! transform, Box–Muller) are the ones those results were drawn with, and the
//! known-answer test at the bottom pins their first draws. The CDFs take `erfc`
//! from `libm`.

use crate::duration::Dur;
use crate::rng::SeededRng;
use serde::{Deserialize, Serialize};

/// A distribution of durations (settlement delays, network latency).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    /// Always the same: `{ dist = "fixed", ms = 500 }`.
    Fixed {
        /// The duration.
        ms: Dur,
    },
    /// Uniform between two bounds: `{ dist = "uniform", min_ms = 200, max_ms = 2000 }`.
    Uniform {
        /// The smallest value.
        min_ms: Dur,
        /// The largest value.
        max_ms: Dur,
    },
    /// Exponential (memoryless), as independent random events are:
    /// `{ dist = "exponential", mean_ms = 800 }`.
    Exponential {
        /// The mean.
        mean_ms: Dur,
    },
    /// Log-normal, the usual shape of service times (most fast, a long tail):
    /// `{ dist = "lognormal", median_ms = 500, sigma = 0.8 }`.
    Lognormal {
        /// The median (half the values are below it).
        median_ms: Dur,
        /// The spread of the underlying normal; 0.5 is narrow, 1.5 is wide.
        sigma: f64,
    },
}

impl Distribution {
    /// Checks the parameters; on error, names the bad field and says why.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        match *self {
            Distribution::Fixed { .. } => Ok(()),
            Distribution::Uniform { min_ms, max_ms } => {
                if max_ms < min_ms {
                    Err((
                        "max_ms",
                        format!("must be at least min_ms ({min_ms}), got {max_ms}"),
                    ))
                } else {
                    Ok(())
                }
            }
            Distribution::Exponential { mean_ms } => {
                if mean_ms == Dur::ZERO {
                    Err(("mean_ms", "must be greater than 0".to_owned()))
                } else {
                    Ok(())
                }
            }
            Distribution::Lognormal { median_ms, sigma } => {
                if median_ms == Dur::ZERO {
                    Err(("median_ms", "must be greater than 0".to_owned()))
                } else if !(sigma.is_finite() && sigma > 0.0 && sigma <= 5.0) {
                    Err((
                        "sigma",
                        format!("must be between 0 (excluded) and 5, got {sigma}"),
                    ))
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Draws one value.
    pub fn sample(&self, rng: &mut SeededRng) -> Dur {
        let us = match *self {
            Distribution::Fixed { ms } => return ms,
            Distribution::Uniform { min_ms, max_ms } => {
                let span = (max_ms.as_us() - min_ms.as_us()) as f64;
                min_ms.as_us() as f64 + rng.next_f64() * span
            }
            Distribution::Exponential { mean_ms } => {
                -rng.next_f64_open0().ln() * mean_ms.as_us() as f64
            }
            Distribution::Lognormal { median_ms, sigma } => {
                median_ms.as_us() as f64 * (sigma * standard_normal(rng)).exp()
            }
        };
        Dur(us.round().clamp(0.0, 1e15) as u64)
    }

    /// The probability that a drawn value is at most `x`.
    pub fn cdf(&self, x: Dur) -> f64 {
        let x = x.as_us() as f64;
        match *self {
            Distribution::Fixed { ms } => {
                if x >= ms.as_us() as f64 {
                    1.0
                } else {
                    0.0
                }
            }
            Distribution::Uniform { min_ms, max_ms } => {
                let (a, b) = (min_ms.as_us() as f64, max_ms.as_us() as f64);
                if x < a {
                    0.0
                } else if x >= b {
                    1.0
                } else {
                    (x - a) / (b - a)
                }
            }
            Distribution::Exponential { mean_ms } => {
                if x <= 0.0 {
                    0.0
                } else {
                    1.0 - (-x / mean_ms.as_us() as f64).exp()
                }
            }
            Distribution::Lognormal { median_ms, sigma } => {
                if x <= 0.0 {
                    0.0
                } else {
                    let z = (x / median_ms.as_us() as f64).ln() / sigma;
                    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
                }
            }
        }
    }

    /// The mean, in microseconds.
    pub fn mean_us(&self) -> f64 {
        match *self {
            Distribution::Fixed { ms } => ms.as_us() as f64,
            Distribution::Uniform { min_ms, max_ms } => {
                (min_ms.as_us() + max_ms.as_us()) as f64 / 2.0
            }
            Distribution::Exponential { mean_ms } => mean_ms.as_us() as f64,
            Distribution::Lognormal { median_ms, sigma } => {
                median_ms.as_us() as f64 * (sigma * sigma / 2.0).exp()
            }
        }
    }

    /// A short human description (`uniform 200ms..2s`).
    pub fn describe(&self) -> String {
        match *self {
            Distribution::Fixed { ms } => format!("fixed {ms}"),
            Distribution::Uniform { min_ms, max_ms } => format!("uniform {min_ms}..{max_ms}"),
            Distribution::Exponential { mean_ms } => format!("exponential, mean {mean_ms}"),
            Distribution::Lognormal { median_ms, sigma } => {
                format!("lognormal, median {median_ms}, sigma {sigma}")
            }
        }
    }
}

/// How orders arrive over time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Arrival {
    /// One order every `every_ms`: `{ dist = "fixed", every_ms = 5 }`.
    Fixed {
        /// The gap between two orders.
        every_ms: Dur,
    },
    /// Independent customers, `per_s` orders per second on average:
    /// `{ dist = "poisson", per_s = 200 }`.
    Poisson {
        /// Mean orders per second.
        per_s: f64,
    },
}

impl Arrival {
    /// Checks the parameters; on error, names the bad field and says why.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        match *self {
            Arrival::Fixed { .. } => Ok(()),
            Arrival::Poisson { per_s } => {
                if per_s.is_finite() && per_s > 0.0 && per_s <= 1_000_000.0 {
                    Ok(())
                } else {
                    Err((
                        "per_s",
                        format!("must be greater than 0 and at most 1000000, got {per_s}"),
                    ))
                }
            }
        }
    }

    /// Orders a day at this rate: what "per day" means for a cost paid per
    /// order (a shop taking orders at this pace all day). `None` for a batch
    /// (`every_ms = 0`), which has no rate.
    pub fn per_day(&self) -> Option<f64> {
        const DAY_US: f64 = 86_400_000_000.0;
        match *self {
            Arrival::Fixed { every_ms } if every_ms.as_us() == 0 => None,
            Arrival::Fixed { every_ms } => Some(DAY_US / every_ms.as_us() as f64),
            Arrival::Poisson { per_s } => Some(per_s * 86_400.0),
        }
    }

    /// Draws the gap before the next order.
    pub fn next_gap(&self, rng: &mut SeededRng) -> Dur {
        match *self {
            Arrival::Fixed { every_ms } => every_ms,
            Arrival::Poisson { per_s } => {
                let mean_us = 1e6 / per_s;
                Dur((-rng.next_f64_open0().ln() * mean_us).round() as u64)
            }
        }
    }
}

/// A standard normal draw (Box–Muller; one of the pair is discarded, which keeps
/// the generator's state simple and the draws reproducible).
fn standard_normal(rng: &mut SeededRng) -> f64 {
    let u1 = rng.next_f64_open0();
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empirical_mean(d: Distribution, n: u32) -> f64 {
        let mut rng = SeededRng::new(1);
        (0..n)
            .map(|_| d.sample(&mut rng).as_us() as f64)
            .sum::<f64>()
            / f64::from(n)
    }

    #[test]
    fn sample_means_match_the_analytic_means() {
        let ds = [
            Distribution::Fixed {
                ms: Dur::from_ms(500),
            },
            Distribution::Uniform {
                min_ms: Dur::from_ms(200),
                max_ms: Dur::from_ms(2_000),
            },
            Distribution::Exponential {
                mean_ms: Dur::from_ms(800),
            },
            Distribution::Lognormal {
                median_ms: Dur::from_ms(500),
                sigma: 0.5,
            },
        ];
        for d in ds {
            let m = empirical_mean(d, 200_000);
            let want = d.mean_us();
            assert!(
                (m - want).abs() / want < 0.01,
                "{d:?}: sampled {m}, analytic {want}"
            );
        }
    }

    #[test]
    fn cdfs_are_right_at_known_points() {
        let u = Distribution::Uniform {
            min_ms: Dur::from_ms(200),
            max_ms: Dur::from_ms(2_000),
        };
        assert_eq!(u.cdf(Dur::from_ms(100)), 0.0);
        assert!((u.cdf(Dur::from_ms(1_100)) - 0.5).abs() < 1e-12);
        let l = Distribution::Lognormal {
            median_ms: Dur::from_ms(500),
            sigma: 0.8,
        };
        assert!((l.cdf(Dur::from_ms(500)) - 0.5).abs() < 1e-6);
        let e = Distribution::Exponential {
            mean_ms: Dur::from_ms(1_000),
        };
        assert!((e.cdf(Dur::from_ms(1_000)) - (1.0 - (-1.0f64).exp())).abs() < 1e-12);
        assert!((libm::erfc(0.5) - 0.479_500_122_186_953_5).abs() < 1e-15);
    }

    /// The first draws of each distribution, as the code made them before
    /// `rand` came in: a change of generator or formula that moves any draw (and
    /// so every result drawn from it) fails here.
    #[test]
    fn known_answers_pin_the_draws() {
        let draws = |d: Distribution| -> Vec<u64> {
            let mut rng = SeededRng::stream(42, "settle");
            (0..4).map(|_| d.sample(&mut rng).as_us()).collect()
        };
        let uniform = Distribution::Uniform {
            min_ms: Dur::from_ms(200),
            max_ms: Dur::from_ms(2_000),
        };
        assert_eq!(draws(uniform), [319_337, 973_458, 1_071_480, 1_424_045]);
        let exponential = Distribution::Exponential {
            mean_ms: Dur::from_ms(800),
        };
        assert_eq!(draws(exponential), [54_879, 449_273, 529_560, 911_610]);
        let lognormal = Distribution::Lognormal {
            median_ms: Dur::from_ms(500),
            sigma: 0.8,
        };
        assert_eq!(draws(lognormal), [382_500, 337_922, 313_596, 1_216_896]);
        let mut rng = SeededRng::stream(42, "arrival");
        let poisson = Arrival::Poisson { per_s: 200.0 };
        let gaps: Vec<u64> = (0..4).map(|_| poisson.next_gap(&mut rng).as_us()).collect();
        assert_eq!(gaps, [15_988, 116, 3_966, 4_201]);
    }

    #[test]
    fn validation_names_the_field() {
        let bad = Distribution::Uniform {
            min_ms: Dur::from_ms(5),
            max_ms: Dur::from_ms(1),
        };
        assert_eq!(bad.validate().unwrap_err().0, "max_ms");
        assert_eq!(
            Arrival::Poisson { per_s: 0.0 }.validate().unwrap_err().0,
            "per_s"
        );
    }
}

//! The statistics of the timing case: medians and the Mann-Whitney U test.
//!
//! Answer times on loopback are noisy and heavy-tailed (a scheduler hiccup
//! makes one answer a hundred times slower), so the comparison is on ranks,
//! not on means: the Mann-Whitney U test asks whether an answer time drawn
//! from one group tends to be smaller than one drawn from the other, and a
//! few huge outliers move it no more than any other answer. With a few
//! hundred answers per group the normal approximation of U is accurate;
//! ties get the usual variance correction.

/// The middle value of `values` (the mean of the two middle ones for an
/// even count); `None` when there are none.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The two-sided p-value of the Mann-Whitney U test that `a` and `b` come
/// from the same distribution (1 when either is empty or every value ties).
pub fn mann_whitney_p(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len(), b.len());
    if n1 == 0 || n2 == 0 {
        return 1.0;
    }
    // Rank the pooled values, giving tied values the mean of their ranks.
    let mut pooled: Vec<(f64, bool)> = a
        .iter()
        .map(|&v| (v, true))
        .chain(b.iter().map(|&v| (v, false)))
        .collect();
    pooled.sort_by(|x, y| x.0.total_cmp(&y.0));
    let n = pooled.len();
    let mut rank_sum_a = 0.0;
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && pooled[j + 1].0 == pooled[i].0 {
            j += 1;
        }
        let tied = (j - i + 1) as f64;
        // Ranks i+1 ..= j+1, averaged.
        let rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_a += rank * pooled[i..=j].iter().filter(|(_, in_a)| *in_a).count() as f64;
        tie_term += tied * tied * tied - tied;
        i = j + 1;
    }
    let (n1f, n2f, nf) = (n1 as f64, n2 as f64, n as f64);
    let u = rank_sum_a - n1f * (n1f + 1.0) / 2.0;
    let mean = n1f * n2f / 2.0;
    let variance = n1f * n2f / 12.0 * ((nf + 1.0) - tie_term / (nf * (nf - 1.0)));
    if variance <= 0.0 {
        return 1.0;
    }
    // Continuity correction: U moves in steps of one.
    let distance = ((u - mean).abs() - 0.5).max(0.0);
    let z = distance / variance.sqrt();
    erfc(z / std::f64::consts::SQRT_2).min(1.0)
}

/// The complementary error function, by the Chebyshev fit in Numerical
/// Recipes (`erfcc`), accurate to about 1e-7 relative: plenty for a p-value.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * (-z * z + poly).exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn erfc_matches_tabulated_values() {
        assert!(close(erfc(0.0), 1.0, 1e-7));
        assert!(close(erfc(0.5), 0.479_500_122, 1e-7));
        assert!(close(erfc(1.0), 0.157_299_207, 1e-7));
        assert!(close(erfc(2.0), 0.004_677_735, 1e-8));
        assert!(close(erfc(-1.0), 1.842_700_793, 1e-7));
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn a_small_textbook_case() {
        // U = 0 for n1 = n2 = 3: mean 4.5, variance 5.25, z = 4/2.291 with
        // the continuity correction, two-sided p = 0.0809.
        let p = mann_whitney_p(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]);
        assert!(close(p, 0.0809, 5e-4), "{p}");
        assert_eq!(p, mann_whitney_p(&[4.0, 5.0, 6.0], &[1.0, 2.0, 3.0]));
    }

    #[test]
    fn same_values_are_not_significant_and_separated_ones_are() {
        let a: Vec<f64> = (0..200).map(|i| f64::from(i % 17)).collect();
        assert!(mann_whitney_p(&a, &a) > 0.99);
        assert_eq!(mann_whitney_p(&[5.0; 10], &[5.0; 10]), 1.0);
        assert_eq!(mann_whitney_p(&[], &[1.0]), 1.0);
        let low: Vec<f64> = (0..200).map(|i| 100.0 + f64::from(i % 10)).collect();
        let high: Vec<f64> = (0..200).map(|i| 105.0 + f64::from(i % 10)).collect();
        assert!(mann_whitney_p(&low, &high) < 1e-6);
    }

    #[test]
    fn interleaved_draws_of_one_distribution_are_rarely_significant() {
        // Two halves of one seeded sample: out of 200 such comparisons, about
        // 0.1% should fall under p = 0.001 by chance; allow a few.
        let mut rng = hooklab_core::rng::SeededRng::new(7);
        let mut significant = 0;
        for _ in 0..200 {
            let draws: Vec<f64> = (0..200).map(|_| -rng.next_f64_open0().ln()).collect();
            let (a, b): (Vec<_>, Vec<_>) = draws.chunks(2).map(|p| (p[0], p[1])).unzip();
            if mann_whitney_p(&a, &b) < 0.001 {
                significant += 1;
            }
        }
        assert!(significant <= 3, "{significant}");
    }
}

//! Streaming statistics whose merge is exact, so any split of the paths gives the same result.
//!
//! - Sums are integers (hundredths of the unit: cents for USD) in `i128`, so adding shards in
//!   any order gives the same total bit for bit; means and standard errors are computed from
//!   them at the end.
//! - Quantiles come from a DDSketch-style log-bucket histogram (Masson, Rim and Lee, "DDSketch:
//!   a fast and fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019):
//!   value `v > 0` (in hundredths) falls in bucket `ceil(log_γ v)` with `γ = (1+α)/(1-α)`,
//!   `α = 0.5%`, and a quantile is reported as its bucket's centre `2γᵏ/(γ+1)`, within 0.5% of
//!   the exact order statistic. The store is a sparse map of integer counts (no collapsing), so
//!   merging is addition and memory is bounded by the number of buckets the values span
//!   (`ln 10 / ln γ` ≈ 230 per decade), independent of the number of paths.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The sketch's relative accuracy.
pub const ALPHA: f64 = 0.005;

fn gamma() -> f64 {
    (1.0 + ALPHA) / (1.0 - ALPHA)
}

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A non-negative quantity over paths: exact sums and a quantile sketch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Stat {
    /// Sum of the values, hundredths of the unit.
    pub sum: i128,
    /// Sum of the squared values, hundredths squared.
    pub sum_sq: i128,
    /// Paths with a value above zero.
    pub positive: u64,
    /// Counts per log bucket of the values above zero (key: bucket index).
    pub buckets: BTreeMap<i32, u64>,
}

impl Stat {
    /// Adds one path's value, in hundredths (negative values count as 0).
    pub fn add(&mut self, hundredths: i128) {
        if hundredths <= 0 {
            return;
        }
        self.sum += hundredths;
        self.sum_sq += hundredths * hundredths;
        self.positive += 1;
        let key = (hundredths as f64).ln() / gamma().ln();
        *self.buckets.entry(key.ceil() as i32).or_default() += 1;
    }

    /// Adds another's paths.
    pub fn merge(&mut self, other: &Self) {
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
        self.positive += other.positive;
        for (k, c) in &other.buckets {
            *self.buckets.entry(*k).or_default() += c;
        }
    }

    /// Mean over `n` paths and its standard error, in units.
    pub fn mean(&self, n: u64) -> (f64, f64) {
        if n == 0 {
            return (0.0, 0.0);
        }
        let nf = n as f64;
        let mean = self.sum as f64 / nf;
        let var = if n > 1 {
            ((self.sum_sq as f64 - nf * mean * mean) / (nf - 1.0)).max(0.0)
        } else {
            0.0
        };
        (mean / 100.0, (var / nf).sqrt() / 100.0)
    }

    /// The value of rank `rank` (1-based, ascending) among `n` paths, in units.
    fn at_rank(&self, n: u64, rank: u64) -> f64 {
        let zeros = n - self.positive;
        if rank <= zeros {
            return 0.0;
        }
        let mut seen = zeros;
        let g = gamma();
        for (k, c) in &self.buckets {
            seen += c;
            if seen >= rank {
                return 2.0 * g.powi(*k) / (g + 1.0) / 100.0;
            }
        }
        self.buckets.keys().last().map_or(0.0, |k| 2.0 * g.powi(*k) / (g + 1.0) / 100.0)
    }

    /// The `q` quantile over `n` paths with a distribution-free 95% interval from the order
    /// statistics (ranks `nq ± 1.96·sqrt(nq(1-q))`) and the standard error that interval implies.
    pub fn quantile(&self, n: u64, q: f64) -> Quantile {
        if n == 0 {
            return Quantile::default();
        }
        let nf = n as f64;
        let rank = |x: f64| (x.ceil() as u64).clamp(1, n);
        let spread = Z95 * (nf * q * (1.0 - q)).sqrt();
        let value = self.at_rank(n, rank(nf * q));
        let low = self.at_rank(n, rank(nf * q - spread));
        let high = self.at_rank(n, rank(nf * q + spread));
        Quantile {
            value: round2(value),
            low: round2(low),
            high: round2(high),
            se: round2((high - low) / (2.0 * Z95)),
        }
    }

    /// Expected shortfall at level `q`: the mean of the worst `ceil(n(1-q))` paths, with its
    /// asymptotic standard error `sqrt((Var(L | tail) + q(ES - VaR)²) / (n(1-q)))`.
    pub fn shortfall(&self, n: u64, q: f64) -> Estimate {
        let tail = ((n as f64) * (1.0 - q)).ceil().max(1.0) as u64;
        if n == 0 {
            return Estimate::default();
        }
        let g = gamma();
        let (mut left, mut sum, mut sum_sq) = (tail, 0.0f64, 0.0f64);
        for (k, c) in self.buckets.iter().rev() {
            if left == 0 {
                break;
            }
            let take = (*c).min(left);
            let v = 2.0 * g.powi(*k) / (g + 1.0) / 100.0;
            sum += v * take as f64;
            sum_sq += v * v * take as f64;
            left -= take;
        }
        let t = tail as f64;
        let es = sum / t;
        let var_tail = (sum_sq / t - es * es).max(0.0);
        let var = self.quantile(n, q).value;
        let se = ((var_tail + q * (es - var).powi(2)) / ((n as f64) * (1.0 - q))).sqrt();
        Estimate { value: round2(es), se: round2(se) }
    }
}

/// An estimate and its Monte Carlo standard error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Estimate {
    /// The estimate.
    pub value: f64,
    /// Its standard error.
    pub se: f64,
}

/// A quantile with a 95% interval from the order statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Quantile {
    /// The estimate (a bucket centre, within 0.5% of the order statistic).
    pub value: f64,
    /// Lower end of the 95% interval.
    pub low: f64,
    /// Upper end of the 95% interval.
    pub high: f64,
    /// Standard error implied by the interval (`(high - low) / 3.92`).
    pub se: f64,
}

/// A probability with its standard error and Wilson 95% interval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Probability {
    /// Paths where it happened.
    pub count: u64,
    /// The estimate, `count / n`.
    pub p: f64,
    /// `sqrt(p(1-p)/n)`.
    pub se: f64,
    /// Lower end of the Wilson score 95% interval.
    pub low: f64,
    /// Upper end of the Wilson score 95% interval.
    pub high: f64,
}

impl Probability {
    /// `count` of `n` paths.
    pub fn new(count: u64, n: u64) -> Self {
        if n == 0 {
            return Self::default();
        }
        let nf = n as f64;
        let p = count as f64 / nf;
        let z2 = Z95 * Z95;
        let centre = (p + z2 / (2.0 * nf)) / (1.0 + z2 / nf);
        let half = Z95 * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / (1.0 + z2 / nf);
        Self {
            count,
            p: round6(p),
            se: round6((p * (1.0 - p) / nf).sqrt()),
            low: round6((centre - half).max(0.0)),
            high: round6((centre + half).min(1.0)),
        }
    }
}

/// Two decimals (cents).
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Six decimals.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_the_sketch_accuracy_of_the_order_statistic() {
        let mut s = Stat::default();
        for v in 1..=1000i128 {
            s.add(v * 100);
        }
        // The 0.99 quantile of 1..=1000 is the 990th value: 990.
        let q = s.quantile(1000, 0.99).value;
        assert!((q - 990.0).abs() <= 990.0 * ALPHA * 1.01, "{q}");
        // Mean 500.5; standard error sqrt(var/n) with var = n(n+1)/12 = 83416.67 (sample).
        let (mean, se) = s.mean(1000);
        assert!((mean - 500.5).abs() < 1e-9);
        assert!((se - (83_416.666_666_7f64 / 1000.0).sqrt()).abs() < 1e-3, "{se}");
        // The worst 10 are 991..=1000: mean 995.5.
        let es = s.shortfall(1000, 0.99).value;
        assert!((es - 995.5).abs() <= 995.5 * ALPHA * 1.01, "{es}");
    }

    #[test]
    fn wilson_interval_matches_the_textbook_example() {
        // 0 of 10: Wilson upper bound z²/(n+z²) = 3.8415/13.8415 = 0.27753.
        let p = Probability::new(0, 10);
        assert_eq!(p.low, 0.0);
        assert!((p.high - 0.277_53).abs() < 1e-5, "{}", p.high);
    }

    #[test]
    fn merging_in_any_order_gives_the_same_state() {
        let values: Vec<i128> = (0..500).map(|i| (i * 7919 % 1000) * 1234).collect();
        let mut whole = Stat::default();
        values.iter().for_each(|v| whole.add(*v));
        let (mut a, mut b) = (Stat::default(), Stat::default());
        values[..123].iter().for_each(|v| a.add(*v));
        values[123..].iter().for_each(|v| b.add(*v));
        b.merge(&a);
        assert_eq!(b, whole);
    }
}

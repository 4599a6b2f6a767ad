//! Fitting the price part of a `[risk]` model from hourly price histories.
//!
//! - Returns: log-returns between consecutive observations exactly one hour apart inside the
//!   window (gaps are skipped, never interpolated).
//! - Volatility: the sample standard deviation of each token's hourly log-returns; drift is
//!   not fitted (0: over days, a drift estimate is noise).
//! - Tail: the method of moments on kurtosis. Each token's returns are standardised by their
//!   own mean and deviation and pooled; a Student-t with `ν > 4` degrees of freedom has excess
//!   kurtosis `6 / (ν - 4)`, so `ν = 4 + 6 / κ` for the pooled sample's excess kurtosis `κ > 0`
//!   (no excess kurtosis: the normal law).
//! - Correlations: Pearson's, over the hours at which both tokens have a return. If the
//!   pairwise matrix is not positive definite it is shrunk toward the identity
//!   (`ρ ← λρ`, the largest `λ` in steps of 0.05 that makes it so), and the fit says so.

use crate::model::{AssetModel, Correlation, RiskModel};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One token's history: `(unix seconds, USD price)`, any order.
pub type Series = Vec<(i64, f64)>;

/// What the fit found, besides the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// The fitted model (assets, correlations, dof, calibration text).
    pub model: RiskModel,
    /// Per token: hourly returns used, volatility, excess kurtosis.
    pub tokens: Vec<(String, usize, f64, f64)>,
    /// Excess kurtosis of the pooled standardised returns.
    pub pooled_kurtosis: f64,
    /// Shrinkage applied to the correlations (1: none).
    pub shrinkage: f64,
}

fn returns(series: &Series, from: i64, to: i64) -> BTreeMap<i64, f64> {
    let mut s: Vec<(i64, f64)> =
        series.iter().copied().filter(|(t, p)| *t >= from && *t <= to && *p > 0.0).collect();
    s.sort_by_key(|x| x.0);
    s.dedup_by_key(|x| x.0);
    s.windows(2)
        .filter(|w| w[1].0 - w[0].0 == 3600)
        .map(|w| (w[1].0, (w[1].1 / w[0].1).ln()))
        .collect()
}

fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|r| (r - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (m, v.sqrt())
}

fn kurtosis(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let m2 = x.iter().map(|r| (r - m).powi(2)).sum::<f64>() / n;
    let m4 = x.iter().map(|r| (r - m).powi(4)).sum::<f64>() / n;
    if m2 == 0.0 { 0.0 } else { m4 / (m2 * m2) - 3.0 }
}

/// Fits `series` (token id → history) over `[from, to]` (unix seconds); `window` describes the
/// window for the calibration text.
pub fn fit(
    series: &BTreeMap<String, Series>,
    from: i64,
    to: i64,
    window: &str,
    name: &str,
) -> Result<Fit, String> {
    let rets: BTreeMap<&String, BTreeMap<i64, f64>> =
        series.iter().map(|(k, s)| (k, returns(s, from, to))).collect();
    let mut tokens = Vec::new();
    let mut pooled = Vec::new();
    for (token, r) in &rets {
        let x: Vec<f64> = r.values().copied().collect();
        if x.len() < 24 {
            return Err(format!(
                "{token}: expected at least 24 hourly returns in the window, found {}",
                x.len()
            ));
        }
        let (m, sd) = mean_sd(&x);
        if sd > 0.0 {
            pooled.extend(x.iter().map(|r| (r - m) / sd));
        }
        tokens.push(((*token).clone(), x.len(), sd, kurtosis(&x)));
    }
    let pooled_kurtosis = kurtosis(&pooled);
    let dof = (pooled_kurtosis > 0.0).then(|| round(4.0 + 6.0 / pooled_kurtosis, 3));
    let ids: Vec<&String> = rets.keys().copied().collect();
    let mut rho = vec![vec![0.0; ids.len()]; ids.len()];
    for i in 0..ids.len() {
        rho[i][i] = 1.0;
        for j in 0..i {
            let (a, b) = (&rets[ids[i]], &rets[ids[j]]);
            let pairs: Vec<(f64, f64)> =
                a.iter().filter_map(|(t, x)| b.get(t).map(|y| (*x, *y))).collect();
            let r = if pairs.len() < 24 { 0.0 } else { pearson(&pairs) };
            rho[i][j] = r;
            rho[j][i] = r;
        }
    }
    let mut shrinkage = 1.0;
    while shrinkage > 0.0 {
        let shrunk: Vec<Vec<f64>> = rho
            .iter()
            .enumerate()
            .map(|(i, row)| {
                row.iter()
                    .enumerate()
                    .map(|(j, r)| if i == j { 1.0 } else { r * shrinkage })
                    .collect()
            })
            .collect();
        if crate::sample::is_positive_definite(&shrunk) {
            break;
        }
        shrinkage = round(shrinkage - 0.05, 2);
    }
    let mut correlations = Vec::new();
    for i in 0..ids.len() {
        for j in 0..i {
            let r = round(rho[i][j] * shrinkage, 4);
            if r != 0.0 {
                correlations.push(Correlation { a: ids[j].clone(), b: ids[i].clone(), rho: r });
            }
        }
    }
    let assets = tokens
        .iter()
        .map(|(t, _, sd, _)| AssetModel {
            token: t.clone(),
            hourly_vol: round(*sd, 6),
            hourly_drift: 0.0,
        })
        .collect();
    let per_token: Vec<String> = tokens
        .iter()
        .map(|(t, n, sd, k)| {
            format!("{t}: {n} returns, hourly vol {sd:.6}, excess kurtosis {k:.2}")
        })
        .collect();
    let calibration = format!(
        "faultline calibrate, window {window}: hourly log-returns between observations one hour \
         apart; vol = sample standard deviation; dof by the method of moments on the pooled \
         standardised returns' excess kurtosis {pooled_kurtosis:.3} (nu = 4 + 6/kappa{}); \
         Pearson correlations over common hours{}. {}",
        if dof.is_none() { ", none: normal" } else { "" },
        if shrinkage < 1.0 {
            format!(", shrunk by {shrinkage} to be positive definite")
        } else {
            String::new()
        },
        per_token.join("; ")
    );
    Ok(Fit {
        model: RiskModel {
            name: name.to_owned(),
            description: String::new(),
            calibration,
            keep_scenario_shocks: false,
            depeg_pct: Decimal::new(5, 0),
            dof,
            assets,
            correlations,
            events: Vec::new(),
        },
        tokens,
        pooled_kurtosis,
        shrinkage,
    })
}

fn pearson(pairs: &[(f64, f64)]) -> f64 {
    let xs: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let ((mx, sx), (my, sy)) = (mean_sd(&xs), mean_sd(&ys));
    if sx == 0.0 || sy == 0.0 {
        return 0.0;
    }
    let n = pairs.len() as f64;
    pairs.iter().map(|(x, y)| (x - mx) * (y - my)).sum::<f64>() / ((n - 1.0) * sx * sy)
}

fn round(x: f64, dp: i32) -> f64 {
    let f = 10f64.powi(dp);
    (x * f).round() / f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_with_known_returns_gives_their_deviation() {
        // Alternating +1% / -1% log-returns: sample sd = 0.01 × sqrt(n / (n - 1)), mean 0.
        let mut price = 1.0f64;
        let s: Series = (0..101)
            .map(|i| {
                if i > 0 {
                    price *= if i % 2 == 1 { 0.01f64.exp() } else { (-0.01f64).exp() };
                }
                (i64::from(i) * 3600, price)
            })
            .collect();
        let series = BTreeMap::from([("A".to_owned(), s)]);
        let fit = fit(&series, 0, 1_000_000, "test", "t").unwrap();
        let sd = 0.01 * (100.0f64 / 99.0).sqrt();
        assert!((fit.tokens[0].2 - sd).abs() < 1e-12);
        // A two-point distribution has kurtosis 1: excess -2, so the fit is normal.
        assert!((fit.tokens[0].3 + 2.0).abs() < 1e-9);
        assert_eq!(fit.model.dof, None);
    }
}

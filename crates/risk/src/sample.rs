//! One path's shocks, drawn from the model.
//!
//! Each path has its own generator: ChaCha8 seeded from the run's seed with the path's index as
//! its stream (`set_stream`), so path `i` draws the same numbers whatever thread runs it and
//! whatever shard it falls in, and every candidate of a recommendation sees the same numbers
//! (common random numbers). Draws are made in a fixed order: the events (fire, time, severity),
//! then the price path step by step.
//!
//! Prices: per step, `x = L·n × w` with `n` independent standard normals, `L` the Cholesky factor
//! of the correlation matrix and `w = sqrt((ν-2)/χ²_ν)` one draw per step shared by all assets
//! (a multivariate Student-t with unit variance; `w = 1` for the normal law); the log-return of
//! asset `i` is `μ_i·h + σ_i·sqrt(h)·x_i` for a step of `h` hours. Each step's price is applied
//! as a scenario price shock at the start of that step (the price at its end), rounded to 12
//! significant digits as an exact decimal.

use crate::model::{EventKind, RiskModel, Severity};
use faultline_orchestrator::{
    Scenario,
    scenario::{OracleAction, Shock, ShockKind},
    snapshot::Snapshot,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, ChiSquared, Distribution, LogNormal, StandardNormal};
use rust_decimal::{Decimal, prelude::FromPrimitive};

/// The model resolved against a scenario: ready to draw paths.
#[derive(Debug, Clone)]
pub struct Sampler {
    model: RiskModel,
    base: Scenario,
    steps: u64,
    /// Per asset: token, start price, drift and volatility per step.
    assets: Vec<(String, f64, f64, f64)>,
    /// Lower-triangular Cholesky factor of the correlation matrix, row-major.
    chol: Vec<Vec<f64>>,
    chi: Option<(f64, ChiSquared<f64>)>,
}

/// The generator of path `path` under `seed`.
pub fn path_rng(seed: u64, path: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(path);
    rng
}

impl Sampler {
    /// Resolves `model` over the scenario's clock and the snapshot's starting prices (the model
    /// must have passed [`RiskModel::check`]).
    pub fn new(
        model: &RiskModel,
        snapshot: &Snapshot,
        scenario: &Scenario,
    ) -> Result<Self, String> {
        let step_hours = scenario.step_secs as f64 / 3600.0;
        let assets = model
            .assets
            .iter()
            .map(|a| {
                let start = snapshot
                    .tokens
                    .iter()
                    .find(|t| t.id == a.token)
                    .map(|t| decimal_f64(t.price_usd))
                    .unwrap_or(0.0);
                (
                    a.token.clone(),
                    start,
                    a.hourly_drift * step_hours,
                    a.hourly_vol * step_hours.sqrt(),
                )
            })
            .collect::<Vec<_>>();
        let n = assets.len();
        let mut corr = vec![vec![0.0; n]; n];
        for (i, row) in corr.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        let index = |t: &str| assets.iter().position(|a| a.0 == t);
        for c in &model.correlations {
            if let (Some(i), Some(j)) = (index(&c.a), index(&c.b)) {
                corr[i][j] = c.rho;
                corr[j][i] = c.rho;
            }
        }
        let chol = cholesky(&corr).ok_or_else(|| {
            "risk.correlations: expected a positive-definite correlation matrix, found one that \
             is not (some correlations contradict each other)"
                .to_owned()
        })?;
        let chi = match model.dof {
            Some(dof) => Some((dof, ChiSquared::new(dof).map_err(|e| format!("risk.dof: {e}"))?)),
            None => None,
        };
        Ok(Self {
            model: model.clone(),
            base: scenario.clone(),
            steps: scenario.horizon_secs / scenario.step_secs,
            assets,
            chol,
            chi,
        })
    }

    /// One asset (start price 1) with hourly steps over `hours`: for models outside the
    /// cascade (a loop's collateral), read through [`Sampler::drawdowns`].
    pub fn single(hourly_vol: f64, dof: Option<f64>, hours: u64) -> Result<Self, String> {
        if !(hourly_vol >= 0.0 && hourly_vol.is_finite()) || hours == 0 {
            return Err(format!(
                "expected a finite volatility >= 0 and at least 1 hour, found {hourly_vol} over {hours}"
            ));
        }
        if let Some(d) = dof
            && !(d > 2.0 && d.is_finite())
        {
            return Err(format!("expected degrees of freedom above 2, found {d}"));
        }
        let model = RiskModel {
            name: "single asset".into(),
            description: String::new(),
            calibration: String::new(),
            keep_scenario_shocks: false,
            depeg_pct: Decimal::ONE,
            dof,
            assets: Vec::new(),
            correlations: Vec::new(),
            events: Vec::new(),
        };
        let base = Scenario {
            name: "single asset".into(),
            description: String::new(),
            snapshot: String::new(),
            step_secs: 3600,
            horizon_secs: hours * 3600,
            engine: Default::default(),
            shocks: Vec::new(),
            holders: Vec::new(),
            flows: Vec::new(),
            stablecoins: Vec::new(),
        };
        let chi = match dof {
            Some(d) => Some((d, ChiSquared::new(d).map_err(|e| e.to_string())?)),
            None => None,
        };
        Ok(Self {
            model,
            base,
            steps: hours,
            assets: vec![("collateral".into(), 1.0, 0.0, hourly_vol)],
            chol: vec![vec![1.0]],
            chi,
        })
    }

    /// The scenario of path `path`: the base scenario's clock and engine options, its shocks
    /// if the model keeps them, and the sampled shocks.
    pub fn scenario(&self, seed: u64, path: u64) -> Scenario {
        let mut rng = path_rng(seed, path);
        let mut scenario = self.base.clone();
        if !self.model.keep_scenario_shocks {
            scenario.shocks.clear();
        }
        scenario.name = format!("{} / path {path}", self.base.name);
        self.events(&mut rng, &mut scenario.shocks);
        self.prices(&mut rng, &mut scenario.shocks);
        scenario
    }

    /// The worst fall of each asset's price below its start over path `path`, as a fraction,
    /// drawn exactly as [`Sampler::scenario`] draws it (for models outside the cascade).
    pub fn drawdowns(&self, seed: u64, path: u64) -> Vec<f64> {
        let mut rng = path_rng(seed, path);
        self.events(&mut rng, &mut Vec::new());
        let mut worst = vec![0.0f64; self.assets.len()];
        self.walk(&mut rng, |i, ratio| worst[i] = worst[i].max(1.0 - ratio));
        worst
    }

    fn events(&self, rng: &mut ChaCha8Rng, shocks: &mut Vec<Shock>) {
        let step = self.base.step_secs;
        let horizon = self.base.horizon_secs;
        let mut fired: Vec<Option<u64>> = Vec::with_capacity(self.model.events.len());
        for e in &self.model.events {
            // Every draw is made whether or not the event fires, so later draws line up.
            let u: f64 = rng.random();
            let when = rng.random_range(0..self.steps.max(1)) * step;
            let severity = match &e.kind {
                EventKind::WriteDown { loss_usd: s, .. }
                | EventKind::DepthWithdrawn { fraction: s, .. } => draw(s, rng),
                _ => 0.0,
            };
            let parent = e.given.as_ref().map(|g| {
                self.model.events.iter().position(|p| &p.name == g).and_then(|i| fired[i])
            });
            let at = match parent {
                Some(None) => None,
                Some(Some(t)) => (u < e.probability).then_some(t),
                None => (u < e.probability).then_some(e.at_secs.unwrap_or(when)),
            };
            fired.push(at);
            let Some(at) = at else { continue };
            let note = format!("risk event {}", e.name);
            let ends = e.duration_secs.map(|d| at + d).filter(|end| *end < horizon);
            let mut push = |at_secs: u64, kind: ShockKind| {
                shocks.push(Shock { at_secs, note: note.clone(), kind });
            };
            match &e.kind {
                EventKind::WriteDown { backing, .. } => push(
                    at,
                    ShockKind::WriteDown {
                        backing: backing.clone(),
                        loss_usd: to_decimal(severity, 2),
                    },
                ),
                EventKind::RedemptionsFrozen { issuer } => {
                    push(at, ShockKind::Redemptions { issuer: issuer.clone(), frozen: true });
                    if let Some(end) = ends {
                        push(end, ShockKind::Redemptions { issuer: issuer.clone(), frozen: false });
                    }
                }
                EventKind::OracleFrozen { oracle } => {
                    let freeze =
                        |action| ShockKind::Oracle { oracle: oracle.clone(), action, price: None };
                    push(at, freeze(OracleAction::Freeze));
                    if let Some(end) = ends {
                        push(end, freeze(OracleAction::Unfreeze));
                    }
                }
                EventKind::DepthWithdrawn { venue, .. } => {
                    let fraction = severity.clamp(0.0, 0.99);
                    push(
                        at,
                        ShockKind::Liquidity {
                            venue: venue.clone(),
                            factor: to_decimal(1.0 - fraction, 6),
                        },
                    );
                }
            }
        }
    }

    fn prices(&self, rng: &mut ChaCha8Rng, shocks: &mut Vec<Shock>) {
        let step = self.base.step_secs;
        let mut k = 0u64;
        let assets = &self.assets;
        let mut out = Vec::with_capacity(assets.len() * self.steps as usize);
        self.walk(rng, |i, ratio| {
            let (token, start, ..) = &assets[i];
            out.push(Shock {
                at_secs: (k / assets.len() as u64) * step,
                note: String::new(),
                kind: ShockKind::Price {
                    token: token.clone(),
                    price_usd: Some(to_sf(start * ratio)),
                    change_pct: None,
                    over_secs: 0,
                },
            });
            k += 1;
        });
        shocks.extend(out);
    }

    /// Walks the price paths: calls `visit(asset, price / start)` for every step and asset, in
    /// step-major order.
    fn walk(&self, rng: &mut ChaCha8Rng, mut visit: impl FnMut(usize, f64)) {
        let n = self.assets.len();
        if n == 0 {
            return;
        }
        let mut log = vec![0.0f64; n];
        let mut z = vec![0.0f64; n];
        let mut x = vec![0.0f64; n];
        for _ in 0..self.steps {
            for zi in &mut z {
                *zi = StandardNormal.sample(rng);
            }
            let w = match &self.chi {
                Some((dof, chi)) => ((dof - 2.0) / chi.sample(rng)).sqrt(),
                None => 1.0,
            };
            for (i, xi) in x.iter_mut().enumerate() {
                *xi = self.chol[i][..=i].iter().zip(&z).map(|(l, z)| l * z).sum::<f64>() * w;
            }
            for (i, (_, _, drift, vol)) in self.assets.iter().enumerate() {
                log[i] += drift + vol * x[i];
                visit(i, log[i].exp());
            }
        }
    }
}

fn draw(s: &Severity, rng: &mut ChaCha8Rng) -> f64 {
    match *s {
        Severity::Fixed { value } => value,
        Severity::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
        Severity::Beta { alpha, beta, scale } => {
            Beta::new(alpha, beta).map_or(0.0, |b| scale * b.sample(rng))
        }
        Severity::Lognormal { median, sigma } => {
            LogNormal::new(median.ln(), sigma).map_or(median, |d| d.sample(rng))
        }
    }
}

/// Lower-triangular `L` with `L·Lᵀ = a`; `None` unless `a` is positive definite.
fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - s;
                if d <= 1e-12 {
                    return None;
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    Some(l)
}

/// Whether a symmetric matrix is positive definite (its Cholesky factor exists).
pub(crate) fn is_positive_definite(a: &[Vec<f64>]) -> bool {
    cholesky(a).is_some()
}

/// A statistic as an exact decimal with `dp` places (0 for a value `Decimal` cannot hold).
pub(crate) fn to_decimal(x: f64, dp: u32) -> Decimal {
    Decimal::from_f64(x).map_or(Decimal::ZERO, |d| d.round_dp(dp))
}

/// A price as an exact decimal with 12 significant digits.
fn to_sf(x: f64) -> Decimal {
    Decimal::from_f64(x).and_then(|d| d.round_sf(12)).unwrap_or(Decimal::ZERO)
}

/// A decimal as the nearest `f64` (statistics only).
pub(crate) fn decimal_f64(d: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::cholesky;

    #[test]
    fn cholesky_of_a_two_by_two_matches_the_hand_calculation() {
        // [[1, r], [r, 1]] = L·Lᵀ with L = [[1, 0], [r, sqrt(1 - r²)]].
        let l = cholesky(&[vec![1.0, 0.6], vec![0.6, 1.0]]).unwrap();
        assert_eq!(l[1][0], 0.6);
        assert!((l[1][1] - 0.8).abs() < 1e-15);
        assert!(cholesky(&[vec![1.0, 1.0], vec![1.0, 1.0]]).is_none());
    }
}

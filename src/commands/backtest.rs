//! `faultline backtest SCENARIO --observed FILE [--tolerance PCT] [--format F] [--out FILE]`:
//! run a scenario with its per-step series on and compare each modelled figure with an observed
//! one.
//!
//! The observed file is CSV with a header `timestamp,entity,metric,value`: Unix seconds, a
//! snapshot id (a lending market or a token), a metric the run records (`supply`, `borrow`,
//! `collateral` in whole tokens, `utilisation` as a fraction, `price` in USD, `bad_debt` and
//! `realised_bad_debt` in USD), and the figure. A figure is compared where the run has a step
//! ending at exactly that time. The error is `(model - observed) / |observed|` in percent (0 if
//! both are 0, 100% if only the observation is). For each entity and metric the command prints
//! the error at the last compared time, the mean absolute and the largest error, and exits 1
//! when any largest error is above the tolerance (so are the end and mean errors, which cannot
//! exceed it). Observed metrics the run does not record are listed as not compared.

use crate::{
    commands::stress,
    files,
    render::{self, Format},
    series_files,
};
use clap::Args;
use eyre::Result;
use faultline_orchestrator::{Engine, Quiet, report::SeriesPoint};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `faultline backtest`.
#[derive(Debug, Args)]
pub(crate) struct BacktestArgs {
    /// The scenario (TOML).
    scenario: PathBuf,
    /// The observed series (CSV: timestamp,entity,metric,value).
    #[arg(long)]
    observed: PathBuf,
    /// The largest error allowed, in percent.
    #[arg(long, default_value = "5")]
    tolerance: Decimal,
    /// Output format; a table on a terminal, Markdown otherwise.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// A backtest's outcome: what was compared, each comparison, and what could not be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Backtest {
    /// The scenario's name.
    pub(crate) scenario: String,
    /// The observed file, as given.
    pub(crate) observed: String,
    /// The largest error allowed, percent.
    pub(crate) tolerance_pct: Decimal,
    /// Whether every comparison is within the tolerance.
    pub(crate) within: bool,
    /// Each (entity, metric) compared.
    pub(crate) comparisons: Vec<Comparison>,
    /// Observed (entity, metric) pairs not compared: not recorded by the run, or no step at
    /// their times.
    pub(crate) not_compared: Vec<(String, String)>,
}

/// The comparison of one entity's metric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Comparison {
    pub(crate) entity: String,
    pub(crate) metric: String,
    /// Times compared.
    pub(crate) points: usize,
    /// Error at the last compared time, percent.
    pub(crate) end_pct: Decimal,
    /// Mean absolute error, percent.
    pub(crate) mean_abs_pct: Decimal,
    /// Largest absolute error, percent, and when.
    pub(crate) max_abs_pct: Decimal,
    /// When the largest error was.
    pub(crate) max_at: u64,
    /// Whether the largest error is within the tolerance.
    pub(crate) within: bool,
}

/// `(model - observed) / |observed|` in percent.
fn error_pct(model: Decimal, observed: Decimal) -> Decimal {
    if observed.is_zero() {
        return if model.is_zero() { Decimal::ZERO } else { Decimal::ONE_HUNDRED };
    }
    (model - observed) / observed.abs() * Decimal::ONE_HUNDRED
}

/// Compares `series` with `observed` ((entity, metric) -> time -> value); the second list is
/// the observed (entity, metric) pairs the run does not record.
pub(crate) fn compare(
    series: &[SeriesPoint],
    observed: &BTreeMap<(String, String), BTreeMap<u64, Decimal>>,
    tolerance: Decimal,
) -> (Vec<Comparison>, Vec<(String, String)>) {
    let mut model: BTreeMap<(&str, &str), BTreeMap<u64, Decimal>> = BTreeMap::new();
    for p in series {
        model.entry((&p.entity, &p.metric)).or_default().insert(p.timestamp, p.value);
    }
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for ((entity, metric), values) in observed {
        let Some(modelled) = model.get(&(entity.as_str(), metric.as_str())) else {
            missing.push((entity.clone(), metric.clone()));
            continue;
        };
        let errors: Vec<(u64, Decimal)> = values
            .iter()
            .filter_map(|(t, obs)| modelled.get(t).map(|m| (*t, error_pct(*m, *obs))))
            .collect();
        let Some(&(_, end)) = errors.last() else {
            missing.push((entity.clone(), metric.clone()));
            continue;
        };
        let sum: Decimal = errors.iter().map(|(_, e)| e.abs()).sum();
        let (max_at, max) = errors
            .iter()
            .map(|(t, e)| (*t, e.abs()))
            .fold((0, Decimal::ZERO), |best, x| if x.1 > best.1 { x } else { best });
        out.push(Comparison {
            entity: entity.clone(),
            metric: metric.clone(),
            points: errors.len(),
            end_pct: end.round_dp(2),
            mean_abs_pct: (sum / Decimal::from(errors.len())).round_dp(2),
            max_abs_pct: max.round_dp(2),
            max_at,
            within: max.round_dp(2) <= tolerance,
        });
    }
    (out, missing)
}

impl BacktestArgs {
    pub(crate) fn run(self) -> Result<ExitCode> {
        let mut loaded = stress::load(Some(&self.scenario))?;
        loaded.scenario.engine.series = true;
        let report = Engine::new(&loaded.snapshot, &loaded.scenario)?.run(&mut Quiet)?;
        let mut observed: BTreeMap<(String, String), BTreeMap<u64, Decimal>> = BTreeMap::new();
        for (line, row) in series_files::rows::<series_files::Observed>(&self.observed)? {
            let value = series_files::decimal(&self.observed, line, "value", &row.value)?;
            observed.entry((row.entity, row.metric)).or_default().insert(row.timestamp, value);
        }
        let (comparisons, not_compared) = compare(&report.series, &observed, self.tolerance);
        if comparisons.is_empty() {
            eyre::bail!(
                "{}: no observed figure falls on a step of the run (ids and step times must match)",
                self.observed.display()
            );
        }
        let backtest = Backtest {
            scenario: report.scenario,
            observed: self.observed.display().to_string(),
            tolerance_pct: self.tolerance,
            within: comparisons.iter().all(|c| c.within),
            comparisons,
            not_compared,
        };
        let format = self.format.unwrap_or_else(|| Format::default_for(self.out.as_deref()));
        let text = match format {
            Format::Json => format!("{}\n", serde_json::to_string_pretty(&backtest)?),
            _ => render::backtest(&backtest, format),
        };
        files::emit(self.out.as_deref(), &text)?;
        Ok(if backtest.within { ExitCode::SUCCESS } else { ExitCode::from(1) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(t: u64, value: i64) -> SeriesPoint {
        SeriesPoint {
            step: 0,
            timestamp: t,
            entity: "m".into(),
            metric: "borrow".into(),
            value: Decimal::from(value),
        }
    }

    #[test]
    fn errors_are_relative_to_the_observation_and_summarised() {
        // Model 110, 90, 100 against 100, 100, 100: errors +10%, -10%, 0%.
        let series = [point(1, 110), point(2, 90), point(3, 100)];
        let mut observed = BTreeMap::new();
        observed.insert(
            ("m".to_owned(), "borrow".to_owned()),
            [
                (1, Decimal::ONE_HUNDRED),
                (2, Decimal::ONE_HUNDRED),
                (3, Decimal::ONE_HUNDRED),
                (9, Decimal::ONE),
            ]
            .into_iter()
            .collect(),
        );
        observed.insert(("m".to_owned(), "price".to_owned()), BTreeMap::from([(1, Decimal::ONE)]));
        let (c, missing) = compare(&series, &observed, Decimal::TEN);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].points, 3, "time 9 has no step and is not compared");
        assert_eq!(c[0].end_pct, Decimal::ZERO);
        assert_eq!(c[0].mean_abs_pct, Decimal::new(667, 2), "(10 + 10 + 0) / 3");
        assert_eq!((c[0].max_abs_pct, c[0].max_at), (Decimal::TEN, 1));
        assert!(c[0].within, "a largest error of 10% is within a 10% tolerance");
        let (c, _) = compare(&series, &observed, Decimal::new(999, 2));
        assert!(!c[0].within, "but not within 9.99%");
        assert_eq!(missing, [("m".to_owned(), "price".to_owned())]);
    }

    #[test]
    fn a_zero_observation_counts_a_nonzero_model_as_fully_wrong() {
        assert_eq!(error_pct(Decimal::ONE, Decimal::ZERO), Decimal::ONE_HUNDRED);
        assert_eq!(error_pct(Decimal::ZERO, Decimal::ZERO), Decimal::ZERO);
    }
}

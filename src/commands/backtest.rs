//! `faultline backtest SCENARIO --observed FILE [--tolerance PCT]`: run a scenario with its
//! per-step series on and compare each modelled figure with an observed one.
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

use crate::{commands::stress, series_files};
use clap::Args;
use eyre::Result;
use faultline_orchestrator::{Engine, Quiet, report::SeriesPoint};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt::Write as _;
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
}

/// The comparison of one entity's metric.
#[derive(Debug, Clone, PartialEq, Eq)]
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
        let (comparisons, missing) = compare(&report.series, &observed);
        if comparisons.is_empty() {
            eyre::bail!(
                "{}: no observed figure falls on a step of the run (ids and step times must match)",
                self.observed.display()
            );
        }
        let mut out = String::new();
        writeln!(
            out,
            "Backtest of {} against {} (tolerance {}%)",
            report.scenario,
            self.observed.display(),
            self.tolerance
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "| entity | metric | points | error at end | mean abs error | largest error (at) | within |"
        )?;
        writeln!(out, "|---|---|---:|---:|---:|---:|---|")?;
        let mut failed = false;
        for c in &comparisons {
            let ok = c.max_abs_pct <= self.tolerance;
            failed |= !ok;
            writeln!(
                out,
                "| {} | {} | {} | {}% | {}% | {}% ({}) | {} |",
                c.entity,
                c.metric,
                c.points,
                c.end_pct,
                c.mean_abs_pct,
                c.max_abs_pct,
                c.max_at,
                if ok { "yes" } else { "NO" }
            )?;
        }
        if !missing.is_empty() {
            writeln!(out)?;
            let list: Vec<String> = missing.iter().map(|(e, m)| format!("{e} {m}")).collect();
            writeln!(
                out,
                "Not compared (not recorded by the run, or no step at their times): {}",
                list.join(", ")
            )?;
        }
        crate::files::emit(None, &out)?;
        Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
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
        let (c, missing) = compare(&series, &observed);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].points, 3, "time 9 has no step and is not compared");
        assert_eq!(c[0].end_pct, Decimal::ZERO);
        assert_eq!(c[0].mean_abs_pct, Decimal::new(667, 2), "(10 + 10 + 0) / 3");
        assert_eq!((c[0].max_abs_pct, c[0].max_at), (Decimal::TEN, 1));
        assert_eq!(missing, [("m".to_owned(), "price".to_owned())]);
    }

    #[test]
    fn a_zero_observation_counts_a_nonzero_model_as_fully_wrong() {
        assert_eq!(error_pct(Decimal::ONE, Decimal::ZERO), Decimal::ONE_HUNDRED);
        assert_eq!(error_pct(Decimal::ZERO, Decimal::ZERO), Decimal::ZERO);
    }
}

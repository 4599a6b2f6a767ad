//! A Monte Carlo run: paths in parallel, each a full cascade over one prepared world, added
//! into a mergeable [`State`]; shards of the path range and their merge.
//!
//! Each path is an [`Engine::probe`] over a copy of the world built once ([`Prepared`]): the
//! lean log the breakpoint search uses (events keep kinds, figures and causes; no contagion
//! texts). Path `i`'s draws depend only on `(seed, i)` ([`crate::sample::path_rng`]) and states
//! add exactly, so the result does not depend on the thread count or on how the range is cut.

use crate::aggregate::{State, Summary};
use crate::error::{Error, Result};
use crate::model::RiskModel;
use crate::outcome;
use crate::sample::Sampler;
use faultline_orchestrator::{Engine, Prepared, Quiet, Scenario, Snapshot};
use rayon::prelude::*;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// The risk report format's version; bumped on every incompatible change.
pub const RISK_SCHEMA_VERSION: u32 = 1;

/// Which part of the paths a run makes: shard `index` of `count` (0-based) runs paths
/// `[index·N/count, (index+1)·N/count)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, 0-based.
    pub index: u64,
    /// How many shards.
    pub count: u64,
}

impl Shard {
    /// The whole run.
    pub const WHOLE: Self = Self { index: 0, count: 1 };

    /// This shard's paths of `paths`.
    pub fn range(self, paths: u64) -> (u64, u64) {
        let cut = |k: u64| (u128::from(paths) * u128::from(k) / u128::from(self.count)) as u64;
        (cut(self.index), cut(self.index + 1))
    }
}

/// How a run is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Paths of the whole run.
    pub paths: u64,
    /// The seed.
    pub seed: u64,
    /// The part of the paths this run makes.
    pub shard: Shard,
}

/// Progress of a run, for a caller that shows it (called from worker threads).
pub trait PathProgress: Sync {
    /// `done` of `total` paths finished.
    fn paths(&self, done: u64, total: u64);
}

/// No progress reporting.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl PathProgress for NoProgress {
    fn paths(&self, _: u64, _: u64) {}
}

/// A run's output: what was run, its mergeable state and its summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RiskReport {
    /// Must equal [`RISK_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The scenario's name (its snapshot and clock were used).
    pub scenario: String,
    /// The snapshot's name.
    pub snapshot: String,
    /// Steps per path.
    pub steps: u64,
    /// Step length, seconds.
    pub step_secs: u64,
    /// The model.
    pub model: RiskModel,
    /// The seed.
    pub seed: u64,
    /// Paths of the whole run.
    pub paths: u64,
    /// The paths this output covers: `[start, end)`.
    pub range: [u64; 2],
    /// The sketch's relative accuracy (quantiles are within it of the order statistic).
    pub quantile_accuracy: f64,
    /// The mergeable state.
    pub state: State,
    /// Figures computed from `state`.
    pub summary: Summary,
}

/// A snapshot and scenario prepared once for many paths.
#[derive(Debug)]
pub struct Runner<'a> {
    snapshot: &'a Snapshot,
    prepared: Prepared,
    sampler: Sampler,
    model: RiskModel,
    scenario: Scenario,
    start: BTreeMap<String, Decimal>,
}

impl<'a> Runner<'a> {
    /// Validates the snapshot, the scenario and the model, and builds the world once.
    pub fn new(snapshot: &'a Snapshot, scenario: &Scenario, model: &RiskModel) -> Result<Self> {
        let problems = scenario.check(snapshot);
        if !problems.is_empty() {
            return Err(faultline_orchestrator::Error::Scenario(problems).into());
        }
        let problems = model.check(snapshot, scenario);
        if !problems.is_empty() {
            return Err(Error::Model(problems));
        }
        let prepared = Prepared::new(snapshot)?;
        let sampler = Sampler::new(model, snapshot, scenario).map_err(|message| {
            Error::Model(vec![faultline_orchestrator::snapshot::Problem {
                path: "risk.correlations".into(),
                message,
            }])
        })?;
        let start = snapshot.tokens.iter().map(|t| (t.id.clone(), t.price_usd)).collect();
        Ok(Self {
            snapshot,
            prepared,
            sampler,
            model: model.clone(),
            scenario: scenario.clone(),
            start,
        })
    }

    /// Runs path `path` and reads its outcome.
    pub fn path(&self, seed: u64, path: u64) -> Result<outcome::PathOutcome> {
        let scenario = self.sampler.scenario(seed, path);
        let report = Engine::probe(self.snapshot, &scenario, &self.prepared)
            .and_then(|e| e.run(&mut Quiet))
            .map_err(|source| Error::Path { path, source })?;
        Ok(outcome::read(&report, &self.start, self.model.depeg_pct))
    }

    /// Runs `options`' paths in parallel into one state.
    pub fn state(&self, options: &Options, progress: &dyn PathProgress) -> Result<State> {
        let (start, end) = options.shard.range(options.paths);
        let done = AtomicU64::new(0);
        let total = end - start;
        (start..end)
            .into_par_iter()
            .try_fold(State::default, |mut state, i| {
                state.add(&self.path(options.seed, i)?);
                progress.paths(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                Ok::<_, Error>(state)
            })
            .try_reduce(State::default, |a, b| Ok(a.merge(b)))
    }

    /// Runs `options`' paths and reports.
    pub fn run(&self, options: &Options, progress: &dyn PathProgress) -> Result<RiskReport> {
        check_options(options)?;
        let state = self.state(options, progress)?;
        let (start, end) = options.shard.range(options.paths);
        Ok(self.report(options, [start, end], state))
    }

    fn report(&self, options: &Options, range: [u64; 2], state: State) -> RiskReport {
        RiskReport {
            schema_version: RISK_SCHEMA_VERSION,
            scenario: self.scenario.name.clone(),
            snapshot: self.snapshot.name.clone(),
            steps: self.scenario.horizon_secs / self.scenario.step_secs,
            step_secs: self.scenario.step_secs,
            model: self.model.clone(),
            seed: options.seed,
            paths: options.paths,
            range,
            quantile_accuracy: crate::stats::ALPHA,
            summary: state.summary(),
            state,
        }
    }
}

fn check_options(options: &Options) -> Result<()> {
    if options.paths == 0 {
        return Err(Error::Invalid {
            field: "paths".into(),
            expected: "at least 1".into(),
            found: "0".into(),
        });
    }
    let Shard { index, count } = options.shard;
    if count == 0 || index >= count || count > options.paths {
        return Err(Error::Invalid {
            field: "shard".into(),
            expected: format!("K/M with 1 <= K <= M <= paths ({})", options.paths),
            found: format!("{}/{count}", index + 1),
        });
    }
    Ok(())
}

/// Combines shard outputs of one run (same scenario, snapshot, model, seed and paths) whose
/// ranges are adjacent; the result equals the output of one run over their union.
pub fn merge(mut reports: Vec<RiskReport>) -> Result<RiskReport> {
    reports.sort_by_key(|r| r.range);
    let mut iter = reports.into_iter();
    let Some(mut merged) = iter.next() else {
        return Err(Error::Merge("no shard outputs given".into()));
    };
    for r in iter {
        let same = r.schema_version == merged.schema_version
            && r.scenario == merged.scenario
            && r.snapshot == merged.snapshot
            && r.steps == merged.steps
            && r.step_secs == merged.step_secs
            && r.model == merged.model
            && r.seed == merged.seed
            && r.paths == merged.paths;
        if !same {
            return Err(Error::Merge(format!(
                "paths {:?} are from a different run (scenario, snapshot, model, seed or path \
                 count differ) than paths {:?}",
                r.range, merged.range
            )));
        }
        if r.range[0] != merged.range[1] {
            return Err(Error::Merge(format!(
                "expected paths starting at {}, found paths {:?} (a shard is missing or \
                 given twice)",
                merged.range[1], r.range
            )));
        }
        merged.range[1] = r.range[1];
        merged.state = merged.state.merge(r.state);
    }
    merged.summary = merged.state.summary();
    Ok(merged)
}

/// The JSON Schema of the risk report format, generated from the types.
pub fn risk_schema() -> serde_json::Value {
    schemars::schema_for!(RiskReport).to_value()
}

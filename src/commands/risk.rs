//! `faultline risk SCENARIO --paths N --seed S [--shard K/M]`: Monte Carlo over the cascade;
//! `faultline risk merge SHARD.json...`: combine shard outputs into the unsharded result.

use crate::{
    commands::stress::load,
    files,
    render::{self, Format},
};
use clap::{Args, Subcommand};
use eyre::{Result, WrapErr, bail, eyre};
use faultline_risk::{Options, PathProgress, RiskModel, RiskReport, Runner, Shard};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

/// Arguments of `faultline risk`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct RiskArgs {
    /// `merge`: combine shard outputs.
    #[command(subcommand)]
    merge: Option<RiskCommand>,
    #[command(flatten)]
    run: RunArgs,
}

/// The subcommand of `faultline risk`.
#[derive(Debug, Subcommand)]
enum RiskCommand {
    /// Combine the JSON outputs of `faultline risk --shard K/M` (any order) into the output of
    /// the unsharded run, byte for byte.
    Merge(MergeArgs),
}

/// Arguments of `faultline risk merge`.
#[derive(Debug, Args)]
struct MergeArgs {
    /// Shard outputs (JSON).
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// Output format; a table on a terminal, Markdown otherwise (JSON to merge again).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the result to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Arguments of a run.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The scenario (TOML): its snapshot, clock and engine options (its shocks only with the
    /// model's `keep_scenario_shocks`).
    #[arg(required = true)]
    scenario: Option<PathBuf>,
    /// The `[risk]` model (TOML). Default: the scenario's sibling `<name>.risk.toml`.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Paths of the whole run.
    #[arg(long, default_value_t = 10_000)]
    paths: u64,
    /// The seed; path `i` draws from (seed, i) alone.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Run only shard K of M (1-based), e.g. `2/4`; merge the JSON outputs with `risk merge`.
    #[arg(long)]
    shard: Option<String>,
    /// Output format; a table on a terminal, Markdown otherwise.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the result to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Shows paths done, rate and ETA on standard error (indicatif hides itself off a terminal).
pub(crate) struct Bar(pub(crate) ProgressBar);

impl Bar {
    pub(crate) fn new(what: &str, total: u64) -> Result<Self> {
        let bar = ProgressBar::new(total).with_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} paths, {per_sec}, ETA {eta}",
            )
            .map_err(|e| eyre!("progress template: {e}"))?,
        );
        bar.set_message(what.to_owned());
        Ok(Self(bar))
    }
}

impl PathProgress for Bar {
    fn paths(&self, _: u64, _: u64) {
        self.0.inc(1);
    }
}

/// `1/4` as shard 0 of 4.
pub(crate) fn parse_shard(text: &str) -> Result<Shard> {
    let bad = || eyre!("--shard: expected K/M with 1 <= K <= M (e.g. 2/4), found {text:?}");
    let (k, m) = text.split_once('/').ok_or_else(bad)?;
    let (k, m): (u64, u64) =
        (k.trim().parse().map_err(|_| bad())?, m.trim().parse().map_err(|_| bad())?);
    if k == 0 || k > m {
        return Err(bad());
    }
    Ok(Shard { index: k - 1, count: m })
}

/// The model at `model`, or the scenario's sibling `<name>.risk.toml`.
pub(crate) fn read_model(scenario: &Path, model: Option<&Path>) -> Result<RiskModel> {
    let path = match model {
        Some(p) => p.to_path_buf(),
        None => {
            let stem = scenario.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
            scenario.with_file_name(format!("{stem}.risk.toml"))
        }
    };
    let text = files::read(&path).wrap_err_with(|| {
        if model.is_none() {
            format!("no --model given, so the default {} was read", path.display())
        } else {
            String::new()
        }
    })?;
    RiskModel::from_toml(&text)
        .map_err(|p| eyre!("{} is not a valid risk model: {p}", path.display()))
}

fn emit(report: &RiskReport, format: Option<Format>, out: Option<&Path>) -> Result<()> {
    let format = format.unwrap_or_else(|| Format::default_for(out));
    let text = render::risk(report, format)?;
    if text.is_empty() {
        bail!("the report rendered empty");
    }
    files::emit(out, &text)
}

impl RiskArgs {
    pub(crate) fn run(self) -> Result<()> {
        match self.merge {
            Some(RiskCommand::Merge(args)) => args.run(),
            None => self.run.run(),
        }
    }
}

impl MergeArgs {
    fn run(self) -> Result<()> {
        let mut reports = Vec::new();
        for path in &self.shards {
            let text = files::read(path)?;
            let report: RiskReport = serde_json::from_str(&text)
                .wrap_err_with(|| format!("{} is not a risk report (JSON)", path.display()))?;
            reports.push(report);
        }
        let merged = faultline_risk::merge(reports)?;
        emit(&merged, self.format, self.out.as_deref())
    }
}

impl RunArgs {
    fn run(self) -> Result<()> {
        let scenario_path = self.scenario.as_deref().ok_or_else(|| eyre!("no scenario given"))?;
        let loaded = load(Some(scenario_path))?;
        let model = read_model(scenario_path, self.model.as_deref())?;
        let shard = self.shard.as_deref().map(parse_shard).transpose()?.unwrap_or(Shard::WHOLE);
        let options = Options { paths: self.paths, seed: self.seed, shard };
        let runner = Runner::new(&loaded.snapshot, &loaded.scenario, &model)?;
        let (start, end) = shard.range(self.paths);
        let bar = Bar::new("risk", end.saturating_sub(start))?;
        let report = runner.run(&options, &bar)?;
        bar.0.finish_and_clear();
        emit(&report, self.format, self.out.as_deref())
    }
}

//! `faultline recommend`: the frontier of one parameter against a risk limit, and the largest
//! value within it, searched with common random numbers across the candidate values.
//!
//! - `faultline recommend SCENARIO --param lltv:<market> --values 0.77,0.86 --measure
//!   p-loss-above:1000000 --limit 0.01` (also `aave-ltv:<market>/<token>`,
//!   `aave-lt:<market>/<token>`, `cap:<vault>/<market>`), over the scenario's `[risk]` model;
//! - `faultline recommend --loop DESIGN.toml --param leverage --values 2,3,4 --hourly-vol 0.01
//!   --measure p-insolvent --limit 0.01`: a looped vault's leverage through the loop check.

use crate::{
    commands::{
        risk::{Bar, read_model},
        stress::load,
    },
    files,
    render::{self, Format},
};
use clap::Args;
use eyre::{Result, bail, eyre};
use faultline_orchestrator::loop_check::from_toml;
use faultline_risk::recommend::{LoopPrices, Measure, Parameter, loop_frontier, snapshot_frontier};
use rust_decimal::Decimal;
use std::path::PathBuf;

/// Arguments of `faultline recommend`.
#[derive(Debug, Args)]
pub(crate) struct RecommendArgs {
    /// The scenario (TOML) whose snapshot and `[risk]` model are used (not with --loop).
    #[arg(required_unless_present = "loop_design", conflicts_with = "loop_design")]
    scenario: Option<PathBuf>,
    /// The `[risk]` model (TOML). Default: the scenario's sibling `<name>.risk.toml`.
    #[arg(long)]
    model: Option<PathBuf>,
    /// A looped vault design (TOML, as for `faultline loop`) whose leverage is searched.
    #[arg(long = "loop")]
    loop_design: Option<PathBuf>,
    /// The parameter: `lltv:<market>`, `aave-ltv:<market>/<token>` (bps),
    /// `aave-lt:<market>/<token>` (bps), `cap:<vault>/<market>` (raw units), or `leverage` (with
    /// --loop).
    #[arg(long)]
    param: String,
    /// Candidate values, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    values: Vec<Decimal>,
    /// The entity measured (default: the parameter's market or vault).
    #[arg(long)]
    entity: Option<String>,
    /// The measure: `p-loss-above:<usd>`, `p-insolvent`, `p-liquidated` (a loop), `es99`,
    /// `var99`, `mean-loss`.
    #[arg(long)]
    measure: String,
    /// The limit the measure must stay within (a probability, or USD).
    #[arg(long)]
    limit: f64,
    /// Paths per candidate (the same paths for each).
    #[arg(long, default_value_t = 2_000)]
    paths: u64,
    /// The seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A loop's collateral: standard deviation of the hourly log-return.
    #[arg(long, default_value_t = 0.01)]
    hourly_vol: f64,
    /// A loop's collateral: Student-t degrees of freedom (omit: normal).
    #[arg(long)]
    dof: Option<f64>,
    /// A loop's horizon, hours (the depeg is the worst fall over it).
    #[arg(long, default_value_t = 96)]
    hours: u64,
    /// Output format; a table on a terminal, Markdown otherwise.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn parameter(spec: &str) -> Result<(Parameter, String)> {
    let bad = || {
        eyre!(
            "--param: expected lltv:<market>, aave-ltv:<market>/<token>, aave-lt:<market>/<token>, \
             cap:<vault>/<market> or leverage, found {spec:?}"
        )
    };
    let (kind, rest) = spec.split_once(':').ok_or_else(bad)?;
    let pair = || rest.split_once('/').map(|(a, b)| (a.to_owned(), b.to_owned())).ok_or_else(bad);
    Ok(match kind {
        "lltv" => (Parameter::MorphoLltv { market: rest.into() }, rest.into()),
        "aave-ltv" => {
            let (market, reserve) = pair()?;
            (Parameter::AaveLtv { market: market.clone(), reserve }, market)
        }
        "aave-lt" => {
            let (market, reserve) = pair()?;
            (Parameter::AaveLiquidationThreshold { market: market.clone(), reserve }, market)
        }
        "cap" => {
            let (vault, market) = pair()?;
            (Parameter::VaultCap { vault: vault.clone(), market }, vault)
        }
        _ => return Err(bad()),
    })
}

impl RecommendArgs {
    pub(crate) fn run(self) -> Result<()> {
        let measure = Measure::parse(&self.measure)?;
        if self.paths == 0 {
            bail!("--paths: expected at least 1, found 0");
        }
        let frontier = match &self.loop_design {
            Some(path) => {
                if self.param != "leverage" {
                    bail!("--param: with --loop expected leverage, found {:?}", self.param);
                }
                let name = path.display().to_string();
                let design = from_toml(&files::read(path)?)
                    .map_err(|p| eyre!("{name} is not a valid vault design:\n  {name}: {p}"))?;
                let prices =
                    LoopPrices { hourly_vol: self.hourly_vol, dof: self.dof, hours: self.hours };
                loop_frontier(
                    &design,
                    prices,
                    &self.values,
                    measure,
                    self.limit,
                    self.paths,
                    self.seed,
                )
                .map_err(|e| eyre!("{name}: {e}"))?
            }
            None => {
                let scenario =
                    self.scenario.as_deref().ok_or_else(|| eyre!("no scenario given"))?;
                let loaded = load(Some(scenario))?;
                let model = read_model(scenario, self.model.as_deref())?;
                let (param, owner) = parameter(&self.param)?;
                let entity = self.entity.clone().unwrap_or(owner);
                let bar = Bar::new("recommend", self.paths * self.values.len() as u64)?;
                let f = snapshot_frontier(
                    &loaded.snapshot,
                    &loaded.scenario,
                    &model,
                    &param,
                    &self.values,
                    &entity,
                    measure,
                    self.limit,
                    self.paths,
                    self.seed,
                    &bar,
                )?;
                bar.0.finish_and_clear();
                f
            }
        };
        let format = self.format.unwrap_or_else(|| Format::default_for(self.out.as_deref()));
        files::emit(self.out.as_deref(), &render::frontier(&frontier, format)?)
    }
}

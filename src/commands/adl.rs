//! `faultline adl`: the Hyperliquid ADL of 2025-10-10 run on short populations drawn from
//! documented distributions, with who it closes set beside the published per-coin figures.

use crate::{
    files,
    render::{self, Format},
};
use clap::{Args, ValueEnum};
use eyre::{Result, WrapErr};
use faultline_perps::{
    adl::AdlPolicy,
    adl_study::{Study, run},
};
use std::path::PathBuf;

/// The bundled inputs, compiled in: `(name, text)` of the parameters and the two per-coin files.
const BUNDLED: [(&str, &str); 3] = [
    (
        "fixtures/hyperliquid/adl-2025-10-10-populations.json",
        include_str!("../../fixtures/hyperliquid/adl-2025-10-10-populations.json"),
    ),
    (
        "fixtures/hyperliquid/adl-2025-10-10-by-coin.csv",
        include_str!("../../fixtures/hyperliquid/adl-2025-10-10-by-coin.csv"),
    ),
    (
        "fixtures/hyperliquid/adl-2025-10-10-net-volume.csv",
        include_str!("../../fixtures/hyperliquid/adl-2025-10-10-net-volume.csv"),
    ),
];

/// The ranking ADL closes accounts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Policy {
    /// Hyperliquid's published rule: (mark / entry) * (notional / account value), highest first.
    HyperliquidRank,
    /// Binance's: PnL% * margin ratio.
    BinanceRank,
    /// Every account on the other side by the same fraction.
    ProRata,
    /// Minimax leverage by water-filling.
    LeverageDraining,
}

impl From<Policy> for AdlPolicy {
    fn from(p: Policy) -> Self {
        match p {
            Policy::HyperliquidRank => Self::HyperliquidRank,
            Policy::BinanceRank => Self::BinanceRank,
            Policy::ProRata => Self::ProRata,
            Policy::LeverageDraining => Self::LeverageDraining,
        }
    }
}

/// Arguments of `faultline adl`.
#[derive(Debug, Args)]
pub(crate) struct AdlArgs {
    /// The study's parameters (the format of
    /// fixtures/hyperliquid/adl-2025-10-10-populations.json); its per-coin files are read from
    /// the same directory. The bundled study without one.
    params: Option<PathBuf>,
    /// The ranking that picks whom ADL closes.
    #[arg(long, value_enum, default_value = "hyperliquid-rank")]
    policy: Policy,
    /// Output format; a table on a terminal, Markdown otherwise.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

impl AdlArgs {
    pub(crate) fn run(self) -> Result<()> {
        let inputs: Vec<(String, String)> = match &self.params {
            None => BUNDLED.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect(),
            Some(path) => {
                let dir = path.parent().unwrap_or_else(|| std::path::Path::new("."));
                let mut files = vec![(path.display().to_string(), files::read(path)?)];
                for name in ["adl-2025-10-10-by-coin.csv", "adl-2025-10-10-net-volume.csv"] {
                    let p = dir.join(name);
                    files.push((p.display().to_string(), files::read(&p)?));
                }
                files
            }
        };
        let pair = |i: usize| (inputs[i].0.as_str(), inputs[i].1.as_str());
        let study =
            Study::parse(pair(0), pair(1), pair(2)).wrap_err("reading the ADL study's inputs")?;
        let report = run(&study, self.policy.into()).wrap_err("running the ADL study")?;
        let format = self.format.unwrap_or_else(|| Format::default_for(self.out.as_deref()));
        let text = match format {
            Format::Json => faultline_orchestrator::json::to_json(&report)?,
            _ => render::adl(&report, format),
        };
        files::emit(self.out.as_deref(), &text)
    }
}

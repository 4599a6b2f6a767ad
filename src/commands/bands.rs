//! `faultline bands --snapshot S --asset A`: liquidation bands of one asset across every lending
//! market of a snapshot.

use crate::{
    files::{self, BUNDLED_SNAPSHOT},
    render::{self, Format},
};
use clap::Args;
use eyre::Result;
use faultline_orchestrator::{
    Snapshot,
    bands::{BandsOptions, OracleMode, bands},
};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};

/// Arguments of `faultline bands`.
#[derive(Debug, Args)]
pub(crate) struct BandsArgs {
    /// The snapshot (JSON); the bundled Stream/Elixir snapshot without one.
    #[arg(long)]
    snapshot: Option<PathBuf>,
    /// The collateral asset (a token id of the snapshot).
    #[arg(long)]
    asset: String,
    /// Number of price levels, the current price included.
    #[arg(long, default_value_t = 11)]
    grid: usize,
    /// The deepest fall of the asset's price, percent (up to two decimals).
    #[arg(long, default_value = "50", allow_hyphen_values = true)]
    max_fall: String,
    /// Move every oracle with the price, hardcoded and exchange-rate ones included.
    #[arg(long)]
    oracle_follows_market: bool,
    /// Output format; a table on a terminal, Markdown otherwise.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// A snapshot file (or the bundled one), read and validated; problems name the file.
pub(crate) fn load_snapshot(path: Option<&Path>) -> Result<Snapshot> {
    let (name, text) = match path {
        None => (BUNDLED_SNAPSHOT.0.to_owned(), BUNDLED_SNAPSHOT.1.to_owned()),
        Some(path) => (path.display().to_string(), files::read(path)?),
    };
    Snapshot::from_json(&text).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(|p| format!("  {name}: {p}")).collect();
        eyre::eyre!("{name} is not a valid snapshot:\n{}", list.join("\n"))
    })
}

/// A decimal flag, or an error naming it.
pub(crate) fn decimal(flag: &str, text: &str) -> Result<Decimal> {
    Decimal::from_str_exact(text.trim())
        .map_err(|_| eyre::eyre!("{flag}: expected a decimal number, found {text:?}"))
}

impl BandsArgs {
    pub(crate) fn run(self) -> Result<()> {
        let max_fall = decimal("--max-fall", &self.max_fall)?;
        let bps = max_fall * Decimal::ONE_HUNDRED;
        if max_fall.is_sign_negative() || max_fall > Decimal::ONE_HUNDRED || !bps.fract().is_zero()
        {
            eyre::bail!(
                "--max-fall: expected a percentage from 0 to 100 with at most two decimals, found {}",
                self.max_fall
            );
        }
        let options = BandsOptions {
            levels: self.grid,
            max_fall_bps: u32::try_from(bps.trunc().mantissa()).unwrap_or(u32::MAX),
            oracle: if self.oracle_follows_market {
                OracleMode::FollowsMarket
            } else {
                OracleMode::AsConfigured
            },
        };
        let snapshot = load_snapshot(self.snapshot.as_deref())?;
        let report = bands(&snapshot, &self.asset, &options)?;
        let format = self.format.unwrap_or_else(|| Format::default_for(self.out.as_deref()));
        let text = match format {
            Format::Json => faultline_orchestrator::json::to_json(&report)?,
            Format::Html => render::html::bands(&report),
            _ => render::bands(&report, format),
        };
        files::emit(self.out.as_deref(), &text)
    }
}

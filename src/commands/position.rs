//! `faultline position`: one position's health, liquidation prices and largest liquidation now,
//! from a snapshot (`--market M --account 0x..`) or from flags (`--protocol morpho-blue|aave-v3`).

use crate::{
    commands::bands::{decimal, load_snapshot},
    files,
    render::{self, Format},
};
use clap::{Args, ValueEnum};
use eyre::{Result, bail};
use faultline_orchestrator::position::{
    AaveInput, AaveVersion, MorphoInput, aave, from_snapshot, morpho,
};
use rust_decimal::Decimal;
use std::path::PathBuf;

/// The bundled Aave v3 Ethereum Core reserves.
const BUNDLED_AAVE: (&str, &str) = (
    "fixtures/aave-v3/ethereum-core-block-22840005.json",
    include_str!("../../fixtures/aave-v3/ethereum-core-block-22840005.json"),
);

/// A protocol for a position given by flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Protocol {
    /// Morpho Blue: one collateral, one loan token.
    MorphoBlue,
    /// Aave v3 on the Ethereum Core reserves.
    AaveV3,
}

/// The Aave version whose rounding to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Version {
    /// v3.3.
    #[value(name = "3.3")]
    V3_3,
    /// v3.4.
    #[value(name = "3.4")]
    V3_4,
    /// v3.5 and v3.6.
    #[value(name = "3.5")]
    V3_5,
}

/// Arguments of `faultline position`.
#[derive(Debug, Args)]
pub(crate) struct PositionArgs {
    /// A snapshot (JSON) to read the position from; the bundled one when `--market` is given
    /// without it.
    #[arg(long)]
    snapshot: Option<PathBuf>,
    /// The lending market (a market id of the snapshot).
    #[arg(long)]
    market: Option<String>,
    /// The account (0x address) whose position to read.
    #[arg(long)]
    account: Option<String>,
    /// The protocol of a position given by flags.
    #[arg(long, value_enum)]
    protocol: Option<Protocol>,
    /// Morpho: liquidation LTV, a fraction (0.915).
    #[arg(long, allow_hyphen_values = true)]
    lltv: Option<String>,
    /// Collateral: Morpho, whole tokens (1000); Aave, SYMBOL=AMOUNT, repeatable (WETH=10).
    #[arg(long, allow_hyphen_values = true)]
    collateral: Vec<String>,
    /// Morpho: the oracle price of one collateral token in loan tokens.
    #[arg(long, allow_hyphen_values = true)]
    collateral_price: Option<String>,
    /// Debt: Morpho, whole loan tokens (800); Aave, SYMBOL=AMOUNT, repeatable (USDC=20000).
    #[arg(long, allow_hyphen_values = true)]
    debt: Vec<String>,
    /// Morpho: loan token decimals.
    #[arg(long, default_value_t = 18)]
    loan_decimals: u8,
    /// Morpho: collateral token decimals.
    #[arg(long, default_value_t = 18)]
    collateral_decimals: u8,
    /// Aave: an oracle price override, SYMBOL=USD, repeatable.
    #[arg(long, allow_hyphen_values = true)]
    price: Vec<String>,
    /// Aave: eMode category (0 for none).
    #[arg(long, default_value_t = 0)]
    e_mode: u8,
    /// Aave: the version whose rounding to follow.
    #[arg(long, value_enum, default_value = "3.5")]
    aave_version: Version,
    /// Aave: the market's reserves (fixtures/aave-v3 format); the bundled Ethereum Core ones
    /// without it.
    #[arg(long)]
    aave_market: Option<PathBuf>,
    /// Output format; a table on a terminal, Markdown otherwise.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `SYMBOL=AMOUNT` pairs of a repeatable flag.
fn pairs(flag: &str, values: &[String]) -> Result<Vec<(String, Decimal)>> {
    values
        .iter()
        .map(|v| {
            let (symbol, amount) = v
                .split_once('=')
                .ok_or_else(|| eyre::eyre!("{flag}: expected SYMBOL=AMOUNT, found {v:?}"))?;
            Ok((symbol.trim().to_owned(), decimal(&format!("{flag} {symbol}"), amount)?))
        })
        .collect()
}

fn one(flag: &str, values: &[String]) -> Result<Decimal> {
    match values {
        [v] => decimal(flag, v),
        [] => bail!("{flag}: required for --protocol morpho-blue"),
        _ => bail!("{flag}: expected one amount for Morpho Blue, found {}", values.len()),
    }
}

fn required(flag: &str, value: Option<&str>) -> Result<Decimal> {
    decimal(flag, value.ok_or_else(|| eyre::eyre!("{flag}: required for --protocol morpho-blue"))?)
}

impl PositionArgs {
    pub(crate) fn run(self) -> Result<()> {
        let report = match (&self.market, self.protocol) {
            (Some(_), Some(_)) => {
                bail!("give either --market (a snapshot position) or --protocol (flags), not both")
            }
            (Some(market), None) => {
                let account = self
                    .account
                    .as_deref()
                    .ok_or_else(|| eyre::eyre!("--account: required with --market"))?;
                let account = account.parse().map_err(|_| {
                    eyre::eyre!(
                        "--account: expected a 0x-prefixed 20-byte address, found {account:?}"
                    )
                })?;
                let snapshot = load_snapshot(self.snapshot.as_deref())?;
                from_snapshot(&snapshot, market, account)?
            }
            (None, Some(Protocol::MorphoBlue)) => morpho(&MorphoInput {
                lltv: required("--lltv", self.lltv.as_deref())?,
                collateral: one("--collateral", &self.collateral)?,
                collateral_price: required("--collateral-price", self.collateral_price.as_deref())?,
                debt: one("--debt", &self.debt)?,
                loan_decimals: self.loan_decimals,
                collateral_decimals: self.collateral_decimals,
            })?,
            (None, Some(Protocol::AaveV3)) => {
                let text = match &self.aave_market {
                    Some(path) => files::read(path)?,
                    None => BUNDLED_AAVE.1.to_owned(),
                };
                let input = AaveInput {
                    collateral: pairs("--collateral", &self.collateral)?,
                    debt: pairs("--debt", &self.debt)?,
                    prices: pairs("--price", &self.price)?,
                    e_mode: self.e_mode,
                    version: match self.aave_version {
                        Version::V3_3 => AaveVersion::V3_3,
                        Version::V3_4 => AaveVersion::V3_4,
                        Version::V3_5 => AaveVersion::V3_5,
                    },
                };
                let name = self
                    .aave_market
                    .as_ref()
                    .map_or_else(|| BUNDLED_AAVE.0.to_owned(), |p| p.display().to_string());
                aave(&text, &input).map_err(|e| eyre::eyre!("{name}: {e}"))?
            }
            (None, None) => bail!(
                "give --market M --account 0x.. (a snapshot position) or --protocol morpho-blue|aave-v3 (flags)"
            ),
        };
        let format = self.format.unwrap_or_else(|| Format::default_for(self.out.as_deref()));
        let text = match format {
            Format::Json => faultline_orchestrator::json::to_json(&report)?,
            _ => render::position(&report, format),
        };
        files::emit(self.out.as_deref(), &text)
    }
}

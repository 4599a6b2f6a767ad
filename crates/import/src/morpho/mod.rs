//! The Morpho API export (the layout of `morpho-xusd-deusd/`: `markets.csv`,
//! `oracle_configs.csv`, `plume_oracles.csv`, `borrower_positions.csv`,
//! `plume_borrower_positions.csv`, `vaults.csv`, `vault_allocations.csv`,
//! `asset_prices_hourly.csv` and `<chain>_market_history_hourly.csv`) as a [`Snapshot`], a
//! price path and an observed series.
//!
//! Ids: a token is `SYMBOL:chain` (`USDC:ethereum`), a market `morpho-<chain>-<id prefix>`, its
//! oracle `oracle-<chain>-<id prefix>`, a vault `vault-<chain>-<address prefix>`.
//!
//! With [`Options::at`], the snapshot is placed at an earlier hour: markets with an hourly
//! history get that hour's totals and their positions scaled pro rata (labelled synthetic: the
//! export has no per-position history); tokens take that hour's price where the export has one;
//! markets without a history keep the export's state, labelled as such.

mod history;
mod markets;
mod oracles;
mod positions;
mod rows;
mod vaults;

use crate::error::{ImportError, Place, Warning, Warnings};
use faultline_orchestrator::{
    scenario::PricePoint,
    snapshot::{Confidence, SCHEMA_VERSION, Snapshot, Source, SourceKind},
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The files every Morpho export must have.
pub const REQUIRED: [&str; 3] = ["markets.csv", "oracle_configs.csv", "borrower_positions.csv"];
/// The files read when present.
pub const OPTIONAL: [&str; 5] = [
    "plume_oracles.csv",
    "plume_borrower_positions.csv",
    "vaults.csv",
    "vault_allocations.csv",
    "asset_prices_hourly.csv",
];
/// The suffix of an hourly market history's file name; the prefix names its chain.
pub const HISTORY_SUFFIX: &str = "_market_history_hourly.csv";

/// Where the export comes from, written into every source reference.
const ORIGIN: &str = "Morpho API export (github 290-byte/morpho-risk-case-study @ f4fbbfd, data/)";

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The snapshot's name; a default names the export.
    pub name: Option<String>,
    /// Place the snapshot at this Unix time (an hour of the histories) instead of the export's
    /// own state time.
    pub at: Option<u64>,
    /// With `at`: leave out the markets that have no hourly history (their state is the
    /// export's, after `at`), and the vaults left with no market.
    pub history_only: bool,
}

/// One observed figure: `metric` of `entity` at `timestamp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// Unix time, seconds.
    pub timestamp: u64,
    /// A snapshot id (a market or a token).
    pub entity: String,
    /// `supply`, `borrow`, `collateral` (whole tokens), `utilisation` (a fraction) or `price`
    /// (USD).
    pub metric: String,
    /// The figure.
    pub value: Decimal,
}

/// What an import made.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The snapshot (valid: `faultline_orchestrator::snapshot::validate` finds nothing).
    pub snapshot: Snapshot,
    /// The hourly USD price of every snapshot token the export prices, by token id.
    pub price_path: Vec<PricePoint>,
    /// The hourly market histories and prices, as observed figures by snapshot id.
    pub observed: Vec<Observation>,
    /// Everything read but interpreted.
    pub warnings: Vec<Warning>,
}

/// Imports an export given as its files' contents by file name (`markets.csv`, ...).
pub fn import(
    files: &BTreeMap<String, String>,
    options: &Options,
) -> Result<Imported, ImportError> {
    let file = |name: &str| -> Result<&str, ImportError> {
        files.get(name).map(String::as_str).ok_or_else(|| ImportError {
            place: Place::file(name),
            message: "expected this file in the export, found none".into(),
        })
    };
    let mut warnings = Warnings::default();
    let mut markets = markets::read(file("markets.csv")?, &mut warnings)?;
    let oracle_rows = oracles::read(
        file("oracle_configs.csv")?,
        files.get("plume_oracles.csv").map(String::as_str),
        &markets,
        &mut warnings,
    )?;
    positions::read_assets(file("borrower_positions.csv")?, &mut markets, &mut warnings)?;
    if let Some(text) = files.get("plume_borrower_positions.csv") {
        positions::read_shares(text, &mut markets, &mut warnings)?;
    }
    let mut vault_list = match files.get("vaults.csv") {
        Some(text) => vaults::read(text, &mut markets, &mut warnings)?,
        None => Vec::new(),
    };
    if let Some(text) = files.get("vault_allocations.csv") {
        vaults::cross_check(text, &mut vault_list, &markets, &mut warnings)?;
    }
    let prices = match files.get("asset_prices_hourly.csv") {
        Some(text) => history::prices(text, &mut markets, &mut warnings)?,
        None => BTreeMap::new(),
    };
    let mut histories = BTreeMap::new();
    for (name, text) in files {
        if let Some(chain) = name.strip_suffix(HISTORY_SUFFIX) {
            let (market, rows) =
                history::market_history(name, chain, text, &markets, &mut warnings)?;
            histories.insert(market, (name.clone(), rows));
        }
    }
    if let Some(at) = options.at {
        history::rewind(at, &mut markets, &mut vault_list, &histories, &prices, &mut warnings)?;
        if options.history_only {
            for m in markets.iter().filter(|m| !histories.contains_key(&m.id)) {
                warnings.at(
                    "markets.csv",
                    m.line,
                    "market_id",
                    format!("{} has no hourly history: left out (history only)", m.id),
                );
            }
            markets.retain(|m| histories.contains_key(&m.id));
            vaults::keep_markets(&mut vault_list, &markets);
        }
    }
    let observed = history::observed(&markets, &histories, &prices)?;
    let price_path = history::price_path(&markets, &prices);

    let timestamp =
        options.at.unwrap_or_else(|| markets.iter().map(|m| m.state_timestamp).max().unwrap_or(0));
    let (mut tokens, lending_markets, mut oracles_out) = markets::to_specs(&markets, &oracle_rows)?;
    floor_zero_prices(&mut tokens, &mut oracles_out, &mut warnings);
    let description = format!(
        "Imported by `faultline import morpho-export` from the {ORIGIN}: {} markets, {} \
         positions, {} MetaMorpho vaults.{}",
        lending_markets.len(),
        markets.iter().map(|m| m.positions.len()).sum::<usize>(),
        vault_list.len(),
        match options.at {
            Some(at) => format!(
                " Placed at Unix {at}: markets with an hourly history take that hour's totals and \
                 their positions are scaled pro rata (synthetic); the others keep the export's \
                 state (see each market's source)."
            ),
            None => String::new(),
        }
    );
    let snapshot = Snapshot {
        schema_version: SCHEMA_VERSION,
        name: options.name.clone().unwrap_or_else(|| "Morpho export (xUSD/deUSD markets)".into()),
        description,
        timestamp,
        block: None,
        tokens,
        oracles: oracles_out,
        venues: Vec::new(),
        lending_markets,
        issuers: Vec::new(),
        holders: Vec::new(),
        perp_venues: Vec::new(),
        books: Vec::new(),
        vaults: vaults::to_specs(&vault_list, &markets)?,
    };
    Ok(Imported { snapshot, price_path, observed, warnings: warnings.0 })
}

/// The export prices some collapsed tokens (and the oracles reading them) at exactly 0, which no
/// run can value against (a percentage change from 0, NAV per unit); faultline's smallest price,
/// [`limits::MIN_PRICE_USD`] (1e-12 USD), stands in for them, each with a warning naming it.
fn floor_zero_prices(
    tokens: &mut [faultline_orchestrator::snapshot::TokenSpec],
    oracles: &mut [faultline_orchestrator::snapshot::OracleSpec],
    warnings: &mut Warnings,
) {
    use faultline_core::limits;
    for token in tokens.iter_mut().filter(|t| t.price_usd.is_zero()) {
        warnings.file(
            "markets.csv",
            format!(
                "token {} priced 0; taken as {} USD, the smallest price faultline accepts",
                token.id,
                limits::MIN_PRICE_USD
            ),
        );
        token.price_usd = limits::MIN_PRICE_USD;
    }
    for oracle in oracles.iter_mut().filter(|o| o.price.is_zero()) {
        warnings.file(
            "markets.csv",
            format!(
                "oracle {} answers 0; taken as {}, the smallest price faultline accepts",
                oracle.id,
                limits::MIN_PRICE_USD
            ),
        );
        oracle.price = limits::MIN_PRICE_USD;
    }
}

/// A source naming a file and line of the export.
pub(crate) fn source(kind: SourceKind, confidence: Confidence, reference: String) -> Source {
    Source { kind, reference: format!("{reference}; {ORIGIN}"), confidence }
}

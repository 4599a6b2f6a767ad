//! The CSV files of time series: a scenario's price paths (`timestamp,symbol,price`) and a
//! backtest's observed series (`timestamp,entity,metric,value`). Every error names the file,
//! line and column.

use crate::files;
use eyre::{Result, eyre};
use faultline_orchestrator::{
    Scenario,
    scenario::{PricePoint, ShockKind},
};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::path::Path;
use std::str::FromStr;

/// One observed figure of a backtest's observed file.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Observed {
    /// Unix time, seconds.
    pub(crate) timestamp: u64,
    /// A snapshot id (a lending market or a token).
    pub(crate) entity: String,
    /// The metric (`supply`, `borrow`, `collateral`, `utilisation`, `price`, `bad_debt`, ...).
    pub(crate) metric: String,
    /// The figure, as text (read exactly).
    pub(crate) value: String,
}

#[derive(Debug, Deserialize)]
struct PriceRow {
    timestamp: u64,
    symbol: String,
    price: String,
}

/// A decimal, plain or scientific, or an error naming where it was.
pub(crate) fn decimal(file: &Path, line: u64, column: &str, text: &str) -> Result<Decimal> {
    Decimal::from_str(text.trim()).or_else(|_| Decimal::from_scientific(text.trim())).map_err(
        |_| {
            eyre!(
                "{} line {line} column {column}: expected a number, found {text:?}",
                file.display()
            )
        },
    )
}

/// Every row of a CSV file with a header, each with its line.
pub(crate) fn rows<T: DeserializeOwned>(path: &Path) -> Result<Vec<(u64, T)>> {
    let text = files::read(path)?;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| eyre!("{}: cannot read the header: {e}", path.display()))?
        .clone();
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut record).map_err(|e| eyre!("{}: {e}", path.display()))?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, csv::Position::line);
        let row = record.deserialize::<T>(Some(&headers)).map_err(|e| {
            let column = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err
                    .field()
                    .and_then(|i| headers.get(usize::try_from(i).unwrap_or(usize::MAX)))
                    .map(|c| format!(" column {c}"))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            eyre!("{} line {line}{column}: {e}", path.display())
        })?;
        out.push((line, row));
    }
    Ok(out)
}

/// Loads every `price_path` shock's CSV (relative to `dir`, the scenario's directory) into its
/// points, sorted by token then time.
pub(crate) fn load_price_paths(scenario: &mut Scenario, dir: &Path) -> Result<()> {
    for shock in &mut scenario.shocks {
        if let ShockKind::PricePath { csv, points, .. } = &mut shock.kind {
            let path = dir.join(&*csv);
            let mut loaded = Vec::new();
            for (line, row) in rows::<PriceRow>(&path)? {
                let price_usd = decimal(&path, line, "price", &row.price)?;
                loaded.push(PricePoint { timestamp: row.timestamp, token: row.symbol, price_usd });
            }
            loaded.sort_by(|a, b| a.token.cmp(&b.token).then(a.timestamp.cmp(&b.timestamp)));
            *points = loaded;
        }
    }
    Ok(())
}

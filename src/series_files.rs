//! The CSV files of time series: a scenario's price paths (`timestamp,symbol,price`) and flow
//! series (`at_secs` or `timestamp`, `entity,token,venue,amount`), and a backtest's observed
//! series (`timestamp,entity,metric,value`). Lines starting with `#` are comments (a file says
//! where its data comes from, or that it is synthetic). Every error names the file, line and
//! column.

use crate::files;
use eyre::{Result, eyre};
use faultline_orchestrator::{
    Scenario,
    scenario::{FlowRow, PricePoint, ShockKind},
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

/// One row of a flow series' CSV: exactly one of the two times (checked with the scenario).
#[derive(Debug, Deserialize)]
struct FlowCsvRow {
    #[serde(default)]
    at_secs: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    entity: String,
    token: String,
    venue: String,
    amount: String,
}

/// A whole number of seconds, or an error naming where it was; an empty cell is none.
fn seconds(file: &Path, line: u64, column: &str, text: Option<&str>) -> Result<Option<u64>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    text.parse().map(Some).map_err(|_| {
        eyre!(
            "{} line {line} column {column}: expected whole seconds (0 or more), found {text:?}",
            file.display()
        )
    })
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
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).from_reader(text.as_bytes());
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

/// Loads every flow series' CSV (relative to `dir`, the scenario's directory) into its rows, in
/// file order, each with its line; a flow with both a `csv` and inline `rows` is refused.
pub(crate) fn load_flows(scenario: &mut Scenario, scenario_file: &str, dir: &Path) -> Result<()> {
    for (i, flow) in scenario.flows.iter_mut().enumerate() {
        let Some(csv) = &flow.csv else { continue };
        if !flow.rows.is_empty() {
            return Err(eyre!(
                "{scenario_file}: flows[{i}] ({}): expected rows in csv or inline, not both",
                flow.id
            ));
        }
        let path = dir.join(csv);
        let mut loaded = Vec::new();
        for (line, row) in rows::<FlowCsvRow>(&path)? {
            loaded.push(FlowRow {
                at_secs: seconds(&path, line, "at_secs", row.at_secs.as_deref())?,
                timestamp: seconds(&path, line, "timestamp", row.timestamp.as_deref())?,
                entity: row.entity,
                token: row.token,
                venue: row.venue,
                amount: decimal(&path, line, "amount", &row.amount)?,
                line: Some(line),
            });
        }
        flow.rows = loaded;
    }
    Ok(())
}

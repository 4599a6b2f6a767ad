//! Flows as series: ETF net flows, treasury purchases and sales, stablecoin supply changes, each
//! a dated, signed amount bought (positive) or sold (negative) into a venue.
//!
//! ```toml
//! [[flows]]
//! id = "btc-etf-net"
//! note = "SYNTHETIC spot BTC ETF net flows"
//! csv = "ten-ten-flows.csv"    # relative to the scenario file: at_secs|timestamp,entity,token,venue,amount
//!
//! [[flows]]
//! id = "treasury-buys"
//! rows = [
//!   { at_secs = 0, entity = "treasury-co", token = "WBTC", venue = "wbtc-usdc-book", amount = "50" },
//! ]
//! ```
//!
//! Each row has exactly one time, `at_secs` (seconds from the snapshot) or `timestamp` (Unix
//! seconds, at or after the snapshot's), and applies at the start of the step containing it,
//! after that step's shocks: a positive `amount` (whole tokens of `token`, the venue's base) is
//! bought out of `venue`, a negative one sold into it; a zero row does nothing. Rows of one flow
//! are in time order and within the horizon. The scenario's reader loads a `csv` into `rows`
//! (keeping each row's line for errors); the orchestrator reads no files.
//!
//! A flow of `kind = "stablecoin_supply"` changes a stablecoin's supply instead of trading: its
//! rows name a token declared in `[[stablecoins]]`, leave `venue` empty, and give the whole
//! tokens minted (positive) or redeemed (negative), e.g. a CSV of daily supply changes (see
//! [`super::stablecoins`]).

use super::Scenario;
use crate::snapshot::{Problem, Snapshot};
use faultline_core::limits;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One series of flows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// Unique id among the scenario's flows, named by its events.
    pub id: String,
    /// What the rows do: trade in a venue (the default) or change a stablecoin's supply.
    #[serde(default, skip_serializing_if = "FlowKind::is_trade")]
    pub kind: FlowKind,
    /// What the series is and where it comes from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// A CSV file of rows, relative to the scenario file (instead of inline `rows`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csv: Option<String>,
    /// The rows, inline or as loaded from `csv`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<FlowRow>,
}

/// What a flow's rows do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    /// Buy (positive) out of or sell (negative) into the row's venue.
    #[default]
    Trade,
    /// Mint (positive) or redeem (negative) a declared stablecoin; no venue.
    StablecoinSupply,
}

impl FlowKind {
    /// The default kind (left out when written).
    pub const fn is_trade(&self) -> bool {
        matches!(self, Self::Trade)
    }
}

/// One dated flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowRow {
    /// When, seconds from the snapshot (or give `timestamp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_secs: Option<u64>,
    /// When, Unix seconds (or give `at_secs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<u64>,
    /// Who trades: a label for reports ("US spot BTC ETFs", "treasury-co").
    pub entity: String,
    /// The token traded (a token id of the snapshot, the venue's base).
    pub token: String,
    /// The venue it trades in (empty for a stablecoin-supply row).
    #[serde(default)]
    pub venue: String,
    /// Whole tokens: positive bought, negative sold.
    pub amount: Decimal,
    /// The row's line in `csv`, when read from one (for messages; not part of the format).
    #[serde(skip)]
    pub line: Option<u64>,
}

impl FlowRow {
    /// Seconds from a snapshot taken at Unix time `start`: `at_secs`, or `timestamp - start`
    /// (`None` for a timestamp before the snapshot, or a row with neither).
    pub const fn offset(&self, start: u64) -> Option<u64> {
        match (self.at_secs, self.timestamp) {
            (Some(at), _) => Some(at),
            (None, Some(t)) => t.checked_sub(start),
            (None, None) => None,
        }
    }
}

impl Flow {
    /// Where row `j`'s `field` is, for a message: `flows[0].rows[3].amount` inline,
    /// `flows[0] (etf.csv line 5 column amount)` from a file.
    pub fn row_path(&self, i: usize, j: usize, field: &str) -> String {
        match (&self.csv, self.rows.get(j).and_then(|r| r.line)) {
            (Some(csv), Some(line)) => format!("flows[{i}] ({csv} line {line} column {field})"),
            _ => format!("flows[{i}].rows[{j}].{field}"),
        }
    }

    /// Where row `j` is, for an event or error: `row 3` inline, `etf.csv line 5` from a file.
    pub fn row_place(&self, j: usize) -> String {
        match (&self.csv, self.rows.get(j).and_then(|r| r.line)) {
            (Some(csv), Some(line)) => format!("{csv} line {line}"),
            _ => format!("row {j}"),
        }
    }
}

/// Every problem with the scenario's flows over `snapshot`, each with its path (file and line
/// for rows read from a CSV).
pub(super) fn check(scenario: &Scenario, snapshot: &Snapshot) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut push = |path: String, message: String| problems.push(Problem { path, message });
    let mut ids = BTreeSet::new();
    for (i, flow) in scenario.flows.iter().enumerate() {
        if flow.id.is_empty() {
            push(format!("flows[{i}].id"), "expected an id, found an empty string".into());
        } else if !ids.insert(flow.id.as_str()) {
            push(
                format!("flows[{i}].id"),
                format!("expected a unique id, found {:?} again", flow.id),
            );
        }
        if flow.rows.is_empty() {
            let found = match &flow.csv {
                Some(csv) => format!("none (read from {csv:?})"),
                None => "none".into(),
            };
            push(
                format!("flows[{i}].rows"),
                format!("expected rows, inline or in a csv, found {found}"),
            );
        }
        let mut last: Option<(usize, u64)> = None;
        for (j, row) in flow.rows.iter().enumerate() {
            let at = |field: &str| flow.row_path(i, j, field);
            if !snapshot.tokens.iter().any(|t| t.id == row.token) {
                push(
                    at("token"),
                    format!("expected a token of the snapshot, found {:?}", row.token),
                );
            }
            match snapshot.venues.iter().find(|v| v.id == row.venue) {
                _ if flow.kind == FlowKind::StablecoinSupply => {
                    if !scenario.stablecoins.iter().any(|c| c.token == row.token) {
                        push(
                            at("token"),
                            format!(
                                "expected a stablecoin declared in [[stablecoins]], found {:?}",
                                row.token
                            ),
                        );
                    }
                    if !row.venue.is_empty() {
                        push(
                            at("venue"),
                            format!(
                                "expected no venue for a stablecoin-supply row, found {:?}",
                                row.venue
                            ),
                        );
                    }
                }
                None => push(
                    at("venue"),
                    format!("expected a venue of the snapshot, found {:?}", row.venue),
                ),
                Some(v) if v.base != row.token => push(
                    at("venue"),
                    format!(
                        "expected a venue trading {}, found {:?} trading {}",
                        row.token, row.venue, v.base
                    ),
                ),
                Some(_) => {}
            }
            if !row.amount.is_zero()
                && let Err(expected) = limits::amount(row.amount.abs())
            {
                push(
                    at("amount"),
                    format!("expected 0 or {expected} in size (signed), found {}", row.amount),
                );
            }
            let (field, time) = match (row.at_secs, row.timestamp) {
                (Some(_), Some(_)) | (None, None) => {
                    push(at("at_secs"), "expected exactly one of at_secs and timestamp".into());
                    continue;
                }
                (Some(at_secs), None) => ("at_secs", at_secs),
                (None, Some(timestamp)) => ("timestamp", timestamp),
            };
            let Some(offset) = row.offset(snapshot.timestamp) else {
                push(
                    at(field),
                    format!(
                        "expected a time at or after the snapshot's ({}), found {time}",
                        snapshot.timestamp
                    ),
                );
                continue;
            };
            if offset >= scenario.horizon_secs {
                let end = match field {
                    "timestamp" => format!(
                        "before {} (snapshot + horizon_secs)",
                        snapshot.timestamp.saturating_add(scenario.horizon_secs)
                    ),
                    _ => format!("below horizon_secs ({})", scenario.horizon_secs),
                };
                push(at(field), format!("expected a time within the horizon, {end}, found {time}"));
            }
            if let Some((k, before)) = last
                && offset < before
            {
                push(
                    at(field),
                    format!(
                        "expected rows in time order, found t = {offset} s after t = {before} s \
                         ({})",
                        flow.row_place(k)
                    ),
                );
            }
            last = Some((j, offset));
        }
    }
    problems
}

//! Hyperliquid's margin tables, from the JSON transcribed in `fixtures/hyperliquid/`.

use crate::{Decimal, Error, Result, margin::MarginSchedule};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct File {
    tables: Vec<TableJson>,
    assets: BTreeMap<String, u32>,
}

#[derive(Deserialize)]
struct TableJson {
    id: u32,
    tiers: Vec<TierJson>,
}

#[derive(Deserialize)]
struct TierJson {
    lower_bound_usd: u64,
    max_leverage: u32,
}

/// Margin tables by id, and which table each asset uses.
#[derive(Debug, Clone)]
pub struct MarginTables {
    /// Schedules by table id.
    pub tables: BTreeMap<u32, MarginSchedule>,
    /// Table id by asset symbol.
    pub assets: BTreeMap<String, u32>,
}

impl MarginTables {
    /// Parses the margin-tables JSON; every table must be valid and every asset must name one.
    pub fn from_json(text: &str) -> Result<Self> {
        let file: File = serde_json::from_str(text).map_err(|e| Error::Table(e.to_string()))?;
        let mut tables = BTreeMap::new();
        for table in file.tables {
            let tiers: Vec<(Decimal, u32)> = table
                .tiers
                .iter()
                .map(|t| (Decimal::from(t.lower_bound_usd), t.max_leverage))
                .collect();
            let schedule = MarginSchedule::hyperliquid(&tiers)
                .map_err(|e| Error::Table(format!("table {}: {e}", table.id)))?;
            tables.insert(table.id, schedule);
        }
        for (asset, id) in &file.assets {
            if !tables.contains_key(id) {
                return Err(Error::Table(format!(
                    "assets.{asset}: expected one of the table ids, found {id}"
                )));
            }
        }
        Ok(Self { tables, assets: file.assets })
    }

    /// The schedule an asset trades under. Hyperliquid's ids below 50 are single-tier tables
    /// whose max leverage is the id itself.
    pub fn for_asset(&self, asset: &str) -> Option<MarginSchedule> {
        let id = *self.assets.get(asset)?;
        self.schedule(id)
    }

    /// The schedule of a table id.
    pub fn schedule(&self, id: u32) -> Option<MarginSchedule> {
        match self.tables.get(&id) {
            Some(schedule) => Some(schedule.clone()),
            None if (1..50).contains(&id) => {
                MarginSchedule::hyperliquid(&[(Decimal::ZERO, id)]).ok()
            }
            None => None,
        }
    }
}

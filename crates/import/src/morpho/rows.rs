//! The rows of the Morpho API export's files, as the export names its columns. Every figure is
//! read as text and parsed by [`crate::fields`], so a float where an integer belongs is a
//! warning, not a failure of the whole row.

use serde::Deserialize;

/// `markets.csv`: one row per market.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MarketRow {
    pub(crate) market_id: String,
    pub(crate) chain: String,
    pub(crate) chain_id: String,
    pub(crate) collateral_symbol: String,
    pub(crate) collateral_address: String,
    pub(crate) collateral_decimals: String,
    pub(crate) collateral_price_usd: String,
    pub(crate) loan_symbol: String,
    pub(crate) loan_address: String,
    pub(crate) loan_decimals: String,
    pub(crate) loan_price_usd: String,
    pub(crate) lltv: String,
    pub(crate) irm_address: String,
    pub(crate) oracle_type: String,
    pub(crate) oracle_address: String,
    pub(crate) supply_assets: String,
    pub(crate) borrow_assets: String,
    pub(crate) collateral_assets: String,
    pub(crate) supply_shares: String,
    pub(crate) borrow_shares: String,
    pub(crate) utilization: String,
    pub(crate) borrow_apy: String,
    pub(crate) fee: String,
    pub(crate) oracle_price_raw: String,
    pub(crate) state_timestamp: String,
    pub(crate) state_block_number: String,
}

/// `oracle_configs.csv`: each market's `ChainlinkOracleV2` configuration.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OracleRow {
    pub(crate) market_unique_key: String,
    pub(crate) lltv_raw: String,
    pub(crate) oracle_address: String,
    pub(crate) oracle_mechanism: String,
    pub(crate) base_feed_one: String,
    pub(crate) base_feed_two: String,
    pub(crate) base_oracle_vault: String,
    pub(crate) quote_feed_one: String,
    pub(crate) quote_feed_two: String,
    pub(crate) quote_oracle_vault: String,
    pub(crate) scale_factor: String,
    pub(crate) base_vault_conversion_sample: String,
    pub(crate) quote_vault_conversion_sample: String,
}

/// `plume_oracles.csv`: oracle configurations read separately on Plume (and one on Ethereum),
/// named by a label rather than a market id; cross-checked against `oracle_configs.csv`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PlumeOracleRow {
    pub(crate) market: String,
    pub(crate) oracle_address: String,
    pub(crate) lltv: String,
    pub(crate) base_feed_one: String,
    pub(crate) base_oracle_vault: String,
    pub(crate) quote_feed_one: String,
    pub(crate) scale_factor: String,
}

/// `borrower_positions.csv`: positions in raw assets (no shares).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PositionRow {
    pub(crate) user_address: String,
    pub(crate) market_unique_key: String,
    pub(crate) collateral_raw: String,
    pub(crate) borrow_assets_raw: String,
    pub(crate) supply_assets_raw: String,
}

/// `plume_borrower_positions.csv`: positions with shares.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PlumePositionRow {
    pub(crate) user_address: String,
    pub(crate) market_unique_key: String,
    pub(crate) supply_shares: String,
    pub(crate) borrow_shares: String,
    pub(crate) borrow_assets: String,
    pub(crate) collateral: String,
}

/// `vaults.csv`: one row per (MetaMorpho vault, market it lists).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct VaultRow {
    pub(crate) vault_name: String,
    pub(crate) vault_address: String,
    pub(crate) factory_address: String,
    pub(crate) deposit_asset_symbol: String,
    pub(crate) chain_id: String,
    pub(crate) market_id: String,
    pub(crate) supply_assets: String,
    pub(crate) supply_shares: String,
    pub(crate) supply_cap: String,
    pub(crate) supply_queue_index: String,
    pub(crate) withdraw_queue_index: String,
    pub(crate) vault_total_assets: String,
    pub(crate) vault_total_supply_shares: String,
    pub(crate) vault_fee: String,
    pub(crate) state_timestamp: String,
}

/// `vault_allocations.csv`: every market each vault allocates to, toxic or not (USD floats).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AllocationRow {
    pub(crate) vault_address: String,
    pub(crate) market_unique_key: String,
    pub(crate) supply_assets_usd: String,
    pub(crate) is_toxic_market: String,
}

/// `asset_prices_hourly.csv`: hourly USD prices by symbol and chain.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PriceRow {
    pub(crate) symbol: String,
    pub(crate) chain_id: String,
    pub(crate) timestamp: String,
    pub(crate) price_usd: String,
}

/// `<chain>_market_history_hourly.csv`: one market's totals by the hour.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct HistoryRow {
    pub(crate) timestamp: String,
    pub(crate) supply_assets: String,
    pub(crate) borrow_assets: String,
    pub(crate) collateral_assets: String,
}

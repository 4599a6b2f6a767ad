//! Loads the MetaMorpho vaults and their allocations from the Morpho API exports in
//! `fixtures/morpho-xusd-deusd/` (`vaults.csv`, `vault_allocations.csv`), validated against the
//! markets of `markets.csv` ([`load_markets`](crate::morpho::load_markets)).
//!
//! Pure: takes the CSV text. Every bad field gives an [`Error::InvalidParameter`] whose field
//! reads `<file> line <n>, column <name>` (the file's own line number, the header being line 1)
//! and whose `found` is the text as written. What is checked:
//!
//! - `vaults.csv` (one row per vault and market it is or was exposed to): raw amounts
//!   (`supply_assets`, `supply_shares`, `supply_cap`, the vault totals) are exact non-negative
//!   integers; `vault_fee` and `lltv` are fractions (`0.05`, `0.915`) kept exact in WAD, the fee at
//!   most 50%; every `market_id` is a market of `markets.csv` and a non-zero `lltv` is that
//!   market's; a vault's own columns agree across its rows.
//! - `vault_allocations.csv` (one row per vault and *any* market it allocates to): every vault is
//!   one of `vaults.csv`; the market may lie outside the fixture (most do: the export lists each
//!   vault's whole book), which is recorded in [`Allocation::in_fixture`] and listed by
//!   [`VaultFixture::markets_outside_fixture`]. The export has no raw amounts here (`None`), only
//!   USD figures, which are human-scale and kept as [`Decimal`].

use super::{MetaMorphoVault, VaultVersion};
use crate::{
    Error, Result,
    morpho::{
        LoadedMorphoMarket, Position,
        loader::{address, split_line},
        parse_integer, parse_scaled,
    },
};
use alloy_primitives::{Address, U256};
use faultline_core::decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// One market a vault is (or was) exposed to, from `vaults.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultMarket {
    /// The Morpho market id (hex), a market of `markets.csv`.
    pub market_id: String,
    /// Collateral symbol of the market.
    pub collateral_symbol: String,
    /// The vault's supply in the market, raw loan-token units (`supply_assets`).
    pub supply_assets: U256,
    /// The vault's supply shares in the market (`supply_shares`).
    pub supply_shares: U256,
    /// The vault's supply cap for the market, raw units (`supply_cap`; 0 when none).
    pub supply_cap: U256,
    /// Position in the supply queue, when the market is in it.
    pub supply_queue_index: Option<usize>,
    /// Position in the withdraw queue, when the market is in it.
    pub withdraw_queue_index: Option<usize>,
    /// `enabled` in the vault's config.
    pub enabled: bool,
    /// The export's classification (`ACTIVE_DEPEG`, `HISTORICALLY_EXPOSED`, ...).
    pub exposure_status: String,
}

/// A vault of `vaults.csv` with the fixture markets it is exposed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedVault {
    /// The vault's address.
    pub address: Address,
    /// Its name.
    pub name: String,
    /// Chain id.
    pub chain_id: u64,
    /// The factory that deployed it (tells v1.0 from v1.1).
    pub factory: Address,
    /// Deposit asset symbol.
    pub asset_symbol: String,
    /// Deposit asset decimals.
    pub asset_decimals: u8,
    /// `totalAssets()`, raw units.
    pub total_assets: U256,
    /// `totalSupply()` of vault shares.
    pub total_supply: U256,
    /// Performance fee, WAD.
    pub fee: U256,
    /// The fixture markets of this vault, in file order.
    pub markets: Vec<VaultMarket>,
}

/// One row of `vault_allocations.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// The vault (one of `vaults.csv`).
    pub vault: Address,
    /// Chain id.
    pub chain_id: u64,
    /// The market (`market_unique_key`).
    pub market_id: String,
    /// Collateral symbol (`?` when the market is idle liquidity).
    pub collateral_symbol: String,
    /// The market's LLTV, WAD (0 for an idle market).
    pub lltv: U256,
    /// The vault's supply in raw units, when the export has it (`None` in the file otherwise).
    pub supply_assets: Option<U256>,
    /// The vault's supply in USD.
    pub supply_usd: Decimal,
    /// The supply cap in raw units, when the export has it.
    pub supply_cap: Option<U256>,
    /// The export's `is_toxic_market` flag (xUSD/deUSD/sdeUSD collateral).
    pub toxic: bool,
    /// Whether the market is one of `markets.csv`.
    pub in_fixture: bool,
}

/// The vaults and their allocations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultFixture {
    /// The vaults of `vaults.csv`, in file order of their first row.
    pub vaults: Vec<LoadedVault>,
    /// Every row of `vault_allocations.csv`.
    pub allocations: Vec<Allocation>,
}

/// One exposure: a vault's raw supply in one fixture market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    /// The vault.
    pub vault: Address,
    /// The vault's name.
    pub vault_name: String,
    /// The market.
    pub market_id: String,
    /// The vault's supply there, raw loan-token units.
    pub supply_assets: U256,
}

impl VaultFixture {
    /// Loads both files; `markets` are the loaded `markets.csv`.
    pub fn load(
        vaults_csv: &str,
        allocations_csv: &str,
        markets: &[LoadedMorphoMarket],
    ) -> Result<Self> {
        let vaults = load_vaults(vaults_csv, markets)?;
        let allocations = load_vault_allocations(allocations_csv, &vaults, markets)?;
        Ok(Self { vaults, allocations })
    }

    /// The vault at `address`.
    pub fn vault(&self, address: Address) -> Option<&LoadedVault> {
        self.vaults.iter().find(|v| v.address == address)
    }

    /// Every non-zero supply of a vault in a fixture market (all of them have xUSD, deUSD or
    /// sdeUSD collateral), largest first.
    pub fn exposures(&self) -> Vec<Exposure> {
        let mut out: Vec<Exposure> = self
            .vaults
            .iter()
            .flat_map(|v| {
                v.markets.iter().filter(|m| !m.supply_assets.is_zero()).map(|m| Exposure {
                    vault: v.address,
                    vault_name: v.name.clone(),
                    market_id: m.market_id.clone(),
                    supply_assets: m.supply_assets,
                })
            })
            .collect();
        out.sort_by_key(|e| core::cmp::Reverse(e.supply_assets));
        out
    }

    /// The markets of `vault_allocations.csv` that `markets.csv` does not describe.
    pub fn markets_outside_fixture(&self) -> BTreeSet<&str> {
        self.allocations.iter().filter(|a| !a.in_fixture).map(|a| a.market_id.as_str()).collect()
    }
}

impl LoadedVault {
    /// The vault as a [`MetaMorphoVault`] over the fixture markets only: its withdraw queue holds
    /// the fixture markets where it has supply shares (in its withdraw-queue order, then file
    /// order), each with the vault's exported shares as its position, and caps from the export.
    /// Markets outside the fixture are absent, so `total_assets` of the result is the part of
    /// the vault in the fixture markets; `last_total_assets` is set to it (no pending fee).
    pub fn fixture_view(
        &self,
        markets: &[LoadedMorphoMarket],
        version: VaultVersion,
    ) -> Result<MetaMorphoVault> {
        let mut vault = MetaMorphoVault::new(version, self.address, self.asset_decimals, self.fee)?;
        let mut held: Vec<&VaultMarket> =
            self.markets.iter().filter(|m| !m.supply_shares.is_zero()).collect();
        held.sort_by_key(|m| m.withdraw_queue_index.unwrap_or(usize::MAX));
        for m in held {
            let loaded =
                markets.iter().find(|l| l.id.eq_ignore_ascii_case(&m.market_id)).ok_or_else(
                    || Error::invalid("market_id", "a market of markets.csv", &m.market_id),
                )?;
            let mut market = loaded.market.clone();
            market.insert_position(
                self.address,
                Position { supply_shares: m.supply_shares, ..Position::default() },
            );
            vault.enable_market(market, m.supply_cap)?;
        }
        vault.total_supply = self.total_supply;
        vault.last_total_assets = vault.total_assets()?;
        Ok(vault)
    }
}

/// A CSV file with its header, each row keeping its line number.
struct Csv {
    name: &'static str,
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

impl Csv {
    fn parse(text: &str, name: &'static str) -> Result<Self> {
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let header = lines
            .next()
            .map(|(_, l)| split_line(l))
            .ok_or_else(|| Error::invalid(name, "a header row", "an empty file"))?;
        let rows = lines.map(|(i, l)| (i + 1, split_line(l))).collect();
        Ok(Self { name, header, rows })
    }

    fn field(&self, line: usize, column: &str) -> String {
        format!("{} line {line}, column {column}", self.name)
    }

    fn get<'r>(&self, line: usize, row: &'r [String], column: &str) -> Result<&'r str> {
        let c = self.header.iter().position(|h| h == column).ok_or_else(|| {
            Error::invalid(format!("{} header", self.name), "a column named so", column)
        })?;
        row.get(c)
            .map(String::as_str)
            .ok_or_else(|| Error::invalid(self.field(line, column), "a value", "a short row"))
    }

    fn integer(&self, line: usize, row: &[String], column: &str) -> Result<U256> {
        parse_integer(&self.field(line, column), self.get(line, row, column)?)
    }

    fn optional_integer(&self, line: usize, row: &[String], column: &str) -> Result<Option<U256>> {
        match self.get(line, row, column)?.trim() {
            "" | "None" => Ok(None),
            text => parse_integer(&self.field(line, column), text).map(Some),
        }
    }

    /// A queue index: empty when the market is not in the queue; else a whole number (`17.0`).
    fn index(&self, line: usize, row: &[String], column: &str) -> Result<Option<usize>> {
        let Some(v) = self.optional_integer(line, row, column)? else { return Ok(None) };
        if v >= U256::from(super::MAX_QUEUE_LENGTH) {
            return Err(Error::invalid(self.field(line, column), "a queue index below 30", v));
        }
        Ok(Some(v.to::<usize>()))
    }

    fn boolean(&self, line: usize, row: &[String], column: &str) -> Result<bool> {
        match self.get(line, row, column)? {
            "True" => Ok(true),
            "False" => Ok(false),
            other => {
                Err(Error::invalid(self.field(line, column), "True or False", format!("{other:?}")))
            }
        }
    }

    fn address(&self, line: usize, row: &[String], column: &str) -> Result<Address> {
        address(&self.field(line, column), self.get(line, row, column)?)
    }

    fn chain_id(&self, line: usize, row: &[String]) -> Result<u64> {
        let v = self.integer(line, row, "chain_id")?;
        u64::try_from(v).map_err(|_| Error::invalid(self.field(line, "chain_id"), "a u64", v))
    }

    /// A non-negative USD figure (`0.07`, `1.3e-05`).
    fn usd(&self, line: usize, row: &[String], column: &str) -> Result<Decimal> {
        let text = self.get(line, row, column)?.trim();
        let bad = || {
            Error::invalid(self.field(line, column), "a non-negative decimal", format!("{text:?}"))
        };
        let value = text
            .parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(text))
            .map_err(|_| bad())?;
        if value.is_sign_negative() { Err(bad()) } else { Ok(value) }
    }
}

fn find_market<'m>(markets: &'m [LoadedMorphoMarket], id: &str) -> Option<&'m LoadedMorphoMarket> {
    markets.iter().find(|m| m.id.eq_ignore_ascii_case(id))
}

/// Loads `vaults.csv`, checking every market against `markets`.
pub fn load_vaults(vaults_csv: &str, markets: &[LoadedMorphoMarket]) -> Result<Vec<LoadedVault>> {
    let csv = Csv::parse(vaults_csv, "vaults.csv")?;
    let mut vaults: Vec<LoadedVault> = Vec::new();
    let mut index: BTreeMap<Address, usize> = BTreeMap::new();
    for (line, row) in &csv.rows {
        let (line, row) = (*line, row.as_slice());
        let get = |c: &str| csv.get(line, row, c);
        let decimals = csv.integer(line, row, "deposit_asset_decimals")?;
        if decimals > U256::from(36u8) {
            return Err(Error::invalid(
                csv.field(line, "deposit_asset_decimals"),
                "at most 36",
                decimals,
            ));
        }
        let fee = parse_scaled(&csv.field(line, "vault_fee"), get("vault_fee")?, 18)?;
        if fee > super::MAX_FEE {
            return Err(Error::invalid(csv.field(line, "vault_fee"), "at most 0.5 (MAX_FEE)", fee));
        }
        let vault = LoadedVault {
            address: csv.address(line, row, "vault_address")?,
            name: get("vault_name")?.to_owned(),
            chain_id: csv.chain_id(line, row)?,
            factory: csv.address(line, row, "factory_address")?,
            asset_symbol: get("deposit_asset_symbol")?.to_owned(),
            asset_decimals: decimals.to::<u8>(),
            total_assets: csv.integer(line, row, "vault_total_assets")?,
            total_supply: csv.integer(line, row, "vault_total_supply_shares")?,
            fee,
            markets: Vec::new(),
        };
        let market_id = get("market_id")?;
        let market = find_market(markets, market_id).ok_or_else(|| {
            Error::invalid(csv.field(line, "market_id"), "a market of markets.csv", market_id)
        })?;
        let lltv = parse_scaled(&csv.field(line, "lltv"), get("lltv")?, 18)?;
        if !lltv.is_zero() && lltv != market.market.params().lltv {
            return Err(Error::invalid(csv.field(line, "lltv"), "the market's LLTV", lltv));
        }
        let entry = VaultMarket {
            market_id: market.id.clone(),
            collateral_symbol: get("collateral_symbol")?.to_owned(),
            supply_assets: csv.integer(line, row, "supply_assets")?,
            supply_shares: csv.integer(line, row, "supply_shares")?,
            supply_cap: csv.optional_integer(line, row, "supply_cap")?.unwrap_or_default(),
            supply_queue_index: csv.index(line, row, "supply_queue_index")?,
            withdraw_queue_index: csv.index(line, row, "withdraw_queue_index")?,
            enabled: csv.boolean(line, row, "enabled")?,
            exposure_status: get("exposure_status")?.to_owned(),
        };
        match index.get(&vault.address) {
            Some(&i) => {
                let known =
                    vaults.get_mut(i).ok_or_else(|| Error::invalid("vaults", "an index", i))?;
                let mut same = known.clone();
                same.markets = Vec::new();
                if same != vault {
                    return Err(Error::invalid(
                        csv.field(line, "vault_address"),
                        "the same vault columns as the vault's earlier rows",
                        vault.address,
                    ));
                }
                known.markets.push(entry);
            }
            None => {
                index.insert(vault.address, vaults.len());
                vaults.push(LoadedVault { markets: vec![entry], ..vault });
            }
        }
    }
    Ok(vaults)
}

/// Loads `vault_allocations.csv`: every vault must be one of `vaults`.
pub fn load_vault_allocations(
    allocations_csv: &str,
    vaults: &[LoadedVault],
    markets: &[LoadedMorphoMarket],
) -> Result<Vec<Allocation>> {
    let csv = Csv::parse(allocations_csv, "vault_allocations.csv")?;
    let mut out = Vec::with_capacity(csv.rows.len());
    for (line, row) in &csv.rows {
        let (line, row) = (*line, row.as_slice());
        let vault = csv.address(line, row, "vault_address")?;
        if !vaults.iter().any(|v| v.address == vault) {
            return Err(Error::invalid(
                csv.field(line, "vault_address"),
                "a vault of vaults.csv",
                vault,
            ));
        }
        let market_id = csv.get(line, row, "market_unique_key")?;
        let in_fixture = find_market(markets, market_id);
        let lltv = csv.integer(line, row, "lltv")?;
        if let Some(m) = in_fixture
            && !lltv.is_zero()
            && lltv != m.market.params().lltv
        {
            return Err(Error::invalid(csv.field(line, "lltv"), "the market's LLTV", lltv));
        }
        out.push(Allocation {
            vault,
            chain_id: csv.chain_id(line, row)?,
            market_id: market_id.to_owned(),
            collateral_symbol: csv.get(line, row, "collateral_symbol")?.to_owned(),
            lltv,
            supply_assets: csv.optional_integer(line, row, "supply_assets")?,
            supply_usd: csv.usd(line, row, "supply_assets_usd")?,
            supply_cap: csv.optional_integer(line, row, "supply_cap")?,
            toxic: csv.boolean(line, row, "is_toxic_market")?,
            in_fixture: in_fixture.is_some(),
        });
    }
    Ok(out)
}

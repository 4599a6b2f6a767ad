//! Aave v3, mirroring `aave-dao/aave-v3-origin` (`GenericLogic`, `LiquidationLogic`,
//! `ValidationLogic`, `ReserveLogic`, `DefaultReserveInterestRateStrategyV2`), with the rounding
//! of the version given ([`AaveVersion`]).
//!
//! State is kept the way the pool keeps it: scaled aToken and variable-debt balances per user and
//! reserve, liquidity and borrow indexes per reserve, the virtual underlying balance, the treasury's
//! accrued scaled amount and the deficit. Prices are the `AaveOracle`'s: base currency (USD) with
//! 8 decimals per whole token.

mod accrual;
mod band_curve;
mod book;
mod fast;
mod loader;
mod rates;

pub use book::{BookEntry, HealthKernel, PositionBook};
pub use fast::{PreparedBook, PricedBook};
pub use loader::{LoadedMarket, load_market, load_market_value};
pub use rates::{RateInputs, RateStrategy, SECONDS_PER_YEAR, compounded_interest, linear_interest};

use crate::{
    BadDebtBearer, Error, Health, LendingMarket, Liquidation, LiquidationAmount,
    LiquidationRequest, Protocol, Rates, Result, ValueUnit,
};
use alloy_primitives::{Address, U256};
use faultline_core::{
    OraclePrice, Rounding,
    math::{
        div, mul_div,
        percentage::{PERCENTAGE_FACTOR, percent_div, percent_mul},
        pow10,
        wad_ray::{RAY, WAD, ray_div, ray_mul, ray_to_wad, wad_div},
    },
};
use std::collections::BTreeMap;

/// `LiquidationLogic.DEFAULT_LIQUIDATION_CLOSE_FACTOR` (50%, bps).
pub const DEFAULT_LIQUIDATION_CLOSE_FACTOR: U256 = U256::from_limbs([5_000, 0, 0, 0]);
/// `LiquidationLogic.CLOSE_FACTOR_HF_THRESHOLD` (0.95e18).
pub const CLOSE_FACTOR_HF_THRESHOLD: U256 = U256::from_limbs([950_000_000_000_000_000, 0, 0, 0]);
/// `LiquidationLogic.MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD` ($2,000 in 8-decimal base currency).
pub const MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD: U256 = U256::from_limbs([200_000_000_000, 0, 0, 0]);
/// `LiquidationLogic.MIN_LEFTOVER_BASE` ($1,000).
pub const MIN_LEFTOVER_BASE: U256 = U256::from_limbs([100_000_000_000, 0, 0, 0]);
/// `HEALTH_FACTOR_LIQUIDATION_THRESHOLD` (1e18).
pub const HEALTH_FACTOR_LIQUIDATION_THRESHOLD: U256 = WAD;
/// `ReserveConfiguration.DEBT_CEILING_DECIMALS`.
pub const DEBT_CEILING_DECIMALS: u32 = 2;

/// Custom-error names the pool reverts with (v3.5+ names; v3.3 used numeric codes for the same
/// checks).
pub mod reason {
    /// `Errors.HealthFactorNotBelowThreshold`.
    pub const HEALTH_FACTOR_NOT_BELOW_THRESHOLD: &str = "HealthFactorNotBelowThreshold";
    /// `Errors.CollateralCannotBeLiquidated`.
    pub const COLLATERAL_CANNOT_BE_LIQUIDATED: &str = "CollateralCannotBeLiquidated";
    /// `Errors.SpecifiedCurrencyNotBorrowedByUser`.
    pub const SPECIFIED_CURRENCY_NOT_BORROWED_BY_USER: &str = "SpecifiedCurrencyNotBorrowedByUser";
    /// `Errors.MustNotLeaveDust`.
    pub const MUST_NOT_LEAVE_DUST: &str = "MustNotLeaveDust";
    /// `Errors.SelfLiquidation`.
    pub const SELF_LIQUIDATION: &str = "SelfLiquidation";
    /// `Errors.ReserveInactive`.
    pub const RESERVE_INACTIVE: &str = "ReserveInactive";
    /// `Errors.ReservePaused`.
    pub const RESERVE_PAUSED: &str = "ReservePaused";
    /// `Errors.ReserveFrozen`.
    pub const RESERVE_FROZEN: &str = "ReserveFrozen";
    /// `Errors.InvalidAmount`.
    pub const INVALID_AMOUNT: &str = "InvalidAmount";
    /// `Errors.SupplyCapExceeded`.
    pub const SUPPLY_CAP_EXCEEDED: &str = "SupplyCapExceeded";
    /// `Errors.BorrowCapExceeded`.
    pub const BORROW_CAP_EXCEEDED: &str = "BorrowCapExceeded";
    /// `Errors.BorrowingNotEnabled`.
    pub const BORROWING_NOT_ENABLED: &str = "BorrowingNotEnabled";
    /// `Errors.NotBorrowableInEMode`.
    pub const NOT_BORROWABLE_IN_EMODE: &str = "NotBorrowableInEMode";
    /// `Errors.AssetNotBorrowableInIsolation`.
    pub const ASSET_NOT_BORROWABLE_IN_ISOLATION: &str = "AssetNotBorrowableInIsolation";
    /// `Errors.DebtCeilingExceeded`.
    pub const DEBT_CEILING_EXCEEDED: &str = "DebtCeilingExceeded";
    /// `Errors.CollateralBalanceIsZero`.
    pub const COLLATERAL_BALANCE_IS_ZERO: &str = "CollateralBalanceIsZero";
    /// `Errors.LtvValidationFailed`.
    pub const LTV_VALIDATION_FAILED: &str = "LtvValidationFailed";
    /// `Errors.HealthFactorLowerThanLiquidationThreshold`.
    pub const HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD: &str =
        "HealthFactorLowerThanLiquidationThreshold";
    /// `Errors.CollateralCannotCoverNewBorrow`.
    pub const COLLATERAL_CANNOT_COVER_NEW_BORROW: &str = "CollateralCannotCoverNewBorrow";
    /// `Errors.NotEnoughAvailableUserBalance`.
    pub const NOT_ENOUGH_AVAILABLE_USER_BALANCE: &str = "NotEnoughAvailableUserBalance";
    /// `Errors.NoDebtOfSelectedType`.
    pub const NO_DEBT_OF_SELECTED_TYPE: &str = "NoDebtOfSelectedType";
}

const H: Rounding = Rounding::HalfUp;
const ONE: U256 = U256::from_limbs([1, 0, 0, 0]);

const fn revert(reason: &'static str) -> Error {
    Error::revert(Protocol::AaveV3, reason)
}

const fn overflow(op: &'static str) -> Error {
    Error::Arithmetic(faultline_core::Error::Overflow { op })
}

const fn underflow(op: &'static str) -> Error {
    Error::Arithmetic(faultline_core::Error::Underflow { op })
}

fn add(a: U256, b: U256, op: &'static str) -> Result<U256> {
    a.checked_add(b).ok_or_else(|| overflow(op))
}

fn sub(a: U256, b: U256, op: &'static str) -> Result<U256> {
    a.checked_sub(b).ok_or_else(|| underflow(op))
}

fn mul(a: U256, b: U256, op: &'static str) -> Result<U256> {
    a.checked_mul(b).ok_or_else(|| overflow(op))
}

/// The pool version whose rounding the model follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AaveVersion {
    /// v3.3: half-up balances, `percentMul(Σcoll, avgLT)` health factor, debt valued down,
    /// per-second binomial compounding.
    V3_3,
    /// v3.4: as v3.3, but with the `1 + x + x²/2 + x³/6` compounding.
    V3_4,
    /// v3.5 and v3.6: floor/ceil token math (collateral down, debt up), `Σcoll·LT / debt`
    /// health factor, debt valued up, `percentDivCeil` for the debt a capped seizure needs.
    V3_5,
}

impl AaveVersion {
    /// Half-up token math and the averaged health factor (v3.3, v3.4).
    pub const fn legacy_rounding(self) -> bool {
        matches!(self, Self::V3_3 | Self::V3_4)
    }

    /// v3.3's per-second binomial compounding.
    pub const fn binomial_compounding(self) -> bool {
        matches!(self, Self::V3_3)
    }

    const fn pick(self, legacy: Rounding, current: Rounding) -> Rounding {
        if self.legacy_rounding() { legacy } else { current }
    }

    /// aToken `balanceOf`: `rayMul` (≤v3.4) or `rayMulFloor`.
    pub(crate) fn a_balance(self, scaled: U256, index: U256) -> Result<U256> {
        Ok(ray_mul(scaled, index, self.pick(H, Rounding::Down))?)
    }

    /// Variable-debt `balanceOf`: `rayMul` (≤v3.4) or `rayMulCeil`.
    pub(crate) fn v_balance(self, scaled: U256, index: U256) -> Result<U256> {
        Ok(ray_mul(scaled, index, self.pick(H, Rounding::Up))?)
    }

    fn a_mint_scaled(self, amount: U256, index: U256) -> Result<U256> {
        Ok(ray_div(amount, index, self.pick(H, Rounding::Down))?)
    }

    fn a_burn_scaled(self, amount: U256, index: U256) -> Result<U256> {
        Ok(ray_div(amount, index, self.pick(H, Rounding::Up))?)
    }

    fn v_mint_scaled(self, amount: U256, index: U256) -> Result<U256> {
        Ok(ray_div(amount, index, self.pick(H, Rounding::Up))?)
    }

    fn v_burn_scaled(self, amount: U256, index: U256) -> Result<U256> {
        Ok(ray_div(amount, index, self.pick(H, Rounding::Down))?)
    }

    /// A debt's base-currency value: `debt·price/unit` floored (≤v3.4) or `mulDivCeil`.
    fn debt_value(self, debt: U256, price: U256, unit: U256) -> Result<U256> {
        let product = mul(debt, price, "debt * price")?;
        Ok(div(product, unit, self.pick(Rounding::Down, Rounding::Up))?)
    }
}

/// A reserve's risk configuration (`ReserveConfigurationMap`, unpacked). Percentages are bps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveConfig {
    /// Underlying asset.
    pub asset: Address,
    /// Symbol, for messages.
    pub symbol: String,
    /// Position in the reserves list: the bit in user and eMode bitmaps.
    pub id: u16,
    /// Token decimals.
    pub decimals: u8,
    /// Loan-to-value, bps.
    pub ltv: u16,
    /// Liquidation threshold, bps.
    pub liquidation_threshold: u16,
    /// Liquidation bonus including principal (10500 = 5% bonus), bps.
    pub liquidation_bonus: u16,
    /// Share of the bonus taken by the protocol, bps.
    pub liquidation_protocol_fee: u16,
    /// Share of interest kept by the treasury, bps.
    pub reserve_factor: u16,
    /// Borrow cap in whole tokens, 0 = none.
    pub borrow_cap: U256,
    /// Supply cap in whole tokens, 0 = none.
    pub supply_cap: U256,
    /// Isolation-mode debt ceiling, USD with 2 decimals, 0 = not isolated.
    pub debt_ceiling: U256,
    /// May be borrowed by isolated positions.
    pub borrowable_in_isolation: bool,
    /// Borrowing enabled.
    pub borrowing_enabled: bool,
    /// Active.
    pub active: bool,
    /// Frozen (no new supply or borrow).
    pub frozen: bool,
    /// Paused (nothing).
    pub paused: bool,
}

/// An eMode category (`EModeCategory`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EModeCategory {
    /// Category id.
    pub id: u8,
    /// Label.
    pub label: String,
    /// LTV for its collateral, bps.
    pub ltv: u16,
    /// Liquidation threshold for its collateral, bps.
    pub liquidation_threshold: u16,
    /// Liquidation bonus for its collateral, bps.
    pub liquidation_bonus: u16,
    /// Reserves (by id bit) that get the category's parameters as collateral.
    pub collateral_bitmap: u128,
    /// Reserves a user in the category may borrow.
    pub borrowable_bitmap: u128,
}

impl EModeCategory {
    const fn has_collateral(&self, id: u16) -> bool {
        id < 128 && (self.collateral_bitmap >> id) & 1 == 1
    }

    const fn has_borrowable(&self, id: u16) -> bool {
        id < 128 && (self.borrowable_bitmap >> id) & 1 == 1
    }
}

/// A reserve's accounting state (`ReserveData`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReserveState {
    /// Liquidity index, RAY.
    pub liquidity_index: U256,
    /// Variable borrow index, RAY.
    pub variable_borrow_index: U256,
    /// Current supply rate, RAY per year.
    pub current_liquidity_rate: U256,
    /// Current variable borrow rate, RAY per year.
    pub current_variable_borrow_rate: U256,
    /// Timestamp of the last update.
    pub last_update: u64,
    /// aToken scaled total supply.
    pub scaled_a_total: U256,
    /// Variable-debt scaled total supply.
    pub scaled_debt_total: U256,
    /// Underlying the pool accounts as held (`virtualUnderlyingBalance`).
    pub virtual_balance: U256,
    /// Treasury's accrued, not yet minted, scaled aTokens.
    pub accrued_to_treasury: U256,
    /// Bad debt burned without repayment (v3.3+).
    pub deficit: U256,
    /// Debt borrowed against this reserve as isolated collateral, USD with 2 decimals.
    pub isolation_mode_total_debt: U256,
}

impl ReserveState {
    /// A fresh reserve: indexes at 1, nothing supplied or borrowed.
    pub const fn new(now: u64) -> Self {
        Self {
            liquidity_index: RAY,
            variable_borrow_index: RAY,
            current_liquidity_rate: U256::ZERO,
            current_variable_borrow_rate: U256::ZERO,
            last_update: now,
            scaled_a_total: U256::ZERO,
            scaled_debt_total: U256::ZERO,
            virtual_balance: U256::ZERO,
            accrued_to_treasury: U256::ZERO,
            deficit: U256::ZERO,
            isolation_mode_total_debt: U256::ZERO,
        }
    }
}

/// One reserve: configuration, rate strategy, state, and the oracle price (8-decimal USD).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reserve {
    /// Configuration.
    pub config: ReserveConfig,
    /// Rate strategy.
    pub strategy: RateStrategy,
    /// Accounting state.
    pub state: ReserveState,
    /// `AaveOracle.getAssetPrice`, base currency with 8 decimals.
    pub price: U256,
}

impl Reserve {
    fn unit(&self) -> Result<U256> {
        pow10(u32::from(self.config.decimals)).ok_or_else(|| {
            Error::invalid(
                format!("{}.decimals", self.config.symbol),
                "at most 77",
                self.config.decimals,
            )
        })
    }
}

/// A user's balances in one reserve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UserReserve {
    /// Scaled aToken balance.
    pub scaled_a: U256,
    /// Scaled variable-debt balance.
    pub scaled_debt: U256,
    /// The collateral flag of the user configuration.
    pub collateral_enabled: bool,
}

/// A user: eMode category and balances by reserve id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct User {
    /// eMode category, 0 = none.
    pub e_mode: u8,
    /// Balances by reserve id.
    pub reserves: BTreeMap<u16, UserReserve>,
}

/// `calculateUserAccountData`'s results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountData {
    /// Collateral value, base currency.
    pub total_collateral: U256,
    /// Debt value, base currency.
    pub total_debt: U256,
    /// Average LTV, bps.
    pub avg_ltv: U256,
    /// Average liquidation threshold, bps.
    pub avg_liquidation_threshold: U256,
    /// Health factor, WAD.
    pub health_factor: U256,
    /// Some collateral has LTV 0.
    pub has_zero_ltv_collateral: bool,
}

/// An Aave v3 pool.
#[derive(Debug, Clone)]
pub struct AavePool {
    version: AaveVersion,
    reserves: Vec<Reserve>,
    by_asset: BTreeMap<Address, usize>,
    e_modes: BTreeMap<u8, EModeCategory>,
    users: BTreeMap<Address, User>,
    treasury_scaled: BTreeMap<u16, U256>,
    now: u64,
}

/// What `liquidationCall` did, in detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiquidationCall {
    /// Debt repaid by the liquidator.
    pub actual_debt_to_liquidate: U256,
    /// Collateral the liquidator receives.
    pub actual_collateral_to_liquidate: U256,
    /// Collateral (as aTokens) sent to the treasury.
    pub liquidation_protocol_fee: U256,
    /// The bonus part of the seized collateral, before the protocol's share.
    pub bonus_collateral: U256,
    /// Deficit created in the repaid debt reserve.
    pub deficit_created: U256,
    /// Deficit created in the borrower's other debt reserves (`_burnBadDebt`).
    pub other_deficit_created: U256,
}

impl AavePool {
    /// A pool from its reserves (ids must be `0..n` in order), eModes and version, at time `now`.
    pub fn new(
        version: AaveVersion,
        reserves: Vec<Reserve>,
        e_modes: Vec<EModeCategory>,
        now: u64,
    ) -> Result<Self> {
        let mut by_asset = BTreeMap::new();
        for (i, r) in reserves.iter().enumerate() {
            if usize::from(r.config.id) != i {
                return Err(Error::invalid(
                    format!("reserves[{i}].id"),
                    "the reserve's position in the list",
                    r.config.id,
                ));
            }
            if by_asset.insert(r.config.asset, i).is_some() {
                return Err(Error::invalid(
                    format!("reserves[{i}].underlying"),
                    "an asset listed once",
                    r.config.asset,
                ));
            }
        }
        let mut categories = BTreeMap::new();
        for e in e_modes {
            for bit in 0..128u16 {
                if (e.has_collateral(bit) || e.has_borrowable(bit))
                    && usize::from(bit) >= reserves.len()
                {
                    return Err(Error::invalid(
                        format!("eModes[{}].collateralBitmap/borrowableBitmap", e.id),
                        "bits only for listed reserves",
                        format!("bit {bit} set, but there are {} reserves", reserves.len()),
                    ));
                }
            }
            categories.insert(e.id, e);
        }
        Ok(Self {
            version,
            reserves,
            by_asset,
            e_modes: categories,
            users: BTreeMap::new(),
            treasury_scaled: BTreeMap::new(),
            now,
        })
    }

    /// The version.
    pub const fn version(&self) -> AaveVersion {
        self.version
    }

    /// The reserves in id order.
    pub fn reserves(&self) -> &[Reserve] {
        &self.reserves
    }

    /// The eMode categories.
    pub const fn e_modes(&self) -> &BTreeMap<u8, EModeCategory> {
        &self.e_modes
    }

    /// The reserve of `asset`.
    pub fn reserve(&self, asset: Address) -> Result<&Reserve> {
        self.index(asset, "asset").and_then(|i| {
            self.reserves.get(i).ok_or_else(|| Error::UnknownAsset { field: "asset".into(), asset })
        })
    }

    fn index(&self, asset: Address, field: &str) -> Result<usize> {
        self.by_asset
            .get(&asset)
            .copied()
            .ok_or_else(|| Error::UnknownAsset { field: field.into(), asset })
    }

    fn reserve_at(&self, i: usize) -> Result<&Reserve> {
        self.reserves.get(i).ok_or_else(|| Error::invalid("reserve id", "a listed reserve", i))
    }

    fn reserve_at_mut(&mut self, i: usize) -> Result<&mut Reserve> {
        self.reserves.get_mut(i).ok_or_else(|| Error::invalid("reserve id", "a listed reserve", i))
    }

    /// A user's state (empty when unknown).
    pub fn user(&self, account: Address) -> User {
        self.users.get(&account).cloned().unwrap_or_default()
    }

    /// Sets a user's state directly (positions from a snapshot); the reserves' scaled totals follow.
    pub fn set_user(&mut self, account: Address, user: User) -> Result<()> {
        if user.e_mode != 0 && !self.e_modes.contains_key(&user.e_mode) {
            return Err(Error::invalid("user.e_mode", "a defined eMode category", user.e_mode));
        }
        if let Some((id, _)) =
            user.reserves.iter().find(|(id, _)| usize::from(**id) >= self.reserves.len())
        {
            return Err(Error::invalid("user.reserves", "listed reserve ids", id));
        }
        // Keep the reserves' totals equal to the sum of their users' balances.
        let old = self.users.get(&account).cloned().unwrap_or_default();
        let mut draft = self.reserves.clone();
        for (id, ur) in &old.reserves {
            if let Some(r) = draft.get_mut(usize::from(*id)) {
                r.state.scaled_a_total =
                    sub(r.state.scaled_a_total, ur.scaled_a, "scaled_a_total")?;
                r.state.scaled_debt_total =
                    sub(r.state.scaled_debt_total, ur.scaled_debt, "scaled_debt_total")?;
            }
        }
        for (id, ur) in &user.reserves {
            if let Some(r) = draft.get_mut(usize::from(*id)) {
                r.state.scaled_a_total =
                    add(r.state.scaled_a_total, ur.scaled_a, "scaled_a_total")?;
                r.state.scaled_debt_total =
                    add(r.state.scaled_debt_total, ur.scaled_debt, "scaled_debt_total")?;
            }
        }
        self.reserves = draft;
        self.users.insert(account, user);
        Ok(())
    }

    /// Sets a user's eMode (without the health check `setUserEMode` performs).
    pub fn set_user_e_mode(&mut self, account: Address, e_mode: u8) -> Result<()> {
        let mut user = self.user(account);
        user.e_mode = e_mode;
        self.set_user(account, user)
    }

    /// Sets the oracle price of `asset` (8-decimal base currency).
    pub fn set_price(&mut self, asset: Address, price: U256) -> Result<()> {
        let i = self.index(asset, "asset")?;
        self.reserve_at_mut(i)?.price = price;
        Ok(())
    }

    /// The current time.
    pub const fn now(&self) -> u64 {
        self.now
    }

    /// Moves the clock (interest accrues on the next touch, as on chain).
    pub fn advance_time(&mut self, seconds: u64) -> Result<()> {
        self.now = self.now.checked_add(seconds).ok_or_else(|| overflow("clock"))?;
        Ok(())
    }

    /// A reserve's deficit.
    pub fn deficit(&self, asset: Address) -> Result<U256> {
        Ok(self.reserve(asset)?.state.deficit)
    }

    fn transact<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let mut draft = self.clone();
        let out = f(&mut draft)?;
        *self = draft;
        Ok(out)
    }

    /// The indexes a reserve would have now (`getNormalizedIncome`, `getNormalizedDebt`).
    fn next_indexes(&self, r: &Reserve) -> Result<(U256, U256)> {
        let s = &r.state;
        if s.last_update == self.now {
            return Ok((s.liquidity_index, s.variable_borrow_index));
        }
        let elapsed = U256::from(
            self.now
                .checked_sub(s.last_update)
                .ok_or_else(|| underflow("block.timestamp - lastUpdate"))?,
        );
        let mut liquidity = s.liquidity_index;
        if !s.current_liquidity_rate.is_zero() {
            liquidity =
                ray_mul(linear_interest(s.current_liquidity_rate, elapsed)?, s.liquidity_index, H)?;
        }
        let mut borrow = s.variable_borrow_index;
        if !s.scaled_debt_total.is_zero() {
            borrow = ray_mul(
                compounded_interest(self.version, s.current_variable_borrow_rate, elapsed)?,
                s.variable_borrow_index,
                H,
            )?;
        }
        Ok((liquidity, borrow))
    }

    /// `ReserveLogic.updateState`: indexes, then the treasury's share of the new interest.
    fn update_state(&mut self, i: usize) -> Result<()> {
        let version = self.version;
        let r = self.reserve_at(i)?;
        if r.state.last_update == self.now {
            return Ok(());
        }
        let (next_liquidity, next_borrow) = self.next_indexes(r)?;
        let now = self.now;
        let r = self.reserve_at_mut(i)?;
        let s = &mut r.state;
        let rf = U256::from(r.config.reserve_factor);
        if !rf.is_zero() {
            let accrued = if version.legacy_rounding() {
                let prev = ray_mul(s.scaled_debt_total, s.variable_borrow_index, H)?;
                let curr = ray_mul(s.scaled_debt_total, next_borrow, H)?;
                sub(curr, prev, "totalDebtAccrued")?
            } else {
                ray_mul(
                    s.scaled_debt_total,
                    sub(next_borrow, s.variable_borrow_index, "index delta")?,
                    Rounding::Down,
                )?
            };
            let to_mint = percent_mul(accrued, rf, H)?;
            if !to_mint.is_zero() {
                s.accrued_to_treasury = add(
                    s.accrued_to_treasury,
                    version.a_mint_scaled(to_mint, next_liquidity)?,
                    "accruedToTreasury",
                )?;
            }
        }
        s.liquidity_index = next_liquidity;
        s.variable_borrow_index = next_borrow;
        s.last_update = now;
        Ok(())
    }

    /// `updateInterestRatesAndVirtualBalance`.
    fn update_rates(&mut self, i: usize, added: U256, taken: U256) -> Result<()> {
        let version = self.version;
        let r = self.reserve_at_mut(i)?;
        let total_debt =
            version.v_balance(r.state.scaled_debt_total, r.state.variable_borrow_index)?;
        let inputs = RateInputs {
            unbacked: r.state.deficit,
            liquidity_added: added,
            liquidity_taken: taken,
            total_debt,
            reserve_factor: U256::from(r.config.reserve_factor),
            virtual_underlying_balance: r.state.virtual_balance,
        };
        let (liquidity_rate, borrow_rate) = r.strategy.calculate_interest_rates(&inputs)?;
        r.state.current_liquidity_rate = liquidity_rate;
        r.state.current_variable_borrow_rate = borrow_rate;
        r.state.virtual_balance = sub(
            add(r.state.virtual_balance, added, "virtualUnderlyingBalance")?,
            taken,
            "virtualUnderlyingBalance",
        )?;
        Ok(())
    }

    /// A user's LTV and LT for a collateral reserve, eMode applied.
    fn user_params(&self, user: &User, r: &Reserve) -> (U256, U256, U256) {
        if user.e_mode != 0
            && let Some(e) = self.e_modes.get(&user.e_mode)
            && e.has_collateral(r.config.id)
        {
            return (
                U256::from(e.ltv),
                U256::from(e.liquidation_threshold),
                U256::from(e.liquidation_bonus),
            );
        }
        (
            U256::from(r.config.ltv),
            U256::from(r.config.liquidation_threshold),
            U256::from(r.config.liquidation_bonus),
        )
    }

    /// `GenericLogic.calculateUserAccountData` at the current time and prices.
    pub fn account_data(&self, account: Address) -> Result<AccountData> {
        let user = self.user(account);
        let (mut total_collateral, mut total_debt, mut avg_ltv, mut weighted_lt) =
            (U256::ZERO, U256::ZERO, U256::ZERO, U256::ZERO);
        let mut has_zero_ltv_collateral = false;
        for (id, ur) in &user.reserves {
            let r = self.reserve_at(usize::from(*id))?;
            let collateral = ur.collateral_enabled && !ur.scaled_a.is_zero();
            let borrowed = !ur.scaled_debt.is_zero();
            if !collateral && !borrowed {
                continue;
            }
            let (liquidity_index, borrow_index) = self.next_indexes(r)?;
            let unit = r.unit()?;
            if collateral {
                let balance = mul(
                    self.version.a_balance(ur.scaled_a, liquidity_index)?,
                    r.price,
                    "balance * price",
                )?;
                let value = balance / unit;
                total_collateral = add(total_collateral, value, "totalCollateralInBaseCurrency")?;
                let (ltv, lt, _) = self.user_params(&user, r);
                if ltv.is_zero() {
                    has_zero_ltv_collateral = true;
                } else {
                    avg_ltv = add(avg_ltv, mul(value, ltv, "avgLtv")?, "avgLtv")?;
                }
                weighted_lt = add(
                    weighted_lt,
                    mul(value, lt, "avgLiquidationThreshold")?,
                    "avgLiquidationThreshold",
                )?;
            }
            if borrowed {
                let debt = self.version.v_balance(ur.scaled_debt, borrow_index)?;
                total_debt = add(
                    total_debt,
                    self.version.debt_value(debt, r.price, unit)?,
                    "totalDebtInBaseCurrency",
                )?;
            }
        }
        let (avg_ltv, avg_lt) = if total_collateral.is_zero() {
            (U256::ZERO, U256::ZERO)
        } else {
            (avg_ltv / total_collateral, weighted_lt / total_collateral)
        };
        let health_factor = if total_debt.is_zero() {
            U256::MAX
        } else if self.version.legacy_rounding() {
            wad_div(percent_mul(total_collateral, avg_lt, H)?, total_debt, H)?
        } else {
            wad_div(weighted_lt, total_debt, H)? / PERCENTAGE_FACTOR
        };
        Ok(AccountData {
            total_collateral,
            total_debt,
            avg_ltv,
            avg_liquidation_threshold: avg_lt,
            health_factor,
            has_zero_ltv_collateral,
        })
    }

    /// `Pool.liquidationCall(collateralAsset, debtAsset, user, debtToCover, receiveAToken = false)`.
    pub fn liquidation_call(
        &mut self,
        collateral_asset: Address,
        debt_asset: Address,
        borrower: Address,
        debt_to_cover: U256,
        liquidator: Address,
    ) -> Result<LiquidationCall> {
        let ci = self.index(collateral_asset, "collateralAsset")?;
        let di = self.index(debt_asset, "debtAsset")?;
        let version = self.version;
        self.transact(|pool| {
            pool.update_state(di)?;
            pool.update_state(ci)?;
            let account = pool.account_data(borrower)?;
            let user = pool.user(borrower);
            let (cid, did) = (pool.reserve_at(ci)?.config.id, pool.reserve_at(di)?.config.id);
            let cu = user.reserves.get(&cid).copied().unwrap_or_default();
            let du = user.reserves.get(&did).copied().unwrap_or_default();
            let (coll_r, debt_r) = (pool.reserve_at(ci)?.clone(), pool.reserve_at(di)?.clone());
            let collateral_balance =
                version.a_balance(cu.scaled_a, coll_r.state.liquidity_index)?;
            let reserve_debt =
                version.v_balance(du.scaled_debt, debt_r.state.variable_borrow_index)?;

            // ValidationLogic.validateLiquidationCall
            if borrower == liquidator {
                return Err(revert(reason::SELF_LIQUIDATION));
            }
            if !coll_r.config.active || !debt_r.config.active {
                return Err(revert(reason::RESERVE_INACTIVE));
            }
            if coll_r.config.paused || debt_r.config.paused {
                return Err(revert(reason::RESERVE_PAUSED));
            }
            if account.health_factor >= HEALTH_FACTOR_LIQUIDATION_THRESHOLD {
                return Err(revert(reason::HEALTH_FACTOR_NOT_BELOW_THRESHOLD));
            }
            if coll_r.config.liquidation_threshold == 0
                || !cu.collateral_enabled
                || cu.scaled_a.is_zero()
            {
                return Err(revert(reason::COLLATERAL_CANNOT_BE_LIQUIDATED));
            }
            if reserve_debt.is_zero() {
                return Err(revert(reason::SPECIFIED_CURRENCY_NOT_BORROWED_BY_USER));
            }

            let (_, _, bonus) = pool.user_params(&user, &coll_r);
            let (coll_price, debt_price) = (coll_r.price, debt_r.price);
            let (coll_unit, debt_unit) = (coll_r.unit()?, debt_r.unit()?);
            let reserve_debt_value = version.debt_value(reserve_debt, debt_price, debt_unit)?;
            let reserve_coll_value =
                mul(collateral_balance, coll_price, "collateral * price")? / coll_unit;

            let mut max_liquidatable = reserve_debt;
            if reserve_coll_value >= MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD
                && reserve_debt_value >= MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD
                && account.health_factor > CLOSE_FACTOR_HF_THRESHOLD
            {
                let half = percent_mul(account.total_debt, DEFAULT_LIQUIDATION_CLOSE_FACTOR, H)?;
                if reserve_debt_value > half {
                    max_liquidatable = mul_div(half, debt_unit, debt_price, Rounding::Down)?;
                }
            }
            let actual_debt = debt_to_cover.min(max_liquidatable);

            // _calculateAvailableCollateralToLiquidate
            let base_collateral = mul(
                mul(debt_price, actual_debt, "debtPrice * debtToCover")?,
                coll_unit,
                "* collateralUnit",
            )?
            .checked_div(mul(coll_price, debt_unit, "collateralPrice * debtUnit")?)
            .ok_or(Error::Arithmetic(faultline_core::Error::DivisionByZero {
                op: "baseCollateral",
            }))?;
            let max_collateral = percent_mul(base_collateral, bonus, H)?;
            let (mut collateral_amount, debt_needed) = if max_collateral > collateral_balance {
                let worth = mul(
                    mul(coll_price, collateral_balance, "collateralPrice * balance")?,
                    debt_unit,
                    "* debtUnit",
                )?
                .checked_div(mul(debt_price, coll_unit, "debtPrice * collateralUnit")?)
                .ok_or(Error::Arithmetic(
                    faultline_core::Error::DivisionByZero { op: "debtAmountNeeded" },
                ))?;
                (collateral_balance, percent_div(worth, bonus, version.pick(H, Rounding::Up))?)
            } else {
                (max_collateral, actual_debt)
            };
            let actual_debt = debt_needed;
            let collateral_value =
                mul(collateral_amount, coll_price, "collateral * price")? / coll_unit;
            let bonus_collateral = sub(
                collateral_amount,
                percent_div(collateral_amount, bonus, H)?,
                "bonusCollateral",
            )?;
            let mut fee = U256::ZERO;
            if coll_r.config.liquidation_protocol_fee != 0 {
                fee = percent_mul(
                    bonus_collateral,
                    U256::from(coll_r.config.liquidation_protocol_fee),
                    H,
                )?;
                collateral_amount = sub(collateral_amount, fee, "collateralAmount - fee")?;
            }

            // Dust rule.
            let seized_total = add(collateral_amount, fee, "seized")?;
            if actual_debt < reserve_debt && seized_total < collateral_balance {
                let debt_left =
                    version.debt_value(reserve_debt - actual_debt, debt_price, debt_unit)?;
                let coll_left =
                    mul(collateral_balance - seized_total, coll_price, "leftover * price")?
                        / coll_unit;
                if debt_left < MIN_LEFTOVER_BASE || coll_left < MIN_LEFTOVER_BASE {
                    return Err(revert(reason::MUST_NOT_LEAVE_DUST));
                }
            }
            let mut user = user;
            if seized_total == collateral_balance
                && let Some(entry) = user.reserves.get_mut(&cid)
            {
                entry.collateral_enabled = false;
            }
            let has_no_collateral_left = account.total_collateral == collateral_value;

            // _burnDebtTokens for the repaid reserve.
            let burn = if has_no_collateral_left { reserve_debt } else { actual_debt };
            let burn_scaled = version.v_burn_scaled(burn, debt_r.state.variable_borrow_index)?;
            let entry = user.reserves.entry(did).or_default();
            entry.scaled_debt = sub(entry.scaled_debt, burn_scaled, "scaled debt")?;
            let r = pool.reserve_at_mut(di)?;
            r.state.scaled_debt_total =
                sub(r.state.scaled_debt_total, burn_scaled, "scaled debt total")?;
            let outstanding = sub(reserve_debt, actual_debt, "outstandingDebt")?;
            let mut deficit_created = U256::ZERO;
            if has_no_collateral_left && !outstanding.is_zero() {
                r.state.deficit = add(r.state.deficit, outstanding, "deficit")?;
                deficit_created = outstanding;
            }
            pool.update_rates(di, actual_debt, U256::ZERO)?;

            // Isolation: repaying debt against an isolated collateral frees ceiling.
            if !coll_r.config.debt_ceiling.is_zero() && debt_r.config.borrowable_in_isolation {
                let units =
                    pow10(u32::from(debt_r.config.decimals).saturating_sub(DEBT_CEILING_DECIMALS))
                        .unwrap_or(ONE);
                let repaid = actual_debt / units;
                let r = pool.reserve_at_mut(ci)?;
                r.state.isolation_mode_total_debt =
                    r.state.isolation_mode_total_debt.saturating_sub(repaid);
            }

            // _burnCollateralATokens (receiveAToken = false).
            pool.update_rates(ci, U256::ZERO, collateral_amount)?;
            let coll_index = pool.reserve_at(ci)?.state.liquidity_index;
            let burn_a = version.a_burn_scaled(collateral_amount, coll_index)?;
            let entry = user.reserves.entry(cid).or_default();
            entry.scaled_a = sub(entry.scaled_a, burn_a, "aToken scaled balance")?;
            let r = pool.reserve_at_mut(ci)?;
            r.state.scaled_a_total = sub(r.state.scaled_a_total, burn_a, "aToken scaled total")?;

            // The protocol fee moves as aTokens to the treasury, capped at what is left.
            if !fee.is_zero() {
                let entry = user.reserves.entry(cid).or_default();
                // v3.3 `rayDiv`, v3.5 `getATokenTransferScaledAmount` (`rayDivCeil`).
                let scaled = ray_div(fee, coll_index, version.pick(H, Rounding::Up))?;
                let scaled = if scaled > entry.scaled_a {
                    fee = version.a_balance(entry.scaled_a, coll_index)?;
                    entry.scaled_a
                } else {
                    scaled
                };
                entry.scaled_a -= scaled;
                let t = pool.treasury_scaled.entry(cid).or_default();
                *t = add(*t, scaled, "treasury")?;
            }

            // _burnBadDebt: every other debt of a borrower with no collateral left becomes deficit.
            let mut other_deficit = U256::ZERO;
            let borrows_any = user.reserves.values().any(|u| !u.scaled_debt.is_zero());
            if has_no_collateral_left && borrows_any {
                let ids: Vec<u16> = user
                    .reserves
                    .iter()
                    .filter(|(_, u)| !u.scaled_debt.is_zero())
                    .map(|(id, _)| *id)
                    .collect();
                for id in ids {
                    let i = usize::from(id);
                    if !pool.reserve_at(i)?.config.active {
                        continue;
                    }
                    pool.update_state(i)?;
                    let index = pool.reserve_at(i)?.state.variable_borrow_index;
                    let entry = user.reserves.entry(id).or_default();
                    let debt = version.v_balance(entry.scaled_debt, index)?;
                    let scaled = version.v_burn_scaled(debt, index)?;
                    entry.scaled_debt = sub(entry.scaled_debt, scaled, "scaled debt")?;
                    let r = pool.reserve_at_mut(i)?;
                    r.state.scaled_debt_total =
                        sub(r.state.scaled_debt_total, scaled, "scaled debt total")?;
                    r.state.deficit = add(r.state.deficit, debt, "deficit")?;
                    other_deficit = add(other_deficit, debt, "deficit")?;
                    pool.update_rates(i, U256::ZERO, U256::ZERO)?;
                }
            }
            pool.users.insert(borrower, user);
            Ok(LiquidationCall {
                actual_debt_to_liquidate: actual_debt,
                actual_collateral_to_liquidate: collateral_amount,
                liquidation_protocol_fee: fee,
                bonus_collateral,
                deficit_created,
                other_deficit_created: other_deficit,
            })
        })
    }

    /// `supply` (collateral enabled automatically when the reserve has an LTV, as
    /// `validateAutomaticUseAsCollateral` does for a non-isolated reserve).
    pub fn supply(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        let i = self.index(asset, "asset")?;
        let version = self.version;
        self.transact(|pool| {
            pool.update_state(i)?;
            let r = pool.reserve_at(i)?.clone();
            if amount.is_zero() {
                return Err(revert(reason::INVALID_AMOUNT));
            }
            check_flags(&r.config, true)?;
            let scaled = version.a_mint_scaled(amount, r.state.liquidity_index)?;
            if !r.config.supply_cap.is_zero() {
                let total = add(
                    add(r.state.scaled_a_total, scaled, "supply")?,
                    r.state.accrued_to_treasury,
                    "supply",
                )?;
                let cap = mul(r.config.supply_cap, r.unit()?, "supplyCap")?;
                if version.a_balance(total, r.state.liquidity_index)? > cap {
                    return Err(revert(reason::SUPPLY_CAP_EXCEEDED));
                }
            }
            pool.update_rates(i, amount, U256::ZERO)?;
            let rr = pool.reserve_at_mut(i)?;
            rr.state.scaled_a_total = add(rr.state.scaled_a_total, scaled, "scaledTotalSupply")?;
            let mut user = pool.user(account);
            let first_collateral =
                !user.reserves.values().any(|u| u.collateral_enabled && !u.scaled_a.is_zero());
            let entry = user.reserves.entry(r.config.id).or_default();
            if entry.scaled_a.is_zero()
                && r.config.ltv != 0
                && (r.config.debt_ceiling.is_zero() || first_collateral)
            {
                entry.collateral_enabled = true;
            }
            entry.scaled_a = add(entry.scaled_a, scaled, "aToken balance")?;
            pool.users.insert(account, user);
            Ok(amount)
        })
    }

    /// `withdraw`: limited by the user's balance and the reserve's virtual balance (at 100%
    /// utilisation lenders cannot leave), then the health check when the asset is collateral.
    pub fn withdraw(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        let i = self.index(asset, "asset")?;
        let version = self.version;
        self.transact(|pool| {
            pool.update_state(i)?;
            let r = pool.reserve_at(i)?.clone();
            let mut user = pool.user(account);
            let entry = user.reserves.entry(r.config.id).or_default();
            let balance = version.a_balance(entry.scaled_a, r.state.liquidity_index)?;
            let amount = if amount == U256::MAX { balance } else { amount };
            if amount.is_zero() {
                return Err(revert(reason::INVALID_AMOUNT));
            }
            if amount > balance {
                return Err(revert(reason::NOT_ENOUGH_AVAILABLE_USER_BALANCE));
            }
            check_flags(&r.config, false)?;
            if amount > r.state.virtual_balance {
                return Err(revert(reason::INVALID_AMOUNT));
            }
            let scaled = if amount == balance {
                entry.scaled_a
            } else {
                version.a_burn_scaled(amount, r.state.liquidity_index)?
            };
            entry.scaled_a = sub(entry.scaled_a, scaled, "aToken balance")?;
            if entry.scaled_a.is_zero() {
                entry.collateral_enabled = false;
            }
            pool.update_rates(i, U256::ZERO, amount)?;
            let rr = pool.reserve_at_mut(i)?;
            rr.state.scaled_a_total = sub(rr.state.scaled_a_total, scaled, "scaledTotalSupply")?;
            pool.users.insert(account, user);
            let data = pool.account_data(account)?;
            if data.health_factor < HEALTH_FACTOR_LIQUIDATION_THRESHOLD {
                return Err(revert(reason::HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD));
            }
            Ok(amount)
        })
    }

    /// `borrow` (variable rate): caps, eMode, isolation ceiling, liquidity, then the post-borrow
    /// health and LTV check of v3.6's `validateHFAndLtv` for every version.
    pub fn borrow(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        let i = self.index(asset, "asset")?;
        let version = self.version;
        self.transact(|pool| {
            pool.update_state(i)?;
            let r = pool.reserve_at(i)?.clone();
            if amount.is_zero() {
                return Err(revert(reason::INVALID_AMOUNT));
            }
            check_flags(&r.config, true)?;
            if !r.config.borrowing_enabled {
                return Err(revert(reason::BORROWING_NOT_ENABLED));
            }
            if r.state.virtual_balance < amount {
                return Err(revert(reason::INVALID_AMOUNT));
            }
            let scaled = version.v_mint_scaled(amount, r.state.variable_borrow_index)?;
            if !r.config.borrow_cap.is_zero() {
                let total = version.v_balance(
                    add(r.state.scaled_debt_total, scaled, "debt")?,
                    r.state.variable_borrow_index,
                )?;
                if total > mul(r.config.borrow_cap, r.unit()?, "borrowCap")? {
                    return Err(revert(reason::BORROW_CAP_EXCEEDED));
                }
            }
            let mut user = pool.user(account);
            if user.e_mode != 0
                && !pool.e_modes.get(&user.e_mode).is_some_and(|e| e.has_borrowable(r.config.id))
            {
                return Err(revert(reason::NOT_BORROWABLE_IN_EMODE));
            }
            // Isolation mode: the user's only collateral has a debt ceiling.
            let collaterals: Vec<u16> = user
                .reserves
                .iter()
                .filter(|(_, u)| u.collateral_enabled && !u.scaled_a.is_zero())
                .map(|(id, _)| *id)
                .collect();
            if let [only] = collaterals.as_slice() {
                let ci = usize::from(*only);
                let ceiling = pool.reserve_at(ci)?.config.debt_ceiling;
                if !ceiling.is_zero() {
                    if !r.config.borrowable_in_isolation {
                        return Err(revert(reason::ASSET_NOT_BORROWABLE_IN_ISOLATION));
                    }
                    let units =
                        pow10(u32::from(r.config.decimals).saturating_sub(DEBT_CEILING_DECIMALS))
                            .unwrap_or(ONE);
                    let next = add(
                        pool.reserve_at(ci)?.state.isolation_mode_total_debt,
                        amount / units,
                        "isolationModeTotalDebt",
                    )?;
                    if next > ceiling {
                        return Err(revert(reason::DEBT_CEILING_EXCEEDED));
                    }
                    pool.reserve_at_mut(ci)?.state.isolation_mode_total_debt = next;
                }
            }
            let entry = user.reserves.entry(r.config.id).or_default();
            entry.scaled_debt = add(entry.scaled_debt, scaled, "debt balance")?;
            pool.users.insert(account, user);
            let rr = pool.reserve_at_mut(i)?;
            rr.state.scaled_debt_total =
                add(rr.state.scaled_debt_total, scaled, "scaled debt total")?;
            pool.update_rates(i, U256::ZERO, amount)?;
            let data = pool.account_data(account)?;
            if data.total_collateral.is_zero() {
                return Err(revert(reason::COLLATERAL_BALANCE_IS_ZERO));
            }
            if data.avg_ltv.is_zero() {
                return Err(revert(reason::LTV_VALIDATION_FAILED));
            }
            if data.health_factor < HEALTH_FACTOR_LIQUIDATION_THRESHOLD {
                return Err(revert(reason::HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD));
            }
            if data.total_collateral < percent_div(data.total_debt, data.avg_ltv, Rounding::Up)? {
                return Err(revert(reason::COLLATERAL_CANNOT_COVER_NEW_BORROW));
            }
            Ok(amount)
        })
    }

    /// `repay` of up to `amount` (`U256::MAX` = everything); returns what was repaid.
    pub fn repay(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        let i = self.index(asset, "asset")?;
        let version = self.version;
        self.transact(|pool| {
            pool.update_state(i)?;
            let r = pool.reserve_at(i)?.clone();
            if amount.is_zero() {
                return Err(revert(reason::INVALID_AMOUNT));
            }
            let mut user = pool.user(account);
            let entry = user.reserves.entry(r.config.id).or_default();
            let debt = version.v_balance(entry.scaled_debt, r.state.variable_borrow_index)?;
            if debt.is_zero() {
                return Err(revert(reason::NO_DEBT_OF_SELECTED_TYPE));
            }
            let paid = amount.min(debt);
            let scaled = if paid == debt {
                entry.scaled_debt
            } else {
                version.v_burn_scaled(paid, r.state.variable_borrow_index)?
            };
            entry.scaled_debt = sub(entry.scaled_debt, scaled, "debt balance")?;
            pool.users.insert(account, user);
            let rr = pool.reserve_at_mut(i)?;
            rr.state.scaled_debt_total =
                sub(rr.state.scaled_debt_total, scaled, "scaled debt total")?;
            pool.update_rates(i, paid, U256::ZERO)?;
            Ok(paid)
        })
    }

    fn utilization_of(&self, r: &Reserve) -> Result<U256> {
        let (_, borrow_index) = self.next_indexes(r)?;
        let debt = self.version.v_balance(r.state.scaled_debt_total, borrow_index)?;
        let total = add(debt, r.state.virtual_balance, "debt + liquidity")?;
        if total.is_zero() {
            return Ok(U256::ZERO);
        }
        Ok(mul_div(debt, WAD, total, Rounding::Down)?)
    }
}

const fn check_flags(config: &ReserveConfig, not_frozen: bool) -> Result<()> {
    if !config.active {
        return Err(revert(reason::RESERVE_INACTIVE));
    }
    if config.paused {
        return Err(revert(reason::RESERVE_PAUSED));
    }
    if not_frozen && config.frozen {
        return Err(revert(reason::RESERVE_FROZEN));
    }
    Ok(())
}

impl LendingMarket for AavePool {
    fn set_oracle_price(&mut self, asset: Address, price: OraclePrice) -> Result<()> {
        let raw = price.0.rescale(8, Rounding::Down)?.raw();
        self.set_price(asset, raw)
    }

    fn health(&self, account: Address) -> Result<Health> {
        let d = self.account_data(account)?;
        Ok(Health {
            collateral_value: d.total_collateral,
            liquidation_value: percent_mul(
                d.total_collateral,
                d.avg_liquidation_threshold,
                Rounding::Down,
            )?,
            debt_value: d.total_debt,
            health_factor: d.health_factor,
            unit: ValueUnit::BaseCurrency { decimals: 8 },
        })
    }

    fn borrowing_power(&self, account: Address) -> Result<U256> {
        let d = self.account_data(account)?;
        let rounding = self.version.pick(H, Rounding::Down);
        Ok(percent_mul(d.total_collateral, d.avg_ltv, rounding)?.saturating_sub(d.total_debt))
    }

    fn is_liquidatable(&self, account: Address) -> Result<bool> {
        Ok(self.account_data(account)?.health_factor < HEALTH_FACTOR_LIQUIDATION_THRESHOLD)
    }

    fn max_liquidation(
        &self,
        borrower: Address,
        collateral_asset: Address,
        debt_asset: Address,
    ) -> Result<Liquidation> {
        let mut copy = self.clone();
        copy.liquidate(LiquidationRequest {
            borrower,
            collateral_asset,
            debt_asset,
            amount: LiquidationAmount::Debt(U256::MAX),
        })
    }

    fn liquidate(&mut self, request: LiquidationRequest) -> Result<Liquidation> {
        let LiquidationAmount::Debt(debt_to_cover) = request.amount else {
            return Err(Error::Unsupported {
                protocol: Protocol::AaveV3,
                operation: "liquidation by collateral or shares (give debtToCover)",
            });
        };
        // The liquidator is anyone but the borrower.
        let liquidator = Address::repeat_byte(0xAA);
        let liquidator =
            if liquidator == request.borrower { Address::repeat_byte(0xAB) } else { liquidator };
        let call = self.liquidation_call(
            request.collateral_asset,
            request.debt_asset,
            request.borrower,
            debt_to_cover,
            liquidator,
        )?;
        let user = self.user(request.borrower);
        let c = self.reserve(request.collateral_asset)?;
        let d = self.reserve(request.debt_asset)?;
        let cu = user.reserves.get(&c.config.id).copied().unwrap_or_default();
        let du = user.reserves.get(&d.config.id).copied().unwrap_or_default();
        Ok(Liquidation {
            debt_repaid: call.actual_debt_to_liquidate,
            collateral_seized: call.actual_collateral_to_liquidate + call.liquidation_protocol_fee,
            liquidator_bonus: call.bonus_collateral.saturating_sub(call.liquidation_protocol_fee),
            protocol_fee: call.liquidation_protocol_fee,
            bad_debt: call.deficit_created,
            bad_debt_bearer: if call.deficit_created.is_zero()
                && call.other_deficit_created.is_zero()
            {
                BadDebtBearer::Nobody
            } else {
                BadDebtBearer::ProtocolDeficit
            },
            remaining_collateral: self.version.a_balance(cu.scaled_a, c.state.liquidity_index)?,
            remaining_debt: self
                .version
                .v_balance(du.scaled_debt, d.state.variable_borrow_index)?,
        })
    }

    fn supply(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        Self::supply(self, account, asset, amount)
    }

    fn withdraw(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        Self::withdraw(self, account, asset, amount)
    }

    fn supply_collateral(&mut self, account: Address, asset: Address, amount: U256) -> Result<()> {
        Self::supply(self, account, asset, amount).map(|_| ())
    }

    fn borrow(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        Self::borrow(self, account, asset, amount)
    }

    fn repay(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        Self::repay(self, account, asset, amount)
    }

    fn available_liquidity(&self, asset: Address) -> Result<U256> {
        Ok(self.reserve(asset)?.state.virtual_balance)
    }

    fn utilisation(&self, asset: Address) -> Result<U256> {
        self.utilization_of(self.reserve(asset)?)
    }

    fn rates(&self, asset: Address) -> Result<Rates> {
        let r = self.reserve(asset)?;
        Ok(Rates {
            borrow: ray_to_wad(r.state.current_variable_borrow_rate, Rounding::Down),
            supply: ray_to_wad(r.state.current_liquidity_rate, Rounding::Down),
        })
    }

    fn accrue(&mut self, elapsed: u64) -> Result<()> {
        self.advance_time(elapsed)?;
        self.transact(|pool| {
            for i in 0..pool.reserves.len() {
                pool.update_state(i)?;
            }
            Ok(())
        })
    }
}

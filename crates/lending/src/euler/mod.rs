//! Euler v2 liquidation, mirroring `euler-xyz/euler-vault-kit` `src/EVault/modules/Liquidation.sol`
//! (`calculateLiquidation`, `calculateMaxLiquidation`, `executeLiquidation`),
//! `shared/LiquidityUtils.sol` and `shared/types/LTVConfig.sol`: the liquidation LTV (ramped down
//! linearly after a cut), the Dutch-auction discount `1 − collateral·LTV / liability` capped by
//! `maxLiquidationDiscount`, the liquidator taking the debt over, and socialisation of what no
//! collateral is left to cover.
//!
//! [`accounting`] adds the rest of the vault behind the shared
//! [`LendingMarket`](crate::LendingMarket) vocabulary: deposits and withdrawals limited by cash,
//! borrows and repays with caps, the interest accumulator and fee shares (`Cache.sol`), and the
//! rate from [`LinearKink`]. Debts are kept as the vault keeps them: `Owed` with 31 extra bits of
//! precision, each with the accumulator it was last updated at (`BorrowUtils.sol`).

pub mod accounting;

use crate::{Error, Protocol, Result};
use alloy_primitives::{Address, U256};
use std::collections::BTreeMap;

/// `CONFIG_SCALE` (1e4).
pub const CONFIG_SCALE: U256 = U256::from_limbs([10_000, 0, 0, 0]);
/// `MIN_SOCIALIZATION_LIABILITY_VALUE` (1e6 units of account).
pub const MIN_SOCIALIZATION_LIABILITY_VALUE: U256 = U256::from_limbs([1_000_000, 0, 0, 0]);
const WAD: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

/// Custom-error names the vault reverts with.
pub mod reason {
    /// `E_SelfLiquidation`.
    pub const SELF_LIQUIDATION: &str = "E_SelfLiquidation";
    /// `E_BadCollateral`.
    pub const BAD_COLLATERAL: &str = "E_BadCollateral";
    /// `E_ExcessiveRepayAmount`.
    pub const EXCESSIVE_REPAY_AMOUNT: &str = "E_ExcessiveRepayAmount";
    /// `E_MinYield`.
    pub const MIN_YIELD: &str = "E_MinYield";
    /// `E_InsufficientCash`: a withdrawal or borrow larger than the vault's cash.
    pub const INSUFFICIENT_CASH: &str = "E_InsufficientCash";
    /// `E_InsufficientBalance`: burning more shares than the owner holds.
    pub const INSUFFICIENT_BALANCE: &str = "E_InsufficientBalance";
    /// `E_ZeroShares`: a deposit too small to mint a share.
    pub const ZERO_SHARES: &str = "E_ZeroShares";
    /// `E_RepayTooMuch`.
    pub const REPAY_TOO_MUCH: &str = "E_RepayTooMuch";
    /// `E_InsufficientDebt`.
    pub const INSUFFICIENT_DEBT: &str = "E_InsufficientDebt";
    /// `E_AccountLiquidity`: the borrower's borrow-LTV collateral does not exceed its debt.
    pub const ACCOUNT_LIQUIDITY: &str = "E_AccountLiquidity";
    /// `E_SupplyCapExceeded`.
    pub const SUPPLY_CAP_EXCEEDED: &str = "E_SupplyCapExceeded";
    /// `E_BorrowCapExceeded`.
    pub const BORROW_CAP_EXCEEDED: &str = "E_BorrowCapExceeded";
}

const fn overflow(op: &'static str) -> Error {
    Error::Arithmetic(faultline_core::Error::Overflow { op })
}

fn mul_div(a: U256, b: U256, d: U256, op: &'static str) -> Result<U256> {
    let p = a.checked_mul(b).ok_or_else(|| overflow(op))?;
    p.checked_div(d).ok_or(Error::Arithmetic(faultline_core::Error::DivisionByZero { op }))
}

/// `LTVConfig`: LTVs in bps; a lowered liquidation LTV ramps from the initial value to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LtvConfig {
    /// LTV for borrowing.
    pub borrow_ltv: u16,
    /// Target liquidation LTV.
    pub liquidation_ltv: u16,
    /// Liquidation LTV when the ramp started.
    pub initial_liquidation_ltv: u16,
    /// When the ramp ends.
    pub target_timestamp: u64,
    /// Ramp length in seconds.
    pub ramp_duration: u64,
}

impl LtvConfig {
    /// `getLTV(liquidation)` at time `now`.
    pub fn ltv(&self, liquidation: bool, now: u64) -> U256 {
        if !liquidation {
            return U256::from(self.borrow_ltv);
        }
        if now >= self.target_timestamp
            || self.liquidation_ltv >= self.initial_liquidation_ltv
            || self.ramp_duration == 0
        {
            return U256::from(self.liquidation_ltv);
        }
        let target = U256::from(self.liquidation_ltv);
        let remaining = U256::from(self.target_timestamp - now);
        target
            + (U256::from(self.initial_liquidation_ltv) - target) * remaining
                / U256::from(self.ramp_duration)
    }
}

/// A collateral vault as the liability vault sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EulerCollateral {
    /// The collateral vault.
    pub vault: Address,
    /// Oracle mid price: unit of account per collateral unit, WAD (`getQuote` = `amount·p/1e18`).
    pub price: U256,
    /// Decimals of the collateral (to read an [`OraclePrice`](faultline_core::OraclePrice)).
    pub decimals: u8,
    /// LTVs.
    pub ltv: LtvConfig,
}

/// `checkLiquidation`'s answer and what `liquidate` executes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EulerLiquidation {
    /// Debt the liquidator takes over (liability-asset units).
    pub repay: U256,
    /// Collateral transferred to the liquidator.
    pub yield_balance: U256,
    /// Debt written off against depositors.
    pub socialized: U256,
}

/// A liability vault with its collaterals.
#[derive(Debug, Clone)]
pub struct EulerVault {
    /// Liability price in unit of account, WAD; `None` when the asset is the unit of account.
    pub liability_price: Option<U256>,
    /// Recognised collaterals.
    pub collaterals: Vec<EulerCollateral>,
    /// `maxLiquidationDiscount`, bps.
    pub max_liquidation_discount: u16,
    /// `CFG_DONT_SOCIALIZE_DEBT` unset.
    pub socialize_debt: bool,
    /// Current time (`block.timestamp`).
    pub now: u64,
    /// The vault's asset (what is lent, borrowed and repaid).
    pub asset: Address,
    /// Decimals of the asset (to read an [`OraclePrice`](faultline_core::OraclePrice)).
    pub asset_decimals: u8,
    /// Who takes the debt over when a liquidation comes through the shared vocabulary.
    pub liquidator: Address,
    /// The rate model; `None` keeps the stored rate (an IRM of `address(0)`).
    pub irm: Option<LinearKink>,
    /// `interestFee`, bps of the interest (the default is 1,000).
    pub interest_fee: u16,
    /// `supplyCap` resolved to assets (`U256::MAX` for none).
    pub supply_cap: U256,
    /// `borrowCap` resolved to assets (`U256::MAX` for none).
    pub borrow_cap: U256,
    /// `cash`: the asset the vault holds.
    pub cash: U256,
    /// `totalShares`.
    pub total_shares: U256,
    /// `accumulatedFees`, shares (part of `totalShares`).
    pub accumulated_fees: U256,
    /// `interestRate`: per second, RAY.
    pub interest_rate: U256,
    /// `interestAccumulator`, RAY (starts at 1e27).
    pub interest_accumulator: U256,
    /// `lastInterestAccumulatorUpdate`.
    pub last_update: u64,
    total_borrows_owed: U256,
    owed: BTreeMap<Address, (U256, U256)>,
    shares: BTreeMap<Address, U256>,
    balances: BTreeMap<(Address, usize), U256>,
}

impl EulerVault {
    /// A vault with no positions.
    pub const fn new(
        liability_price: Option<U256>,
        collaterals: Vec<EulerCollateral>,
        max_liquidation_discount: u16,
        now: u64,
    ) -> Self {
        Self {
            liability_price,
            collaterals,
            max_liquidation_discount,
            socialize_debt: true,
            now,
            asset: Address::ZERO,
            asset_decimals: 18,
            liquidator: Address::ZERO,
            irm: None,
            interest_fee: 1000,
            supply_cap: U256::MAX,
            borrow_cap: U256::MAX,
            cash: U256::ZERO,
            total_shares: U256::ZERO,
            accumulated_fees: U256::ZERO,
            interest_rate: U256::ZERO,
            interest_accumulator: accounting::RAY,
            last_update: now,
            total_borrows_owed: U256::ZERO,
            owed: BTreeMap::new(),
            shares: BTreeMap::new(),
            balances: BTreeMap::new(),
        }
    }

    /// Sets an account's debt to `debt` assets exactly (a snapshot), keeping `totalBorrows`.
    pub fn set_debt(&mut self, account: Address, debt: U256) -> Result<()> {
        let old = self.owed_now(account)?;
        let new = accounting::to_owed(debt)?;
        self.total_borrows_owed = self
            .total_borrows_owed
            .saturating_sub(old)
            .checked_add(new)
            .ok_or_else(|| overflow("totalBorrows"))?;
        self.owed.insert(account, (new, self.interest_accumulator));
        Ok(())
    }

    /// Sets an account's balance of collateral `i`.
    pub fn set_collateral(&mut self, account: Address, i: usize, balance: U256) -> Result<()> {
        if i >= self.collaterals.len() {
            return Err(Error::invalid("collateral", "a recognised collateral index", i));
        }
        self.balances.insert((account, i), balance);
        Ok(())
    }

    /// An account's debt in assets: `getCurrentOwed(...).toAssetsUp()` (at the last accrual).
    pub fn debt(&self, account: Address) -> U256 {
        accounting::to_assets_up(self.owed_now(account).unwrap_or(U256::MAX))
    }

    /// An account's balance of collateral `i`.
    pub fn collateral(&self, account: Address, i: usize) -> U256 {
        self.balances.get(&(account, i)).copied().unwrap_or_default()
    }

    fn quote(amount: U256, price: U256) -> Result<U256> {
        mul_div(amount, price, WAD, "getQuote")
    }

    /// `calculateLiquidity(..., liquidation)`: `(Σ value·LTV/1e4, liability value)`.
    pub fn liquidity(&self, account: Address, liquidation: bool) -> Result<(U256, U256)> {
        let mut collateral = U256::ZERO;
        for (i, c) in self.collaterals.iter().enumerate() {
            let ltv = c.ltv.ltv(liquidation, self.now);
            let balance = self.collateral(account, i);
            if ltv.is_zero() || balance.is_zero() {
                continue;
            }
            let value =
                mul_div(Self::quote(balance, c.price)?, ltv, CONFIG_SCALE, "collateral value")?;
            collateral =
                collateral.checked_add(value).ok_or_else(|| overflow("collateralValue"))?;
        }
        let owed = self.debt(account);
        let liability = match self.liability_price {
            _ if owed.is_zero() => U256::ZERO,
            None => owed,
            Some(p) => Self::quote(owed, p)?,
        };
        Ok((collateral, liability))
    }

    /// `checkLiquidation(liquidator, violator, collateral)` / `calculateLiquidation`.
    pub fn check_liquidation(
        &self,
        liquidator: Address,
        violator: Address,
        i: usize,
        desired_repay: U256,
    ) -> Result<(EulerLiquidation, U256)> {
        if violator == liquidator {
            return Err(Error::revert(Protocol::EulerV2, reason::SELF_LIQUIDATION));
        }
        let c = self
            .collaterals
            .get(i)
            .ok_or_else(|| Error::revert(Protocol::EulerV2, reason::BAD_COLLATERAL))?;
        let liability = self.debt(violator);
        let none = EulerLiquidation {
            repay: U256::ZERO,
            yield_balance: U256::ZERO,
            socialized: U256::ZERO,
        };
        if liability.is_zero() {
            return Ok((none, U256::ZERO));
        }
        // calculateMaxLiquidation
        let (adjusted, liability_value) = self.liquidity(violator, true)?;
        if adjusted > liability_value || liability_value.is_zero() {
            return Ok((none, liability_value));
        }
        let mut discount = mul_div(adjusted, WAD, liability_value, "discountFactor")?;
        if U256::from(self.max_liquidation_discount) > CONFIG_SCALE {
            return Err(Error::invalid(
                "maxLiquidationDiscount",
                "at most 10000 bps",
                self.max_liquidation_discount,
            ));
        }
        let min_discount = WAD - WAD * U256::from(self.max_liquidation_discount) / CONFIG_SCALE;
        if discount < min_discount {
            discount = min_discount;
        }
        let balance = self.collateral(violator, i);
        let collateral_value = Self::quote(balance, c.price)?;
        let (mut repay, mut yield_balance) = if collateral_value.is_zero() {
            (U256::ZERO, balance)
        } else {
            let mut max_repay_value = liability_value;
            let mut max_yield_value = mul_div(max_repay_value, WAD, discount, "maxYieldValue")?;
            if collateral_value < max_yield_value {
                max_repay_value = mul_div(collateral_value, discount, WAD, "maxRepayValue")?;
                max_yield_value = collateral_value;
            }
            (
                mul_div(max_repay_value, liability, liability_value, "repay")?,
                mul_div(max_yield_value, balance, collateral_value, "yield")?,
            )
        };
        if desired_repay != U256::MAX {
            if desired_repay > repay {
                return Err(Error::revert(Protocol::EulerV2, reason::EXCESSIVE_REPAY_AMOUNT));
            }
            if !repay.is_zero() {
                yield_balance = mul_div(desired_repay, yield_balance, repay, "yield")?;
                repay = desired_repay;
            }
        }
        Ok((EulerLiquidation { repay, yield_balance, socialized: U256::ZERO }, liability_value))
    }

    /// `liquidate(violator, collateral, repayAssets, minYieldBalance)`: interest accrued first,
    /// the rate updated after (`checkVaultStatus`); a revert leaves no trace.
    pub fn liquidate(
        &mut self,
        liquidator: Address,
        violator: Address,
        i: usize,
        desired_repay: U256,
        min_yield: U256,
    ) -> Result<EulerLiquidation> {
        self.operate(|v| v.execute_liquidation(liquidator, violator, i, desired_repay, min_yield))
    }

    /// `calculateLiquidation` then `executeLiquidation`, on an accrued vault.
    fn execute_liquidation(
        &mut self,
        liquidator: Address,
        violator: Address,
        i: usize,
        desired_repay: U256,
        min_yield: U256,
    ) -> Result<EulerLiquidation> {
        let (mut out, liability_value) =
            self.check_liquidation(liquidator, violator, i, desired_repay)?;
        if min_yield > out.yield_balance {
            return Err(Error::revert(Protocol::EulerV2, reason::MIN_YIELD));
        }
        let liability = self.debt(violator);
        if !out.repay.is_zero() {
            self.transfer_borrow(violator, liquidator, out.repay)?;
        }
        if !out.yield_balance.is_zero() {
            let left = self.collateral(violator, i) - out.yield_balance;
            self.balances.insert((violator, i), left);
            let got = self
                .collateral(liquidator, i)
                .checked_add(out.yield_balance)
                .ok_or_else(|| overflow("balance"))?;
            self.balances.insert((liquidator, i), got);
        }
        let no_collateral =
            (0..self.collaterals.len()).all(|k| self.collateral(violator, k).is_zero());
        if liability_value >= MIN_SOCIALIZATION_LIABILITY_VALUE
            && self.socialize_debt
            && liability > out.repay
            && no_collateral
        {
            let remaining = liability - out.repay;
            self.decrease_borrow(violator, remaining)?;
            out.socialized = remaining;
        }
        Ok(out)
    }
}

/// `IRMLinearKink` (`src/InterestRateModels/IRMLinearKink.sol`): the per-second borrow rate in RAY
/// at `utilization = borrows·(2^32 − 1)/(cash + borrows)`, with slopes per unit of that 32-bit
/// utilisation and the kink in the same units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinearKink {
    /// Rate at zero utilisation.
    pub base_rate: U256,
    /// Slope up to the kink.
    pub slope1: U256,
    /// Slope above the kink.
    pub slope2: U256,
    /// Kink, as a fraction of `2^32 − 1`.
    pub kink: u32,
}

impl LinearKink {
    /// `computeInterestRate(vault, cash, borrows)`.
    pub fn rate(&self, cash: U256, borrows: U256) -> Result<U256> {
        let total = cash.checked_add(borrows).ok_or_else(|| overflow("cash + borrows"))?;
        let utilization = if total.is_zero() {
            U256::ZERO
        } else {
            mul_div(borrows, U256::from(u32::MAX), total, "utilization")?
        };
        let kink = U256::from(self.kink);
        let of = || overflow("interest rate");
        if utilization <= kink {
            self.base_rate
                .checked_add(utilization.checked_mul(self.slope1).ok_or_else(of)?)
                .ok_or_else(of)
        } else {
            let low = kink.checked_mul(self.slope1).ok_or_else(of)?;
            let high = self.slope2.checked_mul(utilization - kink).ok_or_else(of)?;
            self.base_rate.checked_add(low).and_then(|r| r.checked_add(high)).ok_or_else(of)
        }
    }
}

//! Morpho Blue, mirroring `Morpho.sol` (`@morpho-org/morpho-blue@1.0.0`) statement by statement.
//!
//! One [`MorphoMarket`] is one isolated market: a loan token, a collateral token, an oracle price
//! (loan units per collateral unit, scaled by `1e36`), an LLTV and an interest rate model. Every
//! operation accrues interest first, exactly where the contract does, and fails on exactly the
//! inputs the contract reverts on: the same `ErrorsLib` reason string, or the same arithmetic
//! panic (`toUint128` bounds, `uint128` storage underflow/overflow). The differential test
//! `tests/morpho_differential.rs` checks this against the real contract on a local EVM.

mod irm;
mod liquidation_price;
pub(crate) mod loader;

pub use irm::{Irm, initial_rate_at_target, w_exp};
pub use loader::{LoadedMorphoMarket, load_markets, parse_integer, parse_scaled};

use crate::{
    BadDebtBearer, Error, Health, LendingMarket, Liquidation, LiquidationAmount,
    LiquidationRequest, Protocol, Rates, Result, ValueUnit,
};
use alloy_primitives::{Address, U256};
use faultline_core::{
    OraclePrice,
    math::{
        morpho::{
            mul_div_down, mul_div_up, to_assets_down, to_assets_up, to_shares_down, to_shares_up,
            w_div_down, w_div_up, w_mul_down, w_taylor_compounded, zero_floor_sub,
        },
        wad_ray::WAD,
    },
};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

/// A fixed, fast hash of an account for the position map: a multiply-rotate over the address's
/// bytes (as FxHash does) with a final avalanche so that sequential or structured addresses
/// spread over the table's low bits. Fixed (not randomly seeded), though nothing depends on the
/// map's order: [`MorphoMarket::positions`] sorts. A market's accounts are not adversarial input
/// to a model, so a DoS-resistant hash buys nothing here and costs most of a lookup.
#[derive(Debug, Default, Clone, Copy)]
struct AccountHasher(u64);

impl AccountHasher {
    const fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for AccountHasher {
    /// Little-endian 8-byte words, the last one zero-padded.
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in words.by_ref() {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            self.mix(u64::from_le_bytes(w));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            // The zero-padded little-endian word, built in a register (a copy into a buffer is
            // a call to memcpy, then a load the store cannot forward).
            let w = rest.iter().rev().fold(0u64, |w, b| (w << 8) | u64::from(*b));
            self.mix(w);
        }
    }

    /// A slice's length prefix: the word [`Hasher::write`] would make of its bytes, mixed
    /// without the copy.
    fn write_usize(&mut self, n: usize) {
        self.mix(u64::from_le_bytes((n as u64).to_ne_bytes()));
    }

    fn finish(&self) -> u64 {
        // splitmix64's finaliser.
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Positions by account: looked up several times per liquidation and copied whole with the
/// market, so a hash map (one probe, a flat copy) rather than a B-tree.
type Positions = HashMap<Address, Position, BuildHasherDefault<AccountHasher>>;

/// `ConstantsLib.ORACLE_PRICE_SCALE`: oracle prices are loan units per collateral unit times 1e36.
pub const ORACLE_PRICE_SCALE: U256 =
    U256::from_limbs([0xb34b9f1000000000, 0x00c097ce7bc90715, 0, 0]);
/// `ConstantsLib.LIQUIDATION_CURSOR` (0.3e18).
pub const LIQUIDATION_CURSOR: U256 = U256::from_limbs([300_000_000_000_000_000, 0, 0, 0]);
/// `ConstantsLib.MAX_LIQUIDATION_INCENTIVE_FACTOR` (1.15e18).
pub const MAX_LIQUIDATION_INCENTIVE_FACTOR: U256 =
    U256::from_limbs([1_150_000_000_000_000_000, 0, 0, 0]);
/// `ConstantsLib.MAX_FEE` (0.25e18).
pub const MAX_FEE: U256 = U256::from_limbs([250_000_000_000_000_000, 0, 0, 0]);
/// Seconds in Morpho's year (`365 days`), used by its rate models.
pub const SECONDS_PER_YEAR: U256 = U256::from_limbs([31_536_000, 0, 0, 0]);

/// `ErrorsLib` reasons, exactly as the contract reverts with them.
pub mod reason {
    /// `ErrorsLib.INCONSISTENT_INPUT`.
    pub const INCONSISTENT_INPUT: &str = "inconsistent input";
    /// `ErrorsLib.ZERO_ASSETS`.
    pub const ZERO_ASSETS: &str = "zero assets";
    /// `ErrorsLib.INSUFFICIENT_COLLATERAL`.
    pub const INSUFFICIENT_COLLATERAL: &str = "insufficient collateral";
    /// `ErrorsLib.INSUFFICIENT_LIQUIDITY`.
    pub const INSUFFICIENT_LIQUIDITY: &str = "insufficient liquidity";
    /// `ErrorsLib.HEALTHY_POSITION`.
    pub const HEALTHY_POSITION: &str = "position is healthy";
    /// `ErrorsLib.MAX_UINT128_EXCEEDED`.
    pub const MAX_UINT128_EXCEEDED: &str = "max uint128 exceeded";
    /// `ErrorsLib.MAX_LLTV_EXCEEDED`.
    pub const MAX_LLTV_EXCEEDED: &str = "max LLTV exceeded";
    /// `ErrorsLib.MAX_FEE_EXCEEDED`.
    pub const MAX_FEE_EXCEEDED: &str = "max fee exceeded";
    /// `ErrorsLib.ALREADY_SET`.
    pub const ALREADY_SET: &str = "already set";
}

const U128_MAX: U256 = U256::from_limbs([u64::MAX, u64::MAX, 0, 0]);

const fn revert(reason: &'static str) -> Error {
    Error::revert(Protocol::MorphoBlue, reason)
}

/// `UtilsLib.toUint128`: the value itself, or the contract's revert when it exceeds `uint128`.
fn to_u128(x: U256) -> Result<U256> {
    if x > U128_MAX { Err(revert(reason::MAX_UINT128_EXCEEDED)) } else { Ok(x) }
}

/// `a += b` on a `uint128` storage slot: Solidity 0.8 checked arithmetic (panic `0x11`).
fn add_u128(a: U256, b: U256, op: &'static str) -> Result<U256> {
    let sum = a.checked_add(b).filter(|s| *s <= U128_MAX);
    sum.ok_or(Error::Arithmetic(faultline_core::Error::Overflow { op }))
}

/// `a -= b` on a storage slot (either width): checked, panic `0x11` below zero.
fn sub(a: U256, b: U256, op: &'static str) -> Result<U256> {
    a.checked_sub(b).ok_or(Error::Arithmetic(faultline_core::Error::Underflow { op }))
}

/// `a += b` on a `uint256` slot (a position's supply shares).
fn add_u256(a: U256, b: U256, op: &'static str) -> Result<U256> {
    a.checked_add(b).ok_or(Error::Arithmetic(faultline_core::Error::Overflow { op }))
}

/// A market's identity (`MarketParams`); the LLTV is the only one the math reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketParams {
    /// The token lent and borrowed.
    pub loan_token: Address,
    /// The token pledged.
    pub collateral_token: Address,
    /// The oracle contract.
    pub oracle: Address,
    /// The rate model contract.
    pub irm: Address,
    /// Liquidation loan-to-value, WAD; must be below `1e18` (`enableLltv`).
    pub lltv: U256,
}

/// A market's totals (`Market` in `IMorpho.sol`; every field is `uint128` on chain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MarketState {
    /// Loan assets owed to suppliers.
    pub total_supply_assets: U256,
    /// Supply shares outstanding.
    pub total_supply_shares: U256,
    /// Loan assets owed by borrowers.
    pub total_borrow_assets: U256,
    /// Borrow shares outstanding.
    pub total_borrow_shares: U256,
    /// Timestamp of the last accrual.
    pub last_update: U256,
    /// Fee on interest, WAD (at most [`MAX_FEE`]).
    pub fee: U256,
}

/// An account's position in one market (`Position` in `IMorpho.sol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// Supply shares (`uint256`).
    pub supply_shares: U256,
    /// Borrow shares (`uint128`).
    pub borrow_shares: U256,
    /// Collateral in raw units (`uint128`).
    pub collateral: U256,
}

/// What `liquidate` did (its return values, and the bad debt its `Liquidate` event reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiquidateOutcome {
    /// Collateral seized.
    pub seized_assets: U256,
    /// Loan assets the liquidator pays.
    pub repaid_assets: U256,
    /// Borrow shares burned by the repayment.
    pub repaid_shares: U256,
    /// Loan assets written off against suppliers.
    pub bad_debt_assets: U256,
    /// Borrow shares written off.
    pub bad_debt_shares: U256,
}

/// `min(MAX_LIQUIDATION_INCENTIVE_FACTOR, wDivDown(WAD, WAD - wMulDown(LIQUIDATION_CURSOR, WAD -
/// lltv)))`, as `liquidate` computes it.
pub fn liquidation_incentive_factor(lltv: U256) -> Result<U256> {
    let one_minus_lltv = sub(WAD, lltv, "WAD - lltv")?;
    let denominator = sub(WAD, w_mul_down(LIQUIDATION_CURSOR, one_minus_lltv)?, "WAD - cursor")?;
    Ok(MAX_LIQUIDATION_INCENTIVE_FACTOR.min(w_div_down(WAD, denominator)?))
}

/// One Morpho Blue market with its positions, oracle price, rate model and clock.
#[derive(Debug, Clone)]
pub struct MorphoMarket {
    params: MarketParams,
    state: MarketState,
    positions: Positions,
    price: U256,
    irm: Irm,
    fee_recipient: Address,
    now: U256,
    /// While a [`Self::transact`] runs: the positions it touched, as they were before, so a
    /// revert restores them without copying every position of the market.
    journal: Option<Vec<(Address, Option<Position>)>>,
}

/// Morpho's oracle scale for `price` loan tokens per whole collateral token (an oracle's
/// answer): `price · 10^(36 + loan decimals − collateral decimals)`, rounded down as the oracle
/// contract's scale factor truncates.
pub fn oracle_price(
    price: faultline_core::Price,
    loan_decimals: u8,
    collateral_decimals: u8,
) -> Result<U256> {
    let scale = 36 + i16::from(loan_decimals) - i16::from(collateral_decimals);
    let scale = u8::try_from(scale)
        .map_err(|_| Error::invalid("decimals", "an oracle scale within 0..=255", scale))?;
    Ok(price.rescale(scale, faultline_core::Rounding::Down)?.raw())
}

/// `exact` (an oracle's `price()` as read, Morpho's scale) when `rounded` is it with the
/// whole-token price cut to `places` decimal places (what [`oracle_price`] gives for a price kept
/// in `places` decimals), else `rounded`: an oracle still answering what it answered at the
/// snapshot is valued exactly, one that moved at its new answer.
pub fn exact_or_rounded(
    exact: U256,
    rounded: U256,
    loan_decimals: u8,
    collateral_decimals: u8,
    places: u8,
) -> U256 {
    let scale = 36 + i16::from(loan_decimals) - i16::from(collateral_decimals);
    let cut = u8::try_from(scale - i16::from(places)).unwrap_or(0);
    let unit = U256::from(10u8).pow(U256::from(cut));
    if exact - exact % unit == rounded { exact } else { rounded }
}

impl MorphoMarket {
    /// `createMarket` at time `now`, with the oracle at `price` (loan units per collateral unit
    /// times 1e36). The LLTV must be one governance could enable (`< 1e18`).
    pub fn create(params: MarketParams, irm: Irm, price: U256, now: u64) -> Result<Self> {
        if params.lltv >= WAD {
            return Err(revert(reason::MAX_LLTV_EXCEEDED));
        }
        let state = MarketState { last_update: U256::from(now), ..MarketState::default() };
        let mut market = Self {
            params,
            state,
            positions: Positions::default(),
            price,
            irm,
            fee_recipient: Address::ZERO,
            now: U256::from(now),
            journal: None,
        };
        // createMarket calls the IRM once so a stateful model can initialise.
        market.irm.borrow_rate(&market.state, market.now)?;
        Ok(market)
    }

    /// A market from its on-chain state as read (e.g. from a fixture): totals, positions, fee.
    pub fn from_state(
        params: MarketParams,
        state: MarketState,
        positions: BTreeMap<Address, Position>,
        irm: Irm,
        price: U256,
        now: u64,
    ) -> Result<Self> {
        Self::from_positions(params, state, positions, irm, price, now)
    }

    /// [`Self::from_state`] with the positions in any order and without building a map first
    /// (a large snapshot's markets); an account listed twice keeps its last position, as a map
    /// built from the same list would.
    pub fn from_positions(
        params: MarketParams,
        state: MarketState,
        positions: impl IntoIterator<Item = (Address, Position)>,
        irm: Irm,
        price: U256,
        now: u64,
    ) -> Result<Self> {
        if params.lltv >= WAD {
            return Err(Error::invalid("lltv", "below 1e18", params.lltv));
        }
        if state.fee > MAX_FEE {
            return Err(Error::invalid("fee", "at most 0.25e18", state.fee));
        }
        let now = U256::from(now);
        if state.last_update > now {
            return Err(Error::invalid("lastUpdate", "not after now", state.last_update));
        }
        Ok(Self {
            params,
            state,
            positions: positions.into_iter().collect(),
            price,
            irm,
            fee_recipient: Address::ZERO,
            now,
            journal: None,
        })
    }

    /// The market's parameters.
    pub const fn params(&self) -> &MarketParams {
        &self.params
    }

    /// The market's totals.
    pub const fn state(&self) -> &MarketState {
        &self.state
    }

    /// The interest rate model and its state (an AdaptiveCurveIRM's `rateAtTarget` moves with
    /// each accrual).
    pub const fn irm(&self) -> &Irm {
        &self.irm
    }

    /// An account's position (zero when it has none).
    pub fn position(&self, account: Address) -> Position {
        self.positions.get(&account).copied().unwrap_or_default()
    }

    /// Sets an account's position directly (from a snapshot); totals are not touched.
    pub fn insert_position(&mut self, account: Address, position: Position) {
        self.positions.insert(account, position);
    }

    /// The oracle price (loan units per collateral unit, times 1e36).
    pub const fn price(&self) -> U256 {
        self.price
    }

    /// Sets the oracle price.
    pub const fn set_price(&mut self, price: U256) {
        self.price = price;
    }

    /// The current time.
    pub const fn now(&self) -> U256 {
        self.now
    }

    /// Moves the clock forward (no accrual until the next operation, as on chain).
    pub fn advance_time(&mut self, seconds: u64) -> Result<()> {
        self.now = add_u256(self.now, U256::from(seconds), "clock")?;
        Ok(())
    }

    /// Sets the clock to a timestamp, which may not go back.
    pub fn set_time(&mut self, now: u64) -> Result<()> {
        let now = U256::from(now);
        if now < self.now {
            return Err(Error::invalid("now", "not before the current time", now));
        }
        self.now = now;
        Ok(())
    }

    /// `setFeeRecipient`.
    pub const fn set_fee_recipient(&mut self, recipient: Address) {
        self.fee_recipient = recipient;
    }

    /// `setFee`: accrues with the old fee first.
    pub fn set_fee(&mut self, fee: U256) -> Result<()> {
        if fee == self.state.fee {
            return Err(revert(reason::ALREADY_SET));
        }
        if fee > MAX_FEE {
            return Err(revert(reason::MAX_FEE_EXCEEDED));
        }
        self.transact(|m| {
            m.accrue_interest()?;
            m.state.fee = fee;
            Ok(())
        })
    }

    /// Runs `f` and keeps its effects only when it succeeds: a revert leaves no trace. The
    /// scalar state is saved whole; positions are journaled as they are first touched, so a
    /// transaction costs what it touches, not the size of the market.
    fn transact<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let saved = (self.state, self.irm.clone(), self.now, self.price, self.fee_recipient);
        let outer = self.journal.replace(Vec::new());
        let out = f(self);
        let journal = std::mem::replace(&mut self.journal, outer).unwrap_or_default();
        match out {
            Ok(value) => {
                // Inside an enclosing transaction, its journal must be able to undo this one too.
                if let Some(outer) = self.journal.as_mut() {
                    outer.extend(journal);
                }
                Ok(value)
            }
            Err(error) => {
                (self.state, self.irm, self.now, self.price, self.fee_recipient) = saved;
                for (account, before) in journal.into_iter().rev() {
                    match before {
                        Some(position) => self.positions.insert(account, position),
                        None => self.positions.remove(&account),
                    };
                }
                Err(error)
            }
        }
    }

    /// A copy holding only `accounts`' positions (and the fee recipient's), with the same totals,
    /// price, rate model and clock: enough to preview any operation on those accounts exactly,
    /// at a cost independent of the market's size.
    fn detached(&self, accounts: &[Address]) -> Self {
        let positions = accounts
            .iter()
            .chain(std::iter::once(&self.fee_recipient))
            .filter_map(|a| self.positions.get(a).map(|p| (*a, *p)))
            .collect();
        Self {
            params: self.params,
            state: self.state,
            positions,
            price: self.price,
            irm: self.irm.clone(),
            fee_recipient: self.fee_recipient,
            now: self.now,
            journal: None,
        }
    }

    fn position_mut(&mut self, account: Address) -> &mut Position {
        if let Some(journal) = self.journal.as_mut() {
            journal.push((account, self.positions.get(&account).copied()));
        }
        self.positions.entry(account).or_default()
    }

    /// `_accrueInterest`.
    fn accrue_interest(&mut self) -> Result<()> {
        let elapsed = sub(self.now, self.state.last_update, "block.timestamp - lastUpdate")?;
        if elapsed.is_zero() {
            return Ok(());
        }
        if let Some(rate) = self.irm.borrow_rate(&self.state, self.now)? {
            let interest =
                w_mul_down(self.state.total_borrow_assets, w_taylor_compounded(rate, elapsed)?)?;
            let interest128 = to_u128(interest)?;
            self.state.total_borrow_assets =
                add_u128(self.state.total_borrow_assets, interest128, "totalBorrowAssets")?;
            self.state.total_supply_assets =
                add_u128(self.state.total_supply_assets, interest128, "totalSupplyAssets")?;
            if !self.state.fee.is_zero() {
                let fee_amount = w_mul_down(interest, self.state.fee)?;
                let supply_less_fee = sub(
                    self.state.total_supply_assets,
                    fee_amount,
                    "totalSupplyAssets - feeAmount",
                )?;
                let fee_shares =
                    to_shares_down(fee_amount, supply_less_fee, self.state.total_supply_shares)?;
                let recipient = self.fee_recipient;
                let position = self.position_mut(recipient);
                position.supply_shares =
                    add_u256(position.supply_shares, fee_shares, "supplyShares")?;
                self.state.total_supply_shares = add_u128(
                    self.state.total_supply_shares,
                    to_u128(fee_shares)?,
                    "totalSupplyShares",
                )?;
            }
        }
        self.state.last_update = self.now;
        Ok(())
    }

    /// Loan assets the account owes, rounded up (`toAssetsUp` of its borrow shares).
    pub fn borrowed(&self, account: Address) -> Result<U256> {
        self.debt_of(&self.position(account))
    }

    /// `⌊⌊collateral · price / 1e36⌋ · lltv / 1e18⌋`: the debt the account may carry.
    pub fn max_borrow(&self, account: Address, price: U256) -> Result<U256> {
        self.max_borrow_of(&self.position(account), price)
    }

    /// [`Self::borrowed`] for a position already in hand (as [`Self::positions`] yields it).
    pub fn debt_of(&self, position: &Position) -> Result<U256> {
        Ok(to_assets_up(
            position.borrow_shares,
            self.state.total_borrow_assets,
            self.state.total_borrow_shares,
        )?)
    }

    /// [`Self::max_borrow`] for a position already in hand.
    pub fn max_borrow_of(&self, position: &Position, price: U256) -> Result<U256> {
        let collateral_value = mul_div_down(position.collateral, price, ORACLE_PRICE_SCALE)?;
        Ok(w_mul_down(collateral_value, self.params.lltv)?)
    }

    /// Every position in no particular order (but the same for the same market): for a caller
    /// that orders them itself, without [`Self::positions`]'s sort.
    pub fn positions_unordered(&self) -> impl Iterator<Item = (Address, &Position)> {
        self.positions.iter().map(|(a, p)| (*a, p))
    }

    /// Every position, in account order: a scan without a lookup per account.
    pub fn positions(&self) -> impl Iterator<Item = (Address, &Position)> {
        let mut all: Vec<(Address, &Position)> =
            self.positions.iter().map(|(a, p)| (*a, p)).collect();
        all.sort_unstable_by_key(|(a, _)| *a);
        all.into_iter()
    }

    /// `_isHealthy(marketParams, id, borrower, collateralPrice)`, without the zero-debt shortcut.
    fn is_healthy_at(&self, account: Address, price: U256) -> Result<bool> {
        let borrowed = self.borrowed(account)?;
        Ok(self.max_borrow(account, price)? >= borrowed)
    }

    /// `_isHealthy(marketParams, id, borrower)`: healthy when it has no borrow shares, else as above.
    pub fn is_healthy(&self, account: Address) -> Result<bool> {
        if self.position(account).borrow_shares.is_zero() {
            return Ok(true);
        }
        self.is_healthy_at(account, self.price)
    }

    /// `supply(marketParams, assets, shares, onBehalf, data)`: returns `(assets, shares)`.
    pub fn supply(
        &mut self,
        on_behalf: Address,
        assets: U256,
        shares: U256,
    ) -> Result<(U256, U256)> {
        exactly_one_zero(assets, shares)?;
        self.transact(|m| {
            m.accrue_interest()?;
            let s = m.state;
            let (assets, shares) = if !assets.is_zero() {
                (assets, to_shares_down(assets, s.total_supply_assets, s.total_supply_shares)?)
            } else {
                (to_assets_up(shares, s.total_supply_assets, s.total_supply_shares)?, shares)
            };
            let p = m.position_mut(on_behalf);
            p.supply_shares = add_u256(p.supply_shares, shares, "supplyShares")?;
            m.state.total_supply_shares =
                add_u128(m.state.total_supply_shares, to_u128(shares)?, "totalSupplyShares")?;
            m.state.total_supply_assets =
                add_u128(m.state.total_supply_assets, to_u128(assets)?, "totalSupplyAssets")?;
            Ok((assets, shares))
        })
    }

    /// `withdraw`: limited by liquidity (`totalBorrowAssets <= totalSupplyAssets` afterwards).
    pub fn withdraw(
        &mut self,
        on_behalf: Address,
        assets: U256,
        shares: U256,
    ) -> Result<(U256, U256)> {
        exactly_one_zero(assets, shares)?;
        self.transact(|m| {
            m.accrue_interest()?;
            let s = m.state;
            let (assets, shares) = if !assets.is_zero() {
                (assets, to_shares_up(assets, s.total_supply_assets, s.total_supply_shares)?)
            } else {
                (to_assets_down(shares, s.total_supply_assets, s.total_supply_shares)?, shares)
            };
            let p = m.position_mut(on_behalf);
            p.supply_shares = sub(p.supply_shares, shares, "supplyShares")?;
            m.state.total_supply_shares =
                sub(m.state.total_supply_shares, to_u128(shares)?, "totalSupplyShares")?;
            m.state.total_supply_assets =
                sub(m.state.total_supply_assets, to_u128(assets)?, "totalSupplyAssets")?;
            if m.state.total_borrow_assets > m.state.total_supply_assets {
                return Err(revert(reason::INSUFFICIENT_LIQUIDITY));
            }
            Ok((assets, shares))
        })
    }

    /// `borrow`: requires health after the borrow and enough liquidity.
    pub fn borrow(
        &mut self,
        on_behalf: Address,
        assets: U256,
        shares: U256,
    ) -> Result<(U256, U256)> {
        exactly_one_zero(assets, shares)?;
        self.transact(|m| {
            m.accrue_interest()?;
            let s = m.state;
            let (assets, shares) = if !assets.is_zero() {
                (assets, to_shares_up(assets, s.total_borrow_assets, s.total_borrow_shares)?)
            } else {
                (to_assets_down(shares, s.total_borrow_assets, s.total_borrow_shares)?, shares)
            };
            let shares128 = to_u128(shares)?;
            let p = m.position_mut(on_behalf);
            p.borrow_shares = add_u128(p.borrow_shares, shares128, "borrowShares")?;
            m.state.total_borrow_shares =
                add_u128(m.state.total_borrow_shares, shares128, "totalBorrowShares")?;
            m.state.total_borrow_assets =
                add_u128(m.state.total_borrow_assets, to_u128(assets)?, "totalBorrowAssets")?;
            if !m.is_healthy(on_behalf)? {
                return Err(revert(reason::INSUFFICIENT_COLLATERAL));
            }
            if m.state.total_borrow_assets > m.state.total_supply_assets {
                return Err(revert(reason::INSUFFICIENT_LIQUIDITY));
            }
            Ok((assets, shares))
        })
    }

    /// `repay`: returns `(assets, shares)`; assets may exceed the total borrow by one wei.
    pub fn repay(
        &mut self,
        on_behalf: Address,
        assets: U256,
        shares: U256,
    ) -> Result<(U256, U256)> {
        exactly_one_zero(assets, shares)?;
        self.transact(|m| {
            m.accrue_interest()?;
            let s = m.state;
            let (assets, shares) = if !assets.is_zero() {
                (assets, to_shares_down(assets, s.total_borrow_assets, s.total_borrow_shares)?)
            } else {
                (to_assets_up(shares, s.total_borrow_assets, s.total_borrow_shares)?, shares)
            };
            let shares128 = to_u128(shares)?;
            let p = m.position_mut(on_behalf);
            p.borrow_shares = sub(p.borrow_shares, shares128, "borrowShares")?;
            m.state.total_borrow_shares =
                sub(m.state.total_borrow_shares, shares128, "totalBorrowShares")?;
            m.state.total_borrow_assets =
                to_u128(zero_floor_sub(m.state.total_borrow_assets, assets))?;
            Ok((assets, shares))
        })
    }

    /// `supplyCollateral` (no accrual, as in the contract).
    pub fn supply_collateral(&mut self, on_behalf: Address, assets: U256) -> Result<()> {
        if assets.is_zero() {
            return Err(revert(reason::ZERO_ASSETS));
        }
        let assets = to_u128(assets)?;
        let p = self.position(on_behalf);
        let collateral = add_u128(p.collateral, assets, "collateral")?;
        self.position_mut(on_behalf).collateral = collateral;
        Ok(())
    }

    /// `withdrawCollateral`: requires health afterwards.
    pub fn withdraw_collateral(&mut self, on_behalf: Address, assets: U256) -> Result<()> {
        if assets.is_zero() {
            return Err(revert(reason::ZERO_ASSETS));
        }
        self.transact(|m| {
            m.accrue_interest()?;
            let assets = to_u128(assets)?;
            let p = m.position_mut(on_behalf);
            p.collateral = sub(p.collateral, assets, "collateral")?;
            if !m.is_healthy(on_behalf)? {
                return Err(revert(reason::INSUFFICIENT_COLLATERAL));
            }
            Ok(())
        })
    }

    /// `accrueInterest`.
    pub fn accrue(&mut self) -> Result<()> {
        self.transact(Self::accrue_interest)
    }

    /// `liquidate(marketParams, borrower, seizedAssets, repaidShares, data)`.
    pub fn liquidate(
        &mut self,
        borrower: Address,
        seized_assets: U256,
        repaid_shares: U256,
    ) -> Result<LiquidateOutcome> {
        exactly_one_zero(seized_assets, repaid_shares)?;
        self.transact(|m| {
            m.accrue_interest()?;
            let price = m.price;
            if m.is_healthy_at(borrower, price)? {
                return Err(revert(reason::HEALTHY_POSITION));
            }
            let lif = liquidation_incentive_factor(m.params.lltv)?;
            let s = m.state;
            let (seized, repaid_shares) = if !seized_assets.is_zero() {
                let quoted = mul_div_up(seized_assets, price, ORACLE_PRICE_SCALE)?;
                let shares = to_shares_up(
                    w_div_up(quoted, lif)?,
                    s.total_borrow_assets,
                    s.total_borrow_shares,
                )?;
                (seized_assets, shares)
            } else {
                let assets =
                    to_assets_down(repaid_shares, s.total_borrow_assets, s.total_borrow_shares)?;
                (mul_div_down(w_mul_down(assets, lif)?, ORACLE_PRICE_SCALE, price)?, repaid_shares)
            };
            let repaid_assets =
                to_assets_up(repaid_shares, s.total_borrow_assets, s.total_borrow_shares)?;
            let repaid128 = to_u128(repaid_shares)?;
            let p = m.position_mut(borrower);
            p.borrow_shares = sub(p.borrow_shares, repaid128, "borrowShares")?;
            m.state.total_borrow_shares =
                sub(m.state.total_borrow_shares, repaid128, "totalBorrowShares")?;
            m.state.total_borrow_assets =
                to_u128(zero_floor_sub(m.state.total_borrow_assets, repaid_assets))?;
            let seized128 = to_u128(seized)?;
            let p = m.position_mut(borrower);
            p.collateral = sub(p.collateral, seized128, "collateral")?;
            let (mut bad_debt_assets, mut bad_debt_shares) = (U256::ZERO, U256::ZERO);
            if p.collateral.is_zero() {
                bad_debt_shares = p.borrow_shares;
                let s = m.state;
                bad_debt_assets = s.total_borrow_assets.min(to_assets_up(
                    bad_debt_shares,
                    s.total_borrow_assets,
                    s.total_borrow_shares,
                )?);
                let bad128 = to_u128(bad_debt_assets)?;
                m.state.total_borrow_assets =
                    sub(m.state.total_borrow_assets, bad128, "totalBorrowAssets")?;
                m.state.total_supply_assets =
                    sub(m.state.total_supply_assets, bad128, "totalSupplyAssets")?;
                m.state.total_borrow_shares = sub(
                    m.state.total_borrow_shares,
                    to_u128(bad_debt_shares)?,
                    "totalBorrowShares",
                )?;
                m.position_mut(borrower).borrow_shares = U256::ZERO;
            }
            Ok(LiquidateOutcome {
                seized_assets: seized,
                repaid_assets,
                repaid_shares,
                bad_debt_assets,
                bad_debt_shares,
            })
        })
    }

    /// The outcome of the largest liquidation allowed now ([`Self::liquidate_max`]), previewed on
    /// a copy of the borrower's position and the totals; the market is not changed.
    pub fn max_liquidate(&self, borrower: Address) -> Result<LiquidateOutcome> {
        self.detached(&[borrower]).liquidate_max(borrower)
    }

    /// The largest liquidation allowed now: repay every borrow share, or, when the collateral
    /// cannot cover that with the incentive, seize all the collateral (which realises the rest
    /// as bad debt).
    pub fn liquidate_max(&mut self, borrower: Address) -> Result<LiquidateOutcome> {
        let p = self.position(borrower);
        if self.repaying_all_overdraws(&p) {
            // The first way would revert: go straight to the second.
            return self.liquidate(borrower, p.collateral, U256::ZERO);
        }
        match self.liquidate(borrower, U256::ZERO, p.borrow_shares) {
            Ok(out) => Ok(out),
            // The revert left no trace; try the other way.
            Err(_) => self.liquidate(borrower, p.collateral, U256::ZERO),
        }
    }

    /// Whether `liquidate` repaying every borrow share of `p` would seize more than its
    /// collateral (and so revert on `collateral - seized`), by the same steps `liquidate` takes:
    /// `mulDivDown(wMulDown(toAssetsDown(shares), LIF), 1e36, price)`. Only when no interest is
    /// pending (`liquidate` accrues first, which moves the totals); `false` says nothing.
    fn repaying_all_overdraws(&self, p: &Position) -> bool {
        if self.state.last_update != self.now || self.price.is_zero() {
            return false;
        }
        let s = &self.state;
        let seized = liquidation_incentive_factor(self.params.lltv).and_then(|lif| {
            let assets =
                to_assets_down(p.borrow_shares, s.total_borrow_assets, s.total_borrow_shares)?;
            Ok(mul_div_down(w_mul_down(assets, lif)?, ORACLE_PRICE_SCALE, self.price)?)
        });
        seized.is_ok_and(|seized| seized > p.collateral)
    }

    /// Borrowed over supplied, WAD (0 for an empty market).
    pub fn utilization(&self) -> Result<U256> {
        if self.state.total_supply_assets.is_zero() {
            return Ok(U256::ZERO);
        }
        Ok(w_div_down(self.state.total_borrow_assets, self.state.total_supply_assets)?)
    }

    fn check_asset(&self, field: &str, asset: Address, expected: Address) -> Result<()> {
        if asset == expected {
            Ok(())
        } else {
            Err(Error::UnknownAsset { field: field.into(), asset })
        }
    }

    pub(crate) fn liquidation_summary(
        &self,
        borrower: Address,
        out: &LiquidateOutcome,
    ) -> Result<Liquidation> {
        // The collateral worth of the repaid debt, rounded down: the rest of the seizure is bonus.
        let repaid_in_collateral = if self.price.is_zero() {
            U256::ZERO
        } else {
            mul_div_down(out.repaid_assets, ORACLE_PRICE_SCALE, self.price)?
        };
        let p = self.position(borrower);
        Ok(Liquidation {
            debt_repaid: out.repaid_assets,
            collateral_seized: out.seized_assets,
            liquidator_bonus: out.seized_assets.saturating_sub(repaid_in_collateral),
            protocol_fee: U256::ZERO,
            bad_debt: out.bad_debt_assets,
            bad_debt_bearer: if out.bad_debt_assets.is_zero() {
                BadDebtBearer::Nobody
            } else {
                BadDebtBearer::Suppliers
            },
            remaining_collateral: p.collateral,
            remaining_debt: self.borrowed(borrower)?,
        })
    }
}

fn exactly_one_zero(a: U256, b: U256) -> Result<()> {
    if a.is_zero() != b.is_zero() { Ok(()) } else { Err(revert(reason::INCONSISTENT_INPUT)) }
}

impl LendingMarket for MorphoMarket {
    fn set_oracle_price(&mut self, asset: Address, price: OraclePrice) -> Result<()> {
        self.check_asset("asset", asset, self.params.collateral_token)?;
        // Morpho's oracle answers in loan units per collateral unit with 36 decimals.
        let raw = price.0.rescale(36, faultline_core::Rounding::Down)?.raw();
        self.price = raw;
        Ok(())
    }

    fn health(&self, account: Address) -> Result<Health> {
        let p = self.position(account);
        let collateral_value = mul_div_down(p.collateral, self.price, ORACLE_PRICE_SCALE)?;
        let liquidation_value = w_mul_down(collateral_value, self.params.lltv)?;
        let debt_value = self.borrowed(account)?;
        let health_factor = if debt_value.is_zero() {
            U256::MAX
        } else {
            w_div_down(liquidation_value, debt_value)?
        };
        Ok(Health {
            collateral_value,
            liquidation_value,
            debt_value,
            health_factor,
            unit: ValueUnit::LoanToken,
        })
    }

    fn borrowing_power(&self, account: Address) -> Result<U256> {
        Ok(self.max_borrow(account, self.price)?.saturating_sub(self.borrowed(account)?))
    }

    fn is_liquidatable(&self, account: Address) -> Result<bool> {
        // liquidate accrues first: judge on the accrued state.
        let mut accrued = self.detached(&[account]);
        accrued.accrue_interest()?;
        Ok(!accrued.is_healthy_at(account, accrued.price)?)
    }

    fn max_liquidation(
        &self,
        borrower: Address,
        collateral_asset: Address,
        debt_asset: Address,
    ) -> Result<Liquidation> {
        self.check_asset("collateral_asset", collateral_asset, self.params.collateral_token)?;
        self.check_asset("debt_asset", debt_asset, self.params.loan_token)?;
        let mut after = self.detached(&[borrower]);
        let out = after.liquidate_max(borrower)?;
        after.liquidation_summary(borrower, &out)
    }

    fn liquidate(&mut self, request: LiquidationRequest) -> Result<Liquidation> {
        self.check_asset(
            "collateral_asset",
            request.collateral_asset,
            self.params.collateral_token,
        )?;
        self.check_asset("debt_asset", request.debt_asset, self.params.loan_token)?;
        let out = match request.amount {
            LiquidationAmount::Collateral(seized) => {
                Self::liquidate(self, request.borrower, seized, U256::ZERO)?
            }
            LiquidationAmount::DebtShares(shares) => {
                Self::liquidate(self, request.borrower, U256::ZERO, shares)?
            }
            LiquidationAmount::Debt(_) => {
                return Err(Error::Unsupported {
                    protocol: Protocol::MorphoBlue,
                    operation: "liquidation by debt amount (give seized assets or repaid shares)",
                });
            }
        };
        self.liquidation_summary(request.borrower, &out)
    }

    fn supply(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        self.check_asset("asset", asset, self.params.loan_token)?;
        Ok(Self::supply(self, account, amount, U256::ZERO)?.0)
    }

    fn withdraw(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        self.check_asset("asset", asset, self.params.loan_token)?;
        Ok(Self::withdraw(self, account, amount, U256::ZERO)?.0)
    }

    fn supply_collateral(&mut self, account: Address, asset: Address, amount: U256) -> Result<()> {
        self.check_asset("asset", asset, self.params.collateral_token)?;
        Self::supply_collateral(self, account, amount)
    }

    fn borrow(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        self.check_asset("asset", asset, self.params.loan_token)?;
        Ok(Self::borrow(self, account, amount, U256::ZERO)?.0)
    }

    fn repay(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        self.check_asset("asset", asset, self.params.loan_token)?;
        // Repaying more than is owed would underflow the shares: cap at the debt, and repay by
        // shares when the cap binds so the position closes exactly.
        let mut accrued = self.detached(&[account]);
        accrued.accrue_interest()?;
        let owed = accrued.borrowed(account)?;
        if amount >= owed {
            let shares = self.position(account).borrow_shares;
            return Ok(Self::repay(self, account, U256::ZERO, shares)?.0);
        }
        Ok(Self::repay(self, account, amount, U256::ZERO)?.0)
    }

    fn available_liquidity(&self, asset: Address) -> Result<U256> {
        self.check_asset("asset", asset, self.params.loan_token)?;
        Ok(self.state.total_supply_assets.saturating_sub(self.state.total_borrow_assets))
    }

    fn utilisation(&self, asset: Address) -> Result<U256> {
        self.check_asset("asset", asset, self.params.loan_token)?;
        self.utilization()
    }

    fn rates(&self, asset: Address) -> Result<Rates> {
        self.check_asset("asset", asset, self.params.loan_token)?;
        let per_second = self.irm.borrow_rate_view(&self.state, self.now)?.unwrap_or_default();
        let borrow = per_second
            .checked_mul(SECONDS_PER_YEAR)
            .ok_or(Error::Arithmetic(faultline_core::Error::Overflow { op: "rate per year" }))?;
        // Suppliers earn the borrowers' interest less the fee, spread over the whole supply.
        let supply = w_mul_down(
            w_mul_down(borrow, self.utilization()?)?,
            sub(WAD, self.state.fee, "WAD - fee")?,
        )?;
        Ok(Rates { borrow, supply })
    }

    fn accrue(&mut self, elapsed: u64) -> Result<()> {
        self.advance_time(elapsed)?;
        Self::accrue(self)
    }
}

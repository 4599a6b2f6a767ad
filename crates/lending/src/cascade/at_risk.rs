//! A Morpho market's borrowers sorted once by borrow shares per unit of collateral, so that each
//! round finds the borrowers that may be unhealthy at a price without scanning every position.
//!
//! Morpho calls a position unhealthy at oracle price `P` when
//! `⌊⌊c·P/1e36⌋·L/1e18⌋ < ⌈b·(A+1)/(S+1e6)⌉` (collateral `c`, borrow shares `b`, LLTV `L`, totals
//! `A` assets and `S` shares). Removing the roundings and dividing by `c`, that needs
//! `b/c > P·L·(S+1e6) / ((A+1)·1e54) − 3·(S+1e6)/((A+1)·c)`: the ratio `b/c` alone decides, up to
//! a slack that shrinks as `c` grows. The index keeps `key = ⌊b·1e18/c⌋` in decreasing order and
//! answers with every borrower whose key reaches the threshold less the largest slack (taken at
//! the smallest collateral in the market): a superset of the unhealthy ones, which the caller then
//! checks with the contract's exact integer test. Sorting is done once, when the run starts;
//! borrow shares change only by liquidation, which leaves the position without debt, so the
//! order stays valid for the whole run.
//!
//! Each entry also carries a copy of the borrower's borrow shares and collateral, the only parts
//! of a position the health test reads, so a round walks one contiguous vector instead of looking
//! every candidate up in the market's map. In a run only a liquidation changes them (lenders'
//! withdrawals touch supply shares); [`super::MorphoBook`] writes the market's position back into the
//! entry after each one ([`AtRisk::refresh`]), and a property test checks the copies against the market
//! through a sequence of liquidations. An entry also remembers that its missed liquidation has
//! been logged, so a borrower missed in one round is not valued again only to be skipped.

use crate::Result;
use crate::morpho::{MorphoMarket, Position};
use alloy_primitives::{Address, U256};
use faultline_core::math::{Rounding, mul_div, mul_div_full};

const WAD: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

/// One borrower in the index.
#[derive(Debug, Clone)]
struct Entry {
    /// `⌊b·1e18/c⌋` at the start of the run; `U256::MAX` for debt without collateral.
    key: U256,
    account: Address,
    /// The borrower's borrow shares now (kept equal to the market's).
    borrow_shares: U256,
    /// The borrower's collateral now (kept equal to the market's).
    collateral: U256,
    /// Its missed liquidation has been logged.
    missed: bool,
}

/// A borrower the index returns: its slot (for [`AtRisk::refresh`] and
/// [`AtRisk::mark_missed`]), its account and its position's debt side.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    /// Where the entry sits in the index.
    pub slot: usize,
    /// The borrower.
    pub account: Address,
    /// Borrow shares and collateral as the market holds them; supply shares are zero (the
    /// health test does not read them).
    pub position: Position,
    /// Its missed liquidation has been logged.
    pub missed: bool,
}

/// Borrowers by decreasing debt per collateral.
#[derive(Debug, Clone, Default)]
pub struct AtRisk {
    /// Largest key first.
    entries: Vec<Entry>,
    /// The smallest non-zero collateral among borrowers (bounds the rounding slack).
    min_collateral: U256,
}

/// `⌊b·1e18/c⌋` (`c > 0`), in 128-bit arithmetic when the product fits (shares and collateral
/// are uint128 on chain; a product below 2^128 is the usual case), else by `mul_div`: the same
/// floor either way.
fn ratio(borrow_shares: U256, collateral: U256) -> faultline_core::Result<U256> {
    const WAD_U128: u128 = 1_000_000_000_000_000_000;
    if let (Ok(b), Ok(c)) = (u128::try_from(borrow_shares), u128::try_from(collateral))
        && let Some(product) = b.checked_mul(WAD_U128)
        && c != 0
    {
        return Ok(U256::from(product / c));
    }
    mul_div(borrow_shares, WAD, collateral, Rounding::Down)
}

impl AtRisk {
    /// Sorts the market's borrowers once.
    pub fn build(market: &MorphoMarket) -> Result<Self> {
        let mut entries = Vec::new();
        let mut min_collateral = U256::MAX;
        // Any order: the entries are sorted below by a total order.
        for (account, p) in market.positions_unordered() {
            if p.borrow_shares.is_zero() {
                continue;
            }
            let key = if p.collateral.is_zero() {
                U256::MAX
            } else {
                min_collateral = min_collateral.min(p.collateral);
                ratio(p.borrow_shares, p.collateral)?
            };
            entries.push(Entry {
                key,
                account,
                borrow_shares: p.borrow_shares,
                collateral: p.collateral,
                missed: false,
            });
        }
        // Same order as sorting `(key, account)` pairs in decreasing order.
        entries.sort_unstable_by_key(|e| std::cmp::Reverse((e.key, e.account)));
        Ok(Self { entries, min_collateral })
    }

    /// Every borrower with debt that may fail `⌊⌊c·price/1e36⌋·ltv/1e18⌋ ≥ debt` (a superset,
    /// largest ratio first). `ltv` is the LLTV for health, or `1e18` for "debt above the
    /// collateral's worth".
    pub fn at(
        &self,
        market: &MorphoMarket,
        price: U256,
        ltv: U256,
    ) -> Result<impl Iterator<Item = Candidate> + '_> {
        let state = market.state();
        let shares = state.total_borrow_shares + faultline_core::math::morpho::VIRTUAL_SHARES;
        let assets = state.total_borrow_assets + faultline_core::math::morpho::VIRTUAL_ASSETS;
        let err = crate::Error::Arithmetic;
        // Lower bounds throughout: every floor below only lowers the threshold.
        let scaled = mul_div_full(price, ltv, WAD * WAD, Rounding::Down).map_err(err)?;
        let threshold = mul_div_full(scaled, shares, assets, Rounding::Down).map_err(err)?;
        let slack = if self.min_collateral == U256::MAX {
            U256::ZERO
        } else {
            let per_unit =
                mul_div_full(U256::from(3u8) * WAD, shares, assets, Rounding::Up).map_err(err)?;
            per_unit.div_ceil(self.min_collateral) + U256::from(1u8)
        };
        let low = threshold.saturating_sub(slack);
        Ok(self
            .entries
            .iter()
            .enumerate()
            .take_while(move |(_, e)| e.key >= low)
            .filter(|(_, e)| !e.borrow_shares.is_zero())
            .map(|(slot, e)| Candidate {
                slot,
                account: e.account,
                position: Position {
                    supply_shares: U256::ZERO,
                    borrow_shares: e.borrow_shares,
                    collateral: e.collateral,
                },
                missed: e.missed,
            }))
    }

    /// Copies the market's position of the borrower in `slot` back into the index, after an
    /// operation that changed it (a liquidation).
    pub fn refresh(&mut self, slot: usize, market: &MorphoMarket) {
        if let Some(e) = self.entries.get_mut(slot) {
            let p = market.position(e.account);
            e.borrow_shares = p.borrow_shares;
            e.collateral = p.collateral;
        }
    }

    /// The borrower in `slot`: its account, the debt side of its position (supply shares zero)
    /// and whether its missed liquidation has been logged.
    pub fn entry(&self, slot: usize) -> Option<(Address, Position, bool)> {
        self.entries.get(slot).map(|e| {
            let position = Position {
                supply_shares: U256::ZERO,
                borrow_shares: e.borrow_shares,
                collateral: e.collateral,
            };
            (e.account, position, e.missed)
        })
    }

    /// Remembers that the missed liquidation of the borrower in `slot` has been logged.
    pub fn mark_missed(&mut self, slot: usize) {
        if let Some(e) = self.entries.get_mut(slot) {
            e.missed = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::morpho::{Irm, MarketParams, MarketState};
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// A position: collateral from 1 unit (dust, where rounding is largest relative to the
    /// figures) to about 2^100, and debt placed within a few units of the position's borrowing
    /// capacity at the tested price (where the rounding decides), or anywhere.
    fn position() -> impl Strategy<Value = (u128, i64, bool)> {
        (0u32..100, 1u128..1 << 20, -3i64..4, any::<bool>())
            .prop_map(|(cs, cm, delta, anywhere)| (cm << cs.min(80), delta, anywhere))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The 128-bit shortcut gives `mul_div`'s floor, on both sides of the 2^128 boundary.
        #[test]
        fn the_ratio_is_mul_divs(
            b_bits in 0usize..200,
            c_bits in 0usize..200,
            b_seed in any::<[u64; 4]>(),
            c_seed in any::<[u64; 4]>(),
        ) {
            let draw = |bits: usize, seed: [u64; 4]| {
                let x = U256::from_limbs(seed);
                if bits == 0 { U256::ZERO } else { x >> (256 - bits) }
            };
            let (b, c) = (draw(b_bits, b_seed), draw(c_bits, c_seed).max(U256::from(1u8)));
            prop_assert_eq!(ratio(b, c).ok(), mul_div(b, WAD, c, Rounding::Down).ok());
        }

        /// Every borrower that Morpho's own integer test calls unhealthy (or underwater, at an
        /// LTV of 1) is among those the index returns, whatever the totals, LLTV and price.
        /// (Without the slack, this fails: the boundary positions find the rounding.)
        #[test]
        fn the_index_returns_every_unhealthy_borrower(
            positions in proptest::collection::vec(position(), 1..60),
            total_assets in 1u128..1 << 100,
            shares_per_asset in 1u64..5_000_000,
            lltv_bps in 1u64..9_999,
            price_mantissa in 1u128..1 << 64,
            price_shift in 0u32..80,
            spread in 1u128..1 << 30,
        ) {
            let total_borrow_assets = U256::from(total_assets);
            let total_borrow_shares = total_borrow_assets * U256::from(shares_per_asset);
            let state = MarketState {
                total_supply_assets: U256::from(u128::MAX),
                total_supply_shares: U256::from(u128::MAX),
                total_borrow_assets,
                total_borrow_shares,
                ..MarketState::default()
            };
            let lltv = WAD * U256::from(lltv_bps) / U256::from(10_000u64);
            let params = MarketParams {
                loan_token: Address::repeat_byte(1),
                collateral_token: Address::repeat_byte(2),
                oracle: Address::repeat_byte(3),
                irm: Address::ZERO,
                lltv,
            };
            let price = U256::from(price_mantissa) << price_shift;
            let shares_of = |debt: U256| {
                mul_div(
                    debt,
                    total_borrow_shares + faultline_core::math::morpho::VIRTUAL_SHARES,
                    total_borrow_assets + faultline_core::math::morpho::VIRTUAL_ASSETS,
                    Rounding::Down,
                )
                .unwrap()
            };
            let book: BTreeMap<Address, Position> = positions
                .iter()
                .enumerate()
                .map(|(i, &(collateral, delta, anywhere))| {
                    let worth =
                        mul_div(U256::from(collateral), price, WAD * WAD, Rounding::Down).unwrap();
                    let capacity = mul_div(worth, lltv, WAD, Rounding::Down).unwrap();
                    let debt = if anywhere {
                        capacity * U256::from(spread) / U256::from(1u128 << 29)
                    } else if delta >= 0 {
                        capacity + U256::from(delta)
                    } else {
                        capacity.saturating_sub(U256::from(-delta))
                    };
                    let mut account = [0u8; 20];
                    account[12..].copy_from_slice(&(i as u64 + 1).to_be_bytes());
                    let position = Position {
                        supply_shares: U256::ZERO,
                        borrow_shares: shares_of(debt.max(U256::from(1u8))),
                        collateral: U256::from(collateral),
                    };
                    (Address::from(account), position)
                })
                .collect();
            let market = MorphoMarket::from_state(params, state, book.clone(), Irm::None, price, 0)
                .unwrap();
            let index = AtRisk::build(&market).unwrap();
            check_superset(&index, &market, &book, price, lltv);
        }

        /// Through a sequence of liquidations (each written back with `refresh`), every entry's
        /// copy of borrow shares and collateral stays the market's own, and the index still
        /// returns every unhealthy borrower with its current position. (Without the write-back
        /// this fails: a liquidated borrower keeps its old borrow shares in the copy.)
        #[test]
        fn the_copies_follow_liquidations(
            positions in proptest::collection::vec(position(), 1..40),
            liquidate in proptest::collection::vec(any::<bool>(), 40),
            lltv_bps in 1_000u64..9_500,
            fall_bps in 0u64..5_000,
        ) {
            let price = U256::from(1u8) << 100;
            let lltv = WAD * U256::from(lltv_bps) / U256::from(10_000u64);
            let mut total_borrow_shares = U256::ZERO;
            let book: BTreeMap<Address, Position> = positions
                .iter()
                .enumerate()
                .map(|(i, &(collateral, delta, _))| {
                    let worth =
                        mul_div(U256::from(collateral), price, WAD * WAD, Rounding::Down).unwrap();
                    let capacity = mul_div(worth, lltv, WAD, Rounding::Down).unwrap();
                    // Debt near capacity, one share per asset unit (and a virtual million).
                    let debt = (capacity + U256::from(delta.unsigned_abs()) * U256::from(i as u64))
                        .max(U256::from(1u8));
                    let borrow_shares = debt * U256::from(1_000_000u64);
                    total_borrow_shares += borrow_shares;
                    let mut account = [0u8; 20];
                    account[12..].copy_from_slice(&(i as u64 + 1).to_be_bytes());
                    let position =
                        Position { supply_shares: U256::ZERO, borrow_shares, collateral: U256::from(collateral) };
                    (Address::from(account), position)
                })
                .collect();
            let total_borrow_assets = total_borrow_shares / U256::from(1_000_000u64);
            let state = MarketState {
                total_supply_assets: total_borrow_assets * U256::from(2u8),
                total_supply_shares: total_borrow_assets * U256::from(2_000_000u64),
                total_borrow_assets,
                total_borrow_shares,
                ..MarketState::default()
            };
            let params = MarketParams {
                loan_token: Address::repeat_byte(1),
                collateral_token: Address::repeat_byte(2),
                oracle: Address::repeat_byte(3),
                irm: Address::ZERO,
                lltv,
            };
            let low = price - price * U256::from(fall_bps) / U256::from(10_000u64);
            let mut market =
                MorphoMarket::from_state(params, state, book, Irm::None, low, 0).unwrap();
            let mut index = AtRisk::build(&market).unwrap();
            let chosen: Vec<Candidate> = index
                .at(&market, low, lltv)
                .unwrap()
                .zip(&liquidate)
                .filter(|(_, go)| **go)
                .map(|(c, _)| c)
                .collect();
            for candidate in chosen {
                if market.liquidate_max(candidate.account).is_ok() {
                    index.refresh(candidate.slot, &market);
                }
            }
            for e in &index.entries {
                let p = market.position(e.account);
                prop_assert_eq!((e.borrow_shares, e.collateral), (p.borrow_shares, p.collateral));
            }
            let current: BTreeMap<Address, Position> =
                market.positions().map(|(a, p)| (a, *p)).collect();
            check_superset(&index, &market, &current, low, lltv);
            for c in index.at(&market, low, WAD).unwrap() {
                prop_assert!(!c.position.borrow_shares.is_zero());
                prop_assert_eq!(c.position.collateral, market.position(c.account).collateral);
            }
        }
    }

    /// Every borrower of `book` that Morpho's integer test calls unhealthy at `price` (or
    /// underwater, at an LTV of 1) is among those the index returns.
    fn check_superset(
        index: &AtRisk,
        market: &MorphoMarket,
        book: &BTreeMap<Address, Position>,
        price: U256,
        lltv: U256,
    ) {
        for ltv in [lltv, WAD] {
            let returned: BTreeSet<Address> =
                index.at(market, price, ltv).unwrap().map(|c| c.account).collect();
            for (account, p) in book {
                let debt = market.debt_of(p).unwrap();
                let worth = mul_div(p.collateral, price, WAD * WAD, Rounding::Down).unwrap();
                let capacity = mul_div(worth, ltv, WAD, Rounding::Down).unwrap();
                if capacity < debt && !p.borrow_shares.is_zero() {
                    assert!(returned.contains(account), "{account} missed at ltv {ltv}");
                }
            }
        }
    }
}

//! Morpho Blue in the cascade: the largest liquidation `liquidate` allows (every borrow share, or
//! all the collateral, which realises the rest as bad debt written off to suppliers), found
//! through the at-risk index instead of a scan of every position.

use super::{
    Amount, BadDebtRule, Candidate, CascadeMarket, Choice, Holdings, LiquidationBound, Style,
    Verdict, at_risk::AtRisk, screen::unhealthy,
};
use crate::{
    Error, LendingMarket, Liquidation, Result,
    morpho::{MorphoMarket, ORACLE_PRICE_SCALE, Position, liquidation_incentive_factor},
};
use alloy_primitives::{Address, U256};
use faultline_core::{
    Price, Rounding,
    math::{morpho::to_assets_down, mul_div},
};

const WAD: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

/// A Morpho Blue market, its tokens' decimals and its borrowers indexed by debt per collateral.
#[derive(Debug, Clone)]
pub struct MorphoBook {
    market: MorphoMarket,
    loan_decimals: u8,
    collateral_decimals: u8,
    index: AtRisk,
    /// Accounts with a position, in snapshot order (lenders leave in this order).
    accounts: Vec<Address>,
    /// The oracle's `price()` exactly as read, and the decimal places whole-token prices are
    /// kept in: see [`MorphoBook::with_exact_price`].
    exact: Option<(U256, u8)>,
}

impl MorphoBook {
    /// The market with its tokens' decimals; `accounts` in the order lenders act.
    pub fn new(
        market: MorphoMarket,
        loan_decimals: u8,
        collateral_decimals: u8,
        accounts: Vec<Address>,
    ) -> Result<Self> {
        let index = AtRisk::build(&market)?;
        Ok(Self { market, loan_decimals, collateral_decimals, index, accounts, exact: None })
    }

    /// Values collateral at `exact` (the oracle's `price()` as read, Morpho's 1e36 scale)
    /// whenever the whole-token price set is `exact` cut to `places` decimals: a price kept in
    /// `places` decimals would lose Morpho's last digits, so health would differ from the
    /// contract's in the last wei. A price that moved away is taken as given.
    #[must_use]
    pub const fn with_exact_price(mut self, exact: U256, places: u8) -> Self {
        self.exact = Some((exact, places));
        self
    }

    /// The contract model.
    pub const fn market(&self) -> &MorphoMarket {
        &self.market
    }

    /// Morpho's oracle scale for `price` loan tokens per whole collateral token:
    /// `price · 10^(36 + loan decimals − collateral decimals)`, rounded down.
    pub fn oracle_scale(&self, price: Price) -> Result<U256> {
        crate::morpho::oracle_price(price, self.loan_decimals, self.collateral_decimals)
    }

    fn position(&self, candidate: &Candidate) -> Position {
        match self.index.entry(candidate.slot) {
            Some((account, position, _)) if account == candidate.account => position,
            _ => self.market.position(candidate.account),
        }
    }

    /// Lenders who see losses withdraw what liquidity there is, first come first served
    /// (snapshot order): returns each lender's withdrawal, raw loan units.
    pub fn lenders_run(&mut self) -> Result<Vec<(Address, U256)>> {
        let mut out = Vec::new();
        for &account in &self.accounts {
            let state = *self.market.state();
            let available = state.total_supply_assets.saturating_sub(state.total_borrow_assets);
            if available.is_zero() {
                break;
            }
            let shares = self.market.position(account).supply_shares;
            if shares.is_zero() {
                continue;
            }
            let owned =
                to_assets_down(shares, state.total_supply_assets, state.total_supply_shares)?;
            let take = owned.min(available);
            if take.is_zero() {
                continue;
            }
            self.market.withdraw(account, take, U256::ZERO)?;
            out.push((account, take));
        }
        Ok(out)
    }
}

impl CascadeMarket for MorphoBook {
    /// The collateral's market price in Morpho's oracle scale.
    type AtMarket = U256;

    fn model(&self) -> &dyn LendingMarket {
        &self.market
    }

    fn borrowers(&self) -> Vec<Address> {
        let m = &self.market;
        self.accounts.iter().copied().filter(|a| !m.position(*a).borrow_shares.is_zero()).collect()
    }

    fn liquidatable(&self, borrower: Address) -> Result<bool> {
        self.market.is_liquidatable(borrower)
    }

    fn holdings(&self, borrower: Address) -> Result<Holdings> {
        let params = self.market.params();
        let collateral = self.market.position(borrower).collateral;
        Ok(Holdings {
            collateral: vec![(params.collateral_token, collateral)],
            debt: vec![(params.loan_token, self.market.borrowed(borrower)?)],
        })
    }

    fn liquidation_ltv(&self, asset: Address) -> Result<Option<U256>> {
        let params = self.market.params();
        Ok((asset == params.collateral_token).then_some(params.lltv))
    }

    fn style(&self) -> Style {
        Style::ProfitGated
    }

    fn bad_debt_rule(&self) -> BadDebtRule {
        BadDebtRule::InLiquidation
    }

    fn priced_assets(&self) -> Vec<Address> {
        vec![self.market.params().collateral_token]
    }

    fn set_whole_price(&mut self, asset: Address, price: Price) -> Result<()> {
        let collateral = self.market.params().collateral_token;
        if asset != collateral {
            return Err(Error::invalid("asset", "the market's collateral token", asset));
        }
        let mut raw = self.oracle_scale(price)?;
        if let Some((exact, places)) = self.exact {
            raw = crate::morpho::exact_or_rounded(
                exact,
                raw,
                self.loan_decimals,
                self.collateral_decimals,
                places,
            );
        }
        self.market.set_price(raw);
        Ok(())
    }

    fn at_market(&self, prices: &[(Address, Price)]) -> Result<U256> {
        let collateral = self.market.params().collateral_token;
        let price = prices
            .iter()
            .find(|(a, _)| *a == collateral)
            .ok_or_else(|| Error::invalid("prices", "the collateral's price", collateral))?;
        self.oracle_scale(price.1)
    }

    /// Borrowers the oracle or the market price calls unhealthy, by the contract's own integer
    /// health check (screened in `f64` away from the boundary, see `screen`), in decreasing debt
    /// per collateral. The index narrows the check to the
    /// borrowers near or past the lower of the two prices. Within a pass the set can only
    /// shrink (a repayment or a bad-debt write-off never raises anyone's debt per share).
    fn candidates(&self, at_market: &U256) -> Result<Vec<Candidate>> {
        let m = &self.market;
        let (oracle, market) = (m.price(), *at_market);
        let lltv = m.params().lltv;
        let mut found = Vec::new();
        for c in self.index.at(m, oracle.min(market), lltv)? {
            if unhealthy(m, &c.position, oracle)? || unhealthy(m, &c.position, market)? {
                found.push(Candidate { account: c.account, slot: c.slot, missed: c.missed });
            }
        }
        Ok(found)
    }

    fn verdict(&self, candidate: &Candidate, at_market: &U256) -> Result<Verdict> {
        let position = self.position(candidate);
        let m = &self.market;
        Ok(Verdict {
            by_oracle: unhealthy(m, &position, m.price())?,
            at_market: unhealthy(m, &position, *at_market)?,
        })
    }

    fn value(&self, candidate: &Candidate, _: &U256) -> Result<(Amount, Amount)> {
        let position = self.position(candidate);
        let params = self.market.params();
        Ok((
            Amount::Token(params.loan_token, self.market.debt_of(&position)?),
            Amount::Token(params.collateral_token, position.collateral),
        ))
    }

    fn collateral_by_value(&self, _: Address) -> Result<Vec<Address>> {
        Ok(vec![self.market.params().collateral_token])
    }

    fn choose(&self, _: Address) -> Result<Option<Choice>> {
        let params = self.market.params();
        Ok(Some(Choice { collateral: params.collateral_token, debt: params.loan_token }))
    }

    fn preview(&self, borrower: Address, choice: &Choice) -> Result<Liquidation> {
        self.market.max_liquidation(borrower, choice.collateral, choice.debt)
    }

    /// `liquidate` seizing `s` repays at least `s · price / (1e36 · LIF)`, either way it is
    /// called. Given seized assets: `repaid = toAssetsUp(toSharesUp(wDivUp(mulDivUp(s, price,
    /// 1e36), LIF)))`, and every step rounds up (`toAssetsUp(toSharesUp(a)) >= a`). Given repaid
    /// shares: `s = mulDivDown(wMulDown(toAssetsDown(shares), LIF), 1e36, price)` while `repaid
    /// = toAssetsUp(shares) >= toAssetsDown(shares)`. So per raw collateral unit it repays at
    /// least `price · 1e18 / LIF` (1e36-scaled), rounded down here; it seizes at most the
    /// borrower's collateral.
    fn liquidation_bound(&self, candidate: &Candidate) -> Result<Option<LiquidationBound>> {
        let position = self.position(candidate);
        let lif = liquidation_incentive_factor(self.market.params().lltv)?;
        if lif.is_zero() {
            return Ok(None);
        }
        let per_seized = mul_div(self.market.price(), WAD, lif, Rounding::Down)?;
        Ok(Some(LiquidationBound {
            max_seized: position.collateral,
            min_repaid_per_seized: per_seized,
        }))
    }

    fn execute(&mut self, candidate: &Candidate, _: &Choice) -> Result<Liquidation> {
        let out = self.market.liquidate_max(candidate.account)?;
        self.index.refresh(candidate.slot, &self.market);
        self.market.liquidation_summary(candidate.account, &out)
    }

    fn mark_missed(&mut self, candidate: &Candidate) {
        self.index.mark_missed(candidate.slot);
    }

    /// In loan-token units: the sum over borrowers of debt less the collateral's worth at the
    /// market price (`⌊collateral · price / 1e36⌋`, as Morpho values collateral), where positive.
    fn uncovered(&self, at_market: &U256) -> Result<Amount> {
        let m = &self.market;
        let mut total = U256::ZERO;
        for c in self.index.at(m, *at_market, WAD)? {
            let debt = m.debt_of(&c.position)?;
            let worth =
                mul_div(c.position.collateral, *at_market, ORACLE_PRICE_SCALE, Rounding::Down)?;
            total = total
                .checked_add(debt.saturating_sub(worth))
                .ok_or(faultline_core::Error::Overflow { op: "uncovered debt" })?;
        }
        Ok(Amount::Token(m.params().loan_token, total))
    }

    /// `accrueInterest` at `now_secs`: the IRM's rate at the market's utilisation, compounded
    /// by `wTaylorCompounded` over the time since `lastUpdate`, the fee minted as supply shares
    /// to the fee recipient. Borrow shares do not move, so the at-risk index stays valid.
    fn accrue(&mut self, now_secs: u64) -> Result<()> {
        self.market.set_time(now_secs)?;
        self.market.accrue()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::morpho::{Irm, MarketParams, MarketState};
    use alloy_primitives::U512;
    use proptest::prelude::*;

    const BORROWER: Address = Address::repeat_byte(7);

    /// A market whose only borrower holds `borrow` of the `total` borrow shares (at `per_share`
    /// assets per share, rounded) and `collateral`, at oracle `price`.
    fn market(
        lltv: u128,
        total: u128,
        borrow: u128,
        per_share: u128,
        collateral: u128,
        price: U256,
    ) -> MorphoMarket {
        let params = MarketParams {
            loan_token: Address::repeat_byte(1),
            collateral_token: Address::repeat_byte(2),
            oracle: Address::repeat_byte(3),
            irm: Address::ZERO,
            lltv: U256::from(lltv),
        };
        let assets = U256::from(total / per_share.max(1) + 1);
        let state = MarketState {
            total_supply_assets: assets * U256::from(2u8),
            total_supply_shares: U256::from(total) * U256::from(2u8),
            total_borrow_assets: assets,
            total_borrow_shares: U256::from(total),
            ..MarketState::default()
        };
        let position = Position {
            supply_shares: U256::ZERO,
            borrow_shares: U256::from(borrow.min(total)),
            collateral: U256::from(collateral),
        };
        MorphoMarket::from_positions(params, state, [(BORROWER, position)], Irm::None, price, 0)
            .unwrap()
    }

    /// Zero, or six significant digits at any magnitude up to 1e36.
    fn wide() -> impl Strategy<Value = u128> {
        prop_oneof![
            1 => Just(0u128),
            9 => (1u128..1_000_000, 0u32..31).prop_map(|(m, e)| m * 10u128.pow(e)),
        ]
    }

    /// Markets of every LLTV, share price and size, the borrower healthy or not, under water
    /// or not, at oracle prices from 1e20 to 1e56.
    fn markets() -> impl Strategy<Value = MorphoMarket> {
        (
            1u128..1_000_000_000_000_000_000,
            1u128..u128::from(u64::MAX),
            1u128..u128::from(u64::MAX),
            1u128..2_000_000,
            wide(),
            (1u128..1_000_000, 20u32..50),
        )
            .prop_map(
                |(lltv, total, borrow, per_share, collateral, (mantissa, exponent))| {
                    let price = U256::from(mantissa) * U256::from(10u8).pow(U256::from(exponent));
                    market(lltv, total, borrow, per_share, collateral, price)
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3_000))]

        /// Whatever `liquidate` the preview finds, it seizes at most the bound's collateral and
        /// repays at least its floor per unit seized (`repaid · 1e36 >= seized · floor`, in 512
        /// bits): the cascade skips previews on this bound, so it must never undershoot.
        #[test]
        fn every_liquidation_keeps_the_bound(
            m in markets(),
        ) {
            let book = MorphoBook::new(m, 6, 18, vec![BORROWER]).unwrap();
            let candidate = Candidate { account: BORROWER, slot: usize::MAX, missed: false };
            let bound = book.liquidation_bound(&candidate).unwrap().unwrap();
            let choice = book.choose(BORROWER).unwrap().unwrap();
            if let Ok(done) = book.preview(BORROWER, &choice) {
                prop_assert!(done.collateral_seized <= bound.max_seized);
                let repaid = U512::from(done.debt_repaid) * U512::from(ORACLE_PRICE_SCALE);
                let floor = U512::from(done.collateral_seized) * U512::from(bound.min_repaid_per_seized);
                prop_assert!(repaid >= floor, "repaid {} for {} seized", done.debt_repaid, done.collateral_seized);
            }
        }

        /// `liquidate_max` going straight to seizing all the collateral when repaying every
        /// share would overdraw it ends exactly where trying both ways, in order, ends.
        #[test]
        fn the_direct_way_is_the_second_try(
            m in markets(),
        ) {
            let mut direct = m.clone();
            let got = direct.liquidate_max(BORROWER);
            let mut tried = m;
            let p = tried.position(BORROWER);
            let want = match tried.liquidate(BORROWER, U256::ZERO, p.borrow_shares) {
                Ok(out) => Ok(out),
                Err(_) => tried.liquidate(BORROWER, p.collateral, U256::ZERO),
            };
            prop_assert_eq!(got.is_ok(), want.is_ok());
            if let (Ok(a), Ok(b)) = (got, want) {
                prop_assert_eq!(a, b);
            }
            prop_assert_eq!(direct.position(BORROWER), tried.position(BORROWER));
            prop_assert_eq!(direct.state(), tried.state());
        }
    }
}

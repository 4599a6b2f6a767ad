//! Curve StableSwap: `get_D`, `get_y` and `exchange` with amplification and fee, exact to
//! curvefi/curve-contract `contracts/pools/3pool/StableSwap3Pool.vy`.
//!
//! Vyper's `uint256` arithmetic reverts on overflow, underflow and division by zero; here each of
//! those is an [`Error`] at the same operation. The Newton loops run at most 255 times and, as in
//! the 3pool, return the last iterate when they have not met the precision of 1 (newer pools
//! raise instead; [`get_d_strict`] does). `amp` is the contract's `A`, which is the paper's
//! `A · n^(n−1)`; there is no `A_PRECISION` (the 3pool generation).
//!
//! Checked to the wei against Curve's reference model (curvefi/curve-contract
//! `tests/simulation.py`, class `Curve`) in `tests/curve_simulation.rs`, which also states where
//! the model and the Vyper differ (the `- 1` in dy, the fee on it, units, balances, the
//! iteration cap) and that this module follows the Vyper.

use crate::{
    Error, Result,
    uniswap_v2::{FACTOR_ONE, scale_factor},
    venue::{Pair, Quote, Side, Venue, largest_where},
};
use alloy_primitives::{U256, U512};
use faultline_core::{Price, Rounding};
use rust_decimal::Decimal;

/// `FEE_DENOMINATOR`: fees are in units of 1e-10.
pub const FEE_DENOMINATOR: U256 = U256::from_limbs([10_000_000_000, 0, 0, 0]);
/// `PRECISION`: balances are normalised to 18 decimals.
pub const PRECISION: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);
/// Newton iterations before the loops give up.
pub const MAX_ITERATIONS: u32 = 255;

fn mul(a: U256, b: U256, op: &'static str) -> Result<U256> {
    a.checked_mul(b).ok_or(Error::Overflow { op })
}

fn add(a: U256, b: U256, op: &'static str) -> Result<U256> {
    a.checked_add(b).ok_or(Error::Overflow { op })
}

fn sub(a: U256, b: U256, op: &'static str) -> Result<U256> {
    a.checked_sub(b).ok_or(Error::Overflow { op })
}

fn div(a: U256, b: U256, op: &'static str) -> Result<U256> {
    a.checked_div(b).ok_or(Error::ZeroLiquidity { venue: op, detail: "division by a zero balance" })
}

/// `|a − b| <= 1`: the loops' "equality with the precision of 1".
fn converged(a: U256, b: U256) -> bool {
    a.abs_diff(b) <= U256::from(1u8)
}

/// The invariant `D` and whether the loop converged.
fn get_d_with_status(xp: &[U256], amp: U256) -> Result<(U256, bool)> {
    const OP: &str = "get_D";
    let n = U256::from(xp.len());
    let mut s = U256::ZERO;
    for x in xp {
        s = add(s, *x, OP)?;
    }
    if s.is_zero() {
        return Ok((U256::ZERO, true));
    }
    let mut d = s;
    let ann = mul(amp, n, OP)?;
    for _ in 0..MAX_ITERATIONS {
        let mut d_p = d;
        for x in xp {
            d_p = div(mul(d_p, d, OP)?, mul(*x, n, OP)?, OP)?;
        }
        let d_prev = d;
        let numerator = mul(add(mul(ann, s, OP)?, mul(d_p, n, OP)?, OP)?, d, OP)?;
        let denominator = add(
            mul(sub(ann, U256::from(1u8), OP)?, d, OP)?,
            mul(add(n, U256::from(1u8), OP)?, d_p, OP)?,
            OP,
        )?;
        d = div(numerator, denominator, OP)?;
        if converged(d, d_prev) {
            return Ok((d, true));
        }
    }
    Ok((d, false))
}

/// `get_D(xp, amp)`: the StableSwap invariant of normalised balances `xp`, as the 3pool computes
/// it (the last iterate if 255 iterations do not converge).
pub fn get_d(xp: &[U256], amp: U256) -> Result<U256> {
    check_coins(xp)?;
    get_d_with_status(xp, amp).map(|(d, _)| d)
}

/// [`get_d`] failing with [`Error::NotConverged`] where newer pools `raise`.
pub fn get_d_strict(xp: &[U256], amp: U256) -> Result<U256> {
    check_coins(xp)?;
    match get_d_with_status(xp, amp)? {
        (d, true) => Ok(d),
        (_, false) => Err(Error::NotConverged { op: "get_D", iterations: MAX_ITERATIONS }),
    }
}

fn check_coins(xp: &[U256]) -> Result<()> {
    if xp.len() < 2 {
        return Err(Error::invalid("xp", "at least two coins", xp.len()));
    }
    Ok(())
}

/// `get_y(i, j, x, xp_)`: the balance of coin `j` that keeps `D` when coin `i`'s normalised
/// balance becomes `x`.
pub fn get_y(i: usize, j: usize, x: U256, xp: &[U256], amp: U256) -> Result<U256> {
    const OP: &str = "get_y";
    check_coins(xp)?;
    let n_coins = xp.len();
    if i == j || i >= n_coins || j >= n_coins {
        return Err(Error::invalid(
            "i, j",
            "two different coin indices below the number of coins",
            format!("{i}, {j}"),
        ));
    }
    let n = U256::from(n_coins);
    let d = get_d(xp, amp)?;
    let mut c = d;
    let mut s = U256::ZERO;
    let ann = mul(amp, n, OP)?;
    for (k, balance) in xp.iter().enumerate() {
        let x_k = if k == i {
            x
        } else if k != j {
            *balance
        } else {
            continue;
        };
        s = add(s, x_k, OP)?;
        c = div(mul(c, d, OP)?, mul(x_k, n, OP)?, OP)?;
    }
    c = div(mul(c, d, OP)?, mul(ann, n, OP)?, OP)?;
    let b = add(s, div(d, ann, OP)?, OP)?;
    let mut y = d;
    for _ in 0..MAX_ITERATIONS {
        let y_prev = y;
        // `(y*y + c) / (2 * y + b - D)`, evaluated left to right.
        let denominator = sub(add(mul(U256::from(2u8), y, OP)?, b, OP)?, d, OP)?;
        y = div(add(mul(y, y, OP)?, c, OP)?, denominator, OP)?;
        if converged(y, y_prev) {
            break;
        }
    }
    Ok(y)
}

/// A StableSwap pool of the 3pool generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StableSwap {
    balances: Vec<U256>,
    rates: Vec<U256>,
    amp: U256,
    fee: U256,
    admin_fee: U256,
}

impl StableSwap {
    /// A pool with `balances` (raw units), coin `decimals` (each at most 18: `RATES` are
    /// `10^(36 − decimals)`, as in the 3pool), amplification `amp` (the contract's `A`), `fee` and
    /// `admin_fee` in 1e-10 (the 3pool: 1,000,000 = 0.01% and 5,000,000,000 = 50%).
    pub fn new(
        balances: Vec<U256>,
        decimals: &[u8],
        amp: U256,
        fee: U256,
        admin_fee: U256,
    ) -> Result<Self> {
        if decimals.len() != balances.len() {
            return Err(Error::invalid("decimals", "one per coin", decimals.len()));
        }
        let mut rates = Vec::with_capacity(decimals.len());
        for &d in decimals {
            if d > 18 {
                return Err(Error::invalid("decimals", "at most 18", d));
            }
            rates.push(U256::from(10u8).pow(U256::from(36 - d)));
        }
        Self::with_rates(balances, rates, amp, fee, admin_fee)
    }

    /// A pool with explicit `rates` (the contract's `RATES`, or a lending pool's stored rates:
    /// `rate · 10^(18 − decimals)` with `rate` = 1e18 for a plain coin), each non-zero; the other
    /// parameters as in [`StableSwap::new`]. The formulas are the 3pool's with those rates.
    pub fn with_rates(
        balances: Vec<U256>,
        rates: Vec<U256>,
        amp: U256,
        fee: U256,
        admin_fee: U256,
    ) -> Result<Self> {
        check_coins(&balances)?;
        if rates.len() != balances.len() {
            return Err(Error::invalid("rates", "one per coin", rates.len()));
        }
        if let Some(zero) = rates.iter().position(U256::is_zero) {
            return Err(Error::invalid("rates", "every rate > 0", format!("rates[{zero}] = 0")));
        }
        if amp.is_zero() {
            return Err(Error::invalid("amp", "> 0", amp));
        }
        for (field, value) in [("fee", fee), ("admin_fee", admin_fee)] {
            if value > FEE_DENOMINATOR {
                return Err(Error::invalid(field, "at most 1e10 (100%)", value));
            }
        }
        Ok(Self { balances, rates, amp, fee, admin_fee })
    }

    /// Raw balances.
    pub fn balances(&self) -> &[U256] {
        &self.balances
    }

    /// `RATES`: the factor (1e18 = 1) that normalises each coin's raw balance to 18 decimals.
    pub fn rates(&self) -> &[U256] {
        &self.rates
    }

    /// The amplification `A` (the paper's `A · n^(n−1)`).
    pub const fn amp(&self) -> U256 {
        self.amp
    }

    /// The swap fee in 1e-10.
    pub const fn fee(&self) -> U256 {
        self.fee
    }

    /// The admin's share of the fee in 1e-10.
    pub const fn admin_fee(&self) -> U256 {
        self.admin_fee
    }

    /// `_xp()`: balances normalised to 18 decimals.
    pub fn xp(&self) -> Result<Vec<U256>> {
        self.balances
            .iter()
            .zip(&self.rates)
            .map(|(b, r)| Ok(mul(*r, *b, "_xp")? / PRECISION))
            .collect()
    }

    fn index(&self, i: usize, field: &'static str) -> Result<usize> {
        if i < self.balances.len() { Ok(i) } else { Err(Error::invalid(field, "a coin index", i)) }
    }

    /// `x = xp[i] + dx * rates[i] / PRECISION` and `xp[j] − get_y(i, j, x, xp) − 1`, the part
    /// `get_dy` and `exchange` share; the `- 1` underflows (the contract reverts) when the sale
    /// is too small to move `y` by more than one unit.
    fn dy_xp(&self, i: usize, j: usize, dx: U256, op: &'static str) -> Result<U256> {
        let (i, j) = (self.index(i, "i")?, self.index(j, "j")?);
        let xp = self.xp()?;
        let x = add(xp[i], mul(dx, self.rates[i], op)? / PRECISION, op)?;
        let y = get_y(i, j, x, &xp, self.amp)?;
        // `xp[j] - y - 1`: "-1 just in case there were some rounding errors".
        let dy = sub(xp[j], y, op).and_then(|dy| sub(dy, U256::from(1u8), op)).map_err(|_| {
            Error::InsufficientLiquidity { venue: op, requested: dx, available: U256::ZERO }
        })?;
        Ok(dy)
    }

    /// `exchange(i, j, dx)` without transfers: every quantity the contract computes, the new
    /// balances included (admin fee removed from the pool as the contract does). The pool is
    /// not changed.
    pub fn quote_exchange(&self, i: usize, j: usize, dx: U256) -> Result<Exchange> {
        const OP: &str = "exchange";
        let dy_xp = self.dy_xp(i, j, dx, OP)?;
        let fee_xp = mul(dy_xp, self.fee, OP)? / FEE_DENOMINATOR;
        let dy = div(mul(sub(dy_xp, fee_xp, OP)?, PRECISION, OP)?, self.rates[j], OP)?;
        let admin_fee = div(
            mul(mul(fee_xp, self.admin_fee, OP)? / FEE_DENOMINATOR, PRECISION, OP)?,
            self.rates[j],
            OP,
        )?;
        let mut balances = self.balances.clone();
        balances[i] = add(balances[i], dx, OP)?;
        balances[j] = sub(sub(balances[j], dy, OP)?, admin_fee, OP)?;
        Ok(Exchange { dy_xp, fee_xp, dy, admin_fee, balances })
    }

    /// `get_dy(i, j, dx)`: what selling `dx` of coin `i` for coin `j` returns, fee taken.
    ///
    /// As in the contract, this view converts to raw units *before* taking the fee, while
    /// `exchange` takes the fee in normalised units first: for a coin with fewer than 18
    /// decimals the two can differ by a raw unit, and each is mirrored as it is.
    pub fn get_dy(&self, i: usize, j: usize, dx: U256) -> Result<U256> {
        const OP: &str = "get_dy";
        let dy_xp = self.dy_xp(i, j, dx, OP)?;
        let dy = div(mul(dy_xp, PRECISION, OP)?, self.rates[j], OP)?;
        let fee = mul(self.fee, dy, OP)? / FEE_DENOMINATOR;
        sub(dy, fee, OP)
    }

    /// `exchange(i, j, dx, 0)`: sells `dx` of coin `i` for coin `j`, updates the balances, and
    /// returns the output.
    pub fn exchange(&mut self, i: usize, j: usize, dx: U256) -> Result<U256> {
        let exchange = self.quote_exchange(i, j, dx)?;
        self.balances = exchange.balances;
        Ok(exchange.dy)
    }
}

/// What `exchange(i, j, dx)` computes, in the contract's own quantities and order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// `xp[j] − y − 1`: the output before the fee, normalised to 18 decimals.
    pub dy_xp: U256,
    /// `dy * fee / FEE_DENOMINATOR`: the fee, normalised.
    pub fee_xp: U256,
    /// `(dy − dy_fee) * PRECISION / rates[j]`: what the trader receives, raw units of coin `j`.
    pub dy: U256,
    /// `dy_fee * admin_fee / FEE_DENOMINATOR * PRECISION / rates[j]`: the admin's share, raw
    /// units of coin `j`, which leaves the pool's balances.
    pub admin_fee: U256,
    /// The pool's raw balances after the exchange.
    pub balances: Vec<U256>,
}

/// A StableSwap pool as a venue for one of its pairs of coins.
///
/// Sales are `exchange(base, quote, dx)`. Curve has no exact-output swap, so a buy of `X` base is
/// the smallest quote input whose output is at least `X` (found by bisection over `get_dy`), and
/// it may deliver a few wei more than asked. The marginal price is the fee-free rate of a probe
/// sale of one millionth of the base balance (at least one raw unit), with the contract's `-1`
/// added back: a documented approximation, not a contract function. The pair's decimals are the
/// two coins' decimals: prices are raw quote per raw base through the pool's rates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StableSwapVenue {
    name: String,
    pair: Pair,
    pool: StableSwap,
    base: usize,
    quote: usize,
}

impl StableSwapVenue {
    /// A venue trading coin `base` against coin `quote` of `pool`.
    pub fn new(
        name: impl Into<String>,
        pair: Pair,
        pool: StableSwap,
        base: usize,
        quote: usize,
    ) -> Result<Self> {
        pool.index(base, "base")?;
        pool.index(quote, "quote")?;
        if base == quote {
            return Err(Error::invalid("quote", "a coin other than the base", quote));
        }
        Ok(Self { name: name.into(), pair, pool, base, quote })
    }

    /// The pool.
    pub const fn pool(&self) -> &StableSwap {
        &self.pool
    }

    fn price_of(&self, pool: &StableSwap) -> Result<Price> {
        let (base, quote) = (self.base, self.quote);
        let xp = pool.xp()?;
        let probe_xp = (xp[base] / U256::from(1_000_000u32)).max(U256::from(1u8));
        let y = get_y(base, quote, add(xp[base], probe_xp, "mid_price")?, &xp, pool.amp)?;
        let out_xp = sub(xp[quote], y, "mid_price")?;
        // Raw quote per raw base: `(out_xp · 1e18 / rates[quote]) / (probe_xp · 1e18 /
        // rates[base])`, kept as one exact ratio so that lending rates price correctly too.
        self.pair.price_of_ratio(
            U512::from(out_xp) * U512::from(pool.rates[base]),
            U512::from(probe_xp) * U512::from(pool.rates[quote]),
            Rounding::Down,
        )
    }

    /// The smallest quote input whose sale for base returns at least `base_out`.
    fn buy_cost(&self, base_out: U256) -> Result<U256> {
        let available = self.pool.balances[self.base];
        if base_out >= available {
            return Err(Error::InsufficientLiquidity {
                venue: "StableSwapVenue",
                requested: base_out,
                available,
            });
        }
        // Bisection bound: doubling until the output suffices.
        let enough =
            |dx: U256| self.pool.get_dy(self.quote, self.base, dx).is_ok_and(|dy| dy >= base_out);
        let mut hi = base_out.max(U256::from(1u8));
        while !enough(hi) {
            hi = hi.checked_mul(U256::from(2u8)).ok_or(Error::InsufficientLiquidity {
                venue: "StableSwapVenue",
                requested: base_out,
                available,
            })?;
        }
        // The largest input that is not enough, plus one.
        Ok(largest_where(hi, |dx| dx.is_zero() || !enough(dx))? + U256::from(1u8))
    }

    fn trade(&self, side: Side, base: U256) -> Result<(Quote, StableSwap)> {
        if base.is_zero() {
            return Err(Error::invalid("base", "a trade of at least one raw unit", base));
        }
        let before = self.mid_price()?;
        let (quote, pool) = match side {
            Side::Sell => {
                let exchange = self.pool.quote_exchange(self.base, self.quote, base)?;
                (exchange.dy, StableSwap { balances: exchange.balances, ..self.pool.clone() })
            }
            Side::Buy => {
                let cost = self.buy_cost(base)?;
                let exchange = self.pool.quote_exchange(self.quote, self.base, cost)?;
                (cost, StableSwap { balances: exchange.balances, ..self.pool.clone() })
            }
        };
        let after = self.price_of(&pool)?;
        Ok((Quote::new(self.pair, side, base, quote, before, after)?, pool))
    }
}

impl Venue for StableSwapVenue {
    fn boxed_clone(&self) -> Box<dyn Venue> {
        Box::new(self.clone())
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn pair(&self) -> Pair {
        self.pair
    }

    fn mid_price(&self) -> Result<Price> {
        self.price_of(&self.pool)
    }

    fn quote(&self, side: Side, base: U256) -> Result<Quote> {
        self.trade(side, base).map(|(quote, _)| quote)
    }

    fn execute(&mut self, side: Side, base: U256) -> Result<Quote> {
        let (quote, pool) = self.trade(side, base)?;
        self.pool = pool;
        Ok(quote)
    }

    fn scale_liquidity(&mut self, factor: Decimal) -> Result<()> {
        let factor = scale_factor(factor)?;
        let mut balances = Vec::with_capacity(self.pool.balances.len());
        for b in &self.pool.balances {
            let scaled =
                faultline_core::math::mul_div_full(*b, factor, FACTOR_ONE, Rounding::Down)?;
            if scaled.is_zero() {
                return Err(Error::ZeroLiquidity {
                    venue: "StableSwapVenue::scale_liquidity",
                    detail: "a balance",
                });
            }
            balances.push(scaled);
        }
        self.pool.balances = balances;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(v: u64) -> U256 {
        U256::from(v)
    }

    /// Balanced pool, by hand: with every `x = S/n`, `D_P = S^(n+1) / (n^n (S/n)^n) = S` and
    /// `D' = (Ann·S + n·S)·S / ((Ann − 1)·S + (n + 1)·S) = S`, so `get_D` returns `S` exactly
    /// after one iteration, whatever `A`. (simulation.py's `Curve.D` docstring: "when balanced,
    /// D = n * x_u".)
    #[test]
    fn balanced_d_is_the_sum() {
        let e18 = u(10u64.pow(18));
        for amp in [1u64, 100, 2000] {
            assert_eq!(get_d(&[e18 * u(1000); 3], u(amp)).unwrap(), e18 * u(3000));
            assert_eq!(get_d(&[e18 * u(7); 2], u(amp)).unwrap(), e18 * u(14));
        }
    }

    /// n = 2, A = 100 (Ann = 200), xp = [100, 300], by hand (integer division throughout):
    /// S = 400, D = 400; D_P = 400·400/(100·2) = 800, then 800·400/(300·2) = 533;
    /// D = (200·400 + 533·2)·400 / (199·400 + 3·533) = 32,426,400 / 81,199 = 399;
    /// |399 − 400| ≤ 1, so D = 399.
    ///
    /// get_y(0, 1, x = 150): c = 399·399/(150·2) = 530, then 530·399/(200·2) = 528;
    /// b = 150 + 399/200 = 151; y: 399 → (399² + 528)/(798 + 151 − 399) = 159,729/550 = 290
    /// → (290² + 528)/(580 + 151 − 399) = 84,628/332 = 254 → 65,044/260 = 250 → 63,028/252 = 250;
    /// converged at 250.
    #[test]
    fn small_imbalanced_pool_by_hand() {
        let xp = [u(100), u(300)];
        assert_eq!(get_d(&xp, u(100)).unwrap(), u(399));
        assert_eq!(get_y(0, 1, u(150), &xp, u(100)).unwrap(), u(250));
        // And n = 2, A = 1, xp = [1, 3]: S = 4; D_P = 4·4/2 = 8, 8·4/6 = 5;
        // D = (2·4 + 5·2)·4 / (1·4 + 3·5) = 72/19 = 3; |3 − 4| ≤ 1, D = 3.
        assert_eq!(get_d(&[u(1), u(3)], u(1)).unwrap(), u(3));
    }

    /// The exchange of the by-hand pool: 18-decimal coins (rate 1e18), so xp = balances;
    /// dy = xp[1] − y − 1 = 300 − 250 − 1 = 49; fee 0.04% (4e6 / 1e10) of 49 is 0;
    /// the new balances are [150, 251].
    #[test]
    fn exchange_by_hand() {
        let mut pool =
            StableSwap::new(vec![u(100), u(300)], &[18, 18], u(100), u(4_000_000), u(0)).unwrap();
        assert_eq!(pool.get_dy(0, 1, u(50)).unwrap(), u(49));
        assert_eq!(pool.exchange(0, 1, u(50)).unwrap(), u(49));
        assert_eq!(pool.balances(), &[u(150), u(251)]);
    }

    #[test]
    fn zero_balances_and_bad_indices_are_typed_errors() {
        assert!(matches!(get_d(&[u(0), u(5)], u(100)), Err(Error::ZeroLiquidity { .. })));
        assert!(matches!(
            get_y(0, 0, u(1), &[u(5), u(5)], u(100)),
            Err(Error::InvalidInput { .. })
        ));
        assert!(matches!(get_d(&[u(5)], u(100)), Err(Error::InvalidInput { .. })));
        assert!(matches!(get_d(&[U256::MAX, U256::MAX], u(100)), Err(Error::Overflow { .. })));
    }
}

//! Synthetic account populations drawn from documented distributions, for ADL studies.
//!
//! Public data has the accounts ADL closed, not the book it chose from. A [`PopulationSpec`]
//! gives one coin's totals (how many accounts hold the side ADL draws from and their notional at
//! the ADL price) and [`Distributions`] the shape of each account: its leverage before the crash
//! (a notional-weighted histogram by bucket), where it entered (a spread around the pre-crash
//! price) and how large it is relative to the others (log-uniform weights over some decades).
//! [`generate`] draws one population: deterministic for a seed (ChaCha8, the coin mixed into the
//! seed so one coin's draws do not depend on which other coins are drawn), pure, and exact in its
//! totals: the account count is the spec's and the notionals add up to the spec's notional to
//! the last digit (every share is rounded down to [`NOTIONAL_PLACES`], the remainder goes to the
//! last account).
//!
//! Every draw is an integer turned into a decimal (`k / 10^6`, `m * 10^d`): no floating point.

use crate::{Decimal, Error, Result, Side, adl::Candidate};
use faultline_core::decimal::RoundingStrategy;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Decimal places of an account's notional (USD).
pub const NOTIONAL_PLACES: u32 = 12;

/// Decimal places of a drawn fraction (`k / 10^6`).
const DRAW_PLACES: u32 = 6;

/// One coin's population: the side ADL draws from and its totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationSpec {
    /// The coin, also mixed into the seed.
    pub coin: String,
    /// The side the accounts hold (on 2025-10-10 the bankrupt were longs: the population is
    /// short).
    pub side: Side,
    /// How many accounts.
    pub accounts: u32,
    /// Their notional in USD at `mark`, in all.
    pub notional_usd: Decimal,
    /// The price ADL fills and ranks at.
    pub mark: Decimal,
    /// The price before the crash: leverage is drawn at it and entries spread around it.
    pub reference_price: Decimal,
}

/// A bucket of a leverage histogram: leverage in `[from, to)` carries `weight` of the notional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeverageBucket {
    /// Lowest leverage of the bucket.
    pub from: Decimal,
    /// Highest leverage of the bucket (exclusive).
    pub to: Decimal,
    /// The bucket's share of notional, in any unit (USD of open interest in the source).
    pub weight: Decimal,
}

/// The shape of every account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distributions {
    /// Leverage (notional / account value) at the reference price: an account's bucket is drawn
    /// with probability proportional to the bucket's weight, then uniformly within it.
    pub leverage: Vec<LeverageBucket>,
    /// Entries are uniform in `reference * [1 - spread, 1 + spread]`.
    pub entry_spread: Decimal,
    /// Size weights are `m * 10^d`, `m` uniform in 1..=9 and `d` in `0..decades`.
    pub size_decades: u32,
}

/// One drawn account: what ADL sees, and the drawn leverage for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The position as an ADL candidate (wallet balance excludes this position's uPnL).
    pub candidate: Candidate,
    /// Notional at the mark, USD.
    pub notional_usd: Decimal,
    /// Leverage drawn at the reference price.
    pub leverage_at_reference: Decimal,
}

/// Draws one coin's population. Account ids are `first_id..first_id + accounts`.
pub fn generate(
    spec: &PopulationSpec,
    shape: &Distributions,
    seed: u64,
    first_id: u64,
) -> Result<Vec<Account>> {
    validate(spec, shape)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ coin_hash(&spec.coin));
    let n = spec.accounts as usize;
    let total_weight: Decimal = shape.leverage.iter().map(|b| b.weight).sum();
    let overflow = |op| Error::Overflow { op };

    let mut drawn = Vec::with_capacity(n);
    for _ in 0..n {
        let size_weight = Decimal::from(rng.random_range(1..=9_u32))
            * Decimal::from(10_u64.pow(rng.random_range(0..shape.size_decades)));
        let pick = fraction(&mut rng) * total_weight;
        let mut cumulative = Decimal::ZERO;
        let bucket = shape
            .leverage
            .iter()
            .find(|b| {
                cumulative += b.weight;
                pick < cumulative
            })
            .unwrap_or_else(|| &shape.leverage[shape.leverage.len() - 1]);
        let leverage = bucket.from + (bucket.to - bucket.from) * fraction(&mut rng);
        let entry = spec.reference_price
            * (Decimal::ONE - shape.entry_spread
                + Decimal::TWO * shape.entry_spread * fraction(&mut rng));
        drawn.push((size_weight, leverage, entry));
    }

    let weights: Decimal = drawn.iter().map(|d| d.0).sum();
    let mut allotted = Decimal::ZERO;
    let mut accounts = Vec::with_capacity(n);
    for (i, (weight, leverage, entry)) in drawn.into_iter().enumerate() {
        let notional = if i + 1 == n {
            spec.notional_usd - allotted
        } else {
            spec.notional_usd
                .checked_mul(weight)
                .map(|x| x / weights)
                .ok_or_else(|| overflow("population notional share"))?
                .round_dp_with_strategy(NOTIONAL_PLACES, RoundingStrategy::ToZero)
        };
        allotted += notional;
        let size = (notional / spec.mark)
            .round_dp_with_strategy(crate::adl::SIZE_PLACES, RoundingStrategy::ToZero);
        if size <= Decimal::ZERO {
            return Err(Error::invalid(
                format!("{}: account {i}'s size", spec.coin),
                "a positive size (fewer accounts or more notional)",
                size,
            ));
        }
        // Leverage at the reference price: account value = size * reference / leverage, of which
        // the position's own uPnL there is side * size * (reference - entry).
        let value = size * spec.reference_price / leverage;
        let upnl = spec.side.sign() * size * (spec.reference_price - entry);
        accounts.push(Account {
            candidate: Candidate {
                account: first_id + i as u64,
                size,
                entry_price: entry,
                wallet_balance: value - upnl,
                maintenance_margin: Decimal::ZERO,
            },
            notional_usd: notional,
            leverage_at_reference: leverage,
        });
    }
    Ok(accounts)
}

/// A uniform draw in `[0, 1]` with [`DRAW_PLACES`] decimals.
fn fraction(rng: &mut ChaCha8Rng) -> Decimal {
    Decimal::new(rng.random_range(0..=1_000_000_i64), DRAW_PLACES)
}

/// FNV-1a of the coin, so each coin has a stream of its own.
fn coin_hash(coin: &str) -> u64 {
    coin.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn validate(spec: &PopulationSpec, shape: &Distributions) -> Result<()> {
    let coin = &spec.coin;
    if spec.accounts == 0 {
        return Err(Error::invalid(format!("{coin}.accounts"), "at least one account", 0));
    }
    for (field, value) in [
        ("notional_usd", spec.notional_usd),
        ("mark", spec.mark),
        ("reference_price", spec.reference_price),
    ] {
        if value <= Decimal::ZERO {
            return Err(Error::invalid(format!("{coin}.{field}"), "a positive number", value));
        }
    }
    if shape.leverage.is_empty() {
        return Err(Error::invalid("leverage", "at least one bucket", "none"));
    }
    for (i, b) in shape.leverage.iter().enumerate() {
        if b.from <= Decimal::ZERO || b.to <= b.from {
            return Err(Error::invalid(
                format!("leverage[{i}]"),
                "0 < from < to",
                format!("{}..{}", b.from, b.to),
            ));
        }
        if b.weight < Decimal::ZERO {
            return Err(Error::invalid(format!("leverage[{i}].weight"), "not negative", b.weight));
        }
    }
    if shape.leverage.iter().all(|b| b.weight.is_zero()) {
        return Err(Error::invalid("leverage", "a bucket with positive weight", "all zero"));
    }
    if shape.entry_spread < Decimal::ZERO || shape.entry_spread >= Decimal::ONE {
        return Err(Error::invalid("entry_spread", "in [0, 1)", shape.entry_spread));
    }
    if !(1..=12).contains(&shape.size_decades) {
        return Err(Error::invalid("size_decades", "1 to 12", shape.size_decades));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn spec(accounts: u32, notional: &str) -> PopulationSpec {
        PopulationSpec {
            coin: "BTC".into(),
            side: Side::Short,
            accounts,
            notional_usd: d(notional),
            mark: d("106427.71019238641"),
            reference_price: d("112000"),
        }
    }

    fn shape() -> Distributions {
        Distributions {
            leverage: vec![
                LeverageBucket { from: d("0.1"), to: d("3"), weight: d("2.77") },
                LeverageBucket { from: d("3"), to: d("7"), weight: d("3.70") },
                LeverageBucket { from: d("7"), to: d("20"), weight: d("1.16") },
            ],
            entry_spread: d("0.10"),
            size_decades: 4,
        }
    }

    #[test]
    fn totals_are_the_specs_to_the_last_digit() {
        for (accounts, notional) in
            [(1, "15.219744"), (2081, "620890947.7263399"), (13_649, "4074428321.77")]
        {
            let s = spec(accounts, notional);
            let pop = generate(&s, &shape(), 7, 1).unwrap();
            assert_eq!(pop.len(), accounts as usize);
            let sum: Decimal = pop.iter().map(|a| a.notional_usd).sum();
            assert_eq!(sum, s.notional_usd, "{accounts} accounts");
            assert!(pop.iter().all(|a| a.notional_usd > Decimal::ZERO));
        }
    }

    #[test]
    fn each_account_has_its_drawn_leverage_at_the_reference_price() {
        let s = spec(500, "1000000000");
        for a in generate(&s, &shape(), 7, 1).unwrap() {
            let c = &a.candidate;
            // Short: value at the reference = wallet + size * (entry - reference).
            let value = c.wallet_balance + c.size * (c.entry_price - s.reference_price);
            let leverage = c.size * s.reference_price / value;
            assert!((leverage - a.leverage_at_reference).abs() < d("1e-18"), "{a:?}");
            assert!(a.leverage_at_reference >= d("0.1") && a.leverage_at_reference <= d("20"));
            assert!(c.entry_price >= d("100800") && c.entry_price <= d("123200"));
        }
    }

    #[test]
    fn the_same_seed_draws_the_same_population_and_another_does_not() {
        let s = spec(300, "1000000");
        let a = generate(&s, &shape(), 7, 1).unwrap();
        assert_eq!(a, generate(&s, &shape(), 7, 1).unwrap());
        assert_ne!(a, generate(&s, &shape(), 8, 1).unwrap());
    }

    /// With 20,000 accounts the notional-weighted share of each bucket is near the source's
    /// weight share by count (2.77/7.63 = 36.3%, 3.70/7.63 = 48.5%, 1.16/7.63 = 15.2%): buckets
    /// are drawn per account, so by count; within three points.
    #[test]
    fn buckets_are_drawn_in_proportion_to_their_weight() {
        let pop = generate(&spec(20_000, "1000000000"), &shape(), 11, 1).unwrap();
        let count = |lo: &str, hi: &str| {
            let n = pop
                .iter()
                .filter(|a| a.leverage_at_reference >= d(lo) && a.leverage_at_reference < d(hi))
                .count();
            Decimal::from(n) / Decimal::from(pop.len())
        };
        for (lo, hi, share) in [("0.1", "3", "0.363"), ("3", "7", "0.485"), ("7", "21", "0.152")] {
            assert!((count(lo, hi) - d(share)).abs() < d("0.03"), "{lo}..{hi}: {}", count(lo, hi));
        }
    }

    #[test]
    fn bad_specs_name_the_field() {
        let err = generate(&spec(0, "1"), &shape(), 1, 1).unwrap_err();
        assert_eq!(err.to_string(), "BTC.accounts: expected at least one account, found 0");
        let mut bad = shape();
        bad.leverage[1].to = d("2");
        let err = generate(&spec(1, "1"), &bad, 1, 1).unwrap_err();
        assert_eq!(err.to_string(), "leverage[1]: expected 0 < from < to, found 3..2");
    }
}

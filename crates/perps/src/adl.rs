//! Auto-deleveraging: when a bankrupt position cannot be absorbed by the book, the insurance fund
//! or the backstop vault, the venue closes positions on the other side against it.
//!
//! Who is closed is a policy, and the policy decides whose hedge disappears mid-crash:
//! - [`AdlPolicy::HyperliquidRank`]: Hyperliquid docs "Auto-deleveraging"
//!   (<https://hyperliquid.gitbook.io/hyperliquid-docs/trading/auto-deleveraging>): opposite-side
//!   users ranked by the sorting index `(mark_price / entry_price) * (notional_position /
//!   account_value)`, highest first, closed at the previous mark. The docs
//!   state the key for a long; for a short we use `entry / mark`, the same "profit times
//!   leverage" (our reading, flagged as such).
//! - [`AdlPolicy::BinanceRank`]: Binance FAQ 360033525471: `PnL% * marginRatio`, with
//!   `PnL% = max(0, uPnL) / max(1, WB)` and `marginRatio = MM / (WB + uPnL)` (0 when that is not
//!   positive); closed at the bankruptcy price.
//! - [`AdlPolicy::ProRata`]: every opposite position shrinks by the same fraction.
//! - [`AdlPolicy::LeverageDraining`]: the minimax-leverage policy of "Risk-Based
//!   Auto-Deleveraging" (arXiv 2603.15963): water-filling that cuts the most levered accounts down
//!   to a common leverage `λ`, so `Σ max(0, notional_i - λ * equity_i)` equals what must close.
//!
//! Every policy closes exactly what the shortfall needs (or everything there is, reporting the
//! rest as unfilled), never more. Closed sizes are quantised to [`SIZE_PLACES`] decimal places
//! (rounded down, the remainder settled on the closed positions), so their sum is exact: a
//! 28-digit decimal cannot absorb a last-digit correction on a large size.

use crate::{Decimal, Error, Result, Side};
use faultline_core::decimal::RoundingStrategy;

/// Decimal places of a closed size (venues quote sizes with at most 8).
pub const SIZE_PLACES: u32 = 18;

/// An opposite-side position ADL may close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The account, for the report.
    pub account: u64,
    /// Position size in the base asset (positive).
    pub size: Decimal,
    /// Entry price.
    pub entry_price: Decimal,
    /// Collateral before this position's unrealised PnL (cross accounts: including the others').
    pub wallet_balance: Decimal,
    /// Maintenance margin the account must hold (Binance's ranking uses it).
    pub maintenance_margin: Decimal,
}

/// What must be deleveraged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortfall {
    /// The side of the bankrupt position; candidates are on the other side.
    pub bankrupt_side: Side,
    /// Size of the bankrupt position still to close.
    pub size: Decimal,
    /// The price ADL fills at (Hyperliquid: previous mark; Binance: bankruptcy price).
    pub fill_price: Decimal,
    /// Mark price, for ranking and for leverage.
    pub mark_price: Decimal,
}

/// Which positions ADL closes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdlPolicy {
    /// Hyperliquid's ranking.
    HyperliquidRank,
    /// Binance's ranking.
    BinanceRank,
    /// Everyone on the other side by the same fraction.
    ProRata,
    /// Minimax leverage by water-filling.
    LeverageDraining,
}

/// One position closed by ADL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdlFill {
    /// The account closed.
    pub account: u64,
    /// Size closed.
    pub size: Decimal,
    /// Fill price.
    pub price: Decimal,
    /// PnL the account realises on the closed size.
    pub realized_pnl: Decimal,
}

/// The result of deleveraging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdlOutcome {
    /// Positions closed, in the order the policy closed them.
    pub fills: Vec<AdlFill>,
    /// Size the other side could not cover.
    pub unfilled: Decimal,
}

/// Closes opposite-side positions against a shortfall under `policy`.
pub fn deleverage(
    policy: AdlPolicy,
    shortfall: &Shortfall,
    candidates: &[Candidate],
) -> Result<AdlOutcome> {
    validate(shortfall, candidates)?;
    let side = shortfall.bankrupt_side.opposite();
    let sizes = match policy {
        AdlPolicy::HyperliquidRank | AdlPolicy::BinanceRank => {
            let mut ranked: Vec<(Decimal, usize)> = candidates
                .iter()
                .enumerate()
                .map(|(i, c)| (rank_key(policy, side, shortfall, c), i))
                .collect();
            // Highest key first; ties by account so the order never depends on input order.
            ranked.sort_by(|a, b| {
                b.0.cmp(&a.0).then(candidates[a.1].account.cmp(&candidates[b.1].account))
            });
            greedy(ranked.into_iter().map(|(_, i)| i), candidates, shortfall.size)
        }
        AdlPolicy::ProRata => pro_rata(candidates, shortfall.size),
        AdlPolicy::LeverageDraining => leverage_draining(side, shortfall, candidates)?,
    };
    let closed: Decimal = sizes.iter().map(|(_, size)| *size).sum();
    let fills = sizes
        .into_iter()
        .filter(|(_, size)| !size.is_zero())
        .map(|(index, size)| {
            let candidate = &candidates[index];
            let realized_pnl = shortfall
                .fill_price
                .checked_sub(candidate.entry_price)
                .and_then(|move_| move_.checked_mul(size))
                .map(|pnl| side.sign() * pnl)
                .ok_or(Error::Overflow { op: "ADL realised PnL (size x price move)" })?;
            Ok(AdlFill {
                account: candidate.account,
                size,
                price: shortfall.fill_price,
                realized_pnl,
            })
        })
        .collect::<Result<_>>()?;
    Ok(AdlOutcome { fills, unfilled: shortfall.size - closed })
}

fn validate(shortfall: &Shortfall, candidates: &[Candidate]) -> Result<()> {
    for (field, value) in [
        ("shortfall.size", shortfall.size),
        ("shortfall.fill_price", shortfall.fill_price),
        ("shortfall.mark_price", shortfall.mark_price),
    ] {
        if value <= Decimal::ZERO {
            return Err(Error::invalid(field, "a positive number", value));
        }
    }
    if shortfall.size.scale() > SIZE_PLACES {
        return Err(Error::invalid("shortfall.size", "at most 18 decimal places", shortfall.size));
    }
    for (i, c) in candidates.iter().enumerate() {
        if c.size <= Decimal::ZERO {
            return Err(Error::invalid(format!("candidates[{i}].size"), "a positive size", c.size));
        }
        if c.size.scale() > SIZE_PLACES {
            return Err(Error::invalid(
                format!("candidates[{i}].size"),
                "at most 18 decimal places",
                c.size,
            ));
        }
        if c.entry_price <= Decimal::ZERO {
            return Err(Error::invalid(
                format!("candidates[{i}].entry_price"),
                "a positive price",
                c.entry_price,
            ));
        }
    }
    Ok(())
}

/// The candidate's ranking key, highest closed first. Every step is checked: a key too large
/// for a decimal (a near-zero account value, a mark of 1e-12 against a large entry) ranks as the
/// largest decimal, which is where it belongs in the order (ties fall to the account id).
fn rank_key(policy: AdlPolicy, side: Side, shortfall: &Shortfall, c: &Candidate) -> Decimal {
    let mark = shortfall.mark_price;
    let key = || -> Option<Decimal> {
        let upnl = checked_upnl(side, c, mark)?;
        let account_value = c.wallet_balance.checked_add(upnl)?;
        match policy {
            AdlPolicy::HyperliquidRank => {
                if account_value <= Decimal::ZERO {
                    return None;
                }
                let pnl_factor = match side {
                    Side::Long => mark.checked_div(c.entry_price)?,
                    Side::Short => c.entry_price.checked_div(mark)?,
                };
                pnl_factor.checked_mul(c.size.checked_mul(mark)?.checked_div(account_value)?)
            }
            _ => {
                let pnl_ratio =
                    upnl.max(Decimal::ZERO).checked_div(c.wallet_balance.max(Decimal::ONE))?;
                let margin_ratio = if account_value > Decimal::ZERO {
                    c.maintenance_margin.checked_div(account_value)?
                } else {
                    Decimal::ZERO
                };
                pnl_ratio.checked_mul(margin_ratio)
            }
        }
    };
    key().unwrap_or(Decimal::MAX)
}

/// A candidate's unrealised PnL at `mark`, `None` when it does not fit a decimal.
fn checked_upnl(side: Side, candidate: &Candidate, mark: Decimal) -> Option<Decimal> {
    let pnl = mark.checked_sub(candidate.entry_price)?.checked_mul(candidate.size)?;
    Some(side.sign() * pnl)
}

/// Closes whole positions in order until `needed` is covered; the last is closed partly.
fn greedy(
    order: impl Iterator<Item = usize>,
    candidates: &[Candidate],
    needed: Decimal,
) -> Vec<(usize, Decimal)> {
    let mut remaining = needed;
    let mut out = Vec::new();
    for index in order {
        if remaining.is_zero() {
            break;
        }
        let size = candidates[index].size.min(remaining);
        remaining -= size;
        out.push((index, size));
    }
    out
}

fn pro_rata(candidates: &[Candidate], needed: Decimal) -> Vec<(usize, Decimal)> {
    let total: Decimal = candidates.iter().map(|c| c.size).sum();
    if total <= needed {
        return candidates.iter().enumerate().map(|(i, c)| (i, c.size)).collect();
    }
    let mut out: Vec<(usize, Decimal)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (i, quantise(needed * c.size / total).min(c.size)))
        .collect();
    settle_rounding(&mut out, candidates, needed);
    out
}

/// Water-filling: the smallest `λ >= 0` with `Σ max(0, n_i - λ e_i) <= N`, found by sorting on
/// leverage once and walking prefix sums. Accounts with no positive equity have unbounded leverage
/// and are drained first.
fn leverage_draining(
    side: Side,
    shortfall: &Shortfall,
    candidates: &[Candidate],
) -> Result<Vec<(usize, Decimal)>> {
    let mark = shortfall.mark_price;
    let overflow = Error::Overflow { op: "ADL leverage (notional / equity)" };
    let notional = |c: &Candidate| c.size.checked_mul(mark).ok_or_else(|| overflow.clone());
    let equity = |c: &Candidate| {
        checked_upnl(side, c, mark)
            .and_then(|upnl| c.wallet_balance.checked_add(upnl))
            .ok_or_else(|| overflow.clone())
    };
    for c in candidates {
        notional(c)?;
        equity(c)?;
    }
    // Both were checked above for every candidate; a leverage beyond a decimal sorts first.
    let notional = |c: &Candidate| notional(c).unwrap_or(Decimal::MAX);
    let equity = |c: &Candidate| equity(c).unwrap_or(Decimal::MAX);
    let total: Decimal = candidates.iter().map(|c| c.size).sum();
    if total <= shortfall.size {
        return Ok(candidates.iter().enumerate().map(|(i, c)| (i, c.size)).collect());
    }
    let mut needed = shortfall.size.checked_mul(mark).ok_or_else(|| overflow.clone())?;

    let (underwater, mut levered): (Vec<usize>, Vec<usize>) =
        (0..candidates.len()).partition(|&i| equity(&candidates[i]) <= Decimal::ZERO);
    let mut closes: Vec<(usize, Decimal)> = Vec::new();
    for i in greedy(underwater.iter().copied(), candidates, shortfall.size) {
        needed -= i.1 * mark;
        closes.push(i);
    }
    if needed <= Decimal::ZERO {
        return Ok(closes);
    }
    let leverage = |i: usize| {
        notional(&candidates[i]).checked_div(equity(&candidates[i])).unwrap_or(Decimal::MAX)
    };
    levered.sort_by(|&a, &b| {
        leverage(b).cmp(&leverage(a)).then(candidates[a].account.cmp(&candidates[b].account))
    });
    let (mut notional_sum, mut equity_sum) = (Decimal::ZERO, Decimal::ZERO);
    let mut lambda = Decimal::ZERO;
    let mut drained = levered.len();
    for (k, &i) in levered.iter().enumerate() {
        notional_sum =
            notional_sum.checked_add(notional(&candidates[i])).ok_or_else(|| overflow.clone())?;
        equity_sum =
            equity_sum.checked_add(equity(&candidates[i])).ok_or_else(|| overflow.clone())?;
        let level = (notional_sum - needed)
            .checked_div(equity_sum)
            .ok_or_else(|| overflow.clone())?
            .max(Decimal::ZERO);
        let next = levered.get(k + 1).map(|&j| leverage(j));
        if next.is_none_or(|next_leverage| next_leverage <= level) {
            lambda = level;
            drained = k + 1;
            break;
        }
    }
    let mut levered_closes: Vec<(usize, Decimal)> = levered[..drained]
        .iter()
        .map(|&i| {
            let c = &candidates[i];
            let cut = (notional(c) - lambda * equity(c)).max(Decimal::ZERO) / mark;
            (i, quantise(cut).min(c.size))
        })
        .collect();
    let already: Decimal = closes.iter().map(|(_, s)| *s).sum();
    settle_rounding(&mut levered_closes, candidates, shortfall.size - already);
    closes.extend(levered_closes);
    Ok(closes)
}

/// A size rounded down to [`SIZE_PLACES`].
fn quantise(size: Decimal) -> Decimal {
    size.round_dp_with_strategy(SIZE_PLACES, RoundingStrategy::ToZero)
}

/// Makes the closed sizes add up to `target` exactly, absorbing the last digit of division
/// rounding in the entries that still have room.
fn settle_rounding(closes: &mut [(usize, Decimal)], candidates: &[Candidate], target: Decimal) {
    let mut gap = target - closes.iter().map(|(_, s)| *s).sum::<Decimal>();
    for (index, size) in closes.iter_mut() {
        if gap.is_zero() {
            break;
        }
        let room = if gap > Decimal::ZERO { candidates[*index].size - *size } else { *size };
        let step = if gap > Decimal::ZERO { gap.min(room) } else { gap.max(-room) };
        *size += step;
        gap -= step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn short(account: u64, size: &str, entry: &str, wallet: &str) -> Candidate {
        Candidate {
            account,
            size: d(size),
            entry_price: d(entry),
            wallet_balance: d(wallet),
            maintenance_margin: d(size) * d("90") * d("0.01"),
        }
    }

    /// A long went bankrupt with 3 units to close at 90 (mark 90). Opposite shorts:
    /// A: 2 @ 100, wallet 20 -> uPnL 20, account value 40, notional 180;
    ///    HL key = (100/90) * (180/40) = 5.0
    /// B: 4 @ 95, wallet 200 -> uPnL 20, value 220, notional 360; key = (95/90) * (360/220) = 1.727
    /// C: 1 @ 80, wallet 10 -> uPnL -10, value 0 -> no equity: ranked first.
    fn shortfall() -> Shortfall {
        Shortfall {
            bankrupt_side: Side::Long,
            size: d("3"),
            fill_price: d("90"),
            mark_price: d("90"),
        }
    }

    fn book() -> Vec<Candidate> {
        vec![short(1, "2", "100", "20"), short(2, "4", "95", "200"), short(3, "1", "80", "10")]
    }

    #[test]
    fn hyperliquid_rank_closes_most_profitable_leverage_first() {
        let outcome = deleverage(AdlPolicy::HyperliquidRank, &shortfall(), &book()).unwrap();
        let closed: Vec<(u64, Decimal)> =
            outcome.fills.iter().map(|f| (f.account, f.size)).collect();
        // C (no equity) 1, then A 2: 3 in all; B untouched.
        assert_eq!(closed, [(3, d("1")), (1, d("2"))]);
        assert_eq!(outcome.unfilled, Decimal::ZERO);
        // A realises (100 - 90) * 2 = 20 on its short; C realises (80 - 90) * 1 = -10.
        assert_eq!(outcome.fills[1].realized_pnl, d("20"));
        assert_eq!(outcome.fills[0].realized_pnl, d("-10"));
    }

    /// Hyperliquid docs, "Auto-deleveraging"
    /// (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/auto-deleveraging): "The specific
    /// sorting index to determine the affected users in profit is `(mark_price / entry_price) *
    /// (notional_position / account_value)`". A short went bankrupt; longs at mark 110:
    /// L1: 1 @ 100, wallet 10 -> uPnL 10, value 20, notional 110: (110/100) * (110/20) = 6.05
    /// L2: 10 @ 55, wallet 0 -> uPnL 550, value 550, notional 1,100: 2 * 2 = 4
    /// L3: 2 @ 120, wallet 100 -> uPnL -20, value 80, notional 220: (110/120) * (220/80) = 2.5208..
    /// L4: 5 @ 110, wallet 50 -> uPnL 0, value 50, notional 550: 1 * 11 = 11
    /// Order L4, L1, L2, L3: the flat 11x account before the one that doubled its money at 2x.
    /// Closing 7: L4 5, L1 1, L2 1.
    #[test]
    fn hyperliquid_rank_is_the_docs_sorting_index() {
        let long = |account, size: &str, entry: &str, wallet: &str| Candidate {
            account,
            size: d(size),
            entry_price: d(entry),
            wallet_balance: d(wallet),
            maintenance_margin: Decimal::ZERO,
        };
        let book = vec![
            long(1, "1", "100", "10"),
            long(2, "10", "55", "0"),
            long(3, "2", "120", "100"),
            long(4, "5", "110", "50"),
        ];
        let shortfall = Shortfall {
            bankrupt_side: Side::Short,
            size: d("7"),
            fill_price: d("110"),
            mark_price: d("110"),
        };
        let key = |c: &Candidate| rank_key(AdlPolicy::HyperliquidRank, Side::Long, &shortfall, c);
        assert_eq!(key(&book[0]), d("6.05"));
        assert_eq!(key(&book[1]), d("4"));
        assert_eq!(key(&book[2]).round_dp(4), d("2.5208"));
        assert_eq!(key(&book[3]), d("11"));
        let outcome = deleverage(AdlPolicy::HyperliquidRank, &shortfall, &book).unwrap();
        let closed: Vec<(u64, Decimal)> =
            outcome.fills.iter().map(|f| (f.account, f.size)).collect();
        assert_eq!(closed, [(4, d("5")), (1, d("1")), (2, d("1"))]);
    }

    #[test]
    fn binance_rank_uses_pnl_times_margin_ratio() {
        // A: PnL% = 20/20 = 1, margin ratio = 1.8/40 = 0.045 -> 0.045
        // B: PnL% = 20/200 = 0.1, ratio = 3.6/220 = 0.01636 -> 0.001636
        // C: uPnL negative -> 0. Order A, B, C; A closes 2, B closes 1.
        let outcome = deleverage(AdlPolicy::BinanceRank, &shortfall(), &book()).unwrap();
        let closed: Vec<(u64, Decimal)> =
            outcome.fills.iter().map(|f| (f.account, f.size)).collect();
        assert_eq!(closed, [(1, d("2")), (2, d("1"))]);
    }

    #[test]
    fn pro_rata_shrinks_everyone_alike() {
        // Total 7, need 3: each closes 3/7 of its size: 6/7, 12/7, 3/7.
        let outcome = deleverage(AdlPolicy::ProRata, &shortfall(), &book()).unwrap();
        let total: Decimal = outcome.fills.iter().map(|f| f.size).sum();
        assert_eq!(total, d("3"));
        assert_eq!(outcome.fills[1].size.round_dp(10), (d("12") / d("7")).round_dp(10));
    }

    /// Two accounts with positive equity: X notional 1,000 on equity 100 (10x), Y 500 on 100 (5x),
    /// mark 1, need 700 of notional. λ with only X: (1000 - 700) / 100 = 3 < 5 (Y's leverage), so
    /// Y drains too: λ = (1500 - 700) / 200 = 4. X closes 1000 - 400 = 600, Y 500 - 400 = 100:
    /// both are left at 4x.
    #[test]
    fn leverage_draining_water_fills_to_a_common_leverage() {
        let candidates = vec![
            Candidate {
                account: 1,
                size: d("1000"),
                entry_price: d("1"),
                wallet_balance: d("100"),
                maintenance_margin: d("0"),
            },
            Candidate {
                account: 2,
                size: d("500"),
                entry_price: d("1"),
                wallet_balance: d("100"),
                maintenance_margin: d("0"),
            },
        ];
        let shortfall = Shortfall {
            bankrupt_side: Side::Long,
            size: d("700"),
            fill_price: d("1"),
            mark_price: d("1"),
        };
        let outcome = deleverage(AdlPolicy::LeverageDraining, &shortfall, &candidates).unwrap();
        let closed: Vec<(u64, Decimal)> =
            outcome.fills.iter().map(|f| (f.account, f.size)).collect();
        assert_eq!(closed, [(1, d("600")), (2, d("100"))]);
    }

    #[test]
    fn a_short_book_leaves_the_rest_unfilled() {
        let mut big = shortfall();
        big.size = d("10");
        for policy in [
            AdlPolicy::HyperliquidRank,
            AdlPolicy::BinanceRank,
            AdlPolicy::ProRata,
            AdlPolicy::LeverageDraining,
        ] {
            let outcome = deleverage(policy, &big, &book()).unwrap();
            assert_eq!(outcome.unfilled, d("3"), "{policy:?}");
        }
    }

    #[test]
    fn bad_input_names_the_field() {
        let mut bad = book();
        bad[1].size = d("-1");
        let err = deleverage(AdlPolicy::ProRata, &shortfall(), &bad).unwrap_err();
        assert_eq!(err.to_string(), "candidates[1].size: expected a positive size, found -1");
        let mut s = shortfall();
        s.mark_price = Decimal::ZERO;
        assert!(deleverage(AdlPolicy::ProRata, &s, &book()).is_err());
    }
}

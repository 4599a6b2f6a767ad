//! Positions: `borrower_positions.csv` gives raw assets (no shares), so shares are derived by
//! Morpho's own rounding (`SharesMathLib`: borrow `toSharesUp`, as `borrow()` mints them;
//! supply `toSharesDown`, as `supply()` does) from the market's totals;
//! `plume_borrower_positions.csv` gives shares, read as they are and checked against its assets.

use super::{
    markets::{Market, Position},
    rows::{PlumePositionRow, PositionRow},
};
use crate::{
    error::{ImportError, Warnings},
    fields::{self, At},
    rows,
};
use alloy_primitives::U256;
use faultline_core::math::morpho::{to_assets_up, to_shares_down, to_shares_up};
use faultline_orchestrator::snapshot::SourceKind;

const ASSETS: &str = "borrower_positions.csv";
const SHARES: &str = "plume_borrower_positions.csv";

fn market_of<'a>(
    markets: &'a mut [Market],
    at: At<'_>,
    key: &str,
    warnings: &mut Warnings,
) -> Option<&'a mut Market> {
    let key = key.trim().to_lowercase();
    let found = markets.iter_mut().find(|m| m.key == key);
    if found.is_none() {
        at.warn(warnings, format!("no market {key} in markets.csv; row ignored"));
    }
    found
}

/// Adds `add` to the account's position, warning where a field is given twice.
fn merge(
    m: &mut Market,
    account: alloy_primitives::Address,
    add: Position,
    at: At<'_>,
    warnings: &mut Warnings,
) {
    let p = m.positions.entry(account).or_default();
    for (name, old, new) in [
        ("supply shares", &mut p.supply_shares, add.supply_shares),
        ("borrow shares", &mut p.borrow_shares, add.borrow_shares),
        ("collateral", &mut p.collateral, add.collateral),
    ] {
        if !new.is_zero() {
            if !old.is_zero() && *old != new {
                at.warn(
                    warnings,
                    format!(
                        "{account} in {}: {name} given again ({new}, was {old}); the first kept",
                        m.key
                    ),
                );
            } else {
                *old = new;
            }
        }
    }
    p.notes.extend(add.notes);
    p.kind = p.kind.max(add.kind);
}

/// `borrower_positions.csv`: assets, with shares derived.
pub(crate) fn read_assets(
    text: &str,
    markets: &mut [Market],
    warnings: &mut Warnings,
) -> Result<(), ImportError> {
    for row in rows::read::<PositionRow>(ASSETS, text)? {
        let r = &row.record;
        let at = |column: &'static str| At { file: ASSETS, line: row.line, column };
        let account = fields::address(at("user_address"), &r.user_address)?;
        let collateral = fields::raw(at("collateral_raw"), &r.collateral_raw, warnings)?;
        let borrow = fields::raw(at("borrow_assets_raw"), &r.borrow_assets_raw, warnings)?;
        let supply = fields::raw(at("supply_assets_raw"), &r.supply_assets_raw, warnings)?;
        let Some(m) = market_of(markets, at("market_unique_key"), &r.market_unique_key, warnings)
        else {
            continue;
        };
        let overflow =
            |column: &'static str| at(column).error("share conversion overflowed 256 bits");
        let borrow_shares = to_shares_up(borrow, m.borrow_assets, m.borrow_shares)
            .map_err(|_| overflow("borrow_assets_raw"))?;
        let supply_shares = to_shares_down(supply, m.supply_assets, m.supply_shares)
            .map_err(|_| overflow("supply_assets_raw"))?;
        let add = Position {
            supply_shares,
            borrow_shares,
            collateral,
            notes: vec![format!(
                "{ASSETS} line {}: assets as read (supply {supply}, borrow {borrow}, collateral \
                 {collateral}); shares derived by SharesMathLib from the market's totals (borrow \
                 toSharesUp, supply toSharesDown): the export gives no shares",
                row.line
            )],
            kind: Some(SourceKind::Derived),
        };
        merge(m, account, add, at("user_address"), warnings);
    }
    clamp_to_totals(markets, ASSETS, warnings);
    Ok(())
}

/// `plume_borrower_positions.csv`: shares as given, checked against the assets beside them.
pub(crate) fn read_shares(
    text: &str,
    markets: &mut [Market],
    warnings: &mut Warnings,
) -> Result<(), ImportError> {
    for row in rows::read::<PlumePositionRow>(SHARES, text)? {
        let r = &row.record;
        let at = |column: &'static str| At { file: SHARES, line: row.line, column };
        let account = fields::address(at("user_address"), &r.user_address)?;
        let supply_shares = fields::raw(at("supply_shares"), &r.supply_shares, warnings)?;
        let borrow_shares = fields::raw(at("borrow_shares"), &r.borrow_shares, warnings)?;
        let borrow_assets = fields::raw(at("borrow_assets"), &r.borrow_assets, warnings)?;
        let collateral = fields::raw(at("collateral"), &r.collateral, warnings)?;
        let Some(m) = market_of(markets, at("market_unique_key"), &r.market_unique_key, warnings)
        else {
            continue;
        };
        let implied = to_assets_up(borrow_shares, m.borrow_assets, m.borrow_shares)
            .map_err(|_| at("borrow_shares").error("share conversion overflowed 256 bits"))?;
        // The positions and the market totals were read at different moments; a gap beyond
        // 0.1% means they describe different states.
        let gap = implied.abs_diff(borrow_assets);
        if gap * U256::from(1000u16) > borrow_assets.max(U256::from(1u8)) {
            at("borrow_assets").warn(
                warnings,
                format!(
                    "{borrow_assets} disagrees with the shares at markets.csv's totals \
                     ({implied}) by more than 0.1%; the shares are kept"
                ),
            );
        }
        let add = Position {
            supply_shares,
            borrow_shares,
            collateral,
            notes: vec![format!("{SHARES} line {}: shares and collateral as read", row.line)],
            kind: Some(SourceKind::Reported),
        };
        merge(m, account, add, at("user_address"), warnings);
    }
    clamp_to_totals(markets, SHARES, warnings);
    Ok(())
}

/// Shares summing above the market's totals (the contract cannot hold that): the largest
/// position is reduced to fit, with a warning. Rounding up can put a lone borrower one share
/// above the total.
pub(crate) fn clamp_to_totals(markets: &mut [Market], file: &str, warnings: &mut Warnings) {
    for m in markets.iter_mut() {
        for borrow in [true, false] {
            let total = if borrow { m.borrow_shares } else { m.supply_shares };
            let pick = |p: &Position| if borrow { p.borrow_shares } else { p.supply_shares };
            let sum: U256 =
                m.positions.values().map(pick).fold(U256::ZERO, |a, b| a.saturating_add(b));
            if sum <= total {
                continue;
            }
            let excess = sum - total;
            let Some((account, p)) = m.positions.iter_mut().max_by_key(|(_, p)| pick(p)) else {
                continue;
            };
            let field = if borrow { &mut p.borrow_shares } else { &mut p.supply_shares };
            *field = field.saturating_sub(excess);
            let what = if borrow { "borrow" } else { "supply" };
            p.notes.push(format!(
                "{what} shares reduced by {excess} so the market's positions sum to its total"
            ));
            warnings.at(
                "markets.csv",
                m.line,
                if borrow { "borrow_shares" } else { "supply_shares" },
                format!(
                    "after {file}, the positions' {what} shares of market {} sum to {sum}, above \
                     the total {total}; {account}'s (the largest) reduced by {excess}",
                    m.key
                ),
            );
        }
    }
}

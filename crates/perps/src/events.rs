//! What a venue step did, as data: the orchestrator reads these instead of printed logs.

use crate::{Decimal, Side, ledger::AccountId};

/// How a liquidated position left its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A market order filled against the venue's depth.
    Book,
    /// The backstop vault took the position over at the bankruptcy price.
    Backstop,
    /// Closed against opposite positions by auto-deleveraging, at the bankruptcy price.
    Adl,
}

/// One event of a venue step, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A funding payment on one market.
    Funding {
        /// Market symbol.
        market: String,
        /// The payment's rate (positive: longs pay shorts).
        rate: Decimal,
        /// What the longs paid in all (negative: they received).
        paid_by_longs: Decimal,
        /// Digits lost to rounding across payments, settled with the insurance fund so the
        /// venue's accounts still add up exactly.
        rounding_to_insurance: Decimal,
    },
    /// A position (or part of it) closed by liquidation.
    Liquidation {
        /// The liquidated account.
        account: AccountId,
        /// Market symbol.
        market: String,
        /// The side of the liquidated position.
        side: Side,
        /// Size closed (base, positive).
        size: Decimal,
        /// Average price it closed at.
        price: Decimal,
        /// PnL the account realised on the closed size (against its entry).
        realized_pnl: Decimal,
        /// Who took the position.
        route: Route,
        /// Liquidation fee paid to the insurance fund.
        fee: Decimal,
    },
    /// The insurance fund paid a bankrupt account's negative equity.
    InsuranceCover {
        /// The account.
        account: AccountId,
        /// Amount paid.
        amount: Decimal,
    },
    /// A profitable opposite position closed by ADL against a bankrupt one.
    Adl {
        /// The account deleveraged.
        account: AccountId,
        /// The bankrupt account whose position it absorbed.
        bankrupt: AccountId,
        /// Market symbol.
        market: String,
        /// The side of the deleveraged position.
        side: Side,
        /// Size closed (base, positive).
        size: Decimal,
        /// Fill price (the bankruptcy price).
        price: Decimal,
        /// PnL the deleveraged account realised (against its entry).
        realized_pnl: Decimal,
        /// Its leverage (notional / equity at the mark) before the close.
        leverage: Decimal,
    },
    /// A loss nobody absorbed: the account's equity stays negative by this much.
    BadDebt {
        /// The account.
        account: AccountId,
        /// Market symbol.
        market: String,
        /// The unabsorbed loss (positive).
        amount: Decimal,
    },
    /// A position that could not be closed at all this step (no depth, no backstop, no
    /// opposite side); it stays open.
    Unresolved {
        /// The account.
        account: AccountId,
        /// Market symbol.
        market: String,
        /// Size left open.
        size: Decimal,
    },
}

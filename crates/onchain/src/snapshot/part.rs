//! What one protocol's reader contributes to a snapshot, and what it is given to build it.
//!
//! A snapshot is read in two phases, because its tokens are named only once every reader has said
//! which tokens it uses (a symbol shared by two tokens gets the address in its id):
//! 1. each protocol's async reader (`snapshot::morpho`, ...) reads its state at the pinned block
//!    into a [`Part`];
//! 2. [`super::snapshot`] reads every token the parts name, resolves USD prices from the caller
//!    and the parts' [`Quote`]s, and asks each part to [`Part::assemble`] its entities against
//!    that [`Context`].

use crate::{Error, Result, chain::PinnedBlock, readers::tokens::TokenRead};
use alloy::primitives::{Address, U256};
use faultline_core::{
    Rounding,
    decimal::{from_decimal, to_decimal},
};
use faultline_snapshot::{
    Confidence, LendingMarketSpec, OracleKindSpec, OracleSpec, Source, SourceKind, VaultSpec,
    VenueSpec,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One protocol's state, read at the pinned block and waiting to be assembled.
pub(crate) trait Part {
    /// Tokens its entities refer to (read once for the whole snapshot).
    fn tokens(&self) -> Vec<Address>;

    /// Oracle contracts it reads, so a caller's `--oracle-kind` can be checked to name one.
    fn oracles(&self) -> Vec<Address> {
        Vec::new()
    }

    /// Price evidence the chain gives for its tokens (a pool's price, an oracle's answer).
    fn quotes(&self, cx: &Context<'_>) -> Result<Vec<Quote>> {
        let _ = cx;
        Ok(Vec::new())
    }

    /// Its entities, named and priced through `cx`.
    fn assemble(&self, cx: &Context<'_>) -> Result<Contribution>;
}

/// What a [`Part`] adds to the snapshot.
#[derive(Debug, Default)]
pub(crate) struct Contribution {
    /// Oracles (ids unique across the snapshot: prefix them with the protocol).
    pub oracles: Vec<OracleSpec>,
    /// Lending markets.
    pub lending_markets: Vec<LendingMarketSpec>,
    /// Venues.
    pub venues: Vec<VenueSpec>,
    /// Vaults.
    pub vaults: Vec<VaultSpec>,
    /// One sentence for the snapshot's description: what was read and how it was found.
    pub summary: String,
    /// Non-empty positions it holds (for the progress display and the description).
    pub positions: usize,
}

/// What every part is assembled against.
pub(crate) struct Context<'a> {
    /// The pinned block.
    pub block: &'a PinnedBlock,
    /// `"<chain> block N (hash)"`.
    pub at: &'a str,
    /// Every token of the snapshot, by address.
    pub tokens: &'a BTreeMap<Address, TokenRead>,
    /// Token ids by address.
    pub ids: &'a BTreeMap<Address, String>,
    /// The caller's oracle kinds, by oracle address.
    pub oracle_kinds: &'a BTreeMap<Address, OracleKindSpec>,
    /// USD prices resolved so far (empty while [`Part::quotes`] runs).
    pub usd: &'a BTreeMap<Address, (Decimal, Source)>,
}

impl Context<'_> {
    /// A token's id (its address when it was not read, which validation then reports).
    pub(crate) fn id(&self, token: Address) -> String {
        self.ids.get(&token).cloned().unwrap_or_else(|| token.to_string())
    }

    /// A token read for the snapshot.
    pub(crate) fn token(&self, token: Address) -> Result<&TokenRead> {
        self.tokens
            .get(&token)
            .ok_or_else(|| Error::inconsistent(format!("token {token}"), "read", "missing"))
    }

    /// The oracle kind the caller gave for `oracle`, else `market`, with a phrase saying which.
    pub(crate) fn oracle_kind(&self, oracle: Address) -> (OracleKindSpec, String) {
        match self.oracle_kinds.get(&oracle) {
            Some(kind) => (kind.clone(), "kind given by the caller".to_owned()),
            None => (
                OracleKindSpec::Market,
                "kind `market` by default: the chain does not say how an oracle follows the \
                 market (override per oracle, e.g. `fixed` for a hardcoded one)"
                    .to_owned(),
            ),
        }
    }
}

/// Price evidence for one token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Quote {
    /// The token priced.
    pub token: Address,
    /// Its value.
    pub value: QuoteValue,
    /// Which evidence wins when several price the same token.
    pub rank: QuoteRank,
    /// Where it comes from, written out (contract, call, raw answer, scale).
    pub reference: String,
}

/// A quoted value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum QuoteValue {
    /// USD per whole token.
    Usd(Decimal),
    /// Whole `quote` tokens per whole token; USD once `quote` has a USD price.
    In {
        /// The token it is quoted in.
        quote: Address,
        /// How many.
        price: Decimal,
    },
}

/// The precedence of price evidence, strongest first. A token's USD price comes from a venue of
/// the snapshot where one exists (a market price), else from the caller's `--price`, else from a
/// protocol's oracle (the oracle's valuation, labelled as such).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum QuoteRank {
    /// A venue's own price (a pool's `slot0`).
    Venue,
    /// An oracle's answer (Aave's price oracle, Comet's price feeds, a Morpho oracle).
    Oracle,
}

/// A source of kind `kind`.
pub(crate) const fn source(kind: SourceKind, reference: String, confidence: Confidence) -> Source {
    Source { kind, reference, confidence }
}

/// `raw / 10^decimals` as exactly as a [`Decimal`] can hold it: the most places (at most 28) that
/// fit, rounded down; `true` when nothing was lost.
pub(crate) fn as_decimal(field: &str, raw: U256, decimals: u8) -> Result<(Decimal, bool)> {
    for places in (0..=u32::from(decimals).min(28)).rev() {
        if let Ok(value) = to_decimal(raw, decimals, places, Rounding::Down) {
            let back = from_decimal(value, decimals, Rounding::Down)
                .map_err(|e| Error::invalid(field, "a value a decimal can hold", e))?;
            return Ok((value.normalize(), back == raw));
        }
    }
    Err(Error::invalid(field, "a value a 96-bit decimal can hold", format!("{raw} / 1e{decimals}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oracle_prices_are_exact_where_a_decimal_can_hold_them() {
        // 1e24 at scale 24 (USDC loan, 18-decimal collateral) is exactly 1.
        let (d, exact) = as_decimal("p", U256::from(10u8).pow(U256::from(24u8)), 24).unwrap();
        assert_eq!((d, exact), (Decimal::ONE, true));
        // 1.0685e36 at scale 36 is 1.0685 exactly.
        let raw = U256::from(10_685u64) * U256::from(10u8).pow(U256::from(32u8));
        assert_eq!(as_decimal("p", raw, 36).unwrap(), (Decimal::new(10_685, 4), true));
        // 1e36 + 1 at scale 36 needs 36 places: rounded down to 28, and says so.
        let raw = U256::from(10u8).pow(U256::from(36u8)) + U256::from(1u8);
        assert_eq!(as_decimal("p", raw, 36).unwrap(), (Decimal::ONE, false));
        // LLTV 0.915e18 as a percentage (scale 16): 91.5.
        let lltv = U256::from(915_000_000_000_000_000u64);
        assert_eq!(as_decimal("lltv", lltv, 16).unwrap(), (Decimal::new(915, 1), true));
    }
}

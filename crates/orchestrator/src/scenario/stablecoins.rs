//! Stablecoins whose supply funds the buy side of venues: the liquidity chain from redemptions
//! to bid depth (issue 22).
//!
//! ```toml
//! [[stablecoins]]
//! token = "USDC"                  # a token of the snapshot: the venues' quote token
//! supply = "75000000000"          # whole tokens in circulation at the start (supply0)
//! venues = ["weth-usdc-book"]     # order books quoting in it whose bids it funds
//! elasticity = "1"                # bid depth = depth0 x (supply / supply0) ^ elasticity
//! redeem_share = "0.5"            # share of liquidation-sale proceeds redeemed with the issuer
//! note = "where the figures come from"
//! ```
//!
//! The supply changes two ways. **Redemptions in the cascade**: a lending liquidator who sold
//! seized collateral into one of the venues holds the proceeds in this stablecoin; the share
//! `redeem_share` of them is redeemed with the issuer and leaves circulation (the rule the engine
//! can identify; perp liquidations, ADL and holders' sales do not redeem). **Exogenous flows**: a
//! `[[flows]]` series with `kind = "stablecoin_supply"` whose rows name this token (no venue) and
//! a signed amount: minted (positive) or redeemed (negative), e.g. a CSV of daily supply changes.
//! The venues' bid depth follows [`faultline_liquidity::supply::depth_factor`]; `elasticity = 0`
//! keeps the bookkeeping and switches the depth channel off.

use super::Scenario;
use crate::snapshot::{Problem, Snapshot, VenueModelSpec};
use faultline_core::limits;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The largest elasticity accepted: beyond it a 1% redemption would wipe out the book's bids
/// faster than any account of the channel suggests, and the power overflows sooner.
pub const MAX_ELASTICITY: Decimal = Decimal::from_parts(10, 0, 0, false, 0);

/// One stablecoin as state in the cascade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stablecoin {
    /// The token (a token id of the snapshot), the quote token of `venues`.
    pub token: String,
    /// Whole tokens in circulation at the start: `supply0` of the depth law.
    pub supply: Decimal,
    /// Order-book venues quoting in `token` whose bid side the supply funds.
    pub venues: Vec<String>,
    /// The law's exponent: bid depth = depth0 x (supply / supply0) ^ elasticity, 0 to 10.
    pub elasticity: Decimal,
    /// Share (0 to 1) of a lending liquidation sale's proceeds in `token` redeemed with its
    /// issuer; 0 (the default) redeems nothing in the cascade.
    #[serde(default)]
    pub redeem_share: Decimal,
    /// Where the figures come from, what is real and what assumed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// Every problem with the scenario's stablecoins over `snapshot`, each with its path.
pub(super) fn check(scenario: &Scenario, snapshot: &Snapshot) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut push = |path: String, message: String| problems.push(Problem { path, message });
    let mut tokens = BTreeSet::new();
    let mut funded = BTreeSet::new();
    for (i, coin) in scenario.stablecoins.iter().enumerate() {
        let at = |field: &str| format!("stablecoins[{i}].{field}");
        if !snapshot.tokens.iter().any(|t| t.id == coin.token) {
            push(at("token"), format!("expected a token of the snapshot, found {:?}", coin.token));
        } else if !tokens.insert(coin.token.as_str()) {
            push(
                at("token"),
                format!("expected each stablecoin once, found {:?} again", coin.token),
            );
        }
        if let Err(expected) = limits::amount(coin.supply) {
            push(at("supply"), format!("expected {expected}, found {}", coin.supply));
        }
        if coin.elasticity.is_sign_negative() || coin.elasticity > MAX_ELASTICITY {
            push(
                at("elasticity"),
                format!("expected a number from 0 to {MAX_ELASTICITY}, found {}", coin.elasticity),
            );
        }
        if coin.redeem_share.is_sign_negative() || coin.redeem_share > Decimal::ONE {
            push(
                at("redeem_share"),
                format!("expected a share from 0 to 1, found {}", coin.redeem_share),
            );
        }
        if coin.venues.is_empty() {
            push(at("venues"), "expected at least one venue, found none".into());
        }
        for (j, id) in coin.venues.iter().enumerate() {
            let path = format!("stablecoins[{i}].venues[{j}]");
            match snapshot.venues.iter().find(|v| &v.id == id) {
                None => push(path, format!("expected a venue of the snapshot, found {id:?}")),
                Some(v) if v.quote != coin.token => push(
                    path,
                    format!(
                        "expected a venue quoting in {}, found {id:?} quoting in {}",
                        coin.token, v.quote
                    ),
                ),
                Some(v) if !matches!(v.model, VenueModelSpec::Depth { .. }) => push(
                    path,
                    format!(
                        "expected an order-book venue (model `depth`, whose bid side can thin \
                         alone), found {id:?} of another model"
                    ),
                ),
                Some(_) if !funded.insert(id.as_str()) => push(
                    path,
                    format!("expected each venue funded by one stablecoin, found {id:?} again"),
                ),
                Some(_) => {}
            }
        }
    }
    problems
}

//! Protocol models built from snapshot entries, one constructor per protocol, shared by the
//! cascade ([`crate::engine`]) and the one-shot analyses ([`crate::bands`], [`crate::position`]),
//! so every command reads a market exactly as the stress engine does.

use crate::{
    Error, Result,
    snapshot::{MorphoMarketSpec, Snapshot},
};
use alloy_primitives::{Address, U256};
use faultline_core::{Rounding, decimal::from_decimal};
use faultline_lending::morpho::{Irm, MarketParams, MarketState, MorphoMarket, Position};
use rust_decimal::Decimal;

fn model(entity: &str, error: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Model { entity: entity.to_owned(), source: Box::new(error) }
}

/// Morpho's oracle scale for a collateral priced at `price` loan tokens per whole collateral
/// token: `price · 10^(36 + loan decimals − collateral decimals)`, rounded down.
pub(crate) fn morpho_price(entity: &str, price: Decimal, loan: u8, collateral: u8) -> Result<U256> {
    let scale = 36 + i16::from(loan) - i16::from(collateral);
    let scale = u8::try_from(scale)
        .map_err(|_| Error::Overflow { entity: entity.to_owned(), what: "oracle scale" })?;
    from_decimal(price.max(Decimal::ZERO), scale, Rounding::Down).map_err(|e| model(entity, e))
}

/// The token's address, or a stand-in derived from its position when it has none (the model
/// only needs distinct addresses to tell loan from collateral).
pub(crate) fn address_of(snapshot: &Snapshot, token: &str) -> Address {
    let index = snapshot.tokens.iter().position(|t| t.id == token).unwrap_or(0);
    snapshot.tokens.get(index).and_then(|t| t.address).map_or_else(
        || Address::with_last_byte(u8::try_from(index % 255 + 1).unwrap_or(1)),
        |a| a.0,
    )
}

/// The Morpho Blue market `id` of a validated snapshot, its oracle answering `answer` loan
/// tokens per whole collateral token, on the snapshot's clock with no rate model (the snapshot
/// carries no IRM state, so nothing accrues).
pub(crate) fn morpho_market(
    snapshot: &Snapshot,
    id: &str,
    spec: &MorphoMarketSpec,
    answer: Decimal,
) -> Result<MorphoMarket> {
    let decimals = |token: &str| {
        snapshot.tokens.iter().find(|t| t.id == token).map(|t| t.decimals).ok_or_else(|| {
            Error::Invalid {
                field: format!("{id}: token"),
                expected: "a token of the snapshot".into(),
                found: token.to_owned(),
            }
        })
    };
    let price =
        morpho_price(id, answer, decimals(&spec.loan_token)?, decimals(&spec.collateral_token)?)?;
    let params = MarketParams {
        loan_token: address_of(snapshot, &spec.loan_token),
        collateral_token: address_of(snapshot, &spec.collateral_token),
        oracle: Address::ZERO,
        irm: Address::ZERO,
        lltv: spec.lltv.0,
    };
    let state = MarketState {
        total_supply_assets: spec.total_supply_assets.0,
        total_supply_shares: spec.total_supply_shares.0,
        total_borrow_assets: spec.total_borrow_assets.0,
        total_borrow_shares: spec.total_borrow_shares.0,
        last_update: U256::from(snapshot.timestamp),
        fee: spec.fee.0,
    };
    let positions = spec
        .positions
        .iter()
        .map(|p| {
            (
                p.account.0,
                Position {
                    supply_shares: p.supply_shares.0,
                    borrow_shares: p.borrow_shares.0,
                    collateral: p.collateral.0,
                },
            )
        })
        .collect();
    MorphoMarket::from_state(params, state, positions, Irm::None, price, snapshot.timestamp)
        .map_err(|e| model(id, e))
}

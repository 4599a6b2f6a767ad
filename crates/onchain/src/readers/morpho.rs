//! Morpho Blue: markets by id, their parameters, totals, positions, the oracle's `price()` and the
//! IRM's state, in two batched rounds whatever the number of positions (plus one round trip per
//! [`crate::Config::calls_per_batch`] positions).
//!
//! Bindings written from `IMorpho.sol`, `IOracle.sol` and `IIrm.sol` of
//! `morpho-org/morpho-blue` and `IAdaptiveCurveIrm.sol` of `morpho-org/morpho-blue-irm`.

use crate::{
    Error, Result,
    chain::Chain,
    multicall::{Call, Failure, decode, decode_outcome},
};
use alloy::{
    primitives::{Address, B256, I256, U256, keccak256},
    sol,
    sol_types::SolValue,
};
use faultline_lending::morpho::{Irm, MarketParams, MarketState, MorphoMarket, Position};
use std::collections::BTreeMap;

sol! {
    /// `MarketParams` of `IMorpho.sol`.
    #[derive(Debug, PartialEq, Eq)]
    struct SolMarketParams {
        address loanToken;
        address collateralToken;
        address oracle;
        address irm;
        uint256 lltv;
    }

    /// `Market` of `IMorpho.sol`.
    #[derive(Debug, PartialEq, Eq)]
    struct SolMarket {
        uint128 totalSupplyAssets;
        uint128 totalSupplyShares;
        uint128 totalBorrowAssets;
        uint128 totalBorrowShares;
        uint128 lastUpdate;
        uint128 fee;
    }

    /// The Morpho Blue getters and events read here.
    interface IMorpho {
        function idToMarketParams(bytes32 id) external view returns (address loanToken, address collateralToken, address oracle, address irm, uint256 lltv);
        function market(bytes32 id) external view returns (uint128 totalSupplyAssets, uint128 totalSupplyShares, uint128 totalBorrowAssets, uint128 totalBorrowShares, uint128 lastUpdate, uint128 fee);
        function position(bytes32 id, address user) external view returns (uint256 supplyShares, uint128 borrowShares, uint128 collateral);
        function feeRecipient() external view returns (address);
        event Supply(bytes32 indexed id, address indexed caller, address indexed onBehalf, uint256 assets, uint256 shares);
        event Borrow(bytes32 indexed id, address caller, address indexed onBehalf, address indexed receiver, uint256 assets, uint256 shares);
        event SupplyCollateral(bytes32 indexed id, address indexed caller, address indexed onBehalf, uint256 assets);
    }

    /// `IOracle.price()`: loan units per collateral unit, times 1e36.
    interface IMorphoOracle {
        function price() external view returns (uint256);
    }

    /// `IIrm.borrowRateView`.
    interface IIrm {
        function borrowRateView(SolMarketParams memory marketParams, SolMarket memory market) external view returns (uint256);
    }

    /// `IAdaptiveCurveIrm.rateAtTarget`.
    interface IAdaptiveCurveIrm {
        function rateAtTarget(bytes32 id) external view returns (int256);
    }
}

/// What the market's IRM holds, as far as the model needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IrmState {
    /// `irm == address(0)`: no interest.
    None,
    /// The IRM answers `rateAtTarget(id)`: an AdaptiveCurveIRM with this stored rate.
    AdaptiveCurve {
        /// `rateAtTarget[id]`, per second, WAD.
        rate_at_target: I256,
    },
    /// Any other IRM: its `borrowRateView` at the pinned block, held constant by the model.
    Fixed {
        /// Borrow rate per second, WAD.
        rate_per_second: U256,
    },
}

impl IrmState {
    /// The lending model's rate model.
    pub const fn to_model(self) -> Irm {
        match self {
            Self::None => Irm::None,
            Self::AdaptiveCurve { rate_at_target } => Irm::AdaptiveCurve { rate_at_target },
            Self::Fixed { rate_per_second } => Irm::Fixed { rate_per_second },
        }
    }
}

/// One market as read at the pinned block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketRead {
    /// The market id (`keccak256(abi.encode(marketParams))`, checked).
    pub id: B256,
    /// Its parameters.
    pub params: MarketParams,
    /// Its totals.
    pub state: MarketState,
    /// `oracle.price()`, or why it failed (a market with a dead oracle is reported, not dropped).
    pub price: core::result::Result<U256, Failure>,
    /// The IRM's state.
    pub irm: IrmState,
    /// The positions asked for (all of them, zero ones included).
    pub positions: BTreeMap<Address, Position>,
}

impl MarketRead {
    /// The lending model of this market at `now` (the pinned block's timestamp): interest is
    /// accrued from `lastUpdate` when the model next operates, exactly as on chain.
    pub fn to_model(&self, now: u64) -> Result<MorphoMarket> {
        let price = self.price.clone().map_err(|f| Error::item(f.item, f.reason))?;
        MorphoMarket::from_state(
            self.params,
            self.state,
            self.positions.clone(),
            self.irm.to_model(),
            price,
            now,
        )
        .map_err(|source| Error::Model { what: format!("Morpho market {}", self.id), source })
    }
}

/// `keccak256(abi.encode(marketParams))`, Morpho's `MarketParamsLib.id`.
pub fn market_id(params: &MarketParams) -> B256 {
    keccak256(
        SolMarketParams {
            loanToken: params.loan_token,
            collateralToken: params.collateral_token,
            oracle: params.oracle,
            irm: params.irm,
            lltv: params.lltv,
        }
        .abi_encode(),
    )
}

/// `feeRecipient()` of the Morpho Blue at `morpho`: the account interest fees are minted to as
/// supply shares, without a `Supply` event (so discovery from logs cannot find it).
pub async fn fee_recipient(chain: &Chain, morpho: Address) -> Result<Address> {
    let call = Call::new("morpho.feeRecipient", morpho, &IMorpho::feeRecipientCall {});
    let data = chain.call_all(std::slice::from_ref(&call)).await?;
    let first =
        data.first().ok_or_else(|| Error::inconsistent(&call.label, "one result", "none"))?;
    decode::<IMorpho::feeRecipientCall>(&call.label, first)
}

/// Reads the markets `ids` of the Morpho Blue at `morpho`, with the positions of `users[id]`.
pub async fn read_markets(
    chain: &Chain,
    morpho: Address,
    ids: &[B256],
    users: &BTreeMap<B256, Vec<Address>>,
) -> Result<Vec<MarketRead>> {
    // Round 1: parameters, totals and positions: all keyed by id alone.
    let mut calls = Vec::new();
    for id in ids {
        calls.push(Call::new(
            format!("morpho.idToMarketParams({id})"),
            morpho,
            &IMorpho::idToMarketParamsCall { id: *id },
        ));
        calls.push(Call::new(
            format!("morpho.market({id})"),
            morpho,
            &IMorpho::marketCall { id: *id },
        ));
    }
    let mut position_keys = Vec::new();
    for id in ids {
        for user in users.get(id).into_iter().flatten() {
            calls.push(Call::new(
                format!("morpho.position({id}, {user})"),
                morpho,
                &IMorpho::positionCall { id: *id, user: *user },
            ));
            position_keys.push((*id, *user));
        }
    }
    let data = chain.call_all(&calls).await?;
    let mut reads = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let p = decode::<IMorpho::idToMarketParamsCall>(&calls[2 * i].label, &data[2 * i])?;
        let m = decode::<IMorpho::marketCall>(&calls[2 * i + 1].label, &data[2 * i + 1])?;
        if p.loanToken == Address::ZERO {
            return Err(Error::invalid(
                format!("morpho market {id}"),
                "a created market",
                "no market with this id",
            ));
        }
        let params = MarketParams {
            loan_token: p.loanToken,
            collateral_token: p.collateralToken,
            oracle: p.oracle,
            irm: p.irm,
            lltv: p.lltv,
        };
        let computed = market_id(&params);
        if computed != *id {
            return Err(Error::inconsistent(
                format!("id of the params read for market {id}"),
                id,
                computed,
            ));
        }
        let state = MarketState {
            total_supply_assets: U256::from(m.totalSupplyAssets),
            total_supply_shares: U256::from(m.totalSupplyShares),
            total_borrow_assets: U256::from(m.totalBorrowAssets),
            total_borrow_shares: U256::from(m.totalBorrowShares),
            last_update: U256::from(m.lastUpdate),
            fee: U256::from(m.fee),
        };
        reads.push(MarketRead {
            id: *id,
            params,
            state,
            price: Ok(U256::ZERO),
            irm: IrmState::None,
            positions: BTreeMap::new(),
        });
    }
    let by_id: BTreeMap<B256, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    for (k, (id, user)) in position_keys.iter().enumerate() {
        let at = 2 * ids.len() + k;
        let p = decode::<IMorpho::positionCall>(&calls[at].label, &data[at])?;
        if let Some(&i) = by_id.get(id) {
            reads[i].positions.insert(
                *user,
                Position {
                    supply_shares: p.supplyShares,
                    borrow_shares: U256::from(p.borrowShares),
                    collateral: U256::from(p.collateral),
                },
            );
        }
    }

    // Round 2: oracle prices and IRM state (both need the parameters).
    let mut calls = Vec::new();
    for r in &reads {
        calls.push(Call::new(
            format!("oracle({}).price for market {}", r.params.oracle, r.id),
            r.params.oracle,
            &IMorphoOracle::priceCall {},
        ));
        let sol_params = SolMarketParams {
            loanToken: r.params.loan_token,
            collateralToken: r.params.collateral_token,
            oracle: r.params.oracle,
            irm: r.params.irm,
            lltv: r.params.lltv,
        };
        let sol_market = SolMarket {
            totalSupplyAssets: r.state.total_supply_assets.saturating_to(),
            totalSupplyShares: r.state.total_supply_shares.saturating_to(),
            totalBorrowAssets: r.state.total_borrow_assets.saturating_to(),
            totalBorrowShares: r.state.total_borrow_shares.saturating_to(),
            lastUpdate: r.state.last_update.saturating_to(),
            fee: r.state.fee.saturating_to(),
        };
        calls.push(Call::new(
            format!("irm({}).rateAtTarget({})", r.params.irm, r.id),
            r.params.irm,
            &IAdaptiveCurveIrm::rateAtTargetCall { id: r.id },
        ));
        calls.push(Call::new(
            format!("irm({}).borrowRateView for market {}", r.params.irm, r.id),
            r.params.irm,
            &IIrm::borrowRateViewCall { marketParams: sol_params, market: sol_market },
        ));
    }
    let outcomes = chain.call_many(&calls).await?;
    for (i, r) in reads.iter_mut().enumerate() {
        let (price, adaptive, view) =
            (&outcomes[3 * i], &outcomes[3 * i + 1], &outcomes[3 * i + 2]);
        // An answer that does not decode (an idle market's oracle is address 0, whose empty
        // answer "succeeds") is kept as the item's failure, like a revert: a market that needs
        // its price fails when its model is built, naming the item.
        r.price = match price {
            Ok(_) => decode_outcome::<IMorphoOracle::priceCall>(&calls[3 * i].label, price)
                .map_err(|e| Failure { item: calls[3 * i].label.clone(), reason: e.to_string() }),
            Err(f) => Err(f.clone()),
        };
        r.irm = if r.params.irm == Address::ZERO {
            IrmState::None
        } else if let Ok(rate) =
            decode_outcome::<IAdaptiveCurveIrm::rateAtTargetCall>(&calls[3 * i + 1].label, adaptive)
        {
            IrmState::AdaptiveCurve { rate_at_target: rate }
        } else {
            // Not an adaptive curve: the rate it quotes now is all the model can hold. If this
            // fails too the IRM is unreadable and the read fails with its name.
            IrmState::Fixed {
                rate_per_second: decode_outcome::<IIrm::borrowRateViewCall>(
                    &calls[3 * i + 2].label,
                    view,
                )?,
            }
        };
    }
    Ok(reads)
}

//! A one-market ecosystem for the risk tests (SYNTHETIC: every figure is made up so that the
//! answers have a closed form): USDC at $1, WETH at $3,000, one Morpho Blue WETH/USDC market with
//! one borrower (`collateral` WETH, `debt` USDC) and one lender, an oracle of the given kind, and
//! a depth book for WETH.

#![allow(dead_code, reason = "each test file uses part of the support")]

use alloy_primitives::{Address, U256};
use faultline_orchestrator::{
    Scenario,
    scenario::EngineOptions,
    snapshot::{
        Confidence, DepthLevelSpec, LendingMarketSpec, LendingProtocolSpec, MorphoMarketSpec,
        MorphoPositionSpec, OracleKindSpec, OracleSpec, Raw, RawAddress, SCHEMA_VERSION, Snapshot,
        Source, SourceKind, TokenSpec, VenueModelSpec, VenueSpec,
    },
};
use rust_decimal::Decimal;

fn synthetic() -> Source {
    Source {
        kind: SourceKind::Synthetic,
        reference: "synthetic risk test ecosystem".into(),
        confidence: Confidence::Low,
    }
}

fn token(id: &str, decimals: u8, price: i64) -> TokenSpec {
    TokenSpec {
        id: id.into(),
        symbol: id.to_uppercase(),
        decimals,
        chain_id: Some(1),
        address: None,
        price_usd: Decimal::from(price),
        source: synthetic(),
    }
}

/// The market: `collateral` whole WETH, `debt` whole USDC, LLTV in bps.
pub(crate) fn snapshot(
    kind: OracleKindSpec,
    collateral: u64,
    debt: u64,
    lltv_bps: u64,
) -> Snapshot {
    let wad = U256::from(10u64).pow(U256::from(18u8));
    let debt_raw = U256::from(debt) * U256::from(1_000_000u64);
    let supply_raw = debt_raw * U256::from(10u8) / U256::from(9u8);
    let account = |i: u8| RawAddress(Address::from([i; 20]));
    let market = MorphoMarketSpec {
        market_id: format!("{:#066x}", 1),
        loan_token: "usdc".into(),
        collateral_token: "weth".into(),
        oracle: "weth-oracle".into(),
        lltv: Raw(wad * U256::from(lltv_bps) / U256::from(10_000u64)),
        total_supply_assets: Raw(supply_raw),
        total_supply_shares: Raw(supply_raw * U256::from(1_000_000u64)),
        total_borrow_assets: Raw(debt_raw),
        total_borrow_shares: Raw(debt_raw * U256::from(1_000_000u64)),
        fee: Raw(U256::ZERO),
        irm: None,
        oracle_price_raw: None,
        positions: vec![
            MorphoPositionSpec {
                account: account(1),
                supply_shares: Raw(U256::ZERO),
                borrow_shares: Raw(debt_raw * U256::from(1_000_000u64)),
                collateral: Raw(U256::from(collateral) * wad),
                source: None,
            },
            MorphoPositionSpec {
                account: account(2),
                supply_shares: Raw(supply_raw * U256::from(1_000_000u64)),
                borrow_shares: Raw(U256::ZERO),
                collateral: Raw(U256::ZERO),
                source: None,
            },
        ],
    };
    Snapshot {
        schema_version: SCHEMA_VERSION,
        name: "synthetic one-market ecosystem".into(),
        description: "Synthetic: made up so that the risk figures have a closed form.".into(),
        timestamp: 1_760_000_000,
        block: None,
        tokens: vec![token("usdc", 6, 1), token("weth", 18, 3000)],
        oracles: vec![OracleSpec {
            id: "weth-oracle".into(),
            token: "weth".into(),
            quote: Some("usdc".into()),
            kind,
            price: Decimal::from(3000),
            source: synthetic(),
        }],
        venues: vec![VenueSpec {
            id: "weth-book".into(),
            base: "weth".into(),
            quote: "usdc".into(),
            model: VenueModelSpec::Depth {
                levels: [1, 2, 5, 10]
                    .into_iter()
                    .map(|pct| DepthLevelSpec {
                        within_pct: Decimal::from(pct),
                        quantity: Decimal::from(100_000 * pct),
                    })
                    .collect(),
            },
            recovery_half_life_secs: Some(1800),
            source: synthetic(),
        }],
        lending_markets: vec![LendingMarketSpec {
            id: "market".into(),
            name: "Morpho WETH/USDC (synthetic)".into(),
            protocol: LendingProtocolSpec::MorphoBlue(market),
            source: synthetic(),
        }],
        issuers: Vec::new(),
        holders: Vec::new(),
        perp_venues: Vec::new(),
        books: Vec::new(),
        vaults: Vec::new(),
    }
}

/// `steps` hourly steps and no shocks.
pub(crate) fn scenario(steps: u64) -> Scenario {
    Scenario {
        name: "synthetic risk clock".into(),
        description: String::new(),
        snapshot: String::new(),
        step_secs: 3600,
        horizon_secs: 3600 * steps,
        engine: EngineOptions::default(),
        shocks: Vec::new(),
        holders: Vec::new(),
        flows: Vec::new(),
        stablecoins: Vec::new(),
    }
}

/// Φ, the standard normal distribution function.
pub(crate) fn phi(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

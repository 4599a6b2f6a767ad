//! The generator of `fixtures/snapshots/ten-ten-2025.json`, and the test that keeps the committed
//! file equal to what it generates.
//!
//! Regenerate with
//! `FAULTLINE_WRITE_FIXTURES=1 cargo test -p faultline-orchestrator --test ten_ten_fixture`.
//!
//! What is real and what is not:
//! - REAL: the Aave v3 Ethereum Core reserve parameters (LTV, liquidation threshold and bonus,
//!   protocol fee, reserve factor, caps, decimals, addresses) and the oracle answers used as
//!   starting prices, all from `fixtures/aave-v3/ethereum-core-block-22840005.json` (Ethereum block
//!   22,840,005, July 2025; see fixtures/SOURCES.md), not from 10 October 2025.
//! - SYNTHETIC: every position, every venue depth, the oracle kinds. Positions are calibrated so
//!   each collateral reserve's total supply is about its `aTokenUnderlyingBalance` at that block
//!   and each stablecoin reserve's idle balance (supply less debt) equals it exactly; health
//!   factors spread from 1.02 to 3 (skewed low, as real books are), drawn by a fixed
//!   pseudo-random sequence (splitmix64) so the file is reproducible.

#[path = "ten_ten_fixture/perps.rs"]
mod perps;

use alloy_primitives::Address;
use faultline_core::{Rounding, decimal::from_decimal};
use faultline_orchestrator::snapshot::{
    AaveBalanceSpec, AaveMarketSpec, AavePositionSpec, AaveReserveSpec, AaveVersionSpec,
    Confidence, DepthLevelSpec, LendingMarketSpec, LendingProtocolSpec, OracleKindSpec, OracleSpec,
    Raw, RawAddress, SCHEMA_VERSION, Snapshot, Source, SourceKind, TokenSpec, VenueModelSpec,
    VenueSpec,
};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

const AAVE: &str = include_str!("../../../fixtures/aave-v3/ethereum-core-block-22840005.json");
const FIXTURE: &str = "fixtures/aave-v3/ethereum-core-block-22840005.json";
const COMMITTED: &str = include_str!("../../../fixtures/snapshots/ten-ten-2025.json");

/// The reserves used, by fixture symbol: (token id, oracle id).
const RESERVES: [(&str, &str); 6] = [
    ("WETH", "aave-weth-usd"),
    ("WBTC", "aave-wbtc-usd"),
    ("cbBTC", "aave-cbbtc-usd"),
    ("USDC", "aave-usdc-usd"),
    ("USDT", "aave-usdt-usd"),
    ("USDe", "usde-venue-mark"),
];

/// The hand-checked WETH borrower of tests/ten_ten.rs.
pub const WETH_BORROWER: &str = "0x00000000000000000000000000000000000e7001";
/// The hand-checked USDe borrower of tests/ten_ten.rs.
pub const USDE_BORROWER: &str = "0x00000000000000000000000000000000000e7002";

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn source(kind: SourceKind, reference: &str, confidence: Confidence) -> Source {
    Source { kind, reference: reference.to_owned(), confidence }
}

fn synthetic(reference: &str) -> Source {
    source(SourceKind::Synthetic, &format!("SYNTHETIC: {reference}"), Confidence::Low)
}

/// splitmix64: a fixed, documented sequence, so the fixture is reproducible.
struct Draws(u64);

impl Draws {
    const fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 bits.
    fn unit(&mut self) -> Decimal {
        Decimal::from(self.next() >> 11) / Decimal::from(1u64 << 53)
    }
}

struct Reserve<'a> {
    id: &'static str,
    oracle: &'static str,
    json: &'a Value,
    decimals: u8,
    price: Decimal,
    idle: Decimal,
}

impl Reserve<'_> {
    fn bps(&self, field: &str) -> u16 {
        u16::try_from(self.json[field].as_u64().unwrap()).unwrap()
    }

    fn raw(&self, whole: Decimal) -> Raw {
        Raw(from_decimal(whole, self.decimals, Rounding::Down).unwrap())
    }
}

fn account(n: u64) -> RawAddress {
    RawAddress(Address::left_padding_from(&n.to_be_bytes()))
}

fn balance(token: &str, amount: Raw) -> AaveBalanceSpec {
    AaveBalanceSpec { token: token.to_owned(), amount, collateral: true }
}

fn depth(levels: &[(&str, &str)]) -> VenueModelSpec {
    VenueModelSpec::Depth {
        levels: levels
            .iter()
            .map(|(pct, qty)| DepthLevelSpec { within_pct: dec(pct), quantity: dec(qty) })
            .collect(),
    }
}

/// Builds the snapshot.
fn generate() -> Snapshot {
    let aave: Value = serde_json::from_str(AAVE).unwrap();
    let by_symbol = |symbol: &str| -> &Value {
        aave["reserves"].as_object().unwrap().values().find(|r| r["symbol"] == symbol).unwrap()
    };
    let reserves: Vec<Reserve<'_>> = RESERVES
        .iter()
        .map(|(id, oracle)| {
            let json = by_symbol(id);
            let decimals = u8::try_from(json["decimals"].as_u64().unwrap()).unwrap();
            let answer: i128 = json["oracleLatestAnswer"].as_str().unwrap().parse().unwrap();
            let idle: i128 = json["aTokenUnderlyingBalance"].as_str().unwrap().parse().unwrap();
            Reserve {
                id,
                oracle,
                json,
                decimals,
                price: Decimal::from_i128_with_scale(answer, 8),
                idle: Decimal::from_i128_with_scale(idle, u32::from(decimals)),
            }
        })
        .collect();
    let reserve = |id: &str| reserves.iter().find(|r| r.id == id).unwrap();
    let block = format!("{FIXTURE} (Ethereum block 22,840,005)");

    let tokens = reserves
        .iter()
        .map(|r| TokenSpec {
            id: r.id.to_owned(),
            symbol: r.id.to_owned(),
            decimals: r.decimals,
            chain_id: Some(1),
            address: Some(RawAddress(r.json["underlying"].as_str().unwrap().parse().unwrap())),
            price_usd: r.price,
            source: source(
                SourceKind::Onchain,
                &format!(
                    "{block}: AaveOracle answer ({}); USDe's is Aave's capped USDT/USD feed",
                    r.json["oracleDescription"].as_str().unwrap()
                ),
                Confidence::High,
            ),
        })
        .collect();

    // Chainlink's published deviation thresholds and heartbeats for the mainnet feeds Aave
    // reads (ETH/USD and BTC/USD 0.5% and 1 h; USDC/USD and USDT/USD 0.25% and 24 h).
    let feed = |token: &str, oracle: &str, bps: u32, heartbeat: u64| OracleSpec {
        id: oracle.to_owned(),
        token: token.to_owned(),
        quote: None,
        kind: OracleKindSpec::PushFeed { deviation_bps: bps, heartbeat_secs: heartbeat },
        price: reserve(token).price,
        source: source(
            SourceKind::Reported,
            &format!(
                "Aave's {token} price source; answer from {block}; Chainlink's published deviation and heartbeat"
            ),
            Confidence::Medium,
        ),
    };
    let oracles = vec![
        feed("WETH", "aave-weth-usd", 50, 3600),
        feed("WBTC", "aave-wbtc-usd", 50, 3600),
        feed("cbBTC", "aave-cbbtc-usd", 50, 3600),
        feed("USDC", "aave-usdc-usd", 25, 86_400),
        feed("USDT", "aave-usdt-usd", 25, 86_400),
        OracleSpec {
            id: "usde-venue-mark".into(),
            token: "USDe".into(),
            quote: None,
            kind: OracleKindSpec::Market,
            price: reserve("USDe").price,
            source: synthetic(
                "a venue's own mark for USDe, following its market (as the exchange whose book \
                 printed USDe at ~$0.65 on 10 Oct 2025 did); the real Aave Core USDe reserve reads \
                 a capped USDT/USD feed instead, so pricing Aave's USDe by this mark is a \
                 counterfactual",
            ),
        },
    ];

    let venue = |id: &str, base: &str, quote: &str, model, half_life| VenueSpec {
        id: id.to_owned(),
        base: base.to_owned(),
        quote: quote.to_owned(),
        model,
        recovery_half_life_secs: Some(half_life),
        source: synthetic(
            "order-book depth within ±x% of mid in the order of magnitude of the large \
             venues' published depth; not read from any venue",
        ),
    };
    let venues = vec![
        venue(
            "weth-usdc-book",
            "WETH",
            "USDC",
            depth(&[
                ("1", "15000"),
                ("2", "35000"),
                ("5", "100000"),
                ("10", "220000"),
                ("30", "600000"),
            ]),
            600,
        ),
        venue(
            "wbtc-usdc-book",
            "WBTC",
            "USDC",
            depth(&[("1", "300"), ("2", "700"), ("5", "2000"), ("10", "4500"), ("30", "12000")]),
            600,
        ),
        venue(
            "cbbtc-usdc-book",
            "cbBTC",
            "USDC",
            depth(&[("1", "150"), ("2", "350"), ("5", "1000"), ("10", "2200"), ("30", "6000")]),
            600,
        ),
        venue(
            "usde-usdt-book",
            "USDe",
            "USDT",
            depth(&[
                ("0.5", "20000000"),
                ("1", "50000000"),
                ("5", "150000000"),
                ("20", "300000000"),
                ("50", "400000000"),
            ]),
            900,
        ),
        venue(
            "usdc-usdt-book",
            "USDC",
            "USDT",
            depth(&[
                ("0.1", "100000000"),
                ("0.5", "500000000"),
                ("1", "1000000000"),
                ("5", "3000000000"),
            ]),
            300,
        ),
        venue(
            "usdt-usdc-book",
            "USDT",
            "USDC",
            depth(&[
                ("0.1", "100000000"),
                ("0.5", "500000000"),
                ("1", "1000000000"),
                ("5", "3000000000"),
            ]),
            300,
        ),
    ];

    // Positions.
    let mut draws = Draws(0x1010_2025);
    let mut positions = Vec::new();
    let mut borrowed = [Decimal::ZERO; 2]; // USDC, USDT, whole tokens
    let stables = ["USDC", "USDT"];
    let mut next_account = 0x1000u64;
    let mut borrower = |collateral: &[(&Reserve<'_>, Decimal)], draws: &mut Draws| {
        // Health factor 1.02 + 1.98·u², skewed toward the threshold.
        let u = draws.unit();
        let hf = dec("1.02") + dec("1.98") * u * u;
        let which = usize::from(draws.unit() >= dec("0.5"));
        let debt_token = reserve(stables[which]);
        let weighted: Decimal = collateral
            .iter()
            .map(|(r, amount)| {
                *amount * r.price * Decimal::from(r.bps("liquidationThreshold"))
                    / Decimal::from(10_000)
            })
            .sum();
        let debt = (weighted / hf / debt_token.price).round_dp_with_strategy(
            u32::from(debt_token.decimals),
            rust_decimal::RoundingStrategy::ToZero,
        );
        borrowed[which] += debt;
        next_account += 1;
        AavePositionSpec {
            account: account(next_account),
            e_mode: 0,
            supply: collateral.iter().map(|(r, amount)| balance(r.id, r.raw(*amount))).collect(),
            debt: vec![balance(debt_token.id, debt_token.raw(debt))],
        }
    };
    // Borrowers per collateral: the reserve's idle balance split over `count` positions with
    // weights 0.5 + u.
    for (id, count) in [("WETH", 150), ("WBTC", 80), ("cbBTC", 40), ("USDe", 60)] {
        let r = reserve(id);
        let weights: Vec<Decimal> = (0..count).map(|_| dec("0.5") + draws.unit()).collect();
        let sum: Decimal = weights.iter().sum();
        for w in weights {
            let amount = (r.idle * w / sum).round_dp_with_strategy(
                u32::from(r.decimals.min(8)),
                rust_decimal::RoundingStrategy::ToZero,
            );
            positions.push(borrower(&[(r, amount)], &mut draws));
        }
    }
    // Ten borrowers with both WETH and WBTC (the pass liquidates the largest collateral).
    for _ in 0..10 {
        let weth = (Decimal::from(500) + Decimal::from(1500) * draws.unit()).round_dp(4);
        let wbtc = (Decimal::from(10) + Decimal::from(40) * draws.unit()).round_dp(4);
        positions.push(borrower(&[(reserve("WETH"), weth), (reserve("WBTC"), wbtc)], &mut draws));
    }

    // The two hand-checked borrowers (see tests/ten_ten.rs for their health factors).
    positions.push(AavePositionSpec {
        account: RawAddress(WETH_BORROWER.parse().unwrap()),
        e_mode: 0,
        supply: vec![balance("WETH", reserve("WETH").raw(Decimal::from(100)))],
        debt: vec![balance("USDC", reserve("USDC").raw(Decimal::from(186_000)))],
    });
    borrowed[0] += Decimal::from(186_000);
    positions.push(AavePositionSpec {
        account: RawAddress(USDE_BORROWER.parse().unwrap()),
        e_mode: 0,
        supply: vec![balance("USDe", reserve("USDe").raw(Decimal::from(1_000_000)))],
        debt: vec![balance("USDT", reserve("USDT").raw(Decimal::from(600_000)))],
    });
    borrowed[1] += Decimal::from(600_000);

    // Lenders: what is borrowed plus the reserve's idle balance at the fixture's block.
    for (n, (id, debt)) in stables.iter().zip(borrowed).enumerate() {
        let r = reserve(id);
        positions.push(AavePositionSpec {
            account: account(0x0100 + n as u64),
            e_mode: 0,
            supply: vec![balance(id, r.raw(r.idle + debt))],
            debt: vec![],
        });
    }

    let aave_reserves = reserves
        .iter()
        .map(|r| AaveReserveSpec {
            token: r.id.to_owned(),
            decimals: r.decimals,
            oracle: r.oracle.to_owned(),
            ltv: r.bps("ltv"),
            liquidation_threshold: r.bps("liquidationThreshold"),
            liquidation_bonus: r.bps("liquidationBonus"),
            liquidation_protocol_fee: r.bps("liquidationProtocolFee"),
            reserve_factor: r.bps("reserveFactor"),
            supply_cap: r.json["supplyCap"].as_u64().unwrap(),
            borrow_cap: r.json["borrowCap"].as_u64().unwrap(),
            borrowing_enabled: r.json["borrowingEnabled"].as_bool().unwrap(),
            rate_strategy: None,
        })
        .collect();

    let (perp_venue, book, issuer) =
        perps::generate(reserve("WETH").price, reserve("WBTC").price, reserve("USDe").price);
    Snapshot {
        schema_version: SCHEMA_VERSION,
        name: "10-10-style crash on Aave v3 Ethereum Core".into(),
        description: format!(
            "The real Aave v3 Ethereum Core reserve parameters and oracle answers of {block} \
             for WETH, WBTC, cbBTC, USDC, USDT and USDe, with SYNTHETIC positions (calibrated \
             to the reserves' balances at that block, health factors 1.02 to 3), SYNTHETIC \
             venues, and a SYNTHETIC Hyperliquid-like perp venue (real margin tables) carrying \
             the hedge of a USDe-like issuer's delta-neutral book. Generated by \
             crates/orchestrator/tests/ten_ten_fixture.rs; do not edit."
        ),
        timestamp: 1_760_130_000, // 2025-10-10 21:00 UTC
        block: None,
        tokens,
        oracles,
        venues,
        lending_markets: vec![LendingMarketSpec {
            id: "aave-v3-core".into(),
            name: "Aave v3 Ethereum Core".into(),
            protocol: LendingProtocolSpec::AaveV3(AaveMarketSpec {
                version: AaveVersionSpec::V3_4,
                reserves: aave_reserves,
                e_modes: vec![],
                positions,
            }),
            source: source(
                SourceKind::Synthetic,
                &format!(
                    "reserve parameters REAL from {block}; positions SYNTHETIC (generated by \
                     crates/orchestrator/tests/ten_ten_fixture.rs, calibrated to the reserves' \
                     aTokenUnderlyingBalance); eModes and sUSDe not modelled"
                ),
                Confidence::Low,
            ),
        }],
        issuers: vec![issuer],
        holders: vec![],
        perp_venues: vec![perp_venue],
        books: vec![book],
        vaults: vec![],
    }
}

#[test]
fn the_committed_fixture_is_the_generated_one() {
    let text = format!("{}\n", serde_json::to_string_pretty(&generate()).unwrap());
    if std::env::var_os("FAULTLINE_WRITE_FIXTURES").is_some() {
        let path =
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/snapshots/ten-ten-2025.json");
        std::fs::write(path, &text).unwrap();
        return;
    }
    assert!(COMMITTED == text, "regenerate with FAULTLINE_WRITE_FIXTURES=1 (see the module doc)");
}

#[test]
fn the_generated_snapshot_is_valid_and_synthetic_where_it_says() {
    let snapshot = Snapshot::from_json(COMMITTED).unwrap();
    let market = &snapshot.lending_markets[0];
    assert!(market.source.reference.contains("SYNTHETIC"));
    assert!(snapshot.venues.iter().all(|v| v.source.kind == SourceKind::Synthetic));
    let LendingProtocolSpec::AaveV3(spec) = &market.protocol else { panic!("an Aave market") };
    // WETH's real parameters at the fixture's block: LTV 80.5%, LT 83%, bonus 5%, fee 10%.
    let weth = spec.reserves.iter().find(|r| r.token == "WETH").unwrap();
    assert_eq!((weth.ltv, weth.liquidation_threshold, weth.liquidation_bonus), (8050, 8300, 10500));
    assert_eq!(weth.liquidation_protocol_fee, 1000);
    assert_eq!(spec.positions.len(), 150 + 80 + 40 + 60 + 10 + 2 + 2);
}

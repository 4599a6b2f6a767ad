//! A synthetic ecosystem for benchmarks: every figure here is made up (labelled synthetic in
//! each entity's source), sized like a large lending deployment so that the cascade's cost can be
//! measured, not calibrated to any real market.
//!
//! Layout: USDC-denominated Morpho Blue markets on WETH, WBTC, wstETH and ten yield-bearing
//! dollars (`iusd0`..`iusd9`), each issued against WETH, wstETH and an opaque claim; five venues
//! (depth books for the three majors, constant-product pools for two issuer tokens). Borrowers'
//! loan-to-values are spread evenly over 20%..100% of the LLTV, so a fall of x% makes roughly
//! x/0.8 % of them liquidatable.

use alloy_primitives::{Address, U256};
use faultline_orchestrator::{
    Scenario,
    scenario::{EngineOptions, Shock, ShockKind},
    snapshot::{
        BackingItemSpec, BackingSpec, Confidence, DepthLevelSpec, IssuerSpec, LendingMarketSpec,
        LendingProtocolSpec, MorphoMarketSpec, MorphoPositionSpec, OracleKindSpec, OracleSpec, Raw,
        RawAddress, RedemptionModeSpec, RedemptionSpec, RunRuleSpec, SCHEMA_VERSION, Snapshot,
        Source, SourceKind, TokenSpec, VenueModelSpec, VenueSpec,
    },
};
use rust_decimal::Decimal;

/// Sizes of the synthetic ecosystem.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Size {
    /// Borrowers over all markets.
    pub(crate) positions: usize,
    /// Lending markets.
    pub(crate) markets: usize,
    /// Issuers (at most 10).
    pub(crate) issuers: usize,
}

impl Size {
    /// The size issue #7's benchmark names: 1,000,000 positions, 20 markets, 10 issuers.
    #[allow(dead_code, reason = "used by the benchmark, not by the test that includes this file")]
    pub(crate) const BENCHMARK: Self = Self { positions: 1_000_000, markets: 20, issuers: 10 };
}

fn synthetic(what: &str) -> Source {
    Source {
        kind: SourceKind::Synthetic,
        reference: format!("synthetic benchmark ecosystem: {what}"),
        confidence: Confidence::Low,
    }
}

fn dec(text: &str) -> Decimal {
    text.parse().expect("a literal decimal")
}

/// splitmix64: deterministic draws without a dependency.
struct Draws(u64);

impl Draws {
    const fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, n)`.
    const fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Collateral {
    token: &'static str,
    decimals: u8,
    price: &'static str,
}

const MAJORS: [Collateral; 3] = [
    Collateral { token: "weth", decimals: 18, price: "3000" },
    Collateral { token: "wbtc", decimals: 8, price: "60000" },
    Collateral { token: "wsteth", decimals: 18, price: "3600" },
];

fn token(id: &str, decimals: u8, price: &str) -> TokenSpec {
    TokenSpec {
        id: id.into(),
        symbol: id.to_uppercase(),
        decimals,
        chain_id: Some(1),
        address: None,
        price_usd: dec(price),
        source: synthetic("token price"),
    }
}

fn depth(id: &str, base: &str, per_pct: Decimal) -> VenueSpec {
    let levels = [1, 2, 5, 10]
        .into_iter()
        .map(|pct| DepthLevelSpec {
            within_pct: Decimal::from(pct),
            quantity: per_pct * Decimal::from(pct),
        })
        .collect();
    VenueSpec {
        id: id.into(),
        base: base.into(),
        quote: "usdc".into(),
        model: VenueModelSpec::Depth { levels },
        recovery_half_life_secs: Some(1800),
        source: synthetic("order-book depth"),
    }
}

/// The snapshot: tokens, oracles, venues, markets with `size.positions` borrowers, issuers.
pub(crate) fn snapshot(size: Size) -> Snapshot {
    let mut draws = Draws(0x5EED);
    let issuers = size.issuers.min(10);
    let mut tokens = vec![token("usdc", 6, "1")];
    tokens.extend(MAJORS.iter().map(|c| token(c.token, c.decimals, c.price)));
    tokens.extend((0..issuers).map(|k| token(&format!("iusd{k}"), 18, "1")));

    let venues = vec![
        depth("weth-book", "weth", dec("4000")),
        depth("wbtc-book", "wbtc", dec("150")),
        depth("wsteth-book", "wsteth", dec("1500")),
        VenueSpec {
            id: "iusd0-pool".into(),
            base: "iusd0".into(),
            quote: "usdc".into(),
            model: VenueModelSpec::ConstantProduct {
                reserve_base: dec("20000000"),
                reserve_quote: dec("20000000"),
                fee_bps: 5,
            },
            recovery_half_life_secs: None,
            source: synthetic("AMM pool"),
        },
        VenueSpec {
            id: "iusd1-pool".into(),
            base: "iusd1".into(),
            quote: "usdc".into(),
            model: VenueModelSpec::ConstantProduct {
                reserve_base: dec("10000000"),
                reserve_quote: dec("10000000"),
                fee_bps: 5,
            },
            recovery_half_life_secs: None,
            source: synthetic("AMM pool"),
        },
    ];

    // Each issuer: 100M tokens against 40M of WETH, 20M of wstETH and a 45M opaque claim
    // (true NAV 1.05 before any shock; reported 1.00).
    let issuer_specs: Vec<IssuerSpec> = (0..issuers)
        .map(|k| IssuerSpec {
            id: format!("issuer{k}"),
            token: format!("iusd{k}"),
            supply: dec("100000000"),
            reported_nav: Decimal::ONE,
            backing: vec![
                BackingSpec {
                    id: format!("issuer{k}-weth"),
                    item: BackingItemSpec::Holding {
                        token: "weth".into(),
                        amount: dec("13333.33"),
                    },
                    source: synthetic("backing"),
                },
                BackingSpec {
                    id: format!("issuer{k}-wsteth"),
                    item: BackingItemSpec::Holding {
                        token: "wsteth".into(),
                        amount: dec("5555.55"),
                    },
                    source: synthetic("backing"),
                },
                BackingSpec {
                    id: format!("issuer{k}-opaque"),
                    item: BackingItemSpec::Opaque {
                        description: "funds with an external manager".into(),
                        value_usd: dec("45000000"),
                    },
                    source: synthetic("backing"),
                },
            ],
            redemption: RedemptionSpec {
                mode: RedemptionModeSpec::Cooldown { secs: 7 * 86_400 },
                rule: RunRuleSpec::ProRata,
            },
            source: synthetic("issuer"),
        })
        .collect();

    let mut oracles = Vec::new();
    let mut markets = Vec::new();
    let per_market = size.positions / size.markets.max(1);
    let wad = U256::from(10u64).pow(U256::from(18u8));
    for i in 0..size.markets {
        // Markets cycle over the majors, then the issuer tokens.
        let slot = i % (MAJORS.len() + issuers);
        let (collateral, decimals, price, kind, lltv_bps) = if slot < MAJORS.len() {
            let c = &MAJORS[slot];
            let kind = if slot == 2 {
                OracleKindSpec::PushFeed { deviation_bps: 50, heartbeat_secs: 86_400 }
            } else {
                OracleKindSpec::Market
            };
            (c.token.to_owned(), c.decimals, dec(c.price), kind, 8600u64)
        } else {
            let k = slot - MAJORS.len();
            let kind = OracleKindSpec::ExchangeRate { issuer: format!("issuer{k}") };
            (format!("iusd{k}"), 18, Decimal::ONE, kind, 9150)
        };
        let oracle_id = format!("market{i}-oracle");
        oracles.push(OracleSpec {
            id: oracle_id.clone(),
            token: collateral.clone(),
            quote: Some("usdc".into()),
            kind,
            price,
            source: synthetic("oracle"),
        });
        let lltv = wad * U256::from(lltv_bps) / U256::from(10_000u64);
        let mut positions = Vec::with_capacity(per_market + 10);
        let (mut borrow_assets, mut borrow_shares) = (U256::ZERO, U256::ZERO);
        let unit = U256::from(10u64).pow(U256::from(decimals));
        for j in 0..per_market {
            // Collateral worth $1k..$200k; LTV 20%..100% of the LLTV, evenly spread.
            let worth_usd = 1_000 + draws.below(199_000);
            let ltv_bps = 2_000 + draws.below(8_000);
            let collateral_raw = U256::from(worth_usd) * unit * U256::from(1_000_000u64)
                / U256::from(price.mantissa() as u64 * 1_000_000 / 10u64.pow(price.scale()));
            // Debt in USDC units (6 decimals): worth × LTV × LLTV.
            let debt = U256::from(worth_usd)
                * U256::from(1_000_000u64)
                * U256::from(ltv_bps)
                * U256::from(lltv_bps)
                / U256::from(100_000_000u64);
            // Shares at Morpho's virtual-share ratio (1e6 shares per asset at a fresh market).
            let shares = debt * U256::from(1_000_000u64);
            borrow_assets += debt;
            borrow_shares += shares;
            positions.push(MorphoPositionSpec {
                account: RawAddress(account(i, j)),
                supply_shares: Raw(U256::ZERO),
                borrow_shares: Raw(shares),
                collateral: Raw(collateral_raw),
                source: None,
            });
        }
        // Ten lenders supply the borrowed amount at 90% utilisation.
        let supply_assets = borrow_assets * U256::from(10u8) / U256::from(9u8);
        let per_lender = supply_assets / U256::from(10u8);
        let mut supply_shares = U256::ZERO;
        for l in 0..10 {
            let shares = per_lender * U256::from(1_000_000u64);
            supply_shares += shares;
            positions.push(MorphoPositionSpec {
                account: RawAddress(account(i, per_market + l)),
                supply_shares: Raw(shares),
                borrow_shares: Raw(U256::ZERO),
                collateral: Raw(U256::ZERO),
                source: None,
            });
        }
        markets.push(LendingMarketSpec {
            id: format!("market{i}"),
            name: format!("Morpho {}/USDC #{i}", collateral.to_uppercase()),
            protocol: LendingProtocolSpec::MorphoBlue(MorphoMarketSpec {
                market_id: format!("{:#066x}", i + 1),
                loan_token: "usdc".into(),
                collateral_token: collateral,
                oracle: oracle_id,
                lltv: Raw(lltv),
                total_supply_assets: Raw(per_lender * U256::from(10u8)),
                total_supply_shares: Raw(supply_shares),
                total_borrow_assets: Raw(borrow_assets),
                total_borrow_shares: Raw(borrow_shares),
                fee: Raw(U256::ZERO),
                irm: None,
                oracle_price_raw: None,
                positions,
            }),
            source: synthetic("market and positions"),
        });
    }

    Snapshot {
        schema_version: SCHEMA_VERSION,
        name: "synthetic benchmark ecosystem".into(),
        description: "Synthetic: every figure is made up to measure the engine's cost.".into(),
        timestamp: 1_760_000_000,
        block: None,
        tokens,
        oracles,
        venues,
        lending_markets: markets,
        issuers: issuer_specs,
        holders: Vec::new(),
        perp_venues: Vec::new(),
        books: Vec::new(),
        vaults: Vec::new(),
    }
}

fn account(market: usize, index: usize) -> Address {
    let mut bytes = [0u8; 20];
    bytes[..8].copy_from_slice(&(market as u64 + 1).to_be_bytes());
    bytes[12..].copy_from_slice(&(index as u64).to_be_bytes());
    Address::from(bytes)
}

/// ETH (WETH and wstETH) down `fall_pct` at once, then one step to the fixed point.
pub(crate) fn eth_crash(fall_pct: i64) -> Scenario {
    let shock = |token: &str| Shock {
        at_secs: 0,
        note: format!("synthetic: {token} -{fall_pct}%"),
        kind: ShockKind::Price {
            token: token.into(),
            price_usd: None,
            change_pct: Some(Decimal::from(-fall_pct)),
            over_secs: 0,
        },
    };
    Scenario {
        name: format!("synthetic ETH -{fall_pct}%"),
        description: String::new(),
        snapshot: String::new(),
        step_secs: 3600,
        horizon_secs: 3600,
        engine: EngineOptions::default(),
        shocks: vec![shock("weth"), shock("wsteth")],
        holders: Vec::new(),
        flows: Vec::new(),
        stablecoins: Vec::new(),
    }
}

//! Issue 21 end to end: one `faultline snapshot` command reads every modelled kind of protocol
//! from one anvil at one block, and `faultline stress` runs on the result.
//!
//! On one chain:
//! - Morpho Blue 1.0.0 (npm) with the lending fixture's deUSD/USDC 86% market at its mainnet id,
//!   three borrowers (as `snapshot.rs`);
//! - a MetaMorpho stand-in (our contract, MetaMorpho's published ABI) supplying USDC to that
//!   market, with Morpho's idle market;
//! - Aave v3.0 from `@aave/core-v3`'s artifacts with a WETH and a DAI reserve and 12 positions;
//! - a Comet stand-in (our contract, Comet's published ABI) lending USDT against WBTC, four
//!   borrowers;
//! - an Euler v2 stand-in (our contracts, the EVK's, EVC's and router's published ABI) lending
//!   PYUSD against cbETH escrowed in a collateral vault, three borrowers;
//! - a Uniswap v3 pool (v3-core 1.0.1 artifact) of the same deUSD and USDC tokens the Morpho
//!   market lends, at 1 USDC per deUSD, so the cascade sells seized deUSD into it.
//!
//! The command prices USDC (`--price` by address); deUSD is priced by the pool, the other
//! protocols' tokens (their own mocks, one symbol each) by their oracles.

use crate::snapshot::{faultline, fixture_market, path, scratch, stderr};
use faultline_lending::morpho::MarketParams;
use faultline_onchain::{
    MULTICALL3,
    primitives::{Address, U256},
    readers::morpho::market_id,
};
use faultline_test_support::{
    Evm,
    aave_chain::{AaveDeployment, Open, ReserveSetup},
    euler_chain::{EulerCollateralSetup, EulerDeployment, EulerSetup},
    lenders_chain::{
        Coin, CometAssetSetup, CometDeployment, CometSetup, VaultDeployment, create_idle_market,
    },
    morpho_chain::{MorphoDeployment, place_multicall},
    uniswap_v3_chain::{PoolSetup, deploy_pool_over},
};

fn pow10(n: u8) -> U256 {
    U256::from(10u8).pow(U256::from(n))
}

fn units(amount: u64, decimals: u8) -> U256 {
    U256::from(amount) * pow10(decimals)
}

/// Aave: WETH at $2,000 (LTV 80%, threshold 82.5%, bonus 5%) and DAI at $1 (75%, 80%, 5%).
fn aave_reserves() -> Vec<ReserveSetup> {
    let ray = |per_mille: u64| U256::from(per_mille) * pow10(24);
    let r = |symbol: &str, decimals, price, risk| ReserveSetup {
        symbol: symbol.into(),
        decimals,
        price,
        risk,
        reserve_factor: 1_000,
        protocol_fee: 1_000,
        e_mode: 0,
        rates: [ray(800), ray(10), ray(40), ray(600)],
    };
    vec![
        r("WETH", 18, 2_000 * 100_000_000, (8_000, 8_250, 10_500)),
        r("DAI", 18, 100_000_000, (7_500, 8_000, 10_500)),
    ]
}

/// Comet: USDT base, WBTC collateral at $60,000 (borrow 70%, liquidate 77%).
fn comet_setup() -> CometSetup {
    let e18 = 1_000_000_000_000_000_000u64;
    let pct = |p: u64| U256::from(p) * U256::from(e18 / 1000);
    CometSetup {
        base: Coin { decimals: 6, symbol: "USDT".into() },
        base_price: 100_000_000,
        store_front_price_factor: pct(600),
        target_reserves: units(5_000_000, 6),
        base_borrow_min: units(100, 6),
        kinks: [pct(900), U256::ZERO, pct(30), pct(3600), pct(900), pct(15), pct(33), pct(4000)],
        assets: vec![CometAssetSetup {
            coin: Coin { decimals: 8, symbol: "WBTC".into() },
            price: 60_000 * 100_000_000,
            borrow_cf: e18 / 1000 * 700,
            liquidate_cf: e18 / 1000 * 770,
            liquidation_factor: e18 / 1000 * 950,
            supply_cap: 10_000 * 100_000_000,
        }],
    }
}

/// Euler: PYUSD at $1 lent against cbETH at $3,000 (borrow LTV 80%, liquidation 85%), the
/// IRM's kink at 80% (4% and 60% a year per unit of utilisation, per second in RAY).
fn euler_setup() -> EulerSetup {
    EulerSetup {
        asset: Coin { decimals: 6, symbol: "PYUSD".into() },
        price: pow10(18),
        irm: (
            U256::ZERO,
            U256::from(294_967_296u64),
            U256::from(4_423_000_000u64),
            u32::MAX / 5 * 4,
        ),
        interest_fee: 1_000,
        max_liquidation_discount: 1_500,
        config_flags: 0,
        collaterals: vec![EulerCollateralSetup {
            coin: Coin { decimals: 18, symbol: "cbETH".into() },
            price: U256::from(3_000u64) * pow10(18),
            borrow_ltv: 8_000,
            liquidation_ltv: 8_500,
        }],
    }
}

#[tokio::test(flavor = "current_thread")]
async fn one_command_reads_all_five_kinds_and_stress_runs_on_it() {
    let (fixture, market) = fixture_market();
    let evm = Evm::start().await.expect("anvil (tools/evm)");
    place_multicall(&evm, MULTICALL3).await.expect("Multicall3 at its canonical address");

    // Morpho Blue: the fixture's deUSD/USDC market, 1,000,000 USDC supplied, three borrowers
    // with 1,000 deUSD each owing 500, 800 and 850 USDC.
    let mut morpho = MorphoDeployment::deploy(&evm).await.expect("Morpho Blue");
    morpho.place_irm(&evm, market.irm, U256::from(3_000_000_000u64)).await.expect("IRM");
    morpho.create_market(&evm, &market).await.expect("createMarket");
    let usdc = |n: u64| units(n, 6);
    let deusd = units(1_000, 18);
    let borrowers = morpho
        .open_positions(
            &evm,
            &market,
            usdc(1_000_000),
            &[deusd; 3],
            &[usdc(500), usdc(800), usdc(850)],
        )
        .await
        .expect("Morpho positions");

    // MetaMorpho: 200,000 USDC, up to 150,000 in the deUSD market and the rest idle.
    let usdc_address = market.loan.address;
    let idle = create_idle_market(&evm, &morpho, usdc_address).await.expect("idle market");
    let idle_id = market_id(&MarketParams {
        loan_token: idle.loanToken,
        collateral_token: idle.collateralToken,
        oracle: idle.oracle,
        irm: idle.irm,
        lltv: idle.lltv,
    });
    let vault = VaultDeployment::deploy(&evm, morpho.morpho, usdc_address, "Live USDC", true)
        .await
        .expect("MetaMorpho stand-in");
    vault.set_cap(&evm, &market.params(), 150_000_000_000).await.expect("cap");
    vault.set_cap(&evm, &idle, u128::from(u64::MAX)).await.expect("idle cap");
    let market_key = fixture.id.parse().expect("the fixture's market id");
    vault.set_supply_queue(&evm, &[market_key, idle_id]).await.expect("queue");
    vault.deposit(&evm, morpho.owner, usdc(200_000)).await.expect("deposit");

    // Aave v3.0: liquidity, then 12 accounts: WETH collateral borrowing DAI and the reverse.
    let reserves = aave_reserves();
    let mut aave = AaveDeployment::deploy(&evm, &reserves, &[], Address::repeat_byte(0x7e))
        .await
        .expect("Aave v3 from @aave/core-v3");
    aave.provide(&evm, aave.assets[0], units(1_000, 18)).await.expect("WETH liquidity");
    aave.provide(&evm, aave.assets[1], units(2_000_000, 18)).await.expect("DAI liquidity");
    let opens: Vec<Open> = (0..12u16)
        .map(|i| {
            let (c, d) = if i % 2 == 0 { (0, 1) } else { (1, 0) };
            Open {
                collateral: aave.assets[c],
                amount: if c == 0 { units(5, 18) } else { units(10_000, 18) },
                collateral2: Address::ZERO,
                amount2: U256::ZERO,
                eMode: 0,
                debt: aave.assets[d],
                perMille: 900 + 8 * i,
            }
        })
        .collect();
    aave.open_many(&evm, &opens, 12).await.expect("Aave positions");

    // Comet: 200,000 USDT supplied and 147,900 borrowed (74% utilised, where the borrowers'
    // interest exceeds the suppliers' and reserves grow); four borrowers against WBTC.
    // 1 WBTC ($60,000) each, borrowing 30,000 to 45,000 USDT (limit 70%: 42,000).
    let mut comet = CometDeployment::deploy(&evm, &comet_setup()).await.expect("Comet stand-in");
    comet.supply_base(&evm, units(200_000, 6)).await.expect("USDT supplied");
    let comet_borrowers = comet
        .open_borrowers(
            &evm,
            &[0; 4],
            &[units(1, 8); 4],
            &[units(30_000, 6), units(36_000, 6), units(40_000, 6), units(41_900, 6)],
        )
        .await
        .expect("Comet borrowers");
    assert_eq!(comet_borrowers.len(), 4);

    // Euler: 500,000 PYUSD deposited; three accounts pledge 10 cbETH ($30,000, liquidation
    // limit $25,500) and borrow 20,000, 24,000 and 25,000 PYUSD.
    let euler = EulerDeployment::deploy(&evm, &euler_setup()).await.expect("Euler stand-ins");
    euler.deposit(&evm, units(500_000, 6), morpho.owner).await.expect("PYUSD deposited");
    for (k, debt) in [20_000u64, 24_000, 25_000].into_iter().enumerate() {
        let account = Address::with_last_byte(0x40 + u8::try_from(k).unwrap());
        euler.pledge(&evm, account, 0, units(10, 18), units(10, 18)).await.expect("pledge");
        euler.borrow(&evm, account, units(debt, 6)).await.expect("borrow");
    }

    // Uniswap v3: deUSD/USDC at 1 USDC per deUSD, fee 0.05%. deUSD (0x1570...) sorts before
    // USDC (0xA0b8...), so the raw price token1/token0 is 1e6 / 1e18 = 1e-12 and sqrtPriceX96 is
    // 2^96 · 1e-6 = 79228162514264337593543.95 (rounded down). The tick is log_1.0001(1e-12) =
    // -276324.03. Liquidity 1e19 between ticks -285490 and -271620 (0.40 to 1.60 USDC per
    // deUSD) holds about 2.1M deUSD and 3.7M USDC; the snapshot reads ±6,932 ticks (0.50 to 2.0),
    // so the shock to 0.80 and the liquidations after it stay within what was read.
    let two96 = U256::from(1u8) << 96;
    let pool = deploy_pool_over(
        &evm,
        &PoolSetup {
            tokens: [("deUSD".into(), 18), ("USDC".into(), 6)],
            fee: 500,
            sqrt_price_x96: two96 / U256::from(1_000_000u64),
            positions: vec![(-285_490, -271_620, 10_000_000_000_000_000_000)],
        },
        [market.collateral.address, usdc_address],
    )
    .await
    .expect("Uniswap v3 pool");
    evm.advance(24 * 3600).await.expect("a day passes");

    let dir = scratch("live-snapshot-all");
    let snapshot = dir.join("snapshot.json");
    let (endpoint, morpho_address) = (evm.endpoint(), morpho.morpho.to_string());
    let targets = [
        format!("aave-v3:{}", aave.pool),
        format!("comet:{}", comet.comet),
        format!("euler:{}", euler.vault),
        format!("metamorpho:{}", vault.vault),
        format!("morpho-blue:{}", fixture.id),
    ];
    let venue = format!("uniswap-v3:{}", pool.pool);
    let price = format!("{usdc_address}=1");
    let mut args = vec!["snapshot", "--rpc-url", &endpoint, "--morpho", &morpho_address];
    for t in &targets {
        args.extend_from_slice(&["--protocol", t]);
    }
    args.extend_from_slice(&["--venue", &venue, "--venue-ticks", "6932", "--price", &price]);
    args.extend_from_slice(&["--out", path(&snapshot)]);
    let out = faultline(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot).unwrap()).unwrap();
    // Morpho, Aave, Comet and Euler markets; tokens USDC, deUSD, WETH, DAI, USDT, WBTC, PYUSD
    // and cbETH.
    assert!(stderr(&out).contains("4 markets, "), "{}", stderr(&out));
    assert!(stderr(&out).contains(" positions, 1 vaults, 1 venues, 8 tokens"), "{}", stderr(&out));

    let kinds: Vec<String> = json["lending_markets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["protocol"].as_object().unwrap().keys().next().unwrap().clone())
        .collect();
    assert_eq!(
        kinds,
        ["morpho_blue", "aave_v3", "compound_v3", "euler_v2"],
        "one market of each lender"
    );
    assert_eq!(json["vaults"].as_array().unwrap().len(), 1, "the MetaMorpho vault");
    let venues = json["venues"].as_array().unwrap();
    assert_eq!(venues.len(), 1);
    assert_eq!(venues[0]["base"], "deUSD");
    assert_eq!(venues[0]["model"]["type"], "concentrated_liquidity");
    let token = |id: &str| {
        json["tokens"].as_array().unwrap().iter().find(|t| t["id"] == id).cloned().unwrap()
    };
    // deUSD is priced by the pool (a market price), not by the Morpho oracle.
    let deusd_token = token("deUSD");
    assert_eq!(deusd_token["source"]["kind"], "derived");
    assert!(
        deusd_token["source"]["reference"].as_str().unwrap().contains("venue"),
        "{deusd_token}"
    );
    // Aave's and Comet's tokens by their oracles: WETH $2,000, WBTC $60,000.
    assert_eq!(token("WETH")["price_usd"], "2000");
    assert_eq!(token("WBTC")["price_usd"], "60000");
    assert_eq!(token("cbETH")["price_usd"], "3000");
    // Every entity names the block it was read at.
    let block = json["block"]["number"].as_u64().unwrap();
    for m in json["lending_markets"].as_array().unwrap() {
        let reference = m["source"]["reference"].as_str().unwrap();
        assert!(reference.contains(&format!("block {block}")), "{reference}");
    }

    // Stress on it: deUSD falls to 0.80. The 850 and 800 USDC Morpho borrowers (limit 1,000 x
    // 0.80 x 86% = 688 USDC) are liquidatable, and this time a venue was read: their seized
    // deUSD is sold into the pool.
    std::fs::write(
        dir.join("scenario.toml"),
        "name = \"deUSD to 0.80\"\nsnapshot = \"snapshot.json\"\nstep_secs = 3600\n\
         horizon_secs = 7200\n\n[[shocks]]\nat_secs = 0\ntype = \"price\"\ntoken = \"deUSD\"\n\
         price_usd = \"0.80\"\nnote = \"deUSD depegs\"\n",
    )
    .unwrap();
    let out = faultline(&["stress", path(&dir.join("scenario.toml")), "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let events = report["events"].as_array().unwrap();
    let liquidated: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["kind"]["type"] == "liquidation").collect();
    for b in &borrowers[1..] {
        assert!(
            liquidated.iter().any(|e| e.to_string().contains(&b.to_string())),
            "borrower {b} liquidated: {}",
            serde_json::to_string_pretty(&report["events"]).unwrap()
        );
    }
    // Each liquidation's seized deUSD is sold into the pool. By hand: at 0.80 USDC per deUSD
    // the pool's raw sqrt price is sqrt(0.8e-12) = 8.944e-7, so 1/sqrtP = 1,118,034; selling
    // 1,000 deUSD (1e21 raw, 999.5 after the 0.05% fee) at liquidity 1e19 adds 99.95 to it,
    // which lowers the price by a factor (1,118,034 / 1,118,134)^2 = 1 - 1.788e-4: 0.79986.
    let sales: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| {
            e["kind"]["type"] == "price_move"
                && e["summary"].as_str().unwrap().contains("liquidation sale")
        })
        .collect();
    assert_eq!(sales.len(), 2, "one sale per liquidation");
    let after_first: f64 = sales[0]["kind"]["to_usd"].as_str().unwrap().parse().unwrap();
    assert!((after_first - 0.79986).abs() < 0.00001, "{after_first}");
    // The vault that lends to the market bears its share of the bad debt: 150,000 of the
    // market's 1,150,000 USDC supplied (a day of interest moves the shares by far less than 1%).
    let entity = |kind: &str, field: &str| -> f64 {
        let e = report["entities"].as_array().unwrap().iter().find(|e| e["kind"] == kind);
        e.map(|e| e[field].as_str().unwrap().parse().unwrap()).unwrap()
    };
    let (bad_debt, vault_loss) =
        (entity("lending_market", "bad_debt_usd"), entity("vault", "nav_lost_usd"));
    assert!(bad_debt > 100.0, "{bad_debt}");
    let share = bad_debt * 150_000.0 / 1_150_000.0;
    assert!((vault_loss - share).abs() < share * 0.01, "{vault_loss} vs {share}");
}

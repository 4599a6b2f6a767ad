//! A Uniswap v3 pool as a venue of the cascade: a liquidation's collateral is sold into it with
//! the pool's exact swap math, and a sale past the ticks read is not priced.
//!
//! Hand-worked snapshot (synthetic): TKN and DAI (both 18 decimals, DAI at $1). One v3 pool,
//! fee 0.3% (3,000 pips), spacing 60, at price 1 (`sqrtPriceX96` = 2^96, tick 0), one position
//! of liquidity L = 1,000e18 on ticks [-6,000, 6,000), read over that range. A Morpho TKN/DAI
//! 50% market: one lender of 100 DAI, one borrower of 9 DAI against 10 TKN, the oracle following
//! the market. At price 1 the borrower may owe at most 10 · 1 · 0.5 = 5 DAI: liquidatable at
//! once. Morpho's incentive at LLTV 50% is min(1.15, 1 / (1 − 0.3 · 0.5)) = 1.15, and the
//! collateral (10 DAI of it) is worth less than the debt times it (10.35): the liquidator seizes
//! all 10 TKN and sells them into the pool (gas set to 0 so nothing else decides).
//!
//! The sale, by `UniswapV3Pool.swap` (zero for one, exact input, one step: the price stays far
//! inside [-6,000, 6,000]), with the formulas of `SwapMath.computeSwapStep` and `SqrtPriceMath`:
//! - amount less fee: ⌊10e18 · (1e6 − 3,000) / 1e6⌋ = 9.97e18;
//! - `getNextSqrtPriceFromAmount0RoundingUp(2^96, L, 9.97e18, true)` =
//!   ⌈(L · 2^96) · 2^96 / (L · 2^96 + 9.97e18 · 2^96)⌉ = ⌈2^96 · L / (L + 9.97e18)⌉;
//! - DAI out: `getAmount1Delta(next, 2^96, L, false)` = ⌊L · (2^96 − next) / 2^96⌋, about
//!   1,000 · 9.97 / 1,009.97 ≈ 9.8716 DAI;
//! - the mid after: next² / 2^192 DAI per TKN, rounded down to 18 places, about
//!   (1,000 / 1,009.97)² ≈ 0.98035.
//!
//! The test computes these three lines in 256-bit integers here, independently of the liquidity
//! crate (whose pool is checked against the v3-core bytecode on 300 pools).

use alloy_primitives::U256;
use faultline_orchestrator::{
    Scenario, Snapshot,
    report::{EventKind, MissReason, Report},
    run,
};
use rust_decimal::Decimal;
use serde_json::{Value, json};

const E18: u128 = 1_000_000_000_000_000_000;

fn source() -> Value {
    json!({"kind": "synthetic", "reference": "hand-worked test", "confidence": "low"})
}

/// The pool read over `[tick_lower, tick_upper]`: the initialised ticks in that range only.
fn pool(tick_lower: i32, tick_upper: i32) -> Value {
    let ticks: Vec<Value> =
        [(-6_000, (1_000 * E18).to_string()), (6_000, format!("-{}", 1_000 * E18))]
            .into_iter()
            .filter(|(t, _)| (tick_lower..=tick_upper).contains(t))
            .map(|(t, net)| json!({"tick": t, "liquidity_net": net}))
            .collect();
    json!({
        "type": "concentrated_liquidity", "base_is_token0": true, "fee_pips": 3000,
        "tick_spacing": 60, "sqrt_price_x96": (U256::from(1u8) << 96usize).to_string(),
        "tick": 0, "liquidity": (1_000 * E18).to_string(),
        "tick_lower": tick_lower, "tick_upper": tick_upper,
        "ticks": ticks
    })
}

fn snapshot(model: Value) -> Snapshot {
    let s = source();
    let doc = json!({
        "schema_version": 1, "name": "hand-worked v3 liquidation", "timestamp": 1_700_000_000u64,
        "tokens": [
            {"id": "TKN", "symbol": "TKN", "decimals": 18, "price_usd": "1", "source": s},
            {"id": "DAI", "symbol": "DAI", "decimals": 18, "price_usd": "1", "source": s}
        ],
        "oracles": [{"id": "tkn-market", "token": "TKN", "quote": "DAI",
            "kind": {"type": "market"}, "price": "1", "source": s}],
        "venues": [{"id": "tkn-v3", "base": "TKN", "quote": "DAI", "model": model, "source": s}],
        "lending_markets": [{"id": "m", "name": "Morpho TKN/DAI 50%", "source": s,
            "protocol": {"morpho_blue": {
                "market_id": "0x01", "loan_token": "DAI", "collateral_token": "TKN",
                "oracle": "tkn-market", "lltv": "500000000000000000",
                "total_supply_assets": (100 * E18).to_string(),
                "total_supply_shares": (100 * E18 * 1_000_000).to_string(),
                "total_borrow_assets": (9 * E18).to_string(),
                "total_borrow_shares": (9 * E18 * 1_000_000).to_string(),
                "positions": [
                    {"account": "0x000000000000000000000000000000000000a001",
                     "supply_shares": (100 * E18 * 1_000_000).to_string()},
                    {"account": "0x000000000000000000000000000000000000b001",
                     "borrow_shares": (9 * E18 * 1_000_000).to_string(),
                     "collateral": (10 * E18).to_string()}
                ]}}}]
    });
    Snapshot::from_json(&doc.to_string()).expect("the hand-worked snapshot is valid")
}

fn report(snapshot: &Snapshot) -> Report {
    let scenario = Scenario::from_toml(
        "name = \"one step\"\nsnapshot = \"unused\"\nstep_secs = 3600\nhorizon_secs = 3600\n\
         [engine]\nliquidation_gas_usd = \"0\"\n",
    )
    .unwrap();
    assert!(scenario.check(snapshot).is_empty(), "{:?}", scenario.check(snapshot));
    run(snapshot, &scenario).expect("the run")
}

/// `raw / 1e18` exactly.
fn whole(raw: U256) -> Decimal {
    let raw = i128::try_from(raw).expect("fits");
    Decimal::from_i128_with_scale(raw, 18).normalize()
}

#[test]
fn a_liquidation_sold_into_a_v3_pool_moves_it_by_the_v3_math() {
    let q96 = U256::from(1u8) << 96usize;
    let l = U256::from(1_000 * E18);
    let less_fee = U256::from(10 * E18) * U256::from(997_000u32) / U256::from(1_000_000u32);
    assert_eq!(less_fee, U256::from(9_970_000_000_000_000_000u128));
    let (num, den) = (q96 * l, l + less_fee);
    let next = num.div_ceil(den);
    let out = l * (q96 - next) / q96;
    let mid = next * next * U256::from(E18) / (q96 * q96);
    // Sanity of the hand figures: 9.8716 DAI out, mid 0.98035.
    assert_eq!(whole(out).round_dp(4), Decimal::new(98_716, 4));
    assert_eq!(whole(mid).round_dp(5), Decimal::new(98_035, 5));

    let report = report(&snapshot(pool(-6_000, 6_000)));
    let liquidations: Vec<_> = report
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Liquidation { seized_usd, .. } => Some(*seized_usd),
            _ => None,
        })
        .collect();
    // The liquidator's proceeds (DAI at $1) are the pool's amount1 out, to the wei.
    assert_eq!(liquidations, vec![whole(out)], "{:#?}", report.events);
    let moves: Vec<Decimal> = report
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PriceMove { to_usd, .. } if e.entity == "TKN" => Some(*to_usd),
            _ => None,
        })
        .collect();
    assert_eq!(moves.first(), Some(&whole(mid)), "{:#?}", report.events);
}

/// The same pool read over ticks [-60, 60] only: selling 10 TKN would take the price below tick
/// -60 (about 1,000e18 · (1.0001^30 − 1) ≈ 3.0e18 TKN reach it), where nothing was read. The
/// venue would fill up to the edge and no further: the ~3 DAI that fetches cannot repay the
/// ~8.70 DAI the seizure costs, so the liquidation is missed for want of liquidity, and the pool
/// is not priced on liquidity nobody read (the full pool would have paid 9.87 DAI, above).
#[test]
fn a_sale_past_the_ticks_read_is_not_priced() {
    let report = report(&snapshot(pool(-60, 60)));
    let kinds: Vec<&EventKind> = report.events.iter().map(|e| &e.kind).collect();
    assert!(
        matches!(
            kinds.as_slice(),
            [EventKind::MissedLiquidation { reason: MissReason::NoLiquidity, .. }]
        ),
        "{kinds:#?}"
    );
}

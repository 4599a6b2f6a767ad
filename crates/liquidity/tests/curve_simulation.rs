//! Curve StableSwap against Curve's own reference model: curvefi/curve-contract
//! `tests/simulation.py`, class `Curve` (commit 05a758db7ae55bb24fa4f9b1c303234c1145ee4e; the
//! D/y/dy/exchange of the file at e5fb8c0e gives identical numbers), which the repository's
//! `tests/pools/common/integration/test_simulate_exchange.py` checks the deployed pools against.
//!
//! The numbers are in `fixtures/curve/simulation-vectors.json`, produced by running that class
//! with our generator `tests/curve/generate_vectors.py` on 17 pools (n = 2 and 3, A from 1 to
//! 5,000, fees 0 to 0.3%, balances from balanced to 1:100,000, 18/8/6-decimal coins, lending-pool
//! rates) and 600 trades from zero to fifty times the input balance, plus 44 pools picked for
//! their Newton loops (see fixtures/SOURCES.md).
//!
//! Where the model and the Vyper (`contracts/pools/3pool/StableSwap3Pool.vy`, what executes on
//! chain, and what `faultline_liquidity::curve` mirrors) agree, the vectors are checked as they
//! are:
//! - `xp()` is `_xp()` (`rate * balance / 1e18`), `D()` is `get_D` (same Newton step, same
//!   `|ΔD| <= 1` stop), `y(i, j, x)` is `get_y` (the model's `b` already subtracts `D`, the Vyper's
//!   subtracts it in the denominator: the same integers). The model's loops have no 255-iteration
//!   cap; `get_d_strict` proves each pool converges well inside it, so the cap never bites here.
//!
//! Where they differ, the Rust follows the Vyper and the test applies the Vyper's own line to the
//! model's number (never a number of ours):
//! - dy: the model's `dy = xp[j] − y`; the Vyper's `dy = xp[j] − y − 1` ("-1 just in case there
//!   were some rounding errors"), which reverts (underflow) when the model's dy is 0 or less: the
//!   model's `exchange` then fails its own `assert dy > 0` (recorded as null) or returns 0;
//! - the fee: both `dy * fee // 1e10`, but on their own dy, so the Vyper's fee is the model's or
//!   one less;
//! - units: the model returns `dy − fee` normalised; `exchange` pays `(dy − dy_fee) * 1e18 /
//!   rates[j]` raw, and `get_dy` converts to raw *before* taking the fee;
//! - balances: the model keeps the whole fee in the pool and stores `(y + fee) * 1e18 // p[j]`
//!   (rounding the pool down); the Vyper stores `balance[j] − dy − admin_fee` (rounding the payout
//!   down), so with no admin fee the Vyper's balance is the model's or one raw unit more. The
//!   model has no admin fee; the Vyper's is checked with the 3pool's 50%.

use alloy::primitives::U256;
use faultline_liquidity::{
    Error,
    curve::{FEE_DENOMINATOR, PRECISION, StableSwap, get_d, get_d_strict, get_y},
};
use serde_json::Value;

/// The 3pool's admin fee: 5,000,000,000 / 1e10 = 50%.
const ADMIN_FEE: u64 = 5_000_000_000;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/curve/simulation-vectors.json");
    let text = std::fs::read_to_string(path).expect("fixtures/curve/simulation-vectors.json");
    serde_json::from_str(&text).expect("valid JSON")
}

fn num(v: &Value) -> U256 {
    v.as_str().expect("integers are decimal strings").parse().expect("a U256")
}

fn nums(v: &Value) -> Vec<U256> {
    v.as_array().expect("an array").iter().map(num).collect()
}

fn index(v: &Value) -> usize {
    usize::try_from(v.as_u64().expect("an index")).expect("small")
}

fn pools() -> Vec<Value> {
    let all = vectors();
    assert_eq!(all["source"]["repository"], "curvefi/curve-contract");
    assert_eq!(all["source"]["file"], "tests/simulation.py");
    all["pools"].as_array().expect("pools").clone()
}

fn pool_of(v: &Value, admin_fee: u64) -> StableSwap {
    StableSwap::with_rates(
        nums(&v["x"]),
        nums(&v["p"]),
        num(&v["A"]),
        num(&v["fee"]),
        U256::from(admin_fee),
    )
    .expect("a valid pool")
}

fn is_power_of_ten_rate(rate: U256) -> bool {
    (18..=36).any(|k| rate == U256::from(10u8).pow(U256::from(k)))
}

/// `Curve.xp()` and `Curve.D()` against `_xp()` and `get_D`; the decimal pools' `p` is the
/// 3pool's `RATES = 10^(36 − decimals)`, which `StableSwap::new` derives from the decimals.
#[test]
fn xp_and_d_match_the_simulation() {
    let pools = pools();
    assert_eq!(pools.len(), 17);
    for v in &pools {
        let name = v["name"].as_str().unwrap();
        let pool = pool_of(v, 0);
        let xp = pool.xp().unwrap();
        assert_eq!(xp, nums(&v["xp"]), "{name}: xp");
        assert_eq!(get_d_strict(&xp, pool.amp()).unwrap(), num(&v["D"]), "{name}: D");
        assert_eq!(get_d(&xp, pool.amp()).unwrap(), num(&v["D"]), "{name}: D");
        if nums(&v["p"]).into_iter().all(is_power_of_ten_rate) {
            let decimals: Vec<u8> = v["decimals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| u8::try_from(d.as_u64().unwrap()).unwrap())
                .collect();
            let by_decimals =
                StableSwap::new(nums(&v["x"]), &decimals, num(&v["A"]), num(&v["fee"]), U256::ZERO)
                    .unwrap();
            assert_eq!(by_decimals, pool, "{name}: RATES from decimals");
        }
    }
}

/// `Curve.y(i, j, x)` against `get_y` at normalised balances from a millionth of `xp[i]` to a
/// hundred times it (400 points).
#[test]
fn get_y_matches_the_simulation() {
    let mut checked = 0;
    for v in pools() {
        let name = v["name"].as_str().unwrap();
        let pool = pool_of(&v, 0);
        let xp = pool.xp().unwrap();
        for case in v["y"].as_array().unwrap() {
            let (i, j, x) = (index(&case["i"]), index(&case["j"]), num(&case["x"]));
            assert_eq!(
                get_y(i, j, x, &xp, pool.amp()).unwrap(),
                num(&case["y"]),
                "{name}: y({i}, {j}, {x})"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 400);
}

/// Every trade: `get_dy`, `exchange`'s dy, fee, payout and balances, with and without the 3pool's
/// admin fee, and the revert where the Vyper's `- 1` underflows.
#[test]
fn exchange_and_get_dy_match_the_simulation_to_the_wei() {
    let one = U256::from(1u8);
    let (mut filled, mut reverted, mut fee_equal, mut fee_one_less) = (0, 0, 0, 0);
    let (mut balance_equal, mut balance_one_more) = (0, 0);
    for v in pools() {
        let name = v["name"].as_str().unwrap();
        let pool = pool_of(&v, 0);
        let with_admin = pool_of(&v, ADMIN_FEE);
        let (x, p, fee) = (nums(&v["x"]), nums(&v["p"]), num(&v["fee"]));
        let decimal_rates = p.iter().copied().all(is_power_of_ten_rate);
        for t in v["trades"].as_array().unwrap() {
            let (i, j, dx) = (index(&t["i"]), index(&t["j"]), num(&t["dx"]));
            let what = format!("{name}: {i} -> {j}, dx {dx}");
            // The model is fed what the contract adds to xp[i].
            assert_eq!(num(&t["dx_xp"]), dx * p[i] / PRECISION, "{what}: dx_xp");
            let model_dy = num(&t["dy"]);

            // The Vyper's `xp[j] - y - 1` underflows where the model's dy is not positive.
            if model_dy.is_zero() {
                assert!(t["exchange"].is_null(), "{what}: the model asserts dy > 0");
                assert!(
                    matches!(
                        pool.quote_exchange(i, j, dx),
                        Err(Error::InsufficientLiquidity { .. })
                    ),
                    "{what}: exchange must revert"
                );
                assert!(
                    matches!(pool.get_dy(i, j, dx), Err(Error::InsufficientLiquidity { .. })),
                    "{what}: get_dy"
                );
                reverted += 1;
                continue;
            }
            let dy_xp = model_dy - one;

            let q = pool.quote_exchange(i, j, dx).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(q.dy_xp, dy_xp, "{what}: dy = model dy - 1");
            let vyper_fee = dy_xp * fee / FEE_DENOMINATOR;
            assert_eq!(q.fee_xp, vyper_fee, "{what}: dy_fee");

            let model = &t["exchange"];
            let (model_out, model_fee) = (num(&model["out"]), num(&model["fee"]));
            assert_eq!(model_out + model_fee, model_dy, "{what}: the model's out + fee is its dy");
            // The same floor on one unit less of dy: equal, or one less.
            if q.fee_xp == model_fee {
                fee_equal += 1;
            } else {
                assert_eq!(q.fee_xp + one, model_fee, "{what}: fee vs the model's");
                fee_one_less += 1;
            }
            // Payout: the model's dy, less the Vyper's -1 and fee, in raw units of j.
            assert_eq!(
                q.dy,
                (model_dy - one - vyper_fee) * PRECISION / p[j],
                "{what}: exchange dy"
            );
            // get_dy converts first, then takes the fee on the raw amount.
            let raw = dy_xp * PRECISION / p[j];
            assert_eq!(
                pool.get_dy(i, j, dx).unwrap(),
                raw - fee * raw / FEE_DENOMINATOR,
                "{what}: get_dy"
            );

            // Balances: the input side gains dx (the model's too, where its rates are powers of
            // ten and its round trip through p is exact); the output side pays q.dy.
            let after = nums(&model["x_after"]);
            assert_eq!(q.balances[i], x[i] + dx, "{what}: balance i");
            if decimal_rates {
                assert_eq!(after[i], q.balances[i], "{what}: model balance i");
            }
            assert_eq!(q.balances[j], x[j] - q.dy, "{what}: balance j");
            if decimal_rates {
                // Vyper rounds the payout down, the model rounds the pool down (module doc).
                let gap = q.balances[j] - after[j];
                assert!(gap <= one, "{what}: balance j {} vs model {}", q.balances[j], after[j]);
                if gap.is_zero() {
                    balance_equal += 1;
                } else {
                    balance_one_more += 1;
                }
            }
            // Balances stay in step with what the model holds, within its rounding of x·p.
            let model_xp_j = after[j] * p[j] / PRECISION;
            let ours_xp_j = q.balances[j] * p[j] / PRECISION;
            assert!(ours_xp_j >= model_xp_j, "{what}: the Vyper keeps the -1 in the pool");

            // The 3pool's admin fee: half the fee leaves the pool; the trader is paid the same.
            let a = with_admin.quote_exchange(i, j, dx).unwrap();
            let admin = vyper_fee * U256::from(ADMIN_FEE) / FEE_DENOMINATOR * PRECISION / p[j];
            assert_eq!((a.dy, a.fee_xp, a.admin_fee), (q.dy, q.fee_xp, admin), "{what}: admin fee");
            assert_eq!(a.balances[j], x[j] - q.dy - admin, "{what}: balance j with admin fee");

            // `exchange` changes the pool exactly as quoted.
            let mut state = with_admin.clone();
            assert_eq!(state.exchange(i, j, dx).unwrap(), a.dy);
            assert_eq!(state.balances(), a.balances.as_slice());
            filled += 1;
        }
    }
    // Every vector was used, and both sides of each branch occur in the data.
    assert_eq!(filled + reverted, 600);
    assert!(reverted > 0, "no revert case");
    assert!(fee_equal > 0 && fee_one_less > 0, "fees: {fee_equal} equal, {fee_one_less} one less");
    assert!(
        balance_equal > 0 && balance_one_more > 0,
        "balances: {balance_equal}, {balance_one_more}"
    );
}

/// Pools picked for their Newton loops (the generator's `newton_cases`): in 40 of them some step
/// before the last changes D or y by exactly 2, so a stop test looser than the Vyper's `<= 1`
/// would stop early; `get_D` and `get_y` must match the model there. In 4 more the model's D loop
/// cycles forever (it has no iteration cap); the 3pool returns the 255th iterate, read off the
/// model's own first 255 steps, and `get_d_strict` (newer pools' `raise`) refuses.
#[test]
fn newton_loops_stop_where_the_vyper_stops() {
    let all = vectors();
    let cases = all["newton"].as_array().expect("newton cases");
    let (mut converged, mut cycling) = (0, 0);
    for case in cases {
        let label = case["label"].as_str().unwrap();
        let (xp, amp) = (nums(&case["x"]), num(&case["A"]));
        if case["D"].is_null() {
            assert_eq!(get_d(&xp, amp).unwrap(), num(&case["D_at_255"]), "{label}: 255th iterate");
            assert!(
                matches!(
                    get_d_strict(&xp, amp),
                    Err(Error::NotConverged { op: "get_D", iterations: 255 })
                ),
                "{label}: strict"
            );
            cycling += 1;
            continue;
        }
        assert_eq!(get_d_strict(&xp, amp).unwrap(), num(&case["D"]), "{label}: D");
        let y = &case["y"];
        assert_eq!(
            get_y(index(&y["i"]), index(&y["j"]), num(&y["x"]), &xp, amp).unwrap(),
            num(&y["y"]),
            "{label}: y"
        );
        converged += 1;
    }
    assert_eq!((converged, cycling), (40, 4));
}

//! MetaMorpho vaults in the cascade: a hand-built market whose borrower is liquidated with bad
//! debt, and two vaults over it, v1.0 and v1.1, whose share prices are worked out by hand; and
//! the snapshot checks on vaults, each problem with its JSON path.

use faultline_orchestrator::{Scenario, Snapshot, report::EventKind, run};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

const V10: &str = "0x00000000000000000000000000000000000000a1";
const V11: &str = "0x00000000000000000000000000000000000000b2";

/// One Morpho market, COLL (18 decimals, $1) collateral, USDC debt, LLTV 80%, an oracle that
/// follows the market. Supply 1,000,000 USDC: vault A (v1.0) 600,000, vault B (v1.1) 300,000,
/// a lender 100,000; one borrower with 1,000,000 COLL and 700,000 USDC of debt. Shares are
/// assets × 10^6 (Morpho's virtual shares); vault shares are assets × 10^12 (the decimals
/// offset of a 6-decimal asset), so both vaults start at exactly 1 USDC per share.
fn snapshot() -> Value {
    let source = json!({"kind": "synthetic", "reference": "hand-built test", "confidence": "low"});
    let vault = |id: &str, version: &str, address: &str, assets: u64| {
        json!({"id": id, "name": id, "version": version, "asset": "USDC", "address": address,
            "total_shares": format!("{assets}000000000000000000"),
            "withdraw_queue": ["m"], "supply_queue": ["m"],
            "caps": [{"market": "m", "cap": "1000000000000"}], "source": source})
    };
    json!({
        "schema_version": 1,
        "name": "hand-built vaults",
        "timestamp": 1_700_000_000,
        "tokens": [
            {"id": "USDC", "symbol": "USDC", "decimals": 6, "price_usd": "1", "source": source},
            {"id": "COLL", "symbol": "COLL", "decimals": 18, "price_usd": "1", "source": source}
        ],
        "oracles": [{"id": "coll-market", "token": "COLL", "quote": "USDC",
            "kind": {"type": "market"}, "price": "1", "source": source}],
        "venues": [{"id": "coll-book", "base": "COLL", "quote": "USDC", "source": source,
            "model": {"type": "depth", "levels": [
                {"within_pct": "1", "quantity": "100000000"},
                {"within_pct": "10", "quantity": "1000000000"}]}}],
        "lending_markets": [{"id": "m", "name": "Morpho COLL/USDC 80%", "source": source,
            "protocol": {"morpho_blue": {
                "market_id": "0x01", "loan_token": "USDC", "collateral_token": "COLL",
                "oracle": "coll-market", "lltv": "800000000000000000",
                "total_supply_assets": "1000000000000", "total_supply_shares": "1000000000000000000",
                "total_borrow_assets": "700000000000", "total_borrow_shares": "700000000000000000",
                "positions": [
                    {"account": V10, "supply_shares": "600000000000000000"},
                    {"account": V11, "supply_shares": "300000000000000000"},
                    {"account": "0x00000000000000000000000000000000000000c3",
                        "supply_shares": "100000000000000000"},
                    {"account": "0x00000000000000000000000000000000000000d4",
                        "collateral": "1000000000000000000000000",
                        "borrow_shares": "700000000000000000"}
                ]
            }}}],
        "vaults": [vault("vault-a", "v1.0", V10, 600_000), vault("vault-b", "v1.1", V11, 300_000)]
    })
}

#[test]
fn a_realised_bad_debt_drops_the_v1_0_share_price_and_is_booked_as_lost_assets_in_v1_1() {
    let snapshot = Snapshot::from_json(&snapshot().to_string()).expect("valid");
    let scenario = Scenario::from_toml(
        "name = \"COLL halves\"\nsnapshot = \"unused\"\nstep_secs = 3600\nhorizon_secs = 3600\n\
         [[shocks]]\nat_secs = 0\ntype = \"price\"\ntoken = \"COLL\"\nprice_usd = \"0.5\"\n",
    )
    .unwrap();
    let report = run(&snapshot, &scenario).unwrap();

    // The liquidation (morpho-blue Morpho.sol `liquidate`, worked by hand):
    //   LIF = min(1.15, 1e18 · 1e18 / (1e18 − 0.3e18 · 0.2e18 / 1e18)) = ⌊1e36 / 0.94e18⌋
    //       = 1.063829787234042553e18.
    //   At $0.50 the oracle reads 0.5e36 · 1e6 / 1e18 = 5e23. The borrower's debt times LIF
    //   over the price exceeds its 1,000,000 COLL, so all of it is seized:
    //   ⌈1e24 · 5e23 / 1e36⌉ = 500,000e6, wDivUp by LIF = ⌈5e29 / 1.063829787234042553e18⌉
    //   = 470,000,000,001 (the floored LIF costs one unit); toSharesUp with shares/assets
    //   exactly 1e6 = 470,000,000,001e6 shares; repaid 470,000.000001 USDC.
    //   Bad debt: the 229,999,999,999e6 shares left are worth 229,999.999999 USDC, socialised:
    //   totalSupplyAssets 1,000,000e6 − 229,999,999,999 = 770,000,000,001.
    let liquidation = report
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Liquidation { bad_debt_usd, repaid_usd, .. } => {
                Some((*repaid_usd, *bad_debt_usd))
            }
            _ => None,
        })
        .expect("the borrower is liquidated");
    assert_eq!(liquidation, (dec("470000.000001"), dec("229999.999999")));

    // Vault A's supply after: ⌊6e17 · (770,000,000,001 + 1) / (1e18 + 1e6)⌋ = 462,000,000,000
    // (462,000 USDC). v1.0 `totalAssets` is that supply, so its share price,
    // convertToAssets(1e12 whole shares) / 1e12 with totalSupply 600,000e18 and offset 1e12, is
    //   ⌊1e30 · (462,000,000,000 + 1) / (600,000e18 + 1e12)⌋ / 1e18 = 0.770000000000383333,
    // down from ⌊1e30 · (600,000e6 + 1) / (600,000e18 + 1e12)⌋ / 1e18 = 1 exactly: -23.00%.
    // Vault B's supply after: ⌊3e17 · 770,000,000,002 / (1e18 + 1e6)⌋ = 231,000 USDC; v1.1 keeps
    // `lastTotalAssets` 300,000 and books lostAssets = 300,000 − 231,000 = 69,000, so
    // totalAssets stays 300,000 and the share price stays exactly 1.
    // Economic value per share, both: the market has no debt left, so the supply is worth its
    // assets: 462,000 / 600,000 = 231,000 / 300,000 = $0.77.
    let vault = |id: &str| report.entities.iter().find(|e| e.entity == id).expect("a row");
    let (a, b) = (vault("vault-a"), vault("vault-b"));
    assert_eq!((a.kind.as_str(), b.kind.as_str()), ("vault", "vault"));
    assert_eq!(a.price_change_pct, dec("-23.00"));
    assert_eq!(b.price_change_pct, Decimal::ZERO);
    // NAV lost at economic value: (1 − 0.77) · 600,000 = 138,000; (1 − 0.77) · 300,000 = 69,000.
    assert_eq!(a.nav_lost_usd, dec("138000"));
    assert_eq!(b.nav_lost_usd, dec("69000"));
    // The market pays everything out (770,000 supplied, nothing borrowed): nothing frozen.
    assert_eq!((a.frozen_usd, b.frozen_usd), (Decimal::ZERO, Decimal::ZERO));

    let moved = |id: &str| {
        report
            .events
            .iter()
            .find(|e| e.entity == id && matches!(e.kind, EventKind::VaultValue { .. }))
            .expect("the vault's value moved")
    };
    let event = moved("vault-a");
    assert_eq!(
        event.kind,
        EventKind::VaultValue {
            share_price_from: Decimal::ONE,
            share_price_to: dec("0.770000000000383333"),
            economic_from: Decimal::ONE,
            economic_to: dec("0.77"),
        }
    );
    // Caused by the liquidation that realised the bad debt.
    let cause = &report.events[event.causes[0]];
    assert!(matches!(cause.kind, EventKind::Liquidation { .. }), "{cause:?}");
    assert!(event.summary.contains("share price -23.00%"), "{}", event.summary);
    let event = moved("vault-b");
    assert!(matches!(event.kind, EventKind::VaultValue { share_price_from, share_price_to, .. }
            if share_price_from == Decimal::ONE && share_price_to == Decimal::ONE));
    assert!(event.summary.contains("$69.00k booked as lostAssets"), "{}", event.summary);
    // The contagion path runs from the shock through the liquidation to the vault.
    let path = report
        .contagion
        .iter()
        .find(|p| report.events[p.loss].entity == "vault-a")
        .expect("a path to the vault's loss");
    assert!(path.text.starts_with("COLL to $0.5 -> COLL -50.00% (shock)"), "{}", path.text);
    assert!(path.text.contains("liquidated") && path.text.ends_with("to $0.77"), "{}", path.text);
}

#[test]
fn vault_problems_are_reported_with_their_paths() {
    let mut bad = snapshot();
    let v = &mut bad["vaults"][0];
    v["asset"] = json!("DAI");
    v["fee"] = json!("600000000000000000");
    v["withdraw_queue"] = json!(["m", "nowhere", "m"]);
    v["supply_queue"] = json!(["elsewhere"]);
    v["caps"] = json!([{"market": "x", "cap": "1"}]);
    bad["vaults"][1]["version"] = json!("v1.0");
    bad["vaults"][1]["lost_assets"] = json!("5");
    bad["vaults"][1]["address"] = json!(V10);
    let problems = Snapshot::from_json(&bad.to_string()).unwrap_err();
    let at = |path: &str| {
        problems.iter().find(|p| p.path == path).unwrap_or_else(|| panic!("{path}: {problems:?}"))
    };
    assert!(at("$.vaults[0].asset").message.contains("found \"DAI\""));
    assert!(at("$.vaults[0].fee").message.contains("MAX_FEE"));
    assert!(at("$.vaults[0].withdraw_queue[1]").message.contains("lending_markets"));
    assert!(at("$.vaults[0].withdraw_queue[2]").message.contains("again"));
    // "m" lends USDC, not the (unknown) asset DAI.
    assert!(at("$.vaults[0].withdraw_queue[0]").message.contains("lending the vault's asset DAI"));
    assert!(at("$.vaults[0].supply_queue[0]").message.contains("withdraw queue"));
    assert!(at("$.vaults[0].caps[0].market").message.contains("\"x\""));
    assert!(at("$.vaults[1].lost_assets").message.contains("v1.0"));
    assert!(at("$.vaults[1].address").message.contains("one vault per address"));
    assert_eq!(problems.len(), 9, "{problems:?}");
    // A type error deep in a vault names its path.
    let mut bad = snapshot();
    bad["vaults"][0]["version"] = json!("v2");
    let problems = Snapshot::from_json(&bad.to_string()).unwrap_err();
    assert_eq!(problems[0].path, "$.vaults[0].version", "{problems:?}");
}

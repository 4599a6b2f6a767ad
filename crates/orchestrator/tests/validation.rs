//! Bad snapshots and scenarios: every problem reported at once, each with its path.

use faultline_orchestrator::{Scenario, Snapshot, snapshot::json_schema};

const SNAPSHOT: &str = include_str!("../../../fixtures/snapshots/stream-elixir-2025-11.json");

fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value = serde_json::from_str(SNAPSHOT).unwrap();
    edit(&mut value);
    value.to_string()
}

#[test]
fn every_cross_reference_problem_is_reported_with_its_path() {
    let text = edited(|v| {
        v["lending_markets"][0]["protocol"]["morpho_blue"]["collateral_token"] = "NOPE".into();
        v["lending_markets"][1]["protocol"]["morpho_blue"]["lltv"] = "1000000000000000000".into();
        v["tokens"][1]["price_usd"] = "-1".into();
        v["issuers"][1]["id"] = "xusd".into();
    });
    let problems = Snapshot::from_json(&text).unwrap_err();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert!(
        paths.contains(&"$.lending_markets[0].protocol.morpho_blue.collateral_token"),
        "{paths:?}"
    );
    assert!(paths.contains(&"$.lending_markets[0].protocol.morpho_blue.oracle"), "{paths:?}");
    assert!(paths.contains(&"$.lending_markets[1].protocol.morpho_blue.lltv"), "{paths:?}");
    assert!(paths.contains(&"$.tokens[1].price_usd"), "{paths:?}");
    assert!(paths.contains(&"$.issuers[1].id"), "{paths:?}");
    let lltv = problems.iter().find(|p| p.path.ends_with("lltv")).unwrap();
    assert_eq!(lltv.message, "expected a WAD above 0 and below 1e18, found 1000000000000000000");
}

#[test]
fn a_type_error_names_its_json_path() {
    let text = edited(|v| {
        v["lending_markets"][0]["protocol"]["morpho_blue"]["positions"][2]["collateral"] =
            "12.5".into()
    });
    let problems = Snapshot::from_json(&text).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].path,
        "$.lending_markets[0].protocol.morpho_blue.positions[2].collateral"
    );
    assert!(problems[0].message.contains("found \"12.5\""), "{}", problems[0].message);
}

#[test]
fn scenario_errors_name_the_line_or_the_shock() {
    let unknown = "name = \"x\"\nsnapshot = \"s.json\"\nstep_secs = 60\nhorizon_secs = 600\n[[shocks]]\ntype = \"price\"\ntoken = \"xUSD\"\nprice_usd = \"1\"\nprize = 3\n";
    let problem = Scenario::from_toml(unknown).unwrap_err();
    assert!(problem.path.starts_with("line "), "{problem}");
    assert!(problem.message.contains("prize"), "{problem}");

    let snapshot = Snapshot::from_json(SNAPSHOT).unwrap();
    let scenario = Scenario::from_toml(
        "name = \"x\"\nsnapshot = \"s.json\"\nstep_secs = 60\nhorizon_secs = 600\n\
         [[shocks]]\ntype = \"write_down\"\nbacking = \"nobody\"\nloss_usd = \"1\"\n\
         [[shocks]]\nat_secs = 9000\ntype = \"price\"\ntoken = \"xUSD\"\n",
    )
    .unwrap();
    let problems = scenario.check(&snapshot);
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["shocks[0].backing", "shocks[1].at_secs", "shocks[1].price_usd"]);
}

#[test]
fn the_committed_json_schema_is_the_generated_one() {
    let committed = include_str!("../../../fixtures/schema/snapshot.schema.json");
    let committed: serde_json::Value = serde_json::from_str(committed).unwrap();
    assert_eq!(committed, json_schema(), "regenerate with `faultline schema snapshot`");
}

#[test]
fn aave_problems_are_reported_with_their_paths() {
    let text = include_str!("../../../fixtures/snapshots/ten-ten-2025.json");
    let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
    let aave = &mut v["lending_markets"][0]["protocol"]["aave_v3"];
    aave["reserves"][0]["ltv"] = 9000.into();
    aave["reserves"][1]["oracle"] = "aave-weth-usd".into();
    aave["reserves"][2]["decimals"] = 18.into();
    aave["positions"][0]["debt"][0]["token"] = "NOPE".into();
    aave["positions"][1]["e_mode"] = 7.into();
    let problems = Snapshot::from_json(&v.to_string()).unwrap_err();
    let at = "$.lending_markets[0].protocol.aave_v3";
    let found = |path: &str| problems.iter().find(|p| p.path == format!("{at}.{path}"));
    assert_eq!(
        found("reserves[0].ltv").unwrap().message,
        "expected at most the liquidation threshold (8300), found 9000"
    );
    assert_eq!(
        found("reserves[1].oracle").unwrap().message,
        "expected an oracle pricing WBTC in USD, found one pricing WETH in USD"
    );
    assert_eq!(
        found("reserves[2].decimals").unwrap().message,
        "expected the token's decimals (8), found 18"
    );
    assert!(found("positions[0].debt[0].token").is_some(), "{problems:?}");
    assert!(found("positions[1].e_mode").is_some(), "{problems:?}");
    assert_eq!(problems.len(), 5, "{problems:?}");
}

/// The bundled snapshot's market at `id`, as a mutable JSON value.
fn market<'a>(v: &'a mut serde_json::Value, id: &str) -> (usize, &'a mut serde_json::Value) {
    let markets = v["lending_markets"].as_array_mut().unwrap();
    let i = markets.iter().position(|m| m["id"] == id).unwrap();
    (i, &mut markets[i]["protocol"])
}

#[test]
fn comet_problems_are_reported_with_their_paths() {
    let mut v: serde_json::Value = serde_json::from_str(SNAPSHOT).unwrap();
    let (i, protocol) = market(&mut v, "comet-eth-usdc");
    let comet = &mut protocol["compound_v3"];
    comet["base_oracle"] = "comet-sdeusd-oracle".into();
    comet["base_borrow_index"] = "999".into();
    comet["assets"][0]["borrow_collateral_factor"] = "950000000000000000".into();
    comet["assets"][0]["liquidation_factor"] = "1000000000000000001".into();
    comet["positions"][1]["supply_principal"] = "1".into();
    comet["positions"][2]["collateral"][0]["token"] = "xUSD".into();
    comet["total_borrow_base"] = "0".into();
    let problems = Snapshot::from_json(&v.to_string()).unwrap_err();
    let at = format!("$.lending_markets[{i}].protocol.compound_v3");
    let found = |path: &str| {
        problems
            .iter()
            .find(|p| p.path == format!("{at}.{path}"))
            .unwrap_or_else(|| panic!("{path}: {problems:?}"))
            .message
            .clone()
    };
    assert_eq!(
        found("base_oracle"),
        "expected an oracle pricing USDC in USD, found one pricing sdeUSD in USD"
    );
    assert_eq!(found("base_borrow_index"), "expected at least 1e15 (BASE_INDEX_SCALE), found 999");
    assert_eq!(
        found("assets[0].borrow_collateral_factor"),
        "expected below liquidate_collateral_factor (900000000000000000), found 950000000000000000"
    );
    assert_eq!(
        found("assets[0].liquidation_factor"),
        "expected at most 1e18, found 1000000000000000001"
    );
    assert!(found("positions[1].borrow_principal").starts_with("expected 0 when supply_principal"));
    assert_eq!(
        found("positions[2].collateral[0].token"),
        "expected a token listed as collateral, found \"xUSD\""
    );
    // 1,837,820 + 934,937.5 USDC of borrow principal against a total of 0.
    assert_eq!(
        found("total_borrow_base"),
        "expected at least the positions' principals summed (2772757500000), found 0"
    );
    // The stray supply principal also lifts the supply sum one unit over the total.
    assert_eq!(
        found("total_supply_base"),
        "expected at least the positions' principals summed (50000000000001), found 50000000000000"
    );
    assert_eq!(problems.len(), 8, "{problems:?}");
}

#[test]
fn euler_problems_are_reported_with_their_paths() {
    let mut v: serde_json::Value = serde_json::from_str(SNAPSHOT).unwrap();
    let (i, protocol) = market(&mut v, "euler-plasma-re7-xusd");
    let euler = &mut protocol["euler_v2"];
    euler["asset_oracle"] = "no-such-oracle".into();
    euler["max_liquidation_discount"] = 10_001.into();
    euler["collaterals"][0]["borrow_ltv"] = 9500.into();
    euler["collaterals"].as_array_mut().unwrap().push(serde_json::json!(
        {"token": "USDT0", "oracle": "usdt0-usd", "borrow_ltv": 0, "liquidation_ltv": 0}
    ));
    euler["positions"][0]["account"] = euler["positions"][1]["account"].clone();
    euler["total_shares"] = "1".into();
    let problems = Snapshot::from_json(&v.to_string()).unwrap_err();
    let at = format!("$.lending_markets[{i}].protocol.euler_v2");
    let found = |path: &str| {
        problems
            .iter()
            .find(|p| p.path == format!("{at}.{path}"))
            .unwrap_or_else(|| panic!("{path}: {problems:?}"))
            .message
            .clone()
    };
    assert_eq!(
        found("asset_oracle"),
        "expected the id of one of the snapshot's oracles, found \"no-such-oracle\""
    );
    assert_eq!(
        found("max_liquidation_discount"),
        "expected at most 10000 (1e4 scale), found 10001"
    );
    assert_eq!(
        found("collaterals[0].borrow_ltv"),
        "expected at most liquidation_ltv (9000), found 9500"
    );
    assert_eq!(
        found("collaterals[1].token"),
        "expected a token other than the lent \"USDT0\", found it"
    );
    assert!(found("positions[1].account").starts_with("expected one position per account"));
    assert_eq!(
        found("total_shares"),
        "expected at least the positions' shares summed (14700000000000), found 1"
    );
    assert_eq!(problems.len(), 6, "{problems:?}");
}

#[test]
fn lending_supply_backing_must_be_a_morpho_market() {
    let mut v: serde_json::Value = serde_json::from_str(SNAPSHOT).unwrap();
    let issuers = v["issuers"].as_array_mut().unwrap();
    let deusd = issuers.iter_mut().find(|i| i["id"] == "deusd").unwrap();
    deusd["backing"][0]["item"]["market"] = "comet-eth-usdc".into();
    let problems = Snapshot::from_json(&v.to_string()).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].path.ends_with(".backing[0].item.market"), "{problems:?}");
    assert!(problems[0].message.starts_with("expected a morpho_blue market"), "{problems:?}");
}

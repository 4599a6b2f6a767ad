//! `faultline pyramid` end to end on the bundled Stream/Elixir snapshot and reported figures.

use crate::analyses::{fails, json};
use rust_decimal::Decimal;
use serde_json::Value;

fn dec(value: &Value) -> Decimal {
    value.as_str().unwrap_or_else(|| panic!("a decimal string, found {value}")).parse().unwrap()
}

fn entity<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["layers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["entities"].as_array().unwrap())
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no entity {name}"))
}

#[test]
fn the_bundled_pyramid_and_its_loop() {
    let report = json(&["pyramid", "--format", "json"]);
    // The loop deUSD -> Plume market -> xUSD: 1 x 0.86 x 1.26 / 1.2646 = 0.856871738...
    let the_loop = &report["loops"][0];
    assert_eq!(the_loop["members"].as_array().unwrap().len(), 3, "{the_loop}");
    assert_eq!(dec(&the_loop["recycle"]).round_dp(9), "0.856871738".parse().unwrap());
    // $1.9M / (1 - 0.856871738) = $13,274,806.6: under the reported $14.5M, said so.
    let minted = &report["reported"][0];
    assert_eq!(dec(&minted["limit_usd"]).round_dp(0), Decimal::from(13_274_807));
    assert!(minted["round"].is_null());
    assert!(
        minted["verdict"].as_str().unwrap().contains("the documented mechanism reaches at most"),
        "{minted}"
    );
    // Borrowed on $170M: 170 (r + ... + r^n) = 145.67, 270.49, 377.44, 469.09, 547.61 ($M):
    // $530M in round 5.
    assert_eq!(report["reported"][1]["round"], 5);
    // Write-downs of the real assets (w): while the Plume loan is covered, deUSD keeps
    // 1 - 36.615/104.615 w = 1 - 0.35w and xUSD (102 real + 68 deUSD on 170 owed) keeps
    // 1 - (102 + 68 x 0.35) w / 170 = 1 - 0.74w of its NAV. TelosC's Euler loan is covered by
    // xUSD worth 1/0.85 of it at book: it breaks below 0.85, at w = 0.15 / 0.74 = 0.202703;
    // the Plume loan (67.46M xUSD x 1.2646 = 85.31M against 68M) below 0.797090, at w =
    // 0.202910 / 0.74 = 0.274203.
    let near = |value: &Value, exact: Decimal| {
        let found = dec(value);
        assert!((found - exact).abs() < "0.00001".parse().unwrap(), "{found} vs {exact}");
    };
    near(
        &entity(&report, "euler-plasma-telosc-xusd")["insolvent_at"],
        Decimal::from(15) / Decimal::from(74),
    );
    let plume_cover = Decimal::from(68_000_000)
        / ("67460317".parse::<Decimal>().unwrap() * "1.2646".parse::<Decimal>().unwrap());
    near(
        &entity(&report, "morpho-plume-xusd-private")["insolvent_at"],
        (Decimal::ONE - plume_cover) / "0.74".parse::<Decimal>().unwrap(),
    );
    // xUSD reports a NAV equal to its backing: any write-down breaks it.
    assert!(dec(&entity(&report, "xusd")["insolvent_at"]) < "0.00001".parse().unwrap());
}

#[test]
fn bad_events_name_the_file_and_field() {
    let dir = crate::analyses::scratch("pyramid-events");
    let path = dir.join("events.json");
    std::fs::write(&path, r#"{"xusd": {"loop_illustration": {"real_usd": "many"}}}"#).unwrap();
    let snapshot =
        format!("{}/fixtures/snapshots/stream-elixir-2025-11.json", env!("CARGO_MANIFEST_DIR"));
    let err = fails(&["pyramid", &snapshot, "--events", path.to_str().unwrap()]);
    assert!(
        err.contains("events.json: xusd.loop_illustration.real_usd: expected a USD number"),
        "{err}"
    );
}

/// The pyramid as an HTML page: the same layer rows as the Markdown, as tables.
#[test]
fn the_pyramid_is_also_a_page() {
    let run = crate::analyses::faultline(&["pyramid", "--format", "html"]);
    assert!(run.status.success(), "{}", crate::analyses::stderr(&run));
    let page = crate::analyses::stdout(&run);
    assert!(page.starts_with("<!DOCTYPE html>"));
    for entity in ["morpho-plume-xusd-private", "comet-eth-usdc", "euler-plasma-telosc-xusd"] {
        assert!(page.contains(entity), "{entity} is not on the page");
    }
    assert!(page.contains("<h2>Layers</h2>"));
}

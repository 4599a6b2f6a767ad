//! The Stream (xUSD) / Elixir (deUSD) cycle of November 2025, built from the reported figures
//! in `fixtures/events/stream-xusd-2025-11.json` (each figure names its source there).

use faultline_vaults::{BackingGraph, Decimal, recursive_mint};
use serde_json::Value;

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn events() -> Value {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/events/stream-xusd-2025-11.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A JSON number as an exact Decimal (through its text, never through f64 arithmetic).
fn num(value: &Value) -> Decimal {
    value.as_number().unwrap().to_string().parse().unwrap()
}

/// Stream's deUSD holding: "Stream currently holds about 90% of deUSD's supply, or $75 million"
/// (Elixir, quoted by kryptnews and coinfeather; ../shared/reference/field.md 5a). Not in the
/// events file.
const STREAM_DEUSD_USD: &str = "75000000";

fn graph(events: &Value) -> BackingGraph {
    let xusd = &events["xusd"];
    let backing = num(&xusd["reported_backing_usd"]);
    let liabilities = num(&xusd["reported_liabilities_usd"]);
    let creditors = events["creditors"].as_array().unwrap();
    let elixir =
        creditors.iter().find(|c| c["name"].as_str().unwrap().starts_with("Elixir")).unwrap();
    let elixir_loan = num(&elixir["exposure_usd"]);
    let share = num(&events["deusd"]["share_of_backing_lent_to_stream"]);
    let mut g = BackingGraph::new();
    // xUSD: $530M owed; of its $170M backing, $75M is deUSD, the rest exogenous.
    g.add_node("xUSD", liabilities, backing - d(STREAM_DEUSD_USD)).unwrap();
    g.add_claim("xUSD", "deUSD", d(STREAM_DEUSD_USD)).unwrap();
    // deUSD: $150M of supply; $68M lent to Stream against xUSD is 65% of its backing, so the
    // rest is 68 / 0.65 - 68 = $36.615M of exogenous backing.
    g.add_node(
        "deUSD",
        num(&events["deusd"]["market_cap_before_usd"]),
        elixir_loan / share - elixir_loan,
    )
    .unwrap();
    g.add_claim("deUSD", "xUSD", elixir_loan).unwrap();
    // The other creditors: curator vaults whose depositors' money was lent to Stream against
    // xUSD (YAM exposure map): claims on xUSD, owed to their depositors.
    for creditor in creditors.iter().filter(|c| !c["name"].as_str().unwrap().starts_with("Elixir"))
    {
        let name = creditor["name"].as_str().unwrap();
        let exposure = num(&creditor["exposure_usd"]);
        g.add_node(name, exposure, Decimal::ZERO).unwrap();
        g.add_claim(name, "xUSD", exposure).unwrap();
    }
    g
}

#[test]
fn the_cycle_its_layers_and_amplification() {
    let events = events();
    let report = graph(&events).report().unwrap();
    // The cycle: deUSD backs xUSD backs deUSD.
    assert_eq!(report.cycles, vec![vec!["deUSD".to_owned(), "xUSD".to_owned()]]);
    // Self-backing: 75 / 170 = 44.1% of xUSD's backing and 68 / 104.615 = the file's 65% of
    // deUSD's is a claim on the cycle itself.
    assert_eq!(report.self_backed_share["xUSD"].round_dp(4), d("0.4412"));
    assert_eq!(report.self_backed_share["deUSD"].round_dp(4), d("0.6500"));
    // Exogenous: 95 + 36.615 = $131.615M. Nominal: 530 + 150 + 202.2 (the other itemised
    // creditors: 123.6 + 25.4 + 19.2 + 14.7 + 14.0 + 5.3; the YAM total of 284.9 has $14.7M
    // more than its items) = $882.2M: 882.2 / 131.615 = 6.70 dollars of claims per real dollar.
    assert_eq!(report.exogenous.round_dp(0), d("131615385"));
    assert_eq!(report.nominal, d("882200000"));
    assert_eq!(report.amplification.round_dp(2), d("6.70"));
    // The inverted pyramid: real money at the tip (1x), the cycle on it (680 / 131.615 =
    // 5.17x), the lenders on top (882.2 / 131.615 = 6.70x).
    let layers: Vec<(usize, Vec<String>, Decimal)> = report
        .layers
        .iter()
        .map(|l| (l.index, l.nodes.clone(), l.amplification.round_dp(2)))
        .collect();
    assert_eq!(layers[0], (0, vec![], d("1")));
    assert_eq!(layers[1], (1, vec!["deUSD".into(), "xUSD".into()], d("5.17")));
    assert_eq!(layers[2].0, 2);
    assert_eq!(layers[2].1.len(), 6);
    assert_eq!(layers[2].2, d("6.70"));
}

#[test]
fn backing_170_against_liabilities_530_is_4_1x_as_assets_over_equity() {
    // Two definitions of the same balance sheet ($170M backing, $530M liabilities):
    // - liabilities / backing = 530 / 170 = 3.1176...: "3.1x" - not the reported figure;
    // - (backing + liabilities) / backing = 700 / 170 = 4.1176...: assets over equity, with
    //   the borrowed $530M on top of the $170M base. This is the "4.1x" reported (rekt, after
    //   CBB), which the source rounds to one decimal: |4.1176 - 4.1| < 0.05.
    let events = events();
    let xusd = &events["xusd"];
    let g = graph(&events);
    let node = &g.nodes()["xUSD"];
    let backing = node.exogenous + node.claims.values().copied().sum::<Decimal>();
    assert_eq!(backing, num(&xusd["reported_backing_usd"]));
    let liabilities_over_backing = node.nominal / backing;
    let assets_over_equity = (backing + node.nominal) / backing;
    assert_eq!(liabilities_over_backing.round_dp(4), d("3.1176"));
    assert_eq!(assets_over_equity.round_dp(4), d("4.1176"));
    assert_eq!(assets_over_equity.round_dp(1), num(&xusd["reported_leverage"]));
    assert_ne!(liabilities_over_backing.round_dp(1), num(&xusd["reported_leverage"]));
}

#[test]
fn one_point_nine_million_minting_fourteen_and_a_half() {
    // "$1.9M of real money minting $14.5M of xUSD through the loop": amplification = minted /
    // real = 14.5 / 1.9 = 7.63x (net of the first deposit, (14.5 - 1.9) / 1.9 = 6.63x). Both
    // figures are given to a tenth of a million, so the claim spans [14.45 / 1.95, 14.55 /
    // 1.85] = [7.41, 7.86]x.
    let events = events();
    let illustration = &events["xusd"]["loop_illustration"];
    let (real, minted) = (num(&illustration["real_usd"]), num(&illustration["minted_xusd_usd"]));
    assert_eq!((minted / real).round_dp(2), d("7.63"));
    // A mint-borrow-remint loop recycling r per round tends to 1 / (1 - r). The private Plume
    // market lent at an 86% LLTV: even infinitely looped that caps at 1 / 0.14 = 7.14x, $13.57M
    // - below the claim's range.
    let plume = recursive_mint(real, &[d("0.86")], 400).unwrap();
    assert_eq!(plume.limit.round_dp(4), d("7.1429"));
    assert!(plume.total < d("14450000") && plume.total.round_dp(0) == d("13571429"));
    // The claim needs an effective recycle per round between 1 - 1.95/14.45 = 0.8651 and
    // 1 - 1.85/14.55 = 0.8729: e.g. 87% (the 86% LLTV plus about a point from borrowing
    // against xUSD's book value above par), which reaches $14.50M in 35 rounds:
    // 1.9 (1 - 0.87^35) / 0.13 = 14.5037.
    let loop87 = recursive_mint(real, &[d("0.87")], 35).unwrap();
    assert_eq!((loop87.total / d("1000000")).round_dp(1), d("14.5"));
    assert_eq!((loop87.total / d("100")).round_dp(0), (loop87.closed_form / d("100")).round_dp(0));
    assert_eq!(loop87.rounds.len(), 35);
    assert_eq!(loop87.rounds[1], d("1653000"));
    assert!((loop87.amplification - minted / real).abs() < d("0.01"));
}

//! Backing-graph cycles at any depth, deterministic order, and a graph built from issuers.

use faultline_vaults::{BackingGraph, BackingItem, BackingKind, Decimal, Issuer, NavRule, Prices};

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

#[test]
fn cycles_at_any_depth_and_self_backing() {
    let mut g = BackingGraph::new();
    // A -> B -> C -> A (depth three), D holds itself, E claims on A (above the cycle).
    for (holder, on) in [("A", "B"), ("B", "C"), ("C", "A"), ("D", "D"), ("E", "A")] {
        g.add_claim(holder, on, d("10")).unwrap();
    }
    g.add_node("A", d("100"), d("5")).unwrap();
    g.add_node("D", d("20"), d("10")).unwrap();
    g.add_node("E", d("10"), Decimal::ZERO).unwrap();
    assert_eq!(
        g.cycles(),
        vec![vec!["A".to_owned(), "B".into(), "C".into()], vec!["D".to_owned()]]
    );
    // The same graph built in another insertion order gives the same output.
    let mut h = BackingGraph::new();
    for (holder, on) in [("E", "A"), ("D", "D"), ("C", "A"), ("B", "C"), ("A", "B")] {
        h.add_claim(holder, on, d("10")).unwrap();
    }
    h.add_node("E", d("10"), Decimal::ZERO).unwrap();
    h.add_node("D", d("20"), d("10")).unwrap();
    h.add_node("A", d("100"), d("5")).unwrap();
    assert_eq!(g.report().unwrap(), h.report().unwrap());
    let report = g.report().unwrap();
    // A: 10 of its 15 backing is inside the cycle; D: 10 of 20.
    assert_eq!(report.self_backed_share["A"], d("10") / d("15"));
    assert_eq!(report.self_backed_share["D"], d("0.5"));
    // Exogenous 15, nominal 130: layers {A,B,C} and {D} at 1 (120), {E} at 2 (10).
    assert_eq!((report.exogenous, report.nominal), (d("15"), d("130")));
    assert_eq!(report.layers[1].nodes, ["A", "B", "C", "D"]);
    assert_eq!(report.layers[2].nodes, ["E"]);
    assert_eq!(report.layers[2].amplification, d("130") / d("15"));
}

#[test]
fn graph_from_issuers() {
    // sUSD holds 40 of tUSD (book 1) and 60 of cash; tUSD lends 30 to sUSD's issuer secured by
    // sUSD and holds 70 cash. Each has 100 tokens at book NAV 1.
    let mut prices = Prices::default();
    prices.set_all("tUSD", d("1")).unwrap();
    prices.set_all("sUSD", d("1")).unwrap();
    let s = Issuer::new(
        "sUSD",
        d("100"),
        vec![BackingItem::holding("t", "tUSD", d("40")), BackingItem::cash("c", d("60"))],
    )
    .unwrap();
    let t = Issuer::new(
        "tUSD",
        d("100"),
        vec![
            BackingItem::valued(
                "loan",
                BackingKind::Loan { counterparty: "S".into(), secured_by: Some("sUSD".into()) },
                d("30"),
            ),
            BackingItem::cash("c", d("70")),
        ],
    )
    .unwrap();
    let g = BackingGraph::from_issuers(&[s, t], &prices, NavRule::Book).unwrap();
    let report = g.report().unwrap();
    assert_eq!(report.cycles, vec![vec!["sUSD".to_owned(), "tUSD".into()]]);
    // 130 real, 200 owed, 70 of backing circular: 200 / 130 = 1.538...
    assert_eq!(
        (report.exogenous, report.endogenous, report.nominal),
        (d("130"), d("70"), d("200"))
    );
}

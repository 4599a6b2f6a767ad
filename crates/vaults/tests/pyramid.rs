//! The pyramid's layers and insolvency write-downs on a hand-worked three-entity example.

use faultline_vaults::{
    Decimal,
    pyramid::{Claim, Entity, EntityKind, analyse, assets_at},
};

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn entity(name: &str, nominal: &str, exogenous: &str, claims: &[(&str, &str, &str)]) -> Entity {
    Entity {
        name: name.into(),
        kind: EntityKind::Issuer,
        token: name.into(),
        minter: name.into(),
        against: String::new(),
        ratio: Decimal::ONE,
        ratio_label: String::new(),
        nominal: d(nominal),
        exogenous: d(exogenous),
        cash: Decimal::ZERO,
        claims: claims
            .iter()
            .map(|(on, face, cover)| Claim { on: (*on).into(), face: d(face), cover: d(cover) })
            .collect(),
    }
}

/// A owes 90 on 60 real + 40 of B's token; B owes 45 on 10 real + 40 of A's token (a cycle);
/// L lent 30 secured by A tokens worth 37.5 at book (LTV 80%, cover 1.25).
fn example() -> Vec<Entity> {
    vec![
        entity("A", "90", "60", &[("B", "40", "1")]),
        entity("B", "45", "10", &[("A", "40", "1")]),
        entity("L", "30", "0", &[("A", "30", "1.25")]),
    ]
}

/// Within two bisection steps of the hand-worked threshold.
fn near(found: Option<Decimal>, exact: Decimal) {
    let found = found.expect("a threshold");
    assert!((found - exact).abs() <= d("0.000002"), "{found} vs {exact}");
}

#[test]
fn layers_amplification_and_write_downs() {
    let view = analyse(&example()).unwrap();
    // Real 60 + 10 = 70; claimed 90 + 45 + 30 = 165: 165 / 70 = 2.357142...
    assert_eq!(view.real, d("70"));
    assert_eq!(view.claimed, d("165"));
    assert_eq!(view.amplification.round_dp(6), d("2.357143"));
    assert_eq!(view.cycles, vec![vec!["A".to_owned(), "B".to_owned()]]);
    // Layer 1 (A, B) owes 135 (1.928571x); layer 2 (L) brings it to 165.
    assert_eq!(view.layers.len(), 3);
    assert_eq!(view.layers[1].cumulative, d("135"));
    assert_eq!(view.layers[1].amplification.round_dp(6), d("1.928571"));
    assert_eq!(view.layers[2].cumulative, d("165"));
    // Write-downs, k = 1 - w of the real assets kept:
    // - A: 60k + 40 < 90 while B is whole: k < 5/6, w > 1/6.
    // - B: after A breaks, rho_A = (60k + 40) / 90, B = 10k + 40 rho_A = (330k + 160) / 9 < 45:
    //   k < 245/330, w > 17/66 = 0.257575...
    // - L: its loan is worth min(30, 37.5 rho_A); with both broken A = 60k + (40/45) B and
    //   B = 10k + (40/90) A give A = 5580k / 49, rho_A = 62k / 49 < 0.8: w > 22.8/62 =
    //   0.367741...
    // - layer 1: A + B = (870k + 520) / 9 < 135 once A has broken: w > 175/870 = 0.201149...
    let row = |name: &str| {
        let i = example().iter().position(|e| e.name == name).unwrap();
        view.entities.iter().find(|r| r.entity == i).unwrap().clone()
    };
    near(row("A").insolvent_at, d("1") / d("6"));
    near(row("B").insolvent_at, d("17") / d("66"));
    near(row("L").insolvent_at, d("22.8") / d("62"));
    assert_eq!((row("A").layer, row("B").layer, row("L").layer), (1, 1, 2));
    near(view.layers[1].insolvent_at, d("175") / d("870"));
    near(view.layers[2].insolvent_at, d("22.8") / d("62"));
    assert_eq!(view.layers[0].insolvent_at, None);
}

#[test]
fn assets_at_the_fixed_point() {
    // At w = 0.5 (k = 0.5) both A and B are broken: A = 5580 x 0.5 / 49 = 56.938775...,
    // B = 10 x 0.5 + 40 x A / 90 = 30.306122...; L = min(30, 37.5 x A / 90) = 23.724489...
    let a = assets_at(&example(), d("0.5")).unwrap();
    assert_eq!(a[0].round_dp(6), d("56.938776"));
    assert_eq!(a[1].round_dp(6), d("30.306122"));
    assert_eq!(a[2].round_dp(6), d("23.724490"));
}

#[test]
fn errors_name_the_entity() {
    let mut bad = example();
    bad[2].claims[0].on = "Z".into();
    assert!(analyse(&bad).unwrap_err().to_string().contains("\"Z\""));
    let mut bad = example();
    bad[1].nominal = d("-1");
    assert!(analyse(&bad).unwrap_err().to_string().contains("B.nominal"));
}

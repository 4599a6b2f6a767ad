//! Round trips through the parsers: what faultline writes it reads back unchanged. Snapshots
//! with figures drawn across their accepted ranges, and scenarios with generated shocks.

use faultline_orchestrator::{
    Scenario, Snapshot,
    scenario::{EngineOptions, OracleAction, Shock, ShockKind},
};
use proptest::prelude::*;
use rust_decimal::Decimal;

const STREAM: &str = include_str!("../../../fixtures/snapshots/stream-elixir-2025-11.json");

/// A decimal with up to 12 places and a mantissa up to 1e15.
fn decimal() -> impl Strategy<Value = Decimal> {
    (0i64..1_000_000_000_000_000, 0u32..=12).prop_map(|(m, scale)| Decimal::new(m, scale))
}

fn shock() -> impl Strategy<Value = Shock> {
    let kind = prop_oneof![
        (decimal(), any::<bool>()).prop_map(|(d, by_pct)| ShockKind::Price {
            token: "deUSD".into(),
            price_usd: (!by_pct).then_some(d),
            change_pct: by_pct.then_some(-d),
            over_secs: 60,
        }),
        decimal().prop_map(|loss_usd| ShockKind::WriteDown {
            backing: "xusd-external-manager".into(),
            loss_usd
        }),
        any::<bool>().prop_map(|frozen| ShockKind::Redemptions { issuer: "xusd".into(), frozen }),
        decimal().prop_map(|price| ShockKind::Oracle {
            oracle: "x".into(),
            action: OracleAction::Pin,
            price: Some(price)
        }),
        decimal().prop_map(|amount| ShockKind::Sell { venue: "v".into(), amount }),
    ];
    (0u64..1_000_000, kind, "[a-z ]{0,12}").prop_map(|(at_secs, kind, note)| Shock {
        at_secs,
        note,
        kind,
    })
}

proptest! {
    #[test]
    fn a_scenario_reads_back_as_written(
        step in 1u64..100_000,
        steps in 1u64..1_000,
        gas in decimal(),
        iterations in 1u32..1_000,
        shocks in proptest::collection::vec(shock(), 0..6),
        name in "[A-Za-z0-9 /-]{1,24}",
    ) {
        let scenario = Scenario {
            name,
            description: "generated".into(),
            snapshot: "s.json".into(),
            step_secs: step,
            horizon_secs: step * steps,
            engine: EngineOptions { max_iterations: iterations, liquidation_gas_usd: gas, series: false },
            shocks,
            holders: Vec::new(),
            flows: Vec::new(),
            stablecoins: Vec::new(),
        };
        let text = toml::to_string(&scenario).unwrap();
        prop_assert_eq!(Scenario::from_toml(&text).unwrap(), scenario);
    }

    #[test]
    fn a_snapshot_with_figures_across_their_ranges_reads_back_as_written(
        price in decimal(),
        supply in decimal(),
        value in decimal(),
    ) {
        let mut snapshot = Snapshot::from_json(STREAM).unwrap();
        // Clamped into the accepted ranges, so the result must validate as well as parse.
        let price = price.max(Decimal::new(1, 12)).min(Decimal::from(1_000_000_000_000u64));
        snapshot.tokens[0].price_usd = price;
        snapshot.issuers[0].supply = supply;
        if let Some(item) = snapshot.issuers[0].backing.first_mut()
            && let faultline_orchestrator::snapshot::BackingItemSpec::Opaque { value_usd, .. } =
                &mut item.item
        {
            *value_usd = value;
        }
        let text = serde_json::to_string(&snapshot).unwrap();
        let back = Snapshot::from_json(&text).map_err(|p| format!("{p:?}")).unwrap();
        prop_assert_eq!(back, snapshot);
    }
}

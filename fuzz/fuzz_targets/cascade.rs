//! Snapshot and scenario through a short cascade, structure-aware: a bundled snapshot with a few
//! of its figures replaced by extreme values, and a few generated shocks, run for 1 to 4 steps.
//! Most inputs pass validation and reach the engine; every one must end in a report or an
//! error, never a panic or a hang (libFuzzer's -timeout).
#![no_main]

use arbitrary::Arbitrary;
use faultline_orchestrator::{
    Scenario, Snapshot,
    scenario::{EngineOptions, OracleAction, Shock, ShockKind},
};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use serde_json::Value;
use std::sync::LazyLock;

/// A bundled snapshot as JSON, with the JSON pointers of its decimal figures.
struct Base {
    json: Value,
    figures: Vec<String>,
    snapshot: Snapshot,
}

fn base(text: &str) -> Base {
    let json: Value = serde_json::from_str(text).expect("bundled JSON");
    let mut figures = Vec::new();
    collect(&json, String::new(), &mut figures);
    let snapshot = Snapshot::from_json(text).expect("the bundled snapshot is valid");
    Base { json, figures, snapshot }
}

/// Pointers to every string leaf that reads as a decimal.
fn collect(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.parse::<Decimal>().is_ok() => out.push(at),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                collect(v, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        _ => {}
    }
}

static STREAM: LazyLock<Base> =
    LazyLock::new(|| base(include_str!("../../fixtures/snapshots/stream-elixir-2025-11.json")));
static TEN_TEN: LazyLock<Base> =
    LazyLock::new(|| base(include_str!("../../fixtures/snapshots/ten-ten-2025.json")));

/// A figure, from the edges of every range and beyond.
#[derive(Debug, Arbitrary)]
enum Figure {
    Zero,
    Smallest,
    Tiny,
    Largest,
    Huge,
    Negative(u32),
    Scaled { mantissa: i64, scale: u8 },
}

impl Figure {
    fn decimal(&self) -> Decimal {
        match self {
            Self::Zero => Decimal::ZERO,
            Self::Smallest => Decimal::new(1, 28),
            Self::Tiny => Decimal::new(1, 12),
            Self::Largest => Decimal::MAX,
            Self::Huge => Decimal::from_i128_with_scale(10i128.pow(21), 0),
            Self::Negative(n) => -Decimal::from(*n),
            Self::Scaled { mantissa, scale } => Decimal::new(*mantissa, u32::from(*scale % 29)),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum ShockIn {
    Price { token: u8, change: Figure, price: bool },
    WriteDown { item: u8, loss: Figure },
    Redemptions { issuer: u8, frozen: bool },
    Liquidity { venue: u8, factor: Figure },
    Oracle { oracle: u8, action: u8, price: Figure },
    Sell { venue: u8, amount: Figure },
}

#[derive(Debug, Arbitrary)]
struct Input {
    ten_ten: bool,
    edits: Vec<(u16, Figure)>,
    shocks: Vec<(u8, ShockIn)>,
    steps: u8,
    gas: Figure,
}

fn pick<T: Clone>(list: &[T], i: u8) -> Option<T> {
    (!list.is_empty()).then(|| list[usize::from(i) % list.len()].clone())
}

fuzz_target!(|input: Input| {
    let base = if input.ten_ten { &*TEN_TEN } else { &*STREAM };
    let snapshot = if input.edits.is_empty() {
        base.snapshot.clone()
    } else {
        let mut json = base.json.clone();
        for (field, figure) in input.edits.iter().take(4) {
            let pointer = &base.figures[usize::from(*field) % base.figures.len()];
            if let Some(slot) = json.pointer_mut(pointer) {
                *slot = Value::String(figure.decimal().to_string());
            }
        }
        match Snapshot::from_json(&json.to_string()) {
            Ok(snapshot) => snapshot,
            Err(_) => return,
        }
    };
    let tokens: Vec<String> = snapshot.tokens.iter().map(|t| t.id.clone()).collect();
    let venues: Vec<String> = snapshot.venues.iter().map(|v| v.id.clone()).collect();
    let oracles: Vec<String> = snapshot.oracles.iter().map(|o| o.id.clone()).collect();
    let issuers: Vec<String> = snapshot.issuers.iter().map(|i| i.id.clone()).collect();
    let items: Vec<String> =
        snapshot.issuers.iter().flat_map(|i| i.backing.iter().map(|b| b.id.clone())).collect();
    let step_secs = 600;
    let steps = u64::from(input.steps % 4) + 1;
    let mut shocks = Vec::new();
    for (at, shock) in input.shocks.iter().take(4) {
        let kind = match shock {
            ShockIn::Price { token, change, price } => ShockKind::Price {
                token: pick(&tokens, *token).unwrap_or_default(),
                price_usd: price.then(|| change.decimal()),
                change_pct: (!price).then(|| change.decimal()),
                over_secs: 0,
            },
            ShockIn::WriteDown { item, loss } => ShockKind::WriteDown {
                backing: pick(&items, *item).unwrap_or_default(),
                loss_usd: loss.decimal(),
            },
            ShockIn::Redemptions { issuer, frozen } => ShockKind::Redemptions {
                issuer: pick(&issuers, *issuer).unwrap_or_default(),
                frozen: *frozen,
            },
            ShockIn::Liquidity { venue, factor } => ShockKind::Liquidity {
                venue: pick(&venues, *venue).unwrap_or_default(),
                factor: factor.decimal(),
            },
            ShockIn::Oracle { oracle, action, price } => {
                let action = [
                    OracleAction::Freeze,
                    OracleAction::Unfreeze,
                    OracleAction::Pin,
                    OracleAction::Unpin,
                ][usize::from(*action % 4)];
                ShockKind::Oracle {
                    oracle: pick(&oracles, *oracle).unwrap_or_default(),
                    action,
                    price: (action == OracleAction::Pin).then(|| price.decimal()),
                }
            }
            ShockIn::Sell { venue, amount } => ShockKind::Sell {
                venue: pick(&venues, *venue).unwrap_or_default(),
                amount: amount.decimal(),
            },
        };
        let at_secs = u64::from(*at) % steps * step_secs;
        shocks.push(Shock { at_secs, note: String::new(), kind });
    }
    let scenario = Scenario {
        name: "fuzz".into(),
        description: String::new(),
        snapshot: String::new(),
        step_secs,
        horizon_secs: steps * step_secs,
        engine: EngineOptions {
            max_iterations: 64,
            liquidation_gas_usd: input.gas.decimal(),
            series: false,
        },
        shocks,
        holders: Vec::new(),
        flows: Vec::new(),
        stablecoins: Vec::new(),
    };
    let _ = faultline_orchestrator::run(&snapshot, &scenario);
});

//! The vault-design check on `fixtures/vaults/example-loop.toml`, every figure worked by hand.

use faultline_vaults::{
    Decimal, Error, LiquidationTrigger, VaultDesign, analyse, design::Breakpoint,
};

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn close(a: Decimal, b: &str, tolerance: &str) -> bool {
    (a - d(b)).abs() <= d(tolerance)
}

fn example() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/vaults/example-loop.toml"
    ))
    .unwrap()
}

#[test]
fn the_example_design_report() {
    let design: VaultDesign = toml::from_str(&example()).unwrap();
    let report = analyse(&design).unwrap();
    // 1M sdeUSD at 4x with a 0.1% swap cost: 4M collateral, 3M / 0.999 = 3,003,003.003 USDC of
    // debt; health 4M * 0.86 / 3,003,003.003 = 1.14552.
    assert_eq!(report.position.collateral, d("4000000"));
    assert!(close(report.position.debt, "3003003.003003003003", "1e-12"));
    assert!(close(report.health, "1.14552", "1e-20"));
    // Net yield: (4M * (0.12 + 0.01) - 3,003,003 * 0.08) / 996,997 = 0.28060241.
    assert!(close(report.net_yield, "0.2806024096385542", "1e-15"));
    // Max safe leverage for a 5% depeg: 1 / (1 - 0.95 * 0.86 * 0.999) = 5.440193.
    assert!(close(report.max_safe_leverage, "5.440193235663731", "1e-14"));
    // Liquidation at 1 - 3,003,003 / 3,440,000 = 12.70% depeg; insolvency at 1 - 3,003,003 /
    // 4,000,000 = 24.92%.
    assert!(close(report.liquidation_depeg, "0.127034010754941", "1e-14"));
    assert!(close(report.insolvency_depeg, "0.24924924924924924", "1e-15"));
    // The hardcoded $1 oracle never liquidates: what breaks is solvency, at 24.92%, and the
    // loss is the lenders'.
    assert_eq!(report.trigger, LiquidationTrigger::Never);
    assert_eq!(report.breaks.len(), 1);
    assert_eq!(report.breaks[0].1, Breakpoint::Insolvency);
    // At 88% APR compounded daily from health 1.14552 at the fixed price: 56 whole days.
    assert_eq!(report.survival_days, Some(56));
    // Unwind through the bids: past 3M (27,500 of impact) the band widens 0.08 per 5M, so
    // 0.98 y - 8e-9 y^2 = 3,003,003.003 - 3M + 27,500 gives y = 31,133.43: 3,031,133.43 sold,
    // 28,130.42 USDC of cost.
    let unwind = report.unwind.unwrap();
    assert!(close(unwind.sold, "3031133.425841", "0.00001"), "{unwind:?}");
    assert!(close(unwind.cost, "28130.422838", "0.00001"));
    // Lenders' exposure: (3,003,003 + 25M / 0.999 + 2M / 0.999) / 50M = 0.6006006.
    assert!(close(report.debt_share_of_supply, "0.6006006006006006", "1e-15"));
    // Under a 30% depeg the oracle still says $1: nothing is liquidated; at market the design
    // owes 3,003,003 - 2,800,000 = 203,003 more than its collateral and the whale (30M
    // collateral, 25,025,025 debt) 25,025,025 - 21,000,000 = 4,025,025.
    let worst = report.shocks.last().unwrap();
    assert_eq!((worst.depeg, worst.oracle_price), (d("0.30"), d("1")));
    assert!(worst.positions.iter().all(|p| !p.liquidated));
    let bad: Vec<Decimal> = worst.positions.iter().map(|p| p.bad_debt.round_dp(3)).collect();
    assert_eq!(bad, [d("203003.003"), d("4025025.025"), d("0")]);
    // The whale's health at market after a 5% depeg: 0.95 * 30M * 0.86 / 25,025,025 = 0.97942.
    let five = &report.shocks[1];
    assert!(close(five.positions[1].market_health, "0.9794196", "1e-6"));
}

#[test]
fn a_market_oracle_liquidates_first() {
    let text =
        example().replace("kind = \"fixed\"                # market", "kind = \"market\" # market");
    let text = text.replace("price = \"1\"                   # the hardcoded price\n", "");
    let report = analyse(&toml::from_str(&text).unwrap()).unwrap();
    // Liquidation (12.70%) now comes before insolvency (24.92%).
    assert_eq!(
        report.breaks.iter().map(|b| b.1).collect::<Vec<_>>(),
        [Breakpoint::Liquidation, Breakpoint::Insolvency]
    );
    // At a 14% depeg the design is liquidated (health 0.86 * 1.14552 = 0.98515).
    assert!(report.shocks[2].positions[0].liquidated);
}

#[test]
fn bad_files_name_the_field() {
    let unknown = example().replace("lltv = \"0.86\"", "lltv = \"0.86\"\nltvv = \"0.8\"");
    let err = toml::from_str::<VaultDesign>(&unknown).unwrap_err().to_string();
    assert!(err.contains("unknown field `ltvv`"), "{err}");
    let float = example().replace("lltv = \"0.86\"", "lltv = 0.86");
    let err = toml::from_str::<VaultDesign>(&float).unwrap_err().to_string();
    assert!(err.contains("float is binary and inexact"), "{err}");
    let range = example().replace("lltv = \"0.86\"", "lltv = \"1.2\"");
    let design: VaultDesign = toml::from_str(&range).unwrap();
    assert!(
        matches!(analyse(&design), Err(Error::InvalidParameter { field, .. }) if field == "market.lltv")
    );
    let looper = example().replace("leverage = \"6\"", "leverage = \"0.5\"");
    let design: VaultDesign = toml::from_str(&looper).unwrap();
    assert!(
        matches!(analyse(&design), Err(Error::InvalidParameter { field, .. }) if field == "loopers[0].leverage")
    );
}

//! The two reported Stream figures derived from the loop's documented venues, LTVs, mint rules
//! and rounds, not by tuning a recycle until they come out.
//!
//! Documented inputs (each leg below names its own):
//! - `fixtures/events/stream-xusd-2025-11.json` (a copy of `../shared/data/events/`):
//!   `xusd.loop_illustration` ($1.9M real, $14.5M xUSD minted; rekt "House of Cards"),
//!   `xusd.reported_backing_usd` $170M and `reported_liabilities_usd` $530M (CBB via rekt "Loop
//!   Contagion"), and the creditor "Elixir (deUSD reserves)": a private Morpho Blue market on
//!   Plume, xUSD collateral, 86% LLTV: the loop's one documented venue.
//! - rekt "House of Cards" (the events file's source, `../shared/reference/field.md` 5a): "mint
//!   deUSD, borrow against it, mint xUSD, borrow against that ... loop it".
//! - `fixtures/snapshots/stream-elixir-2025-11.json`: the real Morpho sdeUSD/USDC market on
//!   Ethereum (LLTV 91.5%, an exchange-rate oracle: sdeUSD at its vault rate, i.e. at book) and
//!   the real Arbitrum xUSD/USDC market (LLTV 91.5%, oracle hardcoded at 1.26672304 against
//!   xUSD's reported NAV 1.2646; 725,483 USDC supplied, an assumed Nov 2 state).
//!
//! Mint rules: deUSD mints 1:1 against dollars (reported NAV 1 in the snapshot; Elixir redeemed
//! holders 1:1, events file timeline); xUSD is minted at its share price (reported NAV 1.2646),
//! so a dollar deposited buys a dollar of xUSD at book: both mint legs have ratio 1. A Morpho
//! loan can be drawn up to LLTV x collateral x oracle price (Morpho Blue `_isHealthy`), so a
//! borrow leg's ratio per dollar of collateral at book is LLTV x oracle / book price.

use faultline_vaults::{
    Decimal,
    reach::{Leg, Measure, Reach, limit, reach, recycle},
};

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn leg(what: &str, ratio: &str) -> Leg {
    Leg { what: what.into(), ratio: d(ratio) }
}

/// The loop through its one documented venue: deUSD deposited with Stream mints xUSD at NAV
/// (1), xUSD pledged in Elixir's Plume market borrows at its 86% LLTV (0.86, at book: the
/// market's oracle was hardcoded near the share price, events file `morpho` note), the USDC
/// borrowed mints deUSD 1:1 (1).
fn plume_loop() -> Vec<Leg> {
    vec![
        leg("mint xUSD with deUSD at NAV", "1"),
        leg("borrow USDC against xUSD at the Plume market's 86% LLTV", "0.86"),
        leg("mint deUSD 1:1 with the USDC", "1"),
    ]
}

#[test]
fn one_point_nine_to_fourteen_and_a_half_is_beyond_the_documented_loop() {
    let (real, minted) = (d("1900000"), d("14500000"));
    // Through the Plume market: r = 1 x 0.86 x 1 = 0.86; xUSD minted tends to 1.9M / 0.14 =
    // 13,571,428.571...M, never reached: $14.5M is beyond it by $0.93M however many rounds.
    let legs = plume_loop();
    assert_eq!(recycle(&legs).unwrap(), d("0.86"));
    match reach(real, &legs, Measure::Minted, minted).unwrap() {
        Reach::Beyond { limit, needed_recycle } => {
            assert_eq!(limit.round_dp(2), d("13571428.57"));
            // An infinite loop reaches 14.5 only at r = 1 - 1.9 / 14.5 = 0.868965...: above the
            // 86% LLTV, which no documented leg of the loop offers.
            assert_eq!(needed_recycle.round_dp(6), d("0.868966"));
        }
        other => panic!("expected beyond reach, got {other:?}"),
    }
    // rekt's order, "mint deUSD, borrow against it, mint xUSD, borrow against that": the
    // deUSD borrow at the Morpho sdeUSD/USDC market's 91.5% LLTV (oracle at the vault rate,
    // i.e. book) comes before the first xUSD mint, so xUSD starts from 1.9 x 0.915 = 1.7385M and
    // recycles 0.915 x 0.86 = 0.7869 per round: at most 1.7385 / 0.2131 = 8,158,141.72.
    let rekt_order = vec![
        leg("borrow USDC against xUSD at 86%", "0.86"),
        leg("mint deUSD 1:1", "1"),
        leg("borrow USDC against sdeUSD at the Ethereum market's 91.5% LLTV", "0.915"),
        leg("mint xUSD at NAV", "1"),
    ];
    assert_eq!(recycle(&rekt_order).unwrap(), d("0.786900"));
    let first_xusd = real * d("0.915");
    assert_eq!(first_xusd, d("1738500.000"));
    let capped = limit(first_xusd, d("0.7869"), Measure::Minted).unwrap();
    assert_eq!(capped.round_dp(2), d("8158141.72"));
    assert!(matches!(
        reach(first_xusd, &rekt_order, Measure::Minted, minted).unwrap(),
        Reach::Beyond { .. }
    ));
    // The one documented xUSD venue with a higher rate: the Arbitrum market, 91.5% LLTV with
    // its oracle hardcoded at 1.26672304 against the 1.2646 NAV: 0.915 x 1.26672304 / 1.2646 =
    // 0.916536...; by rate alone it passes 14.5M in round 12 (1.9 (1 - r^12) / (1 - r) =
    // 14.765M). But it lent only what was supplied to it, 725,483 USDC, while those rounds
    // borrow 14.5 - 1.9 = 12.6M: the market's size caps the loop at 1.9 + 0.725 = 2.63M.
    let arbitrum = d("0.915") * d("1.26672304") / d("1.2646");
    assert_eq!(arbitrum.round_dp(6), d("0.916536"));
    let by_rate = vec![
        leg("mint xUSD at NAV", "1"),
        Leg { what: "borrow on Arbitrum".into(), ratio: arbitrum },
    ];
    match reach(real, &by_rate, Measure::Minted, minted).unwrap() {
        Reach::Within { rounds, after, .. } => {
            assert_eq!(rounds, 12);
            assert_eq!(after.round_dp(0), d("14765074"));
        }
        other => panic!("expected within reach by rate, got {other:?}"),
    }
    let borrowed_needed = minted - real;
    assert!(borrowed_needed > d("725483.037894"));
    // The "87% for 35 rounds" that reaches 14.5 is the Euler Plasma vaults' 87% borrow LTV,
    // which the snapshot labels synthetic: not a documented figure, so it derives nothing.
}

#[test]
fn one_seventy_backing_five_thirty_liabilities_is_within_five_rounds() {
    // $530M borrowed on $170M of backing through the 86% loop: the borrows after n rounds are
    // 170 (0.86 + 0.86^2 + ... + 0.86^n):
    //   n=1 146.2; n=2 271.932; n=3 380.06152; n=4 473.0529072; n=5 553.025500192 (M).
    // $530M falls in round 5: (530 - 473.0529072) / (170 x 0.86^5 = 79.972593) = 0.712083 of
    // that round's borrow. The limit, 170 x 0.86 / 0.14 = 1,044.29M, is far above: the
    // documented loop reaches the reported liabilities without any tuned parameter.
    let legs = plume_loop();
    match reach(d("170000000"), &legs, Measure::Borrowed, d("530000000")).unwrap() {
        Reach::Within { rounds, before, after, share_of_round } => {
            assert_eq!(rounds, 5);
            assert_eq!(before, d("473052907.2"));
            assert_eq!(after, d("553025500.192"));
            assert_eq!(share_of_round.round_dp(6), d("0.712083"));
        }
        other => panic!("expected within reach, got {other:?}"),
    }
    assert_eq!(
        limit(d("170000000"), d("0.86"), Measure::Borrowed).unwrap().round_dp(0),
        d("1044285714")
    );
    // CBB's "4.1x" is assets over equity: (170 + 530) / 170 = 4.1176..., 4.1 at one decimal.
    assert_eq!(((d("170") + d("530")) / d("170")).round_dp(1), d("4.1"));
}

#[test]
fn reach_refuses_bad_loops() {
    assert!(reach(d("1"), &[], Measure::Minted, d("2")).is_err());
    assert!(reach(d("1"), &[leg("r", "1")], Measure::Minted, d("2")).is_err());
    assert!(reach(d("0"), &[leg("r", "0.5")], Measure::Minted, d("2")).is_err());
    // At r = 0.5 from 1: minted 1, 1.5, 1.75: 1.6 falls in round 3 at (1.6 - 1.5) / 0.25 = 0.4.
    assert_eq!(
        reach(d("1"), &[leg("r", "0.5")], Measure::Minted, d("1.6")).unwrap(),
        Reach::Within { rounds: 3, before: d("1.5"), after: d("1.75"), share_of_round: d("0.4") }
    );
}

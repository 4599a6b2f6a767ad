//! Issuer NAV and redemption, checked against hand-worked balance sheets.

use faultline_vaults::{
    BackingItem, BackingKind, Decimal, Error, Issuer, Liability, NavRule, Prices, RedemptionEvent,
    RedemptionMode, RunRule,
};

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// An xUSD-like issuer: 100 tokens; $20 cash, an $80 loan to a fund manager, a $30 off-chain
/// claim at 50% confidence; $10 borrowed from a lender.
fn issuer() -> Issuer {
    let mut issuer = Issuer::new(
        "xUSD",
        d("100"),
        vec![
            BackingItem::cash("cash", d("20")),
            BackingItem::valued(
                "loan",
                BackingKind::Loan { counterparty: "fund".into(), secured_by: None },
                d("80"),
            ),
            BackingItem::valued(
                "custody",
                BackingKind::OffChain { custodian: "manager".into(), confidence: d("0.5") },
                d("30"),
            ),
        ],
    )
    .unwrap();
    issuer.liabilities.push(Liability { creditor: "lender".into(), amount: d("10") });
    issuer
}

#[test]
fn reported_and_true_nav_part_when_a_loss_is_hidden() {
    let prices = Prices::default();
    let mut xusd = issuer();
    // Book: 20 + 80 + 30 = 130 backing, less 10 owed = 120 equity over 100 tokens: 1.2.
    let reported = xusd.reported_nav(&prices).unwrap();
    assert_eq!(
        (reported.backing, reported.equity, reported.nav_per_token),
        (d("130"), d("120"), d("1.2"))
    );
    assert_eq!((reported.unverified, reported.unverified_confidence_weighted), (d("30"), d("15")));
    // The custodian loses everything: truth (20 + 80 + 0 - 10) / 100 = 0.9; the report stays 1.2.
    assert_eq!(xusd.write_down("custody", Decimal::ZERO, &prices).unwrap(), d("30"));
    assert_eq!(xusd.true_nav(&prices).unwrap().nav_per_token, d("0.9"));
    assert_eq!(xusd.reported_nav(&prices).unwrap().nav_per_token, d("1.2"));
    // The loan defaults at 5% recovery: truth 20 + 4 - 10 = 14 -> 0.14.
    assert_eq!(xusd.write_down("loan", d("0.05"), &prices).unwrap(), d("76"));
    assert_eq!(xusd.true_nav(&prices).unwrap().nav_per_token, d("0.14"));
    // Recognised: the report falls to the truth.
    xusd.recognise_losses();
    assert_eq!(xusd.reported_nav(&prices).unwrap().nav_per_token, d("0.14"));
    // Liabilities above the backing: equity 0, shortfall shown, NAV 0.
    xusd.liabilities.push(Liability { creditor: "other".into(), amount: d("20") });
    let sunk = xusd.true_nav(&prices).unwrap();
    assert_eq!((sunk.equity, sunk.shortfall, sunk.nav_per_token), (d("0"), d("6"), d("0")));
}

#[test]
fn token_holdings_are_valued_by_the_stated_rule() {
    // 50 deUSD held, trading at $0.50, an oracle at $1.00, carried at par; plus $10 cash; 60
    // tokens. Market (50*0.5 + 10)/60 = 0.583333333333333333 (floored to 18 places); oracle
    // and book (50 + 10)/60 = 1.
    let mut prices = Prices::default();
    prices.set_all("deUSD", d("1")).unwrap();
    prices.set_market("deUSD", d("0.5")).unwrap();
    let issuer = Issuer::new(
        "sdeUSD",
        d("60"),
        vec![BackingItem::holding("deusd", "deUSD", d("50")), BackingItem::cash("cash", d("10"))],
    )
    .unwrap();
    assert_eq!(
        issuer.nav(NavRule::Market, &prices).unwrap().nav_per_token,
        d("0.583333333333333333")
    );
    assert_eq!(issuer.nav(NavRule::Oracle, &prices).unwrap().nav_per_token, d("1"));
    assert_eq!(issuer.nav(NavRule::Book, &prices).unwrap().nav_per_token, d("1"));
    // A missing price is an error naming the token and the rule.
    assert_eq!(
        issuer.nav(NavRule::Market, &Prices::default()),
        Err(Error::Unknown { what: "market price for token", name: "deUSD".into() })
    );
}

fn run_issuer(rule: RunRule) -> Issuer {
    // 100 tokens at NAV 1: $30 cash, $70 loan (illiquid).
    let mut issuer = Issuer::new(
        "dUSD",
        d("100"),
        vec![
            BackingItem::cash("cash", d("30")),
            BackingItem::valued(
                "loan",
                BackingKind::Loan {
                    counterparty: "Stream".into(),
                    secured_by: Some("xUSD".into()),
                },
                d("70"),
            ),
        ],
    )
    .unwrap();
    issuer.run_rule = rule;
    issuer
}

fn paid(events: &[RedemptionEvent]) -> Vec<(String, Decimal, Decimal)> {
    events
        .iter()
        .filter_map(|e| match e {
            RedemptionEvent::Paid { holder, paid, shares_burned, .. } => {
                Some((holder.clone(), *paid, *shares_burned))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_run_pays_first_come_at_par_or_everyone_pro_rata() {
    let prices = Prices::default();
    let requests: Vec<(String, Decimal)> =
        ["A", "B", "C"].iter().map(|h| ((*h).to_owned(), d("20"))).collect();

    // First come: $30 of cash against $60 of claims at NAV 1: A 20, B 10, C nothing.
    let mut first = run_issuer(RunRule::FirstCome);
    let events = first.run(&requests, 0, &prices).unwrap();
    assert_eq!(paid(&events), vec![("A".into(), d("20"), d("20")), ("B".into(), d("10"), d("10"))]);
    assert_eq!(
        events.last(),
        Some(&RedemptionEvent::Unpaid { requests: 2, shares: d("30"), claim: d("30") })
    );
    // Value conserved: 30 paid + 70 left = 100 of backing; supply 100 - 30 = 70.
    assert_eq!(first.true_nav(&prices).unwrap().backing, d("70"));
    assert_eq!(first.supply, d("70"));

    // Pro rata: each gets 30/60 of its claim, $10, and burns 10 of its 20 tokens.
    let mut pro = run_issuer(RunRule::ProRata);
    let events = pro.run(&requests, 0, &prices).unwrap();
    let each = ("", d("10"), d("10"));
    assert_eq!(
        paid(&events).iter().map(|(_, p, s)| (*p, *s)).collect::<Vec<_>>(),
        vec![(each.1, each.2); 3]
    );
    assert_eq!(pro.true_nav(&prices).unwrap().backing, d("70"));
    // The next step has no cash left: nothing more is paid.
    let later = pro.process_redemptions(1, &prices).unwrap();
    assert!(paid(&later).is_empty());
}

#[test]
fn cooldown_is_read_from_state_and_capacity_limits_a_step() {
    let prices = Prices::default();
    // A 3-day cooldown (not the 7 days sUSDe once had): nothing is claimable before it ends.
    let mut cooled = run_issuer(RunRule::FirstCome);
    cooled.mode = RedemptionMode::Cooldown { cooldown_secs: 259_200 };
    cooled.request_redemption("A", d("5"), 1_000).unwrap();
    assert!(cooled.process_redemptions(260_199, &prices).unwrap().is_empty());
    let events = cooled.process_redemptions(260_200, &prices).unwrap();
    assert_eq!(paid(&events), vec![("A".into(), d("5"), d("5"))]);

    // A queue paying $4 per step: 4 then 1.
    let mut queued = run_issuer(RunRule::FirstCome);
    queued.mode = RedemptionMode::Queue { capacity_per_step: d("4") };
    queued.request_redemption("A", d("5"), 0).unwrap();
    assert_eq!(
        paid(&queued.process_redemptions(0, &prices).unwrap()),
        vec![("A".into(), d("4"), d("4"))]
    );
    assert_eq!(
        paid(&queued.process_redemptions(1, &prices).unwrap()),
        vec![("A".into(), d("1"), d("1"))]
    );

    // Gated at 10% of supply per step: of 25 asked, 10 (of 100) pass.
    let mut gated = run_issuer(RunRule::FirstCome);
    gated.mode = RedemptionMode::Gated { max_fraction_per_step: d("0.1") };
    gated.request_redemption("A", d("25"), 0).unwrap();
    assert_eq!(
        paid(&gated.process_redemptions(0, &prices).unwrap()),
        vec![("A".into(), d("10"), d("10"))]
    );
    // Next step: 10% of the 90 left is 9.
    assert_eq!(
        paid(&gated.process_redemptions(1, &prices).unwrap()),
        vec![("A".into(), d("9"), d("9"))]
    );

    // Frozen: refused with the issuer named.
    let mut frozen = run_issuer(RunRule::FirstCome);
    frozen.mode = RedemptionMode::Frozen;
    assert!(matches!(
        frozen.request_redemption("A", d("1"), 0),
        Err(Error::RedemptionRefused { issuer, .. }) if issuer == "dUSD"
    ));
}

#[test]
fn bad_input_names_the_field() {
    let bad = Issuer::new(
        "X",
        d("1"),
        vec![BackingItem::valued(
            "c",
            BackingKind::OffChain { custodian: "m".into(), confidence: d("1.5") },
            d("1"),
        )],
    );
    assert!(
        matches!(bad, Err(Error::InvalidParameter { field, .. }) if field == "X.backing[0].confidence")
    );
    let dup = Issuer::new(
        "X",
        d("1"),
        vec![BackingItem::cash("c", d("1")), BackingItem::cash("c", d("1"))],
    );
    assert!(
        matches!(dup, Err(Error::InvalidParameter { field, .. }) if field == "X.backing[1].id")
    );
    let mut issuer = run_issuer(RunRule::FirstCome);
    assert!(matches!(
        issuer.request_redemption("A", d("101"), 0),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        issuer.write_down("nope", d("0.5"), &Prices::default()),
        Err(Error::Unknown { .. })
    ));
}

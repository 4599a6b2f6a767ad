//! The two bundled reports (Stream/Elixir, the default, and the 10-10-style crash in
//! fixtures/scenarios/ten-ten-2025.toml), pinned whole (insta) as JSON and as Markdown, so that
//! any change to what the engine finds, or to how it is told, shows up as a reviewed diff.
//!
//! What was checked by hand before these snapshots were accepted: the first break is xUSD's true
//! NAV after the $93M write-down (tests/stress.rs and the orchestrator's stream_elixir tests
//! check the figures); the Plume loan is a missed liquidation for its hardcoded oracle; deUSD
//! and sdeUSD follow; the sdeUSD/USDC market ends 100% utilised with lender funds frozen.

use std::process::Command;

fn stress(format: &str) -> String {
    stress_scenario(None, format)
}

fn stress_scenario(scenario: Option<&str>, format: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut args = vec!["stress".to_owned()];
    args.extend(scenario.map(|s| format!("{root}/{s}")));
    args.extend(["--format".to_owned(), format.to_owned()]);
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(&args)
        .output()
        .expect("the faultline binary runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn the_bundled_stream_elixir_report_as_json() {
    let report: serde_json::Value = serde_json::from_str(&stress("json")).unwrap();
    insta::assert_json_snapshot!("stream_elixir_report_json", report);
}

#[test]
fn the_bundled_stream_elixir_report_as_markdown() {
    insta::assert_snapshot!("stream_elixir_report_markdown", stress("markdown"));
}

/// Read before accepting: Aave v3 Core liquidations follow the ETH and BTC falls; USDe borrowers
/// are liquidated while one venue's oracle pins USDe at $0.65, leaving pool deficits; misses are
/// feeds lagging the market inside their deviation threshold. Positions are synthetic.
const TEN_TEN: &str = "fixtures/scenarios/ten-ten-2025.toml";

#[test]
fn the_ten_ten_report_as_json() {
    let report: serde_json::Value =
        serde_json::from_str(&stress_scenario(Some(TEN_TEN), "json")).unwrap();
    insta::assert_json_snapshot!("ten_ten_report_json", report);
}

#[test]
fn the_ten_ten_report_as_markdown() {
    insta::assert_snapshot!("ten_ten_report_markdown", stress_scenario(Some(TEN_TEN), "markdown"));
}

/// The Markdown of the default run is short and loses nothing of substance, checked against
/// the JSON of the same run: the totals row is the sum of the JSON's entities, the first break
/// is the JSON's first loss of value, every event but the no-change ticks is in the log (alone
/// or in a run whose first and last events are the JSON's), each liquidation, miss and shock on
/// a row of its own, and the whole is at most half the 74,905 bytes the default Markdown had
/// before the log was condensed (tests/snapshots at commit c60115a).
#[test]
fn the_default_markdown_is_short_and_agrees_with_the_json() {
    use rust_decimal::Decimal;
    use std::str::FromStr;
    let json: serde_json::Value = serde_json::from_str(&stress("json")).unwrap();
    let md = stress("markdown");
    assert!(md.len() * 2 <= 74_905, "{} bytes", md.len());
    let dec = |v: &serde_json::Value| Decimal::from_str(v.as_str().unwrap()).unwrap();
    let money = |d: Decimal| {
        if d.is_zero() { String::new() } else { faultline_orchestrator::report::usd(d) }
    };

    // Totals row.
    let entities = json["entities"].as_array().unwrap();
    let sum = |k: &str| entities.iter().map(|e| dec(&e[k])).sum::<Decimal>();
    let count = |k: &str| entities.iter().map(|e| e[k].as_u64().unwrap()).sum::<u64>();
    let total = md.lines().find(|l| l.starts_with("| **Total** |")).expect("a totals row");
    let cells: Vec<&str> = total.split('|').map(str::trim).collect();
    assert_eq!(cells[3], money(sum("bad_debt_usd")));
    assert_eq!(cells[4], money(sum("oracle_bad_debt_usd")));
    assert_eq!(cells[5], money(sum("economic_bad_debt_usd")));
    assert_eq!(cells[6], money(sum("nav_lost_usd")));
    assert_eq!(cells[8], money(sum("frozen_usd")));
    assert_eq!(cells[9], count("liquidations").to_string());
    assert_eq!(cells[10], count("missed_liquidations").to_string());

    // The events: no-change ticks (a change below half a basis point) are the only ones left out.
    let events = json["events"].as_array().unwrap();
    let tiny = |a: Decimal, b: Decimal| {
        if a.is_zero() { b.is_zero() } else { ((b - a) / a).abs() < Decimal::new(5, 5) }
    };
    let is_tick = |e: &serde_json::Value| {
        let k = &e["kind"];
        match k["type"].as_str().unwrap() {
            "price_move" => tiny(dec(&k["from_usd"]), dec(&k["to_usd"])),
            "nav_change" => tiny(dec(&k["from"]), dec(&k["to"])),
            "vault_value" => {
                tiny(dec(&k["share_price_from"]), dec(&k["share_price_to"]))
                    && tiny(dec(&k["economic_from"]), dec(&k["economic_to"]))
            }
            _ => false,
        }
    };
    let kept = events.iter().filter(|e| !is_tick(e)).count();
    assert!(kept < events.len(), "the default run has no-change ticks to leave out");
    let log = md.split("## Event log").nth(1).expect("an event log");
    let mut shown = 0;
    let mut singles = Vec::new();
    for row in log.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| #")) {
        let cells: Vec<&str> = row.splitn(6, " | ").collect();
        let ids = cells[0].trim_start_matches("| ");
        let (first, last, n) = match ids.split_once('–') {
            Some((a, rest)) => {
                let (b, n) = rest.split_once(" (").unwrap();
                (
                    a.parse::<usize>().unwrap(),
                    b.parse::<usize>().unwrap(),
                    n.trim_end_matches(')').parse::<usize>().unwrap(),
                )
            }
            None => (ids.parse().unwrap(), ids.parse().unwrap(), 1),
        };
        shown += n;
        let (a, b) = (&events[first], &events[last]);
        assert_eq!(cells[2], a["entity"].as_str().unwrap(), "{row}");
        assert!(
            row.contains(a["summary"].as_str().unwrap())
                && row.contains(b["summary"].as_str().unwrap()),
            "{row}"
        );
        assert!(!is_tick(a) && !is_tick(b), "{row}");
        if n == 1 {
            singles.push(first);
        }
    }
    assert_eq!(shown, kept, "events in the Markdown log vs the JSON's less its ticks");
    for e in events {
        if matches!(
            e["kind"]["type"].as_str().unwrap(),
            "liquidation" | "missed_liquidation" | "shock" | "lender_run" | "redemptions"
        ) {
            assert!(
                singles.contains(&(e["id"].as_u64().unwrap() as usize)),
                "event {} has no row of its own",
                e["id"]
            );
        }
    }

    // The first break: the JSON's first loss of value (here xUSD's true NAV after the write-down).
    let first = events
        .iter()
        .find(|e| {
            e["kind"]["type"] == "nav_change" && dec(&e["kind"]["to"]) < dec(&e["kind"]["from"])
        })
        .unwrap();
    let misses_or_losses_before = events.iter().take_while(|e| e["id"] != first["id"]).any(|e| {
        matches!(
            e["kind"]["type"].as_str().unwrap(),
            "economic_bad_debt" | "funds_frozen" | "liquidation"
        )
    });
    assert!(!misses_or_losses_before);
    assert!(md.contains(&format!(
        "event #{}): {}",
        first["id"],
        first["summary"].as_str().unwrap()
    )));
}

//! The report as a terminal table: the headline, losses with a totals row, the contagion
//! tree; the log is in the other formats.

use super::{digest, money, pct};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use faultline_orchestrator::Report;
use std::fmt::Write;

/// Summary, first break, the losses table, contagion paths; the full log is in the other formats.
pub(crate) fn report(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({} steps of {} s over {})",
        report.scenario, report.steps, report.step_secs, report.snapshot
    );
    if !report.non_converged_steps.is_empty() {
        let _ = writeln!(out, "DID NOT CONVERGE at steps {:?}", report.non_converged_steps);
        for m in &report.still_moving {
            let _ = writeln!(out, "  step {}: still moving: {}", m.step, m.quantities.join(", "));
        }
    }
    for line in super::markdown::first_break(report, false) {
        let _ = writeln!(out, "{line}");
    }
    for line in report.channel_lines() {
        let _ = writeln!(out, "{line}");
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header([
        "entity",
        "kind",
        "bad debt",
        "uncovered at oracle",
        "uncovered at market",
        "NAV lost",
        "price",
        "frozen",
        "liq.",
        "missed",
    ]);
    for e in &report.entities {
        table.add_row([
            e.name.clone(),
            e.kind.clone(),
            money(e.bad_debt_usd),
            money(e.oracle_bad_debt_usd),
            money(e.economic_bad_debt_usd),
            money(e.nav_lost_usd),
            pct(e.price_change_pct),
            money(e.frozen_usd),
            e.liquidations.to_string(),
            e.missed_liquidations.to_string(),
        ]);
    }
    let t = report.totals();
    table.add_row([
        "Total".to_owned(),
        String::new(),
        money(t.bad_debt_usd),
        money(t.oracle_bad_debt_usd),
        money(t.economic_bad_debt_usd),
        money(t.nav_lost_usd),
        String::new(),
        money(t.frozen_usd),
        t.liquidations.to_string(),
        t.missed_liquidations.to_string(),
    ]);
    let _ = writeln!(out, "{table}");
    for line in super::markdown::interest(report) {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "Contagion (each loss under the shock that started it; * marks a loss):");
    for (depth, e, loss) in digest::tree_lines(report, &digest::tree(report)) {
        let mark = if loss { "* " } else { "" };
        let _ = writeln!(out, "{}{mark}{}", "  ".repeat(depth + 1), e.summary);
    }
    out
}

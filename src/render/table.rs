//! The report as a terminal table.

use super::{money, pct};
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
    }
    match report.first_break.and_then(|id| report.events.get(id)) {
        Some(e) => {
            let _ = writeln!(out, "First break, step {}: {}", e.step, e.summary);
        }
        None => {
            let _ = writeln!(out, "Nothing broke.");
        }
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header([
        "entity",
        "kind",
        "bad debt",
        "uncovered",
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
            money(e.economic_bad_debt_usd),
            money(e.nav_lost_usd),
            pct(e.price_change_pct),
            money(e.frozen_usd),
            e.liquidations.to_string(),
            e.missed_liquidations.to_string(),
        ]);
    }
    let _ = writeln!(out, "{table}");
    let _ = writeln!(out, "Contagion:");
    for path in &report.contagion {
        let _ = writeln!(out, "  {}", path.text);
    }
    out
}

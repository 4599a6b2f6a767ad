//! The report as Markdown.

use super::{money, pct};
use faultline_orchestrator::Report;
use std::fmt::Write;

/// Markdown: summary, first break, losses by entity, contagion paths, the event log.
pub(crate) fn report(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", report.scenario);
    let _ = writeln!(
        out,
        "Snapshot: {}. {} steps of {} s. {} events.\n",
        report.snapshot,
        report.steps,
        report.step_secs,
        report.events.len()
    );
    if !report.non_converged_steps.is_empty() {
        let _ = writeln!(
            out,
            "**Did not converge** within the iteration cap at steps {:?}.\n",
            report.non_converged_steps
        );
    }
    match report.first_break.and_then(|id| report.events.get(id)) {
        Some(e) => {
            let _ = writeln!(
                out,
                "**First break** (step {}, t = {} s): {}\n",
                e.step, e.at_secs, e.summary
            );
        }
        None => {
            let _ = writeln!(out, "**Nothing broke.**\n");
        }
    }
    let _ = writeln!(out, "## Losses by entity\n");
    let _ = writeln!(
        out,
        "| entity | kind | bad debt | uncovered at market | NAV lost | price | frozen | liquidations | missed |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for e in &report.entities {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            e.name,
            e.kind,
            money(e.bad_debt_usd),
            money(e.economic_bad_debt_usd),
            money(e.nav_lost_usd),
            pct(e.price_change_pct),
            money(e.frozen_usd),
            e.liquidations,
            e.missed_liquidations
        );
    }
    let _ = writeln!(out, "\n## Contagion paths\n");
    for path in &report.contagion {
        let _ = writeln!(out, "- {}", path.text);
    }
    let _ = writeln!(out, "\n## Event log\n");
    let _ = writeln!(out, "| # | step | entity | event | causes |");
    let _ = writeln!(out, "|---:|---:|---|---|---|");
    for e in &report.events {
        let causes: Vec<String> = e.causes.iter().map(|c| format!("#{c}")).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            e.id,
            e.step,
            e.entity,
            e.summary,
            causes.join(", ")
        );
    }
    out
}

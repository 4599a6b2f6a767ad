//! The report as Markdown: the headline, losses with totals, the contagion tree and a log
//! without no-change ticks, runs of like events grouped (see [`super::digest`]).

use super::{digest, money, pct};
use faultline_orchestrator::Report;
use std::fmt::Write;

/// Markdown table cells cannot hold a bare `|`.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The lines under the losses table, shared with the terminal table: how each lending market
/// accrued interest within the run, or why it did not; none when no entity is a lending market.
pub(super) fn interest(report: &Report) -> Vec<String> {
    let markets: Vec<String> = report
        .entities
        .iter()
        .filter_map(|e| e.interest.as_ref().map(|how| format!("- {}: {how}", e.name)))
        .collect();
    if markets.is_empty() {
        return markets;
    }
    let mut out = vec!["Interest accrued within the run, per lending market:".to_owned()];
    out.extend(markets);
    out
}

/// The headline lines shared with the terminal table: the first break, and the first miss
/// beside it when it came earlier.
pub(super) fn first_break(report: &Report, bold: bool) -> Vec<String> {
    let b = |s: &str| if bold { format!("**{s}**") } else { s.to_owned() };
    let mut lines = Vec::new();
    let first = report.first_loss();
    match first {
        Some(e) => lines.push(format!(
            "{} (the first loss; step {}, t = {} s, event #{}): {}",
            b("First break"),
            e.step,
            e.at_secs,
            e.id,
            e.summary
        )),
        None => lines.push(b("Nothing broke.")),
    }
    if let Some(m) = report.first_miss().filter(|m| first.is_none_or(|l| m.id < l.id)) {
        lines.push(format!(
            "Before it, the first missed liquidation (step {}, event #{}): {}",
            m.step, m.id, m.summary
        ));
    }
    lines
}

/// Markdown: summary, first break, losses by entity, the contagion tree, the event log.
pub(crate) fn report(report: &Report) -> String {
    let mut out = String::new();
    let rows = digest::rows(report);
    let ticks = report.events.iter().filter(|e| e.is_no_change()).count();
    let _ = writeln!(out, "# {}\n", report.scenario);
    let _ = writeln!(
        out,
        "Snapshot: {}. {} steps of {} s. {} events; {} no-change ticks (`+0.00%`) are left out here and kept in the JSON.\n",
        report.snapshot,
        report.steps,
        report.step_secs,
        report.events.len(),
        ticks
    );
    if !report.non_converged_steps.is_empty() {
        let _ = writeln!(
            out,
            "**Did not converge** within the iteration cap at steps {:?}.\n",
            report.non_converged_steps
        );
        for m in &report.still_moving {
            let _ = writeln!(out, "- step {}: still moving: {}", m.step, m.quantities.join(", "));
        }
        if !report.still_moving.is_empty() {
            let _ = writeln!(out);
        }
    }
    for line in first_break(report, true) {
        let _ = writeln!(out, "{line}\n");
    }
    let channel = report.channel_lines();
    if !channel.is_empty() {
        let _ = writeln!(out, "## Stablecoin supply\n");
        for line in channel {
            let _ = writeln!(out, "- {line}");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "## Losses by entity\n");
    let _ = writeln!(
        out,
        "| entity | kind | bad debt | uncovered at oracle | uncovered at market | NAV lost | price | frozen | liquidations | missed |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for e in &report.entities {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&e.name),
            e.kind,
            money(e.bad_debt_usd),
            money(e.oracle_bad_debt_usd),
            money(e.economic_bad_debt_usd),
            money(e.nav_lost_usd),
            pct(e.price_change_pct),
            money(e.frozen_usd),
            e.liquidations,
            e.missed_liquidations
        );
    }
    let t = report.totals();
    let _ = writeln!(
        out,
        "| **Total** |  | {} | {} | {} | {} |  | {} | {} | {} |",
        money(t.bad_debt_usd),
        money(t.oracle_bad_debt_usd),
        money(t.economic_bad_debt_usd),
        money(t.nav_lost_usd),
        money(t.frozen_usd),
        t.liquidations,
        t.missed_liquidations
    );
    let interest = interest(report);
    if !interest.is_empty() {
        let _ = writeln!(out);
        for line in interest {
            let _ = writeln!(out, "{line}");
        }
    }
    let _ = writeln!(out, "\n## Contagion\n");
    let _ = writeln!(
        out,
        "Each loss under the shock that started it; **loss** marks where a path ends.\n"
    );
    for (depth, e, loss) in digest::tree_lines(report, &digest::tree(report)) {
        let mark = if loss { " **loss**" } else { "" };
        let _ = writeln!(out, "{}- #{} {}{mark}", "  ".repeat(depth), e.id, e.summary);
    }
    let _ = writeln!(out, "\n## Event log\n");
    let _ = writeln!(
        out,
        "{} rows for {} events: an entity's like events in consecutive steps share a row (first → … → last).\n",
        rows.len(),
        report.events.len() - ticks
    );
    let _ = writeln!(out, "| # | step | entity | event | causes |");
    let _ = writeln!(out, "|---:|---:|---|---|---|");
    for row in &rows {
        let entity = row.events.first().map_or("", |e| e.entity.as_str());
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            row.ids(),
            row.steps(),
            cell(entity),
            cell(&row.summary()),
            row.causes()
        );
    }
    out
}

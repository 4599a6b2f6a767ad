//! A breakpoint report as a terminal table, Markdown or JSON.

use super::{Format, usd};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use faultline_orchestrator::breakpoints::{
    Breakpoint, BreakpointReport, EntityBreakpoints, EntityKind,
};
use rust_decimal::Decimal;
use std::fmt::Write;

/// The report in `format`.
pub(crate) fn breakpoints(report: &BreakpointReport, format: Format) -> eyre::Result<String> {
    Ok(match format {
        Format::Json => faultline_orchestrator::json::to_json(report)?,
        Format::Markdown => markdown(report),
        Format::Table => table(report),
        Format::Html => super::html::breakpoints(report),
    })
}

/// Decimal places that show a shock size to the tolerance (0.0001: 4).
fn places(report: &BreakpointReport) -> u32 {
    let mut places = 0;
    let mut step = Decimal::ONE;
    while step > report.tolerance && places < 12 {
        step /= Decimal::TEN;
        places += 1;
    }
    places
}

/// `s = 0.2027 (USD 34.44M written down)`, or `not reached`.
pub(super) fn cell(report: &BreakpointReport, found: Option<&Breakpoint>) -> String {
    let Some(b) = found else { return "not reached".into() };
    if b.below.is_none() {
        return "at s = 0 (no driver needed)".into();
    }
    // The upper end: the smallest size probed at which it holds.
    let s = b.shock.round_dp(places(report));
    let magnitude = if report.driver.unit.starts_with("USD") {
        usd(b.magnitude)
    } else {
        format!("{}%", b.magnitude.round_dp(places(report).saturating_sub(2)))
    };
    format!("s = {s} ({magnitude})")
}

/// What each condition means for an entity of `kind`, as the event that marks it shows it.
const fn condition(kind: EntityKind, insolvent: bool) -> &'static str {
    match (kind, insolvent) {
        (EntityKind::LendingMarket, false) => "a missed liquidation or bad debt",
        (EntityKind::LendingMarket, true) => "debt left uncovered at market",
        (EntityKind::Issuer, false) => "true NAV below its start",
        (EntityKind::Issuer, true) => "true NAV below the reported NAV",
        (EntityKind::Token, false) => "price below its start",
        (EntityKind::Token, true) => "price past the depeg threshold",
    }
}

/// What marks each breakpoint of the row: the condition that started to hold and the event of
/// the run at that shock that made it hold. At a bracketed breakpoint that event often moves a
/// figure only just past the threshold, so its own step change can read `+0.00%`; the
/// condition says what it crossed.
pub(super) fn marked_by(e: &EntityBreakpoints) -> String {
    let mut parts = Vec::new();
    for (label, b, insolvent) in
        [("loss", &e.first_loss, false), ("insolvent", &e.first_insolvent, true)]
    {
        if let Some(b) = b {
            let what = condition(e.kind, insolvent);
            match (&b.event, &b.note) {
                (Some(event), _) => {
                    let tiny = event.summary.contains("+0.00%") || event.summary.contains("-0.00%");
                    let by = if tiny { "crossed by a change below 0.01%" } else { "by" };
                    parts.push(format!(
                        "{label}: {what} from step {}, {by} #{} {}",
                        event.step, event.id, event.summary
                    ));
                }
                (None, Some(note)) => parts.push(format!("{label}: {note}")),
                (None, None) => {}
            }
        }
    }
    if !e.non_monotone.is_empty() {
        let at: Vec<String> =
            e.non_monotone.iter().map(|n| format!("{} at s = {}", n.condition, n.at)).collect();
        parts.push(format!("NOT MONOTONE: condition fails again ({})", at.join(", ")));
    }
    parts.join("; ")
}

pub(super) fn headline(report: &BreakpointReport) -> String {
    let baseline = if report.keep_shocks {
        "on top of the scenario's own shocks"
    } else {
        "alone (the scenario's own shocks dropped)"
    };
    let full = if report.driver.unit.starts_with("USD") {
        format!(", s = 1 is {} written down", usd(report.driver.full_magnitude))
    } else {
        String::new()
    };
    format!(
        "Breakpoints of {} {baseline}, over {} ({}){full}. Tolerance {}, {} runs.",
        report.driver.spec, report.snapshot, report.scenario, report.tolerance, report.runs
    )
}

fn table(report: &BreakpointReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", headline(report));
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header([
        "entity",
        "kind",
        "first loss",
        "first insolvent",
        "marked by",
    ]);
    for e in &report.entities {
        table.add_row([
            e.name.clone(),
            e.kind.name().to_owned(),
            cell(report, e.first_loss.as_ref()),
            cell(report, e.first_insolvent.as_ref()),
            marked_by(e),
        ]);
    }
    let _ = writeln!(out, "{table}");
    out
}

fn markdown(report: &BreakpointReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Breakpoints: {}\n", report.driver.spec);
    let _ = writeln!(out, "{}\n", headline(report));
    let _ = writeln!(
        out,
        "A token's \"insolvent\" column is its break: a fall of more than {}%.\n",
        report.depeg_pct
    );
    let _ = writeln!(out, "| entity | kind | first loss | first insolvent | marked by |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for e in &report.entities {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            e.name,
            e.kind.name(),
            cell(report, e.first_loss.as_ref()),
            cell(report, e.first_insolvent.as_ref()),
            marked_by(e).replace('|', "\\|")
        );
    }
    out
}

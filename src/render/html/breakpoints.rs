//! The breakpoint report page: each entity's first loss and first insolvency as a ladder on
//! the driver's axis, and the table with the events that mark them.

use super::page::page;
use super::svg::{self, Axis, Rung, f};
use crate::render::breakpoints::{cell, headline, marked_by};
use faultline_orchestrator::breakpoints::BreakpointReport;
use maud::html;

/// `name`, cut to `max` characters with an ellipsis (the table below has it whole).
fn short(name: &str, max: usize) -> String {
    if name.chars().count() > max {
        name.chars().take(max - 1).chain(['…']).collect()
    } else {
        name.to_owned()
    }
}

/// The breakpoint report as one HTML page.
pub(crate) fn breakpoints(report: &BreakpointReport) -> String {
    let rungs: Vec<Rung> = report
        .entities
        .iter()
        .map(|e| Rung {
            // Short enough for the ladder's margin; the kind tells a token from its issuer.
            label: format!("{} ({})", short(&e.name, 26), e.kind.name().replace('_', " ")),
            loss: e.first_loss.as_ref().map(|b| f(b.shock)),
            insolvent: e.first_insolvent.as_ref().map(|b| f(b.shock)),
        })
        .collect();
    let reached = rungs.iter().filter(|r| r.loss.is_some() || r.insolvent.is_some()).count();
    let axis = Axis {
        label: format!("shock size s of {} (0: none, 1: full)", report.driver.spec),
        fmt: |v| format!("{v:.2}"),
    };
    let desc = format!(
        "{} entities, {reached} of which take a loss or become insolvent for some s in [0, 1]; the table below lists each with its shock sizes.",
        rungs.len()
    );
    let body = html! {
        section #headline aria-labelledby="headline-h" {
            h2 #headline-h { "Headline" }
            p { (headline(report)) }
            p.note { "A token's \"insolvent\" is its break: a fall of more than " (report.depeg_pct) "% from its start. A lending market is insolvent when debt is left uncovered; an issuer when its true NAV falls below what it reports." }
        }
        section #ladder aria-labelledby="ladder-h" {
            h2 #ladder-h { "Ladder" }
            figure.chart {
                figcaption { "First loss and first insolvency of each entity" }
                (svg::ladder("chart-ladder", "Breakpoint ladder", &desc, &rungs, &axis))
            }
        }
        section #entities aria-labelledby="entities-h" {
            h2 #entities-h { "Entities" }
            table.sortable #breakpoints-table {
                thead { tr { th { button { "entity" } } th { button { "kind" } } th.num { button { "first loss" } } th.num { button { "first insolvent" } } th { "marked by" } } }
                tbody {
                    @for e in &report.entities {
                        tr data-entity=(e.entity) {
                            td data-v=(e.name) { (e.name) }
                            td data-v=(e.kind.name()) { (e.kind.name()) }
                            td.num data-v=(e.first_loss.as_ref().map_or(2.0, |b| f(b.shock))) { (cell(report, e.first_loss.as_ref())) }
                            td.num data-v=(e.first_insolvent.as_ref().map_or(2.0, |b| f(b.shock))) { (cell(report, e.first_insolvent.as_ref())) }
                            td { (marked_by(e)) }
                        }
                    }
                }
            }
        }
    };
    page(
        &format!("Breakpoints: {}", report.driver.spec),
        &format!(
            "Faultline breakpoint report over the snapshot {} ({})",
            report.snapshot, report.scenario
        ),
        &[("headline", "Headline"), ("ladder", "Ladder"), ("entities", "Entities")],
        body,
    )
}

//! The HTML reports: one self-contained page per report kind (`stress`, `breakpoints`,
//! `bands`, `graph`, and the table reports) that opens offline in any browser. Everything is inline (style, script,
//! charts as SVG drawn here); a Content-Security-Policy forbids every request. All text goes
//! through maud, which escapes it, so names in a snapshot cannot inject markup.

// Layout arithmetic in pixels (f64), never a reported figure: plain `a + b * c` reads as the
// layout it computes, where `mul_add` would not, and its rounding is invisible at screen scale.
#![allow(clippy::suboptimal_flops)]

mod bands;
mod breakpoints;
mod contagion;
mod graph;
mod page;
mod provenance;
mod stress;
mod svg;
mod tables;

pub(crate) use bands::bands;
pub(crate) use breakpoints::breakpoints;
pub(crate) use graph::graph;
pub(crate) use stress::{Inputs, stress};
pub(crate) use tables::{Block, tables};

use faultline_orchestrator::report::{Event, Report};
use maud::{Markup, html};

/// `5 h`, `30 min`, `12 s`, `2 d`: a duration in the largest whole unit.
pub(super) fn time(secs: u64) -> String {
    match secs {
        0 => "0 s".into(),
        s if s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s % 3_600 == 0 => format!("{} h", s / 3_600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// An entity's readable name: its name in the losses table, else its id.
pub(super) fn name_of(report: &Report, entity: &str) -> String {
    report
        .entities
        .iter()
        .find(|e| e.entity == entity)
        .map_or_else(|| entity.to_owned(), |e| e.name.clone())
}

/// `#12 step 3 (t = 3 h): summary ← #4, #7`, each number a link to the event in the log.
pub(super) fn event_line(report: &Report, e: &Event) -> Markup {
    let _ = report;
    html! {
        a href=(format!("#e{}", e.id)) { "#" (e.id) } " step " (e.step) " (t = " (time(e.at_secs)) "): "
        (e.summary)
        @if !e.causes.is_empty() {
            " ← caused by "
            @for (i, c) in e.causes.iter().enumerate() {
                @if i > 0 { ", " }
                a.cause href=(format!("#e{c}")) { "#" (c) }
            }
        }
    }
}

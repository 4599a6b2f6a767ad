//! The inverted pyramid for people: the layers with their cumulative claims, amplification and
//! breaking write-down, each layer's entities, the loops, and reported figures against them.

use super::{Format, analyses::Doc, usd};
use faultline_orchestrator::pyramid::PyramidReport;
use rust_decimal::Decimal;

/// A fraction as a percentage with two decimals.
fn pct(fraction: Decimal) -> String {
    format!("{:.2}%", (fraction * Decimal::ONE_HUNDRED).round_dp(2))
}

/// A breaking write-down: `never` when none breaks it.
fn write_down(value: Option<Decimal>) -> String {
    value.map_or_else(|| "never".into(), pct)
}

/// The pyramid report.
pub(crate) fn pyramid(report: &PyramidReport, format: Format) -> String {
    let mut doc = Doc::new(format);
    doc.title(&format!("The pyramid of {}", report.snapshot));
    doc.line(&format!(
        "{} of real assets carry {} of claims: {}x.",
        usd(report.real_usd.round_dp(0)),
        usd(report.claimed_usd.round_dp(0)),
        report.amplification.round_dp(2)
    ));
    doc.line(
        "\"Breaks at\" is the write-down of every real asset at which the layer (or entity) owes more than it holds; 0.00% means any loss breaks it (it reports a NAV equal to its backing).",
    );
    doc.heading("Layers");
    let rows: Vec<Vec<String>> = report
        .layers
        .iter()
        .map(|l| {
            let names: Vec<&str> = l.entities.iter().map(|e| e.name.as_str()).collect();
            vec![
                l.index.to_string(),
                if l.index == 0 { "real assets".into() } else { names.join(", ") },
                usd(l.owed_usd.round_dp(0)),
                usd(l.cumulative_usd.round_dp(0)),
                usd(report.real_usd.round_dp(0)),
                format!("{}x", l.amplification.round_dp(2)),
                if l.index == 0 { String::new() } else { write_down(l.insolvent_at) },
            ]
        })
        .collect();
    doc.grid(
        &[
            "layer",
            "entities",
            "owes",
            "cumulative claims",
            "real assets",
            "amplification",
            "breaks at",
        ],
        &rows,
    );
    doc.heading("Who minted what against what");
    let mut rows = Vec::new();
    for l in &report.layers {
        for e in &l.entities {
            rows.push(vec![
                l.index.to_string(),
                e.token.clone(),
                format!("{} ({})", e.minter, e.kind),
                e.against.clone(),
                e.ratio_label.clone(),
                usd(e.owed_usd.round_dp(0)),
                write_down(e.insolvent_at),
            ]);
        }
    }
    doc.grid(
        &["layer", "token", "minted by", "against", "LTV or mint ratio", "amount", "breaks at"],
        &rows,
    );
    for l in &report.loops {
        doc.heading(&format!("Loop {}", l.members.join(" -> ")));
        let rows: Vec<Vec<String>> = l
            .legs
            .iter()
            .map(|(what, ratio)| vec![what.clone(), ratio.round_dp(6).normalize().to_string()])
            .collect();
        doc.grid(&["leg", "dollars out per dollar in"], &rows);
        doc.line(&format!(
            "Each round recycles {} of what went in: at most {}x the real money minted, however many rounds.",
            pct(l.recycle),
            l.limit_amplification.round_dp(4)
        ));
    }
    if !report.reported.is_empty() {
        doc.heading("Reported figures against the loop");
        if let Some(source) = &report.reported_source {
            doc.line(&format!("Source: {source}."));
        }
        let rows: Vec<Vec<String>> = report
            .reported
            .iter()
            .map(|r| {
                vec![
                    r.what.clone(),
                    usd(r.real_usd.round_dp(0)),
                    usd(r.figure_usd.round_dp(0)),
                    usd(r.limit_usd.round_dp(0)),
                    r.verdict.clone(),
                ]
            })
            .collect();
        doc.grid(&["reported", "from", "figure", "loop's limit", "verdict"], &rows);
    }
    if !report.not_covered.is_empty() {
        doc.line(&format!("Not covered: {}.", report.not_covered.join("; ")));
    }
    doc.finish()
}

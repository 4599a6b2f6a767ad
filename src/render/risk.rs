//! Risk reports and recommendation frontiers for people: the tail table per entity, tokens,
//! first breaks, contagion chains and the loss-exceedance curve, as a terminal table, Markdown
//! or an HTML page; JSON for programs (and for `faultline risk merge`).

use super::{
    Format,
    html::{Block, tables},
};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use faultline_risk::{
    RiskReport,
    recommend::Frontier,
    stats::{Estimate, Probability, Quantile},
};
use std::fmt::Write;

/// `$1.23M` (a statistic, from f64).
fn usd(x: f64) -> String {
    let d = rust_decimal::Decimal::from_f64_retain(x).unwrap_or_default().round_dp(2);
    faultline_orchestrator::report::usd(d)
}

/// `$1.23M` (a threshold, exact).
fn usd_exact(x: i64) -> String {
    faultline_orchestrator::report::usd(rust_decimal::Decimal::from(x))
}

fn est(e: &Estimate) -> String {
    if e.value == 0.0 && e.se == 0.0 {
        "0".into()
    } else {
        format!("{} ± {}", usd(e.value), usd(e.se))
    }
}

fn quant(q: &Quantile) -> String {
    if q.high == 0.0 {
        "0".into()
    } else {
        format!("{} [{}, {}]", usd(q.value), usd(q.low), usd(q.high))
    }
}

fn prob(p: &Probability) -> String {
    format!("{:.2}% [{:.2}, {:.2}]", p.p * 100.0, p.low * 100.0, p.high * 100.0)
}

struct Section {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn sections(r: &RiskReport) -> (String, Vec<Section>) {
    let s = &r.summary;
    let mut intro = String::new();
    let _ = writeln!(
        intro,
        "{} over {}: {} of {} paths (paths {}..{}), seed {}, {} steps of {} s; model {}",
        r.scenario,
        r.snapshot,
        s.paths,
        r.paths,
        r.range[0],
        r.range[1],
        r.seed,
        r.steps,
        r.step_secs,
        r.model.name
    );
    let _ = writeln!(
        intro,
        "Estimates ± Monte Carlo standard error; [95% interval] (Wilson for probabilities, order \
         statistics for quantiles); quantiles within {}% (DDSketch).",
        r.quantile_accuracy * 100.0
    );
    if s.non_converged_paths > 0 {
        let _ =
            writeln!(intro, "{} paths had a step that did not converge.", s.non_converged_paths);
    }
    let _ = writeln!(
        intro,
        "Total loss (sum over entities): mean {}, VaR95 {}, VaR99 {}, ES99 {}",
        est(&s.total.mean_usd),
        quant(&s.total.var95_usd),
        quant(&s.total.var99_usd),
        est(&s.total.es99_usd)
    );
    let strs = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let tail = Section {
        title: "Tail per entity".into(),
        header: strs(&[
            "entity",
            "kind",
            "mean loss",
            "VaR95",
            "VaR99",
            "ES99",
            "P(insolvent)",
            "P(frozen)",
            "mean bad debt (market / oracle)",
        ]),
        rows: s
            .entities
            .iter()
            .map(|e| {
                vec![
                    e.name.clone(),
                    e.kind.clone(),
                    est(&e.mean_loss_usd),
                    quant(&e.var95_usd),
                    quant(&e.var99_usd),
                    est(&e.es99_usd),
                    prob(&e.p_insolvent),
                    prob(&e.p_frozen),
                    format!(
                        "{} / {}",
                        est(&e.mean_bad_debt_market_usd),
                        est(&e.mean_bad_debt_oracle_usd)
                    ),
                ]
            })
            .collect(),
    };
    let tokens = Section {
        title: format!("Tokens (depeg: a fall of more than {}%)", r.model.depeg_pct),
        header: strs(&["token", "P(depeg)", "median worst fall", "99% worst fall"]),
        rows: s
            .tokens
            .iter()
            .map(|t| {
                vec![
                    t.token.clone(),
                    prob(&t.p_depeg),
                    format!("{:.2}%", t.fall_median_pct.value),
                    format!(
                        "{:.2}% [{:.2}, {:.2}]",
                        t.fall_q99_pct.value, t.fall_q99_pct.low, t.fall_q99_pct.high
                    ),
                ]
            })
            .collect(),
    };
    let breaks = Section {
        title: "First break".into(),
        header: strs(&["first break", "probability"]),
        rows: s
            .first_breaks
            .iter()
            .take(8)
            .map(|b| vec![b.first_break.clone(), prob(&b.p)])
            .collect(),
    };
    let contagion = Section {
        title: "Contagion chains carrying the most expected loss".into(),
        header: strs(&["chain", "P(carries a loss)", "expected loss", "share"]),
        rows: s
            .contagion
            .iter()
            .map(|c| {
                vec![
                    c.path.clone(),
                    prob(&c.p),
                    usd(c.expected_loss_usd),
                    format!("{:.1}%", c.share_of_expected_loss * 100.0),
                ]
            })
            .collect(),
    };
    let lec = Section {
        title: "Loss-exceedance curve (total loss)".into(),
        header: strs(&["loss above", "probability"]),
        rows: s
            .exceedance
            .iter()
            .filter(|p| p.p.count > 0 || p.loss_above_usd <= 1_000_000)
            .map(|p| vec![usd_exact(p.loss_above_usd), prob(&p.p)])
            .collect(),
    };
    (intro, vec![tail, tokens, breaks, contagion, lec])
}

fn markdown(intro: &str, sections: &[Section]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{intro}");
    for s in sections {
        let _ = writeln!(out, "### {}\n", s.title);
        let _ = writeln!(out, "| {} |", s.header.join(" | "));
        let _ = writeln!(out, "|{}|", vec!["---"; s.header.len()].join("|"));
        for row in &s.rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        let _ = writeln!(out);
    }
    out
}

fn table(intro: &str, sections: &[Section]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{intro}");
    for s in sections {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED).set_header(s.header.clone());
        for row in &s.rows {
            t.add_row(row.clone());
        }
        let _ = writeln!(out, "{}:\n{t}\n", s.title);
    }
    out
}

/// The page: the intro's first line as its title, its other lines as paragraphs, then each
/// section's heading and table.
fn page(intro: &str, sections: &[Section]) -> String {
    let mut lines = intro.lines().filter(|l| !l.trim().is_empty());
    let title = lines.next().unwrap_or_default();
    let mut blocks: Vec<Block> = lines.map(|l| Block::Text(l.to_owned())).collect();
    for s in sections {
        blocks.push(Block::Heading(s.title.clone()));
        blocks.push(Block::Grid { header: s.header.clone(), rows: s.rows.clone() });
    }
    tables(title, &blocks)
}

/// The report for people in `format` (JSON is the caller's).
fn lay_out(intro: &str, sections: &[Section], format: Format) -> String {
    match format {
        Format::Markdown => markdown(intro, sections),
        Format::Html => page(intro, sections),
        Format::Table | Format::Json => table(intro, sections),
    }
}

/// A risk report in `format`.
pub(crate) fn risk(report: &RiskReport, format: Format) -> eyre::Result<String> {
    if format == Format::Json {
        // The one JSON writer the Python bindings' `RiskReport.to_json()` also uses.
        return Ok(faultline_orchestrator::json::to_json(report)?);
    }
    let (intro, sections) = sections(report);
    Ok(lay_out(&intro, &sections, format))
}

/// A recommendation frontier in `format`.
pub(crate) fn frontier(f: &Frontier, format: Format) -> eyre::Result<String> {
    if format == Format::Json {
        return Ok(faultline_orchestrator::json::to_json(f)?);
    }
    let mut intro = String::new();
    let _ = writeln!(
        intro,
        "{}: {} against {} of {} <= {} ({} paths, seed {}, common random numbers across values)",
        f.title, f.parameter, f.measure, f.entity, f.limit, f.paths, f.seed
    );
    let _ = writeln!(intro, "{}", f.recommendation);
    let section = Section {
        title: "Frontier".into(),
        header: vec![
            f.parameter.clone(),
            f.measure.clone(),
            "standard error".into(),
            "within limit".into(),
        ],
        rows: f
            .points
            .iter()
            .map(|p| {
                vec![
                    p.value.to_string(),
                    format!("{:.6}", p.measure),
                    format!("{:.6}", p.se),
                    if p.within { "yes".into() } else { "no".into() },
                ]
            })
            .collect(),
    };
    Ok(lay_out(&intro, &[section], format))
}

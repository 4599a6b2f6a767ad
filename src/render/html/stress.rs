//! The stress report page: headline, losses by entity, per-step series, the contagion graph,
//! the inputs with their sources, and the filterable event log.

use super::svg::{self, Axis, Line, f, fu};
use super::{contagion, event_line, name_of, page::page, provenance, time};
use faultline_orchestrator::{
    Report, Scenario, Snapshot, graph,
    report::{Quantity, Series, usd},
};
use maud::{Markup, html};
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// What the page tells beside the report: the inputs and the files they came from.
pub(crate) struct Inputs<'a> {
    /// The scenario run.
    pub(crate) scenario: &'a Scenario,
    /// Its snapshot.
    pub(crate) snapshot: &'a Snapshot,
    /// The scenario's file (or the bundled one's path).
    pub(crate) scenario_file: &'a str,
    /// The snapshot's file.
    pub(crate) snapshot_file: &'a str,
}

/// A headline figure: label, machine-readable value for tests and scripts, text.
fn figure(key: &str, label: &str, value: Decimal) -> Markup {
    html! {
        div.figure data-figure=(key) data-value=(value.normalize()) {
            span.label { (label) }
            span.value { (usd(value)) }
        }
    }
}

fn count(key: &str, label: &str, value: u64) -> Markup {
    html! {
        div.figure data-figure=(key) data-value=(value) {
            span.label { (label) }
            span.value { (value) }
        }
    }
}

fn headline(report: &Report) -> Markup {
    let t = report.totals();
    let first = report.first_loss();
    let miss = report.first_miss().filter(|m| first.is_none_or(|l| m.id < l.id));
    html! {
        section #headline aria-labelledby="headline-h" {
            h2 #headline-h { "Headline" }
            @match first {
                Some(e) => {
                    p.break #first-break data-event=(e.id) {
                        strong { "First break" } " (step " (e.step) ", t = " (time(e.at_secs)) ", "
                        (name_of(report, &e.entity)) "): " (e.summary) " "
                        a href=(format!("#e{}", e.id)) { "event #" (e.id) }
                    }
                }
                None => { p.break #first-break { strong { "Nothing broke." } } }
            }
            @if let Some(m) = miss {
                p #first-miss { "Earlier, a missed liquidation (a failure, not yet a loss): step " (m.step) ": " (m.summary) " "
                    a href=(format!("#e{}", m.id)) { "event #" (m.id) } }
            }
            @for line in report.channel_lines() {
                p.channel { (line) }
            }
            p.note { "The first break is the first loss of value: bad debt (realised or uncovered at market), frozen funds, a fall in an issuer's true NAV or a vault's value. A missed liquidation is a failure that leads to one, so it is shown beside it, not as the break." }
            div.figures {
                (figure("bad_debt_usd", "Bad debt realised (protocols' own rule)", t.bad_debt_usd))
                (figure("oracle_bad_debt_usd", "Debt uncovered at oracle prices", t.oracle_bad_debt_usd))
                (figure("economic_bad_debt_usd", "Debt uncovered at market prices", t.economic_bad_debt_usd))
                (figure("nav_lost_usd", "NAV lost by holders", t.nav_lost_usd))
                (figure("frozen_usd", "Funds frozen at the end", t.frozen_usd))
                (count("liquidations", "Liquidations executed", t.liquidations))
                (count("missed_liquidations", "Liquidations missed", t.missed_liquidations))
            }
            p.note { (report.steps) " steps of " (time(report.step_secs)) ", " (report.events.len()) " events ("
                (report.events.iter().filter(|e| e.is_no_change()).count()) " of them no-change ticks)."
                @if !report.non_converged_steps.is_empty() {
                    strong { " Did not converge at steps " (format!("{:?}", report.non_converged_steps)) "." }
                }
            }
            @for m in &report.still_moving {
                p.note { "Step " (m.step) ", still moving: " (m.quantities.join(", ")) }
            }
        }
    }
}

/// A money cell: the figure, or empty for zero; `data-v` holds the exact value for sorting.
fn money(value: Decimal) -> Markup {
    html! { td.num data-v=(value.normalize()) { @if !value.is_zero() { (usd(value)) } } }
}

fn losses(report: &Report) -> Markup {
    let t = report.totals();
    html! {
        section #losses aria-labelledby="losses-h" {
            h2 #losses-h { "Losses by entity" }
            p.note { "Select a column heading to sort." }
            table.sortable #losses-table {
                thead { tr {
                    th { button { "entity" } } th { button { "kind" } }
                    th.num { button { "bad debt" } } th.num { button { "uncovered at oracle" } }
                    th.num { button { "uncovered at market" } }
                    th.num { button { "NAV lost" } } th.num { button { "price change" } }
                    th.num { button { "frozen" } } th.num { button { "liquidations" } } th.num { button { "missed" } }
                } }
                tbody {
                    @for e in &report.entities {
                        tr data-entity=(e.entity) {
                            td data-v=(e.name) { (e.name) } td data-v=(e.kind) { (e.kind) }
                            (money(e.bad_debt_usd)) (money(e.oracle_bad_debt_usd))
                            (money(e.economic_bad_debt_usd)) (money(e.nav_lost_usd))
                            td.num data-v=(e.price_change_pct.normalize()) { @if !e.price_change_pct.is_zero() { (format!("{:.2}%", e.price_change_pct)) } }
                            (money(e.frozen_usd))
                            td.num data-v=(e.liquidations) { (e.liquidations) }
                            td.num data-v=(e.missed_liquidations) { (e.missed_liquidations) }
                        }
                    }
                }
                tfoot { tr #losses-total {
                    td { "Total" } td {}
                    (money(t.bad_debt_usd)) (money(t.oracle_bad_debt_usd))
                    (money(t.economic_bad_debt_usd)) (money(t.nav_lost_usd)) td {}
                    (money(t.frozen_usd))
                    td.num { (t.liquidations) } td.num { (t.missed_liquidations) }
                } }
            }
            @let interest: Vec<_> = report.entities.iter().filter_map(|e| e.interest.as_ref().map(|i| (e, i))).collect();
            @if !interest.is_empty() {
                p.note { "Interest accrued within the run, per lending market:" }
                ul #interest {
                    @for (e, how) in interest {
                        li data-entity=(e.entity) { (e.name) ": " (how) }
                    }
                }
            }
        }
    }
}

/// Up to `n` series of `q`, those that moved most first.
fn pick(all: &[Series], q: Quantity, n: usize) -> Vec<&Series> {
    let mut chosen: Vec<&Series> = all.iter().filter(|s| s.quantity == q).collect();
    let moved = |s: &Series| {
        let lo = s.points.iter().map(|p| p.1).min().unwrap_or_default();
        let hi = s.points.iter().map(|p| p.1).max().unwrap_or_default();
        if q == Quantity::MarketPrice && !hi.is_zero() { (hi - lo) / hi } else { hi - lo }
    };
    chosen.sort_by(|a, b| moved(b).cmp(&moved(a)).then(a.entity.cmp(&b.entity)));
    chosen.truncate(n);
    chosen
}

fn hours(v: f64) -> String {
    format!("{v:.0} h")
}

fn chart_block(
    id: &str,
    title: &str,
    note: &str,
    series: &[&Series],
    lines: Vec<Line>,
    y: Axis,
    report: &Report,
) -> Markup {
    let x = Axis { label: "hours from the start".into(), fmt: hours };
    let desc = format!(
        "{title}: {} series over {} steps; the table below gives each series' start, end, low and high.",
        lines.len(),
        report.steps
    );
    html! {
        figure.chart {
            figcaption { (title) }
            (svg::line_chart(id, title, &desc, &lines, &x, &y))
            p.note { (note) }
            details.data {
                summary { "Data: " (title) }
                table {
                    thead { tr { th { "series" } th.num { "start" } th.num { "end" } th.num { "low" } th.num { "high" } th.num { "changes" } } }
                    tbody {
                        @for s in series {
                            @let values: Vec<Decimal> = s.points.iter().map(|p| p.1).collect();
                            tr {
                                td { (name_of(report, &s.entity)) " " (s.quantity.label()) }
                                td.num { (num(values.first().copied())) } td.num { (num(values.last().copied())) }
                                td.num { (num(values.iter().copied().min())) } td.num { (num(values.iter().copied().max())) }
                                td.num { (s.points.len().saturating_sub(2)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn num(v: Option<Decimal>) -> String {
    v.map_or_else(String::new, |v| {
        if v.abs() >= Decimal::ONE_THOUSAND {
            usd(v)
        } else {
            format!("{}", v.round_dp(4).normalize())
        }
    })
}

fn series(report: &Report) -> Markup {
    let all = report.series();
    let line = |s: &Series, label: String, scale: Decimal| Line {
        label,
        points: s.points.iter().map(|(t, v)| (fu(*t) / 3600.0, f(*v * scale))).collect(),
    };
    let prices = pick(&all, Quantity::MarketPrice, 8);
    let price_lines = prices
        .iter()
        .map(|s| {
            let start =
                s.points.first().map(|p| p.1).filter(|v| !v.is_zero()).unwrap_or(Decimal::ONE);
            Line {
                label: name_of(report, &s.entity),
                points: s
                    .points
                    .iter()
                    .map(|(t, v)| (fu(*t) / 3600.0, f(*v / start * Decimal::ONE_HUNDRED)))
                    .collect(),
            }
        })
        .collect();
    let mut navs = Vec::new();
    for s in pick(&all, Quantity::TrueNav, 4) {
        navs.push(s);
        navs.extend(
            all.iter().find(|r| r.quantity == Quantity::ReportedNav && r.entity == s.entity),
        );
    }
    let nav_lines = navs
        .iter()
        .map(|s| {
            line(s, format!("{} {}", name_of(report, &s.entity), s.quantity.label()), Decimal::ONE)
        })
        .collect();
    let debts = pick(&all, Quantity::UncoveredDebt, 8);
    let debt_lines =
        debts.iter().map(|s| line(s, name_of(report, &s.entity), Decimal::ONE)).collect();
    let frozen = pick(&all, Quantity::Frozen, 8);
    let frozen_lines =
        frozen.iter().map(|s| line(s, name_of(report, &s.entity), Decimal::ONE)).collect();
    let dollars = |v: f64| usd(Decimal::try_from(v).unwrap_or_default().round_dp(2));
    html! {
        section #series aria-labelledby="series-h" {
            h2 #series-h { "Over time" }
            p.note { "Each line holds its value until the step that changes it. Oracle prices and utilisation are not recorded per step by the engine's event log, so they are not drawn; missed liquidations in the log say which oracle still reported a position healthy." }
            div.charts {
                @if !prices.is_empty() {
                    (chart_block("chart-prices", "Market prices, % of the starting price", "Tokens whose price moved most (up to eight).", &prices, price_lines,
                        Axis { label: "% of start".into(), fmt: |v| format!("{v:.0}%") }, report))
                }
                @if !navs.is_empty() {
                    (chart_block("chart-nav", "Issuers' true vs reported NAV per token", "True NAV is what the backing is worth; reported NAV is what the issuer (and oracles that read it) still say.", &navs, nav_lines,
                        Axis { label: "USD per token".into(), fmt: |v| format!("${v:.2}") }, report))
                }
                @if !debts.is_empty() {
                    (chart_block("chart-bad-debt", "Debt uncovered at market prices", "Per market, up to eight.", &debts, debt_lines,
                        Axis { label: "USD".into(), fmt: dollars }, report))
                }
                @if !frozen.is_empty() {
                    (chart_block("chart-frozen", "Funds lenders cannot withdraw", "Per market or vault, up to eight.", &frozen, frozen_lines,
                        Axis { label: "USD".into(), fmt: dollars }, report))
                }
            }
        }
    }
}

fn log(report: &Report) -> Markup {
    let entities: BTreeSet<&str> = report.events.iter().map(|e| e.entity.as_str()).collect();
    let kinds: BTreeSet<&str> = report.events.iter().map(|e| e.kind.name()).collect();
    html! {
        section #event-log aria-labelledby="log-h" {
            h2 #log-h { "Event log" }
            div.filters role="group" aria-label="Filter the event log" {
                label { "Entity " select #f-entity { option value="" { "all" } @for e in &entities { option value=(e) { (name_of(report, e)) } } } }
                label { "Kind " select #f-kind { option value="" { "all" } @for k in &kinds { option value=(k) { (k) } } } }
                label { input #f-ticks type="checkbox"; " show no-change ticks (+0.00%)" }
                span #f-count aria-live="polite" {}
            }
            table #log {
                thead { tr { th.num { "#" } th.num { "step" } th { "entity" } th { "kind" } th { "event and its causes" } } }
                tbody {
                    @for e in &report.events {
                        tr.log-row id=(format!("e{}", e.id)) data-entity=(e.entity) data-kind=(e.kind.name())
                            data-tick=(if e.is_no_change() { "1" } else { "0" }) {
                            td.num { (e.id) } td.num { (e.step) } td { (name_of(report, &e.entity)) } td { (e.kind.name()) }
                            td { (event_line(report, e)) }
                        }
                    }
                }
            }
        }
    }
}

/// The stress report as one HTML page.
pub(crate) fn stress(report: &Report, inputs: &Inputs<'_>) -> String {
    let dependency = graph::build(inputs.snapshot);
    let cycles: Vec<String> = dependency.cycles.iter().map(|c| c.join(" → ")).collect();
    let body = html! {
        (headline(report))
        (losses(report))
        (series(report))
        (contagion::section(report, &cycles))
        (provenance::section(inputs.scenario, inputs.snapshot, (inputs.scenario_file, inputs.snapshot_file)))
        (log(report))
    };
    page(
        &report.scenario,
        &format!("Faultline stress report over the snapshot {}", report.snapshot),
        &[
            ("headline", "Headline"),
            ("losses", "Losses"),
            ("series", "Over time"),
            ("contagion", "Contagion"),
            ("inputs", "Inputs"),
            ("event-log", "Event log"),
        ],
        body,
    )
}

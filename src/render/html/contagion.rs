//! The contagion graph: the entities a loss travelled through as nodes, an edge wherever an
//! event of one entity caused an event of another on a contagion path, weighted by the USD of
//! the losses whose paths cross it; edges on a cycle dashed and labelled. Each node lists its
//! entity's events with their causes (the panel, filled by the script, or the lists below it).

use super::svg::{WIDTH, f};
use super::{event_line, name_of};
use faultline_orchestrator::{
    Report,
    report::{EventKind, usd},
};
use maud::{Markup, html};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// An entity-level edge.
struct Edge {
    from: usize,
    to: usize,
    /// USD of the losses whose contagion paths cross it.
    carried: Decimal,
    /// Losses whose paths cross it.
    paths: usize,
    in_cycle: bool,
}

/// The entities on contagion paths (in order of first appearance) and the edges between them.
fn build(report: &Report) -> (Vec<&str>, Vec<Edge>) {
    fn index<'r>(entity: &'r str, nodes: &mut Vec<&'r str>) -> usize {
        nodes.iter().position(|n| *n == entity).unwrap_or_else(|| {
            nodes.push(entity);
            nodes.len() - 1
        })
    }
    let mut nodes: Vec<&str> = Vec::new();
    let mut edges: BTreeMap<(usize, usize), (Decimal, usize)> = BTreeMap::new();
    for path in &report.contagion {
        let loss = report.events.get(path.loss).and_then(|e| e.loss_usd()).unwrap_or_default();
        let entities: Vec<&str> = path
            .path
            .iter()
            .filter_map(|id| report.events.get(*id))
            .map(|e| e.entity.as_str())
            .collect();
        for e in &entities {
            index(e, &mut nodes);
        }
        for pair in entities.windows(2) {
            if pair[0] != pair[1] {
                let key = (index(pair[0], &mut nodes), index(pair[1], &mut nodes));
                let edge = edges.entry(key).or_default();
                edge.0 += loss;
                edge.1 += 1;
            }
        }
    }
    // An edge is on a cycle when its head reaches its tail.
    let n = nodes.len();
    let mut reach = vec![vec![false; n]; n];
    for &(a, b) in edges.keys() {
        reach[a][b] = true;
    }
    for k in 0..n {
        let through = reach[k].clone();
        for row in &mut reach {
            if row[k] {
                for (j, reached) in through.iter().enumerate() {
                    row[j] |= *reached;
                }
            }
        }
    }
    let edges = edges
        .into_iter()
        .map(|((from, to), (carried, paths))| Edge {
            from,
            to,
            carried,
            paths,
            in_cycle: reach[to][from],
        })
        .collect();
    (nodes, edges)
}

/// Columns: each node one right of the furthest node that points to it, back edges ignored.
fn ranks(n: usize, edges: &[Edge]) -> Vec<usize> {
    let mut rank = vec![0; n];
    // Nodes are in order of first appearance, so a forward edge goes to a later index.
    for to in 0..n {
        for e in edges.iter().filter(|e| e.to == to && e.from < to) {
            rank[to] = rank[to].max(rank[e.from] + 1);
        }
    }
    rank
}

/// What an entity is: its kind in the losses table, else what its events say.
fn kind_of(report: &Report, entity: &str) -> &'static str {
    if let Some(e) = report.entities.iter().find(|e| e.entity == entity) {
        return match e.kind.as_str() {
            "lending_market" => "market",
            "issuer" => "issuer",
            "vault" => "vault",
            "perp_venue" => "perp venue",
            "delta_neutral_book" => "book",
            _ => "entity",
        };
    }
    let own = || report.events.iter().filter(|e| e.entity == entity);
    if own().any(|e| matches!(e.kind, EventKind::PriceMove { .. })) {
        "token"
    } else if own().any(|e| matches!(e.kind, EventKind::Shock { .. })) {
        "shocked"
    } else {
        "entity"
    }
}

/// The section: the drawing, its panel, its edge table (the text alternative), and each
/// entity's events.
pub(super) fn section(report: &Report, cycles_text: &[String]) -> Markup {
    let (nodes, edges) = build(report);
    let rank = ranks(nodes.len(), &edges);
    let columns = rank.iter().copied().max().map_or(1, |m| m + 1);
    let mut row_of = vec![0usize; nodes.len()];
    let mut per_column = vec![0usize; columns];
    for (i, &c) in rank.iter().enumerate() {
        row_of[i] = per_column[c];
        per_column[c] += 1;
    }
    let rows = per_column.iter().copied().max().unwrap_or(1).max(1);
    let (node_w, node_h, gap_y) = (150.0, 34.0, 22.0);
    let col_w = ((WIDTH - 20.0 - node_w) / f(Decimal::from(columns.saturating_sub(1).max(1))))
        .max(node_w + 36.0);
    let width = 20.0 + col_w * f(Decimal::from(columns.saturating_sub(1))) + node_w + 20.0;
    let height = 30.0 + (node_h + gap_y) * f(Decimal::from(rows)) + 20.0;
    let pos = |i: usize| {
        (
            20.0 + col_w * f(Decimal::from(rank[i])),
            30.0 + (node_h + gap_y) * f(Decimal::from(row_of[i])),
        )
    };
    let max_carried = edges.iter().map(|e| e.carried).max().unwrap_or_default();
    let loss_entities: Vec<&str> = report
        .events
        .iter()
        .filter(|e| e.kind.is_value_loss())
        .map(|e| e.entity.as_str())
        .collect();
    let width_of = |carried: Decimal| {
        if max_carried.is_zero() { 1.5 } else { 1.5 + 7.0 * (f(carried) / f(max_carried)).sqrt() }
    };
    html! {
        section #contagion aria-labelledby="contagion-h" {
            h2 #contagion-h { "Contagion graph" }
            p.note { "Entities a loss travelled through. An arrow is drawn where an event of one entity caused an event of the next on a contagion path; its width is the USD of the losses (uncovered debt, realised bad debt, frozen funds, a missed liquidation's shortfall) whose paths cross it. Dashed arrows lie on a cycle. Outlined boxes took a loss. Select a box to list its events and their causes." }
            div.graph-wrap {
                svg.chart.wide #contagion-graph role="img" viewBox=(format!("0 0 {width:.0} {height:.0}"))
                    aria-labelledby="contagion-graph-t" xmlns="http://www.w3.org/2000/svg" {
                    title #contagion-graph-t { "Contagion graph: " (nodes.len()) " entities, " (edges.len()) " edges" }
                    defs {
                        marker #arrow viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse" {
                            path d="M0 0 L10 5 L0 10 z" fill="#6e7781" {}
                        }
                    }
                    @for e in &edges {
                        @let ((x1, y1), (x2, y2)) = (pos(e.from), pos(e.to));
                        @let d = if x2 > x1 {
                            let (sx, sy, tx, ty) = (x1 + node_w, y1 + node_h / 2.0, x2, y2 + node_h / 2.0);
                            format!("M{sx:.1} {sy:.1} C{:.1} {sy:.1} {:.1} {ty:.1} {tx:.1} {ty:.1}", (sx + tx) / 2.0, (sx + tx) / 2.0)
                        } else {
                            // A back or same-column edge: loop below the boxes.
                            let (sx, sy, tx, ty) = (x1 + node_w / 2.0, y1 + node_h, x2 + node_w / 2.0, y2 + node_h);
                            format!("M{sx:.1} {sy:.1} C{sx:.1} {:.1} {tx:.1} {:.1} {tx:.1} {ty:.1}", sy.max(ty) + 40.0, sy.max(ty) + 40.0)
                        };
                        path.mark.edge.(if e.in_cycle { "cycle" } else { "plain" }) d=(d)
                            stroke-width=(format!("{:.1}", width_of(e.carried))) marker-end="url(#arrow)"
                            data-from=(nodes[e.from]) data-to=(nodes[e.to]) {
                            title { (name_of(report, nodes[e.from])) " → " (name_of(report, nodes[e.to])) ": "
                                (usd(e.carried)) " of losses on " (e.paths) " paths" @if e.in_cycle { " (on a cycle)" } }
                        }
                    }
                    @for (i, entity) in nodes.iter().enumerate() {
                        @let (x, y) = pos(i);
                        @let name = name_of(report, entity);
                        @let short: String = if name.chars().count() > 22 { name.chars().take(21).chain(['…']).collect() } else { name.clone() };
                        @let loss = loss_entities.contains(entity);
                        @let cyclic = edges.iter().any(|e| e.in_cycle && (e.from == i || e.to == i));
                        g.mark.node.(if loss { "loss" } else { "quiet" }).(if cyclic { "cycle" } else { "acyclic" })
                            data-entity=(entity) data-events=(format!("ent-{i}")) tabindex="0" role="button"
                            aria-label=(format!("{name}: show its events")) {
                            title { (name) @if loss { " (took a loss)" } @if cyclic { " (on a cycle)" } }
                            rect x=(format!("{x:.1}")) y=(format!("{y:.1}")) width=(node_w) height=(node_h) rx="5" {}
                            text x=(format!("{:.1}", x + 6.0)) y=(format!("{:.1}", y + 14.0)) { (short) }
                            text.kind-tag x=(format!("{:.1}", x + 6.0)) y=(format!("{:.1}", y + 28.0)) {
                                (kind_of(report, entity)) @if loss { " · loss" } @if cyclic { " · ↻ cycle" }
                            }
                        }
                    }
                }
            }
            h3 { "Selected entity" }
            div #node-panel aria-live="polite" { p.note { "Select a box in the graph." } }
            @if !cycles_text.is_empty() {
                h3 { "Dependency cycles in the snapshot" }
                ul { @for c in cycles_text { li { (c) } } }
            }
            details.data {
                summary { "The graph's edges as a table" }
                table.sortable {
                    thead { tr { th { button { "from" } } th { button { "to" } } th.num { button { "losses carried" } } th.num { button { "paths" } } th { button { "cycle" } } } }
                    tbody {
                        @for e in &edges {
                            tr {
                                td data-v=(name_of(report, nodes[e.from])) { (name_of(report, nodes[e.from])) }
                                td data-v=(name_of(report, nodes[e.to])) { (name_of(report, nodes[e.to])) }
                                td.num data-v=(e.carried) { (usd(e.carried)) }
                                td.num data-v=(e.paths) { (e.paths) }
                                td data-v=(e.in_cycle) { @if e.in_cycle { "yes" } @else { "no" } }
                            }
                        }
                    }
                }
            }
            h3 { "Events by entity" }
            @for (i, entity) in nodes.iter().enumerate() {
                @let own: Vec<_> = report.events.iter().filter(|e| e.entity == *entity && !e.is_no_change()).collect();
                @let ticks = report.events.iter().filter(|e| e.entity == *entity && e.is_no_change()).count();
                details.entity id=(format!("ent-{i}")) data-title=(format!("{}: {} events", name_of(report, entity), own.len())) {
                    summary { (name_of(report, entity)) " (" (own.len()) " events" @if ticks > 0 { ", " (ticks) " no-change ticks left out" } ")" }
                    ol.events { @for e in own { li { (event_line(report, e)) } } }
                }
            }
        }
    }
}

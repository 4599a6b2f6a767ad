//! The dependency-graph page: tokens, issuers, markets, venues and books as boxes in columns by
//! kind, dependencies as arrows, cycles dashed; selecting a box lists its dependencies.

use super::page::page;
use super::svg::{WIDTH, fu};
use faultline_orchestrator::graph::{Graph, NodeKind};
use maud::html;

const fn column(kind: NodeKind) -> usize {
    match kind {
        NodeKind::Issuer => 0,
        NodeKind::Token => 1,
        NodeKind::LendingMarket => 2,
        NodeKind::PerpVenue => 3,
        NodeKind::Book => 4,
    }
}

const fn kind_name(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Token => "token",
        NodeKind::LendingMarket => "lending market",
        NodeKind::Issuer => "issuer",
        NodeKind::PerpVenue => "perp venue",
        NodeKind::Book => "delta-neutral book",
    }
}

/// The dependency graph of `snapshot_name` as one HTML page.
pub(crate) fn graph(graph: &Graph, snapshot_name: &str) -> String {
    let used: Vec<usize> = {
        let mut cols: Vec<usize> = graph.nodes.iter().map(|n| column(n.kind)).collect();
        cols.sort_unstable();
        cols.dedup();
        cols
    };
    let col_of = |kind| used.iter().position(|c| *c == column(kind)).unwrap_or(0);
    let mut row_of = Vec::new();
    let mut per = vec![0usize; used.len().max(1)];
    for n in &graph.nodes {
        let c = col_of(n.kind);
        row_of.push(per[c]);
        per[c] += 1;
    }
    let (node_w, node_h, gap) = (160.0, 30.0, 16.0);
    let cols = used.len().max(1);
    let col_w = if cols > 1 {
        (WIDTH.max(fu(cols as u64) * 200.0) - 40.0 - node_w) / fu((cols - 1) as u64)
    } else {
        0.0
    };
    let width = 40.0 + col_w * fu((cols - 1) as u64) + node_w;
    let height = 40.0 + (node_h + gap) * fu(per.iter().copied().max().unwrap_or(1) as u64);
    let pos = |i: usize| {
        (
            20.0 + col_w * fu(col_of(graph.nodes[i].kind) as u64),
            20.0 + (node_h + gap) * fu(row_of[i] as u64),
        )
    };
    let index = |id: &str| graph.nodes.iter().position(|n| n.id == id);
    let label =
        |id: &str| index(id).map_or_else(|| id.to_owned(), |i| graph.nodes[i].label.clone());
    let body = html! {
        section #graph aria-labelledby="graph-h" {
            h2 #graph-h { "Dependency graph" }
            p.note { (graph.nodes.len()) " entities, " (graph.edges.len()) " dependencies, " (graph.cycles.len()) " cycles. Dashed arrows lie on a cycle. Select a box to list what it depends on and what depends on it." }
            svg.chart.wide #dependency-graph role="img" viewBox=(format!("0 0 {width:.0} {height:.0}")) aria-labelledby="dependency-graph-t" xmlns="http://www.w3.org/2000/svg" {
                title #dependency-graph-t { "Dependency graph of " (snapshot_name) }
                defs { marker #arrow viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse" { path d="M0 0 L10 5 L0 10 z" fill="#6e7781" {} } }
                @for e in &graph.edges {
                    @if let (Some(a), Some(b)) = (index(&e.from), index(&e.to)) {
                        @let ((x1, y1), (x2, y2)) = (pos(a), pos(b));
                        @let (sx, tx) = if x2 >= x1 { (x1 + node_w, x2) } else { (x1, x2 + node_w) };
                        @let (sy, ty) = (y1 + node_h / 2.0, y2 + node_h / 2.0);
                        @let mid = (sx + tx) / 2.0 + if (x2 - x1).abs() < 1.0 { node_w / 2.0 + 30.0 } else { 0.0 };
                        path.mark.edge.(if e.in_cycle { "cycle" } else { "plain" }) stroke-width="1.5" marker-end="url(#arrow)"
                            d=(format!("M{sx:.1} {sy:.1} C{mid:.1} {sy:.1} {mid:.1} {ty:.1} {tx:.1} {ty:.1}")) {
                            title { (label(&e.from)) " " (e.relation) " " (label(&e.to)) @if e.in_cycle { " (on a cycle)" } }
                        }
                    }
                }
                @for (i, n) in graph.nodes.iter().enumerate() {
                    @let (x, y) = pos(i);
                    @let cyclic = graph.cycles.iter().any(|c| c.contains(&n.id));
                    g.mark.node.(if cyclic { "cycle" } else { "acyclic" }) data-entity=(n.id) data-events=(format!("node-{i}")) tabindex="0" role="button"
                        aria-label=(format!("{} ({}): show its dependencies", n.label, kind_name(n.kind))) {
                        title { (n.label) " (" (kind_name(n.kind)) ")" @if cyclic { ", on a cycle" } }
                        rect x=(format!("{x:.1}")) y=(format!("{y:.1}")) width=(node_w) height=(node_h) rx="5" {}
                        text x=(format!("{:.1}", x + 6.0)) y=(format!("{:.1}", y + 19.0)) {
                            (if n.label.chars().count() > 23 { n.label.chars().take(22).chain(['…']).collect::<String>() } else { n.label.clone() })
                            @if cyclic { " ↻" }
                        }
                    }
                }
            }
            h3 { "Selected entity" }
            div #node-panel aria-live="polite" { p.note { "Select a box in the graph." } }
            @if !graph.cycles.is_empty() {
                h3 { "Cycles" }
                ul #cycles { @for c in &graph.cycles { li { (c.iter().map(|id| label(id)).collect::<Vec<_>>().join(" → ")) } } }
            }
            h3 { "Dependencies by entity" }
            @for (i, n) in graph.nodes.iter().enumerate() {
                @let out: Vec<_> = graph.edges.iter().filter(|e| e.from == n.id).collect();
                @let inc: Vec<_> = graph.edges.iter().filter(|e| e.to == n.id).collect();
                details.entity id=(format!("node-{i}")) data-title=(format!("{} ({})", n.label, kind_name(n.kind))) {
                    summary { (n.label) " (" (kind_name(n.kind)) "): " (out.len()) " out, " (inc.len()) " in" }
                    ul {
                        @for e in &out { li { (e.relation) " " (label(&e.to)) @if e.in_cycle { " (cycle)" } } }
                        @for e in &inc { li { (label(&e.from)) " " (e.relation) " this" @if e.in_cycle { " (cycle)" } } }
                        @if out.is_empty() && inc.is_empty() { li { "no dependencies" } }
                    }
                }
            }
        }
    };
    page(
        &format!("Dependency graph of {snapshot_name}"),
        "Faultline graph report: what backs, prices and lends against what",
        &[],
        body,
    )
}

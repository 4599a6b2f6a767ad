//! The dependency graph as Graphviz DOT or a Mermaid flowchart; edges on a cycle in red.

use faultline_orchestrator::graph::{Graph, NodeKind};
use std::fmt::Write;

const fn shape(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Token => "ellipse",
        NodeKind::LendingMarket => "box",
        NodeKind::Issuer => "hexagon",
        NodeKind::PerpVenue => "diamond",
        NodeKind::Book => "parallelogram",
    }
}

/// DOT: `dot -Tsvg` draws it.
pub(crate) fn graph_dot(graph: &Graph) -> String {
    let mut out = String::from("digraph faultline {\n  rankdir=LR;\n");
    for n in &graph.nodes {
        let _ = writeln!(out, "  {:?} [label={:?}, shape={}];", n.id, n.label, shape(n.kind));
    }
    for e in &graph.edges {
        let color = if e.in_cycle { ", color=red, penwidth=2" } else { "" };
        let _ = writeln!(out, "  {:?} -> {:?} [label={:?}{color}];", e.from, e.to, e.relation);
    }
    out.push_str("}\n");
    out
}

/// Mermaid: GitHub renders it in Markdown.
pub(crate) fn graph_mermaid(graph: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    let key = |id: &str| {
        format!("n{}", graph.nodes.iter().position(|n| n.id == id).unwrap_or(usize::MAX))
    };
    for n in &graph.nodes {
        let label = n.label.replace('"', "'");
        let node = match n.kind {
            NodeKind::Token => format!("(\"{label}\")"),
            NodeKind::LendingMarket => format!("[\"{label}\"]"),
            NodeKind::Issuer => format!("{{{{\"{label}\"}}}}"),
            NodeKind::PerpVenue => format!("{{\"{label}\"}}"),
            NodeKind::Book => format!("[/\"{label}\"/]"),
        };
        let _ = writeln!(out, "  {}{node}", key(&n.id));
    }
    let mut cycle_edges = Vec::new();
    for (i, e) in graph.edges.iter().enumerate() {
        let _ = writeln!(out, "  {} -->|{}| {}", key(&e.from), e.relation, key(&e.to));
        if e.in_cycle {
            cycle_edges.push(i.to_string());
        }
    }
    if !cycle_edges.is_empty() {
        let _ = writeln!(out, "  linkStyle {} stroke:red,stroke-width:3px", cycle_edges.join(","));
    }
    out
}

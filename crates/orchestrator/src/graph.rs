//! The dependency graph of a snapshot: which token backs which issuer, which market lends
//! against which collateral, which issuer holds which market's supply; and its cycles, where a
//! token ends up backing itself (A backs B backs A), found as strongly connected components.

use crate::snapshot::{BackingItemSpec, LendingProtocolSpec, Snapshot};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A token.
    Token,
    /// A lending market.
    LendingMarket,
    /// An issuer.
    Issuer,
}

/// A node: an entity of the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    /// The entity's id.
    pub id: String,
    /// What it is.
    pub kind: NodeKind,
    /// A label for drawings.
    pub label: String,
}

/// An edge `from -> to`: `from`'s value depends on `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// The dependent entity.
    pub from: String,
    /// What it depends on.
    pub to: String,
    /// How: `issued_by`, `backed_by`, `collateral`, `lends`, `supplies`.
    pub relation: &'static str,
    /// Whether the edge lies on a cycle.
    pub in_cycle: bool,
}

/// The graph and its cycles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Graph {
    /// Nodes, in snapshot order: tokens, markets, issuers.
    pub nodes: Vec<Node>,
    /// Edges, in snapshot order.
    pub edges: Vec<Edge>,
    /// Each cycle as the set of nodes in one strongly connected component of more than one
    /// node (or one node with an edge to itself), sorted.
    pub cycles: Vec<Vec<String>>,
}

/// The dependency graph of `snapshot`.
pub fn build(snapshot: &Snapshot) -> Graph {
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let mut edge = |from: &str, to: &str, relation| {
        edges.push(Edge { from: from.to_owned(), to: to.to_owned(), relation, in_cycle: false });
    };
    for t in &snapshot.tokens {
        nodes.push(Node { id: t.id.clone(), kind: NodeKind::Token, label: t.symbol.clone() });
    }
    for m in &snapshot.lending_markets {
        nodes.push(Node { id: m.id.clone(), kind: NodeKind::LendingMarket, label: m.name.clone() });
        let LendingProtocolSpec::MorphoBlue(spec) = &m.protocol;
        edge(&m.id, &spec.collateral_token, "collateral");
        edge(&m.id, &spec.loan_token, "lends");
    }
    for i in &snapshot.issuers {
        nodes.push(Node { id: i.id.clone(), kind: NodeKind::Issuer, label: i.id.clone() });
        edge(&i.token, &i.id, "issued_by");
        for b in &i.backing {
            match &b.item {
                BackingItemSpec::Holding { token, .. } => edge(&i.id, token, "backed_by"),
                BackingItemSpec::LendingSupply { market, .. } => edge(&i.id, market, "supplies"),
                _ => {}
            }
        }
    }
    let cycles = strongly_connected(&nodes, &edges);
    let cyclic: BTreeMap<&str, usize> = cycles
        .iter()
        .enumerate()
        .flat_map(|(c, ids)| ids.iter().map(move |id| (id.as_str(), c)))
        .collect();
    for e in &mut edges {
        e.in_cycle = matches!((cyclic.get(e.from.as_str()), cyclic.get(e.to.as_str())), (Some(a), Some(b)) if a == b);
    }
    Graph { nodes, edges, cycles }
}

/// Tarjan's algorithm, iterative, over nodes in order: deterministic output.
fn strongly_connected(nodes: &[Node], edges: &[Edge]) -> Vec<Vec<String>> {
    let index_of: BTreeMap<&str, usize> =
        nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let mut adjacent = vec![Vec::new(); nodes.len()];
    let mut self_loop = vec![false; nodes.len()];
    for e in edges {
        if let (Some(&a), Some(&b)) = (index_of.get(e.from.as_str()), index_of.get(e.to.as_str())) {
            adjacent[a].push(b);
            self_loop[a] |= a == b;
        }
    }
    let n = nodes.len();
    let (mut index, mut low, mut on_stack) = (vec![usize::MAX; n], vec![0; n], vec![false; n]);
    let (mut stack, mut next, mut out) = (Vec::new(), 0, Vec::new());
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        // Each frame: (node, next edge to look at).
        let mut frames = vec![(root, 0usize)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut edge)) = frames.last_mut() {
            if let Some(&w) = adjacent[v].get(*edge) {
                *edge += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    frames.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(nodes[w].id.clone());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 || self_loop[v] {
                    component.sort();
                    out.push(component);
                }
            }
        }
    }
    out.sort();
    out
}

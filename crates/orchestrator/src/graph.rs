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
    /// A perp venue.
    PerpVenue,
    /// A delta-neutral book.
    Book,
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
    /// How: `issued_by`, `backed_by`, `collateral`, `lends`, `supplies`, `lists` (a perp venue
    /// on its markets' underlyings), `holds` (a book on its long legs), `hedged_on` (a book on
    /// the venues of its shorts).
    pub relation: &'static str,
    /// Whether the edge lies on a cycle.
    pub in_cycle: bool,
}

/// The graph and its cycles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Graph {
    /// Nodes, in snapshot order: tokens, markets, perp venues, books, issuers.
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
        match &m.protocol {
            LendingProtocolSpec::MorphoBlue(spec) => {
                edge(&m.id, &spec.collateral_token, "collateral");
                edge(&m.id, &spec.loan_token, "lends");
            }
            LendingProtocolSpec::AaveV3(spec) => {
                for r in &spec.reserves {
                    if r.liquidation_threshold != 0 {
                        edge(&m.id, &r.token, "collateral");
                    }
                    if r.borrowing_enabled {
                        edge(&m.id, &r.token, "lends");
                    }
                }
            }
            LendingProtocolSpec::CompoundV3(spec) => {
                for a in &spec.assets {
                    edge(&m.id, &a.token, "collateral");
                }
                edge(&m.id, &spec.base_token, "lends");
            }
            LendingProtocolSpec::EulerV2(spec) => {
                for c in &spec.collaterals {
                    edge(&m.id, &c.token, "collateral");
                }
                edge(&m.id, &spec.asset, "lends");
            }
        }
    }
    for v in &snapshot.perp_venues {
        nodes.push(Node { id: v.id.clone(), kind: NodeKind::PerpVenue, label: v.name.clone() });
        for m in &v.markets {
            edge(&v.id, &m.token, "lists");
        }
        for c in &v.collateral {
            edge(&v.id, &c.token, "collateral");
        }
    }
    for b in &snapshot.books {
        nodes.push(Node { id: b.id.clone(), kind: NodeKind::Book, label: b.name.clone() });
        for leg in &b.longs {
            edge(&b.id, &leg.token, "holds");
        }
        let mut venues: Vec<&str> = b.shorts.iter().map(|s| s.venue.as_str()).collect();
        venues.dedup();
        for venue in venues {
            edge(&b.id, venue, "hedged_on");
        }
    }
    for i in &snapshot.issuers {
        nodes.push(Node { id: i.id.clone(), kind: NodeKind::Issuer, label: i.id.clone() });
        edge(&i.token, &i.id, "issued_by");
        for b in &i.backing {
            match &b.item {
                BackingItemSpec::Holding { token, .. } => edge(&i.id, token, "backed_by"),
                BackingItemSpec::LendingSupply { market, .. } => edge(&i.id, market, "supplies"),
                BackingItemSpec::DeltaNeutralBook { book } => edge(&i.id, book, "backed_by"),
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

/// The cycles: strongly connected components (`faultline_vaults::graph::strongly_connected`) of
/// more than one node, or of one node with an edge to itself; each sorted, the list sorted.
fn strongly_connected(nodes: &[Node], edges: &[Edge]) -> Vec<Vec<String>> {
    let index_of: BTreeMap<&str, usize> =
        nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let mut adjacent = vec![Vec::new(); nodes.len()];
    for e in edges {
        if let (Some(&a), Some(&b)) = (index_of.get(e.from.as_str()), index_of.get(e.to.as_str())) {
            adjacent[a].push(b);
        }
    }
    let mut out: Vec<Vec<String>> = faultline_vaults::graph::strongly_connected(&adjacent)
        .into_iter()
        .filter(|c| c.len() > 1 || c.first().is_some_and(|&v| adjacent[v].contains(&v)))
        .map(|c| {
            let mut ids: Vec<String> = c.into_iter().map(|i| nodes[i].id.clone()).collect();
            ids.sort();
            ids
        })
        .collect();
    out.sort();
    out
}

//! Recursive minting: the backing graph across issuers, its cycles, and the inverted pyramid.
//!
//! Nodes are issuers (and any claim-holder, such as a curator vault lending against a token);
//! an edge `A -> B` of value `v` says `v` USD of A's backing is a claim on B (B's tokens held,
//! a loan secured by B's token). Whatever backing is not a claim on another node is
//! *exogenous*: the real money at the tip of the pyramid. Each node's *nominal* figure is what
//! it owes: its tokens at reported NAV plus its senior liabilities.
//!
//! Cycles (A backs B backs A, at any depth, including A holding A) are the strongly connected
//! components with more than one node or a self-edge, found with Tarjan's algorithm run
//! iteratively over names in sorted order, so the output order is deterministic. Condensing
//! each component to one node leaves a DAG whose depth gives the layers: layer 0 is the
//! exogenous backing, layer 1 the nodes backed only by it (or by each other in a cycle), each
//! further layer claims on the ones below.
//!
//! [`recursive_mint`] is the loop seen in time: real money `R` minted, borrowed against at a
//! ratio, re-minted; round `k` mints `R * r^k`, so `n` rounds mint `R (1 - r^n) / (1 - r)` and
//! the amplification tends to `1 / (1 - r)`.

use crate::{
    Error, Issuer, Result,
    backing::{NavRule, Prices, add, div, mul, sub},
};
use faultline_core::decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// One node: what it owes, its exogenous backing, and its claims on other nodes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// USD it owes: tokens at reported NAV plus senior liabilities.
    pub nominal: Decimal,
    /// USD of backing that is not a claim on another node.
    pub exogenous: Decimal,
    /// USD of backing that is a claim on each other node, by name.
    pub claims: BTreeMap<String, Decimal>,
}

/// The backing graph.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackingGraph {
    nodes: BTreeMap<String, Node>,
}

/// A layer of the inverted pyramid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// 0 for the exogenous backing, then upward.
    pub index: usize,
    /// The nodes in the layer, sorted.
    pub nodes: Vec<String>,
    /// USD owed by the layer's nodes (for layer 0: the exogenous backing itself).
    pub nominal: Decimal,
    /// USD owed by this layer and the claim layers below it (layer 0: the exogenous backing).
    pub cumulative: Decimal,
    /// `cumulative / exogenous`: how many dollars of claims stand on each real dollar up to
    /// this layer; the top layer's is the graph's amplification.
    pub amplification: Decimal,
}

/// What the graph says about recursive minting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyramidReport {
    /// Strongly connected components with a cycle, each sorted, in discovery order.
    pub cycles: Vec<Vec<String>>,
    /// Exogenous backing of all nodes.
    pub exogenous: Decimal,
    /// Backing that is claims between nodes.
    pub endogenous: Decimal,
    /// What all nodes owe together.
    pub nominal: Decimal,
    /// `nominal / exogenous`.
    pub amplification: Decimal,
    /// For each node in a cycle, the share of its backing that is a claim on its own cycle.
    pub self_backed_share: BTreeMap<String, Decimal>,
    /// The layers, from the exogenous tip (0) to the top claims.
    pub layers: Vec<Layer>,
}

impl BackingGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or adds to) a node's nominal liabilities and exogenous backing.
    pub fn add_node(&mut self, name: &str, nominal: Decimal, exogenous: Decimal) -> Result<()> {
        for (field, value) in [("nominal", nominal), ("exogenous", exogenous)] {
            if value < Decimal::ZERO {
                return Err(Error::invalid(format!("{name}.{field}"), "a USD value >= 0", value));
            }
        }
        let node = self.nodes.entry(name.to_owned()).or_default();
        node.nominal = add(node.nominal, nominal, "add_node")?;
        node.exogenous = add(node.exogenous, exogenous, "add_node")?;
        Ok(())
    }

    /// Records that `value` USD of `holder`'s backing is a claim on `on` (both become nodes).
    pub fn add_claim(&mut self, holder: &str, on: &str, value: Decimal) -> Result<()> {
        if value < Decimal::ZERO {
            return Err(Error::invalid(format!("{holder}.claims.{on}"), "a USD value >= 0", value));
        }
        self.nodes.entry(on.to_owned()).or_default();
        let node = self.nodes.entry(holder.to_owned()).or_default();
        let claim = node.claims.entry(on.to_owned()).or_default();
        *claim = add(*claim, value, "add_claim")?;
        Ok(())
    }

    /// The graph of `issuers` valued under `rule`: each issuer's nominal is its supply at its
    /// reported NAV plus its liabilities; an item that is a claim on another issuer's symbol
    /// is an edge, everything else exogenous.
    pub fn from_issuers(issuers: &[Issuer], prices: &Prices, rule: NavRule) -> Result<Self> {
        const OP: &str = "BackingGraph::from_issuers";
        let symbols: BTreeSet<&str> = issuers.iter().map(|i| i.symbol.as_str()).collect();
        let mut graph = Self::new();
        for issuer in issuers {
            let report = issuer.reported_nav(prices)?;
            let nominal =
                add(mul(issuer.supply, report.nav_per_token, OP)?, report.liabilities, OP)?;
            graph.add_node(&issuer.symbol, nominal, Decimal::ZERO)?;
            for item in &issuer.backing {
                let value = item.value(rule, prices)?;
                match item.kind.claim_on() {
                    Some(on) if symbols.contains(on) => {
                        graph.add_claim(&issuer.symbol, on, value)?
                    }
                    _ => graph.add_node(&issuer.symbol, Decimal::ZERO, value)?,
                }
            }
        }
        Ok(graph)
    }

    /// The nodes by name.
    pub const fn nodes(&self) -> &BTreeMap<String, Node> {
        &self.nodes
    }

    /// Strongly connected components (Tarjan), each sorted, in Tarjan's emission order: a
    /// component comes after every component it has claims on.
    pub fn components(&self) -> Vec<Vec<String>> {
        let names: Vec<&str> = self.nodes.keys().map(String::as_str).collect();
        let index_of: BTreeMap<&str, usize> =
            names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let edges: Vec<Vec<usize>> = self
            .nodes
            .values()
            .map(|n| n.claims.keys().filter_map(|k| index_of.get(k.as_str()).copied()).collect())
            .collect();
        strongly_connected(&edges)
            .into_iter()
            .map(|component| {
                let mut names: Vec<String> =
                    component.into_iter().map(|i| names[i].to_owned()).collect();
                names.sort();
                names
            })
            .collect()
    }

    /// The components that contain a cycle: more than one node, or a node with a claim on
    /// itself.
    pub fn cycles(&self) -> Vec<Vec<String>> {
        self.components()
            .into_iter()
            .filter(|c| {
                c.len() > 1
                    || c.first().is_some_and(|n| {
                        self.nodes.get(n).is_some_and(|node| node.claims.contains_key(n))
                    })
            })
            .collect()
    }

    /// Cycles, exogenous backing against nominal claims, the amplification and the layers.
    pub fn report(&self) -> Result<PyramidReport> {
        const OP: &str = "BackingGraph::report";
        let components = self.components();
        let cycles = self.cycles();
        let mut component_of = BTreeMap::new();
        for (i, c) in components.iter().enumerate() {
            for n in c {
                component_of.insert(n.as_str(), i);
            }
        }
        // Layers over the condensation: components come after those they claim on.
        let mut layer_of = vec![1usize; components.len()];
        for (i, c) in components.iter().enumerate() {
            let mut layer = 1;
            for n in c {
                for on in self.nodes.get(n).map(|x| x.claims.keys()).into_iter().flatten() {
                    if let Some(&j) = component_of.get(on.as_str())
                        && j != i
                    {
                        layer = layer.max(layer_of.get(j).copied().unwrap_or(1) + 1);
                    }
                }
            }
            if let Some(slot) = layer_of.get_mut(i) {
                *slot = layer;
            }
        }
        let (mut exogenous, mut endogenous, mut nominal) =
            (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        let mut self_backed_share = BTreeMap::new();
        for (name, node) in &self.nodes {
            exogenous = add(exogenous, node.exogenous, OP)?;
            nominal = add(nominal, node.nominal, OP)?;
            let own = component_of.get(name.as_str());
            let mut total = node.exogenous;
            let mut inside = Decimal::ZERO;
            for (on, value) in &node.claims {
                endogenous = add(endogenous, *value, OP)?;
                total = add(total, *value, OP)?;
                if component_of.get(on.as_str()) == own {
                    inside = add(inside, *value, OP)?;
                }
            }
            if cycles.iter().any(|c| c.contains(name)) && !total.is_zero() {
                self_backed_share.insert(name.clone(), div(inside, total, OP)?);
            }
        }
        let ratio = |x: Decimal| {
            if exogenous.is_zero() { Ok(Decimal::ZERO) } else { div(x, exogenous, OP) }
        };
        let depth = layer_of.iter().copied().max().unwrap_or(0);
        let mut layers = vec![Layer {
            index: 0,
            nodes: Vec::new(),
            nominal: exogenous,
            cumulative: exogenous,
            amplification: ratio(exogenous)?,
        }];
        let mut cumulative = Decimal::ZERO;
        for index in 1..=depth {
            let mut nodes = Vec::new();
            let mut layer_nominal = Decimal::ZERO;
            for (i, c) in components.iter().enumerate() {
                if layer_of.get(i) == Some(&index) {
                    for n in c {
                        layer_nominal = add(
                            layer_nominal,
                            self.nodes.get(n).map_or(Decimal::ZERO, |x| x.nominal),
                            OP,
                        )?;
                        nodes.push(n.clone());
                    }
                }
            }
            nodes.sort();
            cumulative = add(cumulative, layer_nominal, OP)?;
            layers.push(Layer {
                index,
                nodes,
                nominal: layer_nominal,
                cumulative,
                amplification: ratio(cumulative)?,
            });
        }
        Ok(PyramidReport {
            cycles,
            exogenous,
            endogenous,
            nominal,
            amplification: ratio(nominal)?,
            self_backed_share,
            layers,
        })
    }
}

/// A minting loop run round by round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintLoop {
    /// Minted in each round: `real * r^k`.
    pub rounds: Vec<Decimal>,
    /// Minted in total.
    pub total: Decimal,
    /// `total / real`.
    pub amplification: Decimal,
    /// The closed form of the same sum, `real * (1 - r^n) / (1 - r)`.
    pub closed_form: Decimal,
    /// The infinite loop's amplification, `1 / (1 - r)`.
    pub limit: Decimal,
}

/// Real money `real` minted, then recycled each round through `legs` (each a fraction: an LTV
/// borrowed against the minted token, a mint ratio, ...), for `rounds` rounds.
pub fn recursive_mint(real: Decimal, legs: &[Decimal], rounds: u32) -> Result<MintLoop> {
    const OP: &str = "recursive_mint";
    if real <= Decimal::ZERO {
        return Err(Error::invalid("real", "a positive USD amount", real));
    }
    let mut r = Decimal::ONE;
    for (i, leg) in legs.iter().enumerate() {
        if *leg < Decimal::ZERO || *leg >= Decimal::ONE {
            return Err(Error::invalid(format!("legs[{i}]"), "a fraction in [0, 1)", leg));
        }
        r = mul(r, *leg, OP)?;
    }
    if legs.is_empty() {
        return Err(Error::invalid("legs", "at least one recycling leg", "none"));
    }
    let mut minted = real;
    let mut out = Vec::new();
    let mut total = Decimal::ZERO;
    for _ in 0..rounds {
        out.push(minted);
        total = add(total, minted, OP)?;
        minted = mul(minted, r, OP)?;
    }
    let one_minus_r = sub(Decimal::ONE, r, OP)?;
    let r_n = (0..rounds).try_fold(Decimal::ONE, |acc, _| mul(acc, r, OP))?;
    let closed_form = div(mul(real, sub(Decimal::ONE, r_n, OP)?, OP)?, one_minus_r, OP)?;
    Ok(MintLoop {
        rounds: out,
        total,
        amplification: div(total, real, OP)?,
        closed_form,
        limit: div(Decimal::ONE, one_minus_r, OP)?,
    })
}

/// Strongly connected components of a graph given as adjacency lists over nodes `0..n` (Tarjan,
/// with an explicit stack instead of recursion, so depth is unbounded). Components come in
/// Tarjan's emission order: a component after every component it has edges into. Nodes within a
/// component are in the order they were popped.
pub fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let count = edges.len();
    let (mut index, mut low) = (vec![usize::MAX; count], vec![0usize; count]);
    let mut on_stack = vec![false; count];
    let (mut stack, mut out) = (Vec::new(), Vec::new());
    let mut next = 0usize;
    for root in 0..count {
        if index[root] != usize::MAX {
            continue;
        }
        // Explicit DFS stack of (node, next edge position): no recursion depth limit.
        let mut work = vec![(root, 0usize)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut pos)) = work.last_mut() {
            if let Some(&w) = edges[v].get(*pos) {
                *pos += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(component);
            }
        }
    }
    out
}

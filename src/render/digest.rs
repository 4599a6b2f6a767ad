//! What the readable reports (table, Markdown) show of a run, made shorter without losing
//! substance: the event log without no-change ticks and with runs of one entity's like events
//! in consecutive steps grouped into one row, and the contagion paths as a tree whose shared
//! prefixes appear once. The JSON and HTML reports keep every event.

use faultline_orchestrator::report::{Event, EventId, EventKind, Report, usd};
use rust_decimal::Decimal;

/// One row of the readable event log: a single event, or a run of like events.
#[derive(Debug)]
pub(crate) struct Row<'r> {
    /// The events, in log order (one, or a run).
    pub(crate) events: Vec<&'r Event>,
}

impl Row<'_> {
    /// `12`, or `40–58 (7)` for a run.
    pub(crate) fn ids(&self) -> String {
        match (self.events.first(), self.events.last()) {
            (Some(a), Some(b)) if self.events.len() > 1 => {
                format!("{}–{} ({})", a.id, b.id, self.events.len())
            }
            (Some(a), _) => a.id.to_string(),
            _ => String::new(),
        }
    }

    /// `3`, or `24–30`.
    pub(crate) fn steps(&self) -> String {
        match (self.events.first(), self.events.last()) {
            (Some(a), Some(b)) if a.step != b.step => format!("{}–{}", a.step, b.step),
            (Some(a), _) => a.step.to_string(),
            _ => String::new(),
        }
    }

    /// The event's account, or the run's first and last (`A → … → B`) with the run's net
    /// change where each event states only its own step (prices, NAVs, vault values).
    pub(crate) fn summary(&self) -> String {
        let (Some(a), Some(b)) = (self.events.first(), self.events.last()) else {
            return String::new();
        };
        let text = match self.events.len() {
            1 => return a.summary.clone(),
            2 => format!("{} → {}", a.summary, b.summary),
            _ => format!("{} → … → {}", a.summary, b.summary),
        };
        match net(&a.kind, &b.kind) {
            Some((from, to)) => format!(
                "{text} (over the run: {} → {}, {})",
                usd4(from),
                usd4(to),
                change(from, to)
            ),
            None => text,
        }
    }

    /// The causes outside the row: the first event's, and `…` when later ones name others.
    pub(crate) fn causes(&self) -> String {
        let Some(first) = self.events.first() else { return String::new() };
        let mut text: Vec<String> = first.causes.iter().map(|c| format!("#{c}")).collect();
        let ids: Vec<EventId> = self.events.iter().map(|e| e.id).collect();
        let more = self.events[1..]
            .iter()
            .flat_map(|e| e.causes.iter())
            .any(|c| !first.causes.contains(c) && !ids.contains(c));
        if more {
            text.push("…".into());
        }
        text.join(", ")
    }
}

/// Where a run of price, NAV or vault-value events started and ended, per token or share.
const fn net(first: &EventKind, last: &EventKind) -> Option<(Decimal, Decimal)> {
    match (first, last) {
        (EventKind::PriceMove { from_usd, .. }, EventKind::PriceMove { to_usd, .. }) => {
            Some((*from_usd, *to_usd))
        }
        (EventKind::NavChange { from, .. }, EventKind::NavChange { to, .. }) => Some((*from, *to)),
        (
            EventKind::VaultValue { economic_from, .. },
            EventKind::VaultValue { economic_to, .. },
        ) => Some((*economic_from, *economic_to)),
        _ => None,
    }
}

/// `$0.5723`: four decimals below $10 (prices per token), else the report's money format.
fn usd4(value: Decimal) -> String {
    if value.abs() < Decimal::TEN { format!("${:.4}", value) } else { usd(value) }
}

/// `-71.37%`, the change from `from` to `to`.
fn change(from: Decimal, to: Decimal) -> String {
    if from.is_zero() {
        return "n/a".into();
    }
    format!("{:+.2}%", (to - from) / from * Decimal::ONE_HUNDRED)
}

/// Whether events of this kind may be grouped into a run: quantities that tick (prices, NAVs,
/// totals). Liquidations, misses, shocks and the like are each their own row.
const fn groups(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::PriceMove { .. }
            | EventKind::NavChange { .. }
            | EventKind::EconomicBadDebt { .. }
            | EventKind::FundsFrozen { .. }
            | EventKind::VaultValue { .. }
            | EventKind::Funding { .. }
            | EventKind::HedgeMargin { .. }
            | EventKind::ReservesBelowZero { .. }
            | EventKind::StablecoinSupply { .. }
            | EventKind::BidDepth { .. }
    )
}

/// The readable log: no-change ticks left out; an entity's like events in consecutive steps
/// (no step without one between them) grouped; rows in order of their first event.
pub(crate) fn rows(report: &Report) -> Vec<Row<'_>> {
    let mut rows: Vec<Row<'_>> = Vec::new();
    // For each (entity, kind), the row still open to more events.
    let mut open: std::collections::HashMap<(&str, &str), usize> = std::collections::HashMap::new();
    for e in report.events.iter().filter(|e| !e.is_no_change()) {
        let key = (e.entity.as_str(), e.kind.name());
        let joins = groups(&e.kind)
            && open.get(&key).is_some_and(|&i| {
                rows[i].events.last().is_some_and(|last| e.step <= last.step + 1)
            });
        match open.get(&key) {
            Some(&i) if joins => rows[i].events.push(e),
            _ => {
                open.insert(key, rows.len());
                rows.push(Row { events: vec![e] });
            }
        }
    }
    rows
}

/// A node of the contagion tree: an event, whether a path ends there (a loss), its children.
#[derive(Debug)]
pub(crate) struct Node {
    /// The event.
    pub(crate) id: EventId,
    /// A contagion path ends here.
    pub(crate) loss: bool,
    /// The events it led to on some path, in order of first appearance.
    pub(crate) children: Vec<Self>,
}

/// The contagion paths as a forest: each path's events from its root, shared prefixes merged.
pub(crate) fn tree(report: &Report) -> Vec<Node> {
    let mut roots: Vec<Node> = Vec::new();
    for path in &report.contagion {
        let mut level = &mut roots;
        for (i, &id) in path.path.iter().enumerate() {
            let at = match level.iter().position(|n| n.id == id) {
                Some(at) => at,
                None => {
                    level.push(Node { id, loss: false, children: Vec::new() });
                    level.len() - 1
                }
            };
            if i + 1 == path.path.len() {
                level[at].loss = true;
            }
            level = &mut level[at].children;
        }
    }
    roots
}

/// The tree as indented lines: `(depth, event, is a loss)`, depth first.
pub(crate) fn tree_lines<'r>(report: &'r Report, forest: &[Node]) -> Vec<(usize, &'r Event, bool)> {
    fn walk<'r>(
        report: &'r Report,
        nodes: &[Node],
        depth: usize,
        out: &mut Vec<(usize, &'r Event, bool)>,
    ) {
        for n in nodes {
            if let Some(e) = report.events.get(n.id) {
                out.push((depth, e, n.loss));
            }
            walk(report, &n.children, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(report, forest, 0, &mut out);
    out
}

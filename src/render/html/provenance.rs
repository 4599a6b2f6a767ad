//! Where the inputs come from: the scenario's shocks and the snapshot's sources, with what is
//! synthetic, derived or low-confidence called out, so a reader knows what is assumed.

use super::time;
use faultline_orchestrator::{Scenario, Snapshot};
use maud::{Markup, html};
use serde_json::Value;

/// One `source` of the snapshot: whose, of what kind, how far to trust it, and the reference.
struct SourceRow {
    owner: String,
    kind: String,
    confidence: String,
    reference: String,
}

/// Every `source` object in the snapshot, found by walking its JSON form, so each entity kind
/// (token, oracle, venue, market, issuer, backing item, ...) is covered without listing them.
fn sources(snapshot: &Snapshot) -> Vec<SourceRow> {
    fn walk(value: &Value, path: &str, out: &mut Vec<SourceRow>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::Object(source)) = map.get("source") {
                    let text =
                        |k: &str| source.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                    let owner = ["name", "id", "token", "account"]
                        .iter()
                        .find_map(|k| map.get(*k).and_then(Value::as_str))
                        .map_or_else(|| path.to_owned(), |id| format!("{id} ({path})"));
                    out.push(SourceRow {
                        owner,
                        kind: text("kind"),
                        confidence: text("confidence"),
                        reference: text("reference"),
                    });
                }
                for (key, child) in map {
                    if key != "source" {
                        walk(child, &format!("{path}.{key}"), out);
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, &format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(value) = serde_json::to_value(snapshot) {
        walk(&value, "$", &mut out);
    }
    out
}

/// The scenario and snapshot, their sources, and what is assumed.
pub(super) fn section(scenario: &Scenario, snapshot: &Snapshot, files: (&str, &str)) -> Markup {
    let rows = sources(snapshot);
    let assumed: Vec<&SourceRow> =
        rows.iter().filter(|s| s.kind == "synthetic" || s.kind == "derived").collect();
    let count = |kind: &str| rows.iter().filter(|s| s.kind == kind).count();
    html! {
        section #inputs aria-labelledby="inputs-h" {
            h2 #inputs-h { "Scenario and snapshot" }
            h3 { "Scenario: " (scenario.name) }
            p { (scenario.description) }
            p.note { "File " code { (files.0) } ". " (scenario.shocks.len()) " shocks over "
                (time(scenario.horizon_secs)) " in steps of " (time(scenario.step_secs)) "." }
            ol.shocks {
                @for shock in &scenario.shocks {
                    li { "at " (time(shock.at_secs)) ": " (shock.note) }
                }
            }
            h3 { "Snapshot: " (snapshot.name) }
            p { (snapshot.description) }
            p.note { "File " code { (files.1) } ". "
                @match &snapshot.block {
                    Some(block) => { "Block " (block.number) " of chain " (block.chain_id) ". " }
                    None => { "No block: assembled from reported figures. " }
                }
                (rows.len()) " sourced figures: " (count("onchain")) " on chain, " (count("reported"))
                " reported, " (count("derived")) " derived, " (count("synthetic")) " synthetic." }
            @if assumed.is_empty() {
                p { "Nothing in the snapshot is synthetic or derived." }
            } @else {
                h3 #assumed { "Synthetic or derived (assumed) figures" }
                table.sources {
                    thead { tr { th { "whose" } th { "kind" } th { "confidence" } th { "how it was made" } } }
                    tbody {
                        @for s in &assumed {
                            tr { td { (s.owner) } td { strong { (s.kind) } } td { (s.confidence) } td { (s.reference) } }
                        }
                    }
                }
            }
            details.data {
                summary { "Every source (" (rows.len()) ")" }
                table.sources {
                    thead { tr { th { "whose" } th { "kind" } th { "confidence" } th { "reference" } } }
                    tbody {
                        @for s in &rows {
                            tr { td { (s.owner) } td { (s.kind) } td { (s.confidence) } td { (s.reference) } }
                        }
                    }
                }
            }
        }
    }
}

//! Any text as a scenario: parsed, then checked against the bundled Stream/Elixir snapshot.
#![no_main]

use faultline_orchestrator::{Scenario, Snapshot};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static SNAPSHOT: LazyLock<Snapshot> = LazyLock::new(|| {
    Snapshot::from_json(include_str!("../../fixtures/snapshots/stream-elixir-2025-11.json"))
        .expect("the bundled snapshot is valid")
});

fuzz_target!(|text: &str| {
    if let Ok(scenario) = Scenario::from_toml(text) {
        let _ = scenario.check(&SNAPSHOT);
    }
});

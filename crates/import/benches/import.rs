//! The whole Morpho export, imported: the speed target is under 1 s.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use faultline_import::morpho::{HISTORY_SUFFIX, Options, import};
use std::collections::BTreeMap;

fn export() -> BTreeMap<String, String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/morpho-xusd-deusd");
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("the fixture export") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if name.ends_with(".csv") {
            files.insert(name, std::fs::read_to_string(&path).expect("a readable file"));
        }
    }
    assert!(files.keys().any(|n| n.ends_with(HISTORY_SUFFIX)));
    files
}

fn bench(c: &mut Criterion) {
    let files = export();
    c.bench_function(
        "import morpho export (18 markets, 85 positions, 1,904 prices, 2 histories)",
        |b| {
            b.iter(|| import(&files, &Options::default()).expect("imports"));
        },
    );
    let at = Options { at: Some(1_762_124_400), ..Options::default() };
    c.bench_function("import morpho export placed at 2025-11-02 23:00", |b| {
        b.iter(|| import(&files, &at).expect("imports"));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

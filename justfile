# Faultline's everyday commands. `just` lists them.

# List the recipes.
default:
    @just --list

# Format every crate.
fmt:
    cargo fmt --all

# Formatting check, clippy with warnings as errors, and docs with warnings as errors.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

# The test suite, exactly as CI runs it (installs the pinned EVM tools on first use).
test:
    cargo test --workspace

# Criterion benchmarks of every crate that has them.
bench:
    cargo bench --workspace

# The formats `just demo` writes each stress report in (`faultline stress --format` values).
report_formats := "markdown json html"

# Every bundled scenario end to end (stress, breakpoints, bands, graph), into target/demo/.
demo:
    #!/usr/bin/env bash
    set -euo pipefail
    out=target/demo
    mkdir -p "$out"
    cargo build --release --quiet
    faultline() { cargo run --release --quiet -- "$@"; }
    ext() { case "$1" in markdown) echo md ;; *) echo "$1" ;; esac; }
    for format in {{report_formats}}; do
        faultline stress --format "$format" --out "$out/stream-elixir.$(ext "$format")"
        faultline stress fixtures/scenarios/ten-ten-2025.toml --format "$format" --out "$out/ten-ten.$(ext "$format")"
    done
    faultline breakpoints --driver issuer:xusd --format markdown --out "$out/breakpoints-xusd.md"
    faultline breakpoints --driver asset:sdeUSD --format markdown --out "$out/breakpoints-sdeusd.md"
    faultline bands --asset xUSD --oracle-follows-market --format markdown --out "$out/bands-xusd.md"
    faultline bands --asset sdeUSD --oracle-follows-market --format markdown --out "$out/bands-sdeusd.md"
    faultline graph --format mermaid --out "$out/graph-stream-elixir.mmd"
    faultline graph --format dot --out "$out/graph-stream-elixir.dot"
    faultline breakpoints --driver issuer:xusd --format html --out "$out/breakpoints-xusd.html"
    faultline bands --asset sdeUSD --oracle-follows-market --format html --out "$out/bands-sdeusd.html"
    faultline graph --format html --out "$out/graph-stream-elixir.html"
    faultline graph fixtures/snapshots/ten-ten-2025.json --format mermaid --out "$out/graph-ten-ten.mmd"
    faultline loop fixtures/vaults/example-loop.toml --format markdown --out "$out/loop-example.md"
    echo "The demo's outputs are in $PWD/$out/ (the .html pages open offline in any browser):"
    ls -1 "$out" | sed 's/^/  /'

# Everything CI runs.
ci:
    bash .ci/run

# Every fuzz target (fuzz/, cargo-fuzz on the stable toolchain) for SECS seconds each, seeded from fixtures/.
fuzz SECS="60":
    bash fuzz/run {{SECS}}

# The sha256 of the 1M synthetic cascade's JSON report on 1 and 2 threads (the README records it).
report-sha256 positions="1000000":
    cargo build --release --quiet -p faultline-orchestrator --example report_sha256
    RAYON_NUM_THREADS=1 cargo run --release --quiet -p faultline-orchestrator --example report_sha256 -- {{positions}}
    RAYON_NUM_THREADS=2 cargo run --release --quiet -p faultline-orchestrator --example report_sha256 -- {{positions}}

# Faultline's benchmarks beside the numpy peers in ../shared/peers (when present), alternately,
# with the ratio and the machine's load: `just bench-peers 3`.
bench-peers rounds="3":
    tools/bench-peers.sh {{rounds}}

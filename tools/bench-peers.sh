#!/usr/bin/env bash
# Runs faultline's criterion benchmarks and the numpy peers of the same workloads alternately, and
# prints the time of each and the ratio (faultline / peer). The peers live outside the project, in
# ../shared/peers relative to the repository root (see its README); they are called there, never
# copied. Without that folder only faultline's side runs, and the script says so.
#
# usage: tools/bench-peers.sh [rounds]   (WORKLOADS="bands cascade lending-bands" to choose;
#        default: bands)
#
# faultline's figure is criterion's median time per iteration of a single-threaded-by-default
# bench (bands uses both cores across markets, so its CPU time can exceed the figure); for the
# cascade it is the CPU time of one run (engine build included; criterion's wall-clock median is
# printed beside it, and on a loaded machine it runs well above the CPU time). The peer's is its
# own thread CPU time (min over its repetitions; for the cascade, build and run). Both run on the same synthetic data (the
# peers regenerate the benchmark's ecosystem bit for bit). The machine's load is printed with
# each round: on a shared machine the figures move with it.
#
# lending-bands (faultline-lending's `bands_1000_point_grid`, 1M Aave positions x 1,000 prices):
# the peer reads the benchmark's book as raw arrays, so the book is exported once by the
# `export_bands_book` example into $CARGO_TARGET_DIR/bands-book (skipped when present; the
# export also carries faultline's curve, which the peer compares with its own). Each round gives
# criterion's wall-clock median, the CPU seconds of one run (process CPU over both threads, from
# the same example's `--cpu` mode) and the peer's CPU time; the ratio is CPU to CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
workloads=${WORKLOADS:-bands}
peers=${PEERS:-../shared/peers}  # PEERS=/path overrides (a worktree outside the CI layout)
have_peers=1
if [ ! -d "$peers" ]; then
    echo "no $peers folder: running faultline's benchmarks only (no ratio)"
    have_peers=0
fi
if [ "$have_peers" = 1 ] && ! python3 -c 'import numpy' 2>/dev/null; then
    echo "numpy is missing (pip install numpy): running faultline's benchmarks only"
    have_peers=0
fi

# criterion's median estimate in seconds, from "time:   [low median high]".
criterion() {
    local bench=$1 filter=$2 package=${3:-faultline-orchestrator}
    cargo bench -q -p "$package" --bench "$bench" -- \
        --warm-up-time 1 --measurement-time 5 "$filter" 2>/dev/null |
        awk '/time:/ { v = $4; u = $5; sub(/\]/, "", u);
              if (u == "ms") v /= 1000; else if (u == "µs" || u == "us") v /= 1e6;
              printf "%.4f\n", v; exit }'
}

# The peer's first "min" figure: for the cascade the total (build + run), not its "run only".
peer() {
    (cd "$peers" && python3 "$@") |
        awk '/min/ { for (i = 1; i <= NF; i++) if ($i == "min") { print $(i + 1); exit } }'
}

# CPU seconds (user + system, /proc/self/stat) of one 1M cascade including the engine build,
# from the report_sha256 example (which also checks the report's bytes against the README).
cascade_cpu() {
    cargo run --release -q -p faultline-orchestrator --example report_sha256 2>/dev/null |
        awk '/ s cpu;/ { for (i = 1; i <= NF; i++) if ($i == "cpu;") { print $(i - 2); exit } }'
}

# The lending bands book for its peer, exported once (an absolute path: the peer runs in $peers).
bands_book=$(cd "${CARGO_TARGET_DIR:-target}" 2>/dev/null && pwd || echo "$PWD/target")/bands-book
case " $workloads " in
    *" lending-bands "*)
        if [ ! -f "$bands_book/meta.json" ]; then
            cargo run --release -q -p faultline-lending --example export_bands_book -- "$bands_book"
        fi
        if [ "$have_peers" = 1 ]; then
            # The outcome check: the peer's float curve against faultline's exact one.
            (cd "$peers" && python3 bands_peer.py "$bands_book" 1) | grep 'gap' || true
        fi
        ;;
esac

for workload in $workloads; do
    for round in $(seq "$rounds"); do
        load=$(uptime | sed 's/.*load average: //')
        case $workload in
            bands)
                ours=$(criterion cascade "bands/")
                theirs=$([ "$have_peers" = 1 ] && peer morpho_bands_peer.py 1000000 5 1000 || echo "")
                ;;
            cascade)
                wall=$(criterion cascade "cascade/")
                ours=$(cascade_cpu)
                echo "cascade round $round: criterion median ${wall} s wall; one run ${ours} s CPU"
                theirs=$([ "$have_peers" = 1 ] && peer cascade_peer.py 1000000 3 || echo "")
                ;;
            lending-bands)
                wall=$(criterion aave_health "bands_1000_point_grid" faultline-lending)
                cpu=$(cargo run --release -q -p faultline-lending --example export_bands_book -- \
                    "$bands_book" --cpu 10)
                ours=$(echo "$cpu" | awk '/cpu per run/ { print $3; exit }')
                echo "lending-bands round $round: criterion median ${wall} s wall; $cpu"
                theirs=$([ "$have_peers" = 1 ] && peer bands_peer.py "$bands_book" 5 || echo "")
                ;;
            *) echo "unknown workload $workload (bands, cascade, lending-bands)"; exit 2 ;;
        esac
        if [ -n "$theirs" ]; then
            ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }')
            echo "$workload round $round: faultline ${ours} s, numpy peer ${theirs} s, ratio ${ratio}x (load $load)"
        else
            echo "$workload round $round: faultline ${ours} s (load $load)"
        fi
    done
done

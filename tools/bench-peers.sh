#!/usr/bin/env bash
# Runs faultline's criterion benchmarks and the numpy peers of the same workloads alternately, and
# prints the time of each and the ratio (faultline / peer). The peers live outside the project, in
# ../shared/peers relative to the repository root (see its README); they are called there, never
# copied. Without that folder only faultline's side runs, and the script says so.
#
# usage: tools/bench-peers.sh [rounds]   (WORKLOADS="bands cascade" to choose; default: bands)
#
# faultline's figure is criterion's median time per iteration of a single-threaded-by-default
# bench (bands uses both cores across markets, so its CPU time can exceed the figure); for the
# cascade it is the CPU time of one run (engine build included; criterion's wall-clock median is
# printed beside it, and on a loaded machine it runs well above the CPU time). The peer's is its
# own thread CPU time (min over its repetitions; for the cascade, build and run). Both run on the same synthetic data (the
# peers regenerate the benchmark's ecosystem bit for bit). The machine's load is printed with
# each round: on a shared machine the figures move with it.
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
    local bench=$1 filter=$2
    cargo bench -q -p faultline-orchestrator --bench "$bench" -- \
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
            *) echo "unknown workload $workload (bands, cascade)"; exit 2 ;;
        esac
        if [ -n "$theirs" ]; then
            ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.1f", a / b }')
            echo "$workload round $round: faultline ${ours} s, numpy peer ${theirs} s, ratio ${ratio}x (load $load)"
        else
            echo "$workload round $round: faultline ${ours} s (load $load)"
        fi
    done
done
echo "lending bands (1M Aave x 1,000): cargo bench -p faultline-lending --bench aave_health -- bands_1000_point_grid;"
echo "  its peer (bands_peer.py) needs the book exported as raw arrays, which this script does not do yet."

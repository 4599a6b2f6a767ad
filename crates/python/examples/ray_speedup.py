"""Measures a sweep run in one process against the same sweep on a local Ray cluster.

    python crates/python/examples/ray_speedup.py [ITEMS] [CPUS]

Stresses the bundled Stream/Elixir scenario ITEMS times (default 8), each with a different
write-down, first with ``faultline.sweep`` and then with ``faultline.distributed.sweep`` on a
local cluster of CPUS CPUs (default 2, started here on 127.0.0.1), checks the outputs are the
same bytes, and prints both wall times, the speed-up, and the load average around the runs.
Ray's start-up is not timed: a real cluster is already running.
"""

import os
import sys
import time

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import ray

import faultline
import faultline.distributed

items = int(sys.argv[1]) if len(sys.argv) > 1 else 8
cpus = int(sys.argv[2]) if len(sys.argv) > 2 else 2
base = faultline.bundled("stream-elixir")
grid = {"shocks[0].loss_usd": [str(10_000_000 * (i + 1)) for i in range(items)]}

print(f"load average before: {os.getloadavg()}")
start = time.perf_counter()
local = faultline.sweep(base, grid=grid, seed=1)
local_secs = time.perf_counter() - start

ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
try:
    faultline.distributed.sweep(base, grid={"shocks[0].loss_usd": ["1"] * cpus})  # warm the workers
    start = time.perf_counter()
    remote = faultline.distributed.sweep(base, grid=grid, seed=1)
    ray_secs = time.perf_counter() - start
finally:
    ray.shutdown()

assert remote.to_json() == local.to_json(), "the Ray sweep differs from the local one"
print(f"load average after: {os.getloadavg()}")
print(f"{items} stress runs: one process {local_secs:.2f} s, Ray on {cpus} CPUs {ray_secs:.2f} s, "
      f"speed-up {local_secs / ray_secs:.2f}x; outputs identical ({len(local.to_json())} bytes)")

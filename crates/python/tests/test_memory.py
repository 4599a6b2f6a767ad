"""A thousand runs in a loop do not leak: resident memory after them stays within a bound of
what it was after a warm-up."""

from __future__ import annotations

import gc
import os

import faultline


def rss_bytes() -> int:
    """Resident set size now (Linux /proc; the maximum so far elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # pragma: no cover - not Linux
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def test_a_thousand_runs_do_not_leak(one_step):
    def run():
        report = faultline.stress(one_step)
        # Touch every output path: frames, JSON, dict.
        report.losses, report.events, report.paths
        report.to_json()

    for _ in range(50):
        run()
    gc.collect()
    before = rss_bytes()
    for _ in range(1000):
        run()
    gc.collect()
    growth = rss_bytes() - before
    # One run's report, JSON and frames come to about 0.5 MB (measured: 170 kB of JSON, 200 kB
    # of events frame), so keeping them would grow RSS by ~500 MB over the loop. Allow
    # 32 MB for allocator fragmentation and pandas' caches.
    assert growth < 32 * 1024 * 1024, f"RSS grew {growth / 1e6:.1f} MB over 1000 runs"

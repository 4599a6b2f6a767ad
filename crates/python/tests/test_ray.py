"""A sweep, and the Monte Carlo paths of `faultline risk`, on a local Ray cluster (two CPUs,
started by the test, no network beyond 127.0.0.1) equal the same run in this process, byte for
byte."""

from __future__ import annotations

import os

import pytest
import ray

import faultline
import faultline.distributed


@pytest.fixture(scope="module")
def local_cluster():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        _node_ip_address="127.0.0.1",
    )
    try:
        yield
    finally:
        ray.shutdown()


def test_a_ray_sweep_equals_the_local_sweep_byte_for_byte(local_cluster, one_step):
    grid = {"shocks[0].loss_usd": ["0", "10000000", "50000000", "93000000", "150000000"]}
    local = faultline.sweep(one_step, grid=grid, seed=42)
    distributed = faultline.distributed.sweep(one_step, grid=grid, seed=42)
    assert ray.cluster_resources()["CPU"] == 2
    assert distributed.to_json().encode() == local.to_json().encode()
    # Any sharding merges to the same bytes.
    three = faultline.distributed.sweep(one_step, grid=grid, seed=42, num_shards=3)
    assert three.to_json() == local.to_json()


def test_breakpoint_probes_on_ray_equal_local(local_cluster, one_step):
    options = {"grid": 2, "tolerance": "0.25"}
    drivers = ["issuer:xusd", "venue:" + _first_venue(one_step)]
    local = faultline.sweep(one_step, drivers=drivers, breakpoint_options=options, seed=1)
    distributed = faultline.distributed.sweep(one_step, drivers=drivers, breakpoint_options=options, seed=1)
    assert distributed.to_json() == local.to_json()
    assert [i["kind"] for i in local.items] == ["breakpoints", "breakpoints"]


def test_risk_paths_on_ray_equal_the_local_run_byte_for_byte(local_cluster):
    scenario = faultline.bundled("stream-elixir")
    local = faultline.risk(scenario, paths=24, seed=11)
    # One shard per CPU (two), then shards that do not divide the paths evenly.
    distributed = faultline.distributed.risk(scenario, paths=24, seed=11)
    assert distributed.to_json().encode() == local.to_json().encode()
    five = faultline.distributed.risk(scenario, paths=24, seed=11, shards=5)
    assert five.to_json() == local.to_json()
    # A different seed gives a different run: the equality above is not vacuous.
    assert faultline.risk(scenario, paths=24, seed=12).to_json() != local.to_json()


def _first_venue(scenario) -> str:
    import json

    return json.loads(scenario.snapshot.to_json())["venues"][0]["id"]

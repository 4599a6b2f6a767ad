"""Sweeps in one process: items in order, per-item seeds from (seed, index), each report the
same as a run of its own."""

from __future__ import annotations

import json

import pytest

import faultline
from faultline.distributed import shards
from faultline.sweeps import item_seed, plan, set_param

LOSSES = ["0", "25000000", "93000000"]


def test_a_grid_sweep_equals_runs_of_its_own(one_step):
    result = faultline.sweep(one_step, grid={"shocks[0].loss_usd": LOSSES}, seed=7)
    assert len(result) == 3
    for i, loss in enumerate(LOSSES):
        d = one_step.to_dict()
        d["shocks"][0]["loss_usd"] = loss
        alone = faultline.stress(faultline.Scenario.from_dict(d, snapshot=one_step.snapshot))
        assert result.reports[i] == alone.to_json()
        assert result.items[i] == {
            "index": i, "seed": item_seed(7, i), "kind": "stress",
            "params": {"shocks[0].loss_usd": loss}, "driver": None,
        }
    merged = json.loads(result.to_json())
    assert merged["seed"] == 7
    assert [it["report"] for it in merged["items"]] == [json.loads(r) for r in result.reports]
    summary = result.summary()
    assert summary["shocks[0].loss_usd"].tolist() == LOSSES
    # A larger write-down never loses less NAV.
    nav = summary["nav_lost_usd"].tolist()
    assert nav == sorted(nav) and nav[0] < nav[-1]


def test_item_seeds_depend_on_seed_and_index_only():
    seeds = [item_seed(1, i) for i in range(1000)]
    assert len(set(seeds)) == 1000
    assert item_seed(1, 5) == item_seed(1, 5) != item_seed(2, 5)
    # SplitMix64's first output for state 0x9E3779B97F4A7C15 (seed 0 advanced once).
    assert item_seed(0, 0) == 0xE220A8397B1DCDAF


def test_a_grid_over_two_paths_is_their_product(one_step):
    snapshots, specs = plan(
        one_step, grid={"shocks[0].loss_usd": LOSSES, "engine.liquidation_gas_usd": ["5", "50"]}
    )
    assert len(snapshots) == 1
    assert [s["params"] for s in specs][:2] == [
        {"shocks[0].loss_usd": "0", "engine.liquidation_gas_usd": "5"},
        {"shocks[0].loss_usd": "0", "engine.liquidation_gas_usd": "50"},
    ]
    assert len(specs) == 6


def test_a_bad_grid_path_names_itself(one_step):
    with pytest.raises(faultline.InvalidInputError) as raised:
        plan(one_step, grid={"shocks[9].loss_usd": ["1"]})
    assert raised.value.field == "grid"
    assert "shocks[9].loss_usd" in str(raised.value)
    d = {"a": [1, {"b": 2}]}
    set_param(d, "a[1].b", 3)
    assert d == {"a": [1, {"b": 3}]}


def test_shards_cover_every_item_once_in_order():
    for count in range(0, 12):
        for parts in range(1, 6):
            cut = shards(count, parts)
            assert [i for r in cut for i in r] == list(range(count))
            if count:
                sizes = [len(r) for r in cut]
                assert max(sizes) - min(sizes) <= 1 and len(cut) == min(parts, count)

"""The report: the CLI's JSON byte for byte, and the DataFrames' columns and dtypes."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pandas as pd

import faultline


def test_bundled_json_is_the_clis_byte_for_byte(cli):
    out = cli("stress", "--format", "json")
    assert out.returncode == 0, out.stderr
    ours = faultline.stress(faultline.bundled("stream-elixir")).to_json()
    assert ours.encode() == out.stdout.encode()


def test_scenario_file_json_is_the_clis_byte_for_byte(cli, root, tmp_path):
    # A scenario file of our own (the bundled one, moved), next to a copy of its snapshot.
    text = (root / "fixtures/scenarios/stream-elixir-2025-11.toml").read_text()
    old = 'snapshot = "../snapshots/stream-elixir-2025-11.json"'
    assert old in text
    (tmp_path / "snap.json").write_text(
        (root / "fixtures/snapshots/stream-elixir-2025-11.json").read_text()
    )
    path = tmp_path / "s.toml"
    path.write_text(text.replace(old, 'snapshot = "snap.json"'))
    out = cli("stress", str(path), "--format", "json")
    assert out.returncode == 0, out.stderr
    assert faultline.stress(faultline.Scenario.load(str(path))).to_json() == out.stdout


def test_analyses_json_is_the_clis(cli, root):
    snap = faultline.bundled("stream-elixir").snapshot
    out = cli("bands", "--asset", "sdeUSD", "--grid", "5", "--max-fall", "12.5", "--format", "json")
    assert out.returncode == 0, out.stderr
    assert faultline.bands(snap, "sdeUSD", grid=5, max_fall="12.5").to_json() == out.stdout

    account = "0x1597E4B7cF6D2877A1d690b6088668afDb045763"
    out = cli("position", "--market", "morpho-eth-sdeusd-usdc", "--account", account, "--format", "json")
    assert out.returncode == 0, out.stderr
    assert faultline.position(snap, "morpho-eth-sdeusd-usdc", account).to_json() == out.stdout

    design = root / "fixtures/vaults/example-loop.toml"
    out = cli("loop", str(design), "--format", "json")
    assert out.returncode == 0, out.stderr
    assert faultline.loop_check(str(design)).to_json() == out.stdout
    assert faultline.loop_check(text=design.read_text()).to_json() == out.stdout


def test_frames_have_the_documented_columns_and_dtypes(one_step):
    report = faultline.stress(one_step)
    data = report.to_dict()

    events = report.events
    assert list(events.columns) == [
        "id", "step", "at_secs", "entity", "type", "is_loss", "causes", "summary", "details"
    ]
    for c in ("id", "step", "at_secs"):
        assert events[c].dtype == np.int64
    assert events["is_loss"].dtype == np.bool_
    assert events["causes"].dtype == object
    for c in ("entity", "type", "summary", "details"):
        assert pd.api.types.is_string_dtype(events[c])
    assert len(events) == len(data["events"]) > 0
    assert events["id"].tolist() == [e["id"] for e in data["events"]]
    assert events["causes"].tolist() == [e["causes"] for e in data["events"]]
    assert events["type"].tolist() == [e["kind"]["type"] for e in data["events"]]
    assert [json.loads(d) for d in events["details"]] == [e["kind"] for e in data["events"]]
    # The first break is the first loss event.
    assert events.loc[events["is_loss"], "id"].iloc[0] == report.first_break == data["first_break"]

    losses = report.losses
    assert list(losses.columns) == [
        "entity", "name", "kind", "bad_debt_usd", "economic_bad_debt_usd", "oracle_bad_debt_usd",
        "nav_lost_usd", "price_change_pct", "frozen_usd", "liquidations", "missed_liquidations",
    ]
    for c in ("bad_debt_usd", "economic_bad_debt_usd", "oracle_bad_debt_usd", "nav_lost_usd",
              "price_change_pct", "frozen_usd"):
        assert losses[c].dtype == np.float64
        assert losses[c].tolist() == [float(e[c]) for e in data["entities"]]
    for c in ("liquidations", "missed_liquidations"):
        assert losses[c].dtype == np.int64
    assert losses["entity"].tolist() == [e["entity"] for e in data["entities"]]

    paths = report.paths
    assert list(paths.columns) == ["loss", "root", "length", "path", "text"]
    for c in ("loss", "root", "length"):
        assert paths[c].dtype == np.int64
    assert paths["path"].tolist() == [p["path"] for p in data["contagion"]]
    assert (paths["root"] == paths["path"].map(lambda p: p[0])).all()
    assert (paths["length"] == paths["path"].map(len)).all()


def test_the_gil_is_released_while_the_engine_runs():
    # A Python thread counts while this one runs the engine. Held, the GIL would stop the
    # counter for the whole call (it could only run in the instants around it).
    scenario = faultline.bundled("stream-elixir")
    counter = [0]
    done = threading.Event()

    def count():
        while not done.is_set():
            counter[0] += 1
            time.sleep(0)

    thread = threading.Thread(target=count)
    thread.start()
    try:
        before = counter[0]
        faultline.stress(scenario)
        during = counter[0] - before
    finally:
        done.set()
        thread.join()
    assert during > 200, during


def test_pickling_keeps_scenarios_and_snapshots(one_step):
    import pickle

    again = pickle.loads(pickle.dumps(one_step))
    assert again.to_dict() == one_step.to_dict()
    assert again.snapshot.to_json() == one_step.snapshot.to_json()
    assert faultline.stress(again).to_json() == faultline.stress(one_step).to_json()


def test_bundled_names_and_both_bundles_load():
    assert faultline.bundled_names() == ["stream-elixir", "ten-ten"]
    ten = faultline.bundled("ten-ten")
    assert ten.file == "fixtures/scenarios/ten-ten-2025.toml"
    assert ten.snapshot.name


def test_the_notebook_example_runs_and_saves_its_plots(root, tmp_path):
    import subprocess
    import sys

    example = root / "crates/python/examples/notebook.py"
    out = subprocess.run(
        [sys.executable, str(example), str(tmp_path)], capture_output=True, text=True, timeout=900
    )
    assert out.returncode == 0, out.stderr
    for name in ("losses.png", "bands.png", "sweep.png"):
        assert (tmp_path / name).stat().st_size > 5000, name

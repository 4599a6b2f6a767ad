"""`faultline.risk` and `faultline.risk_merge`: the CLI's JSON byte for byte, shards that merge to
the whole run, the tail table as a DataFrame, and errors with the CLI's message.

Path counts are small (16-24 paths of the bundled scenario's 96 hourly steps) so the suite stays
quick; equality of bytes does not depend on how many paths there are."""

from __future__ import annotations

import json

import numpy as np
import pytest

import faultline
from conftest import cli_error

SCENARIO = "fixtures/scenarios/stream-elixir-2025-11.toml"
MODEL = "fixtures/scenarios/stream-elixir-2025-11.risk.toml"


@pytest.fixture(scope="module")
def whole():
    """16 paths of the bundled scenario under its bundled model, seed 7, in one process."""
    return faultline.risk(faultline.bundled("stream-elixir"), paths=16, seed=7)


def test_risk_json_is_the_clis_byte_for_byte(cli, whole):
    out = cli("risk", SCENARIO, "--paths", "16", "--seed", "7", "--format", "json")
    assert out.returncode == 0, out.stderr
    assert whole.to_json().encode() == out.stdout.encode()
    # The same model given as a path and as text runs the same.
    assert faultline.risk(faultline.Scenario.load(SCENARIO), MODEL, paths=16, seed=7).to_json() == out.stdout


def test_shards_merge_to_the_whole_run_as_the_cli_merges_them(cli, root, whole, tmp_path):
    scenario = faultline.bundled("stream-elixir")
    parts = [faultline.risk(scenario, paths=16, seed=7, shard=s) for s in ("1/3", (2, 3), "3/3")]
    assert [p.range for p in parts] == [(0, 5), (5, 10), (10, 16)]
    # Any order, reports or their JSON text.
    merged = faultline.risk_merge([parts[2].to_json(), parts[0], parts[1].to_json()])
    assert merged.to_json() == whole.to_json()
    files = []
    for i, p in enumerate(parts):
        path = tmp_path / f"s{i}.json"
        path.write_text(p.to_json())
        files.append(str(path))
    out = cli("risk", "merge", *files, "--format", "json")
    assert out.returncode == 0, out.stderr
    assert merged.to_json() == out.stdout
    # A report survives pickling (Ray returns it so) and JSON round trips.
    import pickle

    assert pickle.loads(pickle.dumps(whole)).to_json() == whole.to_json()
    assert faultline.RiskReport.from_json(whole.to_json()).to_json() == whole.to_json()


def test_summary_is_the_tail_table(whole):
    frame = whole.summary
    entities = whole.to_dict()["summary"]["entities"]
    assert len(entities) > 0
    assert list(frame["entity"]) == [e["entity"] for e in entities]
    assert list(frame.columns[:6]) == ["entity", "name", "kind", "mean_loss_usd", "mean_loss_se", "median_loss_usd"]
    for column in ("mean_loss_usd", "var99_usd", "var99_high", "es99_usd", "p_insolvent", "p_frozen_low"):
        assert frame[column].dtype == np.float64, column
    assert frame["p_insolvent_count"].dtype == np.int64
    # Figures as in the JSON, exactly (f64 round-trips through serde_json's shortest form).
    assert list(frame["var99_usd"]) == [e["var99_usd"]["value"] for e in entities]
    assert list(frame["p_insolvent_high"]) == [e["p_insolvent"]["high"] for e in entities]
    assert list(frame["p_loss_count"]) == [e["p_loss"]["count"] for e in entities]
    assert (whole.scenario, whole.seed, whole.paths, whole.range) == (
        json.loads(whole.to_json())["scenario"], 7, 16, (0, 16)
    )


def test_risk_errors_carry_the_clis_message(cli, root, tmp_path):
    scenario = faultline.Scenario.load(SCENARIO)
    bad = tmp_path / "bad.risk.toml"
    bad.write_text((root / MODEL).read_text().replace('depeg_pct = "5"', 'depeg_pct = "five"'))
    out = cli("risk", SCENARIO, "--model", str(bad), "--paths", "4")
    assert out.returncode != 0
    with pytest.raises(faultline.InvalidInputError) as raised:
        faultline.risk(scenario, str(bad), paths=4)
    assert str(raised.value) == cli_error(out.stderr)
    assert raised.value.file == str(bad)
    assert raised.value.field.startswith("line ")

    out = cli("risk", SCENARIO, "--paths", "0")
    with pytest.raises(faultline.InvalidInputError) as raised:
        faultline.risk(scenario, paths=0)
    assert str(raised.value) == cli_error(out.stderr)
    assert raised.value.field == "paths"

    with pytest.raises(faultline.InvalidInputError) as raised:
        faultline.risk(scenario, paths=4, shard="0/2")
    assert raised.value.field == "shard"

    # Shards of different runs do not merge: the CLI's message.
    a = faultline.risk(scenario, paths=4, seed=1, shard="1/2")
    b = faultline.risk(scenario, paths=4, seed=2, shard="2/2")
    files = [tmp_path / "a.json", tmp_path / "b.json"]
    files[0].write_text(a.to_json())
    files[1].write_text(b.to_json())
    out = cli("risk", "merge", *map(str, files))
    with pytest.raises(faultline.InvalidInputError) as raised:
        faultline.risk_merge([a, b])
    assert str(raised.value) == cli_error(out.stderr)
    with pytest.raises(faultline.InvalidInputError) as raised:
        faultline.risk_merge(["{}"])
    assert str(raised.value).startswith("shards[0] is not a risk report (JSON): ")


def test_a_scenario_without_a_file_needs_a_model(one_step, root):
    with pytest.raises(faultline.InvalidInputError) as raised:
        faultline.risk(one_step, paths=2)
    assert raised.value.field == "model"
    # With the model's text it runs (one step per path: cheap).
    report = faultline.risk(one_step, (root / MODEL).read_text(), paths=2)
    assert report.range == (0, 2)

"""Bad input raises a FaultlineError subclass with the CLI's message, the file and the field."""

from __future__ import annotations

import json

import pytest

import faultline
from conftest import cli_error


def test_a_bad_scenario_file_raises_the_clis_message(cli, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\nsnapshot = "s.json"\nstep_secs = 60\nhorizon_secs = 600\nshock = 1\n')
    out = cli("stress", str(path))
    assert out.returncode == 2
    with pytest.raises(faultline.ScenarioError) as raised:
        faultline.Scenario.load(str(path))
    e = raised.value
    assert str(e) == cli_error(out.stderr)
    assert e.file == str(path)
    assert e.field == "line 5"
    assert "unknown field `shock`" in e.problems[0][1]


def test_a_bad_snapshot_field_names_its_json_path(cli, root, tmp_path):
    snapshot = json.loads((root / "fixtures/snapshots/stream-elixir-2025-11.json").read_text())
    snapshot["tokens"][0]["decimals"] = "eighteen"
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps(snapshot))
    scenario = (root / "fixtures/scenarios/stream-elixir-2025-11.toml").read_text()
    path = tmp_path / "s.toml"
    path.write_text(scenario.replace("../snapshots/stream-elixir-2025-11.json", "snap.json"))
    out = cli("stress", str(path))
    assert out.returncode == 2
    with pytest.raises(faultline.SnapshotError) as raised:
        faultline.Scenario.load(str(path))
    e = raised.value
    assert str(e) == cli_error(out.stderr)
    assert e.file == str(snap)
    assert e.field == "$.tokens[0].decimals"
    with pytest.raises(faultline.SnapshotError) as again:
        faultline.Snapshot.from_json(json.dumps(snapshot), name="mine.json")
    assert again.value.field == "$.tokens[0].decimals"
    assert str(again.value).startswith("mine.json is not a valid snapshot:\n  mine.json: $.tokens[0].decimals: ")


def test_a_scenario_inconsistent_with_its_snapshot_lists_every_problem():
    base = faultline.bundled("stream-elixir")
    d = base.to_dict()
    d["step_secs"] = 0
    d["shocks"][0]["backing"] = "no-such-backing"
    with pytest.raises(faultline.ScenarioError) as raised:
        faultline.Scenario.from_dict(d, snapshot=base.snapshot)
    e = raised.value
    fields = [p for p, _ in e.problems]
    assert "step_secs" in fields
    assert any(f.startswith("shocks[0]") for f in fields), fields
    assert e.field == e.problems[0][0]
    assert str(e).startswith("<dict> is not a valid scenario for this snapshot:\n  <dict>: ")


def test_a_bad_dict_value_names_its_field():
    base = faultline.bundled("stream-elixir")
    d = base.to_dict()
    d["step_secs"] = "an hour"
    with pytest.raises(faultline.ScenarioError) as raised:
        faultline.Scenario.from_dict(d, snapshot=base.snapshot)
    assert raised.value.field == "$.step_secs"
    assert "an hour" in str(raised.value)
    assert " at line " not in str(raised.value)


def test_a_missing_file_raises_an_io_error_naming_it(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(faultline.FaultlineIOError) as raised:
        faultline.Scenario.load(str(missing))
    assert raised.value.file == str(missing)
    assert str(raised.value).startswith(f"cannot read {missing}: ")


def test_bad_arguments_raise_invalid_input_with_the_field(cli):
    snap = faultline.bundled("stream-elixir").snapshot
    with pytest.raises(faultline.InvalidInputError) as raised:
        faultline.bands(snap, "sdeUSD", max_fall="150")
    assert raised.value.field == "max_fall"
    assert isinstance(raised.value, ValueError)
    # An unknown asset: the orchestrator's own message, as the CLI prints it.
    out = cli("bands", "--asset", "NOPE")
    with pytest.raises(faultline.FaultlineError) as raised:
        faultline.bands(snap, "NOPE")
    assert str(raised.value) == cli_error(out.stderr)
    # A driver naming nothing.
    out = cli("breakpoints", "--driver", "asset:NOPE")
    with pytest.raises(faultline.FaultlineError) as raised:
        faultline.breakpoints(faultline.bundled("stream-elixir"), "asset:NOPE")
    assert str(raised.value) == cli_error(out.stderr)
    with pytest.raises(faultline.InvalidInputError) as raised:
        faultline.bundled("nope")
    assert raised.value.field == "name"
    with pytest.raises(faultline.InvalidInputError) as raised:
        faultline.position(snap, "morpho-eth-sdeusd-usdc", "0x12")
    assert raised.value.field == "account"


def test_errors_survive_pickling():
    import pickle

    e = faultline.ScenarioError("m", "f", "x", [("x", "m")])
    again = pickle.loads(pickle.dumps(e))
    assert (type(again), str(again), again.file, again.field, again.problems) == (
        faultline.ScenarioError, "m", "f", "x", [("x", "m")]
    )

"""``peninsula schema`` and ``peninsula new``: a newcomer's first scenario file."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from peninsula.cli import app

runner = CliRunner()


def test_schema_prints_the_json_schema(tmp_path):
    done = runner.invoke(app, ["schema"])
    assert done.exit_code == 0, done.output
    schema = json.loads(done.output)
    assert "horizon_months" in schema["properties"] and "catalogue" in schema["properties"]
    assert runner.invoke(app, ["schema", "-o", str(tmp_path / "s.json")]).exit_code == 0
    assert json.loads((tmp_path / "s.json").read_text()) == schema


def test_new_writes_a_scenario_that_validates_and_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = runner.invoke(app, ["new", "my-crisis"])
    assert done.exit_code == 0, done.output
    assert runner.invoke(app, ["validate", "my-crisis.yaml"]).exit_code == 0
    ran = runner.invoke(app, ["run", "my-crisis.yaml", "-n", "100", "-m", "6", "--out", "o"])
    assert ran.exit_code == 0, ran.output
    again = runner.invoke(app, ["new", "my-crisis"])
    assert again.exit_code == 2 and "already exists" in again.output
    bad = runner.invoke(app, ["new", "Bad Name"])
    assert bad.exit_code == 2 and "invalid scenario name" in bad.output


def test_unknown_field_suggests_the_nearest(tmp_path):
    runner.invoke(app, ["new", "typo", "-o", str(tmp_path / "typo.yaml")])
    path = tmp_path / "typo.yaml"
    path.write_text(path.read_text().replace("horizon_months:", "months:"))
    done = runner.invoke(app, ["validate", str(path)])
    assert done.exit_code == 2
    assert "typo.yaml:" in done.output and "did you mean 'horizon_months'?" in done.output

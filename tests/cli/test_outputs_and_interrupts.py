"""Output folders checked before simulating, write failures that say what is kept, one writer
per run folder, and Ctrl-C of the long commands."""

from __future__ import annotations

import errno
import os

import pytest
from typer.testing import CliRunner

import peninsula as pn
from peninsula.cli import app
from peninsula.store import runs as run_store

runner = CliRunner()
SMALL = ["-n", "20", "-m", "2"]


def _fails(args, *, code=2):
    result = runner.invoke(app, args)
    assert result.exit_code == code, (result.output, result.exception)
    assert "Traceback" not in result.output
    return " ".join(result.output.split())


@pytest.fixture()
def read_only(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    if os.access(folder, os.W_OK):
        folder.chmod(0o700)
        pytest.skip("running as root: chmod does not stop writes")
    yield folder
    folder.chmod(0o700)


@pytest.mark.parametrize("command", [["run"], ["run-chunked"], ["explore", "--samples", "2"]])
def test_read_only_output_is_refused_before_simulating(command, read_only, monkeypatch):
    monkeypatch.setattr("peninsula.experiments.ensemble.simulate_chunk",
                        lambda *a, **k: pytest.fail("simulated"))
    text = _fails([*command, *SMALL, "--out", str(read_only / "x")])
    assert "not writable" in text


def test_export_to_read_only_folder_is_refused(read_only, tmp_path):
    assert runner.invoke(app, ["run", *SMALL, "--out", str(tmp_path / "r")]).exit_code == 0
    assert "not writable" in _fails(["export", str(tmp_path / "r"), "--out",
                                     str(read_only / "e")])


def _full_disk(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_full_disk_during_run_says_nothing_was_written(tmp_path, monkeypatch):
    monkeypatch.setattr(run_store, "write_run", _full_disk)
    text = _fails(["run", *SMALL, "--out", str(tmp_path / "r")])
    assert "No space left on device" in text and "nothing was written" in text
    assert "rollback" not in text
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())


def test_full_disk_keeps_earlier_results_and_chunks(tmp_path, monkeypatch):
    folder = tmp_path / "c"
    assert runner.invoke(app, ["run-chunked", *SMALL, "--out", str(folder)]).exit_code == 0
    before = (folder / "results.duckdb").read_bytes()
    monkeypatch.setattr(run_store, "write_run", _full_disk)
    text = _fails(["run-chunked", *SMALL, "--out", str(folder), "--resume"])
    assert "the results already there are kept" in text and "--resume" in text
    assert (folder / "results.duckdb").read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["chunks.duckdb", "results.duckdb",
                                                        "summary.json"]


def test_full_disk_during_export_names_what_is_kept(tmp_path, monkeypatch):
    assert runner.invoke(app, ["run", *SMALL, "--out", str(tmp_path / "r")]).exit_code == 0
    real = os.replace
    calls = []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) > 2:
            _full_disk()
        return real(src, dst)

    monkeypatch.setattr("peninsula.store.export.os.replace", replace)
    text = _fails(["export", str(tmp_path / "r"), "--out", str(tmp_path / "e")])
    assert "No space left on device" in text and "the 2 files written before are kept" in text
    assert not [p for p in (tmp_path / "e").iterdir() if p.name.endswith(".partial")]


def test_second_run_into_the_same_folder_is_refused_up_front(tmp_path, monkeypatch):
    folder = tmp_path / "busy"
    with run_store.reserve_run_folder(folder):
        monkeypatch.setattr("peninsula.experiments.ensemble.simulate_chunk",
                            lambda *a, **k: pytest.fail("simulated"))
        text = _fails(["run", *SMALL, "--out", str(folder)])
        assert "is being written by process" in text
    monkeypatch.undo()
    assert runner.invoke(app, ["run", *SMALL, "--out", str(folder)]).exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["results.duckdb", "summary.json"]


def _interrupt(*_args, **_kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize("command", [["run"], ["counterfactual", "-w", "S1"]])
def test_ctrl_c_of_run_and_counterfactual(command, tmp_path, monkeypatch):
    monkeypatch.setattr("peninsula.experiments.runs.run_ensemble", _interrupt)
    out = ["--out", str(tmp_path / "r")] if command == ["run"] else []
    result = runner.invoke(app, [*command, *SMALL, *out])
    assert result.exit_code == 130, result.output
    assert result.output.strip().splitlines() == ["interrupted: nothing was written"]
    assert not (tmp_path / "r").exists()


def test_ctrl_c_of_explore_and_export(tmp_path, monkeypatch):
    monkeypatch.setattr("peninsula.experiments.explore.run_ensemble", _interrupt)
    result = runner.invoke(app, ["explore", "--samples", "2", *SMALL, "--executor", "local",
                                 "--out", str(tmp_path / "x")])
    assert result.exit_code == 130 and "interrupted" in result.output
    monkeypatch.undo()
    pn.run("korea-2024", futures=20, months=2, progress=False).save(tmp_path / "r")
    monkeypatch.setattr("peninsula.cli.files.export_results", _interrupt)
    result = runner.invoke(app, ["export", str(tmp_path / "r")])
    assert result.exit_code == 130
    assert result.output.strip().splitlines()[-1].startswith("interrupted")


def test_one_future_run_writes_valid_json_and_says_there_is_no_interval(tmp_path):
    """One future has no spread: the interval of a mean does not exist. The run used to crash
    writing ``-inf`` into summary.json; now the bounds are null and the table says so."""
    import json

    folder = tmp_path / "one"
    result = runner.invoke(app, ["run", "-n", "1", "-m", "2", "--out", str(folder)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "none (one future)" in result.output
    summary = json.loads((folder / "summary.json").read_text(),
                         parse_constant=lambda c: pytest.fail(f"{c} in summary.json"))
    continuous = [o for o in summary["outcomes"] if o["kind"] == "continuous"]
    assert continuous and all(o["estimate"]["low"] is None for o in continuous)


def test_one_future_counterfactual_says_there_is_no_interval():
    result = runner.invoke(app, ["counterfactual", "--without", "S4", "-n", "1", "-m", "2"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "none (one future)" in result.output and "inf" not in result.output


def _ctrl_c(*_args, **_kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize(("target", "args"), [
    ("peninsula.cli.estimate.fit", ["fit", "korea-2024", "--history", "h", "--until", "2023-12"]),
    ("peninsula.cli.estimate.backtest",
     ["backtest", "korea-2024", "--history", "h", "--origins", "2020-01"]),
    ("peninsula.cli.forecast.forecast_questions",
     ["forecast", "korea-2024", "korea-2024-questions", "--futures", "10"]),
    ("peninsula.cli.agents.compare_agents",
     ["compare-agents", "south-asia-2019", "--futures", "2", "--agent", "IND=quantal"]),
])
def test_ctrl_c_of_long_commands_says_so(target, args, tmp_path, monkeypatch):
    """Typer turns an uncaught Ctrl-C into a silent exit 130: each long command says what is
    kept instead (here: nothing)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(target, _ctrl_c)
    result = runner.invoke(app, args)
    assert result.exit_code == 130, result.output
    assert "interrupted: nothing was written" in result.output
    assert "Traceback" not in result.output

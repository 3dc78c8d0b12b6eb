"""A damaged exploration.duckdb or chunks.duckdb is named, with what can be recovered."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import peninsula as pn
from peninsula.cli import app
from peninsula.store.explorations import ResultsError, open_results

runner = CliRunner()


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    n = len(data)
    if how == "truncated":
        path.write_bytes(data[: n // 2])
    else:  # random bytes over the middle third
        noise = np.random.default_rng(7).bytes(n // 3)
        path.write_bytes(data[: n // 3] + noise + data[n // 3 + len(noise):])


@pytest.fixture(scope="module")
def explored(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("good")
    pn.explore("korea-2024", samples=4, futures=10, months=2, out=folder,
               executor=pn.executors.Local(), progress=False)
    return folder


@pytest.fixture(params=["truncated", "overwritten"])
def damaged(request, explored, tmp_path) -> Path:
    folder = tmp_path / request.param / "damaged"
    shutil.copytree(explored, folder)
    _damage(folder / "exploration.duckdb", request.param)
    return folder


def _one_line(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.output, result.exception)
    assert "Traceback" not in result.output
    return " ".join(result.output.split())


def test_open_results_names_the_damaged_file(damaged):
    with pytest.raises(ResultsError, match="exploration.duckdb is damaged.*run the exploration"):
        open_results(damaged)


@pytest.mark.parametrize("command", [["analyze"], ["report", "-o", "IGNORED"], ["compare"]])
def test_commands_on_a_damaged_exploration(command, damaged, explored, tmp_path):
    args = [command[0], str(damaged)]
    if command[0] == "report":
        args += ["-o", str(tmp_path / "r.html")]
    if command[0] == "compare":
        args += [str(explored)]
    text = _one_line(args)
    assert "exploration.duckdb is damaged" in text and "run the exploration again" in text


def test_resume_of_a_damaged_exploration(damaged):
    # a truncated copy keeps a readable header saying "complete": resume must still find out
    text = _one_line(["explore", "--samples", "4", "-n", "10", "-m", "2", "--executor", "local",
                      "--out", str(damaged), "--resume"])
    assert "exploration.duckdb is damaged" in text


@pytest.mark.parametrize("how", ["truncated", "overwritten"])
def test_resume_of_a_damaged_chunk_store(how, tmp_path):
    args = ["run-chunked", "-n", "2000", "-m", "3", "--chunk-size", "200", "--out",
            str(tmp_path)]
    assert runner.invoke(app, args).exit_code == 0
    _damage(tmp_path / "chunks.duckdb", how)
    text = _one_line([*args, "--resume"])
    assert "chunks.duckdb is damaged" in text and "delete it to start over" in text

"""Sizes an exploration cannot have are refused before anything is written."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import peninsula as pn
from peninsula.cli import app
from peninsula.experiments.runs import SizeError

runner = CliRunner()


@pytest.mark.parametrize("options", [{"futures": 10**12}, {"samples": 10**12},
                                     {"seed": 2**63}, {"samples": 2**31 - 1}])
def test_sizes_are_refused_with_their_limits(options, tmp_path):
    with pytest.raises(SizeError, match="must be|experiments|memory"):
        pn.explore("korea-2024", out=tmp_path, progress=False,
                   **{"samples": 2, "futures": 10, "months": 2, **options})
    assert not (tmp_path / "exploration.duckdb").exists()


def test_a_failed_exploration_leaves_nothing_that_blocks_a_rerun(tmp_path, monkeypatch):
    def boom(*_a, **_k):
        raise RuntimeError("engine failure")

    monkeypatch.setattr("peninsula.experiments.explore.run_ensemble", boom)
    with pytest.raises(RuntimeError):
        pn.explore("korea-2024", samples=2, futures=10, months=2, out=tmp_path,
                   executor=pn.executors.Local(), progress=False)
    assert not (tmp_path / "exploration.duckdb").exists()
    monkeypatch.undo()
    args = ["explore", "--samples", "2", "-n", "10", "-m", "2", "--executor", "local",
            "--out", str(tmp_path)]
    assert runner.invoke(app, args).exit_code == 0


def test_run_memory_estimate_is_in_the_message():
    with pytest.raises(SizeError, match=r"needs about [\d,.]+ GiB of memory"):
        pn.run("korea-2024", futures=2**31 - 1, progress=False)

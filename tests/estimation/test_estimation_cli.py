"""``peninsula history summary``: tables and PNG on the synthetic folder; the real one (shared)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from peninsula.api.estimation import history_summary
from peninsula.cli import app

runner = CliRunner()


def test_history_summary_prints_tables_and_writes_a_png(history_dir, tmp_path):
    png = tmp_path / "h.png"
    result = runner.invoke(app, ["history", "summary", str(history_dir), "--until", "2024-01",
                                 "--png", str(png)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "rows known before 2024-02-01" in result.output
    for name in ("missile_tests", "incidents", "gdelt", "tests_per_month[all]",
                 "quad_share[PRK>KOR,verbal_conflict]"):
        assert name in result.output
    assert re.search(r"longest_pause_months\s*│\s*46", result.output)  # 2020-04..2024-01
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_history_summary_reports_missing_files_and_bad_input(history_dir, tmp_path):
    (history_dir / "icb_crises.csv").unlink()
    ok = runner.invoke(app, ["history", "summary", str(history_dir)], env={"COLUMNS": "200"})
    assert ok.exit_code == 0 and "unavailable: crises file missing" in ok.output
    bad = runner.invoke(app, ["history", "summary", str(tmp_path / "none")])
    assert bad.exit_code == 2 and "not a folder" in bad.output and "Traceback" not in bad.output
    late = runner.invoke(app, ["history", "summary", str(history_dir), "--until", "2024-06"])
    assert late.exit_code == 2 and "vantage point" in late.output
    png = runner.invoke(app, ["history", "summary", str(history_dir), "--png",
                              str(tmp_path / "no" / "x.png")])
    assert png.exit_code == 2 and "existing folder" in png.output


@pytest.mark.shared
def test_summary_of_the_real_history_folder(shared_dir):
    s = history_summary(shared_dir / "data" / "history", until="2024-01")
    files = s.files.set_index("file")
    assert files.loc["dprk_missile_tests.csv", "rows"] == 263  # none in 2024-01-15..02-14
    assert files.loc["gdelt_composite_daily.csv", "last"] == "2024-01-31"
    assert (s.series_table["status"] == "available").all()
    launches = s.series.frames["missile_tests"]["launches"].sum()
    events = s.history.tables["missile_tests"]["launch_event"].nunique()
    assert launches >= events == 151  # an event mixing two classes counts once per class
    st = s.statistics
    assert st["nuclear_tests_per_year"] == pytest.approx(6 / (478 / 12))  # 1984-04..2024-01
    assert 0 < st["share_months_with_test"] < 0.5


@pytest.mark.parametrize("command", ["fit", "backtest"])
def test_a_dead_worker_is_one_line_not_a_traceback(command, tmp_path, monkeypatch):
    from peninsula.experiments.executors import ExecutorError

    def die(*_args, **_kwargs):
        raise ExecutorError("a worker process died; finished chunks are kept, run again with "
                            "--resume")

    monkeypatch.setattr(f"peninsula.cli.estimate.{command}", die)
    args = (["fit", "korea-2024", "--history", str(tmp_path), "--until", "2023-12", "--out",
             str(tmp_path / "fit")] if command == "fit" else
            ["backtest", "korea-2024", "--history", str(tmp_path), "--origins", "2020-01"])
    result = CliRunner().invoke(app, [*args, "--executor", "processes"])
    assert result.exit_code == 2
    assert "a worker process died; nothing was written" in result.output
    assert "--resume" not in result.output and "Traceback" not in result.output

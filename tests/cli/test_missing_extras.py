"""A command whose optional extra is missing says so in one line, with the exact install command.

Each case runs the real command in a fresh process where the extra's modules cannot be
imported (``sys.modules[name] = None`` makes ``import name`` fail, as on a plain install).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import peninsula as pn

BLOCK = {
    "report": ["plotly", "jinja2"],
    "analysis": ["SALib", "ema_workbench"],
    "plot": ["matplotlib"],
    "nlp": ["spacy"],
    "dask": ["distributed", "dask"],
}


def _peninsula(args: list[str], blocked: list[str], cwd) -> subprocess.CompletedProcess:
    code = ("import sys\n"
            f"for name in {blocked!r}: sys.modules[name] = None\n"
            "from peninsula.cli import main\n"
            f"sys.argv = ['peninsula', *{args!r}]\n"
            "main()\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


@pytest.fixture(scope="module")
def exploration(tmp_path_factory):
    folder = tmp_path_factory.mktemp("extras") / "x"
    pn.explore("korea-2024", samples=4, futures=10, months=3, out=folder, progress=False)
    return folder


def _one_line_hint(done: subprocess.CompletedProcess, extra: str) -> None:
    assert done.returncode == 2, done.stderr + done.stdout
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert f"pip install 'peninsula[{extra}]'" in errors[0]  # brackets survive the console
    assert "Traceback" not in done.stderr


def test_run_report_without_the_report_extra(tmp_path):
    done = _peninsula(["run", "-n", "50", "-m", "3", "--out", "o", "--report"],
                      BLOCK["report"], tmp_path)
    _one_line_hint(done, "report")
    assert not (tmp_path / "o").exists()  # refused before simulating anything


def test_report_without_the_report_extra(tmp_path, exploration):
    _one_line_hint(_peninsula(["report", str(exploration), "-o", "r.html"], BLOCK["report"],
                              tmp_path), "report")


def test_analyze_without_the_analysis_extra(tmp_path, exploration):
    # the Council veto (its vote falls in the first three months) occurs in some experiments
    # and not in others, so PRIM (EMA Workbench) is needed
    _one_line_hint(_peninsula(["analyze", str(exploration), "--outcome", "panel_mandate_vetoed",
                              "--threshold", "0.01"], BLOCK["analysis"], tmp_path),
                   "analysis")


def test_code_without_the_nlp_extra(tmp_path):
    (tmp_path / "a.txt").write_text("North Korea fired a missile toward Japan.")
    _one_line_hint(_peninsula(["code", "a.txt", "--date", "2024-02-01"], BLOCK["nlp"], tmp_path),
                   "nlp")


def test_score_plot_without_the_plot_extra(tmp_path):
    forecasts = tmp_path / "f.csv"
    forecasts.write_text("id,probability\nputin-visits-dprk-2024,0.4\n")
    done = _peninsula(["score", str(forecasts), "korea-2024-questions", "--plot", "c.png"],
                      BLOCK["plot"], tmp_path)
    _one_line_hint(done, "plot")


def test_run_chunked_dask_without_the_dask_extra(tmp_path):
    done = _peninsula(["run-chunked", "-n", "100", "-m", "2", "--executor", "dask", "--out",
                       "o"], BLOCK["dask"], tmp_path)
    _one_line_hint(done, "dask")

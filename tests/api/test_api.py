"""The Python face: ``import peninsula as pn`` gives runs, counterfactuals and explorations."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import peninsula as pn
from peninsula.experiments.runs import run_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def korea():
    return pn.load_scenario("korea-2024")


@pytest.fixture(scope="module")
def small_run(korea):
    return pn.run(korea, futures=300, months=12, seed=7, progress=False)


def test_public_names_are_exported():
    for name in ("load_scenario", "run", "counterfactual", "explore", "open_exploration",
                 "write_report", "executors", "__version__"):
        assert hasattr(pn, name), name
    assert set(pn.__all__) <= set(dir(pn))


def test_summary_is_a_named_table_equal_to_the_engine(small_run, korea):
    summary = small_run.summary()
    assert list(summary.columns) == ["outcome", "label", "kind", "probability", "mean", "low",
                                     "high", "median_first_month", "p05", "median", "p95"]
    assert list(summary.outcome) == [o.id for o in korea.scenario.outcomes]
    direct = run_scenario(korea, futures=300, months=12, seed=7)
    out = direct.model.outcomes
    for c, row in enumerate(out.binary):
        expected = float((direct.result.first_month[:, c] >= 0).mean())
        got = summary.set_index("outcome").loc[out.ids[row], "probability"]
        assert got == pytest.approx(expected)
    row = summary.set_index("outcome").loc["arms_race_intensity"]
    assert row["kind"] == "continuous" and np.isnan(row["probability"])
    assert row["low"] < row["mean"] < row["high"]
    # the spread across futures is wider than the interval of the mean, and brackets it
    assert row["p05"] < row["low"] and row["high"] < row["p95"]
    assert row["p05"] <= row["median"] <= row["p95"]


def test_outcome_columns_are_named_in_scenario_order_never_positional(tmp_path):
    # a scenario whose first outcome is continuous: binary-first ordering would swap columns
    text = (ROOT / "src/peninsula/scenarios/south-asia-2019.yaml").read_text()
    growth = ("  - {id: arms_first, label: Arms growth, kind: arms_growth, "
              "actors: [IND, PAK]}\n")
    text = text.replace("outcomes:\n", "outcomes:\n" + growth, 1)
    path = tmp_path / "ordered.yaml"
    path.write_text(text)
    sc = pn.load_scenario(path)
    r = pn.run(sc, futures=200, months=6, seed=3, progress=False)
    frame = r.outcomes()
    assert list(frame.columns) == [o.id for o in sc.scenario.outcomes]
    assert frame.columns[0] == "arms_first" and frame["arms_first"].dtype == np.float64
    assert frame["war"].dtype == bool
    assert np.allclose(frame["arms_first"], r.run.result.value[:, 0])
    matrix = r.run.outcome_matrix()
    assert np.array_equal(matrix[:, 0], r.run.result.value[:, 0])


def test_events_are_coded(small_run):
    events = small_run.events()
    assert {"future", "month", "source", "target", "action", "cameo", "plover", "goldstein",
            "rung"} <= set(events.columns)
    assert len(events) == len(small_run.run.result.events) > 0
    assert events.month.str.match(r"^\d{4}-\d{2}$").all()
    assert set(events.source) <= {"PRK", "KOR", "CHN", "RUS", "USA", "JPN"}
    assert "do_nothing" not in set(events.action)


def test_save_writes_what_the_cli_writes(small_run, tmp_path):
    folder = small_run.save(tmp_path / "run")
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["metadata"]["seed"] == 7 and summary["metadata"]["futures"] == 300
    assert [o["id"] for o in summary["outcomes"]] == small_run.outcome_ids
    con = duckdb.connect(str(folder / "results.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM events").fetchone()[0] == len(small_run.events())
    finally:
        con.close()
    with pytest.raises(ValueError, match="already exists"):
        small_run.save(folder)


def test_argument_errors_speak_the_library_language(korea):
    with pytest.raises(ValueError, match="futures must be ≥ 1"):
        pn.run(korea, futures=0)
    with pytest.raises(ValueError, match="months must be between 1 and 240"):
        pn.run(korea, futures=10, months=0)
    with pytest.raises(pn.ScenarioError, match="unknown claim"):
        pn.run(korea, futures=10, without=["S99"])
    with pytest.raises(ValueError, match="workers must be ≥ 1"):
        pn.executors.Processes(0)


def test_overrides_move_the_numbers(korea):
    base = pn.run(korea, futures=400, months=12, seed=5, progress=False)
    calm = pn.run(korea.with_overrides({"actors.PRK.rationality": 0.5}), futures=400,
                  months=12, seed=5, progress=False)
    assert calm.metadata.scenario_sha256 != base.metadata.scenario_sha256
    assert not base.outcomes().equals(calm.outcomes())


def test_counterfactual_pairs_the_same_draws(korea):
    cf = pn.counterfactual(korea, without=["S4"], futures=400, months=12, seed=7,
                           progress=False)
    table = cf.table().set_index("outcome")
    assert table.loc["russia_arms_deal", "without"] == 0.0
    assert table.loc["russia_arms_deal", "significant"]
    same = pn.run(korea, futures=400, months=12, seed=7, progress=False)
    assert table.loc["russia_arms_deal", "with"] == pytest.approx(
        same.summary().set_index("outcome").loc["russia_arms_deal", "probability"])
    assert cf.switched["S4"] == dict(next(c for c in korea.scenario.claims
                                          if c.id == "S4").when_off)


def test_explore_open_analyze_report(korea, tmp_path):
    ex = pn.explore(korea, samples=6, futures=40, months=6, sampler="lhs", seed=2,
                    executor=pn.executors.Local(), out=tmp_path / "x", progress=False)
    again = pn.open_exploration(tmp_path / "x")
    assert again.metadata["samples"] == ex.metadata["samples"] == 6
    analysis = again.analyze()
    assert analysis.outcome == "war_on_peninsula" == korea.scenario.default_outcome
    regret = analysis.regret_table()
    assert len(regret) == len(again.results.policies) and (regret.max_regret >= 0).all()
    table = analysis.policy_table()
    assert isinstance(table, pd.DataFrame) and set(table.outcome) == set(
        o.id for o in korea.scenario.outcomes)
    assert analysis.sensitivity.ST is None and "sobol" in analysis.sensitivity.message
    with pytest.raises(FileExistsError):
        pn.explore(korea, samples=6, futures=40, months=6, out=tmp_path / "x", progress=False)
    page = pn.write_report(again, tmp_path / "report.html")
    assert "<html" in page.read_text().lower()


def test_quickstart_example_runs(tmp_path):
    """The example notebook (jupytext percent format) runs top to bottom, as in a kernel."""
    source = (ROOT / "examples" / "quickstart.py").read_text()
    # executed like a notebook cell by cell in one namespace: __main__ has no file to re-import
    code = f"exec(compile({source!r}, 'quickstart.py', 'exec'), {{'__name__': '__main__'}})"
    done = subprocess.run([sys.executable, "-c", code, "300"], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "war_on_peninsula" in done.stdout and "most robust:" in done.stdout
    assert "report: report.html" in done.stdout


def test_run_chunked_switches_claims_and_overrides_like_run(tmp_path):
    options = {"futures": 200, "months": 4, "seed": 5, "without": ["S6"],
               "overrides": {"actors.USA.objectives.war_aversion": 0.8}}
    direct = pn.run("korea-2024", progress=False, **options)
    chunked = pn.run_chunked("korea-2024", tmp_path / "c", chunk_size=100, **options)
    assert chunked.summary().equals(direct.summary())
    assert chunked.run.metadata.as_dict()["scenario_sha256"] == \
        direct.run.metadata.as_dict()["scenario_sha256"]

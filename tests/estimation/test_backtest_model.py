"""The model backtest: question probabilities, tables, and no leak from after the origin."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from peninsula.estimation.backtest import Question
from peninsula.estimation.backtest_model import (
    model_backtest,
    model_forecast,
    model_probabilities,
)
from peninsula.estimation.fit import FitError

TINY = {"budget": 16, "replicates": 1, "sets": 4, "futures": 2, "seed": 5, "horizon": 12,
        "parameters": ["effort"]}


def test_probabilities_from_simulated_counts() -> None:
    origin = pd.Timestamp("2020-01-01")
    sim = {"launches": np.array([[0, 0, 3, 0], [1, 1, 1, 0], [0, 0, 0, 0], [5, 0, 0, 0]])}
    qs = [Question("a", "", "launches", origin, 3, 3),
          Question("b", "", "launches", origin + pd.DateOffset(months=1), 3, 1),
          Question("late", "", "launches", origin + pd.DateOffset(months=3), 3, 1),
          Question("other", "", "nuclear_tests", origin, 3, 1)]
    assert model_probabilities(sim, origin, qs) == {"a": 0.75, "b": 0.5}


def _perturb_after(folder, origin: str) -> None:
    """Add launches and provocations from ``origin`` on (and nothing before)."""
    path = folder / "dprk_missile_tests.csv"
    extra = "".join(f"{m:%Y-%m}-20,day,{m:%Y%m}20-z,1,1,Test,ICBM,success,,\n"
                    for m in pd.date_range(origin, "2023-12-01", freq="MS"))
    path.write_text(path.read_text() + extra)
    prov = folder / "dprk_provocations_monthly.csv"
    lines = prov.read_text().splitlines(keepends=True)
    prov.write_text("".join(line if line[:7] < origin[:7] or line.startswith("month")
                            else line[:8] + "9" + line[9:] for line in lines))


def test_no_leak_after_origin(korea, example_history, tmp_path) -> None:
    origin = "2022-01"
    before = model_forecast(korea, example_history, origin, **TINY)
    changed = shutil.copytree(example_history, tmp_path / "changed")
    _perturb_after(changed, origin)
    after = model_forecast(korea, changed, origin, **TINY)
    assert before.keys() == after.keys()
    for name in before:
        assert np.array_equal(before[name], after[name]), name
    # the same perturbation starting earlier does reach the fit: the test can fail
    earlier = shutil.copytree(example_history, tmp_path / "earlier")
    _perturb_after(earlier, "2021-01")
    moved = model_forecast(korea, earlier, origin, **TINY)
    assert any(not np.array_equal(before[n], moved[n]) for n in before)


def test_backtest_tables(korea, example_history) -> None:
    args = {k: v for k, v in TINY.items() if k != "parameters"}
    with pytest.raises(FitError, match="--origins"):
        model_backtest(korea, example_history, [], **args)
    result = model_backtest(korea, example_history, ["2022-01"], **args)
    forecasters = set(result.pooled["baseline"])
    assert {"model", "climatology", "poisson24", "negbin24", "persistence"} <= forecasters
    n = result.pooled.set_index("baseline")["n"]
    assert (n == n["model"]).all()  # every forecaster scored on the same questions
    assert ((result.forecasts["probability"] >= 0) & (result.forecasts["probability"] <= 1)).all()
    assert "model" in set(result.crps["baseline"])


def test_paired_differences_by_question_and_by_origin() -> None:
    from peninsula.estimation.backtest_model import paired_differences

    rows = []
    for o, origin in enumerate(pd.to_datetime(["2014-01-01", "2016-01-01", "2018-01-01"])):
        for q in range(10):
            outcome = float(q % 2)
            rows.append({"origin": origin, "question": f"q{q}", "baseline": "model",
                         "probability": 0.8 if outcome else 0.2, "outcome": outcome})
            # the baseline is worse at the first two origins and better at the last one
            p = 0.5 if o < 2 else (0.9 if outcome else 0.1)
            rows.append({"origin": origin, "question": f"q{q}", "baseline": "base",
                         "probability": p, "outcome": outcome})
    t = paired_differences(pd.DataFrame(rows), draws=2000, seed=1).set_index("baseline")
    row = t.loc["base"]
    expected = ((0.04 - 0.25) * 20 + (0.04 - 0.01) * 10) / 30
    assert row["n"] == 30 and row["difference"] == pytest.approx(expected)
    assert row["low_q"] <= expected <= row["high_q"]
    # origins are the honest unit here: their interval is wider and reaches above zero
    assert row["low_origin"] < row["low_q"] and row["high_origin"] > 0 > row["high_q"]
    assert t.equals(paired_differences(pd.DataFrame(rows), draws=2000, seed=1).set_index(
        "baseline"))

"""A tiny fit of korea-2024 end to end, the simulator's contract, save/load and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from peninsula.estimation.fit import (
    FitError,
    ModelSimulator,
    Window,
    fit_parameters,
    fit_scenario,
    folder_sha256,
    load_fit,
)
from peninsula.estimation.measurement import FIT_STATISTICS


def test_window() -> None:
    w = Window.of("2024-01")
    assert (w.first, w.last, w.months) == (pd.Timestamp("2022-02-01"),
                                           pd.Timestamp("2024-01-01"), 24)
    assert Window.of("2024-01", "2023-07").months == 7
    with pytest.raises(FitError, match="after --until"):
        Window.of("2020-01", "2021-01")
    with pytest.raises(FitError, match="YYYY-MM"):
        Window.of("soon")


def test_parameters(korea) -> None:
    params = fit_parameters(korea)
    ids = [p.id for p in params]
    assert "effort" in ids and len(ids) == len(set(ids))
    log = [p for p in params if p.distribution == "loguniform"]
    for p in log:  # fitted on the log scale, values back in range
        lo, hi = p.bounds
        assert lo == pytest.approx(np.log(p.low)) and p.value(hi) == pytest.approx(p.high)
    chosen = fit_parameters(korea, ["tone_cap", "dynamics.effort"])
    assert [p.id for p in chosen] == ["tone_cap", "effort"]
    with pytest.raises(FitError, match="unknown nonsense"):
        fit_parameters(korea, ["nonsense"])


def test_simulator_is_vectorised_and_reproducible(korea) -> None:
    params = fit_parameters(korea, ["effort", "tone_cap"])
    sim = ModelSimulator(korea, params, window=Window.of("2023-12", months=6),
                         stat_names=FIT_STATISTICS, replicates=3)
    theta = np.array([[0.5, 4.0], [1.5, 9.0], [0.5, 4.0]])
    a, b = sim(theta, 11), sim(theta, 11)
    assert a.shape == (3, len(FIT_STATISTICS)) and np.array_equal(a, b)
    assert sim.parameter_sets == 4  # identical rows are run once per call
    assert sim.futures == 18
    assert np.all(np.isfinite(a)) and (a[:, 0] >= 0).all()


def test_tiny_fit_end_to_end(korea, example_history, tmp_path) -> None:
    fit = fit_scenario(korea, example_history, until="2023-12", method="abc", budget=10,
                       replicates=2, seed=3, parameters=["effort", "tone_cap"])
    post = fit.posterior
    assert post.samples.shape[1] == 2 and post.bounds.contains(post.samples).all()
    assert fit.meta["window"] == {"first": "2022-01", "last": "2023-12", "months": 24}
    cost = fit.meta["cost"]
    assert cost["futures"] % 2 == 0 and cost["futures"] >= 2 * cost["parameter_sets"]
    # the example history has no nuclear-test file: that statistic is simply not compared
    assert "nuclear_tests_per_year" not in fit.meta["statistics"]
    folder = fit.save(tmp_path / "fit", plot=False)
    meta = json.loads((folder / "fit.json").read_text())
    assert meta["scenario_sha256"] == korea.sha256 and meta["seed"] == 3
    again = load_fit(folder)
    assert np.array_equal(again.posterior.samples, post.samples)
    assert [p.id for p in again.params] == ["effort", "tone_cap"]
    values = again.values(5, seed=1)
    assert list(values.columns) == ["effort", "tone_cap"] and len(values) == 5
    assert len(folder_sha256(folder)) == 64


def test_history_matching_runs(korea, example_history) -> None:
    fit = fit_scenario(korea, example_history, until="2023-12", method="history-matching",
                       budget=24, replicates=2, seed=1, parameters=["effort"], population=20)
    assert fit.posterior.method == "history-matching"
    assert fit.posterior.bounds.contains(fit.posterior.samples).all()


def test_bad_input(korea, example_history, tmp_path) -> None:
    with pytest.raises(FitError, match="--method"):
        fit_scenario(korea, example_history, until="2023-12", method="mcmc")
    with pytest.raises(FitError, match="--budget"):
        fit_scenario(korea, example_history, until="2023-12", budget=2)
    with pytest.raises(FitError, match="not a fit folder"):
        load_fit(tmp_path)


def test_cli_fit(example_history, tmp_path) -> None:
    from peninsula.cli import app

    runner = CliRunner()
    out = tmp_path / "fit"
    result = runner.invoke(app, ["fit", "korea-2024", "--history", str(example_history),
                                 "--until", "2023-12", "--budget", "8", "--replicates", "1",
                                 "--parameters", "effort", "--no-png", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Posterior-predictive check" in result.output
    assert {"fit.json", "posterior.json", "samples.parquet"} <= {p.name for p in out.iterdir()}
    bad = runner.invoke(app, ["fit", "korea-2024", "--history", str(example_history),
                              "--until", "2023-12", "--parameters", "nope", "--out",
                              str(tmp_path / "other")])
    assert bad.exit_code == 2 and "unknown nope" in bad.output

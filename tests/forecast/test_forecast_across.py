"""Forecasting across an exploration: per policy and pooled, over the sampled parameters."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from peninsula.cli import app
from peninsula.experiments.explore import explore
from peninsula.forecast.across import forecast_across
from peninsula.forecast.forecasting import forecast_questions
from peninsula.forecast.questions import load_questions
from peninsula.scenario.exploration import load_exploration
from peninsula.scenario.loading import load_scenario
from peninsula.store.explorations import open_results


@pytest.fixture(scope="module")
def tiny_exploration(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explored")
    korea = load_scenario("korea-2024")
    explore(korea, load_exploration("korea-2024", korea), folder, samples=3, futures=20,
            months=3, seed=9, sampler="lhs", executor="local")
    return folder


def test_pooled_is_the_mean_of_the_policies_and_a_policy_equals_a_direct_forecast(
        tiny_exploration):
    questions = load_questions("korea-2024-questions")
    sets = forecast_across(tiny_exploration, questions)
    res = open_results(tiny_exploration)
    assert len(sets) == 1 + len(res.policies)
    pooled = {f.id: f.probability for f in sets[0].forecasts.forecasts}
    per_policy = np.array([[f.probability for f in s.forecasts.forecasts] for s in sets[1:]])
    np.testing.assert_allclose(list(pooled.values()), per_policy.mean(axis=0))
    for s in sets:
        for f in s.forecasts.forecasts:
            assert 0.0 <= f.low <= f.probability <= f.high <= 1.0
    # the first policy's first sample, forecast directly with the same parameters and seed
    korea = load_scenario("korea-2024")
    overrides = {u["path"]: float(v) for u, v in zip(res.uncertainties, res.samples[0],
                                                     strict=True)}
    levers = {lever["id"]: {o["id"]: o["overrides"] for o in lever["options"]}
              for lever in res.metadata["spec"]["levers"]}
    for lever_id, option_id in res.policies[0]["options"].items():
        overrides.update(levers[lever_id][option_id])
    direct = forecast_questions(korea.with_overrides(overrides), questions, futures=20,
                                seed=int(res.seeds[0]))
    rerun = forecast_across(tiny_exploration, questions)  # reproducible run to run
    assert [f.probability for f in rerun[1].forecasts.forecasts] == list(per_policy[0])
    direct_p = np.array([f.probability for f in direct.forecasts])
    samples = []
    for s in range(res.samples.shape[0]):
        ov = {u["path"]: float(v) for u, v in zip(res.uncertainties, res.samples[s],
                                                  strict=True)}
        for lever_id, option_id in res.policies[0]["options"].items():
            ov.update(levers[lever_id][option_id])
        samples.append([f.probability for f in forecast_questions(
            korea.with_overrides(ov), questions, futures=20, seed=int(res.seeds[s])).forecasts])
    np.testing.assert_allclose(np.mean(samples, axis=0), per_policy[0])
    np.testing.assert_allclose(samples[0], direct_p)


def test_the_forecast_command_takes_an_exploration(tiny_exploration, tmp_path):
    result = CliRunner().invoke(app, ["forecast", str(tiny_exploration), "korea-2024-questions",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    pooled = json.loads((tmp_path / "all-policies" / "forecasts.json").read_text())
    assert "putin-visits-dprk-2024" in json.dumps(pooled)
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 13

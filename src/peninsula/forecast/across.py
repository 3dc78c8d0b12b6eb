"""Forecast questions across an exploration: every sampled parameter set, per policy.

A single scenario gives one probability from one set of guesses; an exploration
(``peninsula explore``) samples the uncertain parameters and runs every policy. Here each
experiment (sample x policy) is run again with its own parameters and seed, the questions'
criteria are evaluated on its futures, and the probabilities are averaged over the samples, per
policy and for all policies together, with intervals that account for futures sharing a
sample's parameters (:func:`peninsula.analysis.policies.pooled_probability`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from peninsula._version import __version__
from peninsula.analysis.policies import pooled_probability
from peninsula.forecast.forecasting import ForecastSet, QuestionForecast, forecast_questions
from peninsula.forecast.questions import QuestionFile
from peninsula.scenario.loading import load_scenario
from peninsula.store.explorations import open_results


@dataclass
class PolicyForecasts:
    """Forecasts of one policy (or of all policies pooled) across the sampled parameters."""

    label: str
    slug: str
    forecasts: ForecastSet


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "policy"


def forecast_across(results: str | Path, questions: QuestionFile, *,
                    on_experiment: Callable[[], None] | None = None) -> list[PolicyForecasts]:
    """Per-policy and pooled forecasts of ``questions`` over a stored exploration.

    Each experiment is re-run with the exploration's futures, months as the questions need,
    its sample's parameter values and lever options, and its sample's seed (the same for every
    policy). Raises ``ValueError`` if the scenario has changed since the exploration.
    """
    res = open_results(results)
    meta = res.metadata
    loaded = load_scenario(meta["scenario"])
    if loaded.sha256 != meta["scenario_sha256"]:
        raise ValueError(f"{res.path}: scenario {meta['scenario']} has changed since this "
                         "exploration was run (its sha256 differs); explore it again")
    options = {lever["id"]: {o["id"]: o["overrides"] for o in lever["options"]}
               for lever in meta["spec"]["levers"]}
    futures = int(meta["futures"])
    integer = {u["name"] for u in res.uncertainties if u["distribution"] == "integer"}
    per_policy: list[dict[str, np.ndarray]] = []
    template: list[QuestionForecast] = []
    skipped: list[str] = []
    for policy in res.policies:
        lever_overrides: dict = {}
        for lever_id, option_id in policy["options"].items():
            lever_overrides.update(options[lever_id][option_id])
        shares: dict[str, list[float]] = {}
        for s in range(res.samples.shape[0]):
            overrides = {u["path"]: (int(v) if u["name"] in integer else float(v))
                         for u, v in zip(res.uncertainties, res.samples[s], strict=True)}
            overrides.update(lever_overrides)
            result = forecast_questions(loaded.with_overrides(overrides, why="exploration"),
                                        questions, futures=futures, seed=int(res.seeds[s]))
            template, skipped = result.forecasts, result.without_criterion
            for f in result.forecasts:
                shares.setdefault(f.id, []).append(f.successes / f.futures)
            if on_experiment is not None:
                on_experiment()
        per_policy.append({k: np.array(v) for k, v in shares.items()})

    def summarise(label: str, share_sets: list[dict[str, np.ndarray]]) -> PolicyForecasts:
        rows = []
        for f in template:
            per_sample = np.concatenate([shares[f.id] for shares in share_sets])
            estimate, _ = pooled_probability(per_sample, futures)
            rows.append(QuestionForecast(
                id=f.id, question=f.question, closes=f.closes, probability=estimate.value,
                low=estimate.low, high=estimate.high,
                successes=int(round(per_sample.sum() * futures)),
                futures=per_sample.size * futures))
        forecasts = ForecastSet(
            forecasts=rows, scenario=f"{meta['scenario']} [{label}]",
            scenario_sha256=meta["scenario_sha256"], seed=int(meta["seed"]),
            futures=futures, version=__version__, questions_file=questions.label,
            without_criterion=skipped)
        return PolicyForecasts(label=label, slug=_slug(label), forecasts=forecasts)

    pooled = summarise("all policies", per_policy)
    return [pooled] + [summarise(policy["label"], [shares])
                       for policy, shares in zip(res.policies, per_policy, strict=True)]

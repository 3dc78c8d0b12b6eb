"""Backtest the fitted model against the baselines (``peninsula backtest``).

For each origin ``O``: the history is read with the cut at ``O`` (:func:`read_history` with
``until`` the month before: nothing from ``O`` on is read, so nothing after the origin can
inform the fit), the scenario's uncertainties are fitted to the 24 months before ``O``
(:func:`~peninsula.estimation.fit.fit_scenario`), and parameter sets resampled from that
posterior run ``horizon`` months. The simulated monthly counts of the measured series
(:func:`~peninsula.estimation.measurement.simulated_counts`) give the probability of every
threshold question of :func:`~peninsula.estimation.backtest.threshold_questions` (the share of
simulated histories over the threshold; simulated month ``m`` stands for ``O + m``) and a
predictive sample for the CRPS of monthly and quarterly totals. The baselines of
:mod:`peninsula.estimation.backtest` are scored on the same questions.

Start states: with ``start="origin"`` (the default) the fit simulates its window from the state
at the window's first month and the forecast starts from the state at ``O``, each built by
:func:`~peninsula.estimation.origin.origin_scenario` from data dated before that month
(relations from event data, North Korea's nuclear tests, dated facts, the calendar). What it
does not rebuild (other capabilities, objectives, commitments) stays the scenario's 2024 value,
a remaining leak stated in :mod:`peninsula.estimation.origin`. ``start="scenario"`` keeps the
scenario's own start state at every origin (the earlier behaviour, for comparison).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from peninsula.estimation.backtest import (
    Question,
    backtest_baselines,
    before,
    count_series,
    crps_sample,
    resolve,
    score_questions,
    threshold_questions,
)
from peninsula.estimation.fit import FitError, fit_parameters, fit_scenario, simulate_counts
from peninsula.estimation.history import read_history
from peninsula.estimation.origin import OriginState, origin_scenario
from peninsula.estimation.series import observed_series
from peninsula.experiments.executors import Executor
from peninsula.scenario.loading import LoadedScenario

__all__ = ["START_STATES", "ModelBacktest", "model_backtest", "model_forecast",
           "model_probabilities", "paired_differences"]

START_STATES = ("origin", "scenario")
"""``start=`` values: states built from data before each month, or the scenario's own."""


def model_probabilities(sim: dict[str, np.ndarray], origin: pd.Timestamp,
                        questions: Sequence[Question]) -> dict[str, float]:
    """``P(question)`` for each question whose series the model simulates, by question id."""
    out = {}
    for q in questions:
        if q.series not in sim:
            continue
        counts = sim[q.series]
        a = (q.start.year - origin.year) * 12 + q.start.month - origin.month
        if a < 0 or a + q.months > counts.shape[1]:
            continue
        out[q.id] = float((counts[:, a:a + q.months].sum(axis=1) >= q.threshold).mean())
    return out


def model_forecast(loaded: LoadedScenario, folder, origin: str | pd.Timestamp, *,
                   horizon: int = 24, method: str = "abc", budget: int = 100,
                   replicates: int = 8, seed: int = 0, sets: int = 40, futures: int = 10,
                   window_months: int = 24, parameters: list[str] | None = None,
                   start: str = "origin", states: list[OriginState] | None = None,
                   executor: Executor | None = None) -> dict[str, np.ndarray]:
    """Simulated monthly counts ``[sets * futures, horizon]`` after ``origin``.

    Fitted on the history before ``origin`` only (the cut is :func:`read_history`'s); with
    ``start="origin"`` the fit window and the forecast start from states built from that
    history (appended to ``states`` when given: the window's, then the origin's).
    """
    if start not in START_STATES:
        raise FitError(f"--start {start!r}: expected one of {', '.join(START_STATES)}")
    o = pd.Timestamp(origin).to_period("M").to_timestamp()
    last = o - pd.DateOffset(months=1)
    history = read_history(folder, until=f"{last:%Y-%m}")
    first = last - pd.DateOffset(months=window_months - 1)
    fitted, forecast = loaded, loaded
    if start == "origin":
        fitted, window_state = origin_scenario(loaded, history, first, horizon=window_months)
        forecast, origin_state = origin_scenario(loaded, history, o, horizon=horizon)
        if states is not None:
            states += [window_state, origin_state]
        # what the data fixed (no SLBM yet: no second strike; no war yet) is not fitted, or
        # the parameter sets would undo the start states; the forecast keeps its own state
        fixed = window_state.fixed | origin_state.fixed
        parameters = [p.id for p in fit_parameters(loaded, parameters) if p.path not in fixed]
    fit = fit_scenario(fitted, history, until=f"{last:%Y-%m}", window_start=f"{first:%Y-%m}",
                       method=method, budget=budget, replicates=replicates, seed=seed,
                       parameters=parameters, executor=executor)
    return simulate_counts(forecast, fit, months=horizon, sets=sets, futures=futures, seed=seed,
                           executor=executor)


@dataclass(frozen=True)
class ModelBacktest:
    """Model and baselines over several origins.

    ``forecasts``: one row per (origin, forecaster, question); ``questions``: Brier, log and
    Murphy terms per origin and forecaster; ``pooled``: the same over all origins;
    ``crps``: mean CRPS of monthly (``m`` = 1) and quarterly (3) totals per series, origin and
    forecaster; ``start``: how start states were made; ``states``: one row per value an
    origin's start state set (``origin``, ``month`` of the state, ``field``, ``value``,
    ``basis``), empty with ``start="scenario"``; ``paired``: :func:`paired_differences`.
    """

    forecasts: pd.DataFrame
    questions: pd.DataFrame
    pooled: pd.DataFrame
    crps: pd.DataFrame
    start: str = "origin"
    states: pd.DataFrame = field(default_factory=pd.DataFrame)
    paired: pd.DataFrame = field(default_factory=pd.DataFrame)


def paired_differences(forecasts: pd.DataFrame, *, draws: int = 4000,
                       seed: int = 0) -> pd.DataFrame:
    """The model's squared error minus each baseline's, averaged over the questions both answer.

    Two 95% bootstrap intervals: over questions (``low_q``, ``high_q``; treats the questions
    of one origin as independent, so too narrow) and over origins, each resampled with all its
    questions (``low_origin``, ``high_origin``; honest about that correlation, coarse with few
    origins). Negative: the model is better. Seeded, so the same table every time.
    """
    f = forecasts.dropna(subset=["outcome"])
    f = f.assign(se=(f["probability"] - f["outcome"]) ** 2)
    wide = f.pivot_table(index=["origin", "question"], columns="baseline", values="se")
    rows = []
    if "model" not in wide:
        return pd.DataFrame(columns=["baseline", "n", "difference", "low_q", "high_q",
                                     "low_origin", "high_origin"])
    for baseline in [b for b in wide.columns if b != "model"]:
        d = (wide["model"] - wide[baseline]).dropna()
        if d.empty:
            continue
        rng = np.random.default_rng(np.random.SeedSequence([seed, len(rows)]))
        values = d.to_numpy()
        by_q = values[rng.integers(0, len(values), (draws, len(values)))].mean(axis=1)
        groups = [g.to_numpy() for _, g in d.groupby(level="origin")]
        pick = rng.integers(0, len(groups), (draws, len(groups)))
        sums = np.array([g.sum() for g in groups])
        sizes = np.array([len(g) for g in groups])
        by_origin = sums[pick].sum(axis=1) / sizes[pick].sum(axis=1)
        rows.append({"baseline": baseline, "n": len(values), "difference": values.mean(),
                     "low_q": np.percentile(by_q, 2.5), "high_q": np.percentile(by_q, 97.5),
                     "low_origin": np.percentile(by_origin, 2.5),
                     "high_origin": np.percentile(by_origin, 97.5)})
    return pd.DataFrame(rows)


def _model_crps(sim: dict[str, np.ndarray], counts: dict[str, pd.Series], origin: pd.Timestamp,
                horizon: int) -> list[dict]:
    rows = []
    for name, y in counts.items():
        if name not in sim or len(before(y, origin)) < 24:
            continue
        future = y.loc[y.index >= origin].iloc[:horizon].to_numpy()
        for m in (1, 3):
            windows = len(future) // m
            if windows == 0:
                continue
            obs = future[: windows * m].reshape(windows, m).sum(axis=1)
            s = sim[name][:, : windows * m].reshape(len(sim[name]), windows, m).sum(axis=2)
            rows.append({"origin": origin, "baseline": "model", "m": m,
                         "crps": float(crps_sample(s.T, obs).mean()), "windows": windows,
                         "series": name})
    return rows


def model_backtest(loaded: LoadedScenario, folder, origins: Sequence[str], *,
                   horizon: int = 24, method: str = "abc", budget: int = 100,
                   replicates: int = 8, seed: int = 0, sets: int = 40, futures: int = 10,
                   until: str | None = None, start: str = "origin",
                   executor: Executor | None = None) -> ModelBacktest:
    """Fit before each origin, forecast ``horizon`` months, score model and baselines.

    The data up to ``until`` (default the vantage point) only resolve the questions and the
    CRPS; every forecast sees the months before its origin only.
    """
    if not origins:
        raise FitError("--origins: name at least one origin month (YYYY-MM)")
    counts = count_series(observed_series(read_history(folder, until=until)))
    base = backtest_baselines(counts, list(origins), horizon)
    rows, crps, states = [], [], []
    for origin in origins:
        o = pd.Timestamp(origin).to_period("M").to_timestamp()
        made: list[OriginState] = []
        sim = model_forecast(loaded, folder, o, horizon=horizon, method=method, budget=budget,
                             replicates=replicates, seed=seed, sets=sets, futures=futures,
                             start=start, states=made, executor=executor)
        states += [st.table().assign(origin=o, month=st.month) for st in made]
        qs = threshold_questions(counts, o, horizon)
        probs = model_probabilities(sim, o, qs)
        for q in qs:
            if q.id in probs:
                outcome = resolve(q, counts)
                rows.append({"origin": o, "baseline": "model", "question": q.id,
                             "series": q.series, "probability": probs[q.id],
                             "outcome": np.nan if outcome is None else outcome})
        crps.extend(_model_crps(sim, counts, o, horizon))
    model_rows = pd.DataFrame(rows)
    # score everyone on the questions the model answers, so the comparison is like for like
    keys = pd.MultiIndex.from_frame(base.forecasts[["origin", "question"]])
    answered = (pd.MultiIndex.from_frame(model_rows[["origin", "question"]]) if len(model_rows)
                else pd.MultiIndex.from_tuples([], names=["origin", "question"]))
    f = pd.concat([base.forecasts[keys.isin(answered)], model_rows], ignore_index=True)
    c = pd.concat([base.crps, pd.DataFrame(crps)], ignore_index=True)
    table = (pd.concat(states, ignore_index=True)[["origin", "month", "field", "value", "basis"]]
             if states else pd.DataFrame(columns=["origin", "month", "field", "value", "basis"]))
    return ModelBacktest(f, score_questions(f, by=("origin", "baseline")),
                         score_questions(f), c, start, table, paired_differences(f, seed=seed))

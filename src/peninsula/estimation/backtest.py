"""Baselines, threshold questions and scores for backtesting count forecasts.

A *count series* is a monthly :class:`pandas.Series` of non-negative counts indexed by month
starts, dense over the source's coverage (:func:`count_series` builds the ones the backtest
uses from :class:`~peninsula.estimation.series.ObservedSeries`). A *forecaster* maps the part
of a count series before the origin and a window length ``m`` (months) to the predictive pmf
of the window's total on ``0 … kmax`` (the last cell holds ``P(total >= kmax)``). Every
forecaster, baselines included, only ever sees :func:`before` ``(series, origin)``: that
function is the one place where a backtest cuts the data, so nothing after the origin can
inform a forecast.

Baselines (the issue's three, the rate one in two forms):

* ``climatology`` — the empirical distribution of all ``m``-month totals before the origin;
* ``poisson24`` — Poisson with the previous 24 months' mean rate;
* ``negbin24`` — negative binomial with the previous 24 months' mean and variance (method of
  moments; Poisson when they show no overdispersion);
* ``persistence`` — the total of the last ``m`` months again, with certainty.

Scores: Brier and log scores with Murphy's decomposition from
:mod:`peninsula.analysis.scoring`, and the CRPS of count forecasts from a pmf or a sample.

References
----------
.. [1] Gneiting, T., & Raftery, A. E. (2007). Strictly proper scoring rules, prediction, and
   estimation. Journal of the American Statistical Association, 102(477), 359-378.
.. [2] Czado, C., Gneiting, T., & Held, L. (2009). Predictive model assessment for count data.
   Biometrics, 65(4), 1254-1261.

"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from peninsula.analysis.scoring import brier_score, log_score, murphy_decomposition
from peninsula.estimation.series import ObservedSeries, month_range

__all__ = [
    "BASELINES",
    "Forecaster",
    "Question",
    "BaselineBacktest",
    "backtest_baselines",
    "baseline_forecasts",
    "before",
    "count_series",
    "crps_baselines",
    "crps_pmf",
    "crps_sample",
    "question_probability",
    "resolve",
    "score_questions",
    "threshold_questions",
]

Forecaster = Callable[[pd.Series, int, int], np.ndarray]

#: Default upper end of a pmf's support (the last cell is the tail ``>= KMAX``).
KMAX = 200


def before(series: pd.Series, origin: pd.Timestamp | str) -> pd.Series:
    """The part of a monthly count series strictly before the origin month (the only cut)."""
    origin = pd.Timestamp(origin)
    return series.loc[series.index < origin]


def _tail(pmf: np.ndarray) -> np.ndarray:
    """Fold a pmf's tail mass into its last cell and renormalise rounding."""
    pmf = np.clip(pmf, 0.0, None)
    pmf[-1] += max(0.0, 1.0 - pmf.sum())
    return pmf / pmf.sum()


def climatology(past: pd.Series, m: int, kmax: int = KMAX) -> np.ndarray:
    """Empirical pmf of every ``m``-month total (overlapping windows) before the origin."""
    y = past.to_numpy(dtype=float)
    if len(y) < m:
        raise ValueError(f"climatology needs at least {m} months before the origin")
    totals = np.convolve(y, np.ones(m), mode="valid").round().astype(int)
    return np.bincount(np.minimum(totals, kmax), minlength=kmax + 1) / len(totals)


def poisson24(past: pd.Series, m: int, kmax: int = KMAX) -> np.ndarray:
    """Poisson pmf of an ``m``-month total at the previous 24 months' mean rate."""
    rate = float(past.iloc[-24:].mean()) * m
    return _tail(stats.poisson.pmf(np.arange(kmax + 1), rate))


def negbin24(past: pd.Series, m: int, kmax: int = KMAX) -> np.ndarray:
    """Negative-binomial pmf of an ``m``-month total from the previous 24 months' moments.

    Monthly counts are NB(r, p) with ``r = mu^2 / (v - mu)`` and ``p = r / (r + mu)``; the sum
    of ``m`` independent months is NB(m r, p). Poisson when ``v <= mu``.
    """
    last = past.iloc[-24:].to_numpy(dtype=float)
    mu, v = last.mean(), last.var(ddof=1) if len(last) > 1 else 0.0
    if v <= mu or mu == 0:
        return poisson24(past, m, kmax)
    r = mu**2 / (v - mu)
    return _tail(stats.nbinom.pmf(np.arange(kmax + 1), m * r, r / (r + mu)))


def persistence(past: pd.Series, m: int, kmax: int = KMAX) -> np.ndarray:
    """All mass on the total of the last ``m`` months before the origin."""
    pmf = np.zeros(kmax + 1)
    pmf[min(int(round(past.iloc[-m:].sum())), kmax)] = 1.0
    return pmf


#: The baselines by name.
BASELINES: dict[str, Forecaster] = {"climatology": climatology, "poisson24": poisson24,
                                    "negbin24": negbin24, "persistence": persistence}


def count_series(series: ObservedSeries) -> dict[str, pd.Series]:
    """Dense monthly count series for the backtest, each over its source's coverage.

    Launches (all classes, and ICBM), nuclear tests and fatal militarized incidents.
    """
    out: dict[str, pd.Series] = {}

    def dense(name: str, frame: pd.DataFrame, value: str) -> pd.Series:
        months = month_range(*series.coverage[name])
        s = frame.groupby("month")[value].sum().reindex(months, fill_value=0)
        return s.astype("int64").rename_axis("month")

    if "missile_tests" in series.frames:
        f = series.frames["missile_tests"]
        out["launches"] = dense("missile_tests", f, "launches")
        out["icbm_launches"] = dense("missile_tests", f[f["missile_class"] == "ICBM"],
                                     "launches")
    if "nuclear_tests" in series.frames:
        out["nuclear_tests"] = dense("nuclear_tests", series.frames["nuclear_tests"], "tests")
    if "incidents" in series.frames:
        out["fatal_incidents"] = dense("incidents", series.frames["incidents"], "fatal")
    return out


@dataclass(frozen=True)
class Question:
    """A threshold question on a count series: ``total over [start, start + months) >= n``."""

    id: str
    text: str
    series: str
    start: pd.Timestamp
    months: int
    threshold: int


def threshold_questions(counts: Mapping[str, pd.Series], origin: pd.Timestamp | str,
                        horizon: int = 24,
                        quarter_thresholds: Sequence[int] = (1, 3, 5, 10)) -> list[Question]:
    """The fixed family of questions for one origin, where the series exist.

    A nuclear test within 12 months; at least N launches in each quarter of the horizon for
    every N; an ICBM-class launch in each 12-month year of the horizon; a militarized
    incident with fatalities in each year. Whether a question can be resolved is a separate
    matter (:func:`resolve`).
    """
    o = pd.Timestamp(origin)
    qs: list[Question] = []

    def add(series: str, start: pd.Timestamp, months: int, n: int, text: str) -> None:
        if series in counts:
            qs.append(Question(f"{series}>={n}@{start:%Y-%m}+{months}m", text, series, start,
                               months, n))

    add("nuclear_tests", o, 12, 1, f"A DPRK nuclear test in the 12 months from {o:%Y-%m}?")
    for q in range(horizon // 3):
        s = o + pd.DateOffset(months=3 * q)
        for n in quarter_thresholds:
            add("launches", s, 3, n, f"At least {n} DPRK missile launches in {s:%Y-%m}+3m?")
    for y in range(horizon // 12):
        s = o + pd.DateOffset(months=12 * y)
        add("icbm_launches", s, 12, 1, f"An ICBM-class launch in the 12 months from {s:%Y-%m}?")
        add("fatal_incidents", s, 12, 1,
            f"A militarized incident with fatalities in the 12 months from {s:%Y-%m}?")
    return qs


def resolve(question: Question, counts: Mapping[str, pd.Series]) -> int | None:
    """1 or 0 when the series covers the question's window, else ``None``."""
    y = counts[question.series]
    end = question.start + pd.DateOffset(months=question.months - 1)
    if len(y) == 0 or question.start < y.index[0] or end > y.index[-1]:
        return None
    return int(y.loc[question.start:end].sum() >= question.threshold)


def question_probability(pmf: np.ndarray, threshold: int) -> float:
    """``P(total >= threshold)`` from a window-total pmf."""
    return float(np.clip(pmf[threshold:].sum(), 0.0, 1.0))


def baseline_forecasts(counts: Mapping[str, pd.Series], origin: pd.Timestamp | str,
                       questions: Sequence[Question],
                       baselines: Mapping[str, Forecaster] = BASELINES) -> pd.DataFrame:
    """Each baseline's probability for each question, from data before the origin only.

    One row per (baseline, question) with ``probability`` and ``outcome`` (NaN when the data
    do not cover the window). The baselines assume stationarity: a window's pmf does not depend
    on how long after the origin it starts.
    """
    origin = pd.Timestamp(origin)
    rows = []
    for q in questions:
        past = before(counts[q.series], origin)
        outcome = resolve(q, counts)
        for name, forecaster in baselines.items():
            p = question_probability(forecaster(past, q.months, KMAX), q.threshold)
            rows.append({"origin": origin, "baseline": name, "question": q.id,
                         "series": q.series, "probability": p,
                         "outcome": np.nan if outcome is None else outcome})
    return pd.DataFrame(rows)


def score_questions(forecasts: pd.DataFrame, by: Sequence[str] = ("baseline",)) -> pd.DataFrame:
    """Brier, log score and Murphy terms per group of resolved forecasts."""
    resolved = forecasts.dropna(subset=["outcome"])
    rows = []
    for key, g in resolved.groupby(list(by)):
        f, o = g["probability"].to_numpy(), g["outcome"].to_numpy().astype(int)
        m = murphy_decomposition(f, o, bins="unique")
        rows.append({**dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)),
                     "n": len(g), "brier": brier_score(f, o), "log": log_score(f, o),
                     "reliability": m.reliability, "resolution": m.resolution,
                     "uncertainty": m.uncertainty})
    return pd.DataFrame(rows)


def crps_pmf(pmf: np.ndarray, observed: int | np.ndarray) -> np.ndarray:
    """CRPS of count forecasts given as pmfs on ``0 … K`` (rows), ``sum_k (F(k) - 1{y<=k})^2``.

    ``pmf`` is ``[K+1]`` or ``[n, K+1]``; ``observed`` one count per row. Lower is better; for
    a point forecast it is the absolute error.
    """
    p = np.atleast_2d(pmf)
    y = np.broadcast_to(np.asarray(observed), (p.shape[0],))
    cdf = np.cumsum(p, axis=1)
    k = np.arange(p.shape[1])[None, :]
    return np.sum((cdf - (k >= y[:, None])) ** 2, axis=1)


def crps_sample(samples: np.ndarray, observed: float | np.ndarray) -> np.ndarray:
    """CRPS from a predictive sample per row, ``E|X - y| - E|X - X'| / 2``.

    Exact for the sample's empirical distribution (Gneiting & Raftery 2007, eq. 20).
    """
    x = np.sort(np.atleast_2d(np.asarray(samples, dtype=float)), axis=1)
    n = x.shape[1]
    y = np.broadcast_to(np.asarray(observed, dtype=float), (x.shape[0],))
    term1 = np.abs(x - y[:, None]).mean(axis=1)
    i = np.arange(1, n + 1)
    term2 = (2 * np.sum(x * (2 * i - n - 1), axis=1) / n**2) / 2  # E|X-X'| / 2 via order stats
    return term1 - term2


def crps_baselines(counts: pd.Series, origin: pd.Timestamp | str, horizon: int = 24,
                   m: int = 1,
                   baselines: Mapping[str, Forecaster] = BASELINES) -> pd.DataFrame:
    """Mean CRPS of each baseline over the ``m``-month totals of the horizon after the origin."""
    origin = pd.Timestamp(origin)
    past = before(counts, origin)
    future = counts.loc[counts.index >= origin].iloc[:horizon].to_numpy()
    windows = len(future) // m
    if windows == 0:
        return pd.DataFrame(columns=["origin", "baseline", "crps", "windows"])
    totals = future[: windows * m].reshape(windows, m).sum(axis=1)
    rows = []
    for name, forecaster in baselines.items():
        pmf = forecaster(past, m, KMAX)
        rows.append({"origin": origin, "baseline": name, "m": m,
                     "crps": float(crps_pmf(np.tile(pmf, (windows, 1)), totals).mean()),
                     "windows": windows})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class BaselineBacktest:
    """Scores of the baselines over several origins.

    ``forecasts``: one row per (origin, baseline, question); ``questions``: Brier, log and
    Murphy terms per origin and baseline; ``pooled``: the same over all origins; ``crps``:
    mean CRPS of monthly and quarterly totals per series, origin and baseline.
    """

    forecasts: pd.DataFrame
    questions: pd.DataFrame
    pooled: pd.DataFrame
    crps: pd.DataFrame


def backtest_baselines(counts: Mapping[str, pd.Series], origins: Sequence[str | pd.Timestamp],
                       horizon: int = 24,
                       baselines: Mapping[str, Forecaster] = BASELINES) -> BaselineBacktest:
    """Forecast the question family and the counts from each origin; score against the data.

    Every forecast sees only :func:`before` ``(series, origin)``; the data after the origin
    only resolve the questions and the CRPS.
    """
    forecasts, crps = [], []
    for origin in origins:
        o = pd.Timestamp(origin)
        forecasts.append(baseline_forecasts(counts, o, threshold_questions(counts, o, horizon),
                                            baselines))
        for name, y in counts.items():
            if len(before(y, o)) < 24:
                continue
            for m in (1, 3):
                c = crps_baselines(y, o, horizon, m, baselines)
                if len(c):
                    crps.append(c.assign(series=name))
    f = pd.concat(forecasts, ignore_index=True)
    crps_table = (pd.concat(crps, ignore_index=True) if crps else
                  pd.DataFrame(columns=["origin", "baseline", "m", "crps", "windows", "series"]))
    return BaselineBacktest(f, score_questions(f, by=("origin", "baseline")),
                            score_questions(f), crps_table)

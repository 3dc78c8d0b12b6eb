"""Fit a scenario's declared uncertainties to observed history (``peninsula fit``).

The parameters are the scenario's ``uncertainties:`` (all, or those named), each within its
declared range; a ``loguniform`` one is fitted on the log scale, every other one on its range
with a uniform prior (a triangular or normal shape is not used as the prior: the fit's prior
is the box). :class:`ModelSimulator` is the vectorised simulator the inference methods of
:mod:`peninsula.estimation.inference` call: each parameter set becomes overrides
(:meth:`LoadedScenario.with_overrides`), is compiled for as many months as the observed window
has, and runs ``replicates`` futures at once in the vectorised engine with events recorded;
the events go through the measurement model (:mod:`peninsula.estimation.measurement`) to the
series frames, and :func:`~peninsula.estimation.series.summary_statistics` computes the
statistics of every simulated history at once. The Python loop is over parameter sets only.

Why these statistics (:data:`~peninsula.estimation.measurement.FIT_STATISTICS`). They are the
ones the model's acts can be measured against: DPRK launch rates per missile class (what the
per-class testing utilities and cooldowns govern), how launches cluster in time (share of
months with a test, longest pause, dispersion index and the quarterly standard deviation:
what reply, restraint and relation dynamics govern), the nuclear-test rate, and the rates of
the grey-zone CSIS categories (conventional, hybrid, cyber: the hostility and escalation
weights). Rates and shares rather than raw series make a window of history comparable with a
simulated stretch under the stationarity assumption stated in the measurement module.

How the two methods use the replicates. ABC compares the *mean* statistics of ``replicates``
futures per parameter set with the observed ones (a Monte Carlo estimate of the expected
statistic; distance scaled by the prior-predictive spread). History matching runs the
replicates as separate simulations and uses their variance as the simulator's own variance in
the implausibility measure.

The output folder holds the :class:`~peninsula.estimation.inference.Posterior` (its own
format), ``fit.json`` (scenario hash, seed, version, parameters, window, method, budget, cost)
and ``predictive.png``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from peninsula._version import __version__
from peninsula.engine.compiled import compile_scenario
from peninsula.estimation.history import History, HistoryError, read_history
from peninsula.estimation.inference import Bounds, Posterior, abc_smc, history_matching
from peninsula.estimation.measurement import (
    CAMPAIGN,
    FIT_STATISTICS,
    Measurement,
    measure,
    measurement_for,
    simulated_counts,
)
from peninsula.estimation.series import ObservedSeries, observed_series, summary_statistics
from peninsula.experiments.ensemble import run_ensemble
from peninsula.experiments.executors import Executor
from peninsula.scenario.exploration import load_exploration
from peninsula.scenario.loading import LoadedScenario

__all__ = [
    "FIT_FILE",
    "IDENTIFIED",
    "METHODS",
    "Fit",
    "FitError",
    "FitParameter",
    "ModelSimulator",
    "Window",
    "design_from_fit",
    "fit_parameters",
    "fit_scenario",
    "folder_sha256",
    "load_fit",
    "unfitted_sha256",
    "simulate_counts",
]

#: The fit's own metadata file in an output folder.
FIT_FILE = "fit.json"
#: Inference methods by CLI name.
METHODS = ("abc", "history-matching")
#: A parameter counts as identified when its 90% posterior interval is at most this share of
#: its prior's 90% interval (a uniform prior's own is 0.9 of the range): a third narrower.
IDENTIFIED = 2 / 3
#: Format version of ``fit.json``.
FORMAT = 1


class FitError(HistoryError):
    """A fit that cannot run as asked: unknown parameter, empty window, bad budget or folder."""


@dataclass(frozen=True)
class FitParameter:
    """One fitted uncertainty: its id, override path, range and the scale it is fitted on.

    A path under ``measurement.`` is a parameter of the measurement model, not of the scenario.
    """

    id: str
    path: str
    low: float
    high: float
    distribution: str
    log: bool

    @property
    def bounds(self) -> tuple[float, float]:
        """The prior box on the fitting scale."""
        return (float(np.log(self.low)), float(np.log(self.high))) if self.log else (
            self.low, self.high)

    def value(self, x: float) -> float | int:
        """The override value of a point on the fitting scale."""
        v = float(np.exp(x)) if self.log else float(x)
        v = min(max(v, self.low), self.high)
        return int(round(v)) if self.distribution == "integer" else v

    def to_dict(self) -> dict[str, Any]:
        """For ``fit.json``."""
        return {"id": self.id, "path": self.path, "low": self.low, "high": self.high,
                "distribution": self.distribution, "scale": "log" if self.log else "linear"}

    @property
    def measured(self) -> bool:
        """Whether it belongs to the measurement model rather than to the scenario."""
        return self.path.startswith("measurement.")


#: The measurement model's own fitted parameter (``measurement.CAMPAIGN``).
CAMPAIGN_PARAMETER = FitParameter(CAMPAIGN.id, CAMPAIGN.path, CAMPAIGN.low, CAMPAIGN.high,
                                  "uniform", False)


def fit_parameters(loaded: LoadedScenario, names: list[str] | None = None) -> list[FitParameter]:
    """The scenario's declared uncertainties and the measurement's campaign size to fit.

    All of them, or those named by id or path.
    """
    declared = list(getattr(loaded.scenario, "uncertainties", None) or [])
    if not declared:  # declared beside the scenario, in <name>.exploration.yaml
        declared = load_exploration(loaded.path or loaded.label, loaded).uncertainties
    params = [FitParameter(u.name, u.path, float(u.low), float(u.high), u.distribution,
                           u.distribution == "loguniform") for u in declared]
    if not params:
        raise FitError(f"{loaded.label}: the scenario declares no uncertainties to fit")
    params.append(CAMPAIGN_PARAMETER)
    if names is None:
        return params
    by_name = {p.id: p for p in params} | {p.path: p for p in params}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise FitError(f"--parameters: unknown {', '.join(unknown)}; expected ids of "
                       f"{loaded.label}'s uncertainties: {', '.join(p.id for p in params)}")
    chosen = list(dict.fromkeys(by_name[n] for n in names))
    if not chosen:
        raise FitError("--parameters: name at least one uncertainty")
    return chosen


@dataclass(frozen=True)
class Window:
    """The observed months a fit compares with: ``first`` … ``last`` (month starts)."""

    first: pd.Timestamp
    last: pd.Timestamp

    @property
    def months(self) -> int:
        """Number of months, also the simulated horizon."""
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1

    @classmethod
    def of(cls, until: str, start: str | None = None, months: int = 24) -> Window:
        """The window ending with month ``until``, from ``start`` or ``months`` long."""
        try:
            last = pd.Timestamp(until + "-01" if len(until) == 7 else until).to_period(
                "M").to_timestamp()
            first = (pd.Timestamp(start + "-01" if len(start) == 7 else start).to_period(
                "M").to_timestamp() if start else last - pd.DateOffset(months=months - 1))
        except (ValueError, TypeError) as exc:
            raise FitError(f"--until/--window-start: expected YYYY-MM ({exc})") from None
        if first > last:
            raise FitError(f"--window-start {first:%Y-%m} is after --until {last:%Y-%m}")
        return cls(first, last)

    def to_dict(self) -> dict[str, Any]:
        """For ``fit.json``."""
        return {"first": f"{self.first:%Y-%m}", "last": f"{self.last:%Y-%m}",
                "months": self.months}


@dataclass
class _Events:
    future: np.ndarray
    month: np.ndarray
    source: np.ndarray
    target: np.ndarray
    action: np.ndarray
    campaign: np.ndarray | None = None  # mean launch events per test act, per member


def _simulate_set(loaded: LoadedScenario, months: int,
                  task: tuple[int, dict[str, Any], int, int]) -> tuple[int, _Events]:
    """One parameter set's events: ``(g, overrides, futures, seed)`` -> ``(g, events)``."""
    g, overrides, n, engine_seed = task
    model = compile_scenario(loaded.with_overrides(overrides, why="fit").scenario,
                             horizon=months)
    ev = run_ensemble(model, n, engine_seed, record_events=True).events
    return g, _Events(ev.future, ev.month, ev.source, ev.target, ev.action)


class ModelSimulator:
    """``simulate(theta [n, d], seed) -> stats [n, k]`` for a scenario and its measurement.

    Identical rows of ``theta`` are run once, as one ensemble of ``replicates`` futures per
    copy. With ``average`` each row's statistics are the mean over its replicates; without,
    ``replicates`` must be 1 (the inference method repeats rows itself).
    """

    def __init__(self, loaded: LoadedScenario, params: list[FitParameter], *,
                 window: Window, stat_names: tuple[str, ...], replicates: int = 16,
                 average: bool = True, measurement: Measurement | None = None,
                 executor: Executor | None = None) -> None:
        if replicates < 1:
            raise FitError(f"--replicates must be at least 1, got {replicates}")
        self.loaded, self.params, self.window = loaded, params, window
        self.stat_names, self.replicates, self.average = stat_names, replicates, average
        self.measurement = measurement or measurement_for(loaded.scenario)
        self.executor = executor  # started by the caller; None runs here
        self.futures = 0  # futures simulated so far (the cost)
        self.parameter_sets = 0

    def events(self, theta: np.ndarray, seed: int, replicates: int,
               months: int) -> tuple[_Events, int]:
        """Events of ``replicates`` futures per row of ``theta``; member = row * reps + r.

        Distinct parameter sets run as separate tasks on the executor (in this process
        without one); each has its own seed, so the result does not depend on the executor.
        """
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        if theta.shape[1] == 0:  # nothing fitted: every row is the scenario as it is
            uniq, inverse = theta[:1], np.zeros(len(theta), dtype=np.int64)
        else:
            uniq, inverse = np.unique(theta, axis=0, return_inverse=True)
        tasks = []
        for g, row in enumerate(uniq):
            rows = np.flatnonzero(inverse.reshape(-1) == g)
            overrides = {p.path: p.value(x) for p, x in zip(self.params, row, strict=True)
                         if not p.measured}
            engine_seed = int(np.random.SeedSequence([seed, g]).generate_state(1)[0])
            tasks.append((g, overrides, len(rows) * replicates, engine_seed))
            self.futures += len(rows) * replicates
        run = functools.partial(_simulate_set, self.loaded, months)
        if self.executor is None:
            done = dict(run(task) for task in tasks)
        else:
            done = dict(result for _task, result in self.executor.map_unordered(run, tasks))
        parts: list[_Events] = []
        for g in range(len(uniq)):
            ev = done[g]
            rows = np.flatnonzero(inverse.reshape(-1) == g)
            member = rows[ev.future // replicates] * replicates + ev.future % replicates
            parts.append(_Events(member.astype(np.int64), ev.month, ev.source, ev.target,
                                 ev.action))
        self.parameter_sets += len(uniq)
        joined = _Events(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                           ("future", "month", "source", "target", "action")))
        measured = [j for j, p in enumerate(self.params) if p.id == CAMPAIGN.id]
        if measured:
            j = measured[0]
            per_row = np.array([self.params[j].value(x) for x in theta[:, j]], dtype=float)
            joined = replace(joined, campaign=np.repeat(per_row, replicates))
        return joined, len(theta) * replicates

    def series(self, theta: np.ndarray, seed: int) -> ObservedSeries:
        """The simulated series of ``theta``, ``len(theta) * replicates`` members."""
        ev, members = self.events(theta, seed, self.replicates, self.window.months)
        return measure(ev, self.measurement, members=members, first_month=self.window.first,
                       months=self.window.months, launches_per_test=ev.campaign, seed=seed)

    def __call__(self, theta: np.ndarray, seed: int) -> np.ndarray:
        """Statistics ``[len(theta), k]`` of the simulated histories of ``theta``."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        stats = summary_statistics(self.series(theta, seed))
        missing = [s for s in self.stat_names if s not in stats]
        if missing:
            raise FitError(f"the simulated series give no statistic {', '.join(missing)}")
        x = stats[list(self.stat_names)].to_numpy(dtype=float)
        x = x.reshape(len(theta), self.replicates, len(self.stat_names))
        return x.mean(axis=1) if self.average else x[:, 0, :]


@dataclass
class Fit:
    """A fitted posterior with what it was fitted to (``meta`` is ``fit.json``)."""

    posterior: Posterior
    params: list[FitParameter]
    meta: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None

    def values(self, n: int, seed: int) -> pd.DataFrame:
        """``n`` parameter sets resampled by weight, in override units, columns = ids."""
        rng = np.random.default_rng(seed)
        post = self.posterior
        idx = rng.choice(len(post.samples), size=n, p=post.weights / post.weights.sum())
        return pd.DataFrame({p.id: [p.value(x) for x in post.samples[idx, j]]
                             for j, p in enumerate(self.params)})

    def identification(self, threshold: float = IDENTIFIED) -> pd.DataFrame:
        """How much the data narrowed each parameter, one row per fitted parameter.

        ``median`` (weighted, in override units), ``share_of_prior``: the 90% posterior
        interval's width over the prior's own 90% interval (on the fitting scale; 1: the data
        said nothing), and ``identified``: that share at most ``threshold``. The flagship's rule:
        an identified parameter's default is its posterior median; the others keep the judged
        value, since a posterior this close to its prior would replace a judgement with the
        middle of a range.
        """
        post = self.posterior
        ci = post.interval(0.9)
        rows = []
        for j, p in enumerate(self.params):
            order = np.argsort(post.samples[:, j])
            x, cw = post.samples[order, j], np.cumsum(post.weights[order])
            median = x[min(np.searchsorted(cw, 0.5 * cw[-1]), len(x) - 1)]
            lo, hi = p.bounds
            row = ci.loc[p.id]
            share = float((row["upper"] - row["lower"]) / (0.9 * (hi - lo)))
            rows.append({"parameter": p.id, "path": p.path, "median": p.value(median),
                         "share_of_prior": share, "identified": share <= threshold})
        return pd.DataFrame(rows).set_index("parameter")

    def save(self, folder: Path | str, *, plot: bool = True) -> Path:
        """Write the posterior, ``fit.json`` and (when matplotlib is there) ``predictive.png``."""
        folder = Path(folder)
        self.posterior.save(folder)
        meta = dict(self.meta)
        meta["plot"] = None
        if plot:
            try:
                from peninsula.estimation.inference import plot_posterior

                plot_posterior(self.posterior, folder / "predictive.png")
                meta["plot"] = "predictive.png"
            except ImportError:
                pass
        (folder / FIT_FILE).write_text(json.dumps(meta, indent=2, default=str) + "\n")
        self.meta, self.folder = meta, folder
        return folder


def load_fit(folder: Path | str) -> Fit:
    """A fit folder written by :meth:`Fit.save`; a :class:`FitError` naming what is wrong."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / FIT_FILE).read_text())
        params = [FitParameter(p["id"], p["path"], float(p["low"]), float(p["high"]),
                               p["distribution"], p["scale"] == "log") for p in
                  meta["parameters"]]
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise FitError(f"{folder}: not a fit folder (expected {FIT_FILE} with parameters, as "
                       f"`peninsula fit` writes: {exc})") from None
    post = Posterior.load(folder)
    if list(post.bounds.names) != [p.id for p in params]:
        raise FitError(f"{folder}: {FIT_FILE} and posterior.json name different parameters")
    return Fit(post, params, meta, folder)


def unfitted_sha256(loaded: LoadedScenario, params: list[FitParameter]) -> str:
    """Hash of the scenario apart from the fitted parameters' values (each set to its low end).

    A fit still applies to a scenario whose defaults of the fitted parameters were changed
    (set from this very fit, say) when everything else is as it was fitted; the scenario's own
    ``fit:`` folder (which may name this fit) does not count either.
    """
    fixed = {p.path: p.value(p.bounds[0]) for p in params if not p.measured}
    data = loaded.with_overrides(fixed, why="fitted parameters").scenario.model_dump(mode="json")
    data.pop("fit", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def folder_sha256(folder: Path | str) -> str:
    """Hash of a fit folder's result files (``fit.json``, posterior and samples)."""
    h = hashlib.sha256()
    for name in (FIT_FILE, "posterior.json", "samples.parquet"):
        path = Path(folder) / name
        h.update(name.encode())
        h.update(path.read_bytes() if path.is_file() else b"")
    return h.hexdigest()


def _observed(history: History | ObservedSeries, window: Window,
              stat_names: tuple[str, ...]) -> tuple[np.ndarray, tuple[str, ...], ObservedSeries]:
    series = history if isinstance(history, ObservedSeries) else observed_series(history)
    stats = summary_statistics(series, start=window.first, end=window.last)
    names = tuple(s for s in stat_names if s in stats)
    if not names:
        raise FitError(f"no observed statistic in the window {window.first:%Y-%m} to "
                       f"{window.last:%Y-%m} (missing: {', '.join(series.unavailable) or '-'})")
    return stats.iloc[0][list(names)].to_numpy(dtype=float), names, series


def fit_scenario(loaded: LoadedScenario, history: History | ObservedSeries | Path | str, *,
                 until: str, window_start: str | None = None, method: str = "abc",
                 budget: int = 400, replicates: int = 16, seed: int = 0,
                 parameters: list[str] | None = None,
                 statistics: tuple[str, ...] = FIT_STATISTICS,
                 population: int | None = None, executor: Executor | None = None) -> Fit:
    """Fit the scenario's uncertainties to the observed window ending with month ``until``.

    ``history`` is a folder (read up to ``until``), a read :class:`History` or its
    :class:`ObservedSeries`. ``budget`` is the number of parameter sets simulated by the
    inference (each runs ``replicates`` futures; the posterior-predictive check comes on top).
    ``executor`` (started by the caller) runs the parameter sets of each generation or wave
    side by side; the posterior does not depend on it.
    """
    if method not in METHODS:
        raise FitError(f"--method {method!r}: expected one of {', '.join(METHODS)}")
    if budget < 8:
        raise FitError(f"--budget must be at least 8 parameter sets, got {budget}")
    window = Window.of(until, window_start)
    if not isinstance(history, History | ObservedSeries):
        history = read_history(history, until=f"{window.last:%Y-%m}")
    params = fit_parameters(loaded, parameters)
    observed, names, _ = _observed(history, window, statistics)
    bounds = Bounds.of({p.id: p.bounds for p in params})
    started = time.perf_counter()
    if method == "abc":
        sim = ModelSimulator(loaded, params, window=window, stat_names=names,
                             replicates=replicates, average=True, executor=executor)
        pop = population or max(4, min(500, budget // 5))
        post = abc_smc(sim, bounds, observed, stat_names=names, budget=budget, population=pop,
                       seed=seed, predictive=min(pop, 100))
    else:
        sim = ModelSimulator(loaded, params, window=window, stat_names=names, replicates=1,
                             average=False, executor=executor)
        waves = 3
        reps = max(2, min(replicates, budget // (waves * (2 * len(params) + 2))))
        post = history_matching(sim, bounds, observed, stat_names=names, budget=budget,
                                waves=waves, replicates=reps, candidates=5000,
                                population=population or 200, seed=seed, discrepancy=0.1,
                                predictive=min(100, budget))
    elapsed = time.perf_counter() - started
    meta = {"format": FORMAT, "scenario": loaded.scenario.name,
            "scenario_sha256": loaded.sha256,
            "scenario_sha256_unfitted": unfitted_sha256(loaded, params),
            "version": __version__, "seed": seed,
            "method": method, "budget": budget, "replicates": replicates,
            "parameters": [p.to_dict() for p in params], "window": window.to_dict(),
            "history_cut": (history.cut.isoformat() if isinstance(history, History) else None),
            "statistics": list(names), "measurement_actor": "PRK",
            "stationarity": "the observed window's statistics are compared with a simulated "
                            "stretch of the same length from the scenario's start state",
            "cost": {"parameter_sets": sim.parameter_sets, "futures": sim.futures,
                     "future_months": sim.futures * window.months,
                     "seconds": round(elapsed, 3)}}
    return Fit(post, params, meta)


def simulate_counts(loaded: LoadedScenario, fit: Fit | None, *, months: int, sets: int,
                    futures: int, seed: int,
                    executor: Executor | None = None) -> dict[str, np.ndarray]:
    """Monthly counts ``[sets * futures, months]`` of the backtest series, from the fit.

    ``sets`` parameter sets are resampled from the posterior (the scenario as it is when
    ``fit`` is ``None``) and each runs ``futures`` futures from the scenario's start state.
    """
    if fit is None:
        params, theta = [], np.zeros((sets, 0))
    else:
        params = fit.params
        rng = np.random.default_rng(seed)
        post = fit.posterior
        theta = post.samples[rng.choice(len(post.samples), size=sets,
                                        p=post.weights / post.weights.sum())]
    sim = ModelSimulator(loaded, params, window=Window.of("2000-01", months=months),
                         stat_names=(), replicates=futures, executor=executor)
    ev, members = sim.events(theta, seed, futures, months)
    return simulated_counts(ev, sim.measurement, members=members, months=months,
                            member=ev.future, launches_per_test=ev.campaign, seed=seed)


def design_from_fit(fit: Fit, uncertainties, design, seed: int):
    """An exploration design whose fitted columns are posterior draws.

    ``design`` is the :class:`~peninsula.experiments.sampling.Design` sampled as usual over
    ``uncertainties`` (the scenario's); each fitted uncertainty's column is replaced by
    parameter sets resampled by weight from the posterior (seeded by ``seed``; one joint draw
    per sample, so the posterior's correlations are kept), and its unit-cube column by the
    prior CDF of the drawn value. The other uncertainties keep their sampled values, i.e.
    they are still explored over their declared ranges. A Sobol design is refused: its
    cross-sampled structure does not survive the replacement.
    """
    if design.sampler == "sobol":
        raise FitError("--from-fit: the sobol sampler cannot carry a posterior sample (its "
                       "cross-sampled rows would be broken); use lhs or mc")
    names = [u.name for u in uncertainties]
    paths = {u.name: u.path for u in uncertainties}
    scenario_params = [p for p in fit.params if not p.measured]
    problems = [f"{p.id} ({p.path})" for p in scenario_params
                if p.id not in paths or paths[p.id] != p.path]
    if problems:
        raise FitError(f"--from-fit: fitted parameters not among the scenario's uncertainties "
                       f"(same id and path): {', '.join(problems)}")
    draws = fit.values(design.n_samples, seed)
    values = np.array(design.values, dtype=np.float64)
    unit = np.array(design.unit, dtype=np.float64)
    for p in scenario_params:
        j = names.index(p.id)
        v = draws[p.id].to_numpy(dtype=np.float64)
        values[:, j] = v
        lo, hi = p.bounds
        x = np.log(v) if p.log else v
        unit[:, j] = np.clip((x - lo) / (hi - lo), 0.0, np.nextafter(1.0, 0.0))
    values.setflags(write=False)
    unit.setflags(write=False)
    return replace(design, values=values, unit=unit)  # dataclasses.replace

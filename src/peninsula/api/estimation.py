"""Estimation from history in Python: history summaries, fits and backtests.

The CLI's ``peninsula history summary``, ``peninsula fit`` and ``peninsula backtest`` call
exactly these functions, so the Python API and the command line show the same numbers.
Fitting (:func:`peninsula.estimation.inference.abc_smc`,
:func:`~peninsula.estimation.inference.history_matching`) and the backtest baselines live in
the estimation package; this module is the thin public face.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from peninsula.api.executors import ExecutorSpec, resolve
from peninsula.estimation.backtest import BaselineBacktest, backtest_baselines, count_series
from peninsula.estimation.backtest_model import ModelBacktest, model_backtest
from peninsula.estimation.fit import Fit, FitError, fit_scenario
from peninsula.estimation.fit import load_fit as _load_fit
from peninsula.estimation.history import HistoryError, read_history
from peninsula.estimation.inference import Posterior
from peninsula.estimation.series import observed_series
from peninsula.estimation.summary import HistorySummary, plot_history, summarise_history
from peninsula.experiments.executors import Executor
from peninsula.scenario.loading import LoadedScenario, load_scenario

__all__ = [
    "BaselineBacktest",
    "Fit",
    "FitError",
    "HistoryError",
    "ModelBacktest",
    "HistorySummary",
    "Posterior",
    "backtest",
    "baseline_backtest",
    "fit",
    "history_summary",
    "load_fit",
    "load_posterior",
    "plot_history_summary",
    "read_history",
]


def history_summary(folder: Path | str, *, until: str | dt.date | None = None,
                    start: str | None = None, end: str | None = None) -> HistorySummary:
    r"""Files, observed series and summary statistics of a history folder up to ``until``.

    ``until`` is the last month (``YYYY-MM``) or day to read (default: the vantage point,
    2024-02-15, exclusive); ``start``/``end`` bound the statistics' window (months).
    Raises :class:`HistoryError` for a missing folder or a malformed file; files that are
    absent are listed as missing.

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "dprk_nuclear_tests.csv").write_text(
    ...     "test_number,date,site,latitude,longitude,csis_severity,source,also_listed_in\n"
    ...     "1,2006-10-09,Punggye-ri,41.3,129.1,5,an example row,\n")
    >>> summary = history_summary(folder)
    >>> summary.files.set_index("file").loc["dprk_nuclear_tests.csv", "status"]
    'read'
    >>> round(float(summary.statistics["nuclear_tests_per_year"]), 3)
    0.055
    """
    return summarise_history(folder, until=until, start=start, end=end)


def plot_history_summary(summary: HistorySummary, path: Path | str) -> Path:
    """Write the PNG of the main series (needs the ``plot`` extra, matplotlib)."""
    return plot_history(summary, path)


def load_fit(folder: Path | str) -> Fit:
    """A fit folder written by ``peninsula fit`` (or :meth:`Fit.save`), to explore or forecast from.

    >>> load_fit("no/such/fit")
    Traceback (most recent call last):
    ...
    peninsula.estimation.fit.FitError: ...
    """
    return _load_fit(folder)


def load_posterior(folder: Path | str) -> Posterior:
    """A fitted posterior saved by :meth:`Posterior.save`.

    >>> load_posterior("no/such/fit")
    Traceback (most recent call last):
    ...
    peninsula.estimation.history.HistoryError: ...
    """
    return Posterior.load(folder)


def baseline_backtest(folder: Path | str, origins: Sequence[str], *, horizon: int = 24,
                      until: str | dt.date | None = None) -> BaselineBacktest:
    """Score the four baselines on the threshold questions and counts after each origin.

    Each forecast sees only the months before its origin; the data up to ``until`` (default
    the vantage point) resolve the questions. The model's own forecasts join these tables
    once the fit is wired to model v2.

    >>> baseline_backtest("no/such/folder", ["2020-01"])
    Traceback (most recent call last):
    ...
    peninsula.estimation.history.HistoryError: ...
    """
    counts = count_series(observed_series(read_history(folder, until=until)))
    return backtest_baselines(counts, list(origins), horizon)


@contextmanager
def _started(executor: ExecutorSpec | str | None) -> Iterator[Executor | None]:
    """The executor started for the block, or ``None`` (work in this process) for local."""
    spec = resolve(executor)
    if spec.kind == "local":
        yield None
        return
    with spec.build() as runner:
        yield runner


def _loaded(scenario: LoadedScenario | str | Path) -> LoadedScenario:
    return scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)


def fit(scenario: LoadedScenario | str | Path, history: Path | str, *, until: str,
        window_start: str | None = None, method: str = "abc", budget: int = 400,
        replicates: int = 16, seed: int = 0, parameters: Sequence[str] | None = None,
        out: Path | str | None = None, plot: bool = True,
        executor: ExecutorSpec | str | None = None) -> Fit:
    """Fit a scenario's declared uncertainties to the history folder's window up to ``until``.

    The window is the 24 months ending with ``until`` unless ``window_start`` is given;
    ``method`` is ``abc`` or ``history-matching``; ``budget`` counts parameter sets, each run
    as ``replicates`` futures. With ``out`` the fit is saved there (posterior, ``fit.json``,
    ``predictive.png`` unless ``plot`` is false). ``executor`` (e.g.
    ``pn.executors.Processes(2)``) runs parameter sets side by side; the posterior does not
    depend on it. Raises :class:`FitError` or
    :class:`HistoryError` for bad input.

    >>> import tempfile
    >>> from peninsula.estimation.toy import write_example_history
    >>> folder = write_example_history(tempfile.mkdtemp())
    >>> f = fit("korea-2024", folder, until="2023-12", budget=8, replicates=2,
    ...         parameters=["effort", "tone_cap"], out=tempfile.mkdtemp(), plot=False)
    >>> f.posterior.samples.shape[1], f.meta["window"]["months"]
    (2, 24)
    >>> load_fit(f.folder).meta["method"]
    'abc'
    """
    loaded = _loaded(scenario)
    with _started(executor) as runner:
        result = fit_scenario(loaded, history, until=until, window_start=window_start,
                              method=method, budget=budget, replicates=replicates, seed=seed,
                              parameters=list(parameters) if parameters is not None else None,
                              executor=runner)
    if out is not None:
        result.meta["history"] = str(history)
        result.save(out, plot=plot)
    return result


def backtest(scenario: LoadedScenario | str | Path, history: Path | str,
             origins: Sequence[str], *, horizon: int = 24, method: str = "abc",
             budget: int = 100, replicates: int = 8, seed: int = 0, sets: int = 40,
             futures: int = 10, start: str = "origin",
             executor: ExecutorSpec | str | None = None) -> ModelBacktest:
    """Fit before each origin, forecast ``horizon`` months and score against the baselines.

    Each origin's fit reads only the history before it. ``start="origin"`` starts the fit
    window and the forecast from states built from that history (relations, North Korea's
    nuclear tests, dated facts, the calendar; see :mod:`peninsula.estimation.origin`);
    ``"scenario"`` from the scenario's own. Returns per-origin and pooled Brier/log/Murphy
    tables, CRPS, and the start states' values with their data basis. ``executor`` runs
    parameter sets side by side without changing any number.

    >>> backtest("korea-2024", "no/such/folder", ["2020-01"])
    Traceback (most recent call last):
    ...
    peninsula.estimation.history.HistoryError: ...
    """
    loaded = _loaded(scenario)
    with _started(executor) as runner:
        return model_backtest(loaded, history, list(origins), horizon=horizon,
                              method=method, budget=budget, replicates=replicates, seed=seed,
                              sets=sets, futures=futures, start=start, executor=runner)

"""Read an ensemble's outcome arrays: probabilities, timing, escalation paths, comparisons.

Functions take plain arrays (one row per future) and labels, never the engine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from peninsula.analysis.intervals import Estimate, mean_interval, paired_difference, wilson_interval
from peninsula.experiments.runs import Run


@dataclass(frozen=True)
class OutcomeSummary:
    """One outcome over an ensemble: probability (or mean) with its 95% interval and timing.

    For a continuous outcome the interval is that *of the mean* (how precisely the ensemble
    pins the average); ``spread`` is the distribution across futures (how much futures differ).
    """

    id: str
    label: str
    kind: str  # "binary" or "continuous"
    estimate: Estimate
    median_first_month: float | None  # months after the start, among futures where it occurs
    spread: tuple[float, float, float] | None = None  # 5%, 50%, 95% quantiles across futures

    def as_dict(self) -> dict:
        """A JSON-ready dict; a bound that does not exist (one future: no spread) is ``None``."""
        return _finite_or_none(asdict(self))


def _finite_or_none(value):
    """``value`` with every non-finite float replaced by ``None`` (JSON has no inf or NaN)."""
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_finite_or_none(v) for v in value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class EscalationPath:
    """A sequence of the highest rung held per quarter, and the share of futures that follow it."""

    rungs: tuple[int, ...]
    share: float
    count: int

    def __str__(self) -> str:
        return "-".join(str(r) for r in self.rungs)


def summarise_binary(ids: Sequence[str], labels: Sequence[str], first_month: np.ndarray,
                     level: float = 0.95) -> list[OutcomeSummary]:
    """Probability and median first month of each binary outcome (``first_month < 0``: never)."""
    n = first_month.shape[0]
    summaries = []
    for c, (outcome_id, label) in enumerate(zip(ids, labels, strict=True)):
        occurred = first_month[:, c] >= 0
        hits = int(occurred.sum())
        median = float(np.median(first_month[occurred, c])) if hits else None
        summaries.append(OutcomeSummary(outcome_id, label, "binary",
                                        wilson_interval(hits, n, level), median))
    return summaries


def summarise_continuous(ids: Sequence[str], labels: Sequence[str], values: np.ndarray,
                         level: float = 0.95) -> list[OutcomeSummary]:
    """Mean of each continuous outcome, the interval of the mean, and the spread across futures.

    The spread is the 5%, 50% and 95% quantiles of the outcome over the futures.
    """
    return [
        OutcomeSummary(outcome_id, label, "continuous", mean_interval(values[:, c], level), None,
                       tuple(float(q) for q in np.quantile(values[:, c], SPREAD_QUANTILES)))
        for c, (outcome_id, label) in enumerate(zip(ids, labels, strict=True))
    ]


SPREAD_QUANTILES = (0.05, 0.5, 0.95)
"""Quantiles that describe a continuous outcome's distribution across futures."""


def top_paths(quarter_rung: np.ndarray, top: int = 3) -> list[EscalationPath]:
    """The most frequent escalation paths (highest rung per quarter), most frequent first."""
    n = quarter_rung.shape[0]
    if n == 0:
        return []
    paths, counts = np.unique(quarter_rung, axis=0, return_counts=True)
    order = np.lexsort((np.arange(counts.size), -counts))[:top]
    return [EscalationPath(tuple(int(r) for r in paths[i]), counts[i] / n, int(counts[i]))
            for i in order]


@dataclass(frozen=True)
class Comparison:
    """An outcome in a baseline and a counterfactual run over the same futures."""

    id: str
    label: str
    kind: str
    baseline: Estimate
    counterfactual: Estimate
    difference: Estimate


def compare_runs(ids: Sequence[str], labels: Sequence[str], kinds: Sequence[str],
                 baseline: np.ndarray, counterfactual: np.ndarray,
                 level: float = 0.95) -> list[Comparison]:
    """Side-by-side outcomes with the paired difference (counterfactual minus baseline).

    ``baseline`` and ``counterfactual`` are ``(n_futures, n_outcomes)`` arrays of 0/1 indicators
    (binary outcomes) or values (continuous outcomes), row ``f`` being the same future and the
    same random draws in both.
    """
    rows = []
    n = baseline.shape[0]
    for c, (outcome_id, label, kind) in enumerate(zip(ids, labels, kinds, strict=True)):
        base, cf = baseline[:, c], counterfactual[:, c]
        if kind == "binary":
            b = wilson_interval(int(base.sum()), n, level)
            f = wilson_interval(int(cf.sum()), n, level)
        else:
            b, f = mean_interval(base, level), mean_interval(cf, level)
        rows.append(Comparison(outcome_id, label, kind, b, f, paired_difference(cf, base, level)))
    return rows


def summarise_run(run: Run, level: float = 0.95) -> list[OutcomeSummary]:
    """Every outcome of a run, in the scenario's order (binary and continuous interleaved)."""
    out = run.model.outcomes
    binary = summarise_binary([out.ids[r] for r in out.binary],
                              [out.labels[r] for r in out.binary], run.result.first_month, level)
    continuous = summarise_continuous([out.ids[r] for r in out.continuous],
                                      [out.labels[r] for r in out.continuous],
                                      run.result.value, level)
    by_id = {s.id: s for s in binary + continuous}
    return [by_id[i] for i in out.ids]


def compare_paired_runs(baseline: Run, counterfactual: Run,
                        level: float = 0.95) -> list[Comparison]:
    """:func:`compare_runs` for two runs of one scenario over the same futures and draws."""
    out = baseline.model.outcomes
    if list(counterfactual.model.outcomes.ids) != list(out.ids):
        raise ValueError("the two runs measure different outcomes")
    kinds = ["continuous" if r in out.continuous else "binary" for r in range(len(out.ids))]
    return compare_runs(out.ids, out.labels, kinds, baseline.outcome_matrix(),
                        counterfactual.outcome_matrix(), level)


def run_summary(run: Run, run_id: str, *, top: int = 3, execution: dict | None = None) -> dict:
    """The JSON summary of a run (``summary.json``): metadata, outcomes, paths, shocks."""
    result = run.result
    summary = {
        "run_id": run_id,
        "metadata": run.metadata.as_dict(),
        "outcomes": [s.as_dict() for s in summarise_run(run)],
        "escalation_paths": [{"path": str(p), "share": p.share, "count": p.count}
                             for p in top_paths(result.quarter_rung, top)],
        "shocks": {"inflaming": result.shocks_inflame, "calming": result.shocks_calm},
        "events": 0 if result.events is None else len(result.events),
    }
    if execution is not None:
        summary["execution"] = execution
    return summary

"""Explorations from Python: ``pn.explore``, ``pn.open_exploration``, ``Exploration.analyze``.

An exploration runs every policy (combination of lever options) over sampled assumptions and
stores the results in ``exploration.duckdb``; :class:`Exploration` reads them back, and
:meth:`Exploration.analyze` gives one typed :class:`Analysis` with the per-policy table,
robustness (regret), Sobol sensitivity and PRIM boxes, the same numbers ``peninsula analyze``
prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from peninsula.analysis.comparison import Comparison, compare_explorations
from peninsula.analysis.discovery import Discovery, discover
from peninsula.analysis.policies import PolicyOutcome, policy_probabilities
from peninsula.analysis.robustness import RobustnessTable, robustness_of
from peninsula.analysis.sensitivity import Sensitivity, sensitivity
from peninsula.api.executors import ExecutorSpec, resolve
from peninsula.api.runs import Progress, _progress, _scenario
from peninsula.estimation.fit import (
    Fit,
    design_from_fit,
    folder_sha256,
    load_fit,
    unfitted_sha256,
)
from peninsula.experiments.explore import ExplorationPlan, plan_exploration, run_exploration
from peninsula.report.html import render_exploration_report
from peninsula.report.html import write_report as write_html
from peninsula.scenario.exploration import load_exploration
from peninsula.scenario.loading import LoadedScenario
from peninsula.store.explorations import (
    FILE_NAME,
    ExplorationResults,
    ResultsError,
    open_results,
)
from peninsula.store.runs import check_output_folder

__all__ = ["Analysis", "Exploration", "explore", "open_exploration", "plan", "write_report"]


@dataclass(frozen=True)
class Analysis:
    """Everything ``peninsula analyze`` shows for one outcome of an exploration."""

    outcome: str
    label: str
    kind: str
    per_policy: list[PolicyOutcome]
    robustness: RobustnessTable
    weighted: RobustnessTable | None
    sensitivity: Sensitivity
    other_sensitivity: list[Sensitivity]
    discovery: Discovery
    threshold: float
    higher_is_better: bool
    tolerance: float
    objective: str | None

    def policy_table(self) -> pd.DataFrame:
        """Every outcome under every policy: estimate and interval (long format)."""
        return pd.DataFrame([{
            "policy": r.policy, "outcome": r.outcome, "label": r.label, "kind": r.kind,
            "estimate": r.estimate.value, "low": r.estimate.low, "high": r.estimate.high,
            "effective_n": r.effective_n} for r in self.per_policy])

    def regret_table(self) -> pd.DataFrame:
        """Robustness of each policy for the chosen outcome (expected, worst, regret)."""
        return pd.DataFrame([{
            "policy": r.lever, "expected": r.expected, "worst": r.worst,
            "max_regret": r.max_regret, "mean_regret": r.mean_regret,
            "share_near_best": r.share_near_best} for r in self.robustness.levers])

    def sobol_table(self) -> pd.DataFrame:
        """First-order and total Sobol indices (empty when the design does not allow them)."""
        s = self.sensitivity
        if s.ST is None:
            return pd.DataFrame(columns=["uncertainty", "S1", "S1_conf", "ST", "ST_conf"])
        return pd.DataFrame({"uncertainty": list(s.names), "S1": s.S1, "S1_conf": s.S1_conf,
                             "ST": s.ST, "ST_conf": s.ST_conf})


def check_analysis_options(*, threshold: float, tolerance: float) -> None:
    """Refuse a discovery threshold or a regret tolerance that is not a finite number ≥ 0."""
    problems = []
    if not math.isfinite(threshold):
        problems.append(f"threshold must be a finite number (a probability or a value of the "
                        f"outcome), got {threshold}")
    if not (math.isfinite(tolerance) and tolerance >= 0):
        problems.append(f"tolerance (the regret within which a policy counts as near the best) "
                        f"must be a finite number ≥ 0, got {tolerance}")
    if problems:
        raise ResultsError("\n".join(problems))


class Exploration:
    """A stored exploration, read from its folder or ``exploration.duckdb``."""

    def __init__(self, results: ExplorationResults):
        self.results = results

    @property
    def path(self) -> Path:
        """The DuckDB file."""
        return self.results.path

    @property
    def metadata(self) -> dict:
        """Scenario, hashes, seed, sampler, sizes, version and the full specification."""
        return self.results.metadata

    @property
    def default_outcome(self) -> str:
        """The outcome analysed when none is named."""
        return self.results.default_outcome

    def __repr__(self) -> str:
        m = self.metadata
        return (f"Exploration({m['scenario']!r}, samples={m['samples']}, "
                f"policies={len(self.results.policies)}, futures={m['futures']}, "
                f"path={str(self.path)!r})")

    def probabilities(self) -> pd.DataFrame:
        """Every outcome under every policy, averaged over the samples, with intervals."""
        rows = policy_probabilities(self.results)
        return pd.DataFrame([{
            "policy": r.policy, "outcome": r.outcome, "kind": r.kind,
            "estimate": r.estimate.value, "low": r.estimate.low, "high": r.estimate.high}
            for r in rows])

    def analyze(self, outcome: str | None = None, *, threshold: float = 0.05,
                objective: str | Mapping[str, float] | None = None, tolerance: float = 0.01,
                higher_is_better: bool = False, policy: str | None = None) -> Analysis:
        """Per-policy table, robustness, Sobol indices and PRIM boxes for ``outcome``.

        ``policy`` (a label or option ids such as ``"mediate,deter"``) restricts sensitivity
        and discovery to one policy. Raises ``ResultsError`` for an unknown outcome or policy.
        """
        check_analysis_options(threshold=threshold, tolerance=tolerance)
        res = self.results
        chosen = outcome or res.default_outcome
        index = res.outcome_index(chosen)
        res.policy_index(policy)
        meta = res.outcomes[index]
        others = [sensitivity(res, o["id"], policy=policy) for o in res.outcomes
                  if o["id"] != chosen]
        return Analysis(
            outcome=chosen, label=meta["label"], kind=meta["kind"],
            per_policy=policy_probabilities(res),
            robustness=robustness_of(res, outcome=chosen, higher_is_better=higher_is_better,
                                     tolerance=tolerance),
            weighted=(robustness_of(res, objective=objective, tolerance=tolerance)
                      if objective else None),
            sensitivity=sensitivity(res, chosen, policy=policy),
            other_sensitivity=others,
            discovery=discover(res, chosen, threshold, policy=policy),
            threshold=threshold, higher_is_better=higher_is_better, tolerance=tolerance,
            objective=objective if isinstance(objective, str) or objective is None
            else ",".join(f"{k}={v}" for k, v in objective.items()),
        )

    def compare(self, other: Exploration) -> list[Comparison]:
        """Policy by policy, ``other`` minus this exploration, paired where samples match."""
        return compare_explorations(self.results, other.results)


def plan(scenario: LoadedScenario | str | Path, *, samples: int = 1000, futures: int = 200,
         sampler: str = "lhs", seed: int = 2024, months: int | None = None,
         from_fit: str | Path | None = None, prior: bool = False) -> ExplorationPlan:
    """Check the arguments and sample the design of an exploration without running it.

    ``from_fit`` (a folder written by ``peninsula fit``) replaces the fitted uncertainties'
    columns by draws from the posterior (the others keep their declared ranges); the
    metadata record the fit folder's hash (``fit.folder_sha256``). A scenario that declares
    ``fit:`` (the flagship does) uses its own fit so by default; ``prior=True`` samples every
    uncertainty over its declared range instead. A Sobol design cannot carry a posterior:
    with ``sampler="sobol"`` the scenario's own fit is left out (the metadata say so) and an
    explicit ``from_fit`` is refused.

    >>> import peninsula as pn
    >>> p = pn.plan("korea-2024", samples=8, futures=50)
    >>> (p.design.n_samples, len(p.policies), p.n_experiments)
    (8, 12, 96)
    """
    if from_fit is not None and prior:
        raise ValueError("--from-fit and --prior exclude each other: the first draws the "
                         "fitted uncertainties from a posterior, the second from their ranges")
    fitted = load_fit(from_fit) if from_fit is not None else None  # fail fast on a bad folder
    loaded = _scenario(scenario)
    spec = load_exploration(loaded.path or loaded.label, loaded)
    planned = plan_exploration(loaded, spec, samples=samples, futures=futures, seed=seed,
                               sampler=sampler, months=months)
    if fitted is not None:
        return _with_fit(planned, Path(from_fit), fitted)
    own = loaded.fit_folder
    if own is None:
        return planned
    why = ("--prior" if prior else "a Sobol design cannot carry a posterior"
           if sampler == "sobol" else None)
    if why is not None:
        header = dict(planned.header)
        header["fit"] = {"folder": None, "scenario_fit": str(own),
                         "draws": f"every uncertainty over its declared range ({why})"}
        return replace(planned, header=header)
    return _with_fit(planned, own, load_fit(own))


def _same_scenario(fitted: Fit, loaded: LoadedScenario) -> bool:
    """Whether the fit was made on this scenario, the fitted parameters' defaults apart."""
    if fitted.meta.get("scenario_sha256") == loaded.sha256:
        return True
    unfitted = fitted.meta.get("scenario_sha256_unfitted")
    return unfitted is not None and unfitted == unfitted_sha256(loaded, fitted.params)


def _with_fit(planned: ExplorationPlan, folder: Path, fitted: Fit) -> ExplorationPlan:
    """The plan with its design's fitted columns drawn from the posterior in ``folder``."""
    design = design_from_fit(fitted, planned.spec.uncertainties, planned.design, planned.seed)
    header = dict(planned.header)
    header["fit"] = {
        "folder": str(folder), "folder_sha256": folder_sha256(folder),
        "method": fitted.meta.get("method"),
        "parameters": [p.id for p in fitted.params if not p.measured],
        "fit_scenario_sha256": fitted.meta.get("scenario_sha256"),
        "same_scenario": _same_scenario(fitted, planned.loaded),
        "others": "sampled over their declared ranges",
        "draws": "resampled by posterior weight, seeded by the exploration seed"}
    return replace(planned, design=design, header=header)


def explore(scenario: LoadedScenario | str | Path, *, out: str | Path, samples: int = 1000,
            futures: int = 200, sampler: str = "lhs", seed: int = 2024,
            months: int | None = None, executor: ExecutorSpec | str | None = None,
            resume: bool = False, progress: Progress = None,
            planned: ExplorationPlan | None = None,
            from_fit: str | Path | None = None, prior: bool = False) -> Exploration:
    """Run every policy over ``samples`` sampled assumption sets into ``out``.

    ``sampler`` is ``lhs``, ``sobol`` (needed for Sobol indices) or ``mc``; ``executor`` is
    one of :mod:`peninsula.api.executors`. ``resume=True`` finishes an interrupted
    exploration in ``out`` to the same numbers. ``from_fit`` samples the fitted
    uncertainties from a ``peninsula fit`` posterior, ``prior`` ignores the scenario's own fit
    (see :func:`plan`). Returns the opened
    results.

    >>> import peninsula as pn, tempfile
    >>> out = tempfile.mkdtemp()
    >>> ex = pn.explore("korea-2024", samples=2, futures=10, months=2, out=out,
    ...                 executor=pn.executors.Local(), progress=False)
    >>> ex.metadata["experiments"]
    24
    """
    check_output_folder(Path(out))
    the_plan = planned or plan(scenario, samples=samples, futures=futures, sampler=sampler,
                               seed=seed, months=months, from_fit=from_fit, prior=prior)
    spec = resolve(executor)
    folder = Path(out)
    check_output_folder(folder)
    target = folder / FILE_NAME
    if target.exists() and not resume:
        raise FileExistsError(f"{target} already exists; choose another folder, or resume "
                              "an interrupted exploration")
    with _progress(progress, the_plan.total_work, "exploring") as on_progress:
        run_exploration(the_plan, folder, workers=spec.workers, executor=spec.kind,
                        scheduler=spec.scheduler, resume=resume, on_progress=on_progress)
    return open_exploration(folder)


def open_exploration(path: str | Path) -> Exploration:
    """Open a finished exploration folder (or its ``exploration.duckdb``).

    >>> import peninsula as pn, tempfile
    >>> out = tempfile.mkdtemp()
    >>> _ = pn.explore("korea-2024", samples=2, futures=10, months=2, out=out, progress=False)
    >>> pn.open_exploration(out).default_outcome
    'war_on_peninsula'
    """
    return Exploration(open_results(path))


def write_report(exploration: Exploration | str | Path, path: str | Path = "report.html", *,
                 outcome: str | None = None, threshold: float = 0.05,
                 objective: str | None = None, tolerance: float = 0.01,
                 on_written: Callable[[Path, int], None] | None = None) -> Path:
    """Write a self-contained HTML report of an exploration (needs the ``report`` extra).

    >>> import peninsula as pn  # doctest: +SKIP
    >>> pn.write_report(pn.open_exploration("x/"), "report.html")  # doctest: +SKIP
    """
    check_analysis_options(threshold=threshold, tolerance=tolerance)
    ex = exploration if isinstance(exploration, Exploration) else open_exploration(exploration)
    html = render_exploration_report(ex.results, outcome=outcome, threshold=threshold,
                                     objective=objective, tolerance=tolerance)
    written = write_html(html, path)
    if on_written is not None:
        on_written(written, len(html))
    return written

"""Read a stored exploration: probabilities per policy, robustness, sensitivity, discovery.

Pure reading: the experiments table and outcome arrays come out of the DuckDB file written by
:mod:`peninsula.store.explorations` as NumPy arrays, aligned ``[policy, sample, ...]``; every
figure is computed from them with the functions of this package's ``analysis`` box. Nothing
here imports the engine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from scipy.stats import norm, rankdata

from peninsula.analysis.intervals import Estimate, mean_interval
from peninsula.analysis.robustness import RobustnessTable, robustness, weighted_objective
from peninsula.store.explorations import results_path

__all__ = [
    "Comparison",
    "ExplorationResults",
    "PolicyOutcome",
    "Sensitivity",
    "compare_explorations",
    "discover",
    "fan_quantiles",
    "headlines",
    "network",
    "open_results",
    "parse_objective",
    "policy_probabilities",
    "robustness_of",
    "screening",
    "sensitivity",
]


class ResultsError(ValueError):
    """Stored results cannot be read or do not allow the requested analysis."""


@dataclass(frozen=True)
class ExplorationResults:
    """A stored exploration, as arrays aligned ``[policy, sample, ...]``.

    Attributes
    ----------
    path : Path
        The DuckDB file.
    metadata : dict
        Scenario, hashes, seed, sampler, sizes, version and the full specification.
    uncertainties : list of dict
        ``name``, ``path``, ``distribution``, ``low``, ``high``, ``rationale``, in column order.
    levers : list of dict
        ``id``, ``label``, ``actor`` and ``options`` (``id``, ``label``) of each lever.
    policies : list of dict
        ``label`` and ``options`` (lever id → option id) of each policy.
    actors : list of str
        Actor codes in array order.
    outcomes : list of dict
        ``id``, ``label`` and ``kind`` (``binary`` or ``continuous``) of each outcome.
    samples : numpy.ndarray
        Parameter values, shape ``(S, d)``, in sample order.
    seeds : numpy.ndarray
        Engine seed of each sample, shape ``(S,)``.
    value : numpy.ndarray
        Probability (binary) or mean (continuous) per experiment, shape ``(P, S, O)``.
    hits : numpy.ndarray
        Futures in which each binary outcome occurred, shape ``(P, S, O)``.
    rung : numpy.ndarray
        Mean highest escalation rung per quarter, shape ``(P, S, Q)``.
    dyads : dict of numpy.ndarray
        ``relation_start``, ``commitment_start``, ``relation_end``, ``commitment_end``, each
        averaged over samples, shape ``(P, A, A)``.

    """

    path: Path
    metadata: dict[str, Any]
    uncertainties: list[dict[str, Any]]
    levers: list[dict[str, Any]]
    policies: list[dict[str, Any]]
    actors: list[str]
    outcomes: list[dict[str, str]]
    samples: np.ndarray
    seeds: np.ndarray
    value: np.ndarray
    hits: np.ndarray
    rung: np.ndarray
    dyads: dict[str, np.ndarray]

    @property
    def names(self) -> list[str]:
        """Uncertainty names, in column order."""
        return [u["name"] for u in self.uncertainties]

    @property
    def futures(self) -> int:
        """Futures per experiment."""
        return int(self.metadata["futures"])

    @property
    def policy_labels(self) -> list[str]:
        """One label per policy: ``china_answer=mediate, us_posture=deter``."""
        return [p["label"] for p in self.policies]

    @property
    def policy_short(self) -> list[str]:
        """One short label per policy: its option ids in lever order, ``mediate / deter``."""
        return [" / ".join(p["options"].values()) or p["label"] for p in self.policies]

    @property
    def lever_order(self) -> str:
        """What the parts of a short policy label are: ``China's answer / US posture``."""
        return " / ".join(lever["label"] for lever in self.levers) or "policy"

    def outcome_index(self, outcome: str) -> int:
        """Position of ``outcome``; a clear error for an unknown id."""
        ids = [o["id"] for o in self.outcomes]
        if outcome not in ids:
            raise ResultsError(f"unknown outcome {outcome!r}; expected one of {', '.join(ids)}")
        return ids.index(outcome)

    def policy_index(self, policy: str | None) -> int | None:
        """Position of a policy given by its label or by option ids (``mediate,deter``)."""
        if policy is None:
            return None
        wanted = [part.strip() for part in policy.replace("+", ",").split(",") if part.strip()]
        for i, p in enumerate(self.policies):
            if policy == p["label"]:
                return i
            options = [v for v in p["options"].values()]
            pairs = [f"{k}={v}" for k, v in p["options"].items()]
            if sorted(wanted) in (sorted(options), sorted(pairs)):
                return i
        raise ResultsError(f"unknown policy {policy!r}; expected one of: "
                           + "; ".join(self.policy_labels))


def open_results(results: str | Path) -> ExplorationResults:
    """Read an exploration folder (or its ``exploration.duckdb``) into arrays."""
    try:
        path = results_path(results)
    except FileNotFoundError as exc:
        raise ResultsError(str(exc)) from None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise ResultsError(f"{path}: not a readable DuckDB file ({exc})") from None
    try:
        return _read(con, path)
    except duckdb.CatalogException as exc:
        raise ResultsError(f"{path}: not an exploration results file ({exc})") from None
    finally:
        con.close()


def _read(con: duckdb.DuckDBPyConnection, path: Path) -> ExplorationResults:
    row = con.execute("SELECT status, metadata, elapsed_seconds FROM exploration").fetchone()
    if row is None:
        raise ResultsError(f"{path}: the exploration table is empty")
    status, meta_json, elapsed = row
    metadata = json.loads(meta_json)
    metadata["elapsed_seconds"] = elapsed
    if status != "complete":
        raise ResultsError(f"{path}: the exploration did not finish (status {status!r}); "
                           "run it again")
    uncertainties = [
        dict(zip(("name", "path", "distribution", "low", "high", "rationale"), r, strict=True))
        for r in con.execute("SELECT name, path, distribution, low, high, rationale "
                             "FROM uncertainties ORDER BY position").fetchall()]
    levers: list[dict[str, Any]] = []
    for lever, label, actor, option, option_label in con.execute(
            "SELECT lever, label, actor, option, option_label FROM levers "
            "ORDER BY position, option_position").fetchall():
        if not levers or levers[-1]["id"] != lever:
            levers.append({"id": lever, "label": label, "actor": actor, "options": []})
        levers[-1]["options"].append({"id": option, "label": option_label})
    lever_ids = [lever["id"] for lever in levers]
    select = ", ".join(['"' + i + '"' for i in lever_ids])
    policies = []
    for r in con.execute(f"SELECT policy, label{', ' + select if select else ''} FROM policies "
                         "ORDER BY policy").fetchall():
        policies.append({"label": r[1], "options": dict(zip(lever_ids, r[2:], strict=True))})
    actors = [r[0] for r in con.execute("SELECT code FROM actors ORDER BY position").fetchall()]
    outcomes = [dict(zip(("id", "label", "kind"), r, strict=True)) for r in con.execute(
        "SELECT outcome, label, kind FROM outcome_defs ORDER BY position").fetchall()]
    n_p, n_o = len(policies), len(outcomes)
    n_s = int(metadata["samples"])
    names = [u["name"] for u in uncertainties]
    cols = ", ".join('"' + n + '"' for n in names)
    exp = con.execute(f"SELECT sample, seed, {cols} FROM experiments WHERE policy = 0 "
                      "ORDER BY sample").fetchnumpy()
    if len(exp["sample"]) != n_s:
        raise ResultsError(f"{path}: expected {n_s} samples, found {len(exp['sample'])}")
    samples = np.column_stack([np.asarray(exp[n], dtype=np.float64) for n in names])
    seeds = np.asarray(exp["seed"], dtype=np.int64)
    out = con.execute("SELECT o.experiment, d.position, o.value, o.hits FROM outcomes o "
                      "JOIN outcome_defs d ON d.outcome = o.outcome "
                      "ORDER BY o.experiment, d.position").fetchnumpy()
    expected = n_p * n_s * n_o
    if len(out["value"]) != expected:
        raise ResultsError(f"{path}: expected {expected} outcome rows, found {len(out['value'])}")
    # experiment = sample * P + policy: reshape (S, P, O) then put policies first
    value = np.asarray(out["value"], dtype=np.float64).reshape(n_s, n_p, n_o).transpose(1, 0, 2)
    hits = np.asarray(out["hits"], dtype=np.int64).reshape(n_s, n_p, n_o).transpose(1, 0, 2)
    paths = con.execute("SELECT mean_rung FROM paths ORDER BY experiment, quarter").fetchnumpy()
    rung = np.asarray(paths["mean_rung"], dtype=np.float64)
    n_q = rung.size // (n_p * n_s)
    rung = rung.reshape(n_s, n_p, n_q).transpose(1, 0, 2)
    n_a = len(actors)
    dyads: dict[str, np.ndarray] = {}
    frame = con.execute(
        "SELECT e.policy, d.source, d.target, avg(d.relation_start) AS relation_start, "
        "avg(d.commitment_start) AS commitment_start, avg(d.relation_end) AS relation_end, "
        "avg(d.commitment_end) AS commitment_end FROM dyads d "
        "JOIN experiments e ON e.experiment = d.experiment "
        "GROUP BY ALL ORDER BY ALL").fetchnumpy()
    p_idx, s_idx, t_idx = (np.asarray(frame[k], dtype=np.int64)
                           for k in ("policy", "source", "target"))
    for key in ("relation_start", "commitment_start", "relation_end", "commitment_end"):
        arr = np.zeros((n_p, n_a, n_a))
        arr[p_idx, s_idx, t_idx] = np.asarray(frame[key], dtype=np.float64)
        dyads[key] = arr
    return ExplorationResults(path=path, metadata=metadata, uncertainties=uncertainties,
                              levers=levers, policies=policies, actors=actors,
                              outcomes=outcomes, samples=samples, seeds=seeds, value=value,
                              hits=hits, rung=rung, dyads=dyads)


# --------------------------------------------------------------------------- probabilities


@dataclass(frozen=True)
class PolicyOutcome:
    """One outcome under one policy, averaged over the sampled parameter sets."""

    policy: str
    outcome: str
    label: str
    kind: str
    estimate: Estimate
    effective_n: float


def _wilson(p: float, n: float, z: float) -> tuple[float, float]:
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if p <= 0.0 else max(0.0, float(centre - half))
    high = 1.0 if p >= 1.0 else min(1.0, float(centre + half))
    return low, high


def pooled_probability(per_sample: np.ndarray, futures: int,
                       level: float = 0.95) -> tuple[Estimate, float]:
    """Probability averaged over samples, with a Wilson interval at the effective sample size.

    Parameters
    ----------
    per_sample : numpy.ndarray, shape (S,)
        Share of the ``futures`` futures of each sample in which the outcome occurred.
    futures : int
        Futures per sample.
    level : float, optional
        Confidence level (default 0.95).

    Returns
    -------
    (Estimate, float)
        The mean probability with its interval, and the effective sample size.

    Notes
    -----
    The futures of one sample share its parameters, so they are clustered: the variance of the
    mean is estimated from the spread of the per-sample probabilities, ``var(p_s) / S``, which
    holds both the parameter uncertainty and the Monte Carlo noise. The effective sample size
    ``n_eff = p (1 - p) / var`` (at most ``S * futures``, the plain binomial case) is then used
    in Wilson's score interval, which keeps the interval inside [0, 1] and behaves for rare
    outcomes (Korn & Graubard 1998). With a Latin hypercube the variance estimate is
    conservative; with a Sobol design it is approximate.

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
       inference. JASA, 22(158), 209-212.
    .. [2] Korn, E. L., & Graubard, B. I. (1998). Confidence intervals for proportions with
       small expected number of positive counts estimated from survey data. Survey
       Methodology, 24(2), 193-201.

    """
    p_s = np.asarray(per_sample, dtype=np.float64)
    s = p_s.size
    if s == 0:
        raise ValueError("an interval needs at least one sample")
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must lie in (0, 1), got {level}")
    z = float(norm.ppf(0.5 + level / 2.0))
    p = float(p_s.mean())
    n_max = float(s * futures)
    var = float(p_s.var(ddof=1)) / s if s > 1 else 0.0
    n_eff = n_max if var <= 0.0 or p in (0.0, 1.0) else min(n_max, p * (1.0 - p) / var)
    low, high = _wilson(p, n_eff, z)
    return Estimate(p, low, high, s * futures), n_eff


def policy_probabilities(res: ExplorationResults, level: float = 0.95) -> list[PolicyOutcome]:
    """Every outcome under every policy: probability (or mean) with its interval."""
    rows = []
    for p, policy in enumerate(res.policies):
        for o, outcome in enumerate(res.outcomes):
            per_sample = res.value[p, :, o]
            if outcome["kind"] == "binary":
                estimate, n_eff = pooled_probability(per_sample, res.futures, level)
            else:
                estimate, n_eff = mean_interval(per_sample, level), float(per_sample.size)
            rows.append(PolicyOutcome(policy["label"], outcome["id"], outcome["label"],
                                      outcome["kind"], estimate, n_eff))
    return rows


# --------------------------------------------------------------------------- robustness


def parse_objective(text: str) -> tuple[dict[str, float], dict[str, bool]]:
    """Parse ``war_on_peninsula=3,limited_clash=1,+inter_korean_talks=1``.

    Each term is ``outcome=weight``; a leading ``+`` marks an outcome to maximise (the others
    are minimised).
    """
    weights: dict[str, float] = {}
    higher: dict[str, bool] = {}
    for term in text.split(","):
        term = term.strip()
        if not term:
            continue
        if "=" not in term:
            raise ResultsError(f"objective term {term!r}: expected outcome=weight")
        name, _, weight = term.partition("=")
        name = name.strip()
        maximise = name.startswith("+")
        name = name.lstrip("+-").strip()
        try:
            w = float(weight)
        except ValueError:
            raise ResultsError(f"objective term {term!r}: the weight is not a number") from None
        if w < 0:
            raise ResultsError(f"objective term {term!r}: weights must be >= 0 "
                               "(mark outcomes to maximise with a leading '+')")
        weights[name] = w
        higher[name] = maximise
    if not weights:
        raise ResultsError("the objective names no outcome")
    return weights, higher


def robustness_of(res: ExplorationResults, *, outcome: str | None = None,
                  objective: str | Mapping[str, float] | None = None,
                  higher_is_better: bool = False, tolerance: float = 0.01) -> RobustnessTable:
    """Robustness of every policy over the samples for one outcome or a weighted objective.

    ``objective`` (text as in :func:`parse_objective`, or weights to minimise) combines
    outcomes min-max scaled into a higher-is-better score; ``tolerance`` is in outcome units
    (probability points for a binary outcome) or on that score's 0..1 scale.
    """
    names = res.policy_labels
    if objective:
        if isinstance(objective, str):
            weights, higher = parse_objective(objective)
        else:
            weights, higher = dict(objective), {k: False for k in objective}
        matrices = {k: res.value[:, :, res.outcome_index(k)] for k in weights}
        score = weighted_objective(matrices, weights, higher_is_better=higher)
        return robustness(score, lever_names=names, higher_is_better=True, tolerance=tolerance)
    index = res.outcome_index(outcome or _default_outcome(res))
    return robustness(res.value[:, :, index], lever_names=names,
                      higher_is_better=higher_is_better, tolerance=tolerance)


def _default_outcome(res: ExplorationResults) -> str:
    ids = [o["id"] for o in res.outcomes]
    return "war_on_peninsula" if "war_on_peninsula" in ids else ids[0]


# --------------------------------------------------------------------------- sensitivity


@dataclass(frozen=True)
class Sensitivity:
    """Sobol indices of one outcome, or why they could not be computed."""

    outcome: str
    label: str
    names: tuple[str, ...]
    S1: np.ndarray | None
    S1_conf: np.ndarray | None
    ST: np.ndarray | None
    ST_conf: np.ndarray | None
    noise_share: float | None
    message: str | None = None


def _outcome_per_sample(res: ExplorationResults, index: int, policy: int | None) -> np.ndarray:
    if policy is None:
        return res.value[:, :, index].mean(axis=0)
    return res.value[policy, :, index]


def sensitivity(res: ExplorationResults, outcome: str, *,
                policy: str | None = None, seed: int = 0) -> Sensitivity:
    """First-order and total Sobol indices of ``outcome`` (averaged over policies by default).

    Needs an exploration run with ``--sampler sobol``; otherwise the result carries a message
    and no indices. ``noise_share`` estimates the part of the output variance that is Monte
    Carlo noise of the finite ensemble (``mean p(1-p)/futures`` over the variance), which
    inflates total indices by about that much.
    """
    index = res.outcome_index(outcome)
    meta = res.outcomes[index]
    names = tuple(res.names)

    def empty(message: str) -> Sensitivity:
        return Sensitivity(meta["id"], meta["label"], names, None, None, None, None, None,
                           message)

    sampler = res.metadata.get("sampler")
    if sampler != "sobol":
        return empty(f"Sobol indices need an exploration run with --sampler sobol (this one "
                     f"used {sampler}); the chart shows rank correlations instead")
    p_index = res.policy_index(policy)
    y = _outcome_per_sample(res, index, p_index)
    if np.ptp(y) == 0.0:
        return empty(f"{meta['id']} is the same in every sample ({y[0]:.3g}); its indices "
                     "are undefined")
    from peninsula.analysis.sensitivity import sobol_indices

    try:
        result = sobol_indices(names, [(0.0, 1.0)] * len(names), y,
                               calc_second_order=bool(res.metadata.get("calc_second_order")),
                               seed=seed)
    except ValueError as exc:
        return empty(str(exc))
    noise = None
    if meta["kind"] == "binary":
        per_policy = res.value[:, :, index] if p_index is None else res.value[[p_index], :, index]
        mc_var = float(np.mean(per_policy * (1 - per_policy)) / res.futures
                       / per_policy.shape[0])
        total = float(np.var(y, ddof=1))
        noise = min(1.0, mc_var / total) if total > 0 else None
    return Sensitivity(
        meta["id"], meta["label"], names,
        np.array([p.S1 for p in result.parameters]),
        np.array([p.S1_conf for p in result.parameters]),
        np.array([p.ST for p in result.parameters]),
        np.array([p.ST_conf for p in result.parameters]),
        noise,
    )


def screening(res: ExplorationResults, outcome: str, *, policy: str | None = None) -> np.ndarray:
    """Spearman rank correlation of each uncertainty with ``outcome`` (any sampler).

    A screening measure for designs that do not allow Sobol indices: it sees monotone effects
    only, and no interactions.
    """
    index = res.outcome_index(outcome)
    y = _outcome_per_sample(res, index, res.policy_index(policy))
    if np.ptp(y) == 0.0 or res.samples.shape[0] < 3:
        return np.zeros(res.samples.shape[1])
    ry = rankdata(y)
    rho = []
    for j in range(res.samples.shape[1]):
        rx = rankdata(res.samples[:, j])
        if np.ptp(rx) == 0:
            rho.append(0.0)
            continue
        rho.append(float(np.corrcoef(rx, ry)[0, 1]))
    return np.array(rho)


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class Discovery:
    """PRIM boxes for "``outcome`` above ``threshold``", or why there are none."""

    outcome: str
    label: str
    threshold: float
    n_rows: int
    n_of_interest: int
    boxes: tuple
    message: str | None = None
    density: float = 0.5


def discover(res: ExplorationResults, outcome: str, threshold: float, *,
             policy: str | None = None, density: float | None = None,
             max_boxes: int = 2) -> Discovery:
    """PRIM boxes of the parameter regions where ``outcome`` exceeds ``threshold``.

    Rows are experiments (every policy, or one), columns the uncertainties; a row is a case of
    interest when its outcome value is above ``threshold``. Boxes must reach ``density``; by
    default 50%, or three times the share of cases of interest when those are rarer than one in
    six (a box where a rare case is three times as frequent as overall is already a finding).
    See :func:`peninsula.analysis.discovery.prim_boxes` (Friedman & Fisher 1999).
    """
    index = res.outcome_index(outcome)
    meta = res.outcomes[index]
    p_index = res.policy_index(policy)
    values = res.value[:, :, index] if p_index is None else res.value[[p_index], :, index]
    x = np.tile(res.samples, (values.shape[0], 1))
    y = values.reshape(-1) > threshold
    n, k = int(y.size), int(y.sum())

    base = k / n if n else 0.0
    needed = min(0.5, 3.0 * base) if density is None else density
    needed = max(needed, base)

    def result(boxes: tuple = (), message: str | None = None) -> Discovery:
        return Discovery(meta["id"], meta["label"], threshold, n, k, boxes, message, needed)

    if k == 0:
        return result(message=f"no experiment has {meta['id']} above {threshold:g}")
    if k == n:
        return result(message=f"every experiment has {meta['id']} above {threshold:g}")
    from peninsula.analysis.discovery import prim_boxes

    found = prim_boxes(x, res.names, y, threshold=needed, max_boxes=max_boxes)
    if not found.boxes:
        return result(message=f"no box reaches a density of {needed:.0%}")
    return result(tuple(found.boxes))


# --------------------------------------------------------------------------- paths and network


def fan_quantiles(res: ExplorationResults, quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75,
                                                                          0.95)) -> np.ndarray:
    """Quantiles over samples of the per-quarter mean rung: shape ``(P, len(quantiles), Q)``."""
    return np.quantile(res.rung, np.asarray(quantiles), axis=1).transpose(1, 0, 2)


def network(res: ExplorationResults, policy: int | None = None) -> dict[str, Any]:
    """Relations and commitments at the start and at the horizon (mean over samples/policies)."""
    pick = slice(None) if policy is None else [policy]
    return {
        "actors": list(res.actors),
        "start": {"relation": res.dyads["relation_start"][pick].mean(axis=0),
                  "commitment": res.dyads["commitment_start"][pick].mean(axis=0)},
        "end": {"relation": res.dyads["relation_end"][pick].mean(axis=0),
                "commitment": res.dyads["commitment_end"][pick].mean(axis=0)},
    }


# --------------------------------------------------------------------------- compare


@dataclass(frozen=True)
class Comparison:
    """An outcome under one policy in two explorations."""

    policy: str
    outcome: str
    label: str
    kind: str
    a: Estimate
    b: Estimate
    difference: Estimate
    paired: bool


def compare_explorations(a: ExplorationResults, b: ExplorationResults,
                         level: float = 0.95) -> list[Comparison]:
    """Outcomes of the policies and outcomes two explorations share, with B minus A.

    When both ran the same samples on the same seeds the difference is paired sample by sample
    (common random numbers); otherwise the two means are treated as independent.
    """
    same_design = (a.samples.shape == b.samples.shape and np.array_equal(a.samples, b.samples)
                   and np.array_equal(a.seeds, b.seeds))
    z = float(norm.ppf(0.5 + level / 2.0))
    b_policies = {label: i for i, label in enumerate(b.policy_labels)}
    b_outcomes = {o["id"]: i for i, o in enumerate(b.outcomes)}
    rows = []
    for pa, label in enumerate(a.policy_labels):
        if label not in b_policies:
            continue
        pb = b_policies[label]
        for oa, outcome in enumerate(a.outcomes):
            if outcome["id"] not in b_outcomes:
                continue
            ob = b_outcomes[outcome["id"]]
            ya, yb = a.value[pa, :, oa], b.value[pb, :, ob]
            if outcome["kind"] == "binary":
                ea, _ = pooled_probability(ya, a.futures, level)
                eb, _ = pooled_probability(yb, b.futures, level)
            else:
                ea, eb = mean_interval(ya, level), mean_interval(yb, level)
            if same_design:
                diff = mean_interval(yb - ya, level) if ya.size > 1 else Estimate(
                    float(yb.mean() - ya.mean()), -np.inf, np.inf, 1)
            else:
                def var(y: np.ndarray) -> float:
                    return float(y.var(ddof=1)) / y.size if y.size > 1 else np.inf

                d = float(yb.mean() - ya.mean())
                half = z * np.sqrt(var(ya) + var(yb))
                diff = Estimate(d, d - half, d + half, ya.size + yb.size)
            rows.append(Comparison(label, outcome["id"], outcome["label"], outcome["kind"],
                                   ea, eb, diff, same_design))
    if not rows:
        raise ResultsError("the two explorations share no policy and outcome")
    return rows


# --------------------------------------------------------------------------- headlines


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def headlines(res: ExplorationResults, *, outcome: str | None = None, threshold: float = 0.05,
              probabilities: Sequence[PolicyOutcome] | None = None,
              table: RobustnessTable | None = None, sens: Sensitivity | None = None,
              found: Discovery | None = None) -> list[str]:
    """The main findings in words (each a sentence), from figures computed elsewhere."""
    outcome = outcome or _default_outcome(res)
    index = res.outcome_index(outcome)
    meta = res.outcomes[index]
    m = res.metadata
    lines = [
        f"{m['samples']:,} sampled parameter sets x {len(res.policies)} policies x "
        f"{m['futures']:,} futures x {m['months']} months of {m['scenario']} "
        f"({m['samples'] * len(res.policies) * m['futures']:,} futures in all, sampler "
        f"{m['sampler']}, seed {m['seed']})."
    ]
    probabilities = probabilities if probabilities is not None else policy_probabilities(res)
    rows = [r for r in probabilities if r.outcome == outcome]
    if rows and meta["kind"] == "binary":
        low = min(rows, key=lambda r: r.estimate.value)
        high = max(rows, key=lambda r: r.estimate.value)
        lines.append(
            f"{meta['label']}: from {_pct(low.estimate.value)} "
            f"({_pct(low.estimate.low)}-{_pct(low.estimate.high)}) under {low.policy} to "
            f"{_pct(high.estimate.value)} ({_pct(high.estimate.low)}-"
            f"{_pct(high.estimate.high)}) under {high.policy}, averaged over the sampled "
            "assumptions.")
    if table is not None:
        best = table.best("max_regret")
        rec = table[best]
        fmt = _pct if meta["kind"] == "binary" else (lambda x: f"{x:.3g}")
        lines.append(
            f"Most robust policy (smallest maximum regret): {best} - worst case "
            f"{fmt(rec.worst)}, maximum regret {fmt(rec.max_regret)}, near the best in "
            f"{_pct(rec.share_near_best)} of samples.")
        expected = table.best("expected")
        if expected != best:
            lines.append(f"The best policy on average is a different one ({expected}): "
                         "the choice depends on how much weight the bad cases get.")
    if sens is not None and sens.ST is not None:
        order = np.argsort(-sens.ST)[:2]
        top = ", ".join(f"{sens.names[j]} (total index {sens.ST[j]:.2f})" for j in order)
        lines.append(f"The assumptions that decide {meta['label'].lower()} most: {top}.")
    if found is not None and found.boxes:
        box = found.boxes[0]
        limits = "; ".join(f"{r.name} in [{r.lower:.3g}, {r.upper:.3g}]"
                           for r in box.restrictions)
        lines.append(
            f"{meta['label']} above {_pct(found.threshold)} concentrates where {limits} "
            f"(coverage {_pct(box.coverage)}, density {_pct(box.density)}).")
    elif found is not None and found.message:
        lines.append(f"Scenario discovery: {found.message}.")
    return lines

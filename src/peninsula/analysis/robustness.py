"""Robustness of levers across an ensemble of futures: expected value, worst case, regret.

Input is an outcome matrix ``value[lever, sample]``: one row per lever (policy
option of the focal actor), one column per sampled future (the same futures for
every lever, so columns are comparable). Everything here is plain NumPy;
:func:`robustness_of` applies it to a stored exploration (policies x samples) for one outcome
or a weighted objective.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from peninsula.store.explorations import ExplorationResults, ResultsError

__all__ = [
    "LeverRobustness",
    "RobustnessTable",
    "parse_objective",
    "regret_matrix",
    "robustness",
    "robustness_of",
    "weighted_objective",
]

Criterion = Literal["expected", "worst", "max_regret", "mean_regret", "share_near_best"]


@dataclass(frozen=True)
class LeverRobustness:
    """Robustness statistics of one lever over the sampled futures.

    Attributes
    ----------
    lever : str
        Lever name.
    expected : float
        Mean outcome over samples (in outcome units).
    worst : float
        Worst outcome over samples: the minimum when higher is better, the
        maximum when lower is better.
    max_regret : float
        Largest regret over samples (Savage's criterion; smaller is better).
    mean_regret : float
        Mean regret over samples.
    share_near_best : float
        Share of samples in which the lever's regret is at most the tolerance,
        i.e. the lever is (near-)best in that future.

    """

    lever: str
    expected: float
    worst: float
    max_regret: float
    mean_regret: float
    share_near_best: float


@dataclass(frozen=True)
class RobustnessTable:
    """Robustness statistics for every lever, with the choice under each criterion.

    Attributes
    ----------
    levers : tuple of LeverRobustness
        One record per lever, in input row order.
    higher_is_better : bool
        Orientation of the outcome.
    tolerance : float
        Regret tolerance used for ``share_near_best``.
    n_samples : int
        Number of sampled futures.

    """

    levers: tuple[LeverRobustness, ...]
    higher_is_better: bool
    tolerance: float
    n_samples: int

    def __getitem__(self, lever: str) -> LeverRobustness:
        """Return the record of ``lever``."""
        for rec in self.levers:
            if rec.lever == lever:
                return rec
        raise KeyError(lever)

    def best(self, criterion: Criterion) -> str:
        """Name of the lever preferred under ``criterion``.

        ``"expected"`` maximises expected value (minimises it when lower is
        better); ``"worst"`` is maximin (Wald); ``"max_regret"`` is minimax
        regret (Savage); ``"mean_regret"`` minimises mean regret;
        ``"share_near_best"`` maximises the share of near-best futures. Ties go
        to the lever listed first.
        """
        sign = 1.0 if self.higher_is_better else -1.0
        keys: dict[str, tuple[str, float]] = {
            "expected": ("expected", sign),
            "worst": ("worst", sign),
            "max_regret": ("max_regret", -1.0),
            "mean_regret": ("mean_regret", -1.0),
            "share_near_best": ("share_near_best", 1.0),
        }
        if criterion not in keys:
            raise ValueError(f"unknown criterion {criterion!r}; choose one of {sorted(keys)}")
        attr, s = keys[criterion]
        scores = np.array([s * getattr(rec, attr) for rec in self.levers])
        return self.levers[int(np.argmax(scores))].lever


def _as_matrix(values: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.ndim != 2:
        raise ValueError(f"values must be a 2-D matrix value[lever, sample], got shape {v.shape}")
    if v.shape[0] < 1 or v.shape[1] < 1:
        raise ValueError(f"values needs at least one lever and one sample, got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        bad = int(np.count_nonzero(~np.isfinite(v)))
        raise ValueError(
            f"values contain {bad} non-finite entries; drop or impute failed runs first"
        )
    return v


def regret_matrix(
    values: np.ndarray | Sequence[Sequence[float]], *, higher_is_better: bool = True
) -> np.ndarray:
    """Regret of each lever in each sampled future.

    Parameters
    ----------
    values : array_like, shape (n_levers, n_samples)
        Outcome of each lever in each future.
    higher_is_better : bool, optional
        ``False`` for outcomes to minimise (e.g. probability of war).

    Returns
    -------
    numpy.ndarray, shape (n_levers, n_samples)
        ``regret[l, s] = max_k value[k, s] - value[l, s]`` when higher is
        better, ``value[l, s] - min_k value[k, s]`` otherwise. Always
        ``>= 0``, and exactly ``0`` for the best lever of each future.

    References
    ----------
    .. [1] Savage, L. J. (1951). The theory of statistical decision. Journal of
       the American Statistical Association, 46(253), 55-67.

    """
    v = _as_matrix(values)
    if higher_is_better:
        return v.max(axis=0, keepdims=True) - v
    return v - v.min(axis=0, keepdims=True)


def robustness(
    values: np.ndarray | Sequence[Sequence[float]],
    *,
    lever_names: Sequence[str] | None = None,
    higher_is_better: bool = True,
    tolerance: float = 0.0,
) -> RobustnessTable:
    """Compute expected value, worst case and regret statistics for each lever.

    Parameters
    ----------
    values : array_like, shape (n_levers, n_samples)
        Outcome of each lever in each sampled future; the futures (columns)
        must be the same for all levers.
    lever_names : sequence of str, optional
        One name per row; defaults to ``"lever_0"``, ``"lever_1"``, ...
    higher_is_better : bool, optional
        Orientation of the outcome; ``False`` for e.g. probability of war.
    tolerance : float, optional
        A lever counts as near-best in a future when its regret there is at
        most ``tolerance`` (outcome units, ``>= 0``; default ``0``: exactly
        best, ties included).

    Returns
    -------
    RobustnessTable
        Per-lever statistics; :meth:`RobustnessTable.best` picks a lever under
        a named decision criterion.

    Notes
    -----
    Regret is relative to the best lever *among those supplied*: adding or
    removing a lever can change every other lever's regret (minimax regret
    violates independence of irrelevant alternatives). The comparison with
    ``tolerance`` is exact (``regret <= tolerance``); with outcomes that are
    themselves Monte Carlo estimates, choose a tolerance at least as large as
    their standard error, or near-ties will be decided by noise.

    References
    ----------
    .. [1] Savage, L. J. (1951). The theory of statistical decision. Journal of
       the American Statistical Association, 46(253), 55-67.
    .. [2] Wald, A. (1950). Statistical Decision Functions. Wiley.
    .. [3] Lempert, R. J., Popper, S. W., & Bankes, S. C. (2003). Shaping the
       Next One Hundred Years: New Methods for Quantitative, Long-Term Policy
       Analysis. RAND, MR-1626-RPC.

    """
    v = _as_matrix(values)
    n_levers, n_samples = v.shape
    if lever_names is None:
        names = tuple(f"lever_{i}" for i in range(n_levers))
    else:
        names = tuple(str(n) for n in lever_names)
        if len(names) != n_levers:
            raise ValueError(f"got {len(names)} lever names for {n_levers} rows of values")
        if len(set(names)) != len(names):
            raise ValueError(f"lever names must be unique, got {names}")
    tol = float(tolerance)
    if not (np.isfinite(tol) and tol >= 0.0):
        raise ValueError(f"tolerance must be finite and >= 0, got {tolerance}")

    regret = regret_matrix(v, higher_is_better=higher_is_better)
    expected = v.mean(axis=1)
    worst = v.min(axis=1) if higher_is_better else v.max(axis=1)
    max_regret = regret.max(axis=1)
    mean_regret = regret.mean(axis=1)
    share = (regret <= tol).mean(axis=1)
    levers = tuple(
        LeverRobustness(
            lever=names[i],
            expected=float(expected[i]),
            worst=float(worst[i]),
            max_regret=float(max_regret[i]),
            mean_regret=float(mean_regret[i]),
            share_near_best=float(share[i]),
        )
        for i in range(n_levers)
    )
    return RobustnessTable(
        levers=levers, higher_is_better=higher_is_better, tolerance=tol, n_samples=n_samples
    )


def weighted_objective(
    outcomes: Mapping[str, np.ndarray],
    weights: Mapping[str, float],
    *,
    higher_is_better: Mapping[str, bool] | None = None,
    normalize: Literal["none", "minmax"] = "minmax",
) -> np.ndarray:
    """Combine several outcome matrices into one higher-is-better objective.

    Parameters
    ----------
    outcomes : mapping of str to array_like, each shape (n_levers, n_samples)
        Outcome matrices, all of the same shape.
    weights : mapping of str to float
        Non-negative weight per outcome, same keys as ``outcomes``; they are
        rescaled to sum to one.
    higher_is_better : mapping of str to bool, optional
        Orientation per outcome (default: every outcome higher is better).
        Outcomes to minimise enter with a negative sign (or as ``1 - x`` after
        min-max scaling).
    normalize : {"minmax", "none"}, optional
        ``"minmax"`` (default) rescales each outcome to [0, 1] over the whole
        matrix (all levers and samples) before weighting, so that units do
        not set the trade-off; a constant outcome becomes 0. ``"none"``
        weights raw values.

    Returns
    -------
    numpy.ndarray, shape (n_levers, n_samples)
        ``sum_k w_k * u_k(x_k)``, higher is better; feed it to
        :func:`robustness`.

    Notes
    -----
    Min-max scaling depends on the ensemble: the same weights give a
    different trade-off on a different set of levers or samples. Fix the
    scale externally (``normalize="none"`` on pre-scaled outcomes) when
    results must be comparable across runs.

    References
    ----------
    .. [1] Keeney, R. L., & Raiffa, H. (1976). Decisions with Multiple
       Objectives: Preferences and Value Tradeoffs. Wiley. (Additive value
       model.)

    """
    if set(outcomes) != set(weights):
        raise ValueError(
            f"outcomes and weights must have the same keys, got {sorted(outcomes)} "
            f"and {sorted(weights)}"
        )
    if not outcomes:
        raise ValueError("at least one outcome is required")
    orient = dict(higher_is_better or {})
    unknown = set(orient) - set(outcomes)
    if unknown:
        raise ValueError(f"higher_is_better names unknown outcomes: {sorted(unknown)}")
    if normalize not in ("none", "minmax"):
        raise ValueError(f"normalize must be 'none' or 'minmax', got {normalize!r}")
    w = {k: float(v) for k, v in weights.items()}
    if any(not np.isfinite(x) or x < 0 for x in w.values()):
        raise ValueError(f"weights must be finite and >= 0, got {w}")
    total = sum(w.values())
    if total <= 0:
        raise ValueError("weights must not all be zero")

    shape: tuple[int, ...] | None = None
    combined: np.ndarray | None = None
    for key in sorted(outcomes):
        x = _as_matrix(outcomes[key])
        if shape is None:
            shape = x.shape
        elif x.shape != shape:
            raise ValueError(f"outcome {key!r} has shape {x.shape}, expected {shape}")
        term = (w[key] / total) * _utility(x, orient.get(key, True), normalize)
        combined = term if combined is None else combined + term
    assert combined is not None
    return combined


def _utility(x: np.ndarray, better_high: bool, normalize: str) -> np.ndarray:
    """One outcome matrix oriented higher-is-better, min-max scaled to [0, 1] if asked."""
    if normalize != "minmax":
        return x if better_high else -x
    lo, hi = float(x.min()), float(x.max())
    if hi <= lo:
        return np.zeros_like(x)
    u = (x - lo) / (hi - lo)
    return u if better_high else 1.0 - u


# --------------------------------------------------------------------------- explorations


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
    index = res.outcome_index(outcome or res.default_outcome)
    return robustness(res.value[:, :, index], lever_names=names,
                      higher_is_better=higher_is_better, tolerance=tolerance)

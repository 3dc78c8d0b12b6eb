"""Every outcome under every policy of a stored exploration, pooled over the sampled assumptions.

A policy's probability of an outcome is the mean over samples of the share of futures in which
it occurred; its interval accounts for the futures of one sample sharing its parameters
(:func:`pooled_probability`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from peninsula.analysis.intervals import Estimate, mean_interval
from peninsula.store.explorations import ExplorationResults

__all__ = ["PolicyOutcome", "policy_probabilities", "pooled_probability"]


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

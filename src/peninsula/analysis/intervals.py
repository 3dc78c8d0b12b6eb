"""Confidence intervals for outcome probabilities, means and paired differences.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
*Journal of the American Statistical Association*, 22(158), 209-212.

"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval."""

    value: float
    low: float
    high: float
    n: int

    def excludes_zero(self) -> bool:
        """Whether the interval lies entirely above or below zero."""
        return self.low > 0.0 or self.high < 0.0


def _z(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must lie in (0, 1), got {level}")
    return float(norm.ppf(0.5 + level / 2.0))


def wilson_interval(successes: int, n: int, level: float = 0.95) -> Estimate:
    """Probability of a binary outcome with Wilson's score interval.

    Notes
    -----
    Unlike the Wald interval it stays inside [0, 1] and keeps close to its nominal coverage
    for rare outcomes (a war in a few percent of futures) and small ensembles.

    """
    if n <= 0:
        raise ValueError("an interval needs at least one observation")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must lie in [0, {n}], got {successes}")
    z = _z(level)
    p = successes / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Estimate(p, low, high, n)


def mean_interval(values: np.ndarray, level: float = 0.95) -> Estimate:
    """Mean of a sample with a normal-approximation interval (large ensembles)."""
    values = np.asarray(values, dtype=np.float64)
    n = values.size
    if n == 0:
        raise ValueError("an interval needs at least one observation")
    mean = float(values.mean())
    half = _z(level) * float(values.std(ddof=1)) / np.sqrt(n) if n > 1 else float("inf")
    return Estimate(mean, mean - half, mean + half, n)


def paired_difference(treated: np.ndarray, baseline: np.ndarray, level: float = 0.95) -> Estimate:
    """Mean of ``treated - baseline`` over the same futures (common random numbers).

    Notes
    -----
    Both arms use the same random draws, so the variance of the difference is that of the
    per-future differences, usually far smaller than for independent samples. For binary
    outcomes this is the Wald interval of a paired difference of proportions; if no future
    differs, the interval is [0, 0].

    """
    treated = np.asarray(treated, dtype=np.float64)
    baseline = np.asarray(baseline, dtype=np.float64)
    if treated.shape != baseline.shape:
        raise ValueError("paired samples must have the same shape")
    return mean_interval(treated - baseline, level)
